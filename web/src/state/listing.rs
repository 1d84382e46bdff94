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
