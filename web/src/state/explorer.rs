//! Runs the core's explorer in the browser in slices, so the page stays responsive: each
//! JavaScript task does about one frame's worth of small `Explorer::run` calls (short wasm
//! calls also let V8 tier the code up), then yields to the event loop with `setTimeout(0)`.
//! The gallery's verdicts run so; the player's explorer runs in a Web Worker (`state::worker`),
//! which reports the same [`Summary`].

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use racelab_core::lab::{self, Choice, Explorer, Phase, Program, Progress, Report, Status, Verdict, VerdictKind};

use crate::catalog::now_ms;
pub use crate::state::worker::protocol::Curve;
use crate::state::worker::protocol::{close, record};

/// Work per call when only the verdict matters.
pub const COARSE: u64 = 4_096;
/// Work per JavaScript task before yielding, in milliseconds.
const TASK_MS: f64 = 12.0;

/// What the UI keeps of a finished search.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub verdict: VerdictKind,
    /// Why the search stopped early, when `unknown`.
    pub bound: Option<String>,
    /// The invariant the shortest counterexample breaks, and that trace.
    pub invariant: Option<String>,
    pub trace: Option<Vec<Choice>>,
    pub states: u64,
    pub transitions: u64,
    pub depth: u32,
    pub ms: f64,
}

impl Summary {
    pub fn from_report(r: &Report) -> Summary {
        let first = r.first();
        Summary {
            verdict: r.verdict.kind(),
            bound: match &r.verdict {
                Verdict::Unknown(b) => Some(b.describe()),
                _ => None,
            },
            invariant: first.map(|c| c.invariant.name().to_string()),
            trace: first.map(|c| c.trace.clone()),
            states: r.stats.states,
            transitions: r.stats.transitions,
            depth: r.stats.depth,
            ms: r.ms,
        }
    }
}

type OnProgress = Box<dyn Fn(&Progress, &Curve)>;
type OnDone = Box<dyn FnOnce(Summary, Curve)>;

struct Job {
    ex: Explorer,
    slice: u64,
    started: f64,
    curve: Curve,
    on_progress: OnProgress,
    on_done: Option<OnDone>,
}

/// Starts checking every interleaving of `program` with the gallery's options
/// (`lab::gallery_options`, the same as its workers and the site's table), `slice` transitions
/// (about) per call of the explorer. `on_progress` is called after each task (about every frame), `on_done` once, with
/// the summary and the states-by-depth curve.
pub fn start(
    program: &Program,
    slice: u64,
    on_progress: impl Fn(&Progress, &Curve) + 'static,
    on_done: impl FnOnce(Summary, Curve) + 'static,
) {
    let job = Job {
        ex: Explorer::new(program, lab::gallery_options()),
        slice,
        started: now_ms(),
        curve: vec![],
        on_progress: Box::new(on_progress),
        on_done: Some(Box::new(on_done)),
    };
    let job = Rc::new(RefCell::new(job));
    leptos::prelude::set_timeout(move || tick(job), Duration::ZERO);
}

fn tick(job: Rc<RefCell<Job>>) {
    let started = now_ms();
    loop {
        let status = {
            let mut j = job.borrow_mut();
            let slice = j.slice;
            let status = j.ex.run(slice, now_ms());
            if let Status::Running(p) = &status {
                if p.phase == Phase::Search {
                    record(&mut j.curve, p.depth, p.states);
                }
            }
            status
        };
        match status {
            Status::Done(report) => {
                let (done, curve, ms) = {
                    let mut j = job.borrow_mut();
                    let mut curve = std::mem::take(&mut j.curve);
                    close(&mut curve, report.stats.states, report.stats.depth);
                    (j.on_done.take(), curve, now_ms() - j.started)
                };
                if let Some(done) = done {
                    // The wall time in the page, yields to the browser included.
                    done(Summary { ms, ..Summary::from_report(&report) }, curve);
                }
                return;
            }
            Status::Running(p) => {
                if now_ms() - started > TASK_MS {
                    {
                        let j = job.borrow();
                        (j.on_progress)(&p, &j.curve);
                    }
                    leptos::prelude::set_timeout(move || tick(job), Duration::ZERO);
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn progress_at_one_depth_keeps_the_largest_count() {
        let mut c = Curve::new();
        record(&mut c, 0, 3);
        record(&mut c, 0, 7);
        record(&mut c, 0, 5);
        record(&mut c, 1, 9);
        assert_eq!(c, vec![(0, 7), (1, 9)]);
    }

    #[wasm_bindgen_test]
    fn the_end_of_a_search_adds_the_states_no_progress_report_saw() {
        let mut c = vec![(0, 3), (1, 9)];
        close(&mut c, 14, 4);
        assert_eq!(c, vec![(0, 3), (1, 9), (3, 14)], "the deepest level is expanded from depth 3");
        let mut c = vec![(0, 3), (1, 9)];
        close(&mut c, 12, 2);
        assert_eq!(c, vec![(0, 3), (1, 12)], "the last level reported grows to the total");
        let mut c = vec![(0, 3), (1, 9)];
        close(&mut c, 9, 2);
        assert_eq!(c, vec![(0, 3), (1, 9)], "nothing new");
        let mut c = Curve::new();
        close(&mut c, 1, 0);
        assert!(c.is_empty(), "a search that found only the initial state draws nothing");
        close(&mut c, 4, 1);
        assert_eq!(c, vec![(0, 4)], "a search too quick to report progress");
    }
}
