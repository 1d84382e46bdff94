//! v5.19's FAULT_FLAG_UNSHARE (`traces/race6b-ro-pin-after-fork.race`): a read-only FOLL_PIN of
//! an anonymous page that may be shared unshares it first, so the pin is on an exclusive page
//! that the pinner's next write reuses. Without it, the write copies the page away from the pin.

use racelab_core::layout::{Invariant, MemoryModel};
use racelab_core::replay::{replay_nearest, Run};
use racelab_core::state::{page_flags, pin_flags};
use racelab_core::{Catalog, Program};

/// The parent pins, writes, and reads back through the pin: its one thread, to the end.
const STORY: &str = "parent*100";

fn program(c: &Catalog, scenario: &str, policy: &str) -> Program {
    let sc = c.scenario(scenario).unwrap_or_else(|| panic!("{scenario} is in the catalog"));
    Program::compile(sc, sc.policy(policy).unwrap_or_else(|| panic!("{scenario} has {policy}")), MemoryModel::Sc).unwrap()
}

fn story(c: &Catalog, policy: &str) -> (Program, Run) {
    let prog = program(c, "race6b", policy);
    let schedule = racelab_core::schedule::parse(STORY, &prog.layout).unwrap();
    let run = replay_nearest(&prog, &prog, &schedule).unwrap();
    (prog, run)
}

/// What the parent read through its pin at the end.
fn read_through_pin(prog: &Program, run: &Run) -> i16 {
    let t = prog.layout.thread("parent").unwrap();
    let r = prog.threads[t].regs.iter().position(|n| n == "r").unwrap();
    run.states.last().unwrap().threads[t].regs[r]
}

#[test]
fn a_read_only_pin_after_fork_is_left_behind_by_the_write_without_unshare() {
    let c = Catalog::builtin();
    for (policy, at) in [("v5_10", 25), ("mapcount_reuse", 27), ("anon_exclusive_pin_anyway", 30)] {
        let (prog, run) = story(&c, policy);
        assert_eq!(run.first_violation(Invariant::PinInSync), Some(at), "{policy}");
        assert_eq!(read_through_pin(&prog, &run), 1, "{policy}: the pin still holds P, without the write");
    }
}

#[test]
fn v5_19_unshares_before_a_read_only_pin_and_the_write_reuses_the_copy() {
    let c = Catalog::builtin();
    let (prog, run) = story(&c, "anon_exclusive");
    assert_eq!(run.first_violation(Invariant::PinInSync), None);
    assert_eq!(read_through_pin(&prog, &run), 2, "the pin sees the parent's write");
    let p = prog.layout.page("P").unwrap() as u8;
    let last = run.states.last().unwrap();
    let pin = last.pins.iter().find(|p| p.active()).expect("the parent holds a pin");
    assert_ne!(pin.page, p, "the pin is on the parent's copy, not on the page the child maps");
    assert_eq!(pin.flags & pin_flags::WRITE, 0, "a read-only pin");
    assert!(last.pages[pin.page as usize].has(page_flags::ANON_EXCLUSIVE), "the copy is exclusive");
    // Exactly one copy was made: the unshare's; the write after it reused the exclusive page.
    let copies = run
        .states
        .windows(2)
        .filter(|w| w[1].pages.iter().zip(&w[0].pages).any(|(a, b)| a.has(page_flags::ALLOCATED) && !b.has(page_flags::ALLOCATED)))
        .count();
    assert_eq!(copies, 1);
}

#[test]
fn gup_fast_takes_the_shared_page_as_it_is_without_the_unshare_feature() {
    // The same policy less gup_unshare pins P itself, through GUP-fast.
    let c = Catalog::builtin();
    let (prog, run) = story(&c, "anon_exclusive_pin_anyway");
    let p = prog.layout.page("P").unwrap() as u8;
    let pin = run.states.iter().flat_map(|s| s.pins).find(|p| p.active()).expect("the parent took a pin");
    assert_eq!(pin.page, p);
}

#[test]
fn the_vmsplice_leak_is_not_touched_by_the_unshare_a_foll_get_reference() {
    // race6 under v5.19 compiles no unshare test: vmsplice's FOLL_GET is not a FOLL_PIN.
    let c = Catalog::builtin();
    let prog = program(&c, "race6", "anon_exclusive");
    let text: Vec<&str> = prog.threads.iter().flat_map(|t| t.instrs.iter().map(|i| i.text.as_str())).collect();
    assert!(!text.iter().any(|t| t.contains("PageAnonExclusive(page)") && t.contains("cur.W")), "{text:?}");
    let prog = program(&c, "race6b", "anon_exclusive");
    let text: Vec<&str> = prog.threads.iter().flat_map(|t| t.instrs.iter().map(|i| i.text.as_str())).collect();
    assert!(text.iter().any(|t| t.contains("PageAnonExclusive(page)") && t.contains("cur.W")), "{text:?}");
}
