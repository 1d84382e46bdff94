//! The partial-order reduction against the full search: from the initial state of every row of
//! the catalog, and from states sampled along the way (some given stale writable TLB entries,
//! which is how writes get lost), a reduced search must reach every terminal state the full
//! search reaches, break the same invariants, and never visit more states.

mod common;

use std::collections::{HashSet, VecDeque};

use racelab_core::explore::por::{conflict_matrix, Footprint, Por, PorWork};
use racelab_core::explore::{self, Options, Report};
use racelab_core::layout::MemoryModel;
use racelab_core::rng::Rng;
use racelab_core::state::{State, Status, TlbEntry, MAX_THREADS};
use racelab_core::{exec, invariants};
use racelab_core::{Catalog, Program};

fn full(reduction: bool) -> Options {
    Options { reduction, stop_when_all_violated: false, shortest: false, ..Options::default() }
}

fn run(prog: &Program, reduction: bool) -> (Report, Vec<u64>) {
    let mut t = 0.0;
    explore::explore_terminals(prog, full(reduction), &mut || {
        t += 1.0;
        t
    })
}

/// Runs both searches from `prog.init` and compares them; returns the states of each.
fn compare(prog: &Program, what: &str) -> (u64, u64) {
    let (plain, plain_terms) = run(prog, false);
    let (reduced, reduced_terms) = run(prog, true);
    assert_eq!(plain.verdict, reduced.verdict, "{what}");
    let broken = |r: &Report| {
        let mut v: Vec<_> = r.violations.iter().map(|v| v.invariant.name()).collect();
        v.sort();
        v
    };
    assert_eq!(broken(&plain), broken(&reduced), "{what}: the same invariants break");
    assert_eq!(plain_terms, reduced_terms, "{what}: the same terminal states");
    assert_eq!(plain.stats.terminal, reduced.stats.terminal, "{what}");
    assert!(reduced.stats.states <= plain.stats.states, "{what}");
    for v in &reduced.violations {
        let run = racelab_core::replay(prog, &v.trace).unwrap();
        let at_start = invariants::violated(prog, &prog.init).contains(v.invariant);
        assert!(at_start || run.first_violation(v.invariant).is_some(), "{what}: the reduced search's trace breaks {}", v.invariant.name());
    }
    (plain.stats.states, reduced.stats.states)
}

/// Every reachable state, breadth-first.
fn reachable(prog: &Program) -> Vec<State> {
    reachable_upto(prog, usize::MAX)
}

/// The first `cap` reachable states (or all), breadth-first.
fn reachable_upto(prog: &Program, cap: usize) -> Vec<State> {
    let mut seen = HashSet::new();
    let mut order = vec![];
    let mut queue = VecDeque::from([prog.init]);
    seen.insert(prog.init);
    let mut buf = vec![];
    while let Some(s) = queue.pop_front() {
        order.push(s);
        if seen.len() >= cap {
            continue;
        }
        exec::choices(prog, &s, &mut buf);
        for &c in &buf {
            let mut n = s;
            if exec::apply(prog, &mut n, c).is_ok() && seen.insert(n) {
                queue.push_back(n);
            }
        }
    }
    order
}

fn rows() -> Vec<Program> {
    let c = Catalog::builtin();
    let mut progs = vec![];
    for sc in &c.scenarios {
        for p in 0..sc.policies.len() {
            progs.push(Program::compile(sc, p, MemoryModel::Sc).unwrap());
        }
    }
    progs
}

#[test]
fn reduction_keeps_every_terminal_state_and_every_violation_of_every_row() {
    let (mut plain, mut reduced) = (0, 0);
    for prog in rows() {
        let (p, r) = compare(&prog, &format!("{} under {}", prog.scenario, prog.policy));
        plain += p;
        reduced += r;
    }
    assert!(reduced * 2 < plain, "the reduction halves the catalog's states at least ({reduced} of {plain})");
}

#[test]
fn reduction_keeps_every_terminal_state_and_every_violation_from_sampled_states() {
    // Each row's reachable states in BFS order, sampled evenly; each sample is also tried with
    // every CPU of a thread holding a writable, dirty TLB entry for every present PTE, which
    // the code then may not flush in time.
    let samples = 6;
    let mut runs = 0;
    for prog in rows() {
        let states = reachable(&prog);
        for k in 1..samples {
            let s = states[k * states.len() / samples];
            if (0..prog.threads.len()).all(|t| s.threads[t].status != Status::Running) {
                continue;
            }
            let mut variants = vec![s];
            let mut stale = s;
            for th in &prog.layout.threads {
                let Some(cpu) = th.cpu else { continue };
                for (p, pte) in s.ptes[..prog.layout.ptes.len()].iter().enumerate() {
                    if pte.present() {
                        stale.tlb[cpu as usize][p] = TlbEntry::new(pte.page(), true, true);
                    }
                }
            }
            if stale != s {
                variants.push(stale);
            }
            for (i, init) in variants.into_iter().enumerate() {
                let mut from = prog.clone();
                from.init = init;
                compare(
                    &from,
                    &format!(
                        "{} under {}, from state {} of {} (variant {i})",
                        prog.scenario,
                        prog.policy,
                        k * states.len() / samples,
                        states.len()
                    ),
                );
                runs += 1;
            }
        }
    }
    assert!(runs > 100, "{runs} runs");
}

fn test_scenario(name: &str) -> Program {
    let c = common::test_catalog(name);
    let sc = &c.scenarios[0];
    Program::compile(sc, sc.baseline, MemoryModel::Sc).unwrap()
}

#[test]
fn violations_that_a_careless_reduction_misses_are_found() {
    // por_hidden: a PT lock taken for good hides the lost write, and the lock commutes with
    // the store (visibility). por_unlock: the release of the PT lock shows it, and a repairing
    // store commutes with the release. por_cycle: a thread loops forever on steps that commute
    // with the store (the cycle proviso). por_repair: a remap without the PT lock, or a copy
    // into the mapped page, repairs it, and either commutes with the store.
    for name in ["por_hidden", "por_unlock", "por_cycle", "por_repair"] {
        let prog = test_scenario(name);
        compare(&prog, name);
        let (reduced, _) = run(&prog, true);
        assert_eq!(reduced.violations.iter().map(|v| v.invariant.name()).collect::<Vec<_>>(), ["no_lost_write"], "{name}");
    }
}

#[test]
fn threads_that_another_thread_lets_go_are_not_taken_for_stuck() {
    // x and y are each read by a thread blocked now (on a variable, on a spinlock held by a
    // thread that releases it): both values of each read are final states.
    let prog = test_scenario("por_wake");
    compare(&prog, "por_wake");
    let (_, terminals) = run(&prog, true);
    assert_eq!(terminals.len(), 4);
}

#[test]
fn lock_orders_that_decide_the_outcome_are_all_explored() {
    // Two threads whose only conflict before their critical sections is the lock: a spinlock,
    // then an rwsem (write against read). Four final states: x is 1 or 2, r is 0 or 1.
    let prog = test_scenario("por_locks");
    compare(&prog, "por_locks");
    let (reduced, terminals) = run(&prog, true);
    assert_eq!((reduced.verdict.name(), terminals.len()), ("safe", 4));
}

/// A random program of 2 to 4 threads over three variables, a spinlock, an rwsem, a PTE that
/// maps P (N and M are other pages), and stale TLB entries: each thread runs a few random
/// statements, some inside critical sections or behind a condition.
fn random_program(rng: &mut Rng) -> String {
    let mut text = String::from(
        "racelab 1\n\npolicy as_written {\n  title \"as written\"\n  fate baseline\n}\n\n\
         scenario random {\n  title \"random\"\n  policies as_written\n  baseline as_written\n  check no_lost_write\n}\n\n\
         state {\n  slots 1\n  var x=0\n  var y=0\n  var z=0\n  lock L spin\n  lock S rwsem\n  vma V anon write\n\
         \x20 page P anon refcount=1 mapcount=1 data=[1]\n  page N anon refcount=1 mapcount=0 data=[1]\n\
         \x20 page M anon refcount=1 mapcount=0 data=[2]\n  pte V -> P W D A\n",
    );
    let threads = 2 + rng.index(3);
    for cpu in 0..threads {
        if rng.index(2) == 0 {
            text.push_str(&format!("  tlb CPU{cpu} V -> {} W D\n", ["P", "N", "M"][rng.index(3)]));
        }
    }
    text.push_str("}\n");
    let vars = ["x", "y", "z"];
    for t in 0..threads {
        text.push_str(&format!("\nthread t{t} on CPU{t} \"random\" {{\n"));
        let stmts = 1 + rng.index(5);
        for _ in 0..stmts {
            let v = vars[rng.index(3)];
            let w = vars[rng.index(3)];
            let c = 1 + rng.index(2);
            let simple = |rng: &mut Rng| -> String {
                match rng.index(9) {
                    0 | 1 => format!("WRITE_ONCE({}, {})", vars[rng.index(3)], 1 + rng.index(2)),
                    2 => format!("r{} = READ_ONCE({})", rng.index(2), vars[rng.index(3)]),
                    3 => format!("atomic_inc({})", vars[rng.index(3)]),
                    4 => format!("store V[0] = {}", 3 + rng.index(2)),
                    5 => format!("r{} = load V[0]", rng.index(2)),
                    6 => format!("set_pte_at(V, mk_pte({}, W, D))", ["P", "N", "M"][rng.index(3)]),
                    7 => "flush_tlb_page(V)".to_string(),
                    _ => format!("cow_user_page({}, {})", ["N", "M"][rng.index(2)], ["P", "M"][rng.index(2)]),
                }
            };
            let s = match rng.index(8) {
                0 => format!("  spin_lock(L)\n  {}\n  spin_unlock(L)\n", simple(rng)),
                1 => format!("  ptl_lock(V)\n  {}\n  ptl_unlock(V)\n", simple(rng)),
                2 => format!("  {}(S)\n  {}\n  {}(S)\n", ["down_read", "down_write"][rng.index(2)], simple(rng), "UNLOCK"),
                3 => format!("  if READ_ONCE({v}) == {c} {{\n    WRITE_ONCE({w}, {c})\n  }}\n"),
                4 => format!("  wait_event({v})\n"),
                _ => format!("  {}\n", simple(rng)),
            };
            let s = if s.contains("UNLOCK") {
                let up = if s.contains("down_read") { "up_read" } else { "up_write" };
                s.replace("UNLOCK", up)
            } else {
                s
            };
            text.push_str(&s);
        }
        text.push_str("}\n");
    }
    text
}

/// The catalog's kernel library, which random programs may `use`.
fn kernel() -> Vec<(String, String)> {
    racelab_core::catalog::builtin_files()
        .iter()
        .filter(|(_, t)| !racelab_core::scenario::is_scenario_source(t))
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect()
}

fn compile_random(kernel: &[(String, String)], text: &str) -> Program {
    let mut files = kernel.to_vec();
    files.push(("random.race".to_string(), text.to_string()));
    let c = Catalog::from_sources(files);
    assert!(c.errors.is_empty(), "{:?}\n{text}", c.errors);
    let sc = &c.scenarios[0];
    Program::compile(sc, sc.baseline, MemoryModel::Sc).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

#[test]
fn random_programs_reach_the_same_terminal_states_and_violations() {
    let kernel = kernel();
    let mut rng = Rng::new(7);
    let mut violated = 0;
    for i in 0..300 {
        let text = random_program(&mut rng);
        let prog = compile_random(&kernel, &text);
        compare(&prog, &format!("random program {i}:\n{text}"));
        violated += (!run(&prog, false).0.violations.is_empty()) as usize;
    }
    assert!(violated > 20, "{violated} of the random programs lose a write");
}

/// At up to `limit` of `prog`'s first `5 * limit` reachable states (evenly spread), the stubborn set of
/// `Por::ample` against the one built in full, candidate by candidate: the same choices and
/// the same reliance on the cycle proviso. Returns the states compared and, among them, those
/// where the test before the construction found that no candidate is a proper subset.
fn same_stubborn_sets(prog: &Program, what: &str, limit: usize) -> (usize, usize) {
    let por = Por::new(prog);
    let states = reachable_upto(prog, 5 * limit);
    let stride = states.len().div_ceil(limit).max(1);
    let (mut quick_work, mut full_work) = (PorWork::default(), PorWork::default());
    let (mut quick, mut full, mut buf) = (vec![], vec![], vec![]);
    let (mut compared, mut decided) = (0, 0);
    for s in states.iter().step_by(stride) {
        exec::choices(prog, s, &mut buf);
        let mut now = [Footprint::default(); MAX_THREADS];
        if buf.len() < 2 || !por.step_footprints(prog, s, &buf, &mut now) {
            continue;
        }
        let q = por.ample(prog, s, &buf, &now, &mut quick, &mut quick_work);
        let f = por.ample_in_full(prog, s, &buf, &now, &mut full, &mut full_work);
        assert_eq!((q, &quick), (f, &full), "{what}: at {s:?}");
        let en = buf.iter().fold(0u32, |m, c| m | 1 << c.thread());
        // The matrix the sleep sets and the shortcut share is the pairwise conflict test.
        let conf = conflict_matrix(&now, en);
        for t in 0..MAX_THREADS {
            for z in 0..MAX_THREADS {
                let want = t != z && en & (1 << t) != 0 && en & (1 << z) != 0 && now[t].conflicts(now[z]);
                assert_eq!(conf[t] & (1 << z) != 0, want, "{what}: conflict of threads {t} and {z} at {s:?}");
            }
        }
        if por.sure_candidates(s, &buf, &now) == en {
            assert_eq!(f, None, "{what}: every candidate holds every thread that can run, at {s:?}");
            decided += 1;
        }
        compared += 1;
    }
    (compared, decided)
}

#[test]
fn the_test_before_the_construction_gives_the_same_stubborn_sets() {
    // The generated counters: every step of the unlocked and locked ones conflicts with some
    // step of every other thread, the private writes with none.
    let mut decided_counters = 0;
    for (family, n, k) in [("unlocked", 3, 3), ("unlocked", 4, 2), ("locked", 3, 3), ("private", 3, 2), ("private", 2, 4)] {
        let (compared, decided) = same_stubborn_sets(&common::counter(family, n, k), &format!("{family} {n}x{k}"), 4000);
        assert!(compared > 40, "{family} {n}x{k}: {compared} states");
        if family == "unlocked" {
            // A state where every thread is about to read the counter: no two next steps
            // conflict, but each thread writes it right after.
            assert!(decided == compared, "{family} {n}x{k}: the test decides {decided} of {compared} states");
        }
        decided_counters += decided;
    }
    let (mut compared, mut decided) = (0, 0);
    for prog in rows() {
        let (c, d) = same_stubborn_sets(&prog, &format!("{} under {}", prog.scenario, prog.policy), 400);
        compared += c;
        decided += d;
    }
    assert!(compared > 10_000 && decided > 100, "the catalog: the test decides {decided} of {compared} states");
    let kernel = kernel();
    let mut rng = Rng::new(11);
    for i in 0..150 {
        let text = random_program(&mut rng);
        let (c, d) = same_stubborn_sets(&compile_random(&kernel, &text), &format!("random program {i}:\n{text}"), 400);
        compared += c;
        decided += d;
    }
    assert!(decided_counters > 0 && decided > 200, "{decided} of {compared} states decided by the test");
}

/// Every state `prog` reaches, up to `cap`: at each, no candidate stubborn set is smaller than
/// the threads that can run (the full construction says so). Returns the states where two
/// threads or more can run.
fn no_smaller_set_anywhere(prog: &Program, what: &str, cap: usize) -> usize {
    let por = Por::new(prog);
    let mut work = PorWork::default();
    let (mut out, mut buf) = (vec![], vec![]);
    let mut branching = 0;
    for s in reachable_upto(prog, cap) {
        exec::choices(prog, &s, &mut buf);
        let mut now = [Footprint::default(); MAX_THREADS];
        if buf.len() < 2 || !por.step_footprints(prog, &s, &buf, &mut now) {
            continue;
        }
        let set = por.ample_in_full(prog, &s, &buf, &now, &mut out, &mut work);
        assert_eq!(set, None, "{what}: the static test says nothing reduces, but at {s:?} the set {out:?} of {buf:?} does");
        branching += 1;
    }
    branching
}

#[test]
fn the_counters_that_reduce_nothing_are_told_from_their_code() {
    for (family, n, k, never) in [
        ("unlocked", 3, 3, true),
        ("unlocked", 4, 2, true),
        ("locked", 3, 3, true),
        ("locked", 2, 5, true),
        ("private", 3, 2, false),
        ("private", 2, 4, false),
    ] {
        let prog = common::counter(family, n, k);
        assert_eq!(Por::new(&prog).never_reduces(&prog), never, "{family} {n}x{k}");
        if never {
            assert!(no_smaller_set_anywhere(&prog, &format!("{family} {n}x{k}"), usize::MAX) > 10, "{family} {n}x{k}");
            // Searched without reduction, even when it is asked for: the same states and transitions.
            let (asked, _) = run(&prog, true);
            let (plain, _) = run(&prog, false);
            assert!(!asked.reduction, "{family} {n}x{k}");
            assert_eq!((asked.stats.states, asked.stats.transitions), (plain.stats.states, plain.stats.transitions), "{family} {n}x{k}");
        }
    }
}

#[test]
fn the_catalog_rows_said_to_reduce_nothing_have_no_smaller_stubborn_set() {
    let mut progs: Vec<(String, Program)> = rows().into_iter().map(|p| (format!("{} under {}", p.scenario, p.policy), p)).collect();
    for name in ["por_hidden", "por_unlock", "por_cycle", "por_repair", "por_locks", "por_wake", "independent3", "hb_loops", "readers1"] {
        progs.push((name.to_string(), test_scenario(name)));
    }
    let mut reduce = 0;
    for (what, prog) in &progs {
        if Por::new(prog).never_reduces(prog) {
            no_smaller_set_anywhere(prog, what, 20_000);
        } else {
            reduce += 1;
        }
    }
    assert!(reduce * 2 > progs.len(), "{reduce} of {} may reduce", progs.len());
}

/// A random program of 2 to 4 threads over one or two variables and a spinlock: reads,
/// writes, atomic additions and tests of a variable, in critical sections or not. Some have
/// no step that commutes with every step another thread may take beside it; most do.
fn random_counter(rng: &mut Rng) -> String {
    let vars = if rng.index(2) == 0 { vec!["x"] } else { vec!["x", "y"] };
    let mut text = String::from(
        "racelab 1\n\npolicy as_written {\n  title \"as written\"\n  fate baseline\n}\n\n\
         scenario random {\n  title \"random\"\n  policies as_written\n  baseline as_written\n  check no_lost_write\n}\n\n\
         state {\n  var x=0\n  var y=0\n  lock L spin\n}\n",
    );
    // Every statement in a critical section, none, or either.
    let style = rng.index(3);
    for t in 0..2 + rng.index(3) {
        text.push_str(&format!("\nthread t{t} on CPU{t} \"random\" {{\n"));
        for _ in 0..1 + rng.index(4) {
            let v = vars[rng.index(vars.len())];
            let simple = match rng.index(5) {
                0 | 1 => format!("r0 = READ_ONCE({v})\n  WRITE_ONCE({v}, r0 + 1)"),
                2 => format!("WRITE_ONCE({v}, {})", 1 + rng.index(2)),
                3 => format!("atomic_inc({v})"),
                _ => format!("r1 = READ_ONCE({v})"),
            };
            let s = match (style, rng.index(6)) {
                (0, _) | (2, 0 | 1) => format!("  spin_lock(L)\n  {simple}\n  spin_unlock(L)\n"),
                (1 | 2, 2) => format!("  if READ_ONCE({v}) == 1 {{\n    {simple}\n  }}\n"),
                _ => format!("  {simple}\n"),
            };
            text.push_str(&s);
        }
        text.push_str("}\n");
    }
    text
}

#[test]
fn random_programs_said_to_reduce_nothing_have_no_smaller_stubborn_set() {
    let kernel = kernel();
    let mut rng = Rng::new(13);
    let (mut never, mut may) = (0, 0);
    for i in 0..400 {
        let text = random_counter(&mut rng);
        let prog = compile_random(&kernel, &text);
        if Por::new(&prog).never_reduces(&prog) {
            no_smaller_set_anywhere(&prog, &format!("random program {i}:\n{text}"), usize::MAX);
            never += 1;
        } else {
            may += 1;
        }
    }
    assert!(never > 40 && may > 40, "{never} said to reduce nothing, {may} that may reduce");
}
