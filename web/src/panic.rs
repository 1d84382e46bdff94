//! A panic must not leave a blank page: log it to the console (with the Rust
//! message and location) and put a visible alert at the top of the page.

use std::panic::PanicHookInfo;

pub fn install() {
    std::panic::set_hook(Box::new(|info: &PanicHookInfo<'_>| {
        console_error_panic_hook::hook(info);
        show(&info.to_string());
    }));
}

fn show(message: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = document.body() else {
        return;
    };
    let Ok(alert) = document.create_element("div") else {
        return;
    };
    alert.set_id("panic");
    alert.set_class_name("panic");
    let _ = alert.set_attribute("role", "alert");
    alert.set_text_content(Some(&format!("racelab stopped because of an internal error. Reload the page to start again.\n\n{message}")));
    let _ = body.prepend_with_node_1(&alert);
}
