//! Where the run comes from (a canonical trace, a switch, a fork, a counterexample), and the
//! steps a switched schedule could not take as written.

use leptos::prelude::*;
use racelab_core::lab::{self, NoticeLevel};

use super::ctx::Ctx;
use crate::state::session::Origin;

/// The line under the title: what this run is.
pub fn origin_text(origin: &Origin, trace: Option<&str>) -> String {
    match (origin, trace) {
        (Origin::Switched { from }, Some(t)) => format!("trace {t}, carried over from {from}"),
        (_, Some(t)) => format!("trace {t}"),
        (Origin::Link, None) => "a schedule from a link".to_string(),
        (Origin::Switched { from }, None) => format!("the same interleaving as under {from}"),
        (Origin::Forked { at, choice }, None) => format!("your schedule: {choice} runs at step {at}"),
        (Origin::Counterexample { invariant }, None) => format!("the explorer's shortest trace that breaks {invariant}"),
    }
}

/// What the schedule was carried over from: the policy switched from, the baseline a canonical
/// trace is written for, or else the schedule as written.
pub fn carried_from(origin: &Origin, trace: Option<&str>, baseline: &str) -> String {
    match (origin, trace) {
        (Origin::Switched { from }, _) => from.clone(),
        (_, Some(_)) => baseline.to_string(),
        _ => "the schedule as written".to_string(),
    }
}

/// Where this run comes from: a canonical trace, a switch, a fork, a counterexample.
#[component]
pub fn RunOrigin() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    move || {
        ctx.session.with(|s| {
            let schedule = lab::schedule::format_names(&s.opened.run.schedule, &s.opened.program.layout);
            let what = origin_text(&s.origin, s.trace.as_deref());
            // Where this policy × model row applies (kernels, architectures), as the core says.
            let applies = s.info.applies_to(s.policy(), s.model()).map(|a| {
                view! {
                    " · "
                    <span class="applies" class:anachronism=a.anachronism data-testid="applies">
                        {a.text.clone()}
                    </span>
                }
            });
            view! {
                <p class="origin" data-testid="origin">
                    <span class="origin-what">{what}</span>
                    " · "
                    <code class="schedule" title="the schedule: which thread runs at each step">
                        {schedule}
                    </code>
                    {applies}
                </p>
            }
        })
    }
}

/// The banner: what opening the link repaired or found, in the core's words (as the CLI prints
/// them), each with the action the core offers as a link (`see the same schedule on the current
/// version`), and the last action of the player that failed.
#[component]
pub fn Notices() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    move || {
        let failed = ctx.notice.get();
        let notices = ctx.session.with(|s| s.notices.clone());
        (failed.is_some() || !notices.is_empty()).then(|| {
            let items = notices
                .into_iter()
                .map(|n| {
                    let level = match n.level {
                        NoticeLevel::Info => "note",
                        NoticeLevel::Warning => "warning",
                    };
                    let action = n.action.map(|a| {
                        view! {
                            " "
                            <a class="button notice-action" data-testid="notice-action" href=format!("#{}", a.link)>
                                {a.label}
                            </a>
                        }
                    });
                    view! {
                        <li data-testid="link-notice" data-level=level>
                            {format!("{level}: {}", n.text)}
                            {action}
                        </li>
                    }
                })
                .collect_view();
            view! {
                <div class="notice" role="alert" data-testid="notice">
                    {failed.map(|f| view! { <p class="notice-failed">{f}</p> })}
                    <ul class="notice-list">{items}</ul>
                </div>
            }
        })
    }
}

/// The steps a switched schedule could not take as written: why a fix works, or does not.
#[component]
pub fn Deviations() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    move || {
        ctx.session.with(|s| {
            let (skipped, appended) = s.deviations();
            if skipped.is_empty() && !matches!(s.origin, Origin::Switched { .. }) {
                return None;
            }
            let from = carried_from(&s.origin, s.trace.as_deref(), &s.info.baseline);
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
            // What the core's alignment says; "every step ran as before" only when nothing was added
            // or held back.
            let added = s.compared.as_ref().map(|(a, _)| a.clone()).unwrap_or_default();
            let held = s.compared.as_ref().map(|(_, h)| h.clone()).unwrap_or_default();
            let same = skipped.is_empty() && added.is_empty() && held.is_empty() && s.compared.is_some();
            let none = same.then(|| view! { <li>"Every step ran as it did under " {from.clone()} "."</li> });
            let policy = s.policy().to_string();
            let added_line = (!added.is_empty()).then(|| {
                view! {
                    <li data-testid="added-steps">
                        <strong>{policy.clone()}</strong>
                        {format!(" adds {} that {from} does not take: {}.", plural(added.len(), "step"), step_list(&added))}
                    </li>
                }
            });
            let tail = (appended > 0).then(|| {
                view! { <li class="dev-tail">"Then " {plural(appended, "step")} " ran the threads to their end (lowest thread first)."</li> }
            });
            Some(view! {
                <section class="panel deviations" data-testid="deviations">
                    <h3>"The same interleaving, carried over from " <code>{from.clone()}</code></h3>
                    <ul>{items} {added_line} {none} {tail}</ul>
                </section>
            })
        })
    }
}

/// `1 step`, `3 steps`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Steps as ranges: `11, 12, 34–41` reads `11–12, 34–41`.
pub fn step_list(steps: &[usize]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < steps.len() {
        let mut j = i;
        while j + 1 < steps.len() && steps[j + 1] == steps[j] + 1 {
            j += 1;
        }
        out.push(if j == i { steps[i].to_string() } else { format!("{}–{}", steps[i], steps[j]) });
        i = j + 1;
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    fn switched() -> Origin {
        Origin::Switched { from: "v5_10".to_string() }
    }

    #[wasm_bindgen_test]
    fn a_canonical_trace_is_named_and_said_to_be_carried_over_after_a_switch() {
        assert_eq!(origin_text(&Origin::Link, Some("lost_write")), "trace lost_write");
        assert_eq!(origin_text(&switched(), Some("lost_write")), "trace lost_write, carried over from v5_10");
    }

    #[wasm_bindgen_test]
    fn any_other_schedule_says_where_it_comes_from() {
        assert_eq!(origin_text(&Origin::Link, None), "a schedule from a link");
        assert_eq!(origin_text(&switched(), None), "the same interleaving as under v5_10");
        let forked = Origin::Forked { at: 4, choice: "writer".to_string() };
        assert_eq!(origin_text(&forked, None), "your schedule: writer runs at step 4");
        let cex = Origin::Counterexample { invariant: "no_lost_write".to_string() };
        assert_eq!(origin_text(&cex, None), "the explorer's shortest trace that breaks no_lost_write");
    }

    #[wasm_bindgen_test]
    fn deviations_are_counted_from_the_policy_switched_from_or_the_baseline() {
        assert_eq!(carried_from(&switched(), Some("lost_write"), "base"), "v5_10");
        assert_eq!(carried_from(&Origin::Link, Some("lost_write"), "base"), "base");
        assert_eq!(carried_from(&Origin::Link, None, "base"), "the schedule as written");
    }

    #[wasm_bindgen_test]
    fn steps_read_as_ranges_and_counts_agree_with_their_noun() {
        assert_eq!(step_list(&[11, 12, 34, 35, 36, 40]), "11–12, 34–36, 40");
        assert_eq!(step_list(&[]), "");
        assert_eq!(plural(1, "step"), "1 step");
        assert_eq!(plural(3, "step"), "3 steps");
    }
}
