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
