//! `racelab check`, `explain` and `graph`: the explorer from a terminal.

use std::time::Instant;

use racelab_core::lab::{
    self, graph, schedule, Catalog, Expansion, Explorer, Library, MemoryModel, Options, Program, Report, Request, Scenario, ScheduleSpec,
    Strategy, Verdict,
};

use rayon::prelude::*;

use crate::cli::{CheckArgs, ExplainArgs, GraphArgs, GraphKind, SearchArgs, StrategyArg};
use crate::json;
use crate::progress::Reporter;
use crate::term;
use crate::CliError;

pub fn options(a: &SearchArgs) -> Result<Options, CliError> {
    let mut o = Options { reduction: !a.no_reduction, ..Options::default() };
    if let Some(n) = a.max_states {
        o.max_states = n;
    }
    o.max_memory = a.max_memory.unwrap_or_else(default_max_memory);
    if let Some(n) = a.max_depth {
        o.max_depth = n;
    }
    o.time_limit_ms = a.time_limit;
    if let Some(seed) = a.seed {
        o.seed = seed;
    }
    let runs = a.runs.unwrap_or(1000);
    let max_steps = a.max_steps.unwrap_or(10_000);
    o.strategy = match a.strategy.unwrap_or(StrategyArg::Exhaustive) {
        StrategyArg::Exhaustive => Strategy::Exhaustive,
        StrategyArg::Random => Strategy::Random { runs, max_steps },
        StrategyArg::Pct => Strategy::Pct { runs, depth: a.pct_depth.unwrap_or(3), max_steps },
    };
    if o.strategy == Strategy::Exhaustive && (a.runs.is_some() || a.pct_depth.is_some()) {
        return Err(CliError::Usage("--runs and --pct-depth go with --strategy random or pct".into()));
    }
    Ok(o)
}

/// The memory a search may hold when `--max-memory` says nothing: half the machine's memory,
/// and half the address space `ulimit -v` allows when that is less (tables grow by copying,
/// so the process needs room beside what the search holds). Off Linux, the core's default.
fn default_max_memory() -> u64 {
    let field =
        |text: &str, key: &str| -> Option<u64> { text.lines().find(|l| l.starts_with(key))?.split_whitespace().nth(1)?.parse().ok() };
    let physical = std::fs::read_to_string("/proc/meminfo").ok().and_then(|t| field(&t, "MemTotal:")).map(|kb| kb * 1024);
    // `Max address space  <soft> <hard> bytes`, or `unlimited`.
    let limit = std::fs::read_to_string("/proc/self/limits").ok().and_then(|t| {
        let line = t.lines().find(|l| l.starts_with("Max address space"))?;
        line.trim_start_matches("Max address space").split_whitespace().next()?.parse::<u64>().ok()
    });
    match (physical, limit) {
        (None, None) => lab::explore::DEFAULT_MAX_MEMORY,
        (p, l) => p.unwrap_or(u64::MAX).min(l.unwrap_or(u64::MAX)) / 2,
    }
}

fn clock() -> impl FnMut() -> f64 {
    let t0 = Instant::now();
    move || t0.elapsed().as_secs_f64() * 1000.0
}

/// The threads a search runs on: `--jobs`, or the available parallelism.
pub fn jobs(a: &SearchArgs) -> usize {
    a.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Ranges expanded at once per thread: enough for the work-stealing to even out ranges of
/// unequal work, few enough that the batches are still in the caches when they are merged.
const LANES_PER_JOB: usize = 4;

/// A pool of `jobs` threads for the explorer's expansions, or none for one job (or when the
/// system gives no threads: the search then runs on this one).
fn pool(jobs: usize) -> Option<rayon::ThreadPool> {
    if jobs <= 1 {
        return None;
    }
    rayon::ThreadPoolBuilder::new().num_threads(jobs).thread_name(|i| format!("racelab-explore-{i}")).build().ok()
}

/// Explores `prog` to the end on `jobs` threads (one: the sequential search), with its
/// progress on stderr when that is a terminal.
///
/// The threads live here, not in the core (which must stay thread-free for wasm): the core
/// hands out the pieces of a level's work ([`Expansion`]: ranges to expand, then, without
/// reduction, shards of the table to merge them into) and numbers the new states in order.
/// They run on a rayon pool: its threads persist across the many short rounds of a search
/// (a level is expanded a few thousand states at a time) and steal ranges from each other
/// when the work per state is uneven; `std::thread::scope` would start threads every round.
pub fn run_explorer(prog: &Program, opts: Options, jobs: usize) -> Report {
    let mut progress = Reporter::new(&format!("{} under {} ({})", prog.scenario, prog.policy, prog.model.name()));
    explore_on(prog, opts, jobs, &mut |p| {
        progress.update(p);
        true
    })
}

/// Explores `prog` to the end on `jobs` threads, calling `progress` between slices (false
/// from it cancels); the report's time is the wall clock's.
pub fn explore_on(prog: &Program, opts: Options, jobs: usize, progress: &mut dyn FnMut(&lab::Progress) -> bool) -> Report {
    let mut c = clock();
    let mut ex = Explorer::new(prog, opts);
    match pool(jobs) {
        None => ex.run_to_end(&mut c, progress),
        Some(pool) => {
            let mut expand = |tasks: &mut [Expansion<'_>]| pool.install(|| tasks.par_iter_mut().for_each(|t| t.run()));
            ex.run_to_end_with(&mut c, progress, jobs * LANES_PER_JOB, &mut expand)
        }
    }
}

/// Every (scenario, policy, model) a `check` asks for.
fn rows<'c>(catalog: &'c Catalog, a: &CheckArgs, id: Option<&str>) -> Result<Vec<(&'c Scenario, usize, MemoryModel)>, CliError> {
    let scenarios: Vec<&Scenario> = match id {
        Some(id) => vec![lab::scenario(catalog, id).map_err(|e| CliError::Input(e.to_string()))?],
        None => catalog.scenarios.iter().collect(),
    };
    let model = a.model;
    let mut out = vec![];
    for sc in scenarios {
        let policies: Vec<usize> = match a.policy.as_deref() {
            None => (0..sc.policies.len()).collect(),
            Some(p) => match sc.policy(p) {
                Some(i) => vec![i],
                None if id.is_none() => vec![],
                None => {
                    return Err(CliError::Input(
                        lab::LabError::UnknownPolicy {
                            scenario: sc.id.clone(),
                            policy: p.to_string(),
                            known: sc.policies.iter().map(|p| p.name.clone()).collect(),
                        }
                        .to_string(),
                    ))
                }
            },
        };
        let models: Vec<MemoryModel> = match model {
            Some(m) if sc.models.contains(&m) => vec![m],
            Some(m) if id.is_some() => {
                return Err(CliError::Input(
                    lab::LabError::UnsupportedModel { scenario: sc.id.clone(), model: m, known: sc.models.clone() }.to_string(),
                ))
            }
            Some(_) => vec![],
            None => sc.models.clone(),
        };
        for &p in &policies {
            for &m in &models {
                out.push((sc, p, m));
            }
        }
    }
    if out.is_empty() {
        return Err(CliError::Input("no scenario, policy and model match".into()));
    }
    Ok(out)
}

pub fn check_line<'a>(prog: &'a Program, r: &'a Report, applies: Option<lab::RowApplies>) -> json::Check<'a> {
    let cx = r.first();
    json::Check {
        anachronism: applies.as_ref().map(|a| a.anachronism),
        applies: applies.map(|a| a.text),
        bound: match r.verdict {
            Verdict::Unknown(b) => Some(b.name()),
            _ => None,
        },
        bugs: (!r.bugs.is_empty()).then(|| r.bugs.iter().map(|b| b.message.as_str()).collect()),
        invariant: cx.map(|c| c.invariant.name()),
        memory_model: r.model.name(),
        ms: (r.ms * 1000.0).round() / 1000.0,
        policy: &r.policy,
        scenario: &r.scenario,
        states: r.stats.states,
        switches: cx.map(|c| c.switches),
        trace: cx.map(|c| c.trace.iter().map(|ch| schedule::choice_name(*ch, &prog.layout)).collect()).unwrap_or_default(),
        trace_len: cx.map(|c| c.trace.len()),
        transitions: r.stats.transitions,
        verdict: r.verdict.name(),
        violations: (r.violations.len() > 1).then(|| {
            r.violations
                .iter()
                .map(|c| json::CheckViolation { invariant: c.invariant.name(), switches: c.switches, trace_len: c.trace.len() })
                .collect()
        }),
        warnings: (!prog.warnings.is_empty()).then(|| {
            prog.warnings.iter().map(|w| json::Warning { file: &w.file, line: w.pos.line, col: w.pos.col, message: &w.message }).collect()
        }),
    }
}

pub fn check(a: &CheckArgs, catalog: &Catalog, id: Option<&str>) -> Result<(), CliError> {
    let opts = options(&a.search)?;
    let rows = rows(catalog, a, id)?;
    let json = a.json;
    let t0 = Instant::now();
    if !json {
        say!(
            "{:<12} {:<34} {:<7} {:<9} {:<20} {:>5} {:>4} {:>10} {:>12} {:>9}",
            "scenario",
            "policy",
            "model",
            "verdict",
            "invariant",
            "steps",
            "cs",
            "states",
            "transitions",
            "ms"
        );
    }
    let mut warned = Vec::new();
    for (sc, p, m) in rows {
        let prog = Program::compile(sc, p, m).map_err(|e| CliError::Input(e.to_string()))?;
        crate::output::warnings(&prog, &mut warned);
        let r = run_explorer(&prog, opts.clone(), jobs(&a.search));
        for b in &r.bugs {
            tell!(
                "racelab: warning: {} under {}: a step fails ({}) after {}",
                sc.id,
                prog.policy,
                b.message,
                schedule::format_names(&b.trace, &prog.layout)
            );
        }
        let applies = sc.applies_to(p, m);
        if json {
            term::json_line(&check_line(&prog, &r, applies));
            continue;
        }
        let cx = r.first();
        say!(
            "{:<12} {:<34} {:<7} {:<9} {:<20} {:>5} {:>4} {:>10} {:>12} {:>9.2}",
            sc.id,
            prog.policy,
            m.name(),
            r.verdict.name(),
            cx.map(|c| c.invariant.name()).unwrap_or("-"),
            cx.map(|c| c.trace.len().to_string()).unwrap_or("-".into()),
            cx.map(|c| c.switches.to_string()).unwrap_or("-".into()),
            r.stats.states,
            r.stats.transitions,
            r.ms
        );
        if let Some(a) = &applies {
            say!("{:<12} {}", "", a.text);
        }
        if let Some(c) = cx {
            say!("{:<12} schedule: {}", "", schedule::format_names(&c.trace, &prog.layout));
        }
        if let Verdict::Unknown(b) = r.verdict {
            say!("{:<12} {}", "", b.describe());
        }
    }
    if !json {
        say!("total {:.1} ms", t0.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(())
}

pub fn explain(a: &ExplainArgs, lib: &Library, id: &str) -> Result<(), CliError> {
    let catalog = lib.current();
    let sc = lab::scenario(catalog, id).map_err(|e| CliError::Input(e.to_string()))?;
    let prog = lab::compile(sc, a.target.policy.as_deref(), a.target.model()).map_err(|e| CliError::Input(e.to_string()))?;
    crate::output::warnings(&prog, &mut Vec::new());
    let want = a.invariant;
    if let Some(inv) = want {
        if !prog.checks.contains(&inv) {
            return Err(CliError::Input(format!("{} does not check {}", prog.scenario, inv.name())));
        }
    }
    let mut opts = options(&a.search)?;
    opts.stop_when_all_violated = want.is_none() || prog.checks.len() == 1;
    let r = run_explorer(&prog, opts, jobs(&a.search));
    let cx = r.violations.iter().find(|c| want.is_none_or(|w| c.invariant == w));
    let Some(cx) = cx else {
        let what = match r.verdict {
            Verdict::Safe => format!(
                "safe: every one of the {} reachable states keeps {}",
                r.stats.states,
                prog.checks.iter().map(|i| i.name()).collect::<Vec<_>>().join(", ")
            ),
            Verdict::Unknown(b) => format!("unknown: {} ({} states explored), and no violation found", b.describe(), r.stats.states),
            Verdict::Violated => {
                format!("{} holds in every reachable state; other invariants break", want.map(|w| w.name()).unwrap_or("?"))
            }
        };
        if a.json {
            let applies = sc.policy(&prog.policy).and_then(|p| sc.applies_to(p, prog.model));
            term::json_line(&check_line(&prog, &r, applies));
        } else {
            say!("{} under {} ({}): {what}", sc.id, prog.policy, prog.model.name());
        }
        return Ok(());
    };
    let req = Request {
        scenario: sc.id.clone(),
        policy: Some(prog.policy.clone()),
        model: prog.model,
        schedule: ScheduleSpec::Choices(cx.trace.clone()),
        nearest: false,
    };
    let opened = lab::open(catalog, &req).map_err(|e| CliError::Input(e.to_string()))?;
    if !a.json {
        say!(
            "The {} trace that breaks {}: {} steps, {} context switches (explored {} states{}).\n",
            if cx.shortest { "shortest" } else { "found" },
            cx.invariant.name(),
            cx.trace.len(),
            cx.switches,
            r.stats.states,
            if r.reduction { " with partial-order reduction" } else { "" }
        );
    }
    crate::output::replay(lib, &opened, a.json);
    Ok(())
}

pub fn graph(a: &GraphArgs, catalog: &Catalog, id: &str) -> Result<(), CliError> {
    let sc = lab::scenario(catalog, id).map_err(|e| CliError::Input(e.to_string()))?;
    let prog = lab::compile(sc, a.target.policy.as_deref(), a.target.model()).map_err(|e| CliError::Input(e.to_string()))?;
    let dot = match a.kind {
        GraphKind::States => {
            if a.trace.trace.is_some() || a.trace.schedule.is_some() {
                return Err(CliError::Usage("--trace and --schedule go with --kind hb".into()));
            }
            let max = a.search.max_states.map_or(20_000, |n| usize::try_from(n).unwrap_or(usize::MAX));
            let g = graph::state_graph(&prog, max);
            if !g.complete {
                tell!("racelab: warning: the graph is cut at {max} states (raise --max-states)");
            }
            graph::state_graph_dot(&prog, &g)
        }
        GraphKind::Hb => {
            let (trace, what) = match (&a.trace.trace, &a.trace.schedule) {
                (Some(t), _) => {
                    let spec = ScheduleSpec::Trace(t.to_string());
                    let req = Request {
                        scenario: sc.id.clone(),
                        policy: Some(prog.policy.clone()),
                        model: prog.model,
                        schedule: spec,
                        nearest: true,
                    };
                    let opened = lab::open(catalog, &req).map_err(|e| CliError::Input(e.to_string()))?;
                    (opened.run.schedule.clone(), format!("trace {t}"))
                }
                (None, Some(s)) => {
                    let parsed = schedule::parse(s, &prog.layout).map_err(|e| CliError::Input(e.to_string()))?;
                    (parsed, "the given schedule".to_string())
                }
                (None, None) => {
                    let r = run_explorer(&prog, options(&a.search)?, jobs(&a.search));
                    match r.first() {
                        Some(c) => (c.trace.clone(), format!("the shortest trace breaking {}", c.invariant.name())),
                        None => {
                            return Err(CliError::Input(format!(
                                "{} under {} breaks no invariant ({}): give a trace to draw with --trace NAME or --schedule S",
                                sc.id,
                                prog.policy,
                                r.verdict.name()
                            )))
                        }
                    }
                }
            };
            let g = graph::happens_before(&prog, &trace).map_err(CliError::Input)?;
            let title = format!("{} under {}: happens-before of {what} ({} steps)", sc.id, prog.policy, trace.len());
            graph::happens_before_dot(&prog, &g, &title)
        }
    };
    match a.output.as_deref() {
        Some(path) if path != "-" => std::fs::write(path, dot).map_err(|e| CliError::Input(format!("{path}: {e}")))?,
        _ => term::text(&dot),
    }
    Ok(())
}
