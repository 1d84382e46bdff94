//! The messages between the page and racelab's Web Worker, as JSON strings. Four kinds of
//! work go in ([`ToWorker`]): a search of one program with progress (the player's explorer), the
//! verdict of one program of the built-in catalog (the gallery's pool), the diagnostics of a
//! draft's edits (the editor), and a warm-up (the explorer's spare worker). Shared, by path, by the page (`state::worker`) and the worker
//! (`src/bin/worker.rs`).

use racelab_core::lab;
use serde::{Deserialize, Serialize};

/// What the page asks a worker to do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ToWorker {
    /// Search every interleaving of one program, posting progress, then [`FromWorker::Done`].
    Explore(Job),
    /// The verdict of one program of the built-in catalog, without bounds (what the gallery
    /// shows), answered by [`FromWorker::Verdict`] with the same `id`.
    Verdict { id: u32, scenario: String, policy: String, model: String },
    /// The core's diagnostics of a draft's edits, answered by [`FromWorker::Checked`] with the
    /// same `seq`.
    Check { seq: u64, edits: Vec<(String, String)> },
    /// Run the explorer for a moment on the built-in catalog, answered by [`FromWorker::Warm`].
    /// A worker's first search is slow until the engine has compiled the explorer's hot code
    /// with its optimizing tier; the page warms a spare worker this way before a search needs
    /// it.
    Warm,
}

/// One diagnostic of the core: where, what, and how bad (`error`, or `warning`: the scenario
/// still runs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Diag {
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub message: String,
    pub severity: String,
}

impl Diag {
    /// A diagnostic of the core as it travels, the same from the worker and the main thread.
    pub fn of(d: &lab::Diagnostic) -> Diag {
        Diag { file: d.file.clone(), line: d.pos.line, col: d.pos.col, message: d.message.clone(), severity: d.severity.name().into() }
    }
}

/// The report of a finished search, as it travels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Found {
    /// `violated`, `safe` or `unknown`.
    pub verdict: String,
    /// Why the search stopped early, in the core's words, when `unknown`.
    pub bound: Option<String>,
    /// The invariant the shortest counterexample breaks, and that trace (compact letters).
    pub invariant: Option<String>,
    pub trace: Option<String>,
    pub states: u64,
    pub transitions: u64,
    pub depth: u32,
    pub ms: f64,
}

/// A gallery verdict: the report, the program's thread count (to read the trace back) and the
/// permalink fragment of the shortest counterexample, if any.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub found: Found,
    pub threads: usize,
    pub link: Option<String>,
}

impl Verdict {
    /// A row of the core's verdict table as it travels (`ms`: the time it took, 0 for a row
    /// computed when the site was built): the same from the worker and from the table.
    pub fn of(row: &lab::VerdictRow, ms: f64) -> Verdict {
        Verdict {
            found: Found {
                verdict: row.verdict.name().to_string(),
                bound: row.bound.clone(),
                invariant: row.invariant().map(str::to_string),
                trace: row.trace.clone(),
                states: row.states,
                transitions: row.transitions,
                depth: row.depth,
                ms,
            },
            threads: row.threads,
            link: row.link.clone(),
        }
    }
}

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
        found: Found,
        curve: Curve,
    },
    /// The job could not start (the program does not compile, a message did not read), or the
    /// worker itself could not (`worker.js` posts this when the wasm does not load).
    Error(String),
    /// The answer to [`ToWorker::Verdict`]: the verdict, or why the program does not compile.
    Verdict {
        id: u32,
        result: Result<Verdict, String>,
    },
    /// The answer to [`ToWorker::Check`]: the diagnostics, and how long the check took.
    Checked {
        seq: u64,
        diags: Vec<Diag>,
        ms: f64,
    },
    /// The answer to [`ToWorker::Warm`]: the states explored, and how long it took.
    Warm {
        states: u64,
        ms: f64,
    },
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
        let found = Found {
            verdict: "violated".into(),
            bound: None,
            invariant: Some("no_lost_write".into()),
            trace: Some("aab".into()),
            states: 7,
            transitions: 9,
            depth: 3,
            ms: 0.5,
        };
        for m in [
            ToWorker::Explore(job),
            ToWorker::Verdict { id: 3, scenario: "a".into(), policy: "p".into(), model: "sc".into() },
            ToWorker::Check { seq: 9, edits: vec![("a.race".into(), "x".into())] },
            ToWorker::Warm,
        ] {
            assert_eq!(serde_json::from_str::<ToWorker>(&serde_json::to_string(&m).unwrap()).unwrap(), m);
        }
        for m in [
            FromWorker::Ready,
            FromWorker::Error("no".into()),
            FromWorker::Done { found: found.clone(), curve: vec![(0, 3)] },
            FromWorker::Verdict { id: 1, result: Ok(Verdict { found, threads: 2, link: Some("v=2&s=a".into()) }) },
            FromWorker::Verdict { id: 2, result: Err("does not compile".into()) },
            FromWorker::Checked {
                seq: 4,
                diags: vec![Diag { file: "a.race".into(), line: 1, col: 2, message: "m".into(), severity: "warning".into() }],
                ms: 1.0,
            },
            FromWorker::Warm { states: 40_000, ms: 31.5 },
        ] {
            assert_eq!(serde_json::from_str::<FromWorker>(&serde_json::to_string(&m).unwrap()).unwrap(), m);
        }
        // worker.js posts this one by hand when the worker's wasm does not start.
        assert_eq!(serde_json::from_str::<FromWorker>(r#"{"Error":"x"}"#).unwrap(), FromWorker::Error("x".into()));
        assert_eq!(serde_json::from_str::<FromWorker>(r#""Ready""#).unwrap(), FromWorker::Ready);
    }
}
