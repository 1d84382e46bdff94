//! The policy and memory-model switches: the same interleaving under another policy or model.

use leptos::prelude::*;
use racelab_core::lab::MemoryModel;

use super::ctx::Ctx;

#[component]
pub fn PolicySwitch() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let policies = move || ctx.session.with(|s| s.info.policies.clone());
    let current = move || ctx.session.with(|s| s.policy().to_string());
    let about = move || {
        let cur = current();
        policies().into_iter().find(|p| p.name == cur)
    };
    view! {
        <div class="switch">
            <label for="policy-select">"policy"</label>
            <select
                id="policy-select"
                data-testid="policy-select"
                on:change=move |ev| {
                    let p = event_target_value(&ev);
                    let m = ctx.session.with_untracked(|s| s.model());
                    ctx.switch(&p, m);
                }
            >
                {move || {
                    let cur = current();
                    policies()
                        .into_iter()
                        .map(|p| {
                            let selected = p.name == cur;
                            view! {
                                <option value=p.name.clone() selected=selected>
                                    {format!("{} — {}", p.name, p.fate)}
                                </option>
                            }
                        })
                        .collect_view()
                }}
            </select>
            {move || {
                about()
                    .map(|p| {
                        view! {
                            <p class="policy-about" data-testid="policy-about">
                                <span class=format!("fate fate-{}", p.fate)>{p.fate.name()}</span>
                                " "
                                {p.title.clone()}
                                <span class="why" title=p.why.clone()>{p.why.clone()}</span>
                            </p>
                        }
                    })
            }}
        </div>
    }
}

/// Shown only where the scenario is modelled under several memory models.
#[component]
pub fn ModelSwitch() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let models = move || ctx.session.with(|s| s.opened.scenario.models.clone());
    move || {
        let models = models();
        (models.len() > 1).then(|| {
            let current = ctx.session.with(|s| s.model());
            let options = models.iter().map(|m| view! { <option value=m.name() selected=*m == current>{m.name()}</option> }).collect_view();
            view! {
                <div class="switch">
                    <label for="model-select">"memory model"</label>
                    <select
                        id="model-select"
                        data-testid="model-select"
                        on:change=move |ev| {
                            if let Some(m) = MemoryModel::parse(&event_target_value(&ev)) {
                                let p = ctx.session.with_untracked(|s| s.policy().to_string());
                                ctx.switch(&p, m);
                            }
                        }
                    >
                        {options}
                    </select>
                </div>
            }
        })
    }
}
