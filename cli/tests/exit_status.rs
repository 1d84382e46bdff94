//! No input stops the tool: every command, run on a corpus of bad inputs (broken `.race`
//! files, bad schedules, numbers, files and directories), exits with 0, 1 or 2, never with a
//! panic (101, or 134 under the release profile's `panic = "abort"`) or a signal; and a
//! failure says what went wrong on stderr: one line for bad input, clap's usage under a bad
//! argument.
//!
//! The corpus: mutants of the catalog's files made here (seeded, so the same every run; set
//! `RACELAB_MUTANTS=N` for N per file instead of 6 on a long local run), fixed cases below,
//! and every file of `core/tests/fuzz/` when that directory exists (the crashes a fuzzer ever
//! found are kept there).

use std::path::{Path, PathBuf};
use std::process::Command;

use racelab_core::rng::Rng;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// A directory of this test's own, emptied.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("racelab-exit-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs racelab and checks the invariant; returns its status.
fn run(args: &[&str]) -> i32 {
    let out = Command::new(env!("CARGO_BIN_EXE_racelab")).args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let shown: Vec<String> = args.iter().map(|a| a.chars().take(80).collect()).collect();
    let Some(code) = out.status.code() else {
        panic!("racelab {shown:?} was killed by a signal: {:?}\n{err}", out.status);
    };
    assert!(matches!(code, 0..=2), "racelab {shown:?} exited with {code}:\n{err}");
    // clap's usage errors end with this line, under the message and the usage.
    let usage = err.trim_end().ends_with("For more information, try '--help'.");
    for line in err.lines() {
        assert!(line.starts_with("racelab: ") || usage, "racelab {shown:?}: stray stderr line {line:?}");
    }
    if code == 2 {
        let first = err.lines().next().unwrap_or_default();
        assert!(first.len() > "racelab: ".len() + 5, "racelab {shown:?}: no message: {err:?}");
        let errors = err.lines().filter(|l| !l.starts_with("racelab: warning: ")).count();
        assert!(usage || errors == 1, "racelab {shown:?}: {errors} lines for one input error:\n{err}");
    }
    code
}

/// Everything a command can do with one scenario file, each bounded.
fn every_command(file: &str) -> Vec<Vec<String>> {
    let bound = ["--max-states", "3000", "--time-limit", "3000"];
    let cmds: Vec<Vec<&str>> = vec![
        vec!["show", file],
        vec!["show", file, "--json", "--model", "x86-tso"],
        vec!["replay", file, "--schedule", "a3b2_a1Ab"],
        vec!["replay", file, "--trace", "lost_write", "--json"],
        vec!["permalink", file, "--schedule", "t=ab", "--step", "1"],
        [&["check", file][..], &bound].concat(),
        [&["explain", file][..], &bound].concat(),
        vec!["graph", file, "--max-states", "200"],
        vec!["graph", file, "--kind", "hb", "--schedule", "a2b"],
        vec!["diagram", file, "--schedule", "a3b2_a1Ab", "--fold", "--width", "50"],
        vec!["diagram", file, "--trace", "lost_write", "--mail"],
        vec!["render", file, "--schedule", "a3b2_a1Ab", "--format", "svg"],
        vec!["export", file, "--trace", "lost_write", "--format", "perfetto"],
    ];
    cmds.into_iter().map(|c| c.into_iter().map(String::from).collect()).collect()
}

fn run_all(file: &str) -> Vec<i32> {
    every_command(file).iter().map(|c| run(&c.iter().map(String::as_str).collect::<Vec<_>>())).collect()
}

/// One of a few mutations of a source text: truncated, a line dropped or repeated, or a few
/// characters replaced by something a parser must refuse or handle.
fn mutate(src: &str, rng: &mut Rng) -> String {
    const JUNK: &[&str] = &[
        "{",
        "}",
        "\"",
        "(",
        ")",
        "\n",
        "\u{1b}",
        "\u{202e}",
        "99999999999999999999",
        "-1",
        "0x",
        "->",
        "#",
        "*",
        "\\",
        "é",
        "\0",
        "feature(",
        "P",
        "V[9]",
        "=",
        ",",
    ];
    let lines: Vec<&str> = src.lines().collect();
    match rng.below(4) {
        0 => src.chars().take(rng.index(src.chars().count())).collect(),
        1 => {
            let i = rng.index(lines.len());
            lines.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, l)| format!("{l}\n")).collect()
        }
        2 => {
            let i = rng.index(lines.len());
            let mut out: Vec<&str> = lines.clone();
            out.insert(i, lines[i]);
            out.join("\n")
        }
        _ => {
            let mut chars: Vec<String> = src.chars().map(String::from).collect();
            for _ in 0..1 + rng.below(4) {
                let i = rng.index(chars.len());
                chars[i] = JUNK[rng.index(JUNK.len())].to_string();
            }
            chars.concat()
        }
    }
}

#[test]
fn mutated_race_files_never_stop_a_command() {
    let dir = scratch("mutants");
    let mut rng = Rng::new(2024);
    let sources = [
        "traces/race1a-uffd-unprotect.race",
        "traces/race4b-fork-wrprotect-first.race",
        "traces/litmus/sb.race",
        "traces/litmus/iriw.race",
    ];
    let mut statuses = Vec::new();
    for (k, name) in sources.iter().enumerate() {
        let path = root().join(name);
        let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let per_file = std::env::var("RACELAB_MUTANTS").ok().and_then(|n| n.parse().ok()).unwrap_or(6);
        for m in 0..per_file {
            let file = dir.join(format!("m{k}_{m}.race"));
            std::fs::write(&file, mutate(&src, &mut rng)).unwrap();
            statuses.extend(run_all(file.to_str().unwrap()));
        }
    }
    // The mutants exercise both ends: some still load and run, most are refused.
    assert!(statuses.contains(&0) && statuses.contains(&2), "{statuses:?}");
    // A catalog directory with a broken library file lists the rest and names the broken one.
    let lib = scratch("library");
    std::fs::create_dir_all(lib.join("kernel")).unwrap();
    for f in std::fs::read_dir(root().join("traces/kernel")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, lib.join("kernel").join(f.file_name().unwrap())).unwrap();
    }
    std::fs::copy(root().join("traces/race1a-uffd-unprotect.race"), lib.join("race1a.race")).unwrap();
    let broken = std::fs::read_to_string(root().join("traces/kernel/gup.race")).unwrap();
    std::fs::write(lib.join("kernel/gup.race"), mutate(&broken, &mut Rng::new(5))).unwrap();
    run(&["list", "--traces", lib.to_str().unwrap()]);
    run(&["check", "--traces", lib.to_str().unwrap(), "--max-states", "2000"]);
    std::fs::remove_dir_all(dir).unwrap();
    std::fs::remove_dir_all(lib).unwrap();
}

#[test]
fn bad_schedules_are_messages() {
    let long_run = format!("monitor*{}", u64::MAX);
    // One argument stays under the kernel's 128 KiB.
    let long_word = "b".repeat(100_000);
    let many = format!("a{} b", 100_000);
    for s in [
        "",
        " ",
        ",,,",
        "zzz",
        "a0",
        "a01",
        "a99999999999999999999",
        "_",
        "_a",
        "_a99999",
        "_z1",
        "monitor*0",
        "monitor*-1",
        &long_run,
        "t=",
        "t=_",
        "t=A",
        "monitor.early",
        "monitor.early99999",
        "monitor.early01",
        "monitor.drain",
        "\u{1b}[2J",
        "é",
        &long_word,
        &many,
        "monitor*100000 writer",
        "t=a100001",
    ] {
        for cmd in [
            &["replay", "race1a", "--schedule", s][..],
            &["permalink", "race1a", "--schedule", s],
            &["graph", "race1a", "--kind", "hb", "--schedule", s],
        ] {
            run(cmd);
        }
    }
    assert_eq!(run(&["replay", "race1a", "--schedule", "zzz"]), 2);
}

#[test]
fn bad_numbers_and_options_are_usage_errors() {
    for args in [
        &["check", "race1a", "--max-states", ""][..],
        &["check", "race1a", "--max-states", "-1"],
        &["check", "race1a", "--max-states", "18446744073709551616"],
        &["check", "race1a", "--max-depth", "4294967296"],
        &["check", "race1a", "--time-limit", "NaN"],
        &["check", "race1a", "--time-limit", "-5"],
        &["check", "race1a", "--seed", "x"],
        &["check", "race1a", "--strategy", "pct", "--pct-depth", "4294967295"],
        &["check", "race1a", "--strategy", "pct", "--pct-depth", "0"],
        &["check", "race1a", "--strategy", "random", "--max-steps", "4294967295"],
        &["check", "race1a", "--strategy", "dfs"],
        &["permalink", "race1a", "--trace", "lost_write", "--step", "-1"],
        &["permalink", "race1a", "--trace", "lost_write", "--step", "99999999999999999999999"],
        &["graph", "race1a", "-o"],
        &["show"],
        &["show", "race1a", "race1b"],
        &["list", "--json=yes"],
    ] {
        assert_eq!(run(args), 2, "{args:?}");
    }
    // In range, the extremes run.
    for args in [
        &["check", "race1a", "--policy", "v5_10", "--strategy", "pct", "--pct-depth", "1000", "--runs", "3"][..],
        &["check", "race1a", "--policy", "v5_10", "--strategy", "random", "--max-steps", "100000", "--runs", "2"],
        &["check", "race1a", "--policy", "v5_10", "--time-limit", "0"],
        &["check", "race1a", "--policy", "v5_10", "--max-depth", "0"],
        &["check", "race1a", "--policy", "v5_10", "--max-states", "1"],
        &["permalink", "race1a", "--trace", "lost_write", "--step", "0"],
    ] {
        assert_eq!(run(args), 0, "{args:?}");
    }
    assert_eq!(run(&["permalink", "race1a", "--trace", "lost_write", "--step", "100000"]), 2);
}

#[test]
fn bad_files_and_directories_are_messages() {
    let dir = scratch("files");
    let empty = dir.join("empty.race");
    std::fs::write(&empty, "").unwrap();
    let binary = dir.join("binary.race");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x80, b'\n']).unwrap();
    let a_dir = dir.join("dir.race");
    std::fs::create_dir_all(&a_dir).unwrap();
    let lib_only = dir.join("lib.race");
    std::fs::write(&lib_only, "racelab 1\nfeature f \"a feature\"\n").unwrap();
    let no_races = scratch("no-races");
    for file in
        [empty.to_str().unwrap(), binary.to_str().unwrap(), a_dir.to_str().unwrap(), lib_only.to_str().unwrap(), "/nonexistent/x.race"]
    {
        let statuses = run_all(file);
        assert!(statuses.iter().all(|&s| s == 2), "{file}: {statuses:?}");
    }
    for traces in [no_races.to_str().unwrap(), "/nonexistent", empty.to_str().unwrap(), dir.to_str().unwrap()] {
        run(&["list", "--traces", traces]);
        run(&["check", "race1a", "--traces", traces]);
        run(&["bench", "--quick", "--traces", traces]);
    }
    assert_eq!(run(&["list", "--traces", "/nonexistent"]), 2);
    let unwritable = dir.join("no/such/dir/out.dot");
    assert_eq!(run(&["graph", "race1a", "-o", unwritable.to_str().unwrap()]), 2);
    std::fs::remove_dir_all(dir).unwrap();
    std::fs::remove_dir_all(no_races).unwrap();
}

#[test]
fn the_fuzz_corpus_never_stops_a_command() {
    let corpus = root().join("core/tests/fuzz");
    if !corpus.is_dir() {
        return;
    }
    let mut stack = vec![corpus];
    let mut files = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "race") {
                run_all(p.to_str().unwrap());
                files += 1;
            }
        }
    }
    eprintln!("{files} files of core/tests/fuzz run through every command");
}

/// Issue 9.1: a flat chain of 30,000 terms overflowed the stack of every command. The parser
/// now bounds the depth of the tree it builds, so the chain is a message naming its line, in a
/// scenario file and in a library of `--traces` (where the other scenarios still list).
#[test]
fn a_chain_of_thirty_thousand_terms_is_a_message() {
    let dir = scratch("chain");
    let src = std::fs::read_to_string(root().join("traces/race1a-uffd-unprotect.race")).unwrap();
    let terms = vec!["1"; 30_000].join(" + ");
    let chain = dir.join("chain.race");
    std::fs::write(&chain, src.replacen("  store V[1] = 2", &format!("  store V[1] = {terms}"), 1)).unwrap();
    let exists = dir.join("exists.race");
    let sb = std::fs::read_to_string(root().join("traces/litmus/sb.race")).unwrap();
    let cond = vec!["P0.r0 == 0"; 30_000].join(" && ");
    let sb = sb.lines().map(|l| if l.trim_start().starts_with("exists ") { format!("  exists \"{cond}\"") } else { l.to_string() });
    std::fs::write(&exists, sb.collect::<Vec<_>>().join("\n")).unwrap();
    for file in [&chain, &exists] {
        assert!(run_all(file.to_str().unwrap()).iter().all(|&s| s == 2));
        let out = Command::new(env!("CARGO_BIN_EXE_racelab")).args(["show", file.to_str().unwrap()]).output().unwrap();
        assert!(String::from_utf8_lossy(&out.stderr).contains("this expression is too deep"));
    }
    let lib = scratch("chain-library");
    std::fs::create_dir_all(lib.join("kernel")).unwrap();
    for f in std::fs::read_dir(root().join("traces/kernel")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, lib.join("kernel").join(f.file_name().unwrap())).unwrap();
    }
    std::fs::copy(root().join("traces/race1a-uffd-unprotect.race"), lib.join("race1a.race")).unwrap();
    std::fs::copy(root().join("traces/litmus/sb.race"), lib.join("sb.race")).unwrap();
    let memory = std::fs::read_to_string(lib.join("kernel/memory.race")).unwrap();
    std::fs::write(lib.join("kernel/memory.race"), memory.replacen("ptl_lock(", &format!("x = {terms}\n  ptl_lock("), 1)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_racelab")).args(["list", "--traces", lib.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("racelab: warning: kernel/memory.race:") && err.contains("too deep"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("litmus_sb"));
    std::fs::remove_dir_all(dir).unwrap();
    std::fs::remove_dir_all(lib).unwrap();
}

/// Issue 9.2: an invariant checked six times indexed out of bounds.
#[test]
fn an_invariant_checked_six_times_is_checked_once() {
    let dir = scratch("known");
    let src = std::fs::read_to_string(root().join("traces/race1a-uffd-unprotect.race")).unwrap();
    let checks = dir.join("checks.race");
    std::fs::write(&checks, src.replacen("  check no_lost_write", &format!("  check{}", " no_lost_write".repeat(6)), 1)).unwrap();
    run_all(checks.to_str().unwrap());
    std::fs::remove_dir_all(dir).unwrap();
}
