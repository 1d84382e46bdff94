//! Embeds every `.race` file under `traces/` into the library, so the CLI and the web app carry
//! the catalog without reading files at run time. A new race is a new file: no Rust changes.

use std::path::{Path, PathBuf};
use std::{env, fs};

fn collect(dir: &Path, root: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            collect(&path, root, out);
        } else if path.extension().is_some_and(|x| x == "race") {
            let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            out.push((rel, path));
        }
    }
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.join("..").join("traces");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    let mut code = String::from("/// Every `.race` file of `traces/`, by path relative to it.\npub static FILES: &[(&str, &str)] = &[\n");
    for (rel, path) in &files {
        code.push_str(&format!("    ({rel:?}, include_str!({:?})),\n", path.canonicalize().unwrap()));
    }
    code.push_str("];\n");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    fs::write(out.join("catalog_files.rs"), code).unwrap();
    fs::write(out.join("canonical_tests.rs"), canonical_tests(&files)).unwrap();
    fs::write(out.join("archive_files.rs"), archive(&root, &files)).unwrap();
}

/// The archive of past versions (`traces/archive/`): its index, and every version that is not a
/// file of the catalog as it is now (those are embedded already, as the catalog).
fn archive(root: &Path, files: &[(String, PathBuf)]) -> String {
    use sha2::{Digest, Sha256};
    let dir = root.join("archive");
    let current: Vec<String> =
        files.iter().map(|(_, p)| Sha256::digest(fs::read(p).unwrap())[..8].iter().map(|b| format!("{b:02x}")).collect()).collect();
    let mut code = String::from("/// `traces/archive/index.txt`.\n");
    match dir.join("index.txt").canonicalize() {
        Ok(p) => code.push_str(&format!("pub static INDEX: &str = include_str!({p:?});\n")),
        Err(_) => code.push_str("pub static INDEX: &str = \"racelab archive 1\\n\";\n"),
    }
    code.push_str("/// The past versions: (hash, deflated file).\npub static BLOBS: &[(&str, &[u8])] = &[\n");
    let mut blobs: Vec<(String, PathBuf)> = fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            name.strip_suffix(".z").map(|h| (h.to_string(), e.path()))
        })
        .collect();
    blobs.sort();
    for (hash, path) in blobs {
        if !current.contains(&hash) {
            code.push_str(&format!("    ({hash:?}, include_bytes!({:?})),\n", path.canonicalize().unwrap()));
        }
    }
    code.push_str("];\n");
    code
}

/// One `#[test]` per canonical trace and policy (`tests/canonical.rs` includes them), so that
/// `cargo test` names each case. A plain scan of the lines `scenario`, `trace` and `expect`:
/// the real parsing, and every check, happen in the test.
fn canonical_tests(files: &[(String, PathBuf)]) -> String {
    let mut code = String::new();
    for (_, path) in files {
        let text = fs::read_to_string(path).unwrap();
        let (mut scenario, mut trace) = (None::<String>, None::<String>);
        for line in text.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["scenario", id, ..] => scenario = Some(id.to_string()),
                ["trace", name, ..] => trace = Some(name.to_string()),
                ["expect", policy, rest @ ..] => {
                    let (Some(sc), Some(tr)) = (&scenario, &trace) else { continue };
                    let model = match rest {
                        ["on", m, ..] => m.replace('-', "_"),
                        _ => "sc".to_string(),
                    };
                    let suffix = if model == "sc" { String::new() } else { format!("_on_{model}") };
                    code.push_str(&format!(
                        "#[test]\nfn {sc}_{tr}_under_{policy}{suffix}() {{\n    check({sc:?}, {tr:?}, {policy:?}, {model:?});\n}}\n\n"
                    ));
                }
                _ => {}
            }
        }
    }
    code
}
