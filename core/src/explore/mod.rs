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

pub mod encode;
pub mod graph;
pub mod por;
mod sample;
pub mod table;

use crate::exec::{self};
use crate::invariants;
use crate::ir::Program;
use crate::layout::{Invariant, MemoryModel};
use crate::state::State;
use crate::step::{Choice, StepError};
use encode::{fingerprint, with_tag, Codec};
use por::Por;
use table::FpSet;

/// How to search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Every reachable state, breadth-first.
    Exhaustive,
    /// `runs` random walks from the initial state, each to a terminal state or `max_steps`.
    Random { runs: u64, max_steps: u32 },
    /// `runs` runs of PCT (Burckhardt et al., 2010): random thread priorities, lowered at
    /// `depth - 1` random steps; finds a bug of depth `depth` with a known probability.
    Pct { runs: u64, depth: u32, max_steps: u32 },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    pub strategy: Strategy,
    /// Partial-order reduction (exhaustive search only).
    pub reduction: bool,
    /// Shorten each counterexample to the fewest steps, then the fewest context switches.
    pub shortest: bool,
    /// Stop once every checked invariant is broken (else explore every state).
    pub stop_when_all_violated: bool,
    /// Bounds: a search stopped by one gives `Verdict::Unknown` (unless it found a violation).
    pub max_states: u64,
    pub max_depth: u32,
    pub time_limit_ms: Option<f64>,
    /// Seed of the sampling strategies.
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            strategy: Strategy::Exhaustive,
            reduction: true,
            shortest: true,
            stop_when_all_violated: true,
            max_states: 20_000_000,
            max_depth: 100_000,
            time_limit_ms: None,
            seed: 1,
        }
    }
}

/// What stopped a search before it was complete.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bound {
    States(u64),
    Depth(u32),
    TimeMs(f64),
    Cancelled,
    /// Sampling explores some interleavings, never all.
    Sampled {
        runs: u64,
    },
}

impl Bound {
    pub fn name(&self) -> &'static str {
        match self {
            Bound::States(_) => "max_states",
            Bound::Depth(_) => "max_depth",
            Bound::TimeMs(_) => "time_limit",
            Bound::Cancelled => "cancelled",
            Bound::Sampled { .. } => "sampling",
        }
    }
    pub fn describe(&self) -> String {
        match self {
            Bound::States(n) => format!("stopped at the bound of {n} states"),
            Bound::Depth(n) => format!("stopped at the depth bound of {n} steps"),
            Bound::TimeMs(ms) => format!("stopped at the time limit of {ms} ms"),
            Bound::Cancelled => "cancelled".to_string(),
            Bound::Sampled { runs } => format!("{runs} sampled runs found no violation (sampling never proves safety)"),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Some invariant breaks: see [`Report::violations`].
    Violated,
    /// Every reachable state was explored, and every checked invariant holds in each.
    Safe,
    Unknown(Bound),
}

impl Verdict {
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Violated => "violated",
            Verdict::Safe => "safe",
            Verdict::Unknown(_) => "unknown",
        }
    }
}

/// A trace that ends in a state breaking `invariant`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counterexample {
    pub invariant: Invariant,
    pub trace: Vec<Choice>,
    /// How many times the trace switches from one thread to another.
    pub switches: usize,
    /// True when no shorter trace breaks the invariant, and no trace as short switches less.
    pub shortest: bool,
}

/// A step that hit a [`crate::step::Bug`]: the scenario is wrong, not the kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BugFound {
    pub message: String,
    /// The steps before it, then the step that failed.
    pub trace: Vec<Choice>,
}

/// Counts of one search.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stats {
    /// Distinct states visited (the initial one included).
    pub states: u64,
    /// Steps taken (each generated successor, new or not).
    pub transitions: u64,
    /// States with no choice left.
    pub terminal: u64,
    /// The deepest level explored.
    pub depth: u32,
    /// States expanded with a proper subset of their choices (reduction only).
    pub reduced: u64,
    /// The most bytes the search held at once: the fingerprint table, the parent links and the
    /// encoded frontier.
    pub peak_bytes: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub scenario: String,
    pub policy: String,
    pub model: MemoryModel,
    pub strategy: Strategy,
    pub reduction: bool,
    pub verdict: Verdict,
    /// One per broken invariant, shortest first.
    pub violations: Vec<Counterexample>,
    pub bugs: Vec<BugFound>,
    /// The main search.
    pub stats: Stats,
    /// The search that shortened the counterexamples, if one ran.
    pub shorten: Option<Stats>,
    /// Time from the first to the last call of `run`, as the caller's clock says.
    pub ms: f64,
}

impl Report {
    /// The shortest counterexample, if any.
    pub fn first(&self) -> Option<&Counterexample> {
        self.violations.first()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    Search,
    Sample,
    Shorten,
    Done,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Search => "search",
            Phase::Sample => "sample",
            Phase::Shorten => "shorten",
            Phase::Done => "done",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    pub phase: Phase,
    pub states: u64,
    pub transitions: u64,
    /// Depth of the BFS level being expanded (or of the sampled run).
    pub depth: u32,
    /// States waiting to be expanded.
    pub frontier: u64,
    /// Invariants found broken so far.
    pub violated: usize,
    /// Sampled runs done.
    pub runs: u64,
    pub ms: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    Running(Progress),
    Done(Report),
}

const NO_PARENT: u32 = u32::MAX;
/// Parent links pack the parent's number and the choice index (at most 16 choices: 6 threads
/// and 6 drains) in 32 bits. States are numbered below `DUP_BASE`; from it, the numbers of
/// states expanded again (see `Bfs::again`).
const MAX_IDS: u64 = (1 << 27) - 1;
const DUP_BASE: u32 = 1 << 27;
/// The byte kept per visited state by a reduced search: its sleep set (a thread bitmask) and
/// two flags.
const SLEEP: u8 = 0x3f;
const EXPANDED: u8 = 0x40;
/// Expanded without regard to its sleep set: nothing to do when it is reached again.
const NO_SLEEP: u8 = 0x80;
const _: () = assert!(crate::state::MAX_THREADS <= 6);
const NO_THREAD: u8 = u8::MAX;
/// How many invariants there are (bits of `invariants::violated`).
const N_INV: usize = Invariant::ALL.len();

#[inline]
fn link(parent: u32, idx: u8) -> u32 {
    (parent << 4) | idx as u32
}

/// Replays choice indices from the initial state into choices.
pub fn choices_of(prog: &Program, indices: &[u8]) -> Vec<Choice> {
    let mut s = prog.init;
    let mut buf = Vec::new();
    let mut out = Vec::with_capacity(indices.len());
    for &i in indices {
        exec::choices(prog, &s, &mut buf);
        let c = buf[i as usize];
        out.push(c);
        let _ = exec::apply(prog, &mut s, c);
    }
    out
}

/// Context switches of a trace: steps whose thread differs from the step before.
pub fn switches(trace: &[Choice]) -> usize {
    trace.windows(2).filter(|w| w[0].thread() != w[1].thread()).count()
}

/// The breadth-first search, stateful, with or without reduction.
struct Bfs {
    /// Fingerprints of the visited states; with reduction, each with its sleep set.
    seen: FpSet,
    parents: Vec<u32>,
    /// Parent links of the states expanded again, numbered from `DUP_BASE`.
    dups: Vec<u32>,
    /// States of this level (`again`) and the next (`next_again`) to expand again because
    /// they were reached with a smaller sleep set after their expansion, encoded, with their
    /// number and the threads to run from them.
    again: Vec<u8>,
    again_meta: Vec<(u32, u8)>,
    again_pos: usize,
    next_again: Vec<u8>,
    next_again_meta: Vec<(u32, u8)>,
    cur: Vec<u8>,
    /// Position (in states) of the next state of `cur` to expand.
    pos: usize,
    cur_first: u32,
    next: Vec<u8>,
    /// Fingerprints of the next level (with reduction only), to tell forward edges from the
    /// others for the cycle proviso.
    next_seen: FpSet,
    depth: u32,
    /// Per invariant (bit of `Invariant::ALL`): the first violating state and its depth.
    found: [Option<(u32, u32)>; N_INV],
    bug_links: Vec<(u32, u8, String)>,
    stats: Stats,
    depth_cut: bool,
    /// Fingerprints of the terminal states, when asked for (tests compare them).
    terminals: Option<Vec<u64>>,
}

/// The shortening search: BFS over (state, thread of the last step) without reduction, each
/// node keeping its fewest context switches at its depth.
struct Shorten {
    seen: FpSet,
    /// Per node: parent node, choice index, last thread, switches.
    nodes: Vec<(u32, u8, u8, u16)>,
    cur: Vec<u8>,
    cur_nodes: Vec<u32>,
    pos: usize,
    next: Vec<u8>,
    next_nodes: Vec<u32>,
    next_index: std::collections::HashMap<u64, u32>,
    depth: u32,
    /// Invariants still to find (bits).
    want: u8,
    /// Violating nodes of the next level, per invariant.
    hits: [Vec<u32>; N_INV],
    done: [Option<u32>; N_INV],
    stats: Stats,
}

pub struct Explorer {
    prog: Program,
    opts: Options,
    codec: Codec,
    por: Option<Por>,
    phase: Phase,
    checks: u8,
    bfs: Option<Bfs>,
    sample: Option<sample::Sampler>,
    shorten: Option<Shorten>,
    /// Counterexamples found by the main search or the sampler, as traces.
    found: Vec<(Invariant, Vec<Choice>)>,
    bugs: Vec<BugFound>,
    stopped: Option<Bound>,
    start_ms: Option<f64>,
    last_ms: f64,
    // Scratch buffers.
    enc: Vec<u8>,
    buf: Vec<Choice>,
    ample: Vec<u8>,
    report: Option<Report>,
}

impl Explorer {
    pub fn new(prog: &Program, opts: Options) -> Explorer {
        let codec = Codec::new(prog);
        let por = (opts.reduction && opts.strategy == Strategy::Exhaustive).then(|| Por::new(prog));
        let mut checks = 0u8;
        for inv in &prog.checks {
            checks |= 1 << invariants::index(*inv);
        }
        let size = codec.size();
        let mut ex = Explorer {
            prog: prog.clone(),
            opts,
            codec,
            por,
            phase: Phase::Search,
            checks,
            bfs: None,
            sample: None,
            shorten: None,
            found: vec![],
            bugs: vec![],
            stopped: None,
            start_ms: None,
            last_ms: 0.0,
            enc: vec![0; size],
            buf: Vec::with_capacity(16),
            ample: Vec::with_capacity(16),
            report: None,
        };
        match ex.opts.strategy {
            Strategy::Exhaustive => ex.start_bfs(),
            Strategy::Random { .. } | Strategy::Pct { .. } => {
                ex.phase = Phase::Sample;
                ex.sample = Some(sample::Sampler::new(&ex.opts));
            }
        }
        ex
    }

    pub fn program(&self) -> &Program {
        &self.prog
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    fn start_bfs(&mut self) {
        let init = self.prog.init;
        self.codec.encode(&init, &mut self.enc);
        let mut seen = if self.por.is_some() { FpSet::with_values(0) } else { FpSet::with_capacity(0) };
        seen.insert(fingerprint(&self.enc));
        let mut bfs = Bfs {
            seen,
            parents: vec![NO_PARENT],
            dups: vec![],
            again: vec![],
            again_meta: vec![],
            again_pos: 0,
            next_again: vec![],
            next_again_meta: vec![],
            cur: self.enc.clone(),
            pos: 0,
            cur_first: 0,
            next: vec![],
            next_seen: FpSet::default(),
            depth: 0,
            found: [None; N_INV],
            bug_links: vec![],
            stats: Stats { states: 1, ..Stats::default() },
            depth_cut: false,
            terminals: None,
        };
        let v = invariants::violated(&self.prog, &init) & self.checks;
        for (i, f) in bfs.found.iter_mut().enumerate() {
            if v & (1 << i) != 0 {
                *f = Some((0, 0));
            }
        }
        self.bfs = Some(bfs);
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
        let violated = self.found.len() + self.bfs.as_ref().map(|b| b.found.iter().flatten().count()).unwrap_or(0);
        match self.phase {
            Phase::Shorten => {
                let sh = self.shorten.as_ref().unwrap();
                Progress {
                    phase: self.phase,
                    states: sh.stats.states,
                    transitions: sh.stats.transitions,
                    depth: sh.depth,
                    frontier: (sh.cur_nodes.len() - sh.pos + sh.next_nodes.len()) as u64,
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
                    Some(b) => (
                        b.stats.states,
                        b.stats.transitions,
                        b.depth,
                        ((b.cur.len() + b.next.len()) / self.codec.size() + b.again_meta.len() + b.next_again_meta.len()) as u64
                            - (b.pos + b.again_pos) as u64,
                    ),
                    None => (0, 0, 0, 0),
                };
                Progress { phase: self.phase, states, transitions, depth, frontier, violated, runs: 0, ms }
            }
        }
    }

    /// Does at most about `budget` transitions of work, then returns. `now_ms` is the
    /// caller's clock (any origin), used for the time bound and the report's duration.
    pub fn run(&mut self, budget: u64, now_ms: f64) -> Status {
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
                Phase::Search => self.search(left),
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

    fn bytes_bfs(b: &Bfs) -> u64 {
        (b.seen.bytes()
            + b.next_seen.bytes()
            + (b.parents.capacity() + b.dups.capacity()) * 4
            + b.cur.capacity()
            + b.next.capacity()
            + b.again.capacity()
            + b.next_again.capacity()
            + (b.again_meta.capacity() + b.next_again_meta.capacity()) * 8) as u64
    }

    /// One slice of the main search; returns the transitions done.
    fn search(&mut self, budget: u64) -> u64 {
        let prog = &self.prog;
        let codec = &self.codec;
        let size = codec.size();
        let b = self.bfs.as_mut().unwrap();
        let mut done = 0u64;
        let all = self.checks;
        let stop_all = self.opts.stop_when_all_violated;
        let found_bits = |b: &Bfs| b.found.iter().enumerate().filter(|(_, f)| f.is_some()).fold(0u8, |m, (i, _)| m | (1 << i));
        let mut finished = false;
        let mut s = prog.init;
        let mut fps = [por::Footprint::default(); crate::state::MAX_THREADS];
        'outer: while done < budget {
            if stop_all && all != 0 && found_bits(b) == all {
                finished = true;
                break;
            }
            // The next state to expand: this level's states, then those to expand again.
            let (id, again, enc) = if b.pos * size < b.cur.len() {
                b.pos += 1;
                (b.cur_first + b.pos as u32 - 1, None, &b.cur[(b.pos - 1) * size..b.pos * size])
            } else if b.again_pos < b.again_meta.len() {
                let (id, mask) = b.again_meta[b.again_pos];
                b.again_pos += 1;
                (id, Some(mask), &b.again[(b.again_pos - 1) * size..b.again_pos * size])
            } else {
                // Next level.
                b.stats.peak_bytes = b.stats.peak_bytes.max(Self::bytes_bfs(b));
                if b.next.is_empty() && b.next_again_meta.is_empty() {
                    finished = true;
                    break;
                }
                b.cur_first += (b.cur.len() / size) as u32;
                std::mem::swap(&mut b.cur, &mut b.next);
                b.next.clear();
                std::mem::swap(&mut b.again, &mut b.next_again);
                std::mem::swap(&mut b.again_meta, &mut b.next_again_meta);
                b.next_again.clear();
                b.next_again_meta.clear();
                b.next_seen = FpSet::default();
                b.pos = 0;
                b.again_pos = 0;
                b.depth += 1;
                b.stats.depth = b.depth;
                continue;
            };
            codec.decode_into(enc, &mut s);
            let here = self.por.as_ref().and_then(|_| b.seen.find(fingerprint(enc)));
            exec::choices(prog, &s, &mut self.buf);
            if self.buf.is_empty() {
                if again.is_none() {
                    b.stats.terminal += 1;
                    if let Some(t) = &mut b.terminals {
                        t.push(fingerprint(enc));
                    }
                }
                continue;
            }
            if b.depth >= self.opts.max_depth {
                b.depth_cut = true;
                continue;
            }
            // Sleep sets (Godefroid): a thread asleep here has been explored from an earlier
            // state, and what it leads to from here is covered from there; a successor keeps
            // the sleeping threads, and the ones explored before it from here, whose steps
            // are independent of the step taken.
            let sleepy = self.por.as_ref().is_some_and(|p| p.step_footprints(prog, &s, &self.buf, &mut fps));
            let (reduced, proviso) = match (again, self.por.as_ref()) {
                (None, Some(por)) => match por.ample(prog, &s, &self.buf, &mut self.ample) {
                    Some(proviso) => (true, proviso),
                    None => (false, false),
                },
                _ => (false, false),
            };
            let mut sleep = 0u8;
            match again {
                None => {
                    if !reduced {
                        self.ample.clear();
                        self.ample.extend(0..self.buf.len() as u8);
                    }
                    if let Some(i) = here {
                        let v = b.seen.val_mut(i);
                        // A set that relies on the cycle proviso is explored whole, whatever
                        // sleeps: then every path from here that breaks an invariant either
                        // takes a step of the set, or survives the first step of the set.
                        if sleepy && !proviso {
                            sleep = *v & SLEEP;
                            *v |= EXPANDED;
                        } else {
                            *v |= EXPANDED | NO_SLEEP;
                        }
                    }
                }
                Some(mask) => {
                    // Run the threads that were asleep at the expansion and are no longer.
                    sleep = here.map(|i| *b.seen.val_mut(i) & SLEEP).unwrap_or(0);
                    self.ample.clear();
                    self.ample.extend((0..self.buf.len() as u8).filter(|&i| mask & (1 << self.buf[i as usize].thread()) != 0));
                }
            }
            let mut explored = sleep;
            let mut old = false;
            let mut k = 0;
            let mut full = !reduced;
            loop {
                if k == self.ample.len() {
                    if full || !old {
                        break;
                    }
                    // C3: an ample successor lies on this level or an earlier one, by a step on
                    // a cycle of its thread's code, so this edge may close a cycle of reduced
                    // expansions (every cycle of states has such an edge, as BFS levels cannot
                    // rise all around it, and every step along it is on a cycle of its code):
                    // expand this state fully.
                    full = true;
                    let taken = std::mem::take(&mut self.ample);
                    self.ample.extend((0..self.buf.len() as u8).filter(|i| !taken.contains(i)));
                    k = 0;
                    if self.ample.is_empty() {
                        break;
                    }
                }
                let idx = self.ample[k];
                k += 1;
                let c = self.buf[idx as usize];
                let t = c.thread();
                if sleep & (1 << t) != 0 {
                    continue;
                }
                let mut n = s;
                match exec::apply(prog, &mut n, c) {
                    Ok(_) => {}
                    Err(StepError::Bug(bug)) => {
                        if b.bug_links.len() < 8 {
                            b.bug_links.push((id, idx, crate::describe::bug_text(prog, bug)));
                        }
                        continue;
                    }
                    Err(StepError::Blocked(_)) => continue,
                }
                done += 1;
                b.stats.transitions += 1;
                let mut asleep = 0u8;
                if sleepy {
                    for z in 0..prog.threads.len() {
                        if explored & (1 << z) != 0 && z != t && !fps[z].conflicts(fps[t]) {
                            asleep |= 1 << z;
                        }
                    }
                    explored |= 1 << t;
                }
                codec.encode(&n, &mut self.enc);
                let fp = fingerprint(&self.enc);
                if let Err(slot) = b.seen.insert_val(fp, asleep) {
                    // Seen before: a forward edge if the state is on the next level. Only a
                    // step on a cycle of its thread's code can close a cycle of states.
                    if proviso && !full && !b.next_seen.contains(fp) && self.por.as_ref().is_some_and(|p| p.on_cycle(t, s.threads[t].pc)) {
                        old = true;
                    }
                    if self.por.is_some() {
                        // Reached with another sleep set: it keeps what sleeps in both; if it
                        // was expanded already, the threads that woke up run from it again.
                        let v = b.seen.val_mut(slot);
                        let woke = *v & SLEEP & !asleep;
                        if woke != 0 && *v & NO_SLEEP == 0 {
                            *v &= !woke;
                            if *v & EXPANDED != 0 {
                                if b.dups.len() as u64 >= MAX_IDS {
                                    self.stopped = Some(Bound::States(self.opts.max_states.min(MAX_IDS)));
                                    finished = true;
                                    break 'outer;
                                }
                                b.next_again_meta.push((DUP_BASE + b.dups.len() as u32, woke));
                                b.dups.push(link(id, idx));
                                b.next_again.extend_from_slice(&self.enc);
                            }
                        }
                    }
                    continue;
                }
                if self.por.is_some() {
                    b.next_seen.insert(fp);
                }
                let new_id = b.parents.len() as u32;
                b.parents.push(link(id, idx));
                b.next.extend_from_slice(&self.enc);
                b.stats.states += 1;
                if all != 0 {
                    let v = invariants::violated(prog, &n) & all;
                    if v != 0 {
                        for (i, f) in b.found.iter_mut().enumerate() {
                            if v & (1 << i) != 0 && f.is_none() {
                                *f = Some((new_id, b.depth + 1));
                            }
                        }
                    }
                }
                if b.stats.states >= self.opts.max_states.min(MAX_IDS) {
                    self.stopped = Some(Bound::States(self.opts.max_states.min(MAX_IDS)));
                    finished = true;
                    break 'outer;
                }
            }
            if reduced && !full {
                b.stats.reduced += 1;
            }
        }
        if finished {
            b.stats.peak_bytes = b.stats.peak_bytes.max(Self::bytes_bfs(b));
            if self.stopped.is_none() && b.depth_cut && found_bits(b) != all {
                self.stopped = Some(Bound::Depth(self.opts.max_depth));
            }
            self.end_search();
        }
        done
    }

    fn path(b: &Bfs, mut id: u32) -> Vec<u8> {
        let mut idx = Vec::new();
        loop {
            let l = if id >= DUP_BASE { b.dups[(id - DUP_BASE) as usize] } else { b.parents[id as usize] };
            if l == NO_PARENT {
                break;
            }
            idx.push((l & 15) as u8);
            id = l >> 4;
        }
        idx.reverse();
        idx
    }

    fn end_search(&mut self) {
        let b = self.bfs.as_ref().unwrap();
        let mut found: Vec<(Invariant, Vec<Choice>)> = Vec::new();
        for (i, f) in b.found.iter().enumerate() {
            if let Some((id, _)) = f {
                found.push((Invariant::ALL[i], choices_of(&self.prog, &Self::path(b, *id))));
            }
        }
        for (id, idx, msg) in &b.bug_links {
            let mut p = Self::path(b, *id);
            p.push(*idx);
            self.bugs.push(BugFound { message: msg.clone(), trace: choices_of(&self.prog, &p) });
        }
        self.found = found;
        self.after_search();
    }

    fn after_search(&mut self) {
        if self.opts.shortest && !self.found.is_empty() && self.stopped.is_none_or(|b| b != Bound::Cancelled) {
            self.start_shorten();
        } else {
            self.finish();
        }
    }

    fn sample_slice(&mut self, budget: u64) -> u64 {
        let sa = self.sample.as_mut().unwrap();
        let used = sa.slice(&self.prog, &self.codec, self.checks, &self.opts, budget, &mut self.enc, &mut self.buf);
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

    fn start_shorten(&mut self) {
        let init = self.prog.init;
        self.codec.encode(&init, &mut self.enc);
        let key = with_tag(fingerprint(&self.enc), NO_THREAD as u64);
        let mut seen = FpSet::with_capacity(1 << 12);
        seen.insert(key);
        let mut want = 0u8;
        for (inv, _) in &self.found {
            want |= 1 << invariants::index(*inv);
        }
        self.shorten = Some(Shorten {
            seen,
            nodes: vec![(NO_PARENT, 0, NO_THREAD, 0)],
            cur: self.enc.clone(),
            cur_nodes: vec![0],
            pos: 0,
            next: vec![],
            next_nodes: vec![],
            next_index: Default::default(),
            depth: 0,
            want,
            hits: Default::default(),
            done: [None; N_INV],
            stats: Stats { states: 1, ..Stats::default() },
        });
        self.phase = Phase::Shorten;
        // A violation of the initial state.
        let v = invariants::violated(&self.prog, &init) & want;
        let sh = self.shorten.as_mut().unwrap();
        for i in 0..N_INV {
            if v & (1 << i) != 0 {
                sh.done[i] = Some(0);
                sh.want &= !(1 << i);
            }
        }
        if sh.want == 0 {
            self.end_shorten(true);
        }
    }

    fn shorten_slice(&mut self, budget: u64) -> u64 {
        let prog = &self.prog;
        let codec = &self.codec;
        let size = codec.size();
        let sh = self.shorten.as_mut().unwrap();
        let mut done = 0u64;
        let mut s = prog.init;
        let limit = self.opts.max_states.min(MAX_IDS);
        let mut complete = None;
        while done < budget {
            if sh.pos >= sh.cur_nodes.len() {
                // The level is complete: pick the violating nodes with the fewest switches.
                for i in 0..N_INV {
                    if sh.want & (1 << i) != 0 && !sh.hits[i].is_empty() {
                        let best = *sh.hits[i].iter().min_by_key(|n| sh.nodes[**n as usize].3).unwrap();
                        sh.done[i] = Some(best);
                        sh.want &= !(1 << i);
                    }
                    sh.hits[i].clear();
                }
                let bytes = (sh.seen.bytes()
                    + sh.nodes.capacity() * 8
                    + sh.cur.capacity()
                    + sh.next.capacity()
                    + (sh.cur_nodes.capacity() + sh.next_nodes.capacity()) * 4
                    + sh.next_index.capacity() * 16) as u64;
                sh.stats.peak_bytes = sh.stats.peak_bytes.max(bytes);
                if sh.want == 0 {
                    complete = Some(true);
                    break;
                }
                if sh.next_nodes.is_empty() {
                    complete = Some(false);
                    break;
                }
                std::mem::swap(&mut sh.cur, &mut sh.next);
                std::mem::swap(&mut sh.cur_nodes, &mut sh.next_nodes);
                sh.next.clear();
                sh.next_nodes.clear();
                sh.next_index.clear();
                sh.pos = 0;
                sh.depth += 1;
                sh.stats.depth = sh.depth;
                continue;
            }
            let node = sh.cur_nodes[sh.pos];
            codec.decode_into(&sh.cur[sh.pos * size..(sh.pos + 1) * size], &mut s);
            sh.pos += 1;
            let (_, _, last, sw) = sh.nodes[node as usize];
            exec::choices(prog, &s, &mut self.buf);
            if self.buf.is_empty() {
                sh.stats.terminal += 1;
                continue;
            }
            for (idx, &c) in self.buf.iter().enumerate() {
                let mut n = s;
                if exec::apply(prog, &mut n, c).is_err() {
                    continue;
                }
                done += 1;
                sh.stats.transitions += 1;
                let t = c.thread() as u8;
                let nsw = sw + (last != NO_THREAD && last != t) as u16;
                codec.encode(&n, &mut self.enc);
                let key = with_tag(fingerprint(&self.enc), t as u64);
                if let Some(&other) = sh.next_index.get(&key) {
                    let o = &mut sh.nodes[other as usize];
                    if nsw < o.3 {
                        *o = (node, idx as u8, t, nsw);
                    }
                    continue;
                }
                if !sh.seen.insert(key) {
                    continue;
                }
                let id = sh.nodes.len() as u32;
                sh.nodes.push((node, idx as u8, t, nsw));
                sh.next_index.insert(key, id);
                sh.next_nodes.push(id);
                sh.next.extend_from_slice(&self.enc);
                sh.stats.states += 1;
                let v = invariants::violated(prog, &n) & sh.want;
                if v != 0 {
                    for i in 0..N_INV {
                        if v & (1 << i) != 0 {
                            sh.hits[i].push(id);
                        }
                    }
                }
                if sh.stats.states >= limit {
                    complete = Some(false);
                    break;
                }
            }
            if complete.is_some() {
                break;
            }
        }
        if let Some(ok) = complete {
            self.end_shorten(ok);
        }
        done
    }

    fn end_shorten(&mut self, _complete: bool) {
        let sh = self.shorten.as_ref().unwrap();
        for (inv, trace) in self.found.iter_mut() {
            if let Some(node) = sh.done[invariants::index(*inv)] {
                let mut idx = Vec::new();
                let mut n = node;
                while sh.nodes[n as usize].0 != NO_PARENT {
                    idx.push(sh.nodes[n as usize].1);
                    n = sh.nodes[n as usize].0;
                }
                idx.reverse();
                *trace = choices_of(&self.prog, &idx);
            }
        }
        self.finish();
    }

    fn finish(&mut self) {
        let shortened: Option<[Option<u32>; N_INV]> = self.shorten.as_ref().map(|s| s.done);
        let mut violations: Vec<Counterexample> = self
            .found
            .iter()
            .map(|(inv, trace)| Counterexample {
                invariant: *inv,
                switches: switches(trace),
                trace: trace.clone(),
                shortest: shortened.is_some_and(|d| d[invariants::index(*inv)].is_some()),
            })
            .collect();
        violations.sort_by_key(|v| (v.trace.len(), v.switches, invariants::index(v.invariant)));
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
        self.bfs = self.bfs.take().map(|mut b| {
            b.seen = FpSet::default();
            b.parents = vec![];
            b.cur = vec![];
            b.next = vec![];
            b
        });
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
