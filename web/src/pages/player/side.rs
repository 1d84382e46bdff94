//! Side by side: one interleaving under two policies (or memory models), stepped together row
//! by row. The rows are the core's alignment ([`Comparison`]): a step both runs take, a step
//! only the second takes (a fix adds it), a step only the first takes (held back); the first
//! row where the two states differ is marked in both columns. Each column is the player's own
//! parts, reading their own [`Ctx`].

use std::sync::Arc;

use leptos::context::Provider;
use leptos::prelude::*;
use racelab_core::lab::{Comparison, Note, RowKind};

use super::ctx::{Ctx, LineMark};
use super::export::ExportMenu;
use super::invariants::InvariantBadges;
use super::keys::HELP;
use super::lanes::ThreadLanes;
use super::panels::{CounterPanel, ExpectedPanel, LockPanel, PagePanel, PageTablePanel, PinPanel, TlbPanel};
use super::sentence::{Narration, StepNotes, StepSentence};
use crate::route;
use crate::state::session::{kind_name, Presenting, Session};

/// The row to open a view at: the one that shows both steps, else the first that shows A's.
pub fn initial_row(cmp: &Comparison, a_step: usize, b_step: Option<usize>) -> usize {
    b_step
        .and_then(|j| cmp.rows.iter().position(|r| r.a_at == a_step && r.b_at == j))
        .or_else(|| cmp.rows.iter().position(|r| r.a_at == a_step))
        .unwrap_or(0)
}

/// What a row says, above the columns.
pub fn row_text(kind: RowKind, a: &str, b: &str) -> String {
    match kind {
        RowKind::Same => format!("Both run this step: {a} and {b} take the same statement."),
        RowKind::Added => format!("Only {b} runs this step: the fix adds it. {a} has no such step."),
        RowKind::HeldBack => format!("Only {a} runs this step: {b} holds it back (or runs it elsewhere)."),
    }
}

fn marks(s: &Session, steps: &[usize], what: &'static str) -> Vec<LineMark> {
    steps
        .iter()
        .filter_map(|&i| s.opened.run.steps.get(i.wrapping_sub(1)))
        .filter(|r| matches!(r.choice, racelab_core::lab::Choice::Run(_)))
        .map(|r| (r.thread, r.exec.pc, what))
        .collect()
}

#[component]
pub fn SideBySide(
    a: Session,
    b: Session,
    cmp: Comparison,
    a_step: usize,
    b_step: Option<usize>,
    /// The presenter's notes of the link: they speak of the first run's steps, and show in its column.
    #[prop(optional)]
    notes: Vec<Note>,
) -> impl IntoView {
    let first_diff = cmp.first_difference.as_ref().map(|(r, _)| *r);
    let diff_text: Vec<String> =
        cmp.first_difference.as_ref().map(|(_, ch)| ch.iter().map(|c| c.text.clone()).collect()).unwrap_or_default();
    let (name_a, name_b) = (a.policy().to_string(), b.policy().to_string());
    let (model_a, model_b) = (a.model(), b.model());
    let label_a = if model_a == model_b { name_a.clone() } else { format!("{name_a} ({})", model_a.name()) };
    let label_b = if model_a == model_b { name_b.clone() } else { format!("{name_b} ({})", model_b.name()) };
    let row0 = initial_row(&cmp, a_step, b_step);
    let held = cmp.held_back();
    let added = cmp.added();
    let title = (a.info.title.clone(), a.info.race.clone());

    let ctx_a = Ctx::new(a, cmp.rows[row0].a_at);
    let ctx_b = Ctx::new(b, cmp.rows[row0].b_at);
    ctx_a.notes.set(notes);
    ctx_a.marks.set_value(ctx_a.session.with_untracked(|s| marks(s, &held, "held-back")));
    ctx_b.marks.set_value(ctx_b.session.with_untracked(|s| marks(s, &added, "added")));
    let cmp = Arc::new(cmp);
    let n = cmp.rows.len() - 1;
    let row = RwSignal::new(row0);
    let present = use_context::<Presenting>().map(|p| p.0).unwrap_or_else(|| RwSignal::new(false));

    let go = move |r: usize| row.set(r.min(n));
    {
        let cmp = cmp.clone();
        Effect::new(move |_| {
            let r = &cmp.rows[row.get()];
            ctx_a.go(r.a_at);
            ctx_b.go(r.b_at);
        });
    }
    {
        // The URL holds exactly this view, as the core writes a link: both runs and both steps.
        let cmp = cmp.clone();
        Effect::new(move |_| {
            let r = &cmp.rows[row.get()];
            let present = present.get();
            let fragment = ctx_a.session.with_untracked(|a| {
                ctx_b.session.with_untracked(|b| {
                    let mut link = a.permalink(r.a_at);
                    link.compare = Some(a.compare_field(b, Some(r.b_at)));
                    link.present = present;
                    link.notes = ctx_a.notes.get();
                    a.address(&link)
                })
            });
            route::write(&fragment, false);
        });
    }
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if row.is_disposed() || ev.ctrl_key() || ev.alt_key() || ev.meta_key() || ev.default_prevented() {
            return;
        }
        let r = row.get_untracked();
        let handled = match ev.key().as_str() {
            "ArrowRight" | "PageDown" => {
                go(r + 1);
                true
            }
            "ArrowLeft" | "PageUp" => {
                go(r.saturating_sub(1));
                true
            }
            "Home" => {
                go(0);
                true
            }
            "End" => {
                go(n);
                true
            }
            "d" => {
                if let Some(d) = first_diff {
                    go(d);
                }
                true
            }
            "p" => {
                present.update(|p| *p = !*p);
                true
            }
            "Escape" if present.get_untracked() => {
                present.set(false);
                true
            }
            _ => false,
        };
        if handled {
            ev.prevent_default();
        }
    });
    on_cleanup(move || keys.remove());

    let kind = {
        let cmp = cmp.clone();
        move || cmp.rows[row.get()].kind
    };
    let kind_name = move |k: RowKind| match k {
        RowKind::Same => "same",
        RowKind::Added => "added",
        RowKind::HeldBack => "held-back",
    };
    let at_diff = move || first_diff == Some(row.get());
    let sentence = {
        let (a, b) = (label_a.clone(), label_b.clone());
        let kind = kind.clone();
        move || row_text(kind(), &a, &b)
    };
    let strip = cmp
        .rows
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let what = match r.kind {
                RowKind::Same => format!("row {k}: both, steps {} and {}", r.a_at, r.b_at),
                RowKind::Added => format!("row {k}: step {} added by {name_b}", r.b_at),
                RowKind::HeldBack => format!("row {k}: step {} of {name_a} held back", r.a_at),
            };
            let what = if first_diff == Some(k) { format!("{what}; the states first differ here") } else { what };
            view! {
                <button
                    class=format!("row-cell row-{}", kind_name(r.kind))
                    class:first-diff=first_diff == Some(k)
                    class:at=move || row.get() == k
                    aria-current=move || (row.get() == k).then_some("step")
                    data-testid="row-cell"
                    data-kind=kind_name(r.kind)
                    aria-label=what.clone()
                    title=what
                    tabindex="-1"
                    on:click=move |_| go(k)
                ></button>
            }
        })
        .collect_view();
    let (la, lb) = (label_a.clone(), label_b.clone());
    let diff_callout = move || {
        at_diff().then(|| {
            let items = diff_text.iter().map(|t| view! { <li>{t.clone()}</li> }).collect_view();
            view! {
                <div class="first-diff-callout" data-testid="first-difference" role="status">
                    <strong>"The states first differ here. "</strong>
                    {format!("Under {lb} rather than {la}:")}
                    <ul>{items}</ul>
                </div>
            }
        })
    };
    let hint = HELP.iter().take(2).map(|(k, _)| *k).collect::<Vec<_>>().join(" · ");
    let kind2 = kind.clone();
    view! {
        <section
            id="side-by-side"
            class="side-by-side"
            class:presenting=move || present.get()
            data-testid="side-by-side"
            data-row=move || row.get()
            data-rows=n
            data-kind=move || kind_name(kind2())
            data-first-diff=first_diff
            aria-labelledby="side-heading"
        >
            <div class="side-head">
                <p class="crumbs">
                    <a href="#/" data-testid="back-to-gallery">"← all races"</a>
                </p>
                <h2 id="side-heading">
                    <span class="race-tag">{crate::ui::labels::race_tag(&title.1)}</span>
                    " "
                    {title.0.clone()}
                    ": "
                    <code>{label_a.clone()}</code>
                    " beside "
                    <code>{label_b.clone()}</code>
                </h2>
                <p class="side-summary" data-testid="side-summary">
                    {match (added.len(), held.len()) {
                        (0, 0) => "Every step of one runs in the other.".to_string(),
                        (x, 0) => format!("{label_b} adds {x} step{} that {label_a} does not take.", if x == 1 { "" } else { "s" }),
                        (0, y) => format!("{label_b} holds back {y} step{} of {label_a}.", if y == 1 { "" } else { "s" }),
                        (x, y) => format!("{label_b} adds {x} step{} and holds back {y} of {label_a}.", if x == 1 { "" } else { "s" }),
                    }}
                    {first_diff.map(|d| format!(" Their states first differ at row {d} (key d)."))}
                </p>
            </div>
            <div class="controls side-controls" data-testid="side-controls">
                <div class="buttons">
                    <button data-testid="row-first" on:click=move |_| go(0)>"⇤ first"</button>
                    <button data-testid="row-back" on:click=move |_| go(row.get_untracked().saturating_sub(1))>"◀ back"</button>
                    <button data-testid="row-forward" on:click=move |_| go(row.get_untracked() + 1)>"forward ▶"</button>
                    <button data-testid="row-diff" disabled=first_diff.is_none() on:click=move |_| first_diff.into_iter().for_each(go)>
                        "first difference (d)"
                    </button>
                    <button data-testid="present" aria-pressed=move || present.get().to_string() on:click=move |_| present.update(|p| *p = !*p)>
                        {move || if present.get() { "leave presentation (Esc)" } else { "present (p)" }}
                    </button>
                </div>
                <span class="step-counter" data-testid="row-counter">
                    "row " <span class="now">{move || row.get()}</span> " / " {n}
                </span>
                <span class="muted keys-line">{hint}</span>
            </div>
            <div class="row-strip" role="group" aria-label="the aligned steps">
                {strip}
            </div>
            <p class=move || format!("row-sentence row-{}", kind_name(kind())) data-testid="row-sentence" aria-live="polite">
                {sentence}
            </p>
            {diff_callout}
            <div class="side-columns">
                <SideColumn ctx=ctx_a label=label_a.clone() side="a" at_diff=Signal::derive(at_diff)/>
                <SideColumn ctx=ctx_b label=label_b.clone() side="b" at_diff=Signal::derive(at_diff)/>
            </div>
        </section>
    }
}

#[component]
fn SideColumn(ctx: Ctx, label: String, side: &'static str, at_diff: Signal<bool>) -> impl IntoView {
    let still = move |kinds: &'static [&'static str]| !ctx.session.with(|s| s.changes_any(kinds));
    let now = move |kinds: &'static [&'static str]| {
        ctx.frame.with(|f| f.step_view.as_ref().is_some_and(|s| s.changes.iter().any(|c| kinds.contains(&kind_name(&c.kind).as_str()))))
    };
    view! {
        // Each column's parts read their own run: a Provider scopes the context to its children.
        <Provider value=ctx>
        <div class="side-col" class:first-diff=move || at_diff.get() data-testid="side-col" data-side=side data-step=move || ctx.step.get()>
            // The menu shares the label's line: a line of its own pushed the panels off a 1080p screen.
            <div class="side-label-row">
                <h3 class="side-label">
                    <code>{label}</code>
                    " · step " {move || ctx.step.get()} " of " {move || ctx.frame.with(|f| f.steps)}
                </h3>
                <ExportMenu/>
            </div>
            <StepSentence/>
            <StepNotes/>
            <Narration/>
            <InvariantBadges/>
            <ThreadLanes/>
            // Compact, and the panels this step changes first.
            <div class="side-panels" data-testid="side-panels">
                <div class="slot" class:still=move || still(&["pte", "vma"]) class:now=move || now(&["pte", "vma"])><PageTablePanel/></div>
                <div class="slot" class:still=move || still(&["tlb", "cpu"]) class:now=move || now(&["tlb", "cpu"])><TlbPanel/></div>
                <div class="slot" class:still=move || still(&["page"]) class:now=move || now(&["page"])><PagePanel/></div>
                <div class="slot" class:still=move || still(&["ghost"]) class:now=move || now(&["ghost"])><ExpectedPanel/></div>
                <div class="slot" class:still=move || still(&["lock"]) class:now=move || now(&["lock"])><LockPanel/></div>
                <div class="slot" class:still=move || still(&["counter"]) class:now=move || now(&["counter"])><CounterPanel/></div>
                <div class="slot" class:still=move || still(&["pin"]) class:now=move || now(&["pin"])><PinPanel/></div>
            </div>
        </div>
        </Provider>
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;
    use racelab_core::lab::MemoryModel;

    #[wasm_bindgen_test]
    fn a_row_says_which_run_takes_its_step() {
        assert!(row_text(RowKind::Same, "v5_10", "fix").starts_with("Both run this step"));
        assert!(row_text(RowKind::Added, "v5_10", "fix").starts_with("Only fix runs this step: the fix adds it"));
        assert!(row_text(RowKind::HeldBack, "v5_10", "fix").starts_with("Only v5_10 runs this step: fix holds it back"));
    }

    #[wasm_bindgen_test]
    fn a_link_opens_at_the_row_that_shows_both_of_its_steps() {
        let (a, _) = Session::from_link("v=1&s=race1a&p=v5_10&tr=lost_write&i=10").expect("opens");
        let b = a.switch("merged_6ce64428", MemoryModel::Sc).expect("the fix opens");
        let cmp = a.compare(&b).expect("one scenario");
        // Rows 11 and 12 are the fix's check and flush, both shown beside v5.10's step 10.
        let r = initial_row(&cmp, 10, Some(12));
        assert_eq!((cmp.rows[r].a_at, cmp.rows[r].b_at), (10, 12));
        assert_eq!(cmp.rows[r].kind, RowKind::Added);
        let first = initial_row(&cmp, 10, None);
        assert_eq!(cmp.rows[first].a_at, 10);
        assert!(first <= r);
    }
}
