//! mprotect() on a pinned page (`traces/race5c-mprotect-pinned.race`) and the primitives it
//! needs: VM_WRITE as a VMA flag, and SIGSEGV for a write the VMA forbids.

use racelab_core::layout::{Invariant, MemoryModel};
use racelab_core::replay::replay;
use racelab_core::state::{vma_flags, Status};
use racelab_core::{Catalog, Program};

fn program(c: &Catalog, policy: &str) -> Program {
    let sc = c.scenario("race5c").expect("race5c is in the catalog");
    Program::compile(sc, sc.policy(policy).expect("race5c has the policy"), MemoryModel::Sc).unwrap()
}

#[test]
fn a_store_to_a_vma_without_vm_write_ends_the_thread_with_sigsegv() {
    let c = Catalog::builtin();
    let prog = program(&c, "v5_10");
    // The first mprotect (read-only) runs to its end, then the program stores.
    let schedule = racelab_core::schedule::parse("guard*9 app*5", &prog.layout).unwrap();
    let run = replay(&prog, &schedule).unwrap();
    let s = run.states.last().unwrap();
    let app = prog.layout.thread("app").unwrap();
    assert_eq!(s.threads[app].status, Status::Killed);
    assert!(prog.sleep_reasons[s.threads[app].sleep_reason as usize].starts_with("SIGSEGV"));
    let v = prog.layout.pte(0, "V").unwrap();
    assert_eq!(s.vma[v] & vma_flags::WRITE, 0);
    // Killed, the thread takes no more steps, and nothing is broken.
    assert!(replay(&prog, &racelab_core::schedule::parse("guard*9 app*6", &prog.layout).unwrap()).is_err());
    assert_eq!(run.first_violation(Invariant::PinInSync), None);
}

#[test]
fn mprotect_read_write_leaves_a_private_pte_read_only_so_the_pinned_page_is_copied_on_v5_10() {
    let c = Catalog::builtin();
    let prog = program(&c, "v5_10");
    let schedule = racelab_core::schedule::parse("guard*18", &prog.layout).unwrap();
    let run = replay(&prog, &schedule).unwrap();
    let s = run.states.last().unwrap();
    let v = prog.layout.pte(0, "V").unwrap();
    assert_ne!(s.vma[v] & vma_flags::WRITE, 0, "VM_WRITE is back");
    assert!(!s.ptes[v].has(racelab_core::state::Pte::W), "the PTE waits for a write fault");
    let full = racelab_core::schedule::parse("guard*18 app*20", &prog.layout).unwrap();
    assert_eq!(replay(&prog, &full).unwrap().first_violation(Invariant::PinInSync), Some(38));
}
