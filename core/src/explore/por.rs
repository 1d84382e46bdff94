//! Partial-order reduction: what each step reads and writes, when two steps are independent,
//! and the stubborn set of steps to explore from a state.
//!
//! A step's *footprint* is a set of shared resources it reads and a set it writes. Resources
//! are numbered per program, one bit each: a variable, a lock, each field of a PTE slot
//! (presence and page, W, D, A, SD, UW) and its VMA flags, a page's counts and flags, whether
//! it is allocated, its lock, each data slot of a page, one CPU's TLB entry for one PTE slot, a
//! CPU's IRQ flag, the GUP pins, the expected value of one data slot of a PTE slot and its
//! soft-dirty record (ghosts). Two steps of different threads are independent when neither
//! writes what the other reads or writes: then they commute and neither enables nor disables
//! the other. Some updates commute with each other though they change the resource: atomic
//! additions to a variable, the read-side operations of an rwsem (`mmap_read_lock`,
//! `mmap_read_unlock`), dropping a TLB entry (a flush, a fault), setting a soft-dirty mark. They
//! form a third class, *adds*: two adds never conflict, an add conflicts with any read or write.
//! The release of a spinlock or of a two-group semaphore touches nothing: only a holder
//! releases, so no acquisition of the lock is enabled beside it (an acquisition of the same
//! group commutes with it), and it disables nothing.
//!
//! The set explored at a state is a *stubborn set* (Valmari) built per thread: a thread in the
//! set contributes its next step, and
//! * D1: for a next step that is enabled, every thread whose steps in a run of threads outside
//!   the set may conflict with it joins the set. What a thread outside the set may do: the
//!   steps of its run alone from the state, as recorded, up to the first that another thread
//!   outside the set may change; from there, any instruction reachable in its code. If its run
//!   alone ends blocked and nothing outside the set can let it go, nothing more (`futures`
//!   below);
//! * D2: for a next step that is disabled, the threads of a *necessary enabling set* join: the
//!   holder of the spinlock, two-group semaphore or GUP pin it waits for (only a holder
//!   releases), else every thread that may write what the step's enabling condition reads;
//! * the set holds an enabled step (the search starts it from one), so every deadlock, and
//!   every final state, stays reachable.
//!
//! The checked invariants need more: a reduced search must still reach a state that breaks an
//! invariant whenever the full one does. For each invariant that holds at the state, one of:
//! * the *up-set* is in the set (Kristensen, Schmidt and Valmari's question-guided stubborn
//!   sets): every path from here to a violating state takes a step of one of its threads. Then
//!   some step of the set shortens the path, and nothing more is needed. The up-set of an
//!   invariant judged on a PTE only while its PT lock is free is the lock's holder while it is
//!   held; for `no_lost_write`, on a free lock, the threads that may map the PTE, store to it,
//!   or write the data of its slots;
//! * or no enabled step of the set can turn a violating state into one that is not (it maps
//!   nothing, takes no PT lock, changes no expected value, no data of a mapped page, no bit the
//!   invariant reads, releases no pin), so a violation reached after a step outside the set
//!   survives the steps of the set; what a thread changes under a PT lock it holds (and keeps)
//!   is hidden from the invariants until it releases it, and the data of a page no PTE maps is
//!   invisible (only `set_pte_at` maps a page, and it counts as reading its data). This needs
//!   the cycle proviso: the BFS expands such a state fully when one of its successors in the
//!   set lies on its own BFS level or an earlier one, by a step on a cycle of its thread's
//!   code (along a cycle of states, each thread that moves comes back to its pc; `mod.rs`).
//!
//! Most states of a program whose steps all conflict need no construction: the stubborn set of
//! a thread holds, with each thread of it that can run, each thread that may do a conflicting
//! step before the set moves, and a thread outside the set may do at least its next step and
//! what it surely does after it (on every path of its code, up to an instruction that may block;
//! [`Por::sure_candidates`]). When those conflicts join every thread that can run from every
//! first thread, no set is smaller than all of them, and the search says so before it runs any
//! thread alone; a candidate they join to everything is skipped the same way. The sets are the
//! ones the full construction builds (`core/tests/explore_por.rs` compares them state by state).
//!
//! Anything this module does not understand is dependent on everything: a choice other than
//! `Run` (a store-buffer drain), and every step under a relaxed memory model, where
//! `relaxed/` decides what a shared access does. There the search expands fully.

use crate::exec::{self};
use crate::invariants;
use crate::ir::{Access, CExpr, Op, PageArg, Program, PteField};
use crate::layout::{Invariant, LockKind, MemoryModel};
use crate::state::*;
use crate::step::{Blocked, Choice};

pub type Bits = u128;

/// Stands for everything: a step with this bit conflicts with every step.
const ANY: u32 = 127;

/// The bit of resource `i`.
#[inline]
fn bit(i: u32) -> Bits {
    1 << i
}

/// What one step (or a set of steps) may read and write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Footprint {
    pub reads: Bits,
    pub writes: Bits,
    /// Commuting updates (see the module's documentation).
    pub adds: Bits,
}

impl Footprint {
    pub const EVERYTHING: Footprint = Footprint { reads: 1 << ANY, writes: 1 << ANY, adds: 0 };

    #[inline]
    pub fn union(self, o: Footprint) -> Footprint {
        Footprint { reads: self.reads | o.reads, writes: self.writes | o.writes, adds: self.adds | o.adds }
    }

    /// True when the two may not commute.
    #[inline]
    pub fn conflicts(self, o: Footprint) -> bool {
        let any = bit(ANY);
        ((self.reads | self.writes) & any != 0)
            || ((o.reads | o.writes) & any != 0)
            || (self.writes & (o.reads | o.writes | o.adds)) != 0
            || (o.writes & (self.reads | self.adds)) != 0
            || (self.adds & o.reads) != 0
            || (o.adds & self.reads) != 0
    }

    /// True when steps within `self` may change what a step of footprint `o` does (its
    /// outcome, or whether it can run).
    #[inline]
    fn affects(self, o: Footprint) -> bool {
        let any = bit(ANY);
        ((self.reads | self.writes) & any != 0)
            || ((o.reads | o.writes) & any != 0)
            || (self.writes & (o.reads | o.adds)) != 0
            || (self.adds & o.reads) != 0
    }

    /// True when steps within `self` may touch anything a step of footprint `o` touches.
    #[inline]
    fn touches(self, o: Footprint) -> bool {
        let any = bit(ANY);
        let mine = self.writes | self.adds;
        ((self.reads | self.writes) & any != 0) || ((o.reads | o.writes) & any != 0) || mine & (o.reads | o.writes | o.adds) != 0
    }

    /// The step updates `bits` commutatively (an atomic addition, a read-side lock).
    fn add(&mut self, bits: Bits) {
        self.adds |= bits;
    }
    fn read(&mut self, bits: Bits) {
        self.reads |= bits;
    }
    fn write(&mut self, bits: Bits) {
        self.writes |= bits;
    }
    fn read_write(&mut self, bits: Bits) {
        self.reads |= bits;
        self.writes |= bits;
    }
}

/// The fields of a PTE that steps read and write separately.
const MAP: usize = 0;
const F_W: usize = 1;
const F_D: usize = 2;
const F_A: usize = 3;
const F_SD: usize = 4;
const F_UW: usize = 5;
const FIELDS: usize = 6;

/// The shared resources of one program, one bit each (numbered densely, so that a scenario's
/// resources fit the 127 bits; past them, resources share the last bit, which only adds
/// conflicts).
#[derive(Clone, Debug, Default)]
struct Res {
    var: Vec<Bits>,
    lock: Vec<Bits>,
    /// Per PTE slot, per field: presence and page, W, D, A, SD, UW.
    pte: Vec<[Bits; FIELDS]>,
    vma: Vec<Bits>,
    /// Per page: refcount, mapcount and flags; whether it is allocated; its lock.
    refs: Vec<Bits>,
    life: Vec<Bits>,
    plock: Vec<Bits>,
    /// Per page, per data slot.
    data: Vec<Vec<Bits>>,
    /// Per CPU, per PTE slot.
    tlb: Vec<Vec<Bits>>,
    irq: Vec<Bits>,
    pins: Bits,
    /// Per PTE slot, per data slot: the expected value (ghost); per PTE slot: soft-dirty
    /// tracking (ghost).
    ghost: Vec<Vec<Bits>>,
    sdg: Vec<Bits>,
    all_refs: Bits,
    all_life: Bits,
    all_plock: Bits,
    all_data: Bits,
    all_ghosts: Bits,
}

impl Res {
    fn new(prog: &Program) -> Res {
        let l = &prog.layout;
        let mut next = 0u32;
        let mut bit = || {
            let i = next.min(ANY - 1);
            next += 1;
            bit(i)
        };
        let slots = l.data_slots.clamp(1, MAX_DATA);
        let mut r = Res::default();
        r.var = (0..l.vars.len()).map(|_| bit()).collect();
        r.lock = (0..l.locks.len()).map(|_| bit()).collect();
        r.pte = (0..l.ptes.len()).map(|_| [(); FIELDS].map(|_| bit())).collect();
        r.ghost = (0..l.ptes.len()).map(|_| (0..slots).map(|_| bit()).collect()).collect();
        r.data = (0..l.pages.len()).map(|_| (0..slots).map(|_| bit()).collect()).collect();
        r.refs = (0..l.pages.len()).map(|_| bit()).collect();
        r.life = (0..l.pages.len()).map(|_| bit()).collect();
        r.tlb = (0..MAX_CPUS).map(|_| (0..l.ptes.len()).map(|_| bit()).collect()).collect();
        r.plock = (0..l.pages.len()).map(|_| bit()).collect();
        r.vma = (0..l.ptes.len()).map(|_| bit()).collect();
        r.sdg = (0..l.ptes.len()).map(|_| bit()).collect();
        r.pins = bit();
        r.irq = (0..MAX_CPUS).map(|_| bit()).collect();
        r.all_refs = r.refs.iter().fold(0, |m, x| m | x);
        r.all_life = r.life.iter().fold(0, |m, x| m | x);
        r.all_plock = r.plock.iter().fold(0, |m, x| m | x);
        r.all_data = r.data.iter().flatten().fold(0, |m, x| m | x);
        r.all_ghosts = r.ghost.iter().flatten().fold(0, |m, x| m | x);
        r
    }

    /// The fields of PTE `p` that the PTE bits `bits` belong to.
    fn pte_bits(&self, p: usize, bits: u16) -> Bits {
        let f = &self.pte[p];
        let mut out = 0;
        if bits & !(Pte::W | Pte::D | Pte::A | Pte::SD | Pte::UW) != 0 {
            out |= f[MAP];
        }
        for (bit, field) in [(Pte::W, F_W), (Pte::D, F_D), (Pte::A, F_A), (Pte::SD, F_SD), (Pte::UW, F_UW)] {
            if bits & bit != 0 {
                out |= f[field];
            }
        }
        out
    }

    fn pte_all(&self, p: usize) -> Bits {
        self.pte[p].iter().fold(0, |m, x| m | x)
    }

    /// Page `page`'s (refs, life, lock, all its data); every page's when it is not known.
    fn page(&self, page: Option<usize>) -> (Bits, Bits, Bits, Bits) {
        match page {
            Some(p) if p < self.refs.len() => (self.refs[p], self.life[p], self.plock[p], self.data[p].iter().fold(0, |m, x| m | x)),
            _ => (self.all_refs, self.all_life, self.all_plock, self.all_data),
        }
    }

    /// Slot `slot` of page `page`'s data; of every page when it is not known.
    fn data(&self, page: Option<usize>, slot: usize) -> Bits {
        match page {
            Some(p) if p < self.data.len() => self.data[p].get(slot).copied().unwrap_or(self.all_data),
            _ => self.data.iter().filter_map(|d| d.get(slot)).fold(0, |m, x| m | x),
        }
    }

    fn ghost(&self, pte: Option<usize>, slot: usize) -> Bits {
        match pte {
            Some(p) if p < self.ghost.len() => self.ghost[p].get(slot).copied().unwrap_or(self.all_ghosts),
            _ => self.ghost.iter().filter_map(|g| g.get(slot)).fold(0, |m, x| m | x),
        }
    }

    fn sdg(&self, pte: Option<usize>) -> Bits {
        match pte {
            Some(p) if p < self.sdg.len() => self.sdg[p],
            _ => self.sdg.iter().fold(0, |m, x| m | x),
        }
    }
}

/// What a step may change that can turn a violating state into one that is not: one bit per
/// kind of change and PTE slot (or page), for [`Por::ample`]'s second condition.
mod fix {
    /// PTE p: presence or page.
    pub const MAP0: u32 = 0;
    /// PTE p: the W bit.
    pub const W0: u32 = 4;
    /// PTE p: the SD bit.
    pub const SD0: u32 = 8;
    /// The expected values (ghost) of PTE p.
    pub const EXP0: u32 = 12;
    /// The written-since-clear_refs mark (ghost) of PTE p: cleared.
    pub const SDW0: u32 = 16;
    /// The data of a page.
    pub const DATA0: u32 = 20;
    /// A PT lock taken: the PTEs it guards are judged no more.
    pub const PTL: u32 = 26;
    /// A GUP reference released.
    pub const UNPIN: u32 = 27;
    pub const PTE_ALL: u32 = 0xf;
    pub const DATA_ALL: u32 = 0x3f << DATA0;

    pub const fn pte(p: usize) -> u32 {
        (1 << (MAP0 as usize + p))
            | (1 << (W0 as usize + p))
            | (1 << (SD0 as usize + p))
            | (1 << (EXP0 as usize + p))
            | (1 << (SDW0 as usize + p))
    }
}
const _: () = assert!(MAX_PTES <= 4 && MAX_PAGES <= 6 && MAX_DATA <= 4 && MAX_THREADS <= 8);

/// What a thread may still do, for the up-sets: bit `p * 4 + d` a store to slot d of PTE p,
/// bit `MAPS + p` a change of PTE p's presence or page, bit `DWRITE + d` a write to slot d of
/// some page.
mod can {
    pub const MAPS: u32 = 16;
    pub const DWRITE: u32 = 20;
}

/// Per program: the resources each instruction touches, statically and at a given state.
#[derive(Clone, Debug)]
pub struct Por {
    /// Off under a relaxed memory model: every step depends on every other.
    pub enabled: bool,
    res: Res,
    /// `step[t][pc]`: the instruction at pc with the silent ones that may follow it.
    step: Vec<Vec<Footprint>>,
    /// `fixed[t][pc]`: the footprint of a step from pc at any state, when the state does not
    /// change it (no page named by a register, no TLB entry or pin decides it).
    fixed: Vec<Vec<Option<Footprint>>>,
    /// `future[t][pc]`: every instruction reachable from pc, pc included.
    future: Vec<Vec<Footprint>>,
    /// `after[t][pc]`: what the thread surely does after its step from pc, whatever path its
    /// code takes, before it may block or end (see [`Por::new`]): a part of what any stubborn
    /// set must assume a thread at pc outside it may do.
    after: Vec<Vec<Footprint>>,
    /// `tail[t][pc]`: the silent instructions that may run after the one at pc.
    tail: Vec<Vec<Footprint>>,
    /// `tail_fix[t][pc]`: their fix bits.
    tail_fix: Vec<Vec<u32>>,
    /// `can[t][pc]`: what the instructions reachable from pc may do (see [`can`]).
    can: Vec<Vec<u32>>,
    /// `cyclic[t][pc]`: the instruction at pc lies on a cycle of the thread's code.
    cyclic: Vec<Vec<bool>>,
    /// The checked invariants (but `exists`, which only final states break) with the fix bits
    /// each depends on.
    checks: Vec<(Invariant, u32)>,
    /// Per PTE slot: its PT lock.
    ptl: Vec<usize>,
    /// Per lock that is the PT lock of an mm: the PTE slots it guards (bits).
    ptl_guards: Vec<(usize, u8)>,
    is_ptl: u8,
}

fn successors(op: &Op, pc: usize) -> [Option<usize>; 2] {
    match op {
        Op::Jump(t) => [Some(*t as usize), None],
        Op::Branch { if_false, .. } => [Some(pc + 1), Some(*if_false as usize)],
        Op::User { fault, .. } => [Some(pc + 1), Some(*fault as usize)],
        Op::End | Op::Sleep(_) | Op::Kill(_) => [None, None],
        _ => [Some(pc + 1), None],
    }
}

#[inline]
fn lowest(mask: u32) -> u32 {
    mask & mask.wrapping_neg()
}

#[inline]
fn bits(mut mask: u32) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (mask != 0).then(|| {
            let i = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            i
        })
    })
}

/// How a blocked thread can be let go.
#[derive(Clone, Copy, Debug)]
enum Wait {
    /// Only by a step of one of these threads (a holder of the lock it waits for).
    Holder(u32),
    /// By a step that writes what this footprint touches.
    Change(Footprint),
}

impl Por {
    pub fn new(prog: &Program) -> Por {
        let l = &prog.layout;
        let map = fix::PTE_ALL << fix::MAP0;
        // One entry per invariant, however often the program lists it (`ample` keeps one
        // constraint per entry, in an array of `Invariant::ALL.len()`).
        let checks = invariants::checked(prog)
            .iter()
            .filter_map(|inv| {
                let bits = match inv {
                    Invariant::NoLostWrite => map | (fix::PTE_ALL << fix::EXP0) | fix::DATA_ALL | 1 << fix::PTL,
                    Invariant::PinnedWritable => map | (fix::PTE_ALL << fix::W0) | 1 << fix::UNPIN | 1 << fix::PTL,
                    Invariant::PinInSync => map | 1 << fix::UNPIN | 1 << fix::PTL,
                    Invariant::SoftDirtyAccurate => map | (fix::PTE_ALL << fix::SD0) | (fix::PTE_ALL << fix::SDW0) | 1 << fix::PTL,
                    // Judged only in final states, which stubborn sets keep reachable.
                    Invariant::Exists => return None,
                    // Its ghost is in no footprint: `new` turns the reduction off instead.
                    Invariant::NoLeak => return None,
                };
                Some((inv, bits))
            })
            .collect();
        let ptl: Vec<usize> = (0..l.ptes.len()).map(|p| l.ptl_of(p)).collect();
        let mut ptl_guards: Vec<(usize, u8)> = vec![];
        for (i, &lock) in ptl.iter().enumerate() {
            match ptl_guards.iter_mut().find(|(k, _)| *k == lock) {
                Some((_, m)) => *m |= 1 << i,
                None => ptl_guards.push((lock, 1 << i)),
            }
        }
        let is_ptl = ptl_guards.iter().fold(0u8, |m, (k, _)| m | 1 << k);
        let mut por = Por {
            // `no_leak`'s ghost (what a store marks, what a read through a pin sees) is in no
            // footprint, so a program that checks it is searched in full.
            enabled: prog.model == MemoryModel::Sc && !prog.checks.contains(&Invariant::NoLeak),
            res: Res::new(prog),
            step: vec![],
            fixed: vec![],
            future: vec![],
            after: vec![],
            tail: vec![],
            tail_fix: vec![],
            can: vec![],
            cyclic: vec![],
            checks,
            ptl,
            ptl_guards,
            is_ptl,
        };
        for t in 0..prog.threads.len() {
            let code = &prog.threads[t].instrs;
            let n = code.len();
            let own: Vec<Footprint> = code.iter().map(|i| por.footprint(prog, t, &i.op, None, true)).collect();
            let own_fix: Vec<u32> = code.iter().map(|i| por.op_fix(prog, t, &i.op, None)).collect();
            let own_can: Vec<u32> = code.iter().map(|i| Self::op_can(prog, &i.op)).collect();
            // Silent tails: a fixpoint over the code (loops of silent instructions are
            // rejected by the compiler, but a fixpoint does not care).
            let mut tail = vec![Footprint::default(); n];
            let mut tail_fix = vec![0u32; n];
            let mut future = own.clone();
            let mut can = own_can.clone();
            loop {
                let mut changed = false;
                for pc in (0..n).rev() {
                    let mut tl = Footprint::default();
                    let mut tf = 0;
                    let mut fu = own[pc];
                    let mut cn = own_can[pc];
                    for s in successors(&code[pc].op, pc).into_iter().flatten() {
                        if s >= n {
                            continue;
                        }
                        if code[s].silent {
                            tl = tl.union(own[s]).union(tail[s]);
                            tf |= own_fix[s] | tail_fix[s];
                        }
                        fu = fu.union(future[s]);
                        cn |= can[s];
                    }
                    if tl != tail[pc] || fu != future[pc] || tf != tail_fix[pc] || cn != can[pc] {
                        tail[pc] = tl;
                        tail_fix[pc] = tf;
                        future[pc] = fu;
                        can[pc] = cn;
                        changed = true;
                    }
                }
                if !changed {
                    break;
                }
            }
            por.step.push((0..n).map(|pc| own[pc].union(tail[pc])).collect());
            let fixed = (0..n)
                .map(|pc| state_free(&code[pc].op).then(|| por.footprint(prog, t, &code[pc].op, Some(&prog.init), true).union(tail[pc])))
                .collect();
            por.fixed.push(fixed);
            por.future.push(future);
            por.after.push(Self::surely_after(prog, t, &por));
            por.tail.push(tail);
            por.tail_fix.push(tail_fix);
            por.can.push(can);
            // pc is on a cycle when it is reachable from one of its successors.
            let cyclic = (0..n)
                .map(|pc| {
                    let mut seen = vec![false; n];
                    let mut work: Vec<usize> = successors(&code[pc].op, pc).into_iter().flatten().filter(|&s| s < n).collect();
                    while let Some(x) = work.pop() {
                        if x == pc {
                            return true;
                        }
                        if !std::mem::replace(&mut seen[x], true) {
                            work.extend(successors(&code[x].op, x).into_iter().flatten().filter(|&s| s < n));
                        }
                    }
                    false
                })
                .collect();
            por.cyclic.push(cyclic);
        }
        por
    }

    /// Per pc of thread `t`: what the thread surely does after its step from pc, on every path
    /// of its code, up to the first instruction that may block (or end it). Only instructions
    /// whose footprint is the same at every state count. Why it is a lower bound of what
    /// [`Stubborn::futures`] says a thread at pc outside a set may do, whatever the set: that
    /// is its run alone as recorded up to a cut, then everything reachable from the cut, or,
    /// when the run ended (or blocked for good), the whole run; either way every instruction
    /// the run executes, and the run alone follows one path of the code until it blocks, ends
    /// or stops being recorded (and from there everything reachable counts). The least
    /// fixpoint over the code, so that a loop counts only what it surely does. A step at pc
    /// moves to a successor of pc, but for a step that queues on a busy rwsem, which stays:
    /// then nothing is sure after it.
    fn surely_after(prog: &Program, t: usize, por: &Por) -> Vec<Footprint> {
        let code = &prog.threads[t].instrs;
        let n = code.len();
        let may_block = |op: &Op| {
            matches!(
                op,
                Op::End
                    | Op::LockAcquire { .. }
                    | Op::PageLock(_)
                    | Op::Flush { .. }
                    | Op::PteClear { flush: true, .. }
                    | Op::Dma { .. }
                    | Op::Fence(_)
                    | Op::WaitVar { .. }
                    | Op::Await { .. }
            )
        };
        let own: Vec<Footprint> = code
            .iter()
            .map(|i| if state_free(&i.op) { por.footprint(prog, t, &i.op, Some(&prog.init), true) } else { Footprint::default() })
            .collect();
        let meet = |pc: usize, must: &[Footprint]| {
            let mut out: Option<Footprint> = None;
            for s in successors(&code[pc].op, pc) {
                let m = match s {
                    Some(s) if s < n => must[s],
                    Some(_) => Footprint::default(),
                    None => continue,
                };
                out = Some(match out {
                    None => m,
                    Some(o) => Footprint { reads: o.reads & m.reads, writes: o.writes & m.writes, adds: o.adds & m.adds },
                });
            }
            out.unwrap_or_default()
        };
        let mut must = vec![Footprint::default(); n];
        loop {
            let mut changed = false;
            for pc in (0..n).rev() {
                let m = if may_block(&code[pc].op) { Footprint::default() } else { own[pc].union(meet(pc, &must)) };
                if m != must[pc] {
                    must[pc] = m;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        // An enabled step moves on to a successor of its pc, but for an rwsem that is not
        // free: the thread then queues, at the same pc.
        let stays = |op: &Op| matches!(op, Op::LockAcquire { lock, .. } if prog.layout.locks[*lock as usize].kind == LockKind::Rwsem);
        (0..n).map(|pc| if stays(&code[pc].op) { Footprint::default() } else { meet(pc, &must) }).collect()
    }

    fn expr(&self, fp: &mut Footprint, s: Option<&State>, t: usize, e: &CExpr) {
        let r = &self.res;
        match e {
            CExpr::Const(_) | CExpr::Reg(_) | CExpr::MkPte(..) => {}
            CExpr::Var(v, _) => fp.read(r.var[*v as usize]),
            CExpr::Pte(p) | CExpr::PteSame(_, p) => fp.read(r.pte_all(*p as usize)),
            CExpr::VmaFlag(p, _) => fp.read(r.vma[*p as usize]),
            CExpr::LockHeld(l) => fp.read(r.lock[*l as usize]),
            CExpr::PageCount(p) | CExpr::MapCount(p) | CExpr::MaybePinned(p) => fp.read(r.page(page_at(s, t, *p)).0),
            CExpr::PageFlag(p, f) => {
                let (refs, life, lock, _) = r.page(page_at(s, t, *p));
                if f & page_flags::LOCKED != 0 {
                    fp.read(lock);
                }
                if f & (page_flags::ALLOCATED | page_flags::POOL) != 0 {
                    fp.read(life);
                }
                if f & !(page_flags::LOCKED | page_flags::ALLOCATED | page_flags::POOL) != 0 {
                    fp.read(refs);
                }
            }
            CExpr::Field(inner, field) => match (&**inner, field) {
                (CExpr::Pte(p), PteField::Present | PteField::Page) => fp.read(r.pte[*p as usize][MAP]),
                (CExpr::Pte(p), PteField::Bit(bits)) => fp.read(r.pte_bits(*p as usize, *bits)),
                _ => self.expr(fp, s, t, inner),
            },
            CExpr::Not(e) => self.expr(fp, s, t, e),
            CExpr::Bin(_, l, rr) => {
                self.expr(fp, s, t, l);
                self.expr(fp, s, t, rr);
            }
        }
    }

    fn flush_bits(&self, prog: &Program, t: usize, mm: usize, ptes: u8) -> Footprint {
        let mut fp = Footprint::default();
        for cpu in 0..MAX_CPUS {
            for p in 0..self.res.pte.len() {
                if ptes & (1 << p) != 0 {
                    fp.add(self.res.tlb[cpu][p]);
                }
            }
        }
        let me = prog.layout.threads[t].cpu.map(|c| 1u8 << c).unwrap_or(0);
        let mask = prog.cpumask[mm] & !me;
        for cpu in 0..MAX_CPUS {
            if mask & (1 << cpu) != 0 {
                fp.read(self.res.irq[cpu]);
            }
        }
        fp
    }

    /// The footprint of one instruction of thread `t`: at state `s` when given (registers
    /// name pages, the TLB decides whether an access walks), else for any state.
    pub fn op_footprint(&self, prog: &Program, t: usize, op: &Op, s: Option<&State>) -> Footprint {
        self.footprint(prog, t, op, s, false)
    }

    /// As [`Por::op_footprint`]; with `por`, the release of a spinlock or of a two-group
    /// semaphore touches nothing (see the module's documentation). Without, it writes the lock,
    /// as the happens-before graph needs (a release comes before the next acquisition).
    fn footprint(&self, prog: &Program, t: usize, op: &Op, s: Option<&State>, por: bool) -> Footprint {
        let r = &self.res;
        let mut fp = Footprint::default();
        let cpu = prog.layout.threads[t].cpu.unwrap_or(0) as usize;
        match op {
            Op::Jump(_) | Op::Sleep(_) | Op::Kill(_) | Op::End => {}
            Op::Branch { cond, .. } => self.expr(&mut fp, s, t, cond),
            Op::Assign { value, .. } => self.expr(&mut fp, s, t, value),
            Op::LockRelease { lock, .. } if por && prog.layout.locks[*lock as usize].kind != LockKind::Rwsem => {}
            Op::LockAcquire { lock, mode } | Op::LockRelease { lock, mode } => {
                let bit = r.lock[*lock as usize];
                if *mode == LockMode::Read && prog.layout.locks[*lock as usize].kind == LockKind::Rwsem {
                    // Read acquisitions and releases commute with each other.
                    fp.add(bit)
                } else {
                    fp.read_write(bit)
                }
            }
            Op::LockDowngrade { lock } => fp.read_write(r.lock[*lock as usize]),
            Op::PageLock(p) | Op::PageUnlock(p) | Op::PageTrylock { page: p, .. } => fp.read_write(r.page(page_at(s, t, *p)).2),
            Op::PteModify { pte, set, clear } => {
                // A blind update of some bits; it checks that the PTE is present.
                let p = *pte as usize;
                fp.read(r.pte[p][MAP]);
                fp.write(r.pte_bits(p, set | clear));
            }
            Op::PteSetWrprotect { pte } => {
                fp.read(r.pte[*pte as usize][MAP]);
                fp.write(r.pte[*pte as usize][F_W]);
            }
            Op::VmaFlag { pte, .. } => fp.read_write(r.vma[*pte as usize]),
            Op::SetPte { pte, value } => {
                fp.write(r.pte_all(*pte as usize));
                self.expr(&mut fp, s, t, value);
                // It may map a page: the invariants then read that page's data.
                let page = s.and_then(|s| crate::exec::eval(prog, s, t, value).ok()).map(|v| Pte::from_value(v).page() as usize);
                fp.read(r.page(page).3);
            }
            Op::PteClear { pte, flush } => {
                fp.write(r.pte_all(*pte as usize));
                if *flush {
                    fp = fp.union(self.flush_bits(prog, t, prog.layout.ptes[*pte as usize].mm, 1 << pte));
                }
            }
            Op::Flush { mm, ptes } => fp = self.flush_bits(prog, t, *mm as usize, *ptes),
            Op::TlbEvict { pte } => fp.add(r.tlb[cpu][*pte as usize]),
            Op::User { access, pte, slot, value, .. } => {
                let p = *pte as usize;
                let d = *slot as usize;
                let f = &r.pte[p];
                let tlb = r.tlb[cpu][p];
                let write = *access != Access::Load;
                self.expr(&mut fp, s, t, value);
                // A walk reads presence, page and W (and D, which a load's TLB entry copies),
                // and sets A (and D for a write).
                // A walk fills the TLB entry; a fault only drops it.
                let walk = |fp: &mut Footprint, fault: bool| {
                    fp.read(f[MAP] | f[F_W]);
                    if fault {
                        fp.add(tlb);
                    } else if write {
                        fp.read_write(tlb);
                        fp.write(f[F_A] | f[F_D]);
                    } else {
                        fp.read_write(tlb);
                        fp.read(f[F_D]);
                        fp.write(f[F_A]);
                    }
                };
                let page = match s {
                    Some(s) => {
                        let e = s.tlb[cpu][p];
                        let cur = s.ptes[p];
                        if e.valid() && (!write || (e.w() && e.d())) {
                            fp.read(tlb);
                            Some(Some(e.page() as usize))
                        } else if cur.present() && (!write || cur.has(Pte::W)) {
                            walk(&mut fp, false);
                            Some(Some(cur.page() as usize))
                        } else {
                            walk(&mut fp, true);
                            None
                        }
                    }
                    None => {
                        walk(&mut fp, false);
                        Some(None)
                    }
                };
                if let Some(page) = page {
                    fp.read(r.page(page).1);
                    let data = r.data(page, d);
                    match access {
                        Access::Load => fp.read(data),
                        Access::Store | Access::Add => {
                            if *access == Access::Add {
                                fp.read(data);
                            }
                            fp.write(data);
                            // The expected value, and the soft-dirty mark if tracked.
                            fp.write(r.ghost(Some(p), d));
                            fp.add(r.sdg(Some(p)));
                        }
                    }
                }
            }
            Op::VarAdd { var, .. } => {
                if prog.model == MemoryModel::Sc {
                    fp.add(r.var[*var as usize])
                } else {
                    fp.read_write(r.var[*var as usize])
                }
            }
            Op::VarSet { var, value, .. } => {
                fp.write(r.var[*var as usize]);
                self.expr(&mut fp, s, t, value);
            }
            Op::VarRmw { var, rmw, .. } => {
                fp.read_write(r.var[*var as usize]);
                match rmw {
                    crate::ir::Rmw::Xchg(v) => self.expr(&mut fp, s, t, v),
                    crate::ir::Rmw::CmpXchg(a, b) => {
                        self.expr(&mut fp, s, t, a);
                        self.expr(&mut fp, s, t, b);
                    }
                    crate::ir::Rmw::AddReturn(_) => {}
                }
            }
            Op::RefAdd { page, delta } | Op::RefAddUnless { page, delta, .. } => {
                let (refs, life, lock, _) = r.page(page_at(s, t, *page));
                fp.read_write(refs);
                fp.read(life);
                if *delta < 0 {
                    // The last reference frees the page.
                    fp.write(life | lock);
                }
            }
            Op::MapAdd { page, .. } | Op::NewAnonRmap(page) => fp.read_write(r.page(page_at(s, t, *page)).0),
            Op::SetPageFlag { page, flag, .. } => {
                let (refs, life, lock, _) = r.page(page_at(s, t, *page));
                fp.read(life);
                if flag & page_flags::LOCKED != 0 {
                    fp.write(lock);
                }
                if flag & (page_flags::ALLOCATED | page_flags::POOL) != 0 {
                    fp.write(life);
                }
                if flag & !(page_flags::LOCKED | page_flags::ALLOCATED | page_flags::POOL) != 0 {
                    fp.write(refs);
                }
            }
            Op::Alloc { .. } => {
                // Reads which pool pages are free; takes the first one.
                fp.read(r.all_life);
                let (refs, life, lock, data) = r.page(s.and_then(alloc_choice));
                fp.write(refs | life | lock | data);
            }
            Op::CopyChunk { src, dst, slot } => {
                fp.read(r.data(page_at(s, t, *src), *slot as usize));
                fp.write(r.data(page_at(s, t, *dst), *slot as usize));
            }
            Op::Irq(_) => fp.write(r.irq[cpu]),
            Op::GupReturn { .. } => fp.read_write(r.pins),
            Op::GupRelease => {
                fp.read_write(r.pins);
                let page = s.and_then(|s| s.pins.iter().find(|p| p.active() && p.holder == t as u8).map(|p| p.page as usize));
                let (refs, life, lock, _) = r.page(page);
                fp.read_write(refs | life);
                fp.write(lock);
            }
            Op::Dma { write, holder, slot, value, .. } => {
                fp.read(r.pins);
                self.expr(&mut fp, s, t, value);
                let pin = s.and_then(|s| s.pins.iter().find(|p| p.active() && p.holder == *holder).copied());
                let d = *slot as usize;
                let (data, ghost, sdg) = match pin {
                    Some(p) => (r.data(Some(p.page as usize), d), r.ghost(Some(p.pte as usize), d), r.sdg(Some(p.pte as usize))),
                    None => (r.data(None, d), r.ghost(None, d), r.sdg(None)),
                };
                if *write {
                    fp.write(data | ghost);
                    fp.add(sdg);
                } else {
                    fp.read(data);
                }
            }
            Op::TrackSoftDirty { pte } => fp.write(r.sdg(Some(*pte as usize))),
            Op::Fence(_) => {
                if prog.model != MemoryModel::Sc {
                    fp = Footprint::EVERYTHING;
                }
            }
            Op::WaitVar { var } => fp.read(r.var[*var as usize]),
            Op::Await { cond } => self.expr(&mut fp, s, t, cond),
        }
        fp
    }

    /// What thread `t`'s instruction may change that can turn a violating state into one that
    /// is not (see [`fix`]): at `s` when given, else in any state.
    fn op_fix(&self, prog: &Program, t: usize, op: &Op, s: Option<&State>) -> u32 {
        let pte = |kind: u32, p: u8| 1u32 << (kind + p as u32);
        let data = |page: Option<usize>| match page {
            Some(p) if p < MAX_PAGES => 1u32 << (fix::DATA0 + p as u32),
            _ => fix::DATA_ALL,
        };
        match op {
            Op::LockAcquire { lock, .. } if self.is_ptl & (1 << lock) != 0 => 1 << fix::PTL,
            Op::PteModify { pte: p, set, clear } => {
                let m = set | clear;
                let mut f = 0;
                if m & (Pte::PRESENT | !Pte::BITS) != 0 {
                    f |= pte(fix::MAP0, *p);
                }
                if m & Pte::W != 0 {
                    f |= pte(fix::W0, *p);
                }
                if m & Pte::SD != 0 {
                    f |= pte(fix::SD0, *p);
                }
                f
            }
            Op::PteSetWrprotect { pte: p } => pte(fix::W0, *p),
            Op::SetPte { pte: p, .. } => pte(fix::MAP0, *p) | pte(fix::W0, *p) | pte(fix::SD0, *p),
            Op::PteClear { pte: p, .. } => pte(fix::MAP0, *p),
            Op::User { access: Access::Store | Access::Add, pte: p, .. } => {
                let page = s.map(|s| {
                    let cpu = prog.layout.threads[t].cpu.unwrap_or(0) as usize;
                    let e = s.tlb[cpu][*p as usize];
                    if e.valid() && e.w() && e.d() {
                        e.page() as usize
                    } else {
                        s.ptes[*p as usize].page() as usize
                    }
                });
                pte(fix::EXP0, *p) | data(page)
            }
            Op::CopyChunk { dst, .. } => data(page_at(s, t, *dst)),
            Op::Alloc { .. } => data(s.and_then(alloc_choice)),
            Op::Dma { write: true, holder, .. } => {
                let pin = s.and_then(|s| s.pins.iter().find(|p| p.active() && p.holder == *holder).copied());
                match pin {
                    Some(p) if (p.pte as usize) < MAX_PTES => pte(fix::EXP0, p.pte) | data(Some(p.page as usize)),
                    _ => (fix::PTE_ALL << fix::EXP0) | fix::DATA_ALL,
                }
            }
            Op::GupRelease => 1 << fix::UNPIN,
            Op::TrackSoftDirty { pte: p } => pte(fix::SDW0, *p),
            _ => 0,
        }
    }

    /// What an instruction may do, for the up-sets (see [`can`]).
    fn op_can(prog: &Program, op: &Op) -> u32 {
        let slots = (1u32 << prog.layout.data_slots.max(1)) - 1;
        match op {
            Op::User { access: Access::Store | Access::Add, pte, slot, .. } => (1 << (pte * 4 + slot)) | 1 << (can::DWRITE + *slot as u32),
            Op::Dma { write: true, slot, .. } => (0x1111 << slot) | 1 << (can::DWRITE + *slot as u32),
            Op::CopyChunk { slot, .. } => 1 << (can::DWRITE + *slot as u32),
            Op::Alloc { .. } => slots << can::DWRITE,
            Op::SetPte { pte, .. } => 1 << (can::MAPS + *pte as u32),
            Op::PteModify { pte, set, clear } if (set | clear) & (Pte::PRESENT | !Pte::BITS) != 0 => 1 << (can::MAPS + *pte as u32),
            _ => 0,
        }
    }

    /// True when no stubborn set of the program can ever be smaller than the threads that can
    /// run, told from its code before the search: at every state, [`Por::sure_candidates`]
    /// would find that every first thread's set grows to hold every thread that can run, so
    /// [`Por::ample`] would return None everywhere. What is left of the reduction is then the
    /// sleep sets, and sleep sets alone never remove a state (Godefroid): the search without
    /// reduction reaches the same states, for less than the sleep sets cost.
    ///
    /// The test, for each pair of threads and each pair of places they can rest at together:
    /// the first's next step conflicts with the second's next step or with what the second
    /// surely does after it (`after`), both the same at every state (`fixed`). Then, at any
    /// state, each thread that can run pulls every other one into its set. Two places are not
    /// together when both threads would hold the same spinlock there, or one holds a spinlock
    /// the other is about to take (which it cannot then). A program too large to test in a
    /// moment is taken to be reducible.
    pub fn never_reduces(&self, prog: &Program) -> bool {
        if !self.enabled {
            return true;
        }
        const MOST_PAIRS: usize = 1 << 22;
        let n = prog.threads.len();
        let takes = |t: usize, pc: usize| match prog.threads[t].instrs[pc].op {
            Op::LockAcquire { lock, mode: LockMode::Write } if Self::exclusive(prog, lock as usize) => 1u64 << lock,
            _ => 0,
        };
        // Per thread: the places it can rest at, the spinlocks it surely holds there, and the
        // one it is about to take.
        let mut rests: Vec<Vec<(usize, u64, u64)>> = Vec::with_capacity(n);
        for t in 0..n {
            let code = &prog.threads[t].instrs;
            let held = Self::spinlocks_held(prog, t);
            let mut here = vec![];
            for (pc, h) in held.iter().enumerate() {
                let Some(h) = *h else { continue };
                if code[pc].silent || matches!(code[pc].op, Op::End) {
                    continue;
                }
                if self.fixed[t][pc].is_none() {
                    return false;
                }
                here.push((pc, h, takes(t, pc)));
            }
            rests.push(here);
        }
        let pairs: usize = rests.iter().map(Vec::len).sum::<usize>().pow(2);
        if pairs > MOST_PAIRS {
            return false;
        }
        for t in 0..n {
            for u in (0..n).filter(|&u| u != t) {
                for &(p, held_t, takes_t) in &rests[t] {
                    let now = self.fixed[t][p].unwrap();
                    for &(q, held_u, takes_u) in &rests[u] {
                        if held_t & (held_u | takes_u) != 0 || held_u & takes_t != 0 {
                            continue;
                        }
                        let sure = self.fixed[u][q].unwrap().union(self.after[u][q]);
                        if !now.conflicts(sure) {
                            return false;
                        }
                    }
                }
            }
        }
        true
    }

    /// True for a spinlock: taken whole, and only by one thread at a time (one of the first 64
    /// locks, so that a set of them fits a word).
    fn exclusive(prog: &Program, lock: usize) -> bool {
        lock < 64 && prog.layout.locks[lock].kind == LockKind::Spin
    }

    /// Per pc of thread `t`: None where its code cannot reach, else the spinlocks it holds there
    /// on every path from its first pc (a must-analysis: the meet is the intersection).
    fn spinlocks_held(prog: &Program, t: usize) -> Vec<Option<u64>> {
        let code = &prog.threads[t].instrs;
        let n = code.len();
        let mut held: Vec<Option<u64>> = vec![None; n];
        let first = prog.init.threads[t].pc as usize;
        if first >= n || prog.init.threads[t].status != Status::Running {
            return held;
        }
        let at_start = (0..prog.layout.locks.len().min(64))
            .filter(|&l| Self::exclusive(prog, l) && prog.init.locks[l].holders & (1 << t) != 0)
            .fold(0u64, |m, l| m | 1 << l);
        held[first] = Some(at_start);
        let mut work = vec![first];
        while let Some(pc) = work.pop() {
            let mut out = held[pc].unwrap();
            match code[pc].op {
                Op::LockAcquire { lock, mode: LockMode::Write } if Self::exclusive(prog, lock as usize) => out |= 1 << lock,
                Op::LockRelease { lock, .. } if Self::exclusive(prog, lock as usize) => out &= !(1 << lock),
                _ => {}
            }
            for s in successors(&code[pc].op, pc).into_iter().flatten().filter(|&s| s < n) {
                let meet = held[s].map_or(out, |h| h & out);
                if held[s] != Some(meet) {
                    held[s] = Some(meet);
                    work.push(s);
                }
            }
        }
        held
    }

    /// True when a stubborn set may rely on the cycle proviso: the program checks an
    /// invariant that a state (with a PTE) can break.
    pub fn proviso_possible(&self) -> bool {
        !self.checks.is_empty() && !self.ptl.is_empty()
    }

    /// True when thread `t`'s instruction at `pc` lies on a cycle of its code: only such steps
    /// can close a cycle of states (along one, each thread that moves comes back to its pc).
    pub fn on_cycle(&self, t: usize, pc: u16) -> bool {
        self.cyclic[t][pc as usize]
    }

    /// The footprints of the next steps of the threads that can run at `s` (`enabled`, as
    /// `exec::choices` gives them), for sleep sets; false when the reduction does not apply
    /// here (a relaxed model, or a choice other than `Run`).
    pub fn step_footprints(&self, prog: &Program, s: &State, enabled: &[Choice], out: &mut [Footprint; MAX_THREADS]) -> bool {
        if !self.applies(enabled) {
            return false;
        }
        for c in enabled {
            let t = c.thread();
            out[t] = self.step_footprint(prog, s, t, s.threads[t].pc as usize);
        }
        true
    }

    /// True when the reduction applies at a state whose enabled choices are `enabled` (as
    /// `exec::choices` gives them): [`Por::step_footprints`] would give their footprints.
    #[inline]
    pub fn applies(&self, enabled: &[Choice]) -> bool {
        self.enabled && enabled.iter().all(|c| matches!(c, Choice::Run(_)))
    }

    /// The footprint of thread `t`'s step from `pc` at `s` (for the reduction: a release
    /// touches nothing), silent tail included.
    /// A footprint that is the same at every state is read from `fixed`, in line; the others
    /// are computed out of line.
    #[inline(always)]
    fn step_footprint(&self, prog: &Program, s: &State, t: usize, pc: usize) -> Footprint {
        match self.fixed[t][pc] {
            Some(fp) => {
                debug_assert_eq!(fp, self.step_footprint_at(prog, s, t, pc), "thread {t} pc {pc}: a footprint that depends on the state");
                fp
            }
            None => self.step_footprint_at(prog, s, t, pc),
        }
    }

    /// As [`Por::step_footprint`], computed at `s`.
    #[inline(never)]
    fn step_footprint_at(&self, prog: &Program, s: &State, t: usize, pc: usize) -> Footprint {
        self.footprint(prog, t, &prog.threads[t].instrs[pc].op, Some(s), true).union(self.tail[t][pc])
    }

    /// The footprint of taking `c` in `s`.
    pub fn choice_footprint(&self, prog: &Program, s: &State, c: Choice) -> Footprint {
        match c {
            Choice::Run(t) if self.enabled => {
                let t = t as usize;
                let pc = s.threads[t].pc as usize;
                let own = self.op_footprint(prog, t, &prog.threads[t].instrs[pc].op, Some(s));
                own.union(self.tail[t][pc])
            }
            _ => Footprint::EVERYTHING,
        }
    }

    /// The fix bits of thread `t`'s next step at `s`, without what the invariants cannot see
    /// in any state the other threads lead to: changes to the PTEs (and their ghost records)
    /// whose PT lock `t` holds and keeps, and writes to the data of a page no PTE they judge
    /// maps.
    fn step_fix(&self, prog: &Program, s: &State, t: usize, pc: usize) -> u32 {
        let op = &prog.threads[t].instrs[pc].op;
        let mut f = self.op_fix(prog, t, op, Some(s)) | self.tail_fix[t][pc];
        if f == 0 {
            return 0;
        }
        let mut hidden = 0u8;
        for &(lock, ptes) in &self.ptl_guards {
            let releases = matches!(op, Op::LockRelease { lock: l, .. } if *l as usize == lock);
            if s.locks[lock].holders & (1 << t) != 0 && !releases {
                hidden |= ptes;
            }
        }
        for p in 0..self.ptl.len() {
            if hidden & (1 << p) != 0 {
                f &= !fix::pte(p);
            }
        }
        let mut pages = (f & fix::DATA_ALL) >> fix::DATA0;
        while pages != 0 {
            let page = pages.trailing_zeros();
            pages &= pages - 1;
            let seen = (0..self.ptl.len()).any(|p| hidden & (1 << p) == 0 && s.ptes[p].present() && s.ptes[p].page() as u32 == page);
            if !seen {
                f &= !(1 << (fix::DATA0 + page));
            }
        }
        f
    }

    /// The threads of which every path from `s` to a state that breaks `inv` takes a step
    /// (`s` does not break it), among `live`.
    fn up_set(&self, prog: &Program, s: &State, inv: Invariant, live: u32) -> u32 {
        let mut up = 0u32;
        let n = prog.threads.len();
        for p in 0..self.ptl.len() {
            let holders = s.locks[self.ptl[p]].holders as u32 & live;
            if s.locks[self.ptl[p]].holders != 0 {
                // Judged again only once a holder releases the lock.
                if holders & up == 0 {
                    up |= lowest(holders);
                }
                continue;
            }
            if inv != Invariant::NoLostWrite {
                return live;
            }
            let pte = s.ptes[p];
            let mut want = 0u32;
            if !pte.present() {
                want |= 1 << (can::MAPS + p as u32);
            } else {
                let page = &s.pages[pte.page() as usize];
                for d in 0..prog.layout.data_slots {
                    let store = 1u32 << (p * 4 + d);
                    if s.ghost.has_expected & (1 << (p * MAX_DATA + d)) == 0 {
                        want |= store;
                    } else {
                        debug_assert_eq!(s.ghost.expected[p][d], page.data[d], "s breaks no_lost_write");
                        want |= store | 1 << (can::MAPS + p as u32) | 1 << (can::DWRITE + d as u32);
                    }
                }
            }
            for t in 0..n {
                if live & (1 << t) != 0 && self.can[t][s.threads[t].pc as usize] & want != 0 {
                    up |= 1 << t;
                }
            }
        }
        up
    }

    /// What lets thread `t`, blocked at `s`, go.
    fn wait(&self, prog: &Program, s: &State, t: usize, live: u32) -> Wait {
        match exec::can_run(prog, s, t) {
            // Only a holder releases it; it is free only once every holder has.
            Err(Blocked::Spinning { lock }) => Wait::Holder(lowest(s.locks[lock as usize].holders as u32 & live)),
            // Its owner unlocks it, or anyone frees the page.
            Err(Blocked::PageLocked { page }) => {
                Wait::Change(Footprint { reads: self.res.page(Some(page as usize)).2, ..Footprint::default() })
            }
            Err(Blocked::NoPin { holder }) if (holder as usize) < prog.threads.len() => Wait::Holder((1u32 << holder) & live),
            _ => Wait::Change(self.step[t][s.threads[t].pc as usize]),
        }
    }

    /// Chooses the choices to explore from `s`, given every enabled one (`enabled`, as
    /// `exec::choices` orders them) and their footprints (`now`, from
    /// [`Por::step_footprints`]); writes the indices (into `enabled`) to `out`. Returns None,
    /// leaving `out` empty, when no proper subset qualifies; else whether the subset relies on
    /// the cycle proviso.
    pub fn ample(
        &self,
        prog: &Program,
        s: &State,
        enabled: &[Choice],
        now: &[Footprint; MAX_THREADS],
        out: &mut Vec<u8>,
        w: &mut PorWork,
    ) -> Option<bool> {
        let conf = conflict_matrix(now, enabled.iter().fold(0u32, |m, c| m | 1 << c.thread()));
        self.choose(prog, s, enabled, now, &conf, out, w, true)
    }

    /// As [`Por::ample`], given the conflicts of the next steps (`conf`, from
    /// [`conflict_matrix`] over at least the threads that can run), which the search also
    /// uses for the sleep sets.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub fn ample_given(
        &self,
        prog: &Program,
        s: &State,
        enabled: &[Choice],
        now: &[Footprint; MAX_THREADS],
        conf: &[u8; MAX_THREADS],
        out: &mut Vec<u8>,
        w: &mut PorWork,
    ) -> Option<bool> {
        self.choose(prog, s, enabled, now, conf, out, w, true)
    }

    /// As [`Por::ample`], building every candidate set in full, without the test that tells
    /// beforehand which candidates hold every thread that can run: for tests, which check
    /// that both give the same sets.
    pub fn ample_in_full(
        &self,
        prog: &Program,
        s: &State,
        enabled: &[Choice],
        now: &[Footprint; MAX_THREADS],
        out: &mut Vec<u8>,
        w: &mut PorWork,
    ) -> Option<bool> {
        let conf = conflict_matrix(now, enabled.iter().fold(0u32, |m, c| m | 1 << c.thread()));
        self.choose(prog, s, enabled, now, &conf, out, w, false)
    }

    /// The threads (bits) that can run at `s` from which a stubborn set surely grows to hold
    /// every thread that can run, told before running any thread alone (`enabled` and `now`
    /// as for [`Por::ample`]). The set grown from a thread holds, with each thread of it that
    /// can run, every thread that may do a step that conflicts with that thread's next step
    /// before the set moves; a thread outside the set may do at least its own next step, then
    /// what it surely does after it before it may block (`after`). So the threads that these
    /// conflicts join, from a first thread, are in its set; when they are every thread that
    /// can run, its set is no proper subset, and [`Por::ample`] skips it: building one set
    /// runs no thread alone further than its own cuts need, so the other sets come out the
    /// same without it.
    pub fn sure_candidates(&self, s: &State, enabled: &[Choice], now: &[Footprint; MAX_THREADS]) -> u32 {
        let en = enabled.iter().fold(0u32, |m, c| m | 1 << c.thread());
        self.sure_candidates_given(s, en, now, &conflict_matrix(now, en))
    }

    /// As [`Por::sure_candidates`], for the threads `en` that can run, given the conflicts of
    /// their next steps (`conf`, from [`conflict_matrix`] over at least `en`).
    #[inline]
    fn sure_candidates_given(&self, s: &State, en: u32, now: &[Footprint; MAX_THREADS], conf: &[u8; MAX_THREADS]) -> u32 {
        // The next steps alone first (the common case, and cheaper): their conflicts are
        // symmetric, so when they join every thread from one, they do from each.
        let mut joined = en & en.wrapping_neg();
        loop {
            let more = bits(joined).fold(0u32, |m, u| m | conf[u] as u32) & en & !joined;
            if more == 0 {
                break;
            }
            joined |= more;
        }
        if joined == en {
            return en;
        }
        let mut pulls = [0u32; MAX_THREADS];
        for v in bits(en) {
            let sure = now[v].union(self.after[v][s.threads[v].pc as usize]);
            for u in bits(en & !(1 << v)) {
                if now[u].conflicts(sure) {
                    pulls[u] |= 1 << v;
                }
            }
        }
        let mut all = 0;
        for first in bits(en) {
            let mut joined = 1u32 << first;
            loop {
                let more = bits(joined).fold(0, |m, u| m | pulls[u]) & !joined;
                if more == 0 {
                    break;
                }
                joined |= more;
            }
            if joined == en {
                all |= 1 << first;
            }
        }
        all
    }

    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn choose(
        &self,
        prog: &Program,
        s: &State,
        enabled: &[Choice],
        now: &[Footprint; MAX_THREADS],
        conf: &[u8; MAX_THREADS],
        out: &mut Vec<u8>,
        w: &mut PorWork,
        shortcut: bool,
    ) -> Option<bool> {
        out.clear();
        if !self.enabled || enabled.len() < 2 || enabled.iter().any(|c| !matches!(c, Choice::Run(_))) {
            return None;
        }
        let en = enabled.iter().fold(0u32, |m, c| m | 1 << c.thread());
        let skip = if shortcut { self.sure_candidates_given(s, en, now, conf) } else { 0 };
        if skip == en {
            return None;
        }
        let n = prog.threads.len();
        let mut st = Stubborn {
            por: self,
            prog,
            s,
            en,
            live: 0,
            now: *now,
            future: [Footprint::default(); MAX_THREADS],
            wait: [Wait::Holder(0); MAX_THREADS],
            solo: [Solo::default(); MAX_THREADS],
            started: 0,
            w,
        };
        let mut fixes = [0u32; MAX_THREADS];
        for t in 0..n {
            if s.threads[t].status == Status::Running {
                st.live |= 1 << t;
                st.future[t] = self.future[t][s.threads[t].pc as usize];
                st.solo[t].pc = s.threads[t].pc;
            }
        }
        for t in bits(en) {
            fixes[t] = self.step_fix(prog, s, t, s.threads[t].pc as usize);
        }
        for t in bits(st.live & !en) {
            st.wait[t] = self.wait(prog, s, t, st.live);
        }
        // Per invariant that holds here: the fix bits it depends on, and its up-set.
        let bad = invariants::violated(prog, s);
        let mut cons = [(0u32, 0u32); Invariant::ALL.len()];
        let mut k = 0;
        for &(inv, bits) in &self.checks {
            if !bad.contains(inv) {
                cons[k] = (bits, self.up_set(prog, s, inv, st.live));
                k += 1;
            }
        }
        let cons = &cons[..k];
        let mut best: Option<(u32, bool)> = None;
        for first in enabled {
            if skip & (1 << first.thread()) != 0 {
                continue;
            }
            let mut set = st.close(1 << first.thread());
            let found = loop {
                if set & st.en == st.en {
                    break None;
                }
                let changes = bits(set & st.en).fold(0, |m, u| m | fixes[u]);
                let mut proviso = false;
                let mut extend = 0;
                for &(bits, up) in cons {
                    if up & !set == 0 {
                        continue;
                    }
                    if changes & bits == 0 {
                        proviso = true;
                        continue;
                    }
                    extend |= up;
                }
                if extend == 0 {
                    break Some(proviso);
                }
                set = st.close(set | extend);
            };
            let Some(proviso) = found else { continue };
            let size = (set & st.en).count_ones();
            let better = match best {
                None => true,
                Some((bs, bp)) => {
                    let bsize = (bs & st.en).count_ones();
                    size < bsize || (size == bsize && bp && !proviso)
                }
            };
            if better {
                best = Some((set, proviso));
                if size == 1 && !proviso {
                    break;
                }
            }
        }
        let (set, proviso) = best?;
        for (i, c) in enabled.iter().enumerate() {
            if set & (1 << c.thread()) != 0 {
                out.push(i as u8);
            }
        }
        Some(proviso)
    }
}

/// The conflicts among the steps `now` of the threads in `mask`: per thread `t` of `mask`, the
/// threads `z` of `mask` other than `t` whose step conflicts with `t`'s ([`Footprint::conflicts`],
/// which is symmetric); 0 for the others. Each pair is tested once.
#[inline]
pub fn conflict_matrix(now: &[Footprint; MAX_THREADS], mask: u32) -> [u8; MAX_THREADS] {
    let mut conf = [0u8; MAX_THREADS];
    let mask = mask & ((1 << MAX_THREADS) - 1);
    for t in bits(mask) {
        for z in bits(mask & !((2u32 << t) - 1)) {
            if now[t].conflicts(now[z]) {
                conf[t] |= 1 << z;
                conf[z] |= 1 << t;
            }
        }
    }
    conf
}

/// How many steps a thread runs alone for [`Por::ample`], at most.
const SOLO: usize = 64;

/// How a thread's run alone ended.
#[derive(Clone, Copy, Debug)]
enum End {
    /// It finished (or sleeps for good).
    Done,
    /// It is blocked at this pc.
    Blocked(u16, Wait),
    /// It may go on from this pc (the run was long, or its step failed).
    Open(u16),
}

/// A thread's run alone from the state, as far as it was needed: `len` steps (in
/// [`PorWork::steps`] from `t * SOLO`), then `end`, or, while it is not over, more steps from
/// `pc`.
#[derive(Clone, Copy, Debug, Default)]
struct Solo {
    len: usize,
    pc: u16,
    end: Option<End>,
}

/// Scratch space of [`Por::ample`], which a search keeps from state to state.
pub struct PorWork {
    /// Per thread: the state its run alone has reached.
    q: Vec<State>,
    /// Per thread `t`, from `t * SOLO`: the steps of its run alone (footprint, pc).
    steps: Vec<(Footprint, u16)>,
    /// Per thread `t`, from `t * (SOLO + 1)`: the unions of the prefixes of its run alone, the
    /// empty one first.
    prefix: Vec<Footprint>,
}

impl Default for PorWork {
    fn default() -> Self {
        PorWork {
            q: vec![State::default(); MAX_THREADS],
            steps: vec![(Footprint::default(), 0); MAX_THREADS * SOLO],
            prefix: vec![Footprint::default(); MAX_THREADS * (SOLO + 1)],
        }
    }
}

/// The threads at one state, for building stubborn sets (sets of threads, as bits).
struct Stubborn<'a> {
    por: &'a Por,
    prog: &'a Program,
    s: &'a State,
    /// Threads that can run now, and threads that can still run some day.
    en: u32,
    live: u32,
    /// Per enabled thread: its next step.
    now: [Footprint; MAX_THREADS],
    /// Per live thread: every instruction reachable from its pc.
    future: [Footprint; MAX_THREADS],
    /// Per blocked thread: what lets it go.
    wait: [Wait; MAX_THREADS],
    /// Per live thread: its run alone from the state, so far.
    solo: [Solo; MAX_THREADS],
    /// Threads whose run alone has left the state (their `PorWork::q` is theirs).
    started: u32,
    w: &'a mut PorWork,
}

impl Stubborn<'_> {
    /// Step `k` of thread `v`'s run alone.
    #[inline]
    fn step(&self, v: usize, k: usize) -> (Footprint, u16) {
        self.w.steps[v * SOLO + k]
    }

    /// The union of the first `k` steps of thread `v`'s run alone.
    #[inline]
    fn prefix(&self, v: usize, k: usize) -> Footprint {
        if k == 0 {
            Footprint::default()
        } else {
            self.w.prefix[v * (SOLO + 1) + k]
        }
    }

    /// How thread `v`'s run alone ends, or where it stands while it may go on.
    #[inline]
    fn end(&self, v: usize) -> End {
        self.solo[v].end.unwrap_or(End::Open(self.solo[v].pc))
    }

    /// Runs thread `v` alone one more step (at most [`SOLO`] in all), recording the step's
    /// footprint: what it does in any run where no other thread changes what it reads.
    fn extend(&mut self, v: usize) {
        if self.solo[v].end.is_some() {
            return;
        }
        if self.started & (1 << v) == 0 {
            self.w.q[v] = *self.s;
            self.started |= 1 << v;
        }
        let (prog, por, live) = (self.prog, self.por, self.live);
        let len = self.solo[v].len;
        let q = &mut self.w.q[v];
        let th = q.threads[v];
        let end = if th.status != Status::Running {
            Some(End::Done)
        } else if len == SOLO {
            Some(End::Open(th.pc))
        } else if exec::can_run(prog, q, v).is_err() {
            Some(End::Blocked(th.pc, por.wait(prog, q, v, live)))
        } else {
            let fp = por.step_footprint(prog, q, v, th.pc as usize);
            if exec::step(prog, q, v).is_err() {
                Some(End::Open(th.pc))
            } else {
                let at = v * (SOLO + 1) + len;
                let before = if len == 0 { Footprint::default() } else { self.w.prefix[at] };
                self.w.steps[v * SOLO + len] = (fp, th.pc);
                self.w.prefix[at + 1] = before.union(fp);
                self.solo[v].len = len + 1;
                self.solo[v].pc = self.w.q[v].threads[v].pc;
                None
            }
        };
        self.solo[v].end = end;
    }

    /// Runs the threads outside `set` alone as far as [`Stubborn::futures`] looks: a thread
    /// until one of its steps may be changed by what another thread outside `set` does alone
    /// (what a thread may do includes its whole run alone, so its cut lies at or before that
    /// step, and what comes after it is never looked at), or until its run ends. The steps
    /// are taken in turns, so that no thread runs far ahead of a change the others will make.
    fn run_alone(&mut self, set: u32) {
        let out = self.live & !set;
        let mut open = out;
        while open != 0 {
            let mut more = 0;
            for v in bits(open) {
                if self.solo[v].end.is_some() {
                    continue;
                }
                let others = bits(out & !(1 << v)).fold(Footprint::default(), |m, u| m.union(self.prefix(u, self.solo[u].len)));
                if others.affects(self.prefix(v, self.solo[v].len)) {
                    continue;
                }
                self.extend(v);
                more |= 1 << v;
            }
            open = more;
        }
    }

    /// What thread `v` may do when the first `cut` steps of its run alone are as recorded,
    /// and, if it ran alone to a block, whether nothing can let it go.
    fn may(&self, v: usize, cut: usize, stuck: bool) -> Footprint {
        let so = &self.solo[v];
        let done = self.prefix(v, cut);
        let rest = if cut < so.len {
            Some(self.step(v, cut).1)
        } else {
            match self.end(v) {
                End::Done => None,
                End::Blocked(_, _) if stuck => None,
                End::Blocked(pc, _) | End::Open(pc) => Some(pc),
            }
        };
        match rest {
            Some(pc) => done.union(self.por.future[v][pc as usize]),
            None => done,
        }
    }

    /// What each thread outside `set` may do in a run of steps of threads outside `set` only.
    /// A thread takes the steps of its run alone as recorded up to the first one that some
    /// other thread outside `set` may change (what the step reads), then anything its code
    /// allows; if its run alone ends blocked and nothing outside `set` can let it go, it does
    /// nothing more. The greatest such cuts: a step counts as changeable only when some thread
    /// may change it as far as the others are cut.
    fn futures(&mut self, set: u32) -> [Footprint; MAX_THREADS] {
        self.run_alone(set);
        let out = self.live & !set;
        let mut cut = [0usize; MAX_THREADS];
        let mut stuck = [true; MAX_THREADS];
        for v in bits(out) {
            cut[v] = self.solo[v].len;
        }
        let mut fut = [Footprint::default(); MAX_THREADS];
        loop {
            for v in bits(out) {
                fut[v] = self.may(v, cut[v], stuck[v]);
            }
            let mut changed = false;
            for v in bits(out) {
                let others = out & !(1 << v);
                let affected = bits(others).fold(Footprint::default(), |m, u| m.union(fut[u]));
                if let Some(k) = (0..cut[v]).position(|k| affected.affects(self.step(v, k).0)) {
                    cut[v] = k;
                    changed = true;
                } else if cut[v] == self.solo[v].len && stuck[v] {
                    let free = match self.end(v) {
                        End::Blocked(_, Wait::Holder(h)) => h & !set != 0,
                        End::Blocked(_, Wait::Change(fp)) => bits(others).any(|u| fut[u].touches(fp)),
                        _ => false,
                    };
                    if free {
                        stuck[v] = false;
                        changed = true;
                    }
                }
            }
            if !changed {
                return fut;
            }
        }
    }

    /// The least stubborn set of threads that holds `set`: every thread whose possible steps
    /// may conflict with an enabled next step of the set, or may let a blocked one go.
    fn close(&mut self, mut set: u32) -> u32 {
        loop {
            let fut = self.futures(set);
            let mut add = 0;
            let out = self.live & !set;
            for u in bits(set) {
                if self.en & (1 << u) != 0 {
                    add |= bits(out).filter(|&v| self.now[u].conflicts(fut[v])).fold(0, |m, v| m | 1 << v);
                } else {
                    add |= match self.wait[u] {
                        Wait::Holder(h) => h & !set,
                        Wait::Change(fp) => bits(out).filter(|&v| fut[v].touches(fp)).fold(0, |m, v| m | 1 << v),
                    };
                }
            }
            if add == 0 {
                return set;
            }
            set |= add;
        }
    }
}

/// True when an instruction's footprint is the same at every state: it names no page by a
/// register, and no TLB entry, pin, free page or evaluated value decides what it touches.
fn state_free(op: &Op) -> bool {
    let page = |p: &PageArg| matches!(p, PageArg::Const(_));
    match op {
        Op::Branch { cond: e, .. } | Op::Assign { value: e, .. } | Op::VarSet { value: e, .. } | Op::Await { cond: e } => expr_free(e),
        Op::PageLock(p) | Op::PageUnlock(p) | Op::PageTrylock { page: p, .. } => page(p),
        Op::RefAdd { page: p, .. } | Op::RefAddUnless { page: p, .. } | Op::MapAdd { page: p, .. } | Op::NewAnonRmap(p) => page(p),
        Op::SetPageFlag { page: p, .. } => page(p),
        Op::CopyChunk { src, dst, .. } => page(src) && page(dst),
        Op::SetPte { .. } | Op::User { .. } | Op::Alloc { .. } | Op::GupRelease | Op::Dma { .. } => false,
        _ => true,
    }
}

/// True when reading `e` touches the same resources at every state.
fn expr_free(e: &CExpr) -> bool {
    match e {
        CExpr::PageCount(p) | CExpr::MapCount(p) | CExpr::MaybePinned(p) | CExpr::PageFlag(p, _) => matches!(p, PageArg::Const(_)),
        CExpr::Field(inner, _) | CExpr::Not(inner) => expr_free(inner),
        CExpr::Bin(_, l, r) => expr_free(l) && expr_free(r),
        _ => true,
    }
}

/// The page a page argument names: at `s`, or in any state when it is a register.
fn page_at(s: Option<&State>, t: usize, p: PageArg) -> Option<usize> {
    match (p, s) {
        (PageArg::Const(c), _) => Some(c as usize),
        (PageArg::Reg(r), Some(s)) => {
            let v = s.threads[t].regs[r as usize];
            (v >= 0 && (v as usize) < MAX_PAGES).then_some(v as usize)
        }
        (PageArg::Reg(_), None) => None,
    }
}

/// The page `alloc_page` takes at `s`.
fn alloc_choice(s: &State) -> Option<usize> {
    s.pages.iter().position(|p| p.has(page_flags::POOL) && !p.has(page_flags::ALLOCATED))
}
