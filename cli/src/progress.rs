//! Progress of a long search, on stderr, only when stderr is a terminal: one line, rewritten
//! in place (a carriage return, no escape sequence) at most four times a second, from one
//! second into the search, and wiped when the search ends. Nothing goes to a pipe or a file.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use racelab_core::lab::{thousands, Progress};

use crate::term;

/// No line for a search shorter than this.
const QUIET_FOR: Duration = Duration::from_secs(1);
/// At most one line per this.
const EVERY: Duration = Duration::from_millis(250);

/// When to print, and what: kept apart from the terminal so it can be tested.
pub struct Meter {
    what: String,
    last: Option<Duration>,
    /// The width of the line on screen, to blank it out.
    shown: usize,
}

impl Meter {
    pub fn new(what: &str) -> Meter {
        Meter { what: term::escape_controls(what).replace('\n', " "), last: None, shown: 0 }
    }

    /// The line to show at `elapsed` into the search, if one is due.
    pub fn line(&mut self, elapsed: Duration, p: &Progress, rss: Option<u64>) -> Option<String> {
        if elapsed < QUIET_FOR || self.last.is_some_and(|t| elapsed - t < EVERY) {
            return None;
        }
        self.last = Some(elapsed);
        let secs = elapsed.as_secs_f64();
        let rate = p.states as f64 / secs.max(1e-9);
        let mut line = format!("racelab: {}: {} {} states ({}/s)", self.what, p.phase.name(), thousands(p.states), si(rate));
        if p.runs > 0 {
            line.push_str(&format!(", {} runs", thousands(p.runs)));
        } else {
            line.push_str(&format!(", depth {}", p.depth));
        }
        if let Some(bytes) = rss {
            line.push_str(&format!(", {:.0} MiB", bytes as f64 / (1u64 << 20) as f64));
        }
        line.push_str(&format!(", {secs:.1} s"));
        let pad = self.shown.saturating_sub(line.chars().count());
        self.shown = line.chars().count();
        Some(format!("\r{line}{}", " ".repeat(pad)))
    }

    /// What wipes the last line, if one was shown.
    pub fn clear(&self) -> Option<String> {
        (self.shown > 0).then(|| format!("\r{}\r", " ".repeat(self.shown)))
    }
}

/// Reports a search's progress on a terminal; does nothing on a pipe.
pub struct Reporter {
    meter: Option<Meter>,
    start: Instant,
}

impl Reporter {
    pub fn new(what: &str) -> Reporter {
        Reporter { meter: std::io::stderr().is_terminal().then(|| Meter::new(what)), start: Instant::now() }
    }

    pub fn update(&mut self, p: &Progress) {
        if let Some(m) = &mut self.meter {
            if let Some(line) = m.line(self.start.elapsed(), p, resident_bytes()) {
                term::err_raw(&line);
            }
        }
    }
}

impl Drop for Reporter {
    fn drop(&mut self) {
        if let Some(wipe) = self.meter.as_ref().and_then(Meter::clear) {
            term::err_raw(&wipe);
        }
    }
}

/// The process's resident memory (Linux), in bytes.
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: u64 = status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// 2345678.0 as `2.3 M`.
fn si(x: f64) -> String {
    if x >= 1e6 {
        format!("{:.1} M", x / 1e6)
    } else if x >= 1e3 {
        format!("{:.1} k", x / 1e3)
    } else {
        format!("{x:.0}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use racelab_core::lab::Phase;

    fn progress(states: u64) -> Progress {
        Progress { phase: Phase::Search, states, transitions: 2 * states, depth: 17, frontier: 0, violated: 0, runs: 0, ms: 0.0 }
    }

    #[test]
    fn a_line_from_one_second_on_at_most_four_times_a_second() {
        let mut m = Meter::new("race1b under v5_10 (sc)");
        let ms = Duration::from_millis;
        assert_eq!(m.clear(), None);
        assert_eq!(m.line(ms(900), &progress(10), None), None);
        let line = m.line(ms(2000), &progress(1_234_567), Some(300 << 20)).unwrap();
        assert_eq!(line, "\rracelab: race1b under v5_10 (sc): search 1,234,567 states (617.3 k/s), depth 17, 300 MiB, 2.0 s");
        assert_eq!(m.line(ms(2100), &progress(1_300_000), None), None);
        // A shorter line blanks out the rest of the longer one before it.
        let next = m.line(ms(2300), &progress(5), None).unwrap();
        assert!(next.starts_with('\r') && next.trim_end().ends_with("depth 17, 2.3 s"), "{next:?}");
        assert_eq!(next.chars().count(), line.chars().count(), "{next:?}");
        let shown = next.trim_end().chars().count() - 1;
        assert_eq!(m.clear().unwrap(), format!("\r{}\r", " ".repeat(shown)));
    }

    #[test]
    fn the_line_never_carries_a_control_character_of_a_name() {
        let mut m = Meter::new("\u{1b}[2J\nx");
        let line = m.line(Duration::from_secs(5), &progress(1), None).unwrap();
        assert!(!line[1..].chars().any(char::is_control), "{line:?}");
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(
            (thousands(0), thousands(999), thousands(1000), thousands(20_000_000)),
            ("0".into(), "999".into(), "1,000".into(), "20,000,000".into())
        );
        assert_eq!((si(12.0), si(4_500.0), si(2_345_678.0)), ("12".to_string(), "4.5 k".to_string(), "2.3 M".to_string()));
    }
}
