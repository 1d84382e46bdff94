//! The "graph" panel: the happens-before graph of the run shown, or the reachable state graph
//! of its program (for a small scenario), as the core lays them out (`lab::hb_graph_view`,
//! `lab::state_graph_view`: every node's place and the link that opens it), drawn here as SVG.
//! A violating node is drawn as a double-ringed square with a `✗` and says what breaks, not by
//! colour alone; each node is a link to its state in the player; a graph too large to draw is
//! the core's message.

use leptos::prelude::*;
use racelab_core::lab::{self, GraphKind, GraphView};

use super::ctx::Ctx;
use crate::catalog::href;
use crate::state::lab::library_with_edits;
use crate::state::session::Session;

/// The most states the page draws: past it, the core's error says so.
pub const MAX_STATES: usize = 300;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Which {
    Hb,
    States,
}

/// The graph of `which` for the run, laid out by the core, or its error.
fn graph_of(s: &Session, which: Which) -> Result<GraphView, String> {
    let lib = library_with_edits(&s.edits);
    match which {
        Which::Hb => lab::hb_graph_view(lib, &s.opened),
        Which::States => lab::state_graph_view(lib, &s.opened, MAX_STATES),
    }
    .map_err(|e| e.to_string())
}

/// A label cut to `n` characters for the drawing (the whole one is the node's title).
pub fn short(label: &str, n: usize) -> String {
    if label.chars().count() <= n {
        label.to_string()
    } else {
        format!("{}…", label.chars().take(n.saturating_sub(1)).collect::<String>())
    }
}

/// What a node says to a screen reader and in its tooltip.
pub fn node_name(kind: GraphKind, label: &str, broken: &[String]) -> String {
    let what = match kind {
        GraphKind::Hb => format!("step {label}"),
        GraphKind::States => format!("state {label}"),
    };
    if broken.is_empty() {
        format!("{what}; open it in the player")
    } else {
        format!("{what}; breaks {}; open it in the player", broken.join(", "))
    }
}

#[component]
fn Drawing(graph: GraphView) -> impl IntoView {
    let GraphView { kind, title, nodes, edges, width, height } = graph;
    let pad = 20.0;
    let (w, h) = (width + 2.0 * pad, height + 2.0 * pad);
    let lines = edges
        .iter()
        .filter_map(|e| Some((nodes.get(e.from)?, nodes.get(e.to)?, e.label.clone())))
        .map(|(a, b, label)| {
            let dashed = label == "conflict";
            view! {
                <line
                    class="graph-edge"
                    class:conflict=dashed
                    x1={a.x + pad}
                    y1={a.y + pad}
                    x2={b.x + pad}
                    y2={b.y + pad}
                    marker-end="url(#graph-arrow)"
                >
                    <title>{label}</title>
                </line>
            }
        })
        .collect_view();
    let violating = nodes.iter().filter(|n| n.violating).count();
    let dots = nodes
        .into_iter()
        .map(|n| {
            let (x, y) = (n.x + pad, n.y + pad);
            let name = node_name(kind, &n.label, &n.broken);
            let tip = name.clone();
            let text = short(&n.label, 22);
            let mark = n.violating.then(|| {
                view! {
                    <rect class="graph-ring" x={x - 15.0} y={y - 15.0} width="30" height="30"></rect>
                    <text class="graph-cross" x=x y={y + 5.0} text-anchor="middle">"✗"</text>
                }
            });
            // In a <g>, so that the macro makes the SVG <a>, not the HTML one.
            view! {
                <g>
                <a
                    class="graph-node"
                    class:violating=n.violating
                    href=href(&n.link)
                    data-testid="graph-node"
                    data-violating=n.violating.to_string()
                    data-link=n.link.clone()
                    aria-label=name
                >
                    <title>{tip}</title>
                    {if n.violating {
                        view! { <rect class="graph-dot" x={x - 10.0} y={y - 10.0} width="20" height="20"></rect> }.into_any()
                    } else {
                        view! { <circle class="graph-dot" cx=x cy=y r="9"></circle> }.into_any()
                    }}
                    {mark}
                    <text class="graph-label" x=x y={y + 30.0} text-anchor="middle">{text}</text>
                </a>
                </g>
            }
        })
        .collect_view();
    let legend = if violating == 0 {
        "No node breaks an invariant.".to_string()
    } else {
        let (s, verb, shape) = if violating == 1 { ("", "breaks", "a square") } else { ("s", "break", "squares") };
        format!("{violating} node{s} {verb} an invariant: drawn as {shape} marked ✗.")
    };
    view! {
        <p class="graph-title" data-testid="graph-title">{title}</p>
        <p class="graph-legend">{legend} " Each node opens its state in the player."</p>
        <div class="graph-scroll" tabindex="0" role="region" aria-label="the graph">
            <svg
                class="graph-svg"
                data-testid="graph-svg"
                data-kind={match kind { GraphKind::Hb => "hb", GraphKind::States => "states" }}
                viewBox=format!("0 0 {w} {h}")
                width=w
                height=h
                role="group"
            >
                <defs>
                    <marker id="graph-arrow" viewBox="0 0 10 10" refX="18" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                        <path d="M 0 0 L 10 5 L 0 10 z" class="graph-arrowhead"></path>
                    </marker>
                </defs>
                {lines}
                {dots}
            </svg>
        </div>
    }
}

#[component]
pub fn GraphPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let which = RwSignal::new(None::<Which>);
    let graph = Memo::new(move |_| which.get().map(|w| ctx.session.with(|s| graph_of(s, w))));
    let tab = move |w: Which, label: &'static str, id: &'static str| {
        view! {
            <button
                data-testid=id
                aria-pressed=move || (which.get() == Some(w)).to_string()
                on:click=move |_| which.update(|c| *c = if *c == Some(w) { None } else { Some(w) })
            >
                {label}
            </button>
        }
    };
    view! {
        <section class="panel graph-panel" data-testid="graph-panel" aria-labelledby="graph-heading">
            <h3 id="graph-heading">"graph"</h3>
            <div class="buttons">
                {tab(Which::Hb, "happens-before of this run", "graph-hb")}
                {tab(Which::States, "every reachable state", "graph-states")}
            </div>
            {move || match graph.get() {
                None => None,
                Some(Ok(g)) => Some(view! { <Drawing graph=g/> }.into_any()),
                Some(Err(e)) => Some(view! { <p class="graph-error" data-testid="graph-error" role="status">{e}</p> }.into_any()),
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn a_long_label_is_cut_with_an_ellipsis() {
        assert_eq!(short("25: set_pte_at", 40), "25: set_pte_at");
        assert_eq!(short("abcdefgh", 5), "abcd…");
    }

    #[wasm_bindgen_test]
    fn a_violating_node_says_what_breaks() {
        let n = node_name(GraphKind::Hb, "25: x", &["no_lost_write".to_string()]);
        assert_eq!(n, "step 25: x; breaks no_lost_write; open it in the player");
    }

    #[wasm_bindgen_test]
    fn the_state_graph_of_a_large_race_is_the_cores_error() {
        let (s, _) = Session::from_link("v=1&s=race1a&p=v5_10&tr=lost_write&i=12").expect("opens");
        let e = graph_of(&s, Which::States).unwrap_err();
        assert!(e.starts_with(&format!("the state graph has more than {MAX_STATES} states")), "{e}");
    }
}
