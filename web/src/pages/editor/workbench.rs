//! The editor itself: one tab per file of the draft, the CodeMirror editor, the core's
//! diagnostics, and the actions (run, download, open a file, paste a litmus test).

use leptos::prelude::*;
use racelab_core::lab;
use wasm_bindgen::JsCast;

use super::bindings::{Editor, Marker};
use super::files;
use super::litmus::LitmusImport;
use crate::catalog::{catalog, mark};
use crate::state::drafts::Draft;
use crate::state::session::Session;
use crate::state::worker::checker;

/// One diagnostic of the core, as listed under the editor.
#[derive(Clone, Debug, PartialEq)]
struct Diag {
    file: String,
    line: u32,
    col: u32,
    message: String,
    warning: bool,
}

impl Diag {
    /// As the CLI prints it.
    fn text(&self) -> String {
        let kind = if self.warning { "warning: " } else { "" };
        format!("{}:{}:{}: {kind}{}", self.file, self.line, self.col, self.message)
    }

    fn severity(&self) -> &'static str {
        if self.warning {
            "warning"
        } else {
            "error"
        }
    }
}

#[component]
pub fn Workbench(draft: Draft) -> impl IntoView {
    let active = RwSignal::new(draft.main.clone());
    let draft = RwSignal::new(draft);
    let diags = RwSignal::new(Vec::<Diag>::new());
    let check_ms = RwSignal::new(None::<f64>);
    let checked_in = RwSignal::new("");
    let status = RwSignal::new(None::<String>);
    let pending = RwSignal::new(None::<Draft>);
    let ready = RwSignal::new(false);
    let load_error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(true);
    let host = NodeRef::<leptos::html::Div>::new();
    let editor: StoredValue<Option<Editor>, LocalStorage> = StoredValue::new_local(None);

    // The active file's diagnostics, in the editor's gutter.
    let push_markers = move || {
        let Some(name) = active.try_get_untracked() else { return };
        let markers: Vec<Marker> = diags.with_untracked(|ds| {
            ds.iter()
                .filter(|d| d.file == name)
                .map(|d| Marker { line: d.line.max(1), col: d.col.max(1), severity: d.severity(), message: d.message.clone() })
                .collect()
        });
        editor.try_with_value(|e| {
            if let Some(e) = e {
                e.set_markers(&markers)
            }
        });
    };
    // The core checks the draft's edits in a worker (`state::worker::checker`), and the editor
    // goes on meanwhile; an unchanged draft needs no check. Only the newest check is shown.
    let recheck = move || {
        let edits = draft.with_untracked(|d| d.edits());
        checker::check(edits, move |found, ms, in_worker| {
            let list: Vec<Diag> = found
                .into_iter()
                .map(|d| Diag { warning: d.severity == "warning", file: d.file, line: d.line, col: d.col, message: d.message })
                .collect();
            if diags.try_set(list).is_some() {
                // The editor's page has gone.
                return;
            }
            check_ms.try_set(Some(ms));
            checked_in.try_set(if in_worker { "worker" } else { "main-thread" });
            push_markers();
            mark("racelab:checked");
        });
    };
    let store = move |name: &str, text: String| {
        let changed = draft.with_untracked(|d| d.text(name) != Some(text.as_str()));
        if changed {
            draft.update(|d| {
                d.set_text(name, text);
                d.changed = true;
                d.add_used_files();
            });
            saved.set(draft.with_untracked(|d| d.save()));
        }
        changed
    };
    // What the editor holds but has not reported yet (it reports after a pause in typing).
    let flush = move || {
        let text = editor.with_value(|e| e.as_ref().map(|e| e.text()));
        if let Some(text) = text {
            if store(&active.get_untracked(), text) {
                recheck();
            }
        }
    };
    let open_tab = move |name: String| {
        flush();
        let text = draft.with_untracked(|d| d.text(&name).map(str::to_string)).unwrap_or_default();
        active.set(name);
        editor.with_value(|e| {
            if let Some(e) = e {
                e.open(&text)
            }
        });
        push_markers();
    };
    let apply = move |d: Draft| {
        saved.set(d.save());
        let main = d.main.clone();
        let text = d.text(&main).unwrap_or_default().to_string();
        draft.set(d);
        active.set(main);
        editor.with_value(|e| {
            if let Some(e) = e {
                e.open(&text)
            }
        });
        recheck();
    };
    // A new draft replaces this one: at once when the user has not typed into this one, else
    // after asking.
    let replace = move |d: Draft| {
        flush();
        if draft.with_untracked(|cur| cur.changed) {
            pending.set(Some(d));
        } else {
            apply(d);
        }
    };

    Effect::new(move |_| {
        let Some(el) = host.get() else { return };
        if editor.with_value(|e| e.is_some()) {
            return;
        }
        let text = draft.with_untracked(|d| d.text(&d.main).unwrap_or_default().to_string());
        leptos::task::spawn_local(async move {
            let words = lab::language();
            let on_change = move |text: String| {
                if store(&active.get_untracked(), text) {
                    recheck();
                }
            };
            match Editor::create(&el, &text, (&words.primitives, &words.values), on_change).await {
                Ok(ed) => {
                    // The page may have gone while the bundle loaded: then the editor goes too.
                    if editor.try_set_value(Some(ed)).is_some() {
                        return;
                    }
                    ready.set(true);
                    checker::warm();
                    recheck();
                }
                Err(e) => {
                    load_error.try_set(Some(e));
                }
            }
        });
    });
    on_cleanup(move || {
        if let Some(Some(e)) = editor.try_update_value(|e| e.take()) {
            drop(e);
        }
    });

    let run = move |_| {
        flush();
        let (main, edits) = draft.with_untracked(|d| (d.main.clone(), d.edits()));
        match Session::from_file_with_edits(&main, edits) {
            Ok(s) => {
                let f = s.url_fragment(0);
                window().location().set_hash(&f).ok();
            }
            Err(e) => status.set(Some(format!("cannot run {main}: {e}"))),
        }
    };
    let download = move |_| {
        flush();
        let name = active.get_untracked();
        let text = draft.with_untracked(|d| d.text(&name).unwrap_or_default().to_string());
        if let Err(e) = files::download(&name, &text) {
            status.set(Some(e));
        }
    };
    let open_file = move |file: web_sys::File| {
        leptos::task::spawn_local(async move {
            let name = file.name();
            match files::read(&file).await.and_then(|text| files::draft_from_file(&name, &text)) {
                Ok(d) => {
                    status.set(None);
                    replace(d)
                }
                Err(e) => status.set(Some(e)),
            }
        });
    };
    let on_pick = move |ev: leptos::ev::Event| {
        let input: Option<web_sys::HtmlInputElement> = ev.target().and_then(|t| t.dyn_into().ok());
        if let Some(f) = input.as_ref().and_then(|i| i.files()).and_then(|l| l.get(0)) {
            open_file(f);
        }
        if let Some(i) = input {
            i.set_value("");
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        if let Some(f) = ev.data_transfer().and_then(|d| d.files()).and_then(|l| l.get(0)) {
            open_file(f);
        }
    };
    let show_litmus = RwSignal::new(false);
    let on_import = Callback::new(move |d: Draft| {
        show_litmus.set(false);
        replace(d);
    });

    let tabs = move || {
        draft.with(|d| {
            d.files
                .iter()
                .map(|(name, text)| {
                    let edited = catalog().source(name) != Some(text.as_str());
                    let errors = diags.with(|ds| ds.iter().filter(|x| &x.file == name && !x.warning).count());
                    (name.clone(), edited, errors)
                })
                .collect::<Vec<_>>()
        })
    };
    let main = move || draft.with(|d| d.main.clone());

    view! {
        <div class="lab-editor" data-testid="editor" data-ready=move || ready.get().to_string() on:dragover=|ev: leptos::ev::DragEvent| ev.prevent_default() on:drop=on_drop>
            <div class="lab-toolbar">
                <h2>"Editing " <code data-testid="editor-main">{main}</code></h2>
                <div class="buttons">
                    <button class="primary" data-testid="editor-run" on:click=run>
                        "run in the player"
                    </button>
                    <button data-testid="editor-download" on:click=download>
                        "download this file"
                    </button>
                    <label class="button file-button">
                        "open a file…"
                        <input type="file" accept=".race,.litmus,text/plain" data-testid="editor-open-file" on:change=on_pick/>
                    </label>
                    <button data-testid="editor-litmus" on:click=move |_| show_litmus.update(|v| *v = !*v)>
                        "paste a litmus test"
                    </button>
                    <a class="button" href="#/edit/new" data-testid="editor-new">
                        "new scenario"
                    </a>
                </div>
            </div>
            {move || show_litmus.get().then(|| view! { <LitmusImport on_import/> })}
            {move || {
                pending
                    .get()
                    .map(|d| {
                        let name = d.main.clone();
                        view! {
                            <div class="confirm" role="alertdialog" data-testid="replace-confirm">
                                <p>
                                    "Replace your draft (it has changes) with " <code>{name}</code> "?"
                                </p>
                                <div class="buttons">
                                    <button
                                        class="primary"
                                        data-testid="replace-yes"
                                        on:click=move |_| {
                                            if let Some(d) = pending.get_untracked() {
                                                pending.set(None);
                                                apply(d);
                                            }
                                        }
                                    >
                                        "replace it"
                                    </button>
                                    <button data-testid="replace-no" on:click=move |_| pending.set(None)>
                                        "keep my draft"
                                    </button>
                                </div>
                            </div>
                        }
                    })
            }}
            {move || status.get().map(|s| view! { <p class="notice" role="alert" data-testid="editor-status">{s}</p> })}
            <div class="lab-tabs" role="tablist" data-testid="editor-tabs">
                {move || {
                    tabs()
                        .into_iter()
                        .map(|(name, edited, errors)| {
                            let n = name.clone();
                            let has_errors = errors > 0;
                            let selected = {
                                let n = name.clone();
                                move || active.get() == n
                            };
                            view! {
                                <button
                                    role="tab"
                                    class="lab-tab"
                                    class:edited=edited
                                    class:has-errors=has_errors
                                    aria-selected=move || selected().to_string()
                                    data-testid="editor-tab"
                                    data-file=name.clone()
                                    on:click=move |_| open_tab(n.clone())
                                >
                                    {name.clone()}
                                    {edited.then_some(" •")}
                                    {(errors > 0).then(|| format!(" ({errors})"))}
                                </button>
                            }
                        })
                        .collect_view()
                }}
            </div>
            {move || load_error.get().map(|e| view! { <p class="notice" role="alert" data-testid="editor-load-error">{e}</p> })}
            {move || (!ready.get() && load_error.get().is_none()).then(|| view! { <p class="muted">"Loading the editor…"</p> })}
            <div class="lab-host" node_ref=host data-testid="editor-host"></div>
            <div class="lab-diagnostics" data-testid="diagnostics" data-count=move || diags.with(|d| d.len()) data-check-ms=move || check_ms.get().map(|m| format!("{m:.1}")).unwrap_or_default() data-checked-in=move || checked_in.get()>
                {move || {
                    let list = diags.get();
                    if list.is_empty() {
                        let what = if draft.with(|d| d.is_edited()) { "The core finds no problem in your edits." } else { "No changes yet: edit a file, and the core checks it as you type." };
                        view! { <p class="ok" data-testid="diagnostics-none">{what}</p> }.into_any()
                    } else {
                        view! {
                            <ul>
                                {list
                                    .into_iter()
                                    .map(|d| {
                                        let text = d.text();
                                        let (file, line) = (d.file.clone(), d.line);
                                        view! {
                                            <li data-testid="diagnostic" class:warning=d.warning data-severity=d.severity() data-file=d.file.clone() data-line=d.line data-col=d.col>
                                                <button
                                                    class="link"
                                                    on:click=move |_| {
                                                        if active.get_untracked() != file {
                                                            open_tab(file.clone());
                                                        }
                                                        editor.with_value(|e| {
                                                            if let Some(e) = e {
                                                                e.reveal(line.max(1))
                                                            }
                                                        });
                                                    }
                                                >
                                                    {text}
                                                </button>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                        .into_any()
                    }
                }}
                <p class="muted" data-testid="draft-saved">
                    {move || if saved.get() { "Saved in this browser as you type." } else { "This browser refuses to save the draft: download it to keep it." }}
                </p>
            </div>
        </div>
    }
}
