//! The memory models, checked exhaustively: every `verdict` line of every scenario (the litmus
//! suite of `traces/litmus/` and the ordering races) against a search of every interleaving,
//! done here with `exec::choices` and `exec::apply` alone. The explorer is checked against the
//! same lines, one test per line, in `tests/verdicts.rs`.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use racelab_core::exec::{self};
use racelab_core::layout::InvariantSet;
use racelab_core::layout::{Invariant, MemoryModel};
use racelab_core::scenario::Scenario;
use racelab_core::state::State;
use racelab_core::step::{Choice, StepError};
use racelab_core::view::{ChoiceKind, Claim};
use racelab_core::{invariants, lab, Catalog, Program};

/// What a search of every interleaving found.
struct Search {
    states: usize,
    /// Bits of `Invariant::ALL` broken in some reachable state.
    violated: InvariantSet,
    /// The most choices any state offered.
    widest: usize,
    bugs: Vec<String>,
}

fn fp(s: &State) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// Depth-first, stateful, no reduction: the reference the explorer is compared with.
fn search(prog: &Program, limit: usize) -> Search {
    let mut seen = HashSet::new();
    let mut stack = vec![prog.init];
    seen.insert(fp(&prog.init));
    let mut out = Search { states: 1, violated: invariants::violated(prog, &prog.init), widest: 0, bugs: vec![] };
    let mut buf = Vec::new();
    while let Some(s) = stack.pop() {
        exec::choices(prog, &s, &mut buf);
        out.widest = out.widest.max(buf.len());
        for &c in &buf {
            let mut n = s;
            match exec::apply(prog, &mut n, c) {
                Ok(_) => {}
                Err(StepError::Bug(b)) => {
                    out.bugs.push(format!("{c:?}: {}", racelab_core::describe::bug_text(prog, b)));
                    continue;
                }
                Err(StepError::Blocked(b)) => panic!("{}: choices() offered {c:?}, which is blocked: {b:?}", prog.scenario),
            }
            if seen.insert(fp(&n)) {
                out.states += 1;
                assert!(out.states <= limit, "{} under {} on {}: more than {limit} states", prog.scenario, prog.policy, prog.model.name());
                out.violated = out.violated.union(invariants::violated(prog, &n));
                stack.push(n);
            }
        }
    }
    out
}

fn names(set: InvariantSet) -> Vec<&'static str> {
    set.iter().map(Invariant::name).collect()
}

fn program(sc: &Scenario, policy: &str, model: MemoryModel) -> Program {
    lab::compile(sc, Some(policy), model).unwrap_or_else(|e| panic!("{}: {e}", sc.id))
}

/// Checks every verdict line of the scenarios whose id passes `pick`.
fn check_verdicts(pick: impl Fn(&Scenario) -> bool) -> usize {
    let catalog = Catalog::builtin();
    let mut checked = 0;
    for sc in catalog.scenarios.iter().filter(|s| pick(s)) {
        for v in &sc.verdicts {
            let prog = program(sc, &v.policy, v.model);
            let r = search(&prog, 5_000_000);
            let what = format!("{} under {} on {}", sc.id, v.policy, v.model.name());
            assert!(r.bugs.is_empty(), "{what}: a step hits a bug: {:?}", r.bugs);
            assert!(r.widest <= 16, "{what}: {} choices in one state (the explorer packs a choice index in 4 bits)", r.widest);
            match v.violated {
                None => assert_eq!(names(r.violated), Vec::<&str>::new(), "{what}: claimed safe ({})", v.comment),
                Some(inv) => assert!(
                    names(r.violated).contains(&inv.name()),
                    "{what}: claimed to break {} ({}), found {:?} in {} states",
                    inv.name(),
                    v.comment,
                    names(r.violated),
                    r.states
                ),
            }
            checked += 1;
        }
    }
    checked
}

#[test]
fn every_litmus_verdict_holds_in_every_interleaving() {
    assert!(check_verdicts(|sc| sc.race == "litmus") > 0);
}

#[test]
fn every_litmus_test_has_a_verdict_for_each_policy_and_model() {
    let catalog = Catalog::builtin();
    let litmus: Vec<&Scenario> = catalog.scenarios.iter().filter(|s| s.race == "litmus").collect();
    assert!(!litmus.is_empty());
    for sc in litmus {
        for p in &sc.policies {
            for m in MemoryModel::ALL {
                assert!(
                    sc.verdicts.iter().any(|v| v.policy == p.name && v.model == m),
                    "{}: no verdict for {} on {}",
                    sc.id,
                    p.name,
                    m.name()
                );
            }
        }
    }
}

/// One exact replay of a schedule given by names.
fn replay(sc: &Scenario, policy: &str, model: MemoryModel, schedule: &str) -> Result<racelab_core::Run, String> {
    let prog = program(sc, policy, model);
    let choices = racelab_core::schedule::parse_names(schedule, &sc.layout).map_err(|e| e.to_string())?;
    racelab_core::replay(&prog, &choices).map_err(|e| e.to_string())
}

#[test]
fn sequential_consistency_offers_no_new_choice() {
    let catalog = Catalog::builtin();
    for sc in &catalog.scenarios {
        let prog = program(sc, &sc.policies[sc.baseline].name, MemoryModel::Sc);
        let mut buf = Vec::new();
        exec::choices(&prog, &prog.init, &mut buf);
        assert!(buf.iter().all(|c| matches!(c, Choice::Run(_))), "{}", sc.id);
    }
}

#[test]
fn a_thread_reads_its_own_buffered_store_and_the_others_do_not() {
    let catalog = Catalog::builtin();
    let sc = catalog.scenario("litmus_sb").unwrap();
    // P0 stores x = 1 into its buffer; P1 reads x: still 0. P0 reads y ... and its own x.
    let run = replay(sc, "po", MemoryModel::X86Tso, "P0 P1 P1").unwrap();
    let s = run.states.last().unwrap();
    let prog = program(sc, "po", MemoryModel::X86Tso);
    let p1 = prog.layout.thread("P1").unwrap();
    assert_eq!(s.threads[p1].regs[0], 0, "P1 reads x == 0: P0's store is still in its buffer");
    let x = prog.layout.var("x").unwrap();
    assert_eq!(s.vars[x], 0);
    let view = racelab_core::view::state(&prog, s);
    assert_eq!(view.cpus[0].store_buffer, vec!["x = 1".to_string(),]);
    assert_eq!(view.cpus[1].store_buffer, vec!["y = 1".to_string()]);
    // A drain makes it visible, and the step says so.
    let run = replay(sc, "po", MemoryModel::X86Tso, "P0 P0.drain").unwrap();
    assert_eq!(run.states.last().unwrap().vars[x], 1);
    let step = racelab_core::view::step(&prog, &run, 2);
    assert_eq!(step.choice, ChoiceKind::Drain);
    assert_eq!(step.drained.as_deref(), Some("x = 1"));
    assert!(step.description.contains("visible to the other CPUs"), "{}", step.description);
}

#[test]
fn an_early_access_is_marked_and_its_value_used_later() {
    let catalog = Catalog::builtin();
    let sc = catalog.scenario("litmus_mp").unwrap();
    let prog = program(sc, "po", MemoryModel::Arm64);
    let run = replay(sc, "po", MemoryModel::Arm64, "P1.early1 P0*2 P1*2").unwrap();
    let early = racelab_core::view::step(&prog, &run, 1);
    assert_eq!(early.choice, ChoiceKind::Early);
    assert_eq!(early.text, "r1 = READ_ONCE(x)");
    assert_eq!(early.overtakes.as_deref(), Some("r0 = READ_ONCE(y)"));
    let cpu = &racelab_core::view::state(&prog, &run.states[1]).cpus[1];
    assert_eq!(cpu.early.len(), 1);
    assert_eq!(cpu.early[0].values, vec!["x = 0".to_string()]);
    let used = racelab_core::view::step(&prog, &run, 5);
    assert_eq!(used.choice, ChoiceKind::Run);
    assert_eq!(used.early_at, Some(1));
    assert!(used.description.contains("→ 0"), "{}", used.description);
    assert_eq!(run.outcome(&prog), racelab_core::Outcome::Violated { invariant: Invariant::Exists, step: 5 });
}

#[test]
fn a_barrier_met_on_the_way_discards_a_load_performed_early() {
    let catalog = Catalog::builtin();
    let sc = catalog.scenario("litmus_mp").unwrap();
    // With smp_rmb(), P1 may not read x early while its read of y is still to come.
    assert!(replay(sc, "wmb_rmb", MemoryModel::Arm64, "P1.early2").is_err());
    // Once y is read, reading x before the barrier runs orders nothing wrongly.
    let run = replay(sc, "wmb_rmb", MemoryModel::Arm64, "P1 P1.early2 P1 P1").unwrap();
    let prog = program(sc, "wmb_rmb", MemoryModel::Arm64);
    assert_eq!(racelab_core::view::step(&prog, &run, 4).early_at, Some(2));
}

#[test]
fn stores_wait_for_control_and_data_dependencies() {
    let catalog = Catalog::builtin();
    let sc = catalog.scenario("litmus_lb").unwrap();
    // Without dependencies P0's store to y may go first; with a control or data dependency it
    // may not (arm64 does not make stores visible speculatively).
    assert!(replay(sc, "po", MemoryModel::Arm64, "P0.early1").is_ok());
    for p in ["ctrl", "data"] {
        let prog = program(sc, p, MemoryModel::Arm64);
        let mut buf = Vec::new();
        exec::choices(&prog, &prog.init, &mut buf);
        assert!(buf.iter().all(|c| !matches!(c, Choice::Early(0, _))), "{p}: {buf:?}");
    }
}

#[test]
fn schedules_with_early_choices_round_trip_through_links() {
    let catalog = Catalog::builtin();
    let sc = catalog.scenario("litmus_mp").unwrap();
    let req = lab::Request {
        scenario: sc.id.clone(),
        policy: Some("po".into()),
        model: MemoryModel::Arm64,
        schedule: lab::ScheduleSpec::Names("P1.early1 P0*2 P1*2".into()),
        nearest: false,
    };
    let opened = lab::open(&catalog, &req).unwrap();
    let link = lab::permalink(&opened, 5).to_fragment();
    assert!(link.contains("t=_b1a2b2"), "{link}");
    let (again, step) = lab::open_link(&catalog, &link).unwrap();
    assert_eq!(step, 5);
    assert_eq!(again.run.schedule, opened.run.schedule);
}

#[test]
fn every_race_verdict_holds_in_every_interleaving() {
    // The races modelled under a relaxed memory model (race 3, race 4b, 088b8aa537c2): every
    // policy under every model. The races modelled under sc alone have their verdicts checked
    // by the explorer only (tests/verdicts.rs), where a state offers a choice per thread.
    let relaxed = |sc: &Scenario| sc.models.iter().any(|&m| m != MemoryModel::Sc);
    assert!(check_verdicts(|sc| sc.race != "litmus" && relaxed(sc)) >= 24);
}

#[test]
fn the_scenario_view_carries_the_condition_and_the_verdicts() {
    let catalog = Catalog::builtin();
    let v = racelab_core::view::scenario(catalog.scenario("litmus_sb").unwrap());
    assert_eq!(v.exists.as_deref(), Some("P0.r0 == 0 && P1.r1 == 0"));
    assert_eq!(v.models, MemoryModel::ALL);
    let row = v.verdicts.iter().find(|r| r.policy == "po" && r.model == MemoryModel::X86Tso).unwrap();
    assert_eq!(row.verdict, Claim::Breaks(Invariant::Exists));
    let v = racelab_core::view::scenario(catalog.scenario("race4b").unwrap());
    assert_eq!(v.exists, None);
    assert_eq!(
        v.verdicts.iter().find(|r| r.model == MemoryModel::Arm64 && r.policy == "wrprotect_first").unwrap().verdict,
        Claim::Breaks(Invariant::PinnedWritable)
    );
}

#[test]
fn on_arm64_a_lock_is_taken_early_only_when_free_and_never_past_a_release() {
    let catalog = Catalog::builtin();
    let early = |sc: &str, policy: &str, schedule: &str| {
        let sc = catalog.scenario(sc).unwrap();
        let prog = program(sc, policy, MemoryModel::Arm64);
        let run = replay(sc, policy, MemoryModel::Arm64, schedule).unwrap();
        let mut buf = Vec::new();
        exec::choices(&prog, run.states.last().unwrap(), &mut buf);
        buf.into_iter()
            .filter_map(|c| match c {
                Choice::Early(t, pc) => Some(prog.instr(t as usize, pc).text.clone()),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    // P0 has stored nothing yet: its acquire may go first (the load after it may not yet).
    assert_eq!(early("litmus_sb_lock", "lock", ""), vec!["spin_lock(l)".to_string()]);
    // Once the lock is taken early, the load after it may follow it.
    assert!(early("litmus_sb_lock", "lock", "P0.early1").contains(&"r0 = READ_ONCE(y)".to_string()));
    // Under x86-TSO nothing is performed early.
    let sc = catalog.scenario("litmus_sb_lock").unwrap();
    let prog = program(sc, "lock", MemoryModel::X86Tso);
    let mut buf = Vec::new();
    exec::choices(&prog, &prog.init, &mut buf);
    assert!(buf.iter().all(|c| matches!(c, Choice::Run(_))), "{buf:?}");
    // P0 holds a and has x = 1 and spin_unlock(a) ahead: spin_lock(l) may not pass the unlock.
    assert!(early("litmus_sb_lock", "unlock_lock", "P0").is_empty());
    // P1 holds l: P0 may not take it early (nor run its store to y past it).
    assert!(!early("litmus_mp_lock", "polocks", "P1").contains(&"spin_lock(l)".to_string()));
    assert!(early("litmus_mp_lock", "polocks", "").contains(&"spin_lock(l)".to_string()));
}

#[test]
fn a_lock_taken_early_is_held_and_the_step_that_reaches_it_says_so() {
    let catalog = Catalog::builtin();
    let sc = catalog.scenario("litmus_sb_lock").unwrap();
    let prog = program(sc, "lock", MemoryModel::Arm64);
    let run = replay(sc, "lock", MemoryModel::Arm64, "P0.early1 P0 P0").unwrap();
    let l = prog.layout.lock("l").unwrap();
    assert_eq!(run.states[1].locks[l].holders, 1, "held by P0 from the early step on");
    let cpu = &racelab_core::view::state(&prog, &run.states[1]).cpus[0];
    assert_eq!(cpu.early.len(), 1);
    assert_eq!(cpu.early[0].kind, racelab_core::view::EarlyKind::Lock);
    assert_eq!(cpu.early[0].values, vec!["l held".to_string()]);
    let reached = racelab_core::view::step(&prog, &run, 3);
    assert_eq!(reached.early_at, Some(1));
    assert!(reached.description.contains("already taken early, at step 1"), "{}", reached.description);
    assert_eq!(run.states[3].locks[l].holders, 1);
}
