//! The machine's state at the current step, one panel per kind of thing: page table, TLBs,
//! struct pages, what user space wrote, locks, counters, GUP references. A value that this
//! step changed carries the class `changed`, which flashes it.

use leptos::prelude::*;
use racelab_core::lab::view::{CpuView, PageView, PteView, StateView};

use super::ctx::Ctx;

fn cls(base: &str, changed: bool) -> String {
    if changed {
        format!("{base} changed")
    } else {
        base.to_string()
    }
}

fn yes(b: bool) -> &'static str {
    if b {
        "1"
    } else {
        "0"
    }
}

/// A panel that re-renders from the frame at every step (so flashes restart).
fn panel<V: IntoView + 'static>(render: impl Fn(&StateView, Option<&StateView>) -> Option<V> + Send + Sync + 'static) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    move || ctx.frame.with(|f| render(&f.state, f.prev.as_ref()))
}

#[component]
pub fn PageTablePanel() -> impl IntoView {
    panel(|s, prev| {
        if s.ptes.is_empty() {
            return None;
        }
        let rows = s
            .ptes
            .iter()
            .map(|p| {
                let old = prev.and_then(|pr| pr.ptes.iter().find(|o| o.name == p.name));
                pte_row(p, old)
            })
            .collect_view();
        Some(view! {
            <section class="panel" data-testid="page-table">
                <h3>"Page table"</h3>
                <table class="state-table">
                    <thead>
                        <tr>
                            <th>"PTE"</th>
                            <th>"maps"</th>
                            <th>"bits"</th>
                            <th>"VMA"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </section>
        })
    })
}

fn pte_row(p: &PteView, old: Option<&PteView>) -> impl IntoView {
    let bit = |name: &'static str, on: bool, was: Option<bool>| {
        let changed = was.is_some_and(|w| w != on);
        view! {
            <span
                class=cls(if on { "bit on" } else { "bit off" }, changed)
                data-testid="pte-bit"
                data-bit=name
                data-on=yes(on)
                title=format!("{name}={}", yes(on))
            >
                {name}
            </span>
        }
    };
    let page_changed = old.is_some_and(|o| o.page != p.page || o.present != p.present);
    let page = p.page.clone().unwrap_or_default();
    view! {
        <tr
            data-testid="pte"
            data-pte=p.name.clone()
            data-page=page.clone()
            data-present=yes(p.present)
            data-w=yes(p.w)
            data-d=yes(p.d)
            data-sd=yes(p.sd)
            data-uw=yes(p.uw)
        >
            <th scope="row">
                <code>{p.name.clone()}</code>
                {p.locked.then(|| view! { <span class="ptl" title="its page-table lock is held">"PTL held"</span> })}
            </th>
            <td class=cls("maps", page_changed)>
                {if p.present {
                    view! { <code class="page-name">{page.clone()}</code> }.into_any()
                } else {
                    view! { <span class="none">"not present"</span> }.into_any()
                }}
            </td>
            <td class="bits">
                {bit("W", p.w, old.map(|o| o.w))}
                {bit("D", p.d, old.map(|o| o.d))}
                {bit("A", p.a, old.map(|o| o.a))}
                {bit("SD", p.sd, old.map(|o| o.sd))}
                {bit("UW", p.uw, old.map(|o| o.uw))}
            </td>
            <td class=cls("vma", old.is_some_and(|o| o.vma != p.vma))>
                {p.vma.join(" ")}
            </td>
        </tr>
    }
}

#[component]
pub fn TlbPanel() -> impl IntoView {
    panel(|s, prev| {
        let cpus = s
            .cpus
            .iter()
            .map(|c| {
                let old = prev.and_then(|pr| pr.cpus.iter().find(|o| o.label == c.label));
                cpu_card(c, old)
            })
            .collect_view();
        Some(view! {
            <section class="panel" data-testid="tlbs">
                <h3>"CPUs: TLBs, store buffers"</h3>
                <div class="cpus">{cpus}</div>
            </section>
        })
    })
}

fn cpu_card(c: &CpuView, old: Option<&CpuView>) -> impl IntoView {
    let entries = c
        .tlb
        .iter()
        .map(|e| {
            let before = old.and_then(|o| o.tlb.iter().find(|x| x.va == e.va));
            let changed = old.is_some() && before != Some(e);
            view! {
                <li
                    class=cls(if e.stale { "tlb-entry stale" } else { "tlb-entry" }, changed)
                    data-testid="tlb-entry"
                    data-va=e.va.clone()
                    data-page=e.page.clone()
                    data-w=yes(e.w)
                    data-d=yes(e.d)
                    data-stale=yes(e.stale)
                >
                    <code>{e.va.clone()} " → " {e.page.clone()}</code>
                    <span class=if e.w { "bit on" } else { "bit off" }>"W"</span>
                    <span class=if e.d { "bit on" } else { "bit off" }>"D"</span>
                    {e.stale.then(|| view! { <span class="stale-tag" title="the entry allows what the PTE no longer does">"stale"</span> })}
                </li>
            }
        })
        .collect_view();
    let dropped = old
        .map(|o| o.tlb.iter().filter(|x| !c.tlb.iter().any(|e| e.va == x.va)).map(|x| x.va.clone()).collect::<Vec<_>>())
        .unwrap_or_default();
    let dropped = (!dropped.is_empty()).then(|| {
        view! {
            <li class="tlb-entry dropped changed" data-testid="tlb-dropped">
                <code>{dropped.join(", ")}</code>
                " flushed"
            </li>
        }
    });
    let empty = (c.tlb.is_empty() && dropped.is_none()).then(|| view! { <li class="none">"no entries"</li> });
    let sb_changed = old.is_some_and(|o| o.store_buffer != c.store_buffer);
    let store_buffer = (!c.store_buffer.is_empty() || sb_changed).then(|| {
        let items = c.store_buffer.iter().map(|s| view! { <li><code>{s.clone()}</code></li> }).collect_view();
        view! {
            <div class=cls("store-buffer", sb_changed) data-testid="store-buffer">
                <span class="sb-label">"store buffer"</span>
                <ol>{items}</ol>
                {c.store_buffer.is_empty().then(|| view! { <span class="none">"empty"</span> })}
            </div>
        }
    });
    let early_changed = old.is_some_and(|o| o.early != c.early);
    let early = (!c.early.is_empty() || early_changed).then(|| {
        let items = c
            .early
            .iter()
            .map(|e| {
                view! {
                    <li data-testid="early-access" data-pc=e.pc>
                        <code>{e.text.clone()}</code>
                        <span class="muted">" " {e.kind.name()} ": " {e.values.join(", ")}</span>
                    </li>
                }
            })
            .collect_view();
        view! {
            <div class=cls("store-buffer early-accesses", early_changed) data-testid="early-accesses">
                <span class="sb-label">"performed early"</span>
                <ol>{items}</ol>
                {c.early.is_empty().then(|| view! { <span class="none">"none"</span> })}
            </div>
        }
    });
    view! {
        <div class="cpu" data-testid="tlb-cpu" data-cpu=c.label.clone() data-irq-off=yes(c.irq_off)>
            <div class="cpu-head">
                <span class="cpu">{c.label.clone()}</span>
                {c.thread.clone().map(|t| view! { <span class="thread-name">{t}</span> })}
                {c.irq_off.then(|| view! { <span class="irq-off" title="IRQs disabled: flush IPIs wait">"IRQs off"</span> })}
            </div>
            <ul class="tlb">{entries} {dropped} {empty}</ul>
            {store_buffer}
            {early}
        </div>
    }
}

#[component]
pub fn PagePanel() -> impl IntoView {
    panel(|s, prev| {
        let pages = s
            .pages
            .iter()
            .filter(|p| p.allocated || prev.is_some_and(|pr| pr.pages.iter().any(|o| o.name == p.name && o.allocated)))
            .map(|p| {
                let old = prev.and_then(|pr| pr.pages.iter().find(|o| o.name == p.name));
                page_card(p, old)
            })
            .collect_view();
        if s.pages.is_empty() {
            return None;
        }
        let free: Vec<String> = s.pages.iter().filter(|p| !p.allocated).map(|p| p.name.clone()).collect();
        Some(view! {
            <section class="panel" data-testid="pages">
                <h3>"struct pages"</h3>
                <div class="pages">{pages}</div>
                {(!free.is_empty()).then(|| view! { <p class="free">"free: " {free.join(", ")}</p> })}
            </section>
        })
    })
}

fn page_card(p: &PageView, old: Option<&PageView>) -> impl IntoView {
    let ch = |f: &dyn Fn(&PageView) -> bool| old.is_some_and(f);
    let rc_changed = ch(&|o| o.refcount != p.refcount);
    let flags: Vec<&str> = [(p.anon, "anon"), (p.exclusive, "exclusive"), (p.ksm, "KSM")].iter().filter(|f| f.0).map(|f| f.1).collect();
    let slots = p
        .data
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let changed = old.is_some_and(|o| o.data.get(i) != Some(v));
            view! {
                <span class=cls("slot", changed) data-testid="page-slot" data-slot=i data-value=*v title=format!("{}.data[{i}]", p.name)>
                    {*v}
                </span>
            }
        })
        .collect_view();
    view! {
        <div
            class=if p.allocated { "page" } else { "page freed" }
            data-testid="page"
            data-page=p.name.clone()
            data-refcount=p.refcount
            data-base=p.base
            data-pins=p.pins
            data-mapcount=p.mapcount
            data-locked=yes(p.locked_by.is_some())
        >
            <div class="page-head">
                <code class="page-name">{p.name.clone()}</code>
                <span class="flags">{flags.join(" ")}</span>
                {(!p.allocated).then(|| view! { <span class="none">"freed"</span> })}
                {p
                    .locked_by
                    .clone()
                    .map(|t| {
                        view! {
                            <span class=cls("pg-locked", ch(&|o| o.locked_by != p.locked_by)) title="PG_locked">
                                "PG_locked by "
                                {t}
                            </span>
                        }
                    })}
            </div>
            <dl class="page-fields">
                <dt>"_refcount"</dt>
                <dd class=cls("refcount", rc_changed) data-testid="refcount">
                    <code>{p.refcount}</code>
                    <span class="rc-split">" = " {p.base} " + " {p.pins} " × 1024"</span>
                </dd>
                <dt>"mapcount"</dt>
                <dd class=cls("", ch(&|o| o.mapcount != p.mapcount)) data-testid="mapcount">
                    <code>{p.mapcount}</code>
                </dd>
                <dt>"data"</dt>
                <dd class="slots">{slots}</dd>
                <dt>"mapped at"</dt>
                <dd class=cls("", ch(&|o| o.mapped_at != p.mapped_at))>
                    {if p.mapped_at.is_empty() { "—".to_string() } else { p.mapped_at.join(", ") }}
                </dd>
                {(!p.used_by.is_empty() || ch(&|o| !o.used_by.is_empty()))
                    .then(|| {
                        view! {
                            <dt>"used by"</dt>
                            <dd class=cls("used-by", ch(&|o| o.used_by != p.used_by)) data-testid="used-by">
                                {if p.used_by.is_empty() { "—".to_string() } else { p.used_by.join(", ") }}
                            </dd>
                        }
                    })}
            </dl>
        </div>
    }
}

/// What user space stored, which the page it maps must hold (the oracle of `no_lost_write`).
#[component]
pub fn ExpectedPanel() -> impl IntoView {
    panel(|s, prev| {
        if s.expected.is_empty() {
            return None;
        }
        let items = s
            .expected
            .iter()
            .map(|e| {
                let changed = prev.is_some_and(|pr| !pr.expected.contains(e));
                view! {
                    <li class=cls("", changed) data-testid="expected" data-va=e.va.clone() data-slot=e.slot data-value=e.value>
                        <code>{e.va.clone()} "[" {e.slot} "]"</code>
                        " must read "
                        <code>{e.value}</code>
                        <span class="muted">" (stored by " {e.writer.clone()} ")"</span>
                    </li>
                }
            })
            .collect_view();
        Some(view! {
            <section class="panel" data-testid="expected-values">
                <h3>"What user space stored"</h3>
                <ul class="plain">{items}</ul>
            </section>
        })
    })
}

#[component]
pub fn LockPanel() -> impl IntoView {
    panel(|s, prev| {
        if s.locks.is_empty() {
            return None;
        }
        let rows = s
            .locks
            .iter()
            .map(|l| {
                let changed = prev.is_some_and(|pr| pr.locks.iter().find(|o| o.name == l.name) != Some(l));
                let waiters = (!l.waiters.is_empty()).then(|| {
                    let w = l.waiters.iter().map(|w| format!("{} ({})", w.thread, if w.write { "write" } else { "read" })).collect::<Vec<_>>();
                    view! { <span class="waiters">" · waiting: " {w.join(", ")}</span> }
                });
                view! {
                    <li class=cls(&format!("lock lock-{}", l.mode.name().replace(' ', "-")), changed) data-testid="lock" data-lock=l.name.clone() data-mode=l.mode.name()>
                        <code class="lock-name">{l.name.clone()}</code>
                        <span class="lock-kind">{l.kind.name()}</span>
                        <span class="lock-text">{l.text.clone()}</span>
                        {waiters}
                    </li>
                }
            })
            .collect_view();
        Some(view! {
            <section class="panel" data-testid="locks">
                <h3>"Locks"</h3>
                <ul class="plain">{rows}</ul>
            </section>
        })
    })
}

#[component]
pub fn CounterPanel() -> impl IntoView {
    panel(|s, prev| {
        if s.counters.is_empty() {
            return None;
        }
        let items = s
            .counters
            .iter()
            .map(|c| {
                let changed = prev.is_some_and(|pr| pr.counters.iter().find(|o| o.name == c.name).is_some_and(|o| o.value != c.value));
                view! {
                    <li class=cls("counter", changed) data-testid="counter" data-counter=c.name.clone() data-value=c.value>
                        <code class="counter-name">{c.name.clone()}</code>
                        <code class="counter-value">{c.value}</code>
                    </li>
                }
            })
            .collect_view();
        Some(view! {
            <section class="panel" data-testid="counters">
                <h3>"Counters"</h3>
                <ul class="counters">{items}</ul>
            </section>
        })
    })
}

/// GUP references: who holds which page through which address (the device's view of memory).
#[component]
pub fn PinPanel() -> impl IntoView {
    panel(|s, prev| {
        let had = prev.is_some_and(|p| !p.pins.is_empty());
        if s.pins.is_empty() && !had {
            return None;
        }
        let items = s
            .pins
            .iter()
            .map(|p| {
                let changed = prev.is_some_and(|pr| !pr.pins.contains(p));
                view! {
                    <li class=cls("", changed) data-testid="pin" data-holder=p.holder.clone() data-page=p.page.clone()>
                        <strong>{p.holder.clone()}</strong>
                        " holds "
                        <code>{p.page.clone()}</code>
                        " through "
                        <code>{p.va.clone()}</code>
                        <span class="muted">" (" {p.kind.clone()} ")"</span>
                    </li>
                }
            })
            .collect_view();
        let none = s.pins.is_empty().then(|| view! { <li class="none changed">"no GUP reference left"</li> });
        Some(view! {
            <section class="panel" data-testid="pins">
                <h3>"GUP references and the device"</h3>
                <ul class="plain">{items} {none}</ul>
            </section>
        })
    })
}
