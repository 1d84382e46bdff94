//! The explorer's verdict for every scenario, policy and memory model of the catalog, computed
//! in the background and kept for the whole visit: the gallery shows them as they come.
//!
//! A pool of Web Workers does the work (`min(navigator.hardwareConcurrency, 4)` of them, at
//! least one): each free worker gets the next key whose scenario is on screen (else the next in
//! the catalog's order), and posts its verdict back. When no worker can start (an old browser,
//! a Content-Security-Policy that forbids them), the keys left are checked one after another on
//! the main thread, each in slices (see [`explorer`]), and the page and the console say so.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;

use leptos::prelude::*;
use racelab_core::lab::{self, Catalog, MemoryModel};
use wasm_bindgen::JsCast;

use crate::catalog::{catalog, library, mark, now_ms};
use crate::state::explorer::{self, Summary};
use crate::state::worker::{self, Conn, FromWorker, ToWorker};

/// The most workers the gallery starts.
const MAX_WORKERS: usize = 4;
/// How long the set of scenarios on screen is trusted before it is measured again, in ms.
const VISIBLE_MS: f64 = 250.0;

/// One program of the catalog the explorer checks: a scenario under a policy and a model.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VerdictKey {
    pub scenario: String,
    pub policy: String,
    pub model: MemoryModel,
}

/// What is known of one key.
#[derive(Clone, Debug, PartialEq)]
pub enum VerdictCell {
    /// Not checked yet, or being checked.
    Checking,
    /// The explorer's summary, and the link to its shortest counterexample (if any).
    Done { summary: Summary, link: Option<String> },
    /// The program does not compile.
    Error(String),
}

impl VerdictCell {
    /// `checking`, `error`, or the verdict's name (`violated`, `safe`, `unknown`).
    pub fn state(&self) -> &'static str {
        match self {
            VerdictCell::Checking => "checking",
            VerdictCell::Done { summary, .. } => summary.verdict.name(),
            VerdictCell::Error(_) => "error",
        }
    }
}

/// Every key of a catalog, in the order they are checked: scenario by scenario as the catalog
/// lists them, each policy in its order, each model.
pub fn keys(catalog: &Catalog) -> Vec<VerdictKey> {
    let mut out = Vec::new();
    for sc in &catalog.scenarios {
        for p in &sc.policies {
            for m in &sc.models {
                out.push(VerdictKey { scenario: sc.id.clone(), policy: p.name.clone(), model: *m });
            }
        }
    }
    out
}

/// Where the verdicts are computed.
#[derive(Clone, Debug, PartialEq)]
pub enum Engine {
    /// Not started.
    Idle,
    /// A pool of this many Web Workers.
    Workers(usize),
    /// On the main thread, and why.
    MainThread(String),
}

impl Engine {
    /// `idle`, `workers` or `main-thread`, as the page's `data-engine` carries it.
    pub fn name(&self) -> &'static str {
        match self {
            Engine::Idle => "idle",
            Engine::Workers(_) => "workers",
            Engine::MainThread(_) => "main-thread",
        }
    }
}

/// How many workers for `cores` logical processors (what the browser reports; 0 if nothing).
pub fn pool_size(cores: f64) -> usize {
    if cores.is_finite() && cores >= 1.0 {
        (cores as usize).min(MAX_WORKERS)
    } else {
        1
    }
}

/// The first of `queue` (indices into `keys`) whose scenario is in `visible`, else the first.
pub fn pick(queue: &[usize], keys: &[VerdictKey], visible: &BTreeSet<String>) -> Option<usize> {
    if queue.is_empty() {
        return None;
    }
    Some(queue.iter().position(|&i| visible.contains(&keys[i].scenario)).unwrap_or(0))
}

/// The verdicts, shared by every visit of the gallery (computed once per page). One signal per
/// key, so that an answer redraws its own chip only (one signal for the whole table redrew every
/// chip at every answer: quadratic, seconds of the main thread), and a count for the progress.
#[derive(Clone, Copy)]
pub struct Verdicts {
    cells: StoredValue<BTreeMap<VerdictKey, ArcRwSignal<VerdictCell>>>,
    done: RwSignal<usize>,
    total: StoredValue<Option<usize>>,
    started: StoredValue<bool>,
    engine: RwSignal<Engine>,
}

struct Slot {
    conn: Option<Conn>,
    ready: bool,
    /// The key (index) this worker is checking.
    job: Option<usize>,
}

/// The workers and the keys they have not been handed yet.
struct Pool {
    verdicts: Verdicts,
    keys: Vec<VerdictKey>,
    queue: Vec<usize>,
    slots: Vec<Slot>,
    visible: Option<(f64, BTreeSet<String>)>,
    fell_back: bool,
}

type Shared = Rc<RefCell<Pool>>;

thread_local! {
    static POOL: RefCell<Option<Shared>> = const { RefCell::new(None) };
}

impl Verdicts {
    pub fn new() -> Verdicts {
        Verdicts {
            cells: StoredValue::new(BTreeMap::new()),
            done: RwSignal::new(0),
            total: StoredValue::new(None),
            started: StoredValue::new(false),
            engine: RwSignal::new(Engine::Idle),
        }
    }

    /// Starts checking every key of the catalog (once per page): in a pool of workers, or on
    /// the main thread when none can start.
    pub fn start(self) {
        if self.started.get_value() {
            return;
        }
        self.started.set_value(true);
        mark("racelab:verdicts-start");
        let keys = keys(catalog());
        let cores = web_sys::window().map(|w| w.navigator().hardware_concurrency()).unwrap_or(1.0);
        let n = pool_size(cores);
        let pool: Shared = Rc::new(RefCell::new(Pool {
            verdicts: self,
            queue: (0..keys.len()).collect(),
            keys,
            slots: Vec::new(),
            visible: None,
            fell_back: false,
        }));
        POOL.with(|p| *p.borrow_mut() = Some(pool.clone()));
        for i in 0..n {
            match spawn(&pool, i) {
                Ok(conn) => pool.borrow_mut().slots.push(Slot { conn: Some(conn), ready: false, job: None }),
                Err(e) => return fall_back(&pool, e),
            }
        }
        self.engine.set(Engine::Workers(n));
    }

    /// Where the verdicts are computed (tracked).
    pub fn engine(self) -> Engine {
        self.engine.get()
    }

    fn next(self, mut queue: VecDeque<VerdictKey>) {
        let Some(key) = queue.pop_front() else {
            return;
        };
        let program = lab::scenario(catalog(), &key.scenario).and_then(|sc| lab::compile(sc, Some(&key.policy), key.model));
        match program {
            Err(e) => {
                self.set(key, VerdictCell::Error(e.to_string()));
                self.next(queue);
            }
            Ok(program) => {
                let prog = program.clone();
                explorer::start(
                    &program,
                    explorer::COARSE,
                    |_, _| {},
                    move |summary, _| {
                        let link = summary
                            .trace
                            .as_ref()
                            .and_then(|trace| {
                                let sc = lab::scenario(catalog(), &key.scenario).ok()?;
                                lab::counterexample_link(library(), sc, &prog, trace)
                            })
                            .map(|l| l.to_fragment());
                        self.set(key, VerdictCell::Done { summary, link });
                        self.next(queue);
                    },
                );
            }
        }
    }

    /// Records the answer for `key`; the last answer marks `racelab:verdicts` (the gallery's
    /// benchmark reads it).
    fn set(self, key: VerdictKey, cell: VerdictCell) {
        let signal = self.signal(key);
        let answered = !matches!(cell, VerdictCell::Checking);
        let was = signal.with_untracked(|c| !matches!(c, VerdictCell::Checking));
        signal.set(cell);
        if answered && !was {
            self.done.update(|n| *n += 1);
            if self.done.get_untracked() == self.total() {
                mark("racelab:verdicts");
            }
        }
    }

    /// The signal of `key`'s cell (made on first use).
    fn signal(self, key: VerdictKey) -> ArcRwSignal<VerdictCell> {
        if let Some(s) = self.cells.with_value(|c| c.get(&key).cloned()) {
            return s;
        }
        let s = ArcRwSignal::new(VerdictCell::Checking);
        self.cells.update_value(|c| {
            c.insert(key, s.clone());
        });
        s
    }

    /// What is known of `key` (tracked: by this key's answer only).
    pub fn get(self, key: &VerdictKey) -> VerdictCell {
        self.signal(key.clone()).get()
    }

    /// How many keys have their answer (tracked).
    pub fn checked(self) -> usize {
        self.done.get()
    }

    /// How many keys there are to check.
    pub fn total(self) -> usize {
        if let Some(n) = self.total.get_value() {
            return n;
        }
        let n = keys(catalog()).len();
        self.total.set_value(Some(n));
        n
    }
}

fn spawn(pool: &Shared, i: usize) -> Result<Conn, String> {
    let on_message = {
        let pool = pool.clone();
        move |msg: FromWorker| match msg {
            FromWorker::Ready => {
                if let Some(s) = pool.borrow_mut().slots.get_mut(i) {
                    s.ready = true;
                }
                dispatch(&pool, i);
            }
            FromWorker::Verdict { id, result } => {
                let (verdicts, key) = {
                    let mut p = pool.borrow_mut();
                    if let Some(s) = p.slots.get_mut(i) {
                        s.job = None;
                    }
                    (p.verdicts, p.keys.get(id as usize).cloned())
                };
                // The next job first, so that the worker works while the page draws this one.
                dispatch(&pool, i);
                let cell = match result {
                    Ok(v) => VerdictCell::Done { summary: worker::summary(v.found, v.threads), link: v.link },
                    Err(e) => VerdictCell::Error(e),
                };
                if let Some(key) = key {
                    verdicts.set(key, cell);
                }
            }
            FromWorker::Error(e) => failed(&pool, i, e),
            _ => {}
        }
    };
    let on_error = {
        let pool = pool.clone();
        move |e: String| failed(&pool, i, e)
    };
    Conn::spawn(on_message, on_error)
}

/// Hands worker `i` its next key, if it is ready and idle and a key is left.
fn dispatch(pool: &Shared, i: usize) {
    let mut p = pool.borrow_mut();
    if p.fell_back || !p.slots.get(i).is_some_and(|s| s.ready && s.job.is_none() && s.conn.is_some()) {
        return;
    }
    let visible = visible(&mut p);
    let Some(at) = pick(&p.queue, &p.keys, &visible) else { return };
    let id = p.queue.remove(at);
    let key = p.keys[id].clone();
    let slot = &mut p.slots[i];
    if let Some(c) = &slot.conn {
        c.post(&ToWorker::Verdict { id: id as u32, scenario: key.scenario, policy: key.policy, model: key.model.name().to_string() });
        slot.job = Some(id);
    }
}

/// The scenarios whose cards are on screen (measured at most every [`VISIBLE_MS`]).
fn visible(p: &mut Pool) -> BTreeSet<String> {
    let now = now_ms();
    if let Some((at, set)) = &p.visible {
        if now - at < VISIBLE_MS {
            return set.clone();
        }
    }
    let mut set = BTreeSet::new();
    if let Some(w) = web_sys::window() {
        let height = w.inner_height().ok().and_then(|h| h.as_f64()).unwrap_or(0.0);
        if let Some(cards) = w.document().and_then(|d| d.query_selector_all("[data-testid=\"scenario-card\"]").ok()) {
            for n in 0..cards.length() {
                let Some(card) = cards.item(n).and_then(|c| c.dyn_into::<web_sys::Element>().ok()) else { continue };
                let r = card.get_bounding_client_rect();
                if r.bottom() > 0.0 && r.top() < height {
                    if let Some(id) = card.get_attribute("data-scenario") {
                        set.insert(id);
                    }
                }
            }
        }
    }
    p.visible = Some((now, set.clone()));
    set
}

/// Worker `i` failed: its key (if any) gets the error; when no worker is left, the rest is
/// checked on the main thread.
fn failed(pool: &Shared, i: usize, why: String) {
    let (verdicts, key, left) = {
        let mut p = pool.borrow_mut();
        let Some(slot) = p.slots.get_mut(i) else { return };
        if let Some(c) = slot.conn.take() {
            c.terminate();
        }
        let job = slot.job.take();
        let left = p.slots.iter().filter(|s| s.conn.is_some()).count();
        (p.verdicts, job.map(|id| p.keys[id].clone()), left)
    };
    leptos::logging::warn!("racelab: a verdict worker stopped: {why}");
    if let Some(key) = key {
        verdicts.set(key, VerdictCell::Error(why.clone()));
    }
    if left == 0 {
        fall_back(pool, why);
    }
}

/// No worker works: the keys not done are checked on the main thread, and the page says why.
fn fall_back(pool: &Shared, why: String) {
    let (verdicts, queue) = {
        let mut p = pool.borrow_mut();
        if p.fell_back {
            return;
        }
        p.fell_back = true;
        let mut ids: Vec<usize> = std::mem::take(&mut p.queue);
        for s in &mut p.slots {
            if let Some(c) = s.conn.take() {
                c.terminate();
            }
            ids.extend(s.job.take());
        }
        ids.sort_unstable();
        let queue: VecDeque<VerdictKey> = ids.into_iter().map(|id| p.keys[id].clone()).collect();
        (p.verdicts, queue)
    };
    leptos::logging::warn!("racelab: the gallery's verdicts are checked on the main thread: {why}");
    verdicts.engine.set(Engine::MainThread(why));
    verdicts.next(queue);
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;
    use crate::state::explorer::Summary;
    use racelab_core::lab::VerdictKind;

    #[wasm_bindgen_test]
    fn keys_name_every_policy_and_model_of_the_catalog_once() {
        let cat = catalog();
        let keys = keys(cat);
        let expected: usize = cat.scenarios.iter().map(|s| s.policies.len() * s.models.len()).sum();
        assert_eq!(keys.len(), expected);
        assert_eq!(keys.iter().collect::<BTreeSet<_>>().len(), keys.len(), "a key twice");
        for k in &keys {
            let sc = cat.scenario(&k.scenario).expect("a key names a scenario of the catalog");
            assert!(sc.policy(&k.policy).is_some() && sc.models.contains(&k.model), "{k:?}");
        }
    }

    #[wasm_bindgen_test]
    fn keys_go_scenario_by_scenario_in_the_catalogs_order() {
        let cat = catalog();
        let keys = keys(cat);
        let mut order: Vec<&str> = keys.iter().map(|k| k.scenario.as_str()).collect();
        order.dedup();
        assert_eq!(order, cat.scenarios.iter().map(|s| s.id.as_str()).collect::<Vec<_>>());
        let first = &cat.scenarios[0];
        assert_eq!(keys[0], VerdictKey { scenario: first.id.clone(), policy: first.policies[0].name.clone(), model: first.models[0] });
    }

    #[wasm_bindgen_test]
    fn the_pool_has_one_worker_per_core_up_to_four_and_at_least_one() {
        assert_eq!(pool_size(2.0), 2);
        assert_eq!(pool_size(16.0), 4);
        assert_eq!(pool_size(1.0), 1);
        assert_eq!(pool_size(0.0), 1, "a browser that reports nothing");
        assert_eq!(pool_size(f64::NAN), 1);
    }

    #[wasm_bindgen_test]
    fn a_free_worker_gets_the_first_key_on_screen_else_the_first_key() {
        let key = |s: &str| VerdictKey { scenario: s.into(), policy: "p".into(), model: MemoryModel::Sc };
        let keys = vec![key("a"), key("a"), key("b"), key("c"), key("c")];
        let on = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(pick(&[0, 1, 2, 3, 4], &keys, &on(&["c"])), Some(3));
        assert_eq!(pick(&[2, 4], &keys, &on(&["c", "a"])), Some(1), "a position in the queue");
        assert_eq!(pick(&[0, 1, 2], &keys, &on(&["z"])), Some(0), "nothing on screen: the catalog's order");
        assert_eq!(pick(&[0, 1, 2], &keys, &BTreeSet::new()), Some(0));
        assert_eq!(pick(&[], &keys, &on(&["a"])), None);
    }

    #[wasm_bindgen_test]
    fn an_answer_counts_once_and_wakes_only_what_reads_its_own_key() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;

        let v = Verdicts::new();
        let keys = keys(catalog());
        assert_eq!(v.total(), keys.len());
        let (first, second) = (keys[0].clone(), keys[1].clone());
        let runs = Arc::new(AtomicUsize::new(0));
        let chip = {
            let (runs, second) = (runs.clone(), second.clone());
            Memo::new(move |_| {
                runs.fetch_add(1, Ordering::SeqCst);
                v.get(&second)
            })
        };
        assert_eq!(chip.get(), VerdictCell::Checking);
        let cell = VerdictCell::Error("x".into());
        v.set(first.clone(), cell.clone());
        v.set(first.clone(), cell.clone());
        assert_eq!(v.checked(), 1, "the same key answered twice counts once");
        assert_eq!(v.get(&first), cell);
        assert_eq!(chip.get(), VerdictCell::Checking);
        assert_eq!(runs.load(Ordering::SeqCst), 1, "another key's answer does not redraw this chip");
        v.set(second.clone(), cell.clone());
        assert_eq!(chip.get(), cell);
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        assert_eq!(v.checked(), 2);
    }

    #[wasm_bindgen_test]
    fn a_cell_states_the_word_the_page_carries() {
        let summary =
            |verdict| Summary { verdict, bound: None, invariant: None, trace: None, states: 1, transitions: 0, depth: 0, ms: 0.0 };
        assert_eq!(VerdictCell::Checking.state(), "checking");
        assert_eq!(VerdictCell::Error("x".into()).state(), "error");
        assert_eq!(VerdictCell::Done { summary: summary(VerdictKind::Violated), link: None }.state(), "violated");
        assert_eq!(VerdictCell::Done { summary: summary(VerdictKind::Safe), link: None }.state(), "safe");
        assert_eq!(VerdictCell::Done { summary: summary(VerdictKind::Unknown), link: None }.state(), "unknown");
    }
}
