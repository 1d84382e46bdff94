//! Embeds every `.race` file under `traces/` into the library, so the CLI and the web app carry
//! the catalog without reading files at run time, and the C litmus tests (`.litmus`) beside
//! them. A new race is a new file: no Rust changes.

use std::path::{Path, PathBuf};
use std::{env, fs};

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
    fs::write(out.join("canonical_tests.rs"), canonical_tests(&files)).unwrap();
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

/// One `#[test]` per canonical trace and policy (`tests/canonical.rs` includes them), so that
/// `cargo test` names each case. A plain scan of the lines `scenario`, `trace` and `expect`:
/// the real parsing, and every check, happen in the test.
fn canonical_tests(files: &[(String, PathBuf)]) -> String {
    let mut code = String::new();
    for (_, path) in files {
        let text = fs::read_to_string(path).unwrap();
        let (mut scenario, mut trace) = (None::<String>, None::<String>);
        for line in text.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["scenario", id, ..] => scenario = Some(id.to_string()),
                ["trace", name, ..] => trace = Some(name.to_string()),
                ["expect", policy, rest @ ..] => {
                    let (Some(sc), Some(tr)) = (&scenario, &trace) else { continue };
                    let model = match rest {
                        ["on", m, ..] => m.replace('-', "_"),
                        _ => "sc".to_string(),
                    };
                    let suffix = if model == "sc" { String::new() } else { format!("_on_{model}") };
                    code.push_str(&format!(
                        "#[test]\nfn {sc}_{tr}_under_{policy}{suffix}() {{\n    check({sc:?}, {tr:?}, {policy:?}, {model:?});\n}}\n\n"
                    ));
                }
                _ => {}
            }
        }
    }
    code
}
