//! `embed=1`: the compact player for an iframe (a wiki page, a slide deck, a blog). The lanes
//! around the step, the step's sentence, what it changes in the state, step controls, and a
//! link that opens the same view in racelab itself (the link without `embed=1`). No gallery,
//! no header or footer (the page's root carries `data-embed`), and the address stays
//! the embedded link.

use leptos::prelude::*;
use racelab_core::lab::Permalink;

use super::ctx::Ctx;
use super::invariants::InvariantBadges;
use super::lanes::ThreadLanes;
use super::sentence::{ChangeList, StepSentence};
use crate::ui::labels::race_tag;

/// Whether a permalink fragment asks for the embedded player (`embed=1`), as the core reads it.
pub fn is_embed(fragment: &str) -> bool {
    Permalink::parse(fragment).is_ok_and(|l| l.embed)
}

/// The address of this view in racelab itself: the page's address with the view's link (no
/// `embed=1`) as its fragment.
fn open_href(fragment: &str) -> String {
    let href = window().location().href().unwrap_or_default();
    format!("{}#{fragment}", href.split('#').next().unwrap_or_default())
}

#[component]
pub fn EmbedPlayer() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let Ctx { session, step, frame, .. } = ctx;
    // The whole page is the player: the shell's header and footer fold away.
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("data-embed", "1");
    }
    on_cleanup(|| {
        if let Some(root) = document().document_element() {
            let _ = root.remove_attribute("data-embed");
        }
    });
    let title = move || session.with(|s| format!("{} {}", race_tag(&s.info.race), s.info.title));
    let at_start = move || step.get() == 0;
    let at_end = move || step.get() >= frame.with(|f| f.steps);
    let open = move || session.with(|s| open_href(&s.permalink(step.get()).to_fragment()));
    view! {
        <section
            id="player"
            class="player embed"
            data-testid="player"
            data-embed="1"
            data-scenario=move || session.with(|s| s.scenario_id().to_string())
            data-policy=move || session.with(|s| s.policy().to_string())
            data-step=move || step.get()
            data-steps=move || frame.with(|f| f.steps)
            aria-label=title
        >
            <div class="embed-head">
                <p class="embed-title">
                    <strong>{title}</strong>
                    " · "
                    <code>{move || session.with(|s| s.policy().to_string())}</code>
                </p>
                <a class="button embed-open" data-testid="embed-open" href=open target="_blank" rel="noopener">
                    "open in racelab ↗"
                </a>
            </div>
            <div class="embed-controls controls" data-testid="controls">
                <button data-testid="first" title="first step (Home)" on:click=move |_| ctx.go(0) disabled=at_start>
                    "⇤"
                </button>
                <button data-testid="step-back" title="step back (←)" on:click=move |_| ctx.back() disabled=at_start>
                    "◀ back"
                </button>
                <button data-testid="step-forward" title="step forward (→)" on:click=move |_| ctx.forward() disabled=at_end>
                    "forward ▶"
                </button>
                <button
                    data-testid="jump-violation"
                    title="the step where an invariant breaks (v)"
                    on:click=move |_| ctx.jump_to_violation()
                    disabled=move || ctx.violation().is_none()
                >
                    "where it breaks"
                </button>
                <span class="step-counter" data-testid="step-counter">
                    "step " {move || step.get()} " / " {move || frame.with(|f| f.steps)}
                </span>
            </div>
            // Scrolls when the frame is short: reachable by keyboard.
            <div class="embed-stage" tabindex="0" role="region" aria-label="this step">
                <StepSentence/>
                <ChangeList/>
                <InvariantBadges/>
            </div>
            <div class="embed-lanes" tabindex="0" role="region" aria-label="threads">
                <ThreadLanes/>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn embed_is_read_from_the_link_by_the_core() {
        assert!(is_embed("v=2&s=race1a&h=aaaaaaaaaa&p=v5_10&t=a5&i=2&embed=1"));
        assert!(!is_embed("v=2&s=race1a&h=aaaaaaaaaa&p=v5_10&t=a5&i=2"));
        assert!(!is_embed("v=2&s=race1a&h=aaaaaaaaaa&p=v5_10&t=a5&i=2&embed=yes"));
    }
}
