//! The gallery's chips: what a canonical trace does under one policy and memory model, and the
//! explorer's verdict over every interleaving.

use leptos::prelude::*;
use racelab_core::lab::{MemoryModel, VerdictKind};

use crate::catalog::href;
use crate::state::outcomes::TraceResult;
use crate::state::verdicts::{Source, VerdictCell};

/// A memory model as a chip names it.
pub fn model_label(m: MemoryModel) -> &'static str {
    match m {
        MemoryModel::X86Tso => "x86-TSO",
        MemoryModel::Arm64 => "arm64",
        _ => "SC",
    }
}

/// What `trace` does under one model; a link to it at the step that breaks, or at its start.
/// `labelled`: the chip names its model (the scenario has several).
#[component]
pub fn TraceChip(trace: String, model: MemoryModel, labelled: bool, result: TraceResult, link: String) -> impl IntoView {
    let label = labelled.then(|| view! { <span class="chip-model">{model_label(model)}</span> });
    match result {
        TraceResult::Breaks { invariant, step } => view! {
            <a
                href=link
                class="chip chip-bad"
                data-testid="trace-outcome"
                data-trace=trace
                data-model=model.name()
                data-outcome="violated"
                data-step=step
                title=format!("{invariant} breaks at step {step}")
            >
                {label}
                "breaks at "
                {step}
            </a>
        }
        .into_any(),
        TraceResult::Holds { steps } => view! {
            <a
                href=link
                class="chip chip-ok"
                data-testid="trace-outcome"
                data-trace=trace
                data-model=model.name()
                data-outcome="safe"
                title=format!("{steps} steps, every invariant holds")
            >
                {label}
                "holds"
            </a>
        }
        .into_any(),
        TraceResult::Error(e) => view! {
            <span class="chip" data-testid="trace-outcome" data-trace=trace data-model=model.name() data-outcome="error" title=e>
                {label}
                "error"
            </span>
        }
        .into_any(),
    }
}

/// The explorer's verdict on one model (`model`: named on the chip when the scenario has several),
/// linking to its shortest counterexample when it is violated.
#[component]
pub fn VerdictChip(cell: Signal<VerdictCell>, model: Option<MemoryModel>) -> impl IntoView {
    let label = move || model.map(|m| view! { <span class="chip-model">{model_label(m)}</span> });
    let state = move || cell.with(|c| c.state());
    let source = move || cell.with(|c| c.source().map(Source::name));
    view! {
        <span class="verdict" data-testid="verdict" data-model=model.map(|m| m.name()) data-verdict=state data-source=source>
            {move || match cell.get() {
                VerdictCell::Checking => view! { <span class="chip chip-pending">{label} "checking…"</span> }.into_any(),
                VerdictCell::Error(e) => view! { <span class="chip" title=e>{label} "error"</span> }.into_any(),
                VerdictCell::Done { summary, link, source } => {
                    let title = match source {
                        Source::Table => format!("{} states, {} transitions, computed when the site was built", summary.states, summary.transitions),
                        Source::Browser => format!("{} states, {} transitions, {:.0} ms", summary.states, summary.transitions, summary.ms),
                    };
                    match (summary.verdict, link) {
                        (VerdictKind::Violated, Some(l)) => view! {
                            <a
                                class="chip chip-bad"
                                href=href(&l)
                                title=format!("{title}; opens the shortest trace that breaks {}", summary.invariant.clone().unwrap_or_default())
                            >
                                {label}
                                "violated · "
                                {summary.trace.as_ref().map(|t| t.len()).unwrap_or(0)}
                                " steps"
                            </a>
                        }
                        .into_any(),
                        (VerdictKind::Safe, _) => view! { <span class="chip chip-ok" title=title>{label} "safe · " {summary.states} " states"</span> }.into_any(),
                        (v, _) => view! { <span class="chip" title=summary.bound.clone().unwrap_or(title)>{label} {v.name()}</span> }.into_any(),
                    }
                }
            }}
        </span>
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn each_model_has_its_chip_label() {
        assert_eq!(model_label(MemoryModel::Sc), "SC");
        assert_eq!(model_label(MemoryModel::X86Tso), "x86-TSO");
        assert_eq!(model_label(MemoryModel::Arm64), "arm64");
    }
}
