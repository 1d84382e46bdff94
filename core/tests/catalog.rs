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
