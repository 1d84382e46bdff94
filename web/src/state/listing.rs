//! What the gallery lists, and where its links go: the order of the scenarios, and the
//! permalink of a canonical trace at a step.

use racelab_core::lab::{Catalog, LinkSchedule, MemoryModel, Permalink, Scenario};

use crate::catalog::href;

/// The scenarios of a catalog as the gallery lists them: the kernel races, those whose race
/// starts with a digit from 1 to 9 first (1A, 1B, 2, …, in the order of their names as text),
/// then the others (a race named after a commit); and, apart, the litmus suite in the catalog's
/// order.
pub fn gallery_order(catalog: &Catalog) -> (Vec<&Scenario>, Vec<&Scenario>) {
    let mut races: Vec<&Scenario> = catalog.scenarios.iter().filter(|s| s.race != "litmus").collect();
    races.sort_by_key(|s| (!s.race.starts_with(|c: char| c.is_ascii_digit() && c != '0'), s.race.to_ascii_lowercase(), s.id.clone()));
    let litmus = catalog.scenarios.iter().filter(|s| s.race == "litmus").collect();
    (races, litmus)
}

/// The model a scenario is first shown under: the first one its canonical traces expect
/// something of other than sequential consistency, if any (a litmus test is about arm64).
pub fn default_model(sc: &Scenario) -> MemoryModel {
    sc.traces
        .iter()
        .flat_map(|t| t.expect.iter())
        .map(|e| e.model)
        .find(|m| *m != MemoryModel::Sc && sc.models.contains(m))
        .unwrap_or_else(|| sc.models.first().copied().unwrap_or_default())
}

/// The href of the player on a canonical trace (or on the initial state, with no trace).
pub fn trace_href(scenario: &str, policy: &str, model: MemoryModel, trace: Option<&str>, step: usize) -> String {
    let schedule = match trace {
        Some(t) => LinkSchedule::Trace(t.to_string()),
        None => LinkSchedule::Steps(String::new()),
    };
    href(&Permalink { scenario: scenario.to_string(), policy: Some(policy.to_string()), model, schedule, step }.to_fragment())
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;
    use crate::catalog::catalog;

    #[wasm_bindgen_test]
    fn the_gallery_lists_numbered_races_then_the_others_then_litmus() {
        let cat = catalog();
        let (races, litmus) = gallery_order(cat);
        assert_eq!(races.len() + litmus.len(), cat.scenarios.len());
        assert!(litmus.iter().all(|s| s.race == "litmus") && races.iter().all(|s| s.race != "litmus"));
        assert_eq!(races[0].id, "race1a");
        let numbered = |s: &&Scenario| s.race.starts_with(|c: char| ('1'..='9').contains(&c));
        let first_other = races.iter().position(|s| !numbered(s)).unwrap_or(races.len());
        assert!(races[first_other..].iter().all(|s| !numbered(s)), "a numbered race after an unnumbered one");
        let names: Vec<String> = races[..first_other].iter().map(|s| s.race.to_ascii_lowercase()).collect();
        assert!(names.windows(2).all(|w| w[0] <= w[1]), "{names:?}");
        let catalog_litmus: Vec<&str> = cat.scenarios.iter().filter(|s| s.race == "litmus").map(|s| s.id.as_str()).collect();
        assert_eq!(litmus.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), catalog_litmus);
    }

    #[wasm_bindgen_test]
    fn a_scenario_opens_under_the_first_weak_model_its_traces_expect() {
        let cat = catalog();
        assert_eq!(default_model(cat.scenario("race1a").unwrap()), MemoryModel::Sc);
        assert_eq!(default_model(cat.scenario("litmus_sb").unwrap()), MemoryModel::X86Tso);
    }

    #[wasm_bindgen_test]
    fn a_trace_href_is_the_permalink_of_the_trace_at_its_step() {
        let h = trace_href("race1a", "v5_10", MemoryModel::Sc, Some("lost_write"), 25);
        assert_eq!(h, "#v=1&s=race1a&p=v5_10&tr=lost_write&i=25");
        let h = trace_href("litmus_sb", "po", MemoryModel::X86Tso, Some("buffered"), 0);
        let link = Permalink::parse(&h).expect("the href parses as a permalink");
        assert_eq!(
            (link.scenario.as_str(), link.policy.as_deref(), link.model, link.step),
            ("litmus_sb", Some("po"), MemoryModel::X86Tso, 0)
        );
        assert_eq!(link.schedule, LinkSchedule::Trace("buffered".to_string()));
    }

    #[wasm_bindgen_test]
    fn a_scenario_without_traces_links_to_its_initial_state() {
        assert_eq!(trace_href("x", "p", MemoryModel::Sc, None, 0), "#v=1&s=x&p=p&t=&i=0");
    }
}
