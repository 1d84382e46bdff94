//! The set of visited states: 64-bit fingerprints in one open-addressing table (linear
//! probing), 8 bytes a slot, at most 3/4 full; optionally one byte of data per state (the
//! reduced search keeps a sleep set there), in a parallel array.

#[derive(Clone, Debug, Default)]
pub struct FpSet {
    slots: Vec<u64>,
    /// Empty, or one byte per slot.
    vals: Vec<u8>,
    with_vals: bool,
    len: usize,
}

impl FpSet {
    pub fn with_capacity(n: usize) -> FpSet {
        let cap = (n * 4 / 3 + 1).next_power_of_two().max(64);
        FpSet { slots: vec![0; cap], vals: vec![], with_vals: false, len: 0 }
    }

    /// The same, with a byte of data per state (0 for a state added by [`FpSet::insert`]).
    pub fn with_values(n: usize) -> FpSet {
        let mut t = FpSet::with_capacity(n);
        t.with_vals = true;
        t.vals = vec![0; t.slots.len()];
        t
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes held by the table.
    pub fn bytes(&self) -> usize {
        self.slots.len() * 8 + self.vals.len()
    }

    #[inline]
    fn slot(fp: u64, mask: usize) -> usize {
        // The high half too, so the index is as good on a 32-bit target.
        ((fp ^ (fp >> 32)) as usize) & mask
    }

    /// Adds `fp` (never 0); true when it was not there yet.
    #[inline]
    pub fn insert(&mut self, fp: u64) -> bool {
        self.insert_val(fp, 0).is_ok()
    }

    /// Adds `fp` (never 0) with `val`; when it was there already, returns its slot (for
    /// [`FpSet::val_mut`]) and leaves its value.
    #[inline]
    pub fn insert_val(&mut self, fp: u64, val: u8) -> Result<(), usize> {
        debug_assert!(fp != 0);
        if self.slots.is_empty() {
            self.slots = vec![0; 64];
            if self.with_vals {
                self.vals = vec![0; 64];
            }
        }
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = Self::slot(fp, mask);
        loop {
            let s = self.slots[i];
            if s == fp {
                return Err(i);
            }
            if s == 0 {
                self.slots[i] = fp;
                if self.with_vals {
                    self.vals[i] = val;
                }
                self.len += 1;
                return Ok(());
            }
            i = (i + 1) & mask;
        }
    }

    /// The slot of `fp`, if it is there.
    #[inline]
    pub fn find(&self, fp: u64) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = Self::slot(fp, mask);
        loop {
            let s = self.slots[i];
            if s == fp {
                return Some(i);
            }
            if s == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    #[inline]
    pub fn contains(&self, fp: u64) -> bool {
        self.find(fp).is_some()
    }

    /// The byte of data in a slot (of a table made with [`FpSet::with_values`]).
    #[inline]
    pub fn val_mut(&mut self, slot: usize) -> &mut u8 {
        &mut self.vals[slot]
    }

    fn grow(&mut self) {
        let bigger = vec![0; self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, bigger);
        let old_vals = std::mem::replace(&mut self.vals, if self.with_vals { vec![0; self.slots.len()] } else { vec![] });
        let mask = self.slots.len() - 1;
        for (k, fp) in old.into_iter().enumerate().filter(|(_, f)| *f != 0) {
            let mut i = Self::slot(fp, mask);
            while self.slots[i] != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = fp;
            if self.with_vals {
                self.vals[i] = old_vals[k];
            }
        }
    }
}
