//! The main search: breadth-first and stateful, with or without partial-order reduction.
//!
//! Each visited state is kept as a 64-bit fingerprint of its encoding, with a 5-byte link to
//! the state it was first reached from (the parent's number and the index of the choice
//! taken). Only the frontier is kept whole, encoded, one [`Level`] at a time.
//!
//! A level is worked off in two phases, over a range of its states at a time:
//!
//! * [`Bfs::expand`] reads the search (`&self`) and writes a [`Batch`]: for each state, which
//!   steps it takes (the stubborn set, the sleep set), and each successor, encoded and
//!   fingerprinted, with the invariants it breaks. Expanding ranges is independent work: a
//!   front end with threads may expand several ranges at once.
//! * [`Bfs::merge`] then takes the batches in the order of their ranges, and the successors
//!   in the order they were made: it numbers the new states and queues them, records the
//!   sleep sets of the states reached again, and stops where a bound says. So the states,
//!   their numbers, the counts and the traces are the same however the level was cut into
//!   ranges, and however many ranges were expanded at once.
//! * Without reduction, the merge can itself be cut in pieces that run at once: the table of
//!   visited states is in shards ([`ShardedSet`]), and [`merge_shard`] puts the successors of
//!   one shard into it, in the order of the search (so the first of equal successors is the
//!   same one); then [`Bfs::merge_fresh`] numbers the new states in that order, a short
//!   sequential pass with no look-up. It is used for the batches of a round when no bound can
//!   stop the search within them ([`Bfs::can_merge_shards`]); otherwise they go through
//!   [`Bfs::merge`], and the result is the same either way.
//!
//! With reduction, a state's sleep set may shrink between its expansion and its merge (a
//! state of the same level, merged before it, reached it again): the merge notices and expands
//! it again, with the sleep set it has by then, as a search of one state at a time would have.

use super::encode::{fingerprint, Codec, Work};
use super::por::{conflict_matrix, Footprint, Por};
use super::report::{choices_of, Bound, BugFound, Options, Stats};
use super::table::{shard_of, FpMap, FpSet, OutOfMemory, ShardedSet, Slot, SHARDS};
use crate::describe;
use crate::exec;
use crate::invariants;
use crate::ir::Program;
use crate::layout::{Invariant, InvariantSet};
use crate::state::{State, MAX_THREADS};
use crate::step::{Choice, StepError};

/// Parent links pack the parent's number and the choice index (at most 16 choices: 6 threads
/// and 6 drains) in 40 bits: 36 bits of number. States are numbered below `DUP_BASE`; from it,
/// the numbers of states expanded again (see [`Level::again`]).
pub const MAX_IDS: u64 = (1 << 35) - 1;
const DUP_BASE: u64 = 1 << 35;
const NO_PARENT: u64 = (1 << 40) - 1;
/// The byte kept per visited state by a reduced search: its sleep set (a thread bitmask) and
/// two flags.
const SLEEP: u8 = 0x3f;
const EXPANDED: u8 = 0x40;
/// Expanded without regard to its sleep set: nothing to do when it is reached again.
const NO_SLEEP: u8 = 0x80;
const _: () = assert!(MAX_THREADS <= 6);
/// How many invariants there are (bits of `invariants::violated`).
const N_INV: usize = Invariant::ALL.len();
/// How many successors ahead of its inserts a merge reads the table (see [`FpMap::touch`]).
const TOUCH_AHEAD: usize = 16;

#[inline]
fn link(parent: u64, idx: u8) -> u64 {
    (parent << 4) | idx as u64
}

/// Parent links, 5 bytes each.
#[derive(Default)]
struct Links {
    low: Vec<u32>,
    high: Vec<u8>,
}

impl Links {
    fn len(&self) -> usize {
        self.low.len()
    }
    fn get(&self, i: usize) -> u64 {
        self.low[i] as u64 | (self.high[i] as u64) << 32
    }
    fn bytes(&self) -> usize {
        self.low.capacity() * 4 + self.high.capacity()
    }
    /// The bytes the next push adds, when it grows the vectors.
    fn push_growth(&self) -> usize {
        if self.low.len() < self.low.capacity() {
            0
        } else {
            self.low.capacity().max(1024) * 5
        }
    }
    fn try_push(&mut self, l: u64) -> Result<(), OutOfMemory> {
        if self.low.len() == self.low.capacity() {
            let more = self.low.capacity().max(1024);
            self.low.try_reserve(more).map_err(|_| OutOfMemory)?;
            self.high.try_reserve(more).map_err(|_| OutOfMemory)?;
        }
        self.low.push(l as u32);
        self.high.push((l >> 32) as u8);
        Ok(())
    }
}

/// The visited states: fingerprints alone (in shards), or with reduction each with its byte.
enum Seen {
    Plain(ShardedSet),
    Sleep(FpMap),
}

impl Seen {
    fn bytes(&self) -> usize {
        match self {
            Seen::Plain(s) => s.bytes(),
            Seen::Sleep(m) => m.bytes(),
        }
    }
    #[inline]
    fn touch(&self, fp: u64) -> u64 {
        match self {
            Seen::Plain(s) => s.shard(shard_of(fp)).touch(fp),
            Seen::Sleep(m) => m.touch(fp),
        }
    }
    fn contains(&self, fp: u64) -> bool {
        match self {
            Seen::Plain(s) => s.contains(fp),
            Seen::Sleep(m) => m.contains(fp),
        }
    }
}

/// The states of one BFS level, encoded, and where the search is in them. Moving to the next
/// level swaps two of these and clears one.
#[derive(Default)]
struct Level {
    /// The level's states, `Codec::size` bytes each, numbered from `first`.
    states: Vec<u8>,
    /// With reduction: per state, the sleep set it was first reached with (a state reached
    /// with none keeps none, and needs no look-up).
    sleep: Vec<u8>,
    first: u64,
    /// States to expand again because they were reached with a smaller sleep set after their
    /// expansion, encoded, with their number and the threads to run from them.
    again: Vec<u8>,
    again_meta: Vec<(u64, u8)>,
    /// The next work item (a state, then a state to expand again) to merge.
    pos: usize,
}

impl Level {
    fn count(&self, size: usize) -> usize {
        self.states.len() / size
    }
    /// States and states to expand again.
    fn items(&self, size: usize) -> usize {
        self.count(size) + self.again_meta.len()
    }
    fn is_empty(&self) -> bool {
        self.states.is_empty() && self.again_meta.is_empty()
    }
    fn clear(&mut self) {
        self.states.clear();
        self.sleep.clear();
        self.again.clear();
        self.again_meta.clear();
        self.pos = 0;
    }
    fn bytes(&self) -> usize {
        self.states.capacity() + self.sleep.capacity() + self.again.capacity() + self.again_meta.capacity() * 16
    }
    /// Work item `i`: its number, its encoding, the sleep set it was reached with (a hint:
    /// 0 means none) and, for a state to expand again, the threads to run.
    fn item(&self, i: usize, size: usize) -> (u64, &[u8], u8, Option<u8>) {
        let n = self.count(size);
        if i < n {
            let sleep = self.sleep.get(i).copied().unwrap_or(0);
            (self.first + i as u64, &self.states[i * size..(i + 1) * size], sleep, None)
        } else {
            let k = i - n;
            let (id, mask) = self.again_meta[k];
            (id, &self.again[k * size..(k + 1) * size], SLEEP, Some(mask))
        }
    }
}

/// What the search needs from the explorer, read-only.
pub struct Ctx<'a> {
    pub prog: &'a Program,
    pub codec: &'a Codec,
    pub por: Option<&'a Por>,
    pub opts: &'a Options,
    /// The checked invariants.
    pub all: InvariantSet,
}

/// How the expansion of one work item went.
#[derive(Clone, Copy, Debug, Default)]
struct Item {
    /// Its successors end here in [`Batch::succ`].
    end: u32,
    /// With reduction, when its sleep set mattered: the sleep set the expansion used, and the
    /// flags to set on the state once merged. `looked_up`: the item was looked up, and `fp`
    /// is its fingerprint (computed once, for the expansion and the merge).
    sleep: u8,
    flags: u8,
    looked_up: bool,
    fp: u64,
    terminal: bool,
    cut: bool,
    reduced: bool,
    /// Steps that failed with a scenario error (in [`Batch::bugs`], up to `end_bug`).
    end_bug: u32,
}

/// One successor: its fingerprint, the choice index and thread, its sleep set, and the
/// checked invariants it breaks. Its encoding is in [`Batch::encs`].
#[derive(Clone, Copy, Debug)]
struct Succ {
    fp: u64,
    idx: u8,
    asleep: u8,
    bad: InvariantSet,
}

/// The expansion of a range of work items of a level, for [`Bfs::merge`].
#[derive(Default)]
pub struct Batch {
    /// The range: work items `start..start + items.len()`.
    start: usize,
    items: Vec<Item>,
    succ: Vec<Succ>,
    encs: Vec<u8>,
    /// Steps that failed with a scenario error: choice index and message.
    bugs: Vec<(u8, String)>,
    /// Transitions in the batch.
    pub transitions: u64,
    /// For a merge by shards ([`Bfs::expand_grouped`]): the successors' fingerprints grouped
    /// by shard, each group in the order of `succ`; shard `s`'s group is
    /// `grouped[groups[s]..groups[s + 1]]`.
    grouped: Vec<u64>,
    groups: Vec<u32>,
    /// The checked invariants that successors break.
    bad: InvariantSet,
}

impl Batch {
    fn clear(&mut self, start: usize) {
        self.start = start;
        self.items.clear();
        self.succ.clear();
        self.encs.clear();
        self.bugs.clear();
        self.transitions = 0;
        self.grouped.clear();
        self.groups.clear();
        self.bad = InvariantSet::EMPTY;
    }

    /// Groups the successors' fingerprints by shard (a counting sort, stable).
    fn group(&mut self) {
        let mut count = [0u32; SHARDS + 1];
        for sc in &self.succ {
            count[shard_of(sc.fp) + 1] += 1;
        }
        for k in 0..SHARDS {
            count[k + 1] += count[k];
        }
        self.groups.clear();
        self.groups.extend_from_slice(&count);
        self.grouped.clear();
        self.grouped.resize(self.succ.len(), 0);
        let mut at = count;
        for sc in &self.succ {
            let s = shard_of(sc.fp);
            self.grouped[at[s] as usize] = sc.fp;
            at[s] += 1;
        }
    }

    /// How many successors are in shard `s` (after [`Batch::group`]).
    pub fn shard_len(&self, s: usize) -> usize {
        self.shard(s).len()
    }

    /// The fingerprints of shard `s`, in order (after [`Batch::group`]).
    fn shard(&self, s: usize) -> &[u64] {
        match self.groups.get(s..s + 2) {
            Some(&[a, b]) => &self.grouped[a as usize..b as usize],
            _ => &[],
        }
    }
}

/// What the merge of one shard of the table found, for [`Bfs::merge_fresh`]: for each
/// successor of the shard, in the order of the search, whether it is new.
#[derive(Default)]
pub struct ShardOut {
    /// (Shorter than the shard's successors when the allocator refused the shard room to
    /// grow: the ones after the last in it were not merged.)
    fresh: Vec<bool>,
}

impl ShardOut {
    pub fn clear(&mut self) {
        self.fresh.clear();
    }
}

/// Merges the successors of shard `s` of `batches` (expanded by [`Bfs::expand_grouped`], in
/// the order of their ranges) into `set`, the table's shard `s`: the first of equal
/// successors, in the order of the search, is the new one. The shards of a table are merged
/// independently (at once, on several threads), between [`Bfs::can_merge_shards`] and
/// [`Bfs::merge_fresh`]. A shard grows by doubling, as [`Bfs::room`] would grow it.
pub fn merge_shard<'b>(set: &mut FpSet, s: usize, batches: impl Iterator<Item = &'b Batch>, out: &mut ShardOut) {
    out.clear();
    let mut sink = 0u64;
    for b in batches {
        let fps = b.shard(s);
        for (k, &fp) in fps.iter().enumerate() {
            if k % (TOUCH_AHEAD / 2) == 0 {
                for &ahead in fps.iter().skip(k + TOUCH_AHEAD / 2).take(TOUCH_AHEAD / 2) {
                    sink ^= set.touch(ahead);
                }
            }
            let new = match set.try_insert(fp) {
                Some(new) => new,
                None => {
                    let bigger = set.slots() * 2;
                    if set.try_grow(bigger).is_err() {
                        return;
                    }
                    set.try_insert(fp) == Some(true)
                }
            };
            out.fresh.push(new);
        }
    }
    std::hint::black_box(sink);
}

/// Where [`Bfs::merge`] left the search.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Merged {
    /// More to do.
    Running,
    /// The search is over; stopped by this bound, if by one.
    Ended(Option<Bound>),
}

pub struct Bfs {
    /// Fingerprints of the visited states; with reduction, each with its sleep set.
    seen: Seen,
    /// With reduction, when the cycle proviso can apply: fingerprints of the next level, to
    /// tell forward edges from the others.
    next_seen: Option<FpSet>,
    links: Links,
    /// Parent links of the states expanded again, numbered from `DUP_BASE`.
    dups: Links,
    cur: Level,
    next: Level,
    depth: u32,
    /// Per invariant (bit of `Invariant::ALL`): the first violating state and its depth.
    found: [Option<(u64, u32)>; N_INV],
    bug_links: Vec<(u64, u8, String)>,
    pub stats: Stats,
    depth_cut: bool,
    /// Fingerprints of the terminal states, when asked for (tests compare them).
    pub terminals: Option<Vec<u64>>,
    /// Set once the search is over.
    ended: Option<Option<Bound>>,
}

impl Bfs {
    /// A search from `prog`'s initial state, which `w.enc` receives encoded.
    pub fn new(prog: &Program, codec: &Codec, por: Option<&Por>, checks: InvariantSet, w: &mut Work) -> Bfs {
        let init = prog.init;
        codec.encode(&init, &mut w.enc);
        let reduction = por.is_some();
        let mut seen = if reduction { Seen::Sleep(FpMap::with_capacity(0)) } else { Seen::Plain(ShardedSet::new()) };
        match &mut seen {
            Seen::Plain(s) => {
                s.try_insert(fingerprint(&w.enc));
            }
            Seen::Sleep(m) => {
                let _ = m.insert(fingerprint(&w.enc), 0);
            }
        }
        let mut links = Links::default();
        links.try_push(NO_PARENT).expect("a few bytes");
        let mut bfs = Bfs {
            seen,
            next_seen: por.filter(|p| p.proviso_possible()).map(|_| FpSet::with_capacity(0)),
            links,
            dups: Links::default(),
            cur: Level { states: w.enc.clone(), sleep: if reduction { vec![0] } else { vec![] }, ..Level::default() },
            next: Level::default(),
            depth: 0,
            found: [None; N_INV],
            bug_links: vec![],
            stats: Stats { states: 1, ..Stats::default() },
            depth_cut: false,
            terminals: None,
            ended: None,
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
        (self.cur.items(size) - self.cur.pos + self.next.items(size)) as u64
    }

    /// The bytes the search holds: the fingerprint tables, the parent links and the encoded
    /// levels.
    pub fn bytes(&self) -> u64 {
        (self.seen.bytes()
            + self.next_seen.as_ref().map_or(0, FpSet::bytes)
            + self.links.bytes()
            + self.dups.bytes()
            + self.cur.bytes()
            + self.next.bytes()) as u64
    }

    /// The work items of the current level not yet merged: `start..end`.
    pub fn pending(&self, size: usize) -> (usize, usize) {
        (self.cur.pos, self.cur.items(size))
    }

    /// Expands work items `start..end` of the current level into `out`, reading the search
    /// only: ranges may be expanded at once by several threads, each with its own `Work`.
    pub fn expand(&self, ctx: &Ctx, start: usize, end: usize, out: &mut Batch, w: &mut Work) {
        out.clear(start);
        let mut s = ctx.prog.init;
        let Seen::Sleep(map) = &self.seen else {
            for i in start..end {
                self.expand_one(ctx, i, &mut s, out, w, 0);
            }
            return;
        };
        // With reduction most states are looked up in the map, each a cache miss: their
        // fingerprints are computed and their buckets read a few items ahead, so that the
        // misses overlap (as the merges do for the successors).
        let size = ctx.codec.size();
        w.item_fps.clear();
        let mut sink = 0u64;
        for i in start..end {
            let k = i - start;
            if k.is_multiple_of(TOUCH_AHEAD / 2) {
                for j in w.item_fps.len() + start..(i + TOUCH_AHEAD).min(end) {
                    let (_, enc, hint, _) = self.cur.item(j, size);
                    let fp = if hint != 0 { fingerprint(enc) } else { 0 };
                    if fp != 0 {
                        sink ^= map.touch(fp);
                    }
                    w.item_fps.push(fp);
                }
            }
            let fp = w.item_fps[k];
            self.expand_one(ctx, i, &mut s, out, w, fp);
        }
        std::hint::black_box(sink);
    }

    /// As [`Bfs::expand`], and without reduction the successors' fingerprints are also grouped
    /// by shard of the table, for a merge by shards ([`merge_shard`]): the part of the merge
    /// that needs the order of the whole level is then only the numbering of the new states.
    pub fn expand_grouped(&self, ctx: &Ctx, start: usize, end: usize, out: &mut Batch, w: &mut Work) {
        self.expand(ctx, start, end, out, w);
        if matches!(self.seen, Seen::Plain(_)) {
            out.group();
        }
    }

    /// The byte of `fp` in the reduced search's map, if it is there.
    fn find_sleep(&self, fp: u64) -> Option<u8> {
        self.find_slot(fp).map(|slot| self.sleep_at(slot))
    }

    /// Where `fp` is in the reduced search's map.
    fn find_slot(&self, fp: u64) -> Option<Slot> {
        match &self.seen {
            Seen::Sleep(m) => m.find(fp),
            Seen::Plain(_) => None,
        }
    }

    /// The byte at `slot` of the reduced search's map.
    fn sleep_at(&self, slot: Slot) -> u8 {
        match &self.seen {
            Seen::Sleep(m) => m.val(slot),
            Seen::Plain(_) => 0,
        }
    }

    /// Expands work item `i` into `out` (its item, successors and bugs appended).
    /// With reduction, `fp` is the item's fingerprint if it is looked up (its hint is not 0).
    fn expand_one(&self, ctx: &Ctx, i: usize, s: &mut State, out: &mut Batch, w: &mut Work, fp: u64) {
        let (prog, codec, por, opts) = (ctx.prog, ctx.codec, ctx.por, ctx.opts);
        let (_, enc, hint, again) = self.cur.item(i, codec.size());
        let mut item = Item::default();
        codec.decode_into(enc, s);
        exec::choices(prog, s, &mut w.buf);
        let close = |item: Item, out: &mut Batch| {
            let item = Item { end: out.succ.len() as u32, end_bug: out.bugs.len() as u32, ..item };
            out.items.push(item);
        };
        if w.buf.is_empty() {
            item.terminal = again.is_none();
            return close(item, out);
        }
        if self.depth >= opts.max_depth {
            item.cut = true;
            return close(item, out);
        }
        // The state's byte: a state first reached with nothing asleep keeps nothing asleep,
        // and then neither its flags nor its byte matter again.
        let here = match (por, hint) {
            (Some(_), h) if h != 0 => {
                item.looked_up = true;
                item.fp = fp;
                self.find_sleep(item.fp)
            }
            _ => None,
        };
        // Sleep sets (Godefroid): a thread asleep here has been explored from an earlier
        // state, and what it leads to from here is covered from there; a successor keeps
        // the sleeping threads, and the ones explored before it from here, whose steps
        // are independent of the step taken.
        let mut fps = [Footprint::default(); MAX_THREADS];
        let sleepy = por.is_some_and(|p| p.applies(&w.buf));
        // The footprints serve the stubborn set (two steps or more) and the sleep sets of the
        // successors; one step from a state where nothing sleeps needs neither. Their
        // conflicts are tested once per pair (`conf`: per thread, the threads whose step
        // conflicts with its step), for both; without footprints, nothing conflicts.
        let mut conf = [0u8; MAX_THREADS];
        if sleepy && (w.buf.len() >= 2 || here.is_some_and(|v| v & SLEEP != 0)) {
            por.unwrap().step_footprints(prog, s, &w.buf, &mut fps);
            let en = w.buf.iter().fold(0u32, |m, c| m | 1 << c.thread());
            conf = conflict_matrix(&fps, en | here.map_or(0, |v| (v & SLEEP) as u32));
        }
        let (reduced, proviso) = match (again, por) {
            (None, Some(por)) if sleepy => match por.ample_given(prog, s, &w.buf, &fps, &conf, &mut w.ample, &mut w.por) {
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
                if let Some(v) = here {
                    // A set that relies on the cycle proviso is explored whole, whatever
                    // sleeps: then every path from here that breaks an invariant either
                    // takes a step of the set, or survives the first step of the set.
                    if sleepy && !proviso {
                        sleep = v & SLEEP;
                        item.flags = EXPANDED;
                    } else {
                        item.flags = EXPANDED | NO_SLEEP;
                    }
                }
            }
            Some(mask) => {
                // Run the threads that were asleep at the expansion and are no longer.
                sleep = here.map(|v| v & SLEEP).unwrap_or(0);
                w.ample.clear();
                w.ample.extend((0..w.buf.len() as u8).filter(|&i| mask & (1 << w.buf[i as usize].thread()) != 0));
            }
        }
        item.sleep = sleep;
        let mut explored = sleep;
        let threads = ((1u32 << prog.threads.len()) - 1) as u8;
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
            let mut n = *s;
            match exec::apply(prog, &mut n, c) {
                Ok(_) => {}
                Err(StepError::Bug(bug)) => {
                    if out.bugs.len() < 8 {
                        out.bugs.push((idx, describe::bug_text(prog, bug)));
                    }
                    continue;
                }
                Err(StepError::Blocked(_)) => continue,
            }
            // The threads explored before (or asleep) whose step is independent of this one.
            let mut asleep = 0u8;
            if sleepy {
                asleep = explored & !conf[t] & !(1 << t) & threads;
                explored |= 1 << t;
            }
            codec.encode(&n, &mut w.enc);
            let fp = fingerprint(&w.enc);
            // Seen before, on this level or an earlier one (not on the next): only a step on
            // a cycle of its thread's code can close a cycle of states.
            if proviso && !full && !old && por.is_some_and(|p| p.on_cycle(t, s.threads[t].pc)) && self.is_old(fp) {
                old = true;
            }
            let bad = if ctx.all.is_empty() { InvariantSet::EMPTY } else { invariants::violated(prog, &n).intersect(ctx.all) };
            out.bad = out.bad.union(bad);
            out.succ.push(Succ { fp, idx, asleep, bad });
            out.encs.extend_from_slice(&w.enc);
            out.transitions += 1;
        }
        item.reduced = reduced && !full;
        close(item, out)
    }

    /// True when `fp` was visited on this level or an earlier one. (In a range expanded
    /// before the merge of the ranges before it, a state of the next level they reach is not
    /// in the table yet: it is not old either way.)
    fn is_old(&self, fp: u64) -> bool {
        self.seen.contains(fp) && !self.next_seen.as_ref().is_some_and(|n| n.contains(fp))
    }

    /// Merges a batch expanded from the next work items of the level (`batch.start` must be
    /// where the last merge stopped), in order, at most up to `budget` transitions... never
    /// mid-item: it returns the transitions merged and where the search stands. A batch is
    /// merged whole unless the search ends in it.
    pub fn merge(&mut self, ctx: &Ctx, batch: &Batch, w: &mut Work, redo: &mut Batch) -> (u64, Merged) {
        debug_assert_eq!(batch.start, self.cur.pos, "batches are merged in order");
        let mut done = 0u64;
        let mut s0 = 0usize;
        let mut b0 = 0usize;
        if let Some(r) = self.stop_check(ctx) {
            return (0, r);
        }
        let size = ctx.codec.size();
        let mut touched = 0usize;
        let mut sink = 0u64;
        for (k, item) in batch.items.iter().enumerate() {
            let i = batch.start + k;
            let (s1, b1) = (item.end as usize, item.end_bug as usize);
            if touched < s1 + TOUCH_AHEAD / 2 {
                let to = (s1 + TOUCH_AHEAD).min(batch.succ.len());
                for sc in &batch.succ[touched.max(s0)..to] {
                    sink ^= self.seen.touch(sc.fp);
                }
                touched = to;
            }
            // The items looked up were read by their expansion, a batch ago: read them again
            // ahead too.
            if k.is_multiple_of(TOUCH_AHEAD / 2) {
                for ahead in batch.items.iter().skip(k + TOUCH_AHEAD / 2).take(TOUCH_AHEAD / 2) {
                    if ahead.looked_up {
                        sink ^= self.seen.touch(ahead.fp);
                    }
                }
            }
            let slot = if item.looked_up { self.find_slot(item.fp) } else { None };
            let (succ, encs, bugs, item) = if item.looked_up && self.sleep_changed(item, slot) {
                // Reached again, with fewer threads asleep, by a state merged since it was
                // expanded: expand it again as it is now.
                self.expand(ctx, i, i + 1, redo, w);
                (&redo.succ[..], &redo.encs[..], &redo.bugs[..], redo.items[0])
            } else {
                (&batch.succ[s0..s1], &batch.encs[s0 * size..s1 * size], &batch.bugs[b0..b1], *item)
            };
            (s0, b0) = (s1, b1);
            match self.merge_item(ctx, i, &item, slot, succ, encs, bugs) {
                Ok(n) => done += n,
                Err((n, bound)) => {
                    done += n;
                    return (done, self.end(ctx, Some(bound)));
                }
            }
            if item.terminal {
                let (_, enc, _, _) = self.cur.item(i, ctx.codec.size());
                let fp = fingerprint(enc);
                if let Some(t) = self.terminals.as_mut() {
                    t.push(fp);
                }
            }
            self.cur.pos = i + 1;
            if let Some(r) = self.after_item(ctx) {
                std::hint::black_box(sink);
                return (done, r);
            }
        }
        std::hint::black_box(sink);
        (done, Merged::Running)
    }

    /// True when `batches`, expanded by [`Bfs::expand_grouped`] from the next work items of
    /// the level, in order, can be merged by shards ([`merge_shard`], then
    /// [`Bfs::merge_fresh`]) with the result of [`Bfs::merge`]: the search is without
    /// reduction, and no bound can stop it within them (the state bound, the memory bound
    /// even if every successor were new, the end once every invariant broke: no successor
    /// breaks an invariant not broken yet). Otherwise they are merged one at a time.
    pub fn can_merge_shards<'b>(&self, ctx: &Ctx, batches: impl Iterator<Item = &'b Batch> + Clone) -> bool {
        let Seen::Plain(set) = &self.seen else { return false };
        if self.ended.is_some() || (ctx.opts.stop_when_all_violated && !ctx.all.is_empty() && self.found_bits() == ctx.all) {
            return false;
        }
        let found = self.found_bits();
        let mut succ = 0usize;
        let mut at = self.cur.pos;
        for b in batches.clone() {
            if b.start != at || !b.bad.minus(found).is_empty() || (b.groups.is_empty() && !b.succ.is_empty()) {
                return false;
            }
            at += b.items.len();
            succ += b.succ.len();
        }
        if self.stats.states + succ as u64 >= ctx.opts.max_states.min(MAX_IDS) {
            return false;
        }
        // The most memory the merge can add: each shard doubled as often as all its
        // successors being new would need (every size counted, as a growth holds two), the
        // links and the next level grown as far.
        let mut extra = 0usize;
        for s in 0..SHARDS {
            let k: usize = batches.clone().map(|b| b.shard(s).len()).sum();
            let shard = set.shard(s);
            let mut slots = shard.slots();
            while FpSet::limit_of(slots) < shard.len() + k {
                slots *= 2;
                extra += FpSet::bytes_with(slots);
            }
        }
        let links = self.links.len() + succ;
        let mut cap = self.links.low.capacity();
        while cap < links {
            cap += cap.max(1024);
        }
        extra += (cap - self.links.low.capacity()) * 5;
        let size = ctx.codec.size();
        extra += 2 * (self.next.states.len() + succ * size) + 64;
        self.bytes() + extra as u64 <= ctx.opts.max_memory
    }

    /// The shards of the table, for [`merge_shard`] (after [`Bfs::can_merge_shards`]).
    pub fn shards_mut(&mut self) -> &mut [FpSet] {
        match &mut self.seen {
            Seen::Plain(set) => set.shards_mut(),
            Seen::Sleep(_) => &mut [],
        }
    }

    /// Ends a merge by shards: with what each shard's [`merge_shard`] found, numbers the new
    /// states of `batches` in the order of the search and queues them, as [`Bfs::merge`] would
    /// (same numbers, links, counts and invariants found), and moves to the next level when
    /// this one is done. Returns the transitions merged and where the search stands.
    pub fn merge_fresh<'b>(&mut self, ctx: &Ctx, batches: impl Iterator<Item = &'b Batch>, outs: &[ShardOut]) -> (u64, Merged) {
        if let Seen::Plain(set) = &mut self.seen {
            set.recount();
        }
        let size = ctx.codec.size();
        let mut cursor = [0usize; SHARDS];
        let mut done = 0u64;
        for batch in batches {
            debug_assert_eq!(batch.start, self.cur.pos, "batches are merged in order");
            let (mut s0, mut b0) = (0usize, 0usize);
            for (k, item) in batch.items.iter().enumerate() {
                let i = batch.start + k;
                let (s1, b1) = (item.end as usize, item.end_bug as usize);
                let id = self.cur.first + i as u64;
                if item.terminal {
                    self.stats.terminal += 1;
                    if let Some(t) = self.terminals.as_mut() {
                        t.push(fingerprint(&self.cur.states[i * size..(i + 1) * size]));
                    }
                }
                if item.cut {
                    self.depth_cut = true;
                }
                for (idx, msg) in &batch.bugs[b0..b1] {
                    if self.bug_links.len() < 8 {
                        self.bug_links.push((id, *idx, msg.clone()));
                    }
                }
                for (j, sc) in batch.succ[s0..s1].iter().enumerate() {
                    done += 1;
                    self.stats.transitions += 1;
                    let s = shard_of(sc.fp);
                    let Some(&new) = outs[s].fresh.get(cursor[s]) else {
                        // The shard could not grow.
                        let stop = Bound::Memory { bytes: ctx.opts.max_memory, states: self.stats.states };
                        return (done, self.end(ctx, Some(stop)));
                    };
                    cursor[s] += 1;
                    if new {
                        let enc = &batch.encs[(s0 + j) * size..(s0 + j + 1) * size];
                        if let Err(b) = self.add_state(sc, link(id, sc.idx), enc, ctx) {
                            return (done, self.end(ctx, Some(b)));
                        }
                    }
                }
                (s0, b0) = (s1, b1);
                self.cur.pos = i + 1;
            }
        }
        match self.after_item(ctx) {
            Some(r) => (done, r),
            None => (done, Merged::Running),
        }
    }

    /// True when the state of work item `i` has fewer threads asleep than its expansion saw.
    /// (The item was looked up: `slot` is where its fingerprint is in the map, if there.)
    fn sleep_changed(&self, item: &Item, slot: Option<Slot>) -> bool {
        slot.map(|slot| self.sleep_at(slot) & SLEEP) != Some(item.sleep) && !(item.flags & NO_SLEEP != 0 && item.sleep == 0)
    }

    /// Ends the search once every checked invariant broke, when asked to.
    fn stop_check(&mut self, ctx: &Ctx) -> Option<Merged> {
        if let Some(b) = self.ended {
            return Some(Merged::Ended(b));
        }
        (ctx.opts.stop_when_all_violated && !ctx.all.is_empty() && self.found_bits() == ctx.all).then(|| self.end(ctx, None))
    }

    /// Checks the bound on stopping once every invariant broke, and moves to the next level
    /// when this one is done.
    fn after_item(&mut self, ctx: &Ctx) -> Option<Merged> {
        if let Some(r) = self.stop_check(ctx) {
            return Some(r);
        }
        let size = ctx.codec.size();
        if self.cur.pos < self.cur.items(size) {
            return None;
        }
        // Next level.
        self.stats.peak_bytes = self.stats.peak_bytes.max(self.bytes());
        if self.next.is_empty() {
            return Some(self.end(ctx, None));
        }
        let first = self.cur.first + self.cur.count(size) as u64;
        std::mem::swap(&mut self.cur, &mut self.next);
        self.next.clear();
        self.cur.first = first;
        if let Some(n) = &mut self.next_seen {
            *n = FpSet::with_capacity(0);
        }
        self.depth += 1;
        self.stats.depth = self.depth;
        None
    }

    fn found_bits(&self) -> InvariantSet {
        self.found.iter().zip(Invariant::ALL).filter(|(f, _)| f.is_some()).map(|(_, inv)| inv).collect()
    }

    fn end(&mut self, ctx: &Ctx, bound: Option<Bound>) -> Merged {
        self.stats.peak_bytes = self.stats.peak_bytes.max(self.bytes());
        let bound = bound.or_else(|| (self.depth_cut && self.found_bits() != ctx.all).then_some(Bound::Depth(ctx.opts.max_depth)));
        self.ended = Some(bound);
        Merged::Ended(bound)
    }

    /// Merges one work item: returns its transitions, or the transitions up to a bound and the
    /// bound.
    #[allow(clippy::too_many_arguments)]
    fn merge_item(
        &mut self,
        ctx: &Ctx,
        i: usize,
        item: &Item,
        slot: Option<Slot>,
        succ: &[Succ],
        encs: &[u8],
        bugs: &[(u8, String)],
    ) -> Result<u64, (u64, Bound)> {
        let size = ctx.codec.size();
        let id = self.cur.item(i, size).0;
        let here = (item.flags != 0 && item.looked_up).then_some(item.fp);
        if item.terminal {
            self.stats.terminal += 1;
        }
        if item.cut {
            self.depth_cut = true;
        }
        // (The map has not changed since `slot` was found: nothing was inserted.)
        if here.is_some() {
            if let (Seen::Sleep(m), Some(slot)) = (&mut self.seen, slot) {
                *m.val_mut(slot) |= item.flags;
            }
        }
        for (idx, msg) in bugs {
            if self.bug_links.len() < 8 {
                self.bug_links.push((id, *idx, msg.clone()));
            }
        }
        let mut done = 0;
        for (k, sc) in succ.iter().enumerate() {
            done += 1;
            self.stats.transitions += 1;
            let enc = &encs[k * size..(k + 1) * size];
            let l = link(id, sc.idx);
            let new = match &mut self.seen {
                Seen::Plain(set) => match set.try_insert(sc.fp) {
                    Some(new) => new,
                    // A new state, and its shard is full.
                    None => {
                        if let Err(b) = self.room(ctx, shard_of(sc.fp)) {
                            return Err((done, b));
                        }
                        let Seen::Plain(set) = &mut self.seen else { unreachable!() };
                        set.try_insert(sc.fp) == Some(true)
                    }
                },
                Seen::Sleep(m) if m.is_full() => {
                    if let Err(b) = self.room(ctx, 0) {
                        return Err((done, b));
                    }
                    let Seen::Sleep(m) = &mut self.seen else { unreachable!() };
                    let r = m.insert(sc.fp, sc.asleep);
                    self.insert_sleep(r, sc.asleep, l, enc, ctx).map_err(|b| (done, b))?
                }
                Seen::Sleep(m) => {
                    let r = m.insert(sc.fp, sc.asleep);
                    self.insert_sleep(r, sc.asleep, l, enc, ctx).map_err(|b| (done, b))?
                }
            };
            if new {
                if let Err(b) = self.add_state(sc, l, enc, ctx) {
                    return Err((done, b));
                }
            }
        }
        if item.reduced {
            self.stats.reduced += 1;
        }
        Ok(done)
    }

    /// After a successor went into the reduced search's map: true when it is new.
    #[inline]
    fn insert_sleep(&mut self, r: Result<(), usize>, asleep: u8, l: u64, enc: &[u8], ctx: &Ctx) -> Result<bool, Bound> {
        match r {
            Ok(()) => Ok(true),
            Err(slot) => {
                // Most states reached again keep what sleeps there: nothing to do.
                if let Seen::Sleep(m) = &self.seen {
                    let v = m.val(slot);
                    if v & SLEEP & !asleep == 0 || v & NO_SLEEP != 0 {
                        return Ok(false);
                    }
                }
                self.reached_again(slot, asleep, l, enc, ctx)?;
                Ok(false)
            }
        }
    }

    /// Makes room in a full table (with reduction, the map; without, its shard `shard`) for
    /// one more state, or says which bound stops the search: the table grows by doubling, or
    /// as far as `Options::max_memory` allows, and only as far as the allocator gives.
    fn room(&mut self, ctx: &Ctx, shard: usize) -> Result<(), Bound> {
        let budget = ctx.opts.max_memory;
        let stop = |b: &Bfs| Bound::Memory { bytes: budget, states: b.stats.states };
        let now = self.bytes() as usize;
        let (cur, bytes_with): (usize, fn(usize) -> usize) = match &self.seen {
            Seen::Plain(s) => (s.shard(shard).slots(), FpSet::bytes_with),
            Seen::Sleep(m) => (m.slots(), FpMap::bytes_with),
        };
        // Growing holds the old table and the new one at once.
        let room = (budget as usize).saturating_sub(now);
        let mut slots = cur * 2;
        if bytes_with(slots) > room {
            // As large as still fits, if that is worth it.
            slots = cur + (room * cur / bytes_with(cur).max(1)).min(cur);
            // (A map holds whole buckets of 7 entries.)
            while slots > 7 && bytes_with(slots) > room {
                slots -= 7;
            }
            if slots < cur + cur / 8 || bytes_with(slots) > room {
                return Err(stop(self));
            }
        }
        let grown = match &mut self.seen {
            Seen::Plain(s) => s.try_grow(shard, slots),
            Seen::Sleep(m) => m.try_grow(slots),
        };
        grown.map_err(|_| stop(self))
    }

    /// The bytes that adding one state of `size` bytes to the next level adds, when it grows
    /// a vector (a vector grows by doubling) or the table of the next level.
    fn add_growth(&self, size: usize, por: bool) -> u64 {
        let grows = |len: usize, cap: usize, add: usize| if len + add <= cap { 0 } else { (cap * 2).max(len + add).max(8) - cap };
        let next = &self.next;
        let mut extra = self.links.push_growth()
            + grows(next.states.len(), next.states.capacity(), size)
            + if por { grows(next.sleep.len(), next.sleep.capacity(), 1) } else { 0 };
        if let Some(n) = self.next_seen.as_ref().filter(|n| n.is_full()) {
            extra += FpSet::bytes_with(n.slots() * 2);
        }
        extra as u64
    }

    /// A successor seen before, reached with sleep set `asleep`: it keeps what sleeps in both;
    /// if it was expanded already, the threads that woke up run from it again (next level).
    fn reached_again(&mut self, slot: usize, asleep: u8, link: u64, enc: &[u8], ctx: &Ctx) -> Result<(), Bound> {
        let Seen::Sleep(m) = &mut self.seen else { return Ok(()) };
        let v = m.val_mut(slot);
        let woke = *v & SLEEP & !asleep;
        if woke != 0 && *v & NO_SLEEP == 0 {
            *v &= !woke;
            let expanded = *v & EXPANDED != 0;
            if expanded {
                if self.dups.len() as u64 >= MAX_IDS {
                    return Err(Bound::States(ctx.opts.max_states.min(MAX_IDS)));
                }
                let stop = Bound::Memory { bytes: ctx.opts.max_memory, states: self.stats.states };
                let grows = |len: usize, cap: usize, add: usize| if len + add <= cap { 0 } else { (cap * 2).max(len + add).max(8) - cap };
                let a = &self.next;
                let extra = self.dups.push_growth()
                    + grows(a.again.len(), a.again.capacity(), enc.len())
                    + grows(a.again_meta.len(), a.again_meta.capacity(), 1) * 16;
                if self.bytes() + extra as u64 > ctx.opts.max_memory {
                    return Err(stop);
                }
                self.next.again.try_reserve(enc.len()).map_err(|_| stop)?;
                self.next.again_meta.try_reserve(1).map_err(|_| stop)?;
                self.next.again_meta.push((DUP_BASE + self.dups.len() as u64, woke));
                self.dups.try_push(link).map_err(|_| stop)?;
                self.next.again.extend_from_slice(enc);
            }
        }
        Ok(())
    }

    /// A new state (successor `sc`, encoding `enc`) on the next level, reached by `link`:
    /// numbered, queued, and checked against the invariants.
    #[inline]
    fn add_state(&mut self, sc: &Succ, link: u64, enc: &[u8], ctx: &Ctx) -> Result<(), Bound> {
        let stop = Bound::Memory { bytes: ctx.opts.max_memory, states: self.stats.states };
        let por = ctx.por.is_some();
        if self.bytes() + self.add_growth(enc.len(), por) > ctx.opts.max_memory {
            return Err(stop);
        }
        if let Some(n) = &mut self.next_seen {
            if n.is_full() {
                let bigger = n.slots() * 2;
                n.try_grow(bigger).map_err(|_| stop)?;
            }
            n.insert(sc.fp);
        }
        self.next.states.try_reserve(enc.len()).map_err(|_| stop)?;
        if por {
            self.next.sleep.try_reserve(1).map_err(|_| stop)?;
        }
        let new_id = self.links.len() as u64;
        self.links.try_push(link).map_err(|_| stop)?;
        self.next.states.extend_from_slice(enc);
        if por {
            self.next.sleep.push(sc.asleep);
        }
        self.stats.states += 1;
        if !sc.bad.is_empty() {
            for (i, f) in self.found.iter_mut().enumerate() {
                if sc.bad.contains(Invariant::ALL[i]) && f.is_none() {
                    *f = Some((new_id, self.depth + 1));
                }
            }
        }
        if self.stats.states >= ctx.opts.max_states.min(MAX_IDS) {
            return Err(Bound::States(ctx.opts.max_states.min(MAX_IDS)));
        }
        Ok(())
    }

    fn path(&self, mut id: u64) -> Vec<u8> {
        let mut idx = Vec::new();
        loop {
            let l = if id >= DUP_BASE { self.dups.get((id - DUP_BASE) as usize) } else { self.links.get(id as usize) };
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
        self.seen = Seen::Plain(ShardedSet::default());
        self.next_seen = None;
        self.links = Links::default();
        self.dups = Links::default();
        self.cur = Level::default();
        self.next = Level::default();
    }
}
