//! The explorer's verdict for every scenario, policy and memory model of the catalog, kept for
//! the whole visit: the gallery shows them as they come.
//!
//! First from the site's table (`verdicts.jsonl`, written by `racelab verdicts` when the site
//! is built, preloaded by `index.html`): a key whose row's pin is the pin of the program the
//! page holds (the same files, model semantics and explorer options) is filled at once. The
//! keys left, or every key when the table cannot be fetched or read (the page then says why),
//! are checked in the browser by a pool of Web Workers (`min(navigator.hardwareConcurrency, 4)`
//! of them, at least one): each free worker gets the next key whose scenario is on screen (else
//! the next in the catalog's order), and posts its verdict back. When no worker can start (an
//! old browser, a Content-Security-Policy that forbids them), the keys left are checked one
//! after another on the main thread, each in slices (see [`explorer`]), and the page and the
//! console say so. [`Verdicts::check_again`] checks every key in the browser and replaces the
//! table's verdicts, counting those that differ.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;

use leptos::prelude::*;
use racelab_core::lab::{self, Catalog, MemoryModel, VerdictTable};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::catalog::{catalog, library, mark, now_ms};
use crate::state::explorer::{self, Summary};
use crate::state::worker::protocol::Verdict;
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

/// Where a verdict was computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The site's table, computed when the site was built.
    Table,
    /// This browser (a worker, or the main thread).
    Browser,
}

impl Source {
    /// `table` or `browser`, as the chip's `data-source` carries it.
    pub fn name(self) -> &'static str {
        match self {
            Source::Table => "table",
            Source::Browser => "browser",
        }
    }
}

/// What is known of one key.
#[derive(Clone, Debug, PartialEq)]
pub enum VerdictCell {
    /// Not checked yet, or being checked.
    Checking,
    /// The explorer's summary, the link to its shortest counterexample (if any), and where it
    /// was computed.
    Done { summary: Summary, link: Option<String>, source: Source },
    /// The program does not compile (found in the browser).
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

    /// Where the answer came from (None while checking).
    pub fn source(&self) -> Option<Source> {
        match self {
            VerdictCell::Checking => None,
            VerdictCell::Done { source, .. } => Some(*source),
            VerdictCell::Error(_) => Some(Source::Browser),
        }
    }

    /// The cell of a verdict as it travelled (from a worker, or a row of the table).
    pub fn of(v: Verdict, source: Source) -> VerdictCell {
        VerdictCell::Done { summary: worker::summary(v.found, v.threads), link: v.link, source }
    }

    /// Whether two answers say the same: the same verdict, invariant, shortest trace, counts
    /// and link (the time and where it was computed aside).
    pub fn agrees(&self, other: &VerdictCell) -> bool {
        match (self, other) {
            (VerdictCell::Done { summary: a, link: la, .. }, VerdictCell::Done { summary: b, link: lb, .. }) => {
                a.verdict == b.verdict
                    && a.invariant == b.invariant
                    && a.trace == b.trace
                    && a.states == b.states
                    && a.transitions == b.transitions
                    && a.bound == b.bound
                    && la == lb
            }
            (a, b) => a == b,
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

/// What the page made of the site's table.
#[derive(Clone, Debug, PartialEq)]
pub enum TableState {
    /// Being fetched.
    Loading,
    /// Read: this many keys got their verdict from it (the others are checked in the browser).
    Used { matched: usize },
    /// Not used, and why: every key is checked in the browser.
    Failed(String),
}

/// What the table gives: the cells it fills (indices into the keys), the keys left to check,
/// and what to say of it.
#[derive(Debug)]
pub struct Plan {
    pub filled: Vec<(usize, VerdictCell)>,
    pub left: Vec<usize>,
    pub state: TableState,
}

/// Which keys of `catalog` the table's text (or why it could not be fetched) answers: those
/// whose row's pin is the pin of the key's program in `catalog`.
pub fn plan(catalog: &Catalog, keys: &[VerdictKey], fetched: Result<String, String>) -> Plan {
    let table: Result<VerdictTable, String> = fetched.and_then(|text| lab::read_verdict_table(&text).map_err(|e| e.to_string()));
    let table = match table {
        Ok(t) => t,
        Err(why) => return Plan { filled: Vec::new(), left: (0..keys.len()).collect(), state: TableState::Failed(why) },
    };
    let mut filled = Vec::new();
    let mut left = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        let row = catalog.scenario(&k.scenario).and_then(|sc| table.lookup(sc, &k.policy, k.model));
        match row {
            Some(row) => filled.push((i, VerdictCell::of(Verdict::of(row, 0.0), Source::Table))),
            None => left.push(i),
        }
    }
    let matched = filled.len();
    Plan { filled, left, state: TableState::Used { matched } }
}

/// Where the verdicts are computed.
#[derive(Clone, Debug, PartialEq)]
pub enum Engine {
    /// Not started, or every verdict came from the table.
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

/// A check of every key again in the browser ([`Verdicts::check_again`]): how many are done,
/// and how many of those differ from what was shown before.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Again {
    pub done: usize,
    pub differ: usize,
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
    table: RwSignal<TableState>,
    again: RwSignal<Option<Again>>,
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
    /// A check again ([`Verdicts::check_again`]): answers replace what is shown.
    again: bool,
}

type Shared = Rc<RefCell<Pool>>;

thread_local! {
    static POOL: RefCell<Option<Shared>> = const { RefCell::new(None) };
}

/// `verdicts.jsonl` next to the page, with the cache-busting version `index.html` gives it.
fn table_url() -> String {
    leptos::prelude::document()
        .query_selector("meta[name=\"racelab-verdicts\"]")
        .ok()
        .flatten()
        .and_then(|m| m.get_attribute("content"))
        .unwrap_or_else(|| "./verdicts.jsonl".to_string())
}

thread_local! {
    /// The request of the site's table, made once per page.
    static TABLE_REQUEST: RefCell<Option<js_sys::Promise>> = const { RefCell::new(None) };
}

/// Asks for the site's table, once per page: the app calls it as it starts, which takes up the
/// response `index.html` preloads whatever page opens first, and the gallery reads it.
pub fn prefetch_table() {
    TABLE_REQUEST.with(|r| {
        if r.borrow().is_none() {
            *r.borrow_mut() = web_sys::window().map(|w| w.fetch_with_str(&table_url()));
        }
    });
}

/// The text of the site's table, or why it could not be fetched.
async fn fetch_table() -> Result<String, String> {
    let url = table_url();
    prefetch_table();
    let request = TABLE_REQUEST.with(|r| r.borrow().clone()).ok_or("no window")?;
    let answer = JsFuture::from(request).await.map_err(|e| format!("{url} did not load: {}", worker::js_text(&e)))?;
    let response: web_sys::Response = answer.dyn_into().map_err(|_| format!("{url} did not load"))?;
    if !response.ok() {
        return Err(format!("{url} answered {} {}", response.status(), response.status_text()).trim_end().to_string());
    }
    let text = response.text().map_err(|e| format!("{url} could not be read: {}", worker::js_text(&e)))?;
    let text = JsFuture::from(text).await.map_err(|e| format!("{url} could not be read: {}", worker::js_text(&e)))?;
    text.as_string().ok_or_else(|| format!("{url} is not text"))
}

impl Verdicts {
    pub fn new() -> Verdicts {
        Verdicts {
            cells: StoredValue::new(BTreeMap::new()),
            done: RwSignal::new(0),
            total: StoredValue::new(None),
            started: StoredValue::new(false),
            engine: RwSignal::new(Engine::Idle),
            table: RwSignal::new(TableState::Loading),
            again: RwSignal::new(None),
        }
    }

    /// Starts finding the verdict of every key of the catalog (once per page): the table's
    /// first, then the rest in a pool of workers, or on the main thread when none can start.
    pub fn start(self) {
        if self.started.get_value() {
            return;
        }
        self.started.set_value(true);
        mark("racelab:verdicts-start");
        wasm_bindgen_futures::spawn_local(async move {
            let fetched = fetch_table().await;
            self.use_table(fetched);
        });
    }

    /// Fills what the table answers, and checks the rest in the browser.
    fn use_table(self, fetched: Result<String, String>) {
        let keys = keys(catalog());
        let Plan { filled, left, state } = plan(catalog(), &keys, fetched);
        match &state {
            TableState::Failed(why) => {
                leptos::logging::warn!(
                    "racelab: the precomputed verdicts could not be used, every verdict is checked in this browser: {why}"
                )
            }
            TableState::Used { matched } if *matched < keys.len() => leptos::logging::warn!(
                "racelab: {} of {} verdicts are not in the precomputed table (or were computed from other files): checked in this browser",
                keys.len() - matched,
                keys.len()
            ),
            _ => {}
        }
        self.table.set(state);
        for (i, cell) in filled {
            self.set(keys[i].clone(), cell);
        }
        if !left.is_empty() {
            self.run_pool(keys, left, false);
        }
    }

    /// Checks every key again in the browser, replacing what is shown (the table's verdicts);
    /// [`Verdicts::again`] counts the answers and those that differ. Only once every key has
    /// its answer, and not while a check again runs.
    pub fn check_again(self) {
        if self.done.get_untracked() < self.total() || self.again.get_untracked().is_some_and(|a| a.done < self.total()) {
            return;
        }
        if let Some(old) = POOL.with(|p| p.borrow_mut().take()) {
            let mut old = old.borrow_mut();
            old.fell_back = true;
            for s in &mut old.slots {
                if let Some(c) = s.conn.take() {
                    c.terminate();
                }
            }
        }
        self.again.set(Some(Again::default()));
        mark("racelab:verdicts-again-start");
        let keys = keys(catalog());
        let all = (0..keys.len()).collect();
        self.run_pool(keys, all, true);
    }

    /// Checks `queue` (indices into `keys`) in a pool of workers, or on the main thread when
    /// none can start; `again`: the answers replace what is shown.
    fn run_pool(self, keys: Vec<VerdictKey>, queue: Vec<usize>, again: bool) {
        let cores = web_sys::window().map(|w| w.navigator().hardware_concurrency()).unwrap_or(1.0);
        let n = pool_size(cores).min(queue.len()).max(1);
        let pool: Shared =
            Rc::new(RefCell::new(Pool { verdicts: self, queue, keys, slots: Vec::new(), visible: None, fell_back: false, again }));
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

    /// What became of the site's table (tracked).
    pub fn table(self) -> TableState {
        self.table.get()
    }

    /// The check again, if one was asked for (tracked).
    pub fn again(self) -> Option<Again> {
        self.again.get()
    }

    fn next(self, mut queue: VecDeque<VerdictKey>, again: bool) {
        let Some(key) = queue.pop_front() else {
            return;
        };
        let program = lab::scenario(catalog(), &key.scenario).and_then(|sc| lab::compile(sc, Some(&key.policy), key.model));
        match program {
            Err(e) => {
                self.answer(key, VerdictCell::Error(e.to_string()), again);
                self.next(queue, again);
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
                        self.answer(key, VerdictCell::Done { summary, link, source: Source::Browser }, again);
                        self.next(queue, again);
                    },
                );
            }
        }
    }

    /// A first answer ([`Verdicts::set`]) or an answer of a check again ([`Verdicts::replace`]).
    fn answer(self, key: VerdictKey, cell: VerdictCell, again: bool) {
        if again {
            self.replace(key, cell)
        } else {
            self.set(key, cell)
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

    /// Records the answer of a check again for `key`, in place of what was shown, and counts
    /// it (and whether it differs); the last marks `racelab:verdicts-again`.
    fn replace(self, key: VerdictKey, cell: VerdictCell) {
        let signal = self.signal(key);
        let differs = signal.with_untracked(|old| !old.agrees(&cell));
        let first = signal.with_untracked(|c| matches!(c, VerdictCell::Checking));
        signal.set(cell);
        if first {
            self.done.update(|n| *n += 1);
        }
        let total = self.total();
        self.again.update(|a| {
            if let Some(a) = a {
                a.done += 1;
                a.differ += usize::from(differs);
                if a.done == total {
                    mark("racelab:verdicts-again");
                }
            }
        });
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
                let (verdicts, key, again) = {
                    let mut p = pool.borrow_mut();
                    if let Some(s) = p.slots.get_mut(i) {
                        s.job = None;
                    }
                    (p.verdicts, p.keys.get(id as usize).cloned(), p.again)
                };
                // The next job first, so that the worker works while the page draws this one.
                dispatch(&pool, i);
                let cell = match result {
                    Ok(v) => VerdictCell::of(v, Source::Browser),
                    Err(e) => VerdictCell::Error(e),
                };
                if let Some(key) = key {
                    verdicts.answer(key, cell, again);
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
    let (verdicts, key, left, again) = {
        let mut p = pool.borrow_mut();
        let Some(slot) = p.slots.get_mut(i) else { return };
        if let Some(c) = slot.conn.take() {
            c.terminate();
        }
        let job = slot.job.take();
        let left = p.slots.iter().filter(|s| s.conn.is_some()).count();
        (p.verdicts, job.map(|id| p.keys[id].clone()), left, p.again)
    };
    leptos::logging::warn!("racelab: a verdict worker stopped: {why}");
    if let Some(key) = key {
        verdicts.answer(key, VerdictCell::Error(why.clone()), again);
    }
    if left == 0 {
        fall_back(pool, why);
    }
}

/// No worker works: the keys not done are checked on the main thread, and the page says why.
fn fall_back(pool: &Shared, why: String) {
    let (verdicts, queue, again) = {
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
        (p.verdicts, queue, p.again)
    };
    leptos::logging::warn!("racelab: the gallery's verdicts are checked on the main thread: {why}");
    verdicts.engine.set(Engine::MainThread(why));
    verdicts.next(queue, again);
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
        let done = |v| VerdictCell::Done { summary: summary(v), link: None, source: Source::Browser };
        assert_eq!(done(VerdictKind::Violated).state(), "violated");
        assert_eq!(done(VerdictKind::Safe).state(), "safe");
        assert_eq!(done(VerdictKind::Unknown).state(), "unknown");
    }

    /// The smallest scenario of the catalog (the fewest keys), and its table of one row: its
    /// first policy under its first model, computed as `racelab verdicts` computes it.
    fn one_row() -> (&'static lab::Scenario, lab::VerdictRow) {
        let sc = catalog().scenarios.iter().find(|s| s.race == "litmus").expect("a litmus scenario");
        let row = lab::verdict_row(library(), sc, &sc.policies[0].name, sc.models[0]).expect("it compiles");
        (sc, row)
    }

    fn table_of(rows: &[lab::VerdictRow]) -> String {
        let mut text = format!("{{\"racelab\":\"verdicts\",\"version\":{}}}\n", lab::VERDICTS_FORMAT);
        for r in rows {
            text.push_str(&serde_json::to_string(r).unwrap());
            text.push('\n');
        }
        text
    }

    #[wasm_bindgen_test]
    fn a_row_whose_pin_matches_fills_its_key_and_the_rest_go_to_the_browser() {
        let cat = catalog();
        let keys = keys(cat);
        let (sc, row) = one_row();
        let at = keys.iter().position(|k| k.scenario == sc.id && k.policy == row.policy && k.model == row.model).unwrap();
        let plan = plan(cat, &keys, Ok(table_of(std::slice::from_ref(&row))));
        assert_eq!(plan.state, TableState::Used { matched: 1 });
        assert_eq!(plan.filled.len(), 1);
        assert_eq!(plan.filled[0].0, at);
        assert_eq!(plan.left.len(), keys.len() - 1);
        assert!(!plan.left.contains(&at));
        // The same cell as a worker's answer for the same row, but for where it came from.
        let VerdictCell::Done { summary, link, source } = plan.filled[0].1.clone() else { panic!("{:?}", plan.filled[0].1) };
        assert_eq!(source, Source::Table);
        assert_eq!(link, row.link);
        assert_eq!(summary.verdict, row.verdict);
        assert_eq!(summary.states, row.states);
        assert_eq!(
            summary.trace.as_ref().map(|t| t.len()),
            row.trace.as_ref().map(|t| lab::schedule::decode(t, row.threads).unwrap().len())
        );
        assert!(plan.filled[0].1.agrees(&VerdictCell::of(Verdict::of(&row, 12.0), Source::Browser)));
    }

    #[wasm_bindgen_test]
    fn a_row_computed_from_other_files_is_not_used() {
        let cat = catalog();
        let keys = keys(cat);
        let (_, mut row) = one_row();
        row.pin = "a".repeat(row.pin.len());
        let plan = plan(cat, &keys, Ok(table_of(&[row])));
        assert_eq!(plan.state, TableState::Used { matched: 0 });
        assert!(plan.filled.is_empty());
        assert_eq!(plan.left, (0..keys.len()).collect::<Vec<_>>());
    }

    #[wasm_bindgen_test]
    fn a_table_that_does_not_load_or_read_sends_every_key_to_the_browser_and_says_why() {
        let cat = catalog();
        let keys = keys(cat);
        let (_, row) = one_row();
        let broken = format!("{}{{\"scenario\":", table_of(&[row]));
        for (fetched, why) in [
            (Err("./verdicts.jsonl did not load: Failed to fetch".to_string()), "./verdicts.jsonl did not load: Failed to fetch"),
            (Ok(broken), "verdict table, line 3: not a row: EOF while parsing a value (column 12)"),
            (
                Ok("{\"racelab\":\"verdicts\",\"version\":99}\n".to_string()),
                "verdict table, line 1: format version 99 is unknown (this reads version 1)",
            ),
        ] {
            let plan = plan(cat, &keys, fetched);
            assert_eq!(plan.state, TableState::Failed(why.to_string()));
            assert!(plan.filled.is_empty());
            assert_eq!(plan.left.len(), keys.len());
        }
    }

    #[wasm_bindgen_test]
    fn answers_agree_when_they_say_the_same_whatever_their_time_and_source() {
        let s = |states| Summary {
            verdict: VerdictKind::Safe,
            bound: None,
            invariant: None,
            trace: None,
            states,
            transitions: 3,
            depth: 2,
            ms: 1.0,
        };
        let a = VerdictCell::Done { summary: s(5), link: None, source: Source::Table };
        let b = VerdictCell::Done { summary: Summary { ms: 99.0, ..s(5) }, link: None, source: Source::Browser };
        assert!(a.agrees(&b));
        assert!(!a.agrees(&VerdictCell::Done { summary: s(6), link: None, source: Source::Browser }), "other counts");
        assert!(!a.agrees(&VerdictCell::Done { summary: s(5), link: Some("v=2".into()), source: Source::Table }), "another link");
        assert!(!a.agrees(&VerdictCell::Error("x".into())));
        assert_eq!(a.source(), Some(Source::Table));
        assert_eq!(VerdictCell::Error("x".into()).source(), Some(Source::Browser));
        assert_eq!(VerdictCell::Checking.source(), None);
    }
}
