//! What the commands print: readable tables, or JSON lines for scripts (documented in the
//! README; keep the field names stable).

/// `println!` that ends the program quietly when stdout is closed (`racelab list | head`)
/// instead of panicking.
#[macro_export]
macro_rules! say {
    () => { $crate::output::line(format_args!("")) };
    ($($arg:tt)*) => { $crate::output::line(format_args!($($arg)*)) };
}

pub fn line(args: std::fmt::Arguments) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{args}").is_err() {
        std::process::exit(0);
    }
}

use racelab_core::lab::view::ChoiceKind;
use racelab_core::lab::{self, schedule, view, Catalog, Choice, DeviationKind, Library, Opened, Outcome, Program, Scenario};
use serde_json::{json, Value};

pub fn list(catalog: &Catalog, as_json: bool) {
    for sc in &catalog.scenarios {
        let v = view::scenario(sc);
        if as_json {
            let obj = json!({
                "id": v.id,
                "title": v.title,
                "race": v.race,
                "file": v.file,
                "summary": v.summary,
                "baseline": v.baseline,
                "policies": v.policies.iter().map(|p| json!({"name": p.name, "title": p.title, "fate": p.fate, "baseline": p.baseline})).collect::<Vec<_>>(),
                "traces": v.traces.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
                "invariants": v.invariants,
                "models": v.models,
            });
            say!("{obj}");
        } else {
            say!("{:<12} race {:<4} {}", v.id, v.race, v.title);
            say!(
                "{:<12} policies: {}",
                "",
                v.policies
                    .iter()
                    .map(|p| if p.baseline { format!("{} (baseline)", p.name) } else { p.name.clone() })
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            say!(
                "{:<12} traces: {}; checks: {}",
                "",
                v.traces.iter().map(|t| t.name.clone()).collect::<Vec<_>>().join(", "),
                v.invariants.iter().map(|i| i.name()).collect::<Vec<_>>().join(", ")
            );
        }
    }
}

pub fn show(sc: &Scenario, prog: &Program, as_json: bool) {
    let v = view::scenario(sc);
    let code = view::code(prog, sc);
    if as_json {
        let obj = json!({
            "scenario": v,
            "policy": prog.policy,
            "model": prog.model.name(),
            "threads": code,
            "initial": view::state(prog, &prog.init),
        });
        say!("{obj}");
        return;
    }
    say!("{} (race {}, {}): {}", v.id, v.race, v.section, v.title);
    say!("  {}", v.summary);
    say!("  file: {}", v.file);
    for c in &v.citations {
        say!("  cites {} {} {}", c.kind, c.id, c.text);
    }
    for n in &v.notes {
        say!("  note: {n}");
    }
    say!("policies:");
    for p in &v.policies {
        let mark = if p.name == prog.policy { "*" } else { " " };
        say!(" {mark} {:<34} {:<10} {}", p.name, p.fate, p.title);
    }
    say!("checks: {}", v.invariants.iter().map(|i| i.name()).collect::<Vec<_>>().join(", "));
    for t in &v.traces {
        say!("trace {} ({} steps): {}", t.name, t.steps, t.schedule);
    }
    say!("\ncode under {} ({}):", prog.policy, prog.model.name());
    for t in &code {
        say!("\n{} on {}: {}", t.name, t.cpu, t.description);
        let mut last_fn = String::new();
        for l in &t.lines {
            if l.function != last_fn {
                say!("  {} ({})", l.function, l.file);
                last_fn = l.function.clone();
            }
            say!("    {:>4}  {}", l.pc, l.text);
        }
    }
}

fn summary(lib: &Library, opened: &Opened) -> Value {
    let prog = &opened.program;
    let run = &opened.run;
    let outcome = run.outcome(prog);
    let violations: serde_json::Map<String, Value> =
        prog.checks.iter().filter_map(|inv| run.first_violation(*inv).map(|s| (inv.name().to_string(), json!(s)))).collect();
    let (verdict, invariant, step) = match outcome {
        Outcome::Safe => ("safe", Value::Null, Value::Null),
        Outcome::Violated { invariant, step } => ("violated", json!(invariant.name()), json!(step)),
    };
    json!({
        "kind": "summary",
        "scenario": opened.scenario.id,
        "policy": prog.policy,
        "model": prog.model.name(),
        "steps": run.steps.len(),
        "verdict": verdict,
        "invariant": invariant,
        "step": step,
        "violations": violations,
        "schedule": schedule::format_names(&run.schedule, &prog.layout),
        "deviations": run.deviations,
        "permalink": lab::permalink(lib, opened, step.as_u64().unwrap_or(run.steps.len() as u64) as usize).to_fragment(),
    })
}

pub fn replay(lib: &Library, opened: &Opened, as_json: bool) {
    let prog = &opened.program;
    let run = &opened.run;
    if as_json {
        for i in 1..=run.steps.len() {
            let mut v = serde_json::to_value(view::step(prog, run, i)).unwrap();
            v.as_object_mut().unwrap().insert("kind".into(), json!("step"));
            say!("{v}");
        }
        say!("{}", summary(lib, opened));
        return;
    }
    let sc = opened.scenario;
    say!("{} (race {}): {}", sc.id, sc.race, sc.title);
    say!(
        "policy {} · model {} · {} steps · schedule {}",
        prog.policy,
        prog.model.name(),
        run.steps.len(),
        schedule::format_names(&run.schedule, &prog.layout)
    );
    for d in &run.deviations {
        if d.kind == DeviationKind::Skipped {
            say!("  (schedule step {} skipped: {} cannot run: {})", d.at, d.thread, d.reason);
        }
    }
    let appended = run.deviations.iter().filter(|d| d.kind == DeviationKind::Appended).count();
    if appended > 0 {
        say!("  ({appended} steps appended after the schedule to run the threads to completion)");
    }
    if run.steps.iter().any(|r| !matches!(r.choice, Choice::Run(_))) {
        say!("  (↑ marks an access performed early, out of program order; ↓ a buffered store becoming visible)");
    }
    say!();
    let mut broken = 0u8;
    let mut last = (usize::MAX, String::new());
    for i in 1..=run.steps.len() {
        let s = view::step(prog, run, i);
        let rec = &run.steps[i - 1];
        let head = if last.0 != rec.thread || last.1 != s.function {
            if s.file.is_empty() {
                format!("{} {} · {}", s.cpu, s.thread, s.function)
            } else {
                format!("{} {} · {} ({})", s.cpu, s.thread, s.function, s.file)
            }
        } else {
            String::new()
        };
        last = (rec.thread, s.function.clone());
        if !head.is_empty() {
            say!("      {head}");
        }
        let mark = match s.choice {
            ChoiceKind::Early => "↑",
            ChoiceKind::Drain => "↓",
            ChoiceKind::Run => " ",
        };
        say!("{i:>4} {mark}  {}", s.description);
        for c in &s.changes {
            say!("          · {}", c.text);
        }
        for (k, inv) in s.invariants.iter().enumerate() {
            let bit = 1u8 << k;
            // Once broken, an invariant stays reported as broken: the damage is done.
            if !inv.ok && broken & bit == 0 {
                say!("          ✗ {} BROKEN: {}", inv.name, inv.message.clone().unwrap_or_default());
                broken |= bit;
            }
        }
    }
    say!();
    match run.outcome(prog) {
        Outcome::Safe => {
            say!("verdict: safe (every checked invariant holds at every step: {})", view::invariant_names(&prog.checks).join(", "))
        }
        Outcome::Violated { invariant, step } => say!("verdict: violated: {} breaks at step {step}", invariant.name()),
    }
    let link = summary(lib, opened)["permalink"].as_str().unwrap_or_default().to_string();
    say!("permalink: #{link}");
}
