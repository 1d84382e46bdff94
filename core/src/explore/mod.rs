//! The explorer: every interleaving of a program, searched for a state that breaks an
//! invariant, in slices of bounded work.
//!
//! ```text
//! let mut ex = Explorer::new(&program, Options::default());
//! let report = loop {
//!     match ex.run(100_000, now_ms()) {          // at most 100k transitions per call
//!         Status::Running(progress) => show(&progress),
//!         Status::Done(report) => break report,
//!     }
//! };
//! ```
//!
//! The search is breadth-first and stateful: each visited state is stored as a 64-bit
//! fingerprint of its compact encoding ([`encode`]), with a 4-byte link to the state it was
//! first reached from (its parent's number and the index of the choice taken). A trace is
//! rebuilt by replaying those choice indices from the initial state; states are never kept,
//! except those of the BFS frontier, encoded. With [`Options::reduction`] the search explores
//! only an ample subset of the choices at each state ([`por`]), which keeps every reachable
//! violation reachable but not necessarily at the same depth; so, once a violation is found,
//! a second breadth-first search without reduction (over states paired with the thread of the
//! last step) finds the shortest trace that breaks the invariant, and among those the one with
//! the fewest context switches.
//!
//! Nothing here reads a clock: the caller passes the time to [`Explorer::run`] (the web app
//! has `performance.now()`, the CLI `Instant`), because `std::time::Instant` panics on
//! wasm32-unknown-unknown.

mod bfs;
pub mod encode;
pub mod graph;
pub mod por;
pub mod report;
mod sample;
mod shorten;
pub mod table;

pub use report::{
    choices_of, switches, Bound, BugFound, Counterexample, Options, Phase, Progress, Report, Stats, Status, Strategy, Verdict, VerdictKind,
    DEFAULT_MAX_MEMORY,
};

use crate::exec;
use crate::invariants;
use crate::ir::Program;
use crate::layout::{Invariant, InvariantSet};
use crate::state::State;
use crate::step::Choice;
use bfs::{Batch, Bfs, Ctx, Merged, ShardOut};
use encode::{fingerprint, Codec, Work};
use por::Por;
use shorten::Shorten;
use table::FpSet;

/// A search under way: the strategy's state, what it found so far, and the caller's clock.
pub struct Explorer {
    prog: Program,
    opts: Options,
    codec: Codec,
    por: Option<Por>,
    phase: Phase,
    /// The invariants the program checks.
    checks: InvariantSet,
    bfs: Option<Bfs>,
    sample: Option<sample::Sampler>,
    shorten: Option<Shorten>,
    /// Counterexamples found by the main search or the sampler, as traces.
    found: Vec<(Invariant, Vec<Choice>)>,
    bugs: Vec<BugFound>,
    stopped: Option<Bound>,
    start_ms: Option<f64>,
    last_ms: f64,
    work: Work,
    /// The search's last expanded range, and one state expanded again.
    batch: Batch,
    redo: Batch,
    /// For [`Explorer::run_with`]: a batch and a scratch space per range expanded at once,
    /// and what the merge of each shard of the table found.
    lanes: Vec<(Batch, Work)>,
    shard_outs: Vec<ShardOut>,
    report: Option<Report>,
}

/// What runs the pieces of a level's work for [`Explorer::run_with`]: it runs every one.
pub type Expand<'e> = dyn FnMut(&mut [Expansion<'_>]) + 'e;

/// One piece of a BFS level's work, handed to the caller of [`Explorer::run_with`], who may
/// run it on any thread: expanding a range of the level's states (it reads the search and
/// writes only its own batch), or, without reduction, merging the successors of the expanded
/// ranges into one shard of the table of visited states (it writes only that shard).
pub struct Expansion<'a> {
    job: Job<'a>,
}

enum Job<'a> {
    Expand { bfs: &'a Bfs, ctx: &'a Ctx<'a>, start: usize, end: usize, batch: &'a mut Batch, work: &'a mut Work },
    Merge { shard: &'a mut FpSet, s: usize, batches: &'a [(Batch, Work)], out: &'a mut ShardOut },
}

impl Expansion<'_> {
    /// Does the piece of work.
    pub fn run(&mut self) {
        match &mut self.job {
            Job::Expand { bfs, ctx, start, end, batch, work } => bfs.expand_grouped(ctx, *start, *end, batch, work),
            Job::Merge { shard, s, batches, out } => bfs::merge_shard(shard, *s, batches.iter().map(|(b, _)| b), out),
        }
    }

    /// The work items: states in a range to expand, successors in a shard to merge.
    pub fn len(&self) -> usize {
        match &self.job {
            Job::Expand { start, end, .. } => end - start,
            Job::Merge { s, batches, .. } => batches.iter().map(|(b, _)| b.shard_len(*s)).sum(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True for a shard to merge, false for a range to expand.
    pub fn merges(&self) -> bool {
        matches!(self.job, Job::Merge { .. })
    }
}

/// Work items expanded at a time: few enough that a batch stays in the caches between its
/// expansion and its merge.
const BATCH: usize = 1024;

impl Explorer {
    pub fn new(prog: &Program, opts: Options) -> Explorer {
        let codec = Codec::new(prog);
        // A program whose stubborn sets can never be smaller than what can run (every step
        // conflicts; the memory model is relaxed; it checks `no_leak`, whose ghost is in no
        // footprint) is searched without reduction: its sleep sets alone would remove no state,
        // and would cost more than the transitions they skip.
        let por = (opts.reduction && opts.strategy == Strategy::Exhaustive).then(|| Por::new(prog)).filter(|p| !p.never_reduces(prog));
        let checks = invariants::checked(prog);
        let mut work = Work::new(&codec);
        let (phase, bfs, sample) = match opts.strategy {
            Strategy::Exhaustive => (Phase::Search, Some(Bfs::new(prog, &codec, por.as_ref(), checks, &mut work)), None),
            Strategy::Random { .. } | Strategy::Pct { .. } => (Phase::Sample, None, Some(sample::Sampler::new(&opts))),
        };
        Explorer {
            prog: prog.clone(),
            opts,
            codec,
            por,
            phase,
            checks,
            bfs,
            sample,
            shorten: None,
            found: vec![],
            bugs: vec![],
            stopped: None,
            start_ms: None,
            last_ms: 0.0,
            work,
            batch: Batch::default(),
            redo: Batch::default(),
            lanes: vec![],
            shard_outs: vec![],
            report: None,
        }
    }

    pub fn program(&self) -> &Program {
        &self.prog
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Stops the search where it is; the report says it was cancelled (unless it was done).
    pub fn cancel(&mut self) -> Report {
        if self.phase != Phase::Done {
            self.stopped.get_or_insert(Bound::Cancelled);
            self.finish();
        }
        self.report.clone().expect("finished")
    }

    pub fn progress(&self) -> Progress {
        let ms = self.start_ms.map(|s| self.last_ms - s).unwrap_or(0.0);
        let violated = self.found.len() + self.bfs.as_ref().map(Bfs::violated).unwrap_or(0);
        match self.phase {
            Phase::Shorten => {
                let sh = self.shorten.as_ref().unwrap();
                Progress {
                    phase: self.phase,
                    states: sh.stats.states,
                    transitions: sh.stats.transitions,
                    depth: sh.depth(),
                    frontier: sh.frontier(),
                    violated,
                    runs: 0,
                    ms,
                }
            }
            Phase::Sample => {
                let sa = self.sample.as_ref().unwrap();
                Progress {
                    phase: self.phase,
                    states: sa.seen.len() as u64,
                    transitions: sa.transitions,
                    depth: sa.steps.len() as u32,
                    frontier: 0,
                    violated,
                    runs: sa.runs,
                    ms,
                }
            }
            _ => {
                let (states, transitions, depth, frontier) = match &self.bfs {
                    Some(b) => (b.stats.states, b.stats.transitions, b.depth(), b.frontier(self.codec.size())),
                    None => (0, 0, 0, 0),
                };
                Progress { phase: self.phase, states, transitions, depth, frontier, violated, runs: 0, ms }
            }
        }
    }

    /// Does at most about `budget` transitions of work, then returns. `now_ms` is the
    /// caller's clock (any origin), used for the time bound and the report's duration.
    pub fn run(&mut self, budget: u64, now_ms: f64) -> Status {
        self.run_inner(budget, now_ms, None)
    }

    /// As [`Explorer::run`], with the work of each level done by `expand`, which is given
    /// [`Expansion`]s and must [`Expansion::run`] every one of them before it returns, in any
    /// order and on any threads (the core starts none): up to `lanes` ranges to expand at a
    /// time, then, without reduction, the [`table::SHARDS`] shards of the table to merge
    /// them into. The shards are merged in the order of the ranges, and the new states are
    /// numbered in that order, so the states, their numbers, the verdicts and the traces are
    /// those of [`Explorer::run`], whatever `lanes` is and however `expand` runs them. (When a
    /// bound could stop the search within a round, and with reduction, the round is merged
    /// one state at a time, as `run` merges it.) Only the exhaustive search uses it; sampling
    /// and shortening run as in `run`.
    pub fn run_with(&mut self, budget: u64, now_ms: f64, lanes: usize, expand: &mut Expand<'_>) -> Status {
        self.run_inner(budget, now_ms, Some((lanes.max(1), expand)))
    }

    /// As [`Explorer::run_to_end`], expanding with `expand` (see [`Explorer::run_with`]).
    pub fn run_to_end_with(
        &mut self,
        clock: &mut dyn FnMut() -> f64,
        progress: &mut dyn FnMut(&Progress) -> bool,
        lanes: usize,
        expand: &mut Expand<'_>,
    ) -> Report {
        loop {
            match self.run_with(1 << 18, clock(), lanes, expand) {
                Status::Done(mut r) => {
                    r.ms = clock() - self.start_ms.unwrap_or(0.0);
                    return r;
                }
                Status::Running(p) => {
                    if !progress(&p) {
                        let mut r = self.cancel();
                        r.ms = clock() - self.start_ms.unwrap_or(0.0);
                        return r;
                    }
                }
            }
        }
    }

    fn run_inner(&mut self, budget: u64, now_ms: f64, mut par: Option<(usize, &mut Expand<'_>)>) -> Status {
        let start = *self.start_ms.get_or_insert(now_ms);
        self.last_ms = now_ms;
        if self.phase != Phase::Done {
            if let Some(limit) = self.opts.time_limit_ms {
                if now_ms - start > limit {
                    self.stopped.get_or_insert(Bound::TimeMs(limit));
                    self.finish();
                }
            }
        }
        let mut left = budget.max(1);
        while left > 0 && self.phase != Phase::Done {
            let used = match self.phase {
                Phase::Search => match &mut par {
                    Some((lanes, expand)) => self.search_slice_with(left, *lanes, &mut **expand),
                    None => self.search_slice(left),
                },
                Phase::Sample => self.sample_slice(left),
                Phase::Shorten => self.shorten_slice(left),
                Phase::Done => 0,
            };
            left = left.saturating_sub(used.max(1));
        }
        match self.phase {
            Phase::Done => {
                let r = self.report.as_mut().unwrap();
                r.ms = now_ms - start;
                Status::Done(r.clone())
            }
            _ => Status::Running(self.progress()),
        }
    }

    /// Runs to the end, calling `progress` between slices (false from it cancels).
    pub fn run_to_end(&mut self, clock: &mut dyn FnMut() -> f64, progress: &mut dyn FnMut(&Progress) -> bool) -> Report {
        loop {
            match self.run(1 << 18, clock()) {
                Status::Done(mut r) => {
                    r.ms = clock() - self.start_ms.unwrap_or(0.0);
                    return r;
                }
                Status::Running(p) => {
                    if !progress(&p) {
                        let mut r = self.cancel();
                        r.ms = clock() - self.start_ms.unwrap_or(0.0);
                        return r;
                    }
                }
            }
        }
    }

    fn search_slice(&mut self, budget: u64) -> u64 {
        let b = self.bfs.as_mut().unwrap();
        let ctx = Ctx { prog: &self.prog, codec: &self.codec, por: self.por.as_ref(), opts: &self.opts, all: self.checks };
        let mut used = 0u64;
        let merged = loop {
            let (start, end) = b.pending(self.codec.size());
            // About two transitions a state: no more than the budget asks for.
            let take = ((budget - used) as usize / 2).clamp(1, BATCH).min(end - start);
            b.expand(&ctx, start, start + take, &mut self.batch, &mut self.work);
            let (n, m) = b.merge(&ctx, &self.batch, &mut self.work, &mut self.redo);
            used += n.max(1);
            if m != Merged::Running || used >= budget {
                break m;
            }
        };
        if let Merged::Ended(bound) = merged {
            self.search_ended(bound);
        }
        used
    }

    /// A slice of the search whose ranges `expand` expands, `lanes` of them at a time, each
    /// of up to `BATCH` work items; then the batches are merged in order: by shards, also by
    /// `expand`, when [`Bfs::can_merge_shards`] says so, else one at a time as `search_slice`
    /// merges its one.
    fn search_slice_with(&mut self, budget: u64, lanes: usize, expand: &mut Expand<'_>) -> u64 {
        let size = self.codec.size();
        while self.lanes.len() < lanes {
            self.lanes.push((Batch::default(), Work::new(&self.codec)));
        }
        if self.shard_outs.is_empty() {
            self.shard_outs.resize_with(table::SHARDS, ShardOut::default);
        }
        let b = self.bfs.as_mut().unwrap();
        let ctx = Ctx { prog: &self.prog, codec: &self.codec, por: self.por.as_ref(), opts: &self.opts, all: self.checks };
        let mut used = 0u64;
        let merged = 'slice: loop {
            let (start, end) = b.pending(size);
            let take = ((budget - used) as usize / 2).clamp(1, BATCH * lanes).min(end - start);
            let n = take.div_ceil(BATCH);
            {
                let bfs: &Bfs = b;
                let mut tasks: Vec<Expansion> = self.lanes[..n]
                    .iter_mut()
                    .enumerate()
                    .map(|(j, (batch, work))| Expansion {
                        job: Job::Expand {
                            bfs,
                            ctx: &ctx,
                            start: start + j * BATCH,
                            end: (start + (j + 1) * BATCH).min(start + take),
                            batch,
                            work,
                        },
                    })
                    .collect();
                expand(&mut tasks);
            }
            let batches = &self.lanes[..n];
            if b.can_merge_shards(&ctx, batches.iter().map(|(b, _)| b)) {
                {
                    let mut tasks: Vec<Expansion> = b
                        .shards_mut()
                        .iter_mut()
                        .zip(self.shard_outs.iter_mut())
                        .enumerate()
                        .map(|(s, (shard, out))| {
                            out.clear();
                            Expansion { job: Job::Merge { shard, s, batches, out } }
                        })
                        .collect();
                    expand(&mut tasks);
                }
                let (k, m) = b.merge_fresh(&ctx, batches.iter().map(|(b, _)| b), &self.shard_outs);
                used += k.max(n as u64);
                if m != Merged::Running {
                    break 'slice m;
                }
                if used >= budget {
                    break m;
                }
                continue;
            }
            let mut m = Merged::Running;
            for (batch, _) in batches {
                let (k, r) = b.merge(&ctx, batch, &mut self.work, &mut self.redo);
                used += k.max(1);
                m = r;
                if m != Merged::Running {
                    break 'slice m;
                }
            }
            if used >= budget {
                break m;
            }
        };
        if let Merged::Ended(bound) = merged {
            self.search_ended(bound);
        }
        used
    }

    fn search_ended(&mut self, bound: Option<Bound>) {
        let b = self.bfs.as_ref().unwrap();
        if bound.is_some() {
            self.stopped = bound;
        }
        let (found, bugs) = b.results(&self.prog);
        self.found = found;
        self.bugs.extend(bugs);
        self.after_search();
    }

    fn sample_slice(&mut self, budget: u64) -> u64 {
        let sa = self.sample.as_mut().unwrap();
        let used = sa.slice(&self.prog, &self.codec, self.checks, &self.opts, budget, &mut self.work.enc, &mut self.work.buf);
        if sa.finished {
            let sa = self.sample.as_ref().unwrap();
            self.found = sa.found.clone();
            self.bugs = sa.bugs.clone();
            if self.found.is_empty() && self.stopped.is_none() {
                self.stopped = Some(sa.bound.unwrap_or(Bound::Sampled { runs: sa.runs }));
            }
            self.after_search();
        }
        used
    }

    fn after_search(&mut self) {
        if self.opts.shortest && !self.found.is_empty() && self.stopped.is_none_or(|b| b != Bound::Cancelled) {
            let sh = Shorten::new(&self.prog, &self.codec, &self.found, &mut self.work);
            let complete = sh.complete();
            self.shorten = Some(sh);
            self.phase = Phase::Shorten;
            if complete {
                self.end_shorten();
            }
        } else {
            self.finish();
        }
    }

    fn shorten_slice(&mut self, budget: u64) -> u64 {
        let sh = self.shorten.as_mut().unwrap();
        let (used, ended) = sh.slice(&self.prog, &self.codec, self.opts.max_states, budget, &mut self.work);
        if ended {
            self.end_shorten();
        }
        used
    }

    fn end_shorten(&mut self) {
        self.shorten.as_ref().unwrap().shorten(&self.prog, &mut self.found);
        self.finish();
    }

    fn finish(&mut self) {
        let sh = self.shorten.as_ref();
        let mut violations: Vec<Counterexample> = self
            .found
            .iter()
            .map(|(inv, trace)| Counterexample {
                invariant: *inv,
                switches: switches(trace),
                trace: trace.clone(),
                shortest: sh.is_some_and(|s| s.found(*inv)),
            })
            .collect();
        violations.sort_by_key(|v| (v.trace.len(), v.switches, v.invariant.index()));
        let verdict = if !violations.is_empty() {
            Verdict::Violated
        } else {
            match self.stopped {
                Some(b) => Verdict::Unknown(b),
                None => Verdict::Safe,
            }
        };
        let stats = match (&self.bfs, &self.sample) {
            (Some(b), _) => b.stats,
            (None, Some(s)) => Stats {
                states: s.seen.len() as u64,
                transitions: s.transitions,
                terminal: s.terminal,
                depth: s.max_len,
                reduced: 0,
                peak_bytes: s.seen.bytes() as u64,
            },
            _ => Stats::default(),
        };
        self.report = Some(Report {
            scenario: self.prog.scenario.clone(),
            policy: self.prog.policy.clone(),
            model: self.prog.model,
            strategy: self.opts.strategy,
            reduction: self.por.is_some(),
            verdict,
            violations,
            bugs: self.bugs.clone(),
            stats,
            shorten: self.shorten.as_ref().map(|s| s.stats),
            ms: 0.0,
        });
        // Free the search memory.
        if let Some(b) = &mut self.bfs {
            b.free();
        }
        self.shorten = None;
        self.phase = Phase::Done;
    }
}

/// Explores `prog` to the end with `opts` (no time bound unless `clock` gives one).
pub fn explore(prog: &Program, opts: Options, clock: &mut dyn FnMut() -> f64) -> Report {
    Explorer::new(prog, opts).run_to_end(clock, &mut |_| true)
}

/// Explores `prog` to the end with `opts` (exhaustively), and returns with the report the
/// fingerprints of the terminal states the search reached, sorted: for tests that compare a
/// reduced search with a full one.
pub fn explore_terminals(prog: &Program, opts: Options, clock: &mut dyn FnMut() -> f64) -> (Report, Vec<u64>) {
    let mut ex = Explorer::new(prog, opts);
    if let Some(b) = &mut ex.bfs {
        b.terminals = Some(vec![]);
    }
    let report = ex.run_to_end(clock, &mut |_| true);
    let mut terminals = ex.bfs.and_then(|b| b.terminals).unwrap_or_default();
    terminals.sort_unstable();
    (report, terminals)
}

/// The initial state's fingerprint, for tools that compare targets.
pub fn initial_fingerprint(prog: &Program) -> u64 {
    let codec = Codec::new(prog);
    let mut enc = vec![0; codec.size()];
    codec.encode(&prog.init, &mut enc);
    fingerprint(&enc)
}

/// Every reachable state's encoding round-trips: a check for tests (the encoding must keep
/// every part of the state a program can change). Returns the number of states checked.
pub fn check_encoding(prog: &Program, max_states: usize) -> Result<usize, String> {
    let codec = Codec::new(prog);
    let mut enc = vec![0; codec.size()];
    let mut seen = std::collections::HashSet::new();
    let mut queue: std::collections::VecDeque<State> = Default::default();
    queue.push_back(prog.init);
    let mut buf = Vec::new();
    while let Some(s) = queue.pop_front() {
        codec.encode(&s, &mut enc);
        if codec.decode(&enc, &prog.init) != s {
            return Err(format!("state {} does not survive its encoding", seen.len()));
        }
        if !seen.insert(enc.clone()) || seen.len() > max_states {
            continue;
        }
        exec::choices(prog, &s, &mut buf);
        for &c in &buf {
            let mut n = s;
            if exec::apply(prog, &mut n, c).is_ok() {
                queue.push_back(n);
            }
        }
    }
    Ok(seen.len())
}
