//! Files the page offers for download: text through a link to a blob, or a data URL (a PNG
//! drawn in a canvas). Every download of the app goes through here.

use leptos::prelude::{document, set_timeout};
use wasm_bindgen::JsCast;

pub const REFUSED: &str = "the browser refused the download";

/// Clicks a link to `url` that downloads as `name`.
pub fn click(url: &str, name: &str) -> Result<(), String> {
    let a: web_sys::HtmlAnchorElement = document().create_element("a").map_err(|_| REFUSED)?.dyn_into().map_err(|_| REFUSED)?;
    a.set_href(url);
    a.set_download(name);
    a.click();
    Ok(())
}

/// `text` as a blob of type `mime`.
pub fn blob_of(text: &str, mime: &str) -> Result<web_sys::Blob, String> {
    let parts = js_sys::Array::of1(&text.into());
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).map_err(|_| REFUSED.to_string())
}

/// Offers `text` as a file `name` of type `mime`. The blob's URL is let go a while later: a
/// browser may still be reading it when the click returns.
pub fn text(name: &str, text: &str, mime: &str) -> Result<(), String> {
    let url = web_sys::Url::create_object_url_with_blob(&blob_of(text, mime)?).map_err(|_| REFUSED)?;
    click(&url, name)?;
    set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(10),
    );
    Ok(())
}
