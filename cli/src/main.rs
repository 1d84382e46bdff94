//! `racelab`: the simulator from a terminal. It reads the files and prints; everything it shows
//! comes from the core's views, through `racelab_core::lab`.

#[macro_use]
mod term;

mod bench;
mod cli;
mod explore_cmd;
mod export_cmd;
mod json;
mod output;
mod progress;

use std::fmt;
use std::process::ExitCode;

use racelab_core::lab::{self, Catalog, Outcome, Request, ScheduleSpec};

use cli::{CatalogArgs, Cli, Command, ScheduleArgs, Target};

#[derive(Debug)]
pub enum CliError {
    /// The command line is wrong (beyond what clap checks): print the command's usage too.
    Usage(String),
    /// An input (a scenario, a schedule, a file) is wrong.
    Input(String),
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m) | CliError::Input(m) => write!(f, "{m}"),
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse_args() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let name = command_name(&cli.command);
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Input(m)) => {
            tell!("racelab: {m}");
            ExitCode::from(2)
        }
        Err(CliError::Usage(m)) => {
            // The command's own usage line under the message, as clap prints its errors.
            let mut cmd = cli::command();
            let sub = cmd.find_subcommand_mut(name).expect("a known command");
            usage_error(sub.error(clap::error::ErrorKind::ArgumentConflict, m))
        }
    }
}

/// Prints a usage error as `racelab: MESSAGE` followed by clap's usage and hint (help and
/// `--version` are printed by clap as they are), and gives its exit status (2 for errors).
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand) {
        e.exit();
    }
    let text = e.render().to_string();
    term::err(&format!("racelab: {}\n", text.strip_prefix("error: ").unwrap_or(&text).trim_end()));
    ExitCode::from(2)
}

fn command_name(c: &Command) -> &'static str {
    match c {
        Command::List(_) => "list",
        Command::Show(_) => "show",
        Command::Replay(_) => "replay",
        Command::Permalink(_) => "permalink",
        Command::Check(_) => "check",
        Command::Explain(_) => "explain",
        Command::Graph(_) => "graph",
        Command::Diagram(_) => "diagram",
        Command::Render(_) => "render",
        Command::Export(_) => "export",
        Command::Bench(_) => "bench",
        Command::Completions(_) => "completions",
    }
}

fn run(command: Command) -> Result<(), CliError> {
    match command {
        Command::List(a) => {
            let catalog = load_catalog(&a.catalog)?;
            output::list(&catalog, a.json);
            Ok(())
        }
        Command::Show(a) => {
            let (catalog, id) = load_for(&a.target.catalog, &a.target.scenario)?;
            let sc = lab::scenario(&catalog, &id).map_err(|e| CliError::Input(e.to_string()))?;
            let prog = lab::compile(sc, a.target.policy.as_deref(), a.target.model()).map_err(|e| CliError::Input(e.to_string()))?;
            output::show(sc, &prog, a.json);
            Ok(())
        }
        Command::Replay(a) => {
            let (catalog, req) = request(&a.target, &a.schedule, a.nearest)?;
            let opened = lab::open(&catalog, &req).map_err(|e| CliError::Input(e.to_string()))?;
            output::replay(&opened, a.json);
            Ok(())
        }
        Command::Permalink(a) => {
            let (catalog, req) = request(&a.target, &a.schedule, false)?;
            let opened = lab::open(&catalog, &req).map_err(|e| CliError::Input(e.to_string()))?;
            let steps = opened.run.steps.len();
            let step = match a.step {
                Some(n) if n > steps => {
                    return Err(CliError::Input(format!("--step {n} is past the end of the trace ({steps} steps)")));
                }
                Some(n) => n,
                None => match opened.run.outcome(&opened.program) {
                    Outcome::Violated { step, .. } => step,
                    Outcome::Safe => steps,
                },
            };
            say!("{}", lab::permalink(&opened, step).to_fragment());
            Ok(())
        }
        Command::Check(a) => {
            let (catalog, id) = match &a.scenario {
                Some(id) => {
                    let (c, id) = load_for(&a.catalog, id)?;
                    (c, Some(id))
                }
                None => (load_catalog(&a.catalog)?, None),
            };
            explore_cmd::check(&a, &catalog, id.as_deref())
        }
        Command::Explain(a) => {
            let (catalog, id) = load_for(&a.target.catalog, &a.target.scenario)?;
            explore_cmd::explain(&a, &catalog, &id)
        }
        Command::Graph(a) => {
            let (catalog, id) = load_for(&a.target.catalog, &a.target.scenario)?;
            explore_cmd::graph(&a, &catalog, &id)
        }
        Command::Diagram(a) => export_cmd::diagram(&a),
        Command::Render(a) => export_cmd::render(&a),
        Command::Export(a) => export_cmd::export(&a),
        Command::Bench(a) => {
            let catalog = load_catalog(&a.catalog)?;
            bench::run(&catalog, a.quick, a.json)
        }
        Command::Completions(a) => {
            let mut script = Vec::new();
            clap_complete::generate(a.shell, &mut cli::command(), "racelab", &mut script);
            term::out(&String::from_utf8_lossy(&script));
            Ok(())
        }
    }
}

/// The catalog, and the request of `replay` and `permalink` to open in it.
fn request(t: &Target, s: &ScheduleArgs, nearest: bool) -> Result<(Catalog, Request), CliError> {
    let (catalog, id) = load_for(&t.catalog, &t.scenario)?;
    let schedule = match (&s.schedule, &s.trace) {
        (Some(s), _) => ScheduleSpec::Text(s.to_string()),
        (None, Some(t)) => ScheduleSpec::Trace(t.to_string()),
        (None, None) => return Err(CliError::Usage("give a schedule: --trace NAME or --schedule S".into())),
    };
    // A canonical trace is carried over to other policies as closely as they allow.
    let nearest = nearest || matches!(schedule, ScheduleSpec::Trace(_));
    let req = Request { scenario: id, policy: t.policy.clone(), model: t.model(), schedule, nearest };
    Ok((catalog, req))
}

pub(crate) fn load_catalog(a: &CatalogArgs) -> Result<Catalog, CliError> {
    let catalog = match &a.traces {
        None => Catalog::builtin(),
        Some(dir) => Catalog::from_sources(read_dir(std::path::Path::new(dir))?),
    };
    for e in &catalog.errors {
        tell!("racelab: warning: {e}");
    }
    Ok(catalog)
}

/// The catalog, and the id of the scenario named by `arg`, which may be the path of a file:
/// then the catalog is that file and the libraries it may `use`.
pub(crate) fn load_for(a: &CatalogArgs, arg: &str) -> Result<(Catalog, String), CliError> {
    let litmus = arg.ends_with(".litmus");
    if !arg.ends_with(".race") && !litmus {
        return Ok((load_catalog(a)?, arg.to_string()));
    }
    let mut text = std::fs::read_to_string(arg).map_err(|e| CliError::Input(format!("{arg}: {e}")))?;
    if litmus {
        // A C litmus test: imported into a scenario, then loaded like a .race file.
        text = lab::litmus_to_scenario(arg, &text).map_err(|e| CliError::Input(e.to_string()))?;
    }
    let mut files: Vec<(String, String)> = match &a.traces {
        None => lab::builtin_files().iter().map(|(n, t)| (n.to_string(), t.to_string())).collect(),
        Some(dir) => read_dir(std::path::Path::new(dir))?,
    };
    files.retain(|(_, t)| !lab::is_scenario_source(t));
    files.push((arg.to_string(), text));
    let catalog = Catalog::from_sources(files);
    if let Some(e) = catalog.errors.first() {
        return Err(CliError::Input(e.to_string()));
    }
    let Some(sc) = catalog.scenarios.first() else {
        return Err(CliError::Input(format!("{arg}: the file declares no scenario")));
    };
    let id = sc.id.clone();
    Ok((catalog, id))
}

fn read_dir(root: &std::path::Path) -> Result<Vec<(String, String)>, CliError> {
    fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<(String, String)>) -> std::io::Result<()> {
        for e in std::fs::read_dir(dir)? {
            let path = e?.path();
            if path.is_dir() {
                walk(&path, root, out)?;
            } else if path.extension().is_some_and(|x| x == "race") {
                let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                out.push((rel, std::fs::read_to_string(&path)?));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(root, root, &mut out).map_err(|e| CliError::Input(format!("{}: {e}", root.display())))?;
    if out.is_empty() {
        return Err(CliError::Input(format!("{}: no .race files", root.display())));
    }
    Ok(out)
}
