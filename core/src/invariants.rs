//! The invariants of `docs/races.md` ("The machine"), evaluated on one state.
//!
//! A PTE is judged only while its page-table lock is free: inside a PT-lock section the kernel
//! is allowed intermediate states (fork write-protects a PTE and may restore it; a COW clears
//! the PTE before it installs the new page), and nobody else can act on them.

use crate::ir::Program;
use crate::layout::{Invariant, InvariantSet};
use crate::state::*;

#[inline]
fn ptl_free(prog: &Program, s: &State, pte: usize) -> bool {
    s.locks[prog.layout.ptl_of(pte)].holders == 0
}

/// The invariants the program checks that `s` breaks.
pub fn violated(prog: &Program, s: &State) -> InvariantSet {
    let mut out = InvariantSet::EMPTY;
    for inv in Invariant::ALL {
        if prog.checks.contains(&inv) && violation(prog, s, inv).is_some() {
            out.insert(inv);
        }
    }
    out
}

/// The invariants a program checks, as a set.
pub fn checked(prog: &Program) -> InvariantSet {
    prog.checks.iter().copied().collect()
}

/// How an invariant is broken in a state, by index; `describe::violation_text` words it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Violation {
    /// Slot `slot` of PTE `pte` should read `want` (stored by thread `writer`), but the PTE
    /// maps `page`, where it reads `have`.
    LostWrite { pte: u8, slot: u8, want: u8, have: u8, writer: u8, page: u8 },
    /// `page` is pinned for DMA with FOLL_WRITE by thread `holder`, and PTE `pte` is
    /// write-protected.
    PinnedWriteProtected { page: u8, holder: u8, pte: u8 },
    /// Thread `holder` holds `pinned` through GUP for PTE `pte`, which now maps `mapped`.
    PinOutOfSync { holder: u8, pinned: u8, pte: u8, mapped: u8 },
    /// PTE `pte` was written after clear_refs returned and its SD bit is clear.
    SoftDirtyLost { pte: u8 },
    /// The final state satisfies the scenario's `exists` condition.
    Exists,
    /// Thread `holder` read slot `slot` of `page` through its GUP reference for PTE `pte`, and
    /// what it read was stored there through another mm after the reference was taken.
    Leak { holder: u8, page: u8, pte: u8, slot: u8 },
}

/// The first way `inv` is broken in `s`, or None when it holds.
pub fn violation(prog: &Program, s: &State, inv: Invariant) -> Option<Violation> {
    let l = &prog.layout;
    match inv {
        Invariant::NoLostWrite => {
            for p in 0..l.ptes.len() {
                let pte = s.ptes[p];
                if !pte.present() || !ptl_free(prog, s, p) {
                    continue;
                }
                for d in 0..l.data_slots {
                    if s.ghost.has_expected & (1 << (p * MAX_DATA + d)) == 0 {
                        continue;
                    }
                    let want = s.ghost.expected[p][d];
                    let have = s.pages[pte.page() as usize].data[d];
                    if want != have {
                        let writer = s.ghost.writer[p][d];
                        return Some(Violation::LostWrite { pte: p as u8, slot: d as u8, want, have, writer, page: pte.page() });
                    }
                }
            }
            None
        }
        Invariant::PinnedWritable => {
            for pin in s.pins.iter().filter(|p| p.active() && p.flags & pin_flags::PIN != 0 && p.flags & pin_flags::WRITE != 0) {
                let p = pin.pte as usize;
                let pte = s.ptes[p];
                // From v5.19 a write fault reuses a PageAnonExclusive page whatever its
                // refcount: write-protected, it is still the page the pin holds after the
                // next write, so only a pinned page that is no longer exclusive breaks this.
                let reused = prog.reads_anon_exclusive && s.pages[pin.page as usize].has(page_flags::ANON_EXCLUSIVE);
                if pte.present() && pte.page() == pin.page && !pte.has(Pte::W) && !reused && ptl_free(prog, s, p) {
                    return Some(Violation::PinnedWriteProtected { page: pin.page, holder: pin.holder, pte: pin.pte });
                }
            }
            None
        }
        Invariant::PinInSync => {
            for pin in s.pins.iter().filter(|p| p.active()) {
                let p = pin.pte as usize;
                let pte = s.ptes[p];
                if pte.present() && pte.page() != pin.page && ptl_free(prog, s, p) {
                    return Some(Violation::PinOutOfSync { holder: pin.holder, pinned: pin.page, pte: pin.pte, mapped: pte.page() });
                }
            }
            None
        }
        Invariant::SoftDirtyAccurate => {
            for p in 0..l.ptes.len() {
                let pte = s.ptes[p];
                if s.ghost.sd_written & (1 << p) != 0 && pte.present() && !pte.has(Pte::SD) && ptl_free(prog, s, p) {
                    return Some(Violation::SoftDirtyLost { pte: p as u8 });
                }
            }
            None
        }
        Invariant::NoLeak => {
            let i = s.ghost.leaked.trailing_zeros() as usize;
            let pin = s.pins.get(i)?;
            Some(Violation::Leak { holder: pin.holder, page: pin.page, pte: pin.pte, slot: s.ghost.leak_slot })
        }
        Invariant::Exists => {
            let cond = prog.exists.as_ref()?;
            (is_final(prog, s) && cond.eval(s) != 0).then_some(Violation::Exists)
        }
    }
}

/// True when the run is over: every thread has finished (or sleeps for good) and no CPU has a
/// store in flight (buffered, or performed early).
pub fn is_final(prog: &Program, s: &State) -> bool {
    (0..prog.threads.len()).all(|t| s.threads[t].status != Status::Running) && s.sb.iter().flatten().all(|e| *e == SbEntry::default())
}
