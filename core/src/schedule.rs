//! Schedules: which choice is taken at each step. Two spellings of the same thing:
//!
//! * by name, for people and trace files: `monitor*5 writer*9 stale`, where a store-buffer
//!   drain of a thread's CPU is `NAME.drain`, and the access of the instruction at pc N of a
//!   thread performed early (out of program order) is `NAME.earlyN` (`racelab show` prints
//!   the pcs); commas also separate;
//! * compact, for permalinks: one letter per thread (`a` is the first thread; upper case for a
//!   drain) followed by an optional repeat count, `a5c9d`; an access performed early is `_`,
//!   the thread's letter and the pc: `_b17`.
//!
//! [`parse`] reads either, by one rule: names first, then compact letters (see there).

use std::fmt;

use crate::layout::Layout;
use crate::limits::MAX_STEPS;
use crate::step::Choice;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleError {
    /// 1-based position (character) in the text.
    pub at: usize,
    pub message: String,
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "schedule, at character {}: {}", self.at, self.message)
    }
}

impl std::error::Error for ScheduleError {}

fn err<T>(at: usize, message: impl Into<String>) -> Result<T, ScheduleError> {
    Err(ScheduleError { at, message: message.into() })
}

/// Parses one token of the name spelling: `writer`, `writer.drain`, `writer.early17`.
pub fn parse_choice(token: &str, layout: &Layout) -> Option<Choice> {
    if let Some(n) = token.strip_suffix(".drain") {
        return Some(Choice::Drain(layout.thread(n)? as u8));
    }
    if let Some((n, pc)) = token.rsplit_once(".early") {
        if !pc.is_empty() && pc.chars().all(|c| c.is_ascii_digit()) && (pc == "0" || !pc.starts_with('0')) {
            return Some(Choice::Early(layout.thread(n)? as u8, pc.parse().ok()?));
        }
    }
    Some(Choice::Run(layout.thread(token)? as u8))
}

pub fn parse_names(text: &str, layout: &Layout) -> Result<Vec<Choice>, ScheduleError> {
    let mut out = Vec::new();
    let mut pos = 0;
    for token in text.split(|c: char| c.is_whitespace() || c == ',') {
        let at = pos + 1;
        pos += token.chars().count() + 1;
        if token.is_empty() {
            continue;
        }
        let (name, count) = match token.split_once('*') {
            Some((n, c)) => match c.parse::<usize>() {
                Ok(k) if k >= 1 => (n, k),
                _ => return err(at, format!("`{token}`: expected NAME*COUNT with a count of 1 or more")),
            },
            None => (token, 1),
        };
        let Some(c) = parse_choice(name, layout) else {
            let names: Vec<&str> = layout.threads.iter().map(|t| t.name.as_str()).collect();
            return err(at, format!("unknown thread `{}` (threads: {})", cut(name), names.join(", ")));
        };
        if out.len() + count > MAX_STEPS {
            return err(at, format!("more than {MAX_STEPS} steps"));
        }
        out.extend(std::iter::repeat_n(c, count));
    }
    Ok(out)
}

/// The prefix that marks compact letters copied from a link's `t=` field.
pub const COMPACT_PREFIX: &str = "t=";

/// Reads a schedule in either spelling, by one rule:
///
/// 1. a text that starts with `t=` (as copied from a link) is compact letters;
/// 2. else a text that reads as thread names ([`parse_names`]) is thread names;
/// 3. else a text of one word of ASCII letters, digits and `_` is compact letters ([`decode`]).
///
/// Names come first because people type them. The two can only be confused when the whole
/// text is one thread's name that also spells compact letters (a thread named `a`, `b2` or
/// `ab`): it then reads as that thread, and `t=a` is the first thread in compact letters.
/// [`format_names`] and `t=` + [`encode`] always read back as the schedule they spell.
pub fn parse(text: &str, layout: &Layout) -> Result<Vec<Choice>, ScheduleError> {
    let threads = layout.threads.len();
    if let Some(compact) = text.strip_prefix(COMPACT_PREFIX) {
        return decode(compact, threads).map_err(|e| ScheduleError { at: e.at + COMPACT_PREFIX.len(), message: e.message });
    }
    let as_names = match parse_names(text, layout) {
        Ok(s) => return Ok(s),
        Err(e) => e,
    };
    if text.is_empty() || !text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(as_names);
    }
    decode(text, threads).map_err(|as_compact| ScheduleError {
        at: as_names.at,
        message: format!("{}; nor is it compact letters (at character {}: {})", as_names.message, as_compact.at, as_compact.message),
    })
}

/// At most 40 characters of a text an error message quotes.
fn cut(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

fn runs(schedule: &[Choice]) -> Vec<(Choice, usize)> {
    let mut v: Vec<(Choice, usize)> = Vec::new();
    for &c in schedule {
        match v.last_mut() {
            Some((d, n)) if *d == c => *n += 1,
            _ => v.push((c, 1)),
        }
    }
    v
}

pub fn choice_name(c: Choice, layout: &Layout) -> String {
    match c {
        Choice::Run(t) => layout.threads[t as usize].name.clone(),
        Choice::Drain(t) => format!("{}.drain", layout.threads[t as usize].name),
        Choice::Early(t, pc) => format!("{}.early{pc}", layout.threads[t as usize].name),
    }
}

pub fn format_names(schedule: &[Choice], layout: &Layout) -> String {
    runs(schedule)
        .into_iter()
        .map(|(c, n)| {
            let name = choice_name(c, layout);
            if n == 1 {
                name
            } else {
                format!("{name}*{n}")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn encode(schedule: &[Choice]) -> String {
    let mut s = String::new();
    for (c, n) in runs(schedule) {
        if let Choice::Early(t, pc) = c {
            for _ in 0..n {
                s.push('_');
                s.push((b'a' + t) as char);
                s.push_str(&pc.to_string());
            }
            continue;
        }
        s.push(match c {
            Choice::Run(t) => (b'a' + t) as char,
            Choice::Drain(t) => (b'A' + t) as char,
            Choice::Early(..) => unreachable!(),
        });
        if n > 1 {
            s.push_str(&n.to_string());
        }
    }
    s
}

pub fn decode(text: &str, threads: usize) -> Result<Vec<Choice>, ScheduleError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at = i + 1;
        if c == '_' {
            // `_b17`: thread b performs the instruction at pc 17 early.
            let Some(&l) = chars.get(i + 1).filter(|l| l.is_ascii_lowercase()) else {
                return err(at, "expected a thread letter after `_`");
            };
            let t = l as u8 - b'a';
            if t as usize >= threads {
                let last = (b'a' + threads as u8 - 1) as char;
                return err(at + 1, format!("`{l}` names thread #{}, but the scenario has {threads} threads (a..{last})", t + 1));
            }
            i += 2;
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let digits: String = chars[start..i].iter().collect();
            let Ok(pc) = digits.parse::<u16>() else {
                return err(start + 1, "expected the pc of the instruction performed early after `_` and the thread letter");
            };
            if out.len() + 1 > MAX_STEPS {
                return err(at, format!("more than {MAX_STEPS} steps"));
            }
            out.push(Choice::Early(t, pc));
            continue;
        }
        let choice = if c.is_ascii_lowercase() {
            Choice::Run(c as u8 - b'a')
        } else if c.is_ascii_uppercase() {
            Choice::Drain(c as u8 - b'A')
        } else {
            return err(at, format!("expected a thread letter (a, b, …), found `{c}`"));
        };
        if choice.thread() >= threads {
            let last = (b'a' + threads as u8 - 1) as char;
            return err(at, format!("`{c}` names thread #{}, but the scenario has {threads} threads (a..{last})", choice.thread() + 1));
        }
        i += 1;
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        let count = if i == start {
            1
        } else {
            let digits: String = chars[start..i].iter().collect();
            match digits.parse::<usize>() {
                Ok(n) if n >= 2 && !digits.starts_with('0') => n,
                Err(_) if !digits.starts_with('0') => {
                    return err(
                        start + 1,
                        format!("`{}` is too large a repeat count (a schedule has at most {MAX_STEPS} steps)", cut(&digits)),
                    )
                }
                _ => return err(start + 1, format!("`{}` is not a repeat count (2 or more, no leading zero)", cut(&digits))),
            }
        };
        if out.len() + count > MAX_STEPS {
            return err(at, format!("more than {MAX_STEPS} steps"));
        }
        out.extend(std::iter::repeat_n(choice, count));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(v: &[u8]) -> Vec<Choice> {
        v.iter().map(|&t| if t >= 10 { Choice::Drain(t - 10) } else { Choice::Run(t) }).collect()
    }

    #[test]
    fn compact_round_trips() {
        for s in
            [vec![], vec![0], vec![0, 0, 1, 2, 2, 2, 0], vec![3; 12], (0..40).map(|i| i % 4).collect::<Vec<_>>(), vec![0, 10, 10, 1, 11]]
        {
            let s = runs(&s);
            let text = encode(&s);
            assert_eq!(decode(&text, 4).unwrap(), s, "{text}");
        }
        assert_eq!(encode(&runs(&[0, 0, 0, 2, 1, 1, 12])), "a3cb2C");
        let early = vec![Choice::Run(0), Choice::Early(1, 17), Choice::Early(1, 17), Choice::Run(1), Choice::Run(1), Choice::Drain(0)];
        assert_eq!(encode(&early), "a_b17_b17b2A");
        assert_eq!(decode("a_b17_b17b2A", 2).unwrap(), early);
        assert_eq!(decode("_c1", 2).unwrap_err().at, 2);
        assert_eq!(decode("_b", 2).unwrap_err().at, 3);
    }

    fn layout(names: &[&str]) -> Layout {
        Layout {
            mms: vec![],
            ptes: vec![],
            pages: vec![],
            vars: vec![],
            locks: vec![],
            threads: names
                .iter()
                .map(|n| crate::layout::ThreadInfo { name: n.to_string(), cpu: Some(0), mm: 0, description: String::new() })
                .collect(),
            data_slots: 0,
            per_mm: vec![],
        }
    }

    #[test]
    fn parse_reads_names_first_then_compact_letters() {
        let l = layout(&["monitor", "writer", "stale"]);
        assert_eq!(parse("writer*2 stale", &l).unwrap(), runs(&[1, 1, 2]));
        // `permalink --schedule writer` prints `t=b`: both that and `b` read back.
        assert_eq!(parse("b", &l).unwrap(), runs(&[1]));
        assert_eq!(parse("t=b", &l).unwrap(), runs(&[1]));
        assert_eq!(parse("a5c_b3B", &l).unwrap(), [runs(&[0, 0, 0, 0, 0, 2]), vec![Choice::Early(1, 3), Choice::Drain(1)]].concat());
        assert_eq!(parse("", &l).unwrap(), vec![]);
    }

    #[test]
    fn a_thread_named_like_compact_letters_is_read_by_its_name() {
        let l = layout(&["b", "a"]);
        assert_eq!(parse("a", &l).unwrap(), runs(&[1]));
        assert_eq!(parse("t=a", &l).unwrap(), runs(&[0]));
        assert_eq!(parse("a b*2", &l).unwrap(), runs(&[1, 0, 0]));
        assert_eq!(parse("ab", &l).unwrap(), runs(&[0, 1]));
    }

    #[test]
    fn parse_errors_say_what_each_spelling_found() {
        let l = layout(&["monitor", "writer", "stale"]);
        assert_eq!(
            parse("writr", &l).unwrap_err().to_string(),
            "schedule, at character 1: unknown thread `writr` (threads: monitor, writer, stale); nor is it compact letters \
             (at character 1: `w` names thread #23, but the scenario has 3 threads (a..c))"
        );
        assert_eq!(
            parse("writer stal", &l).unwrap_err().to_string(),
            "schedule, at character 8: unknown thread `stal` (threads: monitor, writer, stale)"
        );
        assert_eq!(parse("t=a3d", &l).unwrap_err().at, 5);
        let long = "x".repeat(100_000);
        assert!(parse(&format!("a {long}"), &l).unwrap_err().to_string().len() < 200);
    }

    #[test]
    fn compact_errors_name_the_character() {
        assert_eq!(
            decode("a3e", 4).unwrap_err().to_string(),
            "schedule, at character 3: `e` names thread #5, but the scenario has 4 threads (a..d)"
        );
        assert_eq!(
            decode("a1", 4).unwrap_err().to_string(),
            "schedule, at character 2: `1` is not a repeat count (2 or more, no leading zero)"
        );
        assert_eq!(decode("a-", 4).unwrap_err().at, 2);
        let e = decode("a99999999999999999999", 4).unwrap_err().to_string();
        assert!(e.ends_with("`99999999999999999999` is too large a repeat count (a schedule has at most 100000 steps)"), "{e}");
    }
}
