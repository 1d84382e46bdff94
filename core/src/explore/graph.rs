//! Graphs, as petgraph graphs and Graphviz DOT text: the reachable state graph of a program,
//! and the happens-before graph of one trace.

use petgraph::dot::{Config, Dot};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use super::encode::{fingerprint, Codec};
use super::por::{Bits, Footprint, Por};
use crate::exec::{self};
use crate::invariants;
use crate::ir::Program;
use crate::layout::{Invariant, InvariantSet};
use crate::schedule;
use crate::state::MAX_THREADS;
use crate::step::Choice;

/// A state of the state graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateNode {
    /// Number in breadth-first order (0 is the initial state).
    pub id: u32,
    pub depth: u32,
    /// Broken invariants (bit i = `Invariant::ALL[i]`).
    pub violated: InvariantSet,
    pub terminal: bool,
}

pub struct StateGraph {
    pub graph: DiGraph<StateNode, Choice>,
    /// False when `max_states` stopped the search: the graph is a part of the whole.
    pub complete: bool,
}

/// The reachable state graph, breadth-first, up to `max_states` states.
pub fn state_graph(prog: &Program, max_states: usize) -> StateGraph {
    let codec = Codec::new(prog);
    let mut enc = vec![0u8; codec.size()];
    let mut index = std::collections::HashMap::<u64, NodeIndex>::new();
    let mut graph = DiGraph::new();
    let mut queue = std::collections::VecDeque::new();
    codec.encode(&prog.init, &mut enc);
    let root = graph.add_node(StateNode { id: 0, depth: 0, violated: invariants::violated(prog, &prog.init), terminal: false });
    index.insert(fingerprint(&enc), root);
    queue.push_back((prog.init, root));
    let mut buf = Vec::new();
    let mut complete = true;
    while let Some((s, at)) = queue.pop_front() {
        exec::choices(prog, &s, &mut buf);
        if buf.is_empty() {
            graph[at].terminal = true;
            continue;
        }
        for &c in &buf {
            let mut n = s;
            if exec::apply(prog, &mut n, c).is_err() {
                continue;
            }
            codec.encode(&n, &mut enc);
            let fp = fingerprint(&enc);
            let to = match index.get(&fp) {
                Some(&to) => to,
                None => {
                    if graph.node_count() >= max_states {
                        complete = false;
                        continue;
                    }
                    let id = graph.node_count() as u32;
                    let depth = graph[at].depth + 1;
                    let to = graph.add_node(StateNode { id, depth, violated: invariants::violated(prog, &n), terminal: false });
                    index.insert(fp, to);
                    queue.push_back((n, to));
                    to
                }
            };
            graph.add_edge(at, to, c);
        }
    }
    StateGraph { graph, complete }
}

fn quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn broken_names(set: InvariantSet) -> Vec<&'static str> {
    set.iter().map(Invariant::name).collect()
}

/// DOT text of a state graph: edges named by the thread that steps, states that break an
/// invariant filled red and named by it, terminal states drawn double.
pub fn state_graph_dot(prog: &Program, g: &StateGraph) -> String {
    let layout = &prog.layout;
    let edge =
        |_, e: petgraph::graph::EdgeReference<'_, Choice>| format!("label = \"{}\"", quote(&schedule::choice_name(*e.weight(), layout)));
    let node = |_, (_, n): (NodeIndex, &StateNode)| {
        let mut attrs = vec![];
        let mut label = format!("{}", n.id);
        if !n.violated.is_empty() {
            label = format!("{}\\n{}", n.id, broken_names(n.violated).join(", "));
            attrs.push("style = filled, fillcolor = \"#f4a6a6\", color = \"#b00000\"".to_string());
        }
        if n.terminal {
            attrs.push("peripheries = 2".to_string());
        }
        if n.id == 0 {
            attrs.push("shape = box".to_string());
        }
        attrs.insert(0, format!("label = \"{label}\""));
        attrs.join(", ")
    };
    let dot = Dot::with_attr_getters(&g.graph, &[Config::EdgeNoLabel, Config::NodeNoLabel], &edge, &node);
    let title = format!(
        "{} under {} ({}): {} states, {} transitions{}",
        prog.scenario,
        prog.policy,
        prog.model.name(),
        g.graph.node_count(),
        g.graph.edge_count(),
        if g.complete { "" } else { " (cut at the state bound)" }
    );
    let text = format!("{dot:?}");
    // Name the graph and give it a title.
    text.replacen(
        "digraph {",
        &format!("digraph states {{\n    label = \"{}\"\n    labelloc = t\n    node [shape = circle, fontsize = 10]", quote(&title)),
        1,
    )
}

/// One step of a happens-before graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HbNode {
    /// 1-based step number in the trace.
    pub step: usize,
    pub thread: String,
    pub text: String,
    pub violated: InvariantSet,
}

/// The happens-before graph of a trace: step i before step j when they are steps of one
/// thread, or when they conflict (one writes what the other reads or writes: see
/// [`super::por`]), transitively reduced. Any order of the steps that respects it reaches
/// the same final state. Linear in the trace: see [`Order`].
pub fn happens_before(prog: &Program, trace: &[Choice]) -> Result<DiGraph<HbNode, &'static str>, String> {
    let por = Por::new(prog);
    let mut s = prog.init;
    let mut g = DiGraph::with_capacity(trace.len(), trace.len() * 2);
    let mut order = Order::new(trace.len());
    let mut edges = vec![];
    for (i, &c) in trace.iter().enumerate() {
        if c.thread() >= prog.threads.len() {
            return Err(format!("step {}: there is no thread #{}", i + 1, c.thread()));
        }
        let text = match c {
            Choice::Run(t) => prog.instr(t as usize, s.threads[t as usize].pc).text.clone(),
            other => schedule::choice_name(other, &prog.layout),
        };
        let fp = por.choice_footprint(prog, &s, c);
        exec::apply(prog, &mut s, c).map_err(|e| format!("step {}: {}", i + 1, crate::describe::step_error_text(prog, &s, c, e)))?;
        g.add_node(HbNode { step: i + 1, thread: schedule::choice_name(c, &prog.layout), text, violated: invariants::violated(prog, &s) });
        order.step(c.thread(), fp, &mut edges);
    }
    // In the order a transitive reduction of the whole graph lists them: by source, then target.
    edges.sort_unstable();
    for (i, j) in edges {
        let kind = if trace[i as usize].thread() == trace[j as usize].thread() { "po" } else { "conflict" };
        g.add_edge(NodeIndex::new(i as usize), NodeIndex::new(j as usize), kind);
    }
    Ok(g)
}

/// How one resource (a bit of a [`Footprint`]) was used since it was last written: the step
/// that wrote it, and per thread the last step since then that read it, and that updated it
/// commutatively.
#[derive(Clone, Copy, Default)]
struct Uses {
    write: Option<u32>,
    reads: [Option<u32>; MAX_THREADS],
    adds: [Option<u32>; MAX_THREADS],
}

/// The happens-before order of a trace, built one step at a time in time and memory linear in
/// the steps. A step's direct predecessors in the transitive reduction are the greatest of the
/// earlier steps it conflicts with. Only a few can be: the step before it in its thread, the
/// last step that wrote each resource it touches, and for each thread the last read or
/// commutative update since then (every older conflicting step comes before one of these).
/// Among those, one per thread at most (the latest), a step stays a direct predecessor unless
/// another candidate comes after it, which each step's vector clock tells.
struct Order {
    /// Per step: its thread, and per thread 1 + the last step of that thread at or before it
    /// (0: none).
    threads: Vec<u8>,
    clocks: Vec<[u32; MAX_THREADS]>,
    /// Per thread: its last step.
    last: [Option<u32>; MAX_THREADS],
    /// Per resource bit.
    uses: Vec<Uses>,
    /// The last step that conflicts with every step (a drain; a step of a relaxed model).
    any: Option<u32>,
}

impl Order {
    fn new(steps: usize) -> Order {
        Order {
            threads: Vec::with_capacity(steps),
            clocks: Vec::with_capacity(steps),
            last: [None; MAX_THREADS],
            uses: vec![Uses::default(); Bits::BITS as usize],
            any: None,
        }
    }

    /// Adds the next step, of thread `t` with footprint `fp`; pushes its edges (from, to).
    fn step(&mut self, t: usize, fp: Footprint, edges: &mut Vec<(u32, u32)>) {
        let j = self.threads.len() as u32;
        // The latest candidate of each thread.
        let mut cand: [Option<u32>; MAX_THREADS] = [None; MAX_THREADS];
        let threads = &self.threads;
        let mut offer = |i: Option<u32>| {
            if let Some(i) = i {
                let u = threads[i as usize] as usize;
                if cand[u].is_none_or(|k| k < i) {
                    cand[u] = Some(i);
                }
            }
        };
        offer(self.last[t]);
        offer(self.any);
        // A step that conflicts with everything follows every step before it.
        let everything = fp.conflicts(Footprint::default());
        if everything {
            self.last.iter().for_each(|&l| offer(l));
        } else {
            let mut touched = fp.reads | fp.writes | fp.adds;
            while touched != 0 {
                let r = touched.trailing_zeros() as usize;
                touched &= touched - 1;
                let bit: Bits = 1 << r;
                let u = &self.uses[r];
                offer(u.write);
                if fp.writes & bit != 0 || fp.adds & bit != 0 {
                    u.reads.iter().for_each(|&i| offer(i));
                }
                if fp.writes & bit != 0 || fp.reads & bit != 0 {
                    u.adds.iter().for_each(|&i| offer(i));
                }
            }
        }
        // The candidates that no other candidate comes after.
        let mut clock = [0u32; MAX_THREADS];
        for (u, i) in cand.iter().enumerate() {
            let Some(i) = *i else { continue };
            let after = cand.iter().flatten().any(|&k| k != i && self.clocks[k as usize][u] > i);
            if !after {
                edges.push((i, j));
            }
            for (c, k) in clock.iter_mut().zip(self.clocks[i as usize]) {
                *c = (*c).max(k);
            }
        }
        clock[t] = j + 1;
        self.threads.push(t as u8);
        self.clocks.push(clock);
        self.last[t] = Some(j);
        if everything {
            self.any = Some(j);
            return;
        }
        let mut touched = fp.reads | fp.writes | fp.adds;
        while touched != 0 {
            let r = touched.trailing_zeros() as usize;
            touched &= touched - 1;
            let bit: Bits = 1 << r;
            let u = &mut self.uses[r];
            if fp.writes & bit != 0 {
                *u = Uses { write: Some(j), ..Uses::default() };
                continue;
            }
            if fp.reads & bit != 0 {
                u.reads[t] = Some(j);
            }
            if fp.adds & bit != 0 {
                u.adds[t] = Some(j);
            }
        }
    }
}

/// DOT text of a happens-before graph: one column (cluster) per thread, program order in
/// black, conflicts between threads in red.
pub fn happens_before_dot(prog: &Program, g: &DiGraph<HbNode, &'static str>, title: &str) -> String {
    let mut out = String::from("digraph happens_before {\n");
    out.push_str(&format!("    label = \"{}\"\n    labelloc = t\n    node [shape = box, fontsize = 10]\n", quote(title)));
    let mut threads: Vec<&str> = vec![];
    for n in g.node_weights() {
        if !threads.contains(&n.thread.as_str()) {
            threads.push(&n.thread);
        }
    }
    for (k, t) in threads.iter().enumerate() {
        let cpu = prog.layout.thread(t.trim_end_matches(".drain")).map(|i| prog.layout.threads[i].cpu_label()).unwrap_or_default();
        out.push_str(&format!("    subgraph cluster_{k} {{\n        label = \"{} ({cpu})\"\n", quote(t)));
        for i in g.node_indices() {
            let n = &g[i];
            if n.thread == *t {
                let mut attrs = format!("label = \"{}: {}\"", n.step, quote(&n.text));
                if !n.violated.is_empty() {
                    attrs.push_str(&format!(
                        ", style = filled, fillcolor = \"#f4a6a6\", tooltip = \"{}\"",
                        quote(&broken_names(n.violated).join(", "))
                    ));
                }
                out.push_str(&format!("        s{} [{attrs}]\n", n.step));
            }
        }
        out.push_str("    }\n");
    }
    for e in g.edge_references() {
        let (a, b) = (&g[e.source()], &g[e.target()]);
        let style = if *e.weight() == "po" { "" } else { " [color = \"#b00000\", constraint = true]" };
        out.push_str(&format!("    s{} -> s{}{style}\n", a.step, b.step));
    }
    out.push_str("}\n");
    out
}
