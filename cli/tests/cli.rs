//! The `racelab` binary from the outside: exit statuses and the shape of its output.

use racelab_core::lab::Catalog;

fn racelab(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_racelab")).args(args).output().unwrap()
}

#[test]
fn check_json_prints_one_verdict_per_line_and_bad_arguments_exit_2() {
    let out = racelab(&["check", "race1a", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), Catalog::builtin().scenario("race1a").unwrap().policies.len());
    let v = &lines[0];
    assert_eq!((v["scenario"].as_str(), v["policy"].as_str(), v["memory_model"].as_str()), (Some("race1a"), Some("v5_10"), Some("sc")));
    assert_eq!(
        (v["verdict"].as_str(), v["invariant"].as_str(), v["trace_len"].as_u64()),
        (Some("violated"), Some("no_lost_write"), Some(25))
    );
    assert_eq!(v["trace"].as_array().unwrap().len(), 25);
    assert_eq!(v["trace"][0].as_str(), Some("monitor"));
    for key in ["states", "transitions", "ms"] {
        assert!(v[key].is_number(), "{key}");
    }
    let out = racelab(&["check", "race1a", "--policy", "merged_6ce64428", "--max-states", "10", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["verdict"].as_str(), v["bound"].as_str()), (Some("unknown"), Some("max_states")));
    for bad in [&["check", "nosuch"][..], &["check", "race1a", "--max-states", "x"], &["graph", "race1a", "--kind", "x"], &["explain"]] {
        let out = racelab(bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(String::from_utf8_lossy(&out.stderr).starts_with("racelab: "), "{bad:?}");
    }
}

#[test]
fn every_command_has_its_own_help() {
    for cmd in [
        "list",
        "show",
        "replay",
        "permalink",
        "open",
        "archive",
        "check",
        "explain",
        "graph",
        "diagram",
        "render",
        "export",
        "bench",
        "verdicts",
        "completions",
    ] {
        let out = racelab(&[cmd, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{cmd} --help: {}", String::from_utf8_lossy(&out.stderr));
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(help.contains(&format!("Usage: racelab {cmd}")), "{cmd}: {help}");
        assert!(help.contains("Exit status: 0"), "{cmd}: {help}");
    }
    let help = String::from_utf8(racelab(&["check", "--help"]).stdout).unwrap();
    for option in ["--max-states", "--strategy", "--pct-depth", "--json", "--traces", "--all"] {
        assert!(help.contains(option), "check --help lacks {option}");
    }
    let help = String::from_utf8(racelab(&["help", "graph"]).stdout).unwrap();
    assert!(help.contains("-o, --output <FILE>"), "{help}");
}

#[test]
fn version_names_the_package_and_the_link_format() {
    let out = racelab(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with(&format!("racelab {}", env!("CARGO_PKG_VERSION"))), "{text}");
    assert!(text.contains("permalinks: v="), "{text}");
}

#[test]
fn completions_cover_every_command_in_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = racelab(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        for word in ["replay", "permalink", "pct-depth", "traces"] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
    let out = racelab(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn usage_errors_start_with_the_tool_name_and_exit_2() {
    for (args, says) in [
        (&["check", "race1a", "--frobnicate"][..], "unexpected argument '--frobnicate'"),
        (&["check", "race1a", "--max-states", "0"], "--max-states <N>': must be at least 1"),
        (&["check", "race1a", "--runs", "5"], "--runs and --pct-depth go with --strategy random or pct"),
        (&["check", "race1a", "--strategy", "pct", "--pct-depth", "4294967295"], "'--pct-depth <D>': the bug depth goes from 1 to 1000"),
        (&["check", "race1a", "--strategy", "random", "--max-steps", "0"], "'--max-steps <N>': a sampled run goes from 1 to 100000"),
        (&["check", "race1a", "--all"], "cannot be used with"),
        (&["replay", "race1a"], "required arguments were not provided"),
        (&["replay", "race1a", "--trace", "lost_write", "--schedule", "a"], "cannot be used with"),
        (&["show", "race1a", "--model", "power"], "unknown memory model `power` (sc, x86-tso, arm64)"),
        (&["explain", "race1a", "--invariant", "nope"], "unknown invariant `nope`"),
        (&["graph", "race1a", "--kind", "x"], "invalid value 'x' for '--kind <KIND>'"),
        (&["nosuch"], "unrecognized subcommand 'nosuch'"),
        (&[], "Usage: racelab <COMMAND>"),
    ] {
        let out = racelab(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        if !args.is_empty() {
            assert!(err.starts_with("racelab: "), "{args:?}: {err}");
        }
    }
}

/// Runs racelab with stdout (or stderr) into a pipe whose reading end is already closed, so
/// that every write to it fails with EPIPE, as under `racelab … | head -0`.
fn racelab_into_closed_pipe(args: &[&str], closed_stderr: bool) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_racelab"));
    cmd.args(args);
    if closed_stderr {
        cmd.stderr(writer).stdout(std::process::Stdio::piped());
    } else {
        cmd.stdout(writer).stderr(std::process::Stdio::piped());
    }
    cmd.output().unwrap()
}

#[test]
fn a_closed_stdout_ends_every_command_quietly_with_status_0() {
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["show", "race1a"],
        &["show", "race1a", "--json"],
        &["replay", "race1a", "--trace", "lost_write"],
        &["replay", "race1a", "--trace", "lost_write", "--json"],
        &["permalink", "race1a", "--trace", "lost_write"],
        &["check", "race1a"],
        &["check", "race1a", "--json"],
        &["explain", "race1a"],
        &["graph", "race1a"],
        &["graph", "race1a", "--kind", "hb"],
        &["completions", "bash"],
        &["check", "--help"],
        &["--version"],
    ] {
        let out = racelab_into_closed_pipe(args, false);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stderr.is_empty(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn check_all_json_into_head_1_stops_quietly() {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_racelab"))
        .args(["check", "--all", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert!(first.starts_with('{') && first.contains("\"invariant\":"), "{first}");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_closed_stderr_keeps_the_exit_status() {
    let out = racelab_into_closed_pipe(&["show", "nosuch"], true);
    assert_eq!(out.status.code(), Some(2));
    let out = racelab_into_closed_pipe(&["check", "race1a", "--bogus"], true);
    assert_eq!(out.status.code(), Some(2));
    // A warning to a closed stderr does not stop the command's output.
    let out = racelab_into_closed_pipe(&["graph", "race1a", "--max-states", "3"], true);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("digraph"), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn a_full_disk_is_status_1() {
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_racelab")).args(["list"]).stdout(full).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("racelab: cannot write the output: "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

fn stdout_of(args: &[&str]) -> String {
    let out = racelab(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_command_reads_a_schedule_as_permalink_writes_it() {
    let link = stdout_of(&["permalink", "race1a", "--schedule", "writer"]);
    assert!(link.contains("&t=b&"), "{link}");
    for s in ["b", "t=b", "writer"] {
        let summary = stdout_of(&["replay", "race1a", "--schedule", s, "--json"]);
        assert!(summary.lines().last().unwrap().contains(r#""schedule":"writer""#), "{s}: {summary}");
    }
    // The early access of a link, in replay and in graph alike.
    let letters = "_a1b2a2";
    assert!(stdout_of(&["replay", "litmus_sb", "--model", "arm64", "--schedule", letters]).contains("P0.early1 P1*2 P0*2"));
    let dot = stdout_of(&["graph", "litmus_sb", "--model", "arm64", "--kind", "hb", "--schedule", letters]);
    assert!(dot.starts_with("digraph"), "{dot}");
    let dot = stdout_of(&["graph", "litmus_sb", "--model", "arm64", "--kind", "hb", "--schedule", "P0.early1 P1*2 P0*2"]);
    assert!(dot.contains("(5 steps)"), "{dot}");
}

/// The longest schedule anything accepts, printed step by step: one pass over the run (the
/// step table looked back over every earlier step for each one, 5.6 s at this length).
#[test]
fn replay_prints_a_schedule_of_the_maximum_length() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../core/tests/scenarios/por_cycle.race");
    let text = stdout_of(&["replay", file, "--schedule", "spin*100000"]);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[1].contains("100000 steps"), "{}", lines[1]);
    assert!(lines.iter().any(|l| l.starts_with("100000    WRITE_ONCE(a, 0)")), "no step 100000");
    assert!(lines[lines.len() - 2].starts_with("verdict: safe"), "{}", lines[lines.len() - 2]);
    let out = racelab(&["replay", file, "--schedule", "spin*100001"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8(out.stderr).unwrap(), "racelab: schedule, at character 1: more than 100000 steps\n");
}

/// A search of a few seconds, with stderr a pipe: no progress line (it is for terminals).
#[test]
fn a_long_check_prints_no_progress_into_a_pipe() {
    let out = racelab(&["check", "race1b", "--policy", "merged_6ce64428", "--strategy", "random", "--runs", "15000"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8(out.stdout).unwrap().contains("15000 sampled runs found no violation"));
}

/// A counter that `n` threads increment `k` times each without a lock, as `bench/compare`
/// generates it: `(3, 8)` has 8.2 million states without reduction, and nothing to reduce.
fn unlocked_counter(n: usize, k: usize) -> String {
    let mut s = String::from("racelab 1\npolicy as_written {\n  title \"as written\"\n  fate baseline\n}\n");
    s.push_str(
        "scenario counter {\n  title \"an unlocked counter\"\n  policies as_written\n  baseline as_written\n  check no_lost_write\n}\n",
    );
    s.push_str("state {\n  var c=0\n}\n");
    for t in 0..n {
        s.push_str(&format!("thread t{t} on CPU{t} \"increments\" {{\n"));
        s.push_str(&"  r = READ_ONCE(c)\n  WRITE_ONCE(c, r + 1)\n  r = 0\n".repeat(k));
        s.push_str("}\n");
    }
    s
}

fn counter_file(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("racelab-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, unlocked_counter(3, 8)).unwrap();
    path
}

#[test]
fn a_search_past_its_memory_bound_ends_unknown_and_names_the_bound() {
    // Issue 9.5: a search was bounded only by its state count.
    let path = counter_file("memory-bound.race");
    let file = path.to_str().unwrap();
    let out = racelab(&["check", file, "--no-reduction", "--max-memory", "4M"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("stopped at the memory bound of 4 MiB after "), "{stdout}");
    let out = racelab(&["check", file, "--no-reduction", "--max-memory", "4M", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["verdict"].as_str(), v["bound"].as_str()), (Some("unknown"), Some("max_memory")));
    let states = v["states"].as_u64().unwrap();
    assert!((10_000..8_000_000).contains(&states), "{states} states in 4 MiB");
    for bad in ["0", "12Q", "1K", "99999999999T"] {
        let out = racelab(&["check", file, "--max-memory", bad]);
        assert_eq!(out.status.code(), Some(2), "--max-memory {bad}");
    }
}

#[test]
fn under_ulimit_v_a_search_ends_with_a_verdict() {
    // Under an address-space limit, the default memory bound follows it: the search ends in
    // `unknown` rather than in an allocation failure (exit 134).
    let path = counter_file("ulimit.race");
    let script = "ulimit -v 32000 && exec \"$0\" check \"$1\" --no-reduction";
    let out =
        std::process::Command::new("sh").args(["-c", script, env!("CARGO_BIN_EXE_racelab"), path.to_str().unwrap()]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{:?}: {stdout} {}", out.status, String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("stopped at the memory bound of "), "{stdout}");
}
#[test]
fn diagram_draws_the_same_run_from_a_trace_a_schedule_and_a_link() {
    let by_trace = stdout_of(&["diagram", "race1a", "--trace", "lost_write"]);
    assert!(by_trace.contains("ptl_unlock(V)  <-- no_lost_write breaks"), "{by_trace}");
    assert!(by_trace.lines().all(|l| l.len() <= 72 && l.is_ascii()), "{by_trace}");
    let by_schedule = stdout_of(&["diagram", "race1a", "--schedule", "monitor*5 writer*10 stale writer*12 monitor*3"]);
    assert_eq!(by_trace, by_schedule);
    let link = stdout_of(&["permalink", "race1a", "--trace", "lost_write"]);
    let by_link = stdout_of(&["diagram", "--link", &format!("https://example.org/racelab/#{}", link.trim())]);
    assert_eq!(by_trace, by_link);
    let part = stdout_of(&["diagram", "race1a", "--trace", "lost_write", "--steps", "24..26", "--width", "100", "--unicode"]);
    assert!(part.contains("◀── no_lost_write breaks") && !part.contains("\n 23 "), "{part}");
}

#[test]
fn diagram_mail_links_under_the_base_given_or_in_the_environment() {
    let fragment = stdout_of(&["permalink", "race1a", "--trace", "lost_write"]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_racelab"))
        .args(["diagram", "race1a", "--trace", "lost_write", "--mail"])
        .env("RACELAB_BASE_URL", "https://example.org/racelab/")
        .output()
        .unwrap();
    let mail = String::from_utf8(out.stdout).unwrap();
    assert!(mail.lines().any(|l| l == format!("https://example.org/racelab/#{}", fragment.trim())), "{mail}");
    assert!(mail.contains("no_lost_write breaks at step 25"), "{mail}");
    let mail = stdout_of(&["diagram", "race1a", "--trace", "lost_write", "--mail", "--base", "https://h/r/"]);
    assert!(mail.lines().any(|l| l == format!("https://h/r/#{}", fragment.trim())), "{mail}");
}

#[test]
fn render_and_export_write_the_core_s_svg_and_perfetto_json() {
    let dir = std::env::temp_dir().join(format!("racelab-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let svg = dir.join("s.svg");
    let out = racelab(&["render", "race1a", "--trace", "lost_write", "--step", "25", "--format", "svg", "-o", svg.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg ") && text.contains("no_lost_write BROKEN"), "{text}");
    // Without --step, the breaking step.
    assert_eq!(stdout_of(&["render", "race1a", "--trace", "lost_write"]), text);
    let json = stdout_of(&["export", "race1a", "--trace", "lost_write", "--format", "perfetto", "--steps", "20.."]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v["traceEvents"].as_array().is_some_and(|e| e.iter().any(|e| e["name"] == "no_lost_write breaks")));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bad_export_requests_are_messages_with_status_2() {
    for (args, message) in [
        (&["diagram", "race1a", "--trace", "lost_write", "--steps", "30..40"][..], "racelab: steps `30..40`: the trace has 31 steps"),
        (&["diagram", "race1a", "--trace", "lost_write", "--width", "20"], "racelab: width 20: too narrow for 3 CPU columns"),
        (&["diagram", "--link", "v=1&s=race1a&t=zz&i=1"], "racelab: "),
        (&["render", "race1a", "--trace", "lost_write", "--step", "99"], "racelab: step 99 is past the end of the trace (31 steps)"),
        (&["export", "race1a", "--trace", "lost_write"], "racelab: the following required arguments were not provided"),
        (&["diagram", "race1a"], "racelab: the following required arguments were not provided"),
        (
            &["diagram", "--link", "v=1&s=race1a&tr=lost_write&i=1", "--policy", "v5_10"],
            "racelab: the argument '--link <L>' cannot be used with",
        ),
        (
            &["diagram", "race1a", "--trace", "lost_write", "--base", "https://h/"],
            "racelab: the following required arguments were not provided",
        ),
    ] {
        let out = racelab(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.starts_with(message), "{args:?}: {err}");
    }
}

/// `check --json` without the times.
fn verdicts(args: &[&str]) -> Vec<serde_json::Value> {
    let out = racelab(args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let mut lines: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    for v in &mut lines {
        v.as_object_mut().unwrap().remove("ms");
    }
    lines
}

#[test]
fn check_on_several_jobs_prints_the_verdicts_counts_and_traces_of_one_job() {
    let dir = std::env::temp_dir().join(format!("racelab-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("jobs.race");
    std::fs::write(&path, unlocked_counter(3, 4)).unwrap();
    let file = path.to_str().unwrap();
    for args in
        [&["check", "race1b", "--json"][..], &["check", "race2", "--json", "--no-reduction"], &["check", file, "--json", "--no-reduction"]]
    {
        let one = verdicts(&[args, &["--jobs", "1"]].concat());
        assert!(one.iter().all(|v| v["states"].as_u64().unwrap() > 100), "{args:?}: {one:?}");
        for jobs in ["2", "3", "4"] {
            assert_eq!(verdicts(&[args, &["--jobs", jobs]].concat()), one, "{args:?} --jobs {jobs}");
        }
    }
    for bad in ["0", "x", "257"] {
        assert_eq!(racelab(&["check", "race1a", "--jobs", bad]).status.code(), Some(2), "--jobs {bad}");
    }
}

/// A scenario whose thread keeps `page` across a call of a proc that assigns it.
const CLASH: &str = "racelab 1
policy plain {
  title \"as written\"
  fate baseline
}
scenario clash {
  title \"a register clash\"
  policies plain
  baseline plain
  models sc x86_tso
  check no_lost_write
}
state {
  var x=0
  var y=0
}
proc clobber() \"mm/c.c\" {
  page = READ_ONCE(y)
}
thread a on CPU0 \"keeps page\" {
  page = READ_ONCE(x)
  clobber()
  WRITE_ONCE(x, page)
}
";

#[test]
fn check_says_a_register_clash_once_on_stderr_and_in_each_json_line_and_exits_0() {
    let dir = std::env::temp_dir().join(format!("racelab-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("clash.race");
    std::fs::write(&path, CLASH).unwrap();
    let file = path.to_str().unwrap();
    let message = "`clobber` assigns register `page`, which thread `a` set at line 21 and reads at line 23: \
                   registers are shared with the procs a thread calls; rename it";
    let out = racelab(&["check", file]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8(out.stderr).unwrap(), format!("{file}:22:3: warning: {message}\n"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("safe"));
    let out = racelab(&["check", file, "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    for v in &lines {
        assert_eq!(v["warnings"], serde_json::json!([{ "file": file, "line": 22, "col": 3, "message": message }]), "{v}");
    }
    // The catalog warns about nothing: its lines carry no `warnings`.
    let out = racelab(&["check", "race1a", "--policy", "v5_10", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.get("warnings").is_none(), "{v}");
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = racelab(&["replay", file, "--schedule", "a"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning: `clobber` assigns register `page`"), "{out:?}");
}

#[test]
fn verdicts_writes_the_gallerys_table_and_a_path_it_cannot_write_exits_1() {
    let dir = std::env::temp_dir().join(format!("racelab-cli-verdicts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let traces = dir.join("traces");
    std::fs::create_dir_all(&traces).unwrap();
    // A small catalog of its own: two litmus shapes.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../traces/litmus");
    for f in ["sb.race", "mp.race"] {
        std::fs::copy(root.join(f), traces.join(f)).unwrap();
    }
    let traces = traces.to_str().unwrap();
    // A directory is not a file it can write: one line, status 1, before any exploring.
    let out = racelab(&["verdicts", "--traces", traces, "-o", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with(&format!("racelab: cannot write {}: ", dir.display())) && err.lines().count() == 1, "{err}");

    let file = dir.join("verdicts.jsonl");
    let out = racelab(&["verdicts", "--traces", traces, "-o", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
    let text = std::fs::read_to_string(&file).unwrap();
    let table = racelab_core::lab::read_verdict_table(&text).unwrap_or_else(|e| panic!("{e}"));
    let files: Vec<(String, String)> =
        ["sb.race", "mp.race"].iter().map(|f| (f.to_string(), std::fs::read_to_string(root.join(f)).unwrap())).collect();
    let cat = Catalog::from_sources(files);
    assert_eq!(cat.scenarios.len(), 2);
    let mut keys = 0;
    for sc in &cat.scenarios {
        for p in &sc.policies {
            for &m in &sc.models {
                keys += 1;
                let row = table.lookup(sc, &p.name, m).unwrap_or_else(|| panic!("{} {} {}", sc.id, p.name, m.name()));
                let claim = sc.verdicts.iter().find(|v| v.policy == p.name && v.model == m).unwrap();
                assert_eq!(row.invariant(), claim.violated.map(|i| i.name()), "{} {} {}", sc.id, p.name, m.name());
            }
        }
    }
    assert_eq!(table.len(), keys);
    let _ = std::fs::remove_dir_all(&dir);
}
