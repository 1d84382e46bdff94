//! The slide: one step of a run as an SVG image for a talk or a handout, 1920×1080 (16:9). On
//! the left, each thread's lane: a window of its code around the statement the step ran (or
//! the one it runs next), marked. On the right, the state after the step: page table with the
//! PTE bits, TLBs, struct pages, locks, counters, and the invariants, the broken one in red.
//!
//! A fixed print style, whatever the page's theme: black on white, large type, generic fonts,
//! every colour at a contrast of at least 4.5:1 against its background, and meaning carried by
//! words and signs as well as colour (`BROKEN`, `STALE`, `▶ ran`).

use std::fmt::Write;

use super::{xml_escape, ExportError};
use crate::ir::Program;
use crate::replay::Run;
use crate::scenario::Scenario;
use crate::view::{self, InvariantView, StateView, ThreadStatus};

pub const WIDTH: u32 = 1920;
pub const HEIGHT: u32 = 1080;

const INK: &str = "#111111";
/// Secondary text: 9.7:1 on white.
const MUTED: &str = "#444444";
/// A broken invariant, a stale entry: 7.6:1 on white.
const RED: &str = "#b00000";
/// Behind the marked line (INK on it: 16:1).
const MARK: &str = "#ffe58a";
const RULE: &str = "#666666";
const MONO: &str = "ui-monospace, 'DejaVu Sans Mono', monospace";
const SANS: &str = "'DejaVu Sans', Arial, sans-serif";

const MARGIN: i32 = 40;
const LANES_WIDTH: i32 = 940;
const PANELS_X: i32 = MARGIN + LANES_WIDTH + 40;
const TOP: i32 = 150;
const BOTTOM: i32 = 960;

struct Svg(String);

impl Svg {
    #[allow(clippy::too_many_arguments)]
    fn text(&mut self, x: i32, y: i32, size: i32, font: &str, fill: &str, weight: &str, class: &str, attrs: &str, body: &str) {
        let _ = writeln!(
            self.0,
            r#"<text x="{x}" y="{y}" font-size="{size}" font-family="{font}" fill="{fill}"{w}{c}{attrs}>{}</text>"#,
            xml_escape(body),
            w = if weight.is_empty() { String::new() } else { format!(r#" font-weight="{weight}""#) },
            c = if class.is_empty() { String::new() } else { format!(r#" class="{class}""#) },
        );
    }
    fn rect(&mut self, x: i32, y: i32, w: i32, h: i32, fill: &str, stroke: &str) {
        let stroke = if stroke.is_empty() { String::new() } else { format!(r#" stroke="{stroke}" stroke-width="2""#) };
        let _ = writeln!(self.0, r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}"{stroke}/>"#);
    }
}

/// At most `n` characters of `s`, with `…` when cut.
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// How many characters of a monospace font of `size` fit in `px`.
fn fit(px: i32, size: i32) -> usize {
    (px as f64 / (size as f64 * 0.6)).floor().max(4.0) as usize
}

/// The panels with their rows wrapped: (heading, [(row, lines)]).
type Wrapped<'a> = Vec<(&'a str, Vec<(&'a Row, Vec<String>)>)>;

/// One row of a state panel.
struct Row {
    class: &'static str,
    key: String,
    text: String,
    red: bool,
    bold: bool,
}

fn row(class: &'static str, key: &str, text: String) -> Row {
    Row { class, key: key.to_string(), text, red: false, bold: false }
}

fn bit(name: &str, on: bool) -> String {
    format!("{name}={}", on as u8)
}

/// The rows of the state panels, by panel.
fn panels(state: &StateView, invariants: &[InvariantView]) -> Vec<(&'static str, Vec<Row>)> {
    let mut out = Vec::new();
    let ptes = state
        .ptes
        .iter()
        .map(|p| {
            let target = if p.present { format!("→ {}", p.page.as_deref().unwrap_or("?")) } else { "not present".to_string() };
            let bits = [bit("W", p.w), bit("D", p.d), bit("A", p.a), bit("SD", p.sd), bit("UW", p.uw)].join(" ");
            let mut text = format!("{} {target}  {bits}", p.name);
            if p.locked {
                text.push_str("  [PT lock held]");
            }
            row("pte", &p.name, text)
        })
        .collect();
    out.push(("Page table", ptes));
    let tlbs: Vec<Row> = state
        .cpus
        .iter()
        .map(|c| {
            let entries: Vec<String> = c
                .tlb
                .iter()
                .map(|e| format!("{} → {} {} {}{}", e.va, e.page, bit("W", e.w), bit("D", e.d), if e.stale { " STALE" } else { "" }))
                .collect();
            let mut text = format!("{}: {}", c.label, if entries.is_empty() { "no entries".to_string() } else { entries.join(", ") });
            if c.irq_off {
                text.push_str("  [IRQs off]");
            }
            let mut r = row("tlb", &c.label, text);
            r.red = c.tlb.iter().any(|e| e.stale);
            r
        })
        .collect();
    out.push(("TLBs", tlbs));
    let pages = state
        .pages
        .iter()
        .filter(|p| p.allocated)
        .map(|p| {
            let mut text = format!("{}  refcount {} (pins {})  mapcount {}  data {:?}", p.name, p.refcount, p.pins, p.mapcount, p.data);
            if let Some(by) = &p.locked_by {
                let _ = write!(text, "  locked by {by}");
            }
            for (flag, on) in [("anon", p.anon), ("ksm", p.ksm), ("exclusive", p.exclusive)] {
                if on {
                    let _ = write!(text, " {flag}");
                }
            }
            row("page", &p.name, text)
        })
        .collect();
    out.push(("Struct pages", pages));
    let mut locks: Vec<Row> = state.locks.iter().map(|l| row("lock", &l.name, format!("{}: {}", l.name, l.text))).collect();
    locks.extend(state.pins.iter().map(|p| row("pin", &p.holder, format!("{} pins {} at {} ({})", p.holder, p.page, p.va, p.kind))));
    out.push(("Locks and pins", locks));
    let mut counters: Vec<Row> = state.counters.iter().map(|c| row("counter", &c.name, format!("{} = {}", c.name, c.value))).collect();
    for c in &state.cpus {
        for s in &c.store_buffer {
            counters.push(row("buffered", &c.label, format!("{} store buffer: {s}", c.label)));
        }
        for e in &c.early {
            counters.push(row("early", &c.label, format!("{} performed early: {} ({})", c.label, e.text, e.values.join(", "))));
        }
    }
    out.push(("Counters", counters));
    let invs = invariants
        .iter()
        .map(|i| {
            let text = match (&i.message, i.ok) {
                (Some(m), false) => format!("✗ {} BROKEN: {m}", i.name),
                _ => format!("✓ {} holds", i.name),
            };
            let mut r = row("invariant", &i.name, text);
            r.red = !i.ok;
            r.bold = !i.ok;
            r
        })
        .collect();
    out.push(("Invariants", invs));
    out.retain(|(_, rows)| !rows.is_empty());
    out
}

/// The slide of step `step` of `run` (0: the initial state), as an SVG document.
pub fn slide(sc: &Scenario, prog: &Program, run: &Run, step: usize) -> Result<String, ExportError> {
    let steps = run.steps.len();
    if step > steps {
        return Err(ExportError::Step { step, steps });
    }
    let state = view::state(prog, &run.states[step]);
    let sv = (step > 0).then(|| view::step(prog, run, step));
    let invariants = match &sv {
        Some(v) => v.invariants.clone(),
        None => view::initial_invariants(prog, &run.states[0]),
    };
    let code = view::code(prog, sc);

    let mut svg = Svg(String::new());
    let title = format!("{}: {}", sc.id, sc.title);
    let _ = writeln!(
        svg.0,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{}">"#,
        xml_escape(&format!("{title}, step {step} of {steps}"))
    );
    let _ = writeln!(svg.0, "<title>{}</title>", xml_escape(&format!("{title}, step {step} of {steps}")));
    svg.rect(0, 0, WIDTH as i32, HEIGHT as i32, "#ffffff", "");

    // The title and what the step is.
    svg.text(MARGIN, 62, 38, SANS, INK, "bold", "title", "", &clip(&title, 80));
    let what = match &sv {
        Some(v) => format!("step {step} of {steps}: {} {} ran {} in {}", v.cpu, v.thread, v.text, v.function),
        None => format!("step 0 of {steps}: the initial state"),
    };
    let sub = format!("policy {} · model {} · {what}", prog.policy, prog.model.name());
    svg.text(MARGIN, 110, 26, SANS, MUTED, "", "subtitle", "", &clip(&sub, 125));
    let _ = writeln!(svg.0, r#"<line x1="{MARGIN}" y1="130" x2="{}" y2="130" stroke="{RULE}" stroke-width="2"/>"#, WIDTH as i32 - MARGIN);

    // The lanes.
    let threads = code.len().max(1) as i32;
    let lane_h = (BOTTOM - TOP) / threads;
    let line_h = ((lane_h - 44) / 7).clamp(18, 30);
    let window = (((lane_h - 44) / line_h) as usize).clamp(1, 7);
    let size = (line_h * 3 / 4).clamp(14, 22);
    let _ = writeln!(svg.0, r#"<g id="lanes">"#);
    for (t, lane) in code.iter().enumerate() {
        let y0 = TOP + t as i32 * lane_h;
        let th = &state.threads[t];
        let ran = sv.as_ref().filter(|v| v.thread == lane.name).map(|v| v.pc);
        let status = match th.status {
            ThreadStatus::Finished => "finished".to_string(),
            s => match &th.reason {
                Some(r) => format!("{}: {r}", s.name()),
                None => s.name().to_string(),
            },
        };
        let _ = writeln!(svg.0, r#"<g class="lane" data-thread="{}">"#, xml_escape(&lane.name));
        svg.text(MARGIN, y0 + 28, 26, SANS, INK, "bold", "lane-head", "", &format!("{} {}", lane.cpu, lane.name));
        let head_w = (lane.cpu.len() + lane.name.len() + 2) as i32 * 16;
        svg.text(MARGIN + head_w, y0 + 28, 20, SANS, MUTED, "", "lane-status", "", &clip(&status, 60));
        // The marked line: the one the step ran, else the one the thread runs next, else (it
        // has finished) the last one it ran.
        let last_ran = run.steps[..step].iter().rev().find(|s| s.thread == t && s.exec.pc != crate::step::NO_PC).map(|s| s.exec.pc);
        let finished = th.status == ThreadStatus::Finished;
        let focus = ran.or(if finished { last_ran } else { Some(th.pc) });
        let at = focus.and_then(|pc| lane.lines.iter().position(|l| l.pc == pc)).unwrap_or(lane.lines.len());
        let first = at.saturating_sub(window / 2).min(lane.lines.len().saturating_sub(window));
        let chars = fit(LANES_WIDTH - 150, size);
        for (k, line) in lane.lines.iter().enumerate().skip(first).take(window) {
            let y = y0 + 44 + (k - first) as i32 * line_h;
            let marked = k == at;
            let (sign, class) = match (marked, ran.is_some(), finished) {
                (true, true, _) => ("▶ ran", "code ran"),
                (true, false, false) => ("› next", "code next"),
                (true, false, true) => ("✓ last", "code last"),
                _ => ("", "code"),
            };
            if marked {
                svg.rect(MARGIN - 6, y, LANES_WIDTH, line_h, MARK, "");
            }
            svg.text(MARGIN, y + line_h * 3 / 4, size, SANS, INK, "bold", "sign", "", sign);
            let body = format!("{:>3}  {}", line.pc, line.text);
            let weight = if marked { "bold" } else { "" };
            let attrs = format!(r#" data-pc="{}""#, line.pc);
            svg.text(MARGIN + 110, y + line_h * 3 / 4, size, MONO, INK, weight, class, &attrs, &clip(&body, chars));
        }
        let _ = writeln!(svg.0, "</g>");
    }
    let _ = writeln!(svg.0, "</g>");

    // The state panels: the largest type at which every row fits, each row wrapped (never cut:
    // a slide carries the whole message of a broken invariant).
    let groups = panels(&state, &invariants);
    let panel_w = WIDTH as i32 - MARGIN - PANELS_X;
    let wrapped = |size: i32| -> Wrapped {
        let chars = fit(panel_w - 20, size);
        groups.iter().map(|(head, rows)| (*head, rows.iter().map(|r| (r, super::wrap(&r.text, chars, 2))).collect())).collect()
    };
    let lines_of = |g: &Wrapped| -> i32 { g.iter().map(|(_, rows)| 1 + rows.iter().map(|(_, l)| l.len() as i32).sum::<i32>()).sum() };
    let mut size = 24;
    while size > 12 && lines_of(&wrapped(size)) * (size * 10 / 7) > BOTTOM - TOP {
        size -= 1;
    }
    let row_h = size * 10 / 7;
    let _ = writeln!(svg.0, r#"<g id="panels">"#);
    let mut y = TOP;
    for (head, rows) in wrapped(size) {
        let id = head.to_lowercase().replace(' ', "-");
        let _ = writeln!(svg.0, r#"<g class="panel" id="panel-{id}">"#);
        svg.text(PANELS_X, y + row_h * 3 / 4, size, SANS, INK, "bold", "panel-head", "", head);
        y += row_h;
        for (r, lines) in rows {
            let h = row_h * lines.len() as i32;
            if y + h > BOTTOM {
                break;
            }
            if r.red {
                svg.rect(PANELS_X, y + 4, 6, h - 8, RED, "");
            }
            let fill = if r.red { RED } else { INK };
            let weight = if r.bold { r#" font-weight="bold""# } else { "" };
            let _ = write!(
                svg.0,
                r#"<text font-size="{size}" font-family="{MONO}" fill="{fill}"{weight} class="{}" data-key="{}">"#,
                r.class,
                xml_escape(&r.key)
            );
            for (k, l) in lines.iter().enumerate() {
                let _ =
                    write!(svg.0, r#"<tspan x="{}" y="{}">{}</tspan>"#, PANELS_X + 16, y + k as i32 * row_h + row_h * 3 / 4, xml_escape(l));
            }
            svg.0.push_str("</text>\n");
            y += h;
        }
        let _ = writeln!(svg.0, "</g>");
    }
    let _ = writeln!(svg.0, "</g>");

    // What happened, in words.
    let _ = writeln!(svg.0, r#"<line x1="{MARGIN}" y1="975" x2="{}" y2="975" stroke="{RULE}" stroke-width="2"/>"#, WIDTH as i32 - MARGIN);
    let said = match &sv {
        Some(v) => {
            let mut said = v.description.clone();
            if !v.changes.is_empty() {
                let changes: Vec<&str> = v.changes.iter().map(|c| c.text.as_str()).collect();
                said = format!("{said}: {}", changes.join("; "));
            }
            match &v.note {
                Some(n) => format!("{said}  ({n})"),
                None => said,
            }
        }
        None => sc.summary.clone(),
    };
    let lines = super::wrap(&said, fit(WIDTH as i32 - 2 * MARGIN, 24), 0);
    for (k, l) in lines.iter().take(2).enumerate() {
        let l = if k == 1 && lines.len() > 2 { format!("{l} …") } else { l.clone() };
        svg.text(MARGIN, 1012 + k as i32 * 34, 24, SANS, INK, "", "description", "", &l);
    }
    svg.0.push_str("</svg>\n");
    Ok(svg.0)
}
