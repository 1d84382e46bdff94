//! Deterministic replay: a program and a schedule give the sequence of states, what changed at
//! each step in a kernel developer's words, and the invariants at each step.

use serde::{Deserialize, Serialize};

use crate::exec::{self, Blocked, Bug, Choice, Effect, Executed, StepError};
use crate::invariants;
use crate::program::{Access, CExpr, Op, PageArg, Program, RegKind};
use crate::scenario::{Invariant, LockKind, Outcome};
use crate::state::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Pte,
    Tlb,
    Page,
    Lock,
    Counter,
    Cpu,
    Pin,
    Vma,
    Thread,
    Ghost,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub kind: ChangeKind,
    /// What changed: `PTE[V]`, `P`, `CPU3 TLB`, `mmap_lock`, …
    pub subject: String,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StepRecord {
    pub choice: Choice,
    /// The thread of the choice (for a drain, the thread whose CPU drains).
    pub thread: usize,
    pub exec: Executed,
    pub changes: Vec<Change>,
    /// Invariants broken after this step (bit i = `Invariant::ALL[i]`).
    pub violated: u8,
}

/// A step of the requested schedule that the program could not take as asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deviation {
    /// 1-based position in the requested schedule.
    pub at: usize,
    pub thread: String,
    pub reason: String,
    /// `skipped` (the thread could not run there) or `appended` (run after the schedule, to
    /// finish the threads).
    pub kind: String,
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
        let bit = 1 << invariants::index(inv);
        self.steps.iter().position(|s| s.violated & bit != 0).map(|i| i + 1)
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

/// Replays `schedule` exactly; a choice that cannot be taken is an error that names the step
/// and the reason.
pub fn replay(prog: &Program, schedule: &[Choice]) -> Result<Run, ReplayError> {
    let mut run = Run { schedule: vec![], states: vec![prog.init], steps: vec![], deviations: vec![] };
    for (i, &c) in schedule.iter().enumerate() {
        if c.thread() >= prog.threads.len() {
            return Err(no_such_thread(i, c));
        }
        let s = *run.states.last().unwrap();
        match take(prog, &s, c) {
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
    let same = |j: &crate::program::Instr| j.file == i.file && j.line == i.line && j.text == i.text;
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
            match take(prog, &s, c) {
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
                        kind: "skipped".into(),
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
    finish(prog, &mut run)?;
    Ok(run)
}

/// Takes the first choice that can be taken (threads before drains, lowest first) until none
/// can; bounded, since a thread may retry forever under a policy that never lets it through.
fn finish(prog: &Program, run: &mut Run) -> Result<(), ReplayError> {
    let limit = run.steps.len() + 4096;
    let mut choices = Vec::new();
    while run.steps.len() < limit {
        let s = *run.states.last().unwrap();
        exec::choices(prog, &s, &mut choices);
        let Some(&c) = choices.first() else { break };
        match take(prog, &s, c) {
            Ok((next, rec)) => {
                run.deviations.push(Deviation {
                    at: run.steps.len() + 1,
                    thread: prog.thread_name(c.thread()).to_string(),
                    reason: "run to completion after the schedule".into(),
                    kind: "appended".into(),
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

fn take(prog: &Program, s: &State, c: Choice) -> Result<(State, StepRecord), StepError> {
    let mut next = *s;
    let exec = exec::apply(prog, &mut next, c)?;
    let changes = diff(prog, s, &next);
    let violated = invariants::violated(prog, &next);
    Ok((next, StepRecord { choice: c, thread: c.thread(), exec, changes, violated }))
}

fn push(run: &mut Run, next: State, rec: StepRecord) {
    run.schedule.push(rec.choice);
    run.states.push(next);
    run.steps.push(rec);
}

fn names(prog: &Program, mask: u8) -> String {
    let v: Vec<&str> = (0..prog.threads.len()).filter(|t| mask & (1 << t) != 0).map(|t| prog.thread_name(t)).collect();
    if v.is_empty() {
        "nobody".into()
    } else {
        v.join(", ")
    }
}

pub fn lock_state_text(prog: &Program, s: &State, lock: usize) -> String {
    let l = &s.locks[lock];
    match l.mode {
        LockMode::Free => "free".into(),
        LockMode::Read => format!("held for read by {}", names(prog, l.holders)),
        LockMode::Write => match prog.layout.locks[lock].kind {
            LockKind::Spin => format!("held by {}", names(prog, l.holders)),
            _ => format!("held for write by {}", names(prog, l.holders)),
        },
        LockMode::Group0 | LockMode::Group1 => {
            format!("held in group {} by {}", if l.mode == LockMode::Group0 { 0 } else { 1 }, names(prog, l.holders))
        }
    }
}

/// Why thread `t` cannot run, as a clause: "it sleeps on mmap_lock (…)".
pub fn blocked_text(prog: &Program, s: &State, t: usize, b: Blocked) -> String {
    let l = &prog.layout;
    match b {
        Blocked::Finished => "it has finished".into(),
        Blocked::Sleeping(r) => format!("it sleeps for good ({})", prog.sleep_reasons[r as usize]),
        Blocked::WaitingLock { lock, write } => format!(
            "it sleeps on {} (it wants it for {}; the lock is {})",
            l.locks[lock as usize].name,
            if write { "write" } else { "read" },
            lock_state_text(prog, s, lock as usize)
        ),
        Blocked::Spinning { lock } => {
            format!("it spins on {}, which is {}", l.locks[lock as usize].name, lock_state_text(prog, s, lock as usize))
        }
        Blocked::PageLocked { page } => format!(
            "it waits for the page lock of {}, held by {}",
            l.page_name(page),
            l.threads.get(s.pages[page as usize].lock_owner as usize).map(|t| t.name.as_str()).unwrap_or("?")
        ),
        Blocked::FlushHeldOff { cpu } => format!("its TLB flush waits for CPU{cpu} to acknowledge the IPI, and CPU{cpu} has IRQs off"),
        Blocked::NoPin { holder } => format!("there is no GUP reference from `{}` to DMA through yet", prog.thread_name(holder as usize)),
        Blocked::WaitEvent { var } => format!("it waits for {} to become nonzero", l.vars[var as usize].name),
        Blocked::Awaiting => format!("it waits until {}", prog.instr(t, s.threads[t].pc).text.trim_start_matches("await")),
        Blocked::NothingToDrain => "its CPU has no buffered store that may drain now".into(),
        Blocked::CannotReorder { pc } => {
            let text = prog.threads.get(t).and_then(|c| c.instrs.get(pc as usize)).map(|i| i.text.as_str()).unwrap_or("?");
            if prog.model == crate::scenario::MemoryModel::Arm64 {
                format!("it may not perform `{text}` (pc {pc}) early now: it is not ahead of the thread, something before it orders it, or it is not a plain load or store")
            } else {
                format!(
                    "it may not perform `{text}` (pc {pc}) early: under {} every access is performed in program order",
                    prog.model.name()
                )
            }
        }
    }
}

pub fn bug_text(prog: &Program, b: Bug) -> String {
    let l = &prog.layout;
    match b {
        Bug::NoFreePage => "alloc_page: no free page left (declare more `page X free`)".into(),
        Bug::RefcountUnderflow { page } => format!("{}._refcount dropped below 0", l.page_name(page)),
        Bug::MapcountUnderflow { page } => format!("{}.mapcount dropped below 0", l.page_name(page)),
        Bug::UseOfFreePage { page } => format!("use of {} after it was freed", l.page_name(page)),
        Bug::NotAPage { value } => format!("a register that should hold a page holds {value}"),
        Bug::UnlockNotHeld { lock } => format!("unlock of {} by a thread that does not hold it", l.locks[lock as usize].name),
        Bug::UnlockPageNotHeld { page } => format!("unlock_page({}) by a thread that does not hold its lock", l.page_name(page)),
        Bug::TooManyPins => format!("more than {MAX_PINS} GUP references at once"),
        Bug::NoPinToRelease => "gup_release: the thread holds no GUP reference".into(),
        Bug::PteNotPresent { pte } => format!("PTE[{}] is not present", l.ptes[pte as usize].name),
        Bug::StoreBufferFull => format!("a CPU's store buffer holds more than {MAX_SB} stores"),
    }
}

pub fn step_error_text(prog: &Program, s: &State, c: Choice, e: StepError) -> String {
    let t = c.thread();
    match (c, e) {
        (Choice::Drain(_), StepError::Blocked(_)) => {
            format!("the store buffer of `{}`'s CPU has nothing that may drain now", prog.thread_name(t))
        }
        (Choice::Early(..), StepError::Blocked(b)) => format!("thread `{}`: {}", prog.thread_name(t), blocked_text(prog, s, t, b)),
        (_, StepError::Blocked(b)) => format!("thread `{}` cannot run: {}", prog.thread_name(t), blocked_text(prog, s, t, b)),
        (_, StepError::Bug(b)) => format!("BUG in thread {}: {}", prog.thread_name(t), bug_text(prog, b)),
    }
}

// ---------------------------------------------------------------------------------------------
// Describing values and changes

pub fn pte_text(prog: &Program, pte: Pte) -> String {
    if !pte.present() {
        return "none".into();
    }
    let mut s = prog.layout.page_name(pte.page()).to_string();
    for (name, b) in PTE_BITS {
        if pte.has(*b) {
            s.push(' ');
            s.push_str(name);
        }
    }
    s
}

fn tlb_text(prog: &Program, e: TlbEntry) -> String {
    let mut s = prog.layout.page_name(e.page()).to_string();
    if e.w() {
        s.push_str(" W");
    }
    if e.d() {
        s.push_str(" D");
    }
    s
}

pub fn reg_text(prog: &Program, t: usize, reg: usize, v: i16) -> String {
    match prog.threads[t].reg_kinds[reg] {
        RegKind::Page if v >= 0 && (v as usize) < prog.layout.pages.len() => prog.layout.page_name(v as u8).to_string(),
        RegKind::Pte => format!("({})", pte_text(prog, Pte::from_value(v as i32))),
        _ => v.to_string(),
    }
}

fn bits01(b: bool) -> u8 {
    b as u8
}

/// What changed between two states, in the words a kernel developer would use.
pub fn diff(prog: &Program, a: &State, b: &State) -> Vec<Change> {
    let l = &prog.layout;
    let mut out = Vec::new();
    let mut add = |kind, subject: String, text: String| out.push(Change { kind, subject, text });
    for (p, slot) in l.ptes.iter().enumerate() {
        let (x, y) = (a.ptes[p], b.ptes[p]);
        let subj = format!("PTE[{}]", slot.name);
        if x != y {
            if !y.present() {
                add(ChangeKind::Pte, subj.clone(), format!("{subj} cleared (was {})", pte_text(prog, x)));
            } else if !x.present() || x.page() != y.page() {
                add(ChangeKind::Pte, subj.clone(), format!("{subj} -> {}", pte_text(prog, y)));
            } else {
                for (name, bit) in PTE_BITS {
                    if x.has(*bit) != y.has(*bit) {
                        add(ChangeKind::Pte, subj.clone(), format!("{subj}.{name} {}->{}", bits01(x.has(*bit)), bits01(y.has(*bit))));
                    }
                }
            }
        }
        if a.vma[p] != b.vma[p] {
            for (name, f) in VMA_FLAGS {
                if a.vma[p] & f != b.vma[p] & f {
                    add(
                        ChangeKind::Vma,
                        format!("VMA[{}]", slot.name),
                        format!("VMA of {}: {name} {}->{}", slot.name, bits01(a.vma[p] & f != 0), bits01(b.vma[p] & f != 0)),
                    );
                }
            }
        }
        for cpu in 0..MAX_CPUS {
            let (e, f) = (a.tlb[cpu][p], b.tlb[cpu][p]);
            let subj = format!("CPU{cpu} TLB");
            if e != f {
                if !f.valid() {
                    add(ChangeKind::Tlb, subj, format!("CPU{cpu} TLB entry for {} dropped", slot.name));
                } else if !e.valid() {
                    add(ChangeKind::Tlb, subj, format!("CPU{cpu} TLB caches {} -> {}", slot.name, tlb_text(prog, f)));
                } else {
                    add(ChangeKind::Tlb, subj, format!("CPU{cpu} TLB entry for {} is now {}", slot.name, tlb_text(prog, f)));
                }
            } else if f.valid() && !e.is_stale(a.ptes[p]) && f.is_stale(b.ptes[p]) {
                add(
                    ChangeKind::Tlb,
                    subj,
                    format!(
                        "CPU{cpu} TLB entry for {} is now stale ({} while the PTE says {})",
                        slot.name,
                        tlb_text(prog, f),
                        pte_text(prog, b.ptes[p])
                    ),
                );
            }
        }
    }
    for (i, name) in l.pages.iter().enumerate() {
        let (x, y) = (&a.pages[i], &b.pages[i]);
        if x == y {
            continue;
        }
        let alloc_x = x.has(page_flags::ALLOCATED);
        let alloc_y = y.has(page_flags::ALLOCATED);
        if !alloc_x && alloc_y {
            add(ChangeKind::Page, name.clone(), format!("{name} allocated (_refcount {})", y.refcount));
            continue;
        }
        if alloc_x && !alloc_y {
            add(ChangeKind::Page, name.clone(), format!("{name} freed"));
            continue;
        }
        if x.refcount != y.refcount {
            add(ChangeKind::Page, name.clone(), format!("{name}._refcount {}->{}", x.refcount, y.refcount));
        }
        if x.mapcount != y.mapcount {
            add(ChangeKind::Page, name.clone(), format!("{name}.mapcount {}->{}", x.mapcount, y.mapcount));
        }
        if x.has(page_flags::LOCKED) != y.has(page_flags::LOCKED) {
            let text = if y.has(page_flags::LOCKED) {
                format!("{name} locked (PG_locked) by {}", l.threads.get(y.lock_owner as usize).map(|t| t.name.as_str()).unwrap_or("?"))
            } else {
                format!("{name} unlocked")
            };
            add(ChangeKind::Page, name.clone(), text);
        }
        for (flag, label) in [(page_flags::ANON, "anon"), (page_flags::ANON_EXCLUSIVE, "anon_exclusive"), (page_flags::KSM, "ksm")] {
            if x.has(flag) != y.has(flag) {
                add(ChangeKind::Page, name.clone(), format!("{name}.{label} {}->{}", bits01(x.has(flag)), bits01(y.has(flag))));
            }
        }
        for d in 0..l.data_slots {
            if x.data[d] != y.data[d] {
                add(ChangeKind::Page, name.clone(), format!("{name}.data[{d}] {}->{}", x.data[d], y.data[d]));
            }
        }
    }
    for (i, lock) in l.locks.iter().enumerate() {
        let (x, y) = (&a.locks[i], &b.locks[i]);
        if x == y {
            continue;
        }
        let newly_waiting = (y.wait_read | y.wait_write) & !(x.wait_read | x.wait_write);
        if newly_waiting != 0 {
            add(
                ChangeKind::Lock,
                lock.name.clone(),
                format!("{}: {} waits ({})", lock.name, names(prog, newly_waiting), lock_state_text(prog, b, i)),
            );
        }
        if x.mode != y.mode || x.holders != y.holders {
            add(ChangeKind::Lock, lock.name.clone(), format!("{} {}", lock.name, lock_state_text(prog, b, i)));
        }
    }
    for (i, v) in l.vars.iter().enumerate() {
        if a.vars[i] != b.vars[i] {
            add(ChangeKind::Counter, v.name.clone(), format!("{} {}->{}", v.name, a.vars[i], b.vars[i]));
        }
    }
    for cpu in 0..MAX_CPUS {
        if (a.irq_off ^ b.irq_off) & (1 << cpu) != 0 {
            let off = b.irq_off & (1 << cpu) != 0;
            // An IPI waits for IRQs to come back on; arm64's TLBI does not.
            let ipi = if prog.model == crate::scenario::MemoryModel::Arm64 { "" } else { " (flush IPIs wait)" };
            add(ChangeKind::Cpu, format!("CPU{cpu}"), format!("CPU{cpu} IRQs {}", if off { format!("off{ipi}") } else { "on".into() }));
        }
        if a.sb[cpu] != b.sb[cpu] {
            for text in crate::relaxed::changes(prog, a, b, cpu) {
                add(ChangeKind::Cpu, format!("CPU{cpu}"), text);
            }
        }
    }
    for (i, (x, y)) in a.pins.iter().zip(b.pins.iter()).enumerate() {
        let _ = i;
        if x == y {
            continue;
        }
        if y.active() && !x.active() {
            let kind = pin_kind_text(y.flags);
            add(
                ChangeKind::Pin,
                l.page_name(y.page).to_string(),
                format!(
                    "GUP returns {} to {} for {} ({kind})",
                    l.page_name(y.page),
                    l.threads[y.holder as usize].name,
                    l.ptes[y.pte as usize].name
                ),
            );
        } else if x.active() && !y.active() {
            add(
                ChangeKind::Pin,
                l.page_name(x.page).to_string(),
                format!("{} releases its GUP reference on {}", l.threads[x.holder as usize].name, l.page_name(x.page)),
            );
        }
    }
    for (t, info) in l.threads.iter().enumerate() {
        let (x, y) = (&a.threads[t], &b.threads[t]);
        if x.status != y.status {
            match y.status {
                Status::Finished => add(ChangeKind::Thread, info.name.clone(), format!("{} has finished", info.name)),
                Status::Sleeping => add(
                    ChangeKind::Thread,
                    info.name.clone(),
                    format!("{} sleeps for good: {}", info.name, prog.sleep_reasons[y.sleep_reason as usize]),
                ),
                Status::Running => {}
            }
        }
        for (r, name) in prog.threads[t].regs.iter().enumerate() {
            if x.regs[r] != y.regs[r] {
                add(ChangeKind::Thread, info.name.clone(), format!("{}: {name} = {}", info.name, reg_text(prog, t, r, y.regs[r])));
            }
        }
    }
    for (p, slot) in l.ptes.iter().enumerate() {
        for d in 0..l.data_slots {
            let bit = 1 << (p * MAX_DATA + d);
            let (hx, hy) = (a.ghost.has_expected & bit != 0, b.ghost.has_expected & bit != 0);
            if hy && (!hx || a.ghost.expected[p][d] != b.ghost.expected[p][d]) {
                add(
                    ChangeKind::Ghost,
                    format!("{}[{d}]", slot.name),
                    format!("{}[{d}] must now read {}", slot.name, b.ghost.expected[p][d]),
                );
            }
        }
        if b.ghost.sd_tracked & !a.ghost.sd_tracked & (1 << p) != 0 {
            add(
                ChangeKind::Ghost,
                slot.name.clone(),
                format!("soft-dirty tracking of {} restarts: a write from now on must leave PTE[{}].SD set", slot.name, slot.name),
            );
        }
    }
    out
}

pub fn pin_kind_text(flags: u8) -> String {
    let mut s = String::from(if flags & pin_flags::PIN != 0 { "FOLL_PIN" } else { "FOLL_GET" });
    if flags & pin_flags::WRITE != 0 {
        s.push_str("|FOLL_WRITE");
    }
    if flags & pin_flags::LONGTERM != 0 {
        s.push_str("|FOLL_LONGTERM");
    }
    s
}

/// The shared values an expression reads, as `page_count(P) = 3`, for the step's description.
pub fn reads_text(prog: &Program, s: &State, t: usize, e: &CExpr, out: &mut Vec<String>) {
    let l = &prog.layout;
    let page = |p: &PageArg| -> Option<String> {
        let v = match p {
            PageArg::Const(c) => *c as i16,
            PageArg::Reg(r) => s.threads[t].regs[*r as usize],
        };
        (v >= 0 && (v as usize) < l.pages.len()).then(|| l.page_name(v as u8).to_string())
    };
    let mut push = |text: String| {
        if !out.contains(&text) {
            out.push(text)
        }
    };
    match e {
        CExpr::Const(_) | CExpr::Reg(_) | CExpr::MkPte(..) => {}
        CExpr::Var(v, _) => push(format!("{} = {}", l.vars[*v as usize].name, crate::exec::eval(prog, s, t, e).unwrap_or(0))),
        CExpr::Pte(slot) | CExpr::PteSame(_, slot) => {
            push(format!("PTE[{}] = {}", l.ptes[*slot as usize].name, pte_text(prog, s.ptes[*slot as usize])))
        }
        CExpr::Field(x, _) | CExpr::Not(x) => reads_text(prog, s, t, x, out),
        CExpr::Bin(op, a, b) => {
            reads_text(prog, s, t, a, out);
            // C's short-circuit: the right side is read only when it decides.
            let left = crate::exec::eval(prog, s, t, a).unwrap_or(0);
            let decided = matches!((op, left != 0), (crate::syntax::BinOp::And, false) | (crate::syntax::BinOp::Or, true));
            if !decided {
                reads_text(prog, s, t, b, out);
            }
        }
        CExpr::PageCount(p) | CExpr::MapCount(p) | CExpr::PageFlag(p, _) | CExpr::MaybePinned(p) => {
            let Some(name) = page(p) else { return };
            let f = match e {
                CExpr::PageCount(_) => "page_count",
                CExpr::MapCount(_) => "page_mapcount",
                CExpr::MaybePinned(_) => "page_maybe_dma_pinned",
                CExpr::PageFlag(_, f) if *f == page_flags::ANON_EXCLUSIVE => "PageAnonExclusive",
                CExpr::PageFlag(_, f) if *f == page_flags::KSM => "PageKsm",
                CExpr::PageFlag(_, f) if *f == page_flags::LOCKED => "PageLocked",
                _ => "PageAnon",
            };
            push(format!("{f}({name}) = {}", crate::exec::eval(prog, s, t, e).unwrap_or(0)))
        }
        CExpr::VmaFlag(slot, f) => {
            let name = VMA_FLAGS.iter().find(|(_, b)| b == f).map(|(n, _)| *n).unwrap_or("?");
            push(format!("VMA of {}: {name} = {}", l.ptes[*slot as usize].name, (s.vma[*slot as usize] & f != 0) as u8))
        }
    }
}

/// One sentence for any step: a thread's statement (see [`describe`]), a store-buffer drain,
/// or an access performed early; `step` is the 1-based number of the step in `run`.
pub fn describe_step(prog: &Program, run: &Run, step: usize) -> String {
    let rec = &run.steps[step - 1];
    let (before, after) = (&run.states[step - 1], &run.states[step]);
    let t = rec.thread;
    let cpu = prog.layout.threads[t].cpu_label();
    match rec.choice {
        Choice::Drain(_) => match rec.exec.effect {
            Effect::Drained { var, value } => format!(
                "{cpu}'s store buffer drains {} = {value}: the store becomes visible to the other CPUs",
                prog.layout.vars[var as usize].name
            ),
            _ => format!("{cpu}'s store buffer drains"),
        },
        Choice::Early(_, pc) => {
            let instr = prog.instr(t, pc);
            let at = prog.instr(t, before.threads[t].pc);
            let what = crate::relaxed::early_text(prog, after, t, pc);
            format!("{} → performed early, out of program order ({} is still at `{}`): {what}", instr.text, prog.thread_name(t), at.text)
        }
        Choice::Run(_) => {
            let read_early = if rec.exec.early { crate::relaxed::as_read_early(prog, before, t, rec.exec.pc) } else { None };
            let mut d = match &read_early {
                Some((seen, _)) => describe(prog, seen, t, &rec.exec),
                None => describe(prog, before, t, &rec.exec),
            };
            if let Some((_, now)) = &read_early {
                if !now.is_empty() {
                    d.push_str(&format!("; memory holds {} by now", now.join(", ")));
                }
            }
            if rec.exec.early {
                let from = run.steps[..step - 1].iter().rposition(|s| s.choice == Choice::Early(t as u8, rec.exec.pc)).map(|i| i + 1);
                match (&prog.instr(t, rec.exec.pc).op, from) {
                    (Op::VarSet { .. }, Some(i)) => d.push_str(&format!(" (already stored early, at step {i})")),
                    (Op::VarSet { .. }, None) => d.push_str(" (already stored early)"),
                    (_, Some(i)) => d.push_str(&format!(" (with the values read early, at step {i})")),
                    (_, None) => d.push_str(" (with the values read early)"),
                }
            }
            d
        }
    }
}

/// One sentence for a step: what the instruction did, with the outcome of a branch or an
/// access.
pub fn describe(prog: &Program, before: &State, t: usize, exec: &Executed) -> String {
    let instr = prog.instr(t, exec.pc);
    let l = &prog.layout;
    let base = instr.text.clone();
    let outcome = match (&instr.op, exec.effect) {
        (Op::Branch { cond, .. }, Effect::Branch(b)) => {
            let mut reads = Vec::new();
            reads_text(prog, before, t, cond, &mut reads);
            let verdict = if b { "yes" } else { "no" };
            Some(if reads.is_empty() { verdict.to_string() } else { format!("{verdict} ({})", reads.join(", ")) })
        }
        (Op::User { access, pte, slot, .. }, e) => {
            let va = &l.ptes[*pte as usize].name;
            let cpu = l.threads[t].cpu.unwrap_or(0);
            Some(match (access, e) {
                (_, Effect::Fault) => {
                    let p = before.ptes[*pte as usize];
                    if !p.present() {
                        format!("page fault: PTE[{va}] is not present")
                    } else {
                        format!("write fault: PTE[{va}] is {} (W=0)", pte_text(prog, p))
                    }
                }
                (Access::Load, Effect::TlbHit { page }) => format!("TLB hit on CPU{cpu}: reads {}.data[{slot}]", l.page_name(page)),
                (Access::Load, Effect::Walked { page }) => format!("TLB miss: walks PTE[{va}], reads {}.data[{slot}]", l.page_name(page)),
                (_, Effect::TlbHit { page }) => {
                    let stale = before.tlb[cpu as usize][*pte as usize].is_stale(before.ptes[*pte as usize]);
                    format!(
                        "TLB hit on CPU{cpu}: writes {}.data[{slot}]{}",
                        l.page_name(page),
                        if stale { " through a stale writable entry" } else { "" }
                    )
                }
                (_, Effect::Walked { page }) => format!("TLB miss: walks PTE[{va}] (W=1), writes {}.data[{slot}]", l.page_name(page)),
                _ => String::new(),
            })
        }
        (Op::LockAcquire { lock, .. }, Effect::Enqueued) => Some(format!(
            "{} is {}: sleeps until it is released",
            l.locks[*lock as usize].name,
            lock_state_text(prog, before, *lock as usize)
        )),
        (
            Op::Assign { .. } | Op::PageTrylock { .. } | Op::RefAddUnless { .. } | Op::Alloc { .. } | Op::Dma { write: false, .. },
            Effect::Value(v),
        ) => {
            let dst = match &instr.op {
                Op::Assign { dst, .. }
                | Op::PageTrylock { dst, .. }
                | Op::RefAddUnless { dst, .. }
                | Op::Alloc { dst }
                | Op::Dma { dst, .. } => *dst as usize,
                _ => unreachable!(),
            };
            Some(reg_text(prog, t, dst, v as i16))
        }
        _ => None,
    };
    match outcome {
        Some(o) if !o.is_empty() => format!("{base} → {o}"),
        _ => base,
    }
}
