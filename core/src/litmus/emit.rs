//! A parsed C litmus test, written as racelab scenario source: one `var` per shared location,
//! one `lock` per spinlock, one thread per `Pn` on CPU n, herd's final condition as the
//! scenario's `exists`. Everything racelab cannot express is an error at its place in the test.

use std::collections::{BTreeMap, BTreeSet};

use super::parse::{Binary, CondLoc, CondValue, Expr, LocKind, Name, Prop, Quantifier, Stmt, Test, Unary};
use crate::primitives::{self, Use};
use crate::state::{MAX_CPUS, MAX_LOCKS, MAX_REGS, MAX_THREADS, MAX_VARS};
use crate::syntax::{Diagnostic, Pos};

/// Words that racelab's parser or machine gives a meaning: neither a location nor a register
/// may be called so.
const RESERVED: &[&str] = &[
    "if",
    "else",
    "goto",
    "return",
    "in",
    "sleep",
    "store",
    "add",
    "load",
    "true",
    "false",
    "feature",
    "mmap_lock",
    "ptl",
    "tlb_flush_pending",
    "has_pinned",
    "write_protect_seq",
    "wrprotect_tlb_flush_pending",
    "GUP_PIN_COUNTING_BIAS",
];

/// How a primitive takes an argument.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Arg {
    /// The location as an lvalue: `*x` (READ_ONCE, WRITE_ONCE).
    Lvalue,
    /// The pointer: `x` (smp_load_acquire, the atomics).
    Pointer,
    /// A `spinlock_t *`.
    Lock,
    /// A value computed from registers and constants.
    Value,
    /// A constant (racelab's `atomic_add` adds a fixed amount).
    Constant,
}

/// A kernel primitive the importer knows: its name in C, its name in racelab, its arguments in
/// C's order, and the order racelab takes them in (indices into the C arguments).
struct Prim {
    c: &'static str,
    racelab: &'static str,
    args: &'static [Arg],
    order: &'static [usize],
}

const fn p(c: &'static str, racelab: &'static str, args: &'static [Arg], order: &'static [usize]) -> Prim {
    Prim { c, racelab, args, order }
}

use Arg::{Constant, Lock, Lvalue, Pointer, Value};

/// Every call the importer translates. A racelab name the scenario language does not have
/// (yet) makes the call an error that says so.
const PRIMS: &[Prim] = &[
    p("READ_ONCE", "READ_ONCE", &[Lvalue], &[0]),
    p("WRITE_ONCE", "WRITE_ONCE", &[Lvalue, Value], &[0, 1]),
    p("smp_load_acquire", "smp_load_acquire", &[Pointer], &[0]),
    p("smp_store_release", "smp_store_release", &[Pointer, Value], &[0, 1]),
    p("smp_mb", "smp_mb", &[], &[]),
    p("smp_rmb", "smp_rmb", &[], &[]),
    p("smp_wmb", "smp_wmb", &[], &[]),
    p("smp_mb__before_atomic", "smp_mb__before_atomic", &[], &[]),
    p("smp_mb__after_atomic", "smp_mb__after_atomic", &[], &[]),
    p("smp_mb__after_spinlock", "smp_mb__after_spinlock", &[], &[]),
    p("spin_lock", "spin_lock", &[Lock], &[0]),
    p("spin_unlock", "spin_unlock", &[Lock], &[0]),
    p("spin_is_locked", "spin_is_locked", &[Lock], &[0]),
    p("spin_trylock", "spin_trylock", &[Lock], &[0]),
    p("atomic_read", "atomic_read", &[Pointer], &[0]),
    p("atomic_set", "atomic_set", &[Pointer, Value], &[0, 1]),
    p("atomic_read_acquire", "smp_load_acquire", &[Pointer], &[0]),
    p("atomic_set_release", "smp_store_release", &[Pointer, Value], &[0, 1]),
    p("atomic_inc", "atomic_inc", &[Pointer], &[0]),
    p("atomic_dec", "atomic_dec", &[Pointer], &[0]),
    // The kernel's atomic_add(i, v) puts the amount first; racelab's atomic_add(VAR, n) second.
    p("atomic_add", "atomic_add", &[Constant, Pointer], &[1, 0]),
    p("atomic_sub", "atomic_sub", &[Constant, Pointer], &[1, 0]),
    p("atomic_inc_return", "atomic_inc_return", &[Pointer], &[0]),
    p("atomic_dec_return", "atomic_dec_return", &[Pointer], &[0]),
    p("xchg", "xchg", &[Pointer, Value], &[0, 1]),
    p("xchg_relaxed", "xchg_relaxed", &[Pointer, Value], &[0, 1]),
    p("xchg_acquire", "xchg_acquire", &[Pointer, Value], &[0, 1]),
    p("xchg_release", "xchg_release", &[Pointer, Value], &[0, 1]),
    p("cmpxchg", "cmpxchg", &[Pointer, Value, Value], &[0, 1, 2]),
    p("cmpxchg_relaxed", "cmpxchg_relaxed", &[Pointer, Value, Value], &[0, 1, 2]),
    p("cmpxchg_acquire", "cmpxchg_acquire", &[Pointer, Value, Value], &[0, 1, 2]),
    p("cmpxchg_release", "cmpxchg_release", &[Pointer, Value, Value], &[0, 1, 2]),
];

/// Why a family of calls is out of reach, for the error message.
fn unsupported_reason(name: &str) -> Option<&'static str> {
    if name.starts_with("srcu_") || name.contains("_srcu") {
        return Some("racelab models no SRCU");
    }
    if ["rcu_dereference", "rcu_assign_pointer", "rcu_access_pointer", "rcu_pointer_handoff", "rcu_replace_pointer"].contains(&name) {
        return Some("racelab has no pointer-valued locations");
    }
    if name.starts_with("rcu_") || name.starts_with("synchronize_rcu") || name == "call_rcu" || name == "kfree_rcu" {
        return Some("racelab models no RCU grace periods");
    }
    if name == "smp_read_barrier_depends" {
        return Some("LKMM no longer has it: READ_ONCE orders address dependencies");
    }
    None
}

/// A racelab expression, printed with racelab's precedences (`||` < `&&` < comparisons <
/// `+ - &`), parenthesised wherever C's grouping would otherwise be lost.
#[derive(Clone, Debug)]
enum R {
    Atom(String),
    Not(Box<R>),
    Bin(&'static str, Box<R>, Box<R>),
}

fn prec(op: &str) -> u8 {
    match op {
        "||" => 1,
        "&&" => 2,
        "==" | "!=" | "<" | "<=" | ">" | ">=" => 3,
        _ => 4,
    }
}

impl R {
    fn bin(op: &'static str, l: R, r: R) -> R {
        R::Bin(op, Box::new(l), Box::new(r))
    }
    fn not(e: R) -> R {
        match e {
            R::Not(inner) => *inner,
            e => R::Not(Box::new(e)),
        }
    }
    fn text(&self) -> String {
        match self {
            R::Atom(s) => s.clone(),
            R::Not(e) => match **e {
                R::Bin(..) => format!("!({})", e.text()),
                _ => format!("!{}", e.text()),
            },
            R::Bin(op, l, r) => {
                let p = prec(op);
                let side = |e: &R, right: bool| match e {
                    R::Bin(inner, ..) => {
                        let q = prec(inner);
                        let same_assoc = inner == op && (*op == "&&" || *op == "||" || (!right && (*op == "+" || *op == "&")));
                        if q > p || same_assoc {
                            e.text()
                        } else {
                            format!("({})", e.text())
                        }
                    }
                    _ => e.text(),
                };
                format!("{} {op} {}", side(l, false), side(r, true))
            }
        }
    }
}

/// Where a call stands: as a statement, as the whole right-hand side of `r = …`, or inside an
/// expression (a condition).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Statement,
    Rhs,
    Inside,
}

struct Loc {
    kind: LocKind,
    value: i64,
}

struct Emitter<'a> {
    file: &'a str,
    test: &'a Test,
    locs: BTreeMap<String, Loc>,
    /// Location names in the order the test introduces them.
    order: Vec<String>,
}

/// One thread being written.
struct ThreadOut {
    index: u32,
    params: BTreeSet<String>,
    /// Every register the thread names, for the register cap.
    known: Vec<String>,
    /// The registers written so far, in the order of the text.
    written: BTreeSet<String>,
    /// Registers read before any write, which racelab must be told start at 0.
    zero: Vec<String>,
    lines: Vec<String>,
    depth: usize,
}

impl ThreadOut {
    fn line(&mut self, s: String) {
        self.lines.push(format!("{}{s}", "  ".repeat(self.depth + 1)));
    }
}

fn err<T>(file: &str, pos: Pos, msg: impl Into<String>) -> Result<T, Diagnostic> {
    Err(Diagnostic::new(file, pos, msg))
}

/// A racelab string literal.
pub(super) fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The scenario id for a test name: `SB+poonceonces` → `SB_poonceonces`.
pub(super) fn scenario_id(name: &str) -> String {
    let mut id = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c);
        } else if !id.ends_with('_') {
            id.push('_');
        }
    }
    let id = id.trim_matches('_').to_string();
    match id.chars().next() {
        None => "litmus".to_string(),
        Some(c) if c.is_ascii_digit() => format!("litmus_{id}"),
        Some(_) => id,
    }
}

fn is_thread_name(s: &str) -> bool {
    s.strip_prefix('P').is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
}

impl<'a> Emitter<'a> {
    fn err<T>(&self, pos: Pos, msg: impl Into<String>) -> Result<T, Diagnostic> {
        err(self.file, pos, msg)
    }

    fn fits(&self, v: i64, pos: Pos) -> Result<i64, Diagnostic> {
        if v < i16::MIN as i64 || v > i16::MAX as i64 {
            return self.err(pos, format!("{v} does not fit racelab's 16-bit values ({} ..= {})", i16::MIN, i16::MAX));
        }
        Ok(v)
    }

    fn check_name(&self, n: &Name, what: &str) -> Result<(), Diagnostic> {
        if RESERVED.contains(&n.name.as_str()) {
            return self.err(n.pos, format!("{what} `{}` has a name racelab reserves: rename it", n.name));
        }
        Ok(())
    }

    /// The shared locations, from the initial state and the parameter lists.
    fn locations(&mut self) -> Result<(), Diagnostic> {
        let t = self.test;
        for l in &t.locations {
            if l.pointer.is_some() {
                return self.err(l.name.pos, format!("`{}` holds a pointer: racelab has no pointer-valued locations", l.name.name));
            }
            self.check_name(&l.name, "location")?;
            if is_thread_name(&l.name.name) {
                return self.err(l.name.pos, format!("location `{}` has the name of a thread: rename it", l.name.name));
            }
            let kind = l.kind.unwrap_or(LocKind::Int);
            if kind == LocKind::Lock && l.value != 0 {
                return self.err(l.name.pos, format!("spinlock `{}` must start unlocked", l.name.name));
            }
            let value = self.fits(l.value, l.name.pos)?;
            self.locs.insert(l.name.name.clone(), Loc { kind, value });
            self.order.push(l.name.name.clone());
        }
        // A location the initial state declares untyped takes its kind from the parameters.
        let untyped: BTreeSet<&str> = t.locations.iter().filter(|l| l.kind.is_none()).map(|l| l.name.name.as_str()).collect();
        let mut typed_by_param: BTreeSet<String> = BTreeSet::new();
        for th in &t.threads {
            for prm in &th.params {
                if let Some(why) = &prm.unsupported {
                    return self.err(prm.name.pos, why.clone());
                }
                self.check_name(&prm.name, "location")?;
                if is_thread_name(&prm.name.name) {
                    return self.err(prm.name.pos, format!("location `{}` has the name of a thread: rename it", prm.name.name));
                }
                match self.locs.get_mut(&prm.name.name) {
                    None => {
                        self.locs.insert(prm.name.name.clone(), Loc { kind: prm.kind, value: 0 });
                        self.order.push(prm.name.name.clone());
                        typed_by_param.insert(prm.name.name.clone());
                    }
                    Some(l) => {
                        let settle = untyped.contains(prm.name.name.as_str()) && !typed_by_param.contains(&prm.name.name);
                        if settle {
                            if prm.kind == LocKind::Lock && l.value != 0 {
                                return self.err(prm.name.pos, format!("spinlock `{}` must start unlocked", prm.name.name));
                            }
                            l.kind = prm.kind;
                            typed_by_param.insert(prm.name.name.clone());
                        } else if (l.kind == LocKind::Lock) != (prm.kind == LocKind::Lock) {
                            let what = |k: LocKind| if k == LocKind::Lock { "a spinlock_t" } else { "a variable" };
                            let msg = format!("`{}` is {} here and {} elsewhere in the test", prm.name.name, what(prm.kind), what(l.kind));
                            return err(self.file, prm.name.pos, msg);
                        }
                    }
                }
            }
        }
        let vars = self.locs.values().filter(|l| l.kind != LocKind::Lock).count();
        let locks = self.locs.len() - vars;
        if vars > MAX_VARS {
            return self.err(t.name_pos, format!("{vars} shared variables: racelab has room for {MAX_VARS}"));
        }
        if locks > MAX_LOCKS {
            return self.err(t.name_pos, format!("{locks} spinlocks: racelab has room for {MAX_LOCKS}"));
        }
        Ok(())
    }

    fn is_var(&self, name: &str) -> bool {
        self.locs.get(name).is_some_and(|l| l.kind != LocKind::Lock)
    }

    /// A location named in a thread's code: it must be one of the thread's parameters.
    fn location(&self, th: &ThreadOut, n: &Name, want: Arg, prim: &str) -> Result<String, Diagnostic> {
        let Some(loc) = self.locs.get(&n.name) else {
            return self.err(n.pos, format!("`{}` is not a shared location: {prim} takes one of P{}'s parameters", n.name, th.index));
        };
        if !th.params.contains(&n.name) {
            return self
                .err(n.pos, format!("`{}` is not a parameter of P{}: add `int *{}` to its parameter list", n.name, th.index, n.name));
        }
        match (want, loc.kind) {
            (Arg::Lock, LocKind::Lock) => Ok(n.name.clone()),
            (Arg::Lock, _) => self.err(n.pos, format!("{prim} takes a spinlock_t, and `{}` is not one", n.name)),
            (_, LocKind::Lock) => self.err(n.pos, format!("`{}` is a spinlock_t: {prim} takes a variable", n.name)),
            _ => Ok(n.name.clone()),
        }
    }

    fn is_register(&self, name: &str) -> bool {
        !self.locs.contains_key(name)
    }

    /// A register the thread writes (`write`) or reads.
    fn register(&self, th: &mut ThreadOut, n: &Name, write: bool) -> Result<String, Diagnostic> {
        if self.locs.contains_key(&n.name) {
            return self.err(n.pos, format!("register `{}` has the name of a shared location: rename it", n.name));
        }
        self.check_name(n, "register")?;
        if is_thread_name(&n.name) {
            return self.err(n.pos, format!("register `{}` has the name of a thread: rename it", n.name));
        }
        if !th.known.contains(&n.name) {
            if th.known.len() == MAX_REGS {
                return self.err(n.pos, format!("P{} uses more than {MAX_REGS} registers, racelab's limit per thread", th.index));
            }
            th.known.push(n.name.clone());
        }
        if write {
            th.written.insert(n.name.clone());
        } else if !th.written.contains(&n.name) && !th.zero.contains(&n.name) {
            th.zero.push(n.name.clone());
        }
        Ok(n.name.clone())
    }

    // -----------------------------------------------------------------------------------------
    // Statements

    fn stmts(&self, th: &mut ThreadOut, body: &[Stmt]) -> Result<(), Diagnostic> {
        for s in body {
            self.stmt(th, s)?;
        }
        Ok(())
    }

    fn stmt(&self, th: &mut ThreadOut, s: &Stmt) -> Result<(), Diagnostic> {
        match s {
            Stmt::Decl { name, pointer, init } => {
                if self.locs.contains_key(&name.name) {
                    return self.err(name.pos, format!("register `{}` has the name of a shared location: rename it", name.name));
                }
                if let Some(init) = init {
                    if *pointer {
                        return self.err(name.pos, format!("`{}` is a pointer register: racelab has no pointer values", name.name));
                    }
                    self.assign(th, name, init)?;
                }
                Ok(())
            }
            Stmt::Assign { dst, value, pos } => match dst {
                Expr::Name(n) if self.is_register(&n.name) => self.assign(th, n, value),
                Expr::Name(n) => self.err(
                    n.pos,
                    format!("`{} = …` assigns the pointer `{}`: store to the location with WRITE_ONCE(*{}, …)", n.name, n.name, n.name),
                ),
                Expr::Unary(Unary::Deref, inner, p) => {
                    let what = match &**inner {
                        Expr::Name(n) => format!("`*{} = …`", n.name),
                        _ => "a store through a pointer".to_string(),
                    };
                    self.err(*p, format!("{what} is a plain C store: write WRITE_ONCE(…) (racelab imports marked accesses only)"))
                }
                other => self.err(other.pos().min(*pos), "the left of `=` must be a register"),
            },
            Stmt::Expr(e) => match e {
                Expr::Call(name, args) => self.call(th, name, args, Place::Statement).map(|_| ()),
                // `(void)f(…)` discards f's value: the same as a call statement here.
                Expr::Cast { ty, expr, pos } if ty == "void" => match &**expr {
                    Expr::Call(name, args) => self.call(th, name, args, Place::Statement).map(|_| ()),
                    _ => self.err(*pos, "expected a call after `(void)`"),
                },
                other => self.err(other.pos(), "expected a call or an assignment: this statement does nothing"),
            },
            Stmt::If { cond, then, els, .. } => {
                let c = self.expr(th, cond, true)?;
                th.line(format!("if {} {{", c.text()));
                th.depth += 1;
                self.stmts(th, then)?;
                th.depth -= 1;
                if !els.is_empty() {
                    th.line("} else {".to_string());
                    th.depth += 1;
                    self.stmts(th, els)?;
                    th.depth -= 1;
                }
                th.line("}".to_string());
                Ok(())
            }
            Stmt::Unsupported { what, pos } => {
                let why = match what.as_str() {
                    "`+=`" | "`-=`" | "`*=`" | "`++`" | "`--`" => format!("{what} is not supported: write `r = r + …`"),
                    _ => format!("{what} is not supported: racelab imports straight-line code with `if`, no loops or jumps"),
                };
                self.err(*pos, why)
            }
        }
    }

    fn assign(&self, th: &mut ThreadOut, dst: &Name, value: &Expr) -> Result<(), Diagnostic> {
        if let Expr::Call(name, args) = value {
            // The arguments are read before the register is written.
            let call = self.call(th, name, args, Place::Rhs)?.unwrap_or(R::Atom(String::new()));
            let d = self.register(th, dst, true)?;
            th.line(format!("{d} = {}", call.text()));
            return Ok(());
        }
        let v = self.expr(th, value, true)?;
        let d = self.register(th, dst, true)?;
        th.line(format!("{d} = {}", v.text()));
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Calls

    /// Translates a call. As a statement it writes its line and returns `None`; as a
    /// right-hand side or inside an expression it returns the racelab text.
    fn call(&self, th: &mut ThreadOut, name: &Name, args: &[Expr], place: Place) -> Result<Option<R>, Diagnostic> {
        let n = name.name.as_str();
        if n == "barrier" {
            self.arity(name, args, 0)?;
            if place != Place::Statement {
                return self.err(name.pos, "barrier() has no value");
            }
            th.line("# barrier(): a compiler barrier only; it orders nothing on the CPU".to_string());
            return Ok(None);
        }
        if n == "smp_store_mb" {
            // A once store, then a full barrier (the definition of smp_store_mb()).
            self.arity(name, args, 2)?;
            if place != Place::Statement {
                return self.err(name.pos, "smp_store_mb() has no value");
            }
            let loc = self.arg(th, name, &args[0], Arg::Lvalue)?;
            let v = self.arg(th, name, &args[1], Arg::Value)?;
            th.line(format!("WRITE_ONCE({loc}, {v})"));
            th.line("smp_mb()".to_string());
            return Ok(None);
        }
        let Some(prim) = PRIMS.iter().find(|p| p.c == n) else {
            if let Some(why) = unsupported_reason(n) {
                return self.err(name.pos, format!("{n}() is not supported ({why})"));
            }
            let known: Vec<&str> = std::iter::once("barrier")
                .chain(PRIMS.iter().filter(|p| primitives::lookup(p.racelab).is_some()).map(|p| p.c))
                .chain(std::iter::once("smp_store_mb"))
                .collect();
            return self.err(name.pos, format!("{n}() is not supported: racelab imports {}", known.join(", ")));
        };
        let Some(target) = primitives::lookup(prim.racelab) else {
            return self.err(name.pos, format!("{n}() is not supported yet: racelab's scenario language has no `{}`", prim.racelab));
        };
        self.arity(name, args, prim.args.len())?;
        let mut texts = Vec::new();
        for (a, kind) in args.iter().zip(prim.args) {
            texts.push(self.arg(th, name, a, *kind)?);
        }
        let ordered: Vec<&str> = prim.order.iter().map(|&i| texts[i].as_str()).collect();
        let call = format!("{}({})", prim.racelab, ordered.join(", "));
        match (place, target.kind) {
            (Place::Statement, Use::Statement) => {
                th.line(call);
                Ok(None)
            }
            (Place::Statement, _) => self.err(name.pos, format!("the value of {n}() is unused: assign it to a register")),
            (_, Use::Statement) => self.err(name.pos, format!("{n}() has no value")),
            (Place::Rhs, _) | (Place::Inside, Use::Value) => Ok(Some(R::Atom(call))),
            (Place::Inside, _) => self.err(name.pos, format!("{n}() must be the whole right-hand side of an assignment: `r = {n}(…);`")),
        }
    }

    fn arity(&self, name: &Name, args: &[Expr], n: usize) -> Result<(), Diagnostic> {
        if args.len() != n {
            return self.err(name.pos, format!("{}() takes {n} argument(s), found {}", name.name, args.len()));
        }
        Ok(())
    }

    fn arg(&self, th: &mut ThreadOut, prim: &Name, a: &Expr, kind: Arg) -> Result<String, Diagnostic> {
        let p = format!("{}()", prim.name);
        match kind {
            Arg::Lvalue => match a {
                Expr::Unary(Unary::Deref, inner, _) => match &**inner {
                    Expr::Name(n) => self.location(th, n, kind, &p),
                    other => self.err(other.pos(), format!("{p} takes a location as `*x`")),
                },
                Expr::Name(n) if self.locs.contains_key(&n.name) => {
                    self.err(n.pos, format!("{p} takes the location as `*{}`, not the pointer `{}`", n.name, n.name))
                }
                other => self.err(other.pos(), format!("{p} takes a shared location as `*x`")),
            },
            Arg::Pointer | Arg::Lock => match a {
                Expr::Name(n) => self.location(th, n, kind, &p),
                Expr::Unary(Unary::Deref, inner, pos) => match &**inner {
                    Expr::Name(n) => self.err(*pos, format!("{p} takes the pointer `{}`, not `*{}`", n.name, n.name)),
                    _ => self.err(*pos, format!("{p} takes a parameter of the thread")),
                },
                Expr::Unary(Unary::AddrOf, _, pos) => self.err(*pos, format!("{p} takes the thread's parameter itself, without `&`")),
                other => self.err(other.pos(), format!("{p} takes a parameter of the thread")),
            },
            Arg::Value => {
                let v = self.expr(th, a, false)?;
                Ok(v.text())
            }
            Arg::Constant => match a {
                Expr::Int(v, pos) => Ok(self.fits(*v, *pos)?.to_string()),
                other => self.err(other.pos(), format!("{p} adds a constant in racelab: its amount must be a number")),
            },
        }
    }

    // -----------------------------------------------------------------------------------------
    // Expressions

    /// `reads`: whether the expression may read shared memory (a condition, a right-hand side)
    /// or not (a stored value).
    fn expr(&self, th: &mut ThreadOut, e: &Expr, reads: bool) -> Result<R, Diagnostic> {
        match e {
            Expr::Int(v, pos) => Ok(R::Atom(self.fits(*v, *pos)?.to_string())),
            Expr::Name(n) => {
                if self.locs.contains_key(&n.name) {
                    let what = if self.is_var(&n.name) {
                        format!("`{}` is a pointer: read the location with READ_ONCE(*{})", n.name, n.name)
                    } else {
                        format!("`{}` is a spinlock_t, not a value", n.name)
                    };
                    return self.err(n.pos, what);
                }
                self.check_name(n, "register")?;
                // A register read before any assignment holds 0, in herd as in racelab; it
                // must still be known to racelab's compiler.
                let r = self.register(th, n, false)?;
                Ok(R::Atom(r))
            }
            Expr::Call(name, args) => {
                if !reads {
                    return self.err(
                        name.pos,
                        format!("a stored value must be a constant or a register: read {}(…) into a register first", name.name),
                    );
                }
                Ok(self.call(th, name, args, Place::Inside)?.unwrap_or(R::Atom(String::new())))
            }
            Expr::Unary(op, inner, pos) => match op {
                Unary::Neg => Ok(R::bin("-", R::Atom("0".into()), self.expr(th, inner, reads)?)),
                Unary::Not => Ok(R::not(self.expr(th, inner, reads)?)),
                Unary::BitNot => self.err(*pos, "`~` is not supported in expressions"),
                Unary::Deref => {
                    let what = match &**inner {
                        Expr::Name(n) => format!("`*{}`", n.name),
                        _ => "a load through a pointer".to_string(),
                    };
                    self.err(*pos, format!("{what} is a plain C read: write READ_ONCE(…) (racelab imports marked accesses only)"))
                }
                Unary::AddrOf => self.err(*pos, "`&` takes an address: racelab has no pointer values"),
            },
            Expr::Binary(op, l, r) => {
                let sym = match op {
                    Binary::Add
                    | Binary::Sub
                    | Binary::BitAnd
                    | Binary::Lt
                    | Binary::Gt
                    | Binary::Le
                    | Binary::Ge
                    | Binary::Eq
                    | Binary::Ne => op.symbol(),
                    Binary::And => "&&",
                    Binary::Or => "||",
                    other => {
                        return self.err(
                            l.pos(),
                            format!(
                                "`{}` is not supported in expressions (racelab's operators: + - & == != < <= > >= && || !)",
                                other.symbol()
                            ),
                        )
                    }
                };
                let l = self.expr(th, l, reads)?;
                let r = self.expr(th, r, reads)?;
                Ok(R::bin(sym, l, r))
            }
            Expr::Cast { ty, expr, pos } => {
                if ty.contains('*') || ty == "void" {
                    return self.err(*pos, format!("a cast to `{ty}` is not supported here"));
                }
                self.expr(th, expr, reads)
            }
            Expr::Unsupported { what, pos } => self.err(*pos, what.clone()),
        }
    }

    // -----------------------------------------------------------------------------------------
    // The final condition

    fn cond_loc(&self, l: &CondLoc, regs: &mut [Vec<String>]) -> Result<String, Diagnostic> {
        match l {
            CondLoc::Reg { thread, reg, pos } => {
                let Some(list) = regs.get_mut(*thread as usize) else {
                    return self.err(*pos, format!("the condition names thread {thread}, and the test has {}", self.test.threads.len()));
                };
                if self.locs.contains_key(&reg.name) {
                    return self.err(reg.pos, format!("register `{}` has the name of a shared location: rename it", reg.name));
                }
                self.check_name(reg, "register")?;
                if !list.contains(&reg.name) {
                    list.push(reg.name.clone());
                }
                Ok(format!("P{thread}.{}", reg.name))
            }
            CondLoc::Var(n) => match self.locs.get(&n.name) {
                Some(l) if l.kind != LocKind::Lock => Ok(n.name.clone()),
                Some(_) => self.err(n.pos, format!("`{}` is a spinlock_t: the condition reads registers and variables", n.name)),
                None => self.err(n.pos, format!("`{}` in the condition is not a location of the test", n.name)),
            },
        }
    }

    fn prop(&self, p: &Prop, regs: &mut [Vec<String>]) -> Result<R, Diagnostic> {
        Ok(match p {
            Prop::Const(b) => R::Atom(b.to_string()),
            Prop::Atom { loc, eq, value, pos } => {
                let l = self.cond_loc(loc, regs)?;
                let v = match value {
                    CondValue::Int(v) => self.fits(*v, *pos)?.to_string(),
                    CondValue::Loc(CondLoc::Var(n)) if self.locs.contains_key(&n.name) => {
                        return self.err(n.pos, format!("`{}` here is the address of `{}`: racelab has no pointer values", n.name, n.name))
                    }
                    CondValue::Loc(other) => self.cond_loc(other, regs)?,
                };
                R::bin(if *eq { "==" } else { "!=" }, R::Atom(l), R::Atom(v))
            }
            Prop::Not(x) => R::not(self.prop(x, regs)?),
            Prop::And(a, b) => R::bin("&&", self.prop(a, regs)?, self.prop(b, regs)?),
            Prop::Or(a, b) => R::bin("||", self.prop(a, regs)?, self.prop(b, regs)?),
            Prop::Implies(a, b) => R::bin("||", R::not(self.prop(a, regs)?), self.prop(b, regs)?),
        })
    }
}

/// Writes the scenario.
pub(super) fn scenario(file: &str, test: &Test, comments: &[String]) -> Result<String, Diagnostic> {
    let mut em = Emitter { file, test, locs: BTreeMap::new(), order: vec![] };
    if test.threads.len() > MAX_THREADS.min(MAX_CPUS) {
        return err(
            file,
            test.threads[MAX_THREADS.min(MAX_CPUS)].pos,
            format!("racelab runs at most {} threads", MAX_THREADS.min(MAX_CPUS)),
        );
    }
    em.locations()?;
    // The condition first: it says which registers each thread must have.
    let mut cond_regs: Vec<Vec<String>> = vec![vec![]; test.threads.len()];
    let cond = em.prop(&test.condition, &mut cond_regs)?;
    let filter = match &test.filter {
        Some(f) => Some(em.prop(f, &mut cond_regs)?),
        None => None,
    };
    // racelab's `exists` is broken when some final state satisfies it.
    let asked = match test.quantifier {
        Quantifier::Exists | Quantifier::NotExists => cond,
        Quantifier::Forall => R::not(cond),
    };
    let exists = match filter {
        Some(f) => R::bin("&&", f, asked),
        None => asked,
    };
    for ri in &test.reg_inits {
        if ri.thread as usize >= test.threads.len() {
            return err(file, ri.pos, format!("the initial state names thread {}, and the test has {}", ri.thread, test.threads.len()));
        }
    }

    let mut threads = Vec::new();
    for th in &test.threads {
        let mut out = ThreadOut {
            index: th.index,
            params: th.params.iter().map(|p| p.name.name.clone()).collect(),
            known: vec![],
            written: BTreeSet::new(),
            zero: vec![],
            lines: vec![],
            depth: 0,
        };
        for ri in test.reg_inits.iter().filter(|r| r.thread == th.index) {
            let r = em.register(&mut out, &ri.reg, true)?;
            let v = em.fits(ri.value, ri.pos)?;
            out.line(format!("{r} = {v}"));
        }
        em.stmts(&mut out, &th.body)?;
        // A register the condition reads and the thread never writes holds 0: racelab must
        // still know it, so it is set at the start.
        let mut missing = Vec::new();
        for r in out.zero.clone() {
            missing.push(format!("  {r} = 0  # read before it is written: herd starts it at 0"));
        }
        for r in &cond_regs[th.index as usize] {
            if !out.written.contains(r) && !out.zero.contains(r) {
                let n = Name { name: r.clone(), pos: test.condition_pos };
                em.register(&mut out, &n, true)?;
                missing.push(format!("  {r} = 0  # read by the final condition, never written: herd starts it at 0"));
            }
        }
        if out.lines.is_empty() && missing.is_empty() {
            missing.push("  # an empty thread".to_string());
        }
        let desc = match &th.comment {
            Some(c) => format!("P{}: {c}", th.index),
            None => format!("P{}", th.index),
        };
        let mut text = format!("thread P{} on CPU{} {} {{\n", th.index, th.index, quote(&desc));
        for l in missing.iter().chain(&out.lines) {
            text.push_str(l);
            text.push('\n');
        }
        text.push_str("}\n");
        threads.push(text);
    }

    let id = scenario_id(&test.name);
    let mut s = String::from("racelab 1\n");
    for c in comments {
        if c.is_empty() {
            s.push_str("#\n");
        } else {
            s.push_str(&format!("# {c}\n"));
        }
    }
    s.push('\n');
    s.push_str("policy as_written {\n  title \"the test as written\"\n  fate baseline \"the litmus test's code, with no variant\"\n}\n\n");
    s.push_str(&format!("scenario {id} {{\n"));
    s.push_str(&format!("  title {}\n", quote(&test.name)));
    let summary = match &test.doc {
        Some(d) => format!("{d} (C litmus test {}: {})", test.name, test.condition_text),
        None => format!("C litmus test {}: {}", test.name, test.condition_text),
    };
    s.push_str(&format!("  summary {}\n", quote(&summary)));
    s.push_str("  race \"litmus\"\n");
    s.push_str("  policies as_written\n  baseline as_written\n  models sc x86_tso arm64\n");
    s.push_str(&format!("  exists {}\n", quote(&exists.text())));
    s.push_str("}\n\nstate {\n");
    for name in &em.order {
        let l = &em.locs[name];
        match (l.kind, l.value) {
            (LocKind::Lock, _) => s.push_str(&format!("  lock {name} spin\n")),
            (_, 0) => s.push_str(&format!("  var {name}\n")),
            (_, v) => s.push_str(&format!("  var {name}={v}\n")),
        }
    }
    s.push_str("}\n");
    for t in threads {
        s.push('\n');
        s.push_str(&t);
    }
    Ok(s)
}
