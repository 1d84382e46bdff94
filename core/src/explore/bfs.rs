//! The main search: breadth-first and stateful, with or without partial-order reduction.
//!
//! Each visited state is kept as a 64-bit fingerprint of its encoding, with a 4-byte link to
//! the state it was first reached from (the parent's number and the index of the choice
//! taken). Only the frontier is kept whole, encoded, one [`Level`] at a time.

use super::encode::{fingerprint, Codec, Work};
use super::por::{Footprint, Por};
use super::report::{choices_of, Bound, BugFound, Options, Stats};
use super::table::FpSet;
use crate::describe;
use crate::exec;
use crate::invariants;
use crate::ir::Program;
use crate::layout::{Invariant, InvariantSet};
use crate::state::{State, MAX_THREADS};
use crate::step::{Choice, StepError};

const NO_PARENT: u32 = u32::MAX;
/// Parent links pack the parent's number and the choice index (at most 16 choices: 6 threads
/// and 6 drains) in 32 bits. States are numbered below `DUP_BASE`; from it, the numbers of
/// states expanded again (see [`Level::again`]).
pub const MAX_IDS: u64 = (1 << 27) - 1;
const DUP_BASE: u32 = 1 << 27;
/// The byte kept per visited state by a reduced search: its sleep set (a thread bitmask) and
/// two flags.
const SLEEP: u8 = 0x3f;
const EXPANDED: u8 = 0x40;
/// Expanded without regard to its sleep set: nothing to do when it is reached again.
const NO_SLEEP: u8 = 0x80;
const _: () = assert!(MAX_THREADS <= 6);
/// How many invariants there are (bits of `invariants::violated`).
const N_INV: usize = Invariant::ALL.len();

#[inline]
fn link(parent: u32, idx: u8) -> u32 {
    (parent << 4) | idx as u32
}

/// The states of one BFS level, encoded, and where the search is in them. Moving to the next
/// level swaps two of these and clears one.
#[derive(Default)]
struct Level {
    /// The level's states, `Codec::size` bytes each, numbered from `first`.
    states: Vec<u8>,
    first: u32,
    /// States to expand again because they were reached with a smaller sleep set after their
    /// expansion, encoded, with their number and the threads to run from them.
    again: Vec<u8>,
    again_meta: Vec<(u32, u8)>,
    /// The next state of `states`, and of `again`, to expand.
    pos: usize,
    again_pos: usize,
}

impl Level {
    fn is_empty(&self) -> bool {
        self.states.is_empty() && self.again_meta.is_empty()
    }

    fn clear(&mut self) {
        self.states.clear();
        self.again.clear();
        self.again_meta.clear();
        self.pos = 0;
        self.again_pos = 0;
    }

    fn bytes(&self) -> usize {
        self.states.capacity() + self.again.capacity() + self.again_meta.capacity() * 8
    }

    /// States not expanded yet.
    fn left(&self, size: usize) -> usize {
        self.states.len() / size - self.pos + self.again_meta.len() - self.again_pos
    }
}

/// How a slice of the search ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Slice {
    Running,
    /// The search is over; stopped by this bound, if by one.
    Ended(Option<Bound>),
}

pub struct Bfs {
    /// Fingerprints of the visited states; with reduction, each with its sleep set.
    seen: FpSet,
    parents: Vec<u32>,
    /// Parent links of the states expanded again, numbered from `DUP_BASE`.
    dups: Vec<u32>,
    cur: Level,
    next: Level,
    /// Fingerprints of the next level (with reduction only), to tell forward edges from the
    /// others for the cycle proviso.
    next_seen: FpSet,
    depth: u32,
    /// Per invariant (bit of `Invariant::ALL`): the first violating state and its depth.
    found: [Option<(u32, u32)>; N_INV],
    bug_links: Vec<(u32, u8, String)>,
    pub stats: Stats,
    depth_cut: bool,
    /// Fingerprints of the terminal states, when asked for (tests compare them).
    pub terminals: Option<Vec<u64>>,
}

impl Bfs {
    /// A search from `prog`'s initial state, which `w.enc` receives encoded.
    pub fn new(prog: &Program, codec: &Codec, reduction: bool, checks: InvariantSet, w: &mut Work) -> Bfs {
        let init = prog.init;
        codec.encode(&init, &mut w.enc);
        let mut seen = if reduction { FpSet::with_values(0) } else { FpSet::with_capacity(0) };
        seen.insert(fingerprint(&w.enc));
        let mut bfs = Bfs {
            seen,
            parents: vec![NO_PARENT],
            dups: vec![],
            cur: Level { states: w.enc.clone(), ..Level::default() },
            next: Level::default(),
            next_seen: FpSet::default(),
            depth: 0,
            found: [None; N_INV],
            bug_links: vec![],
            stats: Stats { states: 1, ..Stats::default() },
            depth_cut: false,
            terminals: None,
        };
        let v = invariants::violated(prog, &init).intersect(checks);
        for (i, f) in bfs.found.iter_mut().enumerate() {
            if v.contains(Invariant::ALL[i]) {
                *f = Some((0, 0));
            }
        }
        bfs
    }

    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// Invariants found broken so far.
    pub fn violated(&self) -> usize {
        self.found.iter().flatten().count()
    }

    /// States waiting to be expanded.
    pub fn frontier(&self, size: usize) -> u64 {
        (self.cur.left(size) + self.next.left(size)) as u64
    }

    /// The bytes the search holds: the fingerprint tables, the parent links and the encoded
    /// levels.
    fn bytes(&self) -> u64 {
        (self.seen.bytes()
            + self.next_seen.bytes()
            + (self.parents.capacity() + self.dups.capacity()) * 4
            + self.cur.bytes()
            + self.next.bytes()) as u64
    }

    fn next_level(&mut self, size: usize) {
        let first = self.cur.first + (self.cur.states.len() / size) as u32;
        std::mem::swap(&mut self.cur, &mut self.next);
        self.next.clear();
        self.cur.first = first;
        self.next_seen = FpSet::default();
        self.depth += 1;
        self.stats.depth = self.depth;
    }

    /// Expands states until about `budget` transitions are done or the search ends; returns
    /// the transitions done, and once the search has ended, [`Slice::Ended`] with the bound
    /// that stopped it, if one did.
    #[allow(clippy::too_many_arguments)]
    pub fn slice(
        &mut self,
        prog: &Program,
        codec: &Codec,
        por: Option<&Por>,
        opts: &Options,
        all: InvariantSet,
        budget: u64,
        w: &mut Work,
    ) -> (u64, Slice) {
        let size = codec.size();
        let b = self;
        let mut done = 0u64;
        let stop_all = opts.stop_when_all_violated;
        let found_bits =
            |b: &Bfs| b.found.iter().zip(Invariant::ALL).filter(|(f, _)| f.is_some()).map(|(_, inv)| inv).collect::<InvariantSet>();
        let mut finished = false;
        let mut stopped = None;
        let mut s = prog.init;
        let mut fps = [Footprint::default(); MAX_THREADS];
        'outer: while done < budget {
            if stop_all && !all.is_empty() && found_bits(b) == all {
                finished = true;
                break;
            }
            // The next state to expand: this level's states, then those to expand again.
            let (id, again, enc) = if b.cur.pos * size < b.cur.states.len() {
                b.cur.pos += 1;
                (b.cur.first + b.cur.pos as u32 - 1, None, &b.cur.states[(b.cur.pos - 1) * size..b.cur.pos * size])
            } else if b.cur.again_pos < b.cur.again_meta.len() {
                let (id, mask) = b.cur.again_meta[b.cur.again_pos];
                b.cur.again_pos += 1;
                (id, Some(mask), &b.cur.again[(b.cur.again_pos - 1) * size..b.cur.again_pos * size])
            } else {
                // Next level.
                b.stats.peak_bytes = b.stats.peak_bytes.max(b.bytes());
                if b.next.is_empty() {
                    finished = true;
                    break;
                }
                b.next_level(size);
                continue;
            };
            codec.decode_into(enc, &mut s);
            let here = por.and_then(|_| b.seen.find(fingerprint(enc)));
            exec::choices(prog, &s, &mut w.buf);
            if w.buf.is_empty() {
                if again.is_none() {
                    b.stats.terminal += 1;
                    if let Some(t) = &mut b.terminals {
                        t.push(fingerprint(enc));
                    }
                }
                continue;
            }
            if b.depth >= opts.max_depth {
                b.depth_cut = true;
                continue;
            }
            // Sleep sets (Godefroid): a thread asleep here has been explored from an earlier
            // state, and what it leads to from here is covered from there; a successor keeps
            // the sleeping threads, and the ones explored before it from here, whose steps
            // are independent of the step taken.
            let sleepy = por.is_some_and(|p| p.step_footprints(prog, &s, &w.buf, &mut fps));
            let (reduced, proviso) = match (again, por) {
                (None, Some(por)) => match por.ample(prog, &s, &w.buf, &mut w.ample) {
                    Some(proviso) => (true, proviso),
                    None => (false, false),
                },
                _ => (false, false),
            };
            let mut sleep = 0u8;
            match again {
                None => {
                    if !reduced {
                        w.ample.clear();
                        w.ample.extend(0..w.buf.len() as u8);
                    }
                    if let Some(i) = here {
                        let v = b.seen.val_mut(i);
                        // A set that relies on the cycle proviso is explored whole, whatever
                        // sleeps: then every path from here that breaks an invariant either
                        // takes a step of the set, or survives the first step of the set.
                        if sleepy && !proviso {
                            sleep = *v & SLEEP;
                            *v |= EXPANDED;
                        } else {
                            *v |= EXPANDED | NO_SLEEP;
                        }
                    }
                }
                Some(mask) => {
                    // Run the threads that were asleep at the expansion and are no longer.
                    sleep = here.map(|i| *b.seen.val_mut(i) & SLEEP).unwrap_or(0);
                    w.ample.clear();
                    w.ample.extend((0..w.buf.len() as u8).filter(|&i| mask & (1 << w.buf[i as usize].thread()) != 0));
                }
            }
            let mut explored = sleep;
            let mut old = false;
            let mut k = 0;
            let mut full = !reduced;
            loop {
                if k == w.ample.len() {
                    if full || !old {
                        break;
                    }
                    // C3: an ample successor lies on this level or an earlier one, by a step on
                    // a cycle of its thread's code, so this edge may close a cycle of reduced
                    // expansions (every cycle of states has such an edge, as BFS levels cannot
                    // rise all around it, and every step along it is on a cycle of its code):
                    // expand this state fully.
                    full = true;
                    let taken = std::mem::take(&mut w.ample);
                    w.ample.extend((0..w.buf.len() as u8).filter(|i| !taken.contains(i)));
                    k = 0;
                    if w.ample.is_empty() {
                        break;
                    }
                }
                let idx = w.ample[k];
                k += 1;
                let c = w.buf[idx as usize];
                let t = c.thread();
                if sleep & (1 << t) != 0 {
                    continue;
                }
                let mut n = s;
                match exec::apply(prog, &mut n, c) {
                    Ok(_) => {}
                    Err(StepError::Bug(bug)) => {
                        if b.bug_links.len() < 8 {
                            b.bug_links.push((id, idx, describe::bug_text(prog, bug)));
                        }
                        continue;
                    }
                    Err(StepError::Blocked(_)) => continue,
                }
                done += 1;
                b.stats.transitions += 1;
                let mut asleep = 0u8;
                if sleepy {
                    for z in 0..prog.threads.len() {
                        if explored & (1 << z) != 0 && z != t && !fps[z].conflicts(fps[t]) {
                            asleep |= 1 << z;
                        }
                    }
                    explored |= 1 << t;
                }
                codec.encode(&n, &mut w.enc);
                let fp = fingerprint(&w.enc);
                if let Err(slot) = b.seen.insert_val(fp, asleep) {
                    // Seen before: a forward edge if the state is on the next level. Only a
                    // step on a cycle of its thread's code can close a cycle of states.
                    if proviso && !full && !b.next_seen.contains(fp) && por.is_some_and(|p| p.on_cycle(t, s.threads[t].pc)) {
                        old = true;
                    }
                    if por.is_some() {
                        if let Err(bound) = b.reached_again(slot, asleep, link(id, idx), &w.enc, opts) {
                            stopped = Some(bound);
                            finished = true;
                            break 'outer;
                        }
                    }
                    continue;
                }
                if let Err(bound) = b.add_state(prog, &n, fp, por.is_some(), link(id, idx), &w.enc, all, opts) {
                    stopped = Some(bound);
                    finished = true;
                    break 'outer;
                }
            }
            if reduced && !full {
                b.stats.reduced += 1;
            }
        }
        if !finished {
            return (done, Slice::Running);
        }
        b.stats.peak_bytes = b.stats.peak_bytes.max(b.bytes());
        if stopped.is_none() && b.depth_cut && found_bits(b) != all {
            stopped = Some(Bound::Depth(opts.max_depth));
        }
        (done, Slice::Ended(stopped))
    }

    /// A successor seen before, reached with sleep set `asleep`: it keeps what sleeps in both;
    /// if it was expanded already, the threads that woke up run from it again (next level).
    #[inline]
    fn reached_again(&mut self, slot: usize, asleep: u8, link: u32, enc: &[u8], opts: &Options) -> Result<(), Bound> {
        let v = self.seen.val_mut(slot);
        let woke = *v & SLEEP & !asleep;
        if woke != 0 && *v & NO_SLEEP == 0 {
            *v &= !woke;
            if *v & EXPANDED != 0 {
                if self.dups.len() as u64 >= MAX_IDS {
                    return Err(Bound::States(opts.max_states.min(MAX_IDS)));
                }
                self.next.again_meta.push((DUP_BASE + self.dups.len() as u32, woke));
                self.dups.push(link);
                self.next.again.extend_from_slice(enc);
            }
        }
        Ok(())
    }

    /// A new state `n` (fingerprint `fp`, encoding `enc`) on the next level, reached by
    /// `link`: numbered, queued, and checked against the invariants in `all`.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn add_state(
        &mut self,
        prog: &Program,
        n: &State,
        fp: u64,
        reduction: bool,
        link: u32,
        enc: &[u8],
        all: InvariantSet,
        opts: &Options,
    ) -> Result<(), Bound> {
        if reduction {
            self.next_seen.insert(fp);
        }
        let new_id = self.parents.len() as u32;
        self.parents.push(link);
        self.next.states.extend_from_slice(enc);
        self.stats.states += 1;
        if !all.is_empty() {
            let v = invariants::violated(prog, n).intersect(all);
            if !v.is_empty() {
                for (i, f) in self.found.iter_mut().enumerate() {
                    if v.contains(Invariant::ALL[i]) && f.is_none() {
                        *f = Some((new_id, self.depth + 1));
                    }
                }
            }
        }
        if self.stats.states >= opts.max_states.min(MAX_IDS) {
            return Err(Bound::States(opts.max_states.min(MAX_IDS)));
        }
        Ok(())
    }

    fn path(&self, mut id: u32) -> Vec<u8> {
        let mut idx = Vec::new();
        loop {
            let l = if id >= DUP_BASE { self.dups[(id - DUP_BASE) as usize] } else { self.parents[id as usize] };
            if l == NO_PARENT {
                break;
            }
            idx.push((l & 15) as u8);
            id = l >> 4;
        }
        idx.reverse();
        idx
    }

    /// The first violation of each invariant found, as a trace, and the bugs met.
    pub fn results(&self, prog: &Program) -> (Vec<(Invariant, Vec<Choice>)>, Vec<BugFound>) {
        let mut found: Vec<(Invariant, Vec<Choice>)> = Vec::new();
        for (i, f) in self.found.iter().enumerate() {
            if let Some((id, _)) = f {
                found.push((Invariant::ALL[i], choices_of(prog, &self.path(*id))));
            }
        }
        let mut bugs = Vec::new();
        for (id, idx, msg) in &self.bug_links {
            let mut p = self.path(*id);
            p.push(*idx);
            bugs.push(BugFound { message: msg.clone(), trace: choices_of(prog, &p) });
        }
        (found, bugs)
    }

    /// Frees the search memory; the counts stay.
    pub fn free(&mut self) {
        self.seen = FpSet::default();
        self.parents = vec![];
        self.cur.states = vec![];
        self.next.states = vec![];
    }
}
