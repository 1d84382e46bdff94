//! A run as a trace in the Chrome trace-event JSON format, which ui.perfetto.dev (and
//! chrome://tracing) open. One process, one track (thread) per CPU, named by `thread_name`
//! metadata events; on each track a complete slice (`ph: "X"`) per run of one kernel function,
//! and inside it a slice per step, named by its statement. Instant events (`ph: "i"`) mark an
//! invariant breaking and a TLB flush; flow events (`ph: "s"` at a lock's release, `ph: "f"`,
//! bound to the enclosing slice, at the acquire it lets through) draw the hand-over as an
//! arrow. Time is the step number: step `n` runs from `(n - 1) * STEP_US` for `STEP_US`
//! microseconds.

use serde::Serialize;
use serde_json::{json, Value};

use super::StepRange;
use crate::ir::{Op, Program};
use crate::replay::Run;
use crate::scenario::Scenario;
use crate::view::{self, StepView};

/// The length of one step, in the format's microseconds (so a step reads as 1 ms).
pub const STEP_US: u64 = 1000;
const PID: u32 = 1;

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Event {
    pub name: String,
    pub cat: String,
    pub ph: &'static str,
    pub ts: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dur: Option<u64>,
    pub pid: u32,
    pub tid: u32,
    /// Instant events: the scope (`t`: the thread).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s: Option<&'static str>,
    /// Flow events: the flow's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// Flow end: `e` binds it to the enclosing slice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bp: Option<&'static str>,
    pub args: Value,
}

fn event(name: impl Into<String>, cat: &str, ph: &'static str, ts: u64, tid: u32, args: Value) -> Event {
    Event { name: name.into(), cat: cat.to_string(), ph, ts, dur: None, pid: PID, tid, s: None, id: None, bp: None, args }
}

fn start(step: usize) -> u64 {
    (step as u64 - 1) * STEP_US
}

/// The events of `run`'s steps in `steps` (all by default), in the order written.
pub fn events(sc: &Scenario, prog: &Program, run: &Run, steps: Option<StepRange>) -> Vec<Event> {
    let range = steps.unwrap_or(StepRange::all(run.steps.len()));
    let tid = |t: usize| t as u32 + 1;
    let mut out = Vec::new();
    let process = format!("{} under {} ({})", sc.id, prog.policy, prog.model.name());
    out.push(event("process_name", "__metadata", "M", 0, 0, json!({ "name": process })));
    for (t, info) in prog.layout.threads.iter().enumerate() {
        out.push(event("thread_name", "__metadata", "M", 0, tid(t), json!({ "name": format!("{} {}", info.cpu_label(), info.name) })));
        out.push(event("thread_sort_index", "__metadata", "M", 0, tid(t), json!({ "sort_index": t })));
    }
    let views: Vec<StepView> = view::steps(prog, run).filter(|v| range.contains(v.step)).collect::<Vec<_>>();
    let thread_of = |v: &StepView| prog.layout.threads.iter().position(|i| i.name == v.thread).unwrap_or(0);

    // A slice per run of one kernel function of one thread, around its steps' slices.
    for t in 0..prog.threads.len() {
        let mine: Vec<&StepView> = views.iter().filter(|v| thread_of(v) == t).collect();
        let mut i = 0;
        while i < mine.len() {
            let mut j = i;
            while j + 1 < mine.len() && mine[j + 1].function == mine[i].function {
                j += 1;
            }
            let (first, last) = (mine[i].step, mine[j].step);
            let mut e = event(
                &mine[i].function,
                "function",
                "X",
                start(first),
                tid(t),
                json!({ "file": mine[i].file, "steps": format!("{first}..{last}") }),
            );
            e.dur = Some(start(last) + STEP_US - start(first));
            out.push(e);
            i = j + 1;
        }
    }

    // The lock hand-overs: each acquire from the latest release of that lock by another thread
    // before it, each release at most once.
    let lock_op = |v: &StepView, t: usize| -> Option<(bool, u8)> {
        if v.pc == crate::step::NO_PC || v.choice != view::ChoiceKind::Run {
            return None;
        }
        match prog.instr(t, v.pc).op {
            Op::LockAcquire { lock, .. } => Some((true, lock)),
            Op::LockRelease { lock, .. } => Some((false, lock)),
            _ => None,
        }
    };
    let mut flows: Vec<(usize, usize)> = Vec::new(); // (release step, acquire step), as indices into views
    let mut used = vec![false; views.len()];
    for (k, v) in views.iter().enumerate() {
        let t = thread_of(v);
        let Some((true, lock)) = lock_op(v, t) else { continue };
        let from = (0..k).rev().find(|&r| {
            let rt = thread_of(&views[r]);
            rt != t && lock_op(&views[r], rt) == Some((false, lock))
        });
        if let Some(r) = from.filter(|&r| !used[r]) {
            used[r] = true;
            flows.push((r, k));
        }
    }

    for (k, v) in views.iter().enumerate() {
        let t = thread_of(v);
        let mut e = event(
            v.text.clone(),
            "step",
            "X",
            start(v.step),
            tid(t),
            json!({ "step": v.step, "function": v.function, "source": v.source, "what": v.description }),
        );
        e.dur = Some(STEP_US);
        out.push(e);
        for (n, &(r, a)) in flows.iter().enumerate() {
            let lock = match lock_op(&views[r], thread_of(&views[r])) {
                Some((_, l)) => prog.layout.locks[l as usize].name.clone(),
                None => continue,
            };
            if r == k || a == k {
                let ph = if r == k { "s" } else { "f" };
                let mut f = event(lock.clone(), "step", ph, start(v.step), tid(t), json!({}));
                f.id = Some(n as u64 + 1);
                if a == k {
                    f.bp = Some("e");
                }
                out.push(f);
            }
        }
        if v.pc != crate::step::NO_PC && v.choice == view::ChoiceKind::Run {
            let flush = matches!(prog.instr(t, v.pc).op, Op::Flush { .. } | Op::PteClear { flush: true, .. });
            if flush {
                let mut i =
                    event(format!("TLB flush: {}", v.text), "tlb", "i", start(v.step) + STEP_US / 2, tid(t), json!({ "step": v.step }));
                i.s = Some("t");
                out.push(i);
            }
        }
        for inv in &v.invariants {
            if inv.broken_at == Some(v.step) {
                let mut i = event(
                    format!("{} breaks", inv.name),
                    "invariant",
                    "i",
                    start(v.step) + STEP_US - 1,
                    tid(t),
                    json!({ "step": v.step, "message": inv.message }),
                );
                i.s = Some("t");
                out.push(i);
            }
        }
    }
    out
}

/// The trace as JSON text: `{"traceEvents": [...], "displayTimeUnit": "ms", ...}`.
pub fn trace_json(sc: &Scenario, prog: &Program, run: &Run, steps: Option<StepRange>) -> String {
    let events = events(sc, prog, run, steps);
    let doc = json!({
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": {
            "scenario": sc.id,
            "title": sc.title,
            "policy": prog.policy,
            "model": prog.model.name(),
            "steps": run.steps.len(),
        },
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
