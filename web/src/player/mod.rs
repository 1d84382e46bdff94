//! The player: one scenario, policy, memory model and schedule, shown step by step.
//!
//! The state of the screen is a [`Session`] (the run) and a step number; everything shown is
//! the [`Frame`] of that step, computed by the core's views. The URL always holds the
//! permalink of exactly this view.

mod check;
mod controls;
mod lanes;
mod panels;
mod sentence;

use std::sync::Arc;
use std::time::Duration;

use leptos::prelude::*;
use racelab_core::lab::{self, Choice, LabError, MemoryModel};

use crate::catalog::mark;
use crate::error::ErrorView;
use crate::route;
use crate::session::{Frame, Origin, Session};

use check::ExplorerPanel;
use controls::{CopyLinkButton, KeyHelp, ModelSwitch, PlaybackControls, PolicySwitch, SchedulerControls};
use lanes::ThreadLanes;
use panels::{CounterPanel, ExpectedPanel, LockPanel, PagePanel, PageTablePanel, PinPanel, TlbPanel};
use sentence::{ChangeList, InvariantBadges, StepSentence};

/// Speeds of play, in milliseconds per step.
pub const SPEEDS: [(u32, &str); 4] = [(1600, "slow"), (900, "normal"), (400, "fast"), (120, "very fast")];

/// What every part of the player reads and does.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub session: RwSignal<Arc<Session>>,
    pub step: RwSignal<usize>,
    pub frame: Memo<Frame>,
    pub playing: RwSignal<bool>,
    /// Milliseconds per step while playing.
    pub speed: RwSignal<u32>,
    pub help: RwSignal<bool>,
    /// A message about the last action that failed (a policy the schedule cannot carry to…).
    pub notice: RwSignal<Option<String>>,
    /// The next URL update adds a history entry (a new run) instead of replacing (a step).
    push: StoredValue<bool>,
}

impl Ctx {
    /// False once the player is gone (a callback of the browser may still arrive).
    pub fn alive(self) -> bool {
        !self.session.is_disposed() && !self.step.is_disposed() && !self.playing.is_disposed()
    }

    pub fn steps(self) -> usize {
        self.session.try_with_untracked(|s| s.steps()).unwrap_or(0)
    }

    pub fn go(self, i: usize) {
        if !self.alive() {
            return;
        }
        let i = i.min(self.steps());
        if self.step.get_untracked() != i {
            self.step.set(i);
        }
    }

    pub fn forward(self) {
        if let Some(i) = self.step.try_get_untracked() {
            self.go(i + 1)
        }
    }

    pub fn back(self) {
        if let Some(i) = self.step.try_get_untracked() {
            self.go(i.saturating_sub(1))
        }
    }

    pub fn violation(self) -> Option<usize> {
        self.session.with(|s| s.violation.as_ref().map(|v| v.0))
    }

    pub fn jump_to_violation(self) {
        if let Some(v) = self.violation() {
            self.playing.set(false);
            self.go(v);
        }
    }

    pub fn toggle_play(self) {
        if !self.alive() {
            return;
        }
        if self.playing.get_untracked() {
            self.playing.set(false);
        } else {
            if self.step.get_untracked() >= self.steps() {
                self.go(0);
            }
            self.playing.set(true);
        }
    }

    /// Shows a new run (from a switch, a fork or a counterexample) at `step`, as a new entry
    /// in the browser's history; a failure is shown as a notice and changes nothing.
    pub fn show(self, next: Result<Session, LabError>, step: impl FnOnce(&Session) -> usize) {
        if !self.alive() {
            return;
        }
        match next {
            Ok(s) => {
                let i = step(&s).min(s.steps());
                self.push.set_value(true);
                self.notice.set(None);
                self.session.set(Arc::new(s));
                self.step.set(i);
            }
            Err(e) => self.notice.set(Some(e.to_string())),
        }
    }

    /// The user as the scheduler: `choice` runs at the current step. The run's own next step is
    /// just a step forward; anything else forks a new schedule.
    pub fn choose(self, choice: Choice) {
        if !self.alive() {
            return;
        }
        let i = self.step.get_untracked();
        let session = self.session.get_untracked();
        if session.opened.run.schedule.get(i) == Some(&choice) {
            self.forward();
        } else {
            self.playing.set(false);
            self.show(session.fork(i, choice), |_| i + 1);
        }
    }

    /// The same interleaving under another policy or memory model, at the step that runs the
    /// same statement (if the new run runs it at all).
    pub fn switch(self, policy: &str, model: MemoryModel) {
        if !self.alive() {
            return;
        }
        let i = self.step.get_untracked();
        let session = self.session.get_untracked();
        if session.policy() == policy && session.model() == model {
            return;
        }
        self.show(session.switch(policy, model), |next| session.same_step_in(i, next));
    }
}

/// The player for a permalink, or the error view if the link cannot be opened.
#[component]
pub fn PlayerRoute(fragment: String) -> impl IntoView {
    match Session::from_link(&fragment) {
        Ok((session, step)) => view! { <Player session step/> }.into_any(),
        Err(e) => {
            // The scenario may exist when the rest of the link is broken.
            let scenario =
                lab::Permalink::parse(&fragment).ok().map(|l| l.scenario).filter(|id| crate::catalog::catalog().scenario(id).is_some());
            view! { <ErrorView error=e.to_string() link=fragment scenario/> }.into_any()
        }
    }
}

/// `#/race/<id>`: the scenario's first canonical trace under its baseline.
#[component]
pub fn RaceRoute(id: String) -> impl IntoView {
    match Session::from_scenario(&id) {
        Ok(session) => view! { <Player session step=0/> }.into_any(),
        Err(e) => view! { <ErrorView error=e.to_string() link=format!("/race/{id}") scenario=None/> }.into_any(),
    }
}

#[component]
pub fn Player(session: Session, step: usize) -> impl IntoView {
    let session = RwSignal::new(Arc::new(session));
    let step = RwSignal::new(step);
    let frame = Memo::new(move |_| {
        let i = step.get();
        session.with(|s| s.frame(i))
    });
    let ctx = Ctx {
        session,
        step,
        frame,
        playing: RwSignal::new(false),
        speed: RwSignal::new(SPEEDS[1].0),
        help: RwSignal::new(false),
        notice: RwSignal::new(None),
        push: StoredValue::new(false),
    };
    provide_context(ctx);

    // The URL holds exactly this view.
    Effect::new(move |first: Option<()>| {
        let fragment = session.with(|s| s.fragment(step.get()));
        let push = ctx.push.get_value();
        ctx.push.set_value(false);
        route::write(&fragment, push);
        if first.is_none() {
            mark("racelab:first-trace");
        }
    });

    // Play: one step per tick until the end.
    let timer: StoredValue<Option<IntervalHandle>> = StoredValue::new(None);
    Effect::new(move |_| {
        let playing = ctx.playing.get();
        let ms = ctx.speed.get();
        if let Some(h) = timer.get_value() {
            h.clear();
        }
        timer.set_value(None);
        if playing {
            let h = set_interval_with_handle(
                move || {
                    let (Some(i), Some(n)) = (ctx.step.try_get_untracked(), ctx.session.try_with_untracked(|s| s.steps())) else {
                        return;
                    };
                    if i >= n {
                        ctx.playing.set(false);
                    } else {
                        ctx.go(i + 1);
                    }
                },
                Duration::from_millis(ms as u64),
            )
            .ok();
            timer.set_value(h);
        }
    });
    on_cleanup(move || {
        if let Some(h) = timer.try_get_value().flatten() {
            h.clear();
        }
    });

    let keys = window_event_listener(leptos::ev::keydown, move |ev| controls::on_key(ctx, &ev));
    on_cleanup(move || keys.remove());

    let info = move || session.with(|s| (s.info.title.clone(), s.info.race.clone(), s.info.summary.clone(), s.info.id.clone()));
    view! {
        <section
            id="player"
            class="player"
            data-testid="player"
            data-scenario=move || session.with(|s| s.scenario_id().to_string())
            data-policy=move || session.with(|s| s.policy().to_string())
            data-model=move || session.with(|s| s.model().name().to_string())
            data-step=move || step.get()
            data-steps=move || frame.with(|f| f.steps)
            aria-labelledby="player-heading"
        >
            <div class="player-head">
                <div class="player-title">
                    <p class="crumbs">
                        <a href="#/" data-testid="back-to-gallery">
                            "← all races"
                        </a>
                    </p>
                    <h2 id="player-heading">
                        <span class="race-tag">{move || crate::gallery::race_tag(&info().1)}</span>
                        " "
                        {move || info().0}
                    </h2>
                    <p class="summary">{move || info().2}</p>
                    <RunOrigin/>
                </div>
                <div class="player-switches">
                    <PolicySwitch/>
                    <ModelSwitch/>
                    <CopyLinkButton/>
                </div>
            </div>
            {move || {
                ctx.notice
                    .get()
                    .map(|n| {
                        view! {
                            <p class="notice" role="alert" data-testid="notice">
                                {n}
                            </p>
                        }
                    })
            }}
            <div class="stage">
                <div class="stage-main">
                    <StepSentence/>
                    <ChangeList/>
                </div>
                <InvariantBadges/>
            </div>
            <PlaybackControls/>
            <div class="workbench">
                <div class="lanes-col">
                    <Deviations/>
                    <ThreadLanes/>
                    <SchedulerControls/>
                </div>
                <div class="panels-col">
                    <PageTablePanel/>
                    <TlbPanel/>
                    <PagePanel/>
                    <ExpectedPanel/>
                    <LockPanel/>
                    <CounterPanel/>
                    <PinPanel/>
                </div>
            </div>
            <ExplorerPanel/>
            <KeyHelp/>
        </section>
    }
}

/// Where this run comes from: a canonical trace, a switch, a fork, a counterexample.
#[component]
fn RunOrigin() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    move || {
        ctx.session.with(|s| {
            let schedule = lab::schedule::format_names(&s.opened.run.schedule, &s.opened.program.layout);
            let what = match (&s.origin, &s.trace) {
                (Origin::Switched { from }, Some(t)) => format!("trace {t}, carried over from {from}"),
                (_, Some(t)) => format!("trace {t}"),
                (Origin::Link, None) => "a schedule from a link".to_string(),
                (Origin::Switched { from }, None) => format!("the same interleaving as under {from}"),
                (Origin::Forked { at, choice }, None) => format!("your schedule: {choice} runs at step {at}"),
                (Origin::Counterexample { invariant }, None) => {
                    format!("the explorer's shortest trace that breaks {invariant}")
                }
            };
            view! {
                <p class="origin" data-testid="origin">
                    <span class="origin-what">{what}</span>
                    " · "
                    <code class="schedule" title="the schedule: which thread runs at each step">
                        {schedule}
                    </code>
                </p>
            }
        })
    }
}

/// The steps a switched schedule could not take as written: why a fix works, or does not.
#[component]
fn Deviations() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    move || {
        ctx.session.with(|s| {
            let (skipped, appended) = s.deviations();
            if skipped.is_empty() && !matches!(s.origin, Origin::Switched { .. }) {
                return None;
            }
            let from = match (&s.origin, &s.trace) {
                (Origin::Switched { from }, _) => from.clone(),
                // A canonical trace is written for the baseline and carried over to the others.
                (_, Some(_)) => s.info.baseline.clone(),
                _ => "the schedule as written".to_string(),
            };
            let items = skipped
                .iter()
                .map(|d| {
                    view! {
                        <li data-testid="deviation">
                            <span class="dev-at">"at step " {d.at} " of " {from.clone()}</span>
                            " "
                            <strong>{d.thread.clone()}</strong>
                            " was held back: "
                            {d.reason.clone()}
                        </li>
                    }
                })
                .collect_view();
            let none = skipped.is_empty().then(|| view! { <li>"Every step ran as it did under " {from.clone()} "."</li> });
            let tail = (appended > 0).then(|| {
                view! { <li class="dev-tail">"Then " {appended} " steps ran the threads to their end (lowest thread first)."</li> }
            });
            Some(view! {
                <section class="panel deviations" data-testid="deviations">
                    <h3>"The same interleaving, carried over from " <code>{from.clone()}</code></h3>
                    <ul>{items} {none} {tail}</ul>
                </section>
            })
        })
    }
}
