//! The compiled program, the interpreter's input: one flat list of [`Instr`]s per thread, every
//! name resolved to an index. Built by `compile`, run by `exec`.

use std::collections::BTreeSet;

use crate::layout::{Invariant, Layout, MemoryModel};
use crate::state::*;
use crate::syntax::{BinOp, Diagnostic};

pub fn eval_bin(op: BinOp, l: i32, r: i32) -> i32 {
    match op {
        BinOp::Or => (l != 0 || r != 0) as i32,
        BinOp::And => (l != 0 && r != 0) as i32,
        BinOp::Eq => (l == r) as i32,
        BinOp::Ne => (l != r) as i32,
        BinOp::Lt => (l < r) as i32,
        BinOp::Le => (l <= r) as i32,
        BinOp::Gt => (l > r) as i32,
        BinOp::Ge => (l >= r) as i32,
        BinOp::Add => l.wrapping_add(r),
        BinOp::Sub => l.wrapping_sub(r),
        BinOp::BitAnd => l & r,
    }
}

/// A page operand: a page named in the scenario, or a register holding one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PageArg {
    Const(u8),
    Reg(u8),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PteField {
    Present,
    Page,
    Bit(u16),
}

/// How a shared variable is read (the relaxed models distinguish them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LoadOrder {
    Relaxed,
    Acquire,
}

/// A compiled expression. Reads of shared state make the instruction that evaluates it a
/// scheduling point; reads of registers and constants do not.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CExpr {
    Const(i32),
    Reg(u8),
    Var(u8, LoadOrder),
    Pte(u8),
    PteSame(u8, u8),
    Field(Box<CExpr>, PteField),
    PageCount(PageArg),
    MapCount(PageArg),
    PageFlag(PageArg, u8),
    MaybePinned(PageArg),
    VmaFlag(u8, u8),
    /// `spin_is_locked(l)`: 1 while the lock is held.
    LockHeld(u8),
    MkPte(PageArg, u16),
    Not(Box<CExpr>),
    Bin(BinOp, Box<CExpr>, Box<CExpr>),
}

impl CExpr {
    /// True when evaluating it touches nothing but registers and constants.
    pub fn is_local(&self) -> bool {
        match self {
            CExpr::Const(_) | CExpr::Reg(_) => true,
            CExpr::MkPte(p, _) => matches!(p, PageArg::Const(_) | PageArg::Reg(_)),
            CExpr::Field(e, _) | CExpr::Not(e) => e.is_local(),
            CExpr::Bin(_, l, r) => l.is_local() && r.is_local(),
            _ => false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    Store,
    Add,
    Load,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FenceKind {
    /// `smp_mb()`
    Full,
    /// `smp_rmb()`
    Read,
    /// `smp_wmb()`
    Write,
    /// `smp_mb__before_atomic()`
    BeforeAtomic,
    /// `smp_mb__after_atomic()`
    AfterAtomic,
    /// `smp_mb__after_spinlock()`: a full barrier where a lock acquire is not one already
    /// (arm64: `smp_mb()`); nothing on x86, whose lock acquire is a LOCK-prefixed RMW.
    AfterSpinlock,
}

/// A value-returning atomic read-modify-write of a shared variable: fully ordered (on arm64
/// and in LKMM), except a `cmpxchg` that fails, which orders nothing (Documentation/atomic_t.txt).
/// On x86 every one of them is a LOCK-prefixed instruction, a full barrier even when it fails.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Rmw {
    /// `xchg(x, v)`: stores v, returns the old value.
    Xchg(CExpr),
    /// `cmpxchg(x, old, new)`: stores new if x == old; returns the old value either way.
    CmpXchg(CExpr, CExpr),
    /// `atomic_add_return(n, x)` and its kin: adds, returns the new value.
    AddReturn(i16),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    Jump(u16),
    Branch {
        cond: CExpr,
        if_false: u16,
    },
    Assign {
        dst: u8,
        value: CExpr,
    },
    Sleep(u8),
    /// The thread ends, killed by a signal (the index of its reason, as for `Sleep`).
    Kill(u8),
    LockAcquire {
        lock: u8,
        mode: LockMode,
    },
    LockRelease {
        lock: u8,
        mode: LockMode,
    },
    LockDowngrade {
        lock: u8,
    },
    PageLock(PageArg),
    PageUnlock(PageArg),
    PageTrylock {
        dst: u8,
        page: PageArg,
    },
    PteModify {
        pte: u8,
        set: u16,
        clear: u16,
    },
    PteSetWrprotect {
        pte: u8,
    },
    SetPte {
        pte: u8,
        value: CExpr,
    },
    /// `pte_clear`, or `ptep_clear_flush` with `flush`.
    PteClear {
        pte: u8,
        flush: bool,
    },
    /// `flush_tlb_page/range/mm`: every CPU of the mm drops its entries for these PTE slots.
    Flush {
        mm: u8,
        ptes: u8,
    },
    TlbEvict {
        pte: u8,
    },
    User {
        access: Access,
        pte: u8,
        slot: u8,
        value: CExpr,
        dst: u8,
        fault: u16,
    },
    VarAdd {
        var: u8,
        delta: i16,
    },
    VarSet {
        var: u8,
        value: CExpr,
        release: bool,
    },
    /// `r = xchg(x, v)`, `r = cmpxchg(x, old, new)`, `r = atomic_inc_return(x)`.
    VarRmw {
        dst: u8,
        var: u8,
        rmw: Rmw,
    },
    RefAdd {
        page: PageArg,
        delta: i16,
    },
    RefAddUnless {
        dst: u8,
        page: PageArg,
        delta: i16,
    },
    MapAdd {
        page: PageArg,
        delta: i8,
    },
    NewAnonRmap(PageArg),
    SetPageFlag {
        page: PageArg,
        flag: u8,
        on: bool,
    },
    Alloc {
        dst: u8,
    },
    CopyChunk {
        src: PageArg,
        dst: PageArg,
        slot: u8,
    },
    /// `local_irq_disable` (true) / `local_irq_enable` (false).
    Irq(bool),
    GupReturn {
        page: PageArg,
        pte: u8,
        flags: u8,
    },
    GupRelease,
    Dma {
        write: bool,
        holder: u8,
        slot: u8,
        value: CExpr,
        dst: u8,
    },
    VmaFlag {
        pte: u8,
        flag: u8,
        on: bool,
    },
    TrackSoftDirty {
        pte: u8,
    },
    Fence(FenceKind),
    /// `wait_event(x)`: sleeps until the shared variable is nonzero.
    WaitVar {
        var: u8,
    },
    /// `await(COND)`: the thread cannot run until the condition holds. Scenarios use it for
    /// what user space orders by itself (a monitor un-protects a range it saw write-protected).
    Await {
        cond: CExpr,
    },
    End,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Instr {
    pub op: Op,
    /// Silent instructions (jumps, register moves, ghost bookkeeping) run together with the
    /// step before them: they are not scheduling points.
    pub silent: bool,
    /// Index into [`Program::funcs`]: the kernel function this step stands for.
    pub func: u16,
    /// The statement as written, with proc parameters substituted (`ptep_set_wrprotect(V)`).
    pub text: String,
    /// Index into [`Program::files`] and line of the statement in that source.
    pub file: u16,
    pub line: u32,
    pub note: Option<String>,
}

/// What a register holds, so a value can be shown as a kernel developer would read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RegKind {
    Int,
    Page,
    Pte,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ThreadCode {
    pub instrs: Vec<Instr>,
    pub regs: Vec<String>,
    pub reg_kinds: Vec<RegKind>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Func {
    pub name: String,
    pub file: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    pub scenario: String,
    pub policy: String,
    pub model: MemoryModel,
    pub features: BTreeSet<String>,
    pub layout: Layout,
    pub checks: Vec<Invariant>,
    pub threads: Vec<ThreadCode>,
    pub funcs: Vec<Func>,
    pub files: Vec<String>,
    pub sleep_reasons: Vec<String>,
    /// Per mm: the CPUs a flush must reach (those that run a thread of the mm or cache one of
    /// its translations).
    pub cpumask: Vec<u8>,
    pub init: State,
    /// The scenario's `exists` condition on the final state, compiled.
    pub exists: Option<FinalCond>,
    /// The code tests `PageAnonExclusive` (v5.19 and later): PG_anon_exclusive is the
    /// kernel's, and a write fault reuses an exclusive page instead of copying it. Where no
    /// instruction reads it, a page's flag means nothing to the invariants.
    pub reads_anon_exclusive: bool,
    /// What the compiler warns about (a register a called proc may clobber): said, never acted on.
    pub warnings: Vec<Diagnostic>,
}

/// A condition on the final state: registers of threads (`P1.r0`), shared variables,
/// constants, and operators.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FinalCond {
    Const(i32),
    Reg { thread: u8, reg: u8 },
    Var(u8),
    Not(Box<FinalCond>),
    Bin(BinOp, Box<FinalCond>, Box<FinalCond>),
}

impl FinalCond {
    /// The registers of thread `t` the condition reads, one bit each.
    pub fn regs_of(&self, t: usize) -> u16 {
        match self {
            FinalCond::Reg { thread, reg } if *thread as usize == t => 1 << reg,
            FinalCond::Const(_) | FinalCond::Reg { .. } | FinalCond::Var(_) => 0,
            FinalCond::Not(x) => x.regs_of(t),
            FinalCond::Bin(_, l, r) => l.regs_of(t) | r.regs_of(t),
        }
    }

    pub fn eval(&self, s: &State) -> i32 {
        match self {
            FinalCond::Const(c) => *c,
            FinalCond::Reg { thread, reg } => s.threads[*thread as usize].regs[*reg as usize] as i32,
            FinalCond::Var(v) => s.vars[*v as usize] as i32,
            FinalCond::Not(x) => (x.eval(s) == 0) as i32,
            FinalCond::Bin(op, l, r) => eval_bin(*op, l.eval(s), r.eval(s)),
        }
    }
}

impl Program {
    pub fn thread_name(&self, t: usize) -> &str {
        &self.layout.threads[t].name
    }

    pub fn instr(&self, t: usize, pc: u16) -> &Instr {
        &self.threads[t].instrs[pc as usize]
    }

    pub fn func(&self, i: &Instr) -> &Func {
        &self.funcs[i.func as usize]
    }
}
