use racelab_core::Catalog;

#[test]
fn the_builtin_catalog_loads_without_errors() {
    let c = Catalog::builtin();
    for e in &c.errors {
        eprintln!("{e}");
    }
    assert!(c.errors.is_empty());
    assert!(!c.scenarios.is_empty());
}

/// A library file that does not parse (here a chain of 30,000 terms, deeper than any tree the
/// parser builds) is one error naming that file; the scenarios that do not use it still load.
#[test]
fn a_broken_library_is_one_error_naming_it_and_the_rest_loads() {
    let mut files: Vec<(String, String)> =
        racelab_core::catalog::builtin_files().iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    let (_, memory) = files.iter_mut().find(|(n, _)| n == "kernel/memory.race").unwrap();
    let at = memory.find("ptl_lock(").unwrap();
    memory.insert_str(at, &format!("x = {}\n  ", vec!["1"; 30_000].join(" + ")));
    // A library that no scenario uses is checked too.
    files.push(("kernel/unused.race".into(), "racelab 1\nproc p( {\n}\n".into()));
    let c = Catalog::from_sources(files);
    let shown: Vec<String> = c.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(shown.len(), 2, "{shown:#?}");
    assert!(shown[0].starts_with("kernel/memory.race:") && shown[0].contains("too deep"), "{shown:#?}");
    assert!(shown[1].starts_with("kernel/unused.race:2:9: expected a parameter name"), "{shown:#?}");
    assert!(c.scenario("litmus_sb").is_some() && c.scenario("race1a").is_none());
}

#[test]
fn every_mail_the_catalog_cites_has_a_lore_link() {
    use racelab_core::scenario::CitationKind;
    let c = Catalog::builtin();
    for s in &c.scenarios {
        let policy_sources = s.policies.iter().flat_map(|p| p.sources.iter());
        for cite in s.citations.iter().chain(policy_sources) {
            if matches!(cite.kind, CitationKind::Mail | CitationKind::Seed) {
                assert!(cite.url().is_some(), "{}: the Message-ID `{}` lacks its domain", s.id, cite.id);
            }
        }
    }
}

/// `view::steps` walks a run once; it must give what `view::step` gives for each step, for
/// every canonical trace (violations, early accesses and drains among them).
#[test]
fn the_views_of_a_whole_run_equal_the_views_of_each_step() {
    use racelab_core::lab::{self, view, Request, ScheduleSpec};
    let catalog = Catalog::builtin();
    let mut broken = 0;
    for sc in &catalog.scenarios {
        for &model in &sc.models {
            for t in &sc.traces {
                let req =
                    Request { scenario: sc.id.clone(), policy: None, model, schedule: ScheduleSpec::Trace(t.name.clone()), nearest: true };
                let Ok(o) = lab::open(&catalog, &req) else { continue };
                let all: Vec<_> = view::steps(&o.program, &o.run).collect();
                assert_eq!(all.len(), o.run.steps.len());
                for (i, v) in all.iter().enumerate() {
                    assert_eq!(v, &view::step(&o.program, &o.run, i + 1), "{} {} step {}", sc.id, t.name, i + 1);
                }
                broken += all.last().map_or(0, |v| v.invariants.iter().filter(|i| i.broken_at.is_some()).count());
            }
        }
    }
    assert!(broken > 10, "{broken}");
}

/// `use` looks next to the file first, then in the traces root: a copy of a kernel file beside
/// a scenario replaces the catalog's for that scenario; a missing one says where it looked.
#[test]
fn use_finds_a_file_next_to_the_scenario_before_the_catalogs() {
    let files = racelab_core::catalog::builtin_files();
    let text = |name: &str| files.iter().find(|(n, _)| *n == name).unwrap().1.to_string();
    let mut mine: Vec<(String, String)> =
        files.iter().filter(|(_, t)| !racelab_core::scenario::is_scenario_source(t)).map(|(n, t)| (n.to_string(), t.to_string())).collect();
    mine.push(("lab/my.race".into(), text("race1a-uffd-unprotect.race")));
    let edited = text("kernel/memory.race").replacen(
        "proc do_wp_page(va, unshare) \"mm/memory.c\" {",
        "proc do_wp_page(va, unshare) \"mm/memory.c\" {\n  flush_tlb_page(va)",
        1,
    );
    assert_ne!(edited, text("kernel/memory.race"));
    mine.push(("lab/kernel/memory.race".into(), edited));
    let c = Catalog::from_sources(mine.clone());
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let sc = c.scenario("race1a").unwrap();
    let flushes = |sc: &racelab_core::Scenario| {
        sc.procs["do_wp_page"]
            .0
            .body
            .iter()
            .any(|s| matches!(s, racelab_core::syntax::Stmt::Call { name, .. } if name.name == "flush_tlb_page"))
    };
    assert!(flushes(sc), "the copy next to lab/my.race is used");
    assert_eq!(sc.procs["do_wp_page"].1, "lab/kernel/memory.race");
    mine.retain(|(n, _)| n != "lab/kernel/memory.race");
    let c = Catalog::from_sources(mine.clone());
    assert!(!flushes(c.scenario("race1a").unwrap()), "else the catalog's");
    let broken = text("race1a-uffd-unprotect.race").replace("kernel/memory.race", "kernel/memry.race");
    mine.push(("lab/my.race".into(), broken));
    let c = Catalog::from_sources(mine);
    assert_eq!(
        c.errors[0].to_string(),
        "lab/my.race:6:5: cannot find `kernel/memry.race` (looked next to `lab/my.race`, as `lab/kernel/memry.race`, and in traces/)"
    );
    assert_eq!(racelab_core::scenario::use_candidates("a/b/c.race", "../k.race"), ["a/k.race", "../k.race"]);
    assert_eq!(racelab_core::scenario::use_candidates("c.race", "k/x.race"), ["k/x.race"]);
}

/// Every presenter note of the catalog (`say at STEP [for POLICY]`) is on a step of its trace's
/// run under that policy, and the views carry it: `TraceView.notes`, and `StepView.say` on that
/// step once `view::with_notes` has filled it.
#[test]
fn every_presenter_note_is_on_a_step_of_its_run_and_in_the_views() {
    use racelab_core::lab::{self, view, Request, ScheduleSpec};
    let catalog = Catalog::builtin();
    let mut notes = 0;
    for sc in &catalog.scenarios {
        let v = view::scenario(sc);
        for t in &sc.traces {
            let tv = v.traces.iter().find(|x| x.name == t.name).unwrap();
            assert_eq!(tv.notes.len(), t.notes.len());
            for n in &t.notes {
                let req = Request {
                    scenario: sc.id.clone(),
                    policy: Some(n.policy.clone()),
                    model: sc.models[0],
                    schedule: ScheduleSpec::Trace(t.name.clone()),
                    nearest: true,
                };
                let o = lab::open(&catalog, &req).unwrap();
                assert!(
                    n.step <= o.run.steps.len(),
                    "{} {}: note at {} past the run of {} ({} steps)",
                    sc.id,
                    t.name,
                    n.step,
                    n.policy,
                    o.run.steps.len()
                );
                let mut steps: Vec<_> = view::steps(&o.program, &o.run).collect();
                view::with_notes(&mut steps, t, &n.policy);
                assert!(steps[n.step - 1].say.contains(&n.text));
                notes += 1;
            }
        }
    }
    let sc = catalog.scenario("race1a").unwrap();
    let t = sc.trace("lost_write").unwrap();
    assert_eq!(t.notes_at("v5_10", 25).len(), 1, "race1a's canonical trace says where the write is lost");
    assert!(notes >= 10);
}

/// The catalog parses each kernel file once for all the scenarios that use it: every scenario is
/// still exactly what loading its file alone gives.
#[test]
fn each_scenario_of_the_catalog_is_what_loading_it_alone_gives() {
    let c = Catalog::builtin();
    let files = racelab_core::catalog::builtin_files();
    let read = |name: &str| files.iter().find(|(n, _)| *n == name).map(|(_, t)| t.to_string());
    for sc in &c.scenarios {
        let mut alone = racelab_core::scenario::load(&sc.file, &read).unwrap_or_else(|e| panic!("{}: {e}", sc.id));
        alone.files = sc.files.clone();
        assert!(alone == *sc, "{} loads otherwise alone", sc.id);
        assert!(sc.files.iter().all(|f| f.hash == racelab_core::pack::file_hash(&f.text)), "{}: a file's hash", sc.id);
    }
}

/// The gallery's outcomes skip the text of each step's changes: each is still the outcome and
/// the length of the run the player replays (`replay_nearest` from the baseline).
#[test]
fn every_trace_outcome_is_that_of_the_run_the_player_replays() {
    use racelab_core::lab;
    let c = Catalog::builtin();
    let mut cells = 0;
    for sc in &c.scenarios {
        for o in lab::trace_outcomes(sc) {
            let prog = lab::compile(sc, Some(&o.policy), o.model).unwrap();
            let base = lab::compile(sc, None, o.model).unwrap();
            let t = sc.trace(&o.trace).unwrap();
            let run = racelab_core::replay_nearest(&prog, &base, &t.schedule).map(|r| (r.outcome(&prog), r.steps.len()));
            assert_eq!(
                o.result,
                run.map_err(|e| lab::LabError::Replay(e).to_string()),
                "{} {} {} {}",
                sc.id,
                o.policy,
                o.trace,
                o.model.name()
            );
            cells += 1;
        }
    }
    let want: usize = c.scenarios.iter().map(|s| s.models.len() * s.policies.len() * s.traces.len()).sum();
    assert_eq!(cells, want, "a cell per trace, policy and model");
}
