//! The editor's diagnostics in a Web Worker: the editor hands over its edits and goes on; the
//! worker runs `lab::check_edits` and posts the diagnostics back. One worker for the page's
//! life, with at most one check in flight: edits that arrive meanwhile wait, and only the newest
//! waits (an older one is replaced), so a slow check never queues up stale ones. A result that
//! is not the newest request's is dropped ([`Turns`]). When the worker cannot start, or fails,
//! the check runs on the main thread as before, and the console says why.

use std::cell::RefCell;
use std::rc::Rc;

use racelab_core::lab;

use super::protocol::Diag;
use super::{Conn, FromWorker, ToWorker};
use crate::catalog::{catalog, now_ms};

type Edits = Vec<(String, String)>;
/// Gets the diagnostics, the milliseconds the check took, and whether a worker ran it.
type OnResult = Rc<dyn Fn(Vec<Diag>, f64, bool)>;

/// Which request is the newest, which one the worker is on, which one waits: the bookkeeping
/// that drops stale answers, apart from the worker so that it can be tested.
#[derive(Default, Debug, PartialEq)]
pub struct Turns {
    latest: u64,
    answered: u64,
    in_flight: Option<u64>,
    pending: Option<u64>,
}

impl Turns {
    /// A new request, which replaces any that waits; its number.
    pub fn request(&mut self) -> u64 {
        self.latest += 1;
        self.pending = Some(self.latest);
        self.latest
    }

    /// The request answered at once (without the worker).
    pub fn answered_now(&mut self, seq: u64) {
        if self.pending == Some(seq) {
            self.pending = None;
        }
        self.answered = self.answered.max(seq);
    }

    /// The request to post now, if the worker is `ready` and idle and one waits.
    pub fn next_to_post(&mut self, ready: bool) -> Option<u64> {
        if !ready || self.in_flight.is_some() {
            return None;
        }
        let seq = self.pending.take()?;
        self.in_flight = Some(seq);
        Some(seq)
    }

    /// The worker answered `seq`: true when that answer is the newest request's (to show).
    pub fn answer(&mut self, seq: u64) -> bool {
        if self.in_flight == Some(seq) {
            self.in_flight = None;
        }
        let newest = seq == self.latest;
        if newest {
            self.answered = seq;
        }
        newest
    }

    /// The worker is gone: true when the newest request still needs an answer.
    pub fn abandon(&mut self) -> bool {
        self.in_flight = None;
        self.pending = None;
        let open = self.answered != self.latest;
        self.answered = self.latest;
        open
    }
}

#[derive(Default)]
struct State {
    conn: Option<Conn>,
    ready: bool,
    /// Why the worker is not used (it did not start, or failed): check on the main thread.
    failed: Option<String>,
    turns: Turns,
    /// The newest request's edits and who wants its answer.
    latest_edits: Edits,
    on_result: Option<OnResult>,
}

thread_local! {
    static STATE: Rc<RefCell<State>> = Rc::new(RefCell::new(State::default()));
}

/// The core's diagnostics of `edits`, off the main thread: `on_result` gets them, the
/// milliseconds the check took and whether a worker ran it, unless newer edits are checked
/// first; then it is never called.
pub fn check(edits: Edits, on_result: impl Fn(Vec<Diag>, f64, bool) + 'static) {
    let state = STATE.with(Rc::clone);
    let mut s = state.borrow_mut();
    let seq = s.turns.request();
    let on_result: OnResult = Rc::new(on_result);
    s.on_result = Some(on_result.clone());
    if edits.is_empty() {
        s.turns.answered_now(seq);
        drop(s);
        return on_result(Vec::new(), 0.0, in_worker(&state));
    }
    s.latest_edits = edits;
    if s.failed.is_none() && s.conn.is_none() {
        match spawn(&state) {
            Ok(c) => s.conn = Some(c),
            Err(e) => fail(&mut s, e),
        }
    }
    if s.failed.is_some() {
        drop(s);
        return on_main_thread(&state);
    }
    post_pending(&mut s);
}

/// Starts the worker ahead of the first check (the editor opens), so that the first
/// diagnostics do not wait for its wasm and the catalog to load.
pub fn warm() {
    let state = STATE.with(Rc::clone);
    let mut s = state.borrow_mut();
    if s.failed.is_none() && s.conn.is_none() {
        match spawn(&state) {
            Ok(c) => s.conn = Some(c),
            Err(e) => fail(&mut s, e),
        }
    }
}

fn in_worker(state: &Rc<RefCell<State>>) -> bool {
    state.borrow().failed.is_none()
}

fn spawn(state: &Rc<RefCell<State>>) -> Result<Conn, String> {
    let on_message = {
        let state = state.clone();
        move |msg: FromWorker| {
            let mut s = state.borrow_mut();
            match msg {
                FromWorker::Ready => {
                    s.ready = true;
                    post_pending(&mut s);
                }
                FromWorker::Checked { seq, diags, ms } => {
                    let call = if s.turns.answer(seq) { s.on_result.clone() } else { None };
                    post_pending(&mut s);
                    drop(s);
                    if let Some(f) = call {
                        f(diags, ms, true)
                    }
                }
                FromWorker::Error(e) => {
                    fail(&mut s, e);
                    drop(s);
                    on_main_thread(&state)
                }
                _ => {}
            }
        }
    };
    let on_error = {
        let state = state.clone();
        move |e: String| {
            fail(&mut state.borrow_mut(), e);
            on_main_thread(&state)
        }
    };
    Conn::spawn(on_message, on_error)
}

/// Posts the newest waiting request, if the worker is ready and idle.
fn post_pending(s: &mut State) {
    if s.conn.is_none() {
        return;
    }
    if let Some(seq) = s.turns.next_to_post(s.ready) {
        if let Some(c) = &s.conn {
            c.post(&ToWorker::Check { seq, edits: s.latest_edits.clone() });
        }
    }
}

fn fail(s: &mut State, why: String) {
    if s.failed.is_none() {
        leptos::logging::warn!("racelab: the editor's diagnostics run on the main thread: {why}");
    }
    if let Some(c) = s.conn.take() {
        c.terminate();
    }
    s.failed = Some(why);
    s.ready = false;
}

/// Checks the newest request here, when the worker cannot: the page waits for it, as it did
/// before there was a worker.
fn on_main_thread(state: &Rc<RefCell<State>>) {
    let (edits, call) = {
        let mut s = state.borrow_mut();
        if !s.turns.abandon() {
            return;
        }
        (s.latest_edits.clone(), s.on_result.clone())
    };
    let t0 = now_ms();
    let diags = lab::check_edits(catalog(), &edits).into_iter().map(|d| Diag::of(&d)).collect();
    if let Some(f) = call {
        f(diags, now_ms() - t0, false)
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn edits_typed_during_a_check_wait_and_only_the_newest_is_checked_and_shown() {
        let mut t = Turns::default();
        let first = t.request();
        assert_eq!(t.next_to_post(false), None, "the worker is still starting");
        assert_eq!(t.next_to_post(true), Some(first));
        let second = t.request();
        let third = t.request();
        assert_eq!(t.next_to_post(true), None, "one check at a time");
        assert!(!t.answer(first), "an older edit's diagnostics are dropped");
        assert_eq!(t.next_to_post(true), Some(third), "the newest waiting edit, not {second}");
        assert_eq!(t.next_to_post(true), None);
        assert!(t.answer(third));
        assert!(!t.abandon(), "nothing is left to answer");
    }

    #[wasm_bindgen_test]
    fn a_request_answered_at_once_makes_a_late_answer_stale() {
        let mut t = Turns::default();
        let first = t.request();
        assert_eq!(t.next_to_post(true), Some(first));
        let empty = t.request();
        t.answered_now(empty);
        assert_eq!(t.next_to_post(true), None, "the answered request does not wait");
        assert!(!t.answer(first));
        assert!(!t.abandon());
    }

    #[wasm_bindgen_test]
    fn a_worker_that_fails_mid_check_leaves_the_newest_request_to_answer() {
        let mut t = Turns::default();
        let first = t.request();
        assert_eq!(t.next_to_post(true), Some(first));
        assert!(t.abandon(), "the check in flight is lost");
        assert_eq!(t.next_to_post(true), None);
        assert!(!t.abandon());
    }
}
