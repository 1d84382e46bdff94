//! Links between a terminal and a browser: `racelab open` opens what the page opens (version 1
//! and 2, whole URLs, mail damage, older versions) and says so as the page does; `racelab
//! permalink` of a file outside the catalog makes a link that carries it; `archive update`
//! keeps the versions links pin.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn racelab_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_racelab"));
    c.args(args).env_remove("RACELAB_BASE_URL");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn racelab(args: &[&str]) -> Output {
    racelab_env(args, &[])
}

fn ok(args: &[&str]) -> String {
    let out = racelab(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn failure(args: &[&str]) -> String {
    let out = racelab(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8(out.stderr).unwrap()
}

fn traces() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../traces")
}

/// The line of a replay that gives the policy, model, steps and schedule.
fn schedule_line(replay: &str) -> &str {
    replay.lines().find(|l| l.starts_with("policy ")).unwrap_or_else(|| panic!("no schedule line in {replay}"))
}

const LOST_WRITE_V1: &str = "v=1&s=race1a&p=v5_10&t=a5b10cb12a3&i=25";

#[test]
fn open_replays_a_version_1_link_and_says_which_version_it_opened() {
    let out = ok(&["open", LOST_WRITE_V1]);
    let mut lines = out.lines();
    // race1a has changed since links were versioned: a v1 link opens the version it was made from.
    assert_eq!(lines.next(), Some("a version 1 link: race1a as it was when links were first versioned (an older version)"));
    assert!(out.contains("verdict: violated: no_lost_write breaks at step 25"), "{out}");
    let replay = ok(&["replay", "race1a", "--trace", "lost_write"]);
    assert_eq!(schedule_line(&out), schedule_line(&replay));
}

#[test]
fn open_takes_a_whole_url_repairs_mail_damage_and_prints_the_notices() {
    let damaged = format!("<https://example.org/racelab/#{}>.", LOST_WRITE_V1.replace('&', "&amp;"));
    let out = ok(&["open", &damaged]);
    let lines: Vec<&str> = out.lines().take(2).collect();
    assert_eq!(lines[0], "a version 1 link: race1a as it was when links were first versioned (an older version)");
    assert_eq!(lines[1], "note: the link was repaired: `&amp;` was read as `&`; `>.` after the link was dropped");
    let cut = ok(&["open", "v=1&s=race1a&p=v5_10&t=a5b10cb1&i=12", "permalink"]);
    assert!(cut.contains("warning: the schedule ends inside a step (`1`)"), "{cut}");
    assert!(cut.trim_end().lines().last().unwrap().ends_with("&t=a5b10cb&i=12"), "the step asked for is kept: {cut}");
}

#[test]
fn open_warns_of_a_link_made_from_a_version_it_does_not_have() {
    let out = ok(&["open", "v=2&s=race1a&h=aaaaaaaaaa&p=v5_10&t=a5b10cb12a3&i=25", "show"]);
    let lines: Vec<&str> = out.lines().take(2).collect();
    assert_eq!(lines[0], "a version 2 link: race1a as in the current catalog (not the version the link pins)");
    assert_eq!(lines[1], "warning: this link was made from a different version of race1a; the trace may differ from what its author saw");
}

#[test]
fn open_json_starts_with_the_link_and_its_notices() {
    let out = ok(&["open", "v=1&s=RACE1A&p=v5_10&t=a5b10cb12a3&i=25", "--json"]);
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(first["kind"], "link");
    assert_eq!(first["version"], 1);
    assert_eq!(first["step"], 25);
    assert_eq!(first["files"]["kind"], "archived");
    assert_eq!(first["notices"][0]["kind"], "scenario-case");
    assert_eq!(first["notices"][0]["level"], "info");
    let last: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(last["kind"], "summary");
}

#[test]
fn open_checks_the_view_it_opens() {
    let out = ok(&["open", LOST_WRITE_V1, "check"]);
    let row = out.lines().find(|l| l.starts_with("race1a")).unwrap_or_else(|| panic!("{out}"));
    assert!(row.contains("v5_10") && row.contains("violated"), "{row}");
    assert_eq!(out.lines().filter(|l| l.starts_with("race1a")).count(), 1, "only the link's policy and model: {out}");
}

#[test]
fn a_broken_link_exits_2_with_the_core_s_message() {
    assert_eq!(
        failure(&["open", "v=3&s=race1a"]),
        "racelab: broken link: `v=`: unsupported version 3: this racelab opens version 1 and 2 links\n"
    );
    assert_eq!(failure(&["open", "v=1&s=race1a&p=v5_10&i=3"]), "racelab: broken link: the link has no schedule (t= or tr=)\n");
    let e = failure(&["open", &format!("v=1&s=race1a&t=a5&m={}", "z".repeat(100_000))]);
    assert!(e.len() < 200, "{} bytes", e.len());
}

#[test]
fn permalink_prints_a_version_2_link_or_a_whole_url_with_a_base() {
    let fragment = ok(&["permalink", "race1a", "--trace", "lost_write"]);
    let fragment = fragment.trim_end();
    assert!(fragment.starts_with("v=2&s=race1a&h=") && fragment.ends_with("&p=v5_10&t=a5b10cb12a3&i=25"), "{fragment}");
    let url = ok(&["permalink", "race1a", "--trace", "lost_write", "--base", "https://example.org/racelab/"]);
    assert_eq!(url.trim_end(), format!("https://example.org/racelab/#{fragment}"));
    let out = racelab_env(&["permalink", "race1a", "--trace", "lost_write"], &[("RACELAB_BASE_URL", "https://example.org/r/")]);
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim_end(), format!("https://example.org/r/#{fragment}"));
    // And back: the URL opens on the current files, with no notice.
    let back = ok(&["open", url.trim_end(), "permalink"]);
    assert_eq!(back.lines().collect::<Vec<_>>(), ["a version 2 link: race1a as in the current catalog", fragment]);
}

#[test]
fn a_file_outside_the_catalog_travels_in_its_link() {
    let dir = std::env::temp_dir().join(format!("racelab-links-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // An edit of race 1A's scenario file (one line of its title), under another name.
    let text = std::fs::read_to_string(traces().join("race1a-uffd-unprotect.race")).unwrap();
    let edited = text.replacen("title \"", "title \"(edited) ", 1);
    assert_ne!(edited, text);
    let file = dir.join("my race.race");
    std::fs::write(&file, &edited).unwrap();
    let file = file.to_str().unwrap();
    let link = ok(&["permalink", file, "--trace", "lost_write"]);
    let link = link.trim_end();
    assert!(link.starts_with("v=2&s=race1a&h=") && link.contains("&src="), "{link}");
    assert!(link.len() < 6000, "{} bytes", link.len());
    let opened = ok(&["open", link]);
    assert_eq!(opened.lines().next(), Some("a version 2 link: race1a from the files the link carries"));
    assert!(opened.lines().nth(1).unwrap().starts_with("note: this link carries its own source: my_race.race (new)"), "{opened}");
    assert!(opened.contains("race1a (race 1A): (edited) "), "{opened}");
    assert_eq!(schedule_line(&opened), schedule_line(&ok(&["replay", file, "--trace", "lost_write"])));
    // The link of what opened is the link.
    assert_eq!(ok(&["open", link, "permalink"]).lines().last(), Some(link));
    std::fs::remove_dir_all(&dir).unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

#[test]
fn archive_update_adds_a_changed_proc_once() {
    let dir = std::env::temp_dir().join(format!("racelab-archive-{}", std::process::id()));
    let t = dir.join("traces");
    copy_dir(&traces(), &t);
    let t_str = t.to_str().unwrap();
    let none = ok(&["archive", "update", "--traces", t_str, "--date", "2030-01-01"]);
    assert!(!none.contains("added"), "the repository's archive holds the catalog: {none}");
    let memory = t.join("kernel/memory.race");
    let text = std::fs::read_to_string(&memory).unwrap();
    std::fs::write(&memory, text.replacen("  do_wp_page(va, unshare)\n}", "  flush_tlb_page(va)\n  do_wp_page(va, unshare)\n}", 1))
        .unwrap();
    let added = ok(&["archive", "update", "--traces", t_str, "--date", "2030-01-01"]);
    assert!(added.lines().any(|l| l.starts_with("added version ") && l.ends_with(" of kernel/memory.race")), "{added}");
    assert!(added.contains("added set of race1a (2030-01-01)"), "{added}");
    let again = ok(&["archive", "update", "--traces", t_str, "--date", "2030-01-01"]);
    assert!(!again.contains("added"), "{again}");
    assert!(failure(&["archive", "update", "--traces", t_str, "--date", "tomorrow"]).contains("not YYYY-MM-DD"));
    std::fs::remove_dir_all(&dir).unwrap();
}
