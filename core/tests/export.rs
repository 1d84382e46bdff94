//! The exports of every canonical trace: the LKML diagram and the mail as golden files
//! (`tests/export/diagram/`, `tests/export/mail/`), the SVG slide parsed as XML and checked
//! against the state it draws (and kept as golden files, `tests/export/svg/`), and the Perfetto
//! JSON checked against the trace-event format's fields (one golden file).
//!
//! `UPDATE_EXPECT=1 cargo test -p racelab-core --test export` rewrites the golden files after a
//! deliberate change (then read the diff).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use racelab_core::lab::{self, Catalog, DiagramOptions, Library, MailOptions, MemoryModel, Opened, Request, ScheduleSpec, StepRange};
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/export")
}

/// Compares the golden files of one kind (`sub`) with `actual` (name -> text), or rewrites them
/// under `UPDATE_EXPECT=1`. A golden file nothing produces any more is an error too.
fn expect_all(sub: &str, actual: &BTreeMap<String, String>) {
    let d = dir().join(sub);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        for (name, text) in actual {
            std::fs::write(d.join(name), text).unwrap();
        }
        return;
    }
    let mut failures = Vec::new();
    for (name, text) in actual {
        let path = d.join(name);
        match std::fs::read_to_string(&path) {
            Err(e) => failures.push(format!("{}: {e} (UPDATE_EXPECT=1 writes it)", path.display())),
            Ok(want) if want != *text => {
                let line =
                    want.lines().zip(text.lines()).position(|(a, b)| a != b).unwrap_or(want.lines().count().min(text.lines().count()));
                failures.push(format!(
                    "{sub}/{name} differs at line {}:\nexpected: {}\nmade:     {}",
                    line + 1,
                    want.lines().nth(line).unwrap_or("(end)"),
                    text.lines().nth(line).unwrap_or("(end)")
                ));
            }
            Ok(_) => {}
        }
    }
    for e in std::fs::read_dir(&d).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().to_string();
        if !actual.contains_key(&name) {
            failures.push(format!("{sub}/{name} is no longer made by any trace (UPDATE_EXPECT=1 removes it)"));
        }
    }
    assert!(failures.is_empty(), "{}\n(UPDATE_EXPECT=1 rewrites the files if the change is intended)", failures.join("\n\n"));
}

/// A canonical trace opened under one policy and model.
struct Case<'c> {
    scenario: String,
    trace: String,
    policy: String,
    model: MemoryModel,
    /// The trace's `expect` line for it, if it has one.
    expect: Option<String>,
    opened: Opened<'c>,
}

fn open<'c>(catalog: &'c Catalog, scenario: &str, trace: &str, policy: &str, model: MemoryModel) -> Opened<'c> {
    let req = Request {
        scenario: scenario.into(),
        policy: Some(policy.into()),
        model,
        schedule: ScheduleSpec::Trace(trace.into()),
        nearest: true,
    };
    lab::open(catalog, &req).unwrap_or_else(|e| panic!("{scenario} {trace} under {policy} ({}): {e}", model.name()))
}

/// Every canonical trace of the catalog under its scenario's baseline (under each memory model
/// the trace has an `expect` line for, and at least under the first), and under every policy
/// and model of its `expect` lines.
fn cases(catalog: &Catalog) -> Vec<Case<'_>> {
    let mut out = Vec::new();
    for sc in &catalog.scenarios {
        let baseline = sc.policies[sc.baseline].name.clone();
        for t in &sc.traces {
            let mut wanted: BTreeSet<(String, MemoryModel)> = BTreeSet::new();
            wanted.insert((baseline.clone(), sc.models[0]));
            for e in &t.expect {
                wanted.insert((e.policy.clone(), e.model));
            }
            for (policy, model) in wanted {
                let expect = t.expect.iter().find(|e| e.policy == policy && e.model == model).map(|e| match e.outcome {
                    lab::Outcome::Safe => "safe".to_string(),
                    lab::Outcome::Violated { invariant, step } => format!("{} at {step}", invariant.name()),
                });
                let opened = open(catalog, &sc.id, &t.name, &policy, model);
                out.push(Case { scenario: sc.id.clone(), trace: t.name.clone(), policy, model, expect, opened });
            }
        }
    }
    assert!(out.len() > 50, "only {} cases", out.len());
    out
}

fn is_baseline(c: &Case) -> bool {
    c.opened.scenario.policies[c.opened.scenario.baseline].name == c.policy
}

// ---------------------------------------------------------------------------------------------
// The diagram

#[test]
fn diagrams_of_every_canonical_trace_match_their_golden_files() {
    let catalog = Catalog::builtin();
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for c in cases(&catalog) {
        let text = lab::diagram(&c.opened, &DiagramOptions::default()).unwrap();
        let file = files.entry(format!("{}.{}.txt", c.scenario, c.trace)).or_default();
        if !file.is_empty() {
            file.push('\n');
        }
        let expect = c.expect.as_deref().map(|e| format!(", expect {e}")).unwrap_or_default();
        file.push_str(&format!("== policy {} · model {}{expect}\n\n{text}", c.policy, c.model.name()));
    }
    // One folded and one Unicode diagram, to see what they look like.
    let one = open(&catalog, "race1a", "lost_write", "v5_10", MemoryModel::Sc);
    let folded = lab::diagram(&one, &DiagramOptions { fold: true, ..Default::default() }).unwrap();
    files.insert("race1a.lost_write.fold.txt".into(), folded);
    let unicode = lab::diagram(&one, &DiagramOptions { unicode: true, width: 100, ..Default::default() }).unwrap();
    files.insert("race1a.lost_write.unicode.txt".into(), unicode);
    expect_all("diagram", &files);
}

/// The step numbers in the left margin of a diagram whose last step is `last`, in order.
fn numbered_steps(diagram: &str, last: usize) -> Vec<usize> {
    let margin = last.to_string().len();
    diagram.lines().filter_map(|l| l.chars().take(margin).collect::<String>().trim().parse().ok()).collect()
}

#[test]
fn every_diagram_fits_its_width_in_ascii_and_marks_the_break_once() {
    let catalog = Catalog::builtin();
    for c in cases(&catalog) {
        let steps = c.opened.run.steps.len();
        let threads = c.opened.program.threads.len();
        let breaking = match c.opened.run.outcome(&c.opened.program) {
            lab::Outcome::Violated { step, .. } => Some(step),
            lab::Outcome::Safe => None,
        };
        let min = lab::export::diagram::min_width(threads, steps);
        for width in [min, min + 7, 60, 72, 100, 160] {
            if width < min {
                continue;
            }
            for fold in [false, true] {
                let opts = DiagramOptions { width, fold, ..Default::default() };
                let d = lab::diagram(&c.opened, &opts).unwrap();
                let what = format!("{} {} under {} at width {width}, fold {fold}", c.scenario, c.trace, c.policy);
                for line in d.lines() {
                    assert!(line.chars().count() <= width, "{what}: {line:?} is {} long", line.chars().count());
                    assert!(line.is_ascii(), "{what}: {line:?}");
                }
                let marks = d.matches("<-- ").count();
                assert_eq!(marks > 0, breaking.is_some(), "{what}:\n{d}");
                if !fold {
                    assert_eq!(numbered_steps(&d, steps), (1..=steps).collect::<Vec<_>>(), "{what}:\n{d}");
                } else if let Some(b) = breaking {
                    let shown = numbered_steps(&d, steps);
                    assert!(shown.contains(&b) && shown.contains(&1) && shown.contains(&steps), "{what}: {shown:?}");
                }
            }
        }
    }
}

#[test]
fn folding_leaves_out_the_middle_of_a_run_of_one_thread_but_never_the_break() {
    let catalog = Catalog::builtin();
    let o = open(&catalog, "race1a", "lost_write", "v5_10", MemoryModel::Sc);
    let d = lab::diagram(&o, &DiagramOptions { fold: true, ..Default::default() }).unwrap();
    let shown = numbered_steps(&d, 31);
    // monitor*5 writer*10 stale writer*12 monitor*3: the writer's second run is 17..=28, and
    // breaks at 25.
    assert_eq!(shown, [1, 5, 6, 15, 16, 17, 25, 28, 29, 30, 31], "{d}");
    assert!(d.contains("... (3 steps)") && d.contains("... (8 steps)") && d.contains("... (7 steps)"), "{d}");
}

#[test]
fn a_range_of_steps_draws_only_those_steps() {
    let catalog = Catalog::builtin();
    let o = open(&catalog, "race1a", "lost_write", "v5_10", MemoryModel::Sc);
    let steps = Some(lab::step_range(&o, "20..26").unwrap());
    let d = lab::diagram(&o, &DiagramOptions { steps, ..Default::default() }).unwrap();
    assert_eq!(numbered_steps(&d, 26), (20..=26).collect::<Vec<_>>(), "{d}");
    assert!(d.contains("<-- no_lost_write breaks"), "{d}");
    let d = lab::diagram(&o, &DiagramOptions { steps: Some(StepRange { first: 1, last: 5 }), ..Default::default() }).unwrap();
    assert!(!d.contains("<--"), "{d}");
    let e = lab::diagram(&o, &DiagramOptions { steps: Some(StepRange { first: 30, last: 40 }), ..Default::default() }).unwrap_err();
    assert_eq!(e.to_string(), "steps `30..40`: the trace has 31 steps");
}

#[test]
fn a_width_too_narrow_for_the_columns_is_an_error_that_says_the_least() {
    let catalog = Catalog::builtin();
    let o = open(&catalog, "race1a", "lost_write", "v5_10", MemoryModel::Sc);
    let e = lab::diagram(&o, &DiagramOptions { width: 30, ..Default::default() }).unwrap_err();
    assert_eq!(e.to_string(), "width 30: too narrow for 3 CPU columns: this diagram needs at least 44");
    assert!(lab::diagram(&o, &DiagramOptions { width: 44, ..Default::default() }).is_ok());
    let e = lab::diagram(&o, &DiagramOptions { width: 5000, ..Default::default() }).unwrap_err();
    assert_eq!(e.to_string(), "width 5000: a diagram is at most 1000 columns wide");
}

#[test]
fn the_readme_shows_race_1a_as_the_diagram_command_prints_it() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let catalog = Catalog::builtin();
    let o = open(&catalog, "race1a", "lost_write", "v5_10", MemoryModel::Sc);
    let d = lab::diagram(&o, &DiagramOptions::default()).unwrap();
    let section = &readme[readme.find("## Taking a race out").expect("README has a section \"Taking a race out\"")..];
    let block = section.split("```text\n").nth(1).and_then(|b| b.split("```").next()).expect("a ```text block in the section");
    assert_eq!(block, d, "regenerate the block with `racelab diagram race1a --trace lost_write`");
}

// ---------------------------------------------------------------------------------------------
// The mail

#[test]
fn mails_of_every_canonical_trace_match_their_golden_files_and_wrap_at_72() {
    let lib = Library::builtin();
    let catalog = lib.current();
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for c in cases(catalog).into_iter().filter(is_baseline) {
        let opts = MailOptions { base: Some("https://example.org/racelab/".into()), ..Default::default() };
        let text = lab::mail(&lib, &c.opened, &opts).unwrap();
        for line in text.lines() {
            assert!(line.chars().count() <= 72 || line.contains("https://"), "{} {}: {line:?}", c.scenario, c.trace);
            assert!(line.is_ascii(), "{} {}: {line:?}", c.scenario, c.trace);
        }
        let link = lab::full_link(Some("https://example.org/racelab/"), &lab::permalink(&lib, &c.opened, lab::focus_step(&c.opened)));
        assert!(text.lines().any(|l| l == link), "{} {}: no line {link}", c.scenario, c.trace);
        files.insert(format!("{}.{}.{}.txt", c.scenario, c.trace, c.model.name()), text);
    }
    expect_all("mail", &files);
}

#[test]
fn a_mail_gives_the_verdict_the_link_that_reopens_it_and_the_sources() {
    let lib = Library::builtin();
    let catalog = lib.current();
    let o = open(catalog, "race1a", "lost_write", "v5_10", MemoryModel::Sc);
    let m = lab::mail(&lib, &o, &MailOptions::default()).unwrap();
    assert!(m.contains("no_lost_write breaks at step 25: V[0] should read 3"), "{m}");
    let fragment = m.lines().find(|l| l.starts_with("#v=")).expect("the fragment, without a base");
    let again = lab::open_link(&lib, fragment).unwrap();
    assert_eq!((again.opened.run.schedule.clone(), again.step), (o.run.schedule.clone(), 25));
    // Opened again from its schedule (`t=`, as the page's address bar has it), the run is still
    // named as the canonical trace it is: the same mail.
    assert!(again.opened.trace.is_none());
    assert_eq!(lab::mail(&lib, &again.opened, &MailOptions::default()).unwrap(), m);
    assert!(m.contains("Trace:    lost_write, 31 steps"), "{m}");
    assert!(m.contains(
        "https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=6ce64428d62026a10cb5d80138ff2f90cc21d367"
    ));
    assert!(m.contains("    https://lore.kernel.org/r/X+D0hTZCrWS3P5Pi@google.com"), "{m}");
    // A seed mail, by its Message-ID.
    assert!(m.contains("    https://lore.kernel.org/r/X+Oxr6Zu5xAIY8Qp@redhat.com"), "{m}");
    // A fix's own sources join the scenario's.
    let fixed = open(catalog, "race1a", "lost_write", "merged_6ce64428", MemoryModel::Sc);
    let m = lab::mail(&lib, &fixed, &MailOptions::default()).unwrap();
    assert!(m.contains("No invariant breaks in these"), "{m}");
}

#[test]
fn full_links_join_a_base_and_the_fragment() {
    let lib = Library::builtin();
    let catalog = lib.current();
    let o = open(catalog, "race1a", "lost_write", "v5_10", MemoryModel::Sc);
    let l = lab::permalink(&lib, &o, 25);
    let f = l.to_fragment();
    assert_eq!(lab::full_link(None, &l), format!("#{f}"));
    assert_eq!(lab::full_link(Some("https://h/r/"), &l), format!("https://h/r/#{f}"));
    assert_eq!(lab::full_link(Some("https://h/r/#old"), &l), format!("https://h/r/#{f}"));
    assert_eq!(lab::full_link(Some("  "), &l), format!("#{f}"));
    assert_eq!(lab::export::mail::fragment(&format!("https://h/r/#{f}")), f);
    assert_eq!(lab::export::mail::fragment(&f), f);
}

// ---------------------------------------------------------------------------------------------
// The slide

/// All the text of an element, its lines joined by spaces.
fn text_of(n: roxmltree::Node) -> String {
    let parts: Vec<&str> = n.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect();
    parts.join(" ")
}

/// The text of every `<text>` of class `class`, by its `data-key`.
fn rows(doc: &roxmltree::Document, class: &str) -> BTreeMap<String, String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text") && n.attribute("class") == Some(class))
        .map(|n| (n.attribute("data-key").unwrap_or_default().to_string(), text_of(n)))
        .collect()
}

/// `s` without its white space (the slide wraps long rows, at spaces and after a `(`).
fn squash(s: &str) -> String {
    s.split_whitespace().collect()
}

fn check_slide(c: &Case, step: usize) -> String {
    let what = format!("{} {} under {} at step {step}", c.scenario, c.trace, c.policy);
    let svg = lab::slide_svg(&c.opened, step).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{what}: {e}"));
    let root = doc.root_element();
    assert_eq!((root.tag_name().name(), root.attribute("viewBox")), ("svg", Some("0 0 1920 1080")), "{what}");
    let state = lab::view::state(&c.opened.program, &c.opened.run.states[step]);
    let ptes = rows(&doc, "pte");
    for p in &state.ptes {
        let row = ptes.get(&p.name).unwrap_or_else(|| panic!("{what}: no row for PTE {}", p.name));
        for (bit, on) in [("W", p.w), ("D", p.d), ("A", p.a), ("SD", p.sd), ("UW", p.uw)] {
            assert!(row.contains(&format!(" {bit}={}", on as u8)), "{what}: PTE {} shows {row:?}, {bit} is {on}", p.name);
        }
        match &p.page {
            Some(page) if p.present => assert!(row.contains(&format!("→ {page}")), "{what}: {row:?}"),
            _ => assert!(row.contains("not present"), "{what}: {row:?}"),
        }
    }
    let pages = rows(&doc, "page");
    for p in state.pages.iter().filter(|p| p.allocated) {
        let row = pages.get(&p.name).unwrap_or_else(|| panic!("{what}: no row for page {}", p.name));
        let want = format!("refcount {} (pins {}) mapcount {}", p.refcount, p.pins, p.mapcount);
        assert!(squash(row).contains(&squash(&want)), "{what}: page {} shows {row:?}, wants {want}", p.name);
    }
    let tlbs = rows(&doc, "tlb");
    for cpu in &state.cpus {
        let row = tlbs.get(&cpu.label).unwrap_or_else(|| panic!("{what}: no row for {}", cpu.label));
        for e in &cpu.tlb {
            assert!(row.contains(&format!("{} → {} W={} D={}", e.va, e.page, e.w as u8, e.d as u8)), "{what}: {row:?}");
        }
        assert_eq!(row.contains("STALE"), cpu.tlb.iter().any(|e| e.stale), "{what}: {row:?}");
    }
    let invariants = if step == 0 {
        lab::view::initial_invariants(&c.opened.program, &c.opened.run.states[0])
    } else {
        lab::view::step(&c.opened.program, &c.opened.run, step).invariants
    };
    let shown = rows(&doc, "invariant");
    let red = |n: &roxmltree::Node| n.attribute("fill") == Some("#b00000");
    for i in &invariants {
        let row = shown.get(&i.name).unwrap_or_else(|| panic!("{what}: no row for {}", i.name));
        let node =
            doc.descendants().find(|n| n.attribute("class") == Some("invariant") && n.attribute("data-key") == Some(&i.name)).unwrap();
        match &i.message {
            Some(m) if !i.ok => {
                assert!(squash(row).contains(&squash(&format!("{} BROKEN: {m}", i.name))), "{what}: {row:?}");
                assert!(red(&node), "{what}: a broken invariant is red");
            }
            _ => {
                assert!(row.contains(&format!("{} holds", i.name)), "{what}: {row:?}");
                assert!(!red(&node), "{what}: an invariant that holds is not red");
            }
        }
    }
    // The lanes: one per thread, the line the step ran marked in words.
    let lanes = doc.descendants().filter(|n| n.attribute("class") == Some("lane")).count();
    assert_eq!(lanes, c.opened.program.threads.len(), "{what}");
    if step > 0 {
        let v = lab::view::step(&c.opened.program, &c.opened.run, step);
        if v.pc != u16::MAX {
            let ran = doc
                .descendants()
                .find(|n| n.attribute("class") == Some("code ran"))
                .unwrap_or_else(|| panic!("{what}: no line marked ran"));
            assert_eq!(ran.attribute("data-pc"), Some(v.pc.to_string().as_str()), "{what}");
        }
    }
    svg
}

#[test]
fn slides_carry_the_state_of_their_step_for_every_canonical_trace() {
    let catalog = Catalog::builtin();
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for c in cases(&catalog) {
        check_slide(&c, 0);
        let focus = lab::focus_step(&c.opened);
        let svg = check_slide(&c, focus);
        if is_baseline(&c) {
            files.insert(format!("{}.{}.{}.step{focus}.svg", c.scenario, c.trace, c.model.name()), svg);
        }
    }
    expect_all("svg", &files);
}

#[test]
fn a_slide_past_the_last_step_is_an_error() {
    let catalog = Catalog::builtin();
    let o = open(&catalog, "race1a", "lost_write", "v5_10", MemoryModel::Sc);
    assert_eq!(lab::slide_svg(&o, 32).unwrap_err().to_string(), "step 32 is past the end of the trace (31 steps)");
    assert!(lab::slide_svg(&o, 31).is_ok());
}

// ---------------------------------------------------------------------------------------------
// Perfetto

fn num(e: &Value, k: &str) -> u64 {
    e[k].as_u64().unwrap_or_else(|| panic!("{k} of {e} is not a non-negative integer"))
}

/// Checks a trace against the trace-event format: the fields every event needs with their
/// types, a name for every track, slices that nest on each track, flows that pair up and bind
/// to a slice. Returns the events.
fn check_trace_events(json: &str, what: &str) -> Vec<Value> {
    let doc: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{what}: {e}"));
    let events = doc["traceEvents"].as_array().unwrap_or_else(|| panic!("{what}: no traceEvents array")).clone();
    assert_eq!(doc["displayTimeUnit"], "ms", "{what}");
    let mut named = BTreeSet::new();
    let mut tids = BTreeSet::new();
    let mut slices: BTreeMap<u64, Vec<(u64, u64)>> = BTreeMap::new();
    let mut flows: BTreeMap<u64, Vec<&Value>> = BTreeMap::new();
    for e in &events {
        assert!(e["name"].is_string() && e["ph"].is_string() && e["cat"].is_string(), "{what}: {e}");
        let (pid, tid, ts) = (num(e, "pid"), num(e, "tid"), num(e, "ts"));
        assert_eq!(pid, 1, "{what}: {e}");
        assert!(e["args"].is_object(), "{what}: {e}");
        match e["ph"].as_str().unwrap() {
            "M" => {
                if e["name"] == "thread_name" {
                    assert!(e["args"]["name"].is_string(), "{what}: {e}");
                    named.insert(tid);
                }
            }
            "X" => {
                let dur = num(e, "dur");
                assert!(dur > 0, "{what}: {e}");
                slices.entry(tid).or_default().push((ts, ts + dur));
                tids.insert(tid);
            }
            "i" => {
                assert!(matches!(e["s"].as_str(), Some("t" | "p" | "g")), "{what}: {e}");
                tids.insert(tid);
            }
            "s" | "f" => {
                flows.entry(num(e, "id")).or_default().push(e);
            }
            other => panic!("{what}: unexpected phase {other}"),
        }
    }
    assert!(tids.is_subset(&named), "{what}: tracks without a thread_name: {:?}", tids.difference(&named).collect::<Vec<_>>());
    for (tid, s) in &slices {
        for (i, a) in s.iter().enumerate() {
            for b in &s[i + 1..] {
                let disjoint = a.1 <= b.0 || b.1 <= a.0;
                let nested = (a.0 <= b.0 && b.1 <= a.1) || (b.0 <= a.0 && a.1 <= b.1);
                assert!(disjoint || nested, "{what}: slices {a:?} and {b:?} of track {tid} overlap without nesting");
            }
        }
    }
    let inside = |e: &Value| slices.get(&num(e, "tid")).is_some_and(|s| s.iter().any(|&(a, b)| a <= num(e, "ts") && num(e, "ts") < b));
    for (id, pair) in &flows {
        let phases: Vec<&str> = pair.iter().map(|e| e["ph"].as_str().unwrap()).collect();
        assert_eq!(phases, ["s", "f"], "{what}: flow {id}");
        assert!(num(pair[0], "ts") < num(pair[1], "ts"), "{what}: flow {id} goes back in time");
        assert_eq!(pair[1]["bp"], "e", "{what}: flow {id}");
        assert_ne!(pair[0]["tid"], pair[1]["tid"], "{what}: flow {id} hands a lock to its own thread");
        assert!(inside(pair[0]) && inside(pair[1]), "{what}: flow {id} is bound to no slice");
    }
    events
}

#[test]
fn perfetto_traces_of_every_canonical_trace_follow_the_trace_event_format() {
    let catalog = Catalog::builtin();
    let mut breaks = 0;
    for c in cases(&catalog) {
        let what = format!("{} {} under {} ({})", c.scenario, c.trace, c.policy, c.model.name());
        let json = lab::perfetto_json(&c.opened, None).unwrap();
        let events = check_trace_events(&json, &what);
        let steps = events.iter().filter(|e| e["ph"] == "X" && e["cat"] == "step").count();
        assert_eq!(steps, c.opened.run.steps.len(), "{what}: a slice per step");
        let broken: Vec<&Value> = events.iter().filter(|e| e["ph"] == "i" && e["cat"] == "invariant").collect();
        match c.opened.run.outcome(&c.opened.program) {
            lab::Outcome::Violated { invariant, step } => {
                let at = broken.iter().find(|e| e["name"] == format!("{} breaks", invariant.name())).unwrap_or_else(|| panic!("{what}"));
                assert_eq!(at["args"]["step"], step as u64, "{what}");
                breaks += 1;
            }
            lab::Outcome::Safe => assert!(broken.is_empty(), "{what}"),
        }
    }
    assert!(breaks > 10);
}

#[test]
fn the_perfetto_trace_of_race_1a_matches_its_golden_file_and_hands_the_ptl_over() {
    let catalog = Catalog::builtin();
    let o = open(&catalog, "race1a", "lost_write", "v5_10", MemoryModel::Sc);
    let json = lab::perfetto_json(&o, None).unwrap();
    let events = check_trace_events(&json, "race1a");
    // monitor unlocks the PT lock at step 5, writer takes it at step 9.
    let s = events.iter().find(|e| e["ph"] == "s" && e["name"] == "ptl").expect("a flow of the PT lock");
    let f = events.iter().find(|e| e["ph"] == "f" && e["id"] == s["id"]).unwrap();
    assert_eq!((num(s, "ts"), num(f, "ts")), (4000, 8000));
    assert!(events.iter().any(|e| e["ph"] == "i" && e["cat"] == "tlb"), "the flush of step 20 (ptep_clear_flush)");
    let mut files = BTreeMap::new();
    files.insert("race1a.lost_write.json".to_string(), json);
    expect_all("perfetto", &files);
    let part = lab::perfetto_json(&o, Some(StepRange { first: 20, last: 26 })).unwrap();
    let events = check_trace_events(&part, "race1a 20..26");
    assert_eq!(events.iter().filter(|e| e["ph"] == "X" && e["cat"] == "step").count(), 7);
}

// ---------------------------------------------------------------------------------------------
// Graphs for the page

#[test]
fn the_state_graph_of_a_litmus_test_is_laid_out_and_each_node_opens_its_state() {
    let lib = Library::builtin();
    let catalog = lib.current();
    let o = open(catalog, "litmus_sb", "buffered", "po", MemoryModel::X86Tso);
    let g = lab::state_graph_view(&lib, &o, 5000).unwrap();
    assert!(g.nodes.len() > 5 && !g.edges.is_empty(), "{}", g.title);
    let mut places = BTreeSet::new();
    for n in &g.nodes {
        assert!(places.insert((n.x as i64, n.y as i64)), "two nodes at ({}, {})", n.x, n.y);
        assert!(n.x >= 0.0 && n.x <= g.width && n.y >= 0.0 && n.y <= g.height, "{n:?} outside {}x{}", g.width, g.height);
        // The node's link reaches a state at its depth that breaks what the node says.
        let view = lab::open_link(&lib, &n.link).unwrap_or_else(|e| panic!("{n:?}: {e}"));
        let (opened, step) = (view.opened, view.step);
        assert_eq!(step, n.layer, "{n:?}");
        let broken = racelab_core::invariants::violated(&opened.program, &opened.run.states[step]);
        assert_eq!(broken.iter().map(|i| i.name().to_string()).collect::<Vec<_>>(), n.broken, "{n:?}");
        assert_eq!(n.violating, !n.broken.is_empty());
    }
    assert!(g.nodes.iter().any(|n| n.violating), "SB's relaxed outcome is reachable under x86-TSO");
    for e in &g.edges {
        assert!(e.from < g.nodes.len() && e.to < g.nodes.len());
    }
}

#[test]
fn a_state_graph_past_its_cap_is_an_error_that_says_so() {
    let lib = Library::builtin();
    let catalog = lib.current();
    let o = open(catalog, "race1a", "lost_write", "v5_10", MemoryModel::Sc);
    let e = lab::state_graph_view(&lib, &o, 50).unwrap_err().to_string();
    assert!(e.starts_with("the state graph has more than 50 states"), "{e}");
}

#[test]
fn the_happens_before_graph_puts_each_thread_in_a_column_and_marks_the_break() {
    let lib = Library::builtin();
    let catalog = lib.current();
    let o = open(catalog, "race1a", "lost_write", "v5_10", MemoryModel::Sc);
    let g = lab::hb_graph_view(&lib, &o).unwrap();
    assert_eq!(g.nodes.len(), 31);
    for e in &g.edges {
        let (a, b) = (&g.nodes[e.from], &g.nodes[e.to]);
        assert!(b.y > a.y, "an edge goes down: {a:?} -> {b:?}");
        if e.label == "po" {
            assert_eq!((a.x, &a.thread), (b.x, &b.thread), "program order stays in its column");
        }
    }
    let first_broken = g.nodes.iter().find(|n| n.violating).unwrap();
    assert!(first_broken.label.starts_with("25: "), "{first_broken:?}");
    let view = lab::open_link(&lib, &first_broken.link).unwrap();
    let (opened, step) = (view.opened, view.step);
    assert_eq!((step, opened.run.steps.len()), (25, 25));
}
