//! The gallery's verdict table: the explorer's verdict for every scenario × policy × memory
//! model of a catalog, computed once (at build time, by `racelab verdicts`) so the page can show
//! them without checking them again, and read back strictly.
//!
//! A row is used only for the program it was computed from: each carries a **pin**, a hash of
//! the texts of every file the scenario was loaded from (its own file and the kernel library
//! files it `use`s, as the links' pins of [`catalog::pin_of`] name them), the model's semantics
//! version, the policy and the explorer's options ([`gallery_options`]). [`Table::lookup`]
//! returns a row only when its pin equals the pin of the scenario the caller holds now.
//!
//! The file is JSON Lines: a header line `{"racelab":"verdicts","version":1}`, then one
//! [`Row`] per line (computed by `lab::verdict_row`). Reading it ([`read`]) is strict: a line that is not a row, a second row for
//! one key, an unknown format version are errors naming the line, never a panic.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::catalog::{self, Catalog};
use crate::explore::{Options, VerdictKind};
use crate::layout::MemoryModel;
use crate::limits::{echo, echo_at_most};
use crate::pack;
use crate::scenario::Scenario;
use crate::schedule;

/// The version of the table's format this code writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// The largest table read (the catalog's is about 100 KB).
pub const MAX_TABLE_BYTES: usize = 8 << 20;
/// How many base32 characters a row's pin has (130 bits).
const PIN_CHARS: usize = 26;

/// The explorer's options of the gallery's verdicts, wherever they are computed (the table,
/// the page's workers, the page's main thread): every interleaving, with the reduction, each
/// counterexample shortened, no bound but memory.
pub fn gallery_options() -> Options {
    Options::default()
}

/// The options as the pin hashes them. Every field is named, so a new option cannot be
/// forgotten here.
fn options_text(o: &Options) -> String {
    let Options { strategy, reduction, shortest, stop_when_all_violated, max_states, max_memory, max_depth, time_limit_ms, seed } = o;
    format!(
        "strategy {strategy:?} reduction {reduction} shortest {shortest} stop_when_all_violated {stop_when_all_violated} \
         max_states {max_states} max_memory {max_memory} max_depth {max_depth} time_limit_ms {time_limit_ms:?} seed {seed}"
    )
}

/// The pin of one key: the SHA-256 of `racelab verdicts pin 1`, the files' pin (the links'
/// scheme, [`catalog::pin_of_len`], at full length: files and the model's semantics version),
/// the policy and the options, one a line.
pub fn pin(sc: &Scenario, policy: &str, model: MemoryModel) -> String {
    let files = catalog::pin_of_len(sc.files.iter().map(|f| (f.path.as_str(), f.hash.as_str())), model, model.semantics(), 51);
    let text = format!("racelab verdicts pin 1\nfiles {files}\npolicy {policy}\noptions {}\n", options_text(&gallery_options()));
    pack::base32(&pack::sha256(text.as_bytes()), PIN_CHARS)
}

/// The explorer's verdict for one key, with what the gallery's chip shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    pub scenario: String,
    pub policy: String,
    pub model: MemoryModel,
    /// See [`pin`].
    pub pin: String,
    pub verdict: VerdictKind,
    /// Why the search stopped early, in the core's words, when `unknown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound: Option<String>,
    /// Every invariant a counterexample breaks, the shortest counterexample's first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invariants: Vec<String>,
    /// The shortest counterexample (compact letters, as in links).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
    /// The program's thread count (to read the trace back).
    pub threads: usize,
    pub states: u64,
    pub transitions: u64,
    pub depth: u32,
    /// The permalink fragment of the shortest counterexample, at its last step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

impl Row {
    /// The invariant the shortest counterexample breaks.
    pub fn invariant(&self) -> Option<&str> {
        self.invariants.first().map(String::as_str)
    }
}

/// Every key of `catalog` (scenario by scenario as the catalog lists them, each policy in its
/// order, each model): (scenario, policy, model).
pub fn keys(catalog: &Catalog) -> Vec<(&Scenario, &str, MemoryModel)> {
    let mut out = Vec::new();
    for sc in &catalog.scenarios {
        for p in &sc.policies {
            for &m in &sc.models {
                out.push((sc, p.name.as_str(), m));
            }
        }
    }
    out
}

/// The header line of the format.
#[derive(Serialize, Deserialize)]
struct Header {
    racelab: String,
    version: u32,
}

/// The table of `rows` as text: the header, then one row per line.
pub fn write(rows: &[Row]) -> String {
    let mut out = serde_json::to_string(&Header { racelab: "verdicts".into(), version: FORMAT_VERSION }).unwrap_or_default();
    out.push('\n');
    for r in rows {
        // A row is strings and numbers: it always serializes.
        if let Ok(line) = serde_json::to_string(r) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// A table read back.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    rows: BTreeMap<(String, String, MemoryModel), Row>,
}

impl Table {
    /// The row of a key, if the table has one and its pin is the pin of `sc` (the scenario as
    /// the caller holds it now) under `policy` and `model`; else None, and the caller computes it.
    pub fn lookup(&self, sc: &Scenario, policy: &str, model: MemoryModel) -> Option<&Row> {
        let row = self.rows.get(&(sc.id.clone(), policy.to_string(), model))?;
        (row.pin == pin(sc, policy, model)).then_some(row)
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Every row, by key.
    pub fn rows(&self) -> impl Iterator<Item = &Row> {
        self.rows.values()
    }
}

/// Why a table cannot be read: the line (1-based; 0 for the whole text) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            0 => write!(f, "verdict table: {}", self.message),
            n => write!(f, "verdict table, line {n}: {}", self.message),
        }
    }
}

impl std::error::Error for TableError {}

/// The most characters of serde_json's message a table error quotes (it may quote the table).
const MESSAGE_CHARS: usize = 100;

/// serde_json's message without its ` at line L column C` (a line is one JSON value here: the
/// column is given apart), cut to [`MESSAGE_CHARS`], its control characters escaped.
fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let text = match text.rfind(" at line ") {
        Some(i) => &text[..i],
        None => &text,
    };
    let out = echo_at_most(text, MESSAGE_CHARS);
    format!("{out} (column {})", e.column())
}

/// Reads a table written by [`write`]. Blank lines are not allowed but a final newline is.
pub fn read(text: &str) -> Result<Table, TableError> {
    let err = |line: usize, message: String| TableError { line, message };
    if text.len() > MAX_TABLE_BYTES {
        return Err(err(0, format!("{} bytes, more than the {MAX_TABLE_BYTES} a table may have", text.len())));
    }
    let body = text.strip_suffix('\n').unwrap_or(text);
    let mut lines = body.split('\n').enumerate().map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)));
    let (n, first) = lines.next().unwrap_or((1, ""));
    if first.trim().is_empty() {
        return Err(err(n, "empty: expected the header `{\"racelab\":\"verdicts\",\"version\":1}`".into()));
    }
    let value: serde_json::Value =
        serde_json::from_str(first).map_err(|e| err(n, format!("the header is not JSON: {}", json_message(&e))))?;
    if value.get("racelab").and_then(|v| v.as_str()) != Some("verdicts") {
        return Err(err(n, "not a verdict table: the header has no `\"racelab\":\"verdicts\"`".into()));
    }
    match value.get("version").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(FORMAT_VERSION) => {}
        Some(v) => return Err(err(n, format!("format version {v} is unknown (this reads version {FORMAT_VERSION})"))),
        None => return Err(err(n, "the header has no format version (`\"version\":1`)".into())),
    }
    let header: Header = serde_json::from_value(value).map_err(|e| err(n, format!("the header: {}", echo(&e.to_string()))))?;
    debug_assert_eq!(header.version, FORMAT_VERSION);
    let mut table = Table::default();
    for (n, line) in lines {
        if line.trim().is_empty() {
            return Err(err(n, "an empty line: expected a row".into()));
        }
        let row: Row = serde_json::from_str(line).map_err(|e| err(n, format!("not a row: {}", json_message(&e))))?;
        check_row(&row).map_err(|m| err(n, m))?;
        let key = (row.scenario.clone(), row.policy.clone(), row.model);
        if table.rows.contains_key(&key) {
            return Err(err(n, format!("a second row for {} under {} on {}", echo(&row.scenario), echo(&row.policy), row.model.name())));
        }
        table.rows.insert(key, row);
    }
    Ok(table)
}

/// What a row must say to be shown: a violated verdict names its invariant and its trace, and
/// the trace reads back for the row's threads; a safe one names none.
fn check_row(r: &Row) -> Result<(), String> {
    if r.pin.len() != PIN_CHARS || !pack::is_base32(&r.pin) {
        return Err(format!("the pin `{}` is not {PIN_CHARS} base32 characters", echo(&r.pin)));
    }
    match r.verdict {
        VerdictKind::Violated if r.invariants.is_empty() || r.trace.is_none() => {
            Err("a violated verdict without the invariant it breaks and its trace".into())
        }
        VerdictKind::Safe if !r.invariants.is_empty() || r.trace.is_some() => Err("a safe verdict with a counterexample".into()),
        _ => match &r.trace {
            Some(t) => schedule::decode(t, r.threads).map(|_| ()).map_err(|e| format!("the trace `{}`: {e}", echo(t))),
            None => Ok(()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> Row {
        Row {
            scenario: "a".into(),
            policy: "p".into(),
            model: MemoryModel::Sc,
            pin: "a".repeat(PIN_CHARS),
            verdict: VerdictKind::Violated,
            bound: None,
            invariants: vec!["no_lost_write".into()],
            trace: Some("a2b".into()),
            threads: 2,
            states: 10,
            transitions: 12,
            depth: 3,
            link: Some("v=2&s=a".into()),
        }
    }

    #[test]
    fn a_written_table_reads_back_row_for_row() {
        let mut safe = row();
        safe.policy = "q".into();
        safe.verdict = VerdictKind::Safe;
        safe.invariants.clear();
        safe.trace = None;
        safe.link = None;
        let text = write(&[row(), safe.clone()]);
        assert!(text.starts_with("{\"racelab\":\"verdicts\",\"version\":1}\n"), "{text}");
        let t = read(&text).unwrap();
        assert_eq!(t.rows().cloned().collect::<Vec<_>>(), vec![row(), safe]);
    }

    #[test]
    fn every_option_changes_the_options_text() {
        let base = options_text(&Options::default());
        for o in [
            Options { strategy: crate::explore::Strategy::Random { runs: 1, max_steps: 1 }, ..Options::default() },
            Options { reduction: false, ..Options::default() },
            Options { shortest: false, ..Options::default() },
            Options { stop_when_all_violated: false, ..Options::default() },
            Options { max_states: 5, ..Options::default() },
            Options { max_memory: 5, ..Options::default() },
            Options { max_depth: 5, ..Options::default() },
            Options { time_limit_ms: Some(1.0), ..Options::default() },
            Options { seed: 2, ..Options::default() },
        ] {
            assert_ne!(options_text(&o), base, "{o:?}");
        }
    }

    #[test]
    fn a_row_that_contradicts_itself_is_an_error_at_its_line() {
        let bad = |f: &dyn Fn(&mut Row)| {
            let mut r = row();
            f(&mut r);
            read(&write(&[row_with_policy("x"), r])).unwrap_err()
        };
        let e = bad(&|r| r.invariants.clear());
        assert_eq!((e.line, e.message.as_str()), (3, "a violated verdict without the invariant it breaks and its trace"));
        let e = bad(&|r| r.verdict = VerdictKind::Safe);
        assert_eq!(e.message, "a safe verdict with a counterexample");
        let e = bad(&|r| r.trace = Some("a9z".into()));
        assert_eq!(e.line, 3);
        assert!(e.message.starts_with("the trace `a9z`: "), "{e}");
        let e = bad(&|r| r.pin = "short".into());
        assert_eq!(e.to_string(), "verdict table, line 3: the pin `short` is not 26 base32 characters");
        let e = bad(&|r| r.policy = "x".into());
        assert_eq!(e.to_string(), "verdict table, line 3: a second row for a under x on sc");
    }

    fn row_with_policy(p: &str) -> Row {
        Row { policy: p.into(), ..row() }
    }
}
