//! What the commands print: readable tables, or JSON lines for scripts (documented in the
//! README; keep the field names stable).

use std::collections::BTreeMap;

use racelab_core::lab::view::ChoiceKind;
use racelab_core::lab::{self, schedule, view, Catalog, Choice, DeviationKind, Library, Opened, Outcome, Program, Scenario};

use crate::json::{self, Sorted};
use crate::term;

/// Prints on stderr, as `file:line:col: warning: …`, each of the compiler's warnings about
/// `prog` not in `seen` (a call clashes under every policy and model alike: it is said once).
pub fn warnings(prog: &Program, seen: &mut Vec<lab::Diagnostic>) {
    for w in &prog.warnings {
        if !seen.contains(w) {
            term::err_line(&w.to_string());
            seen.push(w.clone());
        }
    }
}

pub fn list(catalog: &Catalog, as_json: bool) {
    for sc in &catalog.scenarios {
        let v = view::scenario(sc);
        if as_json {
            let entry = json::ListEntry {
                baseline: &v.baseline,
                file: &v.file,
                id: &v.id,
                invariants: &v.invariants,
                models: &v.models,
                policies: v
                    .policies
                    .iter()
                    .map(|p| json::ListPolicy { baseline: p.baseline, fate: p.fate, name: &p.name, title: &p.title })
                    .collect(),
                race: &v.race,
                summary: &v.summary,
                title: &v.title,
                traces: v.traces.iter().map(|t| t.name.as_str()).collect(),
            };
            term::json_line(&entry);
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
        let show = json::Show {
            initial: Sorted(&view::state(prog, &prog.init)),
            model: prog.model.name(),
            policy: &prog.policy,
            scenario: Sorted(&v),
            threads: Sorted(&code),
        };
        term::json_line(&show);
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

/// The step of the run's outcome (where the first invariant breaks), or None when it is safe.
fn outcome_step(opened: &Opened) -> Option<usize> {
    match opened.run.outcome(&opened.program) {
        Outcome::Safe => None,
        Outcome::Violated { step, .. } => Some(step),
    }
}

fn summary<'a>(lib: &Library, opened: &'a Opened) -> json::Summary<'a> {
    let prog = &opened.program;
    let run = &opened.run;
    let (verdict, invariant) = match run.outcome(prog) {
        Outcome::Safe => ("safe", None),
        Outcome::Violated { invariant, .. } => ("violated", Some(invariant.name())),
    };
    let step = outcome_step(opened);
    let violations: BTreeMap<&str, usize> =
        prog.checks.iter().filter_map(|inv| run.first_violation(*inv).map(|s| (inv.name(), s))).collect();
    json::Summary {
        deviations: Sorted(&run.deviations),
        invariant,
        kind: "summary",
        model: prog.model.name(),
        permalink: lab::permalink(lib, opened, step.unwrap_or(run.steps.len())).to_fragment(),
        policy: &prog.policy,
        scenario: &opened.scenario.id,
        schedule: schedule::format_names(&run.schedule, &prog.layout),
        step,
        steps: run.steps.len(),
        verdict,
        violations,
    }
}

pub fn replay(lib: &Library, opened: &Opened, as_json: bool) {
    let prog = &opened.program;
    let run = &opened.run;
    if as_json {
        for step in view::steps(prog, run) {
            term::json_line(&Sorted(json::Step { kind: "step", step: &step }));
        }
        term::json_line(&summary(lib, opened));
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
    for (s, rec) in view::steps(prog, run).zip(&run.steps) {
        let i = s.step;
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
    let link = lab::permalink(lib, opened, outcome_step(opened).unwrap_or(run.steps.len())).to_fragment();
    say!("permalink: #{link}");
}
