//! The button that copies the link to exactly this view.

use leptos::prelude::*;

#[component]
pub fn CopyLinkButton() -> impl IntoView {
    let status = RwSignal::new(None::<String>);
    let copy = move |_| {
        let window = window();
        let url = window.location().href().unwrap_or_default();
        let clipboard = window.navigator().clipboard();
        let promise = clipboard.write_text(&url);
        leptos::task::spawn_local(async move {
            let ok = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
            status.set(Some(if ok { "copied".to_string() } else { "copy failed: take it from the address bar".to_string() }));
            set_timeout(move || status.set(None), std::time::Duration::from_millis(2500));
        });
    };
    view! {
        <div class="copy-link">
            <button data-testid="copy-link" on:click=copy title="copy the link to exactly this view">
                "copy link"
            </button>
            <span class="copy-status" data-testid="copy-status" role="status">
                {move || status.get()}
            </span>
        </div>
    }
}
