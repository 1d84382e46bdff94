//! C litmus tests in, racelab scenarios out. The format is herd's, as the kernel's
//! `tools/memory-model/litmus-tests/` write it: `C name`, header comments, `{ init }`, one
//! `P0(int *x, …) { … }` per thread, optional `locations [...]` and `filter (…)`, and `exists`,
//! `~exists` or `forall` with a herd proposition.
//!
//! [`to_scenario`] writes the scenario source: `models sc x86_tso arm64`, a `var` per shared
//! location and a `lock` per `spinlock_t`, one thread per `Pn` on CPU n, and the final condition
//! as racelab's `exists` (`1:r0=1 /\ x=2` → `P1.r0 == 1 && x == 2`). What racelab cannot express
//! (RCU, plain C accesses, pointers, loops) is an error that names it and where it is.
//!
//! A test's header comment may also state what the validation suite expects of it (see
//! [`Expectations`]).

mod emit;
mod parse;
mod scan;

pub use parse::{
    parse, Binary, CondLoc, CondValue, Expr, LocKind, Location, Name, Param, Prop, Quantifier, RegInit, Stmt, Test, Thread, Unary,
};

use crate::layout::MemoryModel;
use crate::syntax::{Diagnostic, Pos};

/// What herd (or the kernel's `Result:` line) says of a test's condition, in the words of
/// herd's kinds files: for `exists P` and `~exists P`, `allow` = some final state satisfies P,
/// `forbid` = none does; for `forall P`, `require` = every final state does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    Allow,
    Forbid,
    Require,
}

impl Expected {
    pub fn word(self) -> &'static str {
        match self {
            Expected::Allow => "allow",
            Expected::Forbid => "forbid",
            Expected::Require => "require",
        }
    }
    fn parse(w: &str) -> Option<Expected> {
        match w {
            "allow" => Some(Expected::Allow),
            "forbid" => Some(Expected::Forbid),
            "require" => Some(Expected::Require),
            _ => None,
        }
    }
}

/// Whose answer an expectation is: one of racelab's memory models, or LKMM (the kernel's
/// portable model, which racelab does not implement; recorded for comparison).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Model(MemoryModel),
    Lkmm,
}

impl Target {
    pub fn word(self) -> &'static str {
        match self {
            Target::Model(MemoryModel::Sc) => "sc",
            Target::Model(MemoryModel::X86Tso) => "x86_tso",
            Target::Model(MemoryModel::Arm64) => "arm64",
            Target::Lkmm => "lkmm",
        }
    }
    fn parse(w: &str) -> Option<Target> {
        match w {
            "lkmm" => Some(Target::Lkmm),
            other => MemoryModel::parse(other).map(Target::Model),
        }
    }
}

/// The validation suite's lines in a test's header comment:
///
/// ```text
///  * racelab: sc forbid, x86_tso allow, arm64 allow, lkmm allow
///  * racelab-limit arm64: acquire loads never go early
///  * racelab-needs: xchg
/// ```
///
/// `racelab:` gives the expected result per model (and LKMM's); `racelab-limit MODEL:` says that
/// racelab's model knowingly disagrees, and why; `racelab-needs:` names a primitive of the test
/// that the scenario language does not have yet.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expectations {
    pub expected: Vec<(Target, Expected)>,
    pub limits: Vec<(MemoryModel, String)>,
    pub needs: Vec<String>,
}

impl Expectations {
    pub fn get(&self, t: Target) -> Option<Expected> {
        self.expected.iter().find(|(k, _)| *k == t).map(|(_, e)| *e)
    }
    pub fn limit(&self, m: MemoryModel) -> Option<&str> {
        self.limits.iter().find(|(k, _)| *k == m).map(|(_, r)| r.as_str())
    }
}

/// The lines of the header comments, each with where it is and without a leading ` * `.
fn header_lines(test: &Test) -> Vec<(Pos, String)> {
    let mut out = Vec::new();
    for (pos, text) in &test.header {
        for (k, l) in text.split('\n').enumerate() {
            let t = l.trim_start();
            let t = t.strip_prefix('*').unwrap_or(t).trim_start();
            // The text starts after the comment's opening (2 characters) on its first line.
            let skipped = (l.chars().count() - t.chars().count()) as u32;
            let col = if k == 0 { pos.col + 2 + skipped } else { 1 + skipped };
            out.push((Pos { line: pos.line + k as u32, col }, t.trim_end().to_string()));
        }
    }
    out
}

/// The word after the first `Result:` of the header comments (`Never`, `Sometimes`, …).
pub fn result(test: &Test) -> Option<String> {
    header_lines(test).into_iter().find_map(|(_, l)| {
        let at = l.find("Result:")?;
        let word: String = l[at + "Result:".len()..].trim_start().chars().take_while(|c| c.is_alphanumeric()).collect();
        (!word.is_empty()).then_some(word)
    })
}

/// Reads the validation suite's lines of the header (none is fine).
pub fn expectations(file: &str, test: &Test) -> Result<Expectations, Diagnostic> {
    let mut ex = Expectations::default();
    for (pos, line) in header_lines(test) {
        if let Some(rest) = line.strip_prefix("racelab:") {
            for item in rest.split(',') {
                let words: Vec<&str> = item.split_whitespace().collect();
                let (Some(t), Some(e)) = (words.first().and_then(|w| Target::parse(w)), words.get(1).and_then(|w| Expected::parse(w)))
                else {
                    return Err(Diagnostic::new(
                        file,
                        pos,
                        format!("`racelab:` expects `MODEL RESULT, …` (models sc, x86_tso, arm64, lkmm; results allow, forbid, require), found `{}`", item.trim()),
                    ));
                };
                if words.len() != 2 || ex.get(t).is_some() {
                    return Err(Diagnostic::new(file, pos, format!("`racelab:` item `{}` is malformed or repeated", item.trim())));
                }
                let valid = match test.quantifier {
                    Quantifier::Forall => e == Expected::Require,
                    _ => e != Expected::Require,
                };
                if !valid {
                    return Err(Diagnostic::new(
                        file,
                        pos,
                        format!(
                            "`{} {}` does not fit a `{}` condition (exists: allow or forbid; forall: require)",
                            t.word(),
                            e.word(),
                            test.quantifier.word()
                        ),
                    ));
                }
                ex.expected.push((t, e));
            }
        } else if let Some(rest) = line.strip_prefix("racelab-limit") {
            let Some((model, reason)) = rest.split_once(':') else {
                return Err(Diagnostic::new(file, pos, "expected `racelab-limit MODEL: reason`"));
            };
            let Some(m) = MemoryModel::parse(model.trim()) else {
                return Err(Diagnostic::new(file, pos, format!("`racelab-limit`: unknown memory model `{}`", model.trim())));
            };
            if reason.trim().is_empty() || ex.limit(m).is_some() {
                return Err(Diagnostic::new(file, pos, "`racelab-limit` needs one reason per model"));
            }
            ex.limits.push((m, reason.trim().to_string()));
        } else if let Some(rest) = line.strip_prefix("racelab-needs:") {
            ex.needs.extend(rest.split(',').map(|w| w.trim().to_string()).filter(|w| !w.is_empty()));
        }
    }
    for (m, _) in &ex.limits {
        if ex.get(Target::Model(*m)).is_none() {
            return Err(Diagnostic::new(file, test.name_pos, format!("a limit on {} with no expectation for it", m.name())));
        }
    }
    Ok(ex)
}

/// The comment the scenario opens with: where it comes from, what the test expects, and how
/// racelab's `exists` reads herd's condition.
fn comments(file: &str, test: &Test, ex: &Expectations) -> Vec<String> {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let mut c = vec![format!("Imported from the C litmus test {} ({base}).", test.name)];
    if let Some(d) = &test.doc {
        c.push(d.clone());
    }
    if let Some(r) = result(test) {
        c.push(format!("The test's header says: Result: {r}."));
    }
    if !ex.expected.is_empty() {
        let items: Vec<String> = ex.expected.iter().map(|(t, e)| format!("{} {}", t.word(), e.word())).collect();
        c.push(format!("Expected: {}.", items.join(", ")));
    }
    for (m, why) in &ex.limits {
        c.push(format!("Known limit of racelab's {} model here: {why}", m.name()));
    }
    c.push(String::new());
    c.push(format!("herd's condition: {}", test.condition_text));
    if test.filter.is_some() {
        c.push("Its filter is folded into `exists`: only the final states that pass the filter count.".to_string());
    }
    if let Some(p) = &test.print {
        c.push(format!("`locations [{p}]` only asks herd to print more; it is dropped."));
    }
    c.push(
        match test.quantifier {
            Quantifier::Exists => "racelab's `exists` is broken when some final state satisfies the condition: the outcome is allowed.",
            Quantifier::NotExists => "The test claims that no final state satisfies it (~exists); racelab's `exists` breaks if one does.",
            Quantifier::Forall => {
                "The test claims that every final state satisfies it (forall); racelab's `exists` looks for one that does not."
            }
        }
        .to_string(),
    );
    c
}

/// Imports a C litmus test: the racelab scenario source, or an error at the place in the test
/// that racelab cannot express.
pub fn to_scenario(file: &str, text: &str) -> Result<String, Diagnostic> {
    let test = parse(file, text)?;
    let ex = expectations(file, &test)?;
    emit::scenario(file, &test, &comments(file, &test, &ex))
}

/// The scenario id [`to_scenario`] gives a test called `name`.
pub fn scenario_id(name: &str) -> String {
    emit::scenario_id(name)
}
