//! The JSON lines the commands print, as serializable types (the field names are documented
//! in the README; keep them stable). Every object has its keys in sorted order, the order the
//! output has always had: the types declared here list their fields sorted, and the core's
//! views, whose fields are declared in reading order, go through [`Sorted`].

use std::collections::BTreeMap;

use racelab_core::lab::view::{ScenarioView, StateView, StepView, ThreadCodeView};
use racelab_core::lab::{Deviation, Fate, Invariant, MemoryModel};
use serde::{Serialize, Serializer};
use serde_json::Value;

/// A value serialized with the keys of every object in it sorted.
pub struct Sorted<T>(pub T);

impl<T: Serialize> Serialize for Sorted<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut v = serde_json::to_value(&self.0).map_err(serde::ser::Error::custom)?;
        sort_keys(&mut v);
        v.serialize(s)
    }
}

fn sort_keys(v: &mut Value) {
    match v {
        Value::Object(m) => {
            // A no-op unless serde_json's `preserve_order` is on somewhere in the build.
            m.sort_keys();
            m.values_mut().for_each(sort_keys);
        }
        Value::Array(a) => a.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

/// `list --json`: one scenario.
#[derive(Serialize)]
pub struct ListEntry<'a> {
    pub baseline: &'a str,
    pub file: &'a str,
    pub id: &'a str,
    pub invariants: &'a [Invariant],
    pub models: &'a [MemoryModel],
    pub policies: Vec<ListPolicy<'a>>,
    pub race: &'a str,
    pub summary: &'a str,
    pub title: &'a str,
    pub traces: Vec<&'a str>,
}

#[derive(Serialize)]
pub struct ListPolicy<'a> {
    pub baseline: bool,
    pub fate: Fate,
    pub name: &'a str,
    pub title: &'a str,
}

/// `show --json`.
#[derive(Serialize)]
pub struct Show<'a> {
    pub initial: Sorted<&'a StateView>,
    pub model: &'a str,
    pub policy: &'a str,
    pub scenario: Sorted<&'a ScenarioView>,
    pub threads: Sorted<&'a [ThreadCodeView]>,
}

/// `replay --json`: one step, the step view with `"kind": "step"` among its fields.
#[derive(Serialize)]
pub struct Step<'a> {
    pub kind: &'static str,
    #[serde(flatten)]
    pub step: &'a StepView,
}

/// `replay --json`: the last line.
#[derive(Serialize)]
pub struct Summary<'a> {
    pub deviations: Sorted<&'a [Deviation]>,
    pub invariant: Option<&'a str>,
    pub kind: &'static str,
    pub model: &'a str,
    pub permalink: String,
    pub policy: &'a str,
    pub scenario: &'a str,
    pub schedule: String,
    pub step: Option<usize>,
    pub steps: usize,
    pub verdict: &'static str,
    /// The first step at which each checked invariant breaks.
    pub violations: BTreeMap<&'a str, usize>,
}

/// `check --json`: one verdict.
#[derive(Serialize)]
pub struct Check<'a> {
    /// The row's code did not exist on its architecture at the policy's version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anachronism: Option<bool>,
    /// Where the row applies (`applies to: arm64 ≥ v6.10`), when the scenario says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applies: Option<String>,
    /// What stopped the search, when the verdict is `unknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bound: Option<&'static str>,
    /// Scenario errors a step hit, when there are any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bugs: Option<Vec<&'a str>>,
    pub invariant: Option<&'static str>,
    pub memory_model: &'static str,
    pub ms: f64,
    pub policy: &'a str,
    pub scenario: &'a str,
    pub states: u64,
    pub switches: Option<usize>,
    pub trace: Vec<String>,
    pub trace_len: Option<usize>,
    pub transitions: u64,
    pub verdict: &'static str,
    /// Every invariant broken, when there are several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub violations: Option<Vec<CheckViolation>>,
    /// The compiler's warnings about this row's program, when there are any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warnings: Option<Vec<Warning<'a>>>,
}

/// A warning of the compiler, located in its source.
#[derive(Serialize)]
pub struct Warning<'a> {
    pub file: &'a str,
    pub line: u32,
    pub col: u32,
    pub message: &'a str,
}

#[derive(Serialize)]
pub struct CheckViolation {
    pub invariant: &'static str,
    pub switches: usize,
    pub trace_len: usize,
}

/// `bench --json`: one scenario and policy.
#[derive(Serialize)]
pub struct BenchRow<'a> {
    pub plain: BenchRun,
    pub policy: &'a str,
    pub reduced: BenchRun,
    pub reduction: f64,
    pub scenario: &'a str,
    pub threads: usize,
}

/// One search of a bench row.
#[derive(Serialize)]
pub struct BenchRun {
    pub bytes_per_state: f64,
    pub ms: f64,
    pub peak_bytes: u64,
    pub states: u64,
    pub states_per_s: f64,
    pub transitions: u64,
    pub transitions_per_s: f64,
}

/// `bench --json`: the last line.
#[derive(Serialize)]
pub struct BenchSummary<'a> {
    pub max_bytes_per_state: f64,
    pub most_threads: &'a str,
    pub parallel_jobs: usize,
    pub parallel_load: Option<f64>,
    pub parallel_speedup: f64,
    pub parallel_states: u64,
    pub peak_rss: Option<u64>,
    pub quick: bool,
    pub reduction_max: f64,
    pub reduction_min: f64,
    pub summary: bool,
    pub table_ms: f64,
    pub table_rows: usize,
    pub threads: usize,
    pub transitions_per_s: f64,
    pub transitions_per_s_best: f64,
    pub transitions_per_s_big: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Unsorted {
        zeta: u8,
        alpha: Vec<Inner>,
    }

    #[derive(Serialize)]
    struct Inner {
        y: u8,
        b: u8,
    }

    #[test]
    fn sorted_orders_the_keys_of_every_nested_object() {
        let v = Sorted(Unsorted { zeta: 1, alpha: vec![Inner { y: 2, b: 3 }] });
        assert_eq!(serde_json::to_string(&v).unwrap(), r#"{"alpha":[{"b":3,"y":2}],"zeta":1}"#);
    }

    #[test]
    fn a_flattened_step_gets_its_kind_among_the_sorted_keys() {
        #[derive(Serialize)]
        struct Line<'a> {
            kind: &'static str,
            #[serde(flatten)]
            inner: &'a Inner,
        }
        let line = Sorted(Line { kind: "step", inner: &Inner { y: 1, b: 2 } });
        assert_eq!(serde_json::to_string(&line).unwrap(), r#"{"b":2,"kind":"step","y":1}"#);
    }
}

/// `open --json`: the first line, what the link opened on and its notices.
#[derive(Serialize)]
pub struct Link<'a> {
    pub files: &'a racelab_core::lab::Files,
    pub kind: &'static str,
    pub notices: &'a [racelab_core::lab::Notice],
    pub step: usize,
    /// The same words as the first line of the text output.
    pub summary: String,
    pub version: u32,
}
