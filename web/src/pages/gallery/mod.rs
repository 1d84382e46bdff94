//! The landing page: one card per scenario of the catalog, with where it comes from (the mails
//! and commits it cites), its policies with their fate, what the canonical traces do under each,
//! and the explorer's verdict over every interleaving, computed in the background
//! (`state::verdicts`).

mod card;
mod chips;
mod citations;
mod policy_row;

use leptos::prelude::*;

use crate::catalog::catalog;
use crate::state::listing::gallery_order;
use crate::state::verdicts::{Engine, Verdicts};
use card::ScenarioCard;

#[component]
pub fn Gallery() -> impl IntoView {
    let verdicts = expect_context::<Verdicts>();
    verdicts.start();
    let cat = catalog();
    let total = verdicts.total();
    let checked = move || verdicts.checked();
    let (races, litmus) = gallery_order(cat);
    let litmus = (!litmus.is_empty()).then(|| {
        view! {
            <h2 class="group-heading" id="litmus-heading">"The litmus suite"</h2>
            <p class="gallery-intro">
                "The classic shapes of memory ordering, under sequential consistency, x86-TSO and arm64: "
                "the races above that need a weak memory model are built from these."
            </p>
            <ul class="gallery-list" aria-labelledby="litmus-heading">
                {litmus.into_iter().map(|sc| view! { <ScenarioCard sc/> }).collect_view()}
            </ul>
        }
    });
    view! {
        <section id="gallery" class="gallery" data-testid="gallery" aria-labelledby="gallery-heading">
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
                {races.into_iter().map(|sc| view! { <ScenarioCard sc/> }).collect_view()}
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
