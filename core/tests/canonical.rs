//! The canonical traces of `traces/`: each `expect` line of a trace is a test here (generated
//! by the build script, one per trace and policy), and the data itself is checked for gaps.

use racelab_core::lab::{self, Request, ScheduleSpec};
use racelab_core::layout::MemoryModel;
use racelab_core::scenario::{Scenario, TraceDef};
use racelab_core::{replay, Catalog, Outcome};

/// The memory model a trace is written for: the model under which it shows the race under the
/// baseline (its first such `expect` line), else sequential consistency.
fn trace_model(sc: &Scenario, t: &TraceDef) -> MemoryModel {
    let baseline = &sc.policies[sc.baseline].name;
    t.expect.iter().find(|e| &e.policy == baseline && e.outcome != Outcome::Safe).map(|e| e.model).unwrap_or(MemoryModel::Sc)
}

/// Replays `trace` of `scenario` under `policy` (carried over from the baseline as the same
/// interleaving) and asserts the verdict and the step its `expect` line gives.
fn check(scenario: &str, trace: &str, policy: &str, model: &str) {
    let catalog = Catalog::builtin();
    let model = MemoryModel::parse(model).unwrap();
    let sc = catalog.scenario(scenario).unwrap();
    let expected = sc.trace(trace).unwrap().expect.iter().find(|e| e.policy == policy && e.model == model).unwrap();
    let req = Request {
        scenario: scenario.into(),
        policy: Some(policy.into()),
        model,
        schedule: ScheduleSpec::Trace(trace.into()),
        nearest: true,
    };
    let opened = lab::open(&catalog, &req).unwrap_or_else(|e| panic!("{scenario}/{trace} under {policy}: {e}"));
    assert_eq!(opened.run.outcome(&opened.program), expected.outcome, "{scenario}/{trace} under {policy}: {}", expected.comment);
}

include!(concat!(env!("OUT_DIR"), "/canonical_tests.rs"));

#[test]
fn every_canonical_trace_replays_exactly_under_the_baseline() {
    let catalog = Catalog::builtin();
    for sc in &catalog.scenarios {
        for t in &sc.traces {
            let prog = lab::compile(sc, None, trace_model(sc, t)).unwrap();
            let run = replay::replay(&prog, &t.schedule).unwrap_or_else(|e| panic!("{}/{}: {e}", sc.id, t.name));
            assert!(
                !matches!(run.outcome(&prog), Outcome::Safe),
                "{}/{}: a canonical trace shows the race under the baseline",
                sc.id,
                t.name
            );
        }
    }
}

#[test]
fn every_trace_has_an_expectation_for_every_policy() {
    let catalog = Catalog::builtin();
    for sc in &catalog.scenarios {
        // A control, where every verdict is safe (a caller that is not racy, shown beside one
        // that is), has no race to show; every other scenario has a canonical trace.
        let control = !sc.verdicts.is_empty() && sc.verdicts.iter().all(|v| v.violated.is_none());
        assert!(control || !sc.traces.is_empty(), "{} has no canonical trace", sc.id);
        for t in &sc.traces {
            for p in &sc.policies {
                assert!(t.expect.iter().any(|e| e.policy == p.name), "{}/{}: no `expect {}` line", sc.id, t.name, p.name);
            }
        }
    }
}

#[test]
fn a_canonical_link_is_short() {
    let catalog = Catalog::builtin();
    for sc in &catalog.scenarios {
        for t in &sc.traces {
            let req = Request {
                scenario: sc.id.clone(),
                policy: None,
                model: trace_model(sc, t),
                schedule: ScheduleSpec::Trace(t.name.clone()),
                nearest: false,
            };
            let opened = lab::open(&catalog, &req).unwrap();
            let link = lab::permalink(&opened, opened.run.steps.len()).to_fragment();
            assert!(link.len() < 200, "{}/{}: {} characters: {link}", sc.id, t.name, link.len());
        }
    }
}

#[test]
fn a_step_maps_to_the_step_running_the_same_statement_under_another_policy() {
    let catalog = Catalog::builtin();
    let open = |policy: &str| {
        let req = Request {
            scenario: "race1a".into(),
            policy: Some(policy.into()),
            model: MemoryModel::Sc,
            schedule: ScheduleSpec::Trace("lost_write".into()),
            nearest: true,
        };
        lab::open(&catalog, &req).unwrap()
    };
    let (base, fix) = (open("v5_10"), open("merged_6ce64428"));
    let text = |o: &lab::Opened, step: usize| {
        let r = &o.run.steps[step - 1];
        (r.thread, o.program.instr(r.thread, r.exec.pc).text.clone())
    };
    // Step 14 of v5.10 is the writer's alloc_page() in wp_page_copy; the fix adds a check and a
    // flush before it, so the same statement runs later.
    let mapped = replay::same_step(&base.program, &base.run, 14, &fix.program, &fix.run).unwrap();
    assert_eq!(text(&fix, mapped), text(&base, 14));
    assert!(mapped > 14);
    assert_eq!(replay::same_step(&base.program, &base.run, 0, &fix.program, &fix.run), Some(0));
}
