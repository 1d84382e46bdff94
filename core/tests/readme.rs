//! The README's lists of primitives ("The scenario format", paragraphs "Primitives:" and
//! "Values in conditions:") name exactly the entries of the compiler's table.

use racelab_core::primitives::{Use, PRIMITIVES};

/// The names in a paragraph's backticked items: `ok = trylock_page(p)` names trylock_page.
fn names(paragraph: &str) -> Vec<String> {
    paragraph
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|item| {
            let call = item.rsplit(" = ").next().unwrap();
            call.split('(').next().unwrap().trim().to_string()
        })
        .collect()
}

fn paragraph<'a>(readme: &'a str, head: &str, end: &str) -> &'a str {
    let section = &readme[readme.find("## The scenario format").expect("README has a scenario format section")..];
    let start = section.find(head).unwrap_or_else(|| panic!("no paragraph `{head}` in the README's scenario format"));
    let text = &section[start + head.len()..];
    &text[..text.find(end).unwrap_or(text.len())]
}

#[test]
fn readme_lists_exactly_the_primitives_of_the_table() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let want = |f: &dyn Fn(Use) -> bool| PRIMITIVES.iter().filter(|p| f(p.kind)).map(|p| p.call).collect::<Vec<_>>();
    let steps = paragraph(&readme, "Primitives:", "\nValues in conditions:");
    let values = paragraph(&readme, "Values in conditions:", "Operators:");
    let (want_steps, want_values) = (want(&|k| k != Use::Value), want(&|k| k == Use::Value));
    let table_names = |calls: &[&str]| calls.iter().flat_map(|c| names(&format!("`{c}`"))).collect::<Vec<_>>();
    let regenerate = format!(
        "regenerate the paragraphs from core/src/primitives.rs:\nPrimitives: {}.\nValues in conditions: {}.",
        want_steps.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "),
        want_values.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
    );
    assert_eq!(names(steps), table_names(&want_steps), "{regenerate}");
    assert_eq!(names(values), table_names(&want_values), "{regenerate}");
}

/// The README's table of limits ("Limits", under "The scenario format") states the values the
/// code enforces.
#[test]
fn readme_limits_table_states_the_limits_of_the_code() {
    use racelab_core::{compile::MAX_THREAD_INSTRS, limits::*, state::*, syntax::*};
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let start = readme.find("### Limits").expect("README has a Limits section");
    let table = &readme[start..start + readme[start..].find("\n## ").unwrap()];
    let row = |what: &str| {
        table.lines().find(|l| l.starts_with(&format!("| {what}"))).unwrap_or_else(|| panic!("no row `{what}` in the limits table"))
    };
    let thousands = |n: usize| racelab_core::explore::report::thousands(n as u64);
    assert!(row("source file").contains(&MAX_SOURCE_BYTES.to_string()));
    assert!(row("expression depth").contains(&format!("{MAX_EXPR_DEPTH} levels")));
    assert!(row("nesting").contains(&format!("{MAX_NESTING} levels")));
    assert!(row("a proc's argument").contains(&format!("{MAX_EXPR_DEPTH} levels")));
    assert!(row("procs calling procs").contains(&format!("{MAX_NESTING} deep")));
    assert!(row("one thread's code").contains(&thousands(MAX_THREAD_INSTRS)));
    let machine = row("the machine");
    for (n, what) in [
        (MAX_THREADS, "threads"),
        (MAX_CPUS, "CPUs"),
        (MAX_PAGES, "pages"),
        (MAX_PTES, "PTEs"),
        (MAX_DATA, "data slots"),
        (MAX_VARS, "variables"),
        (MAX_LOCKS, "locks"),
        (MAX_REGS, "registers"),
        (MAX_PINS, "GUP references"),
    ] {
        assert!(machine.contains(&format!("{n} {what}")), "{what}: {machine}");
    }
    assert!(row("store buffer").contains(&format!("{MAX_SB} stores")));
    assert!(row("schedule").contains(&thousands(MAX_STEPS)));
    assert!(row("sampling").contains(&thousands(MAX_PCT_DEPTH as usize)));
    let link = row("link");
    assert!(link.contains(&thousands(racelab_core::lab::MAX_LINK_BYTES)), "{link}");
    assert!(
        link.contains(&format!("{} notes of at most {} characters", racelab_core::lab::MAX_NOTES, racelab_core::lab::MAX_NOTE_CHARS)),
        "{link}"
    );
    assert!(link.contains(&format!("{} files", racelab_core::lab::MAX_SOURCE_FILES)), "{link}");
}
