//! What the explorer is asked ([`Options`], [`Strategy`]) and what it answers: the
//! [`Report`] with its [`Verdict`], counterexamples and counts, and the [`Progress`] of a
//! search under way.

use crate::exec;
use crate::ir::Program;
use crate::layout::{Invariant, MemoryModel};
use crate::step::Choice;

/// How to search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Every reachable state, breadth-first.
    Exhaustive,
    /// `runs` random walks from the initial state, each to a terminal state or `max_steps`.
    Random { runs: u64, max_steps: u32 },
    /// `runs` runs of PCT (Burckhardt et al., 2010): random thread priorities, lowered at
    /// `depth - 1` random steps; finds a bug of depth `depth` with a known probability.
    /// `depth` is taken in 1..=`limits::MAX_PCT_DEPTH`, `max_steps` up to `limits::MAX_STEPS`
    /// (the same for `Random`).
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
        self.kind().name()
    }
    pub fn kind(&self) -> VerdictKind {
        match self {
            Verdict::Violated => VerdictKind::Violated,
            Verdict::Safe => VerdictKind::Safe,
            Verdict::Unknown(_) => VerdictKind::Unknown,
        }
    }
}

/// A [`Verdict`] without its bound, for a front end to match on and show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VerdictKind {
    Violated,
    Safe,
    Unknown,
}

impl VerdictKind {
    pub fn name(self) -> &'static str {
        match self {
            VerdictKind::Violated => "violated",
            VerdictKind::Safe => "safe",
            VerdictKind::Unknown => "unknown",
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
