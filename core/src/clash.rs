//! Register clashes: a thread's registers are shared with every proc it calls (procs are
//! inlined, and `page`, `orig`, `new` are ordinary registers), so a value the caller keeps in
//! a register a proc assigns may be gone when the call returns. The compiler warns about it;
//! nothing here changes a program.
//!
//! The rule, on one thread's compiled code (every proc inlined, the policy's features folded),
//! at each call of a proc P made by a caller C (the thread's body, or a proc):
//!
//! * P, or a proc it calls, assigns the register r on some path by which P returns (not on one
//!   that sleeps for good or ends the thread);
//! * an assignment of r by C itself reaches the call (on some path, with no other assignment of
//!   r between);
//! * r is live when the call returns: some path from the return reads r (in C, or in a proc C
//!   calls next) before anything assigns it again, without leaving C. A register the `exists`
//!   condition names is read when the thread ends;
//! * and r is not P's result: a proc that assigns r on every path by which it returns, called
//!   by a proc that does the same (it passes P's value on as its own, as `pin_user_pages_fast`
//!   does with the `page` of `get_user_pages_slow`), is the catalog's convention for a result.
//!
//! A loop inside P (`goto retry`) is P's own: only the caller's values and reads count. The fault
//! handler a user access runs is a call made at the access. A call is warned about once per
//! register however often its proc is inlined, and a thread gives at most [`MAX_WARNINGS`].

use std::collections::{HashSet, VecDeque};

use crate::ir::{Access, CExpr, Op, PageArg, ThreadCode};
use crate::syntax::{Diagnostic, Pos};

/// One inlined call, as the compiler placed it: the proc's body is the instructions
/// `start..end`, and the caller's code goes on at `end`.
#[derive(Clone, Debug)]
pub struct Call {
    pub proc: String,
    /// Where the call is written: the caller's file and the position of the proc's name (of the
    /// access, for the fault handler).
    pub file: String,
    pub pos: Pos,
    pub start: usize,
    pub end: usize,
    /// The call this one is inlined in; `None` when the thread's body makes it.
    pub parent: Option<usize>,
    /// The fault handler, run when a user access faults: no call is written.
    pub fault: bool,
}

/// A set of registers of one thread, one bit each.
pub type Mask = u16;

/// The most warnings one thread's code gives: a file with more has one mistake many times, and
/// the first ones name it (the bound keeps a hostile file's compile short).
pub const MAX_WARNINGS: usize = 32;
const _: () = assert!(crate::state::MAX_REGS <= Mask::BITS as usize);

fn bit(r: u8) -> Mask {
    1 << r
}

fn page_uses(p: &PageArg) -> Mask {
    match p {
        PageArg::Reg(r) => bit(*r),
        PageArg::Const(_) => 0,
    }
}

fn expr_uses(e: &CExpr) -> Mask {
    match e {
        CExpr::Reg(r) => bit(*r),
        CExpr::PteSame(r, _) => bit(*r),
        CExpr::Field(x, _) | CExpr::Not(x) => expr_uses(x),
        CExpr::Bin(_, l, r) => expr_uses(l) | expr_uses(r),
        CExpr::PageCount(p) | CExpr::MapCount(p) | CExpr::PageFlag(p, _) | CExpr::MaybePinned(p) | CExpr::MkPte(p, _) => page_uses(p),
        CExpr::Const(_) | CExpr::Var(..) | CExpr::Pte(_) | CExpr::VmaFlag(..) | CExpr::LockHeld(_) => 0,
    }
}

/// The registers an instruction reads, and those it assigns.
fn uses_defs(op: &Op) -> (Mask, Mask) {
    use crate::ir::Rmw;
    match op {
        Op::Branch { cond, .. } => (expr_uses(cond), 0),
        Op::Assign { dst, value } => (expr_uses(value), bit(*dst)),
        Op::PageLock(p) | Op::PageUnlock(p) | Op::NewAnonRmap(p) => (page_uses(p), 0),
        Op::PageTrylock { dst, page } | Op::RefAddUnless { dst, page, .. } => (page_uses(page), bit(*dst)),
        Op::SetPte { value, .. } => (expr_uses(value), 0),
        Op::User { access: Access::Load, value, dst, .. } => (expr_uses(value), bit(*dst)),
        Op::User { value, .. } => (expr_uses(value), 0),
        Op::VarSet { value, .. } => (expr_uses(value), 0),
        Op::VarRmw { dst, rmw, .. } => {
            let used = match rmw {
                Rmw::Xchg(v) => expr_uses(v),
                Rmw::CmpXchg(a, b) => expr_uses(a) | expr_uses(b),
                Rmw::AddReturn(_) => 0,
            };
            (used, bit(*dst))
        }
        Op::RefAdd { page, .. } | Op::MapAdd { page, .. } | Op::SetPageFlag { page, .. } | Op::GupReturn { page, .. } => {
            (page_uses(page), 0)
        }
        Op::Alloc { dst } => (0, bit(*dst)),
        Op::CopyChunk { src, dst, .. } => (page_uses(src) | page_uses(dst), 0),
        Op::Dma { write: true, value, .. } => (expr_uses(value), 0),
        Op::Dma { write: false, dst, .. } => (0, bit(*dst)),
        Op::Await { cond } => (expr_uses(cond), 0),
        Op::Jump(_)
        | Op::Sleep(_)
        | Op::Kill(_)
        | Op::LockAcquire { .. }
        | Op::LockRelease { .. }
        | Op::LockDowngrade { .. }
        | Op::PteModify { .. }
        | Op::PteSetWrprotect { .. }
        | Op::PteClear { .. }
        | Op::Flush { .. }
        | Op::TlbEvict { .. }
        | Op::VarAdd { .. }
        | Op::Irq(_)
        | Op::GupRelease
        | Op::VmaFlag { .. }
        | Op::TrackSoftDirty { .. }
        | Op::Fence(_)
        | Op::WaitVar { .. }
        | Op::End => (0, 0),
    }
}

/// Where control may go after instruction `pc` (a sleep, a kill and the end go nowhere: the
/// thread never runs again).
fn successors(op: &Op, pc: usize) -> ([usize; 2], usize) {
    match op {
        Op::Jump(t) => ([*t as usize, 0], 1),
        Op::Branch { if_false, .. } => ([pc + 1, *if_false as usize], 2),
        Op::User { fault, .. } => ([pc + 1, *fault as usize], 2),
        Op::End | Op::Sleep(_) | Op::Kill(_) => ([0, 0], 0),
        _ => ([pc + 1, 0], 1),
    }
}

/// The warnings for one thread's code. `calls` are its inlined calls in the order the compiler
/// opened them (a call's parent comes before it); `at_end` the registers read once the thread has ended (by `exists`); `thread` the thread's
/// name, for the message.
pub fn check(code: &ThreadCode, calls: &[Call], at_end: Mask, thread: &str) -> Vec<Diagnostic> {
    if calls.is_empty() {
        return vec![];
    }
    let n = code.instrs.len();
    let (mut uses, mut defs) = (vec![0 as Mask; n], vec![0 as Mask; n]);
    for (i, ins) in code.instrs.iter().enumerate() {
        (uses[i], defs[i]) = uses_defs(&ins.op);
        if matches!(ins.op, Op::End) {
            uses[i] |= at_end;
        }
    }
    // The innermost call each instruction belongs to (calls nest, and a child opens after its
    // parent, so the last writer is the innermost).
    let mut owner: Vec<Option<usize>> = vec![None; n];
    for (k, c) in calls.iter().enumerate() {
        for o in &mut owner[c.start..c.end] {
            *o = Some(k);
        }
    }
    let mut preds: Vec<Vec<usize>> = vec![vec![]; n];
    for (i, ins) in code.instrs.iter().enumerate() {
        let (succ, m) = successors(&ins.op, i);
        for &s in &succ[..m] {
            if s < n {
                preds[s].push(i);
            }
        }
    }
    // What each call may assign on a path by which it returns (an assignment on a path that
    // sleeps for good or ends the thread never reaches the caller), and what it assigns on
    // every such path.
    let may: Vec<Mask> = calls.iter().map(|c| may_assign(&preds, &defs, c)).collect();
    let must: Vec<Mask> = (0..calls.len()).map(|k| must_assign(code, &defs, &calls[k])).collect();

    let mut out = Vec::new();
    // A proc inlined at several places makes the same call each time: it is looked at once.
    let mut said: HashSet<(String, Pos, u8)> = HashSet::new();
    let callers = std::iter::once(None).chain((0..calls.len()).map(Some));
    for caller in callers {
        let children: Vec<usize> = (0..calls.len()).filter(|&k| calls[k].parent == caller).collect();
        if children.is_empty() {
            continue;
        }
        let (a, b) = match caller {
            None => (0, n),
            Some(k) => (calls[k].start, calls[k].end),
        };
        let own = |i: usize| owner[i] == caller;
        let reach = reaching(code, &defs, a, b, &own);
        let live = liveness(code, &uses, &defs, a, b);
        for &k in &children {
            let c = &calls[k];
            let at_return = if c.end < b { live[c.end - a] } else { 0 };
            let mut clash = may[k] & reach[c.start - a] & at_return;
            if let Some(p) = caller {
                clash &= !(must[k] & must[p]);
            }
            for r in 0..code.regs.len() as u8 {
                if clash & bit(r) == 0 {
                    continue;
                }
                if out.len() >= MAX_WARNINGS || !said.insert((c.file.clone(), c.pos, r)) {
                    continue;
                }
                let set = nearest_own_def(&preds, &defs, a, b, &own, c.start, r);
                let read = first_read(code, &uses, &defs, a, b, c.end, r);
                let (Some(set), Some(read)) = (set, read) else { continue };
                // Where P assigns it: P itself if it does, else the first proc it calls that does.
                let assigned_in: Vec<usize> = (c.start..c.end).filter(|&i| defs[i] & bit(r) != 0).filter_map(|i| owner[i]).collect();
                let in_proc = if assigned_in.contains(&k) { None } else { assigned_in.first().copied() };
                let read_line = line_in(code, calls, &owner, caller, read);
                let who = match caller {
                    None => format!("thread `{thread}`"),
                    Some(p) => format!("`{}`", calls[p].proc),
                };
                let assigns = match in_proc {
                    Some(o) => format!("assigns register `{}` (in `{}`)", code.regs[r as usize], calls[o].proc),
                    None => format!("assigns register `{}`", code.regs[r as usize]),
                };
                let callee =
                    if c.fault { format!("the fault handler `{}`, run when this access faults,", c.proc) } else { format!("`{}`", c.proc) };
                let message = format!(
                    "{callee} {assigns}, which {who} set at line {} and reads at line {read_line}: registers are shared with the procs a thread calls; rename it",
                    code.instrs[set].line
                );
                out.push(Diagnostic::warning(&c.file, c.pos, message));
            }
        }
    }
    out
}

/// The registers a call assigns on some path from which it returns: backwards from the return.
fn may_assign(preds: &[Vec<usize>], defs: &[Mask], c: &Call) -> Mask {
    let (a, b) = (c.start, c.end);
    if a == b || b >= preds.len() {
        return 0;
    }
    let mut seen = vec![false; b - a];
    let mut todo: Vec<usize> = preds[b].iter().copied().filter(|p| (a..b).contains(p)).collect();
    let mut may = 0;
    while let Some(i) = todo.pop() {
        if seen[i - a] {
            continue;
        }
        seen[i - a] = true;
        may |= defs[i];
        todo.extend(preds[i].iter().copied().filter(|p| (a..b).contains(p)));
    }
    may
}

/// The registers a call assigns on every path from its start to its return (a path that
/// sleeps or ends the thread never returns, and does not count).
fn must_assign(code: &ThreadCode, defs: &[Mask], c: &Call) -> Mask {
    let (a, b) = (c.start, c.end);
    if a == b {
        return 0;
    }
    // Forward: what is assigned on every path so far; the meet is intersection.
    let all: Mask = Mask::MAX;
    let mut inn = vec![all; b - a + 1];
    inn[0] = 0;
    let mut changed = true;
    while changed {
        changed = false;
        for i in a..b {
            let out = inn[i - a] | defs[i];
            let (succ, m) = successors(&code.instrs[i].op, i);
            for &s in &succ[..m] {
                if (a..=b).contains(&s) && s != a {
                    let v = inn[s - a] & out;
                    if v != inn[s - a] {
                        inn[s - a] = v;
                        changed = true;
                    }
                }
            }
        }
    }
    // Unreached return: the proc never returns, nothing is its result.
    if inn[b - a] == all {
        0
    } else {
        inn[b - a]
    }
}

/// Forward, over the region `a..b`: at each instruction, the registers whose value may come
/// from an assignment by the region's owner (`own`).
fn reaching(code: &ThreadCode, defs: &[Mask], a: usize, b: usize, own: &dyn Fn(usize) -> bool) -> Vec<Mask> {
    let mut inn = vec![0 as Mask; b - a];
    let mut changed = true;
    while changed {
        changed = false;
        for i in a..b {
            let out = (inn[i - a] & !defs[i]) | if own(i) { defs[i] } else { 0 };
            let (succ, m) = successors(&code.instrs[i].op, i);
            for &s in &succ[..m] {
                if (a..b).contains(&s) && inn[s - a] | out != inn[s - a] {
                    inn[s - a] |= out;
                    changed = true;
                }
            }
        }
    }
    inn
}

/// Backward, over the region `a..b`: at each instruction, the registers read before being
/// assigned on some path that stays in the region.
fn liveness(code: &ThreadCode, uses: &[Mask], defs: &[Mask], a: usize, b: usize) -> Vec<Mask> {
    let mut live = vec![0 as Mask; b - a];
    let mut changed = true;
    while changed {
        changed = false;
        for i in (a..b).rev() {
            let (succ, m) = successors(&code.instrs[i].op, i);
            let out = succ[..m].iter().filter(|s| (a..b).contains(*s)).fold(0, |acc, &s| acc | live[s - a]);
            let v = uses[i] | (out & !defs[i]);
            if v != live[i - a] {
                live[i - a] = v;
                changed = true;
            }
        }
    }
    live
}

/// The owner's assignment of `r` whose value reaches `to`, the nearest: backwards from `to`,
/// each path stops at the first assignment of `r` it meets (only that one's value gets through).
fn nearest_own_def(
    preds: &[Vec<usize>],
    defs: &[Mask],
    a: usize,
    b: usize,
    own: &dyn Fn(usize) -> bool,
    to: usize,
    r: u8,
) -> Option<usize> {
    let mut seen = vec![false; b - a];
    let mut todo: VecDeque<usize> = preds[to].iter().copied().filter(|p| (a..b).contains(p)).collect();
    while let Some(i) = todo.pop_front() {
        if seen[i - a] {
            continue;
        }
        seen[i - a] = true;
        if defs[i] & bit(r) != 0 {
            if own(i) {
                return Some(i);
            }
            continue;
        }
        todo.extend(preds[i].iter().copied().filter(|p| (a..b).contains(p)));
    }
    None
}

/// The nearest read of `r` from `from`, before any assignment of it, in the region.
fn first_read(code: &ThreadCode, uses: &[Mask], defs: &[Mask], a: usize, b: usize, from: usize, r: u8) -> Option<usize> {
    let mut seen = vec![false; b - a];
    let mut todo = VecDeque::from([from]);
    while let Some(i) = todo.pop_front() {
        if !(a..b).contains(&i) || seen[i - a] {
            continue;
        }
        seen[i - a] = true;
        if uses[i] & bit(r) != 0 {
            return Some(i);
        }
        if defs[i] & bit(r) != 0 {
            continue;
        }
        let (succ, m) = successors(&code.instrs[i].op, i);
        todo.extend(&succ[..m]);
    }
    None
}

/// The line, in the caller's own code, of instruction `i`: its own line, or the line of the
/// call (made by the caller) it is inside.
fn line_in(code: &ThreadCode, calls: &[Call], owner: &[Option<usize>], caller: Option<usize>, i: usize) -> u32 {
    let mut o = owner[i];
    while let Some(k) = o {
        if calls[k].parent == caller {
            return calls[k].pos.line;
        }
        o = calls[k].parent;
    }
    code.instrs[i].line
}
