//! One lane per thread (and its CPU): the kernel path it runs as code lines, grouped by
//! function, with the current step highlighted, the lines it has run dimmed, the line it runs
//! next marked, and why it waits when it cannot run.

use leptos::html;
use leptos::prelude::*;
use racelab_core::lab::view::{CodeLine, ThreadCodeView, ThreadStatus};
use wasm_bindgen::JsCast;

use super::ctx::Ctx;
use crate::ui::code::WrappingCode;

#[component]
pub fn ThreadLanes() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    // The lanes are rebuilt only for a new program; steps only change classes.
    let program_key = Memo::new(move |_| ctx.session.with(|s| (s.scenario_id().to_string(), s.policy().to_string(), s.model())));
    move || {
        // Read (not only track) the key, so that the memo is brought up to date here.
        let _program = program_key.get();
        let (code, runs) = ctx.session.with_untracked(|s| (s.code.clone(), s.runs.clone()));
        let n = code.len();
        let running = runs.iter().filter(|r| **r).count();
        view! {
            <div class="lanes" data-testid="lanes" style:--lanes=n.to_string() style:--running=running.max(1).to_string()>
                {code
                    .into_iter()
                    .enumerate()
                    .map(|(t, code)| {
                        let runs = runs.get(t).copied().unwrap_or(true);
                        view! { <ThreadLane t code runs/> }
                    })
                    .collect_view()}
            </div>
        }
    }
}

/// Consecutive lines of one function.
fn groups(lines: Vec<CodeLine>) -> Vec<(String, String, Vec<CodeLine>)> {
    let mut out: Vec<(String, String, Vec<CodeLine>)> = Vec::new();
    for l in lines {
        match out.last_mut() {
            Some((f, file, v)) if *f == l.function && *file == l.file => v.push(l),
            _ => out.push((l.function.clone(), l.file.clone(), vec![l])),
        }
    }
    out
}

#[component]
fn ThreadLane(t: usize, code: ThreadCodeView, runs: bool) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let frame = ctx.frame;
    let body: NodeRef<html::Div> = NodeRef::new();
    let name = code.name.clone();
    let status = move || frame.with(|f| f.state.threads.get(t).map(|th| th.status).unwrap_or_default());
    let reason = move || frame.with(|f| f.state.threads.get(t).and_then(|th| th.reason.clone()));
    let is_actor = {
        let name = name.clone();
        move || frame.with(|f| f.step_view.as_ref().is_some_and(|s| s.thread == name))
    };
    let registers = move || {
        frame.with(|f| {
            f.state
                .threads
                .get(t)
                .map(|th| th.registers.iter().map(|r| format!("{} = {}", r.name, r.value)).collect::<Vec<_>>().join(" · "))
                .unwrap_or_default()
        })
    };

    // Keep the current (or next) line in view inside the lane.
    Effect::new(move |_| {
        frame.with(|_| ()); // read, so the memo is brought up to date and this runs on every step
        request_animation_frame(move || {
            // The lane may be gone by the next frame (another link was opened).
            let Some(body) = body.try_get_untracked().flatten() else { return };
            let target = body.query_selector(".line.current").ok().flatten().or_else(|| body.query_selector(".line.next").ok().flatten());
            let Some(el) = target.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) else { return };
            let (top, height) = (el.offset_top(), el.offset_height());
            let (scroll, view) = (body.scroll_top(), body.client_height());
            if top < scroll + 8 || top + height > scroll + view - 8 {
                body.set_scroll_top((top - view / 3).max(0));
            }
        });
    });

    let groups = groups(code.lines.clone())
        .into_iter()
        .map(|(function, file, lines)| {
            let lines = lines.into_iter().map(|l| view! { <Line t line=l thread=name.clone()/> }).collect_view();
            view! {
                <div class="fn-group">
                    <div class="fn-head">
                        <span class="fn-name">{function}</span>
                        <span class="fn-file">{file}</span>
                    </div>
                    <ol class="code">{lines}</ol>
                </div>
            }
        })
        .collect_view();

    view! {
        <article
            class="lane"
            class:actor=is_actor
            class:idle=!runs
            data-testid="lane"
            data-thread=code.name.clone()
            data-runs=runs.to_string()
            data-status=move || status().name()
        >
            <header class="lane-head">
                <div class="lane-who">
                    <span class="cpu">{code.cpu.clone()}</span>
                    <span class="thread-name">{code.name.clone()}</span>
                    <span class=move || format!("status status-{}", status().name()) data-testid="lane-status">
                        {move || match status() {
                            ThreadStatus::Blocked => "waiting",
                            s => s.name(),
                        }}
                    </span>
                </div>
                <p class="lane-desc">{code.description.clone()}</p>
                {move || {
                    reason()
                        .map(|r| {
                            view! {
                                <p class="lane-reason" data-testid="lane-reason">
                                    {r}
                                </p>
                            }
                        })
                }}
            </header>
            <div class="lane-body" node_ref=body tabindex="0" role="region" aria-label=format!("code of {}", code.name)>
                {groups}
            </div>
            <footer class="lane-regs" data-testid="registers">
                {registers}
            </footer>
        </article>
    }
}

#[component]
fn Line(t: usize, line: CodeLine, thread: String) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let frame = ctx.frame;
    let pc = line.pc;
    let current = {
        let thread = thread.clone();
        move || frame.with(|f| f.step_view.as_ref().is_some_and(|s| s.thread == thread && s.pc == pc))
    };
    let done = move || frame.with(|f| f.done.get(t).is_some_and(|d| d.contains(&pc)));
    let next = move || frame.with(|f| f.state.threads.get(t).is_some_and(|th| th.status != ThreadStatus::Finished && th.pc == pc));
    let waiting = move || frame.with(|f| f.state.threads.get(t).is_some_and(|th| th.status == ThreadStatus::Blocked && th.pc == pc));
    // Its access was performed early by the CPU (arm64); the thread has not reached it yet.
    let early = {
        let thread = thread.clone();
        move || {
            frame.with(|f| f.state.cpus.iter().any(|c| c.thread.as_deref() == Some(thread.as_str()) && c.early.iter().any(|e| e.pc == pc)))
        }
    };
    let mark = ctx.marks.with_value(|m| m.iter().find(|(mt, mpc, _)| *mt == t && *mpc == pc).map(|m| m.2));
    let title = match &line.note {
        Some(n) => format!("{} — {}", line.source, n),
        None => line.source.clone(),
    };
    view! {
        <li
            class="line"
            class:current=current.clone()
            class:done=done
            class:next=next
            class:waiting=waiting
            class:early=early
            class:added=mark == Some("added")
            class:held-back=mark == Some("held-back")
            data-testid="code-line"
            data-pc=pc
            data-mark=mark.unwrap_or("")
            aria-current=move || current().then_some("step")
            title=title
        >
            <span class="marker" aria-hidden="true"></span>
            {move || done().then(|| view! { <span class="sr-only">"already ran: "</span> })}
            <WrappingCode text=line.text.clone()/>
            {mark.map(|m| {
                let text = if m == "added" { "added by the fix" } else { "held back" };
                view! { <span class=format!("mark-tag mark-{m}") data-testid="line-mark">{text}</span> }
            })}
            {line.note.as_ref().map(|_| view! { <span class="has-note" aria-label="has a note">"※"</span> })}
        </li>
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    fn line(pc: u16, function: &str, file: &str) -> CodeLine {
        CodeLine { pc, function: function.to_string(), file: file.to_string(), text: String::new(), source: String::new(), note: None }
    }

    #[wasm_bindgen_test]
    fn consecutive_lines_of_one_function_form_one_group() {
        let lines = vec![
            line(0, "do_wp_page", "mm/memory.c"),
            line(1, "do_wp_page", "mm/memory.c"),
            line(2, "wp_page_copy", "mm/memory.c"),
            line(3, "do_wp_page", "mm/memory.c"),
        ];
        let g: Vec<(String, usize)> = groups(lines).into_iter().map(|(f, _, ls)| (f, ls.len())).collect();
        assert_eq!(g, [("do_wp_page".to_string(), 2), ("wp_page_copy".to_string(), 1), ("do_wp_page".to_string(), 1)]);
    }

    #[wasm_bindgen_test]
    fn the_same_function_name_in_another_file_is_another_group() {
        let g = groups(vec![line(0, "f", "a.c"), line(1, "f", "b.c")]);
        assert_eq!(g.len(), 2);
        assert!(groups(Vec::new()).is_empty());
    }
}
