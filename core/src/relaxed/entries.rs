//! The locations the memory models track, and the in-flight entries of a CPU (`State::sb`):
//! buffered stores (x86-TSO) and accesses performed early (arm64), as records.

use crate::ir::Program;
use crate::state::*;

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
    /// A lock's word (what `spin_is_locked` reads).
    Lock(u8),
}

pub(super) const PTE_BIT0: u32 = MAX_VARS as u32;
pub(super) const REF_BIT0: u32 = PTE_BIT0 + MAX_PTES as u32;
pub(super) const MAP_BIT0: u32 = REF_BIT0 + MAX_PAGES as u32;
pub(super) const FLAGS_BIT0: u32 = MAP_BIT0 + MAX_PAGES as u32;
pub(super) const DATA_BIT0: u32 = FLAGS_BIT0 + MAX_PAGES as u32;
pub(super) const VMA_BIT0: u32 = DATA_BIT0 + (MAX_PAGES * MAX_DATA) as u32;
pub(super) const LOCK_BIT0: u32 = VMA_BIT0 + MAX_PTES as u32;
const _: () = assert!(LOCK_BIT0 + (MAX_LOCKS as u32) <= 128);
/// Every location of every page (an access through a page register whose value is unknown).
pub(super) const ALL_PAGE_BITS: u128 = ((1u128 << (VMA_BIT0 - REF_BIT0)) - 1) << REF_BIT0;

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
            Loc::Lock(l) => 0x8000 | l as u16,
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
            8 => Loc::Lock(low),
            _ => return None,
        })
    }

    pub(super) fn bit(self) -> u128 {
        1u128
            << match self {
                Loc::Var(v) => v as u32,
                Loc::Pte(p) => PTE_BIT0 + p as u32,
                Loc::Ref(p) => REF_BIT0 + p as u32,
                Loc::Map(p) => MAP_BIT0 + p as u32,
                Loc::Flags(p) => FLAGS_BIT0 + p as u32,
                Loc::Data(p, d) => DATA_BIT0 + (p as usize * MAX_DATA + d as usize) as u32,
                Loc::Vma(p) => VMA_BIT0 + p as u32,
                Loc::Lock(l) => LOCK_BIT0 + l as u32,
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
            // Mode in the low byte, holders in the high one.
            Loc::Lock(l) => s.locks[l as usize].mode as i16 | (s.locks[l as usize].holders as i16) << 8,
        }
    }

    pub(super) fn write(self, s: &mut State, v: i16) {
        match self {
            Loc::Var(x) => s.vars[x as usize] = v,
            Loc::Pte(p) => s.ptes[p as usize] = Pte(v as u16),
            Loc::Ref(p) => s.pages[p as usize].refcount = v,
            Loc::Map(p) => s.pages[p as usize].mapcount = v as i8,
            Loc::Flags(p) => s.pages[p as usize].flags = v as u8,
            Loc::Data(p, d) => s.pages[p as usize].data[d as usize] = v as u8,
            Loc::Vma(p) => s.vma[p as usize] = v as u8,
            Loc::Lock(l) => {
                let lk = &mut s.locks[l as usize];
                lk.mode = LockMode::from_u8(v as u8);
                lk.holders = (v >> 8) as u8;
            }
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
    /// arm64: a lock acquire performed early (the lock is held already); `loc` is the pc of
    /// its instruction, `value` the lock's index.
    pub const EARLY_LOCK: u8 = 5;
}

/// In an EARLY_LOAD's value: the thread has run a load since (an `smp_rmb` after it orders
/// the early load after that one, so it may not stay early).
pub(super) const LOADED: u16 = 1 << 15;

/// At most this many accesses of one thread are in flight out of program order at once.
pub const MAX_EARLY: usize = 2;
/// And at most this many lock acquires taken early, besides (fork takes two PT locks in a row).
pub const MAX_EARLY_LOCKS: usize = 2;
/// Records of one CPU: accesses and locks.
pub const MAX_RECORDS: usize = MAX_EARLY + MAX_EARLY_LOCKS;
/// How far ahead a thread looks for an access to perform early: scheduling points, and
/// instructions along one path (silent ones included).
pub(super) const WINDOW: u8 = 10;
pub(super) const MAX_PATH: u8 = 64;
/// Reads of one access performed early.
pub(super) const MAX_READS: usize = 2;
/// Bound on the look-ahead search (paths branch at undecided conditions).
pub(super) const MAX_NODES: usize = 256;

#[inline]
pub fn cpu_of(prog: &Program, t: usize) -> Option<usize> {
    prog.layout.threads.get(t).and_then(|i| i.cpu).map(|c| c as usize)
}

#[inline]
pub(super) fn used(sb: &[SbEntry; MAX_SB]) -> usize {
    sb.iter().take_while(|e| e.flags != 0).count()
}

pub(super) fn push(sb: &mut [SbEntry; MAX_SB], e: SbEntry) -> bool {
    let n = used(sb);
    if n == MAX_SB {
        return false;
    }
    sb[n] = e;
    true
}

/// What an access performed early was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
    /// A load: its values wait for the thread to reach it, and it may be discarded.
    Load,
    /// A plain store, in memory already.
    Store,
    /// A lock acquire: the lock is held already.
    Lock,
}

/// An access performed early, as read back from the entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    pub pc: u16,
    pub kind: RecordKind,
    /// EARLY_LOAD: tainted registers; EARLY_STORE: the value stored; EARLY_LOCK: the lock.
    pub value: i16,
    pub reads: [(Loc, i16); MAX_READS],
    pub nreads: usize,
}

impl Record {
    pub fn is_load(&self) -> bool {
        self.kind == RecordKind::Load
    }
    pub(super) fn bits(&self) -> u128 {
        self.reads[..self.nreads].iter().fold(0, |m, (l, _)| m | l.bit())
    }
    pub(super) fn entries(&self) -> usize {
        1 + self.nreads
    }
}

/// The accesses `cpu` performed early (arm64), oldest first.
pub fn records(s: &State, cpu: usize) -> ([Option<Record>; MAX_RECORDS], usize) {
    let sb = &s.sb[cpu];
    let mut out = [None; MAX_RECORDS];
    let mut n = 0;
    let mut i = 0;
    while i < MAX_SB && sb[i].flags != 0 {
        let e = sb[i];
        match e.flags {
            kind::EARLY_LOAD | kind::EARLY_STORE | kind::EARLY_LOCK => {
                let mut r = Record {
                    pc: e.loc,
                    kind: match e.flags {
                        kind::EARLY_LOAD => RecordKind::Load,
                        kind::EARLY_STORE => RecordKind::Store,
                        _ => RecordKind::Lock,
                    },
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
                if n < MAX_RECORDS {
                    out[n] = Some(r);
                    n += 1;
                }
            }
            _ => i += 1,
        }
    }
    (out, n)
}

pub(super) fn write_records(s: &mut State, cpu: usize, recs: &[Record]) {
    let sb = &mut s.sb[cpu];
    *sb = [SbEntry::default(); MAX_SB];
    let mut i = 0;
    for r in recs {
        let flags = match r.kind {
            RecordKind::Load => kind::EARLY_LOAD,
            RecordKind::Store => kind::EARLY_STORE,
            RecordKind::Lock => kind::EARLY_LOCK,
        };
        sb[i] = SbEntry { loc: r.pc, value: r.value, flags };
        i += 1;
        for (l, v) in &r.reads[..r.nreads] {
            sb[i] = SbEntry { loc: l.code(), value: *v, flags: kind::READ };
            i += 1;
        }
    }
}
