//! Bad input gets a message that says what is wrong and where. Each case is a file of
//! `tests/errors/`, and its expected message is the `.txt` file beside it:
//!
//! - `NAME.race`: a scenario source, loaded as `t.race` (so a message reads the same whatever
//!   the case is called) next to the library of `traces/`, then compiled under its baseline;
//! - `NAME.schedule`: `scenario ID` and then `names SCHEDULE` or `compact SCHEDULE`, opened
//!   under the scenario's baseline;
//! - `NAME.link`: a permalink fragment, opened.
//!
//! A case that loads without error expects `no error`. After a deliberate change of wording,
//! `UPDATE_EXPECT=1 cargo test -p racelab-core --test errors` rewrites the `.txt` files (then
//! read the diff).

use std::fs;
use std::path::{Path, PathBuf};

use expect_test::expect_file;
use racelab_core::lab::{self, Request, ScheduleSpec};
use racelab_core::layout::MemoryModel;
use racelab_core::scenario::{self};
use racelab_core::{catalog, Catalog, Program};

const KINDS: &[&str] = &["race", "schedule", "link"];

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("errors")
}

/// Every file under `dir`, sorted.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = e.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
    out.sort();
}

/// The cases: every file whose extension is one of `KINDS`.
fn cases() -> Vec<PathBuf> {
    let mut all = Vec::new();
    files(&dir(), &mut all);
    all.retain(|p| p.extension().is_some_and(|x| KINDS.iter().any(|k| x == *k)));
    assert!(!all.is_empty(), "no cases in {}", dir().display());
    all
}

fn or_no_error<E: std::fmt::Display>(r: Result<(), E>) -> String {
    match r {
        Ok(()) => "no error".into(),
        Err(e) => e.to_string(),
    }
}

/// The first error of loading and then compiling `src` (as `t.race`) under its baseline.
fn source_error(src: &str) -> String {
    let read = |name: &str| {
        if name == "t.race" {
            return Some(src.to_string());
        }
        catalog::builtin_files().iter().find(|(n, _)| *n == name).map(|(_, t)| t.to_string())
    };
    or_no_error(
        scenario::load("t.race", &read)
            .map_err(|e| e.to_string())
            .and_then(|sc| Program::compile(&sc, sc.baseline, MemoryModel::Sc).map(|_| ()).map_err(|e| e.to_string())),
    )
}

/// The error of opening a schedule case (`scenario ID`, then `names …` or `compact …`).
fn schedule_error(case: &Path, text: &str) -> String {
    let (mut scenario, mut schedule) = (None, None);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match line.split_once(' ') {
            Some(("scenario", id)) => scenario = Some(id.to_string()),
            Some(("names", s)) => schedule = Some(ScheduleSpec::Names(s.to_string())),
            Some(("compact", s)) => schedule = Some(ScheduleSpec::Compact(s.to_string())),
            _ => panic!("{}: expected `scenario ID`, `names SCHEDULE` or `compact SCHEDULE`, found `{line}`", case.display()),
        }
    }
    let (Some(scenario), Some(schedule)) = (scenario, schedule) else {
        panic!("{}: a schedule case has a `scenario` line and a `names` or `compact` line", case.display())
    };
    let req = Request { scenario, policy: None, model: MemoryModel::Sc, schedule, nearest: false };
    or_no_error(lab::open(&Catalog::builtin(), &req).map(|_| ()))
}

/// The error of opening a link case (one fragment, on its first line).
fn link_error(text: &str) -> String {
    or_no_error(lab::open_link(&Catalog::builtin(), text.lines().next().unwrap_or("")).map(|_| ()))
}

/// The message a case gives.
fn message(case: &Path) -> String {
    let text = fs::read_to_string(case).unwrap_or_else(|e| panic!("{}: {e}", case.display()));
    match case.extension().and_then(|x| x.to_str()) {
        Some("race") => source_error(&text),
        Some("schedule") => schedule_error(case, &text),
        Some("link") => link_error(&text),
        _ => unreachable!("cases() keeps only {KINDS:?}"),
    }
}

/// Compares the message of `case` with the `.txt` file beside it (or rewrites that file, under
/// `UPDATE_EXPECT=1`).
fn check(case: &Path) {
    expect_file![case.with_extension("txt")].assert_eq(&format!("{}\n", message(case)));
}

#[test]
fn every_case_gives_its_expected_message() {
    for case in cases() {
        check(&case);
    }
}

#[test]
fn every_source_error_names_the_file_line_and_column() {
    for case in cases().iter().filter(|c| c.extension().is_some_and(|x| x == "race")) {
        let msg = message(case);
        if msg == "no error" {
            continue;
        }
        let place: Vec<&str> = msg.splitn(4, ':').collect();
        let located = place.len() == 4
            && place[0] == "t.race"
            && [place[1], place[2]].iter().all(|n| n.parse::<u32>().is_ok_and(|n| n >= 1))
            && place[3].starts_with(' ');
        assert!(located, "{}: `{msg}` does not start with `t.race:LINE:COL: `", case.display());
    }
}

#[test]
fn every_expected_message_has_its_case() {
    let mut all = Vec::new();
    files(&dir(), &mut all);
    for p in &all {
        let ext = p.extension().and_then(|x| x.to_str()).unwrap_or("");
        if ext == "txt" {
            assert!(
                KINDS.iter().any(|k| p.with_extension(k).exists()),
                "{}: no case beside it (NAME.race, NAME.schedule or NAME.link)",
                p.display()
            );
        } else {
            assert!(KINDS.contains(&ext), "{}: not a case (.race, .schedule, .link) nor an expected message (.txt)", p.display());
            assert!(p.with_extension("txt").exists(), "{}: no expected message: run with UPDATE_EXPECT=1 to write it", p.display());
        }
    }
}
