//! One policy of a scenario: its name (which opens its first canonical trace) and fate, what
//! each canonical trace does under it, and the explorer's verdict over every interleaving.

use std::sync::Arc;

use leptos::prelude::*;
use racelab_core::lab::view::PolicyView;
use racelab_core::lab::Scenario;

use super::chips::{TraceChip, VerdictChip};
use crate::state::listing::{default_model, trace_href};
use crate::state::outcomes::TraceOutcomes;
use crate::state::verdicts::{VerdictKey, Verdicts};

#[component]
pub fn PolicyRow(sc: &'static Scenario, p: PolicyView, traces: Vec<String>, outcomes: Arc<TraceOutcomes>) -> impl IntoView {
    let verdicts = expect_context::<Verdicts>();
    let open = trace_href(&sc.id, &p.name, default_model(sc), traces.first().map(String::as_str), 0);
    let labelled = sc.models.len() > 1;
    // Side by side with the baseline, on the first trace, at the step where the baseline breaks.
    let baseline = sc.policies[sc.baseline].name.clone();
    let compare = (!p.baseline).then(|| {
        let model = default_model(sc);
        let first = traces.first().map(String::as_str);
        let step = first.map(|t| outcomes.get(&baseline, t, model).step()).unwrap_or(0);
        let link = trace_href(&sc.id, &baseline, model, first, step);
        format!("{link}&q={}", p.name)
    });
    // Where the row applies, per memory model, as the scenario says it (the core's sentence).
    let applies = sc
        .policy(&p.name)
        .map(|i| sc.models.iter().filter_map(|&m| sc.applies_to(i, m).map(|a| (m, a))).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|(m, a)| {
            let text = if labelled { format!("{}: {}", m.name(), a.text) } else { a.text };
            view! {
                <span class="applies" class:anachronism=a.anachronism data-testid="applies" data-model=m.name()>
                    {text}
                </span>
            }
        })
        .collect_view();
    let trace_cells = traces
        .iter()
        .map(|t| {
            let chips = sc
                .models
                .iter()
                .map(|&model| {
                    let result = outcomes.get(&p.name, t, model);
                    let link = trace_href(&sc.id, &p.name, model, Some(t), result.step());
                    view! { <TraceChip trace=t.clone() model labelled result link/> }
                })
                .collect_view();
            view! { <td class="outcomes">{chips}</td> }
        })
        .collect_view();
    let verdict_cells = sc
        .models
        .iter()
        .map(|&m| {
            let key = VerdictKey { scenario: sc.id.clone(), policy: p.name.clone(), model: m };
            let model = labelled.then_some(m);
            view! { <VerdictChip cell=Signal::derive(move || verdicts.get(&key)) model/> }
        })
        .collect_view();
    view! {
        <tr data-testid="policy-row" data-policy=p.name.clone() data-fate=p.fate.name() data-baseline=p.baseline.to_string()>
            <th scope="row" class="policy-name">
                <a href=open data-testid="policy-link">
                    <code>{p.name.clone()}</code>
                </a>
                <span class="policy-title">{p.title.clone()}</span>
                {applies}
                {compare.map(|href| {
                    view! {
                        <a class="compare-link" href=href data-testid="compare-link">
                            "compare with the baseline"
                        </a>
                    }
                })}
            </th>
            <td>
                <span class=format!("fate fate-{}", p.fate) title=p.why.clone()>
                    {p.fate.name()}
                </span>
            </td>
            {trace_cells}
            <td class="outcomes verdicts">{verdict_cells}</td>
        </tr>
    }
}
