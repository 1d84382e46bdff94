//! The tests the build script writes: one per `expect` line of a trace (for
//! `tests/canonical.rs`) and one per `verdict` line of a scenario (for `tests/verdicts.rs`),
//! read with the crate's own parser (`crate::syntax`: the build script compiles `src/syntax`
//! as a module of its own, `tests/generate.rs` uses the library's).
//!
//! Each test is named by the line it checks, in the words of the line
//! (`race1a_lost_write_under_v5_10_breaks_no_lost_write_at_25`,
//! `race1a_under_v5_10_on_sc_breaks_no_lost_write_in_25`), and only says what to look up: the
//! test loads the catalog and reads the line's claim from the loader, which also rejects what
//! is wrong in it. A line too malformed to name is left to the loader, whose error fails the
//! catalog's own test.

use std::collections::BTreeSet;

use crate::syntax::{self, Arg, AttrLine, Item, SourceFile};

#[derive(Default)]
pub struct Generated {
    /// `#[test]` functions that call `check(scenario, trace, policy, model)`.
    pub canonical: String,
    /// `#[test]` functions that call `check(scenario, policy, model)`.
    pub verdicts: String,
    /// The files that do not parse, with the parser's message.
    pub errors: Vec<String>,
    names: BTreeSet<String>,
}

/// The tests of `files` (name, text), in the order given.
pub fn generate(files: &[(String, String)]) -> Generated {
    let mut out = Generated::default();
    for (name, text) in files {
        match syntax::parse(name, text) {
            Ok(file) => out.file(&file),
            Err(e) => out.errors.push(e.to_string()),
        }
    }
    out
}

impl Generated {
    fn file(&mut self, file: &SourceFile) {
        let blocks = || file.items.iter().filter_map(|i| if let Item::Block(b) = i { Some(b) } else { None });
        let Some(scenario) = blocks().find(|b| b.kind.name == "scenario") else { return };
        let Some(sc) = word(scenario.head.first()) else { return };
        for line in scenario.lines.iter().filter(|l| l.key.name == "verdict") {
            let Some((policy, model, claim)) = verdict_line(line) else { continue };
            let name = self.unique(format!("{sc}_under_{policy}_on_{model}_{claim}"));
            self.verdicts.push_str(&test(&name, &[sc, policy, model]));
        }
        for trace in blocks().filter(|b| b.kind.name == "trace") {
            let Some(tr) = word(trace.head.first()) else { continue };
            for line in trace.lines.iter().filter(|l| l.key.name == "expect") {
                let Some((policy, model, claim)) = expect_line(line) else { continue };
                let on = model.map(|m| format!("_on_{m}")).unwrap_or_default();
                let name = self.unique(format!("{sc}_{tr}_under_{policy}{on}_{claim}"));
                self.canonical.push_str(&test(&name, &[sc, tr, policy, model.unwrap_or("sc")]));
            }
        }
    }

    /// `name`, or `name_2`, `name_3`… if an earlier line took it. Names are words of the
    /// language (ASCII letters, digits and `_`, not starting with a digit) joined by `_under_`
    /// and such, so each is a valid identifier and none a keyword.
    fn unique(&mut self, name: String) -> String {
        let mut n = 1;
        let mut candidate = name.clone();
        while !self.names.insert(candidate.clone()) {
            n += 1;
            candidate = format!("{name}_{n}");
        }
        candidate
    }
}

fn test(name: &str, args: &[&str]) -> String {
    let args: Vec<String> = args.iter().map(|a| format!("{a:?}")).collect();
    format!("#[test]\n#[allow(non_snake_case)]\nfn {name}() {{\n    check({});\n}}\n\n", args.join(", "))
}

fn word(arg: Option<&Arg>) -> Option<&str> {
    match arg {
        Some(Arg::Word(w)) => Some(&w.name),
        _ => None,
    }
}

/// A number after `word` (`at 25`, `in 25`) at `args[0..2]`, as a name's suffix `_word_25`.
fn number_after(word_: &str, args: &[Arg]) -> Option<String> {
    match (word(args.first()), args.get(1)) {
        (Some(w), Some(Arg::Int(n, _))) if w == word_ && *n >= 0 => Some(format!("_{word_}_{n}")),
        _ => None,
    }
}

/// `is_safe`, or `breaks_INVARIANT` and the suffix (the step or length that follows), if any.
fn claim(outcome: &str, suffix: Option<String>) -> String {
    match outcome {
        "safe" => "is_safe".to_string(),
        inv => format!("breaks_{inv}{}", suffix.unwrap_or_default()),
    }
}

/// `verdict POLICY on MODEL safe|INVARIANT [in STEPS] …`: the policy, the model and the claim.
fn verdict_line(line: &AttrLine) -> Option<(&str, &str, String)> {
    let a = &line.args;
    let (policy, on, model, outcome) = (word(a.first())?, word(a.get(1))?, word(a.get(2))?, word(a.get(3))?);
    if on != "on" {
        return None;
    }
    Some((policy, model, claim(outcome, number_after("in", &a[4..]))))
}

/// `expect POLICY [on MODEL] safe | INVARIANT at STEP …`: the policy, the model if written, and
/// the claim.
fn expect_line(line: &AttrLine) -> Option<(&str, Option<&str>, String)> {
    let a = &line.args;
    let policy = word(a.first())?;
    let (model, rest) = match word(a.get(1)) {
        Some("on") => (Some(word(a.get(2))?), &a[3..]),
        _ => (None, &a[1..]),
    };
    let outcome = word(rest.first())?;
    Some((policy, model, claim(outcome, number_after("at", &rest[1..]))))
}
