//! The landing page: one card per scenario of the catalog, with where it comes from (the mails
//! and commits it cites), its policies with their fate, what the canonical traces do under each,
//! and the explorer's verdict over every interleaving, computed here in slices.

use std::collections::{BTreeMap, VecDeque};

use leptos::prelude::*;
use racelab_core::lab::view::{self, CitationView, PolicyView, ScenarioView};
use racelab_core::lab::{self, CitationKind, LinkSchedule, MemoryModel, Outcome, Scenario, TraceOutcome, VerdictKind};

use crate::catalog::{catalog, href, library};
use crate::explorer::{self, Summary};

/// (scenario, policy, memory model)
type Key = (String, String, String);

/// The explorer's verdicts, shared by every visit of the gallery (computed once per page).
#[derive(Clone, Copy)]
pub struct Verdicts {
    pub cells: RwSignal<BTreeMap<Key, Cell>>,
    started: StoredValue<bool>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Checking,
    Done { summary: Summary, link: Option<String> },
    Error(String),
}

impl Verdicts {
    pub fn new() -> Verdicts {
        Verdicts { cells: RwSignal::new(BTreeMap::new()), started: StoredValue::new(false) }
    }

    /// Starts checking every scenario, policy and model of the catalog, one after another.
    pub fn start(self) {
        if self.started.get_value() {
            return;
        }
        self.started.set_value(true);
        let mut queue = VecDeque::new();
        for sc in &catalog().scenarios {
            for p in &sc.policies {
                for m in &sc.models {
                    queue.push_back((sc.id.clone(), p.name.clone(), *m));
                }
            }
        }
        self.next(queue);
    }

    fn next(self, mut queue: VecDeque<(String, String, MemoryModel)>) {
        let Some((scenario, policy, model)) = queue.pop_front() else {
            return;
        };
        let key = (scenario.clone(), policy.clone(), model.name().to_string());
        let program = lab::scenario(catalog(), &scenario).and_then(|sc| lab::compile(sc, Some(&policy), model));
        match program {
            Err(e) => {
                self.cells.update(|c| {
                    c.insert(key, Cell::Error(e.to_string()));
                });
                self.next(queue);
            }
            Ok(program) => {
                let prog = program.clone();
                explorer::start(
                    &program,
                    explorer::COARSE,
                    |_, _| {},
                    move |summary, _| {
                        let link = summary
                            .trace
                            .as_ref()
                            .and_then(|trace| {
                                let sc = lab::scenario(catalog(), &scenario).ok()?;
                                lab::counterexample_link(library(), sc, &prog, trace)
                            })
                            .map(|l| l.to_fragment());
                        self.cells.update(|c| {
                            c.insert(key, Cell::Done { summary, link });
                        });
                        self.next(queue);
                    },
                );
            }
        }
    }

    fn get(self, key: &Key) -> Cell {
        self.cells.with(|c| c.get(key).cloned()).unwrap_or(Cell::Checking)
    }
}

#[component]
pub fn Gallery() -> impl IntoView {
    let verdicts = expect_context::<Verdicts>();
    verdicts.start();
    let cat = catalog();
    let total = cat.scenarios.iter().map(|s| s.policies.len() * s.models.len()).sum::<usize>();
    let checked = move || verdicts.cells.with(|c| c.values().filter(|v| !matches!(v, Cell::Checking)).count());
    // The kernel races first, in the order of their names; the litmus tests after them.
    let mut races: Vec<&'static Scenario> = cat.scenarios.iter().filter(|s| s.race != "litmus").collect();
    races.sort_by_key(|s| (!s.race.starts_with(|c: char| c.is_ascii_digit() && c != '0'), s.race.to_ascii_lowercase(), s.id.clone()));
    let litmus: Vec<&'static Scenario> = cat.scenarios.iter().filter(|s| s.race == "litmus").collect();
    let litmus = (!litmus.is_empty()).then(|| {
        view! {
            <h2 class="group-heading" id="litmus-heading">"The litmus suite"</h2>
            <p class="gallery-intro">
                "The classic shapes of memory ordering, under sequential consistency, x86-TSO and arm64: "
                "the races above that need a weak memory model are built from these."
            </p>
            <ul class="gallery-list" aria-labelledby="litmus-heading">
                {litmus.into_iter().map(|sc| view! { <ScenarioCard sc/> }).collect_view()}
            </ul>
        }
    });
    view! {
        <section id="gallery" class="gallery" data-testid="gallery" aria-labelledby="gallery-heading">
            <div class="gallery-head">
                <h2 id="gallery-heading">"Races"</h2>
                <p class="gallery-intro">
                    "Each card is a race argued on LKML in 2020–21. Open a policy to watch its canonical trace step by step. "
                    "The last column is the explorer's verdict over every interleaving, computed in your browser."
                </p>
                <p class="gallery-progress" data-testid="gallery-progress" data-done=move || (checked() == total).to_string()>
                    {move || {
                        let n = checked();
                        if n == total {
                            format!("Every interleaving checked: {total} policies and models.")
                        } else {
                            format!("Checking every interleaving… {n} of {total} policies and models.")
                        }
                    }}
                </p>
            </div>
            <ul class="gallery-list">
                {races.into_iter().map(|sc| view! { <ScenarioCard sc/> }).collect_view()}
                {cat
                    .errors
                    .iter()
                    .map(|e| {
                        view! {
                            <li class="card card-error" data-testid="catalog-error">
                                <h3>"A scenario file could not be loaded"</h3>
                                <pre>{e.to_string()}</pre>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            {litmus}
        </section>
    }
}

fn link(scenario: &str, policy: &str, model: MemoryModel, trace: Option<&str>, step: usize) -> String {
    let Ok(sc) = lab::scenario(catalog(), scenario) else { return href("/") };
    let schedule = match trace {
        Some(t) => LinkSchedule::Trace(t.to_string()),
        None => LinkSchedule::Steps(String::new()),
    };
    href(&library().link(sc, policy, model, schedule, step).to_fragment())
}

#[component]
fn ScenarioCard(sc: &'static Scenario) -> impl IntoView {
    let info: ScenarioView = view::scenario(sc);
    let first_trace = info.traces.first().map(|t| t.name.clone());
    let models: Vec<MemoryModel> = sc.models.clone();
    let open = link(&info.id, &info.baseline, default_model(sc), first_trace.as_deref(), 0);
    let outcomes = lab::trace_outcomes(sc);
    let traces = info.traces.clone();
    let rows = info
        .policies
        .iter()
        .map(|p| {
            let outcomes: Vec<TraceOutcome> = outcomes.iter().filter(|o| o.policy == p.name).cloned().collect();
            view! { <PolicyRow sc p=p.clone() traces=traces.iter().map(|t| t.name.clone()).collect() models=models.clone() outcomes/> }
        })
        .collect_view();
    view! {
        <li class="card" data-testid="scenario-card" data-scenario=info.id.clone()>
            <div class="card-head">
                <span class="race-tag" data-testid="race">{race_tag(&info.race)}</span>
                <span class="section">{info.section.clone()}</span>
            </div>
            <h3 class="card-title">
                <a href=open data-testid="card-open">
                    {info.title.clone()}
                </a>
            </h3>
            <p class="summary" data-testid="summary">
                {info.summary.clone()}
            </p>
            <CitationList citations=info.citations.clone()/>
            <table class="policies" data-testid="policies">
                <thead>
                    <tr>
                        <th scope="col">"policy"</th>
                        <th scope="col">"fate"</th>
                        {info
                            .traces
                            .iter()
                            .map(|t| {
                                view! {
                                    <th scope="col" title=t.description.clone()>
                                        "trace " <code>{t.name.clone()}</code>
                                    </th>
                                }
                            })
                            .collect_view()}
                        <th scope="col">"every interleaving"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </li>
    }
}

/// `race 1A`, or `litmus` for the litmus suite.
pub fn race_tag(race: &str) -> String {
    if race == "litmus" {
        race.to_string()
    } else {
        format!("race {race}")
    }
}

/// Seeds are cited by file; their text begins with the mail's Message-ID.
fn citation_url(c: &CitationView) -> Option<String> {
    c.url.clone().or_else(|| {
        let (id, _) = c.text.split_once(": ")?;
        (c.kind == CitationKind::Seed && id.contains('@') && !id.contains(char::is_whitespace))
            .then(|| format!("https://lore.kernel.org/r/{id}"))
    })
}

fn short_id(c: &CitationView) -> String {
    match c.kind {
        CitationKind::Commit => c.id.chars().take(12).collect(),
        CitationKind::Seed => c.text.split_once(": ").map(|(id, _)| id.to_string()).unwrap_or_else(|| c.id.clone()),
        _ => c.id.clone(),
    }
}

#[component]
pub fn CitationList(citations: Vec<CitationView>) -> impl IntoView {
    let items = citations
        .into_iter()
        .map(|c| {
            let url = citation_url(&c);
            let id = short_id(&c);
            // A seed's text begins with the Message-ID shown as its link.
            let text = c.text.strip_prefix(&format!("{id}: ")).unwrap_or(&c.text).to_string();
            let label = match url {
                Some(u) => view! { <a href=u target="_blank" rel="noopener" class="cite-id"><code>{id}</code></a> }.into_any(),
                None => view! { <code class="cite-id">{id}</code> }.into_any(),
            };
            view! {
                <li data-testid="citation" data-kind=c.kind.name()>
                    <span class="cite-kind">{c.kind.name()}</span>
                    " "
                    {label}
                    <span class="cite-text">{text}</span>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="citations">{items}</ul> }
}

/// The model a scenario is first shown under: the first one its canonical traces expect
/// something of other than sequential consistency, if any (a litmus test is about arm64).
fn default_model(sc: &Scenario) -> MemoryModel {
    sc.traces
        .iter()
        .flat_map(|t| t.expect.iter())
        .map(|e| e.model)
        .find(|m| *m != MemoryModel::Sc && sc.models.contains(m))
        .unwrap_or_else(|| sc.models.first().copied().unwrap_or_default())
}

fn model_label(m: MemoryModel) -> &'static str {
    match m {
        MemoryModel::X86Tso => "x86-TSO",
        MemoryModel::Arm64 => "arm64",
        _ => "SC",
    }
}

#[component]
fn PolicyRow(
    sc: &'static Scenario,
    p: PolicyView,
    traces: Vec<String>,
    models: Vec<MemoryModel>,
    outcomes: Vec<TraceOutcome>,
) -> impl IntoView {
    let verdicts = expect_context::<Verdicts>();
    let first = traces.first().cloned();
    let open = link(&sc.id, &p.name, default_model(sc), first.as_deref(), 0);
    let several = models.len() > 1;
    let trace_cells = traces
        .iter()
        .map(|t| {
            let chips = models
                .iter()
                .map(|&m| {
                    let label = several.then(|| view! { <span class="chip-model">{model_label(m)}</span> });
                    let result = outcomes
                        .iter()
                        .find(|o| o.trace == *t && o.model == m)
                        .map(|o| o.result.clone())
                        .unwrap_or_else(|| Err("not replayed".to_string()));
                    match result {
                        Ok((outcome, steps)) => match outcome {
                            Outcome::Violated { invariant, step } => view! {
                                <a
                                    href=link(&sc.id, &p.name, m, Some(t), step)
                                    class="chip chip-bad"
                                    data-testid="trace-outcome"
                                    data-trace=t.clone()
                                    data-model=m.name()
                                    data-outcome="violated"
                                    data-step=step
                                    title=format!("{} breaks at step {step}", invariant.name())
                                >
                                    {label}
                                    "breaks at "
                                    {step}
                                </a>
                            }
                            .into_any(),
                            _ => view! {
                                <a
                                    href=link(&sc.id, &p.name, m, Some(t), 0)
                                    class="chip chip-ok"
                                    data-testid="trace-outcome"
                                    data-trace=t.clone()
                                    data-model=m.name()
                                    data-outcome="safe"
                                    title=format!("{steps} steps, every invariant holds")
                                >
                                    {label}
                                    "holds"
                                </a>
                            }
                            .into_any(),
                        },
                        Err(e) => view! {
                            <span class="chip" data-testid="trace-outcome" data-trace=t.clone() data-model=m.name() data-outcome="error" title=e>
                                {label}
                                "error"
                            </span>
                        }
                        .into_any(),
                    }
                })
                .collect_view();
            view! { <td class="outcomes">{chips}</td> }
        })
        .collect_view();
    let verdict_cells = models
        .iter()
        .map(|m| {
            let key = (sc.id.clone(), p.name.clone(), m.name().to_string());
            let model = several.then_some(*m);
            view! { <VerdictChip cell=Signal::derive(move || verdicts.get(&key)) model/> }
        })
        .collect_view();
    view! {
        <tr data-testid="policy-row" data-policy=p.name.clone() data-fate=p.fate.name() data-baseline=p.baseline.to_string()>
            <th scope="row" class="policy-name">
                <a href=open data-testid="policy-link">
                    <code>{p.name.clone()}</code>
                </a>
                <span class="policy-title">{p.title.clone()}</span>
            </th>
            <td>
                <span class=format!("fate fate-{}", p.fate) title=p.why.clone()>
                    {p.fate.name()}
                </span>
            </td>
            {trace_cells}
            <td class="outcomes verdicts">{verdict_cells}</td>
        </tr>
    }
}

#[component]
fn VerdictChip(cell: Signal<Cell>, model: Option<MemoryModel>) -> impl IntoView {
    let label = move || model.map(|m| view! { <span class="chip-model">{model_label(m)}</span> });
    let state = move || match cell.get() {
        Cell::Checking => "checking".to_string(),
        Cell::Done { summary, .. } => summary.verdict.name().to_string(),
        Cell::Error(_) => "error".to_string(),
    };
    view! {
        <span class="verdict" data-testid="verdict" data-model=model.map(|m| m.name()) data-verdict=state>
            {move || match cell.get() {
                Cell::Checking => view! { <span class="chip chip-pending">{label} "checking…"</span> }.into_any(),
                Cell::Error(e) => view! { <span class="chip" title=e>{label} "error"</span> }.into_any(),
                Cell::Done { summary, link } => {
                    let title = format!("{} states, {} transitions, {:.0} ms", summary.states, summary.transitions, summary.ms);
                    match (summary.verdict, link) {
                        (VerdictKind::Violated, Some(l)) => view! {
                            <a
                                class="chip chip-bad"
                                href=href(&l)
                                title=format!("{title}; opens the shortest trace that breaks {}", summary.invariant.clone().unwrap_or_default())
                            >
                                {label}
                                "violated · "
                                {summary.trace.as_ref().map(|t| t.len()).unwrap_or(0)}
                                " steps"
                            </a>
                        }
                        .into_any(),
                        (VerdictKind::Safe, _) => view! { <span class="chip chip-ok" title=title>{label} "safe · " {summary.states} " states"</span> }.into_any(),
                        (v, _) => view! { <span class="chip" title=summary.bound.clone().unwrap_or(title)>{label} {v.name()}</span> }.into_any(),
                    }
                }
            }}
        </span>
    }
}
