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
