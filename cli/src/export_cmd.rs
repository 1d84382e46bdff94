//! `diagram`, `render` and `export`: a run taken out of racelab, as the core writes it (the
//! page offers the same bytes).

use racelab_core::lab::{self, Catalog, DiagramOptions, MailOptions, Request, ScheduleSpec};

use crate::cli::{DiagramArgs, ExportArgs, ExportFormat, ExportTarget, RenderArgs, RenderFormat};
use crate::{load_catalog, load_for, term, CliError};

/// The environment variable that gives `--base` its default.
const BASE_ENV: &str = "RACELAB_BASE_URL";

fn input(e: lab::LabError) -> CliError {
    CliError::Input(e.to_string())
}

/// Opens the run an export draws, and the step its link names (for a link).
fn with_opened<T>(t: &ExportTarget, f: impl FnOnce(&lab::Opened, Option<usize>) -> Result<T, CliError>) -> Result<T, CliError> {
    let catalog: Catalog;
    if let Some(link) = &t.link {
        catalog = load_catalog(&t.catalog)?;
        let (opened, step) = lab::open_link(&catalog, lab::export::mail::fragment(link)).map_err(input)?;
        return f(&opened, Some(step));
    }
    let Some(arg) = &t.scenario else {
        return Err(CliError::Usage("give a SCENARIO with --trace NAME or --schedule S, or a --link".into()));
    };
    let (c, id) = load_for(&t.catalog, arg)?;
    catalog = c;
    let schedule = match (&t.schedule, &t.trace) {
        (Some(s), _) => ScheduleSpec::Text(s.clone()),
        (None, Some(n)) => ScheduleSpec::Trace(n.clone()),
        (None, None) => return Err(CliError::Usage("give a schedule: --trace NAME, --schedule S or --link L".into())),
    };
    let nearest = matches!(schedule, ScheduleSpec::Trace(_));
    let req = Request { scenario: id, policy: t.policy.clone(), model: t.model.unwrap_or_default(), schedule, nearest };
    let opened = lab::open(&catalog, &req).map_err(input)?;
    f(&opened, None)
}

fn write(output: Option<&str>, text: &str) -> Result<(), CliError> {
    match output {
        Some(path) if path != "-" => std::fs::write(path, text).map_err(|e| CliError::Input(format!("{path}: {e}"))),
        _ => {
            term::text(text);
            Ok(())
        }
    }
}

pub fn diagram(a: &DiagramArgs) -> Result<(), CliError> {
    with_opened(&a.target, |opened, _| {
        let steps = a.steps.as_deref().map(|s| lab::step_range(opened, s)).transpose().map_err(input)?;
        let opts = DiagramOptions { width: a.width, fold: a.fold, unicode: a.unicode, steps };
        let text = if a.mail {
            let base = a.base.clone().or_else(|| std::env::var(BASE_ENV).ok()).filter(|b| !b.trim().is_empty());
            lab::mail(opened, &MailOptions { diagram: opts, base }).map_err(input)?
        } else {
            lab::diagram(opened, &opts).map_err(input)?
        };
        write(None, &text)
    })
}

pub fn render(a: &RenderArgs) -> Result<(), CliError> {
    with_opened(&a.target, |opened, link_step| {
        let step = a.step.or(link_step).unwrap_or_else(|| lab::focus_step(opened));
        let text = match a.format {
            RenderFormat::Svg => lab::slide_svg(opened, step).map_err(input)?,
        };
        write(a.output.as_deref(), &text)
    })
}

pub fn export(a: &ExportArgs) -> Result<(), CliError> {
    with_opened(&a.target, |opened, _| {
        let steps = a.steps.as_deref().map(|s| lab::step_range(opened, s)).transpose().map_err(input)?;
        let text = match a.format {
            ExportFormat::Perfetto => lab::perfetto_json(opened, steps).map_err(input)?,
        };
        write(a.output.as_deref(), &text)
    })
}
