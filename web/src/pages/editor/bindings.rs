//! The CodeMirror editor bundle (`editor.js`, built from `web/editor/`), loaded on demand with
//! a dynamic `import()` from a wasm-bindgen snippet (a file of its own, so the page's
//! Content-Security-Policy needs no inline script), and driven through its small API.

use js_sys::{Array, Function, Object, Promise, Reflect};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(inline_js = "export function import_editor() {
  const m = document.querySelector('meta[name=\"racelab-editor\"]');
  return import(new URL(m ? m.content : './editor.js', document.baseURI).href);
}")]
extern "C" {
    fn import_editor() -> Promise;
}

#[wasm_bindgen]
extern "C" {
    /// What `createEditor` returns.
    pub type EditorHandle;
    #[wasm_bindgen(method, js_name = getText)]
    fn get_text(this: &EditorHandle) -> String;
    #[wasm_bindgen(method, js_name = setText)]
    fn set_text(this: &EditorHandle, text: &str, opts: &JsValue);
    #[wasm_bindgen(method, js_name = setDiagnostics)]
    fn set_diagnostics(this: &EditorHandle, list: &JsValue);
    #[wasm_bindgen(method, js_name = revealLine)]
    fn reveal_line(this: &EditorHandle, line: u32);
    #[wasm_bindgen(method)]
    fn focus(this: &EditorHandle);
    #[wasm_bindgen(method)]
    fn destroy(this: &EditorHandle);
}

/// One diagnostic as the editor takes it (1-based line and column, in chars).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Marker {
    pub line: u32,
    pub col: u32,
    pub severity: &'static str,
    pub message: String,
}

/// A live editor; dropping it removes it from the page.
pub struct Editor {
    handle: EditorHandle,
    _on_change: Closure<dyn FnMut(String)>,
}

impl Drop for Editor {
    fn drop(&mut self) {
        self.handle.destroy();
    }
}

impl Editor {
    /// Loads the bundle (once; the browser caches the module) and creates an editor at the end
    /// of `parent`, holding `doc`. `on_change` gets the whole text after each pause in typing.
    pub async fn create(
        parent: &web_sys::HtmlElement,
        doc: &str,
        words: (&[&str], &[&str]),
        on_change: impl FnMut(String) + 'static,
    ) -> Result<Editor, String> {
        let module = JsFuture::from(import_editor()).await.map_err(|e| format!("the editor did not load: {}", describe(&e)))?;
        let create: Function =
            Reflect::get(&module, &"createEditor".into()).ok().and_then(|f| f.dyn_into().ok()).ok_or("editor.js has no createEditor")?;
        let on_change = Closure::<dyn FnMut(String)>::new(on_change);
        let language = Object::new();
        let list = |w: &[&str]| w.iter().map(|s| JsValue::from_str(s)).collect::<Array>();
        set(&language, "keywords", &Array::new());
        set(&language, "primitives", &list(words.0));
        set(&language, "values", &list(words.1));
        let opts = Object::new();
        set(&opts, "doc", &doc.into());
        set(&opts, "onChange", on_change.as_ref());
        set(&opts, "debounceMs", &JsValue::from_f64(250.0));
        set(&opts, "language", &language);
        set(&opts, "ariaLabel", &"Scenario source".into());
        let handle = create.call2(&JsValue::NULL, parent, &opts).map_err(|e| format!("the editor did not start: {}", describe(&e)))?;
        Ok(Editor { handle: handle.unchecked_into(), _on_change: on_change })
    }

    pub fn text(&self) -> String {
        self.handle.get_text()
    }

    /// Shows another file: a fresh undo history.
    pub fn open(&self, text: &str) {
        let opts = Object::new();
        set(&opts, "resetHistory", &JsValue::TRUE);
        self.handle.set_text(text, &opts);
    }

    pub fn set_markers(&self, markers: &[Marker]) {
        let list = serde_json::to_string(markers).ok().and_then(|t| js_sys::JSON::parse(&t).ok()).unwrap_or_else(|| Array::new().into());
        self.handle.set_diagnostics(&list);
    }

    pub fn reveal(&self, line: u32) {
        self.handle.reveal_line(line);
        self.handle.focus();
    }
}

fn set(o: &Object, key: &str, v: &JsValue) {
    let _ = Reflect::set(o, &key.into(), v);
}

fn describe(e: &JsValue) -> String {
    e.as_string().or_else(|| e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message()))).unwrap_or_else(|| format!("{e:?}"))
}
