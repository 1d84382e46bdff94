//! One scenario: its race, title (which opens its first canonical trace) and summary, what it
//! cites, and one row per policy.

use std::sync::Arc;

use leptos::prelude::*;
use racelab_core::lab::view::{self, ScenarioView};
use racelab_core::lab::{self, Scenario};

use super::citations::CitationList;
use super::policy_row::PolicyRow;
use crate::state::listing::{default_model, trace_href};
use crate::state::outcomes::TraceOutcomes;
use crate::ui::labels::race_tag;

#[component]
pub fn ScenarioCard(sc: &'static Scenario) -> impl IntoView {
    let info: ScenarioView = view::scenario(sc);
    let traces: Vec<String> = info.traces.iter().map(|t| t.name.clone()).collect();
    let open = trace_href(&info.id, &info.baseline, default_model(sc), traces.first().map(String::as_str), 0);
    let outcomes = Arc::new(TraceOutcomes::of(sc));
    let rows =
        info.policies.iter().map(|p| view! { <PolicyRow sc p=p.clone() traces=traces.clone() outcomes=outcomes.clone()/> }).collect_view();
    view! {
        <li class="card" data-testid="scenario-card" data-scenario=info.id.clone()>
            <div class="card-head">
                <span class="race-tag" data-testid="race">{race_tag(&info.race)}</span>
                {if let Some(href) = lab::scenario::doc_href(&info.section) {
                    view! {
                        <a class="section" href=href target="_blank" rel="noopener" data-testid="section">
                            {info.section.clone()}
                        </a>
                    }
                        .into_any()
                } else {
                    view! { <span class="section">{info.section.clone()}</span> }.into_any()
                }}
            </div>
            <h3 class="card-title">
                <a href=open data-testid="card-open">
                    {info.title.clone()}
                </a>
            </h3>
            <p class="summary" data-testid="summary">
                {info.summary.clone()}
            </p>
            <CitationList citations=info.citations.clone()/>
            // Scrolls sideways on a narrow screen, inside the card; reachable by keyboard.
            <div class="table-wrap" tabindex="0" role="region" aria-label=format!("policies of {}", info.title)>
            <table class="policies" data-testid="policies">
                <thead>
                    <tr>
                        <th scope="col">"policy"</th>
                        <th scope="col">"fate"</th>
                        {info
                            .traces
                            .iter()
                            .map(|t| {
                                view! {
                                    <th scope="col" title=t.description.clone()>
                                        "trace " <code>{t.name.clone()}</code>
                                    </th>
                                }
                            })
                            .collect_view()}
                        <th scope="col">"every interleaving"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            </div>
        </li>
    }
}
