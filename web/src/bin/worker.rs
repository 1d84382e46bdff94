//! racelab's Web Worker: receives a [`protocol::ToWorker`] as JSON and answers it. A search
//! ([`ToWorker::Explore`]) checks every interleaving of one program with the core's explorer and
//! posts progress about every 100 ms and then the report; the page stops it by terminating the
//! worker, so the search may run in one long loop here without ever freezing the page. A
//! gallery verdict ([`ToWorker::Verdict`]) and a draft's diagnostics ([`ToWorker::Check`]) are
//! one answer each; the worker keeps the built-in catalog between them.

#[path = "../state/worker/protocol.rs"]
mod protocol;

use std::sync::OnceLock;

use protocol::{close, record, Curve, Diag, Found, FromWorker, Job, ToWorker};
use racelab_core::lab::{self, schedule, Explorer, Library, MemoryModel, Options, Phase, Report, Status, Verdict};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

/// The states a warm-up explores ([`warm`]), and at most this many of each program.
const WARM_STATES: u64 = 40_000;
const WARM_STATES_EACH: u64 = 4_000;
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
        let msg = match ev.data().as_string().map(|t| serde_json::from_str::<ToWorker>(&t)) {
            Some(Ok(ToWorker::Explore(job))) => run(&job),
            Some(Ok(ToWorker::Verdict { id, scenario, policy, model })) => {
                FromWorker::Verdict { id, result: verdict(&scenario, &policy, &model) }
            }
            Some(Ok(ToWorker::Check { seq, edits })) => check(seq, &edits),
            Some(Ok(ToWorker::Warm)) => warm(),
            Some(Err(e)) => FromWorker::Error(format!("the job did not read: {e}")),
            None => FromWorker::Error("the job is not text".to_string()),
        };
        post(&msg);
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    // Read the catalog before saying ready: every kind of job needs it, and the page's first
    // request should not pay for it.
    library();
    post(&FromWorker::Ready);
}

/// The built-in catalog and its archive, read once per worker.
fn library() -> &'static Library {
    static LIBRARY: OnceLock<Library> = OnceLock::new();
    LIBRARY.get_or_init(Library::builtin)
}

/// The report as it travels; `ms` the worker's wall time.
fn found(r: &Report, ms: f64) -> Found {
    let first = r.first();
    Found {
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
        ms,
    }
}

/// What the gallery shows of one program of the built-in catalog: the core's row of it
/// (`lab::verdict_row`, with the gallery's options: the same row `racelab verdicts` writes into
/// the site's table), and the wall time it took here.
fn verdict(scenario: &str, policy: &str, model: &str) -> Result<protocol::Verdict, String> {
    let catalog = library().current();
    let model = MemoryModel::parse(model).ok_or_else(|| format!("unknown memory model `{model}`"))?;
    let sc = lab::scenario(catalog, scenario).map_err(|e| e.to_string())?;
    let started = now_ms();
    let row = lab::verdict_row(library(), sc, policy, model).map_err(|e| e.to_string())?;
    Ok(protocol::Verdict::of(&row, now_ms() - started))
}

/// The core's diagnostics of a draft's edits over the built-in catalog.
fn check(seq: u64, edits: &[(String, String)]) -> FromWorker {
    let started = now_ms();
    let diags = lab::check_edits(library().current(), edits).into_iter().map(|d| Diag::of(&d)).collect();
    FromWorker::Checked { seq, diags, ms: now_ms() - started }
}

/// Explores programs of the built-in catalog, [`WARM_STATES`] states in all, so that the engine
/// compiles the explorer's hot code with its optimizing tier before a user's search runs on it:
/// a first search in a cold worker ran at two thirds of the speed of a second one. Every
/// scenario in turn, each policy under each model, at most [`WARM_STATES_EACH`] states each, so
/// that the code of every memory model and of both searches (with and without reduction) runs.
fn warm() -> FromWorker {
    let started = now_ms();
    let mut states = 0u64;
    let catalog = library().current();
    let programs = catalog
        .scenarios
        .iter()
        .flat_map(|sc| sc.models.iter().flat_map(move |&m| sc.policies.iter().map(move |p| (sc, p.name.as_str(), m))));
    for (k, (sc, policy, model)) in programs.enumerate() {
        if states >= WARM_STATES {
            break;
        }
        let Ok(program) = lab::compile(sc, Some(policy), model) else { continue };
        let opts = Options {
            max_states: WARM_STATES_EACH.min(WARM_STATES - states),
            // Every fourth program without reduction: the plain search's merge is other code.
            reduction: k % 4 != 3,
            shortest: false,
            ..Options::default()
        };
        states += lab::explore::explore(&program, opts, &mut now_ms).stats.states;
    }
    FromWorker::Warm { states, ms: now_ms() - started }
}

fn run(job: &Job) -> FromWorker {
    let builtin = library().current();
    let edited;
    let catalog = if job.edits.is_empty() {
        builtin
    } else {
        edited = builtin.with_edits(&job.edits);
        &edited
    };
    let Some(model) = MemoryModel::parse(&job.model) else {
        return FromWorker::Error(format!("unknown memory model `{}`", job.model));
    };
    let program = match lab::scenario(catalog, &job.scenario).and_then(|sc| lab::compile(sc, Some(&job.policy), model)) {
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
                return FromWorker::Done { found: found(&r, now_ms() - started), curve };
            }
        }
    }
}
