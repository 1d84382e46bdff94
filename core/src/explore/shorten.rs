//! Shortening: once the main search has found a violation (with reduction, not necessarily at
//! its shortest depth), a breadth-first search without reduction over (state, thread of the
//! last step) finds the shortest trace to it, and among those the one with the fewest context
//! switches.

use std::collections::HashMap;

use super::encode::{fingerprint, with_tag, Codec, Work};
use super::report::{choices_of, Stats};
use super::table::FpSet;
use crate::exec;
use crate::invariants;
use crate::ir::Program;
use crate::layout::{Invariant, InvariantSet};
use crate::step::Choice;

const NO_PARENT: u32 = u32::MAX;
const NO_THREAD: u8 = u8::MAX;
const N_INV: usize = Invariant::ALL.len();

/// The nodes of one level, encoded, with their numbers. Moving to the next level swaps two of
/// these and clears one.
#[derive(Default)]
struct Level {
    states: Vec<u8>,
    nodes: Vec<u32>,
}

pub struct Shorten {
    seen: FpSet,
    /// Per node: parent node, choice index, last thread, switches.
    nodes: Vec<(u32, u8, u8, u16)>,
    cur: Level,
    /// The next node of `cur` to expand.
    pos: usize,
    next: Level,
    next_index: HashMap<u64, u32>,
    depth: u32,
    /// Invariants still to find.
    want: InvariantSet,
    /// Violating nodes of the next level, per invariant.
    hits: [Vec<u32>; N_INV],
    /// The node found for each invariant.
    done: [Option<u32>; N_INV],
    pub stats: Stats,
}

impl Shorten {
    /// A search for the invariants of `found`; done at once if the initial state breaks them all.
    pub fn new(prog: &Program, codec: &Codec, found: &[(Invariant, Vec<Choice>)], w: &mut Work) -> Shorten {
        let init = prog.init;
        codec.encode(&init, &mut w.enc);
        let key = with_tag(fingerprint(&w.enc), NO_THREAD as u64);
        let mut seen = FpSet::with_capacity(1 << 12);
        seen.insert(key);
        let want: InvariantSet = found.iter().map(|(inv, _)| *inv).collect();
        let mut sh = Shorten {
            seen,
            nodes: vec![(NO_PARENT, 0, NO_THREAD, 0)],
            cur: Level { states: w.enc.clone(), nodes: vec![0] },
            pos: 0,
            next: Level::default(),
            next_index: Default::default(),
            depth: 0,
            want,
            hits: Default::default(),
            done: [None; N_INV],
            stats: Stats { states: 1, ..Stats::default() },
        };
        // A violation of the initial state.
        for inv in invariants::violated(prog, &init).intersect(want).iter() {
            sh.done[inv.index()] = Some(0);
            sh.want.remove(inv);
        }
        sh
    }

    /// True when every invariant asked for is found.
    pub fn complete(&self) -> bool {
        self.want.is_empty()
    }

    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// Nodes waiting to be expanded.
    pub fn frontier(&self) -> u64 {
        (self.cur.nodes.len() - self.pos + self.next.nodes.len()) as u64
    }

    /// Whether a shortest trace was found for `inv`.
    pub fn found(&self, inv: Invariant) -> bool {
        self.done[inv.index()].is_some()
    }

    /// Expands nodes until about `budget` transitions are done or the search ends; returns the
    /// transitions done, and whether it has ended.
    pub fn slice(&mut self, prog: &Program, codec: &Codec, max_states: u64, budget: u64, w: &mut Work) -> (u64, bool) {
        let size = codec.size();
        let sh = self;
        let mut done = 0u64;
        let mut s = prog.init;
        // Nodes are numbered in 32 bits.
        let limit = max_states.min(u32::MAX as u64 - 1);
        let mut complete = None;
        while done < budget {
            if sh.pos >= sh.cur.nodes.len() {
                // The level is complete: pick the violating nodes with the fewest switches.
                for i in 0..N_INV {
                    if sh.want.contains(Invariant::ALL[i]) && !sh.hits[i].is_empty() {
                        let best = *sh.hits[i].iter().min_by_key(|n| sh.nodes[**n as usize].3).unwrap();
                        sh.done[i] = Some(best);
                        sh.want.remove(Invariant::ALL[i]);
                    }
                    sh.hits[i].clear();
                }
                let bytes = (sh.seen.bytes()
                    + sh.nodes.capacity() * 8
                    + sh.cur.states.capacity()
                    + sh.next.states.capacity()
                    + (sh.cur.nodes.capacity() + sh.next.nodes.capacity()) * 4
                    + sh.next_index.capacity() * 16) as u64;
                sh.stats.peak_bytes = sh.stats.peak_bytes.max(bytes);
                if sh.want.is_empty() {
                    complete = Some(true);
                    break;
                }
                if sh.next.nodes.is_empty() {
                    complete = Some(false);
                    break;
                }
                std::mem::swap(&mut sh.cur, &mut sh.next);
                sh.next.states.clear();
                sh.next.nodes.clear();
                sh.next_index.clear();
                sh.pos = 0;
                sh.depth += 1;
                sh.stats.depth = sh.depth;
                continue;
            }
            let node = sh.cur.nodes[sh.pos];
            codec.decode_into(&sh.cur.states[sh.pos * size..(sh.pos + 1) * size], &mut s);
            sh.pos += 1;
            let (_, _, last, sw) = sh.nodes[node as usize];
            exec::choices(prog, &s, &mut w.buf);
            if w.buf.is_empty() {
                sh.stats.terminal += 1;
                continue;
            }
            for (idx, &c) in w.buf.iter().enumerate() {
                let mut n = s;
                if exec::apply(prog, &mut n, c).is_err() {
                    continue;
                }
                done += 1;
                sh.stats.transitions += 1;
                let t = c.thread() as u8;
                let nsw = sw + (last != NO_THREAD && last != t) as u16;
                codec.encode(&n, &mut w.enc);
                let key = with_tag(fingerprint(&w.enc), t as u64);
                if let Some(&other) = sh.next_index.get(&key) {
                    let o = &mut sh.nodes[other as usize];
                    if nsw < o.3 {
                        *o = (node, idx as u8, t, nsw);
                    }
                    continue;
                }
                if !sh.seen.insert(key) {
                    continue;
                }
                let id = sh.nodes.len() as u32;
                sh.nodes.push((node, idx as u8, t, nsw));
                sh.next_index.insert(key, id);
                sh.next.nodes.push(id);
                sh.next.states.extend_from_slice(&w.enc);
                sh.stats.states += 1;
                let v = invariants::violated(prog, &n).intersect(sh.want);
                for inv in v.iter() {
                    sh.hits[inv.index()].push(id);
                }
                if sh.stats.states >= limit {
                    complete = Some(false);
                    break;
                }
            }
            if complete.is_some() {
                break;
            }
        }
        (done, complete.is_some())
    }

    /// Replaces each trace of `found` by the shortest one found for its invariant.
    pub fn shorten(&self, prog: &Program, found: &mut [(Invariant, Vec<Choice>)]) {
        for (inv, trace) in found.iter_mut() {
            if let Some(node) = self.done[inv.index()] {
                let mut idx = Vec::new();
                let mut n = node;
                while self.nodes[n as usize].0 != NO_PARENT {
                    idx.push(self.nodes[n as usize].1);
                    n = self.nodes[n as usize].0;
                }
                idx.reverse();
                *trace = choices_of(prog, &idx);
            }
        }
    }
}
