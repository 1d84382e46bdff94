//! Hash-based routes. The site is plain static files served from any path, so the state lives
//! after `#`:
//!
//! * `#/` (or nothing): the gallery;
//! * `#v=1&s=…&p=…&m=…&t=…&i=…`: the player, on exactly the view the core's permalink names
//!   (anything of the form `key=value&…` goes to the player, which explains what is wrong with
//!   a broken link);
//! * `#/race/<id>`: a short name for a scenario's first canonical trace under its baseline;
//! * `#/edit/<id>`, `#/edit/new`, `#/edit/draft`: the editor, on a catalog scenario, a new
//!   file, or the draft saved in this browser;
//! * `#/lab/<permalink>`: the player on the draft (the catalog overlaid with its edits).

use std::cell::RefCell;

/// Where the app is, as read from `location.hash`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `""`, `#` or `#/`: the gallery of races.
    Gallery,
    /// A permalink fragment (without the `#`).
    Player(String),
    /// `#/race/<id>`.
    Race(String),
    /// `#/edit/<what>`: a scenario id, `new` or `draft`.
    Edit(String),
    /// `#/lab/<permalink fragment>`: a view of the draft's scenario.
    Lab(String),
    /// Anything else (kept to show it back to the user).
    NotFound(String),
    /// `#/debug/panic`: panics on purpose, so the e2e tests can check that a panic is shown on
    /// the page instead of leaving it blank.
    DebugPanic,
}

impl Route {
    /// Parses a decoded `location.hash` (with or without its leading `#`).
    pub fn from_hash(hash: &str) -> Route {
        let raw = hash.strip_prefix('#').unwrap_or(hash).trim();
        if !raw.starts_with('/') && raw.contains('=') {
            return Route::Player(raw.to_string());
        }
        if let Some(link) = raw.strip_prefix("/lab/") {
            return Route::Lab(link.to_string());
        }
        let path = raw.strip_prefix('/').unwrap_or(raw);
        let path = path.strip_suffix('/').unwrap_or(path);
        let segments: Vec<&str> = if path.is_empty() { Vec::new() } else { path.split('/').collect() };
        match segments.as_slice() {
            [] => Route::Gallery,
            ["race", id] if !id.is_empty() => Route::Race((*id).to_string()),
            ["edit", what] if !what.is_empty() => Route::Edit((*what).to_string()),
            ["debug", "panic"] => Route::DebugPanic,
            _ => Route::NotFound(hash.to_string()),
        }
    }
}

thread_local! {
    /// The fragment the app itself last wrote into the URL, so that the `hashchange` or
    /// `popstate` it may cause does not reopen the view it came from.
    static WRITTEN: RefCell<String> = const { RefCell::new(String::new()) };
}

/// The decoded `location.hash`, without the `#`.
pub fn current_fragment() -> String {
    let raw = leptos::prelude::window().location().hash().unwrap_or_default();
    let decoded = js_sys::decode_uri_component(&raw).ok().and_then(|s| s.as_string()).unwrap_or(raw);
    decoded.strip_prefix('#').unwrap_or(&decoded).to_string()
}

/// Whether `fragment` is the view the app shows (it wrote it, or opened it last): then a
/// history event for it needs no reopening.
pub fn is_own(fragment: &str) -> bool {
    WRITTEN.with(|w| *w.borrow() == fragment)
}

/// Records that the app now shows `fragment`.
pub fn mark_own(fragment: &str) {
    WRITTEN.with(|w| *w.borrow_mut() = fragment.to_string());
}

/// Puts `fragment` into the URL without reloading and without a `hashchange`: a new history
/// entry when `push`, else replacing the current one (stepping must not flood the back button).
pub fn write(fragment: &str, push: bool) {
    mark_own(fragment);
    let window = leptos::prelude::window();
    if current_fragment() == fragment {
        return;
    }
    let url = format!("#{fragment}");
    if let Ok(history) = window.history() {
        let r = if push {
            history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
        } else {
            history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
        };
        if r.is_ok() {
            return;
        }
    }
    window.location().set_hash(&url).ok();
}
