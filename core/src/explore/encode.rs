//! A compact, per-program encoding of a [`State`], and its 64-bit fingerprint.
//!
//! A `State` is a few hundred bytes, most of them zeros: its arrays are sized for the largest
//! scenario. A program uses only some threads, registers, pages, PTE slots, CPUs and variables,
//! and everything else keeps its initial value forever. [`Codec`] writes only the live parts,
//! in a fixed order, into a buffer of whole 64-bit words (the tail padded with zeros), so that
//! hashing and storing a state costs what the scenario needs, not what the largest one needs.
//!
//! The fingerprint is computed with 64-bit arithmetic only (never `usize`), so it is the same
//! number on x86_64 and wasm32: a hash built on `usize` (FxHash) keeps 32 bits on wasm32 and
//! merges distinct states there.

use crate::ir::{Op, Program};
use crate::layout::MemoryModel;
use crate::state::*;
use crate::step::Choice;

/// Which parts of the state a program can change, and where each goes in the encoding.
#[derive(Clone, Debug)]
pub struct Codec {
    /// Registers used by each thread.
    regs: Vec<u8>,
    /// Whether each thread's pc fits a byte.
    wide_pc: Vec<bool>,
    /// Whether the sleep reason needs a byte of its own (else it shares one with the status).
    wide_status: bool,
    pages: usize,
    slots: usize,
    ptes: usize,
    /// The CPUs whose TLB entries can be non-empty.
    cpus: Vec<u8>,
    vars: usize,
    locks: usize,
    pins: bool,
    /// The `no_leak` ghost (`State::ghost.foreign`, `leaked`, `leak_slot`).
    leaks: bool,
    store_buffers: bool,
    /// Encoded length in bytes, before padding.
    len: usize,
    words: usize,
}

#[inline]
fn put(out: &mut [u8], at: &mut usize, b: u8) {
    out[*at] = b;
    *at += 1;
}

#[inline]
fn put16(out: &mut [u8], at: &mut usize, v: u16) {
    out[*at] = v as u8;
    out[*at + 1] = (v >> 8) as u8;
    *at += 2;
}

#[inline]
fn get(inp: &[u8], at: &mut usize) -> u8 {
    let b = inp[*at];
    *at += 1;
    b
}

#[inline]
fn get16(inp: &[u8], at: &mut usize) -> u16 {
    let v = inp[*at] as u16 | (inp[*at + 1] as u16) << 8;
    *at += 2;
    v
}

fn status_from(b: u8) -> Status {
    match b {
        0 => Status::Running,
        1 => Status::Finished,
        2 => Status::Sleeping,
        _ => Status::Killed,
    }
}

fn mode_from(b: u8) -> LockMode {
    match b {
        0 => LockMode::Free,
        1 => LockMode::Read,
        2 => LockMode::Write,
        3 => LockMode::Group0,
        _ => LockMode::Group1,
    }
}

impl Codec {
    pub fn new(prog: &Program) -> Codec {
        let l = &prog.layout;
        let regs: Vec<u8> = prog.threads.iter().map(|t| t.regs.len() as u8).collect();
        let wide_pc: Vec<bool> = prog.threads.iter().map(|t| t.instrs.len() > 255).collect();
        let mut cpu_mask = 0u8;
        for t in &l.threads {
            if let Some(c) = t.cpu {
                cpu_mask |= 1 << c;
            }
        }
        for (cpu, row) in prog.init.tlb.iter().enumerate() {
            if row.iter().any(|e| *e != TlbEntry::EMPTY) {
                cpu_mask |= 1 << cpu;
            }
        }
        let cpus: Vec<u8> = (0..MAX_CPUS as u8).filter(|c| cpu_mask & (1 << c) != 0).collect();
        let pins = prog.init.pins.iter().any(|p| p.active())
            || prog.threads.iter().flat_map(|t| &t.instrs).any(|i| matches!(i.op, Op::GupReturn { .. } | Op::GupRelease));
        let store_buffers = prog.model != MemoryModel::Sc;
        let leaks = prog.checks.contains(&crate::layout::Invariant::NoLeak);
        let wide_status = prog.sleep_reasons.len() >= 64;
        let mut c = Codec {
            regs,
            wide_pc,
            wide_status,
            pages: l.pages.len(),
            slots: l.data_slots,
            ptes: l.ptes.len(),
            cpus,
            vars: l.vars.len(),
            locks: l.locks.len(),
            pins,
            leaks,
            store_buffers,
            len: 0,
            words: 0,
        };
        let mut len = 0;
        for (t, r) in c.regs.iter().enumerate() {
            len += if c.wide_pc[t] { 2 } else { 1 } + if c.wide_status { 2 } else { 1 } + 2 * *r as usize;
        }
        len += c.pages * (5 + c.slots);
        len += c.ptes * 3;
        len += c.cpus.len() * c.ptes * 2;
        len += c.vars * 2;
        len += c.locks * 4;
        len += 1;
        if c.pins {
            len += MAX_PINS * 4;
        }
        len += c.ptes * c.slots * 2 + 2 + 2;
        if c.leaks {
            len += 4;
        }
        if c.store_buffers {
            len += c.cpus.len() * MAX_SB * 5;
        }
        c.len = len;
        c.words = len.div_ceil(8).max(1);
        c
    }

    /// Encoded length in bytes, a multiple of 8.
    pub fn size(&self) -> usize {
        self.words * 8
    }

    /// Writes the live parts of `s` into `out` (of [`Codec::size`] bytes).
    pub fn encode(&self, s: &State, out: &mut [u8]) {
        let out = &mut out[..self.words * 8];
        let mut at = 0;
        for (t, &nregs) in self.regs.iter().enumerate() {
            let th = &s.threads[t];
            if self.wide_pc[t] {
                put16(out, &mut at, th.pc);
            } else {
                put(out, &mut at, th.pc as u8);
            }
            if self.wide_status {
                put(out, &mut at, th.status as u8);
                put(out, &mut at, th.sleep_reason);
            } else {
                put(out, &mut at, th.status as u8 | th.sleep_reason << 2);
            }
            for r in &th.regs[..nregs as usize] {
                put16(out, &mut at, *r as u16);
            }
        }
        for p in &s.pages[..self.pages] {
            put16(out, &mut at, p.refcount as u16);
            put(out, &mut at, p.mapcount as u8);
            put(out, &mut at, p.flags);
            put(out, &mut at, p.lock_owner);
            for d in &p.data[..self.slots] {
                put(out, &mut at, *d);
            }
        }
        for p in 0..self.ptes {
            put16(out, &mut at, s.ptes[p].0);
            put(out, &mut at, s.vma[p]);
        }
        for &cpu in &self.cpus {
            for e in &s.tlb[cpu as usize][..self.ptes] {
                put16(out, &mut at, e.0);
            }
        }
        for v in &s.vars[..self.vars] {
            put16(out, &mut at, *v as u16);
        }
        for l in &s.locks[..self.locks] {
            put(out, &mut at, l.mode as u8);
            put(out, &mut at, l.holders);
            put(out, &mut at, l.wait_read);
            put(out, &mut at, l.wait_write);
        }
        put(out, &mut at, s.irq_off);
        if self.pins {
            for p in &s.pins {
                put(out, &mut at, p.holder);
                put(out, &mut at, p.page);
                put(out, &mut at, p.pte);
                put(out, &mut at, p.flags);
            }
        }
        let g = &s.ghost;
        for p in 0..self.ptes {
            for d in 0..self.slots {
                put(out, &mut at, g.expected[p][d]);
                put(out, &mut at, g.writer[p][d]);
            }
        }
        put16(out, &mut at, g.has_expected);
        put(out, &mut at, g.sd_tracked);
        put(out, &mut at, g.sd_written);
        if self.leaks {
            put16(out, &mut at, g.foreign);
            put(out, &mut at, g.leaked);
            put(out, &mut at, g.leak_slot);
        }
        if self.store_buffers {
            for &cpu in &self.cpus {
                for e in &s.sb[cpu as usize] {
                    put16(out, &mut at, e.loc);
                    put16(out, &mut at, e.value as u16);
                    put(out, &mut at, e.flags);
                }
            }
        }
        debug_assert_eq!(at, self.len);
        out[at..].fill(0);
    }

    /// The state `encode` wrote, given the program's initial state (which holds every part the
    /// program cannot change).
    pub fn decode(&self, inp: &[u8], init: &State) -> State {
        let mut s = *init;
        self.decode_into(inp, &mut s);
        s
    }

    /// Overwrites the live parts of `s` (which must agree with the initial state elsewhere).
    pub fn decode_into(&self, inp: &[u8], s: &mut State) {
        let mut at = 0;
        for (t, &nregs) in self.regs.iter().enumerate() {
            let th = &mut s.threads[t];
            th.pc = if self.wide_pc[t] { get16(inp, &mut at) } else { get(inp, &mut at) as u16 };
            if self.wide_status {
                th.status = status_from(get(inp, &mut at));
                th.sleep_reason = get(inp, &mut at);
            } else {
                let b = get(inp, &mut at);
                th.status = status_from(b & 3);
                th.sleep_reason = b >> 2;
            }
            for r in &mut th.regs[..nregs as usize] {
                *r = get16(inp, &mut at) as i16;
            }
        }
        for p in &mut s.pages[..self.pages] {
            p.refcount = get16(inp, &mut at) as i16;
            p.mapcount = get(inp, &mut at) as i8;
            p.flags = get(inp, &mut at);
            p.lock_owner = get(inp, &mut at);
            for d in &mut p.data[..self.slots] {
                *d = get(inp, &mut at);
            }
        }
        for p in 0..self.ptes {
            s.ptes[p] = Pte(get16(inp, &mut at));
            s.vma[p] = get(inp, &mut at);
        }
        for &cpu in &self.cpus {
            for e in &mut s.tlb[cpu as usize][..self.ptes] {
                *e = TlbEntry(get16(inp, &mut at));
            }
        }
        for v in &mut s.vars[..self.vars] {
            *v = get16(inp, &mut at) as i16;
        }
        for l in &mut s.locks[..self.locks] {
            l.mode = mode_from(get(inp, &mut at));
            l.holders = get(inp, &mut at);
            l.wait_read = get(inp, &mut at);
            l.wait_write = get(inp, &mut at);
        }
        s.irq_off = get(inp, &mut at);
        if self.pins {
            for p in &mut s.pins {
                p.holder = get(inp, &mut at);
                p.page = get(inp, &mut at);
                p.pte = get(inp, &mut at);
                p.flags = get(inp, &mut at);
            }
        }
        let g = &mut s.ghost;
        for p in 0..self.ptes {
            for d in 0..self.slots {
                g.expected[p][d] = get(inp, &mut at);
                g.writer[p][d] = get(inp, &mut at);
            }
        }
        g.has_expected = get16(inp, &mut at);
        g.sd_tracked = get(inp, &mut at);
        g.sd_written = get(inp, &mut at);
        if self.leaks {
            g.foreign = get16(inp, &mut at);
            g.leaked = get(inp, &mut at);
            g.leak_slot = get(inp, &mut at);
        }
        if self.store_buffers {
            for &cpu in &self.cpus {
                for e in &mut s.sb[cpu as usize] {
                    e.loc = get16(inp, &mut at);
                    e.value = get16(inp, &mut at) as i16;
                    e.flags = get(inp, &mut at);
                }
            }
        }
    }
}

const M1: u64 = 0x87c3_7b91_1142_53d5;
const M2: u64 = 0x4cf5_ad43_2745_937f;

/// The finaliser of MurmurHash3: every input bit reaches every output bit.
#[inline]
pub fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^= k >> 33;
    k
}

/// The 64-bit fingerprint of an encoding (a whole number of 64-bit words): MurmurHash3's
/// x64 mixing, one lane, in 64-bit arithmetic only, so every target computes the same value.
/// Never 0 (0 marks an empty slot of [`super::table::FpSet`]).
#[inline]
pub fn fingerprint(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15 ^ bytes.len() as u64;
    for w in bytes.chunks_exact(8) {
        let mut k = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        k = k.wrapping_mul(M1).rotate_left(31).wrapping_mul(M2);
        h ^= k;
        h = h.rotate_left(27).wrapping_mul(5).wrapping_add(0x52dc_e729);
    }
    let f = fmix64(h);
    if f == 0 {
        1
    } else {
        f
    }
}

/// Mixes a small tag (such as the thread of the last step) into a fingerprint.
#[inline]
pub fn with_tag(fp: u64, tag: u64) -> u64 {
    let f = fmix64(fp ^ tag.wrapping_add(1).wrapping_mul(M1));
    if f == 0 {
        1
    } else {
        f
    }
}

/// Scratch buffers a search reuses at every state: an encoding, the choices of a state, and
/// the indices of the choices to explore.
pub struct Work {
    pub enc: Vec<u8>,
    pub buf: Vec<Choice>,
    pub ample: Vec<u8>,
    pub por: super::por::PorWork,
    /// With reduction, the fingerprints of the work items being expanded that are looked up
    /// (0 for the others), computed a few items ahead (see `Bfs::expand`).
    pub item_fps: Vec<u64>,
}

impl Work {
    pub fn new(codec: &Codec) -> Work {
        Work {
            enc: vec![0; codec.size()],
            buf: Vec::with_capacity(16),
            ample: Vec::with_capacity(16),
            por: Default::default(),
            item_fps: Vec::new(),
        }
    }
}
