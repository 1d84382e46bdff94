//! Hash-based routes. The site is plain static files served from any path, so
//! the state lives after `#`: `#/` is the gallery, `#/race/<id>` a race's player.

/// Where the app is, as read from `location.hash`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `""`, `#` or `#/`: the gallery of races.
    Gallery,
    /// `#/race/<id>`: the player for one race scenario.
    Race(String),
    /// Anything else (kept to show it back to the user).
    NotFound(String),
    /// `#/debug/panic`: panics on purpose, so the e2e tests can check that a
    /// panic is shown on the page instead of leaving it blank.
    DebugPanic,
}

impl Route {
    /// Parses a decoded `location.hash` (with or without its leading `#`).
    pub fn from_hash(hash: &str) -> Route {
        let path = hash.strip_prefix('#').unwrap_or(hash);
        let path = path.strip_prefix('/').unwrap_or(path);
        let path = path.strip_suffix('/').unwrap_or(path);
        let segments: Vec<&str> = if path.is_empty() { Vec::new() } else { path.split('/').collect() };
        match segments.as_slice() {
            [] => Route::Gallery,
            ["race", id] if !id.is_empty() => Route::Race((*id).to_string()),
            ["debug", "panic"] => Route::DebugPanic,
            _ => Route::NotFound(hash.to_string()),
        }
    }

    /// The `href` that leads to this route (relative: only the fragment).
    #[allow(dead_code)] // used by the gallery's links once it lists races
    pub fn href(&self) -> String {
        match self {
            Route::Gallery => "#/".to_string(),
            Route::Race(id) => format!("#/race/{}", js_sys::encode_uri_component(id)),
            Route::NotFound(hash) => hash.clone(),
            Route::DebugPanic => "#/debug/panic".to_string(),
        }
    }
}

/// The current route, from `window.location.hash` (percent-decoded).
pub fn current() -> Route {
    let raw = leptos::prelude::window().location().hash().unwrap_or_default();
    let decoded = js_sys::decode_uri_component(&raw).ok().and_then(|s| s.as_string()).unwrap_or(raw);
    Route::from_hash(&decoded)
}
