//! The importer of C litmus tests: golden files (`core/tests/litmus/NAME.litmus` in, `NAME.race`
//! out; `UPDATE_EXPECT=1` rewrites the `.race` files), every output loads and compiles under
//! each memory model, and bad or unsupported input gets an error at its place, never a panic.

use std::path::PathBuf;

use racelab_core::lab;
use racelab_core::layout::MemoryModel;
use racelab_core::litmus::{self, Expected, Quantifier, Target};
use racelab_core::rng::Rng;
use racelab_core::{catalog, scenario, Catalog, Program};

fn dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/litmus"))
}

/// Loads imported source as a scenario (with the kernel library, as the CLI does) and compiles
/// it under every model it lists.
fn load_and_compile(name: &str, source: &str) -> Result<(), String> {
    let mut files: Vec<(String, String)> = catalog::builtin_files()
        .iter()
        .filter(|(_, t)| !scenario::is_scenario_source(t))
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    files.push((name.to_string(), source.to_string()));
    let c = Catalog::from_sources(files);
    if let Some(e) = c.errors.first() {
        return Err(e.to_string());
    }
    let sc = c.scenarios.first().ok_or("no scenario")?;
    if sc.models != MemoryModel::ALL {
        return Err(format!("models {:?}", sc.models));
    }
    for m in MemoryModel::ALL {
        Program::compile(sc, sc.baseline, m).map_err(|e| format!("{}: {e}", m.name()))?;
    }
    Ok(())
}

#[test]
fn imports_each_golden_file_as_written_in_its_race_file() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut inputs: Vec<PathBuf> =
        std::fs::read_dir(dir()).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "litmus")).collect();
    inputs.sort();
    assert!(inputs.len() >= 4, "the golden inputs are in {}", dir().display());
    let mut stale = Vec::new();
    for input in inputs {
        let name = input.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&input).unwrap();
        let out = lab::litmus_to_scenario(&name, &text).unwrap_or_else(|e| panic!("{e}"));
        load_and_compile(&name, &out).unwrap_or_else(|e| panic!("{name}: the imported scenario does not load: {e}\n{out}"));
        let golden = input.with_extension("race");
        if update {
            std::fs::write(&golden, &out).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&golden).unwrap_or_default();
        if want != out {
            stale.push(format!("{name}:\n--- want\n{want}\n--- got\n{out}"));
        }
    }
    assert!(stale.is_empty(), "imports differ from their .race files (UPDATE_EXPECT=1 rewrites them):\n{}", stale.join("\n"));
}

#[test]
fn the_parsed_test_has_its_locations_threads_and_condition() {
    let text = std::fs::read_to_string(dir().join("everything.litmus")).unwrap();
    let t = litmus::parse("everything.litmus", &text).unwrap();
    assert_eq!(t.name, "Every+form_the-importer.reads");
    assert_eq!(t.doc.as_deref(), Some("A test of the importer's own: one of each form it translates."));
    let names: Vec<&str> = t.locations.iter().map(|l| l.name.name.as_str()).collect();
    assert_eq!(names, ["x", "y", "v", "l"]);
    assert_eq!(t.locations[0].value, 1);
    assert_eq!(t.locations[2].value, 2);
    assert_eq!(t.reg_inits.len(), 1);
    assert_eq!(t.threads.len(), 2);
    assert_eq!(t.threads[0].comment.as_deref(), Some("The writer"));
    assert_eq!(t.quantifier, Quantifier::Exists);
    assert!(t.filter.is_some());
    assert_eq!(t.print.as_deref(), Some("x; 0:r2; 1:r1;"));
    assert_eq!(litmus::result(&t).as_deref(), Some("Never"));
    let ex = litmus::expectations("everything.litmus", &t).unwrap();
    assert_eq!(ex.get(Target::Model(MemoryModel::Arm64)), Some(Expected::Allow));
    assert_eq!(ex.get(Target::Lkmm), Some(Expected::Allow));
    assert_eq!(ex.get(Target::Model(MemoryModel::Sc)), Some(Expected::Forbid));
    assert_eq!(ex.limit(MemoryModel::Arm64), Some("an example of a known limit, for the importer's test"));
    assert_eq!(ex.limit(MemoryModel::X86Tso), None);
}

#[test]
fn an_imported_store_buffering_test_is_allowed_on_x86_tso_and_arm64_and_forbidden_on_sc() {
    let text = std::fs::read_to_string(dir().join("sb.litmus")).unwrap();
    let out = lab::litmus_to_scenario("sb.litmus", &text).unwrap();
    let mut files: Vec<(String, String)> = vec![("sb.race".to_string(), out)];
    files.extend(
        catalog::builtin_files().iter().filter(|(_, t)| !scenario::is_scenario_source(t)).map(|(n, t)| (n.to_string(), t.to_string())),
    );
    let c = Catalog::from_sources(files);
    let sc = &c.scenarios[0];
    for (m, want) in
        [(MemoryModel::Sc, lab::Verdict::Safe), (MemoryModel::X86Tso, lab::Verdict::Violated), (MemoryModel::Arm64, lab::Verdict::Violated)]
    {
        let prog = Program::compile(sc, sc.baseline, m).unwrap();
        let r = lab::explore::explore(&prog, lab::Options::default(), &mut || 0.0);
        assert_eq!(r.verdict, want, "{}", m.name());
    }
}

/// The error of importing `text` as `t.litmus`.
fn error_of(text: &str) -> String {
    match lab::litmus_to_scenario("t.litmus", text) {
        Ok(s) => format!("no error:\n{s}"),
        Err(e) => e.to_string(),
    }
}

fn check(text: &str, want: &str) {
    assert_eq!(error_of(text), want, "\ninput:\n{text}");
}

/// A two-thread test around a body for P0.
fn with_p0(body: &str) -> String {
    format!("C t\n{{}}\nP0(int *x, int *y, spinlock_t *l)\n{{\n{body}\n}}\nP1(int *y)\n{{\n\tWRITE_ONCE(*y, 1);\n}}\nexists (0:r0=0)\n")
}

#[test]
fn unsupported_primitives_are_named_with_the_reason() {
    check(&with_p0("\trcu_read_lock();"), "t.litmus:5:2: rcu_read_lock() is not supported (racelab models no RCU grace periods)");
    check(&with_p0("\tsynchronize_rcu();"), "t.litmus:5:2: synchronize_rcu() is not supported (racelab models no RCU grace periods)");
    check(
        &with_p0("\tint r0 = rcu_dereference(*x);"),
        "t.litmus:5:11: rcu_dereference() is not supported (racelab has no pointer-valued locations)",
    );
    check(&with_p0("\tint r0 = srcu_read_lock(x);"), "t.litmus:5:11: srcu_read_lock() is not supported (racelab models no SRCU)");
    let unknown = error_of(&with_p0("\tr0 = atomic_fetch_add(1, x);"));
    assert!(
        unknown.starts_with("t.litmus:5:7: atomic_fetch_add() is not supported: racelab imports barrier, READ_ONCE, WRITE_ONCE,"),
        "{unknown}"
    );
    check(&with_p0("\t(void)atomic_add_unless(x, 1, 0);"), &error_of(&with_p0("\tr0 = atomic_add_unless(x, 1, 0);")).replace("5:7", "5:8"));
}

#[test]
fn a_primitive_the_language_lacks_is_reported_until_it_has_it() {
    let text = with_p0("\tr0 = xchg(x, 1);");
    if racelab_core::primitives::lookup("xchg").is_none() {
        check(&text, "t.litmus:5:7: xchg() is not supported yet: racelab's scenario language has no `xchg`");
    } else {
        let out = lab::litmus_to_scenario("t.litmus", &text).unwrap();
        assert!(out.contains("  r0 = xchg(x, 1)\n"), "{out}");
    }
}

#[test]
fn what_racelab_cannot_express_is_an_error_at_its_place() {
    check(&with_p0("\t*x = 1;"), "t.litmus:5:2: `*x = …` is a plain C store: write WRITE_ONCE(…) (racelab imports marked accesses only)");
    check(&with_p0("\tint r0 = *x;"), "t.litmus:5:11: `*x` is a plain C read: write READ_ONCE(…) (racelab imports marked accesses only)");
    check(
        &with_p0("\twhile (READ_ONCE(*x) == 0) ;"),
        "t.litmus:5:2: `while` is not supported: racelab imports straight-line code with `if`, no loops or jumps",
    );
    check(&with_p0("\tint r0 = 1;\n\tr0 += 1;"), "t.litmus:6:5: `+=` is not supported: write `r = r + …`");
    check(&with_p0("\tint r0 = READ_ONCE(x);"), "t.litmus:5:21: READ_ONCE() takes the location as `*x`, not the pointer `x`");
    check(&with_p0("\tint r0 = smp_load_acquire(*x);"), "t.litmus:5:28: smp_load_acquire() takes the pointer `x`, not `*x`");
    check(&with_p0("\tspin_lock(x);"), "t.litmus:5:12: spin_lock() takes a spinlock_t, and `x` is not one");
    check(&with_p0("\tWRITE_ONCE(*l, 1);"), "t.litmus:5:14: `l` is a spinlock_t: WRITE_ONCE() takes a variable");
    check(&with_p0("\tWRITE_ONCE(*z, 1);"), "t.litmus:5:14: `z` is not a shared location: WRITE_ONCE() takes one of P0's parameters");
    check(
        &with_p0("\tWRITE_ONCE(*x, READ_ONCE(*y));"),
        "t.litmus:5:17: a stored value must be a constant or a register: read READ_ONCE(…) into a register first",
    );
    check(&with_p0("\tWRITE_ONCE(*x, x);"), "t.litmus:5:17: `x` is a pointer: read the location with READ_ONCE(*x)");
    check(&with_p0("\tint r0 = y[1];"), "t.litmus:5:12: array indexing `[ ]` is not supported");
    check(&with_p0("\tint r0 = 1;\n\tWRITE_ONCE(*x, r0++);"), "t.litmus:6:19: `++` is not supported: write `r = r + 1` or `r = r - 1`");
    check(
        &with_p0("\tint r0 = 1 ^ 2;"),
        "t.litmus:5:11: `^` is not supported in expressions (racelab's operators: + - & == != < <= > >= && || !)",
    );
    check(&with_p0("\tWRITE_ONCE(*x, 70000);"), "t.litmus:5:17: 70000 does not fit racelab's 16-bit values (-32768 ..= 32767)");
    check(&with_p0("\tint x = 1;"), "t.litmus:5:6: register `x` has the name of a shared location: rename it");
    check(&with_p0("\tint load = 1;"), "t.litmus:5:6: register `load` has a name racelab reserves: rename it");
    check(&with_p0("\tREAD_ONCE(*x);"), "t.litmus:5:2: the value of READ_ONCE() is unused: assign it to a register");
    check(&with_p0("\tint r0 = smp_mb();"), "t.litmus:5:11: smp_mb() has no value");
    check(
        "C t\n{}\nP0(int *x)\n{\n\tWRITE_ONCE(*x, 1);\n}\nP1(int *y)\n{\n\tint r0 = READ_ONCE(*x);\n}\nexists (1:r0=0)\n",
        "t.litmus:9:22: `x` is not a parameter of P1: add `int *x` to its parameter list",
    );
    check(
        "C t\n{ int *p = &x; }\nP0(int *x)\n{\n}\nexists (x=0)\n",
        "t.litmus:2:8: `p` holds a pointer: racelab has no pointer-valued locations",
    );
    check("C t\n{}\nP0(int **p)\n{\n}\nexists (0:r0=0)\n", "t.litmus:3:10: `p` is a pointer to a pointer: racelab has no pointer values");
    check("C t\n{}\nP0(int *x)\n{\n}\nexists (2:r0=0)\n", "t.litmus:6:9: the condition names thread 2, and the test has 1");
    check("C t\n{}\nP0(int *x)\n{\n}\nexists (z=0)\n", "t.litmus:6:9: `z` in the condition is not a location of the test");
    check("C t\n{}\nP0(int *x)\n{\n}\nexists (0:r0=x)\n", "t.litmus:6:14: `x` here is the address of `x`: racelab has no pointer values");
    let seven: String = (0..7).map(|i| format!("P{i}(int *x)\n{{\n}}\n")).collect();
    check(&format!("C t\n{{}}\n{seven}exists (x=0)\n"), "t.litmus:21:1: racelab runs at most 6 threads");
}

#[test]
fn malformed_tests_are_errors_at_their_place() {
    check("", "t.litmus:1:1: expected `C NAME` on the first line of a C litmus test, found the end of the file");
    check("AArch64 SB\n{}\n", "t.litmus:1:1: `AArch64` is not C: racelab imports C litmus tests (`C NAME` on the first line)");
    check("C\n{}\n", "t.litmus:1:2: expected the test's name after `C`");
    check("C t\n(* never closed\n{}\n", "t.litmus:2:1: unterminated comment: `(*` has no `*)`");
    check("C t\n{ x=1;\n", "t.litmus:2:1: the initial state `{` has no `}`");
    check("C t\n{}\nexists (x=1)\n", "t.litmus:3:1: expected a thread `P0(…) { … }`, found `exists`");
    check("C t\n{}\nP1(int *x)\n{\n}\nexists (x=1)\n", "t.litmus:3:1: expected thread P0, found P1: threads are numbered from P0 in order");
    check(
        "C t\n{}\nP0(int *x)\n{\n\tWRITE_ONCE(*x, 1)\n}\nexists (x=1)\n",
        "t.litmus:6:1: expected `;` at the end of the statement, found `}`",
    );
    check("C t\n{}\nP0(int *x)\n{\n\tWRITE_ONCE(*x, 1);\n", "t.litmus:4:1: this `{` has no `}`");
    check(
        "C t\n{}\nP0(int *x)\n{\n}\n",
        "t.litmus:6:1: expected the final condition (`exists`, `~exists` or `forall`), found the end of the file",
    );
    check(
        "C t\n{}\nP0(int *x)\n{\n}\nexists (x=1) junk\n",
        "t.litmus:6:14: expected the end of the test after the final condition, found `junk`",
    );
    check("C t\n{}\nP0(int *x)\n{\n}\nexists (x=1 /\\ 0:r0)\n", "t.litmus:6:20: expected `=` or `!=` after 0:r0, found `)`");
    check("C t\n{}\nP0(int x)\n{\n}\nexists (x=1)\n", "t.litmus:3:4: parameter `x` must be a pointer to a shared location (`int *x`)");
    let deep = format!("C t\n{{}}\nP0(int *x)\n{{\n\tint r0 = {}1{};\n}}\nexists (x=1)\n", "(".repeat(200), ")".repeat(200));
    assert!(error_of(&deep).contains("nested more than 64 deep"), "{}", error_of(&deep));
    check(
        "C t\n(* racelab: sc maybe *)\n{}\nP0(int *x)\n{\n}\nexists (x=1)\n",
        "t.litmus:2:4: `racelab:` expects `MODEL RESULT, …` (models sc, x86_tso, arm64, lkmm; results allow, forbid, require), found `sc maybe`",
    );
    check(
        "C t\n(* racelab: sc require *)\n{}\nP0(int *x)\n{\n}\nexists (x=1)\n",
        "t.litmus:2:4: `sc require` does not fit a `exists` condition (exists: allow or forbid; forall: require)",
    );
}

/// Mutations of the golden inputs and of a few forms: each either imports into a scenario that
/// loads and compiles, or is an error; never a panic.
#[test]
fn mutated_tests_import_into_a_loading_scenario_or_fail_with_a_message() {
    const ALPHABET: &[u8] = b" \n{}()[];,=-+*!&|^~<>:./\\\"0123456789Prxyzl_";
    let mut inputs: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "litmus"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    inputs.sort();
    let mut rng = Rng::new(0x11715);
    let (mut imported, mut failed) = (0, 0);
    for round in 0..4000 {
        let mut b: Vec<u8> = inputs[round % inputs.len()].as_bytes().to_vec();
        for _ in 0..1 + rng.index(3) {
            let at = rng.index(b.len());
            match rng.index(4) {
                0 => {
                    b.remove(at);
                }
                1 => b.insert(at, ALPHABET[rng.index(ALPHABET.len())]),
                2 => {
                    let n = ["0", "-1", "32768", "99999999999999999999", "P7", "(*", "*)", "/*"][rng.index(8)];
                    b.splice(at..at, n.bytes());
                }
                _ => {
                    let n = rng.index(30).min(b.len() - at);
                    b.drain(at..at + n);
                }
            }
        }
        let text = String::from_utf8_lossy(&b).into_owned();
        match lab::litmus_to_scenario("m.litmus", &text) {
            Ok(out) => {
                load_and_compile("m.litmus", &out)
                    .unwrap_or_else(|e| panic!("imported, but does not load: {e}\ninput:\n{text}\noutput:\n{out}"));
                imported += 1;
            }
            Err(e) => {
                assert!(e.to_string().starts_with("m.litmus:"), "{e}");
                failed += 1;
            }
        }
    }
    assert!(imported > 200 && failed > 200, "{imported} imported, {failed} failed: the mutations should do both");
}
