//! Links keep showing what their author saw: the stored links of version 1 (made by `racelab
//! permalink` before links were versioned) and of version 2 (made by the core for every
//! canonical trace under every policy and model) open exactly as recorded, on the catalog as it
//! is and after a deliberate change to a kernel proc; a link with an unknown pin opens with a
//! warning. `UPDATE_EXPECT=1` rewrites the recorded outcomes; the links themselves stay.

use std::path::PathBuf;

use racelab_core::lab::{self, schedule, view, Archive, Catalog, Files, Library, MemoryModel, NoticeKind, NoticeLevel, Outcome, PIN_CHARS};
use racelab_core::pack;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/links")
}

/// What a link opens, in one line: the steps of the run, its outcome, its schedule and a
/// digest of the state shown (every value of the state view).
fn outcome_line(lib: &Library, link: &str) -> Result<String, String> {
    let v = lab::open_link(lib, link).map_err(|e| e.to_string())?;
    let o = &v.opened;
    let outcome = match o.run.outcome(&o.program) {
        Outcome::Safe => "safe".to_string(),
        Outcome::Violated { invariant, step } => format!("{}@{step}", invariant.name()),
    };
    let state = serde_json::to_string(&view::state(&o.program, &o.run.states[v.step])).unwrap();
    let digest = pack::hex(&pack::sha256(state.as_bytes())[..6]);
    Ok(format!("step={} steps={} {outcome} run={} state={digest}", v.step, o.run.steps.len(), schedule::encode(&o.run.schedule)))
}

struct Golden {
    links: Vec<(String, String)>,
}

fn read(name: &str) -> Golden {
    let text = std::fs::read_to_string(dir().join(name)).unwrap();
    let links = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| match l.split_once(' ') {
            Some((link, expect)) => (link.to_string(), expect.to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect();
    Golden { links }
}

fn write(name: &str, header: &str, lines: &[(String, String)]) {
    let mut s = String::from(header);
    for (l, e) in lines {
        s.push_str(&format!("{l} {e}\n"));
    }
    std::fs::write(dir().join(name), s).unwrap();
}

const V1_HEADER: &str = "# Version 1 links, as `racelab permalink SCENARIO --policy P --model M --trace T [--step 0]` printed them\n# before links were versioned, for every canonical trace under every policy and model; after each,\n# what it opens: the step shown, the run's steps, its outcome, its schedule and a digest of the state.\n";
const V2_HEADER: &str = "# Version 2 links made by the core for every canonical trace under every policy and model, on the\n# day versioned links began; after each, what it opens (as in v1.txt).\n";

/// A link opens the files its author saw: the current ones without a notice, or, when the
/// scenario has changed since, the archived ones with exactly one notice that says so.
fn assert_opens_its_authors_version(v: &lab::LinkView, link: &str) {
    match v.files {
        Files::Current => assert!(v.notices.is_empty(), "{link}: {:?}", v.notices),
        Files::Archived { .. } => {
            assert_eq!(v.notices.iter().map(|n| n.kind).collect::<Vec<_>>(), [NoticeKind::OlderVersion], "{link}: {:?}", v.notices);
            assert!(v.notices[0].text.contains("a newer version exists"), "{link}: {}", v.notices[0].text);
        }
        ref other => panic!("{link}: opened {other:?}"),
    }
}

fn update() -> bool {
    std::env::var_os("UPDATE_EXPECT").is_some()
}

/// Every canonical trace under every policy and model: (scenario, policy, model, trace).
fn canonical(cat: &Catalog) -> Vec<(String, String, MemoryModel, String)> {
    let mut out = Vec::new();
    for sc in &cat.scenarios {
        for t in lab::trace_outcomes(sc) {
            if t.result.is_ok() {
                out.push((sc.id.clone(), t.policy, t.model, t.trace));
            }
        }
    }
    out
}

#[test]
fn stored_version_1_links_open_exactly_as_recorded() {
    let lib = Library::builtin();
    let g = read("v1.txt");
    assert!(g.links.len() > 400, "{} links", g.links.len());
    let mut lines = Vec::new();
    let mut wrong = Vec::new();
    for (link, expect) in &g.links {
        let got = outcome_line(&lib, link).unwrap_or_else(|e| format!("error: {e}"));
        if !update() && got != *expect {
            wrong.push(format!("{link}\n  expected {expect}\n  got      {got}"));
        }
        let v = lab::open_link(&lib, link).unwrap();
        assert_eq!(v.version, 1);
        assert_opens_its_authors_version(&v, link);
        lines.push((link.clone(), got));
    }
    if update() {
        write("v1.txt", V1_HEADER, &lines);
    }
    assert!(wrong.is_empty(), "{} of {} links open differently:\n{}", wrong.len(), g.links.len(), wrong.join("\n"));
}

#[test]
fn every_canonical_version_1_link_opens() {
    // As the gallery wrote them before links were versioned: `tr=` at the breaking step, for
    // every canonical trace of each scenario's files of that time (a policy or model added since
    // was never in a version 1 link).
    let lib = Library::builtin();
    let mut all = Vec::new();
    for sc in &lib.current().scenarios {
        let then = match lib.archive().v1_baseline(&sc.id) {
            Some(set) => lib.catalog_of(lib.archive().files(set).unwrap()),
            None => lib.current(),
        };
        all.extend(canonical(then).into_iter().filter(|(s, ..)| *s == sc.id));
    }
    assert!(all.len() > 200);
    for (s, p, m, t) in &all {
        let model = if *m == MemoryModel::Sc { String::new() } else { format!("&m={}", m.name()) };
        for i in ["", "&i=0"] {
            let link = format!("v=1&s={s}&p={p}{model}&tr={t}{i}");
            let v = lab::open_link(&lib, &link).unwrap_or_else(|e| panic!("{link}: {e}"));
            assert_eq!((v.opened.program.policy.as_str(), v.opened.program.model), (p.as_str(), *m), "{link}");
            let older = v.notices.iter().any(|n| n.kind == NoticeKind::OlderVersion);
            match v.files {
                Files::Current => assert!(!older, "{link}: {:?}", v.notices),
                Files::Archived { .. } => assert!(older, "{link}: {:?}", v.notices),
                ref other => panic!("{link}: opened {other:?}"),
            }
        }
    }
}

fn v2_links(lib: &Library) -> Vec<String> {
    let mut out = Vec::new();
    for (s, p, m, t) in canonical(lib.current()) {
        let req = lab::Request { scenario: s, policy: Some(p), model: m, schedule: lab::ScheduleSpec::Trace(t), nearest: true };
        let o = lab::open(lib.current(), &req).unwrap();
        let step = match o.run.outcome(&o.program) {
            Outcome::Violated { step, .. } => step,
            Outcome::Safe => o.run.steps.len(),
        };
        out.push(lab::permalink(lib, &o, step).to_fragment());
    }
    out
}

#[test]
fn stored_version_2_links_open_exactly_as_recorded() {
    // Made by the core for every canonical trace when versioned links began; they keep opening
    // what they showed then, from the archive once their scenario has changed.
    let lib = Library::builtin();
    let g = read("v2.txt");
    assert!(g.links.len() > 200);
    let mut lines = Vec::new();
    for (link, expect) in &g.links {
        assert!(link.starts_with("v=2&") && link.contains("&h="), "{link}");
        assert!(!link.contains("&src="), "a catalog link carries no source: {link}");
        let got = outcome_line(&lib, link).unwrap();
        if !update() {
            assert_eq!(&got, expect, "{link}");
        }
        let v = lab::open_link(&lib, link).unwrap();
        assert_eq!(v.version, 2, "{link}");
        assert_opens_its_authors_version(&v, link);
        // The link of the opened view is the link.
        assert_eq!(v.link(&lib).to_fragment(), *link);
        lines.push((link.clone(), got));
    }
    if update() {
        write("v2.txt", V2_HEADER, &lines);
    }
}

#[test]
fn version_2_links_made_today_open_the_current_files_and_round_trip() {
    let lib = Library::builtin();
    let links = v2_links(&lib);
    assert!(links.len() > 200);
    for link in &links {
        assert!(!link.contains("&src="), "a catalog link carries no source: {link}");
        let v = lab::open_link(&lib, link).unwrap();
        assert_eq!((v.version, &v.files), (2, &Files::Current), "{link}");
        assert!(v.notices.is_empty(), "{link}: {:?}", v.notices);
        assert_eq!(v.link(&lib).to_fragment(), *link);
    }
}

/// The built-in catalog with a deliberate change to a kernel proc: the write fault flushes the
/// faulting address's TLB entry before `do_wp_page`, which closes race 1A's lost write.
fn changed_catalog() -> Catalog {
    let mut files: Vec<(String, String)> = lab::builtin_files().iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    let memory = files.iter_mut().find(|(n, _)| n == "kernel/memory.race").unwrap();
    let before = memory.1.clone();
    memory.1 = memory.1.replacen("  do_wp_page(va, unshare)\n}", "  flush_tlb_page(va)\n  do_wp_page(va, unshare)\n}", 1);
    assert_ne!(memory.1, before, "the fixture's change no longer applies to kernel/memory.race");
    let cat = Catalog::from_sources(files);
    assert!(cat.errors.is_empty(), "{:?}", cat.errors);
    cat
}

#[test]
fn after_a_change_to_a_kernel_proc_old_links_open_the_old_version_with_a_notice() {
    let lib = Library::new(changed_catalog(), Archive::builtin());
    // The change matters: race 1A's lost write no longer happens on the changed catalog.
    let now = lab::Request {
        scenario: "race1a".into(),
        policy: Some("v5_10".into()),
        model: MemoryModel::Sc,
        schedule: lab::ScheduleSpec::Trace("lost_write".into()),
        nearest: true,
    };
    let o = lab::open(lib.current(), &now).unwrap();
    assert_eq!(o.run.outcome(&o.program), Outcome::Safe);

    for name in ["v1.txt", "v2.txt"] {
        let g = read(name);
        let mut older = 0;
        for (link, expect) in &g.links {
            assert_eq!(&outcome_line(&lib, link).unwrap(), expect, "{name}: {link}");
            let v = lab::open_link(&lib, link).unwrap();
            let uses_memory = v.opened.scenario.files.iter().any(|f| f.path == "kernel/memory.race");
            if !uses_memory {
                // As on the built-in catalog: the change does not touch it.
                let builtin = lab::open_link(self::builtin(), link).unwrap();
                assert_eq!(v.files, builtin.files, "{link}");
                assert_eq!(v.notices, builtin.notices, "{link}");
                continue;
            }
            older += 1;
            assert!(matches!(v.files, Files::Archived { .. }), "{link}: {:?}", v.files);
            let n: Vec<_> = v.notices.iter().filter(|n| n.kind == NoticeKind::OlderVersion).collect();
            assert_eq!(n.len(), 1, "{link}: {:?}", v.notices);
            assert!(n[0].text.contains("a newer version exists"), "{}", n[0].text);
            // The action opens the same schedule on the current version, without a notice.
            let action = n[0].action.as_ref().unwrap_or_else(|| panic!("{link}: no action"));
            // (This fixture's current files are in no archive, so that link carries them.)
            let cur = lab::open_link(&lib, &action.link).unwrap_or_else(|e| panic!("{}: {e}", action.link));
            let hashes = |sc: &racelab_core::lab::Scenario| sc.files.iter().map(|f| f.hash.clone()).collect::<Vec<_>>();
            assert_eq!(hashes(cur.opened.scenario), hashes(lib.current().scenario(&cur.opened.scenario.id).unwrap()), "{}", action.link);
            assert!(cur.notices.iter().all(|n| n.level == NoticeLevel::Info), "{}: {:?}", action.link, cur.notices);
            // The view's own link keeps the old version.
            let again = lab::open_link(&lib, &v.link(&lib).to_fragment()).unwrap();
            assert!(matches!(again.files, Files::Archived { .. }), "{link}: {:?}", again.files);
            assert_eq!(hashes(again.opened.scenario), hashes(v.opened.scenario), "{link}");
        }
        assert!(older > 60, "{name}: {older} links use kernel/memory.race");
    }
}

#[test]
fn a_link_with_an_unknown_pin_opens_the_current_version_with_a_warning() {
    let lib = Library::builtin();
    let v = lab::open_link(&lib, "v=2&s=race1a&h=aaaaaaaaaa&p=v5_10&t=a5b10cb12a3&i=25").unwrap();
    assert_eq!((v.files.clone(), v.step), (Files::Unpinned, 25));
    assert_eq!(v.notices.len(), 1);
    assert_eq!(v.notices[0].kind, NoticeKind::UnknownVersion);
    assert_eq!(v.notices[0].level, NoticeLevel::Warning);
    assert_eq!(
        v.notices[0].to_string(),
        "warning: this link was made from a different version of race1a; the trace may differ from what its author saw"
    );
}

#[test]
fn pins_are_short_and_differ_by_model_and_files() {
    let lib = Library::builtin();
    let cat = lib.current();
    let sc = cat.scenario("litmus_sb").unwrap();
    let pins: Vec<String> = sc.models.iter().map(|m| lab::pin(sc, *m)).collect();
    assert!(pins.iter().all(|p| p.len() == PIN_CHARS), "{pins:?}");
    assert_eq!(pins.len(), 3);
    assert!(pins[0] != pins[1] && pins[1] != pins[2] && pins[0] != pins[2], "{pins:?}");
    let a = lab::pin(cat.scenario("race1a").unwrap(), MemoryModel::Sc);
    let b = lab::pin(cat.scenario("race1b").unwrap(), MemoryModel::Sc);
    assert_ne!(a, b);
    let changed = changed_catalog();
    assert_ne!(lab::pin(changed.scenario("race1a").unwrap(), MemoryModel::Sc), a, "a kernel file is pinned");
}

#[test]
fn the_archive_holds_every_file_and_set_of_the_catalog() {
    // What `archive update` must have added before a change to traces/ lands.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../traces/archive");
    let index = std::fs::read_to_string(root.join("index.txt")).expect("traces/archive/index.txt");
    let mut blobs = Vec::new();
    for e in std::fs::read_dir(&root).unwrap() {
        let p = e.unwrap().path();
        if let Some(h) = p.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".z")) {
            blobs.push((h.to_string(), std::fs::read(&p).unwrap()));
        }
    }
    let archive = Archive::parse(&index, blobs.iter().map(|(h, b)| (h.as_str(), b.as_slice()))).unwrap();
    let hint = "run `cargo run -p racelab-cli -- archive update` and commit traces/archive/";
    let mut missing = Vec::new();
    for (path, text) in lab::builtin_files() {
        let h = pack::file_hash(text);
        if !archive.knows(&h) {
            missing.push(format!("traces/{path} (version {h})"));
        }
    }
    for h in archive.hashes() {
        archive.text(h).unwrap_or_else(|e| panic!("{e}"));
    }
    let cat = Catalog::builtin();
    for sc in &cat.scenarios {
        for m in &sc.models {
            if archive.find(&sc.id, *m, &lab::pin(sc, *m)).is_empty() {
                missing.push(format!("the files of {} under {}", sc.id, m.name()));
            }
        }
        assert!(archive.v1_baseline(&sc.id).is_some() || !read("v1.txt").links.iter().any(|(l, _)| l.contains(&format!("s={}&", sc.id))));
    }
    assert!(missing.is_empty(), "the archive lacks {}: {hint}", missing.join(", "));
    assert!(archive.collisions().is_empty(), "{:?}", archive.collisions());
}

fn builtin() -> &'static Library {
    static LIB: std::sync::OnceLock<Library> = std::sync::OnceLock::new();
    LIB.get_or_init(Library::builtin)
}

fn open(link: &str) -> lab::LinkView<'static> {
    lab::open_link(builtin(), link).unwrap_or_else(|e| panic!("{link}: {e}"))
}

/// The notices of [`kinds`].
fn others<'v>(v: &'v lab::LinkView) -> Vec<&'v lab::Notice> {
    v.notices.iter().filter(|n| n.kind != NoticeKind::OlderVersion).collect()
}

/// The notices a link gives besides the one that says it opened an older version of a scenario
/// changed since (whether it does depends on the catalog's history, not on the link).
fn kinds(v: &lab::LinkView) -> Vec<NoticeKind> {
    v.notices.iter().map(|n| n.kind).filter(|k| *k != NoticeKind::OlderVersion).collect()
}

const LOST_WRITE: &str = "v=1&s=race1a&p=v5_10&t=a5b10cb12a3&i=25";

#[test]
fn mail_damage_is_repaired_and_said() {
    for damaged in [
        format!("{LOST_WRITE}."),
        format!("{LOST_WRITE})"),
        format!("{LOST_WRITE}>"),
        format!("{LOST_WRITE},"),
        LOST_WRITE.replace('&', "&amp;"),
        format!("https://example.org/racelab/#{}\n{}", &LOST_WRITE[..21], &LOST_WRITE[21..]),
    ] {
        let v = open(&damaged);
        assert_eq!((v.step, v.opened.run.steps.len()), (25, 31), "{damaged}");
        assert_eq!(kinds(&v), [NoticeKind::Repaired], "{damaged}");
        assert!(others(&v)[0].text.starts_with("the link was repaired: "), "{}", others(&v)[0].text);
    }
    let v = open(&format!("#{LOST_WRITE}"));
    assert!(kinds(&v).is_empty(), "{:?}", v.notices);
}

#[test]
fn scenario_ids_match_regardless_of_case_where_unambiguous() {
    let v = open(&LOST_WRITE.replace("race1a", "RACE1A"));
    assert_eq!(v.opened.scenario.id, "race1a");
    assert_eq!(others(&v)[0].to_string(), "note: scenario `RACE1A` was read as `race1a`");
    // Two scenarios that differ only in case: the id must be exact.
    let file = |id: &str| format!("racelab 1\nscenario {id} {{\n  title \"t\"\n}}\nthread a {{\n  cpu 0\n}}\n");
    let cat = Catalog::from_sources(vec![("a.race".to_string(), file("ab")), ("b.race".to_string(), file("AB"))]);
    let two = Library::new(cat, Archive::builtin());
    if two.current().scenarios.len() == 2 {
        let e = lab::open_link(&two, "v=1&s=Ab&t=").err().unwrap().to_string();
        assert!(e.starts_with("unknown scenario `Ab`"), "{e}");
    }
}

#[test]
fn a_schedule_cut_short_opens_what_remains_at_the_nearest_step() {
    let lib = Library::builtin();
    // `b12` cut to `b1`, which no link spells: the last step was cut. The step asked for exists
    // in what remains: it is kept.
    let v = open("v=1&s=race1a&p=v5_10&t=a5b10cb1&i=12");
    assert_eq!((v.step, v.opened.run.steps.len()), (12, 17));
    assert_eq!(kinds(&v), [NoticeKind::ScheduleCut]);
    assert_eq!(
        others(&v)[0].text,
        "the schedule ends inside a step (`1`): the link may have been cut short; it opened the 17 steps before it"
    );
    // A count too large to be a step count is not a cut count: the link is broken.
    let e = lab::open_link(&lib, "v=1&s=race1a&p=v5_10&t=a99999999999999999999").err().unwrap().to_string();
    assert!(e.contains("99999999999999999999"), "{e}");
    let v = open("v=1&s=race1a&p=v5_10&t=a1");
    assert!(others(&v)[0].text.ends_with("it opened the 1 step before it"), "{}", others(&v)[0].text);
    // It does not: the last step, with a notice.
    let v = open("v=1&s=race1a&p=v5_10&t=a5b10cb1&i=25");
    assert_eq!(v.step, 17);
    assert_eq!(kinds(&v), [NoticeKind::ScheduleCut, NoticeKind::StepPastEnd]);
    assert_eq!(
        others(&v)[1].text,
        "the link asks for step 25, but its run has 17 steps (the link may have been cut short): it opened step 17"
    );
    let v = open("v=1&s=race1a&p=v5_10&t=a5b10c&i=25");
    assert_eq!((v.step, kinds(&v)), (16, vec![NoticeKind::StepPastEnd]));
    // The cut took `i=` with it.
    let v = open("v=1&s=race1a&p=v5_10&t=a5b10cb1");
    assert_eq!((v.step, kinds(&v)), (17, vec![NoticeKind::ScheduleCut, NoticeKind::NoStep]));
    let v = open("v=1&s=race1a&p=v5_10&t=a5b10cb12a3");
    assert_eq!(v.step, 25, "no step: where the invariant breaks");
    assert!(others(&v)[0].text.ends_with("it opened step 25, where no_lost_write breaks"), "{}", others(&v)[0].text);
    // Cut inside an access performed early (`_b1…`), or through its pc.
    let v = open("v=1&s=litmus_mp&p=po&m=arm64&t=a2_b&i=3");
    assert_eq!((v.opened.run.steps.len(), v.step), (2, 2));
    assert_eq!(kinds(&v), [NoticeKind::ScheduleCut, NoticeKind::StepPastEnd]);
    assert!(others(&v)[0].text.starts_with("the schedule ends inside a step (`_b`)"), "{}", others(&v)[0].text);
    let v = open("v=1&s=litmus_mp&p=po&m=arm64&t=a2_b99&i=3");
    assert_eq!(v.opened.run.steps.len(), 2);
    assert_eq!(kinds(&v)[0], NoticeKind::ScheduleCut);
    // A schedule that is wrong, not cut, is still an error.
    let e = lab::open_link(&lib, "v=1&s=race1a&p=v5_10&t=c2&i=1").err().unwrap().to_string();
    assert_eq!(e, "the schedule is invalid at step 2: thread `stale` cannot run: it has finished");
}

fn edited_race1a() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = lab::builtin_files().iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    let f = files.iter_mut().find(|(n, _)| n == "kernel/memory.race").unwrap();
    f.1 = f.1.replacen("  do_wp_page(va, unshare)\n}", "  flush_tlb_page(va)\n  do_wp_page(va, unshare)\n}", 1);
    files
}

#[test]
fn an_edited_scenario_travels_in_its_link_and_opens_on_the_same_step() {
    let lib = Library::builtin();
    let cat = lib.catalog_of(edited_race1a());
    let req = lab::Request {
        scenario: "race1a".into(),
        policy: Some("v5_10".into()),
        model: MemoryModel::Sc,
        schedule: lab::ScheduleSpec::Trace("lost_write".into()),
        nearest: true,
    };
    let o = lab::open(cat, &req).unwrap();
    let link = lab::permalink(&lib, &o, 20).to_fragment();
    assert!(link.contains("&src="), "{link}");
    assert!(link.len() < 400, "a one-line edit makes a short link: {} bytes: {link}", link.len());
    // Somewhere else: a fresh library of the built-in catalog.
    let elsewhere = Library::builtin();
    let v = lab::open_link(&elsewhere, &link).unwrap();
    assert_eq!(v.files, Files::Source);
    assert_eq!((v.step, &v.opened.run.schedule), (20, &o.run.schedule));
    assert_eq!(v.opened.run.states[20], o.run.states[20]);
    assert_eq!(kinds(&v), [NoticeKind::OwnSource]);
    assert_eq!(v.notices[0].text, "this link carries its own source: kernel/memory.race (edited)");
    assert_eq!(v.link(&elsewhere).to_fragment(), link, "the link of the view is the link");
}

/// The library remembers whether the archive finds a scenario's files by scenario, model and
/// pin: one library asked in turns of the catalog's race1a and an edited one answers each.
#[test]
fn one_library_links_the_catalogs_scenario_by_pin_and_an_edited_one_with_its_files() {
    let lib = Library::builtin();
    let edited = lib.catalog_of(edited_race1a()).scenario("race1a").unwrap();
    let current = lib.current().scenario("race1a").unwrap();
    for _ in 0..2 {
        for (sc, carries) in [(current, false), (edited, true)] {
            let l = lib.link(sc, "v5_10", MemoryModel::Sc, lab::LinkSchedule::Trace("lost_write".into()), 3);
            assert_eq!(l.source.is_some(), carries, "{}", l.to_fragment());
            assert_eq!(lib.finds(sc, MemoryModel::Sc), !carries);
        }
    }
}

#[test]
fn a_new_scenario_of_8_kb_and_more_opens_from_its_link() {
    let lib = Library::builtin();
    let mut rng = racelab_core::rng::Rng::new(11);
    let mut text = String::from("racelab 1\n");
    // Comments of random letters, which deflate cannot shrink much.
    for _ in 0..200 {
        let line: String = (0..60).map(|_| (b'a' + rng.below(26) as u8) as char).collect();
        text.push_str(&format!("# {line}\n"));
    }
    text.push_str(
        &std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../traces/litmus/sb.race"))
            .unwrap()
            .replace("racelab 1\n", "")
            .replace("scenario litmus_sb", "scenario my_sb"),
    );
    let cat = lib.catalog_of(vec![("mine/sb.race".to_string(), text)]);
    assert!(cat.errors.is_empty(), "{:?}", cat.errors);
    let sc = cat.scenario("my_sb").unwrap();
    let req = lab::Request {
        scenario: sc.id.clone(),
        policy: None,
        model: MemoryModel::Sc,
        schedule: lab::ScheduleSpec::Trace(sc.traces[0].name.clone()),
        nearest: true,
    };
    let o = lab::open(cat, &req).unwrap();
    let link = lib.share(&lab::permalink(&lib, &o, 2)).unwrap();
    assert!(link.len() > 8 * 1024, "{} bytes", link.len());
    let elsewhere = Library::builtin();
    let v = lab::open_link(&elsewhere, &link).unwrap();
    assert_eq!((v.opened.scenario.id.as_str(), v.step, v.files.clone()), ("my_sb", 2, Files::Source));
}

#[test]
fn links_past_the_maximum_are_refused_with_their_size() {
    let lib = Library::builtin();
    let mut rng = racelab_core::rng::Rng::new(12);
    let mut text = String::from("racelab 1\n");
    for _ in 0..1500 {
        let line: String = (0..60).map(|_| (b'a' + rng.below(26) as u8) as char).collect();
        text.push_str(&format!("# {line}\n"));
    }
    text.push_str(
        &std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../traces/litmus/sb.race"))
            .unwrap()
            .replace("racelab 1\n", "")
            .replace("scenario litmus_sb", "scenario big_sb"),
    );
    let cat = lib.catalog_of(vec![("big.race".to_string(), text)]);
    let sc = cat.scenario("big_sb").unwrap();
    let req = lab::Request {
        scenario: sc.id.clone(),
        policy: None,
        model: MemoryModel::Sc,
        schedule: lab::ScheduleSpec::Choices(vec![]),
        nearest: false,
    };
    let o = lab::open(cat, &req).unwrap();
    let l = lab::permalink(&lib, &o, 0);
    let e = lib.share(&l).unwrap_err().to_string();
    assert!(
        e.starts_with("the link would have ") && e.ends_with("bytes; racelab opens links of at most 65536: share the .race file instead"),
        "{e}"
    );
    let e = lab::open_link(&lib, &l.to_fragment()).err().unwrap().to_string();
    assert!(e.starts_with("broken link: the link has ") && e.ends_with(" bytes; racelab opens links of at most 65536"), "{e}");
}

#[test]
fn a_zip_bomb_link_is_an_error() {
    let lib = Library::builtin();
    let bomb = pack::base64url_encode(&pack::deflate(&vec![b'#'; 16 << 20]));
    assert!(bomb.len() < MAX_LINK);
    let e = lab::open_link(&lib, &format!("v=2&s=x&h=aaaaaaaaaa&t=&i=0&src={bomb}")).err().unwrap().to_string();
    assert_eq!(e, "broken link: `src=`: the source expands past 1048576 bytes; a link carries at most 1024 KiB of files");
}

const MAX_LINK: usize = lab::MAX_LINK_BYTES;

#[test]
fn side_by_side_presentation_embed_and_notes_come_back_from_the_link() {
    let lib = Library::builtin();
    let v = open("v=1&s=race1a&p=v5_10&t=a5b10cb12a3&i=25");
    let mut l = v.link(&lib);
    l.compare = Some(lab::Compare { policy: Some("merged_6ce64428".into()), model: None, step: None });
    l.present = true;
    l.embed = true;
    l.notes = vec![lab::Note { step: 25, text: "the write is lost".into() }, lab::Note { step: 99, text: "past the end".into() }];
    let f = l.to_fragment();
    let back = open(&f);
    let c = back.compare.as_ref().unwrap();
    assert_eq!((c.program.policy.as_str(), c.program.model), ("merged_6ce64428", MemoryModel::Sc));
    assert_ne!(c.run.schedule, back.opened.run.schedule, "the fix adds steps to the same interleaving");
    assert!(back.present && back.embed);
    assert_eq!(back.notes, vec![lab::Note { step: 25, text: "the write is lost".into() }]);
    assert_eq!(kinds(&back), [NoticeKind::NoteDropped]);
    let again = back.link(&lib).to_fragment();
    assert!(again.contains("&q=merged_6ce64428&view=present&embed=1&note=25:the%20write%20is%20lost"), "{again}");
    let e = lab::open_link(&lib, "v=2&s=race1a&h=aaaaaaaaaa&p=v5_10&t=a&i=0&q=v5_10").err().unwrap().to_string();
    assert_eq!(e, "broken link: `q=`: the second view is the first one (v5_10 under sc)");
}

/// A version 2 link of race 1A's lost write under v5.10 at step 25, made today.
fn lost_write_v2() -> lab::Permalink {
    let lib = builtin();
    let sc = lib.current().scenario("race1a").unwrap();
    let v = open(&lab::trace_link(lib, sc, "v5_10", MemoryModel::Sc, "lost_write", 25).to_fragment());
    v.link(lib)
}

#[test]
fn side_by_side_with_its_second_step_presentation_and_notes_come_back_from_a_version_2_link() {
    let lib = builtin();
    let mut l = lost_write_v2();
    l.compare = Some(lab::Compare { policy: Some("merged_6ce64428".into()), model: None, step: Some(27) });
    l.present = true;
    l.notes = vec![lab::Note { step: 25, text: "the write is lost".into() }, lab::Note { step: 999, text: "past the end".into() }];
    let back = open(&l.to_fragment());
    let c = back.compare.as_ref().expect("q= opens a second run");
    assert_eq!((c.program.policy.as_str(), c.program.model), ("merged_6ce64428", MemoryModel::Sc));
    assert_eq!(back.compare_step, Some(27));
    assert!(back.present && !back.embed);
    assert_eq!(back.notes, vec![lab::Note { step: 25, text: "the write is lost".into() }]);
    assert_eq!(kinds(&back), [NoticeKind::NoteDropped]);
    let again = back.link(lib).to_fragment();
    assert!(again.contains("&q=merged_6ce64428&qi=27&view=present&note=25:the%20write%20is%20lost"), "{again}");
}

#[test]
fn a_second_step_past_the_end_of_the_second_run_opens_its_last_step() {
    let mut l = lost_write_v2();
    l.compare = Some(lab::Compare { policy: Some("merged_6ce64428".into()), model: None, step: Some(5000) });
    let back = open(&l.to_fragment());
    let steps = back.compare.as_ref().unwrap().run.steps.len();
    assert_eq!(back.compare_step, Some(steps));
    l.compare = Some(lab::Compare { policy: Some("merged_6ce64428".into()), model: None, step: None });
    assert_eq!(open(&l.to_fragment()).compare_step, None, "without qi= the front end aligns the second run itself");
}
