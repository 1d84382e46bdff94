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
        // A link percent-encoded as a whole (`v%3D2%26s%3D…`, as some mailers write it) too: the
        // core decodes it and says so.
        if !raw.starts_with('/') && (raw.contains('=') || raw.to_ascii_lowercase().contains("%3d")) {
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

/// `location.hash` as it is, without the `#`: the core decodes each field of a link itself (a
/// presenter's note holds `%26` for `&`, which decoding the whole fragment first would break).
pub fn current_fragment() -> String {
    let raw = leptos::prelude::window().location().hash().unwrap_or_default();
    let raw = raw.strip_prefix('#').unwrap_or(&raw);
    // A link goes to the core as it is: the core decodes each field itself (a presenter's note
    // holds `%26` for `&`, which decoding the whole fragment first would break), and a link
    // percent-encoded as a whole, with a notice.
    match Route::from_hash(raw) {
        Route::Player(_) => raw.to_string(),
        _ => decode(raw),
    }
}

/// A `location.hash` as the browser gives it (percent-encoded), decoded and without its `#`;
/// kept as it is when it is not valid percent-encoding.
pub fn decode(raw: &str) -> String {
    let decoded = js_sys::decode_uri_component(raw).ok().and_then(|s| s.as_string()).unwrap_or_else(|| raw.to_string());
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

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    fn player(s: &str) -> Route {
        Route::Player(s.to_string())
    }

    #[wasm_bindgen_test]
    fn nothing_a_bare_hash_or_a_slash_is_the_gallery() {
        for hash in ["", "#", "#/", "/", "#//"] {
            assert_eq!(Route::from_hash(hash), Route::Gallery, "{hash:?}");
        }
    }

    #[wasm_bindgen_test]
    fn a_permalink_goes_to_the_player_without_its_hash() {
        let link = "v=1&s=race1a&p=v5_10&t=a5b10cb12a3&i=25";
        assert_eq!(Route::from_hash(&format!("#{link}")), player(link));
        assert_eq!(Route::from_hash(link), player(link));
        assert_eq!(Route::from_hash(&format!("#{link} ")), player(link), "trailing space is trimmed");
    }

    #[wasm_bindgen_test]
    fn any_key_value_fragment_goes_to_the_player_which_explains_it() {
        assert_eq!(Route::from_hash("#v=2"), player("v=2"));
        assert_eq!(Route::from_hash("#s=nope&junk"), player("s=nope&junk"));
        assert_eq!(Route::from_hash("#="), player("="));
    }

    #[wasm_bindgen_test]
    fn a_race_route_names_its_scenario() {
        assert_eq!(Route::from_hash("#/race/race1a"), Route::Race("race1a".to_string()));
        assert_eq!(Route::from_hash("/race/race1a/"), Route::Race("race1a".to_string()));
        assert_eq!(Route::from_hash("#/race/no_such_race"), Route::Race("no_such_race".to_string()), "the player says it is unknown");
    }

    #[wasm_bindgen_test]
    fn the_debug_panic_route_is_recognised() {
        assert_eq!(Route::from_hash("#/debug/panic"), Route::DebugPanic);
        assert_eq!(Route::from_hash("#/debug/panic/"), Route::DebugPanic);
    }

    #[wasm_bindgen_test]
    fn junk_is_not_found_and_kept_as_typed() {
        for hash in ["#/nope", "#/race", "#/race/", "#/race/a/b", "#hello", "#/debug", "#/RACE/race1a", "#/race//x"] {
            assert_eq!(Route::from_hash(hash), Route::NotFound(hash.to_string()), "{hash:?}");
        }
    }

    #[wasm_bindgen_test]
    fn only_the_first_hash_is_taken_off() {
        assert_eq!(Route::from_hash("##/"), Route::NotFound("##/".to_string()));
        assert_eq!(Route::from_hash("#v=1&s=race1a#i=3"), player("v=1&s=race1a#i=3"));
        assert_eq!(Route::from_hash("#/race/race1a#top"), Route::Race("race1a#top".to_string()));
    }

    #[wasm_bindgen_test]
    fn decode_takes_off_the_hash_and_percent_decodes() {
        assert_eq!(decode("#v=1&s=race1a&t=a5b10&i=3"), "v=1&s=race1a&t=a5b10&i=3");
        assert_eq!(decode("#/race/race%201a"), "/race/race 1a");
        assert_eq!(decode("v%3D1%26s%3Drace1a"), "v=1&s=race1a");
        assert_eq!(decode("#v=1%23x"), "v=1#x", "an encoded # is data, not a second fragment");
        assert_eq!(decode("%23%2F"), "/", "a # that was encoded is taken off once decoded");
        assert_eq!(decode(""), "");
    }

    #[wasm_bindgen_test]
    fn decode_keeps_invalid_percent_encoding_as_it_is() {
        assert_eq!(decode("#/race/100%"), "/race/100%");
        assert_eq!(decode("#%E0%A4%A"), "%E0%A4%A");
    }

    #[wasm_bindgen_test]
    fn decoded_fragments_route_like_typed_ones() {
        assert_eq!(Route::from_hash(&decode("#v%3D1%26s%3Drace1a%26i%3D0")), player("v=1&s=race1a&i=0"));
        assert_eq!(Route::from_hash(&decode("#%2Frace%2Frace1a")), Route::Race("race1a".to_string()));
        assert_eq!(Route::from_hash(&decode("#%2F")), Route::Gallery);
    }

    #[wasm_bindgen_test]
    fn the_app_recognises_the_fragment_it_wrote_last() {
        mark_own("v=1&s=race1a&i=3");
        assert!(is_own("v=1&s=race1a&i=3"));
        assert!(!is_own("v=1&s=race1a&i=4"));
        mark_own("/");
        assert!(!is_own("v=1&s=race1a&i=3"));
    }

    #[wasm_bindgen_test]
    fn the_editor_and_the_lab_player_have_routes_of_their_own() {
        assert_eq!(Route::from_hash("#/edit/race1a"), Route::Edit("race1a".to_string()));
        assert_eq!(Route::from_hash("#/edit/new/"), Route::Edit("new".to_string()));
        assert_eq!(Route::from_hash("#/edit/"), Route::NotFound("#/edit/".to_string()));
        let link = "v=1&s=race1a&p=v5_10&t=a5b10cb12a3&i=25";
        assert_eq!(Route::from_hash(&format!("#/lab/{link}")), Route::Lab(link.to_string()));
    }
}
