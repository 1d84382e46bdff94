//! Partial-order reduction: what each step reads and writes, when two steps are independent,
//! and the persistent ("ample") set of steps to explore from a state.
//!
//! A step's *footprint* is a set of shared resources it reads and a set it writes (a resource
//! is a variable, a lock, a PTE slot with its VMA flags, a page's metadata, a page's data, one
//! CPU's TLB entry for one PTE slot, a CPU's IRQ flag, the GUP pins, the ghost record of one
//! PTE slot). Two steps of different threads are independent when neither writes what the
//! other reads or writes: then they commute and neither enables nor disables the other. Some
//! updates commute with each other though they change the resource: atomic additions to a
//! variable, and the read-side operations of an rwsem (`mmap_read_lock`, `mmap_read_unlock`).
//! They form a third class, *adds*: two adds never conflict, an add conflicts with any read or
//! write.
//!
//! The ample set at a state (Clarke, Grumberg and Peled's conditions C0-C3):
//! * C1 (persistence): start from one thread and add every thread whose *future* steps (all
//!   instructions reachable in its code from its pc) may conflict with the next step of a
//!   thread already in the set, or may enable a thread in the set that is blocked now;
//! * C2 (visibility): a reduced set only holds steps that change nothing a checked invariant
//!   reads, so a violating state stays reachable. The invariants judge a PTE only while its
//!   PT lock is free, and only the holder releases a lock: so a step that changes a PTE (or
//!   its ghost record) while its own thread holds that PTE's PT lock, and does not release it,
//!   is invisible, in every state the other threads can lead to. Likewise a write to the data
//!   of a page no PTE maps: only `set_pte_at` maps a page, and it counts as reading the data
//!   of the page it maps, so a thread that may map the page joins the ample set;
//! * C3 (cycles): the BFS expands a state fully when a step of its ample set leads to a state
//!   seen before (see `mod.rs`).
//!
//! Anything this module does not understand is dependent on everything: a choice other than
//! `Run` (a store-buffer drain), and every step under a relaxed memory model, where
//! `relaxed.rs` decides what a shared access does. There the search expands fully.

use crate::exec::Choice;
use crate::program::{Access, CExpr, Op, PageArg, Program};
use crate::scenario::{Invariant, LockKind, MemoryModel};
use crate::state::*;

pub type Bits = u128;

const VAR0: u32 = 0;
const LOCK0: u32 = VAR0 + MAX_VARS as u32;
const PTE0: u32 = LOCK0 + MAX_LOCKS as u32;
const META0: u32 = PTE0 + MAX_PTES as u32;
const DATA0: u32 = META0 + MAX_PAGES as u32;
const TLB0: u32 = DATA0 + MAX_PAGES as u32;
const IRQ0: u32 = TLB0 + (MAX_CPUS * MAX_PTES) as u32;
const PINS: u32 = IRQ0 + MAX_CPUS as u32;
const GHOST0: u32 = PINS + 1;
/// Stands for everything: a step with this bit conflicts with every step.
const ANY: u32 = GHOST0 + MAX_PTES as u32;
const _: () = assert!(ANY < 128);

#[inline]
fn b(i: u32) -> Bits {
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
        let any = b(ANY);
        ((self.reads | self.writes) & any != 0)
            || ((o.reads | o.writes) & any != 0)
            || (self.writes & (o.reads | o.writes | o.adds)) != 0
            || (o.writes & (self.reads | self.adds)) != 0
            || (self.adds & o.reads) != 0
            || (o.adds & self.reads) != 0
    }

    fn a(&mut self, bits: Bits) {
        self.adds |= bits;
    }

    fn r(&mut self, bits: Bits) {
        self.reads |= bits;
    }
    fn w(&mut self, bits: Bits) {
        self.writes |= bits;
    }
    fn rw(&mut self, bits: Bits) {
        self.reads |= bits;
        self.writes |= bits;
    }
}

fn range(first: u32, n: usize) -> Bits {
    if n == 0 {
        0
    } else {
        (((1u128 << n) - 1) as Bits) << first
    }
}

/// Per program: the resources each instruction touches, statically and at a given state.
#[derive(Clone, Debug)]
pub struct Por {
    /// Off under a relaxed memory model: every step depends on every other.
    pub enabled: bool,
    /// `step[t][pc]`: the instruction at pc with the silent ones that may follow it.
    step: Vec<Vec<Footprint>>,
    /// `future[t][pc]`: every instruction reachable from pc, pc included.
    future: Vec<Vec<Footprint>>,
    /// `tail[t][pc]`: the silent instructions that may run after the one at pc.
    tail: Vec<Vec<Footprint>>,
    /// What the checked invariants read.
    visible: Bits,
    all_pages: Bits,
    all_data: Bits,
    all_ghosts: Bits,
    /// Per lock that is the PT lock of an mm: the PTE and ghost bits of that mm's PTEs.
    ptl_guards: Vec<(usize, Bits)>,
}

fn successors(op: &Op, pc: usize) -> [Option<usize>; 2] {
    match op {
        Op::Jump(t) => [Some(*t as usize), None],
        Op::Branch { if_false, .. } => [Some(pc + 1), Some(*if_false as usize)],
        Op::User { fault, .. } => [Some(pc + 1), Some(*fault as usize)],
        Op::End | Op::Sleep(_) => [None, None],
        _ => [Some(pc + 1), None],
    }
}

impl Por {
    pub fn new(prog: &Program) -> Por {
        let l = &prog.layout;
        let all_pages = range(META0, l.pages.len());
        let all_data = range(DATA0, l.pages.len());
        let all_ghosts = range(GHOST0, l.ptes.len());
        let mut visible = 0;
        let ptl_bits: Bits = l.ptes.iter().filter_map(|p| l.mm_lock(p.mm, "ptl")).fold(0, |m, lk| m | b(LOCK0 + lk as u32));
        let all_ptes = range(PTE0, l.ptes.len());
        for inv in &prog.checks {
            visible |= match inv {
                Invariant::NoLostWrite => all_ptes | ptl_bits | all_ghosts | all_data,
                Invariant::PinnedWritable | Invariant::PinInSync => all_ptes | ptl_bits | b(PINS),
                Invariant::SoftDirtyAccurate => all_ptes | ptl_bits | all_ghosts,
                // Judged only in final states (every thread done), which a reduced search
                // keeps reachable: nothing a step changes makes it visible earlier.
                Invariant::Exists => 0,
            };
        }
        let mut por = Por {
            enabled: prog.model == MemoryModel::Sc,
            step: vec![],
            future: vec![],
            tail: vec![],
            visible,
            all_pages,
            all_data,
            all_ghosts,
            ptl_guards: vec![],
        };
        for (mm, _) in l.mms.iter().enumerate() {
            if let Some(lock) = l.mm_lock(mm, "ptl") {
                let guarded = l
                    .ptes
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.mm == mm)
                    .fold(0, |m, (i, _)| m | b(PTE0 + i as u32) | b(GHOST0 + i as u32));
                por.ptl_guards.push((lock, guarded));
            }
        }
        for t in 0..prog.threads.len() {
            let code = &prog.threads[t].instrs;
            let n = code.len();
            let own: Vec<Footprint> = code.iter().map(|i| por.op_footprint(prog, t, &i.op, None)).collect();
            // Silent tails: a fixpoint over the code (loops of silent instructions are
            // rejected by the compiler, but a fixpoint does not care).
            let mut tail = vec![Footprint::default(); n];
            let mut future = own.clone();
            loop {
                let mut changed = false;
                for pc in (0..n).rev() {
                    let mut tl = Footprint::default();
                    let mut fu = own[pc];
                    for s in successors(&code[pc].op, pc).into_iter().flatten() {
                        if s >= n {
                            continue;
                        }
                        if code[s].silent {
                            tl = tl.union(own[s]).union(tail[s]);
                        }
                        fu = fu.union(future[s]);
                    }
                    if tl != tail[pc] || fu != future[pc] {
                        tail[pc] = tl;
                        future[pc] = fu;
                        changed = true;
                    }
                }
                if !changed {
                    break;
                }
            }
            por.step.push((0..n).map(|pc| own[pc].union(tail[pc])).collect());
            por.future.push(future);
            por.tail.push(tail);
        }
        por
    }

    fn page_bits(&self, s: Option<&State>, t: usize, p: PageArg) -> (Bits, Bits) {
        let page = match (p, s) {
            (PageArg::Const(c), _) => Some(c as usize),
            (PageArg::Reg(r), Some(s)) => {
                let v = s.threads[t].regs[r as usize];
                (v >= 0 && (v as usize) < MAX_PAGES).then_some(v as usize)
            }
            (PageArg::Reg(_), None) => None,
        };
        match page {
            Some(p) => (b(META0 + p as u32), b(DATA0 + p as u32)),
            None => (self.all_pages, self.all_data),
        }
    }

    fn expr(&self, fp: &mut Footprint, s: Option<&State>, t: usize, e: &CExpr) {
        match e {
            CExpr::Const(_) | CExpr::Reg(_) | CExpr::MkPte(..) => {}
            CExpr::Var(v, _) => fp.r(b(VAR0 + *v as u32)),
            CExpr::Pte(p) | CExpr::PteSame(_, p) | CExpr::VmaFlag(p, _) => fp.r(b(PTE0 + *p as u32)),
            CExpr::PageCount(p) | CExpr::MapCount(p) | CExpr::PageFlag(p, _) | CExpr::MaybePinned(p) => fp.r(self.page_bits(s, t, *p).0),
            CExpr::Field(e, _) | CExpr::Not(e) => self.expr(fp, s, t, e),
            CExpr::Bin(_, l, r) => {
                self.expr(fp, s, t, l);
                self.expr(fp, s, t, r);
            }
        }
    }

    fn flush_bits(prog: &Program, t: usize, mm: usize, ptes: u8) -> Footprint {
        let mut fp = Footprint::default();
        for cpu in 0..MAX_CPUS as u32 {
            for p in 0..MAX_PTES as u32 {
                if ptes & (1 << p) != 0 {
                    fp.w(b(TLB0 + cpu * MAX_PTES as u32 + p));
                }
            }
        }
        let me = prog.layout.threads[t].cpu.map(|c| 1u8 << c).unwrap_or(0);
        let mask = prog.cpumask[mm] & !me;
        for cpu in 0..MAX_CPUS as u32 {
            if mask & (1 << cpu) != 0 {
                fp.r(b(IRQ0 + cpu));
            }
        }
        fp
    }

    /// The footprint of one instruction of thread `t`: at state `s` when given (registers
    /// name pages, the TLB decides whether an access walks), else for any state.
    pub fn op_footprint(&self, prog: &Program, t: usize, op: &Op, s: Option<&State>) -> Footprint {
        let mut fp = Footprint::default();
        let cpu = prog.layout.threads[t].cpu.unwrap_or(0) as u32;
        match op {
            Op::Jump(_) | Op::Sleep(_) | Op::End => {}
            Op::Branch { cond, .. } => self.expr(&mut fp, s, t, cond),
            Op::Assign { value, .. } => self.expr(&mut fp, s, t, value),
            Op::LockAcquire { lock, mode } | Op::LockRelease { lock, mode } => {
                let bit = b(LOCK0 + *lock as u32);
                if *mode == LockMode::Read && prog.layout.locks[*lock as usize].kind == LockKind::Rwsem {
                    // Read acquisitions and releases commute with each other.
                    fp.a(bit)
                } else {
                    fp.rw(bit)
                }
            }
            Op::LockDowngrade { lock } => fp.rw(b(LOCK0 + *lock as u32)),
            Op::PageLock(p) | Op::PageUnlock(p) | Op::PageTrylock { page: p, .. } => fp.rw(self.page_bits(s, t, *p).0),
            Op::PteModify { pte, .. } | Op::PteSetWrprotect { pte } | Op::VmaFlag { pte, .. } => fp.rw(b(PTE0 + *pte as u32)),
            Op::SetPte { pte, value } => {
                fp.w(b(PTE0 + *pte as u32));
                self.expr(&mut fp, s, t, value);
                // It may map a page: the invariants then read that page's data.
                let page = s.and_then(|s| crate::exec::eval(prog, s, t, value).ok()).map(|v| Pte::from_value(v).page() as usize);
                match page {
                    Some(p) if p < MAX_PAGES => fp.r(b(DATA0 + p as u32)),
                    _ => fp.r(self.all_data),
                }
            }
            Op::PteClear { pte, flush } => {
                fp.w(b(PTE0 + *pte as u32));
                if *flush {
                    fp = fp.union(Self::flush_bits(prog, t, prog.layout.ptes[*pte as usize].mm, 1 << pte));
                }
            }
            Op::Flush { mm, ptes } => fp = Self::flush_bits(prog, t, *mm as usize, *ptes),
            Op::TlbEvict { pte } => fp.w(b(TLB0 + cpu * MAX_PTES as u32 + *pte as u32)),
            Op::User { access, pte, slot: _, value, .. } => {
                let p = *pte as usize;
                let tlb = b(TLB0 + cpu * MAX_PTES as u32 + p as u32);
                let write = *access != Access::Load;
                self.expr(&mut fp, s, t, value);
                fp.r(tlb);
                let page = match s {
                    Some(s) => {
                        let e = s.tlb[cpu as usize][p];
                        let cur = s.ptes[p];
                        if e.valid() && (!write || (e.w() && e.d())) {
                            Some(e.page() as usize)
                        } else {
                            fp.r(b(PTE0 + p as u32));
                            fp.w(tlb);
                            if cur.present() && (!write || cur.has(Pte::W)) {
                                fp.w(b(PTE0 + p as u32));
                                Some(cur.page() as usize)
                            } else {
                                None // a fault: nothing more
                            }
                        }
                    }
                    None => {
                        fp.rw(tlb | b(PTE0 + p as u32));
                        Some(usize::MAX)
                    }
                };
                if let Some(page) = page {
                    let (meta, data) =
                        if page < MAX_PAGES { (b(META0 + page as u32), b(DATA0 + page as u32)) } else { (self.all_pages, self.all_data) };
                    fp.r(meta);
                    match access {
                        Access::Load => fp.r(data),
                        Access::Store => {
                            fp.w(data);
                            fp.rw(b(GHOST0 + p as u32));
                        }
                        Access::Add => {
                            fp.rw(data);
                            fp.rw(b(GHOST0 + p as u32));
                        }
                    }
                }
            }
            Op::VarAdd { var, .. } => {
                if prog.model == MemoryModel::Sc {
                    fp.a(b(VAR0 + *var as u32))
                } else {
                    fp.rw(b(VAR0 + *var as u32))
                }
            }
            Op::VarSet { var, value, .. } => {
                fp.w(b(VAR0 + *var as u32));
                self.expr(&mut fp, s, t, value);
            }
            Op::RefAdd { page, .. }
            | Op::RefAddUnless { page, .. }
            | Op::MapAdd { page, .. }
            | Op::NewAnonRmap(page)
            | Op::SetPageFlag { page, .. } => fp.rw(self.page_bits(s, t, *page).0),
            Op::Alloc { .. } => {
                // Reads which pool pages are free; takes the first one.
                fp.r(self.all_pages);
                let chosen = s.and_then(|s| s.pages.iter().position(|p| p.has(page_flags::POOL) && !p.has(page_flags::ALLOCATED)));
                match chosen {
                    Some(p) => fp.w(b(META0 + p as u32) | b(DATA0 + p as u32)),
                    None => fp.w(self.all_pages | self.all_data),
                }
            }
            Op::CopyChunk { src, dst, .. } => {
                fp.r(self.page_bits(s, t, *src).1);
                fp.w(self.page_bits(s, t, *dst).1);
            }
            Op::Irq(_) => fp.w(b(IRQ0 + cpu)),
            Op::GupReturn { .. } => fp.rw(b(PINS)),
            Op::GupRelease => {
                fp.rw(b(PINS));
                let page = s.and_then(|s| s.pins.iter().find(|p| p.active() && p.holder == t as u8).map(|p| p.page as usize));
                match page {
                    Some(p) if p < MAX_PAGES => fp.rw(b(META0 + p as u32)),
                    _ => fp.rw(self.all_pages),
                }
            }
            Op::Dma { write, holder, value, .. } => {
                fp.r(b(PINS));
                self.expr(&mut fp, s, t, value);
                let pin = s.and_then(|s| s.pins.iter().find(|p| p.active() && p.holder == *holder).copied());
                let (data, ghost) = match pin {
                    Some(p) if (p.page as usize) < MAX_PAGES && (p.pte as usize) < MAX_PTES => {
                        (b(DATA0 + p.page as u32), b(GHOST0 + p.pte as u32))
                    }
                    _ => (self.all_data, self.all_ghosts),
                };
                if *write {
                    fp.w(data);
                    fp.rw(ghost);
                } else {
                    fp.r(data);
                }
            }
            Op::TrackSoftDirty { pte } => fp.rw(b(GHOST0 + *pte as u32)),
            Op::Fence(_) => {
                if prog.model != MemoryModel::Sc {
                    fp = Footprint::EVERYTHING;
                }
            }
            Op::WaitVar { var } => fp.r(b(VAR0 + *var as u32)),
            Op::Await { cond } => self.expr(&mut fp, s, t, cond),
        }
        fp
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

    /// True when the step may change what a checked invariant reads, in any state.
    #[inline]
    pub fn visible(&self, fp: Footprint) -> bool {
        ((fp.writes | fp.adds) & self.visible) != 0 || (fp.writes & b(ANY)) != 0
    }

    /// True when thread `t`'s step (of footprint `fp`) may change what a checked invariant
    /// reads, in `s` or any state the other threads lead to from `s`: what `t` changes under
    /// a PT lock it holds (and keeps) is hidden from the invariants until `t` releases it.
    #[inline]
    pub fn visible_at(&self, s: &State, t: usize, fp: Footprint) -> bool {
        let mut changed = fp.writes | fp.adds;
        for &(lock, guarded) in &self.ptl_guards {
            if s.locks[lock].holders & (1 << t) != 0 && changed & b(LOCK0 + lock as u32) == 0 {
                changed &= !guarded;
            }
        }
        if changed & self.all_data != 0 {
            for p in 0..MAX_PAGES {
                let bit = b(DATA0 + p as u32);
                if changed & bit != 0 && !s.ptes.iter().any(|e| e.present() && e.page() as usize == p) {
                    changed &= !bit;
                }
            }
        }
        (changed & self.visible) != 0 || (fp.writes & b(ANY)) != 0
    }

    /// Chooses the choices to explore from `s`, given every enabled one (`enabled`, as
    /// `exec::choices` orders them); writes the indices (into `enabled`) to `out`. Returns
    /// false, leaving `out` empty, when no proper subset qualifies.
    pub fn ample(&self, prog: &Program, s: &State, enabled: &[Choice], out: &mut Vec<u8>) -> bool {
        out.clear();
        if !self.enabled || enabled.len() < 2 || enabled.iter().any(|c| !matches!(c, Choice::Run(_))) {
            return false;
        }
        let n = prog.threads.len();
        let mut en_mask = 0u32;
        let mut fps = [Footprint::default(); MAX_THREADS];
        for c in enabled {
            let t = c.thread();
            en_mask |= 1 << t;
            fps[t] = self.choice_footprint(prog, s, *c);
        }
        // Threads that can still take a step some day, and their futures.
        let mut live = 0u32;
        let mut futures = [Footprint::default(); MAX_THREADS];
        for t in 0..n {
            if s.threads[t].status == Status::Running {
                live |= 1 << t;
                let pc = s.threads[t].pc as usize;
                futures[t] = self.future[t][pc];
                if en_mask & (1 << t) == 0 {
                    fps[t] = self.step[t][pc];
                }
            }
        }
        let mut best: Option<u32> = None;
        for first in enabled {
            let t0 = first.thread();
            if self.visible_at(s, t0, fps[t0]) {
                continue;
            }
            let mut set = 1u32 << t0;
            let mut work = set;
            let mut ok = true;
            while work != 0 {
                let u = work.trailing_zeros() as usize;
                work &= !(1 << u);
                let fu = fps[u];
                for v in 0..n {
                    let bit = 1 << v;
                    if set & bit != 0 || live & bit == 0 {
                        continue;
                    }
                    if fu.conflicts(futures[v]) {
                        set |= bit;
                        work |= bit;
                        if en_mask & bit != 0 && self.visible_at(s, v, fps[v]) {
                            ok = false;
                        }
                    }
                }
                if !ok || set & en_mask == en_mask {
                    ok = false;
                    break;
                }
            }
            if !ok {
                continue;
            }
            let size = (set & en_mask).count_ones();
            if best.is_none_or(|b| size < (b & en_mask).count_ones()) {
                best = Some(set);
                if size == 1 {
                    break;
                }
            }
        }
        let Some(set) = best else { return false };
        for (i, c) in enabled.iter().enumerate() {
            if set & (1 << c.thread()) != 0 {
                out.push(i as u8);
            }
        }
        true
    }
}
