//! The player: one scenario, policy, memory model and schedule, shown step by step.
//!
//! The state of the screen is a [`Session`] (the run) and a step number, held with what the
//! parts share in [`ctx::Ctx`]; everything shown is the [`Frame`](crate::state::session::Frame)
//! of that step, computed by the core's views. The URL always holds the permalink of exactly
//! this view. This file only assembles the parts, each named by what it shows.

mod check;
mod copy_link;
mod ctx;
mod embed;
mod export;
mod graphs;
mod invariants;
mod keys;
mod lanes;
mod origin;
mod panels;
mod playback;
mod scheduler;
mod sentence;
mod side;
mod switches;

use leptos::prelude::*;
use racelab_core::lab::Note;

use crate::state::session::Session;
use crate::ui::labels::race_tag;

use check::ExplorerPanel;
use copy_link::CopyLinkButton;
use ctx::Ctx;
use embed::EmbedPlayer;
use export::{ExportMenu, PrintHandout};
use graphs::GraphPanel;
use invariants::InvariantBadges;
use keys::KeyHelp;
use lanes::ThreadLanes;
use origin::{Deviations, Notices, RunOrigin};
use panels::{CounterPanel, ExpectedPanel, LockPanel, PagePanel, PageTablePanel, PinPanel, TlbPanel};
use playback::PlaybackControls;
use scheduler::SchedulerControls;
use sentence::{ChangeList, Narration, StepNotes, StepSentence};
use switches::{CompareSwitch, ModelSwitch, PolicySwitch};

pub use embed::is_embed;
pub use side::SideBySide;

#[component]
pub fn Player(session: Session, step: usize, notes: Vec<Note>, #[prop(optional)] embed: bool) -> impl IntoView {
    let ctx = Ctx::new(session, step);
    ctx.notes.set(notes);
    let Ctx { session, step, frame, .. } = ctx;
    provide_context(ctx);
    if embed {
        // The address stays the embedded link; the keys still step.
        let key_listener = window_event_listener(leptos::ev::keydown, move |ev| keys::on_embed_key(ctx, &ev));
        on_cleanup(move || key_listener.remove());
        return view! { <EmbedPlayer/> }.into_any();
    }

    ctx.keep_url_in_sync();
    ctx.play_while_playing();
    let key_listener = window_event_listener(leptos::ev::keydown, move |ev| keys::on_key(ctx, &ev));
    on_cleanup(move || key_listener.remove());

    let still = move |kinds: &'static [&'static str]| !session.with(|s| s.changes_any(kinds));
    let info = move || session.with(|s| (s.info.title.clone(), s.info.race.clone(), s.info.summary.clone(), s.info.id.clone()));
    view! {
        <section
            id="player"
            class="player"
            class:presenting=move || ctx.present.get()
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
                    <CompareSwitch/>
                    <CopyLinkButton/>
                    <ExportMenu/>
                    <a
                        class="button"
                        data-testid="edit-scenario"
                        href=move || session.with(|s| if s.is_edited() { "#/edit/draft".to_string() } else { format!("#/edit/{}", s.scenario_id()) })
                        title="edit this scenario and the kernel files it uses"
                    >
                        {move || session.with(|s| if s.is_edited() { "back to the editor" } else { "edit this scenario" })}
                    </a>
                </div>
            </div>
            {move || {
                session
                    .with(|s| s.is_edited())
                    .then(|| {
                        view! {
                            <p class="notice edited-notice" data-testid="edited-notice">
                                "An edited scenario, from the draft in this browser."
                            </p>
                        }
                    })
            }}
            <Notices/>
            <div class="stage">
                <div class="stage-main">
                    // One block: presentation mode gives the notes the sentence's column, beside
                    // the invariants and the changes, instead of a row of their own.
                    <div class="stage-lead">
                        <StepSentence/>
                        <StepNotes editable=true/>
                        <Narration/>
                    </div>
                    <ChangeList/>
                </div>
                <InvariantBadges/>
            </div>
            <PlaybackControls/>
            <PrintHandout/>
            <div class="workbench">
                // Each column scrolls on its own in presentation mode: reachable by keyboard.
                <div class="lanes-col" tabindex="0" role="region" aria-label="threads">
                    <Deviations/>
                    <ThreadLanes/>
                    <SchedulerControls/>
                </div>
                <div class="panels-col" tabindex="0" role="region" aria-label="the machine's state">
                    // In presentation mode, a panel that no step of this run changes folds away.
                    <div class="slot" class:still=move || still(&["pte", "vma"])><PageTablePanel/></div>
                    <div class="slot" class:still=move || still(&["tlb", "cpu"])><TlbPanel/></div>
                    <div class="slot" class:still=move || still(&["page"])><PagePanel/></div>
                    <div class="slot" class:still=move || still(&["ghost"])><ExpectedPanel/></div>
                    <div class="slot" class:still=move || still(&["lock"])><LockPanel/></div>
                    <div class="slot" class:still=move || still(&["counter"])><CounterPanel/></div>
                    <div class="slot" class:still=move || still(&["pin"])><PinPanel/></div>
                </div>
            </div>
            <GraphPanel/>
            <ExplorerPanel/>
            <KeyHelp/>
        </section>
    }
    .into_any()
}
