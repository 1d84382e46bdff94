//! x86-TSO: stores to shared variables wait in their CPU's FIFO store buffer.

use super::entries::*;
use crate::ir::{FenceKind, Op, Program};
use crate::layout::MemoryModel;
use crate::state::*;
use crate::step::{Blocked, Bug, Effect};

// ---------------------------------------------------------------------------------------------
// x86-TSO: the store buffer

/// The newest buffered store of the thread's CPU to variable `v` (store-buffer forwarding).
#[inline]
pub fn forward(prog: &Program, s: &State, t: usize, v: u8) -> Option<i16> {
    if prog.model != MemoryModel::X86Tso {
        return None;
    }
    let cpu = cpu_of(prog, t)?;
    let loc = var_loc(v);
    s.sb[cpu].iter().rev().find(|e| e.flags == kind::STORE && e.loc == loc).map(|e| e.value)
}

/// Makes the oldest buffered store of `cpu` visible; the variable and value, if there was one.
pub(super) fn drain_one(s: &mut State, cpu: usize) -> Option<(u8, i16)> {
    let sb = &mut s.sb[cpu];
    if sb[0].flags != kind::STORE {
        return None;
    }
    let e = sb[0];
    sb.copy_within(1.., 0);
    sb[MAX_SB - 1] = SbEntry::default();
    let Some(Loc::Var(v)) = Loc::from_code(e.loc) else { return None };
    s.vars[v as usize] = e.value;
    Some((v, e.value))
}

pub(super) fn drain_all(s: &mut State, cpu: usize) {
    while drain_one(s, cpu).is_some() {}
}

pub fn store(prog: &Program, s: &mut State, t: usize, var: u8, value: i16, _release: bool) -> Result<(), Bug> {
    if prog.model == MemoryModel::X86Tso {
        if let Some(cpu) = cpu_of(prog, t) {
            // A full buffer makes room by draining its oldest store (any moment is a moment
            // a TSO buffer may drain).
            if used(&s.sb[cpu]) == MAX_SB {
                drain_one(s, cpu);
            }
            let e = SbEntry { loc: var_loc(var), value, flags: kind::STORE };
            if !push(&mut s.sb[cpu], e) {
                return Err(Bug::StoreBufferFull);
            }
            return Ok(());
        }
    }
    s.vars[var as usize] = value;
    Ok(())
}

/// An atomic RMW on a variable: on memory (under x86-TSO the step drained the buffer first).
pub fn rmw(_prog: &Program, s: &mut State, _t: usize, var: u8, delta: i16) -> Result<(), Bug> {
    s.vars[var as usize] = s.vars[var as usize].wrapping_add(delta);
    Ok(())
}

pub fn fence_ready(_prog: &Program, _s: &State, _t: usize, _k: FenceKind) -> Result<(), Blocked> {
    Ok(())
}

/// Whether the CPU of thread `t` has a buffered store that may become visible now.
pub fn can_drain(prog: &Program, s: &State, t: usize) -> Result<(), Blocked> {
    if prog.model != MemoryModel::X86Tso {
        return Err(Blocked::NothingToDrain);
    }
    match cpu_of(prog, t) {
        Some(cpu) if s.sb[cpu][0].flags == kind::STORE => Ok(()),
        _ => Err(Blocked::NothingToDrain),
    }
}

pub fn drain(prog: &Program, s: &mut State, t: usize) -> Result<Effect, Bug> {
    let Some(cpu) = cpu_of(prog, t) else { return Ok(Effect::None) };
    Ok(match drain_one(s, cpu) {
        Some((var, value)) => Effect::Drained { var, value },
        None => Effect::None,
    })
}

/// Whether an instruction drains its CPU's store buffer before it runs under x86-TSO: every
/// RMW (LOCK-prefixed), `smp_mb` (mfence), lock operations, TLB flushes (the IPIs and their
/// acknowledgements), and every write to memory that is not a buffered `var` store.
pub fn tso_drains(op: &Op) -> bool {
    !matches!(
        op,
        Op::Jump(_)
            | Op::Branch { .. }
            | Op::Assign { .. }
            | Op::VarSet { .. }
            | Op::Fence(FenceKind::Read | FenceKind::Write | FenceKind::BeforeAtomic | FenceKind::AfterAtomic | FenceKind::AfterSpinlock)
            | Op::Irq(_)
            | Op::TlbEvict { .. }
            | Op::GupReturn { .. }
            | Op::TrackSoftDirty { .. }
            | Op::Sleep(_)
            | Op::Kill(_)
            | Op::End
            | Op::WaitVar { .. }
            | Op::Await { .. }
            | Op::User { access: crate::ir::Access::Load, .. }
    )
}

/// x86-TSO, before thread `t` runs `op`: drains what it must. A TLB flush also drains the
/// buffers of the CPUs it interrupts (an interrupt is serializing).
pub fn tso_before(prog: &Program, s: &mut State, t: usize, op: &Op) {
    if !tso_drains(op) {
        return;
    }
    if let Some(cpu) = cpu_of(prog, t) {
        drain_all(s, cpu);
    }
    let mm = match op {
        Op::Flush { mm, .. } => Some(*mm as usize),
        Op::PteClear { pte, flush: true } => Some(prog.layout.ptes[*pte as usize].mm),
        _ => None,
    };
    if let Some(mm) = mm {
        for cpu in 0..MAX_CPUS {
            if prog.cpumask[mm] & (1 << cpu) != 0 {
                drain_all(s, cpu);
            }
        }
    }
}
