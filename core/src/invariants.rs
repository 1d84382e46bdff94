//! The invariants of `races.md`, evaluated on one state.
//!
//! A PTE is judged only while its page-table lock is free: inside a PT-lock section the kernel
//! is allowed intermediate states (fork write-protects a PTE and may restore it; a COW clears
//! the PTE before it installs the new page), and nobody else can act on them.

use crate::ir::Program;
use crate::layout::Invariant;
use crate::state::*;

fn ptl_free(prog: &Program, s: &State, pte: usize) -> bool {
    let mm = prog.layout.ptes[pte].mm;
    let lock = prog.layout.mm_lock(mm, "ptl").expect("every mm has a PT lock");
    s.locks[lock].holders == 0
}

/// Bit `i` set when `Invariant::ALL[i]` is checked by the program and broken in `s`.
pub fn violated(prog: &Program, s: &State) -> u8 {
    let mut out = 0;
    for (i, inv) in Invariant::ALL.iter().enumerate() {
        if prog.checks.contains(inv) && first_violation(prog, s, *inv).is_some() {
            out |= 1 << i;
        }
    }
    out
}

pub fn index(inv: Invariant) -> usize {
    Invariant::ALL.iter().position(|i| *i == inv).unwrap()
}

/// The first way `inv` is broken in `s`, in words, or None when it holds.
pub fn first_violation(prog: &Program, s: &State, inv: Invariant) -> Option<Violation> {
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
                        let writer = l.threads.get(s.ghost.writer[p][d] as usize).map(|t| t.name.as_str()).unwrap_or("?");
                        return Some(Violation {
                            text: format!(
                                "{}[{d}] should read {want} (stored by {writer}), but {} maps {} where it reads {have}: the write is lost",
                                l.ptes[p].name,
                                l.ptes[p].name,
                                l.page_name(pte.page())
                            ),
                        });
                    }
                }
            }
            None
        }
        Invariant::PinnedWritable => {
            for pin in s.pins.iter().filter(|p| p.active() && p.flags & pin_flags::PIN != 0 && p.flags & pin_flags::WRITE != 0) {
                let p = pin.pte as usize;
                let pte = s.ptes[p];
                if pte.present() && pte.page() == pin.page && !pte.has(Pte::W) && ptl_free(prog, s, p) {
                    return Some(Violation {
                        text: format!(
                            "{} is pinned for DMA (FOLL_PIN|FOLL_WRITE by {}) but PTE[{}] is write-protected: the next write fault will copy it away from the device",
                            l.page_name(pin.page),
                            l.threads[pin.holder as usize].name,
                            l.ptes[p].name
                        ),
                    });
                }
            }
            None
        }
        Invariant::PinInSync => {
            for pin in s.pins.iter().filter(|p| p.active()) {
                let p = pin.pte as usize;
                let pte = s.ptes[p];
                if pte.present() && pte.page() != pin.page && ptl_free(prog, s, p) {
                    return Some(Violation {
                        text: format!(
                            "{} holds {} through GUP for {}, but {} now maps {}: the device and the process use different pages",
                            l.threads[pin.holder as usize].name,
                            l.page_name(pin.page),
                            l.ptes[p].name,
                            l.ptes[p].name,
                            l.page_name(pte.page())
                        ),
                    });
                }
            }
            None
        }
        Invariant::SoftDirtyAccurate => {
            for p in 0..l.ptes.len() {
                let pte = s.ptes[p];
                if s.ghost.sd_written & (1 << p) != 0 && pte.present() && !pte.has(Pte::SD) && ptl_free(prog, s, p) {
                    return Some(Violation {
                        text: format!(
                            "{} was written after clear_refs returned, but PTE[{}].SD is 0: the write is invisible to soft-dirty tracking",
                            l.ptes[p].name, l.ptes[p].name
                        ),
                    });
                }
            }
            None
        }
        Invariant::Exists => {
            let cond = prog.exists.as_ref()?;
            if !is_final(prog, s) || cond.eval(s) == 0 {
                return None;
            }
            let mut values = Vec::new();
            cond.values(prog, s, &mut values);
            Some(Violation { text: format!("the final state satisfies the `exists` condition: {}", values.join(", ")) })
        }
    }
}

/// True when the run is over: every thread has finished (or sleeps for good) and no CPU has a
/// store in flight (buffered, or performed early).
pub fn is_final(prog: &Program, s: &State) -> bool {
    (0..prog.threads.len()).all(|t| s.threads[t].status != Status::Running) && s.sb.iter().flatten().all(|e| *e == SbEntry::default())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub text: String,
}
