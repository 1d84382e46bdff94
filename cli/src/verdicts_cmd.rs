//! `racelab verdicts -o FILE`: the gallery's verdict table of the built-in catalog (or of
//! `--traces DIR`), as the core
//! computes and spells it (`lab::verdict_table`), written to FILE for `scripts/build.sh` to put
//! beside the app (`dist/verdicts.jsonl`).

use std::io::Write;

use racelab_core::lab::{self, Archive, Library};

use crate::cli::VerdictsArgs;
use crate::CliError;

pub fn run(a: &VerdictsArgs) -> Result<(), CliError> {
    let cannot = |e: std::io::Error| CliError::Output(format!("cannot write {}: {e}", a.output));
    // The file first: a path that cannot be written fails before the work, not after it.
    let mut file = std::fs::File::create(&a.output).map_err(cannot)?;
    let lib = Library::new(crate::load_catalog(&a.catalog)?, Archive::builtin());
    let table = lab::verdict_table(lib.current(), &lib);
    file.write_all(table.as_bytes()).and_then(|()| file.sync_all()).map_err(cannot)
}
