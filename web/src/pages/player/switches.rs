//! The policy and memory-model switches: the same interleaving under another policy or model.

use leptos::prelude::*;
use racelab_core::lab::{Compare, MemoryModel};

use super::ctx::Ctx;
use super::keys::release_focus;

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
                    release_focus(&ev);
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
                                    {format!("{} ({})", p.name, p.fate.name())}
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
                                <span class="why" data-testid="policy-why">{p.why.clone()}</span>
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
                            release_focus(&ev);
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

/// Side by side: this interleaving beside the same one under another policy (or this policy
/// under another memory model). Opens the side-by-side view as a new page of the history.
#[component]
pub fn CompareSwitch() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let options = move || {
        ctx.session.with(|s| {
            let mut v: Vec<(String, String)> = s
                .info
                .policies
                .iter()
                .filter(|p| p.name != s.policy())
                .map(|p| (format!("p:{}", p.name), format!("{} ({})", p.name, p.fate.name())))
                .collect();
            for m in s.opened.scenario.models.iter().filter(|m| **m != s.model()) {
                v.push((format!("m:{}", m.name()), format!("{} under {}", s.policy(), m.name())));
            }
            v
        })
    };
    view! {
        <div class="switch">
            <label for="compare-select">"side by side with"</label>
            <select
                id="compare-select"
                data-testid="compare-select"
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    super::keys::release_focus(&ev);
                    let (policy, model) = match v.split_once(':') {
                        Some(("p", p)) => (p.to_string(), None),
                        Some(("m", m)) => (ctx.session.with_untracked(|s| s.policy().to_string()), MemoryModel::parse(m)),
                        _ => return,
                    };
                    // The notes go along: they belong to the first run's steps, which the left column shows.
                    let mut link = ctx.link();
                    link.compare = ctx.session.with_untracked(|s| {
                        Some(Compare {
                            policy: (policy != s.policy()).then_some(policy),
                            model: model.filter(|m| *m != s.model()),
                            step: None,
                        })
                    });
                    let fragment = ctx.session.with_untracked(|s| s.address(&link));
                    window().location().set_hash(&fragment).ok();
                }
            >
                <option value="" selected=true>"choose a policy…"</option>
                {move || options().into_iter().map(|(v, text)| view! { <option value=v>{text}</option> }).collect_view()}
            </select>
        </div>
    }
}
