//! The graphs for the page to draw: the happens-before graph of a run and the reachable state
//! graph of a small program, as nodes and edges with coordinates. petgraph builds them
//! (`explore::graph`); the layout is a small layered one of our own, in the manner of
//! Sugiyama: layers from the graph (a state's depth; a step's longest chain of predecessors),
//! the order within a layer by barycentre sweeps, then evenly spaced coordinates. The layout
//! crates that build for wasm32 draw to their own SVG and hand back no coordinates, and the
//! graphs here are small (a cap keeps them so), so the few lines are the better deal.

use petgraph::graph::DiGraph;
use petgraph::visit::EdgeRef;
use serde::{Deserialize, Serialize};

use super::ExportError;
use crate::explore::graph::{happens_before, state_graph, HbNode};
use crate::ir::Program;
use crate::schedule;
use crate::step::Choice;

/// Between two nodes of a layer, and between two layers, in the layout's units (pixels at 1×).
pub const DX: f64 = 160.0;
pub const DY: f64 = 90.0;
const MARGIN: f64 = 40.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GraphKind {
    States,
    Hb,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GraphNode {
    pub id: usize,
    pub label: String,
    /// It breaks an invariant (a state), or is a step after which one is broken.
    pub violating: bool,
    /// The invariants broken there.
    pub broken: Vec<String>,
    /// The thread of a step (happens-before graphs).
    pub thread: Option<String>,
    /// The permalink fragment that opens this state (or step) in the player.
    pub link: String,
    pub layer: usize,
    pub x: f64,
    pub y: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GraphEdge {
    pub from: usize,
    pub to: usize,
    /// The thread that steps (state graphs), or `po` / `conflict` (happens-before).
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GraphView {
    pub kind: GraphKind,
    pub title: String,
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
    /// The size of the drawing.
    pub width: f64,
    pub height: f64,
}

/// The link of the state a schedule reaches, as the caller makes links (pinned to the files the
/// run was opened on): the export knows the schedule, the library the version.
pub type LinkOf<'a> = &'a dyn Fn(&[Choice]) -> String;

/// The reachable state graph of `prog`, laid out; an error when it has more than
/// `max_states` states.
pub fn states(scenario: &str, link: LinkOf, prog: &Program, max_states: usize) -> Result<GraphView, ExportError> {
    let g = state_graph(prog, max_states);
    if !g.complete {
        return Err(ExportError::GraphTooLarge { states: g.graph.node_count(), max: max_states });
    }
    let graph = &g.graph;
    // The schedule of each state: its breadth-first parent's, then the edge that found it.
    let mut path: Vec<Option<Vec<Choice>>> = vec![None; graph.node_count()];
    if graph.node_count() > 0 {
        path[0] = Some(Vec::new());
    }
    let mut order: Vec<_> = graph.node_indices().collect();
    order.sort_by_key(|&n| graph[n].id);
    for &n in &order {
        let Some(p) = path[n.index()].clone() else { continue };
        for e in graph.edges(n) {
            let to = e.target().index();
            if path[to].is_none() && graph[e.target()].depth == graph[n].depth + 1 {
                let mut q = p.clone();
                q.push(*e.weight());
                path[to] = Some(q);
            }
        }
    }
    let layers: Vec<usize> = graph.node_indices().map(|n| graph[n].depth as usize).collect();
    let edges: Vec<(usize, usize)> = graph.edge_references().map(|e| (e.source().index(), e.target().index())).collect();
    let (xs, ys, width, height) = layout(&layers, &edges, None);
    let nodes = graph
        .node_indices()
        .map(|n| {
            let s = &graph[n];
            let broken: Vec<String> = s.violated.iter().map(|i| i.name().to_string()).collect();
            let mut label = s.id.to_string();
            if !broken.is_empty() {
                label = format!("{label}: {}", broken.join(", "));
            }
            GraphNode {
                id: n.index(),
                label,
                violating: !broken.is_empty(),
                broken,
                thread: None,
                link: link(path[n.index()].as_deref().unwrap_or(&[])),
                layer: layers[n.index()],
                x: xs[n.index()],
                y: ys[n.index()],
            }
        })
        .collect();
    let edges = graph
        .edge_references()
        .map(|e| GraphEdge { from: e.source().index(), to: e.target().index(), label: schedule::choice_name(*e.weight(), &prog.layout) })
        .collect();
    let title = format!("{} under {} ({}): {} states", scenario, prog.policy, prog.model.name(), graph.node_count());
    Ok(GraphView { kind: GraphKind::States, title, nodes, edges, width, height })
}

/// The happens-before graph of the run of `trace` (steps in one thread's column, each on the
/// layer after its latest predecessor), laid out.
pub fn happens_before_view(scenario: &str, link: LinkOf, prog: &Program, trace: &[Choice]) -> Result<GraphView, ExportError> {
    let g: DiGraph<HbNode, &'static str> = happens_before(prog, trace).map_err(ExportError::Trace)?;
    let n = g.node_count();
    let mut layers = vec![0usize; n];
    let mut edges = Vec::new();
    // Node indices are in step order, a topological order.
    for e in g.edge_references() {
        edges.push((e.source().index(), e.target().index()));
    }
    edges.sort_by_key(|&(a, b)| (b, a));
    for &(a, b) in &edges {
        layers[b] = layers[b].max(layers[a] + 1);
    }
    let mut columns: Vec<String> = Vec::new();
    for w in g.node_weights() {
        if !columns.contains(&w.thread) {
            columns.push(w.thread.clone());
        }
    }
    let column: Vec<usize> = g.node_weights().map(|w| columns.iter().position(|c| *c == w.thread).unwrap_or(0)).collect();
    let (xs, ys, width, height) = layout(&layers, &edges, Some(&column));
    let nodes = g
        .node_indices()
        .map(|i| {
            let w = &g[i];
            let broken: Vec<String> = w.violated.iter().map(|v| v.name().to_string()).collect();
            GraphNode {
                id: i.index(),
                label: format!("{}: {}", w.step, w.text),
                violating: !broken.is_empty(),
                broken,
                thread: Some(w.thread.clone()),
                link: link(&trace[..w.step]),
                layer: layers[i.index()],
                x: xs[i.index()],
                y: ys[i.index()],
            }
        })
        .collect();
    let edges = g
        .edge_references()
        .map(|e| GraphEdge { from: e.source().index(), to: e.target().index(), label: e.weight().to_string() })
        .collect();
    let title = format!("{} under {}: happens-before of {} steps", scenario, prog.policy, trace.len());
    Ok(GraphView { kind: GraphKind::Hb, title, nodes, edges, width, height })
}

/// Coordinates for nodes on `layers`: with `column`, each node in its column; otherwise the
/// order within each layer from barycentre sweeps (down, up, down, up) over `edges`, the
/// layer centred. Returns x, y, and the drawing's width and height.
pub fn layout(layers: &[usize], edges: &[(usize, usize)], column: Option<&[usize]>) -> (Vec<f64>, Vec<f64>, f64, f64) {
    let n = layers.len();
    let depth = layers.iter().max().map_or(0, |d| d + 1);
    let mut pos = vec![0f64; n];
    match column {
        Some(c) => pos.iter_mut().zip(c).for_each(|(p, &c)| *p = c as f64),
        None => {
            let mut by_layer: Vec<Vec<usize>> = vec![Vec::new(); depth];
            for (i, &l) in layers.iter().enumerate() {
                by_layer[l].push(i);
            }
            let place = |by_layer: &Vec<Vec<usize>>, pos: &mut Vec<f64>| {
                for layer in by_layer {
                    let w = layer.len() as f64;
                    for (k, &i) in layer.iter().enumerate() {
                        pos[i] = k as f64 - (w - 1.0) / 2.0;
                    }
                }
            };
            place(&by_layer, &mut pos);
            for sweep in 0..4 {
                let down = sweep % 2 == 0;
                let layer_order: Vec<usize> = if down { (1..depth).collect() } else { (0..depth.saturating_sub(1)).rev().collect() };
                for l in layer_order {
                    let mut keyed: Vec<(f64, usize)> = by_layer[l]
                        .iter()
                        .map(|&i| {
                            let near: Vec<f64> = edges
                                .iter()
                                .filter_map(|&(a, b)| match down {
                                    true if b == i && layers[a] + 1 == l => Some(pos[a]),
                                    false if a == i && layers[b] == l + 1 => Some(pos[b]),
                                    _ => None,
                                })
                                .collect();
                            let bary = if near.is_empty() { pos[i] } else { near.iter().sum::<f64>() / near.len() as f64 };
                            (bary, i)
                        })
                        .collect();
                    keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                    by_layer[l] = keyed.into_iter().map(|(_, i)| i).collect();
                }
                place(&by_layer, &mut pos);
            }
        }
    }
    let min = pos.iter().copied().fold(f64::INFINITY, f64::min);
    let max = pos.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let min = if min.is_finite() { min } else { 0.0 };
    let xs: Vec<f64> = pos.iter().map(|p| MARGIN + (p - min) * DX).collect();
    let ys: Vec<f64> = layers.iter().map(|&l| MARGIN + l as f64 * DY).collect();
    let width = if max.is_finite() { 2.0 * MARGIN + (max - min) * DX } else { 2.0 * MARGIN };
    let height = 2.0 * MARGIN + depth.saturating_sub(1) as f64 * DY;
    (xs, ys, width, height)
}
