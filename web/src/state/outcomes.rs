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
