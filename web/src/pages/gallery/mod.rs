//! The landing page: one card per scenario of the catalog, with where it comes from (the mails
//! and commits it cites), its policies with their fate, what the canonical traces do under each,
//! and the explorer's verdict over every interleaving, computed in the background
//! (`state::verdicts`).
//!
//! The cards are drawn a few per task (replaying every canonical trace of a card under every
//! policy and model is most of a card's cost): the first screen at once, the rest in the tasks
//! after, so that the page never holds the main thread for the whole catalog at once.
//! `data-complete` on the gallery says when every card is drawn.

mod card;
mod chips;
mod citations;
mod policy_row;

use std::time::Duration;

use leptos::prelude::*;
use racelab_core::lab::Scenario;

use crate::catalog::catalog;
use crate::state::listing::gallery_order;
use crate::state::verdicts::{Engine, Verdicts};
use card::ScenarioCard;

/// Cards drawn in the first task: about a screen.
const FIRST_CARDS: usize = 3;
/// Cards drawn in each task after it.
const CARDS_PER_TASK: usize = 3;

/// Draws `CARDS_PER_TASK` more cards in the next task, and so on, until all `total` are drawn
/// (or the gallery is gone).
fn draw_more(shown: RwSignal<usize>, total: usize) {
    set_timeout(
        move || {
            if shown.try_update(|n| *n = (*n + CARDS_PER_TASK).min(total)).is_some() && shown.get_untracked() < total {
                draw_more(shown, total);
            }
        },
        Duration::ZERO,
    );
}

/// The cards of `list` (after `before` cards of earlier lists) that are drawn.
fn drawn(list: &[&'static Scenario], before: usize, shown: usize) -> Vec<&'static Scenario> {
    list[..shown.saturating_sub(before).min(list.len())].to_vec()
}

#[component]
pub fn Gallery() -> impl IntoView {
    let verdicts = expect_context::<Verdicts>();
    verdicts.start();
    let cat = catalog();
    let total = verdicts.total();
    let checked = move || verdicts.checked();
    let (races, litmus) = gallery_order(cat);
    let cards = races.len() + litmus.len();
    let shown = RwSignal::new(FIRST_CARDS.min(cards));
    if shown.get_untracked() < cards {
        draw_more(shown, cards);
    }
    let n_races = races.len();
    let litmus = (!litmus.is_empty()).then(|| {
        view! {
            <h2 class="group-heading" id="litmus-heading">"The litmus suite"</h2>
            <p class="gallery-intro">
                "The classic shapes of memory ordering, under sequential consistency, x86-TSO and arm64: "
                "the races above that need a weak memory model are built from these."
            </p>
            <ul class="gallery-list" aria-labelledby="litmus-heading">
                <For each=move || drawn(&litmus, n_races, shown.get()) key=|sc| sc.id.clone() let:sc>
                    <ScenarioCard sc/>
                </For>
            </ul>
        }
    });
    view! {
        <section
            id="gallery"
            class="gallery"
            data-testid="gallery"
            aria-labelledby="gallery-heading"
            data-complete=move || (shown.get() == cards).to_string()
        >
            <div class="gallery-head">
                <h2 id="gallery-heading">"Races"</h2>
                <p class="gallery-intro">
                    "Each card is a race argued on LKML in 2020–21. Open a policy to watch its canonical trace step by step. "
                    "The last column is the explorer's verdict over every interleaving, computed in your browser."
                </p>
                <p
                    class="gallery-progress"
                    data-testid="gallery-progress"
                    data-done=move || (checked() == total).to_string()
                    data-engine=move || verdicts.engine().name()
                >
                    {move || {
                        let n = checked();
                        let what = if n == total {
                            format!("Every interleaving checked: {total} policies and models.")
                        } else {
                            format!("Checking every interleaving… {n} of {total} policies and models.")
                        };
                        match verdicts.engine() {
                            Engine::MainThread(why) => format!("{what} On the main thread: {why}."),
                            _ => what,
                        }
                    }}
                </p>
            </div>
            <ul class="gallery-list">
                <For each=move || drawn(&races, 0, shown.get()) key=|sc| sc.id.clone() let:sc>
                    <ScenarioCard sc/>
                </For>
                {cat
                    .errors
                    .iter()
                    .map(|e| {
                        view! {
                            <li class="card card-error" data-testid="catalog-error">
                                <h3>"A scenario file could not be loaded"</h3>
                                <pre>{e.to_string()}</pre>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            {litmus}
        </section>
    }
}
