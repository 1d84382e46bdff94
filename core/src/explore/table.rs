//! The set of visited states: 64-bit fingerprints in one open-addressing table (linear
//! probing), 8 bytes a slot, at most 3/4 full.

#[derive(Clone, Debug, Default)]
pub struct FpSet {
    slots: Vec<u64>,
    len: usize,
}

impl FpSet {
    pub fn with_capacity(n: usize) -> FpSet {
        let cap = (n * 4 / 3 + 1).next_power_of_two().max(64);
        FpSet { slots: vec![0; cap], len: 0 }
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

    #[inline]
    fn slot(fp: u64, mask: usize) -> usize {
        // The high half too, so the index is as good on a 32-bit target.
        ((fp ^ (fp >> 32)) as usize) & mask
    }

    /// Adds `fp` (never 0); true when it was not there yet.
    #[inline]
    pub fn insert(&mut self, fp: u64) -> bool {
        debug_assert!(fp != 0);
        if self.slots.is_empty() {
            self.slots = vec![0; 64];
        }
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = Self::slot(fp, mask);
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
            i = (i + 1) & mask;
        }
    }

    #[inline]
    pub fn contains(&self, fp: u64) -> bool {
        if self.slots.is_empty() {
            return false;
        }
        let mask = self.slots.len() - 1;
        let mut i = Self::slot(fp, mask);
        loop {
            let s = self.slots[i];
            if s == fp {
                return true;
            }
            if s == 0 {
                return false;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let bigger = vec![0; self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, bigger);
        let mask = self.slots.len() - 1;
        for fp in old.into_iter().filter(|f| *f != 0) {
            let mut i = Self::slot(fp, mask);
            while self.slots[i] != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = fp;
        }
    }
}
