//! The explorer compiled to wasm32 for the benchmark in node (`wasm_bench.mjs` beside this
//! file runs it): plain `extern "C"` exports, no bindings, kept out of the app bundle.
//!
//!     cargo build --profile bench -p racelab-core --example wasm_bench --target wasm32-unknown-unknown
//!     node core/examples/wasm_bench.mjs target/wasm32-unknown-unknown/release/examples/wasm_bench.wasm
//!
//! Natively it does nothing (the build of every target compiles it).

use std::cell::RefCell;

use racelab_core::explore::{self, Explorer, Options, Status};
use racelab_core::layout::MemoryModel;
use racelab_core::{Catalog, Program};

struct Bench {
    programs: Vec<Program>,
    explorer: Option<Explorer>,
    states: u64,
    transitions: u64,
    name: Vec<u8>,
}

thread_local! {
    static BENCH: RefCell<Option<Bench>> = const { RefCell::new(None) };
}

fn with<T>(f: impl FnOnce(&mut Bench) -> T) -> T {
    BENCH.with(|b| {
        let mut b = b.borrow_mut();
        let bench = b.get_or_insert_with(|| {
            let catalog = Catalog::builtin();
            let mut programs = vec![];
            for sc in &catalog.scenarios {
                for p in 0..sc.policies.len() {
                    programs.push(Program::compile(sc, p, MemoryModel::Sc).expect("the catalog compiles"));
                }
            }
            Bench { programs, explorer: None, states: 0, transitions: 0, name: vec![] }
        });
        f(bench)
    })
}

/// How many (scenario, policy) rows there are.
#[no_mangle]
pub extern "C" fn bench_rows() -> u32 {
    with(|b| b.programs.len() as u32)
}

/// "scenario policy" of a row, NUL-terminated, in the module's memory.
#[no_mangle]
pub extern "C" fn bench_row_name(row: u32) -> *const u8 {
    with(|b| {
        let p = &b.programs[row as usize];
        b.name = format!("{} {}\0", p.scenario, p.policy).into_bytes();
        b.name.as_ptr()
    })
}

/// Starts a full exploration of a row (every state, no early stop).
#[no_mangle]
pub extern "C" fn bench_start(row: u32, reduction: u32) {
    with(|b| {
        let opts = Options { reduction: reduction != 0, stop_when_all_violated: false, shortest: false, ..Options::default() };
        b.explorer = Some(Explorer::new(&b.programs[row as usize], opts));
    })
}

/// One slice of at most `budget` transitions; 1 when the exploration is done.
#[no_mangle]
pub extern "C" fn bench_slice(budget: u32) -> u32 {
    with(|b| match b.explorer.as_mut().expect("bench_start first").run(budget as u64, 0.0) {
        Status::Running(_) => 0,
        Status::Done(r) => {
            b.states = r.stats.states;
            b.transitions = r.stats.transitions;
            b.explorer = None;
            1
        }
    })
}

#[no_mangle]
pub extern "C" fn bench_states() -> f64 {
    with(|b| b.states as f64)
}

#[no_mangle]
pub extern "C" fn bench_transitions() -> f64 {
    with(|b| b.transitions as f64)
}

/// The verdict table as `racelab check --all` computes it; returns the rows.
#[no_mangle]
pub extern "C" fn bench_table() -> u32 {
    with(|b| {
        for p in &b.programs {
            std::hint::black_box(explore::explore(p, Options::default(), &mut || 0.0));
        }
        b.programs.len() as u32
    })
}

/// The fingerprint of the test vector of `tests/explore.rs` (split in halves: JS numbers
/// hold 53 bits).
#[no_mangle]
pub extern "C" fn golden_high() -> u32 {
    (explore::encode::fingerprint(&b"racelab fingerprint test vector"[..24]) >> 32) as u32
}

#[no_mangle]
pub extern "C" fn golden_low() -> u32 {
    explore::encode::fingerprint(&b"racelab fingerprint test vector"[..24]) as u32
}

#[allow(dead_code)]
fn main() {}
