//! The fields a link carries for the page itself, beside the core's permalink: presentation
//! mode (`view=present`) and a side-by-side comparison (`q=POLICY`, `qm=MODEL`, `qi=STEP`: the
//! second run, the same interleaving under another policy or memory model, at its step).
//!
//! Until the core's link format defines these fields, the page splits them off before the
//! core parses the rest, and appends them to the permalinks the core makes.

use racelab_core::lab::MemoryModel;

/// The second run of a side-by-side view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compare {
    pub policy: String,
    /// None: the first run's memory model.
    pub model: Option<MemoryModel>,
    /// The second run's step; None: the one that matches the first run's.
    pub step: Option<usize>,
}

/// What a link asks of the page, beside the view the core opens.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageFields {
    pub present: bool,
    pub compare: Option<Compare>,
}

/// Splits a fragment into the core's permalink and the page's own fields. A field of the page
/// whose value is not one it knows is left in the permalink, so that the core names it in its
/// error.
pub fn split(fragment: &str) -> (String, PageFields) {
    let mut fields = PageFields::default();
    let (mut policy, mut model, mut step) = (None, None, None);
    let mut rest = Vec::new();
    for pair in fragment.split('&') {
        match pair.split_once('=') {
            Some(("view", "present")) => fields.present = true,
            Some(("q", p)) if !p.is_empty() => policy = Some(p.to_string()),
            Some(("qm", m)) if MemoryModel::parse(m).is_some() => model = MemoryModel::parse(m),
            Some(("qi", i)) if i.parse::<usize>().is_ok() => step = i.parse().ok(),
            _ => rest.push(pair),
        }
    }
    fields.compare = policy.map(|policy| Compare { policy, model, step });
    (rest.join("&"), fields)
}

/// The core's permalink with the page's fields appended.
pub fn join(permalink: &str, fields: &PageFields) -> String {
    let mut s = permalink.to_string();
    if let Some(c) = &fields.compare {
        s.push_str(&format!("&q={}", c.policy));
        if let Some(m) = c.model {
            s.push_str(&format!("&qm={}", m.name()));
        }
        if let Some(i) = c.step {
            s.push_str(&format!("&qi={i}"));
        }
    }
    if fields.present {
        s.push_str("&view=present");
    }
    s
}

/// Presentation mode, shared by the pages that show a run (the app provides it).
#[derive(Clone, Copy)]
pub struct Presenting(pub leptos::prelude::RwSignal<bool>);

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn splits_presentation_and_comparison_off_a_permalink_and_joins_them_back() {
        let link = "v=1&s=race1a&p=v5_10&tr=lost_write&i=12&q=merged_6ce64428&qi=14&view=present";
        let (core, fields) = split(link);
        assert_eq!(core, "v=1&s=race1a&p=v5_10&tr=lost_write&i=12");
        assert!(fields.present);
        assert_eq!(fields.compare, Some(Compare { policy: "merged_6ce64428".into(), model: None, step: Some(14) }));
        assert_eq!(join(&core, &fields), link);
    }

    #[wasm_bindgen_test]
    fn a_memory_model_to_compare_with_is_read_by_its_name() {
        let (_, fields) = split("v=1&s=sb&q=fenced&qm=x86-tso");
        assert_eq!(fields.compare.and_then(|c| c.model), Some(MemoryModel::X86Tso));
    }

    #[wasm_bindgen_test]
    fn leaves_a_value_it_does_not_know_to_the_core() {
        let (core, fields) = split("v=1&s=race1a&view=slides&qm=vax");
        assert_eq!(core, "v=1&s=race1a&view=slides&qm=vax");
        assert_eq!(fields, PageFields::default());
    }
}
