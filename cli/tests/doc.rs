//! `racelab doc`: docs/races.md as the site's HTML page. Every `docs/races.md#ANCHOR` the traces,
//! the catalog's citations and sections cite is the id of a heading of the rendered page, so
//! the page's links (which point at `docs/races.html#ANCHOR`) scroll to their section.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use racelab_core::lab::Catalog;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn rendered() -> String {
    let doc = root().join("docs/races.md");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_racelab")).arg("doc").arg(&doc).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The ids of the page's headings.
fn heading_ids(html: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for level in 1..=6 {
        let open = format!("<h{level} id=\"");
        let mut rest = html;
        while let Some(at) = rest.find(&open) {
            rest = &rest[at + open.len()..];
            ids.insert(rest[..rest.find('"').unwrap()].to_string());
        }
    }
    ids
}

/// Every `docs/races.md#ANCHOR` in `text`.
fn anchors(text: &str) -> Vec<String> {
    let key = "docs/races.md#";
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(key) {
        rest = &rest[at + key.len()..];
        let a: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
        out.push(a);
    }
    out
}

fn race_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "archive") {
                race_files(&path, out);
            }
        } else if path.extension().is_some_and(|x| x == "race") {
            out.push(path);
        }
    }
}

#[test]
fn every_anchor_the_traces_cite_is_a_heading_id_of_the_rendered_page() {
    let html = rendered();
    let ids = heading_ids(&html);
    assert!(ids.contains("race-1a") && ids.contains("pageanonexclusive-and-rcu-gup-fast"), "{ids:?}");
    let mut files = Vec::new();
    race_files(&root().join("traces"), &mut files);
    let mut seen = 0;
    for path in &files {
        for a in anchors(&std::fs::read_to_string(path).unwrap()) {
            assert!(ids.contains(&a), "{}: docs/races.md#{a} is no heading id of docs/races.html ({ids:?})", path.display());
            seen += 1;
        }
    }
    assert!(seen >= 15, "only {seen} anchors cited");
    // What the page links to: each race's section and its catalog citations.
    for sc in &Catalog::builtin().scenarios {
        for url in std::iter::once(racelab_core::scenario::doc_href(&sc.section))
            .flatten()
            .chain(sc.citations.iter().filter_map(|c| c.url()).filter(|u| u.starts_with("docs/")))
        {
            let (page, id) = url.split_once('#').unwrap();
            assert_eq!(page, "docs/races.html", "{}: {url}", sc.id);
            assert!(ids.contains(id), "{}: {url}", sc.id);
        }
    }
}

#[test]
fn the_page_is_whole_html_that_links_the_site_style() {
    let html = rendered();
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"), "{}", &html[..80]);
    assert!(html.contains("<title>The races racelab models · racelab</title>"));
    assert!(html.contains("href=\"../exports.css\""));
    assert!(html.contains("<table>"), "the tables are rendered");
    assert!(html.trim_end().ends_with("</html>"));
    // A Markdown heading's `#` is not left as text.
    assert!(!html.contains("<p>## "));
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_racelab")).args(["doc", "no/such.md"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such.md"), "{out:?}");
}
