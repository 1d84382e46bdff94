//! Caps shared by several layers. The bottom of the crate: it uses nothing.

/// Longer schedules are certainly a mistake (or an attack on the page).
pub const MAX_STEPS: usize = 100_000;

/// The deepest bug PCT is asked to look for: `depth - 1` priority changes per run. A bug of
/// depth 1,000 would be found with a probability too small to matter, and each run keeps its
/// change points, so the sampler caps a larger depth at this.
pub const MAX_PCT_DEPTH: u32 = 1_000;

/// The most characters of an untrusted value that a message quotes.
pub const ECHO_CHARS: usize = 40;

/// An untrusted value as a message quotes it: at most [`ECHO_CHARS`] characters, then `…`, with
/// control characters escaped (`\u{1b}`), so a megabyte pasted into a link or an argument makes a
/// one-line message that cannot drive a terminal.
pub fn echo(value: &str) -> String {
    echo_at_most(value, ECHO_CHARS)
}

/// As [`echo`], cut after `chars` characters instead (for a longer quote, such as a parser's
/// own message about an untrusted text).
pub fn echo_at_most(value: &str, chars: usize) -> String {
    let mut out = String::new();
    for (i, c) in value.chars().enumerate() {
        if i == chars {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_caps_long_values_and_escapes_control_characters() {
        assert_eq!(echo("race1a"), "race1a");
        let long = "x".repeat(1 << 20);
        assert_eq!(echo(&long), format!("{}…", "x".repeat(40)));
        assert_eq!(echo(&"y".repeat(40)), "y".repeat(40));
        assert_eq!(echo("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
    }
}
