//! The catalog: every scenario of `traces/`, loaded. A file that fails to load is kept as an
//! error next to the others, so one broken file never hides the rest.

use std::collections::BTreeMap;

use crate::scenario::{self, Scenario};
use crate::syntax::Diagnostic;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/catalog_files.rs"));
}

pub struct Catalog {
    pub scenarios: Vec<Scenario>,
    pub errors: Vec<Diagnostic>,
    sources: BTreeMap<String, String>,
}

impl Catalog {
    /// The catalog built into this binary from `traces/`.
    pub fn builtin() -> Catalog {
        Catalog::from_sources(embedded::FILES.iter().map(|(n, t)| (n.to_string(), t.to_string())))
    }

    /// A catalog from (path relative to the traces root, text) pairs.
    pub fn from_sources(files: impl IntoIterator<Item = (String, String)>) -> Catalog {
        let sources: BTreeMap<String, String> = files.into_iter().collect();
        let read = |name: &str| sources.get(name).cloned();
        let mut scenarios = Vec::new();
        let mut errors = Vec::new();
        for (name, text) in &sources {
            if !scenario::is_scenario_source(text) {
                continue;
            }
            match scenario::load(name, &read) {
                Ok(sc) => {
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
                Err(e) => errors.push(e),
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
        let mut sources = self.sources.clone();
        for (name, text) in edits {
            sources.insert(name.clone(), text.clone());
        }
        Catalog::from_sources(sources)
    }

    pub fn scenario(&self, id: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.id == id)
    }

    pub fn source(&self, name: &str) -> Option<&str> {
        self.sources.get(name).map(String::as_str)
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

/// The C litmus tests of `traces/` (the validation suite's), by path relative to it: not
/// scenarios until imported (`lab::litmus_to_scenario`).
pub fn builtin_litmus() -> &'static [(&'static str, &'static str)] {
    embedded::LITMUS
}
