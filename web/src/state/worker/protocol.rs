//! The messages between the page and the explorer's Web Worker, as JSON strings: a job in (the
//! draft's edits, which program, the bounds), progress and the report out. Shared, by path, by
//! the page (`state::worker`) and the worker (`src/bin/worker.rs`).

use serde::{Deserialize, Serialize};

/// Check every interleaving of one program of the built-in catalog overlaid with `edits`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub edits: Vec<(String, String)>,
    pub scenario: String,
    pub policy: String,
    /// A memory model's name (`sc`, `x86_tso`, `arm64`).
    pub model: String,
    /// Stop, with an `unknown` verdict, after this many states or this many seconds.
    pub max_states: u64,
    pub max_seconds: f64,
}

/// The breadth-first search level by level: `(d, states found so far)`, where the states
/// found while expanding level `d` are those of level `d + 1`.
pub type Curve = Vec<(u32, u64)>;

/// Records a progress report of the search: `states` found so far while expanding level `depth`.
pub fn record(curve: &mut Curve, depth: u32, states: u64) {
    match curve.last_mut() {
        Some(last) if last.0 == depth => last.1 = last.1.max(states),
        _ => curve.push((depth, states)),
    }
}

/// Ends the curve of a search that found `states` states in all, `depth` levels deep. The
/// states found since the last progress report are those of the deepest level, found while
/// expanding the one before it.
pub fn close(curve: &mut Curve, states: u64, depth: u32) {
    if states > curve.last().map(|l| l.1).unwrap_or(1) {
        let d = depth.saturating_sub(1);
        match curve.last_mut() {
            Some(last) if last.0 >= d => last.1 = states,
            _ => curve.push((d, states)),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FromWorker {
    /// The worker has started and listens: send the job.
    Ready,
    Progress {
        phase: String,
        states: u64,
        transitions: u64,
        depth: u32,
        ms: f64,
        curve: Curve,
    },
    Done {
        /// `violated`, `safe` or `unknown`.
        verdict: String,
        /// Why the search stopped early, in the core's words, when `unknown`.
        bound: Option<String>,
        /// The invariant the shortest counterexample breaks, and that trace (compact letters).
        invariant: Option<String>,
        trace: Option<String>,
        states: u64,
        transitions: u64,
        depth: u32,
        ms: f64,
        curve: Curve,
    },
    /// The job could not start (the program does not compile, a message did not read).
    Error(String),
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn messages_survive_the_trip_as_json() {
        let job = Job {
            edits: vec![("a.race".into(), "racelab 1\n".into())],
            scenario: "a".into(),
            policy: "p".into(),
            model: "arm64".into(),
            max_states: 10,
            max_seconds: 1.5,
        };
        assert_eq!(serde_json::from_str::<Job>(&serde_json::to_string(&job).unwrap()).unwrap(), job);
        for m in [FromWorker::Ready, FromWorker::Error("no".into())] {
            assert_eq!(serde_json::from_str::<FromWorker>(&serde_json::to_string(&m).unwrap()).unwrap(), m);
        }
        // worker.js posts this one by hand when the worker's wasm does not start.
        assert_eq!(serde_json::from_str::<FromWorker>(r#"{"Error":"x"}"#).unwrap(), FromWorker::Error("x".into()));
        assert_eq!(serde_json::from_str::<FromWorker>(r#""Ready""#).unwrap(), FromWorker::Ready);
    }
}
