//! The player: one scenario, policy, memory model and schedule, shown step by step.
//!
//! The state of the screen is a [`Session`] (the run) and a step number; everything shown is
//! the [`Frame`](crate::state::session::Frame) of that step, computed by the core's views. The URL always holds the
//! permalink of exactly this view.

mod check;
mod controls;
mod ctx;
mod lanes;
mod panels;
mod sentence;

use std::time::Duration;

use leptos::prelude::*;
use racelab_core::lab;

use crate::catalog::mark;
use crate::route;
use crate::state::session::{Origin, Session};
use crate::ui::labels::race_tag;

use check::ExplorerPanel;
use controls::{CopyLinkButton, KeyHelp, ModelSwitch, PlaybackControls, PolicySwitch, SchedulerControls};
use ctx::Ctx;
use lanes::ThreadLanes;
use panels::{CounterPanel, ExpectedPanel, LockPanel, PagePanel, PageTablePanel, PinPanel, TlbPanel};
use sentence::{ChangeList, InvariantBadges, StepSentence};

#[component]
pub fn Player(session: Session, step: usize) -> impl IntoView {
    let ctx = Ctx::new(session, step);
    let Ctx { session, step, frame, .. } = ctx;
    provide_context(ctx);

    // The URL holds exactly this view.
    Effect::new(move |first: Option<()>| {
        let fragment = session.with(|s| s.fragment(step.get()));
        route::write(&fragment, ctx.take_push());
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
                        <span class="race-tag">{move || race_tag(&info().1)}</span>
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
