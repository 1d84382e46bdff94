//! Sampling, for scenarios too large to exhaust: random walks, and PCT (probabilistic
//! concurrency testing: Burckhardt, Kothari, Musuvathi and Nagarakatte, ASPLOS 2010).
//!
//! PCT gives each thread a random distinct priority above `depth`, always runs the enabled
//! thread of highest priority, and at `depth - 1` steps chosen at random lowers the priority
//! of the thread that runs to 1, 2, … `depth - 1`. A bug that needs `depth` ordering
//! constraints is then found by one run with probability at least 1/(n k^(depth-1)) for n
//! threads and k steps. Both strategies are deterministic for a given seed.

use super::encode::{fingerprint, Codec};
use super::report::{Bound, BugFound, Options, Strategy};
use super::table::FpSet;
use crate::exec::{self};
use crate::invariants;
use crate::ir::Program;
use crate::layout::{Invariant, InvariantSet};
use crate::limits::{MAX_PCT_DEPTH, MAX_STEPS};
use crate::rng::Rng;
use crate::state::{State, MAX_THREADS};
use crate::step::{Choice, StepError};

/// A choice's slot in the priority table: threads, then their other choices (drains).
#[allow(unreachable_patterns)]
fn key(c: Choice) -> usize {
    match c {
        Choice::Run(t) => t as usize,
        other => MAX_THREADS + other.thread(),
    }
}

pub struct Sampler {
    rng: Rng,
    pub seen: FpSet,
    pub transitions: u64,
    pub terminal: u64,
    pub runs: u64,
    pub max_len: u32,
    /// The steps of the run in progress.
    pub steps: Vec<Choice>,
    state: State,
    in_run: bool,
    priorities: [u32; 2 * MAX_THREADS],
    change_points: Vec<u32>,
    /// Estimate of a run's length, for placing PCT's change points.
    est_len: u32,
    pub found: Vec<(Invariant, Vec<Choice>)>,
    found_set: InvariantSet,
    pub bugs: Vec<BugFound>,
    pub finished: bool,
    pub bound: Option<Bound>,
}

impl Sampler {
    pub fn new(opts: &Options) -> Sampler {
        Sampler {
            rng: Rng::new(opts.seed),
            seen: FpSet::with_capacity(1 << 12),
            transitions: 0,
            terminal: 0,
            runs: 0,
            max_len: 0,
            steps: vec![],
            state: State::default(),
            in_run: false,
            priorities: [0; 2 * MAX_THREADS],
            change_points: vec![],
            est_len: 64,
            found: vec![],
            found_set: InvariantSet::EMPTY,
            bugs: vec![],
            finished: false,
            bound: None,
        }
    }

    fn begin_run(&mut self, prog: &Program, opts: &Options) {
        self.state = prog.init;
        self.steps.clear();
        self.in_run = true;
        if let Strategy::Pct { depth, .. } = opts.strategy {
            // Capped, so that `depth + p` below cannot overflow and a run keeps at most
            // MAX_PCT_DEPTH - 1 change points.
            let depth = depth.clamp(1, MAX_PCT_DEPTH);
            // Distinct random priorities above `depth` for every choice slot.
            let n = 2 * MAX_THREADS;
            let mut order: Vec<u32> = (0..n as u32).collect();
            for i in (1..n).rev() {
                let j = self.rng.below(i as u64 + 1) as usize;
                order.swap(i, j);
            }
            for (slot, p) in order.into_iter().enumerate() {
                self.priorities[slot] = depth + p;
            }
            self.change_points.clear();
            for _ in 1..depth {
                self.change_points.push(1 + self.rng.below(self.est_len.max(1) as u64) as u32);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn slice(
        &mut self,
        prog: &Program,
        codec: &Codec,
        checks: InvariantSet,
        opts: &Options,
        budget: u64,
        enc: &mut [u8],
        buf: &mut Vec<Choice>,
    ) -> u64 {
        let (runs, max_steps) = match opts.strategy {
            Strategy::Random { runs, max_steps } => (runs, max_steps),
            Strategy::Pct { runs, max_steps, .. } => (runs, max_steps),
            Strategy::Exhaustive => (0, 0),
        };
        // A run is a schedule: no longer than any schedule may be.
        let max_steps = max_steps.min(MAX_STEPS as u32);
        let mut done = 0;
        while done < budget && !self.finished {
            if !self.in_run {
                if self.runs >= runs {
                    self.finished = true;
                    break;
                }
                self.begin_run(prog, opts);
                codec.encode(&self.state, enc);
                self.seen.insert(fingerprint(enc));
            }
            exec::choices(prog, &self.state, buf);
            if buf.is_empty() || self.steps.len() as u32 >= max_steps {
                if buf.is_empty() {
                    self.terminal += 1;
                }
                self.end_run();
                continue;
            }
            let c = match opts.strategy {
                Strategy::Pct { .. } => {
                    let step = self.steps.len() as u32 + 1;
                    let best = *buf.iter().max_by_key(|c| self.priorities[key(**c)]).unwrap();
                    if let Some(i) = self.change_points.iter().position(|p| *p == step) {
                        // Lower the running choice below every initial priority.
                        self.priorities[key(best)] = i as u32 + 1;
                        *buf.iter().max_by_key(|c| self.priorities[key(**c)]).unwrap()
                    } else {
                        best
                    }
                }
                _ => buf[self.rng.below(buf.len() as u64) as usize],
            };
            self.steps.push(c);
            done += 1;
            self.transitions += 1;
            match exec::apply(prog, &mut self.state, c) {
                Ok(_) => {}
                Err(StepError::Bug(b)) => {
                    if self.bugs.len() < 8 {
                        self.bugs.push(BugFound { message: crate::describe::bug_text(prog, b), trace: self.steps.clone() });
                    }
                    self.end_run();
                    continue;
                }
                Err(StepError::Blocked(_)) => {
                    self.end_run();
                    continue;
                }
            }
            codec.encode(&self.state, enc);
            if (self.seen.len() as u64) < opts.max_states {
                self.seen.insert(fingerprint(enc));
            }
            let v = invariants::violated(prog, &self.state).intersect(checks).minus(self.found_set);
            if !v.is_empty() {
                for inv in v.iter() {
                    self.found.push((inv, self.steps.clone()));
                    self.found_set.insert(inv);
                }
                if opts.stop_when_all_violated && self.found_set == checks {
                    self.finished = true;
                }
            }
        }
        done
    }

    fn end_run(&mut self) {
        self.in_run = false;
        self.runs += 1;
        let len = self.steps.len() as u32;
        self.max_len = self.max_len.max(len);
        self.est_len = self.est_len.max(len);
    }
}
