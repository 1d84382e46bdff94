//! The "Export" menu: the run taken out of racelab as the core writes it, byte for byte what the
//! CLI prints for the same link (`racelab diagram`, `diagram --mail`, `render`, `export
//! --format perfetto`): the LKML diagram and the mail to the clipboard, the slide of the current
//! step as SVG (and as PNG at 2×, the SVG drawn into a canvas), the Perfetto trace as JSON. When
//! the browser refuses the clipboard, the text is shown selected in a box to copy by hand.

use leptos::prelude::*;
use racelab_core::lab::{self, DiagramOptions, MailOptions};
use wasm_bindgen::JsCast;

use super::ctx::Ctx;
use crate::state::lab::library_with_edits;
use crate::state::session::Session;
use crate::ui::download::{blob_of, click as click_download, text as download_text, REFUSED};

/// The LKML diagram of the run, at the default width (72) in pure ASCII: `racelab diagram`.
pub fn diagram_text(s: &Session) -> Result<String, String> {
    lab::diagram(&s.opened, &DiagramOptions::default()).map_err(|e| e.to_string())
}

/// The mail about the run, its link under `base` (the page's address without the fragment):
/// `racelab diagram --mail --base BASE`. An edited scenario's link carries its files (`src=`).
pub fn mail_text(s: &Session, base: &str) -> Result<String, String> {
    let lib = library_with_edits(&s.edits);
    let opts = MailOptions { base: Some(base.to_string()), ..Default::default() };
    lab::mail(lib, &s.opened, &opts).map_err(|e| e.to_string())
}

/// The file name of an export: `race1a-v5_10-step12.svg`, `race1a-v5_10.json`.
pub fn file_name(s: &Session, step: Option<usize>, ext: &str) -> String {
    let clean = |t: &str| t.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect::<String>();
    let base = format!("{}-{}", clean(s.scenario_id()), clean(s.policy()));
    match step {
        Some(i) => format!("{base}-step{i}.{ext}"),
        None => format!("{base}.{ext}"),
    }
}

/// The page's address without its fragment: where the app is published.
fn page_base() -> String {
    let href = window().location().href().unwrap_or_default();
    href.split('#').next().unwrap_or_default().to_string()
}

/// Draws `svg` into a canvas at `scale` times its size and offers it as the PNG `name`.
async fn download_png(svg: String, name: String, scale: f64) -> Result<(), String> {
    let failed = |what: &str| format!("the PNG could not be drawn: {what}");
    let url = web_sys::Url::create_object_url_with_blob(&blob_of(&svg, "image/svg+xml")?).map_err(|_| REFUSED)?;
    let img = web_sys::HtmlImageElement::new().map_err(|_| failed("no image element"))?;
    img.set_src(&url);
    let decoded = wasm_bindgen_futures::JsFuture::from(img.decode()).await;
    let _ = web_sys::Url::revoke_object_url(&url);
    decoded.map_err(|_| failed("the browser could not read the SVG"))?;
    let (w, h) = match (img.natural_width(), img.natural_height()) {
        (0, _) | (_, 0) => (1920.0, 1080.0),
        (w, h) => (w as f64, h as f64),
    };
    let canvas: web_sys::HtmlCanvasElement =
        document().create_element("canvas").map_err(|_| failed("no canvas"))?.dyn_into().map_err(|_| failed("no canvas"))?;
    canvas.set_width((w * scale) as u32);
    canvas.set_height((h * scale) as u32);
    let ctx: web_sys::CanvasRenderingContext2d =
        canvas.get_context("2d").ok().flatten().and_then(|c| c.dyn_into().ok()).ok_or_else(|| failed("no 2D canvas"))?;
    ctx.draw_image_with_html_image_element_and_dw_and_dh(&img, 0.0, 0.0, w * scale, h * scale)
        .map_err(|_| failed("drawing the SVG failed"))?;
    let data = canvas.to_data_url_with_type("image/png").map_err(|_| failed("the canvas gave no PNG"))?;
    click_download(&data, &name)
}

/// What the menu last did: a confirmation, an error, or text to copy by hand.
#[derive(Clone, Debug, PartialEq)]
enum Status {
    Done(String),
    Failed(String),
    /// The clipboard was refused: the text, shown selected, and what it is.
    CopyByHand {
        what: &'static str,
        text: String,
    },
}

#[component]
pub fn ExportMenu() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let status = RwSignal::new(None::<Status>);
    let flash = move |s: Status| {
        status.set(Some(s));
    };

    let copy = move |what: &'static str, text: Result<String, String>| {
        let text = match text {
            Ok(t) => t,
            Err(e) => return flash(Status::Failed(e)),
        };
        let promise = window().navigator().clipboard().write_text(&text);
        leptos::task::spawn_local(async move {
            let ok = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
            if status.is_disposed() {
                return;
            }
            if ok {
                flash(Status::Done(format!("copied {what}")));
            } else {
                flash(Status::CopyByHand { what, text });
            }
        });
    };
    let copy_text = move |_| copy("the diagram", ctx.session.with_untracked(|s| diagram_text(s)));
    let copy_mail = move |_| copy("the mail", ctx.session.with_untracked(|s| mail_text(s, &page_base())));
    let download = move |result: Result<(), String>, what: &str| match result {
        Ok(()) => flash(Status::Done(format!("downloaded {what}"))),
        Err(e) => flash(Status::Failed(e)),
    };
    let slide = move || {
        let i = ctx.step.get_untracked();
        ctx.session
            .with_untracked(|s| lab::slide_svg(&s.opened, i).map(|svg| (svg, file_name(s, Some(i), "svg"))).map_err(|e| e.to_string()))
    };
    let svg = move |_| download(slide().and_then(|(svg, name)| download_text(&name, &svg, "image/svg+xml")), "the slide (SVG)");
    let png = move |_| match slide() {
        Err(e) => flash(Status::Failed(e)),
        Ok((svg, name)) => {
            let name = name.replace(".svg", "@2x.png");
            flash(Status::Done("drawing the slide…".into()));
            leptos::task::spawn_local(async move {
                let r = download_png(svg, name, 2.0).await;
                if !status.is_disposed() {
                    download(r, "the slide (PNG 2×)");
                }
            });
        }
    };
    let perfetto = move |_| {
        let r = ctx.session.with_untracked(|s| {
            let json = lab::perfetto_json(&s.opened, None).map_err(|e| e.to_string())?;
            download_text(&file_name(s, None, "json"), &json, "application/json")
        });
        download(r, "the Perfetto trace")
    };

    let fallback = move || match status.get() {
        Some(Status::CopyByHand { what, text }) => {
            let area = NodeRef::<leptos::html::Textarea>::new();
            // Selected as it appears, for Ctrl+C.
            let all = text.clone();
            area.on_load(move |el| {
                let el: &web_sys::HtmlTextAreaElement = &el;
                el.set_value(&all);
                let _ = el.focus();
                el.select();
            });
            Some(view! {
                <div class="export-fallback">
                    <label for="export-fallback">{format!("The browser refused the clipboard: copy {what} from here (selected, Ctrl+C)")}</label>
                    <textarea id="export-fallback" data-testid="export-fallback" readonly rows="12" node_ref=area prop:value=text></textarea>
                </div>
            })
        }
        _ => None,
    };
    let line = move || match status.get() {
        Some(Status::Done(t)) => Some(view! { <span class="export-ok">{t}</span> }.into_any()),
        Some(Status::Failed(t)) => Some(view! { <span class="export-error">{format!("export failed: {t}")}</span> }.into_any()),
        _ => None,
    };
    view! {
        <details class="export-menu" data-testid="export-menu">
            <summary data-testid="export-toggle">"Export"</summary>
            <div class="export-items" role="group" aria-label="export this run">
                <button data-testid="export-text" on:click=copy_text title="the LKML diagram, 72 columns, pure ASCII">
                    "copy as text"
                </button>
                <button data-testid="export-mail" on:click=copy_mail title="scenario, diagram, verdict, link and sources, as plain text">
                    "copy for mail"
                </button>
                <button data-testid="export-svg" on:click=svg title="the current step as a 1920×1080 slide">
                    "download slide (SVG)"
                </button>
                <button data-testid="export-png" on:click=png title="the same slide as a 3840×2160 PNG">
                    "download slide (PNG 2×)"
                </button>
                <button data-testid="export-perfetto" on:click=perfetto title="Chrome trace-event JSON, for ui.perfetto.dev">
                    "download Perfetto trace"
                </button>
                <p class="export-status" data-testid="export-status" role="status">
                    {line}
                </p>
                {fallback}
            </div>
        </details>
    }
}

/// What printing the player adds: the diagram (the same text as "copy as text"), shown only on
/// paper; and, while printing, the state panels at the step where the run breaks (the current
/// step when nothing breaks), back to the step shown afterwards.
#[component]
pub fn PrintHandout() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let before = StoredValue::new(None::<usize>);
    let a = window_event_listener_untyped("beforeprint", move |_| {
        if !ctx.alive() {
            return;
        }
        if let Some(v) = ctx.violation() {
            // Only the first of nested print sequences remembers where the player was.
            if before.get_value().is_none() {
                before.set_value(Some(ctx.step.get_untracked()));
            }
            ctx.playing.set(false);
            ctx.go(v);
        }
    });
    let b = window_event_listener_untyped("afterprint", move |_| {
        if let Some(i) = before.try_get_value().flatten() {
            before.set_value(None);
            ctx.go(i);
        }
    });
    on_cleanup(move || {
        a.remove();
        b.remove();
    });
    let text = move || ctx.session.with(|s| diagram_text(s).unwrap_or_else(|e| format!("(no diagram: {e})")));
    view! {
        <section class="print-only print-handout" data-testid="print-handout" aria-hidden="true">
            <h3>"The run, step by step"</h3>
            <pre class="print-diagram" data-testid="print-diagram">{text}</pre>
            <h3>{move || ctx.violation().map(|v| format!("The state at step {v}, where it breaks")).unwrap_or_else(|| "The state at the step shown".to_string())}</h3>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn the_diagram_copied_is_the_cores_at_72_columns_and_names_the_break() {
        let (s, _) = Session::from_link("v=1&s=race1a&p=v5_10&tr=lost_write&i=12").expect("opens");
        let text = diagram_text(&s).expect("draws");
        assert!(text.lines().all(|l| l.chars().count() <= 72), "{text}");
        assert!(text.contains("no_lost_write"), "{text}");
        assert!(text.is_ascii());
    }

    #[wasm_bindgen_test]
    fn the_mail_links_under_the_pages_address() {
        let (s, _) = Session::from_link("v=1&s=race1a&p=v5_10&tr=lost_write&i=12").expect("opens");
        let mail = mail_text(&s, "https://example.org/racelab/").expect("writes");
        assert!(mail.contains("https://example.org/racelab/#v="), "{mail}");
    }

    #[wasm_bindgen_test]
    fn export_files_are_named_by_scenario_policy_and_step() {
        let (s, _) = Session::from_link("v=1&s=race1a&p=v5_10&tr=lost_write&i=12").expect("opens");
        assert_eq!(file_name(&s, Some(12), "svg"), "race1a-v5_10-step12.svg");
        assert_eq!(file_name(&s, None, "json"), "race1a-v5_10.json");
    }
}
