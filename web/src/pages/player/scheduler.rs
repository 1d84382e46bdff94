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

#[cfg(test)]
mod tests {
    use racelab_core::lab::Choice;
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    fn choice() -> ChoiceView {
        ChoiceView {
            choice: Choice::Run(0),
            label: "writer".to_string(),
            thread: "writer".to_string(),
            cpu: "CPU2".to_string(),
            is_run: true,
            what: None,
            blocked: None,
            in_run: false,
        }
    }

    #[wasm_bindgen_test]
    fn a_runnable_thread_says_its_next_statement_and_that_it_forks() {
        assert_eq!(choice_text(&choice(), Some("ptl_unlock(V)")), ("ptl_unlock(V)".to_string(), "run this instead: forks a new schedule"));
        let next = ChoiceView { in_run: true, ..choice() };
        assert_eq!(choice_text(&next, Some("ptl_unlock(V)")).1, "what this run does next");
    }

    #[wasm_bindgen_test]
    fn a_blocked_thread_says_why() {
        let c = ChoiceView { blocked: Some("it waits for mmap_lock".to_string()), ..choice() };
        assert_eq!(choice_text(&c, Some("ptl_unlock(V)")), ("it waits for mmap_lock".to_string(), "cannot run now"));
    }

    #[wasm_bindgen_test]
    fn a_drain_or_early_access_says_what_it_does() {
        let c = ChoiceView { is_run: false, what: Some("drains its store buffer".to_string()), ..choice() };
        assert_eq!(choice_text(&c, None).0, "drains its store buffer");
    }

    #[wasm_bindgen_test]
    fn without_a_statement_the_choice_is_its_name() {
        assert_eq!(choice_text(&choice(), Some("")).0, "writer");
        assert_eq!(choice_text(&choice(), None).0, "writer");
    }
}
