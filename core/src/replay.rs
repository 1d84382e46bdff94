//! Deterministic replay: a program and a schedule give the sequence of states, what changed at
//! each step in a kernel developer's words, and the invariants at each step.

use serde::{Deserialize, Serialize};

use crate::describe::{self, blocked_text, diff, step_error_text, Change};
use crate::exec;
use crate::invariants;
use crate::ir::{Op, Program};
use crate::layout::{Invariant, InvariantSet};
use crate::scenario::Outcome;
use crate::state::*;
use crate::step::{Blocked, Choice, Executed, StepError};

#[derive(Clone, Debug, PartialEq)]
pub struct StepRecord {
    pub choice: Choice,
    /// The thread of the choice (for a drain, the thread whose CPU drains).
    pub thread: usize,
    pub exec: Executed,
    pub changes: Vec<Change>,
    /// Invariants broken after this step (bit i = `Invariant::ALL[i]`).
    pub violated: InvariantSet,
}

/// A step of the requested schedule that the program could not take as asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deviation {
    /// 1-based position in the requested schedule.
    pub at: usize,
    pub thread: String,
    pub reason: String,
    pub kind: DeviationKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviationKind {
    /// The thread could not run there.
    Skipped,
    /// Run after the schedule, to finish the threads.
    Appended,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    /// The choice of each step taken.
    pub schedule: Vec<Choice>,
    /// `states[0]` is the initial state; `states[i]` the state after step `i`.
    pub states: Vec<State>,
    pub steps: Vec<StepRecord>,
    pub deviations: Vec<Deviation>,
}

impl Run {
    /// The first step (1-based) at which `inv` is broken.
    pub fn first_violation(&self, inv: Invariant) -> Option<usize> {
        self.steps.iter().position(|s| s.violated.contains(inv)).map(|i| i + 1)
    }

    /// The earliest broken invariant, or Safe.
    pub fn outcome(&self, prog: &Program) -> Outcome {
        let mut best: Option<(usize, Invariant)> = None;
        for inv in &prog.checks {
            if let Some(step) = self.first_violation(*inv) {
                if best.is_none_or(|(b, _)| step < b) {
                    best = Some((step, *inv));
                }
            }
        }
        match best {
            Some((step, invariant)) => Outcome::Violated { invariant, step },
            None => Outcome::Safe,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayError {
    /// 1-based step of the schedule.
    pub step: usize,
    pub thread: String,
    pub message: String,
}

impl std::fmt::Display for ReplayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "step {}: {}", self.step, self.message)
    }
}

impl std::error::Error for ReplayError {}

fn no_such_thread(i: usize, c: Choice) -> ReplayError {
    let t = c.thread();
    ReplayError { step: i + 1, thread: format!("#{t}"), message: format!("there is no thread #{t}") }
}

/// One sentence for step `step` (1-based) of `run`: see [`describe::step`].
pub fn describe_step(prog: &Program, run: &Run, step: usize) -> String {
    let rec = &run.steps[step - 1];
    let early_at = if rec.exec.early {
        run.steps[..step - 1].iter().rposition(|s| s.choice == Choice::Early(rec.thread as u8, rec.exec.pc)).map(|i| i + 1)
    } else {
        None
    };
    describe::step(prog, &run.states[step - 1], &run.states[step], rec.choice, &rec.exec, early_at)
}

/// Replays `schedule` exactly; a choice that cannot be taken is an error that names the step
/// and the reason.
pub fn replay(prog: &Program, schedule: &[Choice]) -> Result<Run, ReplayError> {
    let mut run = Run { schedule: vec![], states: vec![prog.init], steps: vec![], deviations: vec![] };
    for (i, &c) in schedule.iter().enumerate() {
        if c.thread() >= prog.threads.len() {
            return Err(no_such_thread(i, c));
        }
        let s = *run.states.last().unwrap();
        match take(prog, &s, c, true) {
            Ok((next, rec)) => push(&mut run, next, rec),
            Err(e) => {
                return Err(ReplayError {
                    step: i + 1,
                    thread: prog.thread_name(c.thread()).to_string(),
                    message: step_error_text(prog, &s, c, e),
                })
            }
        }
    }
    Ok(run)
}

/// A statement of a thread, recognisable across policies: source file, line and text, and
/// which occurrence of it in the thread's code (a proc inlined twice has two).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Landmark {
    file: String,
    line: u32,
    text: String,
    nth: usize,
}

fn landmark_at(prog: &Program, t: usize, pc: usize) -> Option<Landmark> {
    let code = &prog.threads[t].instrs;
    let i = code.get(pc)?;
    if i.silent || matches!(i.op, Op::End) {
        return None;
    }
    let same = |j: &crate::ir::Instr| j.file == i.file && j.line == i.line && j.text == i.text;
    let nth = code[..pc].iter().filter(|j| !j.silent && same(j)).count();
    Some(Landmark { file: prog.files[i.file as usize].clone(), line: i.line, text: i.text.clone(), nth })
}

fn has_landmark(prog: &Program, t: usize, l: &Landmark) -> bool {
    (0..prog.threads[t].instrs.len()).any(|pc| landmark_at(prog, t, pc).as_ref() == Some(l))
}

/// The step of run `to` (of `to_prog`) that shows what step `step` of run `from` shows: the
/// same statement, executed by the same thread for the same time. None when `to` never runs it
/// (a fix took the thread elsewhere). Step 0, the initial state, is step 0 everywhere.
pub fn same_step(from_prog: &Program, from: &Run, step: usize, to_prog: &Program, to: &Run) -> Option<usize> {
    if step == 0 {
        return Some(0);
    }
    let rec = from.steps.get(step - 1)?;
    let Choice::Run(_) = rec.choice else { return None };
    let t = rec.thread;
    let mark = landmark_at(from_prog, t, rec.exec.pc as usize)?;
    let runs_mark = |prog: &Program, r: &StepRecord| {
        r.thread == t && matches!(r.choice, Choice::Run(_)) && landmark_at(prog, t, r.exec.pc as usize).as_ref() == Some(&mark)
    };
    let k = from.steps[..step].iter().filter(|r| runs_mark(from_prog, r)).count();
    to.steps.iter().enumerate().filter(|(_, r)| runs_mark(to_prog, r)).nth(k - 1).map(|(j, _)| j + 1)
}

/// Where a run of one thread in a schedule ends, so that it can end at the same place under
/// another policy.
#[derive(Clone, Debug)]
enum Target {
    /// After the k-th execution, within the run, of this statement.
    After(Landmark, usize),
    /// When the thread reaches this statement.
    Before(Landmark),
    /// When the thread has finished (or cannot go on).
    Done,
    /// After this many steps.
    Steps(usize),
}

fn runs_of(schedule: &[Choice]) -> Vec<(Choice, usize)> {
    let mut v: Vec<(Choice, usize)> = Vec::new();
    for &c in schedule {
        match v.last_mut() {
            Some((d, n)) if *d == c => *n += 1,
            _ => v.push((c, 1)),
        }
    }
    v
}

/// The same choice in `prog`: an access performed early names its instruction by pc, which
/// moves with the code a policy adds or removes; the statement it stands for does not.
fn carry(prog: &Program, reference: &Program, c: Choice) -> Choice {
    match c {
        Choice::Early(t, pc) => {
            let t_ = t as usize;
            if t_ >= reference.threads.len() || t_ >= prog.threads.len() {
                return c;
            }
            match landmark_at(reference, t_, pc as usize) {
                Some(l) => (0..prog.threads[t_].instrs.len())
                    .find(|&q| landmark_at(prog, t_, q).as_ref() == Some(&l))
                    .map(|q| Choice::Early(t, q as u16))
                    .unwrap_or(c),
                None => c,
            }
        }
        _ => c,
    }
}

fn targets(prog: &Program, reference: &Program, schedule: &[Choice]) -> Vec<(Choice, usize, Target)> {
    let Ok(r) = replay(reference, schedule) else {
        // Not even valid for the reference: fall back to step counts.
        return runs_of(schedule).into_iter().map(|(c, n)| (carry(prog, reference, c), n, Target::Steps(n))).collect();
    };
    let mut out = Vec::new();
    let mut start = 0;
    for (c, n) in runs_of(schedule) {
        let end = start + n;
        let t = c.thread();
        let target = match c {
            Choice::Drain(_) | Choice::Early(..) => Target::Steps(n),
            Choice::Run(_) => {
                let last = landmark_at(reference, t, r.steps[end - 1].exec.pc as usize);
                let next = &r.states[end].threads[t];
                let before = (next.status == Status::Running).then(|| landmark_at(reference, t, next.pc as usize)).flatten();
                match (last, before) {
                    (Some(l), _) if has_landmark(prog, t, &l) => {
                        let k = r.steps[start..end]
                            .iter()
                            .filter(|s| landmark_at(reference, t, s.exec.pc as usize).as_ref() == Some(&l))
                            .count();
                        Target::After(l, k)
                    }
                    (_, Some(b)) if has_landmark(prog, t, &b) => Target::Before(b),
                    _ if next.status != Status::Running => Target::Done,
                    _ => Target::Steps(n),
                }
            }
        };
        out.push((carry(prog, reference, c), n, target));
        start = end;
    }
    out
}

/// Carries a schedule written for `reference` (usually the baseline policy) over to `prog`, as
/// the same interleaving: each run of one thread in the schedule ends where it ended under the
/// reference, after the same statement, however many steps the policy adds or removes before
/// it. A thread that cannot run there (a lock of the fix holds it back) is skipped, and noted.
/// Afterwards every thread that can still run is run to its end, lowest thread first.
pub fn replay_nearest(prog: &Program, reference: &Program, schedule: &[Choice]) -> Result<Run, ReplayError> {
    nearest(prog, reference, schedule, true)
}

/// The outcome of [`replay_nearest`]'s run and its number of steps, without the text of each
/// step's changes (most of a replay's time): what the gallery shows of a canonical trace.
pub fn nearest_outcome(prog: &Program, reference: &Program, schedule: &[Choice]) -> Result<(Outcome, usize), ReplayError> {
    let run = nearest(prog, reference, schedule, false)?;
    Ok((run.outcome(prog), run.steps.len()))
}

/// [`replay_nearest`]; `describe`: each step records its changes (else they are left empty).
fn nearest(prog: &Program, reference: &Program, schedule: &[Choice], describe: bool) -> Result<Run, ReplayError> {
    if let Some(i) = schedule.iter().position(|c| c.thread() >= prog.threads.len()) {
        return Err(no_such_thread(i, schedule[i]));
    }
    let mut run = Run { schedule: vec![], states: vec![prog.init], steps: vec![], deviations: vec![] };
    let limit = schedule.len() * 4 + 4096;
    let mut at = 0;
    for (c, n, target) in targets(prog, reference, schedule) {
        let t = c.thread();
        let (mut taken, mut hits) = (0, 0);
        loop {
            let s = *run.states.last().unwrap();
            let arrived = match &target {
                Target::After(_, k) => hits >= *k,
                Target::Before(l) => taken >= 1 && landmark_at(prog, t, s.threads[t].pc as usize).as_ref() == Some(l),
                Target::Done => false,
                Target::Steps(k) => taken >= *k,
            };
            if arrived || run.steps.len() >= limit {
                break;
            }
            match take(prog, &s, c, describe) {
                Ok((next, rec)) => {
                    if let Target::After(l, _) = &target {
                        if landmark_at(prog, t, rec.exec.pc as usize).as_ref() == Some(l) {
                            hits += 1;
                        }
                    }
                    push(&mut run, next, rec);
                    taken += 1;
                }
                Err(StepError::Blocked(Blocked::Finished)) => break,
                Err(StepError::Blocked(b)) => {
                    run.deviations.push(Deviation {
                        at: at + taken + 1,
                        thread: prog.thread_name(t).to_string(),
                        reason: blocked_text(prog, &s, t, b),
                        kind: DeviationKind::Skipped,
                    });
                    break;
                }
                Err(e) => {
                    return Err(ReplayError {
                        step: run.steps.len() + 1,
                        thread: prog.thread_name(t).to_string(),
                        message: step_error_text(prog, &s, c, e),
                    })
                }
            }
        }
        at += n;
    }
    finish(prog, &mut run, describe)?;
    Ok(run)
}

/// Takes the first choice that can be taken (threads before drains, lowest first) until none
/// can; bounded, since a thread may retry forever under a policy that never lets it through.
fn finish(prog: &Program, run: &mut Run, describe: bool) -> Result<(), ReplayError> {
    let limit = run.steps.len() + 4096;
    let mut choices = Vec::new();
    while run.steps.len() < limit {
        let s = *run.states.last().unwrap();
        exec::choices(prog, &s, &mut choices);
        let Some(&c) = choices.first() else { break };
        match take(prog, &s, c, describe) {
            Ok((next, rec)) => {
                run.deviations.push(Deviation {
                    at: run.steps.len() + 1,
                    thread: prog.thread_name(c.thread()).to_string(),
                    reason: "run to completion after the schedule".into(),
                    kind: DeviationKind::Appended,
                });
                push(run, next, rec);
            }
            Err(e) => {
                return Err(ReplayError {
                    step: run.steps.len() + 1,
                    thread: prog.thread_name(c.thread()).to_string(),
                    message: step_error_text(prog, &s, c, e),
                })
            }
        }
    }
    Ok(())
}

fn take(prog: &Program, s: &State, c: Choice, describe: bool) -> Result<(State, StepRecord), StepError> {
    let mut next = *s;
    let exec = exec::apply(prog, &mut next, c)?;
    let changes = if describe { diff(prog, s, &next) } else { Vec::new() };
    let violated = invariants::violated(prog, &next);
    Ok((next, StepRecord { choice: c, thread: c.thread(), exec, changes, violated }))
}

fn push(run: &mut Run, next: State, rec: StepRecord) {
    run.schedule.push(rec.choice);
    run.states.push(next);
    run.steps.push(rec);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::MemoryModel;

    use crate::fixture::tiny as program;

    #[test]
    fn replay_takes_the_schedule_exactly_and_records_each_step() {
        let prog = program("plain", MemoryModel::Sc);
        let run = replay(&prog, &[Choice::Run(1), Choice::Run(0), Choice::Run(0)]).unwrap();
        assert_eq!(run.states.len(), 4);
        assert_eq!(run.steps.iter().map(|r| r.thread).collect::<Vec<_>>(), [1, 0, 0]);
        assert!(run.steps[0].changes.iter().any(|c| c.text.contains("y")), "{:?}", run.steps[0].changes);
        assert_eq!(run.outcome(&prog), Outcome::Safe);
    }

    #[test]
    fn replay_rejects_a_step_of_a_finished_thread_naming_the_step() {
        let prog = program("plain", MemoryModel::Sc);
        let e = replay(&prog, &[Choice::Run(1), Choice::Run(1)]).unwrap_err();
        assert_eq!((e.step, e.thread.as_str()), (2, "b"));
        assert!(e.message.contains("finished"), "{}", e.message);
    }

    #[test]
    fn replay_nearest_goes_on_where_exact_replay_fails_and_finishes_the_threads() {
        let prog = program("plain", MemoryModel::Sc);
        let asked = [Choice::Run(1), Choice::Run(1)];
        assert!(replay(&prog, &asked).is_err());
        let run = replay_nearest(&prog, &prog, &asked).unwrap();
        // b has run its one statement; a is run to its end after the schedule.
        assert_eq!(run.schedule, [Choice::Run(1), Choice::Run(0), Choice::Run(0)]);
        let appended: Vec<usize> = run.deviations.iter().filter(|d| d.kind == DeviationKind::Appended).map(|d| d.at).collect();
        assert_eq!(appended, [2, 3]);
        assert!(run.deviations.iter().all(|d| d.thread == "a"));
    }

    #[test]
    fn same_step_maps_a_statement_across_policies() {
        let (plain, more) = (program("plain", MemoryModel::Sc), program("more", MemoryModel::Sc));
        let a = replay_nearest(&plain, &plain, &[Choice::Run(0), Choice::Run(0), Choice::Run(1)]).unwrap();
        let b = replay_nearest(&more, &plain, &a.schedule).unwrap();
        // Step 2 of the plain run is the read of x; under `more` an extra store comes first.
        let to = same_step(&plain, &a, 2, &more, &b).unwrap();
        assert_eq!(more.instr(0, b.states[to - 1].threads[0].pc).text, "r0 = READ_ONCE(x)");
    }
}
