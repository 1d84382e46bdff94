//! The machine of `docs/races.md` ("The machine"), as one fixed-size `Copy` value.
//!
//! Everything the explorer hashes lives here and nowhere else: a state is plain data of a few
//! hundred bytes, with no heap, so that cloning and fingerprinting it is cheap. Names (which
//! index is page `P`, which PTE slot is `child.V`) live in [`crate::layout::Layout`], one layer up.

pub const MAX_THREADS: usize = 6;
pub const MAX_CPUS: usize = 6;
pub const MAX_PAGES: usize = 6;
/// A PTE slot is one (mm, virtual address) pair.
pub const MAX_PTES: usize = 4;
/// Data slots per page: a page is modelled as a few words, so a copy can be seen half done.
pub const MAX_DATA: usize = 4;
pub const MAX_VARS: usize = 16;
pub const MAX_LOCKS: usize = 8;
pub const MAX_REGS: usize = 10;
pub const MAX_PINS: usize = 4;
/// In-flight entries per CPU under the relaxed memory models (buffered stores under x86-TSO,
/// accesses performed early under arm64: see `relaxed/`).
pub const MAX_SB: usize = 6;

/// `GUP_PIN_COUNTING_BIAS` (include/linux/mm.h): a FOLL_PIN adds this to `_refcount`.
pub const PIN_BIAS: i32 = 1024;

pub const NONE: u8 = u8::MAX;

/// A page-table entry packed into 16 bits: flag bits below, the page (pfn) in the high byte.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pte(pub u16);

impl Pte {
    pub const PRESENT: u16 = 1 << 0;
    pub const W: u16 = 1 << 1;
    pub const D: u16 = 1 << 2;
    pub const A: u16 = 1 << 3;
    pub const SD: u16 = 1 << 4;
    pub const UW: u16 = 1 << 5;
    pub const BITS: u16 = 0xff;

    pub const NONE: Pte = Pte(0);

    pub fn new(page: u8, bits: u16) -> Pte {
        Pte(((page as u16) << 8) | (bits & Self::BITS) | Self::PRESENT)
    }
    pub fn present(self) -> bool {
        self.0 & Self::PRESENT != 0
    }
    pub fn page(self) -> u8 {
        (self.0 >> 8) as u8
    }
    pub fn has(self, bit: u16) -> bool {
        self.0 & bit != 0
    }
    pub fn with(self, set: u16, clear: u16) -> Pte {
        Pte((self.0 | set) & !clear)
    }
    pub fn to_value(self) -> i32 {
        self.0 as i32
    }
    pub fn from_value(v: i32) -> Pte {
        Pte(v as u16)
    }
}

/// The PTE bits a scenario may name, in display order.
pub const PTE_BITS: &[(&str, u16)] = &[("W", Pte::W), ("D", Pte::D), ("A", Pte::A), ("SD", Pte::SD), ("UW", Pte::UW)];

pub fn pte_bit(name: &str) -> Option<u16> {
    PTE_BITS.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
}

/// A per-CPU TLB entry: a cached translation with its own copy of W and D, which can disagree
/// with the PTE it came from (a *stale* entry).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TlbEntry(pub u16);

impl TlbEntry {
    pub const VALID: u16 = 1;
    pub const W: u16 = 2;
    pub const D: u16 = 4;
    pub const EMPTY: TlbEntry = TlbEntry(0);

    pub fn new(page: u8, w: bool, d: bool) -> TlbEntry {
        let mut v = Self::VALID | ((page as u16) << 8);
        if w {
            v |= Self::W;
        }
        if d {
            v |= Self::D;
        }
        TlbEntry(v)
    }
    pub fn valid(self) -> bool {
        self.0 & Self::VALID != 0
    }
    pub fn page(self) -> u8 {
        (self.0 >> 8) as u8
    }
    pub fn w(self) -> bool {
        self.0 & Self::W != 0
    }
    pub fn d(self) -> bool {
        self.0 & Self::D != 0
    }
    /// True when the entry lets the CPU do something the PTE no longer allows.
    pub fn is_stale(self, pte: Pte) -> bool {
        self.valid() && (!pte.present() || pte.page() != self.page() || (self.w() && !pte.has(Pte::W)))
    }
}

pub mod page_flags {
    pub const ALLOCATED: u8 = 1 << 0;
    pub const ANON: u8 = 1 << 1;
    pub const KSM: u8 = 1 << 2;
    pub const ANON_EXCLUSIVE: u8 = 1 << 3;
    pub const LOCKED: u8 = 1 << 4;
    /// The page is in the scenario's pool of free pages that `alloc_page()` hands out.
    pub const POOL: u8 = 1 << 5;
}

/// A page flag a scenario or a kernel path names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageFlag {
    /// The bit in [`Page::flags`].
    pub bit: u8,
    /// The word in a `page` line of a `state` block: `page P anon exclusive`.
    pub word: &'static str,
    /// The name in what a step changed and in an in-flight value: `P.anon_exclusive 1->0`.
    pub label: &'static str,
    /// The kernel's test, a value in conditions: `PageAnonExclusive(p)`.
    pub test: &'static str,
}

/// Every page flag with a name, in the order the words list them.
pub const PAGE_FLAGS: &[PageFlag] = &[
    PageFlag { bit: page_flags::LOCKED, word: "locked", label: "locked", test: "PageLocked" },
    PageFlag { bit: page_flags::ANON, word: "anon", label: "anon", test: "PageAnon" },
    PageFlag { bit: page_flags::ANON_EXCLUSIVE, word: "exclusive", label: "anon_exclusive", test: "PageAnonExclusive" },
    PageFlag { bit: page_flags::KSM, word: "ksm", label: "ksm", test: "PageKsm" },
];

/// The named flag with this bit.
pub fn page_flag(bit: u8) -> Option<&'static PageFlag> {
    PAGE_FLAGS.iter().find(|f| f.bit == bit)
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Page {
    /// `_refcount`: mappings, `get_page` references and `GUP_PIN_COUNTING_BIAS` per pin.
    pub refcount: i16,
    /// `page_mapcount()`, i.e. `_mapcount + 1`.
    pub mapcount: i8,
    pub flags: u8,
    /// The thread holding PG_locked, or NONE.
    pub lock_owner: u8,
    pub data: [u8; MAX_DATA],
}

impl Page {
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
    pub fn set(&mut self, flag: u8, on: bool) {
        if on {
            self.flags |= flag
        } else {
            self.flags &= !flag
        }
    }
}

pub mod vma_flags {
    pub const ANON: u8 = 1 << 0;
    /// `is_cow_mapping()`: private and may be written.
    pub const COW: u8 = 1 << 1;
    pub const UFFD_WP: u8 = 1 << 2;
    pub const SOFTDIRTY: u8 = 1 << 3;
    pub const WRITE: u8 = 1 << 4;
    pub const SHARED: u8 = 1 << 5;
}

pub const VMA_FLAGS: &[(&str, u8)] = &[
    ("anon", vma_flags::ANON),
    ("cow", vma_flags::COW),
    ("uffd_wp", vma_flags::UFFD_WP),
    ("softdirty", vma_flags::SOFTDIRTY),
    ("write", vma_flags::WRITE),
    ("shared", vma_flags::SHARED),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[repr(u8)]
pub enum LockMode {
    #[default]
    #[serde(rename = "free")]
    Free = 0,
    #[serde(rename = "read")]
    Read = 1,
    #[serde(rename = "write")]
    Write = 2,
    #[serde(rename = "group 0")]
    Group0 = 3,
    #[serde(rename = "group 1")]
    Group1 = 4,
}

impl LockMode {
    /// The mode with this discriminant (`Free` for anything else).
    pub fn from_u8(v: u8) -> LockMode {
        match v {
            1 => LockMode::Read,
            2 => LockMode::Write,
            3 => LockMode::Group0,
            4 => LockMode::Group1,
            _ => LockMode::Free,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            LockMode::Free => "free",
            LockMode::Read => "read",
            LockMode::Write => "write",
            LockMode::Group0 => "group 0",
            LockMode::Group1 => "group 1",
        }
    }
}

impl std::fmt::Display for LockMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}

/// A lock: an rwsem (mmap_lock), a spinlock (the PT lock) or a two-group semaphore.
/// Holders and waiters are thread bitmasks, so the UI can say *who* holds and waits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Lock {
    pub mode: LockMode,
    pub holders: u8,
    pub wait_read: u8,
    pub wait_write: u8,
}

impl Lock {
    /// Whether thread `t` can take the lock in `mode` now (an rwsem's reader waits behind a
    /// queued writer other than itself).
    pub fn available(&self, mode: LockMode, t: usize) -> bool {
        let me = 1u8 << t;
        match mode {
            LockMode::Read => {
                self.mode != LockMode::Write
                    && self.mode != LockMode::Group0
                    && self.mode != LockMode::Group1
                    && (self.wait_write & !me) == 0
            }
            LockMode::Write => self.mode == LockMode::Free,
            LockMode::Group0 | LockMode::Group1 => self.mode == LockMode::Free || self.mode == mode,
            LockMode::Free => true,
        }
    }

    /// Thread `t` takes the lock in `mode` (it is available) and leaves the wait queues.
    pub fn take(&mut self, mode: LockMode, t: usize) {
        let me = 1u8 << t;
        self.wait_read &= !me;
        self.wait_write &= !me;
        self.mode = mode;
        self.holders |= me;
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum Status {
    #[default]
    Running = 0,
    Finished = 1,
    /// A dead end such as `handle_userfault`, waiting for an event outside the scenario.
    Sleeping = 2,
    /// Ended by a signal: a fault on an access its VMA forbids (`force_sig_segv()`).
    Killed = 3,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Thread {
    pub pc: u16,
    pub status: Status,
    /// Index into the program's sleep reasons when `Sleeping` or `Killed`.
    pub sleep_reason: u8,
    pub regs: [i16; MAX_REGS],
}

pub mod pin_flags {
    pub const ACTIVE: u8 = 1 << 0;
    /// FOLL_PIN (else FOLL_GET).
    pub const PIN: u8 = 1 << 1;
    /// FOLL_WRITE.
    pub const WRITE: u8 = 1 << 2;
    pub const LONGTERM: u8 = 1 << 3;
}

/// A GUP reference that was *returned* to its caller: the holder now uses `page` as what the
/// process maps at `pte` (ghost state for the pin invariants).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Pin {
    pub holder: u8,
    pub page: u8,
    pub pte: u8,
    pub flags: u8,
}

impl Pin {
    pub fn active(&self) -> bool {
        self.flags & pin_flags::ACTIVE != 0
    }
}

/// Oracle state for the invariants: not part of any kernel, only of the question asked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Ghost {
    /// The last value a retired store (CPU or DMA on behalf of the mapping) wrote per slot.
    pub expected: [[u8; MAX_DATA]; MAX_PTES],
    /// Bit `pte * MAX_DATA + slot` set when `expected` holds a value.
    pub has_expected: u16,
    /// The thread whose store wrote `expected`, for the explanation.
    pub writer: [[u8; MAX_DATA]; MAX_PTES],
    /// PTE slots whose soft-dirty tracking has been reset (clear_refs returned).
    pub sd_tracked: u8,
    /// PTE slots written since then.
    pub sd_written: u8,
    /// Bit `pin * MAX_DATA + slot` set when a store made through another mm than the pin's
    /// (a CPU store through a PTE of that mm, or DMA through a GUP reference taken there)
    /// reached the pinned page since the pin was taken. Kept only when `no_leak` is checked.
    pub foreign: u16,
    /// Pins (bits) whose holder read such a value through them: the isolation break.
    pub leaked: u8,
    /// The data slot of the first such read.
    pub leak_slot: u8,
}

/// One in-flight memory operation of a CPU under the relaxed models: a store waiting in the
/// x86-TSO store buffer, or an access the CPU performed early under arm64 (see
/// `relaxed::kind`). Used entries come first; an empty one has `flags == 0`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SbEntry {
    /// A location code (`relaxed::Loc::code`), or for an access performed early the pc of its
    /// instruction.
    pub loc: u16,
    pub value: i16,
    /// What the entry is (`relaxed::kind`).
    pub flags: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct State {
    pub threads: [Thread; MAX_THREADS],
    pub pages: [Page; MAX_PAGES],
    pub ptes: [Pte; MAX_PTES],
    pub vma: [u8; MAX_PTES],
    pub tlb: [[TlbEntry; MAX_PTES]; MAX_CPUS],
    pub vars: [i16; MAX_VARS],
    pub locks: [Lock; MAX_LOCKS],
    /// CPU bitmask: IRQs disabled (GUP-fast), which holds off flush IPIs.
    pub irq_off: u8,
    pub pins: [Pin; MAX_PINS],
    pub ghost: Ghost,
    /// Per-CPU in-flight memory operations (empty under sequential consistency).
    pub sb: [[SbEntry; MAX_SB]; MAX_CPUS],
}

impl Default for State {
    fn default() -> Self {
        State {
            threads: [Thread::default(); MAX_THREADS],
            pages: [Page { lock_owner: NONE, ..Page::default() }; MAX_PAGES],
            ptes: [Pte::NONE; MAX_PTES],
            vma: [0; MAX_PTES],
            tlb: [[TlbEntry::EMPTY; MAX_PTES]; MAX_CPUS],
            vars: [0; MAX_VARS],
            locks: [Lock::default(); MAX_LOCKS],
            irq_off: 0,
            pins: [Pin { holder: NONE, page: NONE, pte: NONE, flags: 0 }; MAX_PINS],
            ghost: Ghost::default(),
            sb: [[SbEntry::default(); MAX_SB]; MAX_CPUS],
        }
    }
}
