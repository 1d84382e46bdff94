//! The explorer's Web Worker: receives a [`protocol::Job`] as JSON, checks every interleaving
//! of that program with the core's explorer, and posts progress about every 100 ms and then
//! the report. The page stops a search by terminating the worker, so the search may run in one
//! long loop here without ever freezing the page.

#[path = "../state/worker/protocol.rs"]
mod protocol;

use protocol::{close, record, Curve, FromWorker, Job};
use racelab_core::lab::{self, schedule, Catalog, Explorer, MemoryModel, Options, Phase, Status, Verdict};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

/// Work per call of the explorer between looks at the clock.
const SLICE: u64 = 4_096;
/// Milliseconds between two progress messages.
const EVERY_MS: f64 = 100.0;

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(msg: &FromWorker) {
    if let Ok(text) = serde_json::to_string(msg) {
        let _ = scope().post_message(&JsValue::from_str(&text));
    }
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn main() {
    console_error_panic_hook::set_once();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|ev: MessageEvent| {
        let msg = match ev.data().as_string().map(|t| serde_json::from_str::<Job>(&t)) {
            Some(Ok(job)) => run(&job),
            Some(Err(e)) => FromWorker::Error(format!("the job did not read: {e}")),
            None => FromWorker::Error("the job is not text".to_string()),
        };
        post(&msg);
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&FromWorker::Ready);
}

fn run(job: &Job) -> FromWorker {
    let catalog = Catalog::builtin();
    let catalog = if job.edits.is_empty() { catalog } else { catalog.with_edits(&job.edits) };
    let Some(model) = MemoryModel::parse(&job.model) else {
        return FromWorker::Error(format!("unknown memory model `{}`", job.model));
    };
    let program = match lab::scenario(&catalog, &job.scenario).and_then(|sc| lab::compile(sc, Some(&job.policy), model)) {
        Ok(p) => p,
        Err(e) => return FromWorker::Error(e.to_string()),
    };
    let opts = Options { max_states: job.max_states.max(1), time_limit_ms: Some(job.max_seconds.max(0.1) * 1000.0), ..Options::default() };
    let mut ex = Explorer::new(&program, opts);
    let mut curve: Curve = Vec::new();
    let started = now_ms();
    let mut last_post = started;
    loop {
        match ex.run(SLICE, now_ms()) {
            Status::Running(p) => {
                if p.phase == Phase::Search {
                    record(&mut curve, p.depth, p.states);
                }
                let now = now_ms();
                if now - last_post >= EVERY_MS {
                    last_post = now;
                    post(&FromWorker::Progress {
                        phase: p.phase.name().to_string(),
                        states: p.states,
                        transitions: p.transitions,
                        depth: p.depth,
                        ms: now - started,
                        curve: curve.clone(),
                    });
                }
            }
            Status::Done(r) => {
                close(&mut curve, r.stats.states, r.stats.depth);
                let first = r.first();
                return FromWorker::Done {
                    verdict: r.verdict.kind().name().to_string(),
                    bound: match &r.verdict {
                        Verdict::Unknown(b) => Some(b.describe()),
                        _ => None,
                    },
                    invariant: first.map(|c| c.invariant.name().to_string()),
                    trace: first.map(|c| schedule::encode(&c.trace)),
                    states: r.stats.states,
                    transitions: r.stats.transitions,
                    depth: r.stats.depth,
                    ms: now_ms() - started,
                    curve,
                };
            }
        }
    }
}
