//! What a link that cannot be opened shows: what is wrong, in the core's words, and the way back.

use leptos::prelude::*;

/// `scenario`: a scenario the link names that exists, whose first trace is offered instead.
#[component]
pub fn ErrorView(error: String, link: String, scenario: Option<String>) -> impl IntoView {
    let instead = scenario.map(|id| {
        view! {
            <p>
                <a href=format!("#/race/{id}") data-testid="error-scenario">
                    "Open " <code>{id.clone()}</code> "'s canonical trace instead"
                </a>
                ", or pick another below."
            </p>
        }
    });
    view! {
        <section id="error" class="error-view" data-testid="error-view" role="alert">
            <h2>"This link cannot be opened"</h2>
            <p class="error-message" data-testid="error-message">
                {error}
            </p>
            <p class="error-link">
                "The link: " <code data-testid="error-link">{format!("#{link}")}</code>
            </p>
            {instead}
            <p>
                "It may come from another version of racelab, or have been cut short when it was pasted. "
                <a href="#/" data-testid="error-gallery">
                    "Go to the gallery of races"
                </a>
                " to pick a trace again."
            </p>
        </section>
    }
}
