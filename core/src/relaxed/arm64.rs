//! arm64: a CPU performs a later access of its thread early, out of program order, unless
//! something orders it.

use super::entries::*;
use crate::ir::{CExpr, FenceKind, Op, PageArg, Program, PteField};
use crate::layout::MemoryModel;
use crate::state::*;
use crate::step::{Blocked, Effect};

/// Whether thread `t`'s CPU took the lock at the thread's pc early (arm64).
pub fn lock_taken_early(prog: &Program, s: &State, t: usize) -> bool {
    let Some(cpu) = cpu_of(prog, t) else { return false };
    let (recs, n) = records(s, cpu);
    recs[..n].iter().flatten().any(|r| r.kind == RecordKind::Lock && r.pc == s.threads[t].pc)
}

/// Whether some thread reads lock `l` with `spin_is_locked`: then its lock word's write may
/// not become visible ahead of a `smp_wmb()` (see `candidates`).
fn lock_observed(prog: &Program, l: u8) -> bool {
    fn reads(e: &CExpr, l: u8) -> bool {
        match e {
            CExpr::LockHeld(k) => *k == l,
            CExpr::Field(x, _) | CExpr::Not(x) => reads(x, l),
            CExpr::Bin(_, a, b) => reads(a, l) || reads(b, l),
            _ => false,
        }
    }
    prog.threads.iter().flat_map(|c| &c.instrs).any(|i| match &i.op {
        Op::Branch { cond: e, .. } | Op::Assign { value: e, .. } | Op::Await { cond: e } => reads(e, l),
        _ => false,
    })
}

// ---------------------------------------------------------------------------------------------
// arm64: what an instruction orders, reads and writes

pub(super) const ALL_KNOWN: u16 = u16::MAX;

#[inline]
pub(super) fn page_arg(p: PageArg, regs: &[i16; MAX_REGS], known: u16) -> Option<u8> {
    match p {
        PageArg::Const(c) => Some(c),
        PageArg::Reg(r) => {
            let v = regs[r as usize];
            (known & (1 << r) != 0 && v >= 0 && (v as usize) < MAX_PAGES).then_some(v as u8)
        }
    }
}

/// The value of an expression that reads no shared state, if every register it uses is known.
pub(super) fn local_eval(e: &CExpr, regs: &[i16; MAX_REGS], known: u16) -> Option<i32> {
    Some(match e {
        CExpr::Const(c) => *c,
        CExpr::Reg(r) => {
            if known & (1 << r) == 0 {
                return None;
            }
            regs[*r as usize] as i32
        }
        CExpr::Field(inner, f) => {
            let pte = Pte::from_value(local_eval(inner, regs, known)?);
            match f {
                PteField::Present => pte.present() as i32,
                PteField::Page => pte.page() as i32,
                PteField::Bit(b) => pte.has(*b) as i32,
            }
        }
        CExpr::Not(inner) => (local_eval(inner, regs, known)? == 0) as i32,
        CExpr::MkPte(p, bits) => Pte::new(page_arg(*p, regs, known)?, *bits).to_value(),
        CExpr::Bin(op, l, r) => {
            let a = local_eval(l, regs, known)?;
            match op {
                crate::syntax::BinOp::And if a == 0 => return Some(0),
                crate::syntax::BinOp::Or if a != 0 => return Some(1),
                _ => {}
            }
            crate::ir::eval_bin(*op, a, local_eval(r, regs, known)?)
        }
        _ => return None,
    })
}

/// Registers an expression uses.
pub(super) fn regs_of(e: &CExpr) -> u16 {
    match e {
        CExpr::Reg(r) | CExpr::PteSame(r, _) => 1 << r,
        CExpr::Field(x, _) | CExpr::Not(x) => regs_of(x),
        CExpr::Bin(_, l, r) => regs_of(l) | regs_of(r),
        CExpr::PageCount(p) | CExpr::MapCount(p) | CExpr::PageFlag(p, _) | CExpr::MaybePinned(p) | CExpr::MkPte(p, _) => match p {
            PageArg::Reg(r) => 1 << r,
            PageArg::Const(_) => 0,
        },
        _ => 0,
    }
}

/// Registers an expression uses to find what it reads (page registers).
pub(super) fn addr_regs_of(e: &CExpr) -> u16 {
    match e {
        CExpr::Field(x, _) | CExpr::Not(x) => addr_regs_of(x),
        CExpr::Bin(_, l, r) => addr_regs_of(l) | addr_regs_of(r),
        CExpr::PageCount(PageArg::Reg(r))
        | CExpr::MapCount(PageArg::Reg(r))
        | CExpr::PageFlag(PageArg::Reg(r), _)
        | CExpr::MaybePinned(PageArg::Reg(r)) => 1 << r,
        _ => 0,
    }
}

/// The locations an expression reads (both sides of `&&` and `||`).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Reads {
    locs: [Option<Loc>; 4],
    n: usize,
    /// More than fit, or a page whose register is not known.
    overflow: bool,
    unknown_page: bool,
    acquire: bool,
}

impl Reads {
    fn add(&mut self, l: Loc) {
        if self.locs[..self.n].contains(&Some(l)) {
            return;
        }
        if self.n == self.locs.len() {
            self.overflow = true;
            return;
        }
        self.locs[self.n] = Some(l);
        self.n += 1;
    }
    fn bits(&self) -> u128 {
        let mut m = self.locs[..self.n].iter().flatten().fold(0, |m, l| m | l.bit());
        if self.unknown_page || self.overflow {
            m |= ALL_PAGE_BITS;
        }
        if self.overflow {
            m = u128::MAX;
        }
        m
    }
}

pub(super) fn expr_reads(e: &CExpr, regs: &[i16; MAX_REGS], known: u16, out: &mut Reads) {
    let page = |p: &PageArg, f: fn(u8) -> Loc, out: &mut Reads| match page_arg(*p, regs, known) {
        Some(pg) => out.add(f(pg)),
        None => out.unknown_page = true,
    };
    match e {
        CExpr::Const(_) | CExpr::Reg(_) | CExpr::MkPte(..) => {}
        CExpr::Var(v, order) => {
            out.add(Loc::Var(*v));
            if *order == crate::ir::LoadOrder::Acquire {
                out.acquire = true;
            }
        }
        CExpr::Pte(slot) | CExpr::PteSame(_, slot) => out.add(Loc::Pte(*slot)),
        CExpr::Field(x, _) | CExpr::Not(x) => expr_reads(x, regs, known, out),
        CExpr::Bin(_, l, r) => {
            expr_reads(l, regs, known, out);
            expr_reads(r, regs, known, out);
        }
        CExpr::PageCount(p) | CExpr::MaybePinned(p) => page(p, Loc::Ref, out),
        CExpr::MapCount(p) => page(p, Loc::Map, out),
        CExpr::PageFlag(p, _) => page(p, Loc::Flags, out),
        CExpr::VmaFlag(slot, _) => out.add(Loc::Vma(*slot)),
        CExpr::LockHeld(l) => out.add(Loc::Lock(*l)),
    }
}

/// What running an instruction means for the accesses after it.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Order {
    /// Later loads may not be performed before it.
    stop_loads: bool,
    /// Later stores may not be performed before it.
    stop_stores: bool,
    /// Locations it reads or writes (a later access to one may not overtake it).
    touched: u128,
    /// The register it writes, and whether the value depends on memory (or on something
    /// not known yet).
    dst: Option<(u8, bool)>,
    /// Registers it uses.
    uses: u16,
    /// It reads memory; it writes memory.
    loads: bool,
    stores: bool,
    /// `smp_rmb()` (dmb ishld): loads before it come before every access after it.
    /// `smp_wmb()` (dmb ishst): stores before it come before every store after it.
    rmb: bool,
    wmb: bool,
    /// It accesses a page through a register whose value is not known yet: a later store
    /// waits for the address (arm64's addr;po;[W]).
    unknown_addr: bool,
    /// A release (an unlock, `smp_store_release`): a later acquire may not be performed
    /// before it (ARMv8's release and acquire are RCsc).
    release: bool,
}

pub(super) fn pool_bits(prog: &Program) -> u128 {
    let mut m = 0;
    for (p, pg) in prog.init.pages.iter().enumerate().take(prog.layout.pages.len()) {
        if pg.has(page_flags::POOL) {
            let p = p as u8;
            m |= Loc::Ref(p).bit() | Loc::Map(p).bit() | Loc::Flags(p).bit();
            for d in 0..MAX_DATA as u8 {
                m |= Loc::Data(p, d).bit();
            }
        }
    }
    m
}

pub(super) fn order_of(prog: &Program, op: &Op, regs: &[i16; MAX_REGS], known: u16) -> Order {
    let mut o = Order::default();
    let stop = |o: &mut Order| {
        o.stop_loads = true;
        o.stop_stores = true;
    };
    let touch_page = |o: &mut Order, p: &PageArg, f: fn(u8) -> Loc| {
        if let PageArg::Reg(r) = p {
            o.uses |= 1 << r;
        }
        match page_arg(*p, regs, known) {
            Some(pg) => o.touched |= f(pg).bit(),
            None => {
                o.touched |= ALL_PAGE_BITS;
                o.unknown_addr = true;
            }
        }
    };
    match op {
        Op::Jump(_) | Op::Irq(_) | Op::TlbEvict { .. } | Op::GupReturn { .. } | Op::TrackSoftDirty { .. } => {}
        // A release orders what comes before it, not what comes after.
        Op::LockRelease { lock, .. } | Op::LockDowngrade { lock } => {
            o.touched |= Loc::Lock(*lock).bit();
            o.release = true;
        }
        Op::Branch { cond: e, .. } | Op::Assign { value: e, .. } => {
            let mut r = Reads::default();
            expr_reads(e, regs, known, &mut r);
            if r.acquire {
                stop(&mut o);
            }
            o.unknown_addr |= r.unknown_page;
            o.touched |= r.bits();
            o.uses |= regs_of(e);
            if let Op::Assign { dst, value } = op {
                let local = value.is_local() && local_eval(value, regs, known).is_some();
                o.dst = Some((*dst, !local));
            }
        }
        Op::Sleep(_)
        | Op::Kill(_)
        | Op::End
        | Op::User { .. }
        | Op::Flush { .. }
        | Op::PteClear { flush: true, .. }
        | Op::PageLock(_)
        | Op::WaitVar { .. }
        | Op::Await { .. }
        | Op::VmaFlag { .. }
        | Op::Dma { .. }
        | Op::GupRelease
        | Op::Fence(FenceKind::Full | FenceKind::BeforeAtomic | FenceKind::AfterAtomic | FenceKind::AfterSpinlock) => {
            stop(&mut o);
            if let Op::User { dst, .. } | Op::Dma { dst, .. } = op {
                o.dst = Some((*dst, true));
            }
        }
        Op::LockAcquire { lock, .. } => {
            stop(&mut o);
            o.touched |= Loc::Lock(*lock).bit();
        }
        Op::VarRmw { dst, var, rmw } => {
            // Fully ordered, except a cmpxchg that fails. Which it does is known only when it
            // runs: a later load may go ahead of it (and is discarded by `on_exec` if it then
            // succeeds), a later store may not.
            match rmw {
                crate::ir::Rmw::CmpXchg(a, b) => {
                    o.stop_stores = true;
                    o.uses |= regs_of(a) | regs_of(b);
                }
                crate::ir::Rmw::Xchg(v) => {
                    stop(&mut o);
                    o.uses |= regs_of(v);
                }
                crate::ir::Rmw::AddReturn(_) => stop(&mut o),
            }
            o.touched |= Loc::Var(*var).bit();
            o.dst = Some((*dst, true));
        }
        Op::Fence(FenceKind::Read) => o.rmb = true,
        Op::Fence(FenceKind::Write) => o.wmb = true,
        Op::PageTrylock { dst, page } => {
            stop(&mut o);
            touch_page(&mut o, page, Loc::Flags);
            o.dst = Some((*dst, true));
        }
        Op::PageUnlock(p) => touch_page(&mut o, p, Loc::Flags),
        Op::PteModify { pte, .. } | Op::PteSetWrprotect { pte } | Op::PteClear { pte, flush: false } => o.touched |= Loc::Pte(*pte).bit(),
        Op::SetPte { pte, value } => {
            o.touched |= Loc::Pte(*pte).bit();
            o.uses |= regs_of(value);
        }
        Op::VarAdd { var, .. } => o.touched |= Loc::Var(*var).bit(),
        Op::VarSet { var, value, release } => {
            o.touched |= Loc::Var(*var).bit();
            o.uses |= regs_of(value);
            o.release = *release;
        }
        Op::RefAdd { page, delta } => {
            touch_page(&mut o, page, Loc::Ref);
            // put_page() is atomic_dec_and_test(), which returns a value: fully ordered.
            if *delta < 0 {
                stop(&mut o);
            }
        }
        Op::RefAddUnless { dst, page, .. } => {
            // A conditional RMW: fully ordered when it succeeds (Documentation/atomic_t.txt).
            stop(&mut o);
            touch_page(&mut o, page, Loc::Ref);
            o.dst = Some((*dst, true));
        }
        Op::MapAdd { page, delta } => {
            touch_page(&mut o, page, Loc::Map);
            // page_remove_rmap() is atomic_add_negative(), which returns a value.
            if *delta < 0 {
                stop(&mut o);
            }
        }
        Op::NewAnonRmap(p) => {
            touch_page(&mut o, p, Loc::Map);
            touch_page(&mut o, p, Loc::Flags);
        }
        Op::SetPageFlag { page, .. } => touch_page(&mut o, page, Loc::Flags),
        Op::Alloc { dst } => {
            o.touched |= pool_bits(prog);
            o.dst = Some((*dst, true));
        }
        Op::CopyChunk { src, dst, slot } => {
            for p in [src, dst] {
                if let PageArg::Reg(r) = p {
                    o.uses |= 1 << r;
                }
                match page_arg(*p, regs, known) {
                    Some(pg) => o.touched |= Loc::Data(pg, *slot).bit(),
                    None => {
                        o.touched |= ALL_PAGE_BITS;
                        o.unknown_addr = true;
                    }
                }
            }
        }
    }
    match op {
        Op::Branch { .. } | Op::Assign { .. } => o.loads = o.touched != 0,
        Op::VarSet { .. } | Op::SetPte { .. } | Op::PteClear { .. } | Op::NewAnonRmap(_) => o.stores = true,
        Op::VarAdd { .. }
        | Op::VarRmw { .. }
        | Op::RefAdd { .. }
        | Op::RefAddUnless { .. }
        | Op::MapAdd { .. }
        | Op::PteModify { .. }
        | Op::PteSetWrprotect { .. }
        | Op::SetPageFlag { .. }
        | Op::PageTrylock { .. }
        | Op::PageUnlock(_)
        | Op::CopyChunk { .. }
        | Op::Alloc { .. } => {
            o.loads = true;
            o.stores = true;
        }
        _ => {}
    }
    o
}

/// What an instruction further ahead would do if performed early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Cand {
    Load {
        reads: [Loc; MAX_READS],
        n: usize,
    },
    Store {
        var: u8,
        value: i16,
    },
    /// A lock acquire, taken now.
    Lock {
        lock: u8,
        mode: LockMode,
    },
}

/// The registers an access performed early depends on for its address.
pub(super) fn addr_regs(op: &Op) -> u16 {
    match op {
        Op::Branch { cond: e, .. } | Op::Assign { value: e, .. } => addr_regs_of(e),
        Op::CopyChunk { src: PageArg::Reg(r), .. } => 1 << r,
        _ => 0,
    }
}

/// The locations an instruction that may run early reads, with these registers; None when
/// it may not run early.
pub(super) fn load_reads(op: &Op, regs: &[i16; MAX_REGS], known: u16) -> Option<([Loc; MAX_READS], usize)> {
    let mut out = [Loc::Var(0); MAX_READS];
    match op {
        Op::Branch { cond: e, .. } | Op::Assign { value: e, .. } if !e.is_local() => {
            let mut r = Reads::default();
            expr_reads(e, regs, known, &mut r);
            if r.acquire || r.unknown_page || r.overflow || r.n == 0 || r.n > MAX_READS {
                return None;
            }
            for (i, l) in r.locs[..r.n].iter().enumerate() {
                out[i] = l.unwrap();
            }
            Some((out, r.n))
        }
        Op::CopyChunk { src, slot, .. } => {
            out[0] = Loc::Data(page_arg(*src, regs, known)?, *slot);
            Some((out, 1))
        }
        _ => None,
    }
}

pub(super) fn candidate(op: &Op, w: &Walk) -> Option<Cand> {
    match op {
        Op::VarSet { var, value, release: false } if w.stores => {
            if w.touched & Loc::Var(*var).bit() != 0 {
                return None;
            }
            let v = local_eval(value, &w.regs, w.known)?;
            Some(Cand::Store { var: *var, value: v as i16 })
        }
        Op::Branch { .. } | Op::Assign { .. } | Op::CopyChunk { .. } if w.loads => {
            let (reads, n) = load_reads(op, &w.regs, w.known)?;
            if reads[..n].iter().any(|l| w.touched & l.bit() != 0) {
                return None;
            }
            Some(Cand::Load { reads, n })
        }
        _ => None,
    }
}

/// One path of the look-ahead.
#[derive(Clone, Copy, Debug)]
pub(super) struct Walk {
    pc: u16,
    regs: [i16; MAX_REGS],
    /// Registers whose value is known on this path (not waiting for a load).
    known: u16,
    loads: bool,
    stores: bool,
    touched: u128,
    /// A load, a store not performed yet before this point (what `smp_rmb`, `smp_wmb` order).
    pend_load: bool,
    pend_store: bool,
    /// A lock acquire may still be taken here: nothing on the way orders it (it reads and
    /// writes the lock word, so what stops a load or a store stops it, and so does a
    /// release; an undecided branch too, since its write cannot be undone).
    locks: bool,
    /// A `smp_wmb()` on the way orders a store not performed yet before later stores: a lock
    /// acquire may pass it only where no thread reads its lock word (its write half is what
    /// the barrier orders; taking the lock early makes the write early too).
    wmb_bit: bool,
    points: u8,
    len: u8,
}

/// Every instruction thread `t` may perform early now, with what it would do, in a fixed
/// order (by pc). At most one entry per pc: the first path found to it.
pub(super) fn candidates(prog: &Program, s: &State, t: usize, out: &mut Vec<(u16, Cand)>) {
    out.clear();
    if prog.model != MemoryModel::Arm64 {
        return;
    }
    let Some(cpu) = cpu_of(prog, t) else { return };
    let th = &s.threads[t];
    if th.status != Status::Running {
        return;
    }
    let (recs, nrec) = records(s, cpu);
    let nlocks = recs[..nrec].iter().flatten().filter(|r| r.kind == RecordKind::Lock).count();
    let (access_room, lock_room) = (nrec - nlocks < MAX_EARLY, nlocks < MAX_EARLY_LOCKS);
    if !access_room && !lock_room {
        return;
    }
    let free = MAX_SB - used(&s.sb[cpu]);
    let code = &prog.threads[t].instrs;
    // The locations of the accesses already performed early: a new one to the same location
    // may not overtake them, nor be overtaken (coherence).
    let mut pending = 0u128;
    for r in recs[..nrec].iter().flatten() {
        pending |= r.bits();
        if let (RecordKind::Store, Some(Op::VarSet { var, .. })) = (r.kind, code.get(r.pc as usize).map(|i| &i.op)) {
            pending |= Loc::Var(*var).bit();
        }
    }
    let mut stack: Vec<Walk> = Vec::with_capacity(16);
    stack.push(Walk {
        pc: th.pc,
        regs: th.regs,
        known: ALL_KNOWN,
        loads: true,
        stores: true,
        touched: pending,
        pend_load: false,
        pend_store: false,
        locks: true,
        wmb_bit: false,
        points: 0,
        len: 0,
    });
    let mut nodes = 0;
    while let Some(mut w) = stack.pop() {
        nodes += 1;
        if nodes > MAX_NODES {
            break;
        }
        let pc = w.pc;
        let Some(instr) = code.get(pc as usize) else { continue };
        let taken_early = recs[..nrec].iter().flatten().any(|r| r.pc == pc);
        if pc != th.pc && !out.iter().any(|(p, _)| *p == pc) && !taken_early {
            if let Op::LockAcquire { lock, mode } = &instr.op {
                // An acquire orders what comes after it, not what comes before: the CPU may
                // take the lock while earlier accesses are still to be performed.
                let ok = w.loads
                    && w.locks
                    && !(w.wmb_bit && lock_observed(prog, *lock))
                    && w.touched & Loc::Lock(*lock).bit() == 0
                    && s.locks[*lock as usize].available(*mode, t);
                if ok && lock_room && free >= 1 {
                    out.push((pc, Cand::Lock { lock: *lock, mode: *mode }));
                }
            } else if let Some(c) = candidate(&instr.op, &w).filter(|_| access_room) {
                let need = match c {
                    Cand::Load { n, .. } => 1 + n,
                    Cand::Store { .. } | Cand::Lock { .. } => 1,
                };
                if need <= free {
                    out.push((pc, c));
                }
            }
        }
        // A lock taken early orders nothing any more: the acquire has been performed.
        let o = if taken_early && matches!(instr.op, Op::LockAcquire { .. }) {
            Order::default()
        } else {
            order_of(prog, &instr.op, &w.regs, w.known)
        };
        // smp_rmb() orders loads before it (not performed yet) with every access after it;
        // smp_wmb() stores before it with stores after it.
        let rmb_bites = o.rmb && w.pend_load;
        let wmb_bites = o.wmb && w.pend_store;
        w.loads &= !(o.stop_loads || rmb_bites);
        w.stores &= !(o.stop_stores || rmb_bites || wmb_bites || o.unknown_addr);
        w.locks &= !(o.stop_loads || o.stop_stores || rmb_bites || o.unknown_addr || o.release);
        w.wmb_bit |= wmb_bites;
        if !w.loads && !w.stores {
            continue;
        }
        w.touched |= o.touched;
        w.pend_load |= o.loads;
        w.pend_store |= o.stores;
        if let Some((d, from_memory)) = o.dst {
            let v = match (&instr.op, from_memory) {
                (Op::Assign { value, .. }, false) => local_eval(value, &w.regs, w.known),
                _ => None,
            };
            match v {
                Some(v) => {
                    w.regs[d as usize] = v as i16;
                    w.known |= 1 << d;
                }
                None => w.known &= !(1 << d),
            }
        }
        if !instr.silent {
            w.points += 1;
        }
        w.len += 1;
        if w.points > WINDOW || w.len > MAX_PATH {
            continue;
        }
        match &instr.op {
            Op::Jump(target) => {
                w.pc = *target;
                stack.push(w);
            }
            Op::Branch { cond, if_false } => match local_eval(cond, &w.regs, w.known) {
                Some(v) => {
                    w.pc = if v != 0 { pc + 1 } else { *if_false };
                    stack.push(w);
                }
                None => {
                    // Undecided: a store may not pass it; a load may, either way.
                    w.stores = false;
                    w.locks = false;
                    if w.loads {
                        let mut other = w;
                        other.pc = *if_false;
                        stack.push(other);
                        w.pc = pc + 1;
                        stack.push(w);
                    }
                }
            },
            _ => {
                w.pc = pc + 1;
                stack.push(w);
            }
        }
    }
    out.sort_by_key(|(pc, _)| *pc);
}

/// The pcs thread `t` may perform early now (arm64), in order.
pub fn early_pcs(prog: &Program, s: &State, t: usize, out: &mut Vec<u16>) {
    out.clear();
    if prog.model != MemoryModel::Arm64 {
        return;
    }
    let mut c = Vec::new();
    candidates(prog, s, t, &mut c);
    out.extend(c.iter().map(|(pc, _)| *pc));
}

pub(super) fn find(prog: &Program, s: &State, t: usize, pc: u16) -> Option<Cand> {
    let mut c = Vec::new();
    candidates(prog, s, t, &mut c);
    c.into_iter().find(|(p, _)| *p == pc).map(|(_, c)| c)
}

pub fn can_early(prog: &Program, s: &State, t: usize, pc: u16) -> Result<(), Blocked> {
    match find(prog, s, t, pc) {
        Some(_) => Ok(()),
        None => Err(Blocked::CannotReorder { pc }),
    }
}

/// Performs the instruction at `pc` of thread `t` early: a load reads memory now and keeps
/// the values for when the thread reaches it; a store writes memory now.
pub fn early(prog: &Program, s: &mut State, t: usize, pc: u16) -> Result<Effect, Blocked> {
    let c = find(prog, s, t, pc).ok_or(Blocked::CannotReorder { pc })?;
    let cpu = cpu_of(prog, t).ok_or(Blocked::CannotReorder { pc })?;
    let (recs, n) = records(s, cpu);
    let mut all: Vec<Record> = recs[..n].iter().flatten().copied().collect();
    let r = match c {
        Cand::Load { reads, n } => {
            let mut r = Record { pc, kind: RecordKind::Load, value: 0, reads: [(Loc::Var(0), 0); MAX_READS], nreads: n };
            for (i, l) in reads[..n].iter().enumerate() {
                r.reads[i] = (*l, l.read(s));
            }
            r
        }
        Cand::Store { var, value } => {
            s.vars[var as usize] = value;
            Record { pc, kind: RecordKind::Store, value, reads: [(Loc::Var(0), 0); MAX_READS], nreads: 0 }
        }
        Cand::Lock { lock, mode } => {
            s.locks[lock as usize].take(mode, t);
            Record { pc, kind: RecordKind::Lock, value: lock as i16, reads: [(Loc::Var(0), 0); MAX_READS], nreads: 0 }
        }
    };
    all.push(r);
    write_records(s, cpu, &all);
    Ok(Effect::None)
}

/// What an instruction finds when the thread reaches it in program order (arm64).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Early {
    /// Its reads were performed early: use these values.
    Load([(Loc, i16); MAX_READS], usize),
    /// Its store was performed early: do not store again.
    Store,
    /// Its lock was taken early: it is held already.
    Lock,
}

/// Thread `t` is about to run `op` at its pc (arm64): an access it performed early is used,
/// and every other one it may no longer keep (the instruction orders it, or touches its
/// location, or feeds its address) is discarded, to be performed again in order.
pub fn on_exec(prog: &Program, s: &mut State, t: usize, op: &Op) -> Option<Early> {
    let cpu = cpu_of(prog, t)?;
    if s.sb[cpu][0].flags == 0 {
        return None;
    }
    let pc = s.threads[t].pc;
    let regs = s.threads[t].regs;
    let (recs, n) = records(s, cpu);
    let lock_here = recs[..n].iter().flatten().any(|r| r.pc == pc && r.kind == RecordKind::Lock);
    // A lock taken early was performed then: reaching it orders nothing now.
    let mut o = if lock_here { Order::default() } else { order_of(prog, op, &regs, ALL_KNOWN) };
    if let Op::VarRmw { var, rmw: crate::ir::Rmw::CmpXchg(want, _), .. } = op {
        // It runs now: when it succeeds it is fully ordered after all.
        if local_eval(want, &regs, ALL_KNOWN).is_some_and(|w| w == s.vars[*var as usize] as i32) {
            o.stop_loads = true;
        }
    }
    let ends = matches!(op, Op::End | Op::Sleep(_) | Op::Kill(_));
    let mut used_now = None;
    let mut keep: [Option<Record>; MAX_RECORDS] = [None; MAX_RECORDS];
    let mut k = 0;
    for r in recs[..n].iter().flatten() {
        let mut r = *r;
        if r.pc == pc && used_now.is_none() {
            if r.kind == RecordKind::Store {
                used_now = Some(Early::Store);
            } else if r.kind == RecordKind::Lock {
                used_now = Some(Early::Lock);
            } else if addr_regs(op) & r.value as u16 & !LOADED == 0
                && load_reads(op, &regs, ALL_KNOWN)
                    .is_some_and(|(l, m)| m == r.nreads && l[..m].iter().zip(&r.reads).all(|(a, b)| *a == b.0))
            {
                used_now = Some(Early::Load(r.reads, r.nreads));
            }
            continue;
        }
        if r.is_load() {
            let mut flags = r.value as u16;
            if ends || o.stop_loads || (o.rmb && flags & LOADED != 0) || o.touched & r.bits() != 0 {
                continue;
            }
            if o.loads {
                flags |= LOADED;
            }
            r.value = flags as i16;
            if let Some((d, from_memory)) = o.dst {
                let tainted = from_memory || (o.uses & r.value as u16) != 0;
                let bit = 1u16 << d;
                r.value = if tainted { (r.value as u16 | bit) as i16 } else { (r.value as u16 & !bit) as i16 };
            }
        }
        keep[k] = Some(r);
        k += 1;
    }
    let kept: Vec<Record> = keep[..k].iter().flatten().copied().collect();
    debug_assert!(kept.iter().map(Record::entries).sum::<usize>() <= MAX_SB);
    write_records(s, cpu, &kept);
    used_now
}

/// `s` with the values an early load read put back in memory, to evaluate its instruction.
pub fn with_reads(s: &State, reads: &[(Loc, i16)]) -> State {
    let mut x = *s;
    for (l, v) in reads {
        l.write(&mut x, *v);
    }
    x
}
