//! "Check every interleaving": the core's explorer on this policy and memory model, run in a
//! Web Worker within the bounds the user sets (states, seconds), with its live progress, a
//! cancel button, the verdict, a chart of the states it found, and a button that opens the
//! shortest trace breaking an invariant.

use leptos::prelude::*;
use racelab_core::lab::{thousands, MemoryModel, VerdictKind};

use super::ctx::Ctx;
use crate::state::explorer::Summary;
use crate::state::worker::{self, Curve, Handle, Job, Live};
use crate::ui::chart;

#[derive(Clone, Debug, PartialEq)]
enum CheckState {
    Idle,
    Running { progress: Option<Live>, svg: Option<String> },
    Done { summary: Summary, svg: Option<String> },
    Failed(String),
}

/// The bounds a search starts with: enough for every scenario of the catalog.
const MAX_STATES: u64 = 5_000_000;
const MAX_SECONDS: f64 = 120.0;

const CHART: (u32, u32) = (560, 240);

/// How long after the panel opens the next search's worker starts ([`worker::prepare`]): once
/// the player has drawn, so that loading the worker does not delay it.
const PREPARE_AFTER: std::time::Duration = std::time::Duration::from_millis(1_500);

#[component]
pub fn ExplorerPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let state = RwSignal::new(CheckState::Idle);
    let handle: StoredValue<Option<Handle>, LocalStorage> = StoredValue::new_local(None);
    let key = Memo::new(move |_| ctx.session.with(|s| (s.policy().to_string(), s.model())));
    let max_states = RwSignal::new(MAX_STATES);
    let max_seconds = RwSignal::new(MAX_SECONDS);
    set_timeout(worker::prepare, PREPARE_AFTER);

    // A new policy or model: what was checked no longer applies.
    Effect::new(move |prev: Option<(String, MemoryModel)>| {
        let k = key.get();
        if prev.as_ref().is_some_and(|p| *p != k) {
            if let Some(h) = handle.get_value() {
                h.cancel();
            }
            state.set(CheckState::Idle);
        }
        k
    });
    on_cleanup(move || {
        if let Some(h) = handle.try_get_value().flatten() {
            h.cancel();
        }
    });

    let start = move |_| {
        if let Some(h) = handle.get_value() {
            h.cancel();
        }
        state.set(CheckState::Running { progress: None, svg: None });
        let (job, threads) = ctx.session.with_untracked(|s| {
            let job = Job {
                edits: s.edits.clone(),
                scenario: s.scenario_id().to_string(),
                policy: s.policy().to_string(),
                model: s.model().name().to_string(),
                max_states: max_states.get_untracked(),
                max_seconds: max_seconds.get_untracked(),
            };
            (job, s.opened.program.threads.len())
        });
        let last_chart = std::cell::Cell::new(f64::NEG_INFINITY);
        let started = worker::start(
            job,
            threads,
            move |p: Live, curve: Curve| {
                // Redraw the chart at most a few times a second.
                let svg = if p.ms - last_chart.get() > 250.0 {
                    last_chart.set(p.ms);
                    chart::states_by_depth(&curve, CHART.0, CHART.1)
                } else {
                    state
                        .try_with_untracked(|s| match s {
                            CheckState::Running { svg, .. } => svg.clone(),
                            _ => None,
                        })
                        .flatten()
                };
                state.set(CheckState::Running { progress: Some(p), svg });
            },
            move |result, curve| {
                match result {
                    Ok(summary) => state.set(CheckState::Done { summary, svg: chart::states_by_depth(&curve, CHART.0, CHART.1) }),
                    Err(e) => state.set(CheckState::Failed(e)),
                }
                worker::prepare();
            },
        );
        match started {
            Ok(h) => handle.set_value(Some(h)),
            Err(e) => state.set(CheckState::Failed(e)),
        }
    };
    let cancel = move |_| {
        if let Some(h) = handle.get_value() {
            h.cancel();
        }
        state.set(CheckState::Idle);
        worker::prepare();
    };
    let open_counterexample = move |_| {
        let Some((trace, inv)) = state.with_untracked(|s| match s {
            CheckState::Done { summary, .. } => summary.trace.clone().zip(summary.invariant.clone()),
            _ => None,
        }) else {
            return;
        };
        let session = ctx.session.get_untracked();
        let len = trace.len();
        ctx.playing.set(false);
        ctx.show(session.counterexample(&trace, &inv), |_| len);
        // The new run is this program's: keep the verdict shown.
    };

    let what = move || ctx.session.with(|s| format!("{} under {}", s.scenario_id(), s.policy()));
    view! {
        <section class="panel explorer" data-testid="explorer">
            <h3>"Check every interleaving"</h3>
            <p class="muted">
                "The explorer searches every schedule of " {what}
                " (breadth-first, with partial-order reduction) for a state that breaks an invariant, in a background worker: the page stays responsive."
            </p>
            <div class="explorer-bounds" data-testid="explorer-bounds">
                <label>
                    "stop after "
                    <input
                        type="number"
                        min="1"
                        data-testid="explorer-max-states"
                        prop:value=move || max_states.get().to_string()
                        on:change=move |ev| {
                            if let Ok(n) = event_target_value(&ev).trim().parse::<u64>() {
                                max_states.set(n.max(1));
                            }
                        }
                    />
                    " states"
                </label>
                <label>
                    " or "
                    <input
                        type="number"
                        min="1"
                        data-testid="explorer-max-seconds"
                        prop:value=move || max_seconds.get().to_string()
                        on:change=move |ev| {
                            if let Ok(n) = event_target_value(&ev).trim().parse::<f64>() {
                                if n.is_finite() {
                                    max_seconds.set(n.max(0.1));
                                }
                            }
                        }
                    />
                    " seconds"
                </label>
            </div>
            {move || match state.get() {
                CheckState::Idle => view! {
                    <button data-testid="explorer-run" class="primary" on:click=start>
                        "check every interleaving"
                    </button>
                }
                .into_any(),
                CheckState::Failed(e) => view! {
                    <div class="explorer-done" data-testid="explorer-status" data-state="failed">
                        <p class="verdict-line verdict-error" data-testid="explorer-error">{e}</p>
                        <button data-testid="explorer-run" on:click=start>
                            "check again"
                        </button>
                    </div>
                }
                .into_any(),
                CheckState::Running { progress, svg } => view! {
                    <div class="explorer-running" data-testid="explorer-status" data-state="running">
                        <p data-testid="explorer-progress">
                            {match progress {
                                Some(p) => format!(
                                    "{} · depth {} · {} states · {} transitions · {} states/s · {:.1} s",
                                    p.phase,
                                    p.depth,
                                    thousands(p.states),
                                    thousands(p.transitions),
                                    thousands(p.rate() as u64),
                                    p.ms / 1000.0,
                                ),
                                None => "starting…".to_string(),
                            }}
                        </p>
                        <button data-testid="explorer-cancel" on:click=cancel>
                            "cancel"
                        </button>
                        {svg.map(|s| view! { <div class="chart" inner_html=s></div> })}
                    </div>
                }
                .into_any(),
                CheckState::Done { summary, svg } => {
                    let steps = summary.trace.as_ref().map(|t| t.len()).unwrap_or(0);
                    let text = match summary.verdict {
                        VerdictKind::Violated => format!(
                            "Violated: {} breaks in {} steps at the fewest.",
                            summary.invariant.clone().unwrap_or_default(),
                            steps,
                        ),
                        VerdictKind::Safe => "Safe: every reachable state was explored, and every invariant holds in each.".to_string(),
                        VerdictKind::Unknown => format!("Unknown: {}.", summary.bound.clone().unwrap_or_default()),
                    };
                    let stats = format!(
                        "{} states · {} transitions · depth {} · {:.0} ms",
                        thousands(summary.states),
                        thousands(summary.transitions),
                        summary.depth,
                        summary.ms,
                    );
                    view! {
                        <div class="explorer-done" data-testid="explorer-status" data-state="done">
                            <p
                                class=format!("verdict-line verdict-{}", summary.verdict.name())
                                data-testid="explorer-verdict"
                                data-verdict=summary.verdict.name()
                                data-steps=steps
                            >
                                {text}
                            </p>
                            <p class="muted" data-testid="explorer-stats">{stats}</p>
                            <div class="buttons">
                                {(summary.verdict == VerdictKind::Violated)
                                    .then(|| {
                                        view! {
                                            <button data-testid="explorer-open" class="primary" on:click=open_counterexample>
                                                "open the shortest counterexample"
                                            </button>
                                        }
                                    })}
                                <button data-testid="explorer-run" on:click=start>
                                    "check again"
                                </button>
                            </div>
                            {svg.map(|s| view! { <figure class="chart" data-testid="explorer-chart" inner_html=s></figure> })}
                        </div>
                    }
                    .into_any()
                }
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(123_456), "123,456");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
    }
}
