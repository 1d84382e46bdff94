//! The project's own description of the races (`docs/`): every reference to a heading of it,
//! from the scenarios, the kernel procs, the code and the README, names a heading that exists,
//! and nothing cites the catalog that is not in the repository.

use racelab_core::lab::scenario::heading_anchor;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Every file under `dir` whose name ends in one of `exts`, `traces/archive` left out.
fn files(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = e.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "archive") {
                continue;
            }
            files(&path, exts, out);
        } else if exts.iter().any(|x| path.to_string_lossy().ends_with(x)) {
            out.push(path);
        }
    }
}

/// The anchor a Markdown renderer gives a heading: lower case, spaces as `-`, and only
/// letters, digits, `-` and `_` kept.
/// The files that may cite the docs: the traces, the sources of the three crates, the README.
fn citing_files(root: &Path) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    files(&root.join("traces"), &[".race", ".md"], &mut paths);
    for dir in ["core/src", "web/src", "cli/src"] {
        files(&root.join(dir), &[".rs"], &mut paths);
    }
    paths.push(root.join("README.md"));
    paths
}

fn anchors(doc: &str) -> BTreeSet<String> {
    doc.lines().filter_map(|l| l.strip_prefix('#')).map(|l| heading_anchor(l.trim_start_matches('#'))).collect()
}

/// `(name, anchor)` of every `docs/NAME.md#ANCHOR` in `text`.
fn refs(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("docs/") {
        rest = &rest[at + 5..];
        let word: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || "-_.#".contains(*c)).collect();
        if let Some((name, anchor)) = word.split_once(".md#") {
            out.push((name.to_string(), anchor.trim_end_matches('.').to_string()));
        }
    }
    out
}

#[test]
fn heading_anchors_follow_the_markdown_rule() {
    assert_eq!(heading_anchor(" Race 1A"), "race-1a");
    assert_eq!(heading_anchor("PageAnonExclusive and RCU GUP-fast"), "pageanonexclusive-and-rcu-gup-fast");
    assert_eq!(
        refs("see docs/races.md#race-3, and docs/races.md#the-machine."),
        [("races".to_string(), "race-3".to_string()), ("races".to_string(), "the-machine".to_string())]
    );
}

#[test]
fn every_reference_to_a_heading_of_the_docs_resolves() {
    let root = root();
    let mut paths = citing_files(&root);
    paths.push(root.join("ARCHITECTURE.md"));
    let mut seen = 0;
    for path in &paths {
        let text = fs::read_to_string(path).unwrap();
        for (name, anchor) in refs(&text) {
            let doc = root.join("docs").join(format!("{name}.md"));
            let doc = fs::read_to_string(&doc).unwrap_or_else(|e| panic!("{}: docs/{name}.md: {e}", path.display()));
            assert!(anchors(&doc).contains(&anchor), "{}: docs/{name}.md has no heading `#{anchor}`", path.display());
            seen += 1;
        }
    }
    assert!(seen >= 20, "only {seen} references");
}

#[test]
fn every_race_names_its_section_of_the_docs() {
    let c = racelab_core::Catalog::builtin();
    for sc in c.scenarios.iter().filter(|s| !s.file.starts_with("validation/")) {
        assert!(racelab_core::scenario::is_doc_ref(&sc.section), "{}: section {:?}", sc.id, sc.section);
    }
}

#[test]
fn nothing_cites_the_catalog_outside_the_repository() {
    let root = root();
    let paths = citing_files(&root);
    for path in &paths {
        let text = fs::read_to_string(path).unwrap();
        for (i, line) in text.lines().enumerate() {
            let bare = line.replace("docs/races.md", "");
            assert!(!bare.contains("races.md"), "{}:{}: {line}", path.display(), i + 1);
        }
    }
}
