//! The application shell: header, the routed main area, footer.

use leptos::prelude::*;

use crate::route::{self, Route};

/// A signal that follows `location.hash`, updated on every `hashchange`.
fn use_hash_route() -> ReadSignal<Route> {
    let (route, set_route) = signal(route::current());
    let handle = window_event_listener(leptos::ev::hashchange, move |_| {
        set_route.set(route::current());
    });
    on_cleanup(move || handle.remove());
    route
}

#[component]
pub fn App() -> impl IntoView {
    let route = use_hash_route();

    view! {
        <header class="site-header">
            <a class="brand" href="#/">
                <h1 id="title">"racelab"</h1>
            </a>
            <p class="tagline">"A laboratory for Linux memory-management races, step by step."</p>
        </header>
        <main id="main">
            {move || match route.get() {
                Route::Gallery => view! { <Gallery/> }.into_any(),
                Route::Race(id) => view! { <Player id/> }.into_any(),
                Route::NotFound(hash) => view! { <NotFound hash/> }.into_any(),
                Route::DebugPanic => panic!("deliberate panic requested by #/debug/panic"),
            }}
        </main>
        <footer class="site-footer">
            "racelab " {env!("CARGO_PKG_VERSION")}
        </footer>
    }
}

/// The gallery of race scenarios. A placeholder until the core exposes them.
#[component]
fn Gallery() -> impl IntoView {
    view! {
        <section id="gallery" class="gallery" aria-labelledby="gallery-heading">
            <h2 id="gallery-heading">"Races"</h2>
            <p class="empty">"No race scenarios are loaded yet."</p>
            <ul class="gallery-list"></ul>
        </section>
    }
}

/// The player for one race. A placeholder until the core can replay traces.
#[component]
fn Player(id: String) -> impl IntoView {
    view! {
        <section id="player" class="player" aria-labelledby="player-heading">
            <p class="crumbs"><a href="#/">"← all races"</a></p>
            <h2 id="player-heading">"Race " <code class="race-id">{id}</code></h2>
            <p class="empty">"The player is not available yet."</p>
        </section>
    }
}

#[component]
fn NotFound(hash: String) -> impl IntoView {
    view! {
        <section id="not-found" class="not-found">
            <h2>"Nothing here"</h2>
            <p>"There is no page at " <code>{hash}</code> "."</p>
            <p><a href="#/">"Go to the gallery"</a></p>
        </section>
    }
}
