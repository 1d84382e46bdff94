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
//!   barrier (`smp_mb`, `smp_mb__before/after_atomic`, a fully ordered RMW, a TLB flush), an
//!   acquire (a lock, `smp_load_acquire`), an access to the same location, or a user access
//!   through the TLB; `smp_rmb` stops everything while a load before it is still to be
//!   performed, `smp_wmb` stores while a store before it is; a store never overtakes a branch
//!   that is not decided yet (a control dependency), nor an access whose address is not known
//!   yet, nor uses a register that a pending load will write (a data dependency), and neither
//!   does a load for its own address. A load may run ahead past an undecided branch
//!   (speculation): it is kept only if the thread then reaches it with nothing on the way that
//!   orders it, and is discarded otherwise. At most [`MAX_EARLY`] accesses of a thread are in
//!   flight at once, found at most `WINDOW` steps ahead.
//!
//! Both kinds of in-flight operations live in [`State::sb`], as [`SbEntry`]s of the CPU: a
//! buffered store (x86-TSO), or an access performed early (arm64, a header entry followed by
//! the locations it read). Keeping them there keeps the state fixed-size and `Copy`.

use crate::ir::{CExpr, FenceKind, Op, PageArg, Program, PteField};
use crate::layout::MemoryModel;
use crate::state::*;
use crate::step::{Blocked, Bug, Effect};

// ---------------------------------------------------------------------------------------------
// Locations

/// A shared memory location, as far as the memory models are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Loc {
    Var(u8),
    Pte(u8),
    Ref(u8),
    Map(u8),
    /// A page's flag word (PG_locked, PG_anon_exclusive, …).
    Flags(u8),
    Data(u8, u8),
    Vma(u8),
}

const PTE_BIT0: u32 = MAX_VARS as u32;
const REF_BIT0: u32 = PTE_BIT0 + MAX_PTES as u32;
const MAP_BIT0: u32 = REF_BIT0 + MAX_PAGES as u32;
const FLAGS_BIT0: u32 = MAP_BIT0 + MAX_PAGES as u32;
const DATA_BIT0: u32 = FLAGS_BIT0 + MAX_PAGES as u32;
const VMA_BIT0: u32 = DATA_BIT0 + (MAX_PAGES * MAX_DATA) as u32;
const _: () = assert!(VMA_BIT0 + (MAX_PTES as u32) <= 128);
/// Every location of every page (an access through a page register whose value is unknown).
const ALL_PAGE_BITS: u128 = ((1u128 << (VMA_BIT0 - REF_BIT0)) - 1) << REF_BIT0;

impl Loc {
    /// The code stored in [`SbEntry::loc`] (never 0).
    pub fn code(self) -> u16 {
        match self {
            Loc::Var(v) => 0x1000 | v as u16,
            Loc::Pte(p) => 0x2000 | p as u16,
            Loc::Ref(p) => 0x3000 | p as u16,
            Loc::Map(p) => 0x4000 | p as u16,
            Loc::Flags(p) => 0x5000 | p as u16,
            Loc::Data(p, d) => 0x6000 | (p as u16) << 4 | d as u16,
            Loc::Vma(p) => 0x7000 | p as u16,
        }
    }

    pub fn from_code(c: u16) -> Option<Loc> {
        let low = (c & 0xff) as u8;
        Some(match c >> 12 {
            1 => Loc::Var(low),
            2 => Loc::Pte(low),
            3 => Loc::Ref(low),
            4 => Loc::Map(low),
            5 => Loc::Flags(low),
            6 => Loc::Data(low >> 4, low & 15),
            7 => Loc::Vma(low),
            _ => return None,
        })
    }

    fn bit(self) -> u128 {
        1u128
            << match self {
                Loc::Var(v) => v as u32,
                Loc::Pte(p) => PTE_BIT0 + p as u32,
                Loc::Ref(p) => REF_BIT0 + p as u32,
                Loc::Map(p) => MAP_BIT0 + p as u32,
                Loc::Flags(p) => FLAGS_BIT0 + p as u32,
                Loc::Data(p, d) => DATA_BIT0 + (p as usize * MAX_DATA + d as usize) as u32,
                Loc::Vma(p) => VMA_BIT0 + p as u32,
            }
    }

    /// The value in memory (never in a store buffer).
    pub fn read(self, s: &State) -> i16 {
        match self {
            Loc::Var(v) => s.vars[v as usize],
            Loc::Pte(p) => s.ptes[p as usize].0 as i16,
            Loc::Ref(p) => s.pages[p as usize].refcount,
            Loc::Map(p) => s.pages[p as usize].mapcount as i16,
            Loc::Flags(p) => s.pages[p as usize].flags as i16,
            Loc::Data(p, d) => s.pages[p as usize].data[d as usize] as i16,
            Loc::Vma(p) => s.vma[p as usize] as i16,
        }
    }

    fn write(self, s: &mut State, v: i16) {
        match self {
            Loc::Var(x) => s.vars[x as usize] = v,
            Loc::Pte(p) => s.ptes[p as usize] = Pte(v as u16),
            Loc::Ref(p) => s.pages[p as usize].refcount = v,
            Loc::Map(p) => s.pages[p as usize].mapcount = v as i8,
            Loc::Flags(p) => s.pages[p as usize].flags = v as u8,
            Loc::Data(p, d) => s.pages[p as usize].data[d as usize] = v as u8,
            Loc::Vma(p) => s.vma[p as usize] = v as u8,
        }
    }
}

/// The store-buffer location code of a shared variable.
#[inline]
pub fn var_loc(v: u8) -> u16 {
    Loc::Var(v).code()
}

// ---------------------------------------------------------------------------------------------
// In-flight entries

/// What an [`SbEntry`] holds, in its `flags`.
pub mod kind {
    /// x86-TSO: a store not yet visible to the other CPUs (`loc` is its location).
    pub const STORE: u8 = 1;
    /// arm64: a load performed early; `loc` is the pc of its instruction, `value` the mask of
    /// the registers written since by anything that depends on memory (they may not feed its
    /// address; see `LOADED` for the top bit), and READ entries follow.
    pub const EARLY_LOAD: u8 = 2;
    /// arm64: a store performed early (already in memory); `loc` is the pc of its
    /// instruction, `value` the value stored.
    pub const EARLY_STORE: u8 = 3;
    /// arm64: one location an EARLY_LOAD read, and the value it read.
    pub const READ: u8 = 4;
}

/// In an EARLY_LOAD's value: the thread has run a load since (an `smp_rmb` after it orders
/// the early load after that one, so it may not stay early).
const LOADED: u16 = 1 << 15;

/// At most this many accesses of one thread are in flight out of program order at once.
pub const MAX_EARLY: usize = 2;
/// How far ahead a thread looks for an access to perform early: scheduling points, and
/// instructions along one path (silent ones included).
const WINDOW: u8 = 10;
const MAX_PATH: u8 = 64;
/// Reads of one access performed early.
const MAX_READS: usize = 2;
/// Bound on the look-ahead search (paths branch at undecided conditions).
const MAX_NODES: usize = 256;

#[inline]
pub fn cpu_of(prog: &Program, t: usize) -> Option<usize> {
    prog.layout.threads.get(t).and_then(|i| i.cpu).map(|c| c as usize)
}

#[inline]
fn used(sb: &[SbEntry; MAX_SB]) -> usize {
    sb.iter().take_while(|e| e.flags != 0).count()
}

fn push(sb: &mut [SbEntry; MAX_SB], e: SbEntry) -> bool {
    let n = used(sb);
    if n == MAX_SB {
        return false;
    }
    sb[n] = e;
    true
}

/// An access performed early, as read back from the entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    pub pc: u16,
    pub store: bool,
    /// EARLY_LOAD: tainted registers; EARLY_STORE: the value stored.
    pub value: i16,
    pub reads: [(Loc, i16); MAX_READS],
    pub nreads: usize,
}

impl Record {
    fn bits(&self) -> u128 {
        self.reads[..self.nreads].iter().fold(0, |m, (l, _)| m | l.bit())
    }
    fn entries(&self) -> usize {
        1 + self.nreads
    }
}

/// The accesses `cpu` performed early (arm64), oldest first.
pub fn records(s: &State, cpu: usize) -> ([Option<Record>; MAX_EARLY], usize) {
    let sb = &s.sb[cpu];
    let mut out = [None; MAX_EARLY];
    let mut n = 0;
    let mut i = 0;
    while i < MAX_SB && sb[i].flags != 0 {
        let e = sb[i];
        match e.flags {
            kind::EARLY_LOAD | kind::EARLY_STORE => {
                let mut r = Record {
                    pc: e.loc,
                    store: e.flags == kind::EARLY_STORE,
                    value: e.value,
                    reads: [(Loc::Var(0), 0); MAX_READS],
                    nreads: 0,
                };
                i += 1;
                while i < MAX_SB && sb[i].flags == kind::READ && r.nreads < MAX_READS {
                    r.reads[r.nreads] = (Loc::from_code(sb[i].loc).unwrap_or(Loc::Var(0)), sb[i].value);
                    r.nreads += 1;
                    i += 1;
                }
                if n < MAX_EARLY {
                    out[n] = Some(r);
                    n += 1;
                }
            }
            _ => i += 1,
        }
    }
    (out, n)
}

fn write_records(s: &mut State, cpu: usize, recs: &[Record]) {
    let sb = &mut s.sb[cpu];
    *sb = [SbEntry::default(); MAX_SB];
    let mut i = 0;
    for r in recs {
        sb[i] = SbEntry { loc: r.pc, value: r.value, flags: if r.store { kind::EARLY_STORE } else { kind::EARLY_LOAD } };
        i += 1;
        for (l, v) in &r.reads[..r.nreads] {
            sb[i] = SbEntry { loc: l.code(), value: *v, flags: kind::READ };
            i += 1;
        }
    }
}

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
fn drain_one(s: &mut State, cpu: usize) -> Option<(u8, i16)> {
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

fn drain_all(s: &mut State, cpu: usize) {
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
            | Op::Fence(FenceKind::Read | FenceKind::Write | FenceKind::BeforeAtomic | FenceKind::AfterAtomic)
            | Op::Irq(_)
            | Op::TlbEvict { .. }
            | Op::GupReturn { .. }
            | Op::TrackSoftDirty { .. }
            | Op::Sleep(_)
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

// ---------------------------------------------------------------------------------------------
// arm64: what an instruction orders, reads and writes

const ALL_KNOWN: u16 = u16::MAX;

#[inline]
fn page_arg(p: PageArg, regs: &[i16; MAX_REGS], known: u16) -> Option<u8> {
    match p {
        PageArg::Const(c) => Some(c),
        PageArg::Reg(r) => {
            let v = regs[r as usize];
            (known & (1 << r) != 0 && v >= 0 && (v as usize) < MAX_PAGES).then_some(v as u8)
        }
    }
}

/// The value of an expression that reads no shared state, if every register it uses is known.
fn local_eval(e: &CExpr, regs: &[i16; MAX_REGS], known: u16) -> Option<i32> {
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
fn regs_of(e: &CExpr) -> u16 {
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
fn addr_regs_of(e: &CExpr) -> u16 {
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
struct Reads {
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

fn expr_reads(e: &CExpr, regs: &[i16; MAX_REGS], known: u16, out: &mut Reads) {
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
    }
}

/// What running an instruction means for the accesses after it.
#[derive(Clone, Copy, Debug, Default)]
struct Order {
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
}

fn pool_bits(prog: &Program) -> u128 {
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

fn order_of(prog: &Program, op: &Op, regs: &[i16; MAX_REGS], known: u16) -> Order {
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
        Op::LockRelease { .. } | Op::LockDowngrade { .. } => {}
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
        | Op::End
        | Op::User { .. }
        | Op::Flush { .. }
        | Op::PteClear { flush: true, .. }
        | Op::LockAcquire { .. }
        | Op::PageLock(_)
        | Op::WaitVar { .. }
        | Op::Await { .. }
        | Op::VmaFlag { .. }
        | Op::Dma { .. }
        | Op::GupRelease
        | Op::Fence(FenceKind::Full | FenceKind::BeforeAtomic | FenceKind::AfterAtomic) => {
            stop(&mut o);
            if let Op::User { dst, .. } | Op::Dma { dst, .. } = op {
                o.dst = Some((*dst, true));
            }
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
        Op::VarSet { var, value, .. } => {
            o.touched |= Loc::Var(*var).bit();
            o.uses |= regs_of(value);
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
enum Cand {
    Load { reads: [Loc; MAX_READS], n: usize },
    Store { var: u8, value: i16 },
}

/// The registers an access performed early depends on for its address.
fn addr_regs(op: &Op) -> u16 {
    match op {
        Op::Branch { cond: e, .. } | Op::Assign { value: e, .. } => addr_regs_of(e),
        Op::CopyChunk { src: PageArg::Reg(r), .. } => 1 << r,
        _ => 0,
    }
}

/// The locations an instruction that may run early reads, with these registers; None when
/// it may not run early.
fn load_reads(op: &Op, regs: &[i16; MAX_REGS], known: u16) -> Option<([Loc; MAX_READS], usize)> {
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

fn candidate(op: &Op, w: &Walk) -> Option<Cand> {
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
struct Walk {
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
    points: u8,
    len: u8,
}

/// Every instruction thread `t` may perform early now, with what it would do, in a fixed
/// order (by pc). At most one entry per pc: the first path found to it.
fn candidates(prog: &Program, s: &State, t: usize, out: &mut Vec<(u16, Cand)>) {
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
    if nrec >= MAX_EARLY {
        return;
    }
    let free = MAX_SB - used(&s.sb[cpu]);
    let code = &prog.threads[t].instrs;
    // The locations of the accesses already performed early: a new one to the same location
    // may not overtake them, nor be overtaken (coherence).
    let mut pending = 0u128;
    for r in recs[..nrec].iter().flatten() {
        pending |= r.bits();
        if let (true, Some(Op::VarSet { var, .. })) = (r.store, code.get(r.pc as usize).map(|i| &i.op)) {
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
        if pc != th.pc && !out.iter().any(|(p, _)| *p == pc) && !recs[..nrec].iter().flatten().any(|r| r.pc == pc) {
            if let Some(c) = candidate(&instr.op, &w) {
                let need = match c {
                    Cand::Load { n, .. } => 1 + n,
                    Cand::Store { .. } => 1,
                };
                if need <= free {
                    out.push((pc, c));
                }
            }
        }
        let o = order_of(prog, &instr.op, &w.regs, w.known);
        // smp_rmb() orders loads before it (not performed yet) with every access after it;
        // smp_wmb() stores before it with stores after it.
        let rmb_bites = o.rmb && w.pend_load;
        let wmb_bites = o.wmb && w.pend_store;
        w.loads &= !(o.stop_loads || rmb_bites);
        w.stores &= !(o.stop_stores || rmb_bites || wmb_bites || o.unknown_addr);
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

fn find(prog: &Program, s: &State, t: usize, pc: u16) -> Option<Cand> {
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
            let mut r = Record { pc, store: false, value: 0, reads: [(Loc::Var(0), 0); MAX_READS], nreads: n };
            for (i, l) in reads[..n].iter().enumerate() {
                r.reads[i] = (*l, l.read(s));
            }
            r
        }
        Cand::Store { var, value } => {
            s.vars[var as usize] = value;
            Record { pc, store: true, value, reads: [(Loc::Var(0), 0); MAX_READS], nreads: 0 }
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
    let o = order_of(prog, op, &regs, ALL_KNOWN);
    let ends = matches!(op, Op::End | Op::Sleep(_));
    let mut used_now = None;
    let mut keep: [Option<Record>; MAX_EARLY] = [None; MAX_EARLY];
    let mut k = 0;
    for r in recs[..n].iter().flatten() {
        let mut r = *r;
        if r.pc == pc && used_now.is_none() {
            if r.store {
                used_now = Some(Early::Store);
            } else if addr_regs(op) & r.value as u16 & !LOADED == 0
                && load_reads(op, &regs, ALL_KNOWN)
                    .is_some_and(|(l, m)| m == r.nreads && l[..m].iter().zip(&r.reads).all(|(a, b)| *a == b.0))
            {
                used_now = Some(Early::Load(r.reads, r.nreads));
            }
            continue;
        }
        if !r.store {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::apply;
    use crate::step::{Choice, StepError};

    /// A tiny scenario: `a` stores to `x` then reads it back; `b` stores to `y`.
    const SRC: &str = "racelab 1
feature extra \"one more store\"
policy plain {
  title \"as written\"
  fate baseline
}
policy more {
  title \"with the extra store\"
  fate proposed
  features extra
}
scenario t {
  title \"t\"
  policies plain more
  baseline plain
  models sc x86_tso arm64
  check no_lost_write
}
state {
  var x=0
  var y=0
}
thread a on CPU0 \"stores x, reads it\" {
  WRITE_ONCE(x, 1)
  if feature(extra) {
    WRITE_ONCE(x, 2)
  }
  r0 = READ_ONCE(x)
}
thread b on CPU1 \"stores y\" {
  WRITE_ONCE(y, 1)
}
";

    fn program(policy: &str, model: MemoryModel) -> Program {
        let sc = crate::scenario::load("t.race", &|n| (n == "t.race").then(|| SRC.to_string())).unwrap();
        Program::compile(&sc, sc.policy(policy).unwrap(), model).unwrap()
    }

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
