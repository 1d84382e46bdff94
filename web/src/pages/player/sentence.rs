//! What the current step did, in the core's words, why it matters, and what it changed.

use leptos::prelude::*;

use racelab_core::lab::view::ChoiceKind;

use super::ctx::Ctx;

#[component]
pub fn StepSentence() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    // A live region that stays while its content changes, so a screen reader reads each step.
    let sentence = move || {
        ctx.frame.with(|f| match &f.step_view {
            None => view! {
                <div class="sentence" data-testid="step-sentence" data-step="0">
                    <p class="where">"Step 0 of " {f.steps} " · the initial state"</p>
                    <p class="what">"Nothing has run yet. Step forward (→) to run the first statement, or choose who runs first below."</p>
                </div>
            }
            .into_any(),
            Some(s) => {
                let file = (!s.file.is_empty()).then(|| view! { <span class="file">" (" {s.file.clone()} ")"</span> });
                let kind = match s.choice {
                    ChoiceKind::Early => Some(("early", "performed early, out of program order".to_string())),
                    ChoiceKind::Drain => Some(("drain", "store buffer drains".to_string())),
                    ChoiceKind::Run => s.early_at.map(|at| ("early-done", format!("its access was performed early, at step {at}"))),
                };
                let kind = kind.map(|(k, text)| {
                    view! {
                        <span class=format!("order-tag order-{k}") data-testid="order-tag" data-kind=k>
                            {text}
                        </span>
                    }
                });
                let overtakes = s.overtakes.clone().map(|o| {
                    view! {
                        <p class="overtakes">
                            "It overtakes " <code>{o}</code> ", where " {s.thread.clone()} " still is in program order."
                        </p>
                    }
                });
                let description = (s.description != s.text).then(|| s.description.clone());
                view! {
                    <div class="sentence" data-testid="step-sentence" data-step=s.step data-thread=s.thread.clone()>
                        <p class="where">
                            <span class="step-no">"Step " {s.step} " of " {f.steps}</span>
                            " · "
                            <span class="cpu">{s.cpu.clone()}</span>
                            " "
                            <strong class="thread-name">{s.thread.clone()}</strong>
                            " · "
                            <span class="fn-name">{s.function.clone()}</span>
                            {file}
                            " "
                            {kind}
                        </p>
                        <p class="statement">
                            <code title=s.source.clone()>{s.text.clone()}</code>
                        </p>
                        <p class="what" data-testid="step-description">
                            {description}
                        </p>
                        {overtakes}
                        {s
                            .note
                            .clone()
                            .map(|n| {
                                view! {
                                    <p class="why" data-testid="step-note">
                                        <span class="why-label">"Why it matters: "</span>
                                        {n}
                                    </p>
                                }
                            })}
                    </div>
                }
                .into_any()
            }
        })
    };
    view! {
        <div class="sentence-live" aria-live="polite" aria-atomic="true">
            {sentence}
        </div>
    }
}

/// The notes on the current step: the trace's presenter notes (`say at STEP`, under this
/// policy) and the note a presenter attached in the page, which the link carries (`note=`).
/// With `editable`, a presenter adds, edits or removes the step's note here.
#[component]
pub fn StepNotes(#[prop(optional)] editable: bool) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let editing = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let say = move || ctx.frame.with(|f| f.step_view.as_ref().map(|s| s.say.clone()).unwrap_or_default());
    let own = move || ctx.note_at(ctx.step.get());
    // Another step shows its own note: leave the editor.
    Effect::new(move |_| {
        ctx.step.track();
        editing.set(false);
        error.set(None);
    });
    let said = move || {
        say()
            .into_iter()
            .map(|t| {
                view! {
                    <p class="say" data-testid="say-note">
                        <span class="why-label">"Presenter's note: "</span>
                        {t}
                    </p>
                }
            })
            .collect_view()
    };
    let own_note = move || {
        (!editing.get()).then(|| {
            own().map(|t| {
                view! {
                    <p class="say own-note" data-testid="own-note">
                        <span class="why-label">"Note: "</span>
                        {t}
                    </p>
                }
            })
        })
    };
    let editor = move || {
        editable.then(|| {
            if editing.get() {
                // Read once: the input keeps what is typed (tracking the note would rebuild it).
                let step = ctx.step.get_untracked();
                let text = untrack(own).unwrap_or_default();
                view! {
                    <div class="note-editor">
                        <label for="note-input">{format!("your note on step {step}")}</label>
                        <input
                            id="note-input"
                            type="text"
                            data-testid="note-input"
                            maxlength=racelab_core::lab::MAX_NOTE_CHARS
                            prop:value=text
                            autofocus
                            on:input=move |ev| error.set(ctx.set_note(step, &event_target_value(&ev)).err())
                            on:keydown=move |ev| {
                                if ev.key() == "Enter" || ev.key() == "Escape" {
                                    ev.prevent_default();
                                    editing.set(false);
                                }
                            }
                        />
                        <button data-testid="note-done" on:click=move |_| editing.set(false)>"done"</button>
                        <span class="note-error" data-testid="note-error" role="status">{move || error.get()}</span>
                    </div>
                }
                .into_any()
            } else {
                let has = own().is_some();
                view! {
                    <button class="note-add" data-testid="note-add" on:click=move |_| editing.set(true) title="a short note on this step, carried in the link">
                        {if has { "edit your note" } else { "add a note" }}
                    </button>
                }
                .into_any()
            }
        })
    };
    view! {
        <div class="step-notes" data-testid="step-notes">
            {said}
            {own_note}
            {editor}
        </div>
    }
}

/// The trace's note on this policy (its `expect` line), from the step it speaks about on.
#[component]
pub fn Narration() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    move || {
        let step = ctx.step.get();
        ctx.session.with(|s| {
            s.narration.clone().filter(|(at, _)| step >= *at).map(|(at, text)| {
                view! {
                    <p class="narration" data-testid="narration" data-at=at>
                        <span class="why-label">{format!("{} on this trace: ", s.policy())}</span>
                        {text}
                    </p>
                }
            })
        })
    }
}

/// The changes of the current step, as the core words them.
#[component]
pub fn ChangeList() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    move || {
        ctx.frame.with(|f| {
            let changes = f.step_view.as_ref().map(|s| s.changes.clone()).unwrap_or_default();
            let items = changes
                .iter()
                .map(|c| {
                    let kind = serde_kind(&c.kind);
                    view! {
                        <li class=format!("change kind-{kind}") data-testid="change" data-kind=kind.clone()>
                            <span class="change-kind">{kind.clone()}</span>
                            <span class="change-text">{c.text.clone()}</span>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="changes" data-testid="changes">
                    <h3>"What this step changed"</h3>
                    {if changes.is_empty() {
                        view! { <p class="none">{if f.step == 0 { "—" } else { "nothing visible: a read or a branch" }}</p> }.into_any()
                    } else {
                        view! { <ul class="change-list">{items}</ul> }.into_any()
                    }}
                </section>
            }
        })
    }
}

/// `pte`, `tlb`, … as the core serializes the kind.
fn serde_kind<T: serde::Serialize>(k: &T) -> String {
    serde_json::to_value(k).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use racelab_core::lab::ChangeKind;
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn a_change_kind_reads_as_the_core_serializes_it() {
        assert_eq!(serde_kind(&ChangeKind::Pte), "pte");
        assert_eq!(serde_kind(&ChangeKind::Tlb), "tlb");
        assert_eq!(serde_kind(&ChangeKind::Ghost), "ghost");
        assert_eq!(serde_kind(&3), "", "not a word");
    }
}
