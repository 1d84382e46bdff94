//! The front ends' door: opening one exact view (scenario, policy, memory model, schedule and
//! step), the session operations the player offers (switch policy or model, fork, open a
//! counterexample), and re-exports of everything a front end renders. The CLI and the web app
//! import `racelab_core::lab` and nothing else of the core (checked by `core/tests/tidy.rs`), so
//! a broken request reads the same in both.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;

use crate::library::ResolveError;

pub use crate::applies::RowApplies;
pub use crate::archive::Archive;
pub use crate::bundle::{MAX_SOURCE_BYTES, MAX_SOURCE_FILES};
pub use crate::catalog::{builtin_files, builtin_litmus, Catalog};
pub use crate::catalog::{pin, PIN_CHARS};
pub use crate::describe::{self, Change, ChangeKind};
pub use crate::exec;
pub use crate::explore::report::thousands;
pub use crate::explore::{
    self, graph, Bound, Counterexample, Expansion, Explorer, Options, Phase, Progress, Report, Status, Strategy, Verdict, VerdictKind,
};
pub use crate::export::{
    self,
    diagram::DiagramOptions,
    graph::{GraphEdge, GraphKind, GraphNode, GraphView},
    mail::MailOptions,
    ExportError, StepRange,
};
pub use crate::ir::Program;
pub use crate::layout::{Invariant, Layout, MemoryModel};
pub use crate::library::{Files, Library, Notice, NoticeAction, NoticeKind, NoticeLevel};
pub use crate::limits::{echo, MAX_PCT_DEPTH, MAX_STEPS};
pub use crate::litmus;
pub use crate::permalink::{
    check_note, repair, Compare, LinkSchedule, Note, Permalink, PermalinkError, Repair, MAX_LINK_BYTES, MAX_NOTES, MAX_NOTE_CHARS,
    PERMALINK_VERSION,
};
pub use crate::replay::{self, Deviation, DeviationKind, ReplayError, Run};
pub use crate::scenario::{self, is_scenario_source, Citation, CitationKind, Fate, Outcome, Policy, Scenario, TraceDef};
pub use crate::schedule::{self, ScheduleError};
pub use crate::step::Choice;
/// The most bytes of one source file (a `.race` file or a litmus test).
pub use crate::syntax::MAX_SOURCE_BYTES as MAX_FILE_BYTES;
pub use crate::syntax::{Diagnostic, Severity};
pub use crate::verdicts::{
    gallery_options, Row as VerdictRow, Table as VerdictTable, TableError as VerdictTableError, FORMAT_VERSION as VERDICTS_FORMAT,
};
pub use crate::view;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScheduleSpec {
    /// Either spelling, as a person gives it (`racelab replay --schedule`), read by the one
    /// rule of `schedule::parse`.
    Text(String),
    /// Compact letters, as in permalinks (`a5c9d`).
    Compact(String),
    /// Thread names, as in trace files (`monitor*5 app2*9`).
    Names(String),
    /// A canonical trace of the scenario.
    Trace(String),
    Choices(Vec<Choice>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub scenario: String,
    pub policy: Option<String>,
    pub model: MemoryModel,
    pub schedule: ScheduleSpec,
    /// The schedule was written for the baseline policy: carry it over to this one as the same
    /// interleaving (see `replay::replay_nearest`), instead of failing on a thread that cannot
    /// run.
    pub nearest: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LabError {
    Permalink(PermalinkError),
    UnknownScenario {
        id: String,
        known: Vec<String>,
    },
    UnknownPolicy {
        scenario: String,
        policy: String,
        known: Vec<String>,
    },
    UnknownTrace {
        scenario: String,
        trace: String,
        known: Vec<String>,
    },
    UnsupportedModel {
        scenario: String,
        model: MemoryModel,
        known: Vec<MemoryModel>,
    },
    Compile(Diagnostic),
    Schedule(ScheduleError),
    Replay(ReplayError),
    StepOutOfRange {
        step: usize,
        steps: usize,
    },
    Export(ExportError),
    /// Two runs of different scenarios cannot be put side by side.
    NotComparable {
        a: String,
        b: String,
    },
}

impl fmt::Display for LabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabError::Permalink(e) => write!(f, "broken link: {e}"),
            LabError::UnknownScenario { id, known } => write!(f, "unknown scenario `{id}` (known: {})", known.join(", ")),
            LabError::UnknownPolicy { scenario, policy, known } => {
                write!(f, "scenario `{scenario}` has no policy `{policy}` (policies: {})", known.join(", "))
            }
            LabError::UnknownTrace { scenario, trace, known } => {
                write!(f, "scenario `{scenario}` has no trace `{trace}` (traces: {})", known.join(", "))
            }
            LabError::UnsupportedModel { scenario, model, known } => write!(
                f,
                "scenario `{scenario}` is not modelled under {} (models: {})",
                model.name(),
                known.iter().map(|m| m.name()).collect::<Vec<_>>().join(", ")
            ),
            LabError::Compile(d) => write!(f, "{d}"),
            LabError::Schedule(e) => write!(f, "{e}"),
            LabError::Replay(e) => write!(f, "the schedule is invalid at step {}: {}", e.step, e.message),
            LabError::StepOutOfRange { step, steps } => write!(f, "step {step} is past the end of the trace ({steps} steps)"),
            LabError::Export(e) => write!(f, "{e}"),
            LabError::NotComparable { a, b } => {
                write!(f, "`{a}` and `{b}` are different scenarios: only runs of one scenario go side by side")
            }
        }
    }
}

impl std::error::Error for LabError {}

pub struct Opened<'c> {
    pub scenario: &'c Scenario,
    pub program: Program,
    pub run: Run,
    pub trace: Option<&'c TraceDef>,
}

pub fn scenario<'c>(catalog: &'c Catalog, id: &str) -> Result<&'c Scenario, LabError> {
    catalog
        .scenario(id)
        .ok_or_else(|| LabError::UnknownScenario { id: id.to_string(), known: catalog.ids().iter().map(|s| s.to_string()).collect() })
}

pub fn compile(sc: &Scenario, policy: Option<&str>, model: MemoryModel) -> Result<Program, LabError> {
    let p = match policy {
        None => sc.baseline,
        Some(name) => sc.policy(name).ok_or_else(|| LabError::UnknownPolicy {
            scenario: sc.id.clone(),
            policy: name.to_string(),
            known: sc.policies.iter().map(|p| p.name.clone()).collect(),
        })?,
    };
    if !sc.models.contains(&model) {
        return Err(LabError::UnsupportedModel { scenario: sc.id.clone(), model, known: sc.models.clone() });
    }
    Program::compile(sc, p, model).map_err(LabError::Compile)
}

pub fn open<'c>(catalog: &'c Catalog, req: &Request) -> Result<Opened<'c>, LabError> {
    let sc = scenario(catalog, &req.scenario)?;
    let program = compile(sc, req.policy.as_deref(), req.model)?;
    let mut trace = None;
    let threads = match &req.schedule {
        ScheduleSpec::Compact(t) => schedule::decode(t, sc.threads.len()).map_err(LabError::Schedule)?,
        ScheduleSpec::Names(t) => schedule::parse_names(t, &sc.layout).map_err(LabError::Schedule)?,
        ScheduleSpec::Text(t) => schedule::parse(t, &sc.layout).map_err(LabError::Schedule)?,
        ScheduleSpec::Choices(v) => v.clone(),
        ScheduleSpec::Trace(name) => {
            let t = sc.trace(name).ok_or_else(|| LabError::UnknownTrace {
                scenario: sc.id.clone(),
                trace: name.clone(),
                known: sc.traces.iter().map(|t| t.name.clone()).collect(),
            })?;
            trace = Some(t);
            t.schedule.clone()
        }
    };
    let run = if req.nearest {
        let reference = compile(sc, None, req.model)?;
        replay::replay_nearest(&program, &reference, &threads)
    } else {
        replay::replay(&program, &threads)
    }
    .map_err(LabError::Replay)?;
    Ok(Opened { scenario: sc, program, run, trace })
}

/// A view opened from a link, with everything the link asked for besides the view itself.
pub struct LinkView<'c> {
    pub opened: Opened<'c>,
    /// The step shown.
    pub step: usize,
    /// The format version the link was written in.
    pub version: u32,
    /// Which files it opened on.
    pub files: Files,
    /// What was repaired, recovered or found about the version, in the order it happened.
    pub notices: Vec<Notice>,
    /// Side by side: the same interleaving under the second policy or model (`q=`, `qm=`).
    pub compare: Option<Opened<'c>>,
    /// The second run's step the link names (`qi=`), cut to the end of that run; None: the one
    /// that shows what the first run's step shows (see `replay::same_step`).
    pub compare_step: Option<usize>,
    /// `view=present`.
    pub present: bool,
    /// `embed=1`.
    pub embed: bool,
    /// Presenter's notes, by step; only steps the run has.
    pub notes: Vec<Note>,
}

impl LinkView<'_> {
    /// One line: which link version opened, on which files.
    pub fn summary(&self) -> String {
        let id = &self.opened.scenario.id;
        let files = match &self.files {
            Files::Current => format!("{id} as in the current catalog"),
            Files::Archived { date } if date.is_empty() => format!("{id} as it was when links were first versioned (an older version)"),
            Files::Archived { date } => format!("{id} as archived on {date} (an older version)"),
            Files::Source => format!("{id} from the files the link carries"),
            Files::Unpinned => format!("{id} as in the current catalog (not the version the link pins)"),
        };
        format!("a version {} link: {files}", self.version)
    }
}

fn resolve_error(e: ResolveError) -> LabError {
    match e {
        ResolveError::Permalink(e) => LabError::Permalink(e),
        ResolveError::UnknownScenario { id, known } => LabError::UnknownScenario { id, known },
    }
}

/// A compact schedule that a mail cut inside its last step loses that step: a repeat count cut
/// to `1` (`…b12` read as `…b1`, which no link spells), or an access performed early cut before
/// its pc (`…_b`, `…_`). Only a fault in the part cut off is recovered.
fn decode_recovering(text: &str, threads: usize, notices: &mut Vec<Notice>) -> Result<Vec<Choice>, LabError> {
    let e = match schedule::decode(text, threads) {
        Ok(c) => return Ok(c),
        Err(e) => e,
    };
    let digits = text.trim_end_matches(|c: char| c.is_ascii_digit());
    let early = text.strip_suffix('_').or_else(|| {
        let head = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        (text.len() - head.len() == 1).then(|| head.strip_suffix('_')).flatten()
    });
    // A prefix of a valid count (2 or more, no leading zero) is valid, or it is `1`: other
    // digits that do not decode (a count too large) are not a cut.
    let cut_count = Some(digits).filter(|d| &text[d.len()..] == "1");
    for cut in [cut_count, early].into_iter().flatten() {
        if cut.len() == text.len() || e.at <= cut.chars().count() {
            continue;
        }
        if let Ok(choices) = schedule::decode(cut, threads) {
            notices.push(Notice::new(
                NoticeKind::ScheduleCut,
                format!(
                    "the schedule ends inside a step (`{}`): the link may have been cut short; it opened the {} before it",
                    echo(&text[cut.len()..]),
                    crate::scenario::plural(choices.len(), "step", "steps")
                ),
            ));
            return Ok(choices);
        }
    }
    Err(LabError::Schedule(e))
}

/// Replays exactly; a last step that cannot be taken and is an access performed early (whose pc
/// a mail may have cut: `_b17` read as `_b1`) is dropped with a notice, any other is an error
/// (a cut count only shortens the schedule, which replays).
fn replay_recovering(prog: &Program, choices: &[Choice], notices: &mut Vec<Notice>) -> Result<Run, LabError> {
    match replay::replay(prog, choices) {
        Ok(run) => Ok(run),
        Err(e) if e.step == choices.len() && matches!(choices[e.step - 1], Choice::Early(..)) => {
            let run = replay::replay(prog, &choices[..e.step - 1]).map_err(LabError::Replay)?;
            notices.push(Notice::new(
                NoticeKind::ScheduleCut,
                format!(
                    "the schedule's last step cannot be taken ({}): the link may have been cut short; it opened the {} before it",
                    e.message,
                    crate::scenario::plural(run.steps.len(), "step", "steps")
                ),
            ));
            Ok(run)
        }
        Err(e) => Err(LabError::Replay(e)),
    }
}

/// Opens a link (a fragment, or a whole URL: what follows `#`) as it was made: on the files it
/// pins (the current catalog's, an archived version's, or the files it carries), with its
/// schedule replayed exactly (a canonical trace, `tr=`, is carried over to the link's policy as
/// closely as it allows), at its step. Mail damage is repaired and a schedule cut short opens
/// what remains; every such thing, and every version found, is a [`Notice`].
pub fn open_link<'l>(lib: &'l Library, text: &str) -> Result<LinkView<'l>, LabError> {
    let r = lib.resolve(text).map_err(resolve_error)?;
    let (link, mut notices) = (r.link, r.notices);
    let sc = scenario(r.catalog, &link.scenario)?;
    let program = compile(sc, link.policy.as_deref(), link.model)?;
    let opened = match &link.schedule {
        LinkSchedule::Trace(n) => {
            let req = Request {
                scenario: sc.id.clone(),
                policy: link.policy.clone(),
                model: link.model,
                schedule: ScheduleSpec::Trace(n.clone()),
                nearest: true,
            };
            open(r.catalog, &req)?
        }
        LinkSchedule::Steps(t) => {
            let choices = decode_recovering(t, sc.threads.len(), &mut notices)?;
            let run = replay_recovering(&program, &choices, &mut notices)?;
            Opened { scenario: sc, program, run, trace: None }
        }
    };
    let steps = opened.run.steps.len();
    let step = match link.step {
        Some(i) if i <= steps => i,
        Some(i) => {
            notices.push(Notice::new(
                NoticeKind::StepPastEnd,
                format!(
                    "the link asks for step {i}, but its run has {steps} steps (the link may have been cut short): it opened step {steps}"
                ),
            ));
            steps
        }
        None => {
            let (at, what) = match opened.run.outcome(&opened.program) {
                Outcome::Violated { step, invariant } => (step, format!("where {} breaks", invariant.name())),
                Outcome::Safe => (steps, "the last".to_string()),
            };
            notices.push(Notice::new(
                NoticeKind::NoStep,
                format!("the link names no step (i=), as if it was cut short: it opened step {at}, {what}"),
            ));
            at
        }
    };
    let compare = match &link.compare {
        None => None,
        Some(c) => {
            let policy = c.policy.clone().unwrap_or_else(|| opened.program.policy.clone());
            let model = c.model.unwrap_or(opened.program.model);
            if policy == opened.program.policy && model == opened.program.model {
                return Err(LabError::Permalink(PermalinkError {
                    field: if c.policy.is_some() { "q" } else { "qm" }.into(),
                    message: format!("the second view is the first one ({policy} under {})", model.name()),
                }));
            }
            Some(switch(&opened, &policy, model)?)
        }
    };
    let (notes, dropped): (Vec<Note>, Vec<Note>) = link.notes.iter().cloned().partition(|n| n.step <= steps);
    for n in dropped {
        notices.push(Notice::new(NoticeKind::NoteDropped, format!("the note for step {} was left out: the run has {steps} steps", n.step)));
    }
    let compare_step = compare.as_ref().zip(link.compare.as_ref().and_then(|c| c.step)).map(|(b, j)| j.min(b.run.steps.len()));
    let mut view = LinkView {
        opened,
        step,
        version: link.version,
        files: r.files,
        notices,
        compare,
        compare_step,
        present: link.present,
        embed: link.embed,
        notes,
    };
    if matches!(view.files, Files::Archived { .. }) {
        if let Some(l) = on_current(lib, &view) {
            if let Some(n) = view.notices.iter_mut().find(|n| n.kind == NoticeKind::OlderVersion) {
                n.action = Some(NoticeAction { label: "see the same schedule on the current version".into(), link: l.to_fragment() });
            }
        }
    }
    Ok(view)
}

/// The link of a view: its steps spelled out, so it replays exactly, pinned to the files it was
/// opened on, with those files in the link when the archive cannot find them from the pin.
pub fn permalink(lib: &Library, opened: &Opened, step: usize) -> Permalink {
    lib.link(
        opened.scenario,
        &opened.program.policy,
        opened.program.model,
        LinkSchedule::Steps(schedule::encode(&opened.run.schedule)),
        step,
    )
}

impl LinkView<'_> {
    /// The link of this view as it is now, with what the link asked for besides it (side by
    /// side, presentation, embed, notes): what a front end writes into its URL.
    pub fn link(&self, lib: &Library) -> Permalink {
        let mut l = permalink(lib, &self.opened, self.step);
        self.extras_into(&mut l, self.opened.run.steps.len());
        l
    }

    fn extras_into(&self, l: &mut Permalink, steps: usize) {
        l.compare = self.compare.as_ref().map(|c| Compare {
            policy: (c.program.policy != self.opened.program.policy).then(|| c.program.policy.clone()),
            model: (c.program.model != self.opened.program.model).then_some(c.program.model),
            step: self.compare_step.map(|j| j.min(c.run.steps.len())),
        });
        l.present = self.present;
        l.embed = self.embed;
        l.notes = self.notes.iter().filter(|n| n.step <= steps).cloned().collect();
    }
}

/// The same schedule on the current version of the scenario, carried over as the same
/// interleaving (see `replay::replay_nearest`), at the step that shows what `view`'s step shows:
/// the link a notice about an older version offers. None when the current catalog no longer
/// has the scenario or its policy.
pub fn on_current(lib: &Library, view: &LinkView) -> Option<Permalink> {
    let sc = lib.current().scenario(&view.opened.scenario.id)?;
    let program = compile(sc, Some(&view.opened.program.policy), view.opened.program.model).ok()?;
    let run = replay::replay_nearest(&program, &view.opened.program, &view.opened.run.schedule).ok()?;
    let step =
        replay::same_step(&view.opened.program, &view.opened.run, view.step, &program, &run).unwrap_or(view.step.min(run.steps.len()));
    let steps = run.steps.len();
    let opened = Opened { scenario: sc, program, run, trace: None };
    let mut l = permalink(lib, &opened, step);
    view.extras_into(&mut l, steps);
    Some(l)
}

/// The link of a canonical trace (`tr=`) of a scenario of the library's current catalog.
pub fn trace_link(lib: &Library, sc: &Scenario, policy: &str, model: MemoryModel, trace: &str, step: usize) -> Permalink {
    lib.link(sc, policy, model, LinkSchedule::Trace(trace.to_string()), step)
}

/// The run of `from`'s schedule under another policy or memory model, as the same
/// interleaving: each run of one thread ends after the same statement; steps a fix holds back
/// are skipped and listed as deviations.
pub fn switch<'c>(from: &Opened<'c>, policy: &str, model: MemoryModel) -> Result<Opened<'c>, LabError> {
    let program = compile(from.scenario, Some(policy), model)?;
    let run = replay::replay_nearest(&program, &from.program, &from.run.schedule).map_err(LabError::Replay)?;
    Ok(Opened { scenario: from.scenario, program, run, trace: None })
}

/// `from`'s schedule up to `step`, then `choice`, then every thread to its end.
pub fn fork<'c>(from: &Opened<'c>, step: usize, choice: Choice) -> Result<Opened<'c>, LabError> {
    let mut schedule: Vec<Choice> = from.run.schedule[..step.min(from.run.steps.len())].to_vec();
    schedule.push(choice);
    run_to_end(from, &schedule)
}

/// A counterexample of the explorer on `from`'s program, run to completion after its last step.
pub fn counterexample<'c>(from: &Opened<'c>, trace: &[Choice]) -> Result<Opened<'c>, LabError> {
    run_to_end(from, trace)
}

fn run_to_end<'c>(from: &Opened<'c>, schedule: &[Choice]) -> Result<Opened<'c>, LabError> {
    let program = from.program.clone();
    let run = replay::replay_nearest(&program, &program, schedule).map_err(LabError::Replay)?;
    Ok(Opened { scenario: from.scenario, program, run, trace: None })
}

/// The canonical trace a run is, if it is one: opened as it was, or a trace of its scenario
/// that, carried over to its policy and model, takes the same steps.
pub fn canonical_trace(_catalog: &Catalog, opened: &Opened) -> Option<String> {
    trace_of_run(opened).map(|t| t.name.clone())
}

/// The trace of its scenario a run is: the one it was opened as, or one that, carried over to
/// the run's policy and model as a link's `tr=` is, takes the same steps.
fn trace_of_run<'c>(opened: &Opened<'c>) -> Option<&'c crate::scenario::TraceDef> {
    if opened.trace.is_some() {
        return opened.trace;
    }
    let sc = opened.scenario;
    let reference = compile(sc, None, opened.program.model).ok()?;
    sc.traces
        .iter()
        .find(|t| replay::replay_nearest(&opened.program, &reference, &t.schedule).is_ok_and(|run| run.schedule == opened.run.schedule))
}

/// What a canonical trace does under one policy and memory model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceOutcome {
    pub policy: String,
    pub trace: String,
    pub model: MemoryModel,
    /// The run's outcome and length, or why it could not be replayed.
    pub result: Result<(Outcome, usize), String>,
}

/// Every canonical trace of a scenario under every policy and model, carried over from the
/// baseline as the same interleaving (as a `tr=` link opens it). Each program is compiled once.
pub fn trace_outcomes(sc: &Scenario) -> Vec<TraceOutcome> {
    let mut out = Vec::new();
    for &m in &sc.models {
        // Each policy's program compiled once; the baseline's is the reference of every replay.
        let progs: Vec<Result<Program, LabError>> = sc.policies.iter().map(|p| compile(sc, Some(&p.name), m)).collect();
        let Some(base) = progs.get(sc.baseline) else { continue };
        for (p, prog) in sc.policies.iter().zip(&progs) {
            for t in &sc.traces {
                let result = match (prog, base) {
                    (Ok(prog), Ok(base)) => replay::nearest_outcome(prog, base, &t.schedule).map_err(|e| LabError::Replay(e).to_string()),
                    (Err(e), _) | (_, Err(e)) => Err(e.to_string()),
                };
                out.push(TraceOutcome { policy: p.name.clone(), trace: t.name.clone(), model: m, result });
            }
        }
    }
    out
}

/// The permalink of a counterexample of `prog` (of scenario `sc`), run to completion, at its
/// last step; None if it does not replay.
pub fn counterexample_link(lib: &Library, sc: &Scenario, prog: &Program, trace: &[Choice]) -> Option<Permalink> {
    let run = replay::replay_nearest(prog, prog, trace).ok()?;
    Some(lib.link(sc, &prog.policy, prog.model, LinkSchedule::Steps(schedule::encode(&run.schedule)), trace.len()))
}

// ---------------------------------------------------------------------------------------------
// The gallery's verdicts, computed once into a table (`racelab verdicts`) or one by one (the
// page's workers): the same options and the same row either way.

/// The gallery's verdict of `sc` under `policy` and `model`: the program compiled and explored
/// with [`gallery_options`], the row the table holds and the page shows. The error is the
/// compiler's.
pub fn verdict_row(lib: &Library, sc: &Scenario, policy: &str, model: MemoryModel) -> Result<VerdictRow, LabError> {
    let program = compile(sc, Some(policy), model)?;
    let report = explore::explore(&program, gallery_options(), &mut || 0.0);
    let first = report.first();
    let link = first.and_then(|c| counterexample_link(lib, sc, &program, &c.trace)).map(|l| l.to_fragment());
    Ok(VerdictRow {
        scenario: sc.id.clone(),
        policy: policy.to_string(),
        model,
        pin: verdict_pin(sc, policy, model),
        verdict: report.verdict.kind(),
        bound: match &report.verdict {
            Verdict::Unknown(b) => Some(b.describe()),
            _ => None,
        },
        invariants: report.violations.iter().map(|c| c.invariant.name().to_string()).collect(),
        trace: first.map(|c| schedule::encode(&c.trace)),
        threads: program.threads.len(),
        states: report.stats.states,
        transitions: report.stats.transitions,
        depth: report.stats.depth,
        link,
    })
}

/// The verdict table of every key of `catalog` (every policy under every model of every
/// scenario, in the catalog's order), as the text of `verdicts.jsonl`; links are made against
/// `lib`. A key that does not compile has no row (the page checks it, and shows its error).
pub fn verdict_table(catalog: &Catalog, lib: &Library) -> String {
    let rows: Vec<VerdictRow> =
        crate::verdicts::keys(catalog).into_iter().filter_map(|(sc, policy, model)| verdict_row(lib, sc, policy, model).ok()).collect();
    crate::verdicts::write(&rows)
}

/// Reads a verdict table; a malformed line, a second row for a key or an unknown format
/// version is an error naming its line.
pub fn read_verdict_table(text: &str) -> Result<VerdictTable, VerdictTableError> {
    crate::verdicts::read(text)
}

/// The pin of a verdict of `sc` under `policy` and `model`: the files it is compiled from, the
/// model's semantics and the gallery's options (see `VerdictTable::lookup`).
pub fn verdict_pin(sc: &Scenario, policy: &str, model: MemoryModel) -> String {
    crate::verdicts::pin(sc, policy, model)
}

/// A C litmus test (herd's format, as the kernel's `tools/memory-model/litmus-tests/` write it)
/// as racelab scenario source, ready to load like a `.race` file; or the place in the test that
/// racelab cannot express, and why. `file_name` names the test in the scenario's comment and in
/// the error.
pub fn litmus_to_scenario(file_name: &str, text: &str) -> Result<String, Diagnostic> {
    crate::litmus::to_scenario(file_name, text)
}

// ---------------------------------------------------------------------------------------------
// Taking a race out: every export of a view, the same bytes from the page and the CLI.

/// The step a view of a run opens at by default: where the first invariant breaks, else the
/// last step.
pub fn focus_step(opened: &Opened) -> usize {
    match opened.run.outcome(&opened.program) {
        Outcome::Violated { step, .. } => step,
        Outcome::Safe => opened.run.steps.len(),
    }
}

/// A range of steps of the run, as a person writes it: `A..B` (both included), `A..`, `..B`
/// or `N`.
pub fn step_range(opened: &Opened, text: &str) -> Result<StepRange, LabError> {
    StepRange::parse(text, opened.run.steps.len()).map_err(LabError::Export)
}

/// The LKML diagram of the run: a column per CPU, a row per step, the breaking step marked.
pub fn diagram(opened: &Opened, opts: &DiagramOptions) -> Result<String, LabError> {
    export::diagram::diagram(&opened.program, &opened.run, opts).map_err(LabError::Export)
}

/// The link to a view: a full URL under `base` (where the app is published), the fragment
/// (`#v=1&...`) without one.
pub fn full_link(base: Option<&str>, link: &Permalink) -> String {
    export::mail::full_link(base, link)
}

/// The mail about the run: scenario, policy and model, the diagram, the verdict, the link
/// (at [`focus_step`]) and the sources, wrapped at 72 columns.
pub fn mail(lib: &Library, opened: &Opened, opts: &MailOptions) -> Result<String, LabError> {
    let link = permalink(lib, opened, focus_step(opened));
    // A link's schedule (`t=`) that is a canonical trace is named as one, as a `tr=` link's is.
    export::mail::mail(opened.scenario, &opened.program, &opened.run, trace_of_run(opened), &link, opts).map_err(LabError::Export)
}

/// The SVG slide of step `step` (0: the initial state): the lanes around it and the state
/// panels, 1920×1080, in a fixed print style.
pub fn slide_svg(opened: &Opened, step: usize) -> Result<String, LabError> {
    export::svg::slide(opened.scenario, &opened.program, &opened.run, step).map_err(LabError::Export)
}

/// The run (its steps in `steps`, all by default) as Chrome trace-event JSON for
/// ui.perfetto.dev.
pub fn perfetto_json(opened: &Opened, steps: Option<StepRange>) -> Result<String, LabError> {
    let steps = steps.map(|r| r.check(opened.run.steps.len())).transpose().map_err(LabError::Export)?;
    Ok(export::perfetto::trace_json(opened.scenario, &opened.program, &opened.run, steps))
}

/// The happens-before graph of the run, laid out: a column per thread, each step on the layer
/// after its latest predecessor; each node carries the link that opens the player at it.
pub fn hb_graph_view(lib: &Library, opened: &Opened) -> Result<GraphView, LabError> {
    let link = |s: &[Choice]| step_link(lib, opened, s);
    export::graph::happens_before_view(&opened.scenario.id, &link, &opened.program, &opened.run.schedule).map_err(LabError::Export)
}

/// The reachable state graph of the run's program, laid out in layers by depth; each node
/// carries the link (a schedule that reaches it) that opens it in the player. An error when
/// it has more than `max_states` states.
pub fn state_graph_view(lib: &Library, opened: &Opened, max_states: usize) -> Result<GraphView, LabError> {
    let link = |s: &[Choice]| step_link(lib, opened, s);
    export::graph::states(&opened.scenario.id, &link, &opened.program, max_states).map_err(LabError::Export)
}

/// The link of the state `schedule` reaches in the opened run's scenario, policy and model.
fn step_link(lib: &Library, opened: &Opened, schedule: &[Choice]) -> String {
    let steps = LinkSchedule::Steps(schedule::encode(schedule));
    lib.link(opened.scenario, &opened.program.policy, opened.program.model, steps, schedule.len()).to_fragment()
}

/// How one row of a side-by-side comparison of two runs of the same interleaving lines up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    /// Both runs take this step: the same statement, run by the same thread for the same time
    /// (the landmarks of [`replay::same_step`]); the initial state is such a row too.
    Same,
    /// Only the second run takes this step: code the second policy adds (a check, a flush).
    Added,
    /// Only the first run takes this step: the second one does not run it here (a fix held
    /// the thread back, or took it elsewhere).
    HeldBack,
}

/// One row of a [`Comparison`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub kind: RowKind,
    /// The step of the first run on this row (0 for the initial state), if it takes one here.
    pub a: Option<usize>,
    /// The step of the second run on this row, if it takes one here.
    pub b: Option<usize>,
    /// The step each side shows at this row: its own, else the last one it took before.
    pub a_at: usize,
    pub b_at: usize,
    /// The machine states shown at this row differ (the threads' own positions aside).
    pub differs: bool,
}

/// Two runs of one interleaving, aligned by statement: which steps the second run adds, which
/// of the first it holds back, and where their states first differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    /// Row 0 is the initial state; then one row per step of either run, in order.
    pub rows: Vec<Row>,
    /// The first row whose states differ, and how the second state differs from the first, in
    /// the words of the per-step changes.
    pub first_difference: Option<(usize, Vec<Change>)>,
}

impl Comparison {
    /// Steps of the second run that the first does not take.
    pub fn added(&self) -> Vec<usize> {
        self.rows.iter().filter(|r| r.kind == RowKind::Added).filter_map(|r| r.b).collect()
    }

    /// Steps of the first run that the second does not take.
    pub fn held_back(&self) -> Vec<usize> {
        self.rows.iter().filter(|r| r.kind == RowKind::HeldBack).filter_map(|r| r.a).collect()
    }

    /// Every step ran as it did in the first run: nothing added, nothing held back.
    pub fn same_steps(&self) -> bool {
        self.rows.iter().all(|r| r.kind == RowKind::Same)
    }

    /// The row that shows step `step` of the first run.
    pub fn row_of_a(&self, step: usize) -> Option<usize> {
        self.rows.iter().position(|r| r.a == Some(step))
    }

    /// The row that shows step `step` of the second run.
    pub fn row_of_b(&self, step: usize) -> Option<usize> {
        self.rows.iter().position(|r| r.b == Some(step))
    }
}

/// The step of `to` that takes what step `step` (1-based) of `from` takes: for a statement,
/// [`replay::same_step`]; for a drain or an early access, its k-th occurrence for that CPU or
/// thread.
fn matching_step(from: &Opened, step: usize, to: &Opened) -> Option<usize> {
    let rec = &from.run.steps[step - 1];
    let same_kind = |c: Choice, d: Choice| match (c, d) {
        (Choice::Run(_), Choice::Run(_)) => true,
        (Choice::Drain(x), Choice::Drain(y)) => x == y,
        (Choice::Early(x, _), Choice::Early(y, _)) => x == y,
        _ => false,
    };
    match rec.choice {
        Choice::Run(_) => replay::same_step(&from.program, &from.run, step, &to.program, &to.run),
        c => {
            let k = from.run.steps[..step].iter().filter(|r| same_kind(r.choice, c)).count();
            to.run.steps.iter().enumerate().filter(|(_, r)| same_kind(r.choice, c)).nth(k - 1).map(|(j, _)| j + 1)
        }
    }
}

/// Aligns two runs of the same scenario (the same interleaving under two policies or memory
/// models, as [`switch`] makes it) statement by statement. A step of `a` whose statement `b`
/// takes later than one already matched is not matched again, so the rows keep both runs'
/// orders. The states are compared by the changes that would turn one into the other.
pub fn compare(a: &Opened, b: &Opened) -> Result<Comparison, LabError> {
    if a.scenario.id != b.scenario.id {
        return Err(LabError::NotComparable { a: a.scenario.id.clone(), b: b.scenario.id.clone() });
    }
    let (na, nb) = (a.run.steps.len(), b.run.steps.len());
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let mut last_b = 0;
    for i in 1..=na {
        if let Some(j) = matching_step(a, i, b) {
            if j > last_b && matching_step(b, j, a) == Some(i) {
                pairs.push((i, j));
                last_b = j;
            }
        }
    }
    let differs = |i: usize, j: usize| !describe::diff(&b.program, &a.run.states[i], &b.run.states[j]).is_empty();
    let mut rows = vec![Row { kind: RowKind::Same, a: Some(0), b: Some(0), a_at: 0, b_at: 0, differs: differs(0, 0) }];
    let (mut ai, mut bj) = (0, 0);
    let push = |rows: &mut Vec<Row>, kind, a_step: Option<usize>, b_step: Option<usize>, ai: usize, bj: usize| {
        rows.push(Row { kind, a: a_step, b: b_step, a_at: ai, b_at: bj, differs: differs(ai, bj) });
    };
    for &(i, j) in pairs.iter().chain(std::iter::once(&(na + 1, nb + 1))) {
        while ai + 1 < i {
            ai += 1;
            push(&mut rows, RowKind::HeldBack, Some(ai), None, ai, bj);
        }
        while bj + 1 < j {
            bj += 1;
            push(&mut rows, RowKind::Added, None, Some(bj), ai, bj);
        }
        if i <= na {
            (ai, bj) = (i, j);
            push(&mut rows, RowKind::Same, Some(i), Some(j), ai, bj);
        }
    }
    let first_difference = rows
        .iter()
        .position(|r| r.differs)
        .map(|k| (k, describe::diff(&b.program, &a.run.states[rows[k].a_at], &b.run.states[rows[k].b_at])));
    Ok(Comparison { rows, first_difference })
}

/// The words of the scenario language an editor highlights and completes, from the core's
/// table of primitives: the steps (`ptl_lock`, `flush_tlb_range`, and those whose result is
/// assigned, `ok = trylock_page(p)`) and the values read in conditions (`page_count`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Language {
    pub primitives: Vec<&'static str>,
    pub values: Vec<&'static str>,
}

pub fn language() -> Language {
    use crate::primitives::{Use, PRIMITIVES};
    let of = |keep: fn(Use) -> bool| PRIMITIVES.iter().filter(|p| keep(p.kind)).map(|p| p.name).collect();
    Language { primitives: of(|k| k != Use::Value), values: of(|k| k == Use::Value) }
}

/// Loads the scenario in `file` of `catalog`, and says which files it read (itself and every
/// file its `use` lines reach, in the order they were read), whether or not it loads.
fn load_tracked(catalog: &Catalog, file: &str) -> (Result<Scenario, Diagnostic>, Vec<String>) {
    let read = RefCell::new(Vec::<String>::new());
    let loaded = scenario::load(file, &|name| {
        let mut r = read.borrow_mut();
        if !r.iter().any(|n| n == name) {
            r.push(name.to_string());
        }
        catalog.source(name).map(str::to_string)
    });
    (loaded, read.into_inner())
}

/// The files a scenario is made of: `file` itself, then each file its `use` lines reach (those
/// that exist), in the order the loader reads them. An editor opens each in a tab.
pub fn sources_of(catalog: &Catalog, file: &str) -> Vec<String> {
    let (_, read) = load_tracked(catalog, file);
    read.into_iter().filter(|n| catalog.source(n).is_some()).collect()
}

/// Checks edited sources, (path relative to the traces root, text), against `base` (the
/// built-in catalog): each edited file is parsed, and every scenario that reads one of them
/// (an edited scenario, or one that `use`s an edited kernel file) is loaded and compiled under
/// each of its policies and memory models. Returns every diagnostic found, each once, in the
/// order found: errors, and the compiler's warnings (`Severity::Warning`: the scenario still
/// runs); none when the edits are sound.
pub fn check_edits(base: &Catalog, edits: &[(String, String)]) -> Vec<Diagnostic> {
    let catalog = base.with_edits(edits);
    let edited: BTreeSet<&str> = edits.iter().map(|(n, _)| n.as_str()).collect();
    let mut out: Vec<Diagnostic> = Vec::new();
    let mut push = |d: Diagnostic| {
        if !out.contains(&d) {
            out.push(d)
        }
    };
    for (name, text) in edits {
        if let Err(d) = crate::syntax::parse(name, text) {
            push(d);
        }
    }
    for file in catalog.files() {
        if !catalog.source(file).is_some_and(is_scenario_source) {
            continue;
        }
        let (loaded, read) = load_tracked(&catalog, file);
        if !read.iter().any(|n| edited.contains(n.as_str())) {
            continue;
        }
        match loaded {
            Err(d) => push(d),
            Ok(sc) => {
                if let Some(other) = base.scenario(&sc.id).filter(|o| o.file != file && edited.contains(file)) {
                    let text = catalog.source(file).unwrap_or_default();
                    let pos = scenario_line(text);
                    push(Diagnostic::new(file, pos, format!("scenario id `{}` is already used by {}", sc.id, other.file)));
                }
                for p in 0..sc.policies.len() {
                    for &m in &sc.models {
                        match Program::compile(&sc, p, m) {
                            Err(d) => push(d),
                            Ok(prog) => prog.warnings.into_iter().for_each(&mut push),
                        }
                    }
                }
            }
        }
    }
    // What only the whole catalog sees: a scenario id used twice.
    for d in &catalog.errors {
        if edited.contains(d.file.as_str()) {
            push(d.clone());
        }
    }
    out
}

/// Where a source's `scenario NAME {` line names it (1:1 if it has none).
fn scenario_line(text: &str) -> crate::syntax::Pos {
    for (i, line) in text.lines().enumerate() {
        let rest = line.trim_start();
        if let Some(name) = rest.strip_prefix("scenario ") {
            let col = line.len() - rest.len() + "scenario ".len() + (name.len() - name.trim_start().len());
            return crate::syntax::Pos { line: i as u32 + 1, col: line[..col].chars().count() as u32 + 1 };
        }
    }
    crate::syntax::Pos { line: 1, col: 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RACE1A: &str = "race1a-uffd-unprotect.race";
    const MEMORY: &str = "kernel/memory.race";

    fn source(name: &str) -> String {
        Catalog::builtin().source(name).unwrap_or_else(|| panic!("no {name} in the catalog")).to_string()
    }

    /// The text with the first line containing `needle` replaced by `with`, and that line's number.
    fn replace_line(text: &str, needle: &str, with: &str) -> (String, u32) {
        let i = text.lines().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("no line with `{needle}`"));
        let lines: Vec<&str> = text.lines().enumerate().map(|(j, l)| if j == i { with } else { l }).collect();
        (lines.join("\n") + "\n", i as u32 + 1)
    }

    #[test]
    fn unchanged_sources_check_clean() {
        let base = Catalog::builtin();
        assert_eq!(check_edits(&base, &[(RACE1A.into(), source(RACE1A)), (MEMORY.into(), source(MEMORY))]), vec![]);
    }

    #[test]
    fn a_typo_in_a_thread_is_reported_at_its_line_and_column() {
        let base = Catalog::builtin();
        let (text, line) = replace_line(&source(RACE1A), "userfaultfd_writeprotect(V, 0)", "  userfaultfd_writeprotec(V, 0)");
        let diags = check_edits(&base, &[(RACE1A.into(), text)]);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!((diags[0].file.as_str(), diags[0].pos.line, diags[0].pos.col), (RACE1A, line, 3), "{}", diags[0]);
        assert!(diags[0].message.contains("userfaultfd_writeprotec"), "{}", diags[0]);
    }

    #[test]
    fn an_unknown_primitive_in_a_kernel_file_is_reported_in_that_file_once() {
        let base = Catalog::builtin();
        let text = source(MEMORY);
        let (text, line) = replace_line(&text, "flush_tlb_page(va)", "    flush_tlb_pgae(va)");
        let diags = check_edits(&base, &[(MEMORY.into(), text)]);
        let here: Vec<_> = diags.iter().filter(|d| d.file == MEMORY && d.pos.line == line).collect();
        assert_eq!(here.len(), 1, "{diags:?}");
        assert!(here[0].message.contains("flush_tlb_pgae"), "{}", here[0]);
    }

    #[test]
    fn a_new_scenario_with_a_used_id_is_an_error() {
        let base = Catalog::builtin();
        let diags = check_edits(&base, &[("mine.race".into(), source(RACE1A))]);
        let line = source(RACE1A).lines().position(|l| l.starts_with("scenario race1a")).unwrap() as u32 + 1;
        let d = diags.iter().find(|d| d.file == "mine.race" && d.message.contains("already used")).expect("the duplicate id");
        assert_eq!((d.pos.line, d.pos.col), (line, 10), "{d}");
        assert!(d.message.contains(RACE1A), "{d}");
    }

    #[test]
    fn removing_the_flush_of_6ce64428_breaks_race1a_under_that_fix() {
        let base = Catalog::builtin();
        // The fix's flush: the first `flush_tlb_page(va)` after its comment in do_wp_page.
        let orig = source(MEMORY);
        let fix = orig.find("6ce64428: uffd-wp may have deferred a flush").expect("the fix's branch");
        let at = fix + orig[fix..].find("flush_tlb_page(va)").expect("its flush");
        let text = format!("{}# removed{}", &orig[..at], &orig[at + "flush_tlb_page(va)".len()..]);
        let edits = [(MEMORY.to_string(), text)];
        assert_eq!(check_edits(&base, &edits), vec![]);
        let edited = base.with_edits(&edits);
        let req = |catalog: &Catalog| {
            let req = Request {
                scenario: "race1a".into(),
                policy: Some("merged_6ce64428".into()),
                model: MemoryModel::Sc,
                schedule: ScheduleSpec::Trace("lost_write".into()),
                nearest: true,
            };
            let o = open(catalog, &req).unwrap();
            matches!(o.run.outcome(&o.program), Outcome::Violated { .. })
        };
        assert!(!req(&base), "the fix holds in the catalog");
        assert!(req(&edited), "without its flush, the fix no longer holds");
    }

    #[test]
    fn a_scenario_is_made_of_its_file_and_the_files_it_uses() {
        let files = sources_of(&Catalog::builtin(), RACE1A);
        assert_eq!(files[0], RACE1A);
        assert!(files.iter().any(|f| f == MEMORY) && files.iter().any(|f| f == "kernel/userfaultfd.race"), "{files:?}");
        assert!(files.iter().any(|f| f == "kernel/policies.race"), "{files:?}");
    }

    #[test]
    fn the_language_lists_steps_and_values_from_the_primitive_table() {
        let l = language();
        assert!(l.primitives.contains(&"flush_tlb_page") && l.primitives.contains(&"trylock_page"));
        assert!(l.values.contains(&"page_count") && !l.primitives.contains(&"page_count"));
    }
}
