//! Bad input never panics: mutated scenario files, random links and schedules either work or
//! come back as an error. Deterministic (the crate's seeded generator), so a failure reproduces.

use racelab_core::lab::{self, Request, ScheduleSpec};
use racelab_core::layout::MemoryModel;
use racelab_core::rng::Rng;
use racelab_core::scenario::{self};
use racelab_core::{catalog, Catalog, Program};

const ALPHABET: &[u8] = b" \n{}()[],=-+*!&|<>:.;\"#0123456789abcxyzVPNW_";

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut b: Vec<u8> = text.as_bytes().to_vec();
    for _ in 0..1 + rng.index(4) {
        let at = rng.index(b.len());
        match rng.index(5) {
            0 if !b.is_empty() => {
                b.remove(at);
            }
            1 => b.insert(at, ALPHABET[rng.index(ALPHABET.len())]),
            2 => {
                let n = rng.index(40).min(b.len() - at);
                let chunk: Vec<u8> = b[at..at + n].to_vec();
                let to = rng.index(b.len());
                b.splice(to..to, chunk);
            }
            3 => {
                // A number in a random place, sometimes huge.
                let n = ["0", "7", "255", "256", "99999", "4294967297", "-1"][rng.index(7)];
                b.splice(at..at, n.bytes());
            }
            _ => {
                if let Some(p) = b[at..].iter().position(|c| *c == b'\n') {
                    b.truncate(at + p);
                }
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

#[test]
fn mutated_scenarios_load_or_fail_with_a_message() {
    let files = catalog::builtin_files();
    let mut rng = Rng::new(0x9e3779b97f4a7c15);
    for round in 0..3000 {
        let (name, text) = files[round % files.len()];
        let bad = mutate(&mut rng, text);
        let read = |n: &str| if n == name { Some(bad.clone()) } else { files.iter().find(|(m, _)| *m == n).map(|(_, t)| t.to_string()) };
        if !scenario::is_scenario_source(&bad) {
            // A library file: load every scenario that uses it.
            for (sn, st) in files.iter().filter(|(_, t)| scenario::is_scenario_source(t)).take(2) {
                let _ = scenario::load(sn, &|n: &str| if n == *sn { Some(st.to_string()) } else { read(n) });
            }
            continue;
        }
        let Ok(sc) = scenario::load(name, &read) else { continue };
        for p in 0..sc.policies.len() {
            for &model in &sc.models {
                let Ok(prog) = Program::compile(&sc, p, model) else { continue };
                for t in &sc.traces {
                    let _ = racelab_core::replay(&prog, &t.schedule);
                    let _ = racelab_core::replay::replay_nearest(&prog, &prog, &t.schedule);
                }
            }
        }
    }
}

#[test]
fn random_links_and_schedules_fail_with_a_message() {
    let lib = lab::Library::builtin();
    let catalog = lib.current();
    let mut rng = Rng::new(0x2545f4914f6cdd1d);
    let fields = [
        "v=1",
        "v=2",
        "s=race1a",
        "s=race4a",
        "s=litmus_sb",
        "s=",
        "p=v5_10",
        "p=mb",
        "m=arm64",
        "m=x86-tso",
        "t=a5b10c",
        "t=B3",
        "t=_b17",
        "t=a99999999999",
        "tr=lost_write",
        "i=25",
        "i=-1",
        "i=99999999999999999999",
        "x",
        "&&",
        "=",
        "%zz",
    ];
    for _ in 0..5000 {
        let n = 1 + rng.index(7);
        let link: Vec<&str> = (0..n).map(|_| fields[rng.index(fields.len())]).collect();
        let link = link.join("&");
        if let Ok(v) = lab::open_link(&lib, &link) {
            assert!(v.step <= v.opened.run.steps.len());
        }
    }
    for _ in 0..2000 {
        let len = rng.index(30);
        let text: String = (0..len).map(|_| b"abcdABCD0123456789_ *x"[rng.index(22)] as char).collect();
        for spec in [ScheduleSpec::Compact(text.clone()), ScheduleSpec::Names(text.clone())] {
            let req =
                Request { scenario: "race1b".into(), policy: None, model: MemoryModel::Sc, schedule: spec, nearest: rng.index(2) == 0 };
            let _ = lab::open(catalog, &req);
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let src = format!("racelab 1\nthread a on CPU0 {{\n  x = {}1{}\n}}\n", "(".repeat(100_000), ")".repeat(100_000));
    let err = racelab_core::syntax::parse("t.race", &src).unwrap_err();
    assert!(err.message.contains("nested too deeply"), "{err}");
}

/// The deepest trees the language accepts, everywhere a tree is walked: a condition at the
/// parser's bound, a proc argument at the bound substituted into a proc's condition at the
/// bound (the compiler bounds the argument, so the tree is at most twice as deep), and an
/// `exists` condition at the bound. Loaded, compiled, replayed and viewed on a 1 MB stack, the
/// stack of the browser's WebAssembly, in a debug build whose frames are larger than release's.
#[test]
fn the_deepest_expressions_accepted_run_on_a_one_megabyte_stack() {
    use racelab_core::syntax::MAX_EXPR_DEPTH;
    let chain = |n: usize, term: &str, op: &str| vec![term; n].join(op);
    // `==` and `&` over n names: n operators deep, plus one for the names.
    let cond = chain(MAX_EXPR_DEPTH - 1, "x", " & ");
    let arg = chain(MAX_EXPR_DEPTH, "x", " & ");
    let body = chain(MAX_EXPR_DEPTH - 1, "a", " & ");
    let exists = chain(MAX_EXPR_DEPTH / 2 - 1, "x == 1", " && ");
    let src = format!(
        "racelab 1
policy po {{
  fate baseline
}}
proc p(a) {{
  if {body} == 1 {{
    WRITE_ONCE(x, 2)
  }}
}}
scenario deep {{
  title \"deep\"
  policies po
  baseline po
  models sc arm64
  exists \"{exists}\"
}}
state {{
  var x
}}
thread P0 on CPU0 {{
  WRITE_ONCE(x, 1)
  if {cond} == 1 {{
    WRITE_ONCE(x, 1)
  }}
  p({arg})
}}
trace all {{
  schedule P0*3
}}
"
    );
    let run = move || {
        let catalog = Catalog::from_sources([("deep.race".to_string(), src)]);
        assert!(catalog.errors.is_empty(), "{:?}", catalog.errors);
        let sc = lab::scenario(&catalog, "deep").unwrap();
        let _ = racelab_core::view::scenario(sc);
        for &model in &[MemoryModel::Sc, MemoryModel::Arm64] {
            let prog = lab::compile(sc, None, model).unwrap();
            let code = racelab_core::view::code(&prog, sc);
            assert!(code[0].lines.iter().any(|l| l.text.len() > 4 * MAX_EXPR_DEPTH), "the condition is printed whole");
            let req = Request { scenario: "deep".into(), policy: None, model, schedule: ScheduleSpec::Trace("all".into()), nearest: false };
            let opened = lab::open(&catalog, &req).unwrap();
            let steps: Vec<_> = racelab_core::view::steps(&opened.program, &opened.run).collect();
            assert!(!steps.is_empty());
            drop(opened);
        }
    };
    std::thread::Builder::new().stack_size(1 << 20).spawn(run).unwrap().join().expect("no stack overflow");
}
