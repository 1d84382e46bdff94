//! The catalog: every scenario of `traces/`, loaded. A file that fails to load is kept as an
//! error next to the others, so one broken file never hides the rest.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::layout::MemoryModel;
use crate::pack;
use crate::scenario::{self, FileRef, Scenario};
use crate::syntax::Diagnostic;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/catalog_files.rs"));
}

pub struct Catalog {
    pub scenarios: Vec<Scenario>,
    pub errors: Vec<Diagnostic>,
    sources: BTreeMap<String, Arc<str>>,
}

impl Catalog {
    /// The catalog built into this binary from `traces/`.
    pub fn builtin() -> Catalog {
        Catalog::from_sources(embedded::FILES.iter().map(|(n, t)| (n.to_string(), t.to_string())))
    }

    /// A catalog from (path relative to the traces root, text) pairs.
    pub fn from_sources(files: impl IntoIterator<Item = (String, String)>) -> Catalog {
        let sources: BTreeMap<String, Arc<str>> = files.into_iter().map(|(n, t)| (n, Arc::from(t))).collect();
        let mut scenarios = Vec::new();
        let mut errors = Vec::new();
        // Each library is parsed once and each file hashed once, however many scenarios use it.
        let parsed = scenario::Parsed::default();
        let mut hashes: BTreeMap<String, String> = BTreeMap::new();
        for (name, text) in &sources {
            if !scenario::is_scenario_source(text) {
                // A library: reported once, here, even when no scenario uses it (each scenario
                // that does fails with the same message, kept once below).
                if let Err(e) = parsed.parse(name, text) {
                    errors.push(e);
                }
                continue;
            }
            // Every file the loader reads is one the scenario was made from.
            let read_files = RefCell::new(Vec::<String>::new());
            let read = |name: &str| {
                let text = sources.get(name)?;
                if !read_files.borrow().iter().any(|n| n == name) {
                    read_files.borrow_mut().push(name.to_string());
                }
                Some(text.to_string())
            };
            match scenario::load_sharing(name, &read, &parsed) {
                Ok(mut sc) => {
                    sc.files = read_files
                        .into_inner()
                        .into_iter()
                        .map(|path| {
                            let text = sources[&path].clone();
                            let hash = hashes.entry(path.clone()).or_insert_with(|| pack::file_hash(&text)).clone();
                            FileRef { hash, path, text }
                        })
                        .collect();
                    if let Some(other) = scenarios.iter().find(|o: &&Scenario| o.id == sc.id) {
                        errors.push(Diagnostic::new(
                            name,
                            Default::default(),
                            format!("scenario id `{}` is already used by {}", sc.id, other.file),
                        ));
                    } else {
                        scenarios.push(sc)
                    }
                }
                Err(e) => {
                    if !errors.contains(&e) {
                        errors.push(e)
                    }
                }
            }
        }
        // The races first, in file order; the litmus suite, which validates the memory models,
        // after them.
        scenarios.sort_by_key(|s| (s.race == "litmus", s.file.clone()));
        Catalog { scenarios, errors, sources }
    }

    /// This catalog with some files replaced or added: (path relative to the traces root, text).
    /// Every scenario is loaded again, so one that `use`s an edited kernel file sees the edit.
    pub fn with_edits(&self, edits: &[(String, String)]) -> Catalog {
        let mut sources: BTreeMap<String, String> = self.sources.iter().map(|(n, t)| (n.clone(), t.to_string())).collect();
        for (name, text) in edits {
            sources.insert(name.clone(), text.clone());
        }
        Catalog::from_sources(sources)
    }

    pub fn scenario(&self, id: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.id == id)
    }

    pub fn source(&self, name: &str) -> Option<&str> {
        self.sources.get(name).map(|t| &**t)
    }

    /// Every file of the catalog: (path relative to the traces root, text).
    pub fn sources(&self) -> impl Iterator<Item = (&str, &str)> {
        self.sources.iter().map(|(n, t)| (n.as_str(), &**t))
    }

    /// Every file's name (relative to the traces root), in order.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.sources.keys().map(String::as_str)
    }

    pub fn ids(&self) -> Vec<&str> {
        self.scenarios.iter().map(|s| s.id.as_str()).collect()
    }
}

/// The embedded files, for tools that want the raw text.
pub fn builtin_files() -> &'static [(&'static str, &'static str)] {
    embedded::FILES
}

/// How many base32 characters of a pin a link carries (50 bits).
pub const PIN_CHARS: usize = 10;

/// The pin of a set of files (path and [`pack::file_hash`]) under a memory model's semantics
/// version: the first [`PIN_CHARS`] base32 characters of the SHA-256 of
/// `racelab pin 1\nmodel NAME VERSION\n` followed by `file PATH HASH\n` for each file in path order.
pub fn pin_of<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>, model: MemoryModel, semantics: u32) -> String {
    pin_of_len(files, model, semantics, PIN_CHARS)
}

/// [`pin_of`] spelled with `chars` characters (a longer pin is the same hash, longer).
pub fn pin_of_len<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>, model: MemoryModel, semantics: u32, chars: usize) -> String {
    let mut files: Vec<(&str, &str)> = files.into_iter().collect();
    files.sort();
    files.dedup();
    let mut text = format!("racelab pin 1\nmodel {} {semantics}\n", model.name());
    for (path, hash) in files {
        text.push_str(&format!("file {path} {hash}\n"));
    }
    pack::base32(&pack::sha256(text.as_bytes()), chars)
}

/// The pin a link made today carries for a scenario under a model.
pub fn pin(sc: &Scenario, model: MemoryModel) -> String {
    pin_of(sc.files.iter().map(|f| (f.path.as_str(), f.hash.as_str())), model, model.semantics())
}

/// The C litmus tests of `traces/` (the validation suite's), by path relative to it: not
/// scenarios until imported (`lab::litmus_to_scenario`).
pub fn builtin_litmus() -> &'static [(&'static str, &'static str)] {
    embedded::LITMUS
}
