//! The front ends' door: opening one exact view (scenario, policy, memory model, schedule and
//! step), the session operations the player offers (switch policy or model, fork, open a
//! counterexample), and re-exports of everything a front end renders. The CLI and the web app
//! import `racelab_core::lab` and nothing else of the core (checked by `core/tests/tidy.rs`), so
//! a broken request reads the same in both.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;

pub use crate::catalog::{builtin_files, builtin_litmus, Catalog};
pub use crate::describe::{self, Change, ChangeKind};
pub use crate::exec;
pub use crate::explore::{
    self, graph, Bound, Counterexample, Explorer, Options, Phase, Progress, Report, Status, Strategy, Verdict, VerdictKind,
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
pub use crate::limits::{MAX_PCT_DEPTH, MAX_STEPS};
pub use crate::litmus;
pub use crate::permalink::{LinkSchedule, Permalink, PermalinkError, PERMALINK_VERSION};
pub use crate::replay::{self, Deviation, DeviationKind, ReplayError, Run};
pub use crate::scenario::{self, is_scenario_source, Citation, CitationKind, Fate, Outcome, Policy, Scenario, TraceDef};
pub use crate::schedule::{self, ScheduleError};
pub use crate::step::Choice;
pub use crate::syntax::Diagnostic;
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
    UnknownScenario { id: String, known: Vec<String> },
    UnknownPolicy { scenario: String, policy: String, known: Vec<String> },
    UnknownTrace { scenario: String, trace: String, known: Vec<String> },
    UnsupportedModel { scenario: String, model: MemoryModel, known: Vec<MemoryModel> },
    Compile(Diagnostic),
    Schedule(ScheduleError),
    Replay(ReplayError),
    StepOutOfRange { step: usize, steps: usize },
    Export(ExportError),
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

/// Opens a permalink exactly as it was made: the schedule must replay as written. A canonical
/// trace (`tr=`) is carried over to the link's policy as closely as it allows.
pub fn open_link<'c>(catalog: &'c Catalog, fragment: &str) -> Result<(Opened<'c>, usize), LabError> {
    let link = Permalink::parse(fragment).map_err(LabError::Permalink)?;
    let (schedule, nearest) = match &link.schedule {
        LinkSchedule::Steps(t) => (ScheduleSpec::Compact(t.clone()), false),
        LinkSchedule::Trace(n) => (ScheduleSpec::Trace(n.clone()), true),
    };
    let req = Request { scenario: link.scenario.clone(), policy: link.policy.clone(), model: link.model, schedule, nearest };
    let opened = open(catalog, &req)?;
    if link.step > opened.run.steps.len() {
        return Err(LabError::StepOutOfRange { step: link.step, steps: opened.run.steps.len() });
    }
    Ok((opened, link.step))
}

/// The permalink of a view: its steps spelled out, so it replays exactly.
pub fn permalink(opened: &Opened, step: usize) -> Permalink {
    Permalink {
        scenario: opened.scenario.id.clone(),
        policy: Some(opened.program.policy.clone()),
        model: opened.program.model,
        schedule: LinkSchedule::Steps(schedule::encode(&opened.run.schedule)),
        step,
    }
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
pub fn canonical_trace(catalog: &Catalog, opened: &Opened) -> Option<String> {
    if let Some(t) = opened.trace {
        return Some(t.name.clone());
    }
    let sc = opened.scenario;
    sc.traces.iter().map(|t| t.name.clone()).find(|name| {
        let req = Request {
            scenario: sc.id.clone(),
            policy: Some(opened.program.policy.clone()),
            model: opened.program.model,
            schedule: ScheduleSpec::Trace(name.clone()),
            nearest: true,
        };
        open(catalog, &req).is_ok_and(|o| o.run.schedule == opened.run.schedule)
    })
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
        let base = compile(sc, None, m);
        for p in &sc.policies {
            let prog = compile(sc, Some(&p.name), m);
            for t in &sc.traces {
                let result = match (&prog, &base) {
                    (Ok(prog), Ok(base)) => replay::replay_nearest(prog, base, &t.schedule)
                        .map(|run| (run.outcome(prog), run.steps.len()))
                        .map_err(|e| LabError::Replay(e).to_string()),
                    (Err(e), _) | (_, Err(e)) => Err(e.to_string()),
                };
                out.push(TraceOutcome { policy: p.name.clone(), trace: t.name.clone(), model: m, result });
            }
        }
    }
    out
}

/// The permalink of a counterexample of `prog` (of scenario `scenario`), run to completion,
/// at its last step; None if it does not replay.
pub fn counterexample_link(scenario: &str, prog: &Program, trace: &[Choice]) -> Option<Permalink> {
    let run = replay::replay_nearest(prog, prog, trace).ok()?;
    Some(Permalink {
        scenario: scenario.to_string(),
        policy: Some(prog.policy.clone()),
        model: prog.model,
        schedule: LinkSchedule::Steps(schedule::encode(&run.schedule)),
        step: trace.len(),
    })
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
pub fn mail(opened: &Opened, opts: &MailOptions) -> Result<String, LabError> {
    let link = permalink(opened, focus_step(opened));
    export::mail::mail(opened.scenario, &opened.program, &opened.run, opened.trace, &link, opts).map_err(LabError::Export)
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
pub fn hb_graph_view(opened: &Opened) -> Result<GraphView, LabError> {
    export::graph::happens_before_view(&opened.scenario.id, &opened.program, &opened.run.schedule).map_err(LabError::Export)
}

/// The reachable state graph of the run's program, laid out in layers by depth; each node
/// carries the link (a schedule that reaches it) that opens it in the player. An error when
/// it has more than `max_states` states.
pub fn state_graph_view(opened: &Opened, max_states: usize) -> Result<GraphView, LabError> {
    export::graph::states(&opened.scenario.id, &opened.program, max_states).map_err(LabError::Export)
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
/// order found; none when the edits are sound.
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
                        if let Err(d) = Program::compile(&sc, p, m) {
                            push(d);
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
