//! The editor page: edit a catalog scenario and the kernel files it `use`s (one tab each), a
//! new scenario from a template, a file opened from disk or a pasted C litmus test. The core
//! checks the draft as the user types (`lab::check_edits`) and its diagnostics appear at
//! file:line:col; "run" opens the edited scenario in the player. The draft is saved in the
//! browser on every change.
//!
//! * `#/edit/<id>`: the catalog scenario `<id>` (or the draft, if it is a draft of that file);
//! * `#/edit/new`: a new scenario from the template;
//! * `#/edit/draft`: the draft saved in this browser.
//!
//! Replacing a draft that holds changes asks first, in the page.

mod bindings;
mod files;
mod litmus;
mod workbench;

use leptos::prelude::*;

use crate::catalog::catalog;
use crate::state::drafts::Draft;
use workbench::Workbench;

/// The template of `#/edit/new`.
pub const TEMPLATE: &str = include_str!("template.race");
/// The file a new scenario is in.
pub const NEW_FILE: &str = "mine.race";

/// What `#/edit/<what>` asks to edit: a draft, or why it cannot.
fn wanted(what: &str) -> Result<Draft, String> {
    match what {
        "draft" => Draft::load().ok_or_else(|| "there is no draft in this browser".to_string()),
        "new" => Ok(Draft::new_file(NEW_FILE, TEMPLATE.to_string())),
        id => match catalog().scenario(id) {
            Some(sc) => Ok(Draft::of_catalog_file(&sc.file)),
            None => Err(format!("there is no scenario `{id}` to edit (scenarios: {})", catalog().ids().join(", "))),
        },
    }
}

#[component]
pub fn EditorPage(what: String) -> impl IntoView {
    let saved = Draft::load();
    let wanted = wanted(&what);
    // The draft to start from: the saved one when it is a draft of what is asked for; the one
    // asked for when nothing is saved or the user has not typed into the saved one; else ask.
    let start: Result<Option<Draft>, String> = match (wanted, saved) {
        (Err(e), _) => Err(e),
        (Ok(w), Some(s)) if what == "draft" || (s.main == w.main && what != "new") => Ok(Some(s)),
        (Ok(w), Some(s)) if s.changed && s.files != w.files => Ok(None),
        (Ok(w), _) => Ok(Some(w)),
    };
    let draft = RwSignal::new(None::<Draft>);
    let error = RwSignal::new(None::<String>);
    match start {
        Ok(Some(d)) => draft.set(Some(d)),
        Ok(None) => {}
        Err(e) => error.set(Some(e)),
    }
    let what_for_confirm = what.clone();
    let discard = move |_| {
        if let Ok(w) = self::wanted(&what_for_confirm) {
            Draft::clear();
            w.save();
            draft.set(Some(w));
        }
    };
    let saved_main = Draft::load().map(|d| d.main).unwrap_or_default();
    view! {
        <section class="editor-page" data-testid="editor-page">
            <p class="crumbs">
                <a href="#/" data-testid="back-to-gallery">
                    "← all races"
                </a>
            </p>
            {move || {
                if let Some(e) = error.get() {
                    return view! {
                        <div class="error-view" role="alert" data-testid="editor-error">
                            <h2>"Nothing to edit here"</h2>
                            <p class="error-message">{e}</p>
                            <p>
                                <a href="#/edit/new" data-testid="editor-new">"Start a new scenario"</a>
                                " or pick one in "
                                <a href="#/">"the gallery"</a>
                                "."
                            </p>
                        </div>
                    }
                    .into_any();
                }
                match draft.get() {
                    Some(d) => view! { <Workbench draft=d/> }.into_any(),
                    None => view! {
                        <div class="confirm" role="alertdialog" aria-labelledby="confirm-title" data-testid="draft-confirm">
                            <h2 id="confirm-title">"You have an unsaved draft"</h2>
                            <p>
                                "This browser holds a draft of " <code>{saved_main.clone()}</code>
                                " with changes. Opening another scenario replaces it."
                            </p>
                            <div class="buttons">
                                <a class="button primary" href="#/edit/draft" data-testid="draft-keep">
                                    "open my draft"
                                </a>
                                <button data-testid="draft-discard" on:click=discard.clone()>
                                    "discard it and edit this one"
                                </button>
                            </div>
                        </div>
                    }
                    .into_any(),
                }
            }}
        </section>
    }
}
