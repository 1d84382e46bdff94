//! Every byte the CLI writes goes through here: lines on stdout (`say!`), messages on stderr
//! (`tell!`), whole texts (a DOT graph), JSON lines, and a completion script as it is.
//!
//! Text comes from `.race` files and the command line, so it may hold terminal escapes (clear
//! the screen, set the window title, colours) or bidirectional overrides that make it read
//! otherwise than it is: [`escape_controls`] prints each such character as `\u{1b}`, in every
//! line of text and every message. JSON escapes them as `\u001b` (serde_json escapes the C0
//! controls, [`json_line`] the others).
//!
//! A closed stdout (`racelab check --all | head -1`) means the reader has what it wanted: the
//! command ends at once, quietly, with status 0, as a Unix tool killed by SIGPIPE stops, but
//! without a status a pipeline under `set -o pipefail` would take for a failure. Any other
//! failure to write stdout (a full disk) ends it with status 1 and says so on stderr. Writing
//! to stderr never fails the command: when stderr is gone, there is nobody left to tell.

use std::borrow::Cow;
use std::io::{self, Write};

/// `println!` through [`text`].
#[macro_export]
macro_rules! say {
    () => { $crate::term::text("\n") };
    ($($arg:tt)*) => { $crate::term::text(&format!("{}\n", format_args!($($arg)*))) };
}

/// `eprintln!` of a one-line message, through [`err_line`].
#[macro_export]
macro_rules! tell {
    ($($arg:tt)*) => { $crate::term::err_line(&format!($($arg)*)) };
}

/// Writes text to stdout, its control characters escaped.
pub fn text(text: &str) {
    out(&escape_controls(text));
}

/// Writes one JSON line to stdout.
pub fn json_line<T: serde::Serialize>(value: &T) {
    let mut line = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut line, EscapingFormatter);
    // The CLI's types (strings, numbers, sequences, maps with string keys) always serialize.
    value.serialize(&mut ser).expect("the CLI's JSON types serialize");
    line.push(b'\n');
    out(&String::from_utf8(line).expect("serde_json writes UTF-8"));
}

/// Writes `text` to stdout as it is.
pub fn out(text: &str) {
    let mut o = io::stdout().lock();
    if let Err(e) = o.write_all(text.as_bytes()).and_then(|()| if text.ends_with('\n') { Ok(()) } else { o.flush() }) {
        drop(o);
        stdout_failed(e);
    }
}

/// Writes `text` to stderr, its control characters escaped, ignoring a failure.
pub fn err(text: &str) {
    let _ = io::stderr().lock().write_all(escape_controls(text).as_bytes());
}

/// Writes `text` to stderr as it is (a progress line and its carriage returns), ignoring a
/// failure.
pub fn err_raw(text: &str) {
    let mut e = io::stderr().lock();
    let _ = e.write_all(text.as_bytes()).and_then(|()| e.flush());
}

/// Writes a message to stderr as one line: a newline inside it (from a scenario's string, a
/// file name) is written `\n`, so that every message is one line.
pub fn err_line(message: &str) {
    err(&format!("{}\n", message.replace('\n', "\\n")));
}

/// A character a terminal would act on or that reorders the text around it: the C0 controls
/// but newline and tab, DEL, the C1 controls (U+0080 to U+009F: some terminals take U+009B
/// for an escape sequence), and the bidirectional embeddings, overrides and isolates.
fn is_escaped(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || ('\u{202a}'..='\u{202e}').contains(&c) || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// `s` with every [`is_escaped`] character written as `\u{HEX}`. Newlines and tabs stay.
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_escaped) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_escaped(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// serde_json's compact output, with the characters [`is_escaped`] names that JSON leaves raw
/// (DEL, C1, bidirectional controls) written as `\uXXXX` too.
struct EscapingFormatter;

impl serde_json::ser::Formatter for EscapingFormatter {
    fn write_string_fragment<W: ?Sized + Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        let mut rest = fragment;
        while let Some(i) = rest.find(is_escaped) {
            w.write_all(&rest.as_bytes()[..i])?;
            let c = rest[i..].chars().next().expect("found at i");
            write!(w, "\\u{:04x}", c as u32)?;
            rest = &rest[i + c.len_utf8()..];
        }
        w.write_all(rest.as_bytes())
    }
}

fn stdout_failed(e: io::Error) -> ! {
    if e.kind() == io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    err(&format!("racelab: cannot write the output: {e}\n"));
    std::process::exit(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_are_printed_escaped() {
        assert_eq!(escape_controls("plain · text\n\twith tab"), "plain · text\n\twith tab");
        assert!(matches!(escape_controls("plain"), Cow::Borrowed(_)));
        assert_eq!(escape_controls("\u{1b}[2J\u{1b}]0;pwned\u{7}"), "\\u{1b}[2J\\u{1b}]0;pwned\\u{7}");
        assert_eq!(escape_controls("a\rb\u{7f}\u{9b}31m"), "a\\u{d}b\\u{7f}\\u{9b}31m");
        assert_eq!(escape_controls("x\u{202e}gnp.exe"), "x\\u{202e}gnp.exe");
    }

    #[test]
    fn json_escapes_what_serde_json_leaves_raw() {
        let mut line = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(&mut line, EscapingFormatter);
        serde::Serialize::serialize("\u{1b}[0m \u{9b}1m \u{202e} \u{7f} é", &mut ser).unwrap();
        let text = String::from_utf8(line).unwrap();
        assert_eq!(text, r#""\u001b[0m \u009b1m \u202e \u007f é""#);
        assert_eq!(serde_json::from_str::<String>(&text).unwrap(), "\u{1b}[0m \u{9b}1m \u{202e} \u{7f} é");
    }
}
