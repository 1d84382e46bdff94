//! The explorer's verdict for every scenario, policy and memory model of the catalog, computed
//! in the background one after another (each in slices, see [`explorer`]) and kept for the
//! whole visit: the gallery shows them as they come.

use std::collections::{BTreeMap, VecDeque};

use leptos::prelude::*;
use racelab_core::lab::{self, Catalog, MemoryModel};

use crate::catalog::catalog;
use crate::state::explorer::{self, Summary};

/// One program of the catalog the explorer checks: a scenario under a policy and a model.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VerdictKey {
    pub scenario: String,
    pub policy: String,
    pub model: MemoryModel,
}

/// What is known of one key.
#[derive(Clone, Debug, PartialEq)]
pub enum VerdictCell {
    /// Not checked yet, or being checked.
    Checking,
    /// The explorer's summary, and the link to its shortest counterexample (if any).
    Done { summary: Summary, link: Option<String> },
    /// The program does not compile.
    Error(String),
}

impl VerdictCell {
    /// `checking`, `error`, or the verdict's name (`violated`, `safe`, `unknown`).
    pub fn state(&self) -> &'static str {
        match self {
            VerdictCell::Checking => "checking",
            VerdictCell::Done { summary, .. } => summary.verdict.name(),
            VerdictCell::Error(_) => "error",
        }
    }
}

/// Every key of a catalog, in the order they are checked: scenario by scenario as the catalog
/// lists them, each policy in its order, each model.
pub fn keys(catalog: &Catalog) -> Vec<VerdictKey> {
    let mut out = Vec::new();
    for sc in &catalog.scenarios {
        for p in &sc.policies {
            for m in &sc.models {
                out.push(VerdictKey { scenario: sc.id.clone(), policy: p.name.clone(), model: *m });
            }
        }
    }
    out
}

/// The verdicts, shared by every visit of the gallery (computed once per page).
#[derive(Clone, Copy)]
pub struct Verdicts {
    cells: RwSignal<BTreeMap<VerdictKey, VerdictCell>>,
    started: StoredValue<bool>,
}

impl Verdicts {
    pub fn new() -> Verdicts {
        Verdicts { cells: RwSignal::new(BTreeMap::new()), started: StoredValue::new(false) }
    }

    /// Starts checking every key of the catalog, one after another (once per page).
    pub fn start(self) {
        if self.started.get_value() {
            return;
        }
        self.started.set_value(true);
        self.next(keys(catalog()).into());
    }

    fn next(self, mut queue: VecDeque<VerdictKey>) {
        let Some(key) = queue.pop_front() else {
            return;
        };
        let program = lab::scenario(catalog(), &key.scenario).and_then(|sc| lab::compile(sc, Some(&key.policy), key.model));
        match program {
            Err(e) => {
                self.cells.update(|c| {
                    c.insert(key, VerdictCell::Error(e.to_string()));
                });
                self.next(queue);
            }
            Ok(program) => {
                let prog = program.clone();
                explorer::start(
                    &program,
                    explorer::COARSE,
                    |_, _| {},
                    move |summary, _| {
                        let link = summary
                            .trace
                            .as_ref()
                            .and_then(|trace| lab::counterexample_link(&key.scenario, &prog, trace))
                            .map(|l| l.to_fragment());
                        self.cells.update(|c| {
                            c.insert(key, VerdictCell::Done { summary, link });
                        });
                        self.next(queue);
                    },
                );
            }
        }
    }

    /// What is known of `key` (tracked).
    pub fn get(self, key: &VerdictKey) -> VerdictCell {
        self.cells.with(|c| c.get(key).cloned()).unwrap_or(VerdictCell::Checking)
    }

    /// How many keys have their answer (tracked).
    pub fn checked(self) -> usize {
        self.cells.with(|c| c.values().filter(|v| !matches!(v, VerdictCell::Checking)).count())
    }

    /// How many keys there are to check.
    pub fn total(self) -> usize {
        keys(catalog()).len()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;
    use crate::state::explorer::Summary;
    use racelab_core::lab::VerdictKind;

    #[wasm_bindgen_test]
    fn keys_name_every_policy_and_model_of_the_catalog_once() {
        let cat = catalog();
        let keys = keys(cat);
        let expected: usize = cat.scenarios.iter().map(|s| s.policies.len() * s.models.len()).sum();
        assert_eq!(keys.len(), expected);
        assert_eq!(keys.iter().collect::<BTreeSet<_>>().len(), keys.len(), "a key twice");
        for k in &keys {
            let sc = cat.scenario(&k.scenario).expect("a key names a scenario of the catalog");
            assert!(sc.policy(&k.policy).is_some() && sc.models.contains(&k.model), "{k:?}");
        }
    }

    #[wasm_bindgen_test]
    fn keys_go_scenario_by_scenario_in_the_catalogs_order() {
        let cat = catalog();
        let keys = keys(cat);
        let mut order: Vec<&str> = keys.iter().map(|k| k.scenario.as_str()).collect();
        order.dedup();
        assert_eq!(order, cat.scenarios.iter().map(|s| s.id.as_str()).collect::<Vec<_>>());
        let first = &cat.scenarios[0];
        assert_eq!(keys[0], VerdictKey { scenario: first.id.clone(), policy: first.policies[0].name.clone(), model: first.models[0] });
    }

    #[wasm_bindgen_test]
    fn a_cell_states_the_word_the_page_carries() {
        let summary =
            |verdict| Summary { verdict, bound: None, invariant: None, trace: None, states: 1, transitions: 0, depth: 0, ms: 0.0 };
        assert_eq!(VerdictCell::Checking.state(), "checking");
        assert_eq!(VerdictCell::Error("x".into()).state(), "error");
        assert_eq!(VerdictCell::Done { summary: summary(VerdictKind::Violated), link: None }.state(), "violated");
        assert_eq!(VerdictCell::Done { summary: summary(VerdictKind::Safe), link: None }.state(), "safe");
        assert_eq!(VerdictCell::Done { summary: summary(VerdictKind::Unknown), link: None }.state(), "unknown");
    }
}
