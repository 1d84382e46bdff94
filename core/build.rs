//! Embeds every `.race` file under `traces/` into the library, so the CLI and the web app carry
//! the catalog without reading files at run time, and writes one test per `expect` line (for
//! `tests/canonical.rs`) and per `verdict` line (for `tests/verdicts.rs`): see
//! `build/generate.rs`, and per C litmus test (`.litmus`) of `traces/validation/` (for
//! `tests/validation.rs`). A new race is a new file: no Rust changes.
//!
//! The files are read with the crate's own parser: `syntax` uses nothing of the crate but
//! `limits` (the layers of ARCHITECTURE.md), so both compile here as they are.

use std::path::{Path, PathBuf};
use std::{env, fs};

#[path = "build/generate.rs"]
mod generate;
#[allow(dead_code)]
#[path = "src/limits.rs"]
mod limits;
#[allow(dead_code, unused_imports)]
#[path = "src/syntax/mod.rs"]
mod syntax;

fn collect(dir: &Path, root: &Path, ext: &str, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            collect(&path, root, ext, out);
        } else if path.extension().is_some_and(|x| x == ext) {
            let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            out.push((rel, path));
        }
    }
}

fn embed(files: &[(String, PathBuf)], doc: &str, name: &str) -> String {
    let mut code = format!("/// {doc}\npub static {name}: &[(&str, &str)] = &[\n");
    for (rel, path) in files {
        code.push_str(&format!("    ({rel:?}, include_str!({:?})),\n", path.canonicalize().unwrap()));
    }
    code.push_str("];\n");
    code
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.join("..").join("traces");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &root, "race", &mut files);
    files.sort();
    let mut litmus = Vec::new();
    collect(&root, &root, "litmus", &mut litmus);
    litmus.sort();
    let mut code = embed(&files, "Every `.race` file of `traces/`, by path relative to it.", "FILES");
    code.push_str(&embed(&litmus, "Every C litmus test (`.litmus`) of `traces/`, by path relative to it.", "LITMUS"));
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    fs::write(out.join("catalog_files.rs"), code).unwrap();

    let texts: Vec<(String, String)> = files.iter().map(|(rel, path)| (rel.clone(), fs::read_to_string(path).unwrap())).collect();
    let tests = generate::generate(&texts);
    // A file that does not parse has no tests; the catalog's own test fails with this message.
    for e in &tests.errors {
        println!("cargo:warning={e}");
    }
    fs::write(out.join("canonical_tests.rs"), &tests.canonical).unwrap();
    fs::write(out.join("verdict_tests.rs"), &tests.verdicts).unwrap();
    fs::write(out.join("validation_tests.rs"), validation_tests(&litmus)).unwrap();
}

/// One `#[test]` per C litmus test of `traces/validation/` and memory model it states an
/// expectation for (`tests/validation.rs` includes them). A plain scan of the header lines
/// `racelab:`, `racelab-limit MODEL:` and `racelab-needs:`: a known limit or a missing primitive
/// makes the test `#[ignore]`d with the reason; the parsing, and every check, happen in the test.
fn validation_tests(files: &[(String, PathBuf)]) -> String {
    let mut code = String::new();
    let mut names = std::collections::BTreeSet::new();
    for (rel, path) in files {
        let Some(under) = rel.strip_prefix("validation/") else { continue };
        let text = fs::read_to_string(path).unwrap();
        let line_of = |key: &str| -> Vec<String> {
            text.lines()
                .map(|l| l.trim_start().trim_start_matches('*').trim())
                .filter_map(|l| l.strip_prefix(key).map(|r| r.trim().to_string()))
                .collect()
        };
        let models: Vec<String> = line_of("racelab:")
            .iter()
            .flat_map(|l| l.split(',').map(|i| i.split_whitespace().next().unwrap_or("").to_string()).collect::<Vec<_>>())
            .filter(|m| m != "lkmm")
            .collect();
        let needs = line_of("racelab-needs:");
        let limits: Vec<(String, String)> = line_of("racelab-limit")
            .iter()
            .filter_map(|l| l.split_once(':').map(|(m, r)| (m.trim().to_string(), r.trim().to_string())))
            .collect();
        let mut stem: String = under
            .trim_end_matches(".litmus")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
            .collect();
        while stem.contains("__") {
            stem = stem.replace("__", "_");
        }
        for m in models {
            let mut name = format!("{}_on_{}", stem.trim_matches('_'), m.replace('-', "_"));
            while !names.insert(name.clone()) {
                name.push('_');
            }
            let ignore = if !needs.is_empty() {
                format!("#[ignore = {:?}]\n", format!("needs {}, which the scenario language does not have yet", needs.join(", ")))
            } else if let Some((_, why)) = limits.iter().find(|(lm, _)| *lm == m) {
                format!("#[ignore = {:?}]\n", format!("known limit: {why}"))
            } else {
                String::new()
            };
            code.push_str(&format!("#[test]\n{ignore}fn {name}() {{\n    check({rel:?}, {m:?});\n}}\n\n"));
        }
    }
    code
}
