//! The invariants at the current step: green while one holds, red from the step that broke it.

use leptos::prelude::*;
use racelab_core::lab::view::InvariantView;

use super::ctx::Ctx;

/// How one invariant's badge reads at a step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Badge {
    /// `ok`, `broken` (now) or `was-broken` (earlier, holding again).
    pub state: &'static str,
    /// Red: broken now or earlier (a broken invariant stays red).
    pub broken: bool,
    /// It broke at exactly this step (the badge flashes).
    pub just_now: bool,
    pub headline: String,
}

pub fn badge(inv: &InvariantView, step: usize) -> Badge {
    let state = if !inv.ok {
        "broken"
    } else if inv.broken_at.is_some() {
        "was-broken"
    } else {
        "ok"
    };
    let headline = match (inv.ok, inv.broken_at) {
        (true, None) => "holds".to_string(),
        (false, Some(n)) => format!("broken at step {n}"),
        (false, None) => "broken".to_string(),
        (true, Some(n)) => format!("was broken at step {n}"),
    };
    Badge { state, broken: !inv.ok || inv.broken_at.is_some(), just_now: inv.broken_at == Some(step) && step > 0, headline }
}

/// One badge per checked invariant: holds, or red from the step that broke it on (sticky).
#[component]
pub fn InvariantBadges() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    move || {
        ctx.frame.with(|f| {
            let badges = f
                .invariants
                .iter()
                .map(|inv| {
                    let Badge { state, broken, just_now, headline } = badge(inv, f.step);
                    view! {
                        <div
                            class=format!("invariant {}{}", if broken { "bad" } else { "good" }, if just_now { " changed" } else { "" })
                            data-testid="invariant"
                            data-invariant=inv.name.clone()
                            data-state=state
                            data-broken-at=inv.broken_at
                            role="status"
                        >
                            <div class="inv-head">
                                <span class="inv-icon" aria-hidden="true">
                                    {if broken { "✗" } else { "✓" }}
                                </span>
                                <code class="inv-name">{inv.name.clone()}</code>
                                <span class="inv-state">{headline}</span>
                            </div>
                            <p class="inv-desc">{inv.description.clone()}</p>
                            {inv.message.clone().map(|m| view! { <p class="inv-msg" data-testid="invariant-message">{m}</p> })}
                        </div>
                    }
                })
                .collect_view();
            view! {
                <div class="invariants" data-testid="invariants">
                    {badges}
                </div>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    fn inv(ok: bool, broken_at: Option<usize>) -> InvariantView {
        InvariantView { name: "no_lost_write".to_string(), description: String::new(), ok, message: None, broken_at }
    }

    #[wasm_bindgen_test]
    fn a_holding_invariant_is_green() {
        assert_eq!(badge(&inv(true, None), 3), Badge { state: "ok", broken: false, just_now: false, headline: "holds".to_string() });
    }

    #[wasm_bindgen_test]
    fn it_turns_red_and_flashes_at_the_step_that_breaks_it() {
        let b = badge(&inv(false, Some(25)), 25);
        assert_eq!(b, Badge { state: "broken", broken: true, just_now: true, headline: "broken at step 25".to_string() });
        assert!(!badge(&inv(false, Some(25)), 26).just_now);
    }

    #[wasm_bindgen_test]
    fn it_stays_red_after_it_holds_again() {
        let b = badge(&inv(true, Some(25)), 30);
        assert_eq!(b, Badge { state: "was-broken", broken: true, just_now: false, headline: "was broken at step 25".to_string() });
    }

    #[wasm_bindgen_test]
    fn broken_from_the_start_does_not_flash() {
        let b = badge(&inv(false, Some(0)), 0);
        assert!(b.broken && !b.just_now);
        assert_eq!(badge(&inv(false, None), 4).headline, "broken");
    }
}
