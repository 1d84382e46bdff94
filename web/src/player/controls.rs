//! Input: stepping, playing, the scrubber, the user as the scheduler, the policy and memory
//! model switches, the copy-link button and the keyboard.

use leptos::prelude::*;
use racelab_core::lab::MemoryModel;
use wasm_bindgen::JsCast;

use super::{Ctx, SPEEDS};

#[component]
pub fn PlaybackControls() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let steps = move || ctx.frame.with(|f| f.steps);
    let at_start = move || ctx.step.get() == 0;
    let at_end = move || ctx.step.get() >= steps();
    let violation = move || ctx.violation();
    view! {
        <div class="controls" data-testid="controls">
            <div class="buttons">
                <button data-testid="first" title="first step (Home)" on:click=move |_| ctx.go(0) disabled=at_start>
                    "⇤ first"
                </button>
                <button data-testid="step-back" title="step back (←)" on:click=move |_| ctx.back() disabled=at_start>
                    "◀ back"
                </button>
                <button
                    data-testid="play"
                    class="play"
                    title="play / pause (space)"
                    aria-pressed=move || ctx.playing.get().to_string()
                    on:click=move |_| ctx.toggle_play()
                >
                    {move || if ctx.playing.get() { "❚❚ pause" } else { "▶ play" }}
                </button>
                <button data-testid="step-forward" title="step forward (→)" on:click=move |_| ctx.forward() disabled=at_end>
                    "forward ▶"
                </button>
                <button data-testid="last" title="last step (End)" on:click=move |_| ctx.go(usize::MAX) disabled=at_end>
                    "last ⇥"
                </button>
                <label class="speed">
                    <span class="sr-only">"speed"</span>
                    <select
                        data-testid="speed"
                        title="speed of play"
                        on:change=move |ev| {
                            if let Ok(ms) = event_target_value(&ev).parse::<u32>() {
                                ctx.speed.set(ms);
                            }
                        }
                    >
                        {SPEEDS
                            .iter()
                            .map(|(ms, name)| {
                                let ms = *ms;
                                view! {
                                    <option value=ms.to_string() selected=move || ctx.speed.get() == ms>
                                        {*name}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
            </div>
            <div class="scrubber">
                <span class="step-counter" data-testid="step-counter">
                    <span class="now">{move || ctx.step.get()}</span>
                    " / "
                    {steps}
                </span>
                <div class="range-wrap">
                    <input
                        type="range"
                        data-testid="scrubber"
                        aria-label="step"
                        min="0"
                        max=move || steps().to_string()
                        prop:value=move || ctx.step.get().to_string()
                        on:input=move |ev| {
                            if let Ok(i) = event_target_value(&ev).parse::<usize>() {
                                ctx.playing.set(false);
                                ctx.go(i);
                            }
                        }
                    />
                    {move || {
                        let n = steps().max(1);
                        violation()
                            .map(|v| {
                                view! {
                                    <span
                                        class="violation-tick"
                                        title=format!("the invariant breaks at step {v}")
                                        style=format!("left: calc({} * (100% - 1.2rem) + 0.6rem)", v as f64 / n as f64)
                                    ></span>
                                }
                            })
                    }}
                </div>
                <button
                    data-testid="jump-violation"
                    class="jump"
                    title="jump to the step that breaks the invariant (v)"
                    disabled=move || violation().is_none()
                    on:click=move |_| ctx.jump_to_violation()
                >
                    {move || match violation() {
                        Some(v) => format!("jump to the violation (step {v})"),
                        None => "no violation in this run".to_string(),
                    }}
                </button>
            </div>
        </div>
    }
}

/// The user as the scheduler: who runs at this step. The run's own choice is marked; any other
/// forks a new schedule (the steps so far, this choice, then every thread to its end).
#[component]
pub fn SchedulerControls() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    move || {
        ctx.frame.with(|f| {
            let all_done = f.choices.iter().all(|c| c.blocked.is_some());
            let buttons = f
                .choices
                .iter()
                .map(|c| {
                    let choice = c.choice;
                    let next = if c.is_run { f.state.threads.iter().find(|t| t.name == c.thread).map(|t| t.next.clone()) } else { None };
                    let what = match (&c.blocked, next, &c.what) {
                        (Some(r), _, _) => r.clone(),
                        (None, _, Some(w)) => w.clone(),
                        (None, Some(n), None) if !n.is_empty() => n,
                        _ => c.label.clone(),
                    };
                    let title = if c.in_run {
                        "what this run does next".to_string()
                    } else if c.blocked.is_none() {
                        "run this instead: forks a new schedule".to_string()
                    } else {
                        "cannot run now".to_string()
                    };
                    view! {
                        <button
                            class="choice"
                            class:in-run=c.in_run
                            class:reorder=!c.is_run
                            class:blocked=c.blocked.is_some()
                            data-testid="schedule-choice"
                            data-choice=c.label.clone()
                            data-thread=c.thread.clone()
                            data-in-run=c.in_run.to_string()
                            disabled=c.blocked.is_some()
                            title=title
                            on:click=move |_| ctx.choose(choice)
                        >
                            <span class="choice-who">
                                <span class="cpu">{c.cpu.clone()}</span>
                                " "
                                <strong>{c.label.clone()}</strong>
                                {c.in_run.then(|| view! { <span class="in-run-tag">"next in this run"</span> })}
                            </span>
                            <span class="choice-what">{what}</span>
                        </button>
                    }
                })
                .collect_view();
            view! {
                <section class="panel scheduler" data-testid="scheduler">
                    <h3>"Who runs next?"</h3>
                    {if all_done {
                        view! { <p class="none">"Every thread has finished or waits for good: the run is over."</p> }.into_any()
                    } else {
                        view! { <div class="choices">{buttons}</div> }.into_any()
                    }}
                </section>
            }
        })
    }
}

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

#[component]
pub fn CopyLinkButton() -> impl IntoView {
    let status = RwSignal::new(None::<String>);
    let copy = move |_| {
        let window = window();
        let url = window.location().href().unwrap_or_default();
        let clipboard = window.navigator().clipboard();
        let promise = clipboard.write_text(&url);
        leptos::task::spawn_local(async move {
            let ok = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
            status.set(Some(if ok { "copied".to_string() } else { "copy failed: take it from the address bar".to_string() }));
            set_timeout(move || status.set(None), std::time::Duration::from_millis(2500));
        });
    };
    view! {
        <div class="copy-link">
            <button data-testid="copy-link" on:click=copy title="copy the link to exactly this view">
                "copy link"
            </button>
            <span class="copy-status" data-testid="copy-status" role="status">
                {move || status.get()}
            </span>
        </div>
    }
}

#[component]
pub fn KeyHelp() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let keys = [
        ("→", "step forward"),
        ("←", "step back"),
        ("space", "play / pause"),
        ("Home / End", "first / last step"),
        ("v", "jump to the violation"),
        ("1 … 9", "run that thread next (the user as scheduler)"),
        ("?", "show or hide this list"),
        ("Esc", "close"),
    ];
    move || {
        ctx.help.get().then(|| {
            let rows = keys.iter().map(|(k, what)| view! { <tr><th><kbd>{*k}</kbd></th><td>{*what}</td></tr> }).collect_view();
            view! {
                <div class="overlay" data-testid="key-help" role="dialog" aria-modal="true" aria-labelledby="keys-heading" on:click=move |_| ctx.help.set(false)>
                    <div class="dialog" on:click=|ev| ev.stop_propagation()>
                        <h3 id="keys-heading">"Keys"</h3>
                        <table class="keys">{rows}</table>
                        <button data-testid="close-help" on:click=move |_| ctx.help.set(false)>
                            "close"
                        </button>
                    </div>
                </div>
            }
        })
    }
}

/// The player's keys. Keys typed into a form field (other than the scrubber) are theirs.
pub fn on_key(ctx: Ctx, ev: &web_sys::KeyboardEvent) {
    if !ctx.alive() || ev.ctrl_key() || ev.alt_key() || ev.meta_key() || ev.default_prevented() {
        return;
    }
    if let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
        let tag = el.tag_name().to_ascii_lowercase();
        let is_range = el.get_attribute("type").as_deref() == Some("range");
        if tag == "select" || tag == "textarea" || (tag == "input" && !is_range) {
            return;
        }
    }
    let key = ev.key();
    let handled = match key.as_str() {
        "ArrowRight" => {
            ctx.playing.set(false);
            ctx.forward();
            true
        }
        "ArrowLeft" => {
            ctx.playing.set(false);
            ctx.back();
            true
        }
        " " | "Spacebar" => {
            ctx.toggle_play();
            true
        }
        "Home" => {
            ctx.go(0);
            true
        }
        "End" => {
            ctx.go(usize::MAX);
            true
        }
        "v" => {
            ctx.jump_to_violation();
            true
        }
        "?" => {
            ctx.help.update(|h| *h = !*h);
            true
        }
        "Escape" => {
            let open = ctx.help.get_untracked();
            ctx.help.set(false);
            open
        }
        k if k.len() == 1 && k.as_bytes()[0].is_ascii_digit() && k != "0" => {
            let t = (k.as_bytes()[0] - b'1') as usize;
            let choice = ctx
                .frame
                .with_untracked(|f| f.choices.iter().find(|c| c.is_run && c.choice.thread() == t && c.blocked.is_none()).map(|c| c.choice));
            if let Some(c) = choice {
                ctx.choose(c);
            }
            true
        }
        _ => false,
    };
    if handled {
        ev.prevent_default();
    }
}
