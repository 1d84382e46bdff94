//! The mail: plain text to paste into a reply on LKML. The scenario, policy and memory model,
//! the diagram, the verdict, the link that opens the same view in racelab, and the sources as
//! lore and git links. Wrapped at 72 columns, except the links (a wrapped link is a broken one).

use super::diagram::{self, DiagramOptions};
use super::{ascii, printable, wrap, ExportError};
use crate::ir::Program;
use crate::permalink::Permalink;
use crate::replay::Run;
use crate::scenario::{Citation, CitationKind, Outcome, Scenario, TraceDef};
use crate::schedule;
use crate::view;

/// The width of a mail's prose.
pub const MAIL_WIDTH: usize = 72;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MailOptions {
    /// The diagram in the mail (its width is the mail's unless narrower).
    pub diagram: DiagramOptions,
    /// Where the app is published (`https://example.org/racelab/`): the link is then a full
    /// URL; without it, the fragment alone.
    pub base: Option<String>,
}

/// The link to a view: `BASE#FRAGMENT` with a base (its own fragment, if any, replaced), the
/// fragment after `#` without one.
pub fn full_link(base: Option<&str>, link: &Permalink) -> String {
    let fragment = link.to_fragment();
    match base.map(str::trim).filter(|b| !b.is_empty()) {
        Some(b) => format!("{}#{fragment}", b.split('#').next().unwrap_or(b)),
        None => format!("#{fragment}"),
    }
}

/// The mail about `run` (of `trace`, when it is a canonical trace), with `link` opening it.
pub fn mail(
    sc: &Scenario,
    prog: &Program,
    run: &Run,
    trace: Option<&TraceDef>,
    link: &Permalink,
    opts: &MailOptions,
) -> Result<String, ExportError> {
    let text = |s: &str| if opts.diagram.unicode { printable(s) } else { ascii(s) };
    let mut out: Vec<String> = Vec::new();
    let para = |out: &mut Vec<String>, s: &str, indent: usize| out.extend(wrap(&text(s), MAIL_WIDTH, indent));

    // The catalog's section is for racelab's developers: a mail names the race.
    let place = if sc.race.is_empty() { String::new() } else { format!(" (race {})", sc.race) };
    para(&mut out, &format!("{}{place}: {}", sc.id, sc.title), 2);
    out.push(String::new());

    let pi = sc.policy(&prog.policy);
    let policy = pi.map(|i| &sc.policies[i]);
    let policy_line = match policy {
        Some(p) => format!("Policy:   {} ({}): {}", p.name, p.fate, p.title),
        None => format!("Policy:   {}", prog.policy),
    };
    para(&mut out, &policy_line, 10);
    let model = match prog.model {
        crate::layout::MemoryModel::Sc => "sequential consistency",
        crate::layout::MemoryModel::X86Tso => "x86-TSO: stores wait in a store buffer",
        crate::layout::MemoryModel::Arm64 => "arm64: accesses may be performed out of program order",
    };
    para(&mut out, &format!("Model:    {} ({model})", prog.model.name()), 10);
    // Where the row's code existed, so that nobody reports an anachronism as a live bug.
    if let Some(a) = pi.and_then(|i| sc.applies_to(i, prog.model)) {
        let place = a.text.strip_prefix("applies to: ").unwrap_or(&a.text);
        para(&mut out, &format!("Applies:  {place}"), 10);
    }
    let names = schedule::format_names(&run.schedule, &sc.layout);
    let steps = run.steps.len();
    let trace_line = match trace {
        Some(t) => format!("Trace:    {}, {steps} steps: {names}", t.name),
        None => format!("Schedule: {steps} steps: {names}"),
    };
    para(&mut out, &trace_line, 10);
    if !run.deviations.is_empty() {
        para(
            &mut out,
            &format!(
                "          (the trace carried over from the baseline: {} of its steps this policy does not take)",
                run.deviations.len()
            ),
            10,
        );
    }
    out.push(String::new());
    if !sc.summary.is_empty() {
        para(&mut out, &sc.summary, 0);
        out.push(String::new());
    }

    let mut dopts = opts.diagram.clone();
    dopts.width = dopts.width.min(MAIL_WIDTH);
    out.extend(diagram::diagram(prog, run, &dopts)?.lines().map(str::to_string));
    out.push(String::new());

    match run.outcome(prog) {
        Outcome::Violated { invariant, step } => {
            let v = view::step(prog, run, step);
            let message = v.invariants.iter().find(|i| i.name == invariant.name()).and_then(|i| i.message.clone()).unwrap_or_default();
            para(&mut out, &format!("{} breaks at step {step}: {message}", invariant.name()), 0);
        }
        Outcome::Safe => {
            let checks: Vec<&str> = prog.checks.iter().map(|i| i.name()).collect();
            para(&mut out, &format!("No invariant breaks in these {steps} steps (checked: {}).", checks.join(", ")), 0);
        }
    }
    if let Some(e) = trace.and_then(|t| t.expect.iter().find(|e| e.policy == prog.policy && e.model == prog.model)) {
        if !e.comment.is_empty() {
            para(&mut out, &format!("Note: {}", e.comment), 0);
        }
    }
    out.push(String::new());

    let at = match link.step {
        None | Some(0) => "the start".to_string(),
        Some(n) => format!("step {n}"),
    };
    para(&mut out, &format!("Open it in racelab, at {at}:"), 0);
    out.push(full_link(opts.base.as_deref(), link));

    let mut refs: Vec<&Citation> = sc.citations.iter().collect();
    if let Some(i) = pi.filter(|&i| i != sc.baseline) {
        refs.extend(sc.policies[i].sources.iter());
    }
    let mut seen = Vec::new();
    let mut block = Vec::new();
    for c in refs {
        let Some((head, link)) = reference(c) else { continue };
        if seen.contains(&head) {
            continue;
        }
        seen.push(head.clone());
        block.extend(wrap(&text(&format!("[{}] {head}", seen.len())), MAIL_WIDTH, 4));
        if let Some(l) = link {
            block.push(format!("    {l}"));
        }
    }
    if !block.is_empty() {
        out.push(String::new());
        out.push("References:".into());
        out.extend(block);
    }
    let mut s = out.join("\n");
    s.push('\n');
    Ok(s)
}

/// A citation as a reference line and its link: commits by their short hash and subject,
/// mails by the words the scenario gives them, with a lore link where the message id is known.
/// The catalog and code citations are for racelab's developers, not for a mail.
fn reference(c: &Citation) -> Option<(String, Option<String>)> {
    match c.kind {
        CitationKind::Commit => {
            let short: String = c.id.chars().take(12).collect();
            Some((format!("commit {short}: {}", c.text), c.url()))
        }
        // A seed is one of the mails the catalog started from, cited by its Message-ID.
        CitationKind::Mail | CitationKind::Seed => {
            let link = c.url();
            let head = if link.is_some() { c.text.clone() } else { format!("{} (Message-ID {})", c.text, c.id) };
            Some((head, link))
        }
        CitationKind::Catalog | CitationKind::Code => None,
    }
}

/// The fragment of a link given whole (`https://example.org/racelab/#v=1&...`) or as the
/// fragment itself (with or without its `#`).
pub fn fragment(link: &str) -> &str {
    match link.split_once('#') {
        Some((_, f)) => f,
        None => link,
    }
}
