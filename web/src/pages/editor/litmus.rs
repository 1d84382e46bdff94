//! "Paste a litmus test": a C litmus test (herd's format, as the kernel's
//! `tools/memory-model/litmus-tests/` write it) becomes a scenario through the core's importer;
//! what the importer cannot express is shown like a diagnostic, at its line and column.

use leptos::prelude::*;
use racelab_core::lab;

use crate::state::drafts::Draft;

/// The name the pasted test goes by.
const PASTED: &str = "pasted.litmus";

#[component]
pub fn LitmusImport(on_import: Callback<Draft>) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let import = move |_| {
        let src = text.get_untracked();
        match lab::litmus_to_scenario(PASTED, &src) {
            Ok(scenario) => {
                error.set(None);
                on_import.run(Draft::new_file("pasted.race", scenario));
            }
            Err(d) => error.set(Some(d.to_string())),
        }
    };
    view! {
        <div class="lab-litmus" data-testid="litmus-import">
            <label for="litmus-text">"A C litmus test (" <code>"C name"</code> ", " <code>"{ init }"</code> ", " <code>"P0(…) { … }"</code> ", " <code>"exists (…)"</code> "):"</label>
            <textarea
                id="litmus-text"
                rows="10"
                spellcheck="false"
                data-testid="litmus-text"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
            ></textarea>
            <div class="buttons">
                <button class="primary" data-testid="litmus-convert" on:click=import>
                    "import as a scenario"
                </button>
            </div>
            {move || error.get().map(|e| view! { <p class="notice" role="alert" data-testid="litmus-error">{e}</p> })}
        </div>
    }
}
