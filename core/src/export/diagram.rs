//! The LKML diagram: one column per CPU, time downwards, in the style of the kernel's commit
//! messages and of the mails that argued these races:
//!
//! ```text
//!      CPU0 monitor         CPU2 writer          CPU3 stale
//!      ------------         -----------          ----------
//!      change_pte_range()
//!   4   ptep_modify_prot(V,
//!         -W, -UW)
//!                           wp_page_copy()
//!  15                        cow_user_page(...)
//! ```
//!
//! Each step is one row: its number in the left margin, the statement in its thread's column,
//! under the kernel function it belongs to (a heading row when the thread enters another
//! function). The step where an invariant first breaks is marked `<-- no_lost_write breaks`.
//! Every line fits the width; statements wrap.

use super::{ascii, printable, text_width, wrap, ExportError, StepRange};
use crate::ir::Program;
use crate::replay::Run;
use crate::view::{self, ChoiceKind, StepView};

/// How to draw a diagram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiagramOptions {
    /// The longest line, in characters.
    pub width: usize,
    /// Show a run of one thread's steps as its first and last step with `...` between.
    pub fold: bool,
    /// Box-drawing characters and arrows; by default pure ASCII.
    pub unicode: bool,
    /// Only these steps; by default all.
    pub steps: Option<StepRange>,
}

impl Default for DiagramOptions {
    fn default() -> Self {
        DiagramOptions { width: DEFAULT_WIDTH, fold: false, unicode: false, steps: None }
    }
}

pub const DEFAULT_WIDTH: usize = 72;
pub const MAX_WIDTH: usize = 1000;
/// The narrowest column a statement is wrapped into.
const MIN_COLUMN: usize = 12;
/// Between two columns.
const GAP: usize = 2;
/// A run of at least this many steps of one thread is folded (with `fold`).
const FOLD_RUN: usize = 4;

/// The narrowest width a diagram of `threads` columns and steps up to `last_step` fits in.
pub fn min_width(threads: usize, last_step: usize) -> usize {
    let n = threads.max(1);
    (gutter(last_step) + n * MIN_COLUMN + GAP * (n - 1)).max(36)
}

fn gutter(last_step: usize) -> usize {
    last_step.max(1).to_string().len() + 2
}

struct Glyphs {
    rule: char,
    marker: &'static str,
    fold: &'static str,
}

const ASCII: Glyphs = Glyphs { rule: '-', marker: "<--", fold: "..." };
const UNICODE: Glyphs = Glyphs { rule: '─', marker: "◀──", fold: "⋮" };

/// A line under construction: text placed at columns, padded with spaces.
struct Line(String);

impl Line {
    fn new() -> Line {
        Line(String::new())
    }
    fn put(&mut self, at: usize, text: &str) {
        let len = text_width(&self.0);
        if len < at {
            self.0.extend(std::iter::repeat_n(' ', at - len));
        }
        self.0.push_str(text);
    }
    fn finish(self) -> String {
        self.0.trim_end().to_string()
    }
}

/// The diagram of `run`'s steps (of `opts.steps`, all by default), as text lines ending in
/// `\n`.
pub fn diagram(prog: &Program, run: &Run, opts: &DiagramOptions) -> Result<String, ExportError> {
    let steps = match opts.steps {
        Some(r) => r.check(run.steps.len())?,
        None => StepRange::all(run.steps.len()),
    };
    let threads = prog.threads.len();
    if opts.width > MAX_WIDTH {
        return Err(ExportError::Width { width: opts.width, message: format!("a diagram is at most {MAX_WIDTH} columns wide") });
    }
    let need = min_width(threads, steps.last);
    if opts.width < need {
        return Err(ExportError::Width {
            width: opts.width,
            message: format!("too narrow for {threads} CPU columns: this diagram needs at least {need}"),
        });
    }
    let g = if opts.unicode { &UNICODE } else { &ASCII };
    let text = |s: &str| if opts.unicode { printable(s) } else { ascii(s) };
    let width = opts.width;
    let gut = gutter(steps.last);

    // The first step at which each checked invariant breaks.
    let breaks: Vec<(usize, &'static str)> =
        prog.checks.iter().filter_map(|inv| run.first_violation(*inv).map(|s| (s, inv.name()))).collect();
    let views: Vec<StepView> = view::steps(prog, run).skip(steps.first - 1).take(steps.last + 1 - steps.first).collect();
    let shown = shown_steps(&views, &breaks, opts.fold);
    let thread_of = |v: &StepView| prog.layout.threads.iter().position(|info| info.name == v.thread).unwrap_or(0);
    let heading_of = |function: &str| {
        let name = text(function);
        if name.is_empty() || name.contains(' ') {
            format!("[ {name} ]")
        } else {
            format!("{name}()")
        }
    };
    let statement_of = |v: &StepView| match v.choice {
        ChoiceKind::Run => text(&v.text),
        ChoiceKind::Early => format!("[early] {}", text(&v.text)),
        ChoiceKind::Drain => format!("[drain] {}", text(v.drained.as_deref().unwrap_or(&v.text))),
    };
    let cpu_heading = |t: usize| {
        let info = &prog.layout.threads[t];
        text(&format!("{} {}", info.cpu_label(), info.name))
    };

    // Each column as wide as its longest line, as far as the width allows: the narrow ones
    // first, the others share what is left.
    let mut need: Vec<usize> = (0..threads).map(|t| text_width(&cpu_heading(t))).collect();
    for (v, _) in views.iter().zip(&shown).filter(|(_, s)| **s) {
        let t = thread_of(v);
        need[t] = need[t].max(text_width(&heading_of(&v.function))).max(text_width(&statement_of(v)) + 1);
    }
    let mut col = vec![0; threads];
    let mut left = width - gut - GAP * threads.saturating_sub(1);
    let mut order: Vec<usize> = (0..threads).collect();
    order.sort_by_key(|&t| need[t]);
    for (k, &t) in order.iter().enumerate() {
        let share = left / (threads - k);
        col[t] = need[t].min(share).max(MIN_COLUMN.min(share));
        left -= col[t];
    }
    let x = |t: usize| gut + col[..t].iter().sum::<usize>() + t * GAP;
    // The room of column t: the last column runs to the edge.
    let room = |t: usize| if t + 1 == threads { width - x(t) } else { col[t] };

    let mut out: Vec<String> = Vec::new();

    // Headings: `CPU0 monitor`, wrapped when the column is narrow, and a rule under each.
    let headings: Vec<Vec<String>> = (0..threads).map(|t| wrap(&cpu_heading(t), room(t), 0)).collect();
    let rows = headings.iter().map(Vec::len).max().unwrap_or(0);
    for r in 0..rows {
        let mut line = Line::new();
        for (t, h) in headings.iter().enumerate() {
            if let Some(s) = h.get(r) {
                line.put(x(t), s);
            }
        }
        out.push(line.finish());
    }
    let mut line = Line::new();
    for (t, h) in headings.iter().enumerate() {
        let w = h.iter().map(|s| text_width(s)).max().unwrap_or(0);
        line.put(x(t), &g.rule.to_string().repeat(w));
    }
    out.push(line.finish());

    let mut last_function: Vec<Option<String>> = vec![None; threads];
    let mut i = 0;
    while i < views.len() {
        let v = &views[i];
        let t = thread_of(v);
        if !shown[i] {
            // A folded stretch: one `...` row for every hidden step in a row.
            let start = i;
            while i < views.len() && !shown[i] {
                i += 1;
            }
            let hidden = i - start;
            let label = format!("{} ({hidden} steps)", g.fold);
            let label = if text_width(&label) < room(t) { label } else { g.fold.to_string() };
            let mut line = Line::new();
            line.put(x(t) + 1, &label);
            out.push(line.finish());
            continue;
        }
        // A heading row when the thread is in another function than the last one shown.
        if last_function[t].as_deref() != Some(v.function.as_str()) {
            let mut heading = heading_of(&v.function);
            if text_width(&heading) > room(t) {
                heading = heading.trim_end_matches("()").to_string();
            }
            for s in wrap(&heading, room(t), 2) {
                let mut line = Line::new();
                line.put(x(t), &s);
                out.push(line.finish());
            }
            last_function[t] = Some(v.function.clone());
        }
        let lines = wrap(&statement_of(v), room(t) - 1, 2);
        let n = lines.len();
        for (k, s) in lines.into_iter().enumerate() {
            let mut line = Line::new();
            if k == 0 {
                line.0 = format!("{:>w$}", v.step, w = gut - 2);
            }
            line.put(x(t) + 1, &s);
            if k + 1 < n {
                out.push(line.finish());
                continue;
            }
            // The breaking step: the mark on the statement's last line if it fits, else on a
            // line of its own, against the right edge.
            let names: Vec<&str> = breaks.iter().filter(|(s, _)| *s == v.step).map(|(_, n)| *n).collect();
            if names.is_empty() {
                out.push(line.finish());
                continue;
            }
            let together = marker(g, &names);
            let used = text_width(&line.0);
            if used + 2 + text_width(&together) <= width {
                line.put(used + 2, &together);
                out.push(line.finish());
            } else {
                out.push(line.finish());
                let marks = if text_width(&together) <= width { vec![together] } else { names.iter().map(|n| marker(g, &[n])).collect() };
                for m in marks {
                    let mut line = Line::new();
                    line.put(width.saturating_sub(text_width(&m)), &m);
                    out.push(line.finish());
                }
            }
        }
        i += 1;
    }
    let mut s = out.join("\n");
    s.push('\n');
    Ok(s)
}

fn marker(g: &Glyphs, names: &[&str]) -> String {
    format!("{} {} {}", g.marker, names.join(", "), if names.len() == 1 { "breaks" } else { "break" })
}

/// Which steps are drawn: all, or with `fold`, in each run of at least [`FOLD_RUN`] steps of
/// one thread its first and last step and any step where an invariant breaks, when at least
/// two steps in a row are left out.
fn shown_steps(views: &[StepView], breaks: &[(usize, &str)], fold: bool) -> Vec<bool> {
    let mut shown = vec![true; views.len()];
    if !fold {
        return shown;
    }
    let mut start = 0;
    while start < views.len() {
        let mut end = start;
        while end + 1 < views.len() && views[end + 1].thread == views[start].thread {
            end += 1;
        }
        if end + 1 - start >= FOLD_RUN {
            let keep = |i: usize| i == start || i == end || breaks.iter().any(|(s, _)| *s == views[i].step);
            let mut i = start;
            while i <= end {
                if keep(i) {
                    i += 1;
                    continue;
                }
                let gap_start = i;
                while i <= end && !keep(i) {
                    i += 1;
                }
                if i - gap_start >= 2 {
                    shown[gap_start..i].iter_mut().for_each(|s| *s = false);
                }
            }
        }
        start = end + 1;
    }
    shown
}
