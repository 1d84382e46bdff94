//! `racelab bench`: the explorer's figures, per scenario and policy, with and without
//! partial-order reduction, and the whole verdict table timed as `racelab check --all` runs it.
//! The numbers belong here, never in a timed test. Build it with the `bench` profile (speed;
//! `release` is tuned for the size of the wasm bundle):
//!
//!     cargo run --profile bench -p racelab-cli -- bench [--quick]

use std::time::Instant;

use racelab_core::lab::{explore, Catalog, MemoryModel, Options, Program, Report};

use crate::explore_cmd;

use crate::json;
use crate::term;
use crate::CliError;

fn timed(prog: &Program, opts: &Options, repeat: usize) -> Report {
    let mut best: Option<Report> = None;
    for _ in 0..repeat {
        let t0 = Instant::now();
        let mut clock = || t0.elapsed().as_secs_f64() * 1000.0;
        let r = explore::explore(prog, opts.clone(), &mut clock);
        if best.as_ref().is_none_or(|b| r.ms < b.ms) {
            best = Some(r);
        }
    }
    best.unwrap()
}

/// The process's peak resident set (Linux), in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The one-minute load average (Linux): the parallel figure means little when it is high.
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

/// N threads x K iterations of an unlocked counter (`bench/compare/gen.py`'s `unlocked`).
fn unlocked_counter(n: usize, k: usize) -> String {
    let mut s = String::from("racelab 1\npolicy as_written {\n  title \"as written\"\n  fate baseline\n}\n");
    s += "scenario counter {\n  title \"an unlocked counter\"\n  policies as_written\n  baseline as_written\n  check no_lost_write\n}\n";
    s += "state {\n  var c=0\n}\n";
    for t in 0..n {
        s += &format!("thread t{t} on CPU{t} \"increments\" {{\n");
        s += &"  r = READ_ONCE(c)\n  WRITE_ONCE(c, r + 1)\n  r = 0\n".repeat(k);
        s += "}\n";
    }
    s
}

/// The plain search of a generated counter (10^7 states; 10^5 quick) on one thread and on
/// every core, best of `repeat`: (jobs, states, ms on one, ms on all, load before).
fn parallel(quick: bool, repeat: usize) -> Result<(usize, u64, f64, f64, Option<f64>), CliError> {
    let (n, k) = if quick { (3, 4) } else { (3, 10) };
    let catalog = Catalog::from_sources(vec![("counter.race".to_string(), unlocked_counter(n, k))]);
    let sc = catalog.scenarios.first().ok_or_else(|| CliError::Input(format!("the generated counter: {:?}", catalog.errors)))?;
    let prog = Program::compile(sc, sc.baseline, MemoryModel::Sc).map_err(|e| CliError::Input(e.to_string()))?;
    let opts = Options { reduction: false, stop_when_all_violated: false, shortest: false, ..Options::default() };
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let load = load_average();
    let best = |jobs: usize| {
        let mut best: Option<Report> = None;
        for _ in 0..repeat {
            let r = explore_cmd::explore_on(&prog, opts.clone(), jobs, &mut |_| true);
            if best.as_ref().is_none_or(|b| r.ms < b.ms) {
                best = Some(r);
            }
        }
        best.unwrap()
    };
    let (one, all) = (best(1), best(jobs));
    if (one.stats, &one.verdict) != (all.stats, &all.verdict) {
        return Err(CliError::Input(format!("the search on {jobs} threads differs from the one on one thread: {:?}", all.stats)));
    }
    Ok((jobs, one.stats.states, one.ms, all.ms, load))
}

struct Row {
    scenario: String,
    policy: String,
    threads: usize,
    plain: Report,
    reduced: Report,
}

fn rate(r: &Report) -> f64 {
    if r.ms > 0.0 {
        r.stats.transitions as f64 / r.ms * 1000.0
    } else {
        0.0
    }
}

fn bytes_per_state(r: &Report) -> f64 {
    r.stats.peak_bytes as f64 / r.stats.states.max(1) as f64
}

pub fn run(catalog: &Catalog, quick: bool, as_json: bool) -> Result<(), CliError> {
    let repeat = if quick { 1 } else { 3 };
    let full = |reduction| Options { reduction, stop_when_all_violated: false, shortest: false, ..Options::default() };
    let mut rows = vec![];
    for sc in &catalog.scenarios {
        for p in 0..sc.policies.len() {
            let prog = Program::compile(sc, p, MemoryModel::Sc).map_err(|e| CliError::Input(e.to_string()))?;
            let plain = timed(&prog, &full(false), repeat);
            let reduced = timed(&prog, &full(true), repeat);
            rows.push(Row { scenario: sc.id.clone(), policy: prog.policy.clone(), threads: prog.threads.len(), plain, reduced });
        }
    }
    // The verdict table exactly as `racelab check --all` computes it (default options:
    // reduction, stop at the first violation of each invariant, shortest traces).
    let mut table_ms = f64::MAX;
    let mut table_rows = 0;
    for _ in 0..if quick { 1 } else { 5 } {
        let t0 = Instant::now();
        table_rows = 0;
        for sc in &catalog.scenarios {
            for p in 0..sc.policies.len() {
                for &m in &sc.models {
                    let prog = Program::compile(sc, p, m).map_err(|e| CliError::Input(e.to_string()))?;
                    let mut clock = || t0.elapsed().as_secs_f64() * 1000.0;
                    std::hint::black_box(explore::explore(&prog, Options::default(), &mut clock));
                    table_rows += 1;
                }
            }
        }
        table_ms = table_ms.min(t0.elapsed().as_secs_f64() * 1000.0);
    }

    let total_tr: u64 = rows.iter().map(|r| r.plain.stats.transitions).sum();
    let total_ms: f64 = rows.iter().map(|r| r.plain.ms).sum();
    let big: Vec<&Row> = rows.iter().filter(|r| r.plain.stats.transitions >= 100_000).collect();
    let best_rate = rows.iter().map(|r| rate(&r.plain)).fold(0.0, f64::max);
    let big_rate = if big.is_empty() {
        0.0
    } else {
        big.iter().map(|r| r.plain.stats.transitions).sum::<u64>() as f64 / big.iter().map(|r| r.plain.ms).sum::<f64>() * 1000.0
    };
    let bps = rows
        .iter()
        .filter(|r| r.plain.stats.states >= 10_000)
        .map(|r| bytes_per_state(&r.plain).max(bytes_per_state(&r.reduced)))
        .fold(0.0, f64::max);
    // The race with the most threads (ties: the biggest state space), by its baseline.
    let most = rows.iter().max_by_key(|r| (r.threads, r.plain.stats.states));
    let factor = |r: &Row| r.plain.stats.states as f64 / r.reduced.stats.states.max(1) as f64;
    let (most_id, most_threads, most_min, most_max) = match most {
        Some(m) => {
            let of: Vec<f64> = rows.iter().filter(|r| r.scenario == m.scenario).map(factor).collect();
            (m.scenario.clone(), m.threads, of.iter().cloned().fold(f64::MAX, f64::min), of.iter().cloned().fold(0.0, f64::max))
        }
        None => (String::new(), 0, 0.0, 0.0),
    };
    let (jobs, par_states, one_ms, all_ms, load) = parallel(quick, repeat)?;
    let speedup = one_ms / all_ms.max(1e-9);
    let rss = peak_rss();

    if as_json {
        let one = |x: &Report| json::BenchRun {
            bytes_per_state: bytes_per_state(x),
            ms: x.ms,
            peak_bytes: x.stats.peak_bytes,
            states: x.stats.states,
            states_per_s: (x.stats.states as f64 / x.ms.max(1e-9) * 1000.0).round(),
            transitions: x.stats.transitions,
            transitions_per_s: rate(x).round(),
        };
        for r in &rows {
            let row = json::BenchRow {
                plain: one(&r.plain),
                policy: &r.policy,
                reduced: one(&r.reduced),
                reduction: factor(r),
                scenario: &r.scenario,
                threads: r.threads,
            };
            term::json_line(&row);
        }
        let summary = json::BenchSummary {
            max_bytes_per_state: bps,
            most_threads: &most_id,
            parallel_jobs: jobs,
            parallel_load: load,
            parallel_speedup: speedup,
            parallel_states: par_states,
            peak_rss: rss,
            quick,
            reduction_max: most_max,
            reduction_min: most_min,
            summary: true,
            table_ms,
            table_rows,
            threads: most_threads,
            transitions_per_s: (total_tr as f64 / total_ms.max(1e-9) * 1000.0).round(),
            transitions_per_s_best: best_rate.round(),
            transitions_per_s_big: big_rate.round(),
        };
        term::json_line(&summary);
        return Ok(());
    }
    say!(
        "{:<9} {:<32} | {:>8} {:>9} {:>8} {:>7} {:>7} {:>6} | {:>7} {:>8} {:>7} {:>6} | {:>6}",
        "scenario",
        "policy",
        "states",
        "trans.",
        "ms",
        "Mtr/s",
        "Mst/s",
        "B/st",
        "states",
        "trans.",
        "ms",
        "B/st",
        "factor"
    );
    say!("{:<42} | {:^57} | {:^33} |", "", "without reduction", "with reduction");
    for r in &rows {
        let (p, q) = (&r.plain, &r.reduced);
        say!(
            "{:<9} {:<32} | {:>8} {:>9} {:>8.2} {:>7.2} {:>7.2} {:>6.1} | {:>7} {:>8} {:>7.2} {:>6.1} | {:>6.2}",
            r.scenario,
            r.policy,
            p.stats.states,
            p.stats.transitions,
            p.ms,
            rate(p) / 1e6,
            p.stats.states as f64 / p.ms.max(1e-9) / 1e3,
            bytes_per_state(p),
            q.stats.states,
            q.stats.transitions,
            q.ms,
            bytes_per_state(q),
            factor(r)
        );
    }
    say!();
    say!("whole verdict table ({table_rows} rows, as `check --all`): {table_ms:.1} ms (target < 1000 ms)");
    say!(
        "transitions/s on one core, without reduction: {:.2} M overall, {:.2} M on the runs of 100k transitions or more, {:.2} M best (target >= 3 M)",
        total_tr as f64 / total_ms.max(1e-9) / 1e3,
        big_rate / 1e6,
        best_rate / 1e6
    );
    say!("search memory: at most {bps:.1} bytes per state on runs of 10k states or more (target <= 48)");
    say!(
        "reduction on {most_id} ({most_threads} threads, the most): {most_min:.2}x to {most_max:.2}x fewer states across its policies (target >= 5x)"
    );
    say!(
        "parallel search, unlocked counter without reduction ({par_states} states): {one_ms:.0} ms on 1 thread, {all_ms:.0} ms on {jobs}: {speedup:.2}x (target >= 1.6x on 2 cores at 10^7 states; load average before: {})",
        load.map_or("unknown".to_string(), |l| format!("{l:.2}"))
    );
    if let Some(rss) = rss {
        say!("peak resident memory of this process: {:.1} MiB", rss as f64 / (1 << 20) as f64);
    }
    if cfg!(debug_assertions) {
        say!("(a debug build: run with `--profile bench` for meaningful figures)");
    }
    Ok(())
}
