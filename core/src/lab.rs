//! Opening one exact view: scenario, policy, memory model, schedule and step. The CLI and the
//! web app both come through here, so a broken request reads the same in both.

use std::fmt;

use crate::catalog::Catalog;
use crate::ir::Program;
use crate::layout::MemoryModel;
use crate::permalink::{LinkSchedule, Permalink, PermalinkError};
use crate::replay::{self, ReplayError, Run};
use crate::scenario::{Scenario, TraceDef};
use crate::schedule::{self, ScheduleError};
use crate::syntax::Diagnostic;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScheduleSpec {
    /// Compact letters, as in permalinks (`a5c9d`).
    Compact(String),
    /// Thread names, as in trace files (`monitor*5 app2*9`).
    Names(String),
    /// A canonical trace of the scenario.
    Trace(String),
    Choices(Vec<crate::step::Choice>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub scenario: String,
    pub policy: Option<String>,
    pub model: MemoryModel,
    pub schedule: ScheduleSpec,
    /// The schedule was written for the baseline policy: carry it over to this one as the same
    /// interleaving (see `replay::replay_nearest`), instead of failing on a thread that cannot
    /// run.
    pub nearest: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LabError {
    Permalink(PermalinkError),
    UnknownScenario { id: String, known: Vec<String> },
    UnknownPolicy { scenario: String, policy: String, known: Vec<String> },
    UnknownTrace { scenario: String, trace: String, known: Vec<String> },
    UnsupportedModel { scenario: String, model: MemoryModel, known: Vec<MemoryModel> },
    Compile(Diagnostic),
    Schedule(ScheduleError),
    Replay(ReplayError),
    StepOutOfRange { step: usize, steps: usize },
}

impl fmt::Display for LabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabError::Permalink(e) => write!(f, "broken link: {e}"),
            LabError::UnknownScenario { id, known } => write!(f, "unknown scenario `{id}` (known: {})", known.join(", ")),
            LabError::UnknownPolicy { scenario, policy, known } => {
                write!(f, "scenario `{scenario}` has no policy `{policy}` (policies: {})", known.join(", "))
            }
            LabError::UnknownTrace { scenario, trace, known } => {
                write!(f, "scenario `{scenario}` has no trace `{trace}` (traces: {})", known.join(", "))
            }
            LabError::UnsupportedModel { scenario, model, known } => write!(
                f,
                "scenario `{scenario}` is not modelled under {} (models: {})",
                model.name(),
                known.iter().map(|m| m.name()).collect::<Vec<_>>().join(", ")
            ),
            LabError::Compile(d) => write!(f, "{d}"),
            LabError::Schedule(e) => write!(f, "{e}"),
            LabError::Replay(e) => write!(f, "the schedule is invalid at step {}: {}", e.step, e.message),
            LabError::StepOutOfRange { step, steps } => write!(f, "step {step} is past the end of the trace ({steps} steps)"),
        }
    }
}

impl std::error::Error for LabError {}

pub struct Opened<'c> {
    pub scenario: &'c Scenario,
    pub program: Program,
    pub run: Run,
    pub trace: Option<&'c TraceDef>,
}

pub fn scenario<'c>(catalog: &'c Catalog, id: &str) -> Result<&'c Scenario, LabError> {
    catalog
        .scenario(id)
        .ok_or_else(|| LabError::UnknownScenario { id: id.to_string(), known: catalog.ids().iter().map(|s| s.to_string()).collect() })
}

pub fn compile(sc: &Scenario, policy: Option<&str>, model: MemoryModel) -> Result<Program, LabError> {
    let p = match policy {
        None => sc.baseline,
        Some(name) => sc.policy(name).ok_or_else(|| LabError::UnknownPolicy {
            scenario: sc.id.clone(),
            policy: name.to_string(),
            known: sc.policies.iter().map(|p| p.name.clone()).collect(),
        })?,
    };
    if !sc.models.contains(&model) {
        return Err(LabError::UnsupportedModel { scenario: sc.id.clone(), model, known: sc.models.clone() });
    }
    Program::compile(sc, p, model).map_err(LabError::Compile)
}

pub fn open<'c>(catalog: &'c Catalog, req: &Request) -> Result<Opened<'c>, LabError> {
    let sc = scenario(catalog, &req.scenario)?;
    let program = compile(sc, req.policy.as_deref(), req.model)?;
    let mut trace = None;
    let threads = match &req.schedule {
        ScheduleSpec::Compact(t) => schedule::decode(t, sc.threads.len()).map_err(LabError::Schedule)?,
        ScheduleSpec::Names(t) => schedule::parse_names(t, &sc.layout).map_err(LabError::Schedule)?,
        ScheduleSpec::Choices(v) => v.clone(),
        ScheduleSpec::Trace(name) => {
            let t = sc.trace(name).ok_or_else(|| LabError::UnknownTrace {
                scenario: sc.id.clone(),
                trace: name.clone(),
                known: sc.traces.iter().map(|t| t.name.clone()).collect(),
            })?;
            trace = Some(t);
            t.schedule.clone()
        }
    };
    let run = if req.nearest {
        let reference = compile(sc, None, req.model)?;
        replay::replay_nearest(&program, &reference, &threads)
    } else {
        replay::replay(&program, &threads)
    }
    .map_err(LabError::Replay)?;
    Ok(Opened { scenario: sc, program, run, trace })
}

/// Opens a permalink exactly as it was made: the schedule must replay as written. A canonical
/// trace (`tr=`) is carried over to the link's policy as closely as it allows.
pub fn open_link<'c>(catalog: &'c Catalog, fragment: &str) -> Result<(Opened<'c>, usize), LabError> {
    let link = Permalink::parse(fragment).map_err(LabError::Permalink)?;
    let (schedule, nearest) = match &link.schedule {
        LinkSchedule::Steps(t) => (ScheduleSpec::Compact(t.clone()), false),
        LinkSchedule::Trace(n) => (ScheduleSpec::Trace(n.clone()), true),
    };
    let req = Request { scenario: link.scenario.clone(), policy: link.policy.clone(), model: link.model, schedule, nearest };
    let opened = open(catalog, &req)?;
    if link.step > opened.run.steps.len() {
        return Err(LabError::StepOutOfRange { step: link.step, steps: opened.run.steps.len() });
    }
    Ok((opened, link.step))
}

/// The permalink of a view: its steps spelled out, so it replays exactly.
pub fn permalink(opened: &Opened, step: usize) -> Permalink {
    Permalink {
        scenario: opened.scenario.id.clone(),
        policy: Some(opened.program.policy.clone()),
        model: opened.program.model,
        schedule: LinkSchedule::Steps(schedule::encode(&opened.run.schedule)),
        step,
    }
}
