//! The command line takes a C litmus test wherever it takes a `.race` file.

fn racelab(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_racelab")).args(args).output().unwrap()
}

const SB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../core/tests/litmus/sb.litmus");

#[test]
fn check_explores_a_litmus_file_under_the_model_asked_for() {
    for (model, verdict) in [("sc", "safe"), ("x86-tso", "violated"), ("arm64", "violated")] {
        let out = racelab(&["check", SB, "--model", model, "--json"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!((v["scenario"].as_str(), v["memory_model"].as_str()), (Some("SB_plain_marked"), Some(model)));
        assert_eq!(v["verdict"].as_str(), Some(verdict), "{model}");
    }
}

#[test]
fn show_and_replay_take_a_litmus_file() {
    let out = racelab(&["show", SB]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("r0 = READ_ONCE(y)"), "{text}");
    let out = racelab(&["replay", SB, "--model", "x86-tso", "--schedule", "P0*2 P1*2 P0.drain P1.drain", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let last: serde_json::Value = serde_json::from_str(String::from_utf8(out.stdout).unwrap().lines().last().unwrap()).unwrap();
    assert_eq!((last["verdict"].as_str(), last["invariant"].as_str()), (Some("violated"), Some("exists")));
}

#[test]
fn an_unsupported_litmus_test_exits_2_naming_the_file_line_and_primitive() {
    let dir = std::env::temp_dir().join(format!("racelab-cli-litmus-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("SB+rcu.litmus");
    std::fs::write(&path, "C SB+rcu\n{}\nP0(int *x)\n{\n\trcu_read_lock();\n}\nexists (x=0)\n").unwrap();
    let out = racelab(&["check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("SB+rcu.litmus:5:2: rcu_read_lock() is not supported (racelab models no RCU grace periods)"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
