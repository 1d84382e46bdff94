//! The CLI's output for the whole built-in catalog, byte for byte, against files kept in
//! `cli/tests/golden/`: `list`, `check --all --json` (its `ms` timings set to 0), and `show`,
//! `replay` and `permalink` for every scenario, memory model and policy, and every canonical
//! trace, as text and as JSON. The files were first captured before the CLI moved onto clap and
//! serde, so a change to what the tool prints shows up here as a diff.
//!
//! `UPDATE_EXPECT=1 cargo test -p racelab-cli --test golden` rewrites them from the binary.

use std::path::PathBuf;
use std::process::Command;

fn racelab(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_racelab")).args(args).output().unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

fn stdout(args: &[&str]) -> String {
    let (code, out, err) = racelab(args);
    assert_eq!(code, Some(0), "racelab {}: {err}", args.join(" "));
    out
}

/// Compares `actual` with the golden file `name`, or rewrites it under `UPDATE_EXPECT=1`.
fn expect(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e} (UPDATE_EXPECT=1 writes it)", path.display()));
    if expected == actual {
        return;
    }
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let first = e.iter().zip(&a).position(|(x, y)| x != y).unwrap_or(e.len().min(a.len()));
    let cut = |s: Option<&&str>| s.map(|s| s.chars().take(600).collect::<String>()).unwrap_or_else(|| "(end of output)".into());
    panic!(
        "{name} differs from the golden file at line {} ({} lines expected, {} printed):\nexpected: {}\nprinted:  {}\n\
         (UPDATE_EXPECT=1 rewrites the file if the change is intended)",
        first + 1,
        e.len(),
        a.len(),
        cut(e.get(first)),
        cut(a.get(first)),
    );
}

/// `"ms":12.345` becomes `"ms":0`: the one field of `check --json` that changes between runs.
fn without_timings(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("\"ms\":") {
        out.push_str(&rest[..i + 5]);
        rest = &rest[i + 5..];
        let end = rest.find(|c: char| !(c.is_ascii_digit() || "+-.e".contains(c))).unwrap_or(rest.len());
        out.push('0');
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

struct Case {
    id: String,
    model: String,
    policy: String,
    traces: Vec<String>,
}

/// Every (scenario, model, policy) of the catalog, from `list --json`, in its order.
fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for line in stdout(&["list", "--json"]).lines() {
        let sc: serde_json::Value = serde_json::from_str(line).unwrap();
        let strings =
            |v: &serde_json::Value| -> Vec<String> { v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect() };
        let traces = strings(&sc["traces"]);
        for model in strings(&sc["models"]) {
            for p in sc["policies"].as_array().unwrap() {
                out.push(Case {
                    id: sc["id"].as_str().unwrap().to_string(),
                    model: model.clone(),
                    policy: p["name"].as_str().unwrap().to_string(),
                    traces: traces.clone(),
                });
            }
        }
    }
    assert!(out.len() > 100, "only {} cases", out.len());
    out
}

#[test]
fn list_prints_the_catalog_as_before() {
    expect("list.jsonl", &stdout(&["list", "--json"]));
    expect("list.txt", &stdout(&["list"]));
}

#[test]
fn check_all_json_prints_the_verdict_table_as_before() {
    expect("check-all.jsonl", &without_timings(&stdout(&["check", "--all", "--json"])));
}

#[test]
fn show_prints_every_policy_and_model_as_before() {
    let (mut json, mut text) = (String::new(), String::new());
    for c in cases() {
        let args = ["show", &c.id, "--policy", &c.policy, "--model", &c.model];
        json.push_str(&stdout(&[&args[..], &["--json"]].concat()));
        text.push_str(&stdout(&args));
    }
    expect("show.jsonl", &json);
    expect("show.txt", &text);
}

/// Each run is headed by its command line and exit status, and shows stderr after stdout,
/// so a trace that does not replay under a policy is pinned too.
#[test]
fn replay_and_permalink_print_every_trace_as_before() {
    let (mut json, mut text) = (String::new(), String::new());
    for c in cases() {
        for t in &c.traces {
            let args = ["replay", &c.id, "--policy", &c.policy, "--model", &c.model, "--trace", t];
            let (code, out, err) = racelab(&[&args[..], &["--json"]].concat());
            json.push_str(&format!("## {} (exit {})\n{out}{err}", args.join(" "), code.unwrap()));
            let (code, out, err) = racelab(&args);
            text.push_str(&format!("## {} (exit {})\n{out}{err}", args.join(" "), code.unwrap()));
            let (code, out, err) = racelab(&["permalink", &c.id, "--policy", &c.policy, "--model", &c.model, "--trace", t]);
            text.push_str(&format!("## permalink (exit {}): {out}{err}", code.unwrap()));
        }
    }
    expect("replay.jsonl", &json);
    expect("replay.txt", &text);
}

#[test]
fn timings_are_cut_out_of_check_lines() {
    assert_eq!(without_timings(r#"{"ms":12.5,"x":1}{"ms":3}"#), r#"{"ms":0,"x":1}{"ms":0}"#);
    assert_eq!(without_timings(r#"{"ms":1e-3}"#), r#"{"ms":0}"#);
}
