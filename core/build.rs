//! Embeds every `.race` file under `traces/` into the library, so the CLI and the web app carry
//! the catalog without reading files at run time, and writes one test per `expect` line (for
//! `tests/canonical.rs`) and per `verdict` line (for `tests/verdicts.rs`): see
//! `build/generate.rs`. A new race is a new file: no Rust changes.
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

fn collect(dir: &Path, root: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            collect(&path, root, out);
        } else if path.extension().is_some_and(|x| x == "race") {
            let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            out.push((rel, path));
        }
    }
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.join("..").join("traces");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    let mut code = String::from("/// Every `.race` file of `traces/`, by path relative to it.\npub static FILES: &[(&str, &str)] = &[\n");
    for (rel, path) in &files {
        code.push_str(&format!("    ({rel:?}, include_str!({:?})),\n", path.canonicalize().unwrap()));
    }
    code.push_str("];\n");
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
}
