//! Shared-variable accesses and barriers, where the memory model decides what a step does.
//!
//! Under sequential consistency a store is visible at once and a barrier is a no-op. The
//! relaxed models (x86-TSO, arm64) keep stores in per-CPU buffers; they hook in here, so the
//! interpreter stays the same for every model.

use crate::exec::{Blocked, Bug, Effect};
use crate::program::{FenceKind, Program};
use crate::state::*;

/// The store-buffer location code of a shared variable (0 means an empty entry).
#[inline]
pub fn var_loc(v: u8) -> u16 {
    v as u16 + 1
}

pub fn store(_prog: &Program, s: &mut State, _t: usize, var: u8, value: i16, _release: bool) -> Result<(), Bug> {
    s.vars[var as usize] = value;
    Ok(())
}

pub fn rmw(_prog: &Program, s: &mut State, _t: usize, var: u8, delta: i16) -> Result<(), Bug> {
    s.vars[var as usize] = s.vars[var as usize].wrapping_add(delta);
    Ok(())
}

pub fn fence_ready(_prog: &Program, _s: &State, _t: usize, _k: FenceKind) -> Result<(), Blocked> {
    Ok(())
}

pub fn fence(_prog: &Program, _s: &mut State, _t: usize, _k: FenceKind) {}

pub fn on_release(_prog: &Program, _s: &mut State, _t: usize) {}

/// Whether the CPU of thread `t` has a buffered store that may become visible now.
pub fn can_drain(_prog: &Program, _s: &State, _t: usize) -> Result<(), Blocked> {
    Err(Blocked::NothingToDrain)
}

pub fn drain(_prog: &Program, _s: &mut State, _t: usize) -> Result<Effect, Bug> {
    Ok(Effect::None)
}

/// The buffered stores of `cpu`, oldest first, for the views.
pub fn describe_buffer(prog: &Program, s: &State, cpu: usize) -> Vec<String> {
    s.sb[cpu]
        .iter()
        .filter(|e| e.loc != 0)
        .map(|e| format!("{} = {}", prog.layout.vars.get(e.loc as usize - 1).map(|v| v.name.as_str()).unwrap_or("?"), e.value))
        .collect()
}
