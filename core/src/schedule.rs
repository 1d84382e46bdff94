//! Schedules: which thread runs at each step. Two spellings of the same thing:
//!
//! * by name, for people and trace files: `monitor*5 app2*9 app3` (commas also separate);
//! * compact, for permalinks: one letter per thread (`a` is the first thread) followed by an
//!   optional repeat count, `a5c9d`.

use std::fmt;

use crate::scenario::Layout;

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

/// Longer schedules are certainly a mistake (or an attack on the page).
pub const MAX_STEPS: usize = 100_000;

fn err<T>(at: usize, message: impl Into<String>) -> Result<T, ScheduleError> {
    Err(ScheduleError { at, message: message.into() })
}

pub fn parse_names(text: &str, layout: &Layout) -> Result<Vec<usize>, ScheduleError> {
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
        let Some(t) = layout.thread(name) else {
            let names: Vec<&str> = layout.threads.iter().map(|t| t.name.as_str()).collect();
            return err(at, format!("unknown thread `{name}` (threads: {})", names.join(", ")));
        };
        if out.len() + count > MAX_STEPS {
            return err(at, format!("more than {MAX_STEPS} steps"));
        }
        out.extend(std::iter::repeat_n(t, count));
    }
    Ok(out)
}

fn runs(schedule: &[usize]) -> Vec<(usize, usize)> {
    let mut v: Vec<(usize, usize)> = Vec::new();
    for &t in schedule {
        match v.last_mut() {
            Some((u, n)) if *u == t => *n += 1,
            _ => v.push((t, 1)),
        }
    }
    v
}

pub fn format_names(schedule: &[usize], layout: &Layout) -> String {
    runs(schedule)
        .into_iter()
        .map(|(t, n)| {
            let name = &layout.threads[t].name;
            if n == 1 {
                name.clone()
            } else {
                format!("{name}*{n}")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn encode(schedule: &[usize]) -> String {
    let mut s = String::new();
    for (t, n) in runs(schedule) {
        s.push((b'a' + t as u8) as char);
        if n > 1 {
            s.push_str(&n.to_string());
        }
    }
    s
}

pub fn decode(text: &str, threads: usize) -> Result<Vec<usize>, ScheduleError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at = i + 1;
        if !c.is_ascii_lowercase() {
            return err(at, format!("expected a thread letter (a, b, …), found `{c}`"));
        }
        let t = (c as u8 - b'a') as usize;
        if t >= threads {
            let last = (b'a' + threads as u8 - 1) as char;
            return err(at, format!("`{c}` names thread #{}, but the scenario has {threads} threads (a..{last})", t + 1));
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
                _ => return err(start + 1, format!("`{digits}` is not a repeat count (2 or more, no leading zero)")),
            }
        };
        if out.len() + count > MAX_STEPS {
            return err(at, format!("more than {MAX_STEPS} steps"));
        }
        out.extend(std::iter::repeat_n(t, count));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_round_trips() {
        for s in [vec![], vec![0], vec![0, 0, 1, 2, 2, 2, 0], vec![3; 12], (0..40).map(|i| i % 4).collect::<Vec<_>>()] {
            let text = encode(&s);
            assert_eq!(decode(&text, 4).unwrap(), s, "{text}");
        }
        assert_eq!(encode(&[0, 0, 0, 2, 1, 1]), "a3cb2");
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
    }
}
