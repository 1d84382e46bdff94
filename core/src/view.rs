//! Views: a state, a step and a program with every index turned into its name, as plain
//! serializable data. The web app renders these and the CLI prints them as JSON; neither needs
//! to know how a [`State`] is laid out.

use serde::{Deserialize, Serialize};

use crate::describe::{self, Change};
use crate::exec;
use crate::invariants;
use crate::ir::{CExpr, Op, Program};
use crate::layout::{Invariant, LockKind, MemoryModel};
use crate::relaxed::{self, Loc};
use crate::replay::{self, Run};
use crate::scenario::{Citation, CitationKind, Fate, Scenario};
use crate::state::*;
use crate::step::Blocked;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PteView {
    pub name: String,
    pub present: bool,
    pub page: Option<String>,
    pub w: bool,
    pub d: bool,
    pub a: bool,
    pub sd: bool,
    pub uw: bool,
    pub vma: Vec<String>,
    /// The page-table lock of this PTE's mm is held.
    pub locked: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TlbView {
    pub va: String,
    pub page: String,
    pub w: bool,
    pub d: bool,
    /// The entry allows what the PTE no longer does (or maps another page).
    pub stale: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CpuView {
    pub label: String,
    pub thread: Option<String>,
    pub irq_off: bool,
    pub tlb: Vec<TlbView>,
    /// Stores waiting in the CPU's store buffer, oldest first, as `x = 1` (x86-TSO): the CPU
    /// itself reads them, the other CPUs do not see them yet.
    pub store_buffer: Vec<String>,
    /// Accesses the CPU performed early, out of program order, which its thread has not
    /// reached yet (arm64), oldest first.
    pub early: Vec<EarlyView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PageView {
    pub name: String,
    pub allocated: bool,
    pub refcount: i32,
    /// `refcount / GUP_PIN_COUNTING_BIAS`: how many FOLL_PIN pins the count holds.
    pub pins: i32,
    /// `refcount % GUP_PIN_COUNTING_BIAS`: mappings and ordinary references.
    pub base: i32,
    pub mapcount: i32,
    pub locked_by: Option<String>,
    pub anon: bool,
    pub ksm: bool,
    pub exclusive: bool,
    pub data: Vec<u8>,
    /// The PTEs that map it.
    pub mapped_at: Vec<String>,
    /// GUP holders that use it.
    pub used_by: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WaiterView {
    pub thread: String,
    pub write: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LockView {
    pub name: String,
    pub kind: LockKind,
    pub mode: LockMode,
    pub holders: Vec<String>,
    pub waiters: Vec<WaiterView>,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CounterView {
    pub name: String,
    pub value: i32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegView {
    pub name: String,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadView {
    pub name: String,
    pub cpu: String,
    pub pc: u16,
    pub status: ThreadStatus,
    /// Why it cannot run, when it cannot.
    pub reason: Option<String>,
    /// The kernel function and statement it would run next.
    pub function: String,
    pub next: String,
    pub registers: Vec<RegView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PinView {
    pub holder: String,
    pub page: String,
    pub va: String,
    pub kind: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExpectedView {
    pub va: String,
    pub slot: usize,
    pub value: u8,
    pub writer: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateView {
    pub ptes: Vec<PteView>,
    pub cpus: Vec<CpuView>,
    pub pages: Vec<PageView>,
    pub locks: Vec<LockView>,
    pub counters: Vec<CounterView>,
    pub threads: Vec<ThreadView>,
    pub pins: Vec<PinView>,
    /// The value each written slot must read (the oracle of `no_lost_write`).
    pub expected: Vec<ExpectedView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvariantView {
    pub name: String,
    pub description: String,
    pub ok: bool,
    pub message: Option<String>,
    /// The first step at which it broke, up to this step.
    pub broken_at: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepView {
    /// 1-based.
    pub step: usize,
    /// What the step is (the kind of `crate::step::Choice`). `run`: the thread runs its next
    /// statement, in program order. `early`: the CPU performs the access of a statement further
    /// ahead, out of program order (arm64); `pc`, `text` and `source` are that statement's.
    /// `drain`: the oldest store of the CPU's store buffer becomes visible to the other CPUs
    /// (x86-TSO); `pc` is 65535 and `text` names the store.
    pub choice: ChoiceKind,
    /// `early`: the statement the thread has reached in program order, which the access
    /// overtakes.
    pub overtakes: Option<String>,
    /// `run`: this statement's access was performed early, at that step; the statement uses
    /// what was read then (or its store is already done).
    pub early_at: Option<usize>,
    /// `drain`: the store that became visible, as `x = 1`.
    pub drained: Option<String>,
    pub thread: String,
    pub cpu: String,
    pub pc: u16,
    pub function: String,
    pub file: String,
    /// Where the statement is written: `kernel/memory.race:42`.
    pub source: String,
    pub text: String,
    /// What happened, with the outcome of a branch or an access.
    pub description: String,
    /// Why it matters, as the scenario's author wrote it.
    pub note: Option<String>,
    pub changes: Vec<Change>,
    pub invariants: Vec<InvariantView>,
    /// The presenter notes on this step, when the run is a canonical trace's (see
    /// [`with_notes`]); empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub say: Vec<String>,
}

/// Fills `say` of the views of a run of `trace` under `policy` with the trace's presenter
/// notes on those steps.
pub fn with_notes(views: &mut [StepView], trace: &crate::scenario::TraceDef, policy: &str) {
    for v in views {
        v.say = trace.notes_at(policy, v.step);
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CodeLine {
    pub pc: u16,
    pub function: String,
    pub file: String,
    pub text: String,
    pub note: Option<String>,
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadCodeView {
    pub name: String,
    pub cpu: String,
    pub description: String,
    /// The scheduling points of the thread, in program order.
    pub lines: Vec<CodeLine>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyView {
    pub name: String,
    pub title: String,
    pub fate: Fate,
    pub why: String,
    pub sources: Vec<CitationView>,
    pub features: Vec<String>,
    pub baseline: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CitationView {
    pub kind: CitationKind,
    pub id: String,
    pub text: String,
    pub url: Option<String>,
}

impl From<&Citation> for CitationView {
    fn from(c: &Citation) -> Self {
        CitationView { kind: c.kind, id: c.id.clone(), text: c.text.clone(), url: c.url() }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioView {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub race: String,
    pub section: String,
    pub file: String,
    pub citations: Vec<CitationView>,
    pub notes: Vec<String>,
    pub policies: Vec<PolicyView>,
    pub baseline: String,
    pub invariants: Vec<Invariant>,
    pub models: Vec<MemoryModel>,
    pub threads: Vec<String>,
    pub traces: Vec<TraceView>,
    /// The condition on the final state that the `exists` invariant checks (litmus tests).
    pub exists: Option<String>,
    /// What a search of every interleaving finds, as the scenario claims it.
    pub verdicts: Vec<VerdictView>,
    /// Where each policy × model row applies, one per row, when the scenario says it.
    #[serde(default)]
    pub applies: Vec<AppliesView>,
}

/// Where one policy × model row applies: the kernels and architectures where its code existed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliesView {
    pub policy: String,
    pub model: MemoryModel,
    /// `applies to: arm64 ≥ v6.10`.
    pub text: String,
    /// The code did not exist on the row's architecture at the version the policy is from.
    pub anachronism: bool,
}

impl ScenarioView {
    /// Where the row `policy` × `model` applies, if the scenario says.
    pub fn applies_to(&self, policy: &str, model: MemoryModel) -> Option<&AppliesView> {
        self.applies.iter().find(|a| a.policy == policy && a.model == model)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VerdictView {
    pub policy: String,
    pub model: MemoryModel,
    pub verdict: Claim,
    pub comment: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceView {
    pub name: String,
    pub description: String,
    pub schedule: String,
    pub steps: usize,
    /// The presenter notes of the trace (`say at STEP …`), each on a step of its run under
    /// one policy.
    #[serde(default)]
    pub notes: Vec<NoteView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteView {
    /// 1-based.
    pub step: usize,
    pub policy: String,
    pub text: String,
}

pub fn scenario(sc: &Scenario) -> ScenarioView {
    ScenarioView {
        id: sc.id.clone(),
        title: sc.title.clone(),
        summary: sc.summary.clone(),
        race: sc.race.clone(),
        section: sc.section.clone(),
        file: sc.file.clone(),
        citations: sc.citations.iter().map(CitationView::from).collect(),
        notes: sc.notes.clone(),
        policies: sc
            .policies
            .iter()
            .enumerate()
            .map(|(i, p)| PolicyView {
                name: p.name.clone(),
                title: p.title.clone(),
                fate: p.fate,
                why: p.why.clone(),
                sources: p.sources.iter().map(CitationView::from).collect(),
                features: p.features.clone(),
                baseline: i == sc.baseline,
            })
            .collect(),
        baseline: sc.policies[sc.baseline].name.clone(),
        invariants: sc.checks.clone(),
        models: sc.models.clone(),
        threads: sc.threads.iter().map(|t| t.info.name.clone()).collect(),
        traces: sc
            .traces
            .iter()
            .map(|t| TraceView {
                name: t.name.clone(),
                description: t.description.clone(),
                schedule: crate::schedule::format_names(&t.schedule, &sc.layout),
                steps: t.schedule.len(),
                notes: t.notes.iter().map(|n| NoteView { step: n.step, policy: n.policy.clone(), text: n.text.clone() }).collect(),
            })
            .collect(),
        exists: sc.exists.as_ref().map(|e| e.text.clone()),
        verdicts: sc
            .verdicts
            .iter()
            .map(|v| VerdictView {
                policy: v.policy.clone(),
                model: v.model,
                verdict: match v.violated {
                    Some(i) => Claim::Breaks(i),
                    None => Claim::Safe,
                },
                comment: v.comment.clone(),
            })
            .collect(),
        applies: (0..sc.policies.len())
            .flat_map(|p| sc.models.iter().map(move |&m| (p, m)))
            .filter_map(|(p, m)| {
                sc.applies_to(p, m).map(|a| AppliesView {
                    policy: sc.policies[p].name.clone(),
                    model: m,
                    text: a.text,
                    anachronism: a.anachronism,
                })
            })
            .collect(),
    }
}

pub fn code(prog: &Program, sc: &Scenario) -> Vec<ThreadCodeView> {
    prog.threads
        .iter()
        .enumerate()
        .map(|(t, code)| ThreadCodeView {
            name: prog.thread_name(t).to_string(),
            cpu: prog.layout.threads[t].cpu_label(),
            description: sc.threads[t].info.description.clone(),
            lines: code
                .instrs
                .iter()
                .enumerate()
                .filter(|(_, i)| !i.silent && !matches!(i.op, Op::End))
                .map(|(pc, i)| {
                    let f = prog.func(i);
                    CodeLine {
                        pc: pc as u16,
                        function: f.name.clone(),
                        file: f.file.clone(),
                        text: i.text.clone(),
                        note: i.note.clone(),
                        source: format!("{}:{}", prog.files[i.file as usize], i.line),
                    }
                })
                .collect(),
        })
        .collect()
}

fn thread_name(prog: &Program, t: u8) -> String {
    prog.layout.threads.get(t as usize).map(|i| i.name.clone()).unwrap_or_else(|| "?".into())
}

fn mask_names(prog: &Program, mask: u8) -> Vec<String> {
    (0..prog.threads.len()).filter(|t| mask & (1 << t) != 0).map(|t| prog.thread_name(t).to_string()).collect()
}

/// The shared variables the program reads or writes, so a view can leave out the counters a
/// scenario never touches.
pub fn used_vars(prog: &Program) -> Vec<bool> {
    fn walk(e: &CExpr, used: &mut [bool]) {
        match e {
            CExpr::Var(v, _) => used[*v as usize] = true,
            CExpr::Field(x, _) | CExpr::Not(x) => walk(x, used),
            CExpr::Bin(_, l, r) => {
                walk(l, used);
                walk(r, used)
            }
            _ => {}
        }
    }
    let mut used = vec![false; prog.layout.vars.len()];
    for code in &prog.threads {
        for i in &code.instrs {
            match &i.op {
                Op::VarAdd { var, .. } | Op::WaitVar { var } | Op::VarRmw { var, .. } => used[*var as usize] = true,
                Op::VarSet { var, value, .. } => {
                    used[*var as usize] = true;
                    walk(value, &mut used)
                }
                Op::Branch { cond: e, .. } | Op::Assign { value: e, .. } | Op::SetPte { value: e, .. } | Op::Await { cond: e } => {
                    walk(e, &mut used)
                }
                _ => {}
            }
        }
    }
    for (i, v) in prog.init.vars.iter().enumerate().take(used.len()) {
        if *v != 0 {
            used[i] = true;
        }
    }
    used
}

pub fn state(prog: &Program, s: &State) -> StateView {
    let l = &prog.layout;
    let used = used_vars(prog);
    let ptes = l
        .ptes
        .iter()
        .enumerate()
        .map(|(i, slot)| {
            let p = s.ptes[i];
            let ptl = l.per_mm[slot.mm].ptl;
            PteView {
                name: slot.name.clone(),
                present: p.present(),
                page: p.present().then(|| l.page_name(p.page()).to_string()),
                w: p.has(Pte::W),
                d: p.has(Pte::D),
                a: p.has(Pte::A),
                sd: p.has(Pte::SD),
                uw: p.has(Pte::UW),
                vma: VMA_FLAGS.iter().filter(|(_, f)| s.vma[i] & f != 0).map(|(n, _)| n.to_string()).collect(),
                locked: s.locks[ptl].holders != 0,
            }
        })
        .collect();
    let mut cpus = Vec::new();
    for cpu in 0..MAX_CPUS {
        let thread = l.threads.iter().find(|t| t.cpu == Some(cpu as u8)).map(|t| t.name.clone());
        let tlb: Vec<TlbView> = l
            .ptes
            .iter()
            .enumerate()
            .filter(|(i, _)| s.tlb[cpu][*i].valid())
            .map(|(i, slot)| {
                let e = s.tlb[cpu][i];
                TlbView { va: slot.name.clone(), page: l.page_name(e.page()).to_string(), w: e.w(), d: e.d(), stale: e.is_stale(s.ptes[i]) }
            })
            .collect();
        let store_buffer = describe::store_buffer(prog, s, cpu);
        let early = describe_early(prog, s, cpu);
        if thread.is_some() || !tlb.is_empty() {
            cpus.push(CpuView { label: format!("CPU{cpu}"), thread, irq_off: s.irq_off & (1 << cpu) != 0, tlb, store_buffer, early });
        }
    }
    let pages = l
        .pages
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let p = &s.pages[i];
            let rc = p.refcount as i32;
            PageView {
                name: name.clone(),
                allocated: p.has(page_flags::ALLOCATED),
                refcount: rc,
                pins: rc / PIN_BIAS,
                base: rc % PIN_BIAS,
                mapcount: p.mapcount as i32,
                locked_by: p.has(page_flags::LOCKED).then(|| {
                    if p.lock_owner == NONE {
                        "someone".into()
                    } else {
                        thread_name(prog, p.lock_owner)
                    }
                }),
                anon: p.has(page_flags::ANON),
                ksm: p.has(page_flags::KSM),
                exclusive: p.has(page_flags::ANON_EXCLUSIVE),
                data: p.data[..l.data_slots].to_vec(),
                mapped_at: l
                    .ptes
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| s.ptes[*k].present() && s.ptes[*k].page() as usize == i)
                    .map(|(_, p)| p.name.clone())
                    .collect(),
                used_by: s
                    .pins
                    .iter()
                    .filter(|pin| pin.active() && pin.page as usize == i)
                    .map(|pin| thread_name(prog, pin.holder))
                    .collect(),
            }
        })
        .collect();
    let locks = l
        .locks
        .iter()
        .enumerate()
        .filter(|(i, _)| lock_used(prog, *i))
        .map(|(i, info)| {
            let lk = &s.locks[i];
            let mut waiters: Vec<WaiterView> =
                mask_names(prog, lk.wait_read).into_iter().map(|t| WaiterView { thread: t, write: false }).collect();
            waiters.extend(mask_names(prog, lk.wait_write).into_iter().map(|t| WaiterView { thread: t, write: true }));
            LockView {
                name: info.name.clone(),
                kind: info.kind,
                mode: lk.mode,
                holders: mask_names(prog, lk.holders),
                waiters,
                text: describe::lock_state_text(prog, s, i),
            }
        })
        .collect();
    let counters = l
        .vars
        .iter()
        .enumerate()
        .filter(|(i, _)| used[*i])
        .map(|(i, v)| CounterView { name: v.name.clone(), value: s.vars[i] as i32 })
        .collect();
    let threads = (0..prog.threads.len())
        .map(|t| {
            let th = &s.threads[t];
            let (status, reason) = match exec::can_run(prog, s, t) {
                Ok(()) => (ThreadStatus::Runnable, None),
                Err(Blocked::Finished) => (ThreadStatus::Finished, None),
                Err(b @ Blocked::Sleeping(_)) => (ThreadStatus::Sleeping, Some(describe::blocked_text(prog, s, t, b))),
                Err(b @ Blocked::Killed(_)) => (ThreadStatus::Killed, Some(describe::blocked_text(prog, s, t, b))),
                Err(b) => (ThreadStatus::Blocked, Some(describe::blocked_text(prog, s, t, b))),
            };
            let instr = prog.instr(t, th.pc);
            ThreadView {
                name: prog.thread_name(t).to_string(),
                cpu: l.threads[t].cpu_label(),
                pc: th.pc,
                status,
                reason,
                function: if status == ThreadStatus::Finished { String::new() } else { prog.func(instr).name.clone() },
                next: if status == ThreadStatus::Finished { String::new() } else { instr.text.clone() },
                registers: prog.threads[t]
                    .regs
                    .iter()
                    .enumerate()
                    .map(|(r, name)| RegView { name: name.clone(), value: describe::reg_text(prog, t, r, th.regs[r]) })
                    .collect(),
            }
        })
        .collect();
    let pins = s
        .pins
        .iter()
        .filter(|p| p.active())
        .map(|p| PinView {
            holder: thread_name(prog, p.holder),
            page: l.page_name(p.page).to_string(),
            va: l.ptes[p.pte as usize].name.clone(),
            kind: describe::pin_kind_text(p.flags),
        })
        .collect();
    let mut expected = Vec::new();
    for (p, slot) in l.ptes.iter().enumerate() {
        for d in 0..l.data_slots {
            if s.ghost.has_expected & (1 << (p * MAX_DATA + d)) != 0 {
                expected.push(ExpectedView {
                    va: slot.name.clone(),
                    slot: d,
                    value: s.ghost.expected[p][d],
                    writer: thread_name(prog, s.ghost.writer[p][d]),
                });
            }
        }
    }
    StateView { ptes, cpus, pages, locks, counters, threads, pins, expected }
}

fn lock_used(prog: &Program, lock: usize) -> bool {
    prog.threads.iter().any(|c| c.instrs.iter().any(|i| matches!(i.op, Op::LockAcquire { lock: l, .. } if l as usize == lock)))
}

/// The view of step `step` (1-based) of a run. It looks back over the steps before it; to
/// view every step of a long run, [`steps`] does it in one pass.
pub fn step(prog: &Program, run: &Run, step: usize) -> StepView {
    let first_broken: Vec<Option<usize>> =
        prog.checks.iter().map(|inv| run.steps[..step].iter().position(|s| s.violated.contains(*inv)).map(|i| i + 1)).collect();
    step_view(prog, run, step, &first_broken)
}

/// The views of every step of a run, in order, in time linear in its length: [`step`] for
/// each, with the first step at which each checked invariant broke carried along.
pub fn steps<'a>(prog: &'a Program, run: &'a Run) -> impl Iterator<Item = StepView> + 'a {
    let mut first_broken: Vec<Option<usize>> = vec![None; prog.checks.len()];
    (1..=run.steps.len()).map(move |i| {
        for (first, inv) in first_broken.iter_mut().zip(&prog.checks) {
            if first.is_none() && run.steps[i - 1].violated.contains(*inv) {
                *first = Some(i);
            }
        }
        step_view(prog, run, i, &first_broken)
    })
}

/// Step `step`'s view, given the first step (up to it) at which each of `prog.checks` broke.
fn step_view(prog: &Program, run: &Run, step: usize, first_broken: &[Option<usize>]) -> StepView {
    let rec = &run.steps[step - 1];
    let t = rec.thread;
    let before = &run.states[step - 1];
    let after = &run.states[step];
    let description = replay::describe_step(prog, run, step);
    let (choice, overtakes, early_at, drained) = match rec.choice {
        crate::step::Choice::Run(_) => {
            let at = rec
                .exec
                .early
                .then(|| {
                    run.steps[..step - 1].iter().rposition(|s| s.choice == crate::step::Choice::Early(t as u8, rec.exec.pc)).map(|i| i + 1)
                })
                .flatten();
            (ChoiceKind::Run, None, at, None)
        }
        crate::step::Choice::Early(..) => (ChoiceKind::Early, Some(prog.instr(t, before.threads[t].pc).text.clone()), None, None),
        crate::step::Choice::Drain(_) => {
            let d = match rec.exec.effect {
                crate::step::Effect::Drained { var, value } => Some(format!("{} = {value}", prog.layout.vars[var as usize].name)),
                _ => None,
            };
            (ChoiceKind::Drain, None, None, d)
        }
    };
    let invariants = prog
        .checks
        .iter()
        .zip(first_broken)
        .map(|(inv, broken_at)| {
            let v = invariants::violation(prog, after, *inv);
            InvariantView {
                name: inv.name().to_string(),
                description: inv.description().to_string(),
                ok: v.is_none(),
                message: v.map(|v| describe::violation_text(prog, after, &v)),
                broken_at: *broken_at,
            }
        })
        .collect();
    let cpu = prog.layout.threads[t].cpu_label();
    let (function, file, source, text, note) = if rec.exec.pc == crate::step::NO_PC {
        ("store buffer".to_string(), String::new(), String::new(), format!("drain {}", drained.clone().unwrap_or_default()), None)
    } else {
        let instr = prog.instr(t, rec.exec.pc);
        let f = prog.func(instr);
        (
            f.name.clone(),
            f.file.clone(),
            format!("{}:{}", prog.files[instr.file as usize], instr.line),
            instr.text.clone(),
            instr.note.clone(),
        )
    };
    StepView {
        step,
        choice,
        overtakes,
        early_at,
        drained,
        thread: prog.thread_name(t).to_string(),
        cpu,
        pc: rec.exec.pc,
        function,
        file,
        source,
        text,
        description,
        note,
        changes: rec.changes.clone(),
        invariants,
        say: Vec::new(),
    }
}

/// The invariants of the initial state (step 0), which a scenario may already break.
pub fn initial_invariants(prog: &Program, s: &State) -> Vec<InvariantView> {
    prog.checks
        .iter()
        .map(|inv| {
            let v = invariants::violation(prog, s, *inv);
            InvariantView {
                name: inv.name().to_string(),
                description: inv.description().to_string(),
                ok: v.is_none(),
                message: v.map(|v| describe::violation_text(prog, s, &v)),
                broken_at: None,
            }
        })
        .collect()
}

pub fn invariant_names(list: &[Invariant]) -> Vec<String> {
    list.iter().map(|i| i.name().to_string()).collect()
}
/// An access of a CPU performed early and not yet reached in program order (arm64).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EarlyView {
    /// The instruction, in its thread's code.
    pub pc: u16,
    pub text: String,
    pub kind: EarlyKind,
    /// What it read (`has_pinned = 0`, …) or stored (`y = 1`).
    pub values: Vec<String>,
}

pub fn describe_early(prog: &Program, s: &State, cpu: usize) -> Vec<EarlyView> {
    let Some(t) = prog.layout.threads.iter().position(|i| i.cpu == Some(cpu as u8)) else { return vec![] };
    let (recs, n) = relaxed::records(s, cpu);
    recs[..n]
        .iter()
        .flatten()
        .map(|r| {
            let instr = prog.threads[t].instrs.get(r.pc as usize);
            let values = match r.kind {
                relaxed::RecordKind::Store => match instr.map(|i| &i.op) {
                    Some(Op::VarSet { var, .. }) => vec![describe::loc_text(prog, Loc::Var(*var), r.value)],
                    _ => vec![],
                },
                relaxed::RecordKind::Lock => vec![format!("{} held", describe::loc_name(prog, Loc::Lock(r.value as u8)))],
                relaxed::RecordKind::Load => r.reads[..r.nreads].iter().map(|(l, v)| describe::loc_text(prog, *l, *v)).collect(),
            };
            let kind = match r.kind {
                relaxed::RecordKind::Store => EarlyKind::Store,
                relaxed::RecordKind::Lock => EarlyKind::Lock,
                relaxed::RecordKind::Load => EarlyKind::Load,
            };
            EarlyView { pc: r.pc, text: instr.map(|i| i.text.clone()).unwrap_or_default(), kind, values }
        })
        .collect()
}

/// What a step is: see [`StepView::choice`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChoiceKind {
    Run,
    Early,
    Drain,
}

/// Where a thread is, at a state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThreadStatus {
    #[default]
    Runnable,
    Blocked,
    Sleeping,
    Finished,
    Killed,
}

impl ThreadStatus {
    pub fn name(self) -> &'static str {
        match self {
            ThreadStatus::Runnable => "runnable",
            ThreadStatus::Blocked => "blocked",
            ThreadStatus::Sleeping => "sleeping",
            ThreadStatus::Finished => "finished",
            ThreadStatus::Killed => "killed",
        }
    }
}

/// An access performed early: a load, a plain store, or a lock acquire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EarlyKind {
    Load,
    Store,
    Lock,
}

impl EarlyKind {
    pub fn name(self) -> &'static str {
        match self {
            EarlyKind::Load => "load",
            EarlyKind::Store => "store",
            EarlyKind::Lock => "lock",
        }
    }
}

/// What a scenario claims a search of every interleaving finds: `safe`, or the invariant that
/// breaks (spelled as its name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Claim {
    Safe,
    Breaks(Invariant),
}

impl Claim {
    pub fn name(self) -> &'static str {
        match self {
            Claim::Safe => "safe",
            Claim::Breaks(i) => i.name(),
        }
    }
}

impl From<Claim> for String {
    fn from(c: Claim) -> String {
        c.name().to_string()
    }
}

impl TryFrom<String> for Claim {
    type Error = String;
    fn try_from(s: String) -> Result<Claim, String> {
        match s.as_str() {
            "safe" => Ok(Claim::Safe),
            _ => Invariant::parse(&s).map(Claim::Breaks).ok_or_else(|| format!("`{s}` is neither `safe` nor an invariant")),
        }
    }
}

impl std::fmt::Display for Claim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}
