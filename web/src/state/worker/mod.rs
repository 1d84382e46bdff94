//! racelab's Web Worker (`src/bin/worker.rs`, built to `racelab_worker.js` and started by
//! `worker.js`), so that the core's long computations never freeze the page: the player's
//! explorer (here: one worker per search; cancelling terminates it, which stops even a search
//! between two progress messages), the gallery's verdicts (a pool, `state::verdicts`) and the
//! editor's diagnostics ([`checker`]). Raw `web_sys::Worker` with JSON strings ([`protocol`]):
//! the worker needs no framework (its wasm holds the core and serde only).

pub mod checker;
pub mod protocol;

use std::cell::RefCell;
use std::rc::Rc;

use racelab_core::lab::{schedule, VerdictKind};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::state::explorer::Summary;
pub use protocol::{Curve, Found, FromWorker, Job, ToWorker};

/// Where a running search is.
#[derive(Clone, Debug, PartialEq)]
pub struct Live {
    pub phase: String,
    pub states: u64,
    pub transitions: u64,
    pub depth: u32,
    pub ms: f64,
}

impl Live {
    /// States found per second so far.
    pub fn rate(&self) -> f64 {
        if self.ms > 0.0 {
            self.states as f64 * 1000.0 / self.ms
        } else {
            0.0
        }
    }
}

/// One started worker and the page's handlers of its messages. Messages are parsed here: a
/// handler gets a [`FromWorker`], or an error (the worker failed, or sent what does not read).
pub struct Conn {
    worker: Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Conn {
    /// Starts a worker (`worker.js`). Err when the browser refuses (no module workers, a
    /// Content-Security-Policy without `worker-src 'self'`); a worker that starts and then fails
    /// to load reports through `on_error`, or as [`FromWorker::Error`].
    pub fn spawn(on_message: impl FnMut(FromWorker) + 'static, on_error: impl FnMut(String) + 'static) -> Result<Conn, String> {
        let opts = WorkerOptions::new();
        opts.set_type(WorkerType::Module);
        let worker = Worker::new_with_options(&worker_url(), &opts).map_err(|e| format!("the worker did not start: {}", js_text(&e)))?;
        let on_error = Rc::new(RefCell::new(on_error));
        let mut on_message = on_message;
        let on_message = {
            let on_error = on_error.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
                match ev.data().as_string().and_then(|t| serde_json::from_str::<FromWorker>(&t).ok()) {
                    Some(msg) => on_message(msg),
                    None => (on_error.borrow_mut())("the worker sent a message that does not read".to_string()),
                }
            })
        };
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            let what = ev
                .dyn_ref::<web_sys::ErrorEvent>()
                .map(|e| e.message())
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| "it stopped".to_string());
            (on_error.borrow_mut())(format!("the worker failed: {what}"))
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Conn { worker, _on_message: on_message, _on_error: on_error })
    }

    /// Posts `msg` as JSON.
    pub fn post(&self, msg: &ToWorker) {
        if let Ok(text) = serde_json::to_string(msg) {
            let _ = self.worker.post_message(&JsValue::from_str(&text));
        }
    }

    /// Stops the worker at once, whatever it is doing.
    pub fn terminate(&self) {
        self.worker.terminate();
    }
}

/// A thrown JavaScript value as text.
pub fn js_text(v: &JsValue) -> String {
    v.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).or_else(|| v.as_string()).unwrap_or_else(|| format!("{v:?}"))
}

/// The summary of a report that travelled, its trace read back for `threads` threads.
pub fn summary(found: Found, threads: usize) -> Summary {
    let verdict = match found.verdict.as_str() {
        "violated" => VerdictKind::Violated,
        "safe" => VerdictKind::Safe,
        _ => VerdictKind::Unknown,
    };
    let trace = found.trace.and_then(|t| schedule::decode(&t, threads).ok());
    Summary {
        verdict,
        bound: found.bound,
        invariant: found.invariant,
        trace,
        states: found.states,
        transitions: found.transitions,
        depth: found.depth,
        ms: found.ms,
    }
}

/// A running search; [`Handle::cancel`] stops it. Dropping it does not.
#[derive(Clone)]
pub struct Handle(Rc<RefCell<Option<Conn>>>);

impl Handle {
    pub fn cancel(&self) {
        if let Some(c) = self.0.borrow().as_ref() {
            c.terminate();
        }
    }
}

type OnDone = Box<dyn FnOnce(Result<Summary, String>, Curve)>;

/// Starts `job` in a new worker. `threads` is the program's thread count (to read the trace
/// back). `on_progress` is called about every 100 ms; `on_done` once, unless cancelled.
pub fn start(
    job: Job,
    threads: usize,
    on_progress: impl Fn(Live, Curve) + 'static,
    on_done: impl FnOnce(Result<Summary, String>, Curve) + 'static,
) -> Result<Handle, String> {
    let slot: Rc<RefCell<Option<Conn>>> = Rc::new(RefCell::new(None));
    let done: Rc<RefCell<Option<OnDone>>> = Rc::new(RefCell::new(Some(Box::new(on_done))));
    let finish = {
        let slot = Rc::downgrade(&slot);
        move |r: Result<Summary, String>, curve: Curve| {
            if let Some(s) = slot.upgrade() {
                if let Some(c) = s.try_borrow().ok().as_ref().and_then(|c| c.as_ref()) {
                    c.terminate();
                }
            }
            if let Some(f) = done.borrow_mut().take() {
                f(r, curve);
            }
        }
    };
    let finish = Rc::new(finish);
    let job = ToWorker::Explore(job);
    let on_message = {
        let finish = finish.clone();
        let slot = Rc::downgrade(&slot);
        move |msg: FromWorker| match msg {
            FromWorker::Ready => {
                if let Some(s) = slot.upgrade() {
                    if let Some(c) = s.borrow().as_ref() {
                        c.post(&job)
                    }
                }
            }
            FromWorker::Progress { phase, states, transitions, depth, ms, curve } => {
                on_progress(Live { phase, states, transitions, depth, ms }, curve)
            }
            FromWorker::Done { found, curve } => finish(Ok(summary(found, threads)), curve),
            FromWorker::Error(e) => finish(Err(e), Vec::new()),
            FromWorker::Verdict { .. } | FromWorker::Checked { .. } => {
                finish(Err("the explorer's worker answered another question".to_string()), Vec::new())
            }
        }
    };
    let on_error = move |e: String| finish(Err(format!("the explorer's {}", e.trim_start_matches("the "))), Vec::new());
    let conn = Conn::spawn(on_message, on_error).map_err(|e| format!("the explorer's {}", e.trim_start_matches("the ")))?;
    *slot.borrow_mut() = Some(conn);
    Ok(Handle(slot))
}

/// `worker.js` next to the page, with the cache-busting version `index.html` gives it.
fn worker_url() -> String {
    let doc = leptos::prelude::document();
    let href = doc
        .query_selector("meta[name=\"racelab-worker\"]")
        .ok()
        .flatten()
        .and_then(|m| m.get_attribute("content"))
        .unwrap_or_else(|| "./worker.js".to_string());
    let base = doc.base_uri().ok().flatten().unwrap_or_default();
    web_sys::Url::new_with_base(&href, &base).map(|u| u.href()).unwrap_or(href)
}
