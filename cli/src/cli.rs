//! The command line, declared with clap's derive: one subcommand per command, each with its
//! own `--help`. Values are checked here, as they are parsed, so a bad number or name is a
//! usage error (status 2) that names the option.

use std::sync::LazyLock;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use racelab_core::lab::{Invariant, MemoryModel, MAX_PCT_DEPTH, MAX_STEPS, PERMALINK_VERSION};

const ABOUT: &str = "racelab: Linux mm races of 2020-21, replayed step by step";

const LONG_ABOUT: &str = "\
racelab: Linux mm races of 2020-21, replayed step by step

SCENARIO is a scenario id of the catalog (see `racelab list`) or the path of a .race file
or of a C litmus test (.litmus, herd's format), which is imported first.
A schedule names the thread of each step: `monitor*5 writer*9 stale` (or the compact letters
of a permalink, `a5c9d`). Every command that reads scenarios takes --traces DIR to read the
catalog from a directory instead of the one built in.";

const EXIT_STATUS: &str = "\
Exit status: 0 when the command did its work, whatever the verdict (a violation found is a
result: read it from the output); 1 when the output could not be written (a full disk); 2 for
bad arguments or bad input, with a message on stderr that names what and where. A reader that
stops early (`racelab check --all | head -1`) ends the command quietly, with status 0.";

static LONG_VERSION: LazyLock<String> = LazyLock::new(|| format!("{} (permalinks: v={PERMALINK_VERSION})", env!("CARGO_PKG_VERSION")));

#[derive(Parser, Debug)]
#[command(name = "racelab", version, long_version = LONG_VERSION.as_str(), about = ABOUT, long_about = LONG_ABOUT)]
#[command(after_help = EXIT_STATUS, subcommand_required = true, arg_required_else_help = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The command line of the process, or clap's error.
    pub fn try_parse_args() -> Result<Cli, clap::Error> {
        let mut cmd = command();
        let matches = cmd.try_get_matches_from_mut(std::env::args_os())?;
        Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut cmd))
    }
}

/// The command line: clap's, with the note on exit statuses under every command's help.
pub fn command() -> clap::Command {
    let mut cmd = Cli::command().mut_subcommands(|s| s.after_help(EXIT_STATUS));
    cmd.build();
    cmd
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the scenarios of the catalog, with their policies, traces and checks
    List(ListArgs),
    /// Show a scenario: its sources, policies, traces, and the code of each thread under one
    /// policy and memory model
    Show(ShowArgs),
    /// Replay a schedule step by step: the statement each step ran, what changed, and the step
    /// where an invariant breaks
    Replay(ReplayArgs),
    /// Print the link the web app opens for a schedule (the fragment after `#`, or the whole URL
    /// with --base or RACELAB_BASE_URL)
    Permalink(PermalinkArgs),
    /// Open a link of the web app (a whole URL or the fragment after `#`, version 1 or 2): say
    /// which version of which files it opened, print its notices, then replay, show or check it
    #[command(long_about = "Open a link of the web app (a whole URL or the fragment after `#`, version 1 or 2), as the \
        page opens it: mail damage is repaired, a schedule cut short opens what remains, and a link made from an older \
        version of a scenario opens that version. The first lines say which version it opened and give the notices \
        (`note:`, `warning:`), as the page shows them; then WHAT: replay (the default), show, check, or permalink (the \
        link of what opened, as the page would write it).")]
    Open(OpenArgs),
    /// Add the catalog's current files to the archive of past versions (traces/archive/), so links
    /// made from them keep opening exactly after the files change
    Archive(ArchiveArgs),
    /// Explore every interleaving and print a verdict per scenario, policy and memory model
    #[command(long_about = "Explore every interleaving and print a verdict per scenario, policy and memory model.\n\n\
        Without SCENARIO, or with --all, the whole table of the catalog. `safe` means every reachable state was \
        explored; `unknown` means a bound (--max-states, --max-depth, --time-limit) or sampling stopped the search first.")]
    Check(CheckArgs),
    /// Print the shortest trace that breaks an invariant, as the step table of `replay`
    Explain(ExplainArgs),
    /// Write Graphviz DOT: the reachable state graph, or the happens-before graph of a trace
    #[command(long_about = "Write Graphviz DOT: the reachable state graph (--kind states, violating states red) or \
        the happens-before graph of a trace (--kind hb; by default the shortest violating one).")]
    Graph(GraphArgs),
    /// Draw a trace as an LKML diagram: a column per CPU, a row per step, the breaking step
    /// marked (or, with --mail, the whole mail around it)
    #[command(long_about = "Draw a trace as an LKML diagram: a column per CPU, time downwards, a row per step with its \
        kernel function and statement, and the step where an invariant breaks marked `<-- NAME breaks`. Every line fits \
        --width; pure ASCII unless --unicode.\n\n\
        With --mail, the text of a mail: the scenario, policy and model, the diagram, the verdict, the link (a full URL \
        under --base or $RACELAB_BASE_URL, else the fragment) and the sources as lore and git links.")]
    Diagram(DiagramArgs),
    /// Draw one step as an SVG slide (1920x1080): the lanes around it and the state panels
    Render(RenderArgs),
    /// Write a trace for another tool: Chrome trace-event JSON for ui.perfetto.dev
    Export(ExportArgs),
    /// Time the explorer on the catalog, with and without partial-order reduction
    #[command(long_about = "Time the explorer on the catalog, with and without partial-order reduction, and the \
        whole verdict table as `check --all` computes it. Build with `--profile bench` for meaningful figures.")]
    Bench(BenchArgs),
    /// Render a page of docs/ (Markdown) as the HTML page the site publishes: each heading with
    /// the id its anchor names (`docs/races.md#race-6` -> `docs/races.html#race-6`)
    Doc(DocArgs),
    /// Write the gallery's verdict table (JSON Lines): the explorer's verdict for every policy and
    /// memory model of every scenario of the built-in catalog, each row pinned to the files,
    /// model semantics and options it was computed from
    #[command(long_about = "Write the gallery's verdict table (JSON Lines): the explorer's verdict for every policy and \
        memory model of every scenario of the built-in catalog (or of --traces DIR), with the options the web app's gallery uses. Each row \
        carries a pin of the files, model semantics and options it was computed from: the app shows a row only when the \
        pin is the one it computes for its own catalog, and checks the other keys itself. scripts/build.sh writes it \
        as dist/verdicts.jsonl.")]
    Verdicts(VerdictsArgs),
    /// Print a shell completion script: `racelab completions bash > /etc/bash_completion.d/racelab`
    Completions(CompletionsArgs),
}

#[derive(Args, Debug, Clone)]
pub struct CatalogArgs {
    /// Read the catalog from the .race files under DIR instead of the one built in
    #[arg(long, value_name = "DIR")]
    pub traces: Option<String>,
}

/// One scenario, under one policy and memory model.
#[derive(Args, Debug, Clone)]
pub struct Target {
    /// A scenario id of the catalog (see `racelab list`), or the path of a .race file or a C litmus test (.litmus)
    #[arg(value_name = "SCENARIO")]
    pub scenario: String,
    /// The policy (see `racelab show SCENARIO`); by default the scenario's baseline
    #[arg(long, value_name = "P")]
    pub policy: Option<String>,
    /// The memory model: sc (the default), x86-tso or arm64
    #[arg(long, value_name = "M", value_parser = memory_model)]
    pub model: Option<MemoryModel>,
    #[command(flatten)]
    pub catalog: CatalogArgs,
}

impl Target {
    pub fn model(&self) -> MemoryModel {
        self.model.unwrap_or(MemoryModel::Sc)
    }
}

/// The schedule to replay: exactly one of the two.
#[derive(Args, Debug, Clone)]
#[group(required = true, multiple = false)]
pub struct ScheduleArgs {
    /// A canonical trace of the scenario (see `racelab show`), carried over to the policy as the
    /// same interleaving
    #[arg(long, value_name = "NAME")]
    pub trace: Option<String>,
    /// A schedule: thread names (`monitor*5 writer*9 stale`, `NAME.drain`, `NAME.earlyPC`) or the
    /// compact letters of a link (`a5c9d`)
    #[arg(long, value_name = "S")]
    pub schedule: Option<String>,
}

/// The trace a graph draws: at most one of the two.
#[derive(Args, Debug, Clone)]
#[group(multiple = false)]
pub struct GraphTraceArgs {
    /// With --kind hb: a canonical trace of the scenario
    #[arg(long, value_name = "NAME")]
    pub trace: Option<String>,
    /// With --kind hb: a schedule, by thread names or compact letters
    #[arg(long, value_name = "S")]
    pub schedule: Option<String>,
}

#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Search options")]
pub struct SearchArgs {
    /// Search without partial-order reduction
    #[arg(long)]
    pub no_reduction: bool,
    /// Stop after N states: the verdict is then `unknown` unless a violation was found
    /// [default: no bound but memory; 20000 for `graph --kind states`]
    #[arg(long, value_name = "N", value_parser = at_least_one)]
    pub max_states: Option<u64>,
    /// Stop when the search would hold more than SIZE bytes (`512M`, `2G`, or bytes): the
    /// verdict is then `unknown` unless a violation was found [default: half the physical
    /// memory, and half of `ulimit -v` when that is lower]
    #[arg(long, value_name = "SIZE", value_parser = memory_size)]
    pub max_memory: Option<u64>,
    /// Stop at depth N (steps from the initial state) [default: 100000]
    #[arg(long, value_name = "N")]
    pub max_depth: Option<u32>,
    /// Stop after MS milliseconds
    #[arg(long, value_name = "MS", value_parser = milliseconds)]
    pub time_limit: Option<f64>,
    /// Exhaust the state space, or sample interleavings (random walks, or PCT)
    #[arg(long, value_enum, value_name = "STRATEGY")]
    pub strategy: Option<StrategyArg>,
    /// With --strategy random or pct: how many runs [default: 1000]
    #[arg(long, value_name = "N")]
    pub runs: Option<u64>,
    /// The seed of the sampling strategies [default: 1]
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// With --strategy pct: the bug depth D, so D - 1 priority changes per run, from 1 to 1000
    /// [default: 3]
    #[arg(long, value_name = "D", value_parser = pct_depth)]
    pub pct_depth: Option<u32>,
    /// With --strategy random or pct: the longest run, in steps, from 1 to 100000 [default: 10000]
    #[arg(long, value_name = "N", value_parser = max_steps)]
    pub max_steps: Option<u32>,
    /// Expand each level of the exhaustive search on N threads; the states, verdicts and
    /// traces are those of `--jobs 1` [default: the available parallelism]
    #[arg(long, value_name = "N", value_parser = jobs)]
    pub jobs: Option<usize>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrategyArg {
    /// Every reachable state, breadth-first
    #[value(alias = "bfs")]
    Exhaustive,
    /// Seeded random walks
    Random,
    /// Probabilistic concurrency testing (random priorities, changed at D - 1 random steps)
    Pct,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphKind {
    /// The reachable state graph
    States,
    /// The happens-before graph of one trace
    Hb,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// One JSON object per scenario and line
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub catalog: CatalogArgs,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    #[command(flatten)]
    pub target: Target,
    /// One JSON object
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ReplayArgs {
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub schedule: ScheduleArgs,
    /// Carry the schedule (written for the baseline) over to the policy as the same
    /// interleaving, as --trace does, instead of failing at a step the policy does not allow
    #[arg(long)]
    pub nearest: bool,
    /// One JSON object per step and line, then a summary
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct PermalinkArgs {
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub schedule: ScheduleArgs,
    /// The step the link opens at; by default the step where the first invariant breaks (else
    /// the last step)
    #[arg(long, value_name = "N")]
    pub step: Option<usize>,
    /// Print the whole URL, this base followed by `#` and the fragment (default: the
    /// RACELAB_BASE_URL environment variable; without either, the fragment alone)
    #[arg(long, value_name = "URL")]
    pub base: Option<String>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenWhat {
    /// The step table of `replay`
    Replay,
    /// The scenario's code under the link's policy and model, as `show`
    Show,
    /// Explore every interleaving under the link's policy and model, as `check`
    Check,
    /// The link of what opened, as the page writes it into its URL
    Permalink,
}

#[derive(Args, Debug)]
pub struct OpenArgs {
    /// The link: a whole URL (everything after `#` is read) or the fragment
    #[arg(value_name = "LINK")]
    pub link: String,
    /// What to do with the view it opens
    #[arg(value_enum, value_name = "WHAT", default_value_t = OpenWhat::Replay)]
    pub what: OpenWhat,
    /// With permalink: print the whole URL, this base followed by `#` and the fragment (default:
    /// the RACELAB_BASE_URL environment variable)
    #[arg(long, value_name = "URL")]
    pub base: Option<String>,
    /// JSON lines: first `{"kind": "link", …}` with the version and the notices, then what WHAT prints
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub search: SearchArgs,
}

#[derive(Subcommand, Debug)]
pub enum ArchiveCommand {
    /// Add the current files of traces/ (and the set of files of each scenario) to traces/archive/
    Update(ArchiveUpdateArgs),
}

#[derive(Args, Debug)]
pub struct ArchiveArgs {
    #[command(subcommand)]
    pub command: ArchiveCommand,
}

#[derive(Args, Debug)]
pub struct ArchiveUpdateArgs {
    /// The traces directory whose archive/ is updated, and whose files are the current versions
    #[arg(long, value_name = "DIR", default_value = "traces")]
    pub traces: String,
    /// Add the files of this directory instead (a past version of traces/, as
    /// scripts/archive-from-history.sh does), keeping past versions as edits of the current ones
    #[arg(long, value_name = "DIR")]
    pub from: Option<String>,
    /// The date the added sets are recorded with (YYYY-MM-DD); by default today's, in UTC
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
    /// Also record the added sets as what version 1 links (which pin nothing) were made from;
    /// done once, the day versioned links began
    #[arg(long)]
    pub v1_baseline: bool,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// A scenario id or the path of a .race file; without it, the whole catalog
    #[arg(value_name = "SCENARIO")]
    pub scenario: Option<String>,
    /// Only this policy (of each scenario that has it)
    #[arg(long, value_name = "P")]
    pub policy: Option<String>,
    /// Only this memory model: sc, x86-tso or arm64; by default every model a scenario has
    #[arg(long, value_name = "M", value_parser = memory_model)]
    pub model: Option<MemoryModel>,
    /// The whole catalog
    #[arg(long, conflicts_with = "scenario")]
    pub all: bool,
    /// One JSON object per verdict and line
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub catalog: CatalogArgs,
    #[command(flatten)]
    pub search: SearchArgs,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub target: Target,
    /// The invariant to explain; by default the first one that breaks
    #[arg(long, value_name = "I", value_parser = invariant)]
    pub invariant: Option<Invariant>,
    /// The trace as `replay --json` prints it (or the verdict line of `check --json`)
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub search: SearchArgs,
}

#[derive(Args, Debug)]
pub struct GraphArgs {
    #[command(flatten)]
    pub target: Target,
    /// What to draw
    #[arg(long, value_enum, default_value_t = GraphKind::States)]
    pub kind: GraphKind,
    /// Write the graph to FILE (`-` for stdout, the default)
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<String>,
    #[command(flatten)]
    pub trace: GraphTraceArgs,
    #[command(flatten)]
    pub search: SearchArgs,
}

/// The run an export draws: a schedule of SCENARIO, or a permalink.
#[derive(Args, Debug, Clone)]
pub struct ExportTarget {
    /// A scenario id of the catalog, or the path of a .race file or a C litmus test; not with --link
    #[arg(value_name = "SCENARIO", required_unless_present = "link")]
    pub scenario: Option<String>,
    /// The policy (see `racelab show SCENARIO`); by default the scenario's baseline
    #[arg(long, value_name = "P", conflicts_with = "link")]
    pub policy: Option<String>,
    /// The memory model: sc (the default), x86-tso or arm64
    #[arg(long, value_name = "M", value_parser = memory_model, conflicts_with = "link")]
    pub model: Option<MemoryModel>,
    /// A canonical trace of the scenario, carried over to the policy as the same interleaving
    #[arg(long, value_name = "NAME", group = "run")]
    pub trace: Option<String>,
    /// A schedule: thread names (`monitor*5 writer*9 stale`) or the compact letters of a link
    #[arg(long, value_name = "S", group = "run")]
    pub schedule: Option<String>,
    /// A permalink of the app (the whole URL, or the fragment after `#`): its scenario, policy,
    /// model and schedule
    #[arg(long, value_name = "L", group = "run", conflicts_with = "scenario")]
    pub link: Option<String>,
    #[command(flatten)]
    pub catalog: CatalogArgs,
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("run").required(true).multiple(false)))]
pub struct DiagramArgs {
    #[command(flatten)]
    pub target: ExportTarget,
    /// Only steps A to B, both included (`20..25`, `20..`, `..5`, `7`)
    #[arg(long, value_name = "A..B")]
    pub steps: Option<String>,
    /// The longest line, in characters
    #[arg(long, value_name = "N", default_value_t = 72)]
    pub width: usize,
    /// Show a run of steps of one thread as its first and last step, with `...` between
    #[arg(long)]
    pub fold: bool,
    /// Box-drawing characters and arrows instead of pure ASCII
    #[arg(long)]
    pub unicode: bool,
    /// The whole mail: scenario, policy, model, diagram, verdict, link and sources
    #[arg(long)]
    pub mail: bool,
    /// With --mail: where the app is published, for a full link (default: $RACELAB_BASE_URL)
    #[arg(long, value_name = "URL", requires = "mail")]
    pub base: Option<String>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderFormat {
    /// An SVG image, 1920x1080
    Svg,
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("run").required(true).multiple(false)))]
pub struct RenderArgs {
    #[command(flatten)]
    pub target: ExportTarget,
    /// The step to draw (0: the initial state); by default the step of --link, else the step
    /// where the first invariant breaks, else the last
    #[arg(long, value_name = "N")]
    pub step: Option<usize>,
    #[arg(long, value_enum, default_value_t = RenderFormat::Svg)]
    pub format: RenderFormat,
    /// Write to FILE (`-` for stdout, the default)
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<String>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Chrome trace-event JSON, which ui.perfetto.dev and chrome://tracing open
    Perfetto,
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("run").required(true).multiple(false)))]
pub struct ExportArgs {
    #[command(flatten)]
    pub target: ExportTarget,
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Only steps A to B, both included (`20..25`, `20..`, `..5`, `7`)
    #[arg(long, value_name = "A..B")]
    pub steps: Option<String>,
    /// Write to FILE (`-` for stdout, the default)
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<String>,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// One run of each search instead of the best of several
    #[arg(long)]
    pub quick: bool,
    /// One JSON object per row and line, then a summary
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub catalog: CatalogArgs,
}

#[derive(Args, Debug, Clone)]
pub struct DocArgs {
    /// The Markdown file, e.g. docs/races.md
    #[arg(value_name = "FILE")]
    pub file: String,
    /// Write the page to OUT instead of standard output
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct VerdictsArgs {
    /// Write the table to OUT
    #[arg(short, long, value_name = "OUT")]
    pub output: String,
    #[command(flatten)]
    pub catalog: CatalogArgs,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

fn memory_model(s: &str) -> Result<MemoryModel, String> {
    MemoryModel::parse(s).ok_or_else(|| format!("unknown memory model `{s}` (sc, x86-tso, arm64)"))
}

fn invariant(s: &str) -> Result<Invariant, String> {
    Invariant::parse(s)
        .ok_or_else(|| format!("unknown invariant `{s}` ({})", Invariant::ALL.iter().map(|i| i.name()).collect::<Vec<_>>().join(", ")))
}

fn jobs(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n @ 1..=256) => Ok(n),
        Ok(_) => Err("must be from 1 to 256".into()),
        Err(_) => Err(format!("`{s}` is not a valid number")),
    }
}

fn at_least_one(s: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{s}` is not a valid number")),
    }
}

/// A size in bytes: a number with an optional suffix K, M, G or T (powers of 1024).
fn memory_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (digits, shift) = match t.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&t[..t.len() - 1], 10),
        Some('M') => (&t[..t.len() - 1], 20),
        Some('G') => (&t[..t.len() - 1], 30),
        Some('T') => (&t[..t.len() - 1], 40),
        _ => (t, 0),
    };
    let bad = || {
        format!(
            "`{}` is not a size (a number of bytes, or with K, M, G or T)",
            crate::term::escape_controls(&s.chars().take(40).collect::<String>())
        )
    };
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let bytes = n.checked_mul(1 << shift).ok_or_else(bad)?;
    if bytes < 1 << 20 {
        return Err("must be at least 1M".into());
    }
    Ok(bytes)
}

/// A number in `1..=max`, or an error that gives the range.
fn in_range(s: &str, max: u64, what: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        Ok(_) => Err(format!("{what} goes from 1 to {max}")),
        Err(_) => Err(format!("`{s}` is not a number from 1 to {max}")),
    }
}

fn pct_depth(s: &str) -> Result<u32, String> {
    in_range(s, MAX_PCT_DEPTH.into(), "the bug depth").map(|n| n as u32)
}

fn max_steps(s: &str) -> Result<u32, String> {
    in_range(s, MAX_STEPS as u64, "a sampled run").map(|n| n as u32)
}

fn milliseconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(ms) if ms >= 0.0 => Ok(ms),
        _ => Err("takes milliseconds, 0 or more".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        command().debug_assert();
    }

    #[test]
    fn the_help_states_the_ranges_the_parsers_take() {
        let help = command().find_subcommand("check").unwrap().clone().render_long_help().to_string();
        assert!(help.contains(&format!("from 1 to {MAX_PCT_DEPTH}")), "{help}");
        assert!(help.contains(&format!("from 1 to {MAX_STEPS}")), "{help}");
        assert_eq!(pct_depth("4294967295"), Err(format!("the bug depth goes from 1 to {MAX_PCT_DEPTH}")));
        assert_eq!(pct_depth("0"), Err(format!("the bug depth goes from 1 to {MAX_PCT_DEPTH}")));
        assert_eq!(pct_depth("99999999999999999999"), Err(format!("`99999999999999999999` is not a number from 1 to {MAX_PCT_DEPTH}")));
        assert_eq!(max_steps("100001"), Err(format!("a sampled run goes from 1 to {MAX_STEPS}")));
        assert_eq!((pct_depth("1000"), max_steps("1")), (Ok(1000), Ok(1)));
    }
}
