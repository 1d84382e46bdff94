//! What the indices of a [`State`] mean: the names of pages, PTE slots, counters, locks and
//! threads ([`Layout`]), and the small enums every layer above shares: the memory model, the
//! kinds of lock, the invariants.

use serde::{Deserialize, Serialize};

/// The invariants a scenario can ask for (`docs/races.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Invariant {
    /// A store retired to V (by a CPU, or by DMA through a GUP reference for V) is in the page
    /// V maps.
    NoLostWrite,
    /// A page returned by `pin_user_pages*(FOLL_WRITE)` stays writable in the pinning mm while
    /// pinned (57efa1fe5957).
    PinnedWritable,
    /// A GUP holder and the page table agree on the page (the device and the process see the
    /// same memory).
    PinInSync,
    /// A page written after clear_refs returned is soft-dirty.
    SoftDirtyAccurate,
    /// The final state (every thread done, nothing left in flight) does not satisfy the
    /// scenario's `exists` condition: the outcome a litmus test asks about never happens.
    Exists,
    /// A GUP reference taken through one mm never reads data that another mm stored into the
    /// page after the reference was taken (the child of a fork reading its parent's later
    /// writes, CVE-2020-29374).
    NoLeak,
}

impl Invariant {
    /// Its place in [`Invariant::ALL`] (and its bit in an [`InvariantSet`]).
    pub fn index(self) -> usize {
        self as usize
    }
    pub const ALL: [Invariant; 6] = [
        Invariant::NoLostWrite,
        Invariant::PinnedWritable,
        Invariant::PinInSync,
        Invariant::SoftDirtyAccurate,
        Invariant::Exists,
        Invariant::NoLeak,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Invariant::NoLostWrite => "no_lost_write",
            Invariant::PinnedWritable => "pinned_writable",
            Invariant::PinInSync => "pin_in_sync",
            Invariant::SoftDirtyAccurate => "soft_dirty_accurate",
            Invariant::Exists => "exists",
            Invariant::NoLeak => "no_leak",
        }
    }
    pub fn parse(s: &str) -> Option<Invariant> {
        Self::ALL.into_iter().find(|i| i.name() == s)
    }
    pub fn description(self) -> &'static str {
        match self {
            Invariant::NoLostWrite => "every store that retired to V is in the page V maps",
            Invariant::PinnedWritable => {
                "a page pinned with FOLL_WRITE stays writable in the pinning mm, or (v5.19 on) PageAnonExclusive, so a write fault reuses it"
            }
            Invariant::PinInSync => "a GUP holder and the page table agree on the page",
            Invariant::SoftDirtyAccurate => "a page written after clear_refs returned is soft-dirty",
            Invariant::Exists => "the final state never satisfies the scenario's `exists` condition",
            Invariant::NoLeak => "a GUP reference never reads what another mm stored into its page after it was taken",
        }
    }
}

/// The memory model a program runs under (`docs/races.md`, "Memory ordering").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum MemoryModel {
    #[default]
    #[serde(rename = "sc")]
    Sc,
    #[serde(rename = "x86-tso")]
    X86Tso,
    #[serde(rename = "arm64")]
    Arm64,
}

impl MemoryModel {
    pub const ALL: [MemoryModel; 3] = [MemoryModel::Sc, MemoryModel::X86Tso, MemoryModel::Arm64];
    pub fn name(self) -> &'static str {
        match self {
            MemoryModel::Sc => "sc",
            MemoryModel::X86Tso => "x86-tso",
            MemoryModel::Arm64 => "arm64",
        }
    }
    /// The version of what this model means: bumped whenever a change to the core makes the same
    /// scenario and schedule run differently under it (a store that becomes visible earlier, a
    /// lock that orders more). A link pins it with the files it was made from, so a link made
    /// before the change opens with a notice that the trace may differ (see `library`).
    pub const fn semantics(self) -> u32 {
        match self {
            MemoryModel::Sc => 1,
            MemoryModel::X86Tso => 1,
            MemoryModel::Arm64 => 1,
        }
    }
    pub fn parse(s: &str) -> Option<MemoryModel> {
        match s {
            "sc" => Some(MemoryModel::Sc),
            "x86-tso" | "x86_tso" | "tso" => Some(MemoryModel::X86Tso),
            "arm64" => Some(MemoryModel::Arm64),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LockKind {
    Rwsem,
    Spin,
    Group,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PteSlot {
    pub mm: usize,
    pub va: String,
    /// `V`, or `child.V` when the scenario has several mms.
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VarInfo {
    pub name: String,
    /// Set for the per-mm counters (`tlb_flush_pending`, `has_pinned`, `write_protect_seq`).
    pub mm: Option<usize>,
    /// The short name used in code (`tlb_flush_pending`).
    pub short: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    pub name: String,
    pub kind: LockKind,
    pub mm: Option<usize>,
    pub short: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadInfo {
    pub name: String,
    /// None for a device (DMA engine), which has no TLB and no IRQs.
    pub cpu: Option<u8>,
    pub mm: usize,
    pub description: String,
}

impl ThreadInfo {
    pub fn cpu_label(&self) -> String {
        match self.cpu {
            Some(c) => format!("CPU{c}"),
            None => "DEV".to_string(),
        }
    }
}

/// Names for every index in a [`State`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    pub mms: Vec<String>,
    pub ptes: Vec<PteSlot>,
    pub pages: Vec<String>,
    pub vars: Vec<VarInfo>,
    pub locks: Vec<LockInfo>,
    pub threads: Vec<ThreadInfo>,
    pub data_slots: usize,
    /// Per mm: the indices of its own locks and counters.
    pub per_mm: Vec<MmIndices>,
}

/// Where the locks and counters every mm has live, by index into [`Layout::locks`] and
/// [`Layout::vars`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MmIndices {
    pub mmap_lock: usize,
    /// The page-table lock.
    pub ptl: usize,
    pub tlb_flush_pending: usize,
    pub has_pinned: usize,
    pub write_protect_seq: usize,
    pub wrprotect_tlb_flush_pending: usize,
}

/// Per-mm counters every scenario has (`wrprotect_tlb_flush_pending` is per VMA in the patch
/// that adds it; a scenario here has one VMA per mm).
pub const MM_VARS: &[&str] = &["tlb_flush_pending", "has_pinned", "write_protect_seq", "wrprotect_tlb_flush_pending"];
pub const MM_LOCKS: &[(&str, LockKind)] = &[("mmap_lock", LockKind::Rwsem), ("ptl", LockKind::Spin)];

impl Layout {
    /// The PT lock that guards PTE slot `pte`.
    pub fn ptl_of(&self, pte: usize) -> usize {
        self.per_mm[self.ptes[pte].mm].ptl
    }
    pub fn var(&self, name: &str) -> Option<usize> {
        self.vars.iter().position(|v| v.name == name)
    }
    pub fn mm_var(&self, mm: usize, short: &str) -> Option<usize> {
        self.vars.iter().position(|v| v.mm == Some(mm) && v.short == short)
    }
    pub fn lock(&self, name: &str) -> Option<usize> {
        self.locks.iter().position(|l| l.name == name)
    }
    pub fn mm_lock(&self, mm: usize, short: &str) -> Option<usize> {
        self.locks.iter().position(|l| l.mm == Some(mm) && l.short == short)
    }
    pub fn page(&self, name: &str) -> Option<usize> {
        self.pages.iter().position(|p| p == name)
    }
    pub fn pte(&self, mm: usize, va: &str) -> Option<usize> {
        self.ptes.iter().position(|p| p.mm == mm && p.va == va)
    }
    pub fn thread(&self, name: &str) -> Option<usize> {
        self.threads.iter().position(|t| t.name == name)
    }
    pub fn mm(&self, name: &str) -> Option<usize> {
        self.mms.iter().position(|m| m == name)
    }
    pub fn page_name(&self, page: u8) -> &str {
        self.pages.get(page as usize).map(String::as_str).unwrap_or("?")
    }
}

impl LockKind {
    pub fn name(self) -> &'static str {
        match self {
            LockKind::Rwsem => "rwsem",
            LockKind::Spin => "spin",
            LockKind::Group => "group",
        }
    }
}

impl std::fmt::Display for LockKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}

impl std::fmt::Display for MemoryModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}

impl std::fmt::Display for Invariant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}

/// A set of invariants, as a bitmask over [`Invariant::ALL`]; iterates in that order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InvariantSet(u8);

const _: () = assert!(Invariant::ALL.len() <= 8);

impl InvariantSet {
    pub const EMPTY: InvariantSet = InvariantSet(0);

    #[inline]
    pub fn contains(self, inv: Invariant) -> bool {
        self.0 & (1 << inv.index()) != 0
    }
    #[inline]
    pub fn insert(&mut self, inv: Invariant) {
        self.0 |= 1 << inv.index();
    }
    #[inline]
    pub fn remove(&mut self, inv: Invariant) {
        self.0 &= !(1 << inv.index());
    }
    #[inline]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }
    /// The members, in [`Invariant::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Invariant> {
        Invariant::ALL.into_iter().filter(move |i| self.contains(*i))
    }
    #[inline]
    pub fn intersect(self, other: InvariantSet) -> InvariantSet {
        InvariantSet(self.0 & other.0)
    }
    #[inline]
    pub fn union(self, other: InvariantSet) -> InvariantSet {
        InvariantSet(self.0 | other.0)
    }
    #[inline]
    pub fn minus(self, other: InvariantSet) -> InvariantSet {
        InvariantSet(self.0 & !other.0)
    }
}

impl FromIterator<Invariant> for InvariantSet {
    fn from_iter<I: IntoIterator<Item = Invariant>>(iter: I) -> InvariantSet {
        let mut s = InvariantSet::EMPTY;
        for i in iter {
            s.insert(i);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invariant_set_iterates_in_all_order_and_counts() {
        let mut s: InvariantSet = [Invariant::Exists, Invariant::NoLostWrite].into_iter().collect();
        assert!(s.contains(Invariant::Exists) && !s.contains(Invariant::PinInSync));
        assert_eq!(s.iter().collect::<Vec<_>>(), [Invariant::NoLostWrite, Invariant::Exists]);
        s.insert(Invariant::PinInSync);
        s.remove(Invariant::NoLostWrite);
        assert_eq!(s.len(), 2);
        assert_eq!(s.iter().collect::<Vec<_>>(), [Invariant::PinInSync, Invariant::Exists]);
        let t: InvariantSet = [Invariant::PinInSync].into_iter().collect();
        assert_eq!(s.minus(t).iter().collect::<Vec<_>>(), [Invariant::Exists]);
        assert_eq!(s.intersect(t), t);
        assert!(InvariantSet::EMPTY.is_empty());
    }

    #[test]
    fn invariant_index_is_its_place_in_all() {
        for (i, inv) in Invariant::ALL.iter().enumerate() {
            assert_eq!(inv.index(), i);
        }
    }
}
