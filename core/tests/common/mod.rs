//! What several test files share: loading a test scenario of `core/tests/scenarios/` next to
//! the kernel library of `traces/kernel/`.

use racelab_core::Catalog;

/// A catalog of `core/tests/scenarios/NAME.race` alone (with the library files it may `use`).
pub fn test_catalog(name: &str) -> Catalog {
    let path = format!("{}/tests/scenarios/{name}.race", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut files: Vec<(String, String)> = racelab_core::catalog::builtin_files()
        .iter()
        .filter(|(_, t)| !racelab_core::scenario::is_scenario_source(t))
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    files.push((format!("{name}.race"), text));
    let c = Catalog::from_sources(files);
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    c
}
