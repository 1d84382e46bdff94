//! Taking a race out: the artefacts a run becomes outside racelab. An LKML diagram of CPU
//! columns (`diagram`), a mail around it (`mail`), an SVG slide of one step (`svg`), a trace
//! for ui.perfetto.dev (`perfetto`) and the graphs with a layout for the page (`graph`).
//! Each is a plain function from a program and a run (and options) to text or data, so the
//! page and the CLI print the same bytes; `crate::lab` offers them on an opened view.

pub mod diagram;
pub mod graph;
pub mod mail;
pub mod perfetto;
pub mod svg;

use std::fmt;

/// The steps an export shows: `first..=last`, 1-based. Spelled `A..B` (both included), `A..`,
/// `..B` or `N` (one step).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepRange {
    pub first: usize,
    pub last: usize,
}

impl StepRange {
    /// Reads a range against a run of `steps` steps: every step it names must exist.
    pub fn parse(text: &str, steps: usize) -> Result<StepRange, ExportError> {
        let bad = |why: &str| ExportError::Steps { text: clip(text), message: why.to_string() };
        let number = |s: &str, default: usize| -> Result<usize, ExportError> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(default);
            }
            s.parse::<usize>().map_err(|_| bad(&format!("`{}` is not a step number", clip(s))))
        };
        let (first, last) = match text.split_once("..") {
            Some((a, b)) => {
                let b = b.strip_prefix('=').unwrap_or(b);
                (number(a, 1)?, number(b, steps)?)
            }
            None if text.trim().is_empty() => return Err(bad("give steps as A..B, A.., ..B or N")),
            None => {
                let n = number(text, 0)?;
                (n, n)
            }
        };
        if first == 0 {
            return Err(bad("steps are numbered from 1"));
        }
        if first > last {
            return Err(bad("the first step is after the last"));
        }
        if last > steps {
            return Err(bad(&format!("the trace has {steps} steps")));
        }
        Ok(StepRange { first, last })
    }

    /// Every step of a run of `steps` steps (none when it has none).
    pub fn all(steps: usize) -> StepRange {
        StepRange { first: 1, last: steps }
    }

    /// The range, if every step it names is one of a run of `steps` steps.
    pub fn check(self, steps: usize) -> Result<StepRange, ExportError> {
        let text = format!("{}..{}", self.first, self.last);
        let bad = |m: String| Err(ExportError::Steps { text: text.clone(), message: m });
        if self.first == 0 {
            return bad("steps are numbered from 1".into());
        }
        if self.first > self.last {
            return bad("the first step is after the last".into());
        }
        if self.last > steps {
            return bad(format!("the trace has {steps} steps"));
        }
        Ok(self)
    }

    pub fn contains(&self, step: usize) -> bool {
        (self.first..=self.last).contains(&step)
    }
}

/// Why an export cannot be made as asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExportError {
    Steps {
        text: String,
        message: String,
    },
    Width {
        width: usize,
        message: String,
    },
    Step {
        step: usize,
        steps: usize,
    },
    GraphTooLarge {
        states: usize,
        max: usize,
    },
    /// A trace that does not replay.
    Trace(String),
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportError::Steps { text, message } => write!(f, "steps `{text}`: {message}"),
            ExportError::Width { width, message } => write!(f, "width {width}: {message}"),
            ExportError::Step { step, steps } => write!(f, "step {step} is past the end of the trace ({steps} steps)"),
            ExportError::Trace(m) => write!(f, "{m}"),
            ExportError::GraphTooLarge { states, max } => write!(
                f,
                "the state graph has more than {max} states (stopped at {states}): too many to draw; \
                 pick a smaller scenario or a policy with fewer interleavings"
            ),
        }
    }
}

impl std::error::Error for ExportError {}

/// At most 40 characters of user input, for a message.
fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push_str("...");
    }
    out
}

/// Text for a plain-ASCII artefact: the few non-ASCII signs the descriptions use spelled in
/// ASCII, anything else outside ASCII as `?`, control characters as spaces.
pub fn ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            ' '..='~' => out.push(c),
            '→' | '⟶' => out.push_str("->"),
            '←' => out.push_str("<-"),
            '·' | '•' => out.push('-'),
            '≠' => out.push_str("!="),
            '≤' => out.push_str("<="),
            '≥' => out.push_str(">="),
            '×' => out.push('x'),
            '–' | '—' | '−' => out.push('-'),
            '…' => out.push_str("..."),
            '‘' | '’' => out.push('\''),
            '“' | '”' => out.push('"'),
            '§' => out.push_str("section "),
            '✗' => out.push('X'),
            '✓' => out.push_str("ok"),
            c if c.is_control() => out.push(' '),
            _ => out.push('?'),
        }
    }
    out
}

/// Text with control characters (a tab, an escape) as spaces, the rest as it is.
pub fn printable(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// The width of text on a terminal, counting each character as one column (the signs racelab
/// writes are all one column wide).
pub fn text_width(s: &str) -> usize {
    s.chars().count()
}

/// `text` broken into lines of at most `width` characters, continuation lines indented by
/// `indent`. It breaks where C is broken by hand: at a space, after a `(` or a `,`; an
/// identifier too long for a line is broken after a `_`, and only then anywhere. Never a line
/// past `width`.
pub fn wrap(text: &str, width: usize, indent: usize) -> Vec<String> {
    let width = width.max(indent + 4);
    let mut lines = Vec::new();
    let mut rest: Vec<char> = text.trim_end().chars().collect();
    let mut room = width;
    let mut prefix = String::new();
    loop {
        if rest.len() <= room {
            lines.push(format!("{prefix}{}", rest.iter().collect::<String>()));
            return lines;
        }
        // Where to cut: the end of the line's text, in the first `room` characters (a space
        // just past them counts, and is dropped).
        let at_space = (1..=room).rev().find(|&i| rest[i] == ' ');
        let after_sign = (1..=room).rev().find(|&i| rest[i - 1] == '(' || rest[i - 1] == ',');
        // Before the arguments of a call, when there are any (`()` alone on a line says nothing).
        let before_paren = (2..=room).rev().find(|&i| rest[i] == '(' && rest.get(i + 1) != Some(&')'));
        // An underscore in the second half of the line is as good a break as a space; anywhere
        // else it still beats cutting a word in two.
        let after_underscore = |from: usize| (from.max(2)..=room).rev().find(|&i| rest[i - 1] == '_');
        let cut = match (at_space, after_sign) {
            (Some(a), Some(b)) => a.max(b),
            (a, b) => a.or(b).or(after_underscore(room / 2)).or(before_paren).or(after_underscore(2)).unwrap_or(room),
        };
        let line: String = rest[..cut].iter().collect::<String>().trim_end().to_string();
        lines.push(format!("{prefix}{line}"));
        let mut next = cut;
        while next < rest.len() && rest[next] == ' ' {
            next += 1;
        }
        rest.drain(..next);
        if rest.is_empty() {
            return lines;
        }
        prefix = " ".repeat(indent);
        room = width - indent;
    }
}

/// Text for an XML attribute or element.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 has no place for most control characters, even escaped.
            c if c.is_control() && c != '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_ranges_read_every_spelling() {
        assert_eq!(StepRange::parse("3..7", 31), Ok(StepRange { first: 3, last: 7 }));
        assert_eq!(StepRange::parse("3..=7", 31), Ok(StepRange { first: 3, last: 7 }));
        assert_eq!(StepRange::parse("20..", 31), Ok(StepRange { first: 20, last: 31 }));
        assert_eq!(StepRange::parse("..5", 31), Ok(StepRange { first: 1, last: 5 }));
        assert_eq!(StepRange::parse("25", 31), Ok(StepRange { first: 25, last: 25 }));
    }

    #[test]
    fn bad_step_ranges_say_why() {
        let msg = |t: &str| StepRange::parse(t, 31).unwrap_err().to_string();
        assert_eq!(msg("7..3"), "steps `7..3`: the first step is after the last");
        assert_eq!(msg("0..3"), "steps `0..3`: steps are numbered from 1");
        assert_eq!(msg("20..40"), "steps `20..40`: the trace has 31 steps");
        assert_eq!(msg("a..3"), "steps `a..3`: `a` is not a step number");
        assert_eq!(msg(""), "steps ``: give steps as A..B, A.., ..B or N");
        assert_eq!(msg("99999999999999999999999"), "steps `99999999999999999999999`: `99999999999999999999999` is not a step number");
    }

    #[test]
    fn wrapping_breaks_at_spaces_and_never_passes_the_width() {
        assert_eq!(wrap("ptep_modify_prot(V, -W, -UW)", 12, 2), ["ptep_modify_", "  prot(V,", "  -W, -UW)"]);
        assert_eq!(wrap("atomic_inc(tlb_flush_pending)", 21, 2), ["atomic_inc(", "  tlb_flush_pending)"]);
        assert_eq!(wrap("mm_tlb_flush_pending()", 18, 2), ["mm_tlb_flush_", "  pending()"]);
        assert_eq!(wrap("if PageKsm(page) || page_count(page) != 1", 20, 2), ["if PageKsm(page) ||", "  page_count(page)", "  != 1"]);
        assert_eq!(wrap("short", 20, 2), ["short"]);
        assert_eq!(wrap("page_mapcount(page) == 1", 13, 2), ["page_mapcount", "  (page) == 1"]);
        assert_eq!(wrap("pte_wrprotect(ptent))", 13, 2), ["pte_wrprotect", "  (ptent))"]);
        assert_eq!(wrap("mmap_read_lock()", 14, 2), ["mmap_read_", "  lock()"]);
        assert_eq!(wrap("change_protection_range", 16, 2), ["change_", "  protection_", "  range"]);
        for w in 4..30 {
            for line in wrap("a_very_long_identifier_without_breaks(and, some, args) then more", w, 2) {
                assert!(line.chars().count() <= w.max(6), "{line:?} at {w}");
            }
        }
    }

    #[test]
    fn ascii_spells_the_signs_of_the_descriptions() {
        assert_eq!(ascii("store → fault · page_count ≠ 1 §3a ✗\tx"), "store -> fault - page_count != 1 section 3a X x");
        assert_eq!(ascii("日本"), "??");
    }
}
