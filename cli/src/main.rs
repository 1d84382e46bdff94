//! `racelab`: the simulator from a terminal. It reads the files and prints; everything it shows
//! comes from the core's views, through `racelab_core::lab`.

#[macro_use]
mod term;

mod archive_cmd;
mod bench;
mod cli;
mod doc_cmd;
mod explore_cmd;
mod export_cmd;
mod json;
mod output;
mod progress;
mod verdicts_cmd;

use std::fmt;
use std::process::ExitCode;

use racelab_core::lab::{self, Archive, Catalog, Library, LinkView, Outcome, Permalink, Request, ScheduleSpec};

use cli::{ArchiveCommand, CatalogArgs, Cli, Command, OpenArgs, OpenWhat, ScheduleArgs, Target};

#[derive(Debug)]
pub enum CliError {
    /// The command line is wrong (beyond what clap checks): print the command's usage too.
    Usage(String),
    /// An input (a scenario, a schedule, a file) is wrong.
    Input(String),
    /// The output cannot be written (exit status 1).
    Output(String),
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m) | CliError::Input(m) | CliError::Output(m) => write!(f, "{m}"),
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
        Err(CliError::Output(m)) => {
            tell!("racelab: {m}");
            ExitCode::from(1)
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
        Command::Open(_) => "open",
        Command::Archive(_) => "archive",
        Command::Check(_) => "check",
        Command::Explain(_) => "explain",
        Command::Graph(_) => "graph",
        Command::Diagram(_) => "diagram",
        Command::Render(_) => "render",
        Command::Export(_) => "export",
        Command::Bench(_) => "bench",
        Command::Doc(_) => "doc",
        Command::Verdicts(_) => "verdicts",
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
            output::warnings(&prog, &mut Vec::new());
            output::show(sc, &prog, a.json);
            Ok(())
        }
        Command::Replay(a) => {
            let (catalog, req) = request(&a.target, &a.schedule, a.nearest)?;
            let lib = Library::new(catalog, Archive::builtin());
            let opened = lab::open(lib.current(), &req).map_err(|e| CliError::Input(e.to_string()))?;
            output::warnings(&opened.program, &mut Vec::new());
            output::replay(&lib, &opened, a.json);
            Ok(())
        }
        Command::Permalink(a) => {
            let (catalog, req) = request(&a.target, &a.schedule, false)?;
            let lib = Library::new(linkable(catalog, &a.target.scenario), Archive::builtin());
            let opened = lab::open(lib.current(), &req).map_err(|e| CliError::Input(e.to_string()))?;
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
            say!("{}", full_link(&lib, &lab::permalink(&lib, &opened, step), a.base.as_deref())?);
            Ok(())
        }
        Command::Open(a) => open(&a),
        Command::Archive(a) => match &a.command {
            ArchiveCommand::Update(u) => archive_cmd::update(u),
        },
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
            explore_cmd::explain(&a, &Library::new(catalog, Archive::builtin()), &id)
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
        Command::Doc(a) => doc_cmd::run(&a),
        Command::Verdicts(a) => verdicts_cmd::run(&a),
        Command::Completions(a) => {
            let mut script = Vec::new();
            clap_complete::generate(a.shell, &mut cli::command(), "racelab", &mut script);
            term::out(&String::from_utf8_lossy(&script));
            Ok(())
        }
    }
}

/// The link as it is shared: the fragment, or the whole URL when a base is given (`--base`, else
/// `RACELAB_BASE_URL`); an error when it is longer than a link that opens.
fn full_link(lib: &Library, link: &Permalink, base: Option<&str>) -> Result<String, CliError> {
    let fragment = lib.share(link).map_err(|e| CliError::Input(e.to_string()))?;
    let env = std::env::var("RACELAB_BASE_URL").ok();
    match base.or(env.as_deref()).map(str::trim).filter(|b| !b.is_empty()) {
        None => Ok(fragment),
        Some(b) => Ok(format!("{}#{fragment}", b.split('#').next().unwrap_or(b))),
    }
}

/// `racelab open LINK [WHAT]`: the link opened as the page opens it.
fn open(a: &OpenArgs) -> Result<(), CliError> {
    let lib = Library::builtin();
    let view = lab::open_link(&lib, &a.link).map_err(|e| CliError::Input(e.to_string()))?;
    output::warnings(&view.opened.program, &mut Vec::new());
    if a.json {
        term::json_line(&json::Link {
            kind: "link",
            version: view.version,
            files: &view.files,
            step: view.step,
            notices: &view.notices,
            summary: view.summary(),
        });
    } else {
        say!("{}", view.summary());
        for n in &view.notices {
            say!("{n}");
        }
    }
    open_what(a, &lib, &view)
}

fn open_what(a: &OpenArgs, lib: &Library, view: &LinkView) -> Result<(), CliError> {
    let opened = &view.opened;
    match a.what {
        OpenWhat::Replay => output::replay(lib, opened, a.json),
        OpenWhat::Show => output::show(opened.scenario, &opened.program, a.json),
        OpenWhat::Permalink => say!("{}", full_link(lib, &view.link(lib), a.base.as_deref())?),
        OpenWhat::Check => {
            let check = cli::CheckArgs {
                scenario: None,
                policy: Some(opened.program.policy.clone()),
                model: Some(opened.program.model),
                all: false,
                json: a.json,
                catalog: CatalogArgs { traces: None },
                search: a.search.clone(),
            };
            let catalog = lib.catalog_of(opened.scenario.files.iter().map(|f| (f.path.clone(), f.text.to_string())).collect());
            explore_cmd::check(&check, catalog, Some(&opened.scenario.id))?;
        }
    }
    Ok(())
}

/// The catalog of a scenario given as a file, with that file under a name a link may carry (its
/// file name, `.race`, in the characters of a link), so `permalink` makes a link that opens in
/// the browser; any other catalog as it is.
fn linkable(catalog: Catalog, arg: &str) -> Catalog {
    if !arg.ends_with(".race") && !arg.ends_with(".litmus") {
        return catalog;
    }
    let base = std::path::Path::new(arg).file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
    let mut name: String =
        base.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '+') { c } else { '_' }).collect();
    if name.is_empty() || name.starts_with('.') {
        name.insert_str(0, "scenario");
    }
    name.push_str(".race");
    if catalog.source(&name).is_some() && name != arg {
        // A library file of that name: keep the file apart from it.
        name.insert_str(0, "local/");
    }
    let files: Vec<(String, String)> =
        catalog.sources().map(|(p, t)| (if p == arg { name.clone() } else { p.to_string() }, t.to_string())).collect();
    Catalog::from_sources(files)
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
    let mut text = read_text(arg)?;
    if litmus {
        // A C litmus test: imported into a scenario, then loaded like a .race file.
        text = lab::litmus_to_scenario(arg, &text).map_err(|e| CliError::Input(e.to_string()))?;
    }
    let mut files: Vec<(String, String)> = match &a.traces {
        None => lab::builtin_files().iter().map(|(n, t)| (n.to_string(), t.to_string())).collect(),
        Some(dir) => read_dir(std::path::Path::new(dir))?,
    };
    files.retain(|(_, t)| !lab::is_scenario_source(t));
    // The files its `use` lines name next to it (a copy of a kernel file, say), and theirs.
    let mut todo = vec![(arg.to_string(), text.clone())];
    files.push((arg.to_string(), text));
    while let Some((name, text)) = todo.pop() {
        for path in lab::scenario::used_paths(&name, &text) {
            for candidate in lab::scenario::use_candidates(&name, &path) {
                if files.iter().any(|(n, _)| *n == candidate) {
                    continue;
                }
                if !std::path::Path::new(&candidate).is_file() {
                    continue;
                }
                if let Ok(used) = read_text(&candidate) {
                    todo.push((candidate.clone(), used.clone()));
                    files.push((candidate, used));
                }
            }
        }
    }
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

/// A source file as text: too large a file is refused before it is read, and bytes that are not
/// UTF-8 are named by line and column.
pub(crate) fn read_text(path: &str) -> Result<String, CliError> {
    let input = |m: String| CliError::Input(format!("{path}: {m}"));
    let size = std::fs::metadata(path).map_err(|e| input(e.to_string()))?.len();
    if size > lab::MAX_FILE_BYTES as u64 {
        return Err(input(format!("the file is {size} bytes long: a scenario source holds at most {} (1 MiB)", lab::MAX_FILE_BYTES)));
    }
    let bytes = std::fs::read(path).map_err(|e| input(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|b| **b == b'\n').count() + 1;
        let col = good.iter().rev().take_while(|b| **b != b'\n').count() + 1;
        let byte = e.as_bytes()[good.len()];
        CliError::Input(format!("{path}:{line}:{col}: byte 0x{byte:02x} is not UTF-8: a scenario is UTF-8 text"))
    })
}

fn read_dir(root: &std::path::Path) -> Result<Vec<(String, String)>, CliError> {
    fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<(String, String)>) -> std::io::Result<()> {
        for e in std::fs::read_dir(dir)? {
            let path = e?.path();
            if path.is_dir() {
                walk(&path, root, out)?;
            } else if path.extension().is_some_and(|x| x == "race") {
                let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                out.push((rel, path.to_string_lossy().into_owned()));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(root, root, &mut out).map_err(|e| CliError::Input(format!("{}: {e}", root.display())))?;
    for (_, path) in out.iter_mut() {
        *path = read_text(path)?;
    }
    if out.is_empty() {
        return Err(CliError::Input(format!("{}: no .race files", root.display())));
    }
    Ok(out)
}
