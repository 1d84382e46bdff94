//! What every part of the player reads and does: the run, the step, the frame the core's views
//! give for it, the actions on them (step, play, switch, fork, show a new run), and the two
//! effects that follow them (the URL, the play timer).

use std::sync::Arc;
use std::time::Duration;

use leptos::prelude::*;
use racelab_core::lab::{Choice, LabError, MemoryModel, Note, Permalink};

use crate::catalog::mark;
use crate::route;
use crate::state::session::{Frame, Presenting, Session};

/// A line of a lane marked in a side-by-side view: (thread, pc, what: `added` or `held-back`).
pub type LineMark = (usize, u16, &'static str);

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
    /// The presenter's notes attached to steps (carried in the link, `note=`).
    pub notes: RwSignal<Vec<Note>>,
    /// Presentation mode (large type, one screen, for a projector); shared with the app.
    pub present: RwSignal<bool>,
    /// Lines a side-by-side view marks in the lanes: what a fix adds, what it holds back.
    pub marks: StoredValue<Vec<LineMark>>,
    /// The next URL update adds a history entry (a new run) instead of replacing (a step).
    push: StoredValue<bool>,
}

impl Ctx {
    /// The context of a player showing `session` at `step`, not yet playing.
    pub fn new(session: Session, step: usize) -> Ctx {
        let session = RwSignal::new(Arc::new(session));
        let step = RwSignal::new(step);
        let frame = Memo::new(move |_| {
            let i = step.get();
            session.with(|s| s.frame(i))
        });
        Ctx {
            session,
            step,
            frame,
            playing: RwSignal::new(false),
            speed: RwSignal::new(SPEEDS[1].0),
            help: RwSignal::new(false),
            notice: RwSignal::new(None),
            notes: RwSignal::new(Vec::new()),
            present: use_context::<Presenting>().map(|p| p.0).unwrap_or_else(|| RwSignal::new(false)),
            marks: StoredValue::new(Vec::new()),
            push: StoredValue::new(false),
        }
    }

    /// Keeps the URL on exactly this view: a step replaces the history entry, a new run adds
    /// one. The first write marks `racelab:first-trace` for the load-time benchmark.
    pub fn keep_url_in_sync(self) {
        let Ctx { session, step, push, present, notes, .. } = self;
        Effect::new(move |first: Option<()>| {
            let mut link = session.with(|s| s.permalink(step.get()));
            link.present = present.get();
            link.notes = notes.get();
            let fragment = session.with(|s| s.address(&link));
            route::write(&fragment, push.get_value());
            push.set_value(false);
            if first.is_none() {
                mark("racelab:first-trace");
            }
        });
    }

    /// The link of exactly this view: the run at its step, presentation mode and the notes.
    pub fn link(self) -> Permalink {
        let mut link = self.session.with_untracked(|s| s.permalink(self.step.get_untracked()));
        link.present = self.present.get_untracked();
        link.notes = self.notes.get_untracked();
        link
    }

    /// The note attached to `step`, if any.
    pub fn note_at(self, step: usize) -> Option<String> {
        self.notes.with(|n| n.iter().find(|n| n.step == step).map(|n| n.text.clone()))
    }

    /// Attaches `text` to `step` (an empty text removes the note), if the core's link may carry
    /// it; else says why, and keeps the notes as they were.
    pub fn set_note(self, step: usize, text: &str) -> Result<(), String> {
        let text = text.trim();
        if !text.is_empty() {
            racelab_core::lab::check_note(text)?;
            let others = self.notes.with_untracked(|n| n.iter().filter(|n| n.step != step).count());
            if others >= racelab_core::lab::MAX_NOTES {
                return Err(format!("a link carries at most {} notes", racelab_core::lab::MAX_NOTES));
            }
        }
        self.notes.update(|n| {
            n.retain(|n| n.step != step);
            if !text.is_empty() {
                n.push(Note { step, text: text.to_string() });
                n.sort_by_key(|n| n.step);
            }
        });
        Ok(())
    }

    /// While playing, one step per tick of the chosen speed, until the end of the run.
    pub fn play_while_playing(self) {
        let ctx = self;
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
    }

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
