//! The explorer in a Web Worker (`src/bin/worker.rs`, built to `racelab_worker.js` and started
//! by `worker.js`), so that a search of millions of states never freezes the page. One worker
//! per search: cancelling terminates it, which stops even a search between two progress
//! messages. Raw `web_sys::Worker` with JSON strings: the protocol is three messages, and the
//! worker needs no framework (its wasm holds the core and serde only).

pub mod protocol;

use std::cell::RefCell;
use std::rc::Rc;

use racelab_core::lab::{schedule, VerdictKind};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::state::explorer::Summary;
pub use protocol::{Curve, FromWorker, Job};

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

struct Inner {
    worker: Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

/// A running search; [`Handle::cancel`] stops it. Dropping it does not.
#[derive(Clone)]
pub struct Handle(Rc<Inner>);

impl Handle {
    pub fn cancel(&self) {
        self.0.worker.terminate();
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
    let opts = WorkerOptions::new();
    opts.set_type(WorkerType::Module);
    let url = worker_url();
    let worker = Worker::new_with_options(&url, &opts).map_err(|e| format!("the explorer's worker did not start: {e:?}"))?;
    let done: Rc<RefCell<Option<OnDone>>> = Rc::new(RefCell::new(Some(Box::new(on_done))));
    let finish = {
        let done = done.clone();
        let worker = worker.clone();
        move |r: Result<Summary, String>, curve: Curve| {
            worker.terminate();
            if let Some(f) = done.borrow_mut().take() {
                f(r, curve);
            }
        }
    };
    let finish = Rc::new(RefCell::new(Some(finish)));
    let job_text = serde_json::to_string(&job).map_err(|e| e.to_string())?;
    let on_message = {
        let worker = worker.clone();
        let finish = finish.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let msg = ev.data().as_string().and_then(|t| serde_json::from_str::<FromWorker>(&t).ok());
            let end = |r, c| {
                if let Some(f) = finish.borrow_mut().take() {
                    f(r, c)
                }
            };
            match msg {
                Some(FromWorker::Ready) => {
                    let _ = worker.post_message(&JsValue::from_str(&job_text));
                }
                Some(FromWorker::Progress { phase, states, transitions, depth, ms, curve }) => {
                    on_progress(Live { phase, states, transitions, depth, ms }, curve)
                }
                Some(FromWorker::Done { verdict, bound, invariant, trace, states, transitions, depth, ms, curve }) => {
                    let verdict = match verdict.as_str() {
                        "violated" => VerdictKind::Violated,
                        "safe" => VerdictKind::Safe,
                        _ => VerdictKind::Unknown,
                    };
                    let trace = trace.and_then(|t| schedule::decode(&t, threads).ok());
                    end(Ok(Summary { verdict, bound, invariant, trace, states, transitions, depth, ms }), curve)
                }
                Some(FromWorker::Error(e)) => end(Err(e), Vec::new()),
                None => end(Err("the explorer's worker sent a message that does not read".to_string()), Vec::new()),
            }
        })
    };
    let on_error = {
        let finish = finish.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            let what = ev.dyn_ref::<web_sys::ErrorEvent>().map(|e| e.message()).unwrap_or_else(|| "it stopped".to_string());
            if let Some(f) = finish.borrow_mut().take() {
                f(Err(format!("the explorer's worker failed: {what}")), Vec::new())
            }
        })
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Ok(Handle(Rc::new(Inner { worker, _on_message: on_message, _on_error: on_error })))
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
