//! All the words: what changed between two states ([`diff`]), what a step did, why a thread
//! cannot run, what a broken scenario did, how a PTE, a register, a lock or an in-flight access
//! reads. The machine below returns indices and enums; this module turns them into the text the
//! user reads, the same in the CLI and the web app.

use serde::{Deserialize, Serialize};

use crate::invariants::Violation;
use crate::ir::{Access, CExpr, FinalCond, Op, PageArg, Program, RegKind};
use crate::layout::LockKind;
use crate::relaxed::{self, Loc};
use crate::state::*;
use crate::step::{Blocked, Bug, Choice, Effect, Executed, StepError};

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
        Blocked::Killed(r) => format!("it was killed ({})", prog.sleep_reasons[r as usize]),
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
        Blocked::Awaiting => {
            format!("it waits until {}", without_outer_brackets(prog.instr(t, s.threads[t].pc).text.trim_start_matches("await")))
        }
        Blocked::NothingToDrain => "its CPU has no buffered store that may drain now".into(),
        Blocked::CannotReorder { pc } => {
            let text = prog.threads.get(t).and_then(|c| c.instrs.get(pc as usize)).map(|i| i.text.as_str()).unwrap_or("?");
            if prog.model == crate::layout::MemoryModel::Arm64 {
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

/// A whole condition without the brackets around all of it: `(pte(V).UW)` reads `pte(V).UW`,
/// `((a && b))` reads `a && b`; `(a) || (b)` keeps its brackets, which belong to its parts.
pub fn without_outer_brackets(text: &str) -> &str {
    let mut t = text.trim();
    while let Some(inner) = t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        // The first `(` must close at the last `)`: its depth stays above zero until the end.
        let mut depth = 1usize;
        let whole = inner.chars().all(|c| {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            depth > 0
        });
        if !whole {
            break;
        }
        t = inner.trim();
    }
    t
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
        // PG_locked reads as who holds it, above.
        for (flag, label) in PAGE_FLAGS.iter().filter(|f| f.bit != page_flags::LOCKED).map(|f| (f.bit, f.label)) {
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
            let ipi = if prog.model == crate::layout::MemoryModel::Arm64 { "" } else { " (flush IPIs wait)" };
            add(ChangeKind::Cpu, format!("CPU{cpu}"), format!("CPU{cpu} IRQs {}", if off { format!("off{ipi}") } else { "on".into() }));
        }
        if a.sb[cpu] != b.sb[cpu] {
            for text in in_flight_changes(prog, a, b, cpu) {
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
                Status::Killed => add(
                    ChangeKind::Thread,
                    info.name.clone(),
                    format!("{} is killed: {}", info.name, prog.sleep_reasons[y.sleep_reason as usize]),
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
                CExpr::PageFlag(_, f) => page_flag(*f).map(|f| f.test).unwrap_or("?"),
                _ => "?",
            };
            push(format!("{f}({name}) = {}", crate::exec::eval(prog, s, t, e).unwrap_or(0)))
        }
        CExpr::LockHeld(lock) => {
            push(format!("spin_is_locked({}) = {}", l.locks[*lock as usize].name, crate::exec::eval(prog, s, t, e).unwrap_or(0)))
        }
        CExpr::VmaFlag(slot, f) => {
            let name = VMA_FLAGS.iter().find(|(_, b)| b == f).map(|(n, _)| *n).unwrap_or("?");
            push(format!("VMA of {}: {name} = {}", l.ptes[*slot as usize].name, (s.vma[*slot as usize] & f != 0) as u8))
        }
    }
}

/// What a choice other than running a statement does, for a scheduler's button: `CPU1 drains
/// its store buffer: …`, `performs \`r1 = READ_ONCE(x)\` early, …`; None for `Choice::Run`.
pub fn choice_text(prog: &Program, c: Choice) -> Option<String> {
    let t = c.thread();
    match c {
        Choice::Run(_) => None,
        Choice::Drain(_) => {
            Some(format!("{} drains its store buffer: its oldest store becomes visible", prog.layout.threads[t].cpu_label()))
        }
        Choice::Early(_, pc) => Some(format!("performs `{}` early, out of program order", prog.instr(t, pc).text)),
    }
}

/// One sentence for any step: a thread's statement (see [`executed`]), a store-buffer drain,
/// or an access performed early. `before` and `after` are the states around the step, `exec`
/// what it did; `early_at` is the 1-based step at which its access was performed early, if one
/// was.
pub fn step(prog: &Program, before: &State, after: &State, choice: Choice, exec: &Executed, early_at: Option<usize>) -> String {
    let t = choice.thread();
    let cpu = prog.layout.threads[t].cpu_label();
    match choice {
        Choice::Drain(_) => match exec.effect {
            Effect::Drained { var, value } => format!(
                "{cpu}'s store buffer drains {} = {value}: the store becomes visible to the other CPUs",
                prog.layout.vars[var as usize].name
            ),
            _ => format!("{cpu}'s store buffer drains"),
        },
        Choice::Early(_, pc) => {
            let instr = prog.instr(t, pc);
            let at = prog.instr(t, before.threads[t].pc);
            let what = early_text(prog, after, t, pc);
            format!("{} → performed early, out of program order ({} is still at `{}`): {what}", instr.text, prog.thread_name(t), at.text)
        }
        Choice::Run(_) => {
            let read_early = if exec.early { as_read_early(prog, before, t, exec.pc) } else { None };
            let mut d = match &read_early {
                Some((seen, _)) => executed(prog, seen, t, exec),
                None => executed(prog, before, t, exec),
            };
            if let Some((_, now)) = &read_early {
                if !now.is_empty() {
                    d.push_str(&format!("; memory holds {} by now", now.join(", ")));
                }
            }
            if exec.early {
                match (&prog.instr(t, exec.pc).op, early_at) {
                    (Op::VarSet { .. }, Some(i)) => d.push_str(&format!(" (already stored early, at step {i})")),
                    (Op::VarSet { .. }, None) => d.push_str(" (already stored early)"),
                    (Op::LockAcquire { .. }, Some(i)) => d.push_str(&format!(" (already taken early, at step {i})")),
                    (Op::LockAcquire { .. }, None) => d.push_str(" (already taken early)"),
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
pub fn executed(prog: &Program, before: &State, t: usize, exec: &Executed) -> String {
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
            Op::Assign { .. }
            | Op::PageTrylock { .. }
            | Op::RefAddUnless { .. }
            | Op::Alloc { .. }
            | Op::Dma { write: false, .. }
            | Op::VarRmw { .. },
            Effect::Value(v),
        ) => {
            let dst = match &instr.op {
                Op::Assign { dst, .. }
                | Op::VarRmw { dst, .. }
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

/// `has_pinned`, `PTE[V]`, `P._refcount`, `P.data[0]`.
pub fn loc_name(prog: &Program, loc: Loc) -> String {
    let l = &prog.layout;
    let page = |p: u8| l.page_name(p).to_string();
    match loc {
        Loc::Var(v) => l.vars.get(v as usize).map(|v| v.name.clone()).unwrap_or_else(|| "?".into()),
        Loc::Pte(p) => format!("PTE[{}]", l.ptes.get(p as usize).map(|p| p.name.as_str()).unwrap_or("?")),
        Loc::Ref(p) => format!("{}._refcount", page(p)),
        Loc::Map(p) => format!("{}.mapcount", page(p)),
        Loc::Flags(p) => format!("{}.flags", page(p)),
        Loc::Data(p, d) => format!("{}.data[{d}]", page(p)),
        Loc::Vma(p) => format!("VMA[{}]", l.ptes.get(p as usize).map(|p| p.name.as_str()).unwrap_or("?")),
        Loc::Lock(k) => l.locks.get(k as usize).map(|k| k.name.clone()).unwrap_or_else(|| "?".into()),
    }
}

/// `name = value`, the value as a kernel developer reads it.
pub fn loc_text(prog: &Program, loc: Loc, v: i16) -> String {
    match loc {
        Loc::Pte(_) => format!("{} = ({})", loc_name(prog, loc), pte_text(prog, Pte(v as u16))),
        Loc::Lock(_) => format!("{} = {}", loc_name(prog, loc), if v & 0xff == 0 { "free" } else { "held" }),
        Loc::Flags(_) => {
            let names: Vec<&str> = PAGE_FLAGS.iter().filter(|f| v as u8 & f.bit != 0).map(|f| f.label).collect();
            format!("{} = {{{}}}", loc_name(prog, loc), names.join(", "))
        }
        _ => format!("{} = {v}", loc_name(prog, loc)),
    }
}

// ---------------------------------------------------------------------------------------------
// In-flight accesses (x86-TSO store buffers, arm64 accesses performed early)

/// The buffered stores of `cpu`, oldest first (x86-TSO): `x = 1`.
pub fn store_buffer(prog: &Program, s: &State, cpu: usize) -> Vec<String> {
    s.sb[cpu]
        .iter()
        .filter(|e| e.flags == relaxed::kind::STORE)
        .filter_map(|e| Loc::from_code(e.loc).map(|l| loc_text(prog, l, e.value)))
        .collect()
}

/// What the access performed early at `pc` did, from the state after it: `reads x = 0`.
pub fn early_text(prog: &Program, s: &State, t: usize, pc: u16) -> String {
    let Some(cpu) = relaxed::cpu_of(prog, t) else { return String::new() };
    let (recs, n) = relaxed::records(s, cpu);
    let Some(r) = recs[..n].iter().flatten().find(|r| r.pc == pc) else { return String::new() };
    if r.kind == relaxed::RecordKind::Lock {
        let name = prog.layout.locks.get(r.value as usize).map(|l| l.name.as_str()).unwrap_or("?");
        format!("takes {name} now, before the accesses ahead of it in program order: an acquire orders only what comes after it")
    } else if r.kind == relaxed::RecordKind::Store {
        match prog.threads[t].instrs.get(pc as usize).map(|i| &i.op) {
            Some(Op::VarSet { var, .. }) => format!("stores {}, visible to every CPU now", loc_text(prog, Loc::Var(*var), r.value)),
            _ => "stores".into(),
        }
    } else {
        let reads: Vec<String> = r.reads[..r.nreads].iter().map(|(l, v)| loc_text(prog, *l, *v)).collect();
        format!("reads {}; the thread uses these values when it gets there", reads.join(", "))
    }
}

/// For a step that reaches an instruction whose reads were performed early: the state as
/// that instruction sees it (memory as it was read), and what memory holds now where it
/// differs.
pub fn as_read_early(prog: &Program, before: &State, t: usize, pc: u16) -> Option<(State, Vec<String>)> {
    let cpu = relaxed::cpu_of(prog, t)?;
    let (recs, n) = relaxed::records(before, cpu);
    let r = recs[..n].iter().flatten().find(|r| r.pc == pc && r.is_load())?;
    let reads = &r.reads[..r.nreads];
    let changed = reads.iter().filter(|(l, v)| l.read(before) != *v).map(|(l, _)| loc_text(prog, *l, l.read(before))).collect();
    Some((relaxed::with_reads(before, reads), changed))
}

/// What changed in `cpu`'s in-flight entries between two states, in words.
pub fn in_flight_changes(prog: &Program, a: &State, b: &State, cpu: usize) -> Vec<String> {
    let mut out = Vec::new();
    let label = format!("CPU{cpu}");
    // x86-TSO: stores leave at the front and join at the back.
    let stores = |s: &State| -> Vec<SbEntry> { s.sb[cpu].iter().filter(|e| e.flags == relaxed::kind::STORE).copied().collect() };
    let (x, y) = (stores(a), stores(b));
    if x != y {
        let k = (0..=x.len()).find(|&k| y.starts_with(&x[k..])).unwrap_or(x.len());
        for e in &x[..k] {
            if let Some(l) = Loc::from_code(e.loc) {
                out.push(format!("{label} store buffer: {} drained, visible to every CPU", loc_text(prog, l, e.value)));
            }
        }
        for e in &y[x.len() - k..] {
            if let Some(l) = Loc::from_code(e.loc) {
                out.push(format!("{label} store buffer: {} waits there, unseen by the other CPUs", loc_text(prog, l, e.value)));
            }
        }
    }
    // arm64: accesses performed early.
    let Some(t) = prog.layout.threads.iter().position(|i| i.cpu == Some(cpu as u8)) else { return out };
    let (ra, na) = relaxed::records(a, cpu);
    let (rb, nb) = relaxed::records(b, cpu);
    let text = |pc: u16| prog.threads[t].instrs.get(pc as usize).map(|i| i.text.clone()).unwrap_or_default();
    for r in ra[..na].iter().flatten() {
        if !rb[..nb].iter().flatten().any(|q| q.pc == r.pc) {
            if a.threads[t].pc == r.pc {
                out.push(format!("{label}: `{}` is reached in program order; its early access counts now", text(r.pc)));
            } else {
                out.push(format!(
                    "{label}: the early read of `{}` is discarded (what {} just ran orders it); it will read again, in order",
                    text(r.pc),
                    prog.thread_name(t)
                ));
            }
        }
    }
    for r in rb[..nb].iter().flatten() {
        if !ra[..na].iter().flatten().any(|q| q.pc == r.pc) {
            out.push(format!("{label} performs `{}` early: {}", text(r.pc), early_text(prog, b, t, r.pc)));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Invariants

/// What a [`Violation`] found in `s` means, in words.
pub fn violation_text(prog: &Program, s: &State, v: &Violation) -> String {
    let l = &prog.layout;
    let thread = |t: u8| l.threads.get(t as usize).map(|t| t.name.as_str()).unwrap_or("?");
    let va = |p: u8| l.ptes[p as usize].name.as_str();
    match *v {
        Violation::LostWrite { pte, slot, want, have, writer, page } => format!(
            "{}[{slot}] should read {want} (stored by {}), but {} maps {} where it reads {have}: the write is lost",
            va(pte),
            thread(writer),
            va(pte),
            l.page_name(page)
        ),
        Violation::PinnedWriteProtected { page, holder, pte } => format!(
            "{} is pinned for DMA (FOLL_PIN|FOLL_WRITE by {}) but PTE[{}] is write-protected: the next write fault will copy it away from the device",
            l.page_name(page),
            l.threads[holder as usize].name,
            va(pte)
        ),
        Violation::PinOutOfSync { holder, pinned, pte, mapped } => format!(
            "{} holds {} through GUP for {}, but {} now maps {}: the device and the process use different pages",
            l.threads[holder as usize].name,
            l.page_name(pinned),
            va(pte),
            va(pte),
            l.page_name(mapped)
        ),
        Violation::SoftDirtyLost { pte } => format!(
            "{} was written after clear_refs returned, but PTE[{}].SD is 0: the write is invisible to soft-dirty tracking",
            va(pte),
            va(pte)
        ),
        Violation::Leak { holder, page, pte, slot } => format!(
            "{} read {}[{slot}] through its GUP reference for {} and saw data another mm stored there after the reference was taken: a private page leaks across the fork",
            thread(holder),
            l.page_name(page),
            va(pte)
        ),
        Violation::Exists => {
            let mut values = Vec::new();
            if let Some(cond) = &prog.exists {
                final_values(prog, cond, s, &mut values);
            }
            format!("the final state satisfies the `exists` condition: {}", values.join(", "))
        }
    }
}

/// The registers and variables a final condition reads, with their values in `s`: `P1.r0 = 1`.
pub fn final_values(prog: &Program, cond: &FinalCond, s: &State, out: &mut Vec<String>) {
    let text = match cond {
        FinalCond::Const(_) => None,
        FinalCond::Reg { thread, reg } => Some(format!(
            "{}.{} = {}",
            prog.thread_name(*thread as usize),
            prog.threads[*thread as usize].regs[*reg as usize],
            s.threads[*thread as usize].regs[*reg as usize]
        )),
        FinalCond::Var(v) => Some(format!("{} = {}", prog.layout.vars[*v as usize].name, s.vars[*v as usize])),
        FinalCond::Not(x) => {
            final_values(prog, x, s, out);
            None
        }
        FinalCond::Bin(_, l, r) => {
            final_values(prog, l, s, out);
            final_values(prog, r, s, out);
            None
        }
    };
    if let Some(t) = text {
        if !out.contains(&t) {
            out.push(t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::without_outer_brackets;

    #[test]
    fn a_whole_condition_loses_its_outer_brackets_and_its_parts_keep_theirs() {
        assert_eq!(without_outer_brackets("(pte(V).UW)"), "pte(V).UW");
        assert_eq!(without_outer_brackets(" ((x == 1 && y == 0)) "), "x == 1 && y == 0");
        assert_eq!(without_outer_brackets("(a) || (b)"), "(a) || (b)");
        assert_eq!(without_outer_brackets("((a) || (b))"), "(a) || (b)");
        assert_eq!(without_outer_brackets("pte(V).UW"), "pte(V).UW");
        assert_eq!(without_outer_brackets("(unbalanced"), "(unbalanced");
        assert_eq!(without_outer_brackets("()"), "");
    }
}
