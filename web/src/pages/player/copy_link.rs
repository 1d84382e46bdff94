//! The button that copies the link to exactly this view: the whole URL, with the notes and
//! presentation mode, and for an edited run its files (the core's version 2 `src=`), with the
//! link's length beside it. A link too long for a mail is not offered: the edited files are.

use leptos::prelude::*;

use super::ctx::Ctx;
use crate::state::share::{self, Shared, MAX_SHARED_LINK};

/// `296 bytes`, `9.1 KB`.
pub fn size_text(bytes: usize) -> String {
    if bytes < 1024 {
        format!("{bytes} bytes")
    } else {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    }
}

#[component]
pub fn CopyLinkButton() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let status = RwSignal::new(None::<String>);
    // What "copy link" would give now (the core makes the link; it changes with the step and
    // the notes).
    let shared = Memo::new(move |_| {
        ctx.step.track();
        ctx.notes.track();
        ctx.present.track();
        ctx.session.track();
        share::share(&ctx.link())
    });
    let copy = move |_| {
        let fragment = match shared.get_untracked() {
            Ok(Shared::Link(f)) => f,
            Ok(Shared::TooLong(n)) => {
                status.set(Some(format!("the link would have {}, more than a mail passes on unbroken", size_text(n))));
                return;
            }
            Err(e) => {
                status.set(Some(e));
                return;
            }
        };
        let window = window();
        let location = window.location();
        let url = share::full_url(&location.origin().unwrap_or_default(), &location.pathname().unwrap_or_default(), &fragment);
        let promise = window.navigator().clipboard().write_text(&url);
        leptos::task::spawn_local(async move {
            let ok = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
            if status.is_disposed() {
                return;
            }
            status.set(Some(if ok { "copied".to_string() } else { "copy failed: take it from the address bar".to_string() }));
            set_timeout(
                move || {
                    if !status.is_disposed() {
                        status.set(None)
                    }
                },
                std::time::Duration::from_millis(2500),
            );
        });
    };
    let too_long = move || matches!(shared.get(), Ok(Shared::TooLong(_)));
    let length = move || match shared.get() {
        Ok(Shared::Link(f)) => format!("link: {}", size_text(f.len())),
        Ok(Shared::TooLong(n)) => format!("link: {}, over {}", size_text(n), size_text(MAX_SHARED_LINK)),
        Err(_) => String::new(),
    };
    let edits = move || ctx.session.with(|s| s.edits.clone());
    let download = move |_| {
        let files = edits();
        if files.is_empty() {
            status.set(Some("the notes make the link too long: shorten or remove some".to_string()));
            return;
        }
        for (path, text) in files {
            if let Err(e) = crate::ui::download::text(path.rsplit('/').next().unwrap_or(&path), &text, "text/plain;charset=utf-8") {
                status.set(Some(e));
            }
        }
    };
    view! {
        <div class="copy-link">
            <button data-testid="copy-link" on:click=copy title="copy the link to exactly this view" disabled=too_long>
                "copy link"
            </button>
            {move || {
                too_long()
                    .then(|| {
                        view! {
                            <button data-testid="download-race" on:click=download title="the link would be too long for a mail: share the files instead">
                                "download the .race files"
                            </button>
                        }
                    })
            }}
            <span class="link-length muted" data-testid="link-length">
                {length}
            </span>
            <span class="copy-status" data-testid="copy-status" role="status">
                {move || status.get()}
            </span>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn a_size_reads_in_bytes_then_kilobytes() {
        assert_eq!(size_text(296), "296 bytes");
        assert_eq!(size_text(8 * 1024 + 100), "8.1 KB");
    }
}
