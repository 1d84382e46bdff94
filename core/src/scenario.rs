//! From parsed files to a [`Scenario`]: metadata, policies, the initial machine, threads and
//! canonical traces, with every name checked. No IO: the caller hands in a function that
//! returns a file's text by name (the built-in catalog, a directory, a browser upload).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use crate::layout::*;
use crate::state::*;
use crate::syntax::{self, did_you_mean, expected_one_of, Arg, AttrLine, Diagnostic, Ident, Item, Pos, ProcDecl, SourceFile, Stmt};

/// The words a `page` line takes, as the error for an unknown one lists them (checked against
/// `PAGE_FLAGS` by a test).
const PAGE_FLAG_WORDS: &str = "free, anon, ksm, exclusive or locked";

const FATES: &str = "baseline, merged, reverted, rejected, superseded, proposed or analysis";
const POLICY_ATTRS: &str = "title, fate, source or features";
const SCENARIO_ATTRS: &str =
    "title, summary, race, section, note, cite, policies, baseline, assume, check, models, exists, verdict, applies or fault_handler";
/// The memory models as a file writes them (a word: `x86_tso`, not `x86-tso`).
const MODELS: &str = "sc, x86_tso or arm64";
const STATE_DECLS: &str = "mm, slots, page, vma, pte, tlb, var, lock or pinned";
const VMA_FLAG_WORDS: &str = "anon, cow, uffd_wp, softdirty, write or shared";
const PTE_BITS: &str = "W, D, A, SD or UW";
const TRACE_ATTRS: &str = "schedule, expect or say";

/// `POLICY is not one of the scenario's policies (policies: …)`, with a "did you mean".
fn not_listed(what: &str, name: &str, sc: &Scenario) -> String {
    let names: Vec<&str> = sc.policies.iter().map(|p| p.name.as_str()).collect();
    let hint = did_you_mean(name, names.iter().copied());
    let what = if what.is_empty() { String::new() } else { format!("{what} ") };
    format!(
        "{what}`{name}` is not one of the scenario's policies{}",
        if hint.is_empty() { format!(" (it lists {})", names.join(", ")) } else { hint }
    )
}

fn unknown_model(name: &str) -> String {
    format!("unknown memory model `{name}`{}", expected_one_of(name, MODELS))
}

/// `: did you mean …?` or `: expected one of` the invariants.
fn or_invariants(name: &str) -> String {
    match syntax::closest(name, Invariant::ALL.iter().map(|i| i.name())) {
        Some(c) => format!(": did you mean `{c}`?"),
        None => format!(": expected one of {}", invariant_names()),
    }
}

/// A reference to a heading of the project's docs: `docs/<name>.md#<anchor>`.
pub fn is_doc_ref(s: &str) -> bool {
    match s.strip_prefix("docs/").and_then(|r| r.split_once(".md#")) {
        Some((name, anchor)) => {
            let word = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            word(name) && word(anchor)
        }
        None => false,
    }
}

/// Where the site publishes a heading of the docs: `docs/races.md#race-6` is
/// `docs/races.html#race-6` (`racelab doc` renders each page with its headings' anchors as
/// ids), a relative link that works wherever the site is served. `None` for anything else.
pub fn doc_href(s: &str) -> Option<String> {
    if !is_doc_ref(s) {
        return None;
    }
    let (page, anchor) = s.split_once(".md#")?;
    Some(format!("{page}.html#{anchor}"))
}

/// The anchor a Markdown renderer gives a heading, which `doc_href` links to: lower case, spaces
/// as `-`, and only letters, digits, `-` and `_` kept (`PageAnonExclusive and RCU GUP-fast` →
/// `pageanonexclusive-and-rcu-gup-fast`). The docs renderer and the test of every reference use
/// this one rule, so a cited anchor and the heading's id cannot drift apart.
pub fn heading_anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// What a citation points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CitationKind {
    /// One of the LKML mails the catalog starts from.
    Seed,
    Commit,
    Mail,
    /// A heading of the project's description of the races (`docs/races.md#memory-ordering`).
    Catalog,
    Code,
}

impl CitationKind {
    pub const ALL: [CitationKind; 5] =
        [CitationKind::Seed, CitationKind::Commit, CitationKind::Mail, CitationKind::Catalog, CitationKind::Code];
    pub fn name(self) -> &'static str {
        match self {
            CitationKind::Seed => "seed",
            CitationKind::Commit => "commit",
            CitationKind::Mail => "mail",
            CitationKind::Catalog => "catalog",
            CitationKind::Code => "code",
        }
    }
    pub fn parse(s: &str) -> Option<CitationKind> {
        Self::ALL.into_iter().find(|k| k.name() == s)
    }
}

impl std::fmt::Display for CitationKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Citation {
    pub kind: CitationKind,
    pub id: String,
    pub text: String,
}

impl Citation {
    /// A link a browser can open, where there is a stable one.
    pub fn url(&self) -> Option<String> {
        match self.kind {
            // A `/` in a Message-ID would end the path: lore wants it as %2F.
            CitationKind::Mail | CitationKind::Seed if self.id.contains('@') => {
                Some(format!("https://lore.kernel.org/r/{}", self.id.replace('/', "%2F")))
            }
            CitationKind::Commit => {
                Some(format!("https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id={}", self.id))
            }
            // The repository's own description of the races, which the site publishes beside
            // the app as HTML (`docs/races.html`), so the link scrolls to its heading.
            CitationKind::Catalog => doc_href(&self.id),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Fate {
    /// The code as released, with the bug.
    Baseline,
    Merged,
    /// Merged, then removed again (the 5.9-rc7 fork trick).
    Reverted,
    Rejected,
    Superseded,
    /// Discussed or posted, never merged nor explicitly rejected.
    Proposed,
    /// Reasoning in a commit message or a thread, never posted as a patch of its own: shown to
    /// see what it would do.
    Analysis,
}

impl std::fmt::Display for Fate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}

impl Fate {
    pub fn parse(s: &str) -> Option<Fate> {
        Some(match s {
            "baseline" => Fate::Baseline,
            "merged" => Fate::Merged,
            "reverted" => Fate::Reverted,
            "rejected" => Fate::Rejected,
            "superseded" => Fate::Superseded,
            "proposed" => Fate::Proposed,
            "analysis" => Fate::Analysis,
            _ => return None,
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            Fate::Baseline => "baseline",
            Fate::Merged => "merged",
            Fate::Reverted => "reverted",
            Fate::Rejected => "rejected",
            Fate::Superseded => "superseded",
            Fate::Proposed => "proposed",
            Fate::Analysis => "analysis",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub name: String,
    pub title: String,
    pub fate: Fate,
    /// Why it was merged, rejected or superseded, in the words of the thread where possible.
    pub why: String,
    pub sources: Vec<Citation>,
    pub features: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Safe,
    Violated { invariant: Invariant, step: usize },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expectation {
    pub policy: String,
    pub model: MemoryModel,
    pub outcome: Outcome,
    pub comment: String,
}

/// A verdict the scenario claims for every interleaving of a policy under a memory model
/// (`verdict POLICY on MODEL safe|INVARIANT [in STEPS]`): what an exhaustive search must find.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerdictDef {
    pub policy: String,
    pub model: MemoryModel,
    /// None: no reachable state breaks a checked invariant; Some: this one breaks first (the
    /// shortest trace that breaks any checked invariant breaks this one).
    pub violated: Option<Invariant>,
    /// The number of steps of that shortest trace, when the line says it (`in STEPS`).
    pub shortest: Option<usize>,
    pub comment: String,
}

/// A condition on the final state (`exists "P1.r0 == 1 && x == 2"`), as in a litmus test.
#[derive(Clone, Debug, PartialEq)]
pub struct ExistsDef {
    pub text: String,
    pub expr: syntax::Expr,
    pub pos: Pos,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceDef {
    pub name: String,
    pub description: String,
    pub schedule: Vec<crate::step::Choice>,
    pub expect: Vec<Expectation>,
    /// Presenter notes (`say at STEP ["for" POLICY] "…"`), in file order.
    #[serde(default)]
    pub notes: Vec<NoteDef>,
    #[serde(skip)]
    pub pos: Pos,
}

/// A presenter note on one step of a trace's run: `say at 25 "…"` speaks of step 25 of the
/// schedule as written, which is the run under the baseline; `say at 27 for merged_6ce64428
/// "…"` of step 27 of the run under that policy (a fix adds or removes steps).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteDef {
    /// 1-based, as steps are shown.
    pub step: usize,
    /// The policy of the run it speaks of (the baseline's name for a note without `for`).
    pub policy: String,
    pub text: String,
}

impl TraceDef {
    /// The notes on step `step` of this trace's run under `policy`.
    pub fn notes_at(&self, policy: &str, step: usize) -> Vec<String> {
        self.notes.iter().filter(|n| n.step == step && n.policy == policy).map(|n| n.text.clone()).collect()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ThreadDef {
    pub info: ThreadInfo,
    pub body: Vec<Stmt>,
    pub pos: Pos,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub id: String,
    pub file: String,
    pub title: String,
    pub summary: String,
    /// The catalog's name of the race, such as `1A` or `4a`.
    pub race: String,
    /// Where the project's docs describe it (`docs/races.md#race-1a`).
    pub section: String,
    pub citations: Vec<Citation>,
    pub notes: Vec<String>,
    pub policies: Vec<Policy>,
    pub baseline: usize,
    /// Features on under every policy of this scenario.
    pub assume: Vec<String>,
    pub checks: Vec<Invariant>,
    pub models: Vec<MemoryModel>,
    pub fault_handler: Option<String>,
    pub layout: Layout,
    pub init: State,
    pub threads: Vec<ThreadDef>,
    pub procs: BTreeMap<String, (ProcDecl, String)>,
    pub features: BTreeMap<String, String>,
    pub traces: Vec<TraceDef>,
    /// The final-state condition of the `exists` invariant.
    pub exists: Option<ExistsDef>,
    /// Exhaustive verdicts the scenario claims.
    pub verdicts: Vec<VerdictDef>,
    /// Where each policy × model row applies (`applies` lines).
    pub applies: crate::applies::Applies,
    /// The files it was loaded from, its own first, with their texts and content hashes (filled
    /// by the catalog; empty for a scenario loaded by other means). Links pin them.
    pub files: Vec<FileRef>,
}

/// One file a scenario was loaded from, as a link pins it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRef {
    /// Relative to the traces root (`kernel/memory.race`).
    pub path: String,
    /// [`crate::pack::file_hash`] of the text.
    pub hash: String,
    pub text: std::sync::Arc<str>,
}

impl Scenario {
    /// Where the row of policy `policy` (an index) under `model` applies; `None` when the
    /// scenario has no `applies` line.
    pub fn applies_to(&self, policy: usize, model: MemoryModel) -> Option<crate::applies::RowApplies> {
        self.applies.row(&self.policies.get(policy)?.name, model)
    }

    pub fn policy(&self, name: &str) -> Option<usize> {
        self.policies.iter().position(|p| p.name == name)
    }
    pub fn trace(&self, name: &str) -> Option<&TraceDef> {
        self.traces.iter().find(|t| t.name == name)
    }
}

/// Everything the `use`d files declare: features, policies and kernel procs.
#[derive(Default)]
struct Library {
    features: BTreeMap<String, (String, String, Pos)>,
    policies: BTreeMap<String, (Policy, String, Pos)>,
    procs: BTreeMap<String, (ProcDecl, String)>,
}

/// Loads the scenario in `file`. `read` returns a file's text by its name relative to the
/// traces root, or None.
pub fn load(file: &str, read: &dyn Fn(&str) -> Option<String>) -> Result<Scenario, Diagnostic> {
    load_sharing(file, read, &Parsed::default())
}

/// Files parsed once for all the scenarios that `use` them (a catalog's kernel files), by name:
/// for one `read` function, whose text for a name does not change.
#[derive(Default)]
pub(crate) struct Parsed(RefCell<BTreeMap<String, Rc<SourceFile>>>);

impl Parsed {
    /// `text` (the file `name`) parsed: now, or the tree of an earlier call with this name.
    pub(crate) fn parse(&self, name: &str, text: &str) -> Result<Rc<SourceFile>, Diagnostic> {
        if let Some(f) = self.0.borrow().get(name) {
            return Ok(f.clone());
        }
        let f = Rc::new(syntax::parse(name, text)?);
        self.0.borrow_mut().insert(name.to_string(), f.clone());
        Ok(f)
    }
}

/// [`load`], with the files it `use`s parsed once for every scenario loaded with `parsed`.
pub(crate) fn load_sharing(file: &str, read: &dyn Fn(&str) -> Option<String>, parsed: &Parsed) -> Result<Scenario, Diagnostic> {
    let text = read(file).ok_or_else(|| Diagnostic::new(file, Pos::default(), "no such file"))?;
    let main = syntax::parse(file, &text)?;
    let mut lib = Library::default();
    let mut seen = BTreeSet::new();
    seen.insert(file.to_string());
    load_uses(&main, read, parsed, &mut lib, &mut seen)?;
    collect_library(&main, &mut lib)?;
    Loader { file, lib }.scenario(&main)
}

/// True when the file declares a scenario (as opposed to a library of procs and policies).
pub fn is_scenario_source(text: &str) -> bool {
    text.lines().any(|l| l.trim_start().starts_with("scenario "))
}

fn load_uses(
    f: &SourceFile,
    read: &dyn Fn(&str) -> Option<String>,
    parsed: &Parsed,
    lib: &mut Library,
    seen: &mut BTreeSet<String>,
) -> Result<(), Diagnostic> {
    for item in &f.items {
        if let Item::Use { path, pos } = item {
            let candidates = use_candidates(&f.name, path);
            let Some((name, text)) = candidates.iter().find_map(|c| read(c).map(|t| (c.clone(), t))) else {
                let looked = match candidates.as_slice() {
                    [beside, _] => format!("looked next to `{}`, as `{beside}`, and in traces/", f.name),
                    _ => "looked in traces/".to_string(),
                };
                return Err(Diagnostic::new(&f.name, *pos, format!("cannot find `{path}` ({looked})")));
            };
            if !seen.insert(name.clone()) {
                continue;
            }
            let used = parsed.parse(&name, &text)?;
            load_uses(&used, read, parsed, lib, seen)?;
            collect_library(&used, lib)?;
        }
    }
    Ok(())
}

/// The names a `use "PATH"` in `file` may mean, in the order they are tried: PATH relative to
/// the directory of `file` (when that is another place than the traces root), then relative
/// to the traces root. The nearest wins, so a copy of a kernel file next to a scenario is used
/// instead of the catalog's. Names are relative to the traces root, or paths as the caller gave
/// them (`../my/x.race`).
pub fn use_candidates(file: &str, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some((dir, _)) = file.rsplit_once('/') {
        let mut parts: Vec<&str> = if dir.is_empty() { vec![""] } else { dir.split('/').collect() };
        for seg in path.split('/') {
            match seg {
                "." | "" => {}
                ".." if parts.last().is_some_and(|p| !p.is_empty() && *p != "..") => {
                    parts.pop();
                }
                s => parts.push(s),
            }
        }
        let beside = parts.join("/");
        if beside != path {
            out.push(beside);
        }
    }
    out.push(path.to_string());
    out
}

/// The paths a source's `use` lines name (none when it does not parse).
pub fn used_paths(file: &str, text: &str) -> Vec<String> {
    let Ok(f) = syntax::parse(file, text) else { return Vec::new() };
    f.items
        .iter()
        .filter_map(|i| match i {
            Item::Use { path, .. } => Some(path.clone()),
            _ => None,
        })
        .collect()
}

fn collect_library(f: &SourceFile, lib: &mut Library) -> Result<(), Diagnostic> {
    for item in &f.items {
        match item {
            Item::Feature { name, text } => {
                if let Some((_, file, pos)) = lib.features.get(&name.name) {
                    return Err(Diagnostic::new(&f.name, name.pos, format!("feature `{}` is already declared at {file}:{pos}", name.name)));
                }
                lib.features.insert(name.name.clone(), (text.clone(), f.name.clone(), name.pos));
            }
            Item::Proc(p) => {
                if let Some((prev, file)) = lib.procs.get(&p.name.name) {
                    return Err(Diagnostic::new(
                        &f.name,
                        p.name.pos,
                        format!("proc `{}` is already defined at {file}:{}", p.name.name, prev.name.pos),
                    ));
                }
                lib.procs.insert(p.name.name.clone(), (p.clone(), f.name.clone()));
            }
            Item::Block(b) if b.kind.name == "policy" => {
                let policy = policy_block(&f.name, b)?;
                let pos = b.kind.pos;
                if let Some((_, file, prev)) = lib.policies.get(&policy.name) {
                    return Err(Diagnostic::new(&f.name, pos, format!("policy `{}` is already declared at {file}:{prev}", policy.name)));
                }
                lib.policies.insert(policy.name.clone(), (policy, f.name.clone(), pos));
            }
            _ => {}
        }
    }
    Ok(())
}

fn err<T>(file: &str, pos: Pos, msg: impl Into<String>) -> Result<T, Diagnostic> {
    Err(Diagnostic::new(file, pos, msg))
}

fn one_string(file: &str, line: &AttrLine) -> Result<String, Diagnostic> {
    match line.args.as_slice() {
        [Arg::Str(s, _)] => Ok(s.clone()),
        [] => err(file, line.key.pos, format!("expected a quoted string after `{}`", line.key.name)),
        [a, ..] => err(file, a.pos(), format!("expected one quoted string after `{}`, found {}", line.key.name, a.describe())),
    }
}

fn words(file: &str, line: &AttrLine) -> Result<Vec<Ident>, Diagnostic> {
    line.args
        .iter()
        .map(|a| match a {
            Arg::Word(w) => Ok(w.clone()),
            other => err(file, other.pos(), format!("expected a name after `{}`, found {}", line.key.name, other.describe())),
        })
        .collect()
}

fn citation(file: &str, line: &AttrLine) -> Result<Citation, Diagnostic> {
    let mut args = line.args.iter();
    let kind = match args.next() {
        Some(Arg::Word(w)) if CitationKind::parse(&w.name).is_some() => CitationKind::parse(&w.name).unwrap(),
        Some(a) => {
            return err(
                file,
                a.pos(),
                format!("expected the kind of source (`seed`, `commit`, `mail`, `catalog`, `code`), found {}", a.describe()),
            )
        }
        None => return err(file, line.key.pos, "expected the kind of source after `cite` (`seed`, `commit`, `mail`, `catalog`, `code`)"),
    };
    let id = match args.next() {
        Some(Arg::Str(s, _)) => s.clone(),
        Some(a) => return err(file, a.pos(), format!("expected the quoted id of the {kind}, found {}", a.describe())),
        None => return err(file, line.key.pos, format!("expected the quoted id of the {kind}")),
    };
    let text = match args.next() {
        Some(Arg::Str(s, _)) => s.clone(),
        None => String::new(),
        Some(a) => return err(file, a.pos(), format!("expected a quoted description, found {}", a.describe())),
    };
    if let Some(a) = args.next() {
        return err(file, a.pos(), format!("unexpected {} after the citation", a.describe()));
    }
    Ok(Citation { kind, id, text })
}

fn policy_block(file: &str, b: &syntax::BlockDecl) -> Result<Policy, Diagnostic> {
    let name = match b.head.as_slice() {
        [Arg::Word(w)] => w.name.clone(),
        _ => return err(file, b.kind.pos, "expected `policy NAME {`"),
    };
    let mut p = Policy { name, title: String::new(), fate: Fate::Proposed, why: String::new(), sources: vec![], features: vec![] };
    let mut fate_seen = false;
    for line in &b.lines {
        match line.key.name.as_str() {
            "title" => p.title = one_string(file, line)?,
            "fate" => {
                let (kind, why) = match line.args.as_slice() {
                    [Arg::Word(w), Arg::Str(s, _)] => (w, s.clone()),
                    [Arg::Word(w)] => (w, String::new()),
                    _ => {
                        return err(
                            file,
                            line.key.pos,
                            "expected `fate KIND \"why\"` (KIND: baseline, merged, reverted, rejected, superseded, proposed, analysis)",
                        )
                    }
                };
                p.fate = Fate::parse(&kind.name).ok_or_else(|| {
                    Diagnostic::new(file, kind.pos, format!("unknown fate `{}`{}", kind.name, expected_one_of(&kind.name, FATES)))
                })?;
                p.why = why;
                fate_seen = true;
            }
            "source" => p.sources.push(citation(file, line)?),
            "features" => p.features.extend(words(file, line)?.into_iter().map(|w| w.name)),
            other => return err(file, line.key.pos, format!("unknown policy attribute `{other}`{}", expected_one_of(other, POLICY_ATTRS))),
        }
    }
    if !fate_seen {
        return err(file, b.kind.pos, format!("policy `{}` needs a `fate` line", p.name));
    }
    Ok(p)
}

struct Loader<'a> {
    file: &'a str,
    lib: Library,
}

impl Loader<'_> {
    fn err<T>(&self, pos: Pos, msg: impl Into<String>) -> Result<T, Diagnostic> {
        err(self.file, pos, msg)
    }

    fn scenario(self, f: &SourceFile) -> Result<Scenario, Diagnostic> {
        let file = self.file;
        let mut header = None;
        let mut state_block = None;
        let mut thread_decls = Vec::new();
        let mut trace_blocks = Vec::new();
        for item in &f.items {
            match item {
                Item::Block(b) if b.kind.name == "scenario" => {
                    if header.is_some() {
                        return self.err(b.kind.pos, "a file holds one `scenario`");
                    }
                    header = Some(b);
                }
                Item::Block(b) if b.kind.name == "state" => {
                    if state_block.is_some() {
                        return self.err(b.kind.pos, "a scenario has one `state` block");
                    }
                    state_block = Some(b);
                }
                Item::Block(b) if b.kind.name == "trace" => trace_blocks.push(b),
                Item::Thread(t) => thread_decls.push(t),
                Item::Line(l) => {
                    return self.err(
                        l.key.pos,
                        format!("unknown declaration `{}`{}", l.key.name, expected_one_of(&l.key.name, syntax::DECLARATIONS)),
                    )
                }
                _ => {}
            }
        }
        let Some(header) = header else {
            return self.err(Pos { line: 1, col: 1 }, "no `scenario ID { … }` block in this file");
        };
        let id = match header.head.as_slice() {
            [Arg::Word(w)] => w.name.clone(),
            _ => return self.err(header.kind.pos, "expected `scenario ID {`"),
        };
        let mut sc = Scenario {
            id,
            file: file.to_string(),
            title: String::new(),
            summary: String::new(),
            race: String::new(),
            section: String::new(),
            citations: vec![],
            notes: vec![],
            policies: vec![],
            baseline: 0,
            assume: vec![],
            checks: vec![],
            models: vec![MemoryModel::Sc],
            fault_handler: None,
            layout: Layout {
                mms: vec![],
                ptes: vec![],
                pages: vec![],
                vars: vec![],
                locks: vec![],
                threads: vec![],
                data_slots: 2,
                per_mm: vec![],
            },
            init: State::default(),
            threads: vec![],
            procs: self.lib.procs.clone(),
            features: self.lib.features.iter().map(|(k, v)| (k.clone(), v.0.clone())).collect(),
            traces: vec![],
            exists: None,
            verdicts: vec![],
            applies: Default::default(),
            files: vec![],
        };
        let mut verdict_lines = Vec::new();
        let mut applies_lines = Vec::new();
        let mut baseline: Option<Ident> = None;
        for line in &header.lines {
            match line.key.name.as_str() {
                "title" => sc.title = one_string(file, line)?,
                "summary" => sc.summary = one_string(file, line)?,
                "race" => sc.race = one_string(file, line)?,
                "section" => sc.section = one_string(file, line)?,
                "note" => sc.notes.push(one_string(file, line)?),
                "cite" => sc.citations.push(citation(file, line)?),
                "policies" => {
                    for w in words(file, line)? {
                        let Some((p, _, _)) = self.lib.policies.get(&w.name) else {
                            let hint = did_you_mean(&w.name, self.lib.policies.keys().map(String::as_str));
                            if !hint.is_empty() {
                                return self.err(w.pos, format!("unknown policy `{}`{hint}", w.name));
                            }
                            return self.err(
                                w.pos,
                                format!("unknown policy `{}`: declare it with `policy {} {{ … }}` in a used file", w.name, w.name),
                            );
                        };
                        if sc.policies.iter().any(|q| q.name == w.name) {
                            return self.err(w.pos, format!("policy `{}` is listed twice", w.name));
                        }
                        sc.policies.push(p.clone());
                    }
                }
                "baseline" => match words(file, line)?.as_slice() {
                    [w] => baseline = Some(w.clone()),
                    _ => return self.err(line.key.pos, "expected one policy name after `baseline`"),
                },
                "assume" => {
                    for w in words(file, line)? {
                        if !self.lib.features.contains_key(&w.name) {
                            let hint = did_you_mean(&w.name, self.lib.features.keys().map(String::as_str));
                            return self.err(w.pos, format!("unknown feature `{}`{hint}", w.name));
                        }
                        sc.assume.push(w.name);
                    }
                }
                "check" => {
                    for w in words(file, line)? {
                        let inv = Invariant::parse(&w.name).ok_or_else(|| {
                            Diagnostic::new(file, w.pos, format!("unknown invariant `{}`{}", w.name, or_invariants(&w.name)))
                        })?;
                        // Named twice (on one line or several), an invariant is checked once.
                        if !sc.checks.contains(&inv) {
                            sc.checks.push(inv);
                        }
                    }
                }
                "models" => {
                    sc.models.clear();
                    for a in &line.args {
                        let name = match a {
                            Arg::Word(w) => w.name.clone(),
                            Arg::Str(s, _) => s.clone(),
                            other => return self.err(other.pos(), format!("expected a memory model ({MODELS})")),
                        };
                        let m = MemoryModel::parse(&name).ok_or_else(|| Diagnostic::new(file, a.pos(), unknown_model(&name)))?;
                        sc.models.push(m);
                    }
                }
                "exists" => {
                    let (text, pos) = match line.args.as_slice() {
                        [Arg::Str(s, p)] => (s.clone(), *p),
                        _ => return self.err(line.key.pos, "expected `exists \"CONDITION\"`, as in `exists \"P1.r0 == 1 && x == 2\"`"),
                    };
                    if sc.exists.is_some() {
                        return self.err(line.key.pos, "a scenario has one `exists` condition");
                    }
                    let threads: Vec<&str> = thread_decls.iter().map(|t| t.name.name.as_str()).collect();
                    let expr = parse_condition(file, pos, &text, &threads)?;
                    sc.exists = Some(ExistsDef { text, expr, pos });
                    if !sc.checks.contains(&Invariant::Exists) {
                        sc.checks.push(Invariant::Exists);
                    }
                }
                "verdict" => verdict_lines.push(line),
                "applies" => applies_lines.push(line),
                "fault_handler" => match words(file, line)?.as_slice() {
                    [w] => {
                        if !self.lib.procs.contains_key(&w.name) {
                            let hint = did_you_mean(&w.name, self.lib.procs.keys().map(String::as_str));
                            return self.err(w.pos, format!("unknown proc `{}` for the fault handler{hint}", w.name));
                        }
                        sc.fault_handler = Some(w.name.clone());
                    }
                    _ => return self.err(line.key.pos, "expected one proc name after `fault_handler`"),
                },
                other => {
                    return self
                        .err(line.key.pos, format!("unknown scenario attribute `{other}`{}", expected_one_of(other, SCENARIO_ATTRS)))
                }
            }
        }
        if sc.policies.is_empty() {
            return self.err(header.kind.pos, "the scenario lists no `policies`");
        }
        for p in &sc.policies {
            for feat in &p.features {
                if !self.lib.features.contains_key(feat) {
                    let (_, pfile, ppos) = &self.lib.policies[&p.name];
                    return err(pfile, *ppos, format!("policy `{}` names unknown feature `{feat}`", p.name));
                }
            }
        }
        sc.baseline = match &baseline {
            Some(w) => sc.policy(&w.name).ok_or_else(|| Diagnostic::new(file, w.pos, not_listed("baseline", &w.name, &sc)))?,
            None => return self.err(header.kind.pos, "the scenario names no `baseline` policy"),
        };
        if sc.checks.is_empty() {
            return self.err(header.kind.pos, format!("the scenario checks no invariant: add `check` with one of {}", invariant_names()));
        }
        if sc.checks.contains(&Invariant::Exists) && sc.exists.is_none() {
            return self.err(header.kind.pos, "the scenario checks `exists` but states no condition: add `exists \"CONDITION\"`");
        }
        for line in verdict_lines {
            sc.verdicts.push(self.verdict(line, &sc)?);
        }
        let names: Vec<&str> = sc.policies.iter().map(|p| p.name.as_str()).collect();
        for line in applies_lines {
            crate::applies::parse_line(file, line, &names, &sc.models, &mut sc.applies)?;
        }
        if sc.title.is_empty() {
            return self.err(header.kind.pos, "the scenario has no `title`");
        }

        // The state block declares mms first; threads need them, and pins need threads.
        let Some(state_block) = state_block else {
            return self.err(header.kind.pos, "no `state { … }` block");
        };
        for line in &state_block.lines {
            if line.key.name == "mm" {
                for w in words(file, line)? {
                    if sc.layout.mms.contains(&w.name) {
                        return self.err(w.pos, format!("mm `{}` is declared twice", w.name));
                    }
                    sc.layout.mms.push(w.name);
                }
            }
        }
        if sc.layout.mms.is_empty() {
            sc.layout.mms.push("mm".to_string());
        }
        let multi_mm = sc.layout.mms.len() > 1;
        for (mi, mm) in sc.layout.mms.clone().iter().enumerate() {
            for short in MM_VARS {
                let name = if multi_mm { format!("{mm}.{short}") } else { short.to_string() };
                sc.layout.vars.push(VarInfo { name, mm: Some(mi), short: short.to_string() });
            }
            for (short, kind) in MM_LOCKS {
                let name = if multi_mm { format!("{mm}.{short}") } else { short.to_string() };
                sc.layout.locks.push(LockInfo { name, kind: *kind, mm: Some(mi), short: short.to_string() });
            }
            let l = &sc.layout;
            let (var, lock) = (|s: &str| l.mm_var(mi, s).unwrap(), |s: &str| l.mm_lock(mi, s).unwrap());
            let ix = MmIndices {
                mmap_lock: lock("mmap_lock"),
                ptl: lock("ptl"),
                tlb_flush_pending: var("tlb_flush_pending"),
                has_pinned: var("has_pinned"),
                write_protect_seq: var("write_protect_seq"),
                wrprotect_tlb_flush_pending: var("wrprotect_tlb_flush_pending"),
            };
            sc.layout.per_mm.push(ix);
        }
        for t in &thread_decls {
            let info = self.thread_info(t, &sc.layout)?;
            if sc.layout.thread(&info.name).is_some() {
                return self.err(t.name.pos, format!("thread `{}` is declared twice", info.name));
            }
            if let Some(cpu) = info.cpu {
                if let Some(other) = sc.layout.threads.iter().find(|o| o.cpu == Some(cpu)) {
                    return self.err(t.name.pos, format!("CPU{cpu} already runs thread `{}`: one thread per CPU", other.name));
                }
            }
            sc.layout.threads.push(info.clone());
            sc.threads.push(ThreadDef { info, body: t.body.clone(), pos: t.name.pos });
        }
        if sc.threads.is_empty() {
            return self.err(header.kind.pos, "the scenario has no `thread`");
        }
        if sc.threads.len() > MAX_THREADS {
            return self.err(thread_decls[MAX_THREADS].name.pos, format!("at most {MAX_THREADS} threads"));
        }
        self.state(state_block, &mut sc)?;
        for b in trace_blocks {
            let t = self.trace(b, &sc)?;
            if sc.traces.iter().any(|o| o.name == t.name) {
                return self.err(b.kind.pos, format!("trace `{}` is declared twice", t.name));
            }
            sc.traces.push(t);
        }
        Ok(sc)
    }

    fn thread_info(&self, t: &syntax::ThreadDecl, layout: &Layout) -> Result<ThreadInfo, Diagnostic> {
        let mut cpu: Option<Option<u8>> = None;
        let mut mm = 0;
        let mut description = String::new();
        let mut args = t.head.iter();
        while let Some(a) = args.next() {
            match a {
                Arg::Word(w) if w.name == "on" => match args.next() {
                    Some(Arg::Word(c)) if c.name == "DEV" || c.name == "device" => cpu = Some(None),
                    Some(Arg::Word(c)) if c.name.starts_with("CPU") => {
                        let n: u8 = c.name[3..].parse().ok().filter(|n: &u8| (*n as usize) < MAX_CPUS).ok_or_else(|| {
                            Diagnostic::new(self.file, c.pos, format!("expected CPU0..CPU{} or DEV, found `{}`", MAX_CPUS - 1, c.name))
                        })?;
                        cpu = Some(Some(n));
                    }
                    Some(other) => {
                        let cpus: Vec<String> = (0..MAX_CPUS).map(|n| format!("CPU{n}")).chain(["DEV".to_string()]).collect();
                        let hint = match other {
                            Arg::Word(w) => did_you_mean(&w.name, cpus.iter().map(String::as_str)),
                            _ => String::new(),
                        };
                        return self.err(
                            other.pos(),
                            format!("expected a CPU (CPU0..CPU{}) or DEV after `on`, found {}{hint}", MAX_CPUS - 1, other.describe()),
                        );
                    }
                    None => return self.err(w.pos, "expected a CPU after `on`"),
                },
                Arg::Word(w) if w.name == "in" => match args.next() {
                    Some(Arg::Word(m)) => {
                        mm = layout.mm(&m.name).ok_or_else(|| {
                            let hint = did_you_mean(&m.name, layout.mms.iter().map(String::as_str));
                            Diagnostic::new(self.file, m.pos, format!("unknown mm `{}`{hint}", m.name))
                        })?;
                    }
                    _ => return self.err(w.pos, "expected an mm name after `in`"),
                },
                Arg::Str(s, _) => description = s.clone(),
                other => return self.err(other.pos(), format!("expected `on CPUn`, `in MM` or a description, found {}", other.describe())),
            }
        }
        let Some(cpu) = cpu else {
            return self.err(t.name.pos, format!("thread `{}` needs `on CPUn` or `on DEV`", t.name.name));
        };
        Ok(ThreadInfo { name: t.name.name.clone(), cpu, mm, description })
    }

    /// `V` (the default mm) or `child.V`.
    fn pte_slot(&self, w: &Ident, sc: &mut Scenario, create: bool) -> Result<usize, Diagnostic> {
        let (mm, va) = match w.name.split_once('.') {
            Some((m, v)) => (sc.layout.mm(m).ok_or_else(|| Diagnostic::new(self.file, w.pos, format!("unknown mm `{m}`")))?, v.to_string()),
            None => (0, w.name.clone()),
        };
        if let Some(i) = sc.layout.pte(mm, &va) {
            return Ok(i);
        }
        if !create {
            let known: Vec<String> = sc.layout.ptes.iter().map(|p| p.name.clone()).collect();
            let hint = did_you_mean(&w.name, known.iter().map(String::as_str));
            return self.err(w.pos, format!("unknown virtual address `{}`: declare it with `vma` or `pte`{hint}", w.name));
        }
        if sc.layout.ptes.len() == MAX_PTES {
            return self.err(w.pos, format!("at most {MAX_PTES} PTEs (mm, address pairs)"));
        }
        let name = if sc.layout.mms.len() > 1 { format!("{}.{}", sc.layout.mms[mm], va) } else { va.clone() };
        sc.layout.ptes.push(PteSlot { mm, va, name });
        Ok(sc.layout.ptes.len() - 1)
    }

    /// `ADDR -> PAGE`, after `tlb CPUn` or `pinned HOLDER`: the PTE slot and the page.
    fn address_to_page<'b>(
        &self,
        args: &mut impl Iterator<Item = &'b Arg>,
        line: &AttrLine,
        sc: &mut Scenario,
        after: &str,
    ) -> Result<(usize, u8), Diagnostic> {
        let w = match args.next() {
            Some(Arg::Word(w)) => w.clone(),
            _ => return self.err(line.key.pos, format!("expected an address after {after}")),
        };
        let slot = self.pte_slot(&w, sc, false)?;
        if !matches!(args.next(), Some(Arg::Arrow(_))) {
            return self.err(w.pos, "expected `->` after the address");
        }
        let page = match args.next() {
            Some(Arg::Word(p)) => self.page_ref(p, sc)?,
            _ => return self.err(w.pos, "expected a page after `->`"),
        };
        Ok((slot, page))
    }

    fn page_ref(&self, w: &Ident, sc: &Scenario) -> Result<u8, Diagnostic> {
        sc.layout.page(&w.name).map(|p| p as u8).ok_or_else(|| {
            Diagnostic::new(self.file, w.pos, format!("unknown page `{}`: declare it with `page {} …` first", w.name, w.name))
        })
    }

    fn state(&self, b: &syntax::BlockDecl, sc: &mut Scenario) -> Result<(), Diagnostic> {
        let file = self.file;
        let mut s = State::default();
        // Pages first: PTE and TLB lines refer to them.
        for line in &b.lines {
            if line.key.name == "slots" {
                match line.args.as_slice() {
                    [Arg::Int(n, p)] => {
                        if *n < 1 || *n as usize > MAX_DATA {
                            return self.err(*p, format!("slots must be 1..{MAX_DATA}"));
                        }
                        sc.layout.data_slots = *n as usize;
                    }
                    _ => return self.err(line.key.pos, "expected `slots N`"),
                }
            }
        }
        for line in &b.lines {
            if line.key.name != "page" {
                continue;
            }
            let mut args = line.args.iter();
            let name = match args.next() {
                Some(Arg::Word(w)) => w.clone(),
                _ => return self.err(line.key.pos, "expected a page name after `page`"),
            };
            if sc.layout.page(&name.name).is_some() {
                return self.err(name.pos, format!("page `{}` is declared twice", name.name));
            }
            if sc.layout.pages.len() == MAX_PAGES {
                return self.err(name.pos, format!("at most {MAX_PAGES} pages"));
            }
            let idx = sc.layout.pages.len();
            sc.layout.pages.push(name.name.clone());
            let page = &mut s.pages[idx];
            page.flags = page_flags::ALLOCATED;
            for a in args {
                match a {
                    Arg::Word(w) => match w.name.as_str() {
                        "free" => page.flags = page_flags::POOL,
                        word => match PAGE_FLAGS.iter().find(|f| f.word == word) {
                            Some(f) => page.set(f.bit, true),
                            None => {
                                return self.err(w.pos, format!("unknown page flag `{word}`{}", expected_one_of(word, PAGE_FLAG_WORDS)))
                            }
                        },
                    },
                    Arg::Kv(k, v) => match (k.name.as_str(), v.as_ref()) {
                        ("refcount", Arg::Int(n, p)) => {
                            page.refcount = i16::try_from(*n)
                                .ok()
                                .filter(|n| *n >= 0)
                                .ok_or_else(|| Diagnostic::new(file, *p, "refcount must be 0..32767"))?
                        }
                        ("mapcount", Arg::Int(n, p)) => {
                            page.mapcount = i8::try_from(*n)
                                .ok()
                                .filter(|n| *n >= 0)
                                .ok_or_else(|| Diagnostic::new(file, *p, "mapcount must be 0..127"))?
                        }
                        ("data", Arg::List(items, lp)) => {
                            if items.len() != sc.layout.data_slots {
                                return self.err(
                                    *lp,
                                    format!("expected {} data values (the page has {} slots)", sc.layout.data_slots, sc.layout.data_slots),
                                );
                            }
                            for (i, it) in items.iter().enumerate() {
                                match it {
                                    Arg::Int(n, _) if (0..=255).contains(n) => page.data[i] = *n as u8,
                                    other => return self.err(other.pos(), "expected a data value 0..255"),
                                }
                            }
                        }
                        (key, _) => {
                            return self.err(
                                k.pos,
                                format!("unknown or malformed page attribute `{key}=`: expected refcount=N, mapcount=N or data=[…]"),
                            )
                        }
                    },
                    other => return self.err(other.pos(), format!("unexpected {} in a page declaration", other.describe())),
                }
            }
        }
        for line in &b.lines {
            let mut args = line.args.iter().peekable();
            match line.key.name.as_str() {
                "mm" | "page" | "slots" => {}
                "vma" => {
                    let w = match args.next() {
                        Some(Arg::Word(w)) => w.clone(),
                        _ => return self.err(line.key.pos, "expected an address after `vma`"),
                    };
                    let slot = self.pte_slot(&w, sc, true)?;
                    for a in args {
                        match a {
                            Arg::Word(f) => {
                                let bit = VMA_FLAGS.iter().find(|(n, _)| *n == f.name).map(|(_, b)| *b).ok_or_else(|| {
                                    Diagnostic::new(
                                        file,
                                        f.pos,
                                        format!("unknown VMA flag `{}`{}", f.name, expected_one_of(&f.name, VMA_FLAG_WORDS)),
                                    )
                                })?;
                                s.vma[slot] |= bit;
                            }
                            other => return self.err(other.pos(), format!("unexpected {} in a vma declaration", other.describe())),
                        }
                    }
                }
                "pte" => {
                    let w = match args.next() {
                        Some(Arg::Word(w)) => w.clone(),
                        _ => return self.err(line.key.pos, "expected an address after `pte`"),
                    };
                    let slot = self.pte_slot(&w, sc, true)?;
                    match args.next() {
                        Some(Arg::Word(n)) if n.name == "none" => s.ptes[slot] = Pte::NONE,
                        Some(Arg::Arrow(_)) => {
                            let page = match args.next() {
                                Some(Arg::Word(p)) => self.page_ref(p, sc)?,
                                _ => return self.err(w.pos, "expected a page after `->`"),
                            };
                            let mut bits = 0;
                            for a in args {
                                match a {
                                    Arg::Word(bw) => {
                                        bits |= pte_bit(&bw.name).ok_or_else(|| {
                                            Diagnostic::new(
                                                file,
                                                bw.pos,
                                                format!("unknown PTE bit `{}`{}", bw.name, expected_one_of(&bw.name, PTE_BITS)),
                                            )
                                        })?
                                    }
                                    other => return self.err(other.pos(), format!("expected a PTE bit, found {}", other.describe())),
                                }
                            }
                            s.ptes[slot] = Pte::new(page, bits);
                        }
                        _ => return self.err(w.pos, "expected `-> PAGE BITS…` or `none` after the address"),
                    }
                }
                "tlb" => {
                    let cpu = match args.next() {
                        Some(Arg::Word(c)) if c.name.starts_with("CPU") => match c.name[3..].parse::<usize>() {
                            Ok(n) if n < MAX_CPUS => n,
                            _ => return self.err(c.pos, format!("expected CPU0..CPU{}", MAX_CPUS - 1)),
                        },
                        _ => return self.err(line.key.pos, "expected a CPU after `tlb` (e.g. `tlb CPU3 V -> P W D`)"),
                    };
                    let (slot, page) = self.address_to_page(&mut args, line, sc, "the CPU")?;
                    let (mut wbit, mut dbit) = (false, false);
                    for a in args {
                        match a {
                            Arg::Word(b) if b.name == "W" => wbit = true,
                            Arg::Word(b) if b.name == "D" => dbit = true,
                            other => return self.err(other.pos(), format!("a TLB entry caches W and D only, found {}", other.describe())),
                        }
                    }
                    s.tlb[cpu][slot] = TlbEntry::new(page, wbit, dbit);
                }
                "var" => {
                    let w = match args.next() {
                        Some(Arg::Word(w)) => w.clone(),
                        Some(Arg::Kv(w, _)) => w.clone(),
                        _ => return self.err(line.key.pos, "expected `var NAME` or `var NAME=VALUE`"),
                    };
                    let value = match line.args.first() {
                        Some(Arg::Kv(_, v)) => match v.as_ref() {
                            Arg::Int(n, p) => i16::try_from(*n).map_err(|_| Diagnostic::new(file, *p, "a variable holds -32768..32767"))?,
                            other => return self.err(other.pos(), "expected a number"),
                        },
                        _ => 0,
                    };
                    if let Some(i) = sc.layout.var(&w.name) {
                        // Setting an mm counter's initial value: `var has_pinned=1`.
                        s.vars[i] = value;
                    } else {
                        if sc.layout.vars.len() == MAX_VARS {
                            return self.err(w.pos, format!("at most {MAX_VARS} variables"));
                        }
                        sc.layout.vars.push(VarInfo { name: w.name.clone(), mm: None, short: w.name.clone() });
                        s.vars[sc.layout.vars.len() - 1] = value;
                    }
                }
                "lock" => {
                    let (w, kind) = match line.args.as_slice() {
                        [Arg::Word(w), Arg::Word(k)] => (w, k),
                        _ => return self.err(line.key.pos, "expected `lock NAME rwsem|spin|group`"),
                    };
                    let kind = match k_name(kind) {
                        "rwsem" => LockKind::Rwsem,
                        "spin" => LockKind::Spin,
                        "group" => LockKind::Group,
                        _ => return self.err(kind.pos, "expected the lock kind: rwsem, spin or group"),
                    };
                    if sc.layout.lock(&w.name).is_some() {
                        return self.err(w.pos, format!("lock `{}` is declared twice", w.name));
                    }
                    if sc.layout.locks.len() == MAX_LOCKS {
                        return self.err(w.pos, format!("at most {MAX_LOCKS} locks"));
                    }
                    sc.layout.locks.push(LockInfo { name: w.name.clone(), kind, mm: None, short: w.name.clone() });
                }
                "pinned" => {
                    // `pinned HOLDER V -> P pin|get [write] [longterm]`: a GUP reference taken
                    // before the scenario starts.
                    let holder = match args.next() {
                        Some(Arg::Word(h)) => sc.layout.thread(&h.name).ok_or_else(|| {
                            let hint = did_you_mean(&h.name, sc.layout.threads.iter().map(|t| t.name.as_str()));
                            Diagnostic::new(file, h.pos, format!("unknown thread `{}` holding the pin{hint}", h.name))
                        })?,
                        _ => return self.err(line.key.pos, "expected `pinned HOLDER V -> PAGE pin|get [write] [longterm]`"),
                    };
                    let (slot, page) = self.address_to_page(&mut args, line, sc, "the holder")?;
                    let mut flags = pin_flags::ACTIVE;
                    let mut kind_seen = false;
                    for a in args {
                        match a {
                            Arg::Word(k) if k.name == "pin" => {
                                flags |= pin_flags::PIN;
                                kind_seen = true
                            }
                            Arg::Word(k) if k.name == "get" => kind_seen = true,
                            Arg::Word(k) if k.name == "write" => flags |= pin_flags::WRITE,
                            Arg::Word(k) if k.name == "longterm" => flags |= pin_flags::LONGTERM,
                            other => {
                                return self.err(other.pos(), format!("expected pin, get, write or longterm, found {}", other.describe()))
                            }
                        }
                    }
                    if !kind_seen {
                        return self.err(line.key.pos, "say whether the reference is a `pin` (FOLL_PIN) or a `get` (FOLL_GET)");
                    }
                    let Some(free) = s.pins.iter().position(|p| !p.active()) else {
                        return self.err(line.key.pos, format!("at most {MAX_PINS} GUP references"));
                    };
                    s.pins[free] = Pin { holder: holder as u8, page, pte: slot as u8, flags };
                }
                other => {
                    return self.err(line.key.pos, format!("unknown state declaration `{other}`{}", expected_one_of(other, STATE_DECLS)))
                }
            }
        }
        sc.init = s;
        Ok(())
    }

    /// `verdict POLICY on MODEL safe|INVARIANT [in STEPS] ["comment"]`
    fn verdict(&self, line: &AttrLine, sc: &Scenario) -> Result<VerdictDef, Diagnostic> {
        let usage = "expected `verdict POLICY on MODEL safe` or `verdict POLICY on MODEL INVARIANT`";
        let mut args = line.args.iter().peekable();
        let policy = match args.next() {
            Some(Arg::Word(w)) if sc.policy(&w.name).is_some() => w.name.clone(),
            Some(Arg::Word(w)) => return self.err(w.pos, not_listed("", &w.name, sc)),
            _ => return self.err(line.key.pos, usage),
        };
        let model = match (args.next(), args.next()) {
            (Some(Arg::Word(on)), Some(Arg::Word(m))) if on.name == "on" => {
                let model = MemoryModel::parse(&m.name).ok_or_else(|| Diagnostic::new(self.file, m.pos, unknown_model(&m.name)))?;
                if !sc.models.contains(&model) {
                    return self.err(m.pos, format!("the scenario is not modelled under {} (add it to `models`)", model.name()));
                }
                model
            }
            _ => return self.err(line.key.pos, usage),
        };
        let violated = match args.next() {
            Some(Arg::Word(w)) if w.name == "safe" => None,
            Some(Arg::Word(w)) => {
                let inv = Invariant::parse(&w.name).ok_or_else(|| {
                    Diagnostic::new(
                        self.file,
                        w.pos,
                        format!("expected `safe` or an invariant, found `{}`{}", w.name, or_invariants(&w.name)),
                    )
                })?;
                if !sc.checks.contains(&inv) {
                    return self.err(w.pos, format!("the scenario does not check `{}`", w.name));
                }
                Some(inv)
            }
            _ => return self.err(line.key.pos, usage),
        };
        let mut shortest = None;
        if let Some(Arg::Word(w)) = args.peek() {
            if w.name == "in" {
                args.next();
                if violated.is_none() {
                    return self.err(w.pos, "a `safe` verdict has no shortest trace: `in STEPS` follows an invariant");
                }
                let max = crate::limits::MAX_STEPS;
                shortest = match args.next() {
                    Some(Arg::Int(n, _)) if (1..=max as i64).contains(n) => Some(*n as usize),
                    Some(Arg::Int(_, p)) => return self.err(*p, format!("the shortest trace has 1 to {max} steps")),
                    _ => return self.err(w.pos, "expected the length of the shortest trace after `in`, as in `in 25`"),
                };
            }
        }
        let comment = match args.next() {
            Some(Arg::Str(s, _)) => s.clone(),
            None => String::new(),
            Some(other) => return self.err(other.pos(), format!("unexpected {}", other.describe())),
        };
        if let Some(a) = args.next() {
            return self.err(a.pos(), format!("unexpected {}", a.describe()));
        }
        if sc.verdicts.iter().any(|v| v.policy == policy && v.model == model) {
            return self.err(line.key.pos, format!("a second verdict for {policy} on {}", model.name()));
        }
        Ok(VerdictDef { policy, model, violated, shortest, comment })
    }

    fn trace(&self, b: &syntax::BlockDecl, sc: &Scenario) -> Result<TraceDef, Diagnostic> {
        let file = self.file;
        let (name, description) = match b.head.as_slice() {
            [Arg::Word(w)] => (w.name.clone(), String::new()),
            [Arg::Word(w), Arg::Str(s, _)] => (w.name.clone(), s.clone()),
            _ => return self.err(b.kind.pos, "expected `trace NAME \"description\" {`"),
        };
        let mut t = TraceDef { name, description, schedule: vec![], expect: vec![], notes: vec![], pos: b.kind.pos };
        let mut says = Vec::new();
        for line in &b.lines {
            match line.key.name.as_str() {
                "schedule" => {
                    for a in &line.args {
                        let (w, n) = match a {
                            Arg::Word(w) => (w, 1),
                            Arg::Repeat(w, n) => (w, *n),
                            other => {
                                return self.err(other.pos(), format!("expected a thread name or NAME*COUNT, found {}", other.describe()))
                            }
                        };
                        let Some(c) = crate::schedule::parse_choice(&w.name, &sc.layout) else {
                            return self.err(
                                w.pos,
                                format!(
                                    "unknown thread `{}` in the schedule (threads: {}){}",
                                    w.name,
                                    thread_names(&sc.layout),
                                    did_you_mean(&w.name, sc.layout.threads.iter().map(|t| t.name.as_str()))
                                ),
                            );
                        };
                        t.schedule.extend(std::iter::repeat_n(c, n as usize));
                    }
                }
                "expect" => {
                    // expect POLICY [on MODEL] safe | INVARIANT at STEP ["comment"]
                    let mut args = line.args.iter().peekable();
                    let policy = match args.next() {
                        Some(Arg::Word(w)) => {
                            if sc.policy(&w.name).is_none() {
                                return self.err(w.pos, not_listed("", &w.name, sc));
                            }
                            w.name.clone()
                        }
                        _ => return self.err(line.key.pos, "expected `expect POLICY safe` or `expect POLICY INVARIANT at STEP`"),
                    };
                    let mut model = MemoryModel::Sc;
                    if matches!(args.peek(), Some(Arg::Word(w)) if w.name == "on") {
                        args.next();
                        model = match args.next() {
                            Some(Arg::Word(w)) => {
                                MemoryModel::parse(&w.name).ok_or_else(|| Diagnostic::new(file, w.pos, unknown_model(&w.name)))?
                            }
                            _ => return self.err(line.key.pos, "expected a memory model after `on`"),
                        };
                    }
                    let outcome = match args.next() {
                        Some(Arg::Word(w)) if w.name == "safe" => Outcome::Safe,
                        Some(Arg::Word(w)) => {
                            let inv = Invariant::parse(&w.name).ok_or_else(|| {
                                Diagnostic::new(
                                    file,
                                    w.pos,
                                    format!("expected `safe` or an invariant, found `{}`{}", w.name, or_invariants(&w.name)),
                                )
                            })?;
                            if !sc.checks.contains(&inv) {
                                return self.err(w.pos, format!("the scenario does not check `{}`", w.name));
                            }
                            match (args.next(), args.next()) {
                                (Some(Arg::Word(at)), Some(Arg::Int(n, _))) if at.name == "at" && *n >= 1 => {
                                    Outcome::Violated { invariant: inv, step: *n as usize }
                                }
                                _ => return self.err(w.pos, "expected `at STEP` (a step number from 1) after the invariant"),
                            }
                        }
                        _ => return self.err(line.key.pos, "expected `safe` or an invariant after the policy"),
                    };
                    let comment = match args.next() {
                        Some(Arg::Str(s, _)) => s.clone(),
                        None => String::new(),
                        Some(other) => return self.err(other.pos(), format!("unexpected {}", other.describe())),
                    };
                    t.expect.push(Expectation { policy, model, outcome, comment });
                }
                "say" => says.push(self.say(line, sc)?),
                other => {
                    return self.err(line.key.pos, format!("unknown trace attribute `{other}`{}", expected_one_of(other, TRACE_ATTRS)))
                }
            }
        }
        if t.schedule.is_empty() {
            return self.err(b.kind.pos, format!("trace `{}` has no schedule", t.name));
        }
        let baseline = &sc.policies[sc.baseline].name;
        for (note, at) in says {
            // The schedule as written is the baseline's run; another policy's run of it may
            // be longer, and is checked by replaying it (a test of the catalog does).
            if note.policy == *baseline && note.step > t.schedule.len() {
                return self.err(
                    at,
                    format!("step {} is past the end of the schedule ({})", note.step, plural(t.schedule.len(), "step", "steps")),
                );
            }
            t.notes.push(note);
        }
        Ok(t)
    }

    /// `say [at] STEP [for POLICY] "text"`
    fn say(&self, line: &AttrLine, sc: &Scenario) -> Result<(NoteDef, Pos), Diagnostic> {
        let usage = "expected `say at STEP \"…\"` or `say at STEP for POLICY \"…\"`";
        let mut args = line.args.iter().peekable();
        if matches!(args.peek(), Some(Arg::Word(w)) if w.name == "at") {
            args.next();
        }
        let (step, at) = match args.next() {
            Some(Arg::Int(n, p)) if *n >= 1 && *n <= crate::limits::MAX_STEPS as i64 => (*n as usize, *p),
            Some(Arg::Int(_, p)) => return self.err(*p, format!("a note is on a step from 1 to {}", crate::limits::MAX_STEPS)),
            _ => return self.err(line.key.pos, usage),
        };
        let mut policy = sc.policies[sc.baseline].name.clone();
        if matches!(args.peek(), Some(Arg::Word(w)) if w.name == "for") {
            args.next();
            policy = match args.next() {
                Some(Arg::Word(w)) if sc.policy(&w.name).is_some() => w.name.clone(),
                Some(Arg::Word(w)) => return self.err(w.pos, not_listed("", &w.name, sc)),
                _ => return self.err(line.key.pos, usage),
            };
        }
        let text = match (args.next(), args.next()) {
            (Some(Arg::Str(s, _)), None) => s.clone(),
            (Some(Arg::Str(..)), Some(extra)) => return self.err(extra.pos(), format!("unexpected {} after the note", extra.describe())),
            (Some(other), _) => return self.err(other.pos(), format!("expected the note as a quoted string, found {}", other.describe())),
            (None, _) => return self.err(line.key.pos, usage),
        };
        Ok((NoteDef { step, policy, text }, at))
    }
}

fn k_name(i: &Ident) -> &str {
    i.name.as_str()
}

/// `1 step`, `2 steps`: a count with its noun.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn thread_names(layout: &Layout) -> String {
    layout.threads.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")
}

fn invariant_names() -> String {
    Invariant::ALL.iter().map(|i| i.name()).collect::<Vec<_>>().join(", ")
}

/// Parses the condition of an `exists` line (written in a string) as an expression of the
/// scenario language; errors point into the string.
fn parse_condition(file: &str, pos: Pos, text: &str, threads: &[&str]) -> Result<syntax::Expr, Diagnostic> {
    if text.contains('\n') || text.contains('{') || text.contains('}') {
        return Err(Diagnostic::new(file, pos, "the `exists` condition is one expression on one line"));
    }
    syntax::parse_expr(file, text, pos).map_err(|d| {
        // A condition pasted from a herd litmus test (`0:r0=1 /\ 1:r1=0`).
        let herd = text.contains("/\\") || text.contains("\\/") || text.contains('~') || herd_register(text);
        let hint = match from_herd(text, threads) {
            Some(ours) if herd && syntax::parse_expr(file, &ours, pos).is_ok() => {
                format!(" (this is herd's syntax: write `{ours}`)")
            }
            _ if herd => " (this is herd's syntax: write THREAD.REGISTER, `==`, `&&`, `||` and `!`, as in `P1.r0 == 1 && x == 2`)".into(),
            _ => String::new(),
        };
        Diagnostic { message: format!("in the `exists` condition: {}{hint}", d.message), ..d }
    })
}

/// Whether `text` names a register as herd does, `0:r0`.
fn herd_register(text: &str) -> bool {
    let b = text.as_bytes();
    (1..b.len()).any(|i| b[i] == b':' && b[i - 1].is_ascii_digit() && (i < 2 || !b[i - 2].is_ascii_alphanumeric()))
}

/// A herd condition in this language: `0:r0=1 /\ [x]=2` is `P0.r0 == 1 && x == 2` (with the
/// scenario's name of thread 0), or None when it has nothing herd's.
fn from_herd(text: &str, threads: &[&str]) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '/' if next == Some('\\') => {
                out.push_str("&&");
                i += 2;
            }
            '\\' if next == Some('/') => {
                out.push_str("||");
                i += 2;
            }
            '~' => {
                out.push('!');
                i += 1;
            }
            '[' | ']' => i += 1,
            '=' => {
                let prev = out.chars().last();
                if matches!(prev, Some('=' | '!' | '<' | '>')) || next == Some('=') {
                    out.push('=');
                } else {
                    out.push_str("==");
                }
                i += 1;
            }
            d if d.is_ascii_digit() && !out.chars().last().is_some_and(|p| p.is_ascii_alphanumeric() || p == '_') => {
                let start = i;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                let n: String = chars[start..i].iter().collect();
                if chars.get(i) == Some(&':') {
                    let name = n.parse::<usize>().ok().and_then(|k| threads.get(k).map(|t| t.to_string())).unwrap_or(format!("P{n}"));
                    out.push_str(&name);
                    out.push('.');
                    i += 1;
                } else {
                    out.push_str(&n);
                }
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    // Spaces around the operators, as the rest of the language is written.
    let spaced = out.replace("&&", " && ").replace("||", " || ").replace("==", " == ").replace("! =", "!=");
    Some(spaced.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_flag_words_are_free_and_those_of_the_table() {
        let mut listed: Vec<&str> = PAGE_FLAG_WORDS.split([',', ' ']).filter(|w| !w.is_empty() && *w != "or").collect();
        listed.sort_unstable();
        let mut want: Vec<&str> = PAGE_FLAGS.iter().map(|f| f.word).chain(["free"]).collect();
        want.sort_unstable();
        assert_eq!(listed, want);
    }

    #[test]
    fn a_slash_in_a_message_id_is_escaped_in_its_lore_link() {
        let c = Citation { kind: CitationKind::Mail, id: "X/pzhKj2m48brSdN@redhat.com".into(), text: String::new() };
        assert_eq!(c.url().as_deref(), Some("https://lore.kernel.org/r/X%2FpzhKj2m48brSdN@redhat.com"));
        let bare = Citation { kind: CitationKind::Mail, id: "CAHk-=wg_UBuo7ro1fpEGkMyFKA1".into(), text: String::new() };
        assert_eq!(bare.url(), None, "an id without its domain has no link");
    }

    #[test]
    fn a_reference_to_the_docs_links_to_the_published_html_at_its_heading() {
        assert_eq!(doc_href("docs/races.md#race-6b").as_deref(), Some("docs/races.html#race-6b"));
        assert_eq!(doc_href("the catalog §3a"), None);
        assert_eq!(doc_href("docs/races.md"), None, "no heading");
        let c = Citation { kind: CitationKind::Catalog, id: "docs/races.md#memory-ordering".into(), text: String::new() };
        assert_eq!(c.url().as_deref(), Some("docs/races.html#memory-ordering"));
        let old = Citation { kind: CitationKind::Catalog, id: "the catalog §3a".into(), text: String::new() };
        assert_eq!(old.url(), None);
    }
}
