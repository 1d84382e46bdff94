//! The built-in catalog, loaded once, and small browser helpers shared by the screens.

use std::sync::OnceLock;

use racelab_core::lab::{Catalog, Library};

static LIBRARY: OnceLock<Library> = OnceLock::new();

/// The built-in catalog and archive of past versions, and the catalogs links open on (an older
/// version, or the files a link carries), kept for the page's life.
pub fn library() -> &'static Library {
    LIBRARY.get_or_init(|| {
        let l = Library::builtin();
        mark("racelab:catalog");
        l
    })
}

/// Every scenario of `traces/`, parsed on first use (a few milliseconds).
pub fn catalog() -> &'static Catalog {
    library().current()
}

/// Milliseconds since the page started, for the explorer's time budget and for measurements.
pub fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or_else(js_sys::Date::now)
}

/// Records a `performance.mark` (the load-time benchmark reads `racelab:first-trace`).
pub fn mark(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(name);
    }
}

/// The href of a view: its permalink fragment after `#`.
pub fn href(fragment: &str) -> String {
    format!("#{fragment}")
}
