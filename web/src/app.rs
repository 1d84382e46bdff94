//! The application shell: header, the routed main area, footer. It is the one place that
//! opens pages: each route becomes a page, or the error view when its link cannot be opened.

use leptos::prelude::*;

use crate::pages::editor::EditorPage;
use crate::pages::error::ErrorView;
use crate::pages::gallery::Gallery;
use crate::pages::player::{is_embed, Player, SideBySide};
use crate::route::{self, Route};
use crate::state::drafts::Draft;
use crate::state::session::{Opening, Presenting, Session};
use crate::state::verdicts::Verdicts;

/// A signal that follows `location.hash`, updated on `hashchange` and `popstate` (the back
/// button; a navigation may fire both), but not for the view the app already shows (the URLs
/// it writes itself while stepping).
fn use_hash_route() -> ReadSignal<Route> {
    let first = route::current_fragment();
    route::mark_own(&first);
    let (route, set_route) = signal(Route::from_hash(&first));
    let update = move || {
        let fragment = route::current_fragment();
        if route::is_own(&fragment) {
            return;
        }
        route::mark_own(&fragment);
        set_route.set(Route::from_hash(&fragment));
    };
    let a = window_event_listener(leptos::ev::hashchange, move |_| update());
    let b = window_event_listener(leptos::ev::popstate, move |_| update());
    on_cleanup(move || {
        a.remove();
        b.remove();
    });
    route
}

/// The player for a permalink (or the side-by-side view when the link asks for a second run),
/// or the error view if the link cannot be opened. The core reads every field of the link.
#[component]
fn PlayerRoute(fragment: String) -> impl IntoView {
    match Session::open_link(&fragment) {
        Ok(o) => opened_view(o, fragment),
        Err(e) => {
            let scenario = Session::scenario_of_link(&fragment);
            view! { <ErrorView error=e.to_string() link=fragment scenario/> }.into_any()
        }
    }
}

/// What a link opened: the player, or side by side; presentation mode when it asks for it.
fn opened_view(o: Opening, link: String) -> AnyView {
    if o.present {
        if let Some(p) = use_context::<Presenting>() {
            p.0.set(true);
        }
    }
    let Opening { session: a, step: a_step, compare, notes, .. } = o;
    match compare {
        None => view! { <Player session=a step=a_step notes embed=is_embed(&link)/> }.into_any(),
        Some((b, b_step)) => match a.compare(&b) {
            Ok(cmp) => view! { <SideBySide a b cmp a_step b_step notes/> }.into_any(),
            Err(e) => view! { <ErrorView error=e.to_string() link scenario=Some(a.scenario_id().to_string())/> }.into_any(),
        },
    }
}

/// `#/race/<id>`: the scenario's first canonical trace under its baseline.
#[component]
fn RaceRoute(id: String) -> impl IntoView {
    match Session::from_scenario(&id) {
        Ok(session) => view! { <Player session step=0 notes=Vec::new()/> }.into_any(),
        Err(e) => view! { <ErrorView error=e.to_string() link=format!("/race/{id}") scenario=None/> }.into_any(),
    }
}

/// `#/lab/<permalink>`: the player on the draft saved in this browser.
#[component]
fn LabRoute(fragment: String) -> impl IntoView {
    let link = format!("/lab/{fragment}");
    let Some(draft) = Draft::load() else {
        let error =
            "this link opens a draft, and there is no draft in this browser: links to edited scenarios open only where they were edited"
                .to_string();
        return view! { <ErrorView error link scenario=None/> }.into_any();
    };
    match Session::open_link_with_edits(&fragment, draft.edits()) {
        Ok(o) => opened_view(o, link),
        Err(e) => view! { <ErrorView error=e.to_string() link scenario=None/> }.into_any(),
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_context(Verdicts::new());
    // The gallery's precomputed verdicts, which index.html preloads: taken up now whatever the
    // route, read when the gallery opens.
    crate::state::verdicts::prefetch_table();
    let presenting = Presenting(RwSignal::new(false));
    provide_context(presenting);
    // Presentation mode styles the whole page (the header and footer fold away).
    Effect::new(move |_| {
        let on = presenting.0.get();
        if let Some(root) = document().document_element() {
            let _ = if on { root.set_attribute("data-view", "present") } else { root.remove_attribute("data-view") };
        }
    });
    let route = use_hash_route();

    view! {
        <header class="site-header">
            <a class="brand" href="#/">
                <h1 id="title">"racelab"</h1>
            </a>
            <p class="tagline">"Linux memory-management races of 2020–21, step by step."</p>
            <p class="keys-hint">"Press " <kbd>"?"</kbd> " in the player for the keys"</p>
        </header>
        <main id="main">
            {move || match route.get() {
                Route::Gallery => {
                    presenting.0.set(false);
                    view! { <Gallery/> }.into_any()
                }
                Route::Player(fragment) => view! { <PlayerRoute fragment/> }.into_any(),
                Route::Race(id) => view! { <RaceRoute id/> }.into_any(),
                Route::Edit(what) => view! { <EditorPage what/> }.into_any(),
                Route::Lab(fragment) => view! { <LabRoute fragment/> }.into_any(),
                Route::NotFound(hash) => {
                    view! { <ErrorView error=format!("there is no page at `{}`", racelab_core::lab::echo(&hash)) link=hash scenario=None/> }.into_any()
                }
                Route::DebugPanic => panic!("deliberate panic requested by #/debug/panic"),
            }}
        </main>
        <footer class="site-footer">
            "racelab " {env!("CARGO_PKG_VERSION")} " · "
            <a href="#/">"all races"</a>
        </footer>
    }
}
