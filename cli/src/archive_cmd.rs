//! `racelab archive update`: adds the catalog's files, and the set of files of each of its
//! scenarios, to the archive of past versions in `traces/archive/` (run it after changing a file
//! of `traces/`; a test of the core fails until it has been run). The format and the rules are
//! the core's (`racelab_core::archive`); this reads and writes the files.

use std::path::{Path, PathBuf};

use racelab_core::lab::Archive;

use crate::cli::ArchiveUpdateArgs;
use crate::CliError;

fn read_race_files(root: &Path) -> Result<Vec<(String, String)>, String> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) -> std::io::Result<()> {
        for e in std::fs::read_dir(dir)? {
            let path = e?.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n == "archive") && dir == root {
                    continue;
                }
                walk(&path, root, out)?;
            } else if path.extension().is_some_and(|x| x == "race") {
                let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
                out.push((rel, std::fs::read_to_string(&path)?));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(root, root, &mut out).map_err(|e| format!("{}: {e}", root.display()))?;
    out.sort();
    Ok(out)
}

/// Today's date (UTC) as YYYY-MM-DD, from the days since 1970 (the civil-from-days algorithm).
fn today() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

pub fn update(a: &ArchiveUpdateArgs) -> Result<(), CliError> {
    update_in(a).map_err(CliError::Input)
}

fn update_in(a: &ArchiveUpdateArgs) -> Result<(), String> {
    let traces = PathBuf::from(&a.traces);
    let from = a.from.as_ref().map(PathBuf::from);
    let date = a.date.clone().unwrap_or_else(today);
    if date.len() != 10 || !date.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() }) {
        return Err(format!("--date {}: not YYYY-MM-DD", racelab_core::lab::echo(&date)));
    }
    let v1 = a.v1_baseline;
    let dir = traces.join("archive");
    let mut archive = match std::fs::read_to_string(dir.join("index.txt")) {
        Err(_) => Archive::default(),
        Ok(index) => {
            let mut blobs = Vec::new();
            for e in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
                let path = e.map_err(|e| e.to_string())?.path();
                if let Some(hash) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".z")) {
                    blobs.push((hash.to_string(), std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?));
                }
            }
            Archive::parse(&index, blobs.iter().map(|(h, b)| (h.as_str(), b.as_slice())))?
        }
    };
    let current = read_race_files(&traces)?;
    let added = match &from {
        Some(f) => read_race_files(f)?,
        None => current.clone(),
    };
    for line in archive.add_catalog(&added, &date) {
        say!("added {line}");
    }
    if v1 {
        archive.set_v1_baseline(&added);
    }
    let collisions = archive.collisions();
    if !collisions.is_empty() {
        return Err(format!("pins collide, so links could not tell these versions apart: {}", collisions.join("; ")));
    }
    let files = archive.to_files(&current)?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for e in std::fs::read_dir(&dir).map_err(|e| e.to_string())? {
        let path = e.map_err(|e| e.to_string())?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        if name.ends_with(".z") && !files.iter().any(|(n, _)| *n == name) {
            std::fs::remove_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    for (name, bytes) in &files {
        let path = dir.join(name);
        if std::fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
            std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    let total: usize = files.iter().map(|(_, b)| b.len()).sum();
    say!("{}: {} versions, {} sets, {total} bytes", dir.display(), files.len() - 1, archive.sets.len());
    Ok(())
}
