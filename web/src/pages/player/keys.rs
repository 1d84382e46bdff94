//! The player's keys: what each key does ([`action`], a plain function of the key's name), the
//! list the `?` key shows, and the listener that applies them.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::ctx::Ctx;

/// What a key asks the player to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAction {
    Forward,
    Back,
    TogglePlay,
    First,
    Last,
    JumpToViolation,
    ToggleHelp,
    /// Presentation mode on or off: key `p`.
    TogglePresent,
    /// Close the help, else leave presentation mode.
    Escape,
    /// Run this thread (0-based) next, as the user-scheduler: keys `1` to `9`.
    RunThread(usize),
}

/// The action of a key, by its `KeyboardEvent.key`; None for a key the player leaves alone.
pub fn action(key: &str) -> Option<KeyAction> {
    Some(match key {
        // PageDown and PageUp are what a presenter's clicker sends.
        "ArrowRight" | "PageDown" => KeyAction::Forward,
        "ArrowLeft" | "PageUp" => KeyAction::Back,
        " " | "Spacebar" => KeyAction::TogglePlay,
        "Home" => KeyAction::First,
        "End" => KeyAction::Last,
        "v" => KeyAction::JumpToViolation,
        "?" => KeyAction::ToggleHelp,
        "p" => KeyAction::TogglePresent,
        "Escape" => KeyAction::Escape,
        k if k.len() == 1 && k.as_bytes()[0].is_ascii_digit() && k != "0" => KeyAction::RunThread((k.as_bytes()[0] - b'1') as usize),
        _ => return None,
    })
}

/// Whether a key typed into an element (its tag name, its `type` attribute) belongs to that
/// element: a select, a text area, or an input other than the scrubber (a range).
pub fn belongs_to_field(tag: &str, input_type: Option<&str>) -> bool {
    let tag = tag.to_ascii_lowercase();
    tag == "select" || tag == "textarea" || (tag == "input" && input_type != Some("range"))
}

/// The keys as the help lists them.
pub const HELP: [(&str, &str); 9] = [
    ("→ or PageDown", "step forward (a presenter's clicker too)"),
    ("← or PageUp", "step back"),
    ("space", "play / pause"),
    ("Home / End", "first / last step"),
    ("v", "jump to the violation"),
    ("1 … 9", "run that thread next (the user as scheduler; the key is on its button)"),
    ("p", "presentation mode on or off"),
    ("?", "show or hide this list"),
    ("Esc", "close this list, leave presentation mode, or leave a menu"),
];

#[component]
pub fn KeyHelp() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    move || {
        ctx.help.get().then(|| {
            let rows = HELP.iter().map(|(k, what)| view! { <tr><th><kbd>{*k}</kbd></th><td>{*what}</td></tr> }).collect_view();
            view! {
                <div class="overlay" data-testid="key-help" role="dialog" aria-modal="true" aria-labelledby="keys-heading" on:click=move |_| ctx.help.set(false)>
                    <div class="dialog" on:click=|ev| ev.stop_propagation()>
                        <h3 id="keys-heading">"Keys"</h3>
                        <table class="keys">{rows}</table>
                        <button data-testid="close-help" autofocus on:click=move |_| ctx.help.set(false)>
                            "close"
                        </button>
                    </div>
                </div>
            }
        })
    }
}

/// Hands the keys back to the player after a choice in a select: without it, the arrow keys
/// would go on changing the select (a new history entry each).
pub fn release_focus(ev: &web_sys::Event) {
    if let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) {
        el.blur().ok();
    }
}

/// The player's keys. Keys typed into a form field (other than the scrubber) are theirs; a key
/// the player acts on is not passed on to the page.
pub fn on_key(ctx: Ctx, ev: &web_sys::KeyboardEvent) {
    on_key_if(ctx, ev, |_| true)
}

/// The keys of an embedded player: stepping only. It has no help, no presentation mode, no
/// play button and no scheduler, so their keys are left to the page around it.
pub fn on_embed_key(ctx: Ctx, ev: &web_sys::KeyboardEvent) {
    on_key_if(ctx, ev, steps_only)
}

fn steps_only(a: KeyAction) -> bool {
    matches!(a, KeyAction::Forward | KeyAction::Back | KeyAction::First | KeyAction::Last | KeyAction::JumpToViolation)
}

fn on_key_if(ctx: Ctx, ev: &web_sys::KeyboardEvent, wanted: fn(KeyAction) -> bool) {
    if !ctx.alive() || ev.ctrl_key() || ev.alt_key() || ev.meta_key() || ev.default_prevented() {
        return;
    }
    if let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) {
        if belongs_to_field(&el.tag_name(), el.get_attribute("type").as_deref()) {
            // Esc gives the keys back to the player.
            if ev.key() == "Escape" {
                el.blur().ok();
                ev.prevent_default();
            }
            return;
        }
    }
    let Some(action) = action(&ev.key()).filter(|a| wanted(*a)) else {
        return;
    };
    if apply(ctx, action) {
        ev.prevent_default();
    }
}

/// Does what `action` asks; false if it did not concern the player (Escape with no help open).
fn apply(ctx: Ctx, action: KeyAction) -> bool {
    match action {
        KeyAction::Forward => {
            ctx.playing.set(false);
            ctx.forward();
        }
        KeyAction::Back => {
            ctx.playing.set(false);
            ctx.back();
        }
        KeyAction::TogglePlay => ctx.toggle_play(),
        KeyAction::First => ctx.go(0),
        KeyAction::Last => ctx.go(usize::MAX),
        KeyAction::JumpToViolation => ctx.jump_to_violation(),
        KeyAction::ToggleHelp => ctx.help.update(|h| *h = !*h),
        KeyAction::TogglePresent => ctx.present.update(|p| *p = !*p),
        KeyAction::Escape => {
            if ctx.help.get_untracked() {
                ctx.help.set(false);
            } else if ctx.present.get_untracked() {
                ctx.present.set(false);
            } else {
                return false;
            }
        }
        KeyAction::RunThread(t) => {
            let choice = ctx
                .frame
                .with_untracked(|f| f.choices.iter().find(|c| c.is_run && c.choice.thread() == t && c.blocked.is_none()).map(|c| c.choice));
            if let Some(c) = choice {
                ctx.choose(c);
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn each_listed_key_has_its_action() {
        let cases = [
            ("ArrowRight", KeyAction::Forward),
            ("ArrowLeft", KeyAction::Back),
            (" ", KeyAction::TogglePlay),
            ("Spacebar", KeyAction::TogglePlay),
            ("Home", KeyAction::First),
            ("End", KeyAction::Last),
            ("v", KeyAction::JumpToViolation),
            ("?", KeyAction::ToggleHelp),
            ("Escape", KeyAction::Escape),
            ("p", KeyAction::TogglePresent),
            // A presenter's clicker.
            ("PageDown", KeyAction::Forward),
            ("PageUp", KeyAction::Back),
        ];
        for (key, want) in cases {
            assert_eq!(action(key), Some(want), "{key:?}");
        }
    }

    #[wasm_bindgen_test]
    fn digits_one_to_nine_run_the_threads_in_order() {
        assert_eq!(action("1"), Some(KeyAction::RunThread(0)));
        assert_eq!(action("3"), Some(KeyAction::RunThread(2)));
        assert_eq!(action("9"), Some(KeyAction::RunThread(8)));
        assert_eq!(action("0"), None, "there is no thread 0");
    }

    #[wasm_bindgen_test]
    fn other_keys_are_left_to_the_page() {
        for key in ["V", "ArrowUp", "Enter", "Tab", "12", "a", "", "F5", "P"] {
            assert_eq!(action(key), None, "{key:?}");
        }
    }

    #[wasm_bindgen_test]
    fn keys_typed_into_a_form_field_are_the_fields_own_except_on_the_scrubber() {
        assert!(belongs_to_field("INPUT", Some("text")));
        assert!(belongs_to_field("INPUT", None));
        assert!(belongs_to_field("SELECT", None));
        assert!(belongs_to_field("textarea", None));
        assert!(!belongs_to_field("INPUT", Some("range")), "the scrubber steps with the arrows");
        assert!(!belongs_to_field("BUTTON", None));
        assert!(!belongs_to_field("BODY", None));
    }

    #[wasm_bindgen_test]
    fn the_help_lists_every_key_once() {
        let keys: Vec<&str> = HELP.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["→ or PageDown", "← or PageUp", "space", "Home / End", "v", "1 … 9", "p", "?", "Esc"]);
    }

    #[wasm_bindgen_test]
    fn an_embed_steps_and_leaves_the_other_keys_to_its_page() {
        assert!(steps_only(action("ArrowRight").unwrap()));
        assert!(steps_only(action("Home").unwrap()));
        assert!(steps_only(action("v").unwrap()));
        for key in ["p", "?", " ", "1"] {
            assert!(!steps_only(action(key).unwrap()), "{key}");
        }
    }
}
