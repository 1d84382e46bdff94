//! What each canonical trace of a scenario does under each of its policies and memory models,
//! as the core computes it (`lab::trace_outcomes`), looked up by a typed key.

use std::collections::BTreeMap;

use racelab_core::lab::{self, MemoryModel, Outcome, Scenario};

/// A canonical trace under one policy and one memory model.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OutcomeKey {
    pub policy: String,
    pub trace: String,
    pub model: MemoryModel,
}

/// What one trace does, as the gallery's chip says it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceResult {
    /// `invariant` breaks at `step`.
    Breaks { invariant: String, step: usize },
    /// Every invariant holds over the run's `steps` steps.
    Holds { steps: usize },
    /// The trace could not be replayed (why).
    Error(String),
}

impl TraceResult {
    /// The step a link to this outcome opens at: where it breaks, else the start.
    pub fn step(&self) -> usize {
        match self {
            TraceResult::Breaks { step, .. } => *step,
            _ => 0,
        }
    }
}

/// Every canonical trace of one scenario under every policy and model.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TraceOutcomes(BTreeMap<OutcomeKey, TraceResult>);

impl TraceOutcomes {
    /// Replays every trace of `sc` under every policy and model (each program compiled once).
    pub fn of(sc: &Scenario) -> TraceOutcomes {
        let cells = lab::trace_outcomes(sc).into_iter().map(|o| {
            let outcome = match o.result {
                Ok((Outcome::Violated { invariant, step }, _)) => TraceResult::Breaks { invariant: invariant.name().to_string(), step },
                Ok((Outcome::Safe, steps)) => TraceResult::Holds { steps },
                Err(e) => TraceResult::Error(e),
            };
            (OutcomeKey { policy: o.policy, trace: o.trace, model: o.model }, outcome)
        });
        TraceOutcomes(cells.collect())
    }

    /// What `trace` does under `policy` and `model`; an error if the scenario has no such trace.
    pub fn get(&self, policy: &str, trace: &str, model: MemoryModel) -> TraceResult {
        let key = OutcomeKey { policy: policy.to_string(), trace: trace.to_string(), model };
        self.0.get(&key).cloned().unwrap_or_else(|| TraceResult::Error("not replayed".to_string()))
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;
    use crate::catalog::catalog;

    fn race1a() -> TraceOutcomes {
        TraceOutcomes::of(catalog().scenario("race1a").expect("race1a is in the catalog"))
    }

    #[wasm_bindgen_test]
    fn lost_write_breaks_at_25_on_v5_10() {
        let r = race1a().get("v5_10", "lost_write", MemoryModel::Sc);
        assert_eq!(r, TraceResult::Breaks { invariant: "no_lost_write".to_string(), step: 25 });
        assert_eq!(r.step(), 25);
    }

    #[wasm_bindgen_test]
    fn lost_write_holds_under_the_write_lock() {
        let r = race1a().get("uffd_wp_write_lock", "lost_write", MemoryModel::Sc);
        assert!(matches!(r, TraceResult::Holds { steps } if steps > 25), "{r:?}");
        assert_eq!(r.step(), 0, "a trace that holds opens at its start");
    }

    #[wasm_bindgen_test]
    fn a_key_the_scenario_lacks_is_an_error() {
        let o = race1a();
        let missing = TraceResult::Error("not replayed".to_string());
        assert_eq!(o.get("v5_10", "no_such_trace", MemoryModel::Sc), missing);
        assert_eq!(o.get("no_such_policy", "lost_write", MemoryModel::Sc), missing);
        assert_eq!(o.get("v5_10", "lost_write", MemoryModel::Arm64), missing, "race1a is modelled under SC only");
    }

    #[wasm_bindgen_test]
    fn every_trace_policy_and_model_has_a_cell() {
        let sc = catalog().scenario("litmus_sb").expect("litmus_sb is in the catalog");
        let o = TraceOutcomes::of(sc);
        assert_eq!(o.0.len(), sc.traces.len() * sc.policies.len() * sc.models.len());
        assert_eq!(
            o.get("po", "buffered", MemoryModel::X86Tso),
            TraceResult::Breaks { invariant: "exists".to_string(), step: 6 },
            "SB's exists condition holds after 6 steps under x86-TSO"
        );
    }
}
