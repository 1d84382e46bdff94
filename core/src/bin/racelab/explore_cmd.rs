//! `racelab check`, `explain` and `graph`: the explorer from a terminal.

use std::time::Instant;

use racelab_core::lab::{
    self, explore, graph, schedule, Catalog, Invariant, Library, MemoryModel, Options, Program, Report, Request, Scenario, ScheduleSpec,
    Strategy, Verdict,
};
use serde_json::json;

use crate::args::{Args, CliError};

/// The options every exploring command takes.
pub const SEARCH_VALUES: &[&str] = &["max-states", "max-depth", "time-limit", "strategy", "runs", "seed", "pct-depth", "max-steps"];
pub const SEARCH_FLAGS: &[&str] = &["no-reduction"];

fn number<T: std::str::FromStr>(a: &Args, name: &str) -> Result<Option<T>, CliError> {
    match a.value(name) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| CliError::Usage(format!("--{name}: `{v}` is not a valid number"))),
    }
}

pub fn options(a: &Args) -> Result<Options, CliError> {
    let mut o = Options { reduction: !a.flag("no-reduction"), ..Options::default() };
    if let Some(n) = number::<u64>(a, "max-states")? {
        if n == 0 {
            return Err(CliError::Usage("--max-states must be at least 1".into()));
        }
        o.max_states = n;
    }
    if let Some(n) = number(a, "max-depth")? {
        o.max_depth = n;
    }
    if let Some(ms) = number::<f64>(a, "time-limit")? {
        if ms.is_nan() || ms < 0.0 {
            return Err(CliError::Usage("--time-limit takes milliseconds, 0 or more".into()));
        }
        o.time_limit_ms = Some(ms);
    }
    if let Some(seed) = number(a, "seed")? {
        o.seed = seed;
    }
    let runs = number::<u64>(a, "runs")?.unwrap_or(1000);
    let max_steps = number::<u32>(a, "max-steps")?.unwrap_or(10_000);
    o.strategy = match a.value("strategy").unwrap_or("exhaustive") {
        "exhaustive" | "bfs" => Strategy::Exhaustive,
        "random" => Strategy::Random { runs, max_steps },
        "pct" => Strategy::Pct { runs, depth: number::<u32>(a, "pct-depth")?.unwrap_or(3).max(1), max_steps },
        other => return Err(CliError::Usage(format!("--strategy: unknown strategy `{other}` (exhaustive, random, pct)"))),
    };
    if o.strategy == Strategy::Exhaustive && (a.value("runs").is_some() || a.value("pct-depth").is_some()) {
        return Err(CliError::Usage("--runs and --pct-depth go with --strategy random or pct".into()));
    }
    Ok(o)
}

fn clock() -> impl FnMut() -> f64 {
    let t0 = Instant::now();
    move || t0.elapsed().as_secs_f64() * 1000.0
}

pub fn run_explorer(prog: &Program, opts: Options) -> Report {
    let mut c = clock();
    explore::explore(prog, opts, &mut c)
}

/// Every (scenario, policy, model) a `check` asks for.
fn rows<'c>(catalog: &'c Catalog, a: &Args, id: Option<&str>) -> Result<Vec<(&'c Scenario, usize, MemoryModel)>, CliError> {
    let scenarios: Vec<&Scenario> = match id {
        Some(id) => vec![lab::scenario(catalog, id).map_err(|e| CliError::Input(e.to_string()))?],
        None => catalog.scenarios.iter().collect(),
    };
    let model = crate::model_opt(a)?;
    let mut out = vec![];
    for sc in scenarios {
        let policies: Vec<usize> = match a.value("policy") {
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

pub fn json_line(prog: &Program, r: &Report) -> serde_json::Value {
    let cx = r.first();
    let mut v = json!({
        "scenario": r.scenario,
        "policy": r.policy,
        "memory_model": r.model.name(),
        "verdict": r.verdict.name(),
        "invariant": cx.map(|c| c.invariant.name()),
        "trace": cx.map(|c| c.trace.iter().map(|ch| schedule::choice_name(*ch, &prog.layout)).collect::<Vec<_>>()).unwrap_or_default(),
        "trace_len": cx.map(|c| c.trace.len()),
        "switches": cx.map(|c| c.switches),
        "states": r.stats.states,
        "transitions": r.stats.transitions,
        "ms": (r.ms * 1000.0).round() / 1000.0,
    });
    let obj = v.as_object_mut().unwrap();
    if let Verdict::Unknown(b) = r.verdict {
        obj.insert("bound".into(), json!(b.name()));
    }
    if r.violations.len() > 1 {
        obj.insert(
            "violations".into(),
            json!(r
                .violations
                .iter()
                .map(|c| json!({"invariant": c.invariant.name(), "trace_len": c.trace.len(), "switches": c.switches}))
                .collect::<Vec<_>>()),
        );
    }
    if !r.bugs.is_empty() {
        obj.insert("bugs".into(), json!(r.bugs.iter().map(|b| b.message.clone()).collect::<Vec<_>>()));
    }
    v
}

pub fn check(a: &Args, catalog: &Catalog, id: Option<&str>) -> Result<(), CliError> {
    if a.flag("all") && id.is_some() {
        return Err(CliError::Usage("give a SCENARIO or --all, not both".into()));
    }
    let opts = options(a)?;
    let rows = rows(catalog, a, id)?;
    let json = a.flag("json");
    let t0 = Instant::now();
    if !json {
        println!(
            "{:<12} {:<34} {:<7} {:<9} {:<20} {:>5} {:>4} {:>10} {:>12} {:>9}",
            "scenario", "policy", "model", "verdict", "invariant", "steps", "cs", "states", "transitions", "ms"
        );
    }
    for (sc, p, m) in rows {
        let prog = Program::compile(sc, p, m).map_err(|e| CliError::Input(e.to_string()))?;
        let r = run_explorer(&prog, opts.clone());
        for b in &r.bugs {
            eprintln!(
                "racelab: warning: {} under {}: a step fails ({}) after {}",
                sc.id,
                prog.policy,
                b.message,
                schedule::format_names(&b.trace, &prog.layout)
            );
        }
        if json {
            println!("{}", json_line(&prog, &r));
            continue;
        }
        let cx = r.first();
        println!(
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
        if let Some(c) = cx {
            println!("{:<12} schedule: {}", "", schedule::format_names(&c.trace, &prog.layout));
        }
        if let Verdict::Unknown(b) = r.verdict {
            println!("{:<12} {}", "", b.describe());
        }
    }
    if !json {
        println!("total {:.1} ms", t0.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(())
}

fn invariant_opt(a: &Args, prog: &Program) -> Result<Option<Invariant>, CliError> {
    match a.value("invariant") {
        None => Ok(None),
        Some(name) => {
            let inv = Invariant::parse(name).ok_or_else(|| {
                CliError::Usage(format!(
                    "--invariant: unknown invariant `{name}` ({})",
                    Invariant::ALL.iter().map(|i| i.name()).collect::<Vec<_>>().join(", ")
                ))
            })?;
            if !prog.checks.contains(&inv) {
                return Err(CliError::Input(format!("{} does not check {name}", prog.scenario)));
            }
            Ok(Some(inv))
        }
    }
}

pub fn explain(a: &Args, lib: &Library, id: &str) -> Result<(), CliError> {
    let catalog = lib.current();
    let sc = lab::scenario(catalog, id).map_err(|e| CliError::Input(e.to_string()))?;
    let prog = lab::compile(sc, a.value("policy"), crate::model(a)?).map_err(|e| CliError::Input(e.to_string()))?;
    let want = invariant_opt(a, &prog)?;
    let mut opts = options(a)?;
    opts.stop_when_all_violated = want.is_none() || prog.checks.len() == 1;
    let r = run_explorer(&prog, opts);
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
        if a.flag("json") {
            println!("{}", json_line(&prog, &r));
        } else {
            println!("{} under {} ({}): {what}", sc.id, prog.policy, prog.model.name());
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
    if !a.flag("json") {
        println!(
            "The {} trace that breaks {}: {} steps, {} context switches (explored {} states{}).\n",
            if cx.shortest { "shortest" } else { "found" },
            cx.invariant.name(),
            cx.trace.len(),
            cx.switches,
            r.stats.states,
            if r.reduction { " with partial-order reduction" } else { "" }
        );
    }
    crate::output::replay(lib, &opened, a.flag("json"));
    Ok(())
}

pub fn graph(a: &Args, catalog: &Catalog, id: &str) -> Result<(), CliError> {
    let sc = lab::scenario(catalog, id).map_err(|e| CliError::Input(e.to_string()))?;
    let prog = lab::compile(sc, a.value("policy"), crate::model(a)?).map_err(|e| CliError::Input(e.to_string()))?;
    let dot = match a.value("kind").unwrap_or("states") {
        "states" => {
            if a.value("trace").is_some() || a.value("schedule").is_some() {
                return Err(CliError::Usage("--trace and --schedule go with --kind hb".into()));
            }
            let max = number::<usize>(a, "max-states")?.unwrap_or(20_000);
            let g = graph::state_graph(&prog, max);
            if !g.complete {
                eprintln!("racelab: warning: the graph is cut at {max} states (raise --max-states)");
            }
            graph::state_graph_dot(&prog, &g)
        }
        "hb" => {
            let (trace, what) = match (a.value("trace"), a.value("schedule")) {
                (Some(_), Some(_)) => return Err(CliError::Usage("give --schedule or --trace, not both".into())),
                (Some(t), None) => {
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
                    let parsed = if s.chars().all(|c| c.is_ascii_alphanumeric()) && s.chars().any(|c| c.is_ascii_digit()) {
                        schedule::decode(s, prog.threads.len())
                    } else {
                        schedule::parse_names(s, &prog.layout)
                    };
                    (parsed.map_err(|e| CliError::Input(e.to_string()))?, "the given schedule".to_string())
                }
                (None, None) => {
                    let r = run_explorer(&prog, options(a)?);
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
        other => return Err(CliError::Usage(format!("--kind: unknown graph `{other}` (states, hb)"))),
    };
    match a.value("output") {
        Some(path) if path != "-" => std::fs::write(path, dot).map_err(|e| CliError::Input(format!("{path}: {e}")))?,
        _ => print!("{dot}"),
    }
    Ok(())
}
