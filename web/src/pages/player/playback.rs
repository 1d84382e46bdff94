//! Stepping and playing: first, back, play/pause with its speed, forward, last, the scrubber
//! with a tick at the violation, and the jump to it.

use leptos::prelude::*;

use super::ctx::{Ctx, SPEEDS};
use super::keys::release_focus;

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
                <button
                    data-testid="present"
                    class="present"
                    title="presentation mode: large type, one screen (p)"
                    aria-pressed=move || ctx.present.get().to_string()
                    on:click=move |_| ctx.present.update(|p| *p = !*p)
                >
                    {move || if ctx.present.get() { "leave presentation (Esc)" } else { "present (p)" }}
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
                            release_focus(&ev);
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
                                        style=("left", format!("calc({} * (100% - 1.2rem) + 0.6rem)", v as f64 / n as f64))
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
