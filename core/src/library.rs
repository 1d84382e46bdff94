//! What links open on and are made from: the current catalog, the archive of past versions,
//! and the catalogs that links bring (a past version's files, or the files a link carries),
//! kept for the library's life so the views opened on them can borrow them.
//!
//! [`Library::resolve`] turns a link's text into the catalog and scenario it names, with the
//! [`Notice`]s of what it repaired and which version it found; `lab::open_link` then opens the
//! view. [`Library::link`] makes the link of a view: a pin always, and the files themselves
//! (`src=`) when the archive could not find them from the pin.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use elsa::sync::FrozenMap;
use serde::Serialize;

use crate::archive::{Archive, Set, V1_SEMANTICS};
use crate::bundle::{Body, Bundle, Entry};
use crate::catalog::{self, Catalog, PIN_CHARS};
use crate::layout::MemoryModel;
use crate::limits::echo;
use crate::pack;
use crate::patch;
use crate::permalink::{self, LinkSchedule, Permalink, PermalinkError, MAX_LINK_BYTES};
use crate::scenario::Scenario;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoticeKind {
    /// Mail damage was undone (a trailing `.`, `&amp;`, a line break).
    Repaired,
    /// The scenario was named in another case (`Race1A`).
    ScenarioCase,
    /// The schedule ended in the middle of a step: what came before it opened.
    ScheduleCut,
    /// The link asks for a step past the end of its run: its last step opened.
    StepPastEnd,
    /// The link names no step (`i=`): it opened where the run breaks, or at its end.
    NoStep,
    /// The link was made from an older version of the scenario or its kernel files, and opened on
    /// that version; a newer one exists.
    OlderVersion,
    /// The link was made from a version this racelab does not have: it opened on the current one.
    UnknownVersion,
    /// A memory model changed meaning since the link was made.
    ModelChanged,
    /// The link carries its own files (a new scenario, or an edit of the catalog's).
    OwnSource,
    /// A presenter's note for a step the run does not have was left out.
    NoteDropped,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeLevel {
    /// What was done, for the record.
    Info,
    /// The view may not be what the link's author saw.
    Warning,
}

/// Something a front end offers next to a notice: a label and the fragment it opens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NoticeAction {
    pub label: String,
    /// A permalink fragment (without `#`).
    pub link: String,
}

/// What opening a link did besides opening it, in the words every front end shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub kind: NoticeKind,
    pub level: NoticeLevel,
    pub text: String,
    pub action: Option<NoticeAction>,
}

impl Notice {
    pub fn new(kind: NoticeKind, text: impl Into<String>) -> Notice {
        let level = match kind {
            NoticeKind::UnknownVersion | NoticeKind::ModelChanged | NoticeKind::ScheduleCut | NoticeKind::StepPastEnd => {
                NoticeLevel::Warning
            }
            _ => NoticeLevel::Info,
        };
        Notice { kind, level, text: text.into(), action: None }
    }
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            NoticeLevel::Info => "note",
            NoticeLevel::Warning => "warning",
        };
        write!(f, "{level}: {}", self.text)?;
        if let Some(a) = &self.action {
            write!(f, " ({}: #{})", a.label, a.link)?;
        }
        Ok(())
    }
}

/// Which files a link opened on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Files {
    /// The current catalog's, which the link pins.
    Current,
    /// A past version from the archive (`date` is empty for the version 1 baseline).
    Archived { date: String },
    /// The files the link carries.
    Source,
    /// The current catalog's, though the link pins other files (or none that can be checked).
    Unpinned,
}

/// Why a link names nothing that can be opened (the lab wraps it in its `LabError`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResolveError {
    Permalink(PermalinkError),
    UnknownScenario { id: String, known: Vec<String> },
}

/// A link, with the catalog it opens on.
pub struct Resolved<'l> {
    pub link: Permalink,
    pub catalog: &'l Catalog,
    pub files: Files,
    pub notices: Vec<Notice>,
}

pub struct Library {
    current: Catalog,
    archive: Arc<Archive>,
    opened: FrozenMap<String, Box<Catalog>>,
    /// [`Library::finds`]'s answers by scenario, model and pin (a page of links asks the same
    /// ones hundreds of times, and each asks the archive for a hash of every version it has).
    found: Mutex<BTreeMap<(String, MemoryModel, String), bool>>,
}

fn src_err<T>(message: impl Into<String>) -> Result<T, ResolveError> {
    Err(ResolveError::Permalink(PermalinkError { field: "src".into(), message: message.into() }))
}

fn same_files(sc: &Scenario, set: &Set) -> bool {
    let mut a: Vec<(&str, &str)> = sc.files.iter().map(|f| (f.path.as_str(), f.hash.as_str())).collect();
    let mut b: Vec<(&str, &str)> = set.files.iter().map(|(p, h)| (p.as_str(), h.as_str())).collect();
    a.sort();
    b.sort();
    a == b
}

fn scenario_pin(sc: &Scenario, model: MemoryModel, semantics: u32, chars: usize) -> String {
    catalog::pin_of_len(sc.files.iter().map(|f| (f.path.as_str(), f.hash.as_str())), model, semantics, chars)
}

impl Library {
    /// The catalog and archive built into this binary.
    pub fn builtin() -> Library {
        Library::new(Catalog::builtin(), Archive::builtin())
    }

    pub fn new(current: Catalog, archive: Arc<Archive>) -> Library {
        Library { current, archive, opened: FrozenMap::new(), found: Mutex::new(BTreeMap::new()) }
    }

    pub fn current(&self) -> &Catalog {
        &self.current
    }

    pub fn archive(&self) -> &Archive {
        &self.archive
    }

    /// A catalog of exactly these files (path relative to the traces root, text), kept for the
    /// library's life and shared by every caller that asks for the same files.
    pub fn catalog_of(&self, mut files: Vec<(String, String)>) -> &Catalog {
        files.sort();
        files.dedup();
        let mut key = String::new();
        for (p, t) in &files {
            key.push_str(&format!("{p} {}\n", pack::file_hash(t)));
        }
        let key = pack::base32(&pack::sha256(key.as_bytes()), 26);
        if let Some(c) = self.opened.get(&key) {
            return c;
        }
        self.opened.insert(key, Box::new(Catalog::from_sources(files)))
    }

    /// The text of the version `hash` of a file: the archive's, or the current catalog's.
    fn text_of(&self, hash: &str) -> Option<Arc<str>> {
        if let Ok(t) = self.archive.text(hash) {
            return Some(t);
        }
        self.current.scenarios.iter().flat_map(|s| &s.files).find(|f| f.hash == hash).map(|f| f.text.clone())
    }

    /// The scenario id the link means: as written, or the one id that matches it regardless of
    /// case.
    fn scenario_id(&self, id: &str, extra: &[&str], notices: &mut Vec<Notice>) -> Result<String, ResolveError> {
        let mut known: Vec<String> = self.current.ids().iter().map(|s| s.to_string()).collect();
        for s in self.archive.sets.iter().chain(&self.archive.v1) {
            if !known.contains(&s.scenario) {
                known.push(s.scenario.clone());
            }
        }
        known.extend(extra.iter().map(|s| s.to_string()));
        if known.iter().any(|k| k == id) {
            return Ok(id.to_string());
        }
        let mut alike: Vec<&String> = known.iter().filter(|k| k.eq_ignore_ascii_case(id)).collect();
        alike.dedup();
        if let [one] = alike.as_slice() {
            notices.push(Notice::new(NoticeKind::ScenarioCase, format!("scenario `{}` was read as `{one}`", echo(id))));
            return Ok(one.to_string());
        }
        Err(ResolveError::UnknownScenario { id: id.to_string(), known: self.current.ids().iter().map(|s| s.to_string()).collect() })
    }

    /// Repairs and parses a link, and finds the files it was made from.
    pub fn resolve(&self, text: &str) -> Result<Resolved<'_>, ResolveError> {
        if text.len() > 2 * MAX_LINK_BYTES {
            return Err(ResolveError::Permalink(PermalinkError {
                field: String::new(),
                message: format!("the link has {} bytes; racelab opens links of at most {MAX_LINK_BYTES}", text.len()),
            }));
        }
        let (fragment, repairs) = permalink::repair(text);
        let mut notices = Vec::new();
        if !repairs.is_empty() {
            let what: Vec<String> = repairs.iter().map(|r| r.to_string()).collect();
            notices.push(Notice::new(NoticeKind::Repaired, format!("the link was repaired: {}", what.join("; "))));
        }
        let mut link = Permalink::parse(&fragment).map_err(ResolveError::Permalink)?;
        let (catalog, files) = match link.source.clone() {
            Some(bundle) => self.resolve_source(&mut link, &bundle, &mut notices)?,
            None => {
                link.scenario = self.scenario_id(&link.scenario, &[], &mut notices)?;
                self.resolve_pin(&link, &mut notices)
            }
        };
        Ok(Resolved { link, catalog, files, notices })
    }

    fn resolve_pin(&self, link: &Permalink, notices: &mut Vec<Notice>) -> (&Catalog, Files) {
        let id = &link.scenario;
        let current = self.current.scenario(id);
        let model = link.model;
        let (set, semantics, what) = match &link.pin {
            None => {
                let Some(set) = self.archive.v1_baseline(id) else { return (&self.current, Files::Current) };
                (set, V1_SEMANTICS, "a link made before links were versioned, from the version of")
            }
            Some(pin) => {
                if current.is_some_and(|sc| scenario_pin(sc, model, model.semantics(), pin.len()) == *pin) {
                    return (&self.current, Files::Current);
                }
                match self.archive.find(id, model, pin).first() {
                    Some(&(set, sem)) => (set, sem, "made from an older version of"),
                    None => {
                        notices.push(Notice::new(
                            NoticeKind::UnknownVersion,
                            format!("this link was made from a different version of {id}; the trace may differ from what its author saw"),
                        ));
                        return (&self.current, Files::Unpinned);
                    }
                }
            }
        };
        if semantics < model.semantics() {
            notices.push(Notice::new(
                NoticeKind::ModelChanged,
                format!(
                    "this link was made when the {} model had semantics version {semantics}; this racelab has version {}: the trace may differ from what its author saw",
                    model.name(),
                    model.semantics()
                ),
            ));
        }
        if current.is_some_and(|sc| same_files(sc, set)) {
            return (&self.current, Files::Current);
        }
        let files = match self.archive.files(set) {
            Ok(f) => f,
            Err(e) => {
                notices.push(Notice::new(
                    NoticeKind::UnknownVersion,
                    format!("this link was made from a version of {id} that this racelab cannot rebuild ({e}); the trace may differ from what its author saw"),
                ));
                return (&self.current, Files::Unpinned);
            }
        };
        let cat = self.catalog_of(files);
        if cat.scenario(id).is_none() {
            let why = cat.errors.first().map(|d| d.to_string()).unwrap_or_else(|| "it declares no such scenario".into());
            notices.push(Notice::new(
                NoticeKind::UnknownVersion,
                format!("the version of {id} this link was made from no longer loads ({why}); it opened on the current version, and the trace may differ from what its author saw"),
            ));
            return (&self.current, Files::Unpinned);
        }
        let when = if set.date.is_empty() { String::new() } else { format!(" of {}", set.date) };
        let text = if current.is_some() {
            format!("{what} {id}{when}: it shows that version, as its author saw it; a newer version exists")
        } else {
            format!("{what} {id}{when}: it shows that version, as its author saw it; the current catalog no longer has {id}")
        };
        notices.push(Notice::new(NoticeKind::OlderVersion, text));
        (cat, Files::Archived { date: set.date.clone() })
    }

    fn resolve_source(&self, link: &mut Permalink, bundle: &Bundle, notices: &mut Vec<Notice>) -> Result<(&Catalog, Files), ResolveError> {
        let mut files = Vec::new();
        let mut changed = Vec::new();
        for e in &bundle.entries {
            let text = match &e.body {
                Body::Known => match self.text_of(&e.hash) {
                    Some(t) => t.to_string(),
                    None => return src_err(format!("the link names version {} of {}, which this racelab does not have", e.hash, e.path)),
                },
                Body::Whole(t) => {
                    changed.push(format!("{} (new)", e.path));
                    t.clone()
                }
                Body::Edit { base, script } => {
                    let Some(b) = self.text_of(base) else {
                        return src_err(format!("{} is an edit of version {base}, which this racelab does not have", e.path));
                    };
                    let t = patch::apply(&b, script).map_err(|m| {
                        ResolveError::Permalink(PermalinkError { field: "src".into(), message: format!("{}: {m}", e.path) })
                    })?;
                    if pack::file_hash(&t) != e.hash {
                        return src_err(format!("{}: the edited file does not match its hash (the link is damaged)", e.path));
                    }
                    changed.push(format!("{} (edited)", e.path));
                    t
                }
            };
            files.push((e.path.clone(), text));
        }
        let cat = self.catalog_of(files);
        let main = &bundle.entries[0].path;
        let Some(sc) = cat.scenarios.iter().find(|s| s.file == *main) else {
            let why = cat.errors.iter().find(|d| d.to_string().starts_with(main.as_str())).or(cat.errors.first());
            let why = why.map(|d| d.to_string()).unwrap_or_else(|| format!("{main} declares no scenario"));
            return src_err(format!("the link's scenario does not load: {why}"));
        };
        if !sc.id.eq_ignore_ascii_case(&link.scenario) {
            return src_err(format!("the link names scenario `{}`, but its source declares `{}`", echo(&link.scenario), sc.id));
        }
        if sc.id != link.scenario {
            notices.push(Notice::new(NoticeKind::ScenarioCase, format!("scenario `{}` was read as `{}`", echo(&link.scenario), sc.id)));
            link.scenario = sc.id.clone();
        }
        let model = link.model;
        let pin = link.pin.clone().unwrap_or_default();
        let pinned_at = (1..=model.semantics()).rev().find(|&s| scenario_pin(sc, model, s, pin.len().max(PIN_CHARS)) == pin);
        match pinned_at {
            Some(s) if s == model.semantics() => {}
            Some(s) => notices.push(Notice::new(
                NoticeKind::ModelChanged,
                format!(
                    "this link was made when the {} model had semantics version {s}; this racelab has version {}: the trace may differ from what its author saw",
                    model.name(),
                    model.semantics()
                ),
            )),
            None => notices.push(Notice::new(
                NoticeKind::UnknownVersion,
                format!("the link's pin does not match the files it carries; the trace may differ from what its author saw of {}", sc.id),
            )),
        }
        let what = if changed.is_empty() { "the catalog's files, pinned".to_string() } else { changed.join(", ") };
        notices.push(Notice::new(NoticeKind::OwnSource, format!("this link carries its own source: {what}")));
        Ok((cat, Files::Source))
    }

    /// Whether the archive finds these files from their pin alone (else a link carries them).
    pub fn finds(&self, sc: &Scenario, model: MemoryModel) -> bool {
        let key = (sc.id.clone(), model, catalog::pin(sc, model));
        if let Some(&known) = self.found.lock().ok().as_ref().and_then(|m| m.get(&key)) {
            return known;
        }
        let found = !self.archive.find(&key.0, model, &key.2).is_empty();
        if let Ok(mut m) = self.found.lock() {
            m.insert(key, found);
        }
        found
    }

    /// The link of a view of `sc`: its pin, and its files when the archive cannot find them from
    /// the pin (each as the version's hash where the archive has it, else as an edit of the
    /// current catalog's file of that path, or whole, whichever is shorter).
    pub fn link(&self, sc: &Scenario, policy: &str, model: MemoryModel, schedule: LinkSchedule, step: usize) -> Permalink {
        let mut l = Permalink::new(&sc.id, Some(policy), model, schedule, step);
        l.pin = Some(catalog::pin(sc, model));
        if !sc.files.is_empty() && !self.finds(sc, model) {
            l.source = Some(self.bundle(sc));
        }
        l
    }

    fn bundle(&self, sc: &Scenario) -> Bundle {
        let entries = sc
            .files
            .iter()
            .map(|f| {
                if self.archive.knows(&f.hash) {
                    return Entry { path: f.path.clone(), hash: f.hash.clone(), body: Body::Known };
                }
                let whole = Body::Whole(f.text.to_string());
                // The catalog's version of the same path, as this build has it (an edit of a
                // catalog file is sent as an edit of it, even by a front end whose current
                // catalog is the edited one).
                let builtin = catalog::builtin_files().iter().find(|(p, _)| *p == f.path).map(|(_, t)| *t);
                let base = builtin
                    .into_iter()
                    .chain(self.current.source(&f.path))
                    .map(|t| (pack::file_hash(t), t))
                    .find(|(h, _)| self.archive.knows(h));
                let body = match base.and_then(|(h, t)| patch::diff(t, &f.text).map(|s| (h, s))) {
                    Some((base, script)) if script.len() < f.text.len() => Body::Edit { base, script },
                    _ => whole,
                };
                Entry { path: f.path.clone(), hash: f.hash.clone(), body }
            })
            .collect();
        Bundle { entries }
    }

    /// The fragment of a link, or an error when it is longer than a link that opens.
    pub fn share(&self, link: &Permalink) -> Result<String, PermalinkError> {
        let f = link.to_fragment();
        if f.len() > MAX_LINK_BYTES {
            return Err(PermalinkError {
                field: String::new(),
                message: format!(
                    "the link would have {} bytes; racelab opens links of at most {MAX_LINK_BYTES}: share the .race file instead",
                    f.len()
                ),
            });
        }
        Ok(f)
    }
}
