//! A fuzz test on stable Rust: a seeded mutation loop over everything that reads input — the
//! parser, the loader and the compiler (`.race` files, scenarios and libraries), the importer
//! of C litmus tests, schedules in both spellings, and permalinks. Every input must give `Ok`
//! or an error, never a panic. Each case runs under `catch_unwind`, so one finding does not
//! hide the next.
//!
//! - `FUZZ_ITERATIONS=N` sets the number of cases (default: a count that takes well under a
//!   minute in a debug build on two cores); `FUZZ_SEED=S` another seed.
//! - `FUZZ_OUT=DIR` writes each case to `DIR/current/` before running it (a stack overflow
//!   aborts the process and cannot be caught: the case that did it is then left there) and
//!   each panicking case to `DIR/found-HASH/`. Move a finding into `tests/fuzz/regressions/`.
//!
//! Every case ever found is kept in `tests/fuzz/regressions/` and replayed by
//! `every_regression_gives_ok_or_an_error`. A case is a directory of files laid over the
//! catalog's (a `.race` file replaces the catalog's file of that path or adds a scenario; a
//! `.litmus` file is imported), a `.link` file (one fragment) or a `.schedule` file (`scenario
//! ID` then `text|names|compact SCHEDULE`, and `nearest` to carry it over). The CLI's
//! `exit_status` test runs every `.race` file under `tests/fuzz/` through every command.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use racelab_core::lab::{self, Request, ScheduleSpec};
use racelab_core::lab::{Archive, Library};
use racelab_core::layout::MemoryModel;
use racelab_core::rng::Rng;
use racelab_core::{catalog, Catalog, Program};

/// One input: files laid over the catalog, or a link, or a schedule for a scenario.
#[derive(Clone, Debug)]
enum Case {
    Files(Vec<(String, String)>),
    Link(String),
    Schedule { scenario: String, spec: ScheduleSpec, nearest: bool },
}

fn regressions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/regressions")
}

/// Everything a front end does with a scenario, bounded: every policy under every model,
/// compiled; every canonical trace replayed exactly and carried over; the views of each run;
/// its permalink opened again; a few thousand states explored.
fn exercise_scenario(lib: &Library, sc: &lab::Scenario) {
    let catalog = lib.current();
    let _ = lab::view::scenario(sc);
    let _ = lab::trace_outcomes(sc);
    for p in &sc.policies {
        for &model in &sc.models {
            let Ok(prog) = lab::compile(sc, Some(&p.name), model) else { continue };
            let _ = lab::view::code(&prog, sc);
            let _ = lab::view::state(&prog, &prog.init);
            for t in &sc.traces {
                for nearest in [false, true] {
                    let req = Request {
                        scenario: sc.id.clone(),
                        policy: Some(p.name.clone()),
                        model,
                        schedule: ScheduleSpec::Trace(t.name.clone()),
                        nearest,
                    };
                    let Ok(opened) = lab::open(catalog, &req) else { continue };
                    let views: Vec<_> = lab::view::steps(&opened.program, &opened.run).collect();
                    assert_eq!(views.len(), opened.run.steps.len());
                    let _ = lab::canonical_trace(catalog, &opened);
                    let link = lab::permalink(lib, &opened, opened.run.steps.len()).to_fragment();
                    let view = lab::open_link(lib, &link).unwrap_or_else(|e| panic!("{link} does not open again: {e}"));
                    let (again, step) = (view.opened, view.step);
                    assert_eq!(step, opened.run.steps.len(), "{link}");
                    assert_eq!(again.run.steps.len(), opened.run.steps.len(), "{link}");
                }
            }
            let opts = lab::Options { max_states: 2_000, ..lab::Options::default() };
            let mut ex = lab::Explorer::new(&prog, opts);
            let _ = ex.run_to_end(&mut || 0.0, &mut |_| true);
        }
    }
}

/// The catalog's files with `files` laid over them.
fn overlay(files: &[(String, String)]) -> Vec<(String, String)> {
    let mut all: BTreeMap<String, String> = catalog::builtin_files().iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    for (name, text) in files {
        all.insert(name.clone(), text.clone());
    }
    all.into_iter().collect()
}

fn run_case(case: &Case) {
    match case {
        Case::Files(files) => {
            let mut layered = Vec::new();
            for (name, text) in files {
                if name.ends_with(".litmus") {
                    if let Ok(src) = lab::litmus_to_scenario(name, text) {
                        layered.push((name.replace(".litmus", ".race"), src));
                    }
                } else {
                    layered.push((name.clone(), text.clone()));
                }
            }
            let names: Vec<String> = layered.iter().map(|(n, _)| n.clone()).collect();
            // Only the scenarios the case touches (all of them when it changes a library).
            let library_changed = layered.iter().any(|(_, t)| !lab::is_scenario_source(t));
            let mut all = overlay(&layered);
            if !library_changed {
                all.retain(|(n, t)| names.contains(n) || !lab::is_scenario_source(t));
            } else {
                // Two scenarios that use the library are enough to load and compile it.
                let mut kept = 0;
                all.retain(|(n, t)| {
                    let keep = names.contains(n) || !lab::is_scenario_source(t) || kept < 2;
                    if lab::is_scenario_source(t) && !names.contains(n) && keep {
                        kept += 1;
                    }
                    keep
                });
            }
            let lib = Library::new(Catalog::from_sources(all), Archive::builtin());
            let catalog = lib.current();
            for e in &catalog.errors {
                let _ = e.to_string();
            }
            for sc in &catalog.scenarios {
                exercise_scenario(&lib, sc);
            }
        }
        Case::Link(fragment) => {
            let lib = Library::builtin();
            if let Ok(view) = lab::open_link(&lib, fragment) {
                let (opened, step) = (view.opened, view.step);
                assert!(step <= opened.run.steps.len());
                // `view::step` takes a step of the run (1-based): the link's, unless it is 0.
                if step >= 1 {
                    let _ = lab::view::step(&opened.program, &opened.run, step);
                }
            }
        }
        Case::Schedule { scenario, spec, nearest } => {
            let catalog = Catalog::builtin();
            let req =
                Request { scenario: scenario.clone(), policy: None, model: MemoryModel::Sc, schedule: spec.clone(), nearest: *nearest };
            if let Ok(opened) = lab::open(&catalog, &req) {
                // A schedule that opens reads back, in both spellings, as the same choices.
                let layout = &opened.program.layout;
                let taken: Vec<_> = opened.run.steps.iter().map(|s| s.choice).collect();
                let names = lab::schedule::format_names(&taken, layout);
                assert_eq!(lab::schedule::parse(&names, layout).as_ref(), Ok(&taken), "{names}");
                let compact = format!("t={}", lab::schedule::encode(&taken));
                assert_eq!(lab::schedule::parse(&compact, layout).as_ref(), Ok(&taken), "{compact}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Mutations

const ALPHABET: &[u8] = b" \n\t{}()[],=-+*!&|<>:.;\"#\\0123456789abcxyzVPNW_";

/// Words a mutation inserts: the language's keywords and punctuation, names from the catalog,
/// and values at the edges of what the loader accepts.
const WORDS: &[&str] = &[
    "racelab 1",
    "use",
    "feature",
    "policy",
    "proc",
    "scenario",
    "state",
    "thread",
    "trace",
    "schedule",
    "expect",
    "verdict",
    "say",
    "at",
    "on",
    "in",
    "if",
    "else",
    "goto",
    "return",
    "sleep",
    "store",
    "add",
    "load",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "\"",
    "\n",
    ";",
    "->",
    "*",
    "=",
    "+=",
    "!",
    "&&",
    "||",
    "==",
    ".",
    ",",
    "V",
    "P",
    "N",
    "W",
    "D",
    "UW",
    "CPU0",
    "CPU5",
    "CPU6",
    "DEV",
    "x86_tso",
    "arm64",
    "sc",
    "safe",
    "exists",
    "no_lost_write",
    "pte(V)",
    "pte(V).W",
    "feature(",
    "mmap_read_lock()",
    "ptl_lock(V)",
    "flush_tlb_page(V)",
    "await(",
    "smp_mb()",
    "WRITE_ONCE(x, 1)",
    "READ_ONCE(x)",
    "alloc_page()",
    "0",
    "-1",
    "1024",
    "32767",
    "32768",
    "65535",
    "65536",
    "2147483648",
    "99999999999999999999",
    "0x",
    "0xffffffff",
    "\u{feff}",
    "é",
    "\u{1b}",
    "\0",
    "\r",
];

fn mutate_once(rng: &mut Rng, text: &str, donors: &[&str]) -> String {
    let mut b: Vec<u8> = text.as_bytes().to_vec();
    let at = rng.index(b.len() + 1);
    match rng.index(10) {
        0 if !b.is_empty() => {
            let n = (1 + rng.index(8)).min(b.len() - at.min(b.len()));
            b.drain(at.min(b.len())..at.min(b.len()) + n);
        }
        1 => b.insert(at, ALPHABET[rng.index(ALPHABET.len())]),
        2 => {
            let w = WORDS[rng.index(WORDS.len())];
            let spaced = if rng.index(2) == 0 { format!(" {w} ") } else { w.to_string() };
            b.splice(at..at, spaced.bytes());
        }
        3 if !b.is_empty() => {
            // A chunk of this text copied elsewhere.
            let from = rng.index(b.len());
            let n = rng.index(80).min(b.len() - from);
            let chunk: Vec<u8> = b[from..from + n].to_vec();
            let to = rng.index(b.len() + 1);
            b.splice(to..to, chunk);
        }
        4 => {
            // A chunk of another file: a line of a policy in a thread, a proc in a scenario.
            let donor = donors[rng.index(donors.len())].as_bytes();
            if !donor.is_empty() {
                let from = rng.index(donor.len());
                let n = rng.index(200).min(donor.len() - from);
                b.splice(at..at, donor[from..from + n].iter().copied());
            }
        }
        5 if !b.is_empty() => {
            // A short chunk repeated many times: long chains, deep brackets, long lines.
            let from = rng.index(b.len());
            let n = (1 + rng.index(12)).min(b.len() - from);
            let chunk: Vec<u8> = b[from..from + n].to_vec();
            let times = [2, 10, 100, 1_000, 5_000][rng.index(5)];
            let rep: Vec<u8> = chunk.iter().copied().cycle().take(n * times).collect();
            b.splice(from..from, rep);
        }
        6 => {
            // Lines: one dropped, repeated or swapped with another.
            let mut lines: Vec<String> = String::from_utf8_lossy(&b).lines().map(String::from).collect();
            if !lines.is_empty() {
                let i = rng.index(lines.len());
                let j = rng.index(lines.len());
                match rng.index(3) {
                    0 => {
                        lines.remove(i);
                    }
                    1 => {
                        let l = lines[i].clone();
                        lines.insert(j, l);
                    }
                    _ => lines.swap(i, j),
                }
            }
            b = lines.join("\n").into_bytes();
        }
        7 => {
            // A number replaced by another, often at an edge.
            let s = String::from_utf8_lossy(&b).into_owned();
            let digits: Vec<usize> = s.char_indices().filter(|(_, c)| c.is_ascii_digit()).map(|(i, _)| i).collect();
            if !digits.is_empty() {
                let i = digits[rng.index(digits.len())];
                let n = ["0", "1", "2", "5", "6", "7", "15", "16", "255", "256", "65535", "100000", "100001", "4294967296"][rng.index(14)];
                let end = s[i..].find(|c: char| !c.is_ascii_digit()).map_or(s.len(), |k| i + k);
                b = format!("{}{n}{}", &s[..i], &s[end..]).into_bytes();
            }
        }
        8 => {
            if let Some(p) = b[at.min(b.len())..].iter().position(|c| *c == b'\n') {
                b.truncate(at + p);
            }
        }
        _ => {
            // A word replaced by a word of another line (names in the wrong place).
            let s = String::from_utf8_lossy(&b).into_owned();
            let words: Vec<(usize, &str)> = s.split_whitespace().map(|w| (w.as_ptr() as usize - s.as_ptr() as usize, w)).collect();
            if words.len() > 2 {
                let (i, w) = words[rng.index(words.len())];
                let (_, other) = words[rng.index(words.len())];
                b = format!("{}{other}{}", &s[..i], &s[i + w.len()..]).into_bytes();
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

fn mutate(rng: &mut Rng, text: &str, donors: &[&str]) -> String {
    let mut out = text.to_string();
    for _ in 0..1 + rng.index(3) {
        out = mutate_once(rng, &out, donors);
    }
    out
}

/// The canonical links of the catalog: the starting points for link mutations.
fn canonical_links(lib: &Library) -> Vec<String> {
    let catalog = lib.current();
    let mut links = Vec::new();
    for sc in &catalog.scenarios {
        for t in &sc.traces {
            let req = Request {
                scenario: sc.id.clone(),
                policy: None,
                model: sc.models[0],
                schedule: ScheduleSpec::Trace(t.name.clone()),
                nearest: true,
            };
            if let Ok(o) = lab::open(catalog, &req) {
                links.push(lab::permalink(lib, &o, o.run.steps.len()).to_fragment());
            }
        }
    }
    links
}

fn random_schedule(rng: &mut Rng, threads: &[String]) -> String {
    let mut s = String::new();
    for _ in 0..rng.index(12) {
        match rng.index(6) {
            0 | 1 => s.push_str(&threads[rng.index(threads.len())]),
            2 => s.push((b'a' + rng.index(8) as u8) as char),
            3 => s.push((b'A' + rng.index(8) as u8) as char),
            4 => s.push_str(["*", "*3", "*100000", "*0", "5", "17", ".drain", ".early", ".early3", "_", "t=", " ", ","][rng.index(13)]),
            _ => s.push(' '),
        }
    }
    s
}

/// The cases of round `i`: mostly files, some links and schedules.
fn make_case(rng: &mut Rng, catalog: &Catalog, links: &[String], sources: &[(String, String)], donors: &[&str]) -> Case {
    match rng.index(10) {
        0 => {
            let base = &links[rng.index(links.len())];
            Case::Link(mutate(rng, base, donors))
        }
        1 => {
            let sc = &catalog.scenarios[rng.index(catalog.scenarios.len())];
            let threads: Vec<String> = sc.layout.threads.iter().map(|t| t.name.clone()).collect();
            let text = random_schedule(rng, &threads);
            let spec = match rng.index(3) {
                0 => ScheduleSpec::Text(text),
                1 => ScheduleSpec::Names(text),
                _ => ScheduleSpec::Compact(text),
            };
            Case::Schedule { scenario: sc.id.clone(), spec, nearest: rng.index(2) == 0 }
        }
        _ => {
            let (name, text) = &sources[rng.index(sources.len())];
            Case::Files(vec![(name.clone(), mutate(rng, text, donors))])
        }
    }
}

fn write_case(dir: &Path, case: &Case) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    match case {
        Case::Files(files) => {
            for (name, text) in files {
                let path = dir.join(name);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, text).unwrap();
            }
        }
        Case::Link(l) => std::fs::write(dir.join("case.link"), l).unwrap(),
        Case::Schedule { scenario, spec, nearest } => {
            let (kind, s) = match spec {
                ScheduleSpec::Text(s) => ("text", s),
                ScheduleSpec::Names(s) => ("names", s),
                ScheduleSpec::Compact(s) => ("compact", s),
                _ => unreachable!("the fuzzer writes text schedules"),
            };
            let nearest = if *nearest { "nearest\n" } else { "" };
            std::fs::write(dir.join("case.schedule"), format!("scenario {scenario}\n{kind} {s}\n{nearest}")).unwrap();
        }
    }
}

fn hash(case: &Case) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    format!("{case:?}").hash(&mut h);
    h.finish()
}

/// Runs `case`, and gives the panic's message if it panicked.
fn panics(case: &Case) -> Option<String> {
    catch_unwind(AssertUnwindSafe(|| run_case(case)))
        .err()
        .map(|e| e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default())
}

/// Quiet panics while fuzzing: the loop reports them itself.
fn quiet<T>(f: impl FnOnce() -> T) -> T {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = f();
    std::panic::set_hook(hook);
    r
}

#[test]
fn mutated_inputs_give_ok_or_an_error() {
    let iterations: u64 = std::env::var("FUZZ_ITERATIONS").ok().and_then(|n| n.parse().ok()).unwrap_or(300);
    let seed: u64 = std::env::var("FUZZ_SEED").ok().and_then(|n| n.parse().ok()).unwrap_or(0x5eed_f022);
    let out = std::env::var_os("FUZZ_OUT").map(PathBuf::from);
    let lib = Library::builtin();
    let catalog = lib.current();
    let links = canonical_links(&lib);
    let mut sources: Vec<(String, String)> = catalog::builtin_files().iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    sources.extend(catalog::builtin_litmus().iter().step_by(7).map(|(n, t)| (n.to_string(), t.to_string())));
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/corpus");
    for e in std::fs::read_dir(&corpus).into_iter().flatten() {
        let p = e.unwrap().path();
        let name = format!("corpus/{}", p.file_name().unwrap().to_string_lossy());
        sources.push((name, std::fs::read_to_string(&p).unwrap()));
    }
    let donors: Vec<&str> = sources.iter().map(|(_, t)| t.as_str()).collect();
    let mut rng = Rng::new(seed);
    let mut found: Vec<(Case, String)> = Vec::new();
    quiet(|| {
        for i in 0..iterations {
            if out.is_some() && i % 1000 == 0 {
                eprintln!("{i} cases, {} panicked", found.len());
            }
            let case = make_case(&mut rng, catalog, &links, &sources, &donors);
            if let Some(out) = &out {
                write_case(&out.join("current"), &case);
            }
            if let Some(message) = panics(&case) {
                if let Some(out) = &out {
                    write_case(&out.join(format!("found-{:016x}", hash(&case))), &case);
                }
                found.push((case, message));
            }
        }
    });
    for (case, message) in &found {
        let shown: String = format!("{case:?}").chars().take(400).collect();
        eprintln!("panicked: {message}\n  on {shown}");
    }
    assert!(found.is_empty(), "{} of {iterations} cases panicked (set FUZZ_OUT=DIR to keep them)", found.len());
}

/// Reads a kept case: a directory of files, a `.link` or a `.schedule` file.
fn read_case(path: &Path) -> Case {
    let text = |p: &Path| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    if path.is_dir() {
        let mut files = Vec::new();
        let mut stack = vec![path.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let rel = p.strip_prefix(path).unwrap().to_string_lossy().replace('\\', "/");
                    files.push((rel, text(&p)));
                }
            }
        }
        files.sort();
        return Case::Files(files);
    }
    match path.extension().and_then(|x| x.to_str()) {
        Some("link") => Case::Link(text(path).lines().next().unwrap_or("").to_string()),
        Some("schedule") => {
            let (mut scenario, mut spec, mut nearest) = (String::new(), None, false);
            for line in text(path).lines() {
                match line.split_once(' ') {
                    Some(("scenario", id)) => scenario = id.to_string(),
                    Some(("text", s)) => spec = Some(ScheduleSpec::Text(s.to_string())),
                    Some(("names", s)) => spec = Some(ScheduleSpec::Names(s.to_string())),
                    Some(("compact", s)) => spec = Some(ScheduleSpec::Compact(s.to_string())),
                    _ if line == "nearest" => nearest = true,
                    _ => panic!("{}: unexpected line `{line}`", path.display()),
                }
            }
            Case::Schedule { scenario, spec: spec.expect("a schedule line"), nearest }
        }
        _ => Case::Files(vec![(path.file_name().unwrap().to_string_lossy().into_owned(), text(path))]),
    }
}

#[test]
fn every_regression_gives_ok_or_an_error() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(regressions_dir()).unwrap().map(|e| e.unwrap().path()).collect();
    cases.retain(|p| p.file_name().is_some_and(|n| n != "README.md"));
    cases.sort();
    assert!(!cases.is_empty());
    for path in cases {
        let case = read_case(&path);
        if let Some(message) = quiet(|| panics(&case)) {
            panic!("{} panicked: {message}", path.display());
        }
    }
}

/// The loop compiles what it loads: a program for every policy of a mutated catalog file.
#[test]
fn the_fuzzer_reaches_the_compiler_and_the_explorer() {
    let catalog = Catalog::builtin();
    let sc = catalog.scenario("race1a").unwrap();
    let prog = Program::compile(sc, sc.baseline, MemoryModel::Sc).unwrap();
    let mut ex = lab::Explorer::new(&prog, lab::Options { max_states: 2_000, ..lab::Options::default() });
    let report = ex.run_to_end(&mut || 0.0, &mut |_| true);
    assert!(report.stats.states > 0);
    // A mutation that keeps the file valid is exercised to the end without panicking.
    let case = Case::Files(vec![(
        "race1a-uffd-unprotect.race".into(),
        catalog.source("race1a-uffd-unprotect.race").unwrap().replace("store V[0] = 3", "store V[0] = 4"),
    )]);
    assert_eq!(panics(&case), None);
}
