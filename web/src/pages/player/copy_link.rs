//! The button that copies the link to exactly this view.

use leptos::prelude::*;

use super::ctx::Ctx;
use crate::state::share;

#[component]
pub fn CopyLinkButton() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let status = RwSignal::new(None::<String>);
    let copy = move |_| {
        let window = window();
        let link = ctx.session.with_untracked(|s| share::share_link(s, ctx.step.get_untracked()));
        let fragment = match link {
            Ok(f) => f,
            Err(e) => {
                status.set(Some(e));
                return;
            }
        };
        let href = window.location().href().unwrap_or_default();
        let url = format!("{}#{fragment}", href.split('#').next().unwrap_or_default());
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
