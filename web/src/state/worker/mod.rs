//! racelab's Web Worker (`src/bin/worker.rs`, built to `racelab_worker.js` and started by
//! `worker.js`), so that the core's long computations never freeze the page: the player's
//! explorer (here: one worker per search, started and warmed up before the search needs it;
//! cancelling terminates it, which stops even a search between two progress messages), the
//! gallery's verdicts (a pool, `state::verdicts`) and the editor's diagnostics ([`checker`]). Raw `web_sys::Worker` with JSON strings ([`protocol`]):
//! the worker needs no framework (its wasm holds the core and serde only).

pub mod checker;
pub mod protocol;

use std::cell::{Cell, RefCell};
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

type OnMessage = Box<dyn FnMut(FromWorker)>;
type OnError = Box<dyn FnMut(String)>;

/// A started explorer's worker and where its messages go. Until a search takes it, it is the
/// spare: when it is ready it warms up ([`ToWorker::Warm`]), and an error marks it failed.
/// Once taken, its messages go to the search's handlers.
struct Explorer {
    conn: RefCell<Option<Conn>>,
    ready: Cell<bool>,
    failed: Cell<bool>,
    on_message: RefCell<Option<OnMessage>>,
    on_error: RefCell<Option<OnError>>,
}

impl Explorer {
    fn spawn() -> Result<Rc<Explorer>, String> {
        let ex = Rc::new(Explorer {
            conn: RefCell::new(None),
            ready: Cell::new(false),
            failed: Cell::new(false),
            on_message: RefCell::new(None),
            on_error: RefCell::new(None),
        });
        let to_message = Rc::downgrade(&ex);
        let to_error = Rc::downgrade(&ex);
        let conn = Conn::spawn(
            move |msg| {
                if let Some(ex) = to_message.upgrade() {
                    ex.on_message(msg)
                }
            },
            move |e| {
                if let Some(ex) = to_error.upgrade() {
                    ex.on_error(e)
                }
            },
        )?;
        *ex.conn.borrow_mut() = Some(conn);
        Ok(ex)
    }

    fn post(&self, msg: &ToWorker) {
        if let Some(c) = self.conn.borrow().as_ref() {
            c.post(msg)
        }
    }

    fn terminate(&self) {
        if let Some(c) = self.conn.try_borrow().ok().as_ref().and_then(|c| c.as_ref()) {
            c.terminate();
        }
    }

    fn on_message(&self, msg: FromWorker) {
        if msg == FromWorker::Ready {
            self.ready.set(true);
        }
        // The handler is taken out while it runs, so that it may post to this worker or end it.
        let taken = self.on_message.borrow_mut().take();
        match taken {
            Some(mut handle) => {
                handle(msg);
                self.on_message.borrow_mut().get_or_insert(handle);
            }
            None => match msg {
                FromWorker::Ready => self.post(&ToWorker::Warm),
                FromWorker::Error(_) => self.failed.set(true),
                _ => {}
            },
        }
    }

    fn on_error(&self, e: String) {
        let taken = self.on_error.borrow_mut().take();
        match taken {
            Some(mut handle) => {
                handle(e);
                self.on_error.borrow_mut().get_or_insert(handle);
            }
            None => self.failed.set(true),
        }
    }
}

thread_local! {
    /// The next search's worker, started (and warmed up) ahead of it: see [`prepare`].
    static SPARE: RefCell<Option<Rc<Explorer>>> = const { RefCell::new(None) };
}

/// Starts the next search's worker now, unless one is waiting: it loads, reads the catalog and
/// warms up while the user reads, so that a search starts at once, at full speed. (A worker's
/// first search ran at two thirds of the speed of a second one; see `ToWorker::Warm`.) The
/// player calls this when its explorer panel opens, and again after each search.
pub fn prepare() {
    SPARE.with(|spare| {
        let mut spare = spare.borrow_mut();
        if spare.as_ref().is_none_or(|s| s.failed.get()) {
            *spare = Explorer::spawn().ok();
        }
    });
}

/// A running search; [`Handle::cancel`] stops it. Dropping it does not.
#[derive(Clone)]
pub struct Handle(Rc<Explorer>);

impl Handle {
    pub fn cancel(&self) {
        self.0.terminate();
    }
}

type OnDone = Box<dyn FnOnce(Result<Summary, String>, Curve)>;

/// Starts `job` on the spare worker if one is waiting (see [`prepare`]), else in a new one.
/// `threads` is the program's thread count (to read the trace back). `on_progress` is called
/// about every 100 ms; `on_done` once, unless cancelled. The worker ends with the search.
pub fn start(
    job: Job,
    threads: usize,
    on_progress: impl Fn(Live, Curve) + 'static,
    on_done: impl FnOnce(Result<Summary, String>, Curve) + 'static,
) -> Result<Handle, String> {
    let spare = SPARE.with(|s| s.borrow_mut().take()).filter(|s| !s.failed.get());
    let ex = match spare {
        Some(ex) => ex,
        None => Explorer::spawn().map_err(|e| format!("the explorer's {}", e.trim_start_matches("the ")))?,
    };
    let done: Rc<RefCell<Option<OnDone>>> = Rc::new(RefCell::new(Some(Box::new(on_done))));
    let finish = {
        let ex = Rc::downgrade(&ex);
        move |r: Result<Summary, String>, curve: Curve| {
            if let Some(ex) = ex.upgrade() {
                ex.terminate();
            }
            if let Some(f) = done.borrow_mut().take() {
                f(r, curve);
            }
        }
    };
    let finish = Rc::new(finish);
    let job = ToWorker::Explore(job);
    let ready = ex.ready.get();
    if ready {
        ex.post(&job);
    }
    let on_message = {
        let finish = finish.clone();
        let ex = Rc::downgrade(&ex);
        move |msg: FromWorker| match msg {
            FromWorker::Ready => {
                if let Some(ex) = ex.upgrade() {
                    ex.post(&job)
                }
            }
            FromWorker::Progress { phase, states, transitions, depth, ms, curve } => {
                on_progress(Live { phase, states, transitions, depth, ms }, curve)
            }
            FromWorker::Done { found, curve } => finish(Ok(summary(found, threads)), curve),
            FromWorker::Error(e) => finish(Err(e), Vec::new()),
            // The spare's warm-up, answered after the search took it.
            FromWorker::Warm { .. } => {}
            FromWorker::Verdict { .. } | FromWorker::Checked { .. } => {
                finish(Err("the explorer's worker answered another question".to_string()), Vec::new())
            }
        }
    };
    let on_error = move |e: String| finish(Err(format!("the explorer's {}", e.trim_start_matches("the "))), Vec::new());
    *ex.on_message.borrow_mut() = Some(Box::new(on_message));
    *ex.on_error.borrow_mut() = Some(Box::new(on_error));
    Ok(Handle(ex))
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
