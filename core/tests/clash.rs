//! The register-clash warning: a register a thread (or a proc) keeps across a call of a proc
//! that may assign it. Each case is a small source; the catalog itself warns about nothing.

use racelab_core::lab::{self, Catalog, Diagnostic, Severity};
use racelab_core::layout::MemoryModel;
use racelab_core::{scenario, Program};

const HEAD: &str = "racelab 1
feature extra \"a feature\"
policy plain {
  title \"as written\"
  fate baseline
}
policy more {
  title \"with the feature\"
  fate proposed
  features extra
}
scenario t {
  title \"t\"
  policies plain more
  baseline plain
  models sc x86_tso arm64
  check no_lost_write
}
state {
  var x=0
  var y=0
}
";

/// `HEAD` then `body`: the procs and threads of a case.
fn source(body: &str) -> String {
    format!("{HEAD}{body}")
}

/// The warnings of compiling `body` under every policy and model, each once.
fn warnings(body: &str) -> Vec<Diagnostic> {
    let src = source(body);
    let sc = scenario::load("t.race", &|n| (n == "t.race").then(|| src.clone())).unwrap_or_else(|e| panic!("{e}"));
    let mut out: Vec<Diagnostic> = Vec::new();
    for p in 0..sc.policies.len() {
        for &m in &sc.models {
            let prog = Program::compile(&sc, p, m).unwrap_or_else(|e| panic!("{e}"));
            for w in prog.warnings {
                assert_eq!(w.severity, Severity::Warning, "{w}");
                if !out.contains(&w) {
                    out.push(w);
                }
            }
        }
    }
    out
}

/// The line (1-based, in the whole source) of the first line of `body` that contains `needle`.
fn line_of(body: &str, needle: &str) -> u32 {
    let src = source(body);
    src.lines().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("no `{needle}`")) as u32 + 1
}

const CLOBBER: &str = "proc clobber() \"mm/c.c\" {
  page = READ_ONCE(y)
}
";

#[test]
fn a_thread_register_a_proc_assigns_and_the_thread_reads_after_the_call_warns_at_the_call() {
    let body = format!(
        "{CLOBBER}thread a on CPU0 \"a\" {{
  page = READ_ONCE(x)
  clobber()
  WRITE_ONCE(x, page)
}}
"
    );
    let ws = warnings(&body);
    assert_eq!(ws.len(), 1, "{ws:?}");
    let (set, call, read) = (line_of(&body, "page = READ_ONCE(x)"), line_of(&body, "  clobber()"), line_of(&body, "WRITE_ONCE(x, page)"));
    assert_eq!((ws[0].file.as_str(), ws[0].pos.line, ws[0].pos.col), ("t.race", call, 3));
    assert_eq!(
        ws[0].to_string(),
        format!(
            "t.race:{call}:3: warning: `clobber` assigns register `page`, which thread `a` set at line {set} and reads at line {read}: \
             registers are shared with the procs a thread calls; rename it"
        )
    );
}

#[test]
fn a_clobbered_register_the_thread_never_reads_again_does_not_warn() {
    let body = format!(
        "{CLOBBER}thread a on CPU0 \"a\" {{
  page = READ_ONCE(x)
  WRITE_ONCE(y, page)
  clobber()
  WRITE_ONCE(x, 1)
}}
"
    );
    assert_eq!(warnings(&body), vec![]);
}

#[test]
fn a_register_the_thread_assigns_again_before_reading_it_does_not_warn() {
    let body = format!(
        "{CLOBBER}thread a on CPU0 \"a\" {{
  page = READ_ONCE(x)
  clobber()
  page = 2
  WRITE_ONCE(x, page)
}}
"
    );
    assert_eq!(warnings(&body), vec![]);
}

#[test]
fn a_register_the_thread_sets_only_after_the_call_does_not_warn() {
    let body = format!(
        "{CLOBBER}thread a on CPU0 \"a\" {{
  clobber()
  WRITE_ONCE(x, page)
}}
"
    );
    assert_eq!(warnings(&body), vec![]);
}

#[test]
fn a_register_a_proc_assigns_only_under_a_feature_warns_once_for_every_policy_and_model() {
    let body = "proc maybe() \"mm/c.c\" {
  if feature(extra) {
    page = READ_ONCE(y)
  }
}
thread a on CPU0 \"a\" {
  page = READ_ONCE(x)
  maybe()
  WRITE_ONCE(x, page)
}
";
    let ws = warnings(body);
    assert_eq!(ws.len(), 1, "{ws:?}");
    assert_eq!(ws[0].pos.line, line_of(body, "  maybe()"));
    // Only the policy with the feature has the clash.
    let src = source(body);
    let sc = scenario::load("t.race", &|n| (n == "t.race").then(|| src.clone())).unwrap();
    assert_eq!(Program::compile(&sc, sc.policy("plain").unwrap(), MemoryModel::Sc).unwrap().warnings, vec![]);
}

#[test]
fn a_clobber_through_a_nested_proc_warns_at_the_outer_call_naming_the_inner_proc() {
    let body = format!(
        "{CLOBBER}proc outer() \"mm/o.c\" {{
  WRITE_ONCE(y, 1)
  clobber()
}}
thread a on CPU0 \"a\" {{
  page = READ_ONCE(x)
  outer()
  WRITE_ONCE(x, page)
}}
"
    );
    let ws = warnings(&body);
    assert_eq!(ws.len(), 1, "{ws:?}");
    assert_eq!(ws[0].pos.line, line_of(&body, "  outer()"));
    assert!(ws[0].message.starts_with("`outer` assigns register `page` (in `clobber`), which thread `a` set"), "{}", ws[0]);
}

#[test]
fn a_proc_that_clashes_with_a_proc_it_calls_warns_in_its_own_file_once_however_often_it_is_inlined() {
    let body = "proc clobber() \"mm/c.c\" {
  if READ_ONCE(y) == 1 {
    page = 2
  }
}
proc keeps() \"mm/k.c\" {
  page = READ_ONCE(x)
  clobber()
  WRITE_ONCE(x, page)
}
thread a on CPU0 \"a\" {
  keeps()
  keeps()
}
";
    let ws = warnings(body);
    assert_eq!(ws.len(), 1, "{ws:?}");
    assert_eq!(ws[0].pos.line, line_of(body, "  clobber()"));
    assert!(ws[0].message.contains("which `keeps` set at line"), "{}", ws[0]);
}

#[test]
fn two_calls_that_clash_warn_once_each() {
    let body = format!(
        "{CLOBBER}thread a on CPU0 \"a\" {{
  page = READ_ONCE(x)
  clobber()
  WRITE_ONCE(x, page)
  page = READ_ONCE(x)
  clobber()
  WRITE_ONCE(x, page)
}}
"
    );
    let ws = warnings(&body);
    assert_eq!(ws.len(), 2, "{ws:?}");
    assert_ne!(ws[0].pos, ws[1].pos);
}

#[test]
fn a_register_the_exists_condition_reads_is_read_when_the_thread_ends() {
    let body = format!(
        "{CLOBBER}thread a on CPU0 \"a\" {{
  page = READ_ONCE(x)
  clobber()
}}
"
    );
    let src = source(&body).replace("  check no_lost_write\n", "  check no_lost_write\n  exists \"a.page == 0\"\n");
    let sc = scenario::load("t.race", &|n| (n == "t.race").then(|| src.clone())).unwrap_or_else(|e| panic!("{e}"));
    let ws = Program::compile(&sc, 0, MemoryModel::Sc).unwrap_or_else(|e| panic!("{e}")).warnings;
    assert_eq!(ws.len(), 1, "{ws:?}");
}

#[test]
fn a_procs_own_retry_loop_that_reassigns_the_register_does_not_warn() {
    // As get_user_pages_slow_read: `page` is set, a fault handler that assigns `page` runs, and
    // `goto retry` assigns it again before anything reads it.
    let body = format!(
        "{CLOBBER}proc slow() \"mm/s.c\" {{
retry:
  cur = READ_ONCE(x)
  page = cur
  if cur == 0 {{
    clobber()
    goto retry
  }}
  WRITE_ONCE(y, page)
}}
thread a on CPU0 \"a\" {{
  slow()
  WRITE_ONCE(x, page)
}}
"
    );
    assert_eq!(warnings(&body), vec![]);
}

#[test]
fn a_result_a_proc_always_leaves_and_its_caller_passes_on_does_not_warn() {
    // As pin_user_pages_fast: the fast path sets `page`, the slow path leaves its own there, and
    // the caller reads whichever it got.
    let body = format!(
        "{CLOBBER}proc get() \"mm/g.c\" {{
  page = READ_ONCE(x)
  if page == 0 {{
    clobber()
  }}
  WRITE_ONCE(y, page)
}}
thread a on CPU0 \"a\" {{
  get()
  WRITE_ONCE(x, page)
}}
"
    );
    assert_eq!(warnings(&body), vec![]);
}

#[test]
fn a_result_the_thread_overwrites_its_own_value_with_warns() {
    // A thread has no caller to pass a result on to: its value was its own.
    let body = format!(
        "{CLOBBER}thread a on CPU0 \"a\" {{
  page = READ_ONCE(x)
  if page == 0 {{
    clobber()
  }}
  WRITE_ONCE(y, page)
}}
"
    );
    assert_eq!(warnings(&body).len(), 1);
}

#[test]
fn a_fault_handler_that_assigns_a_register_the_thread_keeps_across_an_access_warns_at_the_access() {
    let body = "proc fault(va) \"arch/x86/mm/fault.c\" {
  page = READ_ONCE(y)
  ptep_modify_prot(va, +W)
}
thread a on CPU0 \"a\" {
  page = READ_ONCE(x)
  store V[0] = 1
  WRITE_ONCE(x, page)
}
";
    let src = source(body)
        .replace("state {\n", "state {\n  slots 1\n  vma V anon write\n  page P anon exclusive refcount=1 mapcount=1\n  pte V -> P\n")
        .replace("  check no_lost_write\n", "  check no_lost_write\n  fault_handler fault\n");
    let sc = scenario::load("t.race", &|n| (n == "t.race").then(|| src.clone())).unwrap_or_else(|e| panic!("{e}"));
    let prog = Program::compile(&sc, 0, MemoryModel::Sc).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(prog.warnings.len(), 1, "{:?}", prog.warnings);
    assert!(
        prog.warnings[0].message.starts_with("the fault handler `fault`, run when this access faults, assigns register `page`"),
        "{}",
        prog.warnings[0]
    );
}

#[test]
fn check_edits_gives_a_clash_as_a_warning_once_and_the_scenario_still_opens() {
    let body = format!(
        "{CLOBBER}thread a on CPU0 \"a\" {{
  page = READ_ONCE(x)
  clobber()
  WRITE_ONCE(x, page)
}}
"
    );
    let edits = [("mine.race".to_string(), source(&body).replace("scenario t {", "scenario mine_clash {"))];
    let ds = lab::check_edits(&Catalog::builtin(), &edits);
    assert_eq!(ds.len(), 1, "{ds:?}");
    assert!(ds[0].is_warning() && ds[0].message.contains("`clobber` assigns register `page`"), "{}", ds[0]);
}

#[test]
fn no_scenario_of_the_catalog_warns_under_any_policy_or_model() {
    let catalog = Catalog::builtin();
    let mut found = Vec::new();
    let mut programs = 0;
    for sc in &catalog.scenarios {
        for p in 0..sc.policies.len() {
            for &m in &sc.models {
                let prog = Program::compile(sc, p, m).unwrap_or_else(|e| panic!("{}: {e}", sc.id));
                programs += 1;
                for w in prog.warnings {
                    let line = format!("{} ({} {}): {w}", sc.id, prog.policy, m.name());
                    if !found.contains(&line) {
                        found.push(line);
                    }
                }
            }
        }
    }
    assert!(programs > 100, "only {programs} programs");
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn a_thread_with_a_clash_at_every_call_gives_a_bounded_number_of_warnings() {
    let mut body = String::from(CLOBBER);
    body.push_str("thread a on CPU0 \"a\" {\n");
    for _ in 0..200 {
        body.push_str("  page = READ_ONCE(x)\n  clobber()\n  WRITE_ONCE(x, page)\n");
    }
    body.push_str("}\n");
    let ws = warnings(&body);
    assert_eq!(ws.len(), racelab_core::clash::MAX_WARNINGS, "{}", ws.len());
}

#[test]
fn a_register_a_proc_assigns_only_on_a_path_that_never_returns_does_not_warn() {
    let body = "proc stuck() \"mm/s.c\" {
  if READ_ONCE(y) == 1 {
    page = 2
    sleep \"waits for good\"
  }
}
thread a on CPU0 \"a\" {
  page = READ_ONCE(x)
  stuck()
  WRITE_ONCE(x, page)
}
";
    assert_eq!(warnings(body), vec![]);
}
