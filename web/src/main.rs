//! racelab's browser UI: a client-side Leptos app, compiled to WebAssembly.
//!
//! `index.html` loads the wasm-bindgen glue, which calls `main`. The app mounts
//! into `<div id="app">`, replacing the "Loading…" text that is there until then.

mod app;
mod catalog;
mod pages;
mod panic;
mod route;
mod state;
mod ui;

use wasm_bindgen::JsCast;

fn main() {
    panic::install();
    catalog::mark("racelab:start");

    let document = leptos::prelude::document();
    match document.get_element_by_id("app") {
        Some(root) => {
            root.set_inner_html("");
            leptos::mount::mount_to(root.unchecked_into(), app::App).forget();
        }
        None => leptos::mount::mount_to_body(app::App),
    }
}
