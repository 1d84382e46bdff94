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
use crate::state::verdicts::{Again, Engine, TableState, Verdicts};
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

/// `loading`, `used` or `failed`, as the progress line's `data-table` carries it.
fn table_word(t: &TableState) -> &'static str {
    match t {
        TableState::Loading => "loading",
        TableState::Used { .. } => "used",
        TableState::Failed(_) => "failed",
    }
}

/// The progress line: how many keys have their verdict, and where they were computed.
fn progress_text(n: usize, total: usize, table: &TableState, engine: &Engine) -> String {
    let what = if n < total {
        format!("Checking every interleaving… {n} of {total} policies and models.")
    } else {
        match table {
            TableState::Used { matched } if *matched == total => {
                format!("Every interleaving checked: {total} policies and models, when the site was built.")
            }
            TableState::Used { matched } if *matched > 0 => format!(
                "Every interleaving checked: {total} policies and models ({matched} when the site was built, {} in this browser).",
                total - matched
            ),
            _ => format!("Every interleaving checked: {total} policies and models, in this browser."),
        }
    };
    match engine {
        Engine::MainThread(why) => format!("{what} On the main thread: {why}."),
        _ => what,
    }
}

/// What a check again says: its progress, then whether every verdict agreed.
fn again_text(a: Again, total: usize) -> String {
    if a.done < total {
        return format!("Checking again in this browser… {} of {total}.", a.done);
    }
    match a.differ {
        0 => format!("Checked again in this browser: all {total} verdicts are the same."),
        1 => format!("Checked again in this browser: 1 of {total} verdicts differs; the browser's is shown."),
        n => format!("Checked again in this browser: {n} of {total} verdicts differ; the browser's are shown."),
    }
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
                    "The last column is the explorer's verdict over every interleaving, computed when the site was built (or, if that cannot be used, in your browser)."
                </p>
                <p
                    class="gallery-progress"
                    data-testid="gallery-progress"
                    data-done=move || (checked() == total).to_string()
                    data-engine=move || verdicts.engine().name()
                    data-table=move || table_word(&verdicts.table())
                >
                    {move || progress_text(checked(), total, &verdicts.table(), &verdicts.engine())}
                </p>
                {move || match verdicts.table() {
                    TableState::Failed(why) => Some(view! {
                        <p class="notice gallery-notice" data-testid="verdicts-notice" role="status">
                            {format!("The precomputed verdicts could not be used ({why}): every verdict is checked in this browser.")}
                        </p>
                    }),
                    _ => None,
                }}
                <p class="gallery-again">
                    <button
                        type="button"
                        class="gallery-again-button"
                        data-testid="check-again"
                        disabled=move || checked() < total || verdicts.again().is_some_and(|a| a.done < total)
                        on:click=move |_| verdicts.check_again()
                    >
                        "check again in this browser"
                    </button>
                    {move || verdicts.again().map(|a| {
                        view! {
                            <span
                                class="gallery-again-status"
                                data-testid="check-again-status"
                                data-done=(a.done == total).to_string()
                                data-differ=a.differ
                                role="status"
                            >
                                {again_text(a, total)}
                            </span>
                        }
                    })}
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

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn the_progress_says_where_the_verdicts_were_computed() {
        let workers = Engine::Workers(2);
        assert_eq!(progress_text(3, 10, &TableState::Loading, &Engine::Idle), "Checking every interleaving… 3 of 10 policies and models.");
        assert_eq!(
            progress_text(10, 10, &TableState::Used { matched: 10 }, &Engine::Idle),
            "Every interleaving checked: 10 policies and models, when the site was built."
        );
        assert_eq!(
            progress_text(10, 10, &TableState::Used { matched: 7 }, &workers),
            "Every interleaving checked: 10 policies and models (7 when the site was built, 3 in this browser)."
        );
        assert_eq!(
            progress_text(10, 10, &TableState::Failed("x".into()), &Engine::MainThread("the worker did not start".into())),
            "Every interleaving checked: 10 policies and models, in this browser. On the main thread: the worker did not start."
        );
    }

    #[wasm_bindgen_test]
    fn a_check_again_says_how_far_it_is_then_how_many_differ() {
        assert_eq!(again_text(Again { done: 4, differ: 0 }, 10), "Checking again in this browser… 4 of 10.");
        assert_eq!(again_text(Again { done: 10, differ: 0 }, 10), "Checked again in this browser: all 10 verdicts are the same.");
        assert_eq!(
            again_text(Again { done: 10, differ: 1 }, 10),
            "Checked again in this browser: 1 of 10 verdicts differs; the browser's is shown."
        );
        assert_eq!(table_word(&TableState::Failed("x".into())), "failed");
    }
}
