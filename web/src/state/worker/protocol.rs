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

/// The breadth-first search level by level: `(d, states found so far)`.
pub type Curve = Vec<(u32, u64)>;

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
