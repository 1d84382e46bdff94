//! The permalink: everything after `#` in the app's URL, naming one exact view.
//!
//! `v=1&s=SCENARIO&p=POLICY&m=MODEL&t=SCHEDULE&i=STEP`, where SCHEDULE is the compact spelling
//! of [`crate::schedule`]; `tr=TRACE` may stand instead of `t=` for a canonical trace. Parsing
//! checks only the shape; whether the scenario and schedule exist is for [`crate::lab`].

use std::fmt;

use crate::layout::MemoryModel;

pub const PERMALINK_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkSchedule {
    /// The compact schedule text, decoded once the scenario's threads are known.
    Steps(String),
    Trace(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Permalink {
    pub scenario: String,
    pub policy: Option<String>,
    pub model: MemoryModel,
    pub schedule: LinkSchedule,
    /// The step shown: 0 is the initial state.
    pub step: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermalinkError {
    /// The field at fault (`v`, `s`, `t`, …), or empty for the link as a whole.
    pub field: String,
    pub message: String,
}

impl fmt::Display for PermalinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "`{}=`: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for PermalinkError {}

fn err<T>(field: &str, message: impl Into<String>) -> Result<T, PermalinkError> {
    Err(PermalinkError { field: field.into(), message: message.into() })
}

fn safe_name(field: &str, v: &str) -> Result<String, PermalinkError> {
    if v.is_empty() || v.len() > 80 || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.') {
        return err(field, format!("`{}` is not a name", v.chars().take(40).collect::<String>()));
    }
    Ok(v.to_string())
}

impl Permalink {
    pub fn to_fragment(&self) -> String {
        let mut s = format!("v={PERMALINK_VERSION}&s={}", self.scenario);
        if let Some(p) = &self.policy {
            s.push_str(&format!("&p={p}"));
        }
        if self.model != MemoryModel::Sc {
            s.push_str(&format!("&m={}", self.model.name()));
        }
        match &self.schedule {
            LinkSchedule::Steps(t) => s.push_str(&format!("&t={t}")),
            LinkSchedule::Trace(n) => s.push_str(&format!("&tr={n}")),
        }
        s.push_str(&format!("&i={}", self.step));
        s
    }

    /// Parses a fragment, with or without the leading `#`.
    pub fn parse(fragment: &str) -> Result<Permalink, PermalinkError> {
        let f = fragment.trim().trim_start_matches('#');
        if f.is_empty() {
            return err("", "the link is empty");
        }
        let mut version = None;
        let (mut scenario, mut policy, mut model, mut steps, mut trace, mut step) = (None, None, MemoryModel::Sc, None, None, None);
        for pair in f.split('&') {
            let Some((k, v)) = pair.split_once('=') else {
                return err("", format!("`{}` is not of the form key=value", pair.chars().take(40).collect::<String>()));
            };
            match k {
                "v" => {
                    version = Some(
                        v.parse::<u32>()
                            .map_err(|_| PermalinkError { field: "v".into(), message: format!("`{v}` is not a version number") })?,
                    )
                }
                "s" => scenario = Some(safe_name("s", v)?),
                "p" => policy = Some(safe_name("p", v)?),
                "m" => {
                    model = MemoryModel::parse(v).ok_or_else(|| PermalinkError {
                        field: "m".into(),
                        message: format!("unknown memory model `{v}` (sc, x86-tso, arm64)"),
                    })?
                }
                "t" => steps = Some(v.to_string()),
                "tr" => trace = Some(safe_name("tr", v)?),
                "i" => {
                    step = Some(
                        v.parse::<usize>()
                            .map_err(|_| PermalinkError { field: "i".into(), message: format!("`{v}` is not a step number") })?,
                    )
                }
                _ => return err(k, "unknown field (expected v, s, p, m, t, tr, i)"),
            }
        }
        match version {
            None => return err("v", "missing: the link has no format version"),
            Some(v) if v != PERMALINK_VERSION => {
                return err("v", format!("unsupported version {v}: this racelab opens version {PERMALINK_VERSION} links"))
            }
            _ => {}
        }
        let scenario =
            scenario.ok_or_else(|| PermalinkError { field: "s".into(), message: "missing: the link names no scenario".into() })?;
        let schedule = match (steps, trace) {
            (Some(_), Some(_)) => return err("t", "a link has either t= or tr=, not both"),
            (Some(t), None) => LinkSchedule::Steps(t),
            (None, Some(n)) => LinkSchedule::Trace(n),
            (None, None) => LinkSchedule::Steps(String::new()),
        };
        Ok(Permalink { scenario, policy, model, schedule, step: step.unwrap_or(0) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let p = Permalink {
            scenario: "race1a".into(),
            policy: Some("v5_10".into()),
            model: MemoryModel::Arm64,
            schedule: LinkSchedule::Steps("a5c9d".into()),
            step: 17,
        };
        assert_eq!(p.to_fragment(), "v=1&s=race1a&p=v5_10&m=arm64&t=a5c9d&i=17");
        assert_eq!(Permalink::parse(&format!("#{}", p.to_fragment())).unwrap(), p);
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(Permalink::parse("v=2&s=x").unwrap_err().to_string(), "`v=`: unsupported version 2: this racelab opens version 1 links");
        assert_eq!(Permalink::parse("s=x").unwrap_err().to_string(), "`v=`: missing: the link has no format version");
        assert_eq!(Permalink::parse("v=1&s=x&i=-3").unwrap_err().to_string(), "`i=`: `-3` is not a step number");
        assert_eq!(Permalink::parse("v=1&s=<script>").unwrap_err().field, "s");
        assert_eq!(Permalink::parse("").unwrap_err().to_string(), "the link is empty");
    }
}
