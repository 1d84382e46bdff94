//! The search whose levels are expanded on several threads (`Explorer::run_with`, what the
//! CLI's `--jobs N` runs) against the sequential one (`--jobs 1`): the same report, field for
//! field (states, transitions, terminal states, depth, the memory held, the verdict, every
//! counterexample and whether it is the shortest), on every row of the catalog, with and
//! without reduction, under the state and the memory bounds, and on generated counters.

mod common;

use racelab_core::explore::{Expansion, Explorer, Options, Report, Status};
use racelab_core::layout::MemoryModel;
use racelab_core::{Catalog, Program};

/// Runs the expansions on two threads, half of them in reverse order, as a pool may.
fn on_threads(tasks: &mut [Expansion<'_>]) {
    let (a, b) = tasks.split_at_mut(tasks.len() / 2);
    std::thread::scope(|s| {
        s.spawn(|| a.iter_mut().rev().for_each(|t| t.run()));
        b.iter_mut().for_each(|t| t.run());
    });
}

fn sequential(prog: &Program, opts: &Options) -> Report {
    let mut ex = Explorer::new(prog, opts.clone());
    loop {
        if let Status::Done(mut r) = ex.run(1 << 14, 0.0) {
            r.ms = 0.0;
            return r;
        }
    }
}

fn parallel(prog: &Program, opts: &Options, lanes: usize) -> Report {
    let mut ex = Explorer::new(prog, opts.clone());
    loop {
        // Budgets that end slices mid-level, where the sequential search ends them elsewhere.
        if let Status::Done(mut r) = ex.run_with(3 << 12, 0.0, lanes, &mut on_threads) {
            r.ms = 0.0;
            return r;
        }
    }
}

fn same(prog: &Program, opts: &Options, what: &str, lanes: &[usize]) {
    let want = sequential(prog, opts);
    for &lanes in lanes {
        let got = parallel(prog, opts, lanes);
        assert_eq!(got, want, "{what}, {lanes} ranges at a time");
    }
}

/// For the catalog's many rows: 2, 3 or 4 ranges at a time, in turn.
fn one_of(i: usize) -> [usize; 1] {
    [2 + i % 3]
}

fn rows() -> Vec<(String, Program)> {
    let c = Catalog::builtin();
    let mut out = vec![];
    for sc in &c.scenarios {
        for p in 0..sc.policies.len() {
            for &m in &sc.models {
                let prog = Program::compile(sc, p, m).unwrap();
                out.push((format!("{} under {} ({})", sc.id, prog.policy, m.name()), prog));
            }
        }
    }
    out
}

#[test]
fn every_catalog_row_gives_the_same_report_on_threads_as_sequentially() {
    // Default options: reduction, stop once every invariant broke, shortest traces.
    let opts = Options::default();
    let rows = rows();
    assert!(rows.len() > 100, "{} rows", rows.len());
    for (i, (what, prog)) in rows.iter().enumerate() {
        same(prog, &opts, what, &one_of(i));
    }
}

#[test]
fn the_whole_state_space_without_reduction_is_the_same_on_threads() {
    let opts = Options { reduction: false, stop_when_all_violated: false, shortest: false, ..Options::default() };
    for (i, (what, prog)) in rows().iter().filter(|(_, p)| p.model == MemoryModel::Sc).enumerate() {
        same(prog, &opts, what, &one_of(i));
    }
}

#[test]
fn state_and_memory_bounds_stop_the_threaded_search_where_they_stop_the_sequential_one() {
    let by_states = Options { max_states: 5_000, stop_when_all_violated: false, ..Options::default() };
    let by_memory = Options { reduction: false, max_memory: 96 << 10, stop_when_all_violated: false, ..Options::default() };
    let mut stopped = 0;
    for (i, (what, prog)) in rows().iter().filter(|(_, p)| p.model == MemoryModel::Sc).enumerate() {
        for opts in [&by_states, &by_memory] {
            same(prog, opts, what, &one_of(i));
            stopped += sequential(prog, opts).verdict.name().eq("unknown") as usize;
        }
    }
    assert!(stopped > 10, "the bounds stop {stopped} searches");
}

#[test]
fn generated_counters_give_the_same_report_on_threads_with_and_without_reduction() {
    for (family, n, k) in [("unlocked", 3, 3), ("locked", 3, 3), ("private", 3, 2), ("unlocked", 4, 2), ("private", 2, 4)] {
        let prog = common::counter(family, n, k);
        for reduction in [false, true] {
            let opts = Options { reduction, stop_when_all_violated: false, shortest: false, ..Options::default() };
            let r = sequential(&prog, &opts);
            assert!(r.stats.states > 100, "{family} {n}x{k}: {} states", r.stats.states);
            same(&prog, &opts, &format!("{family} {n}x{k}, reduction {reduction}"), &[2, 3, 4]);
        }
    }
}

/// `n` threads that each write the same variable `k` times, the same values: a small state
/// space reached many times over (every state from up to `n` others, most of them in the same
/// round), so that the shards of the table see many equal successors at once.
fn duplicates(n: usize, k: usize) -> Program {
    let mut s = String::from("racelab 1\npolicy as_written {\n  title \"as written\"\n  fate baseline\n}\n");
    s += "scenario same_writes {\n  title \"the same writes\"\n  policies as_written\n  baseline as_written\n  check no_lost_write\n}\n";
    s += "state {\n  var c=0\n}\n";
    for t in 0..n {
        s += &format!("thread t{t} on CPU{t} \"writes\" {{\n");
        for i in 0..k {
            s += &format!("  WRITE_ONCE(c, {})\n  r = 0\n", i % 2);
        }
        s += "}\n";
    }
    let c = Catalog::from_sources(vec![("same.race".to_string(), s)]);
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let sc = &c.scenarios[0];
    Program::compile(sc, sc.baseline, MemoryModel::Sc).unwrap()
}

#[test]
fn many_equal_successors_in_one_round_give_the_same_report_on_threads() {
    for (n, k) in [(5, 1), (5, 2), (6, 5), (4, 4)] {
        let prog = duplicates(n, k);
        let plain = Options { reduction: false, stop_when_all_violated: false, shortest: false, ..Options::default() };
        let r = sequential(&prog, &plain);
        // Many more transitions than states: most successors were seen before.
        assert!(r.stats.transitions >= 2 * r.stats.states, "{n}x{k}: {:?}", r.stats);
        let what = format!("{n} threads x {k} writes");
        for opts in [
            plain.clone(),
            Options { reduction: true, ..plain.clone() },
            Options { max_states: r.stats.states / 3, ..plain.clone() },
            Options { max_depth: r.stats.depth / 2, ..plain.clone() },
            Options { max_memory: r.stats.peak_bytes * 2 / 3, ..plain.clone() },
        ] {
            same(&prog, &opts, &what, &[2, 3, 4, 7]);
        }
    }
}

#[test]
fn the_plain_search_merges_by_shards_on_threads_and_the_reduced_one_state_by_state() {
    // The unlocked counter reduces nothing, so it is searched without reduction either way;
    // the private writes reduce.
    for (prog, reduction) in [(common::counter("unlocked", 3, 3), false), (common::counter("private", 4, 4), true)] {
        let opts = Options { reduction, stop_when_all_violated: false, shortest: false, ..Options::default() };
        let (mut ranges, mut shards) = (0, 0);
        let mut count = |tasks: &mut [Expansion<'_>]| {
            for t in tasks.iter() {
                if t.merges() {
                    shards += 1;
                } else {
                    ranges += 1;
                }
            }
            on_threads(tasks);
        };
        let mut ex = Explorer::new(&prog, opts.clone());
        let got = loop {
            if let Status::Done(mut r) = ex.run_with(1 << 14, 0.0, 3, &mut count) {
                r.ms = 0.0;
                break r;
            }
        };
        assert_eq!(got, sequential(&prog, &opts));
        assert!(ranges > 10, "{ranges} ranges");
        if reduction {
            assert_eq!(shards, 0);
        } else {
            // Every round but a few (the rounds that find an invariant broken) by shards.
            assert!(shards >= ranges / 3 * 64, "{shards} shards merged for {ranges} ranges");
        }
    }
}
