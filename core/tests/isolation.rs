//! `no_leak`: a GUP reference taken through one mm never reads what another mm stored into its
//! page later (CVE-2020-29374, `traces/race6-vmsplice-child-leak.race`), and the primitives it
//! rests on: a read-only GUP, a read through the thread's own GUP reference, munmap.

use racelab_core::invariants::{violation, Violation};
use racelab_core::layout::{Invariant, MemoryModel};
use racelab_core::replay::{replay, replay_nearest, Run};
use racelab_core::state::pin_flags;
use racelab_core::{Catalog, Program};

/// The canonical interleaving: the child vmsplices and unmaps, the parent writes, the child
/// reads the pipe.
const STORY: &str = "child*14 parent*12 child";

fn program(c: &Catalog, policy: &str) -> Program {
    let sc = c.scenario("race6").expect("race6 is in the catalog");
    Program::compile(sc, sc.policy(policy).expect("race6 has the policy"), MemoryModel::Sc).unwrap()
}

fn story(c: &Catalog, policy: &str) -> (Program, Run) {
    let reference = program(c, "v5_7");
    let prog = program(c, policy);
    let schedule = racelab_core::schedule::parse(STORY, &reference.layout).unwrap();
    let run = replay_nearest(&prog, &reference, &schedule).unwrap();
    (prog, run)
}

/// What the child's read through its GUP reference returned.
fn child_read(prog: &Program, run: &Run) -> i16 {
    let t = prog.layout.thread("child").unwrap();
    let r = prog.threads[t].regs.iter().position(|n| n == "r").unwrap();
    run.states.last().unwrap().threads[t].regs[r]
}

#[test]
fn vmsplice_child_reads_parents_write_on_v5_7_and_with_mapcount_reuse() {
    let c = Catalog::builtin();
    for policy in ["v5_7", "mapcount_reuse"] {
        leaks(&c, policy);
    }
}

fn leaks(c: &Catalog, policy: &str) {
    let (prog, run) = story(c, policy);
    assert_eq!(run.first_violation(Invariant::NoLeak), Some(27));
    assert_eq!(child_read(&prog, &run), 2, "the parent's write, made after the fork");
    let last = run.states.last().unwrap();
    let child = prog.layout.thread("child").unwrap() as u8;
    let p = prog.layout.page("P").unwrap() as u8;
    match violation(&prog, last, Invariant::NoLeak) {
        Some(Violation::Leak { holder, page, slot, .. }) => assert_eq!((holder, page, slot), (child, p, 0)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_pipe_keeps_the_data_of_the_fork_on_v5_10() {
    let c = Catalog::builtin();
    let (prog, run) = story(&c, "v5_10");
    assert_eq!(run.first_violation(Invariant::NoLeak), None);
    assert_eq!(child_read(&prog, &run), 1, "page_count 2 made the parent's write copy");
}

#[test]
fn gup_for_read_breaks_cow_first_with_17839856fd58() {
    let c = Catalog::builtin();
    let (prog, run) = story(&c, "gup_cow_break_read");
    assert_eq!(run.first_violation(Invariant::NoLeak), None);
    // The pipe's reference is on the child's own copy, not on P, and it is read-only.
    let p = prog.layout.page("P").unwrap() as u8;
    let pin = run.states.iter().flat_map(|s| s.pins).find(|p| p.active()).expect("the child took a GUP reference");
    assert_ne!(pin.page, p);
    assert_eq!(pin.flags & pin_flags::WRITE, 0);
}

#[test]
fn munmap_drops_the_mapping_but_not_the_gup_reference() {
    let c = Catalog::builtin();
    let prog = program(&c, "v5_10");
    let schedule = racelab_core::schedule::parse("child*14", &prog.layout).unwrap();
    let run = replay(&prog, &schedule).unwrap();
    let s = run.states.last().unwrap();
    let p = prog.layout.page("P").unwrap();
    let child_v = prog.layout.pte(prog.layout.mm("child").unwrap(), "V").unwrap();
    assert!(!s.ptes[child_v].present());
    assert_eq!(s.pages[p].mapcount, 1, "only the parent maps P");
    assert_eq!(s.pages[p].refcount, 2, "the parent's mapping and the pipe");
    assert!(s.pins.iter().any(|pin| pin.active() && pin.page == p as u8));
}

/// A store through the holder's own mm is no leak: the device of race 5b reads what its own
/// process wrote.
const SAME_MM: &str = "racelab 1
use \"kernel/memory.race\"
scenario t {
  title \"t\"
  policies v5_10
  baseline v5_10
  check no_leak
  fault_handler do_user_addr_fault
}
state {
  slots 1
  vma V anon cow write
  page P anon exclusive refcount=1025 mapcount=1 data=[1]
  pte V -> P W D A
  pinned device V -> P pin longterm
}
thread app on CPU1 \"writes\" {
  store V[0] = 2
}
thread device on DEV \"reads\" {
  r = dma_read(device, 0)
}
";

#[test]
fn a_store_through_the_holders_own_mm_is_no_leak() {
    let c = Catalog::from_sources(
        racelab_core::catalog::builtin_files()
            .iter()
            .filter(|(_, t)| !racelab_core::scenario::is_scenario_source(t))
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .chain([("t.race".to_string(), SAME_MM.to_string())]),
    );
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let sc = c.scenario("t").unwrap();
    let prog = Program::compile(sc, 0, MemoryModel::Sc).unwrap();
    let schedule = racelab_core::schedule::parse("app device", &prog.layout).unwrap();
    let run = replay(&prog, &schedule).unwrap();
    let t = prog.layout.thread("device").unwrap();
    assert_eq!(run.states.last().unwrap().threads[t].regs[0], 2, "the device read the new data");
    assert_eq!(run.first_violation(Invariant::NoLeak), None);
}

#[test]
fn checking_no_leak_searches_without_the_reduction() {
    let c = Catalog::builtin();
    let prog = program(&c, "mapcount_reuse");
    let mut t = 0.0;
    let report = racelab_core::explore::explore(&prog, racelab_core::explore::Options::default(), &mut || {
        t += 1.0;
        t
    });
    assert!(!report.reduction);
    assert_eq!(report.violations.first().map(|v| v.invariant), Some(Invariant::NoLeak));
}
