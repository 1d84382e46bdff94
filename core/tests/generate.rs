//! The build script's test generator (`build/generate.rs`), run here on the library's parser:
//! a test for every line, names that are identifiers for any name the language allows, and no
//! two tests with one name.

mod syntax {
    pub use racelab_core::syntax::*;
}
#[path = "../build/generate.rs"]
mod generate;

use racelab_core::catalog::builtin_files;
use racelab_core::Catalog;

/// The names of the `fn`s of generated code.
fn names(code: &str) -> Vec<&str> {
    code.lines().filter_map(|l| l.strip_prefix("fn ")).map(|l| l.split('(').next().unwrap()).collect()
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn", "for", "gen", "if",
    "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super",
    "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv",
    "try", "typeof", "unsized", "virtual", "yield", "_",
];

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&s)
}

fn catalog_sources() -> Vec<(String, String)> {
    builtin_files().iter().map(|(n, t)| (n.to_string(), t.to_string())).collect()
}

#[test]
fn every_expect_and_verdict_line_of_the_catalog_has_one_test() {
    let g = generate::generate(&catalog_sources());
    assert!(g.errors.is_empty(), "{:?}", g.errors);
    let catalog = Catalog::builtin();
    let expects: usize = catalog.scenarios.iter().flat_map(|s| &s.traces).map(|t| t.expect.len()).sum();
    let verdicts: usize = catalog.scenarios.iter().map(|s| s.verdicts.len()).sum();
    assert_eq!(names(&g.canonical).len(), expects);
    assert_eq!(names(&g.verdicts).len(), verdicts);
    let v = names(&g.verdicts);
    assert!(v.contains(&"race3_under_merged_6ce64428_on_arm64_breaks_no_lost_write"), "{v:?}");
    assert!(v.contains(&"race3_under_merged_6ce64428_on_sc_is_safe"), "{v:?}");
    let c = names(&g.canonical);
    assert!(c.contains(&"race2_after_return_under_clear_refs_flush_is_safe"), "{c:?}");
    assert!(c.contains(&"race3_copy_read_early_under_merged_6ce64428_on_arm64_breaks_no_lost_write_at_30"), "{c:?}");
}

#[test]
fn names_are_identifiers_for_any_name_the_language_allows() {
    // Keywords, capitals, a lone underscore: all words of the language.
    let src = "racelab 1\nscenario fn {\n  policies Self _\n  verdict Self on sc safe\n  verdict _ on arm64 exists in 4\n}\n\
               trace self {\n  schedule a\n  expect _ on x86_tso exists at 3\n  expect Self safe\n}\n";
    let g = generate::generate(&[("t.race".into(), src.into())]);
    assert!(g.errors.is_empty(), "{:?}", g.errors);
    let all: Vec<&str> = names(&g.verdicts).into_iter().chain(names(&g.canonical)).collect();
    assert_eq!(
        all,
        [
            "fn_under_Self_on_sc_is_safe",
            "fn_under___on_arm64_breaks_exists_in_4",
            "fn_self_under___on_x86_tso_breaks_exists_at_3",
            "fn_self_under_Self_is_safe"
        ]
    );
    assert!(all.iter().all(|n| is_identifier(n)), "{all:?}");
}

#[test]
fn two_lines_that_would_share_a_name_get_distinct_ones() {
    // Scenario `a`, trace `b_c` and scenario `a_b`, trace `c` spell the same words.
    let file = |sc: &str, tr: &str| format!("racelab 1\nscenario {sc} {{\n  policies p\n}}\ntrace {tr} {{\n  expect p safe\n}}\n");
    let g = generate::generate(&[("1.race".into(), file("a", "b_c")), ("2.race".into(), file("a_b", "c"))]);
    assert_eq!(names(&g.canonical), ["a_b_c_under_p_is_safe", "a_b_c_under_p_is_safe_2"]);
    assert!(g.canonical.contains("check(\"a_b\", \"c\", \"p\", \"sc\")"), "{}", g.canonical);
}

#[test]
fn a_file_that_does_not_parse_is_reported_and_gives_no_test() {
    let g = generate::generate(&[("t.race".into(), "racelab 1\nscenario x {\n  verdict p on sc safe\n".into())]);
    assert_eq!(g.errors.len(), 1);
    assert!(g.errors[0].starts_with("t.race:"), "{:?}", g.errors);
    assert!(g.verdicts.is_empty());
}
