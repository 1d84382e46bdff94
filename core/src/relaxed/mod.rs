//! Shared-memory accesses and barriers, where the memory model decides what a step does.
//!
//! * **sc**: every access is performed at once and in program order.
//! * **x86-tso**: a store to a shared variable waits in its CPU's FIFO store buffer, where the
//!   CPU's own loads find it (forwarding); a [`Choice::Drain`](crate::step::Choice) makes the
//!   oldest one visible to every other CPU at once. Everything else is performed in program
//!   order. A LOCK-prefixed instruction (every RMW), `mfence` (`smp_mb`), a lock operation or a
//!   TLB flush drains the buffer first; so does any other write to memory (a PTE, a `struct
//!   page`, page data), which keeps those writes in order with the buffered ones (a subset of
//!   what TSO allows: only `var` stores are ever buffered).
//! * **arm64**: memory is flat (one copy of each location, so a store is visible to all other
//!   CPUs at once: other-multi-copy-atomic), but a CPU may perform a *later* access of its
//!   thread early, out of program order, with [`Choice::Early`](crate::step::Choice): a load
//!   (`READ_ONCE`, `atomic_read`, a condition that reads shared state, the read of a copy) or a
//!   plain store to a shared variable (`WRITE_ONCE`, `atomic_set`). Nothing overtakes a full
//!   barrier (`smp_mb`, `smp_mb__before/after_atomic`, `smp_mb__after_spinlock`, a fully
//!   ordered RMW, a TLB flush; a load may run ahead of a `cmpxchg`, which orders nothing when
//!   it fails, and is discarded when it succeeds), an
//!   acquire (a lock, `smp_load_acquire`), an access to the same location, or a user access
//!   through the TLB; `smp_rmb` stops everything while a load before it is still to be
//!   performed, `smp_wmb` stores while a store before it is; a store never overtakes a branch
//!   that is not decided yet (a control dependency), nor an access whose address is not known
//!   yet, nor uses a register that a pending load will write (a data dependency), and neither
//!   does a load for its own address. A load may run ahead past an undecided branch
//!   (speculation): it is kept only if the thread then reaches it with nothing on the way that
//!   orders it, and is discarded otherwise. A lock acquire is an ACQUIRE (CASA, LDAXR): a free
//!   lock may be taken early, before the accesses ahead of it, but never past a release (RCsc),
//!   a barrier or an undecided branch; a release (STLR) lets later accesses go first. At most
//!   [`MAX_EARLY`] accesses and [`MAX_EARLY_LOCKS`] locks of a thread are in flight at once,
//!   found at most `WINDOW` steps ahead.
//!
//! Both kinds of in-flight operations live in [`State::sb`], as [`SbEntry`]s of the CPU: a
//! buffered store (x86-TSO), or an access performed early (arm64, a header entry followed by
//! the locations it read). Keeping them there keeps the state fixed-size and `Copy`.

mod arm64;
mod entries;
mod tso;

pub use arm64::*;
pub use entries::*;
pub use tso::*;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::apply;
    use crate::ir::Program;
    use crate::layout::MemoryModel;
    use crate::step::Blocked;
    use crate::step::{Choice, StepError};

    use crate::fixture::{tiny as program, TINY as SRC};

    #[test]
    fn under_tso_a_store_waits_in_the_buffer_until_a_drain() {
        let prog = program("plain", MemoryModel::X86Tso);
        let x = prog.layout.var("x").unwrap();
        let mut s = prog.init;
        apply(&prog, &mut s, Choice::Run(0)).unwrap();
        assert_eq!(s.vars[x], 0, "not visible to the other CPUs yet");
        assert_eq!(forward(&prog, &s, 0, x as u8), Some(1), "but its own CPU reads it");
        assert_eq!(forward(&prog, &s, 1, x as u8), None);
        assert!(can_drain(&prog, &s, 0).is_ok());
        apply(&prog, &mut s, Choice::Drain(0)).unwrap();
        assert_eq!(s.vars[x], 1);
        assert_eq!(can_drain(&prog, &s, 0), Err(Blocked::NothingToDrain));
    }

    #[test]
    fn under_sc_nothing_is_buffered_and_nothing_drains() {
        let prog = program("plain", MemoryModel::Sc);
        let mut s = prog.init;
        apply(&prog, &mut s, Choice::Run(0)).unwrap();
        assert_eq!(s.vars[prog.layout.var("x").unwrap()], 1);
        assert_eq!(apply(&prog, &mut s, Choice::Drain(0)), Err(StepError::Blocked(Blocked::NothingToDrain)));
    }

    #[test]
    fn under_arm64_a_load_of_the_location_just_stored_is_not_performed_early() {
        // Thread a's load of x follows its own store to x, so it may not go first; b has one
        // statement, which is never ahead of itself.
        let prog = program("plain", MemoryModel::Arm64);
        let mut pcs = Vec::new();
        early_pcs(&prog, &prog.init, 0, &mut pcs);
        assert!(pcs.is_empty(), "{pcs:?}");
        early_pcs(&prog, &prog.init, 1, &mut pcs);
        assert!(pcs.is_empty(), "{pcs:?}");
        let load = prog.threads[0].instrs.iter().position(|i| i.text == "r0 = READ_ONCE(x)").unwrap() as u16;
        assert_eq!(can_early(&prog, &prog.init, 0, load), Err(Blocked::CannotReorder { pc: load }));
    }

    #[test]
    fn under_arm64_a_load_after_a_store_elsewhere_may_be_performed_early() {
        let prog = {
            let src = SRC.replace("r0 = READ_ONCE(x)", "r0 = READ_ONCE(y)");
            let sc = crate::scenario::load("t.race", &|n| (n == "t.race").then(|| src.clone())).unwrap();
            Program::compile(&sc, 0, MemoryModel::Arm64).unwrap()
        };
        let load = prog.threads[0].instrs.iter().position(|i| i.text == "r0 = READ_ONCE(y)").unwrap() as u16;
        let mut pcs = Vec::new();
        early_pcs(&prog, &prog.init, 0, &mut pcs);
        assert_eq!(pcs, [load]);
        let mut s = prog.init;
        apply(&prog, &mut s, Choice::Early(0, load)).unwrap();
        let y = prog.layout.var("y").unwrap() as u8;
        // b stores y = 1 now; a's load was performed before, and keeps the 0 it read.
        apply(&prog, &mut s, Choice::Run(1)).unwrap();
        apply(&prog, &mut s, Choice::Run(0)).unwrap();
        apply(&prog, &mut s, Choice::Run(0)).unwrap();
        let r0 = prog.threads[0].regs.iter().position(|r| r == "r0").unwrap();
        assert_eq!((s.vars[y as usize], s.threads[0].regs[r0]), (1, 0));
    }
}
