//! The shape of the code, checked (in the style of rust-analyzer's tidy tests).
//!
//! * The core's modules form layers, and a module refers only to modules of its own layer or
//!   below ([`LAYERS`], the same order ARCHITECTURE.md states). Every module must be placed.
//! * No cycle among the modules of the core, nor among those of the web app.
//! * A front end (the web app, the CLI) imports `racelab_core::lab` and nothing else of the core.
//!
//! A module's references are read from its source: `use` trees (grouped ones too), `crate::…`,
//! `super::…` and `self::…` paths, and paths through the child modules it declares. Comments and
//! string literals are skipped, and so is an inline `mod tests { … }`: a unit test may build its
//! fixture with the loader and compiler above its module (a scenario from text), which the
//! library itself never does.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;

/// The core's layers, bottom up, and the modules of each.
const LAYERS: &[(&str, &[&str])] = &[
    ("base", &["limits", "rng", "pack", "patch"]),
    ("syntax", &["syntax", "syntax::ast", "syntax::lexer", "syntax::parser", "syntax::suggest"]),
    ("types", &["state", "layout", "step", "schedule", "ir"]),
    ("machine", &["exec", "invariants", "relaxed", "relaxed::entries", "relaxed::tso", "relaxed::arm64"]),
    (
        "language",
        &["scenario", "applies", "fixture", "primitives", "compile", "clash", "litmus", "litmus::emit", "litmus::parse", "litmus::scan"],
    ),
    ("runs", &["describe", "replay"]),
    (
        "explore",
        &[
            "explore",
            "explore::bfs",
            "explore::encode",
            "explore::graph",
            "explore::por",
            "explore::report",
            "explore::sample",
            "explore::shorten",
            "explore::table",
        ],
    ),
    (
        "lab",
        &[
            "catalog",
            "archive",
            "bundle",
            "permalink",
            "library",
            "view",
            "export",
            "export::diagram",
            "export::graph",
            "export::mail",
            "export::perfetto",
            "export::svg",
            "verdicts",
            "lab",
        ],
    ),
];

/// What a front end may import from the core.
const FRONT_END_DOOR: &str = "lab";

// ---------------------------------------------------------------------------------------------
// Reading sources

/// Source text with comments and the contents of string and char literals blanked out (so
/// that `"crate::x"` in a message or a doc comment is not a reference). Lengths are kept.
fn strip(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                out.push(b' ');
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    out.extend_from_slice(b"  ");
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    out.extend_from_slice(b"  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(if b[i] == b'\n' { b'\n' } else { b' ' });
                    i += 1;
                }
            }
        } else if c == b'r' && (b.get(i + 1) == Some(&b'"') || b.get(i + 1) == Some(&b'#')) && !ident_byte(b, i.wrapping_sub(1)) {
            // A raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&b'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let close: Vec<u8> = std::iter::once(b'"').chain(std::iter::repeat_n(b'#', hashes)).collect();
            let end = find(b, j + 1, &close).map(|e| e + close.len()).unwrap_or(b.len());
            out.extend(b[i..end].iter().map(|&x| if x == b'\n' { b'\n' } else { b' ' }));
            i = end;
        } else if c == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(b.len());
            out.extend(b[i..end].iter().map(|&x| if x == b'\n' { b'\n' } else { b' ' }));
            i = end;
        } else if c == b'\'' {
            // A char literal ('a', '\n', '\u{1F600}'), or else a lifetime.
            let end = if b.get(i + 1) == Some(&b'\\') {
                find(b, i + 2, b"'").map(|e| e + 1)
            } else {
                let ch_len = src[i + 1..].chars().next().map(char::len_utf8).unwrap_or(1);
                (b.get(i + 1 + ch_len) == Some(&b'\'')).then_some(i + 2 + ch_len)
            };
            match end {
                Some(end) => {
                    out.extend(std::iter::repeat_n(b' ', end - i));
                    i = end;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn ident_byte(b: &[u8], i: usize) -> bool {
    b.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

fn find(b: &[u8], from: usize, pat: &[u8]) -> Option<usize> {
    (from..b.len().saturating_sub(pat.len() - 1)).find(|&k| &b[k..k + pat.len()] == pat)
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Sep,
    Open,
    Close,
    Comma,
    Star,
    Other,
}

fn tokens(src: &str) -> Vec<Tok> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_alphabetic() || c == b'_' {
            let s = i;
            while ident_byte(b, i) {
                i += 1;
            }
            out.push(Tok::Ident(src[s..i].to_string()));
            continue;
        }
        if c.is_ascii_digit() {
            while ident_byte(b, i) {
                i += 1;
            }
            out.push(Tok::Other);
            continue;
        }
        match c {
            b':' if b.get(i + 1) == Some(&b':') => {
                out.push(Tok::Sep);
                i += 2;
                continue;
            }
            b'{' => out.push(Tok::Open),
            b'}' => out.push(Tok::Close),
            b',' => out.push(Tok::Comma),
            b'*' => out.push(Tok::Star),
            b' ' | b'\n' | b'\t' | b'\r' => {}
            _ => out.push(Tok::Other),
        }
        i += 1;
    }
    out
}

/// Expands a use tree starting at `toks[*i]` into full paths, each prefixed with `prefix`.
fn use_tree(toks: &[Tok], i: &mut usize, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let mut path = prefix.to_vec();
    loop {
        match toks.get(*i) {
            Some(Tok::Ident(s)) if s == "self" && !prefix.is_empty() && path.len() == prefix.len() => {
                // `a::{self, b}`: the prefix itself.
                *i += 1;
                out.push(path.clone());
                return;
            }
            Some(Tok::Ident(s)) => {
                path.push(s.clone());
                *i += 1;
            }
            Some(Tok::Star) => {
                *i += 1;
                out.push(path);
                return;
            }
            Some(Tok::Open) => {
                *i += 1;
                loop {
                    match toks.get(*i) {
                        Some(Tok::Close) => {
                            *i += 1;
                            return;
                        }
                        Some(Tok::Comma) => *i += 1,
                        None => return,
                        _ => use_tree(toks, i, &path, out),
                    }
                }
            }
            _ => {
                out.push(path);
                return;
            }
        }
        match toks.get(*i) {
            Some(Tok::Sep) => *i += 1,
            Some(Tok::Ident(s)) if s == "as" => {
                *i += 2;
                out.push(path);
                return;
            }
            _ => {
                out.push(path);
                return;
            }
        }
    }
}

/// Every path a source refers to: the paths of its `use` trees, and every other `a::b::c`
/// path in the code; each with the number of inline modules (`mod tests { … }`) it sits in.
fn paths(src: &str) -> Vec<(Vec<String>, usize)> {
    let toks = tokens(&strip(src));
    let mut out = Vec::new();
    // Brace depths at which an inline module's body opened, and whether it is `mod tests`.
    let mut inline: Vec<(usize, bool)> = Vec::new();
    let mut depth = 0;
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Tok::Open => depth += 1,
            Tok::Close => {
                depth -= 1;
                if inline.last().map(|(d, _)| *d) == Some(depth) {
                    inline.pop();
                }
            }
            Tok::Ident(m) if m == "mod" && matches!(toks.get(i + 1), Some(Tok::Ident(_))) && toks.get(i + 2) == Some(&Tok::Open) => {
                inline.push((depth, toks[i + 1] == Tok::Ident("tests".into())));
            }
            _ => {}
        }
        if toks[i] == Tok::Ident("use".into()) {
            i += 1;
            let mut found = Vec::new();
            use_tree(&toks, &mut i, &[], &mut found);
            if !in_tests(&inline) {
                out.extend(found.into_iter().map(|p| (p, inline.len())));
            }
            continue;
        }
        if let Tok::Ident(first) = &toks[i] {
            if toks.get(i + 1) == Some(&Tok::Sep) && (i == 0 || toks[i - 1] != Tok::Sep) {
                let mut path = vec![first.clone()];
                let mut j = i + 1;
                while toks.get(j) == Some(&Tok::Sep) {
                    match toks.get(j + 1) {
                        Some(Tok::Ident(s)) => path.push(s.clone()),
                        _ => break,
                    }
                    j += 2;
                }
                if !in_tests(&inline) {
                    out.push((path, inline.len()));
                }
                i = j;
                continue;
            }
        }
        i += 1;
    }
    out
}

fn in_tests(inline: &[(usize, bool)]) -> bool {
    inline.iter().any(|(_, tests)| *tests)
}

// ---------------------------------------------------------------------------------------------
// A crate's module graph

/// One crate, as its module files: module path (`explore::por`; `` for the root) -> source.
struct Crate {
    name: &'static str,
    files: BTreeMap<String, String>,
    /// The root only declares modules and re-exports (the core's lib.rs): it is left out of
    /// the cycle search, and a reference to it is an error of its own.
    root_is_facade: bool,
}

/// The module path of a file, from its path under the crate's `src/` (or the directory of its
/// root file): `lib.rs`/`main.rs` is the root, `x/mod.rs` and `x.rs` are `x`.
fn module_of(rel: &Path) -> String {
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if !(stem == "mod" || (parts.is_empty() && (stem == "lib" || stem == "main"))) {
        parts.push(stem.to_string());
    }
    parts.join("::")
}

fn join(base: &str, name: &str) -> String {
    if base.is_empty() {
        name.to_string()
    } else {
        format!("{base}::{name}")
    }
}

fn parent(m: &str) -> String {
    m.rsplit_once("::").map(|(p, _)| p.to_string()).unwrap_or_default()
}

/// A reference from one module to another (or to the root, ``), and the path it was read from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Edge {
    from: String,
    to: String,
    path: String,
}

impl Crate {
    /// The module a path names, or None for a path outside the crate (`std::…`, a local
    /// variable's `x::y`, an enum variant of another crate).
    fn resolve(&self, from: &str, path: &[String], inline: usize) -> Option<String> {
        let first = path.first()?;
        let (mut at, rest) = match first.as_str() {
            "crate" => (String::new(), &path[1..]),
            "super" => {
                // Inside `mod tests { … }`, the first `super` is the file's own module.
                let supers = path.iter().take_while(|s| *s == "super").count();
                let mut at = from.to_string();
                for _ in inline.min(supers)..supers {
                    at = parent(&at);
                }
                (at, &path[supers..])
            }
            "self" if inline > 0 => return None,
            "self" => (from.to_string(), &path[1..]),
            name if self.files.contains_key(&join(from, name)) => (join(from, name), &path[1..]),
            _ => return None,
        };
        for seg in rest {
            let next = join(&at, seg);
            if self.files.contains_key(&next) {
                at = next;
            } else {
                break;
            }
        }
        Some(at)
    }

    fn edges(&self) -> Vec<Edge> {
        let mut out = BTreeSet::new();
        for (m, src) in &self.files {
            for (p, inline) in paths(src) {
                if let Some(to) = self.resolve(m, &p, inline) {
                    if &to != m {
                        out.insert(Edge { from: m.clone(), to, path: p.join("::") });
                    }
                }
            }
        }
        out.into_iter().collect()
    }

    /// The cycles among the modules, each as the sorted list of its modules, with a reference
    /// that shows it.
    fn cycles(&self) -> Vec<(Vec<String>, Vec<Edge>)> {
        let mut g = DiGraph::<String, ()>::new();
        let mut idx = BTreeMap::new();
        for m in self.files.keys() {
            idx.insert(m.clone(), g.add_node(m.clone()));
        }
        let edges = self.edges();
        for e in &edges {
            if !(self.root_is_facade && (e.from.is_empty() || e.to.is_empty())) {
                g.update_edge(idx[&e.from], idx[&e.to], ());
            }
        }
        let mut out = Vec::new();
        for scc in tarjan_scc(&g) {
            if scc.len() > 1 {
                let mut ms: Vec<String> = scc.iter().map(|n| g[*n].clone()).collect();
                ms.sort();
                let inside: Vec<Edge> = edges.iter().filter(|e| ms.contains(&e.from) && ms.contains(&e.to)).cloned().collect();
                out.push((ms, inside));
            }
        }
        out.sort();
        out
    }
}

fn show(m: &str) -> &str {
    if m.is_empty() {
        "the crate root"
    } else {
        m
    }
}

// ---------------------------------------------------------------------------------------------
// The checks

fn layer_of(m: &str) -> Option<(usize, &'static str)> {
    LAYERS.iter().enumerate().find(|(_, (_, ms))| ms.contains(&m)).map(|(i, (name, _))| (i, *name))
}

/// Upward references, references to the root's re-exports, and unplaced modules of the core.
fn check_layers(core: &Crate) -> Vec<String> {
    let mut errs = Vec::new();
    for m in core.files.keys().filter(|m| !m.is_empty()) {
        if layer_of(m).is_none() {
            errs.push(format!("core module `{m}` is in no layer: place it in LAYERS (core/tests/tidy.rs) and ARCHITECTURE.md"));
        }
    }
    for e in core.edges() {
        if e.from.is_empty() {
            continue;
        }
        if e.to.is_empty() {
            errs.push(format!("core module `{}` refers to the crate root (`{}`): name the module that defines it", e.from, e.path));
            continue;
        }
        if let (Some((lf, nf)), Some((lt, nt))) = (layer_of(&e.from), layer_of(&e.to)) {
            if lt > lf {
                errs.push(format!("upward reference: `{}` (layer {nf}) uses `{}` (layer {nt}) through `{}`", e.from, e.to, e.path));
            }
        }
    }
    errs
}

fn cycle_errors(c: &Crate) -> Vec<String> {
    let mut errs = Vec::new();
    for (ms, edges) in &c.cycles() {
        let how: Vec<String> = edges.iter().map(|e| format!("  {} -> {} (`{}`)", show(&e.from), show(&e.to), e.path)).collect();
        errs.push(format!("cycle in {} among {}:\n{}", c.name, ms.iter().map(|m| show(m)).collect::<Vec<_>>().join(", "), how.join("\n")));
    }
    errs
}

/// A front end's references to the core other than through its door.
fn front_end_errors(c: &Crate) -> Vec<String> {
    let mut errs = BTreeSet::new();
    for (m, src) in &c.files {
        for (p, _) in paths(src) {
            if p.first().map(String::as_str) == Some("racelab_core") && p.get(1).map(String::as_str) != Some(FRONT_END_DOOR) {
                errs.insert(format!(
                    "{} module `{}` imports `{}`: a front end imports racelab_core::{FRONT_END_DOOR} only",
                    c.name,
                    show(m),
                    p.join("::")
                ));
            }
        }
    }
    errs.into_iter().collect()
}

fn read_crate(name: &'static str, dir: &Path, skip: &[&str], root_is_facade: bool) -> Crate {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for entry in rd.flatten() {
            let p: PathBuf = entry.path();
            let rel = p.strip_prefix(dir).unwrap();
            if skip.iter().any(|s| rel.starts_with(s)) {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                files.insert(module_of(rel), std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    Crate { name, files, root_is_facade }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn fail_on(errs: Vec<String>) {
    assert!(errs.is_empty(), "\n{}\n", errs.join("\n"));
}

#[test]
fn core_modules_refer_only_down_the_layers() {
    let core = read_crate("core/src", &root().join("core/src"), &[], true);
    assert!(core.files.len() > 10, "read only {} files of core/src", core.files.len());
    fail_on(check_layers(&core));
}

#[test]
fn core_has_no_module_cycle() {
    let core = read_crate("core/src", &root().join("core/src"), &[], true);
    fail_on(cycle_errors(&core));
}

#[test]
fn web_has_no_module_cycle() {
    let web = read_crate("web/src", &root().join("web/src"), &[], false);
    assert!(web.files.len() > 5, "read only {} files of web/src", web.files.len());
    fail_on(cycle_errors(&web));
}

#[test]
fn front_ends_import_only_the_lab() {
    let mut errs = front_end_errors(&read_crate("web/src", &root().join("web/src"), &[], false));
    let cli = read_crate("cli/src", &root().join("cli/src"), &[], false);
    assert!(cli.files.len() > 3, "read only {} files of cli/src", cli.files.len());
    errs.extend(front_end_errors(&cli));
    fail_on(errs);
}

#[test]
fn architecture_md_states_the_layers_of_the_table() {
    let doc = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let mut missing = Vec::new();
    for (layer, ms) in LAYERS {
        let line = format!("| {layer} |");
        let Some(row) = doc.lines().find(|l| l.starts_with(&line)) else {
            missing.push(format!("no row `{line} …` in ARCHITECTURE.md's layer table"));
            continue;
        };
        for m in *ms {
            if !row.contains(&format!("`{}`", m)) {
                missing.push(format!("ARCHITECTURE.md's row for layer {layer} does not name `{m}`"));
            }
        }
    }
    fail_on(missing);
}

// ---------------------------------------------------------------------------------------------
// Tests of the checker itself

fn synthetic(name: &'static str, files: &[(&str, &str)]) -> Crate {
    Crate { name, files: files.iter().map(|(p, s)| (module_of(Path::new(p)), s.to_string())).collect(), root_is_facade: name == "core" }
}

#[test]
fn checker_reports_an_upward_import() {
    let c = synthetic("core", &[("lib.rs", "pub mod state; pub mod exec;"), ("state.rs", "use crate::exec::apply;\n"), ("exec.rs", "")]);
    let errs = check_layers(&c);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("upward reference: `state` (layer types) uses `exec` (layer machine)"), "{errs:?}");
}

#[test]
fn checker_reads_grouped_use_trees_and_inline_paths() {
    let c = synthetic(
        "core",
        &[
            ("lib.rs", ""),
            ("state.rs", "use crate::{layout::Layout, step::{self, Choice}};\nfn f() { crate::replay::replay(); }\n"),
            ("layout.rs", ""),
            ("step.rs", ""),
            ("replay.rs", ""),
        ],
    );
    let to: BTreeSet<String> = c.edges().into_iter().map(|e| e.to).collect();
    assert_eq!(to.into_iter().collect::<Vec<_>>(), ["layout", "replay", "step"]);
    let errs = check_layers(&c);
    assert!(errs.iter().any(|e| e.contains("uses `replay`")), "{errs:?}");
}

#[test]
fn checker_ignores_paths_in_comments_and_strings() {
    let c = synthetic(
        "core",
        &[
            ("lib.rs", ""),
            (
                "state.rs",
                "//! See [`crate::lab`].\n/* crate::view */ fn f() -> &'static str { \"crate::replay::x\" }\nconst C: char = '\"';\n",
            ),
            ("lab.rs", ""),
            ("view.rs", ""),
            ("replay.rs", ""),
        ],
    );
    assert!(c.edges().is_empty(), "{:?}", c.edges());
}

#[test]
fn checker_reports_a_cycle_through_super() {
    let c = synthetic(
        "core",
        &[
            ("lib.rs", "pub mod explore;"),
            ("explore/mod.rs", "mod sample;\npub struct Options;\nfn f() { sample::run(); }\n"),
            ("explore/sample.rs", "use super::Options;\npub fn run() {}\n"),
        ],
    );
    let errs = cycle_errors(&c);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("cycle in core among explore, explore::sample"), "{errs:?}");
    assert!(errs[0].contains("explore::sample -> explore (`super::Options`)"), "{errs:?}");
}

#[test]
fn checker_reports_a_front_end_import_past_the_lab() {
    let c = synthetic(
        "web",
        &[
            ("main.rs", "use racelab_core::lab::{self, Catalog};\n"),
            ("player.rs", "use racelab_core::{lab, replay::Run};\nfn f() { racelab_core::exec::apply(); }\n"),
        ],
    );
    let errs = front_end_errors(&c);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs[0].contains("module `player` imports `racelab_core::exec::apply`"), "{errs:?}");
    assert!(errs[1].contains("module `player` imports `racelab_core::replay::Run`"), "{errs:?}");
}

#[test]
fn checker_reports_an_unplaced_module_and_a_root_reexport() {
    let c = synthetic("core", &[("lib.rs", "pub use state::State;"), ("state.rs", ""), ("gadget.rs", "use crate::State;")]);
    let errs = check_layers(&c);
    assert!(errs.iter().any(|e| e.contains("core module `gadget` is in no layer")), "{errs:?}");
    assert!(errs.iter().any(|e| e.contains("`gadget` refers to the crate root (`crate::State`)")), "{errs:?}");
}

#[test]
fn checker_reads_super_in_an_inline_module_as_the_file_itself() {
    let c = synthetic(
        "core",
        &[("lib.rs", ""), ("schedule.rs", "fn f() {}\nmod inner {\n    use super::*;\n    use crate::lab::x;\n}\n"), ("lab.rs", "")],
    );
    let edges = c.edges();
    assert_eq!(edges.len(), 1, "{edges:?}");
    assert_eq!((edges[0].from.as_str(), edges[0].to.as_str()), ("schedule", "lab"));
}

#[test]
fn checker_leaves_out_a_unit_test_module_but_not_the_code_after_it() {
    let c = synthetic(
        "core",
        &[
            ("lib.rs", ""),
            ("exec.rs", "#[cfg(test)]\nmod tests {\n    use crate::compile::x;\n    fn f() { crate::scenario::load(); }\n}\nfn g() { crate::lab::y(); }\n"),
            ("compile.rs", ""),
            ("scenario.rs", ""),
            ("lab.rs", ""),
        ],
    );
    let to: Vec<String> = c.edges().into_iter().map(|e| e.to).collect();
    assert_eq!(to, ["lab"]);
}
