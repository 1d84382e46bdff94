//! Text from a `.race` file or the command line reaches the terminal with its control
//! characters escaped: no clear screen, window title or colour from a scenario's strings.

use std::path::PathBuf;
use std::process::{Command, Output};

fn racelab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_racelab")).args(args).output().unwrap()
}

/// A directory of its own for each test, holding the SB litmus test with `title` in place of
/// its title (and `note` as one more note).
fn scenario_dir(test: &str, title: &str, note: &str) -> (PathBuf, String) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
    let src = std::fs::read_to_string(root.join("traces/litmus/sb.race")).unwrap();
    let src = src.replacen("title \"SB: store buffering\"", &format!("title \"{title}\""), 1).replacen(
        "  race \"litmus\"",
        &format!("  race \"litmus\"\n  note \"{note}\""),
        1,
    );
    let dir = std::env::temp_dir().join(format!("racelab-hostile-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("sb.race");
    std::fs::write(&file, src).unwrap();
    (dir, file.to_string_lossy().into_owned())
}

fn has_raw(bytes: &[u8], c: char) -> bool {
    let mut buf = [0u8; 4];
    let enc = c.encode_utf8(&mut buf).as_bytes();
    bytes.windows(enc.len()).any(|w| w == enc)
}

#[test]
fn bidirectional_overrides_in_strings_are_printed_escaped() {
    let (dir, file) = scenario_dir("bidi", "SB \u{202e}reffub erots\u{202c}", "see \u{2066}here\u{2069}");
    let dir_s = dir.to_string_lossy().into_owned();
    for args in [
        vec!["show", &file],
        vec!["list", "--traces", &dir_s],
        vec!["replay", &file, "--model", "x86-tso", "--trace", "buffered"],
        vec!["explain", &file, "--model", "x86-tso"],
    ] {
        let out = racelab(&args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("SB \\u{202e}reffub erots\\u{202c}"), "{args:?}: {text}");
        for c in ['\u{202e}', '\u{202c}', '\u{2066}', '\u{2069}'] {
            assert!(!has_raw(text.as_bytes(), c), "{args:?} prints {c:?} raw");
        }
    }
    let out = racelab(&["show", &file, "--json"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!has_raw(text.as_bytes(), '\u{202e}'), "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["scenario"]["title"].as_str(), Some("SB \u{202e}reffub erots\u{202c}"));
    assert_eq!(v["scenario"]["notes"][0].as_str(), Some("see \u{2066}here\u{2069}"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_terminal_escape_in_a_string_is_refused_and_shown_escaped() {
    let (dir, file) = scenario_dir("esc", "SB \u{1b}[2J\u{1b}]0;owned\u{7}", "fine");
    for args in [vec!["show", &file], vec!["check", &file], vec!["replay", &file, "--schedule", "P0"]] {
        let out = racelab(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!has_raw(&out.stderr, '\u{1b}') && !has_raw(&out.stdout, '\u{1b}'), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(":26:13: a string cannot hold the control character `\\u{1b}`"), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // Read as part of a catalog, the file is reported and left out; the rest still lists.
    let out = racelab(&["list", "--traces", &dir.to_string_lossy()]);
    assert!(!has_raw(&out.stderr, '\u{1b}'), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn escapes_on_the_command_line_come_back_escaped() {
    for args in [
        &["show", "\u{1b}[31mred"][..],
        &["show", "race1a", "--policy", "\u{1b}]0;x\u{7}"],
        &["replay", "race1a", "--schedule", "\u{1b}[2J"],
        &["replay", "race1a", "--trace", "\u{9b}2J"],
        &["open", "v=1&s=race1a&t=a5&m=\u{1b}[2J"],
        &["open", "v=1&s=race1a&t=a5&m=%1B[2J"],
        &["open", "v=2&s=race1a&h=aaaaaaaaaa&t=a5&note=1:%1B[2J"],
    ] {
        let out = racelab(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!has_raw(&out.stderr, '\u{1b}') && !has_raw(&out.stderr, '\u{9b}'), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("\\u{1b}") || err.contains("\\u{9b}"), "{args:?}: {err}");
    }
}

#[test]
fn a_message_is_one_line_whatever_it_quotes() {
    let out = racelab(&["show", "two\nlines"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("racelab: unknown scenario `two\\nlines`"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn a_file_that_is_not_utf8_or_too_large_is_named_with_where_it_breaks() {
    let (dir, _) = scenario_dir("bytes", "SB", "n");
    let bad = dir.join("bad.race");
    std::fs::write(&bad, b"racelab 1\nscenario x {\n  title \"\xff\"\n}\n").unwrap();
    let bad = bad.to_string_lossy().into_owned();
    let out = racelab(&["check", &bad]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("bad.race:3:10: byte 0xff is not UTF-8"), "{err}");
    // In a catalog directory too, before any file is parsed.
    let out = racelab(&["list", "--traces", &dir.to_string_lossy()]);
    assert!(String::from_utf8(out.stderr).unwrap().contains("bad.race:3:10: byte 0xff"));
    let big = dir.join("big.race");
    std::fs::write(&big, vec![b' '; (1 << 20) + 1]).unwrap();
    let out = racelab(&["show", &big.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("the file is 1048577 bytes long"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}
