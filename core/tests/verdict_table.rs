//! The gallery's verdict table (`lab::verdict_table`, `lab::read_verdict_table`): it reads back
//! as written, every key of the catalog has its row with the verdict its scenario's `verdict`
//! line claims, a row is used only for the files it was computed from, and a table that is not
//! one is an error at its line.

use racelab_core::lab::{self, Archive, Catalog, Library, MemoryModel, VerdictKind};

fn builtin() -> Library {
    Library::builtin()
}

#[test]
fn every_key_of_the_catalog_has_a_row_with_the_verdict_its_verdict_line_claims() {
    let lib = builtin();
    let cat = lib.current();
    let text = lab::verdict_table(cat, &lib);
    let table = lab::read_verdict_table(&text).unwrap_or_else(|e| panic!("{e}"));
    let mut keys = 0;
    for sc in &cat.scenarios {
        for p in &sc.policies {
            for &m in &sc.models {
                keys += 1;
                let what = format!("{} under {} on {}", sc.id, p.name, m.name());
                let row = table.lookup(sc, &p.name, m).unwrap_or_else(|| panic!("{what}: no row"));
                let claim =
                    sc.verdicts.iter().find(|v| v.policy == p.name && v.model == m).unwrap_or_else(|| panic!("{what}: no verdict line"));
                match claim.violated {
                    None => {
                        assert_eq!(row.verdict, VerdictKind::Safe, "{what}");
                        assert!(row.invariants.is_empty() && row.trace.is_none() && row.link.is_none(), "{what}: {row:?}");
                    }
                    Some(inv) => {
                        assert_eq!(row.verdict, VerdictKind::Violated, "{what}");
                        assert_eq!(row.invariant(), Some(inv.name()), "{what}");
                        let trace = lab::schedule::decode(row.trace.as_deref().unwrap(), row.threads).unwrap();
                        if let Some(steps) = claim.shortest {
                            assert_eq!(trace.len(), steps, "{what}");
                        }
                        // The link opens the counterexample at its last step, under this policy and model.
                        let link = row.link.as_deref().unwrap_or_else(|| panic!("{what}: no link"));
                        let view = lab::open_link(&lib, link).unwrap_or_else(|e| panic!("{what}: {link}: {e}"));
                        assert_eq!((view.opened.program.policy.as_str(), view.opened.program.model), (p.name.as_str(), m), "{what}");
                        assert_eq!(view.step, trace.len(), "{what}");
                    }
                }
            }
        }
    }
    assert_eq!(table.len(), keys, "one row per key, no other");
    assert_eq!(text.lines().count(), keys + 1, "the header and one line per row");
}

#[test]
fn a_table_reads_back_as_it_was_written() {
    let lib = builtin();
    let sc = lib.current().scenarios.iter().find(|s| s.race == "litmus").unwrap();
    let rows: Vec<_> =
        sc.policies.iter().flat_map(|p| sc.models.iter().map(|&m| lab::verdict_row(&lib, sc, &p.name, m).unwrap())).collect();
    let mut text = format!("{{\"racelab\":\"verdicts\",\"version\":{}}}\n", lab::VERDICTS_FORMAT);
    for r in &rows {
        text.push_str(&serde_json::to_string(r).unwrap());
        text.push('\n');
    }
    let table = lab::read_verdict_table(&text).unwrap();
    assert_eq!(table.len(), rows.len());
    for r in &rows {
        assert_eq!(table.lookup(sc, &r.policy, r.model), Some(r));
    }
    // Without the final newline, and with CRLF line ends, the same table.
    assert_eq!(lab::read_verdict_table(text.trim_end()).unwrap(), table);
    assert_eq!(lab::read_verdict_table(&text.replace('\n', "\r\n")).unwrap(), table);
}

#[test]
fn a_changed_file_changes_the_pin_and_the_row_is_not_used() {
    let lib = builtin();
    let cat = lib.current();
    let race = cat.scenario("race1a").unwrap();
    let litmus = cat.scenarios.iter().find(|s| s.race == "litmus" && !s.files.iter().any(|f| f.path == "kernel/memory.race")).unwrap();
    assert!(race.files.iter().any(|f| f.path == "kernel/memory.race"), "race 1A uses the kernel's memory.race");
    let rows = [
        lab::verdict_row(&lib, race, "v5_10", MemoryModel::Sc).unwrap(),
        lab::verdict_row(&lib, litmus, &litmus.policies[0].name, litmus.models[0]).unwrap(),
    ];
    let mut text = String::from("{\"racelab\":\"verdicts\",\"version\":1}\n");
    for r in &rows {
        text.push_str(&serde_json::to_string(r).unwrap());
        text.push('\n');
    }
    let table = lab::read_verdict_table(&text).unwrap();
    assert!(table.lookup(race, "v5_10", MemoryModel::Sc).is_some());

    // One comment more in a kernel file race 1A is compiled from.
    let memory = format!("{}\n# a comment\n", cat.source("kernel/memory.race").unwrap());
    let edited = cat.with_edits(&[("kernel/memory.race".to_string(), memory)]);
    let race_now = edited.scenario("race1a").unwrap();
    assert_ne!(lab::verdict_pin(race_now, "v5_10", MemoryModel::Sc), rows[0].pin);
    assert_eq!(table.lookup(race_now, "v5_10", MemoryModel::Sc), None, "computed from other files");
    // A scenario that does not use that file keeps its row.
    let litmus_now = edited.scenario(&litmus.id).unwrap();
    assert_eq!(table.lookup(litmus_now, &rows[1].policy, rows[1].model), Some(&rows[1]));

    // The pin also names the model's semantics and the policy: another key's row is not this one's.
    assert_ne!(lab::verdict_pin(race, "v5_10", MemoryModel::Sc), lab::verdict_pin(race, "v5_10", MemoryModel::X86Tso));
    assert_ne!(lab::verdict_pin(race, "v5_10", MemoryModel::Sc), lab::verdict_pin(race, &race.policies[1].name, MemoryModel::Sc));
}

#[test]
fn a_line_that_is_not_a_row_is_an_error_naming_it() {
    let lib = builtin();
    let sc = lib.current().scenarios.iter().find(|s| s.race == "litmus").unwrap();
    let row = serde_json::to_string(&lab::verdict_row(&lib, sc, &sc.policies[0].name, sc.models[0]).unwrap()).unwrap();
    let head = "{\"racelab\":\"verdicts\",\"version\":1}";
    let err = |text: String| lab::read_verdict_table(&text).unwrap_err().to_string();
    assert_eq!(err(String::new()), "verdict table, line 1: empty: expected the header `{\"racelab\":\"verdicts\",\"version\":1}`");
    assert_eq!(err("racelab".into()), "verdict table, line 1: the header is not JSON: expected value (column 1)");
    assert_eq!(
        err("{\"racelab\":\"archive\",\"version\":1}\n".into()),
        "verdict table, line 1: not a verdict table: the header has no `\"racelab\":\"verdicts\"`"
    );
    assert_eq!(err("{\"racelab\":\"verdicts\"}\n".into()), "verdict table, line 1: the header has no format version (`\"version\":1`)");
    assert_eq!(err(format!("{head}\n{row}\n{{\"scenario\":")), "verdict table, line 3: not a row: EOF while parsing a value (column 12)");
    assert_eq!(err(format!("{head}\n\n{row}\n")), "verdict table, line 2: an empty line: expected a row");
    assert_eq!(
        err(format!("{head}\n[1, 2]\n")),
        "verdict table, line 2: not a row: invalid type: integer `1`, expected a string (column 2)"
    );
    assert!(err(format!("{head}\n{}\n", row.replacen('{', "{\"extra\":1,", 1)))
        .starts_with("verdict table, line 2: not a row: unknown field `extra`"));
    assert!(err(format!("{head}\n{}\n", row.replace("\"verdict\":\"", "\"verdict\":\"x")))
        .starts_with("verdict table, line 2: not a row: unknown variant"));
    assert_eq!(
        err(format!("{head}\n{row}\n{row}\n")),
        format!("verdict table, line 3: a second row for {} under {} on {}", sc.id, sc.policies[0].name, sc.models[0].name())
    );
    // A quoted value is cut and its control characters escaped.
    let hostile = err(format!("{head}\n{}\n", row.replace("\"pin\":\"", &format!("\"pin\":\"{}\\u001b", "x".repeat(60)))));
    assert!(hostile.starts_with("verdict table, line 2: the pin `xxxx") && !hostile.contains('\u{1b}') && hostile.len() < 140, "{hostile}");
}

#[test]
fn a_table_of_another_format_version_is_an_error() {
    let e = lab::read_verdict_table("{\"racelab\":\"verdicts\",\"version\":2}\n{}\n").unwrap_err();
    assert_eq!(e.line, 1);
    assert_eq!(e.to_string(), "verdict table, line 1: format version 2 is unknown (this reads version 1)");
    assert_eq!(lab::VERDICTS_FORMAT, 1);
}

#[test]
fn no_input_panics_the_reader() {
    // Every cut of a real table, and a few bytes changed: an error or a table, never a panic.
    let lib = Library::new(Catalog::builtin(), Archive::builtin());
    let sc = lib.current().scenarios.iter().find(|s| s.race == "litmus").unwrap();
    let row = serde_json::to_string(&lab::verdict_row(&lib, sc, &sc.policies[0].name, sc.models[0]).unwrap()).unwrap();
    let text = format!("{{\"racelab\":\"verdicts\",\"version\":1}}\n{row}\n");
    for cut in 0..=text.len() {
        if text.is_char_boundary(cut) {
            let _ = lab::read_verdict_table(&text[..cut]);
        }
    }
    let bytes = text.as_bytes();
    for (i, c) in [(5, b'x'), (40, b'"'), (60, b'}'), (bytes.len() - 3, b'9')] {
        let mut b = bytes.to_vec();
        b[i] = c;
        let _ = lab::read_verdict_table(&String::from_utf8_lossy(&b));
    }
}
