//! `racelab`: the simulator from a terminal. The only place of the core package that reads
//! files or prints; everything it shows comes from the library's views.

mod args;
mod bench;
mod explore_cmd;
#[macro_use]
mod output;

use std::process::ExitCode;

use racelab_core::lab::{self, Archive, Catalog, Library, MemoryModel, Outcome, Request, ScheduleSpec};

use args::{Args, CliError};

const USAGE: &str = "\
racelab: Linux mm races of 2020-21, replayed step by step

usage:
  racelab list [--json]
  racelab show SCENARIO [--policy P] [--model M] [--json]
  racelab replay SCENARIO [--policy P] [--model M] (--trace NAME | --schedule S) [--nearest] [--json]
  racelab permalink SCENARIO [--policy P] [--model M] (--trace NAME | --schedule S) [--step N]
  racelab check [SCENARIO] [--policy P] [--model M] [--all] [--json] [SEARCH...]
  racelab explain SCENARIO [--policy P] [--model M] [--invariant I] [--json] [SEARCH...]
  racelab graph SCENARIO [--policy P] [--model M] [--kind states|hb] [--trace NAME | --schedule S] [-o FILE]
  racelab bench [--quick] [--json]

SCENARIO is a scenario id of the catalog (see `racelab list`) or the path of a .race file.
A schedule names the thread of each step: `monitor*5 writer*9 stale` (or the compact letters
of a permalink, `a5c9d`). Every command takes --traces DIR to read the catalog from a directory
instead of the one built in. Bad arguments or files exit with status 2.

`check` explores every interleaving and prints a verdict per scenario, policy and memory model
(without SCENARIO, or with --all, the whole table); `explain` prints the shortest trace that
breaks an invariant as the step table of `replay`; `graph` writes Graphviz DOT: the reachable
state graph (--kind states) or the happens-before graph of a trace (--kind hb; by default the
shortest violating one). SEARCH options: --no-reduction, --max-states N, --max-depth N,
--time-limit MS, --strategy exhaustive|random|pct, --runs N, --seed S, --pct-depth D,
--max-steps N.";

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    match run(&argv) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("racelab: {e}");
            if matches!(e, CliError::Usage(_)) {
                eprintln!("\n{USAGE}");
            }
            ExitCode::from(2)
        }
    }
}

fn run(argv: &[String]) -> Result<(), CliError> {
    let Some(cmd) = argv.first() else {
        return Err(CliError::Usage("no command given".into()));
    };
    let rest = &argv[1..];
    match cmd.as_str() {
        "list" => {
            let a = Args::parse(rest, &["traces"], &["json"])?;
            a.positionals(0)?;
            let catalog = load_catalog(&a)?;
            output::list(&catalog, a.flag("json"));
            Ok(())
        }
        "show" => {
            let a = Args::parse(rest, &["traces", "policy", "model"], &["json"])?;
            let [id] = a.positionals(1)?.try_into().unwrap();
            let (catalog, id) = load_for(&a, &id)?;
            let sc = lab::scenario(&catalog, &id).map_err(|e| CliError::Input(e.to_string()))?;
            let prog = lab::compile(sc, a.value("policy"), model(&a)?).map_err(|e| CliError::Input(e.to_string()))?;
            output::show(sc, &prog, a.flag("json"));
            Ok(())
        }
        "replay" | "permalink" => {
            let permalink = cmd == "permalink";
            let values: &[&str] = if permalink {
                &["traces", "policy", "model", "schedule", "trace", "step"]
            } else {
                &["traces", "policy", "model", "schedule", "trace"]
            };
            let bools: &[&str] = if permalink { &[] } else { &["json", "nearest"] };
            let a = Args::parse(rest, values, bools)?;
            let [id] = a.positionals(1)?.try_into().unwrap();
            let (catalog, id) = load_for(&a, &id)?;
            let lib = Library::new(catalog, Archive::builtin());
            let catalog = lib.current();
            let schedule = match (a.value("schedule"), a.value("trace")) {
                (Some(_), Some(_)) => return Err(CliError::Usage("give --schedule or --trace, not both".into())),
                (Some(s), None) => {
                    // Thread names where they parse as such (`P0 P1.early5`), else the compact
                    // letters of a permalink (`a5c9d`, `a_b17B`).
                    let names_parse = lab::scenario(catalog, &id).is_ok_and(|sc| lab::schedule::parse_names(s, &sc.layout).is_ok());
                    if !names_parse
                        && !s.is_empty()
                        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        && s.chars().any(|c| c.is_ascii_digit() || c.is_ascii_uppercase() || c == '_')
                    {
                        ScheduleSpec::Compact(s.to_string())
                    } else {
                        ScheduleSpec::Names(s.to_string())
                    }
                }
                (None, Some(t)) => ScheduleSpec::Trace(t.to_string()),
                (None, None) => return Err(CliError::Usage("give a schedule: --trace NAME or --schedule S".into())),
            };
            // A canonical trace is carried over to other policies as closely as they allow.
            let nearest = a.flag("nearest") || matches!(schedule, ScheduleSpec::Trace(_));
            let req = Request { scenario: id, policy: a.value("policy").map(str::to_string), model: model(&a)?, schedule, nearest };
            let opened = lab::open(catalog, &req).map_err(|e| CliError::Input(e.to_string()))?;
            if permalink {
                let steps = opened.run.steps.len();
                let step = match a.value("step") {
                    Some(s) => {
                        let n: usize = s.parse().map_err(|_| CliError::Usage(format!("--step: `{s}` is not a step number")))?;
                        if n > steps {
                            return Err(CliError::Input(format!("--step {n} is past the end of the trace ({steps} steps)")));
                        }
                        n
                    }
                    None => match opened.run.outcome(&opened.program) {
                        Outcome::Violated { step, .. } => step,
                        Outcome::Safe => steps,
                    },
                };
                say!("{}", lab::permalink(&lib, &opened, step).to_fragment());
            } else {
                output::replay(&lib, &opened, a.flag("json"));
            }
            Ok(())
        }
        "check" => {
            let values = [&["traces", "policy", "model"], explore_cmd::SEARCH_VALUES].concat();
            let flags = [&["json", "all"], explore_cmd::SEARCH_FLAGS].concat();
            let a = Args::parse(rest, &values, &flags)?;
            let id = match a.positionals(0) {
                Ok(_) => None,
                Err(_) => Some(a.positionals(1)?.remove(0)),
            };
            let (catalog, id) = match id {
                Some(id) => {
                    let (c, id) = load_for(&a, &id)?;
                    (c, Some(id))
                }
                None => (load_catalog(&a)?, None),
            };
            explore_cmd::check(&a, &catalog, id.as_deref())
        }
        "explain" => {
            let values = [&["traces", "policy", "model", "invariant"], explore_cmd::SEARCH_VALUES].concat();
            let flags = [&["json"], explore_cmd::SEARCH_FLAGS].concat();
            let a = Args::parse(rest, &values, &flags)?;
            let [id] = a.positionals(1)?.try_into().unwrap();
            let (catalog, id) = load_for(&a, &id)?;
            explore_cmd::explain(&a, &Library::new(catalog, Archive::builtin()), &id)
        }
        "graph" => {
            // `-o FILE` is `--output FILE`.
            let rest: Vec<String> = rest.iter().map(|s| if s == "-o" { "--output".to_string() } else { s.clone() }).collect();
            let values = [&["traces", "policy", "model", "kind", "output", "trace", "schedule"], explore_cmd::SEARCH_VALUES].concat();
            let a = Args::parse(&rest, &values, explore_cmd::SEARCH_FLAGS)?;
            let [id] = a.positionals(1)?.try_into().unwrap();
            let (catalog, id) = load_for(&a, &id)?;
            explore_cmd::graph(&a, &catalog, &id)
        }
        "bench" => {
            let a = Args::parse(rest, &["traces"], &["quick", "json"])?;
            a.positionals(0)?;
            let catalog = load_catalog(&a)?;
            bench::run(&catalog, a.flag("quick"), a.flag("json"))
        }
        "help" | "--help" | "-h" => {
            say!("{USAGE}");
            Ok(())
        }
        other => Err(CliError::Usage(format!("unknown command `{other}`"))),
    }
}

fn model(a: &Args) -> Result<MemoryModel, CliError> {
    Ok(model_opt(a)?.unwrap_or(MemoryModel::Sc))
}

fn model_opt(a: &Args) -> Result<Option<MemoryModel>, CliError> {
    match a.value("model") {
        None => Ok(None),
        Some(m) => MemoryModel::parse(m)
            .map(Some)
            .ok_or_else(|| CliError::Usage(format!("--model: unknown memory model `{m}` (sc, x86-tso, arm64)"))),
    }
}

fn load_catalog(a: &Args) -> Result<Catalog, CliError> {
    let catalog = match a.value("traces") {
        None => Catalog::builtin(),
        Some(dir) => Catalog::from_sources(read_dir(std::path::Path::new(dir))?),
    };
    for e in &catalog.errors {
        eprintln!("racelab: warning: {e}");
    }
    Ok(catalog)
}

/// The catalog, and the id of the scenario named by `arg`, which may be the path of a file:
/// then the catalog is that file and the libraries it may `use`.
fn load_for(a: &Args, arg: &str) -> Result<(Catalog, String), CliError> {
    if !arg.ends_with(".race") {
        return Ok((load_catalog(a)?, arg.to_string()));
    }
    let text = std::fs::read_to_string(arg).map_err(|e| CliError::Input(format!("{arg}: {e}")))?;
    let mut files: Vec<(String, String)> = match a.value("traces") {
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
