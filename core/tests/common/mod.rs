//! What several test files share: loading a test scenario of `core/tests/scenarios/` next to
//! the kernel library of `traces/kernel/`, and the generated counters.

// Each test file compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use racelab_core::layout::MemoryModel;
use racelab_core::{Catalog, Program};

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

/// N threads x K iterations of a counter: unlocked, locked, or private writes and then a
/// locked increment (the comparison benchmark's families, in `bench/compare/gen.py`).
pub fn counter(family: &str, n: usize, k: usize) -> Program {
    let mut s = String::from("racelab 1\npolicy as_written {\n  title \"as written\"\n  fate baseline\n}\n");
    s += &format!(
        "scenario {family}_counter {{\n  title \"a counter\"\n  policies as_written\n  baseline as_written\n  check no_lost_write\n}}\n"
    );
    s += "state {\n  var c=0\n";
    for t in 0..n {
        s += &format!("  var p{t}=0\n");
    }
    if family != "unlocked" {
        s += "  lock l spin\n";
    }
    s += "}\n";
    for t in 0..n {
        s += &format!("thread t{t} on CPU{t} \"counts\" {{\n");
        for _ in 0..k {
            if family == "private" {
                s += &format!("  WRITE_ONCE(p{t}, 1)\n  WRITE_ONCE(p{t}, 2)\n");
            }
            if family != "unlocked" {
                s += "  spin_lock(l)\n";
            }
            s += "  r = READ_ONCE(c)\n  WRITE_ONCE(c, r + 1)\n  r = 0\n";
            if family != "unlocked" {
                s += "  spin_unlock(l)\n";
            }
        }
        s += "}\n";
    }
    let c = Catalog::from_sources(vec![("counter.race".to_string(), s)]);
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let sc = &c.scenarios[0];
    Program::compile(sc, sc.baseline, MemoryModel::Sc).unwrap()
}
