//! The three model families of `bench/compare/gen.py` as Stateright models, with the same states
//! as the racelab and Promela versions: a thread's state is its pc (the iterations are unrolled,
//! as in the other two) and its register, which is reset to 0 once the increment is written; a
//! spinlock is 0 when free, else its holder + 1; a finished thread stays in the state.
//!
//! Usage: racelab-compare-stateright FAMILY N K [--writes W] [--checker bfs|dfs] [--threads T]
//! Prints one JSON object: states (unique), transitions, max_depth, ms.

use std::process::ExitCode;
use std::time::Instant;

use stateright::{Checker, Model, Property};

const MAX_THREADS: usize = 6;

/// One step of a thread, as racelab takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// `WRITE_ONCE(p_t, v)`: the thread's own variable.
    Private(u8),
    /// `spin_lock(l)`: cannot run while the lock is held.
    Lock,
    /// `r = READ_ONCE(c)`.
    Read,
    /// `WRITE_ONCE(c, r + 1); r = 0`.
    Inc,
    /// `spin_unlock(l)`.
    Unlock,
}

struct Counters {
    threads: usize,
    /// Every thread runs the same code.
    code: Vec<Op>,
    /// The most the counter can reach (the property checked at each state).
    most: u16,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct State {
    pc: [u16; MAX_THREADS],
    r: [u16; MAX_THREADS],
    p: [u8; MAX_THREADS],
    c: u16,
    lock: u8,
}

impl Model for Counters {
    type State = State;
    type Action = u8;

    fn init_states(&self) -> Vec<State> {
        vec![State { pc: [0; MAX_THREADS], r: [0; MAX_THREADS], p: [0; MAX_THREADS], c: 0, lock: 0 }]
    }

    fn actions(&self, s: &State, actions: &mut Vec<u8>) {
        for t in 0..self.threads {
            match self.code.get(s.pc[t] as usize) {
                None => {}
                Some(Op::Lock) if s.lock != 0 => {}
                Some(_) => actions.push(t as u8),
            }
        }
    }

    fn next_state(&self, s: &State, t: u8) -> Option<State> {
        let t = t as usize;
        let mut n = s.clone();
        match self.code[s.pc[t] as usize] {
            Op::Private(v) => n.p[t] = v,
            Op::Lock => n.lock = t as u8 + 1,
            Op::Read => n.r[t] = s.c,
            Op::Inc => {
                n.c = s.r[t] + 1;
                n.r[t] = 0;
            }
            Op::Unlock => n.lock = 0,
        }
        n.pc[t] += 1;
        Some(n)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        // Stateright stops once every property has a discovery: with none, it would explore
        // nothing. This one holds everywhere, so the search is exhaustive.
        vec![Property::always("counter in range", |m: &Counters, s: &State| s.c <= m.most)]
    }
}

fn family_code(family: &str, k: usize, writes: usize) -> Result<Vec<Op>, String> {
    let mut one = vec![];
    match family {
        "unlocked" => one.extend([Op::Read, Op::Inc]),
        "locked" => one.extend([Op::Lock, Op::Read, Op::Inc, Op::Unlock]),
        "private" => {
            one.extend((1..=writes).map(|v| Op::Private(v as u8)));
            one.extend([Op::Lock, Op::Read, Op::Inc, Op::Unlock]);
        }
        other => return Err(format!("unknown family `{other}` (expected unlocked, locked or private)")),
    }
    Ok(one.iter().copied().cycle().take(one.len() * k).collect())
}

struct Args {
    family: String,
    n: usize,
    k: usize,
    writes: usize,
    dfs: bool,
    threads: usize,
}

fn parse(argv: &[String]) -> Result<Args, String> {
    let mut pos = vec![];
    let (mut writes, mut dfs, mut threads) = (2usize, false, 1usize);
    let mut i = 0;
    let number = |name: &str, v: Option<&String>| -> Result<usize, String> {
        let v = v.ok_or_else(|| format!("{name} needs a value"))?;
        v.parse().map_err(|_| format!("{name}: `{v}` is not a number"))
    };
    while i < argv.len() {
        match argv[i].as_str() {
            "--writes" => {
                writes = number("--writes", argv.get(i + 1))?;
                i += 1;
            }
            "--threads" => {
                threads = number("--threads", argv.get(i + 1))?;
                i += 1;
            }
            "--checker" => {
                dfs = match argv.get(i + 1).map(String::as_str) {
                    Some("bfs") => false,
                    Some("dfs") => true,
                    _ => return Err("--checker takes bfs or dfs".into()),
                };
                i += 1;
            }
            a if a.starts_with("--") => return Err(format!("unknown option {a}")),
            a => pos.push(a.to_string()),
        }
        i += 1;
    }
    let [family, n, k] = pos.as_slice() else {
        return Err("usage: racelab-compare-stateright FAMILY N K [--writes W] [--checker bfs|dfs] [--threads T]".into());
    };
    let n: usize = n.parse().map_err(|_| format!("N: `{n}` is not a number"))?;
    let k: usize = k.parse().map_err(|_| format!("K: `{k}` is not a number"))?;
    if !(1..=MAX_THREADS).contains(&n) {
        return Err(format!("N = {n}: 1 to {MAX_THREADS} threads"));
    }
    if k == 0 || n * k > 32767 {
        return Err(format!("K = {k}: at least 1, and N x K at most 32767"));
    }
    if !(1..=100).contains(&writes) {
        return Err(format!("--writes {writes}: 1 to 100"));
    }
    if threads == 0 {
        return Err("--threads: at least 1".into());
    }
    Ok(Args { family: family.clone(), n, k, writes, dfs, threads })
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let run = || -> Result<(), String> {
        let a = parse(&argv)?;
        let code = family_code(&a.family, a.k, a.writes)?;
        if code.len() >= u16::MAX as usize {
            return Err("too many steps per thread".into());
        }
        let model = Counters { threads: a.n, code, most: (a.n * a.k) as u16 };
        let t0 = Instant::now();
        let builder = model.checker().threads(a.threads);
        let (states, generated, depth, ok) = if a.dfs {
            let c = builder.spawn_dfs().join();
            (c.unique_state_count(), c.state_count(), c.max_depth(), c.discoveries().is_empty())
        } else {
            let c = builder.spawn_bfs().join();
            (c.unique_state_count(), c.state_count(), c.max_depth(), c.discoveries().is_empty())
        };
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        if !ok {
            return Err("the property broke: the model is wrong".into());
        }
        println!(
            "{{\"checker\":\"{}\",\"threads\":{},\"states\":{states},\"transitions\":{},\"max_depth\":{depth},\"ms\":{ms:.3}}}",
            if a.dfs { "dfs" } else { "bfs" },
            a.threads,
            generated - 1
        );
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("racelab-compare-stateright: {e}");
            ExitCode::from(2)
        }
    }
}
