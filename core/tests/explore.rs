//! The explorer: exact counts on small programs, sampling, the incremental API, fingerprints
//! and graphs. The verdicts of the catalog are the `verdict` lines of `traces/`, one test each
//! in `tests/verdicts.rs`.

mod common;

use std::collections::HashSet;

use racelab_core::explore::encode::fingerprint;
use racelab_core::explore::{self, graph, Bound, Explorer, Options, Report, Status, Strategy, Verdict};
use racelab_core::layout::MemoryModel;
use racelab_core::scenario::Scenario;
use racelab_core::step::Choice;
use racelab_core::{Catalog, Program};

fn program(c: &Catalog, id: &str, policy: &str) -> Program {
    let sc = c.scenario(id).unwrap_or_else(|| panic!("no scenario {id}"));
    Program::compile(sc, sc.policy(policy).unwrap_or_else(|| panic!("{id} has no policy {policy}")), MemoryModel::Sc).unwrap()
}

fn only(c: &Catalog) -> Program {
    let sc: &Scenario = &c.scenarios[0];
    Program::compile(sc, sc.baseline, MemoryModel::Sc).unwrap()
}

fn full(reduction: bool) -> Options {
    Options { reduction, stop_when_all_violated: false, shortest: false, ..Options::default() }
}

fn run(prog: &Program, opts: Options) -> Report {
    let mut t = 0.0;
    explore::explore(prog, opts, &mut || {
        t += 1.0;
        t
    })
}

fn factorial(n: u64) -> u64 {
    (1..=n).product()
}

/// Maximal paths from the initial state in the full state graph: the interleavings.
fn interleavings(prog: &Program) -> u64 {
    let g = graph::state_graph(prog, 1_000_000).graph;
    let mut order: Vec<_> = g.node_indices().collect();
    order.sort_by_key(|n| std::cmp::Reverse(g[*n].depth));
    let mut paths = vec![0u64; g.node_count()];
    for n in order {
        let out: u64 = g.neighbors(n).map(|m| paths[m.index()]).sum();
        paths[n.index()] = if g.neighbors(n).count() == 0 { 1 } else { out };
    }
    paths[0]
}

#[test]
fn one_writer_and_n_readers_have_exact_counts_with_and_without_reduction() {
    // (N, plain states, plain transitions, reduced states, reduced transitions):
    // plain: 2^N + 3^N states, 2^N + N 2^(N-1) + N 3^(N-1) transitions; reduced: readers
    // commute with each other only after the write, 2^(N+1) + N 2^(N-1) states, and with
    // sleep sets each is reached once (a tree: one transition fewer than states). Either way
    // the 2^N inequivalent executions end in 2^N states.
    for (n, ps, pt, rs, rt) in [(1u64, 5, 4, 5, 4), (2, 13, 14, 12, 11), (3, 35, 47, 28, 27), (4, 97, 156, 64, 63)] {
        let prog = only(&common::test_catalog(&format!("readers{n}")));
        assert_eq!(interleavings(&prog), factorial(n + 1), "readers{n}: (N+1)! interleavings");
        let plain = run(&prog, full(false));
        let reduced = run(&prog, full(true));
        assert_eq!((plain.stats.states, plain.stats.transitions), (ps, pt), "readers{n} without reduction");
        assert_eq!((reduced.stats.states, reduced.stats.transitions), (rs, rt), "readers{n} with reduction");
        assert_eq!(plain.stats.terminal, 1 << n, "readers{n}: 2^N executions");
        assert_eq!(reduced.stats.terminal, 1 << n, "readers{n}: 2^N executions with reduction");
        assert_eq!(plain.verdict, Verdict::Safe);
        assert_eq!(reduced.verdict, Verdict::Safe);
    }
}

#[test]
fn independent_threads_reduce_to_one_interleaving() {
    // Three threads of three steps on their own variables: 4^3 states and 3*3*4^2 transitions
    // in full, one path of 9 steps with reduction.
    let prog = only(&common::test_catalog("independent3"));
    let plain = run(&prog, full(false));
    let reduced = run(&prog, full(true));
    assert_eq!((plain.stats.states, plain.stats.transitions, plain.stats.terminal), (64, 144, 1));
    assert_eq!((reduced.stats.states, reduced.stats.transitions, reduced.stats.terminal), (10, 9, 1));
    // Reduced wherever two or more threads could run.
    assert_eq!(reduced.stats.reduced, 6);
}

#[test]
fn finds_lost_write_on_v5_10() {
    let prog = program(&Catalog::builtin(), "race1a", "v5_10");
    let r = run(&prog, Options::default());
    let cx = r.first().unwrap();
    assert_eq!(cx.invariant.name(), "no_lost_write");
    assert_eq!(cx.trace.len(), 25);
    // Among the 25-step traces, the one shown switches threads least: monitor, writer, stale,
    // writer.
    assert_eq!(cx.switches, 3);
    assert_eq!(racelab_core::schedule::format_names(&cx.trace, &prog.layout), "monitor*5 writer*13 stale writer*6");
}

#[test]
fn reduction_keeps_every_verdict_and_every_terminal_state() {
    let c = Catalog::builtin();
    let mut progs = vec![];
    for sc in &c.scenarios {
        for p in 0..sc.policies.len() {
            progs.push(Program::compile(sc, p, MemoryModel::Sc).unwrap());
        }
    }
    for name in ["readers3", "independent3"] {
        progs.push(only(&common::test_catalog(name)));
    }
    for prog in &progs {
        let plain = run(prog, full(false));
        let reduced = run(prog, full(true));
        let what = format!("{} under {}", prog.scenario, prog.policy);
        assert_eq!(plain.verdict, reduced.verdict, "{what}");
        assert_eq!(
            plain.violations.iter().map(|v| v.invariant).collect::<Vec<_>>(),
            reduced.violations.iter().map(|v| v.invariant).collect::<Vec<_>>(),
            "{what}"
        );
        assert_eq!(plain.stats.terminal, reduced.stats.terminal, "{what}: persistent sets keep every terminal state");
        assert!(reduced.stats.states <= plain.stats.states, "{what}");
    }
}

#[test]
fn every_reachable_state_survives_its_encoding() {
    let c = Catalog::builtin();
    for sc in &c.scenarios {
        for p in 0..sc.policies.len() {
            for &m in &sc.models {
                let prog = Program::compile(sc, p, m).unwrap();
                let n = explore::check_encoding(&prog, 200_000).unwrap_or_else(|e| panic!("{} {}: {e}", sc.id, prog.policy));
                assert!(n > 1);
            }
        }
    }
}

#[test]
fn fingerprints_keep_64_bits() {
    // A hash computed on `usize` keeps 32 bits on wasm32 (FxHash does): its high half is then
    // constant, and distinct states collide. Here the high half must vary as much as the low.
    let mut high = HashSet::new();
    let mut all = HashSet::new();
    for i in 0u64..100_000 {
        let mut bytes = [0u8; 24];
        bytes[..8].copy_from_slice(&i.to_le_bytes());
        bytes[16] = (i % 7) as u8;
        let f = fingerprint(&bytes);
        all.insert(f);
        high.insert(f >> 32);
    }
    assert_eq!(all.len(), 100_000);
    assert!(high.len() > 99_990, "only {} distinct high halves", high.len());
    // The same value on every target (the wasm benchmark checks this number too).
    assert_eq!(fingerprint(b"racelab fingerprint test vector"[..24].as_ref()), GOLDEN);
}

const GOLDEN: u64 = 0xc786_e3b5_a0a5_f543;

#[test]
fn a_run_in_slices_equals_a_run_in_one_go() {
    let prog = program(&Catalog::builtin(), "race1a", "v5_10");
    let whole = run(&prog, Options::default());
    let mut ex = Explorer::new(&prog, Options::default());
    let mut slices = 0;
    let mut phases = HashSet::new();
    let sliced = loop {
        slices += 1;
        match ex.run(7, slices as f64) {
            Status::Running(p) => {
                phases.insert(p.phase);
                assert!(p.states >= 1);
            }
            Status::Done(r) => break r,
        }
    };
    assert!(slices > 100, "{slices} slices");
    assert!(phases.contains(&explore::Phase::Search) && phases.contains(&explore::Phase::Shorten));
    assert_eq!(sliced.verdict, whole.verdict);
    assert_eq!(sliced.violations, whole.violations);
    assert_eq!(sliced.stats, whole.stats);
}

#[test]
fn bounds_give_unknown_and_name_the_bound() {
    let prog = program(&Catalog::builtin(), "race1a", "merged_6ce64428");
    let r = run(&prog, Options { max_states: 100, ..Options::default() });
    assert_eq!(r.verdict, Verdict::Unknown(Bound::States(100)));
    assert_eq!(r.stats.states, 100);
    let r = run(&prog, Options { max_depth: 10, ..Options::default() });
    assert_eq!(r.verdict, Verdict::Unknown(Bound::Depth(10)));
    assert_eq!(r.stats.depth, 10);
    // Time is the caller's: 10 ms per slice of one transition, 50 ms allowed.
    let mut ex = Explorer::new(&prog, Options { time_limit_ms: Some(50.0), ..Options::default() });
    let mut now = 0.0;
    let r = loop {
        now += 10.0;
        if let Status::Done(r) = ex.run(1, now) {
            break r;
        }
    };
    assert_eq!(r.verdict, Verdict::Unknown(Bound::TimeMs(50.0)));
    assert_eq!(Bound::TimeMs(50.0).name(), "time_limit");
    let mut ex = Explorer::new(&prog, Options::default());
    ex.run(10, 0.0);
    let r = ex.cancel();
    assert_eq!(r.verdict, Verdict::Unknown(Bound::Cancelled));
}

#[test]
fn a_violation_found_before_a_bound_is_still_a_violation() {
    let prog = program(&Catalog::builtin(), "race1a", "v5_10");
    let r = run(&prog, Options { max_depth: 25, ..Options::default() });
    assert_eq!(r.verdict, Verdict::Violated);
    let r = run(&prog, Options { max_depth: 24, ..Options::default() });
    assert_eq!(r.verdict, Verdict::Unknown(Bound::Depth(24)));
}

#[test]
fn pct_finds_the_lost_write_and_sampling_is_deterministic() {
    let prog = program(&Catalog::builtin(), "race1a", "v5_10");
    // The stale store must fall between the two chunks of the copy: PCT's priority changes
    // reach that, where uniform random walks almost never delay the one-step thread so long.
    let pct = Options { strategy: Strategy::Pct { runs: 5000, depth: 3, max_steps: 1000 }, seed: 3, shortest: false, ..Options::default() };
    let a = run(&prog, pct.clone());
    let b = run(&prog, pct.clone());
    assert_eq!(a.verdict, Verdict::Violated);
    assert_eq!(a.violations, b.violations, "same seed, same trace");
    let cx = a.first().unwrap();
    assert!(racelab_core::replay(&prog, &cx.trace).unwrap().first_violation(cx.invariant).is_some());
    // Shortened, the sampled counterexample is the shortest one.
    let short = run(&prog, Options { shortest: true, ..pct });
    assert_eq!(short.first().unwrap().trace.len(), 25);
    assert!(short.first().unwrap().shortest);

    let random = Options { strategy: Strategy::Random { runs: 300, max_steps: 1000 }, seed: 3, ..Options::default() };
    let a = run(&prog, random.clone());
    let b = run(&prog, random);
    assert_eq!(a.verdict, Verdict::Unknown(Bound::Sampled { runs: 300 }));
    assert_eq!((a.stats.states, a.stats.transitions), (b.stats.states, b.stats.transitions));
    assert!(a.stats.transitions > 300 * 5);
    let safe = program(&Catalog::builtin(), "race1a", "merged_6ce64428");
    let r = run(&safe, Options { strategy: Strategy::Pct { runs: 200, depth: 3, max_steps: 1000 }, ..Options::default() });
    assert_eq!(r.verdict, Verdict::Unknown(Bound::Sampled { runs: 200 }));
}

#[test]
fn pct_takes_any_depth_and_run_length_without_overflow_or_huge_allocations() {
    let prog = program(&Catalog::builtin(), "race1a", "v5_10");
    for (depth, max_steps) in [(u32::MAX, u32::MAX), (0, 1), (racelab_core::limits::MAX_PCT_DEPTH, 1000)] {
        let opts = Options { strategy: Strategy::Pct { runs: 3, depth, max_steps }, shortest: false, ..Options::default() };
        let r = run(&prog, opts);
        assert!(r.stats.transitions > 0 && r.stats.transitions <= 3 * 1000, "depth {depth}: {:?}", r.stats);
    }
    // The depth is capped, not wrapped: u32::MAX samples the same runs as the cap.
    let pct = |depth| Options { strategy: Strategy::Pct { runs: 50, depth, max_steps: 1000 }, shortest: false, ..Options::default() };
    let (a, b) = (run(&prog, pct(u32::MAX)), run(&prog, pct(racelab_core::limits::MAX_PCT_DEPTH)));
    assert_eq!((a.stats.states, a.stats.transitions), (b.stats.states, b.stats.transitions));
}

#[test]
fn the_state_graph_marks_violating_states() {
    let prog = only(&common::test_catalog("readers1"));
    let g = graph::state_graph(&prog, 100);
    assert!(g.complete);
    assert_eq!((g.graph.node_count(), g.graph.edge_count()), (5, 4));
    let dot = graph::state_graph_dot(&prog, &g);
    assert!(dot.starts_with("digraph states {"), "{dot}");
    assert!(dot.contains("label = \"reader1\""), "{dot}");
    let prog = program(&Catalog::builtin(), "race1a", "v5_10");
    let g = graph::state_graph(&prog, 100_000);
    assert!(g.graph.node_weights().any(|n| !n.violated.is_empty()));
    assert!(graph::state_graph_dot(&prog, &g).contains("no_lost_write"));
}

#[test]
fn the_happens_before_graph_orders_conflicting_steps() {
    let prog = program(&Catalog::builtin(), "race1a", "v5_10");
    let cx = run(&prog, Options::default()).violations.remove(0);
    let g = graph::happens_before(&prog, &cx.trace).unwrap();
    assert_eq!(g.node_count(), cx.trace.len());
    // Program order links consecutive steps of each thread; the stale store conflicts with the
    // copy of its slot, which must come before it.
    let stale = cx.trace.iter().position(|c| *c == Choice::Run(2)).unwrap();
    let into_stale: Vec<_> = g.neighbors_directed(petgraph::graph::NodeIndex::new(stale), petgraph::Direction::Incoming).collect();
    assert!(!into_stale.is_empty());
    let dot = graph::happens_before_dot(&prog, &g, "t");
    assert!(dot.contains("subgraph cluster_0"), "{dot}");
    assert!(dot.contains("color = \"#b00000\""), "{dot}");
    assert!(graph::happens_before(&prog, &[Choice::Run(9)]).is_err());
}
