//! "Who runs next?": every thread (and drain or early access) that can run at this step.

use leptos::prelude::*;

use super::ctx::Ctx;
use crate::state::session::ChoiceView;

/// What a choice's button says it does, and its tooltip: why it cannot run, else what it does
/// (a drain or an early access), else the statement the thread runs next, else its name.
pub fn choice_text(c: &ChoiceView, next: Option<&str>) -> (String, &'static str) {
    let what = match (&c.blocked, next, &c.what) {
        (Some(r), _, _) => r.clone(),
        (None, _, Some(w)) => w.clone(),
        (None, Some(n), None) if !n.is_empty() => n.to_string(),
        _ => c.label.clone(),
    };
    let title = if c.in_run {
        "what this run does next"
    } else if c.blocked.is_none() {
        "run this instead: forks a new schedule"
    } else {
        "cannot run now"
    };
    (what, title)
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
                    let next = if c.is_run { f.state.threads.iter().find(|t| t.name == c.thread).map(|t| t.next.as_str()) } else { None };
                    let (what, title) = choice_text(c, next);
                    // Keys 1 to 9 run threads 1 to 9 (see keys.rs).
                    let key = (c.is_run && choice.thread() < 9).then(|| (choice.thread() + 1).to_string());
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
                            aria-keyshortcuts=key.clone()
                            on:click=move |_| ctx.choose(choice)
                        >
                            {key.clone().map(|k| view! { <kbd class="choice-key" data-testid="choice-key" aria-hidden="true">{k}</kbd> })}
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
