//! Every byte the CLI writes goes through here: lines on stdout (`say!`), messages on stderr
//! (`tell!`), whole texts (a DOT graph, a completion script).
//!
//! A closed stdout (`racelab check --all | head -1`) means the reader has what it wanted: the
//! command ends at once, quietly, with status 0, as a Unix tool killed by SIGPIPE stops, but
//! without a status a pipeline under `set -o pipefail` would take for a failure. Any other
//! failure to write stdout (a full disk) ends it with status 1 and says so on stderr. Writing
//! to stderr never fails the command: when stderr is gone, there is nobody left to tell.

use std::io::{self, Write};

/// `println!` through [`out`].
#[macro_export]
macro_rules! say {
    () => { $crate::term::out("\n") };
    ($($arg:tt)*) => { $crate::term::out(&format!("{}\n", format_args!($($arg)*))) };
}

/// `eprintln!` through [`err`].
#[macro_export]
macro_rules! tell {
    ($($arg:tt)*) => { $crate::term::err(&format!("{}\n", format_args!($($arg)*))) };
}

/// Writes `text` to stdout as it is.
pub fn out(text: &str) {
    let mut o = io::stdout().lock();
    if let Err(e) = o.write_all(text.as_bytes()).and_then(|()| if text.ends_with('\n') { Ok(()) } else { o.flush() }) {
        drop(o);
        stdout_failed(e);
    }
}

/// Writes `text` to stderr, ignoring a failure.
pub fn err(text: &str) {
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

fn stdout_failed(e: io::Error) -> ! {
    if e.kind() == io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    err(&format!("racelab: cannot write the output: {e}\n"));
    std::process::exit(1);
}
