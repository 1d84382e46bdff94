//! One opened run, as the player shows it: the scenario, the compiled program, the replayed run
//! and the views that do not change from step to step. Every way to get a new run (a link, a
//! policy or model switch, a schedule forked by the user, a counterexample) goes through the
//! core and returns its `LabError`; nothing here computes a kernel fact.

use racelab_core::lab::view::{self, InvariantView, ScenarioView, StateView, StepView, ThreadCodeView};
use racelab_core::lab::{
    self, describe, exec, replay, schedule, Catalog, Choice, Compare, Comparison, DeviationKind, LabError, LinkView, MemoryModel, Note,
    Notice, Opened, Outcome, Permalink, Request, ScheduleSpec,
};

use crate::catalog::{catalog, library};

/// How the run of a session came to be, for the line under the title.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// Opened from a link (or the gallery).
    Link,
    /// The same schedule carried over from another policy or memory model.
    Switched { from: String },
    /// The user chose which thread runs at this step (1-based).
    Forked { at: usize, choice: String },
    /// The explorer's shortest trace that breaks an invariant.
    Counterexample { invariant: String },
}

pub struct Session {
    /// The catalog the run comes from: the built-in one, or one overlaid with the draft's edits.
    pub catalog: &'static Catalog,
    /// The draft's edits the catalog carries (none for a built-in scenario).
    pub edits: Vec<(String, String)>,
    pub opened: Opened<'static>,
    pub info: ScenarioView,
    pub code: Vec<ThreadCodeView>,
    /// The canonical trace this run is, if it is one.
    pub trace: Option<String>,
    /// The earliest broken invariant: (step, name).
    pub violation: Option<(usize, String)>,
    pub origin: Origin,
    /// The kinds of change (`pte`, `tlb`, `lock`, …) some step of the run makes: the panels
    /// that never change may fold away in presentation mode.
    pub changed_kinds: Vec<String>,
    /// Per thread: it takes at least one step in this run.
    pub runs: Vec<bool>,
    /// The trace's own words on what this policy does to it (its `expect` line's comment), and
    /// the step they speak about: where it breaks, or the end of a safe run.
    pub narration: Option<(usize, String)>,
    /// After a switch, the core's alignment with the run switched from: the steps of this run
    /// the other does not take (added), and the steps of the other this one does not (held back).
    pub compared: Option<(Vec<usize>, Vec<usize>)>,
    /// What opening the link repaired or found (an older version, a schedule cut short), for
    /// the player to show.
    pub notices: Vec<Notice>,
}

/// Presentation mode, shared by the pages that show a run (the app provides it).
#[derive(Clone, Copy)]
pub struct Presenting(pub leptos::prelude::RwSignal<bool>);

/// What a link opens: its run at its step, and what it asks for besides (the core's fields).
pub struct Opening {
    pub session: Session,
    pub step: usize,
    /// Side by side (`q=`, `qm=`): the second run, and its step when the link names it (`qi=`).
    pub compare: Option<(Session, Option<usize>)>,
    /// `view=present`.
    pub present: bool,
    /// The presenter's notes the link carries (`note=`), on steps the run has.
    pub notes: Vec<Note>,
}

/// One thing the user may schedule at a step.
#[derive(Clone, Debug, PartialEq)]
pub struct ChoiceView {
    pub choice: Choice,
    /// `monitor`, `writer.drain`, …
    pub label: String,
    pub thread: String,
    pub cpu: String,
    /// Runs a statement of the thread (false: a store-buffer drain or an access out of order).
    pub is_run: bool,
    /// What it does, for a drain or an early access: `drains its store buffer`, `performs
    /// \`r1 = READ_ONCE(x)\` early`.
    pub what: Option<String>,
    /// Why it cannot be taken now.
    pub blocked: Option<String>,
    /// It is what the run does next.
    pub in_run: bool,
}

/// Everything the player shows at one step.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    pub step: usize,
    pub steps: usize,
    pub state: StateView,
    /// The state before this step (none at step 0).
    pub prev: Option<StateView>,
    pub step_view: Option<StepView>,
    pub invariants: Vec<InvariantView>,
    /// Per thread: the pcs it has executed up to this step.
    pub done: Vec<Vec<u16>>,
    pub choices: Vec<ChoiceView>,
}

impl Session {
    fn new(opened: Opened<'static>, origin: Origin) -> Session {
        Session::in_catalog(catalog(), Vec::new(), opened, origin)
    }

    fn in_catalog(catalog: &'static Catalog, edits: Vec<(String, String)>, opened: Opened<'static>, origin: Origin) -> Session {
        let sc = opened.scenario;
        let info = view::scenario(sc);
        let code = view::code(&opened.program, sc);
        let violation = match opened.run.outcome(&opened.program) {
            Outcome::Violated { invariant, step } => Some((step, invariant.name().to_string())),
            _ => None,
        };
        // A run opened from its steps may still be a canonical trace.
        let trace = lab::canonical_trace(catalog, &opened);
        let mut changed_kinds: Vec<String> = Vec::new();
        let mut runs = vec![false; opened.program.threads.len()];
        for rec in &opened.run.steps {
            if let Some(r) = runs.get_mut(rec.thread) {
                *r = true;
            }
            for c in &rec.changes {
                let k = kind_name(&c.kind);
                if !changed_kinds.contains(&k) {
                    changed_kinds.push(k);
                }
            }
        }
        let narration = trace.as_deref().and_then(|name| sc.trace(name)).and_then(|t| {
            let prog = &opened.program;
            let e = t.expect.iter().find(|e| e.policy == prog.policy && e.model == prog.model)?;
            let at = match e.outcome {
                Outcome::Violated { step, .. } => step,
                _ => opened.run.steps.len(),
            };
            (!e.comment.is_empty()).then(|| (at.min(opened.run.steps.len()), e.comment.clone()))
        });
        Session {
            catalog,
            edits,
            opened,
            info,
            code,
            trace,
            violation,
            origin,
            changed_kinds,
            runs,
            narration,
            compared: None,
            notices: Vec::new(),
        }
    }

    /// A run of the same catalog (and edits) as this one.
    fn next(&self, opened: Opened<'static>, origin: Origin) -> Session {
        Session::in_catalog(self.catalog, self.edits.clone(), opened, origin)
    }

    /// Opens a permalink fragment on the built-in catalog overlaid with `edits`, with what the
    /// link asks for besides its run.
    pub fn open_link_with_edits(fragment: &str, edits: Vec<(String, String)>) -> Result<Opening, LabError> {
        let lib = crate::state::lab::library_with_edits(&edits);
        let view = lab::open_link(lib, fragment)?;
        Ok(Session::opening(lib.current(), edits, view))
    }

    fn opening(catalog: &'static Catalog, edits: Vec<(String, String)>, view: LinkView<'static>) -> Opening {
        let LinkView { opened, step, notices, compare, compare_step, present, notes, .. } = view;
        let mut session = Session::in_catalog(catalog, edits, opened, Origin::Link);
        session.notices = notices;
        let compare = compare.map(|b| (session.beside(b), compare_step));
        Opening { session, step, compare, present, notes }
    }

    /// The first canonical trace (or the empty schedule) of the scenario declared in `file`,
    /// under its baseline and sequential consistency, on the catalog overlaid with `edits`.
    pub fn from_file_with_edits(file: &str, edits: Vec<(String, String)>) -> Result<Session, String> {
        let catalog = crate::state::lab::with_edits(&edits);
        let sc = catalog.scenarios.iter().find(|s| s.file == file).ok_or_else(|| match catalog.errors.iter().find(|d| d.file == file) {
            Some(d) => d.to_string(),
            None => format!("{file} declares no scenario"),
        })?;
        let schedule = match sc.traces.first() {
            Some(t) => ScheduleSpec::Trace(t.name.clone()),
            None => ScheduleSpec::Choices(vec![]),
        };
        let model =
            if sc.models.contains(&MemoryModel::Sc) { MemoryModel::Sc } else { sc.models.first().copied().unwrap_or(MemoryModel::Sc) };
        let req = Request { scenario: sc.id.clone(), policy: None, model, schedule, nearest: true };
        let opened = lab::open(catalog, &req).map_err(|e| e.to_string())?;
        Ok(Session::in_catalog(catalog, edits, opened, Origin::Link))
    }

    /// Whether the run comes from edited sources.
    pub fn is_edited(&self) -> bool {
        !self.edits.is_empty()
    }

    /// Opens a permalink fragment: the session and the step it names.
    #[cfg(test)]
    pub fn from_link(fragment: &str) -> Result<(Session, usize), LabError> {
        Session::open_link(fragment).map(|o| (o.session, o.step))
    }

    /// Opens a permalink fragment, with what the link asks for besides its run.
    pub fn open_link(fragment: &str) -> Result<Opening, LabError> {
        let view = lab::open_link(library(), fragment)?;
        Ok(Session::opening(catalog(), Vec::new(), view))
    }

    /// The scenario a permalink names, if the link names one and it exists: a link broken in
    /// another part may still lead to the scenario's canonical trace.
    pub fn scenario_of_link(fragment: &str) -> Option<String> {
        Permalink::parse(fragment).ok().map(|l| l.scenario).filter(|id| catalog().scenario(id).is_some())
    }

    /// The first canonical trace of a scenario under its baseline (`#/race/<id>`).
    pub fn from_scenario(id: &str) -> Result<Session, LabError> {
        let sc = lab::scenario(catalog(), id)?;
        let schedule = match sc.traces.first() {
            Some(t) => ScheduleSpec::Trace(t.name.clone()),
            None => ScheduleSpec::Choices(vec![]),
        };
        let req = Request { scenario: id.to_string(), policy: None, model: MemoryModel::Sc, schedule, nearest: true };
        Ok(Session::new(lab::open(catalog(), &req)?, Origin::Link))
    }

    /// Some step of the run makes a change of one of these kinds.
    pub fn changes_any(&self, kinds: &[&str]) -> bool {
        self.changed_kinds.iter().any(|k| kinds.contains(&k.as_str()))
    }

    /// This run and `other` side by side, aligned by statement (the core's comparison).
    pub fn compare(&self, other: &Session) -> Result<Comparison, LabError> {
        lab::compare(&self.opened, &other.opened)
    }

    pub fn scenario_id(&self) -> &str {
        &self.opened.scenario.id
    }

    pub fn policy(&self) -> &str {
        &self.opened.program.policy
    }

    pub fn model(&self) -> MemoryModel {
        self.opened.program.model
    }

    pub fn steps(&self) -> usize {
        self.opened.run.steps.len()
    }

    /// The step of `other` (another run of this scenario) that shows what step `step` of this
    /// run shows: the same statement, run by the same thread the same number of times; else the
    /// same step number.
    pub fn same_step_in(&self, step: usize, other: &Session) -> usize {
        let (a, b) = (&self.opened, &other.opened);
        replay::same_step(&a.program, &a.run, step, &b.program, &b.run).unwrap_or(step).min(other.steps())
    }

    /// The permalink fragment of this run at `step`.
    #[cfg(test)]
    pub fn fragment(&self, step: usize) -> String {
        self.permalink(step).to_fragment()
    }

    /// The core's permalink of this run at `step` (version 2: pinned, and carrying the files
    /// when the archive cannot find them, as for an edited run); a front end sets the fields
    /// it asks for besides the run (side by side, presentation, notes).
    pub fn permalink(&self, step: usize) -> Permalink {
        lab::permalink(library(), &self.opened, step.min(self.steps()))
    }

    /// The second run of a side-by-side link to this run and `other` at `other_step`.
    pub fn compare_field(&self, other: &Session, other_step: Option<usize>) -> Compare {
        Compare {
            policy: (other.policy() != self.policy()).then(|| other.policy().to_string()),
            model: (other.model() != self.model()).then_some(other.model()),
            step: other_step,
        }
    }

    /// What the address bar shows for `link`, a link of this run: the link itself, under
    /// `/lab/` when the run comes from the draft (it opens on this browser's draft).
    pub fn address(&self, link: &Permalink) -> String {
        let f = link.to_fragment();
        if self.is_edited() {
            format!("/lab/{f}")
        } else {
            f
        }
    }

    /// The fragment the address bar shows for this run at `step`, with nothing besides the run.
    pub fn url_fragment(&self, step: usize) -> String {
        self.address(&self.permalink(step))
    }

    /// The same interleaving under another policy or memory model: each run of one thread ends
    /// after the same statement; steps a fix holds back are skipped and listed as deviations.
    pub fn switch(&self, policy: &str, model: MemoryModel) -> Result<Session, LabError> {
        Ok(self.beside(lab::switch(&self.opened, policy, model)?))
    }

    /// `opened`, a run of this one's interleaving under another policy or model, as a session
    /// switched from this one and compared with it.
    fn beside(&self, opened: Opened<'static>) -> Session {
        let model = opened.program.model;
        let from = if model == self.model() { self.policy().to_string() } else { format!("{} ({})", self.policy(), self.model().name()) };
        let compared = lab::compare(&self.opened, &opened).ok().map(|c| (c.added(), c.held_back()));
        let mut next = self.next(opened, Origin::Switched { from });
        next.compared = compared;
        next
    }

    /// The run's schedule up to `step`, then `choice`, then every thread to its end.
    pub fn fork(&self, step: usize, choice: Choice) -> Result<Session, LabError> {
        let opened = lab::fork(&self.opened, step, choice)?;
        let label = schedule::choice_name(choice, &opened.program.layout);
        Ok(self.next(opened, Origin::Forked { at: step + 1, choice: label }))
    }

    /// A counterexample of the explorer, run to completion after its last step.
    pub fn counterexample(&self, trace: &[Choice], invariant: &str) -> Result<Session, LabError> {
        let opened = lab::counterexample(&self.opened, trace)?;
        Ok(self.next(opened, Origin::Counterexample { invariant: invariant.to_string() }))
    }

    /// Steps of the requested schedule that the program could not take (a fix held the thread
    /// back), and how many steps were added at the end to finish the threads.
    pub fn deviations(&self) -> (Vec<&replay::Deviation>, usize) {
        let d = &self.opened.run.deviations;
        (d.iter().filter(|d| d.kind != DeviationKind::Appended).collect(), d.iter().filter(|d| d.kind == DeviationKind::Appended).count())
    }

    pub fn frame(&self, step: usize) -> Frame {
        let prog = &self.opened.program;
        let run = &self.opened.run;
        let step = step.min(run.steps.len());
        let state = view::state(prog, &run.states[step]);
        let prev = (step > 0).then(|| view::state(prog, &run.states[step - 1]));
        let mut step_view = (step > 0).then(|| view::step(prog, run, step));
        // A canonical trace's presenter notes (`say at STEP`) on this step, under this policy.
        if let (Some(v), Some(t)) = (step_view.as_mut(), self.trace.as_deref().and_then(|n| self.opened.scenario.trace(n))) {
            view::with_notes(std::slice::from_mut(v), t, &prog.policy);
        }
        let invariants = match &step_view {
            Some(s) => s.invariants.clone(),
            None => view::initial_invariants(prog, &run.states[0]),
        };
        let mut done = vec![Vec::new(); prog.threads.len()];
        for rec in &run.steps[..step] {
            if matches!(rec.choice, Choice::Run(_)) {
                done[rec.thread].push(rec.exec.pc);
            }
        }
        let s = &run.states[step];
        let mut available = Vec::new();
        exec::choices(prog, s, &mut available);
        let next = run.schedule.get(step).copied();
        let mut choices: Vec<ChoiceView> = (0..prog.threads.len())
            .map(|t| {
                let c = Choice::Run(t as u8);
                let blocked = match exec::can_apply(prog, s, c) {
                    Ok(()) => None,
                    Err(b) => Some(describe::blocked_text(prog, s, t, b)),
                };
                self.choice_view(c, blocked, next == Some(c))
            })
            .collect();
        for &c in available.iter().filter(|c| !matches!(c, Choice::Run(_))) {
            choices.push(self.choice_view(c, None, next == Some(c)));
        }
        Frame { step, steps: run.steps.len(), state, prev, step_view, invariants, done, choices }
    }

    fn choice_view(&self, c: Choice, blocked: Option<String>, in_run: bool) -> ChoiceView {
        let prog = &self.opened.program;
        let layout = &prog.layout;
        let t = c.thread();
        let what = describe::choice_text(prog, c);
        ChoiceView {
            what,
            choice: c,
            label: schedule::choice_name(c, layout),
            thread: layout.threads[t].name.clone(),
            cpu: layout.threads[t].cpu_label(),
            is_run: matches!(c, Choice::Run(_)),
            blocked,
            in_run,
        }
    }
}

/// `pte`, `tlb`, … as the core serializes a change's kind.
pub fn kind_name<T: serde::Serialize>(k: &T) -> String {
    serde_json::to_value(k).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    const LOST_WRITE: &str = "v=1&s=race1a&p=v5_10&tr=lost_write&i=25";

    fn lost_write() -> (Session, usize) {
        Session::from_link(LOST_WRITE).expect("the canonical link opens")
    }

    #[wasm_bindgen_test]
    fn a_canonical_link_opens_its_trace_at_its_step() {
        let (s, step) = lost_write();
        assert_eq!(step, 25);
        assert_eq!((s.scenario_id(), s.policy(), s.model()), ("race1a", "v5_10", MemoryModel::Sc));
        assert_eq!(s.trace.as_deref(), Some("lost_write"));
        assert_eq!(s.violation, Some((25, "no_lost_write".to_string())));
        assert_eq!(s.origin, Origin::Link);
        assert_eq!(s.code.len(), s.info.threads.len(), "one lane of code per thread");
    }

    #[wasm_bindgen_test]
    fn a_run_knows_which_threads_run_which_panels_change_and_the_traces_word_on_its_policy() {
        let (s, _) = lost_write();
        assert!(s.runs.iter().all(|r| *r), "every thread of lost_write runs");
        assert!(s.changes_any(&["tlb"]) && s.changes_any(&["counter"]));
        assert!(!s.changes_any(&["pin"]), "race 1A takes no GUP pin");
        let (at, text) = s.narration.clone().expect("lost_write has an expect line for v5_10");
        assert_eq!(at, 25);
        assert!(text.contains("lacks CPU3's store"), "{text}");
    }

    #[wasm_bindgen_test]
    fn a_switch_to_6ce64428_knows_the_steps_the_fix_adds() {
        let (s, _) = lost_write();
        let t = s.switch("merged_6ce64428", MemoryModel::Sc).expect("the fix opens");
        let (added, held) = t.compared.clone().expect("a switch is compared with its origin");
        assert!(added.starts_with(&[11, 12]), "{added:?}");
        assert!(held.is_empty());
        let cmp = s.compare(&t).expect("one scenario");
        assert_eq!(cmp.added(), added);
    }

    #[wasm_bindgen_test]
    fn the_frame_at_the_violation_shows_the_broken_invariant() {
        let (s, _) = lost_write();
        let f = s.frame(25);
        assert_eq!((f.step, f.steps), (25, s.steps()));
        let step = f.step_view.as_ref().expect("a step after the start");
        assert_eq!((step.step, step.thread.as_str()), (25, "writer"));
        assert!(f.prev.is_some());
        let inv = f.invariants.iter().find(|i| i.name == "no_lost_write").expect("race1a checks no_lost_write");
        assert!(!inv.ok);
        assert_eq!(inv.broken_at, Some(25));
        assert_eq!(f.done.iter().map(Vec::len).sum::<usize>(), 25, "every step so far ran one statement");
    }

    #[wasm_bindgen_test]
    fn the_frame_marks_the_choice_the_run_takes_next() {
        let (s, _) = lost_write();
        let f = s.frame(25);
        let next = s.opened.run.schedule[25];
        let in_run: Vec<&ChoiceView> = f.choices.iter().filter(|c| c.in_run).collect();
        assert_eq!(in_run.len(), 1);
        assert_eq!(in_run[0].choice, next);
        assert!(in_run[0].blocked.is_none());
        assert_eq!(f.choices.iter().filter(|c| c.is_run).count(), s.info.threads.len(), "a choice per thread");
        let last = s.frame(s.steps());
        assert!(last.choices.iter().all(|c| !c.in_run), "nothing comes after the last step");
    }

    #[wasm_bindgen_test]
    fn a_canonical_traces_presenter_notes_are_on_their_steps_under_their_policy() {
        // The current files: the version a v1 link opens predates the notes.
        let s = Session::from_scenario("race1a").expect("race 1A opens");
        assert_eq!(s.trace.as_deref(), Some("lost_write"));
        assert!(s.frame(16).step_view.unwrap().say[0].contains("stale writable entry"));
        assert!(s.frame(15).step_view.unwrap().say.is_empty());
        let fix = s.switch("merged_6ce64428", MemoryModel::Sc).expect("the fix opens");
        assert!(fix.frame(12).step_view.unwrap().say[0].contains("drops CPU3's stale entry"));
    }

    #[wasm_bindgen_test]
    fn a_link_gives_its_second_run_presentation_and_notes_and_they_come_back_in_the_link() {
        let (s, _) = lost_write();
        let b = s.switch("merged_6ce64428", MemoryModel::Sc).expect("the fix opens");
        let mut l = s.permalink(25);
        l.compare = Some(s.compare_field(&b, Some(27)));
        l.present = true;
        l.notes = vec![Note { step: 25, text: "lost: 100% & more".into() }];
        let o = Session::open_link(&l.to_fragment()).expect("its own link opens");
        let (b2, at) = o.compare.expect("q= opens the second run");
        assert_eq!((b2.policy(), at), ("merged_6ce64428", Some(27)));
        assert!(b2.compared.is_some(), "the second run is compared with the first");
        assert!(o.present);
        assert_eq!(o.notes, l.notes);
        assert_eq!(o.session.address(&l), l.to_fragment(), "a built-in run's address is its link");
    }

    #[wasm_bindgen_test]
    fn the_first_frame_is_the_initial_state_and_a_step_past_the_end_is_the_last() {
        let (s, _) = lost_write();
        let first = s.frame(0);
        assert!(first.step_view.is_none() && first.prev.is_none());
        assert!(first.invariants.iter().all(|i| i.ok && i.broken_at.is_none()));
        assert!(first.done.iter().all(Vec::is_empty));
        assert_eq!(s.frame(10_000).step, s.steps());
    }

    #[wasm_bindgen_test]
    fn the_fragment_of_a_step_reopens_the_same_view() {
        let (s, _) = lost_write();
        let (again, step) = Session::from_link(&s.fragment(12)).expect("its own link opens");
        assert_eq!(step, 12);
        assert_eq!(again.opened.run.schedule, s.opened.run.schedule);
        assert_eq!(again.frame(12), s.frame(12));
        assert_eq!(s.fragment(10_000), s.fragment(s.steps()), "a step past the end is the last");
    }

    #[wasm_bindgen_test]
    fn a_broken_link_says_why_and_names_its_scenario_if_it_exists() {
        let e = Session::from_link("v=9&s=race1a").err().expect("an unknown version is refused");
        assert!(e.to_string().contains("version 9"), "{e}");
        let e = Session::from_link("v=2&s=race1a").err().expect("a version 2 link without its pin is refused");
        assert!(e.to_string().contains("`h=`"), "{e}");
        assert_eq!(Session::scenario_of_link("v=1&s=race1a&p=no_such_policy&tr=lost_write&i=0").as_deref(), Some("race1a"));
        assert_eq!(Session::scenario_of_link("v=1&s=no_such_race&tr=lost_write&i=0"), None);
        assert_eq!(Session::scenario_of_link("junk"), None);
    }

    #[wasm_bindgen_test]
    fn a_race_route_opens_the_first_canonical_trace_under_the_baseline() {
        let s = Session::from_scenario("race1a").expect("race1a opens");
        assert_eq!((s.policy(), s.trace.as_deref()), ("v5_10", Some("lost_write")));
        assert!(Session::from_scenario("no_such_race").is_err());
    }

    #[wasm_bindgen_test]
    fn a_switch_keeps_the_interleaving_and_says_where_it_comes_from() {
        let (s, _) = lost_write();
        let t = s.switch("uffd_wp_write_lock", MemoryModel::Sc).expect("the switch replays");
        assert_eq!(t.origin, Origin::Switched { from: "v5_10".to_string() });
        assert_eq!(t.policy(), "uffd_wp_write_lock");
        assert_eq!(t.violation, None, "the write lock fixes race 1A");
        assert_eq!(t.trace.as_deref(), Some("lost_write"), "the switched run is the trace carried over");
        let (held_back, _) = t.deviations();
        assert!(held_back.iter().any(|d| d.thread == "writer"), "the writer waits on mmap_lock: {held_back:?}");
        assert!(t.switch("no_such_policy", MemoryModel::Sc).is_err());
    }

    #[wasm_bindgen_test]
    fn the_same_step_after_a_switch_runs_the_same_statement() {
        let (s, _) = lost_write();
        let t = s.switch("merged_6ce64428", MemoryModel::Sc).expect("the switch replays");
        let i = s.same_step_in(5, &t);
        let (a, b) = (s.frame(5), t.frame(i));
        let (a, b) = (a.step_view.unwrap(), b.step_view.unwrap());
        assert_eq!((a.thread, a.source), (b.thread, b.source));
    }

    #[wasm_bindgen_test]
    fn a_fork_runs_the_chosen_thread_then_every_thread_to_its_end() {
        let (s, _) = lost_write();
        let writer = Choice::Run(1);
        assert_ne!(s.opened.run.schedule[0], writer, "the trace starts with another thread");
        let f = s.fork(0, writer).expect("the writer can run first");
        assert_eq!(f.origin, Origin::Forked { at: 1, choice: "writer".to_string() });
        assert_eq!(f.opened.run.schedule[0], writer);
        assert!(f.frame(f.steps()).choices.iter().all(|c| c.blocked.is_some()), "every thread ran to its end");
    }
}
