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
