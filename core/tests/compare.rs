//! `lab::compare`: two runs of one interleaving side by side, aligned by statement.

use racelab_core::lab::{self, Catalog, Comparison, LabError, MemoryModel, Opened, Request, RowKind, ScheduleSpec};

fn open<'c>(catalog: &'c Catalog, scenario: &str, policy: &str, trace: &str) -> Opened<'c> {
    let req = Request {
        scenario: scenario.into(),
        policy: Some(policy.into()),
        model: MemoryModel::Sc,
        schedule: ScheduleSpec::Trace(trace.into()),
        nearest: true,
    };
    lab::open(catalog, &req).unwrap_or_else(|e| panic!("{scenario} {policy} {trace}: {e}"))
}

/// The statement step `step` of `o` runs.
fn text(o: &Opened, step: usize) -> String {
    let rec = &o.run.steps[step - 1];
    o.program.threads[rec.thread].instrs[rec.exec.pc as usize].text.clone()
}

/// Every step of both runs is on exactly one row, both in order.
fn assert_rows_cover_both_runs(cmp: &Comparison, a: &Opened, b: &Opened) {
    let a_steps: Vec<usize> = cmp.rows.iter().filter_map(|r| r.a).collect();
    let b_steps: Vec<usize> = cmp.rows.iter().filter_map(|r| r.b).collect();
    assert_eq!(a_steps, (0..=a.run.steps.len()).collect::<Vec<_>>());
    assert_eq!(b_steps, (0..=b.run.steps.len()).collect::<Vec<_>>());
    for r in &cmp.rows {
        match r.kind {
            RowKind::Same => assert!(r.a.is_some() && r.b.is_some()),
            RowKind::Added => assert!(r.a.is_none() && r.b == Some(r.b_at)),
            RowKind::HeldBack => assert!(r.b.is_none() && r.a == Some(r.a_at)),
        }
    }
}

#[test]
fn a_run_against_itself_has_only_same_rows_and_no_difference() {
    let c = Catalog::builtin();
    let a = open(&c, "race1a", "v5_10", "lost_write");
    let cmp = lab::compare(&a, &a).unwrap();
    assert_rows_cover_both_runs(&cmp, &a, &a);
    assert!(cmp.same_steps());
    assert!(cmp.rows.iter().enumerate().all(|(k, r)| r.a == Some(k) && r.b == Some(k) && !r.differs));
    assert_eq!(cmp.first_difference, None);
}

#[test]
fn the_6ce64428_fix_adds_its_check_and_flush_to_the_lost_write_trace() {
    let c = Catalog::builtin();
    let a = open(&c, "race1a", "v5_10", "lost_write");
    let b = lab::switch(&a, "merged_6ce64428", MemoryModel::Sc).unwrap();
    let cmp = lab::compare(&a, &b).unwrap();
    assert_rows_cover_both_runs(&cmp, &a, &b);
    assert!(!cmp.same_steps());
    let texts: Vec<String> = cmp.added().iter().map(|&s| text(&b, s)).collect();
    assert!(texts.iter().any(|t| t.contains("mm_tlb_flush_pending")), "added: {texts:?}");
    assert!(texts.iter().any(|t| t.contains("flush_tlb_page")), "added: {texts:?}");
    assert!(cmp.held_back().is_empty(), "6ce64428 holds nothing back on this trace");
}

#[test]
fn the_first_difference_of_the_6ce64428_fix_is_the_flush_dropping_a_tlb_entry() {
    let c = Catalog::builtin();
    let a = open(&c, "race1a", "v5_10", "lost_write");
    let b = lab::switch(&a, "merged_6ce64428", MemoryModel::Sc).unwrap();
    let cmp = lab::compare(&a, &b).unwrap();
    let (row, changes) = cmp.first_difference.clone().expect("the states differ somewhere");
    let r = &cmp.rows[row];
    assert!(r.differs && !cmp.rows[..row].iter().any(|r| r.differs));
    assert_eq!(r.kind, RowKind::Added);
    assert!(text(&b, r.b.unwrap()).contains("flush_tlb_page"));
    assert!(changes.iter().any(|ch| ch.text.contains("TLB entry") && ch.text.contains("dropped")), "{changes:?}");
}

#[test]
fn a_fix_that_holds_the_fault_back_marks_the_steps_it_holds_back() {
    let c = Catalog::builtin();
    let a = open(&c, "race1a", "v5_10", "lost_write");
    let b = lab::switch(&a, "uffd_wp_write_lock", MemoryModel::Sc).unwrap();
    assert!(!b.run.deviations.is_empty(), "the write lock holds a thread back");
    let cmp = lab::compare(&a, &b).unwrap();
    assert_rows_cover_both_runs(&cmp, &a, &b);
    assert!(!cmp.same_steps());
    // A step of the first run shows on its row with the last step the second run took before.
    for r in cmp.rows.iter().filter(|r| r.kind == RowKind::HeldBack) {
        assert!(cmp.row_of_a(r.a.unwrap()).is_some());
        assert!(r.b_at <= b.run.steps.len());
    }
    assert!(!cmp.held_back().is_empty(), "the write lock holds steps of v5.10 back");
    assert!(cmp.first_difference.is_some());
}

#[test]
fn runs_of_two_scenarios_are_not_compared() {
    let c = Catalog::builtin();
    let a = open(&c, "race1a", "v5_10", "lost_write");
    let other = c.ids().into_iter().find(|id| *id != "race1a").unwrap().to_string();
    let sc = lab::scenario(&c, &other).unwrap();
    let req = Request {
        scenario: other.clone(),
        policy: None,
        model: MemoryModel::Sc,
        schedule: ScheduleSpec::Trace(sc.traces[0].name.clone()),
        nearest: true,
    };
    let b = lab::open(&c, &req).unwrap();
    match lab::compare(&a, &b) {
        Err(LabError::NotComparable { a, b }) => assert_eq!((a.as_str(), b.as_str()), ("race1a", other.as_str())),
        other => panic!("expected NotComparable, got {:?}", other.map(|c| c.rows.len())),
    }
}
