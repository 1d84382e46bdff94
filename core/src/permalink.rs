//! The permalink: everything after `#` in the app's URL, naming one exact view.
//!
//! Version 1: `v=1&s=SCENARIO&p=POLICY&m=MODEL&t=SCHEDULE&i=STEP`, where SCHEDULE is the compact
//! spelling of [`crate::schedule`]; `tr=TRACE` may stand instead of `t=` for a canonical trace.
//!
//! Version 2 (what racelab writes) has the same fields and:
//! * `h=PIN`: the pin of the files the view was made from (the scenario's file and every file it
//!   uses) and of the memory model's semantics version: [`crate::catalog::pin_of`], 10 base32
//!   characters;
//! * `src=SOURCE`: the files themselves, when the scenario is not the catalog's (a new file or an
//!   edit): a [`crate::bundle`], deflated and base64url-encoded;
//! * `q=POLICY` and/or `qm=MODEL`: side by side, the same interleaving under a second policy
//!   and/or memory model; `qi=STEP` the second run's step (else the one that shows the first's);
//! * `view=present` (presentation mode), `embed=1` (the compact player for an iframe);
//! * `note=STEP:TEXT`, any number, one per step: a presenter's note, percent-encoded UTF-8.
//!
//! A version 1 link may carry `q=`, `qm=`, `qi=` and `view=` too: the page wrote them onto
//! version 1 links before version 2 defined them.
//!
//! Parsing is strict (a key given twice, a number spelled `+25` or `025`, an unknown key, a field
//! of version 2 in a version 1 link are errors that name the field) and every value an error
//! quotes is cut by [`echo`]. [`repair`] undoes what mail does to a link before it is parsed.
//! Whether the scenario, the pin and the schedule exist is for [`crate::library`].

use std::fmt;

use crate::bundle::{self, Bundle};
use crate::layout::MemoryModel;
use crate::limits::{echo, MAX_STEPS};
use crate::pack;

/// The version racelab writes.
pub const PERMALINK_VERSION: u32 = 2;
/// The longest link (the fragment, after `#`) that opens, in bytes. A view whose link would be
/// longer is shared as a file instead.
pub const MAX_LINK_BYTES: usize = 64 * 1024;
/// A presenter's note, in characters.
pub const MAX_NOTE_CHARS: usize = 280;
pub const MAX_NOTES: usize = 32;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkSchedule {
    /// The compact schedule text, decoded once the scenario's threads are known.
    Steps(String),
    Trace(String),
}

/// Side by side: the second view of the same interleaving. At least one of the two is set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Compare {
    pub policy: Option<String>,
    pub model: Option<MemoryModel>,
    /// The second run's step (`qi=`); None: the step that shows what the first run's step shows.
    pub step: Option<usize>,
}

/// A presenter's note on one step: plain text, one line.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Note {
    pub step: usize,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Permalink {
    /// The format version the link was written in (1 or 2); [`Permalink::to_fragment`] writes
    /// [`PERMALINK_VERSION`].
    pub version: u32,
    pub scenario: String,
    /// `h=`: None in a version 1 link.
    pub pin: Option<String>,
    pub policy: Option<String>,
    pub model: MemoryModel,
    pub schedule: LinkSchedule,
    /// The step shown (0 is the initial state); None when the link names none.
    pub step: Option<usize>,
    /// `src=`: the files of a scenario that is not the catalog's.
    pub source: Option<Bundle>,
    pub compare: Option<Compare>,
    pub present: bool,
    pub embed: bool,
    /// By step, at most one per step.
    pub notes: Vec<Note>,
}

impl Permalink {
    /// A version 2 link with no extras.
    pub fn new(scenario: &str, policy: Option<&str>, model: MemoryModel, schedule: LinkSchedule, step: usize) -> Permalink {
        Permalink {
            version: PERMALINK_VERSION,
            scenario: scenario.to_string(),
            pin: None,
            policy: policy.map(str::to_string),
            model,
            schedule,
            step: Some(step),
            source: None,
            compare: None,
            present: false,
            embed: false,
            notes: Vec::new(),
        }
    }
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
    if v.is_empty() {
        return err(field, "empty");
    }
    if v.len() > 80 || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.') {
        return err(field, format!("`{}` is not a name", echo(v)));
    }
    Ok(v.to_string())
}

/// A number as racelab writes it: `0`, or digits without a leading zero or a sign.
fn number(field: &str, v: &str, what: &str, max: usize) -> Result<usize, PermalinkError> {
    let canonical = !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) && (v == "0" || !v.starts_with('0'));
    match v.parse::<usize>() {
        Ok(n) if canonical && n <= max => Ok(n),
        Ok(_) if canonical => err(field, format!("{what} {} is past the largest, {max}", echo(v))),
        _ => err(field, format!("`{}` is not a {what}", echo(v))),
    }
}

fn parse_model(field: &str, v: &str) -> Result<MemoryModel, PermalinkError> {
    MemoryModel::parse(v)
        .ok_or_else(|| PermalinkError { field: field.into(), message: format!("unknown memory model `{}` (sc, x86-tso, arm64)", echo(v)) })
}

/// `%XX` escapes, as UTF-8.
fn percent_decode(field: &str, v: &str) -> Result<String, PermalinkError> {
    if !v.contains('%') {
        return Ok(v.to_string());
    }
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
            let Some(byte) = hex else {
                return err(field, format!("`{}` has a `%` that is not followed by two hex digits", echo(v)));
            };
            out.push(byte);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| PermalinkError { field: field.into(), message: "the escapes are not UTF-8".into() })
}

/// Every byte but `A-Z a-z 0-9 _ -` as `%XX`: the text of a note can then never end a link
/// with a character that mail takes for punctuation.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether a presenter's note may hold `c`: no control characters, and none of the invisible
/// ones that reorder text on screen.
fn note_char_ok(c: char) -> bool {
    !c.is_control() && !matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

pub fn check_note(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err("the note is empty".into());
    }
    let n = text.chars().count();
    if n > MAX_NOTE_CHARS {
        return Err(format!("the note has {n} characters; at most {MAX_NOTE_CHARS}"));
    }
    if let Some(c) = text.chars().find(|&c| !note_char_ok(c)) {
        return Err(format!("the note holds the character {}: a note is plain text on one line", c.escape_unicode()));
    }
    Ok(())
}

fn note(v: &str) -> Result<Note, PermalinkError> {
    let Some((step, text)) = v.split_once(':') else {
        return err("note", format!("`{}` is not STEP:TEXT", echo(v)));
    };
    let step = number("note", step, "step number", MAX_STEPS)?;
    let text = percent_decode("note", text)?;
    check_note(&text).map_err(|m| PermalinkError { field: "note".into(), message: format!("step {step}: {m}") })?;
    Ok(Note { step, text })
}

/// Version 1's fields, with those the page wrote onto version 1 links before version 2 defined
/// them (side by side, `q=`, `qm=`, `qi=`, and presentation mode, `view=`).
const V1_KEYS: &[&str] = &["v", "s", "p", "m", "t", "tr", "i", "q", "qm", "qi", "view"];
const V2_KEYS: &[&str] = &["v", "s", "h", "p", "m", "t", "tr", "i", "q", "qm", "qi", "view", "embed", "note", "src"];

impl Permalink {
    pub fn to_fragment(&self) -> String {
        let mut s = format!("v={PERMALINK_VERSION}&s={}", self.scenario);
        if let Some(h) = &self.pin {
            s.push_str(&format!("&h={h}"));
        }
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
        if let Some(i) = self.step {
            s.push_str(&format!("&i={i}"));
        }
        if let Some(c) = &self.compare {
            if let Some(q) = &c.policy {
                s.push_str(&format!("&q={q}"));
            }
            if let Some(m) = c.model {
                s.push_str(&format!("&qm={}", m.name()));
            }
            if let Some(i) = c.step {
                s.push_str(&format!("&qi={i}"));
            }
        }
        if self.present {
            s.push_str("&view=present");
        }
        if self.embed {
            s.push_str("&embed=1");
        }
        let mut notes: Vec<&Note> = self.notes.iter().collect();
        notes.sort_by_key(|n| n.step);
        for n in notes {
            s.push_str(&format!("&note={}:{}", n.step, percent_encode(&n.text)));
        }
        if let Some(b) = &self.source {
            s.push_str(&format!("&src={}", pack::base64url_encode(&pack::deflate(b.to_text().as_bytes()))));
        }
        s
    }

    /// Parses a fragment, with or without the leading `#` (see [`repair`] for a link that went
    /// through a mail).
    pub fn parse(fragment: &str) -> Result<Permalink, PermalinkError> {
        let f = fragment.trim();
        let f = f.strip_prefix('#').unwrap_or(f);
        if f.is_empty() {
            return err("", "the link is empty");
        }
        if f.len() > MAX_LINK_BYTES {
            return err("", format!("the link has {} bytes; racelab opens links of at most {MAX_LINK_BYTES}", f.len()));
        }
        let mut pairs: Vec<(String, String)> = Vec::new();
        for pair in f.split('&') {
            let Some((k, v)) = pair.split_once('=') else {
                return err("", format!("`{}` is not of the form key=value", echo(pair)));
            };
            let k = percent_decode("", k)?;
            // A note's text is decoded on its own, after its `STEP:` is split off.
            let v = if k == "note" { v.to_string() } else { percent_decode(&k, v)? };
            if k != "note" && pairs.iter().any(|(seen, _)| *seen == k) {
                return err(&k, "given twice: a link names each field once");
            }
            pairs.push((k, v));
        }
        let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        let version = match get("v") {
            None => return err("v", "missing: the link has no format version"),
            Some(v) => match number("v", v, "version number", u32::MAX as usize)? as u32 {
                n @ (1 | 2) => n,
                n => return err("v", format!("unsupported version {n}: this racelab opens version 1 and 2 links")),
            },
        };
        let keys = if version == 1 { V1_KEYS } else { V2_KEYS };
        if let Some((k, _)) = pairs.iter().find(|(k, _)| !keys.contains(&k.as_str())) {
            let known = keys.join(", ");
            return if version == 1 && V2_KEYS.contains(&k.as_str()) {
                err(k, format!("a version 2 field in a version 1 link (version 1 has {known})"))
            } else {
                Err(PermalinkError { field: echo(k), message: format!("unknown field (expected {known})") })
            };
        }
        let scenario = match get("s") {
            None => return err("s", "missing: the link names no scenario"),
            Some(v) => safe_name("s", v)?,
        };
        let pin = match get("h") {
            None if version >= 2 => return err("h", "missing: the link pins no version of its files"),
            None => None,
            Some(h) if h.len() >= crate::catalog::PIN_CHARS && h.len() <= 52 && pack::is_base32(h) => Some(h.to_ascii_lowercase()),
            Some(h) => return err("h", format!("`{}` is not a pin ({} or more base32 characters)", echo(h), crate::catalog::PIN_CHARS)),
        };
        let policy = get("p").map(|v| safe_name("p", v)).transpose()?;
        let model = get("m").map(|v| parse_model("m", v)).transpose()?.unwrap_or_default();
        let schedule = match (get("t"), get("tr")) {
            (Some(_), Some(_)) => return err("t", "a link has either t= or tr=, not both"),
            (Some(t), None) => {
                if t.len() > 8 * MAX_STEPS || !t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                    return err("t", format!("`{}` is not a schedule (letters, counts and `_`)", echo(t)));
                }
                LinkSchedule::Steps(t.to_string())
            }
            (None, Some(n)) => LinkSchedule::Trace(safe_name("tr", n)?),
            (None, None) => return err("", "the link has no schedule (t= or tr=)"),
        };
        let step = get("i").map(|v| number("i", v, "step number", MAX_STEPS)).transpose()?;
        let compare_step = get("qi").map(|v| number("qi", v, "step number", MAX_STEPS)).transpose()?;
        let compare = match (get("q"), get("qm")) {
            (None, None) if compare_step.is_some() => {
                return err("qi", "a step of the second view, and the link has no second view (q= or qm=)")
            }
            (None, None) => None,
            (q, qm) => Some(Compare {
                policy: q.map(|v| safe_name("q", v)).transpose()?,
                model: qm.map(|v| parse_model("qm", v)).transpose()?,
                step: compare_step,
            }),
        };
        let present = match get("view") {
            None => false,
            Some("present") => true,
            Some(v) => return err("view", format!("unknown view `{}` (present)", echo(v))),
        };
        let embed = match get("embed") {
            None => false,
            Some("1") => true,
            Some(v) => return err("embed", format!("`{}`: embed=1 or nothing", echo(v))),
        };
        let mut notes: Vec<Note> = Vec::new();
        for (_, v) in pairs.iter().filter(|(k, _)| k == "note") {
            let n = note(v)?;
            if notes.iter().any(|m| m.step == n.step) {
                return err("note", format!("two notes for step {}", n.step));
            }
            notes.push(n);
        }
        if notes.len() > MAX_NOTES {
            return err("note", format!("{} notes; at most {MAX_NOTES}", notes.len()));
        }
        notes.sort_by_key(|n| n.step);
        let source = get("src").map(bundle::decode).transpose().map_err(|m| PermalinkError { field: "src".into(), message: m })?;
        Ok(Permalink { version, scenario, pin, policy, model, schedule, step, source, compare, present, embed, notes })
    }
}

/// What [`repair`] undid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Repair {
    /// Characters after the link that mail or prose glued to it (`.`, `)`, `>`, …).
    Trailing(String),
    /// `&amp;` read back as `&`.
    Ampersands,
    /// Line breaks or spaces inside the link (a mail client wrapped it).
    Whitespace,
    /// The whole fragment was percent-encoded (`v%3D2%26s%3D…`).
    Encoded,
}

impl fmt::Display for Repair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Repair::Trailing(s) => write!(f, "`{}` after the link was dropped", echo(s)),
            Repair::Ampersands => write!(f, "`&amp;` was read as `&`"),
            Repair::Whitespace => write!(f, "line breaks inside the link were removed"),
            Repair::Encoded => write!(f, "the link was percent-encoded as a whole and was decoded"),
        }
    }
}

/// Undoes what mail and prose do to a link: takes what follows `#` in a full URL, removes line
/// breaks, reads `&amp;` as `&`, decodes a fragment that was percent-encoded as a whole, and
/// drops punctuation glued to its end (`.`, `,`, `)`, `>`, quotes) — no link racelab writes ends
/// with one. Returns the fragment and what was repaired.
pub fn repair(text: &str) -> (String, Vec<Repair>) {
    let mut done = Vec::new();
    let t = text.trim();
    let t = match t.find('#') {
        Some(i) => &t[i + 1..],
        None => t,
    };
    let t = t.trim_start_matches(['<', '(', '[', '"', '\'', '`']);
    let mut s: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    if s.len() != t.len() {
        done.push(Repair::Whitespace);
    }
    if s.contains("&amp;") {
        while s.contains("&amp;") {
            s = s.replace("&amp;", "&");
        }
        done.push(Repair::Ampersands);
    }
    if !s.contains('=') && s.to_ascii_lowercase().contains("%3d") {
        if let Ok(d) = percent_decode("", &s) {
            s = d;
            done.push(Repair::Encoded);
        }
    }
    // The same characters as a browser's address bar escapes them (`>` is `%3E` in `location.hash`).
    let mut end = s.len();
    loop {
        let t = &s[..end];
        let cut = t.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '}', '>', '"', '\'', '`', '*']).len();
        let enc = ["%3E", "%3e", "%22", "%20", "%60", "%5D", "%5d", "%7D", "%7d"].iter().find(|e| t[..cut].ends_with(*e));
        let cut = cut - enc.map_or(0, |e| e.len());
        if cut == end {
            break;
        }
        end = cut;
    }
    if end < s.len() {
        done.push(Repair::Trailing(s[end..].to_string()));
        s.truncate(end);
    }
    (s, done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v1(scenario: &str, step: usize) -> Permalink {
        let mut p = Permalink::new(scenario, Some("v5_10"), MemoryModel::Arm64, LinkSchedule::Steps("a5c9d".into()), step);
        p.version = 1;
        p
    }

    #[test]
    fn version_1_links_keep_the_side_by_side_and_presentation_fields_the_page_wrote_onto_them() {
        let p = Permalink::parse("v=1&s=race1a&p=v5_10&tr=lost_write&i=10&q=merged_6ce64428&qi=12&view=present").unwrap();
        assert_eq!(p.compare, Some(Compare { policy: Some("merged_6ce64428".into()), model: None, step: Some(12) }));
        assert!(p.present);
        assert_eq!(
            error("v=1&s=race1a&tr=lost_write&note=1:a"),
            "`note=`: a version 2 field in a version 1 link (version 1 has v, s, p, m, t, tr, i, q, qm, qi, view)"
        );
    }

    #[test]
    fn version_1_links_parse_as_before() {
        let p = Permalink::parse("#v=1&s=race1a&p=v5_10&m=arm64&t=a5c9d&i=17").unwrap();
        assert_eq!(p, v1("race1a", 17));
        let q = Permalink::parse("v=1&s=race1a&tr=lost_write").unwrap();
        assert_eq!((q.schedule, q.step, q.pin, q.policy), (LinkSchedule::Trace("lost_write".into()), None, None, None));
    }

    #[test]
    fn version_2_round_trips_with_every_field() {
        let mut p = Permalink::new("race1a", Some("v5_10"), MemoryModel::X86Tso, LinkSchedule::Steps("a5b10cb12a3".into()), 25);
        p.pin = Some("abcdefgh23".into());
        p.compare = Some(Compare { policy: Some("merged_6ce64428".into()), model: Some(MemoryModel::Arm64), step: Some(27) });
        p.present = true;
        p.embed = true;
        p.notes = vec![Note { step: 25, text: "the write is lost. Here & now: 100%".into() }, Note { step: 3, text: "é → ü".into() }];
        let f = p.to_fragment();
        assert!(
            f.starts_with(
                "v=2&s=race1a&h=abcdefgh23&p=v5_10&m=x86-tso&t=a5b10cb12a3&i=25&q=merged_6ce64428&qm=arm64&qi=27&view=present&embed=1&note=3:"
            ),
            "{f}"
        );
        assert!(f.ends_with("%2E%20Here%20%26%20now%3A%20100%25"), "{f}");
        let back = Permalink::parse(&f).unwrap();
        p.notes.sort_by_key(|n| n.step);
        assert_eq!(back, p);
    }

    fn error(f: &str) -> String {
        Permalink::parse(f).unwrap_err().to_string()
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(error("v=3&s=x"), "`v=`: unsupported version 3: this racelab opens version 1 and 2 links");
        assert_eq!(error("s=x"), "`v=`: missing: the link has no format version");
        assert_eq!(error("v=1&s=x&t=a&i=-3"), "`i=`: `-3` is not a step number");
        assert_eq!(Permalink::parse("v=1&s=<script>&t=a").unwrap_err().field, "s");
        assert_eq!(error(""), "the link is empty");
        assert_eq!(error("v=2&s=race1a&t=a"), "`h=`: missing: the link pins no version of its files");
        assert_eq!(
            error("v=1&s=race1a&h=abcdefghij&t=a"),
            "`h=`: a version 2 field in a version 1 link (version 1 has v, s, p, m, t, tr, i, q, qm, qi, view)"
        );
        assert_eq!(error("v=2&s=race1a&h=abc&t=a"), "`h=`: `abc` is not a pin (10 or more base32 characters)");
        assert_eq!(error("v=2&s=r&h=abcdefghij&t=a&view=slides"), "`view=`: unknown view `slides` (present)");
        assert_eq!(error("v=2&s=r&h=abcdefghij&t=a&embed=yes"), "`embed=`: `yes`: embed=1 or nothing");
        assert_eq!(error("v=2&s=r&h=abcdefghij&t=a&qi=3"), "`qi=`: a step of the second view, and the link has no second view (q= or qm=)");
        assert_eq!(error("v=2&s=r&h=abcdefghij&t=a&q=x&qi=03"), "`qi=`: `03` is not a step number");
        assert_eq!(error("v=2&s=r&h=abcdefghij&t=a&qm=power"), "`qm=`: unknown memory model `power` (sc, x86-tso, arm64)");
        assert_eq!(error("v=1&s=r&t=a b"), "`t=`: `a b` is not a schedule (letters, counts and `_`)");
    }

    #[test]
    fn numbers_are_canonical() {
        assert_eq!(error("v=1&s=x&t=a&i=+25"), "`i=`: `+25` is not a step number");
        assert_eq!(error("v=1&s=x&t=a&i=025"), "`i=`: `025` is not a step number");
        assert_eq!(error("v=01&s=x&t=a"), "`v=`: `01` is not a version number");
        assert_eq!(error("v=1&s=x&t=a&i="), "`i=`: `` is not a step number");
        assert_eq!(error("v=1&s=x&t=a&i=100001"), "`i=`: step number 100001 is past the largest, 100000");
        assert_eq!(Permalink::parse("v=1&s=x&t=a&i=0").unwrap().step, Some(0));
    }

    #[test]
    fn a_key_given_twice_is_an_error_naming_it() {
        assert_eq!(error("v=1&s=race1a&s=race1b&t=a"), "`s=`: given twice: a link names each field once");
        assert_eq!(error("v=1&v=1&s=x&t=a"), "`v=`: given twice: a link names each field once");
        assert_eq!(error("v=2&s=x&h=abcdefghij&t=a&note=1:a&note=1:b"), "`note=`: two notes for step 1");
    }

    #[test]
    fn a_link_without_a_schedule_says_so() {
        assert_eq!(error("v=1&s=race1a&i=3"), "the link has no schedule (t= or tr=)");
        assert_eq!(Permalink::parse("v=1&s=race1a&t=").unwrap().schedule, LinkSchedule::Steps(String::new()));
    }

    #[test]
    fn echoes_are_capped() {
        let huge = "9".repeat(1 << 20);
        let cases = [
            format!("v={huge}&s=x&t=a"),
            format!("v=1&s=x&t=a&i={huge}"),
            format!("v=1&s=x&t=a&m={huge}"),
            format!("v=1&s=x&t=a&{huge}=1"),
            format!("v=1&s=x&t=a&{huge}"),
            format!("v=1&s={huge}&t=a"),
        ];
        for c in &cases {
            // The cap on the whole link comes first; under it, each field's echo is capped.
            let short = &c[..c.len().min(MAX_LINK_BYTES)];
            for f in [c.as_str(), short] {
                let e = error(f);
                assert!(e.len() < 200, "{} bytes: {}", e.len(), echo(&e));
            }
        }
        assert_eq!(
            error(&format!("v=1&s=x&t=a&m={}", "z".repeat(1000))),
            format!("`m=`: unknown memory model `{}…` (sc, x86-tso, arm64)", "z".repeat(40))
        );
        assert_eq!(
            error(&format!("v=1&s=x&t=a&{}=1", "k".repeat(1000))),
            format!("`{}…=`: unknown field (expected v, s, p, m, t, tr, i, q, qm, qi, view)", "k".repeat(40))
        );
        assert!(error(&"a".repeat(MAX_LINK_BYTES + 1)).starts_with("the link has 65537 bytes; racelab opens links of at most 65536"));
    }

    #[test]
    fn notes_are_plain_text_and_capped() {
        let ok = Permalink::parse("v=2&s=x&h=abcdefghij&t=a&note=0:hello%20world").unwrap();
        assert_eq!(ok.notes, vec![Note { step: 0, text: "hello world".into() }]);
        assert_eq!(
            error("v=2&s=x&h=abcdefghij&t=a&note=1:a%0Ab"),
            "`note=`: step 1: the note holds the character \\u{a}: a note is plain text on one line"
        );
        assert_eq!(
            error("v=2&s=x&h=abcdefghij&t=a&note=1:%E2%80%AEevil"),
            "`note=`: step 1: the note holds the character \\u{202e}: a note is plain text on one line"
        );
        assert_eq!(error("v=2&s=x&h=abcdefghij&t=a&note=1:%FF"), "`note=`: the escapes are not UTF-8");
        assert_eq!(error("v=2&s=x&h=abcdefghij&t=a&note=1:%2"), "`note=`: `%2` has a `%` that is not followed by two hex digits");
        assert_eq!(error("v=2&s=x&h=abcdefghij&t=a&note=hello"), "`note=`: `hello` is not STEP:TEXT");
        assert_eq!(error("v=2&s=x&h=abcdefghij&t=a&note=1:%20"), "`note=`: step 1: the note is empty");
        let long = format!("v=2&s=x&h=abcdefghij&t=a&note=1:{}", "n".repeat(281));
        assert_eq!(error(&long), "`note=`: step 1: the note has 281 characters; at most 280");
        let many: String = (0..33).map(|i| format!("&note={i}:n")).collect();
        assert_eq!(error(&format!("v=2&s=x&h=abcdefghij&t=a{many}")), "`note=`: 33 notes; at most 32");
    }

    #[test]
    fn repair_undoes_mail_damage() {
        let good = "v=1&s=race1a&p=v5_10&t=a5b10cb12a3&i=25";
        for (damaged, what) in [
            (format!("{good}."), vec![Repair::Trailing(".".into())]),
            (format!("{good})."), vec![Repair::Trailing(").".into())]),
            (format!("{good}>"), vec![Repair::Trailing(">".into())]),
            (format!("{good},"), vec![Repair::Trailing(",".into())]),
            (good.replace('&', "&amp;"), vec![Repair::Ampersands]),
            (good.replace('&', "&amp;amp;"), vec![Repair::Ampersands]),
            (format!("<https://example.org/racelab/#{good}>"), vec![Repair::Trailing(">".into())]),
            (format!("  #{}\n{}  ", &good[..20], &good[20..]), vec![Repair::Whitespace]),
            (good.replace('=', "%3D").replace('&', "%26"), vec![Repair::Encoded]),
            (format!("{good}%3E"), vec![Repair::Trailing("%3E".into())]),
            (format!("{good}%22)."), vec![Repair::Trailing("%22).".into())]),
        ] {
            let (fixed, repairs) = repair(&damaged);
            assert_eq!(fixed, good, "{damaged:?}");
            assert_eq!(repairs, what, "{damaged:?}");
        }
        assert_eq!(repair(good), (good.to_string(), vec![]));
        assert_eq!(repair(&format!("#{good}")), (good.to_string(), vec![]));
    }
}
