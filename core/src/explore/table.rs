//! The sets of visited states: 64-bit fingerprints (never 0, which marks an empty slot) in
//! open-addressing tables, at most 3/4 full.
//!
//! [`FpSet`] keeps fingerprints alone, 8 bytes a slot, with linear probing. [`FpMap`] keeps one
//! byte of data beside each (the reduced search's sleep set), in buckets of one cache line: 7
//! fingerprints and their 7 bytes, so that finding a state and reading its byte costs one
//! memory access. A table of either kind has any number of slots, not only a power of two (a
//! slot's index is the high half of the fingerprint times the size), so that a search can grow
//! its table to fill the memory it is allowed, and no further. Growing asks the allocator
//! first ([`Vec::try_reserve_exact`]): an allocation that fails leaves the table as it was.
//! [`ShardedSet`] is the plain search's table: [`SHARDS`] sets, chosen by the low bits of the
//! fingerprint, that grow one at a time and that threads can fill at once, one shard each.

/// The slot (or bucket) of `fp` among `n`: the high bits of `fp * n`. (Where it lands only
/// decides the order in memory, never what the table holds.)
#[inline]
fn index(fp: u64, n: usize) -> usize {
    #[cfg(target_pointer_width = "64")]
    {
        ((fp as u128 * n as u128) >> 64) as usize
    }
    // Fewer than 2^32 slots: the high half is enough, and wasm32 has no 128-bit product.
    #[cfg(not(target_pointer_width = "64"))]
    {
        (((fp >> 32) * n as u64) >> 32) as usize
    }
}

/// How many entries a table of `cap` entries holds before it must grow.
#[inline]
fn limit(cap: usize) -> usize {
    cap / 4 * 3 + (cap % 4) * 3 / 4
}

/// The smallest number of entries that holds `n` within the load limit.
fn needed(n: usize) -> usize {
    (n * 4).div_ceil(3)
}

/// As [`needed`], and at least 64: the size of a new table.
fn entries_for(n: usize) -> usize {
    needed(n).max(64)
}

/// The allocator refused a table the memory it asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfMemory;

/// A vector of `n` zeros, or None when the allocator refuses it.
fn zeros<T: Clone + Default>(n: usize) -> Option<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).ok()?;
    v.resize(n, T::default());
    Some(v)
}

/// Fingerprints alone.
#[derive(Clone, Debug, Default)]
pub struct FpSet {
    slots: Vec<u64>,
    len: usize,
}

impl FpSet {
    pub fn with_capacity(n: usize) -> FpSet {
        FpSet { slots: vec![0; entries_for(n)], len: 0 }
    }

    /// An empty set of exactly `slots` slots (at least 2).
    pub fn with_slots(slots: usize) -> FpSet {
        FpSet { slots: vec![0; slots.max(2)], len: 0 }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes held by the table.
    pub fn bytes(&self) -> usize {
        self.slots.len() * 8
    }

    /// True when the next new fingerprint makes the table grow.
    pub fn is_full(&self) -> bool {
        self.len + 1 > limit(self.slots.len())
    }

    /// Bytes of the table grown to `slots` slots.
    pub fn bytes_with(slots: usize) -> usize {
        slots * 8
    }

    /// How many fingerprints a table of `slots` slots holds before it must grow.
    pub fn limit_of(slots: usize) -> usize {
        limit(slots)
    }

    pub fn slots(&self) -> usize {
        self.slots.len()
    }

    /// Adds `fp` (never 0); true when it was not there yet. Grows the table (doubling) when
    /// it is full.
    #[inline]
    pub fn insert(&mut self, fp: u64) -> bool {
        debug_assert!(fp != 0);
        if self.is_full() {
            let bigger = (self.slots.len() * 2).max(64);
            self.try_grow(bigger).expect("out of memory");
        }
        let n = self.slots.len();
        let mut i = index(fp, n);
        loop {
            let s = self.slots[i];
            if s == fp {
                return false;
            }
            if s == 0 {
                self.slots[i] = fp;
                self.len += 1;
                return true;
            }
            i += 1;
            if i == n {
                i = 0;
            }
        }
    }

    /// Adds `fp` (never 0) unless the table is full: Some(true) when it was added, Some(false)
    /// when it was there already, None when it is not there and the table must grow first.
    /// One probe either way.
    #[inline]
    pub fn try_insert(&mut self, fp: u64) -> Option<bool> {
        debug_assert!(fp != 0);
        let n = self.slots.len();
        let mut i = index(fp, n);
        loop {
            let s = self.slots[i];
            if s == fp {
                return Some(false);
            }
            if s == 0 {
                if self.is_full() {
                    return None;
                }
                self.slots[i] = fp;
                self.len += 1;
                return Some(true);
            }
            i += 1;
            if i == n {
                i = 0;
            }
        }
    }

    /// As [`FpMap::touch`]: reads `fp`'s first slot, so that a later look-up finds it in cache.
    #[inline]
    pub fn touch(&self, fp: u64) -> u64 {
        match self.slots.len() {
            0 => 0,
            n => self.slots[index(fp, n)],
        }
    }

    #[inline]
    pub fn contains(&self, fp: u64) -> bool {
        let n = self.slots.len();
        if n == 0 {
            return false;
        }
        let mut i = index(fp, n);
        loop {
            let s = self.slots[i];
            if s == fp {
                return true;
            }
            if s == 0 {
                return false;
            }
            i += 1;
            if i == n {
                i = 0;
            }
        }
    }

    /// Rebuilds the table with `slots` slots (more than its entries need); Err, with the
    /// table unchanged, when the allocator refuses the memory.
    pub fn try_grow(&mut self, slots: usize) -> Result<(), OutOfMemory> {
        let slots = slots.max(needed(self.len + 1)).max(2);
        let mut fresh = FpSet { slots: zeros(slots).ok_or(OutOfMemory)?, len: 0 };
        for &fp in self.slots.iter().filter(|f| **f != 0) {
            fresh.insert(fp);
        }
        *self = fresh;
        Ok(())
    }
}

/// How many shards a [`ShardedSet`] has (a power of two). Fixed, whatever the number of
/// threads, so that the table and the memory it holds are the same for every `--jobs`.
pub const SHARDS: usize = 64;
/// The slots of a new shard.
const SHARD_SLOTS: usize = 8;

/// The shard of `fp`: its low bits (a slot within the shard comes from its high bits).
#[inline]
pub fn shard_of(fp: u64) -> usize {
    fp as usize & (SHARDS - 1)
}

/// Fingerprints alone, in [`SHARDS`] sets chosen by [`shard_of`]: each shard grows on its own
/// (a growth copies a 64th of the table), and the shards can be filled at once by as many
/// threads, each in the order of the search, so that which of two equal successors is the
/// first is the same as in a search of one thread.
#[derive(Clone, Debug, Default)]
pub struct ShardedSet {
    shards: Vec<FpSet>,
    /// The bytes of all the shards (kept, not summed at each question).
    bytes: usize,
}

impl ShardedSet {
    pub fn new() -> ShardedSet {
        let shards: Vec<FpSet> = (0..SHARDS).map(|_| FpSet::with_slots(SHARD_SLOTS)).collect();
        ShardedSet { bytes: shards.iter().map(FpSet::bytes).sum(), shards }
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(FpSet::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.shards.iter().all(FpSet::is_empty)
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    #[inline]
    pub fn contains(&self, fp: u64) -> bool {
        self.shards.get(shard_of(fp)).is_some_and(|s| s.contains(fp))
    }

    /// As [`FpSet::try_insert`], in the shard of `fp`.
    #[inline]
    pub fn try_insert(&mut self, fp: u64) -> Option<bool> {
        self.shards[shard_of(fp)].try_insert(fp)
    }

    pub fn shard(&self, s: usize) -> &FpSet {
        &self.shards[s]
    }

    /// Grows shard `s` to `slots` slots (see [`FpSet::try_grow`]).
    pub fn try_grow(&mut self, s: usize, slots: usize) -> Result<(), OutOfMemory> {
        let before = self.shards[s].bytes();
        self.shards[s].try_grow(slots)?;
        self.bytes = self.bytes - before + self.shards[s].bytes();
        Ok(())
    }

    /// The shards, to fill at once; [`ShardedSet::recount`] afterwards.
    pub fn shards_mut(&mut self) -> &mut [FpSet] {
        &mut self.shards
    }

    /// Counts the bytes again, after the shards were changed through [`ShardedSet::shards_mut`].
    pub fn recount(&mut self) {
        self.bytes = self.shards.iter().map(FpSet::bytes).sum();
    }
}

/// Seven fingerprints and their bytes: one cache line.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(64))]
struct Bucket {
    fps: [u64; 7],
    vals: [u8; 8],
}

/// Fingerprints with a byte of data each.
#[derive(Clone, Debug, Default)]
pub struct FpMap {
    buckets: Vec<Bucket>,
    len: usize,
}

/// Where an entry of an [`FpMap`] is (until the map grows).
pub type Slot = usize;

impl FpMap {
    pub fn with_capacity(n: usize) -> FpMap {
        FpMap { buckets: vec![Bucket::default(); entries_for(n).div_ceil(7)], len: 0 }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn bytes(&self) -> usize {
        self.buckets.len() * std::mem::size_of::<Bucket>()
    }

    /// The number of entries, full and empty.
    pub fn slots(&self) -> usize {
        self.buckets.len() * 7
    }

    /// Bytes of the map grown to `slots` entries.
    pub fn bytes_with(slots: usize) -> usize {
        slots.div_ceil(7) * std::mem::size_of::<Bucket>()
    }

    pub fn is_full(&self) -> bool {
        self.len + 1 > limit(self.slots())
    }

    /// Adds `fp` (never 0) with `val`; when it was there already, returns its slot and leaves
    /// its value. Grows the map (doubling) when it is full.
    #[inline]
    pub fn insert(&mut self, fp: u64, val: u8) -> Result<(), Slot> {
        debug_assert!(fp != 0);
        if self.is_full() {
            let bigger = (self.slots() * 2).max(64);
            self.try_grow(bigger).expect("out of memory");
        }
        let n = self.buckets.len();
        let mut b = index(fp, n);
        loop {
            let bucket = &mut self.buckets[b];
            for k in 0..7 {
                let s = bucket.fps[k];
                if s == fp {
                    return Err(b * 8 + k);
                }
                if s == 0 {
                    bucket.fps[k] = fp;
                    bucket.vals[k] = val;
                    self.len += 1;
                    return Ok(());
                }
            }
            b += 1;
            if b == n {
                b = 0;
            }
        }
    }

    /// Reads the first word of `fp`'s bucket. A merge reads the buckets of the successors a
    /// few ahead of the one it inserts, all at once: their cache misses then overlap, instead
    /// of each insert waiting for its own (wasm has no prefetch instruction; a plain load
    /// does the same).
    #[inline]
    pub fn touch(&self, fp: u64) -> u64 {
        match self.buckets.len() {
            0 => 0,
            n => self.buckets[index(fp, n)].fps[0],
        }
    }

    /// The slot of `fp`, if it is there.
    #[inline]
    pub fn find(&self, fp: u64) -> Option<Slot> {
        let n = self.buckets.len();
        if n == 0 {
            return None;
        }
        let mut b = index(fp, n);
        loop {
            let bucket = &self.buckets[b];
            for k in 0..7 {
                let s = bucket.fps[k];
                if s == fp {
                    return Some(b * 8 + k);
                }
                if s == 0 {
                    return None;
                }
            }
            b += 1;
            if b == n {
                b = 0;
            }
        }
    }

    #[inline]
    pub fn contains(&self, fp: u64) -> bool {
        self.find(fp).is_some()
    }

    #[inline]
    pub fn val(&self, slot: Slot) -> u8 {
        self.buckets[slot / 8].vals[slot % 8]
    }

    #[inline]
    pub fn val_mut(&mut self, slot: Slot) -> &mut u8 {
        &mut self.buckets[slot / 8].vals[slot % 8]
    }

    /// Rebuilds the map with `slots` entries (more than it holds); Err, with the map
    /// unchanged, when the allocator refuses the memory.
    pub fn try_grow(&mut self, slots: usize) -> Result<(), OutOfMemory> {
        let slots = slots.max(entries_for(self.len + 1));
        let mut fresh = FpMap { buckets: zeros(slots.div_ceil(7)).ok_or(OutOfMemory)?, len: 0 };
        for b in &self.buckets {
            for k in 0..7 {
                if b.fps[k] != 0 {
                    let _ = fresh.insert(b.fps[k], b.vals[k]);
                }
            }
        }
        *self = fresh;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(i: u64) -> u64 {
        crate::explore::encode::fmix64(i + 1) | 1
    }

    #[test]
    fn a_set_keeps_every_fingerprint_through_growth() {
        let mut s = FpSet::with_capacity(0);
        for i in 0..10_000 {
            assert!(s.insert(fp(i)));
        }
        for i in 0..10_000 {
            assert!(!s.insert(fp(i)));
            assert!(s.contains(fp(i)));
        }
        assert!(!s.contains(fp(10_001)));
        assert_eq!(s.len(), 10_000);
        // Any size, not only a power of two.
        s.try_grow(20_001).unwrap();
        assert_eq!(s.slots(), 20_001);
        assert!((0..10_000).all(|i| s.contains(fp(i))));
    }

    #[test]
    fn a_sharded_set_keeps_every_fingerprint_in_its_shard_through_growth() {
        // Fingerprints with every low bit possible (`fp` sets the lowest).
        let fp = |i: u64| crate::explore::encode::fmix64(i + 1).max(1);
        let mut s = ShardedSet::new();
        let start = s.bytes();
        for i in 0..20_000 {
            let f = fp(i);
            let added = match s.try_insert(f) {
                Some(added) => added,
                None => {
                    let sh = shard_of(f);
                    let bigger = s.shard(sh).slots() * 2;
                    s.try_grow(sh, bigger).unwrap();
                    s.try_insert(f).unwrap()
                }
            };
            assert!(added, "{i}");
        }
        assert!((0..20_000).all(|i| s.contains(fp(i)) && s.try_insert(fp(i)) == Some(false)));
        assert!(!s.contains(fp(20_001)));
        assert_eq!(s.len(), 20_000);
        assert!(s.bytes() > start);
        assert_eq!(s.bytes(), (0..SHARDS).map(|k| s.shard(k).bytes()).sum::<usize>());
        // Every shard holds some: the low bits spread the fingerprints.
        assert!((0..SHARDS).all(|k| s.shard(k).len() > 100));
        // A full table says so rather than going past its load limit.
        let mut t = FpSet::with_slots(4);
        assert_eq!((t.try_insert(fp(1)), t.try_insert(fp(2)), t.try_insert(fp(3))), (Some(true), Some(true), Some(true)));
        assert_eq!((t.try_insert(fp(4)), t.try_insert(fp(1))), (None, Some(false)));
    }

    #[test]
    fn a_map_keeps_every_value_through_growth() {
        let mut m = FpMap::with_capacity(0);
        for i in 0..10_000 {
            assert_eq!(m.insert(fp(i), (i % 251) as u8), Ok(()));
        }
        for i in 0..10_000 {
            let slot = m.insert(fp(i), 0).unwrap_err();
            assert_eq!(m.val(slot), (i % 251) as u8);
            *m.val_mut(slot) ^= 1;
        }
        m.try_grow(30_000).unwrap();
        for i in 0..10_000 {
            assert_eq!(m.val(m.find(fp(i)).unwrap()), (i % 251) as u8 ^ 1);
        }
        assert_eq!(m.find(fp(10_001)), None);
        assert_eq!(std::mem::size_of::<Bucket>(), 64);
    }
}
