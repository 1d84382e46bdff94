//! The interpreter: which threads can run, and what one step of a thread does to a [`State`].
//!
//! A step executes the instruction at the thread's pc, which is always a scheduling point, and
//! then every silent instruction after it. Nothing here allocates: the explorer calls these
//! functions millions of times a second.

use crate::ir::*;
use crate::layout::LockKind;
use crate::state::*;
use crate::step::*;

#[inline]
fn bit(t: usize) -> u8 {
    1u8 << t
}

#[inline]
fn page_of(s: &State, t: usize, p: PageArg) -> Result<u8, Bug> {
    let v = match p {
        PageArg::Const(c) => return Ok(c),
        PageArg::Reg(r) => s.threads[t].regs[r as usize],
    };
    if v < 0 || v as usize >= MAX_PAGES {
        return Err(Bug::NotAPage { value: v });
    }
    Ok(v as u8)
}

pub fn eval(prog: &Program, s: &State, t: usize, e: &CExpr) -> Result<i32, Bug> {
    Ok(match e {
        CExpr::Const(c) => *c,
        CExpr::Reg(r) => s.threads[t].regs[*r as usize] as i32,
        CExpr::Var(v, _) => read_var(prog, s, t, *v) as i32,
        CExpr::Pte(slot) => s.ptes[*slot as usize].to_value(),
        CExpr::PteSame(r, slot) => (s.threads[t].regs[*r as usize] as u16 == s.ptes[*slot as usize].0) as i32,
        CExpr::Field(inner, f) => {
            let pte = Pte::from_value(eval(prog, s, t, inner)?);
            match f {
                PteField::Present => pte.present() as i32,
                PteField::Page => pte.page() as i32,
                PteField::Bit(b) => pte.has(*b) as i32,
            }
        }
        CExpr::PageCount(p) => s.pages[page_of(s, t, *p)? as usize].refcount as i32,
        CExpr::MapCount(p) => s.pages[page_of(s, t, *p)? as usize].mapcount as i32,
        CExpr::PageFlag(p, f) => s.pages[page_of(s, t, *p)? as usize].has(*f) as i32,
        CExpr::MaybePinned(p) => (s.pages[page_of(s, t, *p)? as usize].refcount as i32 >= PIN_BIAS) as i32,
        CExpr::VmaFlag(slot, f) => (s.vma[*slot as usize] & f != 0) as i32,
        CExpr::LockHeld(l) => (s.locks[*l as usize].mode != LockMode::Free) as i32,
        CExpr::MkPte(p, bits) => Pte::new(page_of(s, t, *p)?, *bits).to_value(),
        CExpr::Not(inner) => (eval(prog, s, t, inner)? == 0) as i32,
        CExpr::Bin(op, l, r) => {
            let a = eval(prog, s, t, l)?;
            // Short-circuit, as C does: the right side may read a page the left side ruled out.
            match op {
                crate::syntax::BinOp::And if a == 0 => return Ok(0),
                crate::syntax::BinOp::Or if a != 0 => return Ok(1),
                _ => {}
            }
            let b = eval(prog, s, t, r)?;
            eval_bin(*op, a, b)
        }
    })
}

/// A thread's view of a shared variable: its own buffered store if it has one (store-buffer
/// forwarding), else memory.
#[inline]
fn read_var(prog: &Program, s: &State, t: usize, v: u8) -> i16 {
    crate::relaxed::forward(prog, s, t, v).unwrap_or(s.vars[v as usize])
}

fn lock_available(s: &State, lock: usize, mode: LockMode, t: usize) -> bool {
    s.locks[lock].available(mode, t)
}

/// Whether thread `t` can take a step, and why not.
pub fn can_run(prog: &Program, s: &State, t: usize) -> Result<(), Blocked> {
    let th = &s.threads[t];
    match th.status {
        Status::Finished => return Err(Blocked::Finished),
        Status::Sleeping => return Err(Blocked::Sleeping(th.sleep_reason)),
        Status::Killed => return Err(Blocked::Killed(th.sleep_reason)),
        Status::Running => {}
    }
    let instr = &prog.threads[t].instrs[th.pc as usize];
    match &instr.op {
        Op::End => Err(Blocked::Finished),
        Op::LockAcquire { lock, mode } => {
            let l = *lock as usize;
            // Under arm64 the CPU may have taken it early already (an acquire orders only what
            // comes after it).
            if lock_available(s, l, *mode, t) || crate::relaxed::lock_taken_early(prog, s, t) {
                return Ok(());
            }
            match prog.layout.locks[l].kind {
                LockKind::Rwsem => {
                    let waiting = (s.locks[l].wait_read | s.locks[l].wait_write) & bit(t) != 0;
                    if waiting {
                        Err(Blocked::WaitingLock { lock: *lock, write: *mode == LockMode::Write })
                    } else {
                        Ok(()) // the step queues the thread as a waiter
                    }
                }
                _ => Err(Blocked::Spinning { lock: *lock }),
            }
        }
        Op::PageLock(p) => {
            let page = page_of(s, t, *p).unwrap_or(0);
            if s.pages[page as usize].has(page_flags::LOCKED) {
                Err(Blocked::PageLocked { page })
            } else {
                Ok(())
            }
        }
        Op::Flush { mm, .. } | Op::PteClear { flush: true, pte: mm } => {
            let mm = match &instr.op {
                Op::PteClear { pte, .. } => prog.layout.ptes[*pte as usize].mm,
                _ => *mm as usize,
            };
            let me = prog.layout.threads[t].cpu.map(|c| 1u8 << c).unwrap_or(0);
            let held_off = prog.cpumask[mm] & s.irq_off & !me;
            // An IPI waits for IRQs to come back on; arm64 broadcasts TLBI instead, which
            // IRQs off do not hold back (RCU GUP-fast, 088b8aa537c2).
            if held_off != 0 && prog.model != crate::layout::MemoryModel::Arm64 {
                Err(Blocked::FlushHeldOff { cpu: held_off.trailing_zeros() as u8 })
            } else {
                Ok(())
            }
        }
        Op::Dma { holder, .. } => {
            if s.pins.iter().any(|p| p.active() && p.holder == *holder) {
                Ok(())
            } else {
                Err(Blocked::NoPin { holder: *holder })
            }
        }
        Op::Fence(k) => crate::relaxed::fence_ready(prog, s, t, *k),
        Op::WaitVar { var } => {
            if read_var(prog, s, t, *var) != 0 {
                Ok(())
            } else {
                Err(Blocked::WaitEvent { var: *var })
            }
        }
        Op::Await { cond } => match eval(prog, s, t, cond) {
            Ok(v) if v != 0 => Ok(()),
            _ => Err(Blocked::Awaiting),
        },
        _ => Ok(()),
    }
}

/// Whether `c` can be taken now, and why not.
pub fn can_apply(prog: &Program, s: &State, c: Choice) -> Result<(), Blocked> {
    match c {
        Choice::Run(t) => can_run(prog, s, t as usize),
        Choice::Drain(t) => crate::relaxed::can_drain(prog, s, t as usize),
        Choice::Early(t, pc) => crate::relaxed::can_early(prog, s, t as usize, pc),
    }
}

/// Takes the step `c`.
pub fn apply(prog: &Program, s: &mut State, c: Choice) -> Result<Executed, StepError> {
    match c {
        Choice::Run(t) => step(prog, s, t as usize),
        Choice::Drain(t) => {
            crate::relaxed::can_drain(prog, s, t as usize).map_err(StepError::Blocked)?;
            let effect = crate::relaxed::drain(prog, s, t as usize).map_err(StepError::Bug)?;
            Ok(Executed { pc: NO_PC, effect, early: false })
        }
        Choice::Early(t, pc) => {
            let effect = crate::relaxed::early(prog, s, t as usize, pc).map_err(StepError::Blocked)?;
            Ok(Executed { pc, effect, early: true })
        }
    }
}

/// Every choice that can be taken in `s`, in a fixed order (threads first, then drains, then
/// accesses performed early, by thread and pc).
pub fn choices(prog: &Program, s: &State, out: &mut Vec<Choice>) {
    out.clear();
    for t in 0..prog.threads.len() {
        if can_run(prog, s, t).is_ok() {
            out.push(Choice::Run(t as u8));
        }
    }
    if prog.model != crate::layout::MemoryModel::Sc {
        for t in 0..prog.threads.len() {
            if crate::relaxed::can_drain(prog, s, t).is_ok() {
                out.push(Choice::Drain(t as u8));
            }
        }
    }
    if prog.model == crate::layout::MemoryModel::Arm64 {
        let mut pcs = Vec::new();
        for t in 0..prog.threads.len() {
            crate::relaxed::early_pcs(prog, s, t, &mut pcs);
            out.extend(pcs.iter().map(|&pc| Choice::Early(t as u8, pc)));
        }
    }
}

/// Runs the silent instructions at the thread's pc, so that it rests on a scheduling point.
pub fn settle(prog: &Program, s: &mut State, t: usize) {
    loop {
        let th = s.threads[t];
        if th.status != Status::Running {
            return;
        }
        let instr = &prog.threads[t].instrs[th.pc as usize];
        if let Op::End = instr.op {
            s.threads[t].status = Status::Finished;
            return;
        }
        if !instr.silent {
            return;
        }
        // Silent instructions only touch registers and ghost state; a bug there is a scenario
        // error that the following visible step reports again, so it is ignored here.
        let _ = exec_op(prog, s, t, &instr.op, &mut false);
    }
}

/// Takes one step of thread `t`: the instruction at its pc, then its silent successors.
pub fn step(prog: &Program, s: &mut State, t: usize) -> Result<Executed, StepError> {
    can_run(prog, s, t).map_err(StepError::Blocked)?;
    let pc = s.threads[t].pc;
    let op = &prog.threads[t].instrs[pc as usize].op;
    if prog.model == crate::layout::MemoryModel::X86Tso {
        crate::relaxed::tso_before(prog, s, t, op);
    }
    let mut early = false;
    let effect = exec_op(prog, s, t, op, &mut early).map_err(StepError::Bug)?;
    settle(prog, s, t);
    Ok(Executed { pc, effect, early })
}

fn next(s: &mut State, t: usize) {
    s.threads[t].pc += 1;
}

fn retire(s: &mut State, t: usize, pte: u8, slot: u8, value: u8) {
    let (p, d) = (pte as usize, slot as usize);
    s.ghost.expected[p][d] = value;
    s.ghost.writer[p][d] = t as u8;
    s.ghost.has_expected |= 1 << (p * MAX_DATA + d);
    if s.ghost.sd_tracked & (1 << p) != 0 {
        s.ghost.sd_written |= 1 << p;
    }
}

/// Ghost for `no_leak`: a store through PTE slot `via` into data slot `slot` of `page` marks
/// every GUP reference on the page that was taken through another mm.
fn mark_foreign(prog: &Program, s: &mut State, page: u8, via: u8, slot: u8) {
    if !prog.checks.contains(&crate::layout::Invariant::NoLeak) {
        return;
    }
    let ptes = &prog.layout.ptes;
    let mm = ptes.get(via as usize).map(|p| p.mm);
    for (i, pin) in s.pins.iter().enumerate() {
        if pin.active() && pin.page == page && ptes.get(pin.pte as usize).map(|p| p.mm) != mm {
            s.ghost.foreign |= 1 << (i * MAX_DATA + slot as usize);
        }
    }
}

/// Ghost for `no_leak`: the holder of pin `i` read data slot `slot` through it.
fn read_through_pin(s: &mut State, i: usize, slot: u8) {
    if s.ghost.foreign & (1 << (i * MAX_DATA + slot as usize)) == 0 {
        return;
    }
    if s.ghost.leaked == 0 {
        s.ghost.leak_slot = slot;
    }
    s.ghost.leaked |= 1 << i;
}

/// A pin slot is taken or given back: its ghost marks start afresh.
fn reset_pin_ghost(s: &mut State, i: usize) {
    s.ghost.foreign &= !(((1u16 << MAX_DATA) - 1) << (i * MAX_DATA));
}

fn free_page(s: &mut State, page: u8) {
    let pg = &mut s.pages[page as usize];
    pg.flags = page_flags::POOL;
    pg.mapcount = 0;
    pg.lock_owner = NONE;
}

fn add_ref(s: &mut State, page: u8, delta: i16) -> Result<(), Bug> {
    let pg = &mut s.pages[page as usize];
    if !pg.has(page_flags::ALLOCATED) {
        return Err(Bug::UseOfFreePage { page });
    }
    pg.refcount += delta;
    if pg.refcount < 0 {
        return Err(Bug::RefcountUnderflow { page });
    }
    if pg.refcount == 0 {
        free_page(s, page);
    }
    Ok(())
}

/// Every CPU drops its translations for the PTE slots in `mask`. The kernel flushes only the
/// CPUs of the mm (`Program::cpumask`), and that is what this does too: a PTE slot belongs to
/// one mm, and only a CPU of that mm (one that runs a thread of it, or starts with one of its
/// translations) ever holds an entry for the slot; every other CPU's entry for it is empty
/// already. Which CPUs must acknowledge the flush is `can_run`'s business (`FlushHeldOff`).
fn flush(s: &mut State, mask: u8) {
    for cpu in 0..MAX_CPUS {
        for slot in 0..MAX_PTES {
            if mask & (1 << slot) != 0 {
                s.tlb[cpu][slot] = TlbEntry::EMPTY;
            }
        }
    }
}

/// Runs `op`, the instruction at thread `t`'s pc; sets `used_early` when its access had been
/// performed early (arm64).
fn exec_op(prog: &Program, s: &mut State, t: usize, op: &Op, used_early: &mut bool) -> Result<Effect, Bug> {
    let mut effect = Effect::None;
    let early = if prog.model == crate::layout::MemoryModel::Arm64 { crate::relaxed::on_exec(prog, s, t, op) } else { None };
    *used_early = early.is_some();
    // A condition or value whose reads were performed early is evaluated on what they read.
    let eval_now = |s: &State, e: &CExpr| -> Result<i32, Bug> {
        match &early {
            Some(crate::relaxed::Early::Load(reads, n)) => eval(prog, &crate::relaxed::with_reads(s, &reads[..*n]), t, e),
            _ => eval(prog, s, t, e),
        }
    };
    match op {
        Op::Jump(target) => {
            s.threads[t].pc = *target;
            return Ok(Effect::None);
        }
        Op::Branch { cond, if_false } => {
            let taken = eval_now(s, cond)? != 0;
            if taken {
                next(s, t)
            } else {
                s.threads[t].pc = *if_false
            }
            return Ok(Effect::Branch(taken));
        }
        Op::Assign { dst, value } => {
            let v = eval_now(s, value)?;
            s.threads[t].regs[*dst as usize] = v as i16;
            effect = Effect::Value(v);
        }
        Op::Sleep(reason) => {
            s.threads[t].status = Status::Sleeping;
            s.threads[t].sleep_reason = *reason;
            return Ok(Effect::None);
        }
        Op::Kill(reason) => {
            s.threads[t].status = Status::Killed;
            s.threads[t].sleep_reason = *reason;
            return Ok(Effect::None);
        }
        Op::LockAcquire { lock, mode } => {
            let l = *lock as usize;
            if early == Some(crate::relaxed::Early::Lock) {
                // Taken early (arm64): the thread now reaches it in program order.
                next(s, t);
                return Ok(effect);
            }
            if !lock_available(s, l, *mode, t) {
                // Only an rwsem gets here (can_run): the thread queues and sleeps.
                let lk = &mut s.locks[l];
                if *mode == LockMode::Write {
                    lk.wait_write |= bit(t)
                } else {
                    lk.wait_read |= bit(t)
                }
                return Ok(Effect::Enqueued);
            }
            s.locks[l].take(*mode, t);
        }
        Op::LockRelease { lock, .. } => {
            let lk = &mut s.locks[*lock as usize];
            if lk.holders & bit(t) == 0 {
                return Err(Bug::UnlockNotHeld { lock: *lock });
            }
            lk.holders &= !bit(t);
            if lk.holders == 0 {
                lk.mode = LockMode::Free;
            }
        }
        Op::LockDowngrade { lock } => {
            let lk = &mut s.locks[*lock as usize];
            if lk.holders & bit(t) == 0 || lk.mode != LockMode::Write {
                return Err(Bug::UnlockNotHeld { lock: *lock });
            }
            lk.mode = LockMode::Read;
        }
        Op::PageLock(p) => {
            let page = page_of(s, t, *p)?;
            let pg = &mut s.pages[page as usize];
            pg.set(page_flags::LOCKED, true);
            pg.lock_owner = t as u8;
        }
        Op::PageUnlock(p) => {
            let page = page_of(s, t, *p)?;
            let pg = &mut s.pages[page as usize];
            if !pg.has(page_flags::LOCKED) || pg.lock_owner != t as u8 {
                return Err(Bug::UnlockPageNotHeld { page });
            }
            pg.set(page_flags::LOCKED, false);
            pg.lock_owner = NONE;
        }
        Op::PageTrylock { dst, page } => {
            let page = page_of(s, t, *page)?;
            let pg = &mut s.pages[page as usize];
            let ok = !pg.has(page_flags::LOCKED);
            if ok {
                pg.set(page_flags::LOCKED, true);
                pg.lock_owner = t as u8;
            }
            s.threads[t].regs[*dst as usize] = ok as i16;
            effect = Effect::Value(ok as i32);
        }
        Op::PteModify { pte, set, clear } => {
            let p = &mut s.ptes[*pte as usize];
            if !p.present() {
                return Err(Bug::PteNotPresent { pte: *pte });
            }
            *p = p.with(*set, *clear);
        }
        Op::PteSetWrprotect { pte } => {
            let p = &mut s.ptes[*pte as usize];
            if !p.present() {
                return Err(Bug::PteNotPresent { pte: *pte });
            }
            *p = p.with(0, Pte::W);
        }
        Op::SetPte { pte, value } => {
            let v = eval(prog, s, t, value)?;
            s.ptes[*pte as usize] = Pte::from_value(v);
        }
        Op::PteClear { pte, flush: f } => {
            s.ptes[*pte as usize] = Pte::NONE;
            if *f {
                flush(s, 1 << pte);
            }
        }
        Op::Flush { ptes, .. } => flush(s, *ptes),
        Op::TlbEvict { pte } => {
            let cpu = prog.layout.threads[t].cpu.unwrap_or(0) as usize;
            s.tlb[cpu][*pte as usize] = TlbEntry::EMPTY;
        }
        Op::User { access, pte, slot, value, dst, fault } => {
            let cpu = prog.layout.threads[t].cpu.unwrap_or(0) as usize;
            let p = *pte as usize;
            let write = *access != Access::Load;
            let e = s.tlb[cpu][p];
            let cur = s.ptes[p];
            let page = if e.valid() && (!write || (e.w() && e.d())) {
                effect = Effect::TlbHit { page: e.page() };
                e.page()
            } else if cur.present() && (!write || cur.has(Pte::W)) {
                // The hardware walk caches the translation and sets A (and D for a write).
                s.tlb[cpu][p] = TlbEntry::new(cur.page(), cur.has(Pte::W), cur.has(Pte::D) || write);
                s.ptes[p] = cur.with(Pte::A | if write { Pte::D } else { 0 }, 0);
                effect = Effect::Walked { page: cur.page() };
                cur.page()
            } else {
                // The CPU drops the translation that faulted before raising the fault.
                s.tlb[cpu][p] = TlbEntry::EMPTY;
                s.threads[t].pc = *fault;
                return Ok(Effect::Fault);
            };
            if !s.pages[page as usize].has(page_flags::ALLOCATED) {
                return Err(Bug::UseOfFreePage { page });
            }
            let d = *slot as usize;
            match access {
                Access::Store => {
                    let v = eval(prog, s, t, value)? as u8;
                    s.pages[page as usize].data[d] = v;
                    retire(s, t, *pte, *slot, v);
                    mark_foreign(prog, s, page, *pte, *slot);
                }
                Access::Add => {
                    let v = s.pages[page as usize].data[d].wrapping_add(eval(prog, s, t, value)? as u8);
                    s.pages[page as usize].data[d] = v;
                    retire(s, t, *pte, *slot, v);
                    mark_foreign(prog, s, page, *pte, *slot);
                }
                Access::Load => {
                    s.threads[t].regs[*dst as usize] = s.pages[page as usize].data[d] as i16;
                }
            }
        }
        Op::VarAdd { var, delta } => {
            // RMWs act on memory; under a relaxed model the buffer drains first (fence_ready
            // does not apply here: an RMW on a location with a buffered store is ordered after
            // it by forwarding, which `relaxed::rmw` handles).
            crate::relaxed::rmw(prog, s, t, *var, *delta)?;
        }
        Op::VarSet { var, value, release } => {
            let v = eval(prog, s, t, value)? as i16;
            // A store performed early is in memory already.
            if early != Some(crate::relaxed::Early::Store) {
                crate::relaxed::store(prog, s, t, *var, v, *release)?;
            }
        }
        Op::VarRmw { dst, var, rmw } => {
            // On memory: under x86-TSO the step drained the buffer first (a LOCK prefix), and
            // under arm64 RMWs are performed in program order.
            let x = *var as usize;
            let old = s.vars[x];
            let (new, ret) = match rmw {
                Rmw::Xchg(v) => (eval(prog, s, t, v)? as i16, old),
                Rmw::CmpXchg(want, v) => {
                    let new = if old as i32 == eval(prog, s, t, want)? { eval(prog, s, t, v)? as i16 } else { old };
                    (new, old)
                }
                Rmw::AddReturn(d) => (old.wrapping_add(*d), old.wrapping_add(*d)),
            };
            s.vars[x] = new;
            s.threads[t].regs[*dst as usize] = ret;
            effect = Effect::Value(ret as i32);
        }
        Op::RefAdd { page, delta } => {
            let page = page_of(s, t, *page)?;
            add_ref(s, page, *delta)?;
        }
        Op::RefAddUnless { dst, page, delta } => {
            let page = page_of(s, t, *page)?;
            let ok = s.pages[page as usize].refcount != 0;
            if ok {
                add_ref(s, page, *delta)?;
            }
            s.threads[t].regs[*dst as usize] = ok as i16;
            effect = Effect::Value(ok as i32);
        }
        Op::MapAdd { page, delta } => {
            let page = page_of(s, t, *page)?;
            let pg = &mut s.pages[page as usize];
            pg.mapcount += delta;
            if pg.mapcount < 0 {
                return Err(Bug::MapcountUnderflow { page });
            }
        }
        Op::NewAnonRmap(p) => {
            let page = page_of(s, t, *p)?;
            let pg = &mut s.pages[page as usize];
            pg.mapcount = 1;
            pg.set(page_flags::ANON, true);
        }
        Op::SetPageFlag { page, flag, on } => {
            let page = page_of(s, t, *page)?;
            s.pages[page as usize].set(*flag, *on);
        }
        Op::Alloc { dst } => {
            let Some(page) = s.pages.iter().position(|p| p.has(page_flags::POOL) && !p.has(page_flags::ALLOCATED)) else {
                return Err(Bug::NoFreePage);
            };
            let pg = &mut s.pages[page];
            pg.flags = page_flags::ALLOCATED | page_flags::POOL;
            pg.refcount = 1;
            pg.mapcount = 0;
            pg.data = [0; MAX_DATA];
            s.threads[t].regs[*dst as usize] = page as i16;
            effect = Effect::Value(page as i32);
        }
        Op::CopyChunk { src, dst, slot } => {
            let (src, dst) = (page_of(s, t, *src)?, page_of(s, t, *dst)?);
            let v = match &early {
                Some(crate::relaxed::Early::Load(reads, _)) => reads[0].1 as u8,
                _ => s.pages[src as usize].data[*slot as usize],
            };
            s.pages[dst as usize].data[*slot as usize] = v;
        }
        Op::Irq(off) => {
            let cpu = prog.layout.threads[t].cpu.unwrap_or(0);
            if *off {
                s.irq_off |= 1 << cpu
            } else {
                s.irq_off &= !(1 << cpu)
            }
        }
        Op::GupReturn { page, pte, flags } => {
            let page = page_of(s, t, *page)?;
            let Some(free) = s.pins.iter().position(|p| !p.active()) else {
                return Err(Bug::TooManyPins);
            };
            s.pins[free] = Pin { holder: t as u8, page, pte: *pte, flags: flags | pin_flags::ACTIVE };
            reset_pin_ghost(s, free);
        }
        Op::GupRelease => {
            let Some(i) = s.pins.iter().position(|p| p.active() && p.holder == t as u8) else {
                return Err(Bug::NoPinToRelease);
            };
            let pin = s.pins[i];
            s.pins[i].flags &= !pin_flags::ACTIVE;
            reset_pin_ghost(s, i);
            let delta = if pin.flags & pin_flags::PIN != 0 { PIN_BIAS as i16 } else { 1 };
            add_ref(s, pin.page, -delta)?;
        }
        Op::Dma { write, holder, slot, value, dst } => {
            let Some(i) = s.pins.iter().position(|p| p.active() && p.holder == *holder) else {
                return Err(Bug::NoPinToRelease);
            };
            let pin = s.pins[i];
            if *write {
                let v = eval(prog, s, t, value)? as u8;
                s.pages[pin.page as usize].data[*slot as usize] = v;
                retire(s, t, pin.pte, *slot, v);
                mark_foreign(prog, s, pin.page, pin.pte, *slot);
            } else {
                read_through_pin(s, i, *slot);
                let v = s.pages[pin.page as usize].data[*slot as usize];
                s.threads[t].regs[*dst as usize] = v as i16;
                effect = Effect::Value(v as i32);
            }
        }
        Op::VmaFlag { pte, flag, on } => {
            if *on {
                s.vma[*pte as usize] |= flag
            } else {
                s.vma[*pte as usize] &= !flag
            }
        }
        Op::TrackSoftDirty { pte } => {
            s.ghost.sd_tracked |= 1 << pte;
            s.ghost.sd_written &= !(1 << pte);
        }
        // A barrier changes no state: under x86-TSO `smp_mb` drained the store buffer before
        // the step (`relaxed::tso_before`), and under arm64 it keeps later accesses from being
        // performed before it (`relaxed::on_exec`).
        Op::Fence(_) => {}
        Op::WaitVar { .. } | Op::Await { .. } => {}
        Op::End => {
            s.threads[t].status = Status::Finished;
            return Ok(Effect::None);
        }
    }
    next(s, t);
    Ok(effect)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::MemoryModel;

    use crate::fixture::{tiny as program, TINY as SRC};

    #[test]
    fn a_store_changes_the_variable_and_moves_the_pc_to_the_next_statement() {
        let prog = program("plain", MemoryModel::Sc);
        let mut s = prog.init;
        let x = prog.layout.var("x").unwrap();
        let before = s.threads[0].pc;
        apply(&prog, &mut s, Choice::Run(0)).unwrap();
        assert_eq!(s.vars[x], 1);
        assert_ne!(s.threads[0].pc, before);
        assert_eq!(prog.instr(0, s.threads[0].pc).text, "r0 = READ_ONCE(x)");
    }

    #[test]
    fn a_finished_thread_cannot_run_and_leaves_the_choices() {
        let prog = program("plain", MemoryModel::Sc);
        let mut s = prog.init;
        let mut c = Vec::new();
        choices(&prog, &s, &mut c);
        assert_eq!(c, [Choice::Run(0), Choice::Run(1)]);
        apply(&prog, &mut s, Choice::Run(1)).unwrap();
        assert_eq!(can_run(&prog, &s, 1), Err(Blocked::Finished));
        assert_eq!(apply(&prog, &mut s, Choice::Run(1)), Err(StepError::Blocked(Blocked::Finished)));
        choices(&prog, &s, &mut c);
        assert_eq!(c, [Choice::Run(0)]);
    }

    /// One thread that exercises the value-returning atomics and `spin_is_locked`.
    const ATOMICS: &str = "racelab 1
policy plain {
  fate baseline
}
scenario t {
  title \"t\"
  policies plain
  baseline plain
  models sc x86_tso arm64
  check no_lost_write
}
state {
  var x=5
  lock l spin
}
thread a on CPU0 \"atomics\" {
  r0 = xchg(x, 7)
  r1 = cmpxchg(x, 1, 9)
  r2 = cmpxchg(x, 7, 8)
  r3 = atomic_inc_return(x)
  r4 = atomic_dec_return(x)
  spin_lock(l)
  r5 = spin_is_locked(l)
  spin_unlock(l)
  r6 = spin_is_locked(l)
}
";

    #[test]
    fn value_returning_atomics_return_the_old_or_the_new_value_and_spin_is_locked_reads_the_lock() {
        let sc = crate::scenario::load("t.race", &|n| (n == "t.race").then(|| ATOMICS.to_string())).unwrap();
        for model in MemoryModel::ALL {
            let prog = Program::compile(&sc, 0, model).unwrap();
            let mut s = prog.init;
            while can_run(&prog, &s, 0).is_ok() {
                apply(&prog, &mut s, Choice::Run(0)).unwrap();
            }
            let reg = |name: &str| s.threads[0].regs[prog.threads[0].regs.iter().position(|r| r == name).unwrap()];
            // xchg: old 5, x = 7; a failing cmpxchg returns 7 and leaves it; a successful one
            // returns 7 and stores 8; inc_return 9; dec_return 8.
            let got: Vec<i16> = ["r0", "r1", "r2", "r3", "r4", "r5", "r6"].iter().map(|r| reg(r)).collect();
            assert_eq!(got, [5, 7, 7, 9, 8, 1, 0], "{}", model.name());
            assert_eq!(s.vars[prog.layout.var("x").unwrap()], 8);
        }
    }

    #[test]
    fn smp_mb_after_spinlock_drains_nothing_on_x86() {
        let src = SRC.replace("  if feature(extra) {\n    WRITE_ONCE(x, 2)\n  }\n", "  smp_mb__after_spinlock()\n");
        let sc = crate::scenario::load("t.race", &|n| (n == "t.race").then(|| src.clone())).unwrap();
        let prog = Program::compile(&sc, 0, MemoryModel::X86Tso).unwrap();
        let mut s = prog.init;
        apply(&prog, &mut s, Choice::Run(0)).unwrap();
        apply(&prog, &mut s, Choice::Run(0)).unwrap();
        assert_eq!(s.vars[prog.layout.var("x").unwrap()], 0, "the store still waits in the buffer");
        // On arm64 it is smp_mb(): the load of x may not be performed before it.
        let prog = Program::compile(&sc, 0, MemoryModel::Arm64).unwrap();
        let mut pcs = Vec::new();
        crate::relaxed::early_pcs(&prog, &prog.init, 0, &mut pcs);
        assert!(pcs.is_empty(), "{pcs:?}");
    }

    #[test]
    fn a_load_reads_the_value_stored_before_it() {
        let prog = program("more", MemoryModel::Sc);
        let mut s = prog.init;
        for _ in 0..3 {
            apply(&prog, &mut s, Choice::Run(0)).unwrap();
        }
        let r0 = prog.threads[0].regs.iter().position(|r| r == "r0").unwrap();
        assert_eq!(s.threads[0].regs[r0], 2);
    }
}
