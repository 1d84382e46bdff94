//! Bad input gets a message that names the file, line and column and what was expected.
//! Each case is one source and the exact message; `check` does the rest.

use racelab_core::lab::{self, Request, ScheduleSpec};
use racelab_core::layout::MemoryModel;
use racelab_core::scenario::{self};
use racelab_core::{catalog, Catalog, Program};

const HEADER: &str = "racelab 1\nuse \"kernel/memory.race\"\n";

fn minimal(body: &str) -> String {
    format!(
        "{HEADER}scenario t {{\n  title \"t\"\n  policies v5_10\n  baseline v5_10\n  check no_lost_write\n}}\nstate {{\n  vma V anon cow write\n  page P anon refcount=1 mapcount=1 data=[0, 0]\n  pte V -> P W D\n}}\n{body}"
    )
}

/// The first error of loading and then compiling `src` (as `t.race`) under its baseline.
fn error_of(src: &str) -> String {
    let read = |name: &str| {
        if name == "t.race" {
            return Some(src.to_string());
        }
        catalog::builtin_files().iter().find(|(n, _)| *n == name).map(|(_, t)| t.to_string())
    };
    let sc = match scenario::load("t.race", &read) {
        Ok(sc) => sc,
        Err(e) => return e.to_string(),
    };
    match Program::compile(&sc, sc.baseline, MemoryModel::Sc) {
        Ok(_) => "no error".into(),
        Err(e) => e.to_string(),
    }
}

fn check(src: &str, expected: &str) {
    assert_eq!(error_of(src), expected, "\nsource:\n{src}");
}

#[test]
fn syntax_errors() {
    check("scenario x {}\n", "t.race:1:1: expected `racelab 1` on the first line (the format version), found `scenario`");
    check("racelab 2\n", "t.race:1:9: unsupported format version 2: this racelab reads version 1");
    check(
        "racelab 1\nthread a on CPU0 {\n  store V[0] = 1\n",
        "t.race:4:1: expected `}` to close `thread a` opened at 2:8, found end of file",
    );
    check("racelab 1\nthread a on CPU0 {\n  x = (1 + \n}\n", "t.race:3:12: expected an expression, found end of line");
    check("racelab 1\nthread a on CPU0 {\n  store V[0] 1\n}\n", "t.race:3:14: expected `=` in `store V[slot] = value`, found `1`");
    check("racelab 1\nscenario x {\n  title \"a\n}\n", "t.race:3:9: unterminated string: expected `\"` before the end of the line");
    check("racelab 1\nthread a on CPU0 {\n  x = 1 @ 2\n}\n", "t.race:3:9: unexpected character `@`");
}

#[test]
fn scenario_errors() {
    check(
        &format!("{HEADER}scenario t {{\n  title \"t\"\n  policies v5_1O\n}}\n"),
        "t.race:5:12: unknown policy `v5_1O`: declare it with `policy v5_1O { … }` in a used file",
    );
    check(
        &format!("{HEADER}scenario t {{\n  title \"t\"\n  policies v5_10\n  baseline v5_10\n  check lost_writes\n}}\n"),
        "t.race:7:9: unknown invariant `lost_writes`: expected one of no_lost_write, pinned_writable, pin_in_sync, soft_dirty_accurate, exists",
    );
    check(
        &format!("{HEADER}scenario t {{\n  title \"t\"\n  policies v5_10\n  check no_lost_write\n}}\n"),
        "t.race:3:1: the scenario names no `baseline` policy",
    );
    check(&format!("{HEADER}scenario t {{\n  title \"t\"\n  colour red\n}}\n"), "t.race:5:3: unknown scenario attribute `colour`: expected title, summary, race, section, note, cite, policies, baseline, assume, check, models, exists, verdict or fault_handler");
    check(&minimal("thread a on CPU9 {\n}\n"), "t.race:14:13: expected CPU0..CPU5 or DEV, found `CPU9`");
    check(&minimal("thread a on CPU1 {\n}\nthread b on CPU1 {\n}\n"), "t.race:16:8: CPU1 already runs thread `a`: one thread per CPU");
    check(&minimal("thread a {\n}\n"), "t.race:14:8: thread `a` needs `on CPUn` or `on DEV`");
    check(
        &minimal("thread a on CPU0 {\n  store V[0] = 1\n}\ntrace x {\n  schedule a b\n}\n"),
        "t.race:18:14: unknown thread `b` in the schedule (threads: a)",
    );
    check(
        &minimal("thread a on CPU0 {\n  store V[0] = 1\n}\ntrace x {\n  schedule a\n  expect v5_10 no_lost_write\n}\n"),
        "t.race:19:16: expected `at STEP` (a step number from 1) after the invariant",
    );
}

#[test]
fn state_errors() {
    let with_state = |decl: &str| {
        format!("{HEADER}scenario t {{\n  title \"t\"\n  policies v5_10\n  baseline v5_10\n  check no_lost_write\n}}\nstate {{\n  {decl}\n}}\nthread a on CPU0 {{\n}}\n")
    };
    check(&with_state("pte V -> Q W"), "t.race:10:12: unknown page `Q`: declare it with `page Q …` first");
    check(&with_state("page P anon data=[1]"), "t.race:10:20: expected 2 data values (the page has 2 slots)");
    check(&with_state("page P anon refcount=99999"), "t.race:10:24: refcount must be 0..32767");
    check(&with_state("var x=70000"), "t.race:10:9: a variable holds -32768..32767");
    check(&with_state("page P anon pinned"), "t.race:10:15: unknown page flag `pinned`: expected free, anon, ksm, exclusive or locked");
    check(&with_state("page P\n  pte V -> P W X"), "t.race:11:16: unknown PTE bit `X`: expected W, D, A, SD or UW");
    check(&with_state("tlb CPU1 W -> P W"), "t.race:10:12: unknown virtual address `W`: declare it with `vma` or `pte`");
}

#[test]
fn compile_errors() {
    check(
        &minimal("thread a on CPU0 {\n  frob(V)\n}\n"),
        "t.race:15:3: unknown operation `frob` (not a primitive, and no proc has that name)",
    );
    check(&minimal("thread a on CPU0 {\n  get_page(P, P)\n}\n"), "t.race:15:3: `get_page` takes 1 argument(s), found 2");
    check(&minimal("thread a on CPU0 {\n  goto nowhere\n}\n"), "t.race:15:8: label `nowhere` is used but never defined");
    check(&minimal("thread a on CPU0 {\n  store V[2] = 1\n}\n"), "t.race:15:11: data slot 2 is out of range: pages have 2 slots (0..1)");
    check(
        &minimal("thread a on CPU0 {\n  if x == 1 {\n    get_page(P)\n  }\n}\n"),
        "t.race:15:6: unknown name `x`: not a register assigned earlier, a page or a shared variable",
    );
    check(&minimal("thread a on CPU0 {\n  if V { get_page(P) }\n}\n"), "t.race:15:6: `V` is an address: read its PTE with pte(V)");
    check(&minimal("thread a on CPU0 {\n  if feature(turbo) { get_page(P) }\n}\n"), "t.race:15:14: unknown feature `turbo`");
    check(
        &minimal("thread a on CPU0 {\n  l:\n  goto l\n}\n"),
        "t.race:16:1: this loop never takes a step (every statement in it is silent): it would spin forever",
    );
    check(
        &minimal("thread a on CPU0 {\n  x = trylock_page(P) + 1\n}\n"),
        "t.race:15:7: `trylock_page` changes state: use it alone on the right of `=`, as in `ok = trylock_page(…)`",
    );
    check(&minimal("thread a on DEV {\n  store V[0] = 1\n}\n"), "t.race:15:3: a device has no TLB: use dma_write/dma_read");
    check(
        &minimal("thread a on CPU0 {\n  await(1)\n}\n"),
        "t.race:15:9: `await` needs a condition on shared state: registers and constants never change while the thread waits",
    );
    check(&minimal("thread a on CPU0 {\n  do_wp_page()\n}\n"), "t.race:15:3: `do_wp_page` takes 1 argument(s) (va), found 0");
}

#[test]
fn a_valid_minimal_scenario_has_no_error() {
    check(&minimal("thread a on CPU0 {\n  store V[0] = 1\n}\n"), "no error");
}

fn open_error(schedule: ScheduleSpec) -> String {
    let catalog = Catalog::builtin();
    let req = Request { scenario: "race1a".into(), policy: None, model: MemoryModel::Sc, schedule, nearest: false };
    match lab::open(&catalog, &req) {
        Ok(_) => "no error".into(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn impossible_schedules_name_the_step_and_why() {
    assert_eq!(
        open_error(ScheduleSpec::Names("stale stale".into())),
        "the schedule is invalid at step 2: thread `stale` cannot run: it has finished"
    );
    assert_eq!(
        open_error(ScheduleSpec::Names("monitor*4 writer*3 writer".into())),
        "the schedule is invalid at step 8: thread `writer` cannot run: it spins on ptl, which is held by monitor"
    );
    assert_eq!(
        open_error(ScheduleSpec::Names("monitor*3 wirter".into())),
        "schedule, at character 11: unknown thread `wirter` (threads: monitor, writer, stale)"
    );
    assert_eq!(
        open_error(ScheduleSpec::Compact("a3z".into())),
        "schedule, at character 3: `z` names thread #26, but the scenario has 3 threads (a..c)"
    );
}

#[test]
fn broken_permalinks_say_what_is_wrong() {
    let lib = lab::Library::builtin();
    let catalog = lib.current();
    let err = |f: &str| lab::open_link(&lib, f).err().map(|e| e.to_string()).unwrap_or_else(|| "no error".into());
    assert_eq!(err("v=1&s=race9&t=a&i=0"), format!("unknown scenario `race9` (known: {})", catalog.ids().join(", ")));
    assert!(err("v=1&s=race9&t=a&i=0").contains("race1a, race1b, race2, race2sd"));
    assert_eq!(err("v=3&s=race1a"), "broken link: `v=`: unsupported version 3: this racelab opens version 1 and 2 links");
    assert_eq!(err("v=1&s=race1a&p=v5_10&t=c2&i=1"), "the schedule is invalid at step 2: thread `stale` cannot run: it has finished");
    assert_eq!(err("v=1&s=race1a&p=v6&t=a&i=0"), "scenario `race1a` has no policy `v6` (policies: v5_10, uffd_wp_write_lock, uffd_wrprotect_group_lock, fault_flush_if_pending, merged_6ce64428, vma_wrprotect_tlb_flush_pending, mapcount_reuse, copy_under_ptl, anon_exclusive)");
    assert_eq!(err("v=1&s=race1a&p=v5_10&t=a5b10cb12a3&i=25"), "no error");
}
