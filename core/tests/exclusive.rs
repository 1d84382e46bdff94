//! `pinned_writable` knows PageAnonExclusive: from v5.19 a write-protected exclusive page that
//! is pinned for write is reused by the next write fault, not copied, so the pin and the
//! mapping stay one page. The scenario is `tests/scenarios/exclusive_wrprotect.race`.

mod common;

use racelab_core::explore::{self, Options, Report, Verdict};
use racelab_core::layout::{Invariant, MemoryModel};
use racelab_core::{Catalog, Program};

fn program(c: &Catalog, policy: &str) -> Program {
    let sc = c.scenario("exclusive_wrprotect").unwrap();
    Program::compile(sc, sc.policy(policy).unwrap(), MemoryModel::Sc).unwrap()
}

fn run(prog: &Program) -> Report {
    let opts = Options { stop_when_all_violated: false, ..Options::default() };
    let mut t = 0.0;
    explore::explore(prog, opts, &mut || {
        t += 1.0;
        t
    })
}

fn broken(r: &Report) -> Vec<Invariant> {
    let mut v: Vec<Invariant> = r.violations.iter().map(|c| c.invariant).collect();
    v.sort_by_key(|i| i.name());
    v
}

#[test]
fn a_write_protected_exclusive_pinned_page_is_not_a_break_from_v5_19() {
    let c = common::test_catalog("exclusive_wrprotect");
    let prog = program(&c, "anon_exclusive");
    assert!(prog.reads_anon_exclusive);
    let r = run(&prog);
    assert_eq!(r.verdict, Verdict::Safe, "{:?}", broken(&r));
}

#[test]
fn the_old_invariant_reported_a_false_positive_on_the_same_v5_19_code() {
    let c = common::test_catalog("exclusive_wrprotect");
    let mut prog = program(&c, "anon_exclusive");
    // The invariant as it was: blind to PG_anon_exclusive.
    prog.reads_anon_exclusive = false;
    let r = run(&prog);
    assert_eq!(broken(&r), vec![Invariant::PinnedWritable], "the pin never leaves the mapping: only the old check complains");
}

#[test]
fn before_v5_19_the_flag_means_nothing_and_the_page_is_copied_away_from_the_pin() {
    let c = common::test_catalog("exclusive_wrprotect");
    let prog = program(&c, "v5_10");
    assert!(!prog.reads_anon_exclusive, "v5.10's code never tests PageAnonExclusive");
    let r = run(&prog);
    assert_eq!(broken(&r), vec![Invariant::PinInSync, Invariant::PinnedWritable]);
}

#[test]
fn a_pinned_page_that_is_not_exclusive_still_breaks_on_v5_19() {
    let path = format!("{}/tests/scenarios/exclusive_wrprotect.race", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap().replace("page P anon exclusive", "page P anon");
    let mut files: Vec<(String, String)> = racelab_core::catalog::builtin_files()
        .iter()
        .filter(|(_, t)| !racelab_core::scenario::is_scenario_source(t))
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    files.push(("shared.race".into(), text));
    let c = Catalog::from_sources(files);
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let r = run(&program(&c, "anon_exclusive"));
    assert_eq!(broken(&r), vec![Invariant::PinInSync, Invariant::PinnedWritable]);
}
