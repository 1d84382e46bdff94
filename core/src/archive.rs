//! The archive of past versions of `traces/`: every version of every file that a link may pin,
//! by content hash, and the set of files each scenario was loaded from at each version, so a
//! link made from an older catalog opens that catalog's scenario exactly.
//!
//! In the repository it is `traces/archive/`: `index.txt`, one line per set
//! (`set DATE SCENARIO PATH@HASH…`) and per scenario's version 1 baseline (`v1 SCENARIO
//! PATH@HASH…`: the files of the day versioned links began, which a link without a pin was made
//! from), and one `HASH.z` per version: raw deflate of `racelab version 1`, `path PATH`, then
//! `full` and the text, or `edit BASE` and an edit script ([`crate::patch`]) of the version
//! `BASE` of the same path in the catalog of the day. The build embeds the index and every
//! version that is not a file of the current catalog (those are embedded already), so the
//! archive adds only the edits of past versions to the bundle.
//!
//! [`Archive::add_catalog`] and [`Archive::to_files`] are the `archive update` tool's core; a test
//! fails when a file of the catalog is missing from the archive.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use crate::catalog::{self, Catalog};
use crate::layout::MemoryModel;
use crate::pack;
use crate::patch;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/archive_files.rs"));
}

/// The largest file of the archive once inflated.
const MAX_VERSION_BYTES: usize = 4 << 20;
/// Version 1 links were made under these semantics versions of every model.
pub const V1_SEMANTICS: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Body {
    Full(Arc<str>),
    Edit { base: String, script: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Version {
    path: String,
    body: Body,
}

/// The files one scenario was loaded from at one version of the catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Set {
    pub scenario: String,
    /// The day this set was first archived (`2026-11-22`); empty for a baseline.
    pub date: String,
    /// (path, [`pack::file_hash`]), the scenario's own file first.
    pub files: Vec<(String, String)>,
}

impl Set {
    pub fn pin(&self, model: MemoryModel, semantics: u32, chars: usize) -> String {
        catalog::pin_of_len(self.files.iter().map(|(p, h)| (p.as_str(), h.as_str())), model, semantics, chars)
    }

    fn same_files(&self, other: &Set) -> bool {
        let mut a = self.files.clone();
        let mut b = other.files.clone();
        a.sort();
        b.sort();
        self.scenario == other.scenario && a == b
    }

    fn line(&self, kind: &str) -> String {
        let files: Vec<String> = self.files.iter().map(|(p, h)| format!("{p}@{h}")).collect();
        match kind {
            "set" => format!("set {} {} {}", self.date, self.scenario, files.join(" ")),
            _ => format!("v1 {} {}", self.scenario, files.join(" ")),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Archive {
    versions: BTreeMap<String, Version>,
    pub sets: Vec<Set>,
    /// The version 1 baseline of each scenario that had one.
    pub v1: Vec<Set>,
}

fn parse_set(words: &[&str], scenario: &str, date: &str) -> Result<Set, String> {
    let mut files = Vec::new();
    for w in words {
        let (p, h) = w.split_once('@').ok_or_else(|| format!("`{w}` is not PATH@HASH"))?;
        files.push((p.to_string(), h.to_string()));
    }
    if files.is_empty() {
        return Err(format!("the set of {scenario} has no files"));
    }
    Ok(Set { scenario: scenario.to_string(), date: date.to_string(), files })
}

fn decode_version(name: &str, bytes: &[u8]) -> Result<Version, String> {
    let text = pack::inflate(bytes, MAX_VERSION_BYTES).map_err(|e| format!("{name}: {e:?}"))?;
    let text = String::from_utf8(text).map_err(|_| format!("{name}: not UTF-8"))?;
    let rest = text.strip_prefix("racelab version 1\npath ").ok_or_else(|| format!("{name}: no `racelab version 1` header"))?;
    let (path, rest) = rest.split_once('\n').ok_or_else(|| format!("{name}: no path"))?;
    let (kind, body) = rest.split_once('\n').ok_or_else(|| format!("{name}: no body"))?;
    let body = match kind.split_once(' ') {
        None if kind == "full" => Body::Full(Arc::from(body)),
        Some(("edit", base)) => Body::Edit { base: base.to_string(), script: body.to_string() },
        _ => return Err(format!("{name}: `{}` is neither `full` nor `edit BASE`", crate::limits::echo(kind))),
    };
    Ok(Version { path: path.to_string(), body })
}

impl Archive {
    /// Reads `index.txt` and the `HASH.z` files of `traces/archive/`.
    pub fn parse<'a>(index: &str, blobs: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Result<Archive, String> {
        let mut a = Archive::default();
        let mut lines = index.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#'));
        if lines.next() != Some("racelab archive 1") {
            return Err("index.txt does not start with `racelab archive 1`".into());
        }
        for (n, line) in lines.enumerate() {
            let words: Vec<&str> = line.split(' ').collect();
            let at = |e: String| format!("index.txt, entry {}: {e}", n + 1);
            match words.as_slice() {
                ["set", date, scenario, files @ ..] => a.sets.push(parse_set(files, scenario, date).map_err(at)?),
                ["v1", scenario, files @ ..] => a.v1.push(parse_set(files, scenario, "").map_err(at)?),
                _ => return Err(at(format!("`{}` is not an entry", crate::limits::echo(line)))),
            }
        }
        for (hash, bytes) in blobs {
            a.versions.insert(hash.to_string(), decode_version(hash, bytes)?);
        }
        Ok(a)
    }

    /// The archive built into this binary: the embedded past versions and the current catalog's
    /// files. Decoded once.
    pub fn builtin() -> Arc<Archive> {
        static ARCHIVE: OnceLock<Arc<Archive>> = OnceLock::new();
        ARCHIVE
            .get_or_init(|| {
                // The build embeds only what parses (see build.rs); a damaged index is caught by
                // the archive's tests, and here leaves an empty archive rather than no page.
                let mut a = Archive::parse(embedded::INDEX, embedded::BLOBS.iter().map(|(h, b)| (*h, *b))).unwrap_or_default();
                for (path, text) in crate::catalog::builtin_files() {
                    a.add_version(path, text);
                }
                Arc::new(a)
            })
            .clone()
    }

    fn add_version(&mut self, path: &str, text: &str) -> String {
        let hash = pack::file_hash(text);
        self.versions.entry(hash.clone()).or_insert_with(|| Version { path: path.to_string(), body: Body::Full(Arc::from(text)) });
        hash
    }

    pub fn knows(&self, hash: &str) -> bool {
        self.versions.contains_key(hash)
    }

    /// Every hash the archive holds.
    pub fn hashes(&self) -> impl Iterator<Item = &str> {
        self.versions.keys().map(String::as_str)
    }

    /// The text of the version `hash`, rebuilt and checked against its hash.
    pub fn text(&self, hash: &str) -> Result<Arc<str>, String> {
        self.text_at(hash, 0)
    }

    fn text_at(&self, hash: &str, depth: usize) -> Result<Arc<str>, String> {
        let v = self.versions.get(hash).ok_or_else(|| format!("the archive has no version {hash}"))?;
        if depth > 64 {
            return Err(format!("version {hash} of {} is an edit of an edit … 64 deep", v.path));
        }
        let text: Arc<str> = match &v.body {
            Body::Full(t) => t.clone(),
            Body::Edit { base, script } => {
                let base = self.text_at(base, depth + 1)?;
                Arc::from(patch::apply(&base, script).map_err(|e| format!("version {hash} of {}: {e}", v.path))?)
            }
        };
        if pack::file_hash(&text) != hash {
            return Err(format!("version {hash} of {} does not match its hash (the archive is damaged)", v.path));
        }
        Ok(text)
    }

    /// The texts of a set's files, as (path, text) pairs a catalog loads.
    pub fn files(&self, set: &Set) -> Result<Vec<(String, String)>, String> {
        set.files.iter().map(|(p, h)| Ok((p.clone(), self.text(h)?.to_string()))).collect()
    }

    /// The sets of `scenario` whose pin under `model` and some semantics version up to the
    /// current one is `pin`, with that semantics version, newest semantics first.
    pub fn find(&self, scenario: &str, model: MemoryModel, pin: &str) -> Vec<(&Set, u32)> {
        let mut out: Vec<(&Set, u32)> = Vec::new();
        for sem in (1..=model.semantics()).rev() {
            for s in self.sets.iter().chain(&self.v1).filter(|s| s.scenario == scenario) {
                if s.pin(model, sem, pin.len()) == pin && !out.iter().any(|(o, _)| o.same_files(s)) {
                    out.push((s, sem));
                }
            }
        }
        out
    }

    pub fn v1_baseline(&self, scenario: &str) -> Option<&Set> {
        self.v1.iter().find(|s| s.scenario == scenario)
    }

    /// Adds every `.race` file of a catalog (path, text) and the set of files of every scenario
    /// that loads from it, dated `date`. Returns what was new, one line each.
    pub fn add_catalog(&mut self, files: &[(String, String)], date: &str) -> Vec<String> {
        let mut added = Vec::new();
        for (path, text) in files {
            if !self.knows(&pack::file_hash(text)) {
                added.push(format!("version {} of {path}", pack::file_hash(text)));
            }
            self.add_version(path, text);
        }
        let cat = Catalog::from_sources(files.iter().cloned());
        for sc in &cat.scenarios {
            let set = Set {
                scenario: sc.id.clone(),
                date: date.to_string(),
                files: sc.files.iter().map(|f| (f.path.clone(), f.hash.clone())).collect(),
            };
            if !self.sets.iter().any(|s| s.same_files(&set)) {
                added.push(format!("set of {} ({date})", sc.id));
                self.sets.push(set);
            }
        }
        added
    }

    /// Records the sets of `files`' scenarios as the version 1 baseline (once: links without a
    /// pin were made from the catalog of the day versioned links began).
    pub fn set_v1_baseline(&mut self, files: &[(String, String)]) {
        let cat = Catalog::from_sources(files.iter().cloned());
        for sc in &cat.scenarios {
            if self.v1_baseline(&sc.id).is_none() {
                let files = sc.files.iter().map(|f| (f.path.clone(), f.hash.clone())).collect();
                self.v1.push(Set { scenario: sc.id.clone(), date: String::new(), files });
            }
        }
    }

    /// Pins that two different sets of one scenario share (under any model and semantics
    /// version): a link with one of them could not say which it was made from.
    pub fn collisions(&self) -> Vec<String> {
        let mut seen: BTreeMap<(String, String), &Set> = BTreeMap::new();
        let mut out = Vec::new();
        for m in MemoryModel::ALL {
            for sem in 1..=m.semantics() {
                for s in self.sets.iter().chain(&self.v1) {
                    let key = (s.scenario.clone(), format!("{}:{sem}:{}", m.name(), s.pin(m, sem, catalog::PIN_CHARS)));
                    match seen.get(&key) {
                        Some(o) if !o.same_files(s) => out.push(format!("{} under {} has pin {} twice", s.scenario, m.name(), key.1)),
                        Some(_) => {}
                        None => {
                            seen.insert(key, s);
                        }
                    }
                }
            }
        }
        out
    }

    /// The archive as the files of `traces/archive/` (name, bytes), each past version an edit of
    /// the current version of its path (`current`: the catalog's files) where that is shorter.
    pub fn to_files(&self, current: &[(String, String)]) -> Result<Vec<(String, Vec<u8>)>, String> {
        let now: BTreeMap<&str, String> = current.iter().map(|(p, t)| (p.as_str(), pack::file_hash(t))).collect();
        let mut out = Vec::new();
        let mut index = String::from(
            "racelab archive 1\n# Every version of a file of traces/ that a link may pin (HASH.z), and the files each scenario\n# was loaded from (set DATE SCENARIO PATH@HASH…; v1: what links without a pin were made from).\n# Written by `racelab archive update`; see core/src/archive.rs.\n",
        );
        let mut sets: Vec<String> = self.sets.iter().map(|s| s.line("set")).collect();
        sets.sort();
        let mut v1: Vec<String> = self.v1.iter().map(|s| s.line("v1")).collect();
        v1.sort();
        for l in sets.iter().chain(&v1) {
            index.push_str(l);
            index.push('\n');
        }
        out.push(("index.txt".to_string(), index.into_bytes()));
        for (hash, v) in &self.versions {
            let text = self.text(hash)?;
            let mut body = format!("racelab version 1\npath {}\nfull\n{text}", v.path);
            if let Some(base) = now.get(v.path.as_str()).filter(|b| *b != hash && self.knows(b)) {
                if let Some(script) = patch::diff(&self.text(base)?, &text) {
                    if script.len() < text.len() {
                        body = format!("racelab version 1\npath {}\nedit {base}\n{script}", v.path);
                    }
                }
            }
            out.push((format!("{hash}.z"), pack::deflate(body.as_bytes())));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCENARIO: &str = r#"racelab 1
use "kernel/lib.race"
policy p {
  title "p"
  fate baseline "b"
}
scenario s {
  title "s"
  policies p
  baseline p
  exists "a.r0 == 1"
}
state {
  var x
}
thread a on CPU0 {
  r0 = READ_ONCE(x)
}
"#;

    fn files(memory: &str) -> Vec<(String, String)> {
        vec![("kernel/lib.race".to_string(), format!("racelab 1\n{memory}")), ("s.race".to_string(), SCENARIO.to_string())]
    }

    #[test]
    fn the_fixture_loads() {
        let cat = Catalog::from_sources(files("# one\n"));
        assert!(cat.errors.is_empty() && cat.scenarios.len() == 1, "{:?}", cat.errors);
    }

    #[test]
    fn past_versions_are_kept_as_edits_and_come_back_exactly() {
        let mut a = Archive::default();
        let old = files("# one\n# two\n");
        let new = files("# one\n# three\n");
        a.add_catalog(&old, "2026-01-01");
        let added = a.add_catalog(&new, "2026-02-01");
        assert!(added.iter().any(|l| l.starts_with("version ") && l.ends_with(" of kernel/lib.race")), "{added:?}");
        let written = a.to_files(&new).unwrap();
        let old_hash = pack::file_hash(&old[0].1);
        let blob = &written.iter().find(|(n, _)| *n == format!("{old_hash}.z")).unwrap().1;
        let inflated = String::from_utf8(pack::inflate(blob, 1 << 20).unwrap()).unwrap();
        assert!(
            inflated.starts_with(&format!("racelab version 1\npath kernel/lib.race\nedit {}\n", pack::file_hash(&new[0].1))),
            "{inflated}"
        );
        let back = Archive::parse(
            std::str::from_utf8(&written[0].1).unwrap(),
            written[1..].iter().map(|(n, b)| (n.strip_suffix(".z").unwrap(), b.as_slice())),
        )
        .unwrap();
        assert_eq!(&*back.text(&old_hash).unwrap(), old[0].1);
        assert_eq!(back.sets.len(), 2);
        assert!(back.collisions().is_empty());
    }

    #[test]
    fn a_pin_finds_the_set_it_was_made_from() {
        let mut a = Archive::default();
        a.add_catalog(&files("# one\n"), "2026-01-01");
        a.add_catalog(&files("# two\n"), "2026-02-01");
        let first = a.sets[0].clone();
        let pin = first.pin(MemoryModel::Sc, 1, 10);
        let found = a.find("s", MemoryModel::Sc, &pin);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].0, found[0].1), (&first, 1));
        assert!(a.find("s", MemoryModel::Arm64, &pin).is_empty(), "the model is part of the pin");
        assert!(a.find("s", MemoryModel::Sc, "aaaaaaaaaa").is_empty());
    }

    #[test]
    fn a_damaged_version_is_an_error_not_a_wrong_file() {
        let mut a = Archive::default();
        a.add_catalog(&files("# one\n"), "2026-01-01");
        let h = pack::file_hash(&files("# one\n")[0].1);
        a.versions.get_mut(&h).unwrap().body = Body::Full(Arc::from("something else"));
        assert!(a.text(&h).unwrap_err().ends_with("does not match its hash (the archive is damaged)"));
        assert_eq!(a.text("0000000000000000").unwrap_err(), "the archive has no version 0000000000000000");
    }
}
