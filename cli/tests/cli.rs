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
