//! The compiler: a [`Scenario`] under one policy and memory model becomes a [`Program`], one
//! flat list of [`Instr`]s per thread.
//!
//! Procs are inlined at each call, `feature(...)` conditions are folded away (so a policy is
//! visible only as the code it leaves), names are resolved to indices, and each user access
//! gets its own copy of the fault handler. What remains is small enough to interpret fast.

use std::collections::{BTreeSet, HashMap};

use crate::clash;
use crate::ir::*;
use crate::layout::{LockKind, MemoryModel};
use crate::primitives::{self, Use};
use crate::scenario::Scenario;
use crate::state::*;
use crate::syntax::{did_you_mean, path_text, BinOp, Diagnostic, Expr, Ident, Pos, Stmt, MAX_EXPR_DEPTH, MAX_NESTING};

/// Compiles an `exists` condition once the threads' registers are known.
fn final_cond(sc: &Scenario, prog: &Program, e: &Expr) -> Result<FinalCond, Diagnostic> {
    let file = &sc.file;
    Ok(match e {
        Expr::Int(i, _) => FinalCond::Const(*i as i32),
        Expr::Path(p) => match p.as_slice() {
            [w] if w.name == "true" || w.name == "false" => FinalCond::Const((w.name == "true") as i32),
            [w] => match sc.layout.vars.iter().position(|v| v.name == w.name) {
                Some(v) => FinalCond::Var(v as u8),
                None => {
                    return Err(Diagnostic::new(
                        file,
                        w.pos,
                        format!("`{}` in `exists` is not a shared variable; name a register as THREAD.REGISTER", w.name),
                    ))
                }
            },
            [th, r] if sc.layout.thread(&th.name).is_some() => {
                let t = sc.layout.thread(&th.name).unwrap();
                match prog.threads[t].regs.iter().position(|x| *x == r.name) {
                    Some(reg) => FinalCond::Reg { thread: t as u8, reg: reg as u8 },
                    None => {
                        return Err(Diagnostic::new(
                            file,
                            r.pos,
                            format!(
                                "thread `{}` has no register `{}` (it has: {}){}",
                                th.name,
                                r.name,
                                prog.threads[t].regs.join(", "),
                                did_you_mean(&r.name, prog.threads[t].regs.iter().map(String::as_str))
                            ),
                        ))
                    }
                }
            }
            _ => match sc.layout.vars.iter().position(|v| v.name == path_text(p)) {
                Some(v) => FinalCond::Var(v as u8),
                None => {
                    return Err(Diagnostic::new(
                        file,
                        p[0].pos,
                        format!(
                            "`{}` in `exists` is neither THREAD.REGISTER nor a shared variable{}",
                            path_text(p),
                            did_you_mean(&p[0].name, sc.layout.threads.iter().map(|t| t.name.as_str()))
                        ),
                    ))
                }
            },
        },
        Expr::Not(x, _) => FinalCond::Not(Box::new(final_cond(sc, prog, x)?)),
        Expr::Binary(op, l, r) => FinalCond::Bin(*op, Box::new(final_cond(sc, prog, l)?), Box::new(final_cond(sc, prog, r)?)),
        other => {
            return Err(Diagnostic::new(
                file,
                other.pos(),
                format!("`{other}` in `exists`: the condition reads registers and shared variables only"),
            ))
        }
    })
}

impl Program {
    pub fn compile(sc: &Scenario, policy: usize, model: MemoryModel) -> Result<Program, Diagnostic> {
        let pol = &sc.policies[policy];
        let mut features: BTreeSet<String> = sc.assume.iter().cloned().collect();
        features.extend(pol.features.iter().cloned());
        let mut prog = Program {
            scenario: sc.id.clone(),
            policy: pol.name.clone(),
            model,
            features,
            layout: sc.layout.clone(),
            checks: sc.checks.clone(),
            threads: vec![],
            funcs: vec![],
            files: vec![],
            sleep_reasons: vec![],
            cpumask: vec![0; sc.layout.mms.len()],
            init: sc.init,
            exists: None,
            reads_anon_exclusive: false,
            warnings: vec![],
        };
        let mut calls = Vec::with_capacity(sc.threads.len());
        for (t, def) in sc.threads.iter().enumerate() {
            let mut c = Compiler::new(sc, &mut prog, t);
            let root = Env { params: HashMap::new(), instance: 0, proc_end: None, file: sc.file.clone() };
            c.body(&def.body, &root)?;
            c.emit(Op::End, true, "end".into(), def.pos, None, &root);
            calls.push(std::mem::take(&mut c.calls));
            let code = c.finish(def.pos)?;
            prog.threads.push(code);
        }
        for (t, info) in sc.layout.threads.iter().enumerate() {
            if let Some(cpu) = info.cpu {
                prog.cpumask[info.mm] |= 1 << cpu;
            }
            let _ = t;
        }
        for cpu in 0..MAX_CPUS {
            for (slot, pte) in sc.layout.ptes.iter().enumerate() {
                if sc.init.tlb[cpu][slot].valid() {
                    prog.cpumask[pte.mm] |= 1 << cpu;
                }
            }
        }
        if let Some(ex) = &sc.exists {
            prog.exists = Some(final_cond(sc, &prog, &ex.expr)?);
        }
        for (t, calls) in calls.iter().enumerate() {
            let at_end = prog.exists.as_ref().map_or(0, |e| e.regs_of(t));
            for w in clash::check(&prog.threads[t], calls, at_end, prog.thread_name(t)) {
                // A proc inlined at several places warns once per call as written.
                if !prog.warnings.contains(&w) {
                    prog.warnings.push(w);
                }
            }
        }
        // Run each thread's silent prefix, so every pc rests on a scheduling point.
        let mut init = prog.init;
        for t in 0..prog.threads.len() {
            crate::exec::settle(&prog, &mut init, t);
        }
        prog.init = init;
        Ok(prog)
    }
}

/// One inlining instance: the parameters of the proc being expanded and where it ends.
struct Env {
    params: HashMap<String, Expr>,
    instance: usize,
    proc_end: Option<usize>,
    file: String,
}

struct Compiler<'a> {
    sc: &'a Scenario,
    prog: &'a mut Program,
    thread: usize,
    mm: usize,
    instrs: Vec<Instr>,
    /// Label id -> instruction index, once placed.
    label_at: Vec<Option<u16>>,
    label_names: HashMap<(usize, String), usize>,
    /// Where each label was first used, for "undefined label" errors.
    label_uses: HashMap<usize, (Pos, String, String)>,
    regs: Vec<String>,
    reg_kinds: Vec<RegKind>,
    func: u16,
    instances: usize,
    stack: Vec<String>,
    /// Every call inlined so far, and those still open (innermost last), for `clash`.
    calls: Vec<clash::Call>,
    open_calls: Vec<usize>,
}

/// Jump targets hold label ids until `finish` patches them into instruction indexes.
const UNPLACED: u16 = u16::MAX;

/// The most instructions one thread compiles to, inlined procs included (an index fits in a
/// `u16`, below `UNPLACED`).
pub const MAX_THREAD_INSTRS: usize = 60_000;
const _: () = assert!(MAX_THREAD_INSTRS < UNPLACED as usize);

impl<'a> Compiler<'a> {
    fn new(sc: &'a Scenario, prog: &'a mut Program, thread: usize) -> Self {
        let mm = sc.threads[thread].info.mm;
        let mut c = Compiler {
            sc,
            prog,
            thread,
            mm,
            instrs: vec![],
            label_at: vec![],
            label_names: HashMap::new(),
            label_uses: HashMap::new(),
            regs: vec![],
            reg_kinds: vec![],
            func: 0,
            instances: 0,
            stack: vec![],
            calls: vec![],
            open_calls: vec![],
        };
        let start = if sc.threads[thread].info.cpu.is_some() { "user space" } else { "device" };
        c.func = c.intern_func(start, "");
        c
    }

    fn err<T>(&self, file: &str, pos: Pos, msg: impl Into<String>) -> Result<T, Diagnostic> {
        Err(Diagnostic::new(file, pos, msg))
    }

    fn intern_func(&mut self, name: &str, file: &str) -> u16 {
        let f = Func { name: name.to_string(), file: file.to_string() };
        if let Some(i) = self.prog.funcs.iter().position(|g| *g == f) {
            return i as u16;
        }
        self.prog.funcs.push(f);
        (self.prog.funcs.len() - 1) as u16
    }

    fn intern_file(&mut self, file: &str) -> u16 {
        if let Some(i) = self.prog.files.iter().position(|g| g == file) {
            return i as u16;
        }
        self.prog.files.push(file.to_string());
        (self.prog.files.len() - 1) as u16
    }

    fn new_label(&mut self) -> usize {
        self.label_at.push(None);
        self.label_at.len() - 1
    }

    fn named_label(&mut self, env: &Env, name: &Ident, defining: bool) -> Result<usize, Diagnostic> {
        let key = (env.instance, name.name.clone());
        let id = match self.label_names.get(&key) {
            Some(&id) => id,
            None => {
                let id = self.new_label();
                self.label_names.insert(key, id);
                self.label_uses.insert(id, (name.pos, env.file.clone(), name.name.clone()));
                id
            }
        };
        if defining && self.label_at[id].is_some() {
            return self.err(&env.file, name.pos, format!("label `{}` is defined twice", name.name));
        }
        Ok(id)
    }

    fn place(&mut self, label: usize) {
        self.label_at[label] = Some(self.instrs.len() as u16);
    }

    fn emit(&mut self, op: Op, silent: bool, text: String, pos: Pos, note: Option<String>, env: &Env) {
        let file = self.intern_file(&env.file);
        self.instrs.push(Instr { op, silent, func: self.func, text, file, line: pos.line, note });
    }

    fn reg(&mut self, name: &Ident, file: &str) -> Result<u8, Diagnostic> {
        if let Some(i) = self.regs.iter().position(|r| *r == name.name) {
            return Ok(i as u8);
        }
        if self.sc.layout.page(&name.name).is_some()
            || self.sc.layout.var(&name.name).is_some()
            || self.sc.layout.mm_var(self.mm, &name.name).is_some()
        {
            return self.err(file, name.pos, format!("`{}` names a page or a shared variable, not a register", name.name));
        }
        if self.regs.len() == MAX_REGS {
            return self.err(file, name.pos, format!("at most {MAX_REGS} registers per thread"));
        }
        self.regs.push(name.name.clone());
        self.reg_kinds.push(RegKind::Int);
        Ok((self.regs.len() - 1) as u8)
    }

    fn finish(mut self, pos: Pos) -> Result<ThreadCode, Diagnostic> {
        // Jump targets are `u16`s: the checks come before any is resolved.
        if self.instrs.len() > MAX_THREAD_INSTRS || self.label_at.len() >= UNPLACED as usize {
            return self.err(&self.sc.file, pos, format!("thread too long after inlining: more than {MAX_THREAD_INSTRS} statements"));
        }
        for (id, at) in self.label_at.iter().enumerate() {
            if at.is_none() {
                // Only named labels can be left unplaced: the compiler places its own.
                let (p, file, name) = self.label_uses.get(&id).cloned().unwrap_or((pos, self.sc.file.clone(), "?".into()));
                return self.err(&file, p, format!("label `{name}` is used but never defined"));
            }
        }
        let resolve = |l: u16, at: &[Option<u16>]| at[l as usize].unwrap();
        for i in &mut self.instrs {
            match &mut i.op {
                Op::Jump(l) => *l = resolve(*l, &self.label_at),
                Op::Branch { if_false, .. } => *if_false = resolve(*if_false, &self.label_at),
                Op::User { fault, .. } => *fault = resolve(*fault, &self.label_at),
                _ => {}
            }
        }

        // A loop made only of silent instructions would spin without ever yielding a step.
        let n = self.instrs.len();
        let mut state = vec![0u8; n]; // 0 unvisited, 1 on stack, 2 done
        for start in 0..n {
            if state[start] != 0 || !self.instrs[start].silent {
                continue;
            }
            let mut stack = vec![(start, 0usize)];
            state[start] = 1;
            while let Some(&mut (pc, ref mut k)) = stack.last_mut() {
                let succ = silent_successors(&self.instrs[pc].op, pc);
                if *k < succ.len() {
                    let next = succ[*k];
                    *k += 1;
                    if next < n && self.instrs[next].silent {
                        if state[next] == 1 {
                            let i = &self.instrs[next];
                            let file = self.prog.files[i.file as usize].clone();
                            return self.err(
                                &file,
                                Pos { line: i.line, col: 1 },
                                "this loop never takes a step (every statement in it is silent): it would spin forever",
                            );
                        }
                        if state[next] == 0 {
                            state[next] = 1;
                            stack.push((next, 0));
                        }
                    }
                } else {
                    state[pc] = 2;
                    stack.pop();
                }
            }
        }
        Ok(ThreadCode { instrs: self.instrs, regs: self.regs, reg_kinds: self.reg_kinds })
    }

    // ---- statements

    fn body(&mut self, stmts: &[Stmt], env: &Env) -> Result<(), Diagnostic> {
        for s in stmts {
            self.stmt(s, env)?;
        }
        Ok(())
    }

    /// A nested block: an `in` inside it ends with it.
    fn block(&mut self, stmts: &[Stmt], env: &Env) -> Result<(), Diagnostic> {
        let saved = self.func;
        let r = self.body(stmts, env);
        self.func = saved;
        r
    }

    fn stmt(&mut self, s: &Stmt, env: &Env) -> Result<(), Diagnostic> {
        let file = env.file.clone();
        match s {
            Stmt::Label(l) => {
                let id = self.named_label(env, l, true)?;
                self.place(id);
            }
            Stmt::In { func, file: f } => {
                let ffile = match f {
                    Some(f) => f.clone(),
                    None => self.prog.funcs[self.func as usize].file.clone(),
                };
                self.func = self.intern_func(&func.name, &ffile);
            }
            Stmt::Goto(l) => {
                let id = self.named_label(env, l, false)?;
                self.emit(Op::Jump(id as u16), true, format!("goto {}", l.name), l.pos, None, env);
            }
            Stmt::Return(pos) => match env.proc_end {
                Some(end) => self.emit(Op::Jump(end as u16), true, "return".into(), *pos, None, env),
                None => return self.err(&file, *pos, "`return` outside a proc"),
            },
            Stmt::Sleep { reason, pos } => {
                let idx = match self.prog.sleep_reasons.iter().position(|r| r == reason) {
                    Some(i) => i,
                    None => {
                        self.prog.sleep_reasons.push(reason.clone());
                        self.prog.sleep_reasons.len() - 1
                    }
                };
                self.emit(Op::Sleep(idx as u8), false, format!("sleep \"{reason}\""), *pos, None, env);
            }
            Stmt::If { cond, then, els, pos, note } => {
                let cond = self.fold_features(&subst(cond, env));
                let c = self.expr(&cond, &file)?;
                match c {
                    CExpr::Const(v) => {
                        if v != 0 {
                            self.block(then, env)?
                        } else {
                            self.block(els, env)?
                        }
                    }
                    _ => {
                        let l_else = self.new_label();
                        let silent = c.is_local();
                        self.emit(Op::Branch { cond: c, if_false: l_else as u16 }, silent, format!("if {cond}"), *pos, note.clone(), env);
                        self.block(then, env)?;
                        if els.is_empty() {
                            self.place(l_else);
                        } else {
                            let l_end = self.new_label();
                            self.emit(Op::Jump(l_end as u16), true, "goto".into(), *pos, None, env);
                            self.place(l_else);
                            self.block(els, env)?;
                            self.place(l_end);
                        }
                    }
                }
            }
            Stmt::Assign { dst, value, note } => {
                let value = subst(value, env);
                self.assign(dst, &value, note.clone(), env)?;
            }
            Stmt::Call { name, args, note } => {
                let args: Vec<Expr> = args.iter().map(|a| subst(a, env)).collect();
                if self.sc.procs.contains_key(&name.name) {
                    return self.inline(name, &args, env, false);
                }
                self.primitive(name, &args, note.clone(), env)?;
            }
            Stmt::Store { va, slot, value, pos, note } => {
                let va = subst_path(va, env);
                let slot = subst(slot, env);
                let value = subst(value, env);
                let text = format!("store {}[{}] = {}", path_text(&va), slot, value);
                let v = self.expr(&value, &file)?;
                self.user_access(Access::Store, &va, &slot, v, 0, text, *pos, note.clone(), env)?;
            }
            Stmt::Add { va, slot, delta, pos, note } => {
                let va = subst_path(va, env);
                let slot = subst(slot, env);
                let delta = subst(delta, env);
                let text = format!("add {}[{}] += {}", path_text(&va), slot, delta);
                let v = self.expr(&delta, &file)?;
                self.user_access(Access::Add, &va, &slot, v, 0, text, *pos, note.clone(), env)?;
            }
        }
        Ok(())
    }

    /// Replaces `feature(x)` by its value under the policy and simplifies, so that the text a
    /// step shows is the condition this policy's kernel really tests.
    fn fold_features(&self, e: &Expr) -> Expr {
        match e {
            // An unknown feature is left for `expr` to report.
            Expr::Call(name, args) if name.name == "feature" && args.len() == 1 => match &args[0] {
                Expr::Path(p) if p.len() == 1 && self.sc.features.contains_key(&p[0].name) => {
                    Expr::Int(self.prog.features.contains(&p[0].name) as i64, name.pos)
                }
                _ => e.clone(),
            },
            Expr::Not(x, p) => match self.fold_features(x) {
                Expr::Int(v, q) => Expr::Int((v == 0) as i64, q),
                x => Expr::Not(Box::new(x), *p),
            },
            Expr::Binary(op @ (BinOp::And | BinOp::Or), l, r) => {
                let (l, r) = (self.fold_features(l), self.fold_features(r));
                let and = *op == BinOp::And;
                match (&l, &r) {
                    (Expr::Int(0, p), _) | (_, Expr::Int(0, p)) if and => Expr::Int(0, *p),
                    (Expr::Int(_, _), _) if and => r,
                    (_, Expr::Int(_, _)) if and => l,
                    (Expr::Int(v, p), _) | (_, Expr::Int(v, p)) if !and && *v != 0 => Expr::Int(1, *p),
                    (Expr::Int(..), _) => r,
                    (_, Expr::Int(..)) => l,
                    _ => Expr::Binary(*op, Box::new(l), Box::new(r)),
                }
            }
            _ => e.clone(),
        }
    }

    fn inline(&mut self, name: &Ident, args: &[Expr], env: &Env, fault: bool) -> Result<(), Diagnostic> {
        if self.stack.contains(&name.name) {
            return self.err(&env.file, name.pos, format!("`{}` calls itself: procs are inlined and cannot recurse", name.name));
        }
        // Borrowed from the scenario, not copied: a proc is inlined at every call (and the fault
        // handler at every user access).
        let sc = self.sc;
        let (decl, decl_file) = &sc.procs[&name.name];
        if decl.params.len() != args.len() {
            return self.err(
                &env.file,
                name.pos,
                format!(
                    "`{}` takes {} argument(s) ({}), found {}",
                    name.name,
                    decl.params.len(),
                    decl.params.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", "),
                    args.len()
                ),
            );
        }
        // Inlining multiplies code: a chain of procs is bounded in depth, and the thread in
        // length before each call grows it further (a proc that calls the next twice doubles
        // the code at each level).
        if self.stack.len() >= MAX_NESTING {
            return self.err(
                &env.file,
                name.pos,
                format!(
                    "procs call each other more than {MAX_NESTING} deep here (`{}` calls … `{}` calls `{}`)",
                    self.stack[0],
                    self.stack[self.stack.len() - 1],
                    name.name
                ),
            );
        }
        if self.instrs.len() >= MAX_THREAD_INSTRS {
            return self.err(&env.file, name.pos, format!("thread too long after inlining: more than {MAX_THREAD_INSTRS} statements"));
        }
        // An argument goes into the proc's expressions: bounded as the parser bounds a tree.
        if let Some(a) = args.iter().find(|a| a.depth() > MAX_EXPR_DEPTH) {
            return self.err(
                &env.file,
                a.pos(),
                format!(
                    "this argument of `{}` is more than {MAX_EXPR_DEPTH} levels deep once the parameters it names are replaced: split it into steps",
                    name.name
                ),
            );
        }
        self.instances += 1;
        let end = self.new_label();
        let inner = Env {
            params: decl.params.iter().map(|p| p.name.clone()).zip(args.iter().cloned()).collect(),
            instance: self.instances,
            proc_end: Some(end),
            file: decl_file.clone(),
        };
        let saved = self.func;
        let file = decl.file.clone().unwrap_or_default();
        self.func = self.intern_func(&decl.name.name, &file);
        self.stack.push(name.name.clone());
        let call = self.calls.len();
        self.calls.push(clash::Call {
            proc: name.name.clone(),
            file: env.file.clone(),
            pos: name.pos,
            start: self.instrs.len(),
            end: self.instrs.len(),
            parent: self.open_calls.last().copied(),
            fault,
        });
        self.open_calls.push(call);
        self.body(&decl.body, &inner)?;
        self.open_calls.pop();
        self.calls[call].end = self.instrs.len();
        self.stack.pop();
        self.place(end);
        self.func = saved;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn user_access(
        &mut self,
        access: Access,
        va: &[Ident],
        slot: &Expr,
        value: CExpr,
        dst: u8,
        text: String,
        pos: Pos,
        note: Option<String>,
        env: &Env,
    ) -> Result<(), Diagnostic> {
        if self.sc.threads[self.thread].info.cpu.is_none() {
            return self.err(&env.file, pos, "a device has no TLB: use dma_write/dma_read");
        }
        let pte = self.addr(&Expr::Path(va.to_vec()), &env.file)?;
        let slot = self.data_slot(slot, &env.file)?;
        let l_access = self.new_label();
        let l_fault = self.new_label();
        let l_after = self.new_label();
        self.place(l_access);
        self.emit(Op::User { access, pte, slot, value, dst, fault: l_fault as u16 }, false, text, pos, note, env);
        self.emit(Op::Jump(l_after as u16), true, "goto".into(), pos, None, env);
        self.place(l_fault);
        match self.sc.fault_handler.clone() {
            Some(h) => {
                let handler = Ident { name: h, pos };
                self.inline(&handler, &[Expr::Path(va.to_vec())], env, true)?;
                self.emit(Op::Jump(l_access as u16), true, "retry the access".into(), pos, None, env);
            }
            None => {
                let reason = "page fault, and the scenario has no fault_handler".to_string();
                self.prog.sleep_reasons.push(reason);
                let idx = self.prog.sleep_reasons.len() - 1;
                self.emit(Op::Sleep(idx as u8), false, "page fault".into(), pos, None, env);
            }
        }
        self.place(l_after);
        Ok(())
    }

    fn assign(&mut self, dst: &Ident, value: &Expr, note: Option<String>, env: &Env) -> Result<(), Diagnostic> {
        let file = env.file.clone();
        let text = format!("{} = {}", dst.name, value);
        if let Expr::Load(va, slot, pos) = value {
            let d = self.reg(dst, &file)?;
            return self.user_access(Access::Load, va, slot, CExpr::Const(0), d, text, *pos, note, env);
        }
        if let Expr::Call(name, args) = value {
            let d;
            let op = match name.name.as_str() {
                "trylock_page" => {
                    self.arity(name, args, 1, &file)?;
                    let page = self.page(&args[0], &file)?;
                    d = self.reg(dst, &file)?;
                    Op::PageTrylock { dst: d, page }
                }
                "page_ref_add_unless" | "try_grab_page" => {
                    self.arity(name, args, 2, &file)?;
                    let page = self.page(&args[0], &file)?;
                    let delta = self.int16(&args[1], &file)?;
                    d = self.reg(dst, &file)?;
                    Op::RefAddUnless { dst: d, page, delta }
                }
                "xchg" | "cmpxchg" | "atomic_inc_return" | "atomic_dec_return" => {
                    let n = if name.name == "cmpxchg" {
                        3
                    } else if name.name == "xchg" {
                        2
                    } else {
                        1
                    };
                    self.arity(name, args, n, &file)?;
                    let var = self.var(&args[0], &file)?;
                    let mut local = |e: &Expr| -> Result<CExpr, Diagnostic> {
                        let v = self.expr(e, &file)?;
                        if !v.is_local() {
                            return self.err(
                                &file,
                                e.pos(),
                                "the value must be a constant or a register: read shared state in a step of its own",
                            );
                        }
                        Ok(v)
                    };
                    let rmw = match name.name.as_str() {
                        "xchg" => Rmw::Xchg(local(&args[1])?),
                        "cmpxchg" => Rmw::CmpXchg(local(&args[1])?, local(&args[2])?),
                        "atomic_inc_return" => Rmw::AddReturn(1),
                        _ => Rmw::AddReturn(-1),
                    };
                    d = self.reg(dst, &file)?;
                    Op::VarRmw { dst: d, var, rmw }
                }
                "alloc_page" => {
                    self.arity(name, args, 0, &file)?;
                    d = self.reg(dst, &file)?;
                    self.reg_kinds[d as usize] = RegKind::Page;
                    Op::Alloc { dst: d }
                }
                "dma_read" => {
                    self.arity(name, args, 2, &file)?;
                    let holder = self.thread_ref(&args[0], &file)?;
                    let slot = self.data_slot(&args[1], &file)?;
                    d = self.reg(dst, &file)?;
                    self.device_only(name, &file)?;
                    Op::Dma { write: false, holder, slot, value: CExpr::Const(0), dst: d }
                }
                "gup_read" => {
                    // The thread reads through its own GUP reference: the kernel's mapping of
                    // the page, not the process's page tables (a pipe read after vmsplice).
                    self.arity(name, args, 1, &file)?;
                    if self.sc.threads[self.thread].info.cpu.is_none() {
                        return self.err(
                            &file,
                            name.pos,
                            "`gup_read` is a CPU's read through its GUP reference: a device reads with dma_read(HOLDER, slot)",
                        );
                    }
                    let slot = self.data_slot(&args[0], &file)?;
                    d = self.reg(dst, &file)?;
                    Op::Dma { write: false, holder: self.thread as u8, slot, value: CExpr::Const(0), dst: d }
                }
                _ => {
                    let v = self.expr(value, &file)?;
                    let d = self.reg(dst, &file)?;
                    self.reg_kinds[d as usize] = self.kind_of(&v, value);
                    let silent = v.is_local();
                    self.emit(Op::Assign { dst: d, value: v }, silent, text, dst.pos, note, env);
                    return Ok(());
                }
            };
            self.emit(op, false, text, dst.pos, note, env);
            return Ok(());
        }
        let v = self.expr(value, &file)?;
        let d = self.reg(dst, &file)?;
        self.reg_kinds[d as usize] = self.kind_of(&v, value);
        let silent = v.is_local();
        self.emit(Op::Assign { dst: d, value: v }, silent, text, dst.pos, note, env);
        Ok(())
    }

    fn kind_of(&self, v: &CExpr, src: &Expr) -> RegKind {
        match v {
            CExpr::Pte(_) | CExpr::MkPte(..) => RegKind::Pte,
            CExpr::Field(_, PteField::Page) => RegKind::Page,
            CExpr::Reg(r) => self.reg_kinds[*r as usize],
            CExpr::Const(_) if matches!(src, Expr::Path(p) if p.len() == 1 && self.sc.layout.page(&p[0].name).is_some()) => RegKind::Page,
            CExpr::Bin(..) if matches!(src, Expr::Call(n, _) if n.name.starts_with("pte_")) => RegKind::Pte,
            _ => RegKind::Int,
        }
    }

    fn device_only(&self, name: &Ident, file: &str) -> Result<(), Diagnostic> {
        if self.sc.threads[self.thread].info.cpu.is_some() {
            return self.err(file, name.pos, format!("`{}` is done by a device: declare the thread `on DEV`", name.name));
        }
        Ok(())
    }

    fn arity(&self, name: &Ident, args: &[Expr], n: usize, file: &str) -> Result<(), Diagnostic> {
        if args.len() != n {
            return self.err(file, name.pos, format!("`{}` takes {n} argument(s), found {}", name.name, args.len()));
        }
        Ok(())
    }

    /// The mm an optional trailing argument names, or the thread's own.
    fn opt_mm(&self, name: &Ident, args: &[Expr], file: &str) -> Result<usize, Diagnostic> {
        match args {
            [] => Ok(self.mm),
            [Expr::Path(p)] if p.len() == 1 => {
                self.sc.layout.mm(&p[0].name).ok_or_else(|| Diagnostic::new(file, p[0].pos, format!("unknown mm `{}`", p[0].name)))
            }
            // `ptl_lock(V)`: the lock of the mm that maps V.
            [e @ Expr::Path(_)] => Ok(self.sc.layout.ptes[self.addr(e, file)? as usize].mm),
            _ => self.err(file, name.pos, format!("`{}` takes at most one argument (an mm or an address)", name.name)),
        }
    }

    fn mm_lock_of(&self, name: &Ident, args: &[Expr], short: &str, file: &str) -> Result<u8, Diagnostic> {
        let mm = match args {
            [e @ Expr::Path(p)] if p.len() == 1 && self.sc.layout.mm(&p[0].name).is_none() => {
                self.sc.layout.ptes[self.addr(e, file)? as usize].mm
            }
            _ => self.opt_mm(name, args, file)?,
        };
        Ok(self.sc.layout.mm_lock(mm, short).unwrap() as u8)
    }

    /// "unknown operation", with a hint when `name` is a primitive that is not a statement.
    fn unknown_operation<T>(&self, name: &Ident, file: &str) -> Result<T, Diagnostic> {
        let n = name.name.as_str();
        let hint = match primitives::lookup(n) {
            Some(p) if p.kind != Use::Statement => format!(": `{n}` is a value, use it in a condition or `x = {n}(…)`"),
            _ => String::new(),
        };
        let hint = if hint.is_empty() {
            let statements = primitives::PRIMITIVES.iter().filter(|p| p.kind != Use::Value).map(|p| p.name);
            let keywords = ["return", "goto", "sleep", "store", "add", "load"];
            did_you_mean(n, statements.chain(self.sc.procs.keys().map(String::as_str)).chain(keywords))
        } else {
            hint
        };
        self.err(file, name.pos, format!("unknown operation `{n}` (not a primitive, and no proc has that name){hint}"))
    }

    fn primitive(&mut self, name: &Ident, args: &[Expr], note: Option<String>, env: &Env) -> Result<(), Diagnostic> {
        let file = env.file.clone();
        let file = file.as_str();
        if primitives::lookup(&name.name).is_none_or(|p| p.kind != Use::Statement) {
            return self.unknown_operation(name, file);
        }
        let text = format!("{}({})", name.name, args.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", "));
        let mut silent = false;
        let op = match name.name.as_str() {
            "mmap_read_lock" | "mmap_read_unlock" | "mmap_write_lock" | "mmap_write_unlock" | "mmap_write_downgrade" => {
                let lock = self.mm_lock_of(name, args, "mmap_lock", file)?;
                match name.name.as_str() {
                    "mmap_read_lock" => Op::LockAcquire { lock, mode: LockMode::Read },
                    "mmap_read_unlock" => Op::LockRelease { lock, mode: LockMode::Read },
                    "mmap_write_lock" => Op::LockAcquire { lock, mode: LockMode::Write },
                    "mmap_write_unlock" => Op::LockRelease { lock, mode: LockMode::Write },
                    _ => Op::LockDowngrade { lock },
                }
            }
            "ptl_lock" | "ptl_unlock" => {
                let lock = self.mm_lock_of(name, args, "ptl", file)?;
                if name.name == "ptl_lock" {
                    Op::LockAcquire { lock, mode: LockMode::Write }
                } else {
                    Op::LockRelease { lock, mode: LockMode::Write }
                }
            }
            "down_read" | "up_read" | "down_write" | "up_write" | "downgrade_write" | "spin_lock" | "spin_unlock" => {
                self.arity(name, args, 1, file)?;
                let (lock, kind) = self.lock(&args[0], file)?;
                let want = if name.name.starts_with("spin") { LockKind::Spin } else { LockKind::Rwsem };
                if kind != want {
                    return self.err(
                        file,
                        name.pos,
                        format!(
                            "`{}` needs a{} lock, `{}` is not one",
                            name.name,
                            if want == LockKind::Spin { " spin" } else { "n rwsem" },
                            args[0]
                        ),
                    );
                }
                match name.name.as_str() {
                    "down_read" => Op::LockAcquire { lock, mode: LockMode::Read },
                    "up_read" => Op::LockRelease { lock, mode: LockMode::Read },
                    "down_write" | "spin_lock" => Op::LockAcquire { lock, mode: LockMode::Write },
                    "up_write" | "spin_unlock" => Op::LockRelease { lock, mode: LockMode::Write },
                    _ => Op::LockDowngrade { lock },
                }
            }
            "group_lock" | "group_unlock" => {
                self.arity(name, args, 2, file)?;
                let (lock, kind) = self.lock(&args[0], file)?;
                if kind != LockKind::Group {
                    return self.err(file, name.pos, format!("`{}` needs a group lock", name.name));
                }
                let mode = match self.int(&args[1], file)? {
                    0 => LockMode::Group0,
                    1 => LockMode::Group1,
                    _ => return self.err(file, args[1].pos(), "the group is 0 or 1"),
                };
                if name.name == "group_lock" {
                    Op::LockAcquire { lock, mode }
                } else {
                    Op::LockRelease { lock, mode }
                }
            }
            "lock_page" | "unlock_page" => {
                self.arity(name, args, 1, file)?;
                let page = self.page(&args[0], file)?;
                if name.name == "lock_page" {
                    Op::PageLock(page)
                } else {
                    Op::PageUnlock(page)
                }
            }
            "ptep_modify_prot" | "pte_mkbits" => {
                if args.is_empty() {
                    return self.err(file, name.pos, format!("`{}` takes an address and bit changes such as -W, +UW", name.name));
                }
                let pte = self.addr(&args[0], file)?;
                let (mut set, mut clear) = (0u16, 0u16);
                for a in &args[1..] {
                    match a {
                        Expr::Flag(on, bit) => {
                            let b = pte_bit(&bit.name).ok_or_else(|| {
                                let hint = did_you_mean(&bit.name, ["W", "D", "A", "SD", "UW"]);
                                Diagnostic::new(file, bit.pos, format!("unknown PTE bit `{}`: expected W, D, A, SD or UW{hint}", bit.name))
                            })?;
                            if *on {
                                set |= b
                            } else {
                                clear |= b
                            }
                        }
                        other => return self.err(file, other.pos(), format!("expected a bit change such as -W or +UW, found `{other}`")),
                    }
                }
                Op::PteModify { pte, set, clear }
            }
            "ptep_set_wrprotect" => {
                self.arity(name, args, 1, file)?;
                Op::PteSetWrprotect { pte: self.addr(&args[0], file)? }
            }
            "set_pte_at" => {
                self.arity(name, args, 2, file)?;
                let pte = self.addr(&args[0], file)?;
                let value = self.expr(&args[1], file)?;
                Op::SetPte { pte, value }
            }
            "ptep_clear_flush" | "pte_clear" => {
                self.arity(name, args, 1, file)?;
                Op::PteClear { pte: self.addr(&args[0], file)?, flush: name.name == "ptep_clear_flush" }
            }
            "flush_tlb_page" | "flush_tlb_range" => {
                if args.is_empty() {
                    return self.err(file, name.pos, format!("`{}` takes the addresses to flush", name.name));
                }
                let mut mask = 0u8;
                let mut mm = None;
                for a in args {
                    let slot = self.addr(a, file)?;
                    let m = self.sc.layout.ptes[slot as usize].mm;
                    if mm.is_some_and(|x| x != m) {
                        return self.err(file, a.pos(), "one flush covers addresses of one mm");
                    }
                    mm = Some(m);
                    mask |= 1 << slot;
                }
                Op::Flush { mm: mm.unwrap() as u8, ptes: mask }
            }
            "flush_tlb_mm" => {
                let mm = self.opt_mm(name, args, file)?;
                let mask = self.sc.layout.ptes.iter().enumerate().filter(|(_, p)| p.mm == mm).fold(0u8, |m, (i, _)| m | (1 << i));
                Op::Flush { mm: mm as u8, ptes: mask }
            }
            "tlb_evict" => {
                self.arity(name, args, 1, file)?;
                if self.sc.threads[self.thread].info.cpu.is_none() {
                    return self.err(file, name.pos, "a device has no TLB");
                }
                Op::TlbEvict { pte: self.addr(&args[0], file)? }
            }
            "atomic_inc"
            | "atomic_dec"
            | "raw_write_seqcount_begin"
            | "raw_write_seqcount_end"
            | "write_seqcount_begin"
            | "write_seqcount_end" => {
                self.arity(name, args, 1, file)?;
                let var = self.var(&args[0], file)?;
                Op::VarAdd { var, delta: if name.name == "atomic_dec" { -1 } else { 1 } }
            }
            "atomic_add" | "atomic_sub" => {
                self.arity(name, args, 2, file)?;
                let var = self.var(&args[0], file)?;
                let n = self.int16(&args[1], file)?;
                Op::VarAdd { var, delta: if name.name == "atomic_sub" { -n } else { n } }
            }
            "atomic_set" | "WRITE_ONCE" | "smp_store_release" => {
                self.arity(name, args, 2, file)?;
                let var = self.var(&args[0], file)?;
                let value = self.expr(&args[1], file)?;
                if !value.is_local() {
                    return self.err(
                        file,
                        args[1].pos(),
                        "the stored value must be a constant or a register: read shared state in a step of its own",
                    );
                }
                Op::VarSet { var, value, release: name.name == "smp_store_release" }
            }
            "get_page" | "put_page" => {
                self.arity(name, args, 1, file)?;
                Op::RefAdd { page: self.page(&args[0], file)?, delta: if name.name == "get_page" { 1 } else { -1 } }
            }
            "page_ref_add" | "page_ref_sub" => {
                self.arity(name, args, 2, file)?;
                let page = self.page(&args[0], file)?;
                let n = self.int16(&args[1], file)?;
                Op::RefAdd { page, delta: if name.name == "page_ref_sub" { -n } else { n } }
            }
            "page_dup_rmap" | "page_remove_rmap" => {
                self.arity(name, args, 1, file)?;
                Op::MapAdd { page: self.page(&args[0], file)?, delta: if name.name == "page_dup_rmap" { 1 } else { -1 } }
            }
            "page_add_new_anon_rmap" => {
                self.arity(name, args, 1, file)?;
                Op::NewAnonRmap(self.page(&args[0], file)?)
            }
            "SetPageAnonExclusive" | "ClearPageAnonExclusive" => {
                self.arity(name, args, 1, file)?;
                Op::SetPageFlag { page: self.page(&args[0], file)?, flag: page_flags::ANON_EXCLUSIVE, on: name.name.starts_with("Set") }
            }
            "copy_page_chunk" => {
                self.arity(name, args, 3, file)?;
                let src = self.page(&args[0], file)?;
                let dst = self.page(&args[1], file)?;
                let slot = self.data_slot(&args[2], file)?;
                Op::CopyChunk { src, dst, slot }
            }
            "cow_user_page" | "copy_user_highpage" => {
                // One step per data slot, so a store through a stale TLB entry can land between
                // two chunks of the copy.
                self.arity(name, args, 2, file)?;
                let dst = self.page(&args[0], file)?;
                let src = self.page(&args[1], file)?;
                for slot in 0..self.sc.layout.data_slots as u8 {
                    let text = format!("{}({}, {}): copy slot {slot}", name.name, args[0], args[1]);
                    self.emit(Op::CopyChunk { src, dst, slot }, false, text, name.pos, note.clone(), env);
                }
                return Ok(());
            }
            "local_irq_disable" | "local_irq_enable" | "local_irq_save" | "local_irq_restore" => {
                self.arity(name, args, 0, file)?;
                if self.sc.threads[self.thread].info.cpu.is_none() {
                    return self.err(file, name.pos, "a device has no IRQs to disable");
                }
                Op::Irq(name.name == "local_irq_disable" || name.name == "local_irq_save")
            }
            "gup_return" => {
                // gup_return(page, V, FOLL_PIN|FOLL_GET [, FOLL_WRITE] [, FOLL_LONGTERM]):
                // GUP hands `page` to its caller, who now uses it as what V maps.
                if args.len() < 3 {
                    return self.err(
                        file,
                        name.pos,
                        "`gup_return` takes the page, the address, FOLL_PIN or FOLL_GET, and optionally FOLL_WRITE, FOLL_LONGTERM",
                    );
                }
                let page = self.page(&args[0], file)?;
                let pte = self.addr(&args[1], file)?;
                let mut flags = 0;
                let mut kind = false;
                for a in &args[2..] {
                    match a {
                        Expr::Path(p) if p.len() == 1 && p[0].name == "FOLL_PIN" => {
                            flags |= pin_flags::PIN;
                            kind = true
                        }
                        Expr::Path(p) if p.len() == 1 && p[0].name == "FOLL_GET" => kind = true,
                        Expr::Path(p) if p.len() == 1 && p[0].name == "FOLL_WRITE" => flags |= pin_flags::WRITE,
                        Expr::Path(p) if p.len() == 1 && p[0].name == "FOLL_LONGTERM" => flags |= pin_flags::LONGTERM,
                        other => {
                            return self.err(
                                file,
                                other.pos(),
                                format!("expected FOLL_PIN, FOLL_GET, FOLL_WRITE or FOLL_LONGTERM, found `{other}`"),
                            )
                        }
                    }
                }
                if !kind {
                    return self.err(file, name.pos, "say FOLL_PIN or FOLL_GET");
                }
                silent = true;
                Op::GupReturn { page, pte, flags }
            }
            "gup_release" | "unpin_user_page" => {
                self.arity(name, args, 0, file)?;
                Op::GupRelease
            }
            "dma_write" => {
                self.arity(name, args, 3, file)?;
                self.device_only(name, file)?;
                let holder = self.thread_ref(&args[0], file)?;
                let slot = self.data_slot(&args[1], file)?;
                let value = self.expr(&args[2], file)?;
                Op::Dma { write: true, holder, slot, value, dst: 0 }
            }
            "vma_clear_write" | "vma_set_write" => {
                self.arity(name, args, 1, file)?;
                Op::VmaFlag { pte: self.addr(&args[0], file)?, flag: vma_flags::WRITE, on: name.name == "vma_set_write" }
            }
            "force_sig_segv" => {
                self.arity(name, args, 0, file)?;
                if self.sc.threads[self.thread].info.cpu.is_none() {
                    return self.err(file, name.pos, "`force_sig_segv` ends a process's thread: a device takes no page fault");
                }
                const REASON: &str = "SIGSEGV: the VMA does not allow the access (bad_area)";
                let idx = match self.prog.sleep_reasons.iter().position(|r| r == REASON) {
                    Some(i) => i,
                    None => {
                        self.prog.sleep_reasons.push(REASON.to_string());
                        self.prog.sleep_reasons.len() - 1
                    }
                };
                Op::Kill(idx as u8)
            }
            "vma_clear_softdirty" | "vma_set_softdirty" => {
                self.arity(name, args, 1, file)?;
                Op::VmaFlag { pte: self.addr(&args[0], file)?, flag: vma_flags::SOFTDIRTY, on: name.name == "vma_set_softdirty" }
            }
            "wait_event" => {
                self.arity(name, args, 1, file)?;
                Op::WaitVar { var: self.var(&args[0], file)? }
            }
            "await" => {
                self.arity(name, args, 1, file)?;
                let cond = self.expr(&args[0], file)?;
                if cond.is_local() {
                    return self.err(
                        file,
                        args[0].pos(),
                        "`await` needs a condition on shared state: registers and constants never change while the thread waits",
                    );
                }
                Op::Await { cond }
            }
            "track_soft_dirty" => {
                self.arity(name, args, 1, file)?;
                silent = true;
                Op::TrackSoftDirty { pte: self.addr(&args[0], file)? }
            }
            "smp_mb" | "smp_rmb" | "smp_wmb" | "smp_mb__before_atomic" | "smp_mb__after_atomic" | "smp_mb__after_spinlock" => {
                self.arity(name, args, 0, file)?;
                // Under sequential consistency a barrier orders nothing that is not already
                // ordered, so it is not a step there.
                silent = self.prog.model == MemoryModel::Sc;
                Op::Fence(match name.name.as_str() {
                    "smp_mb" => FenceKind::Full,
                    "smp_rmb" => FenceKind::Read,
                    "smp_wmb" => FenceKind::Write,
                    "smp_mb__before_atomic" => FenceKind::BeforeAtomic,
                    "smp_mb__after_spinlock" => FenceKind::AfterSpinlock,
                    _ => FenceKind::AfterAtomic,
                })
            }
            _ => return self.unknown_operation(name, file),
        };
        self.emit(op, silent, text, name.pos, note, env);
        Ok(())
    }

    // ---- operands

    fn addr(&self, e: &Expr, file: &str) -> Result<u8, Diagnostic> {
        let Expr::Path(p) = e else {
            return self.err(file, e.pos(), format!("expected a virtual address, found `{e}`"));
        };
        let (mm, va) = match p.as_slice() {
            [v] => (self.mm, v),
            [m, v] => match self.sc.layout.mm(&m.name) {
                Some(mm) => (mm, v),
                None => return self.err(file, m.pos, format!("unknown mm `{}`", m.name)),
            },
            _ => return self.err(file, e.pos(), format!("expected an address such as V or child.V, found `{e}`")),
        };
        self.sc
            .layout
            .pte(mm, &va.name)
            .map(|s| s as u8)
            .ok_or_else(|| Diagnostic::new(file, va.pos, format!("unknown address `{}` in mm `{}`", path_text(p), self.sc.layout.mms[mm])))
    }

    fn page(&self, e: &Expr, file: &str) -> Result<PageArg, Diagnostic> {
        if let Expr::Path(p) = e {
            if let [w] = p.as_slice() {
                if let Some(r) = self.regs.iter().position(|r| *r == w.name) {
                    return Ok(PageArg::Reg(r as u8));
                }
                if let Some(pg) = self.sc.layout.page(&w.name) {
                    return Ok(PageArg::Const(pg as u8));
                }
                return self.err(file, w.pos, format!("expected a page (a page name or a register holding one), found `{}`", w.name));
            }
        }
        self.err(file, e.pos(), format!("expected a page, found `{e}`"))
    }

    fn var(&self, e: &Expr, file: &str) -> Result<u8, Diagnostic> {
        if let Expr::Path(p) = e {
            let found = match p.as_slice() {
                [w] => self
                    .sc
                    .layout
                    .mm_var(self.mm, &w.name)
                    .or_else(|| self.sc.layout.vars.iter().position(|v| v.mm.is_none() && v.name == w.name)),
                [m, w] => self.sc.layout.mm(&m.name).and_then(|mm| self.sc.layout.mm_var(mm, &w.name)),
                _ => None,
            };
            if let Some(v) = found {
                return Ok(v as u8);
            }
        }
        let hint = match e {
            Expr::Path(p) => did_you_mean(&path_text(p), self.sc.layout.vars.iter().map(|v| v.name.as_str())),
            _ => String::new(),
        };
        self.err(
            file,
            e.pos(),
            format!("expected a shared variable (tlb_flush_pending, has_pinned, write_protect_seq or a `var`), found `{e}`{hint}"),
        )
    }

    fn lock(&self, e: &Expr, file: &str) -> Result<(u8, LockKind), Diagnostic> {
        if let Expr::Path(p) = e {
            let name = path_text(p);
            let found = match p.as_slice() {
                [w] => self.sc.layout.mm_lock(self.mm, &w.name).or_else(|| self.sc.layout.lock(&w.name)),
                [m, w] => self.sc.layout.mm(&m.name).and_then(|mm| self.sc.layout.mm_lock(mm, &w.name)),
                _ => None,
            };
            if let Some(l) = found {
                return Ok((l as u8, self.sc.layout.locks[l].kind));
            }
            let hint = did_you_mean(&name, self.sc.layout.locks.iter().map(|l| l.name.as_str()));
            if !hint.is_empty() {
                return self.err(file, e.pos(), format!("unknown lock `{name}`{hint}"));
            }
            return self.err(file, e.pos(), format!("unknown lock `{name}`: declare it with `lock {name} rwsem|spin|group`"));
        }
        self.err(file, e.pos(), format!("expected a lock, found `{e}`"))
    }

    fn thread_ref(&self, e: &Expr, file: &str) -> Result<u8, Diagnostic> {
        if let Expr::Path(p) = e {
            if let [w] = p.as_slice() {
                if let Some(t) = self.sc.layout.thread(&w.name) {
                    return Ok(t as u8);
                }
            }
        }
        self.err(file, e.pos(), format!("expected the name of the thread that holds the GUP reference, found `{e}`"))
    }

    fn int(&self, e: &Expr, file: &str) -> Result<i32, Diagnostic> {
        match e {
            Expr::Int(i, p) => i32::try_from(*i).map_err(|_| Diagnostic::new(file, *p, format!("{i} is out of range"))),
            Expr::Path(p) if p.len() == 1 && p[0].name == "GUP_PIN_COUNTING_BIAS" => Ok(PIN_BIAS),
            _ => self.err(file, e.pos(), format!("expected a number, found `{e}`")),
        }
    }

    fn int16(&self, e: &Expr, file: &str) -> Result<i16, Diagnostic> {
        let n = self.int(e, file)?;
        i16::try_from(n).map_err(|_| Diagnostic::new(file, e.pos(), format!("{n} is out of range (-32768..32767)")))
    }

    fn data_slot(&self, e: &Expr, file: &str) -> Result<u8, Diagnostic> {
        let n = self.int(e, file)?;
        if n < 0 || n as usize >= self.sc.layout.data_slots {
            return self.err(
                file,
                e.pos(),
                format!(
                    "data slot {n} is out of range: pages have {} slots (0..{})",
                    self.sc.layout.data_slots,
                    self.sc.layout.data_slots - 1
                ),
            );
        }
        Ok(n as u8)
    }

    fn pte_field(&self, w: &Ident, file: &str) -> Result<PteField, Diagnostic> {
        Ok(match w.name.as_str() {
            "present" => PteField::Present,
            "page" | "pfn" => PteField::Page,
            b => PteField::Bit(pte_bit(b).ok_or_else(|| {
                let fields = ["present", "page", "W", "D", "A", "SD", "UW"];
                Diagnostic::new(
                    file,
                    w.pos,
                    format!("unknown PTE field `{b}`: expected present, page, W, D, A, SD or UW{}", did_you_mean(b, fields)),
                )
            })?),
        })
    }

    /// Compiles an expression. The recursion is kept to this small function (the leaves, with
    /// their many messages, are compiled by `leaf`), so a tree as deep as the language allows
    /// fits a small stack even in a debug build.
    fn expr(&mut self, e: &Expr, file: &str) -> Result<CExpr, Diagnostic> {
        Ok(match e {
            Expr::Not(inner, _) => match self.expr(inner, file)? {
                CExpr::Const(v) => CExpr::Const((v == 0) as i32),
                c => CExpr::Not(Box::new(c)),
            },
            Expr::Binary(op, l, r) => {
                let l = self.expr(l, file)?;
                let r = self.expr(r, file)?;
                fold(*op, l, r)
            }
            Expr::Call(name, args) => {
                // The calls that take a value compile it here, in this small frame.
                let value = match (name.name.as_str(), args.as_slice()) {
                    ("pte_wrprotect" | "pte_mkwrite" | "pte_mkdirty" | "pte_clear_uffd_wp", [a]) | ("read_seqcount_retry", [_, a]) => {
                        Some(self.expr(a, file)?)
                    }
                    _ => None,
                };
                self.call_expr(name, args, value, file)?
            }
            Expr::Field(base, field) => {
                let base = self.expr(base, file)?;
                CExpr::Field(Box::new(base), self.pte_field(field, file)?)
            }
            _ => self.leaf(e, file)?,
        })
    }

    #[inline(never)]
    fn leaf(&mut self, e: &Expr, file: &str) -> Result<CExpr, Diagnostic> {
        Ok(match e {
            Expr::Int(i, p) => CExpr::Const(i32::try_from(*i).map_err(|_| Diagnostic::new(file, *p, format!("{i} is out of range")))?),
            Expr::Path(p) => match p.as_slice() {
                [w] => {
                    if w.name == "true" {
                        return Ok(CExpr::Const(1));
                    }
                    if w.name == "false" {
                        return Ok(CExpr::Const(0));
                    }
                    if w.name == "GUP_PIN_COUNTING_BIAS" {
                        return Ok(CExpr::Const(PIN_BIAS));
                    }
                    if let Some(r) = self.regs.iter().position(|r| *r == w.name) {
                        return Ok(CExpr::Reg(r as u8));
                    }
                    if let Some(pg) = self.sc.layout.page(&w.name) {
                        return Ok(CExpr::Const(pg as i32));
                    }
                    if let Ok(v) = self.var(e, file) {
                        return Ok(CExpr::Var(v, LoadOrder::Relaxed));
                    }
                    if self.sc.layout.pte(self.mm, &w.name).is_some() {
                        return self.err(file, w.pos, format!("`{}` is an address: read its PTE with pte({})", w.name, w.name));
                    }
                    let known = self.regs.iter().map(String::as_str).chain(self.sc.layout.vars.iter().map(|v| v.name.as_str()));
                    let hint = did_you_mean(&w.name, known.chain(self.sc.layout.pages.iter().map(String::as_str)));
                    return self.err(
                        file,
                        w.pos,
                        format!("unknown name `{}`: not a register assigned earlier, a page or a shared variable{hint}", w.name),
                    );
                }
                [r, f] if self.regs.contains(&r.name) => {
                    let reg = self.regs.iter().position(|x| *x == r.name).unwrap() as u8;
                    CExpr::Field(Box::new(CExpr::Reg(reg)), self.pte_field(f, file)?)
                }
                _ => CExpr::Var(self.var(e, file)?, LoadOrder::Relaxed),
            },
            Expr::Flag(_, f) => return self.err(file, f.pos, "a bit change such as -W only goes in ptep_modify_prot(…)"),
            Expr::Load(_, _, pos) => return self.err(file, *pos, "`load` is a step of its own: write `r = load V[0]`"),
            Expr::Not(..) | Expr::Binary(..) | Expr::Call(..) | Expr::Field(..) => unreachable!("compiled by `expr`"),
        })
    }

    /// A call in an expression; `value` is its value argument, compiled (by `expr`).
    #[inline(never)]
    fn call_expr(&mut self, name: &Ident, args: &[Expr], value: Option<CExpr>, file: &str) -> Result<CExpr, Diagnostic> {
        let n = name.name.as_str();
        match primitives::lookup(n).map(|p| p.kind) {
            Some(Use::Value) => {}
            Some(Use::Assigned) => {
                return self.err(file, name.pos, format!("`{n}` changes state: use it alone on the right of `=`, as in `ok = {n}(…)`"));
            }
            Some(Use::Statement) | None => return self.unknown_function(name, file),
        }
        Ok(match n {
            "feature" => {
                self.arity(name, args, 1, file)?;
                match &args[0] {
                    Expr::Path(p) if p.len() == 1 => {
                        if !self.sc.features.contains_key(&p[0].name) {
                            let hint = did_you_mean(&p[0].name, self.sc.features.keys().map(String::as_str));
                            return self.err(file, p[0].pos, format!("unknown feature `{}`{hint}", p[0].name));
                        }
                        CExpr::Const(self.prog.features.contains(&p[0].name) as i32)
                    }
                    other => return self.err(file, other.pos(), "expected a feature name"),
                }
            }
            "pte" => {
                self.arity(name, args, 1, file)?;
                CExpr::Pte(self.addr(&args[0], file)?)
            }
            "pte_same" => {
                self.arity(name, args, 2, file)?;
                let reg = match &args[0] {
                    Expr::Path(p) if p.len() == 1 && self.regs.contains(&p[0].name) => {
                        self.regs.iter().position(|r| *r == p[0].name).unwrap() as u8
                    }
                    other => {
                        return self.err(
                            file,
                            other.pos(),
                            format!("pte_same compares a register holding an earlier PTE value with the PTE now, found `{other}`"),
                        )
                    }
                };
                CExpr::PteSame(reg, self.addr(&args[1], file)?)
            }
            "page_count" | "page_mapcount" | "page_maybe_dma_pinned" | "PageAnonExclusive" | "PageKsm" | "PageLocked" | "PageAnon" => {
                self.arity(name, args, 1, file)?;
                let p = self.page(&args[0], file)?;
                match n {
                    "page_count" => CExpr::PageCount(p),
                    "page_mapcount" => CExpr::MapCount(p),
                    "page_maybe_dma_pinned" => CExpr::MaybePinned(p),
                    test => match PAGE_FLAGS.iter().find(|f| f.test == test) {
                        Some(f) => {
                            if f.bit == page_flags::ANON_EXCLUSIVE {
                                self.prog.reads_anon_exclusive = true;
                            }
                            CExpr::PageFlag(p, f.bit)
                        }
                        None => return self.unknown_function(name, file),
                    },
                }
            }
            "userfaultfd_wp" | "vma_softdirty" | "is_cow_mapping" | "vma_writable" => {
                self.arity(name, args, 1, file)?;
                let slot = self.addr(&args[0], file)?;
                let flag = match n {
                    "userfaultfd_wp" => vma_flags::UFFD_WP,
                    "vma_softdirty" => vma_flags::SOFTDIRTY,
                    "vma_writable" => vma_flags::WRITE,
                    _ => vma_flags::COW,
                };
                CExpr::VmaFlag(slot, flag)
            }
            "spin_is_locked" => {
                self.arity(name, args, 1, file)?;
                let (lock, kind) = self.lock(&args[0], file)?;
                if kind != LockKind::Spin {
                    return self.err(file, args[0].pos(), format!("`spin_is_locked` needs a spin lock, `{}` is not one", args[0]));
                }
                CExpr::LockHeld(lock)
            }
            "mm_tlb_flush_pending" => {
                let mm = self.opt_mm(name, args, file)?;
                CExpr::Var(self.sc.layout.per_mm[mm].tlb_flush_pending as u8, LoadOrder::Relaxed)
            }
            "atomic_read" | "READ_ONCE" | "raw_read_seqcount" | "smp_load_acquire" => {
                self.arity(name, args, 1, file)?;
                let order = if n == "smp_load_acquire" { LoadOrder::Acquire } else { LoadOrder::Relaxed };
                CExpr::Var(self.var(&args[0], file)?, order)
            }
            "read_seqcount_retry" => {
                self.arity(name, args, 2, file)?;
                let v = CExpr::Var(self.var(&args[0], file)?, LoadOrder::Relaxed);
                let seq = value.expect("compiled by `expr`");
                CExpr::Bin(BinOp::Ne, Box::new(v), Box::new(seq))
            }
            "mk_pte" => {
                if args.is_empty() {
                    return self.err(file, name.pos, "`mk_pte` takes a page and PTE bits (W, D, A, SD, UW)");
                }
                let page = self.page(&args[0], file)?;
                let mut bits = 0;
                for a in &args[1..] {
                    match a {
                        Expr::Path(p) if p.len() == 1 && pte_bit(&p[0].name).is_some() => bits |= pte_bit(&p[0].name).unwrap(),
                        other => return self.err(file, other.pos(), format!("expected a PTE bit (W, D, A, SD, UW), found `{other}`")),
                    }
                }
                CExpr::MkPte(page, bits)
            }
            "pte_wrprotect" | "pte_mkwrite" | "pte_mkdirty" | "pte_clear_uffd_wp" => {
                self.arity(name, args, 1, file)?;
                let base = value.expect("compiled by `expr`");
                let (set, clear) = match n {
                    "pte_wrprotect" => (0, Pte::W),
                    "pte_mkwrite" => (Pte::W, 0),
                    "pte_mkdirty" => (Pte::D | Pte::SD, 0),
                    _ => (0, Pte::UW),
                };
                // (v | set) & !clear, on the packed PTE value.
                let with_set = if set != 0 {
                    CExpr::Bin(
                        BinOp::Add,
                        Box::new(CExpr::Bin(BinOp::BitAnd, Box::new(base.clone()), Box::new(CExpr::Const(!(set as i32))))),
                        Box::new(CExpr::Const(set as i32)),
                    )
                } else {
                    base
                };
                if clear != 0 {
                    CExpr::Bin(BinOp::BitAnd, Box::new(with_set), Box::new(CExpr::Const(!(clear as i32))))
                } else {
                    with_set
                }
            }
            _ => return self.unknown_function(name, file),
        })
    }

    fn unknown_function<T>(&self, name: &Ident, file: &str) -> Result<T, Diagnostic> {
        let n = name.name.as_str();
        if self.sc.procs.contains_key(n) {
            return self.err(file, name.pos, format!("`{n}` is a proc: call it as a statement, it returns no value"));
        }
        let values = primitives::PRIMITIVES.iter().filter(|p| p.kind != Use::Statement).map(|p| p.name);
        self.err(file, name.pos, format!("unknown function `{n}`{}", did_you_mean(n, values)))
    }
}

fn silent_successors(op: &Op, pc: usize) -> Vec<usize> {
    match op {
        Op::Jump(t) => vec![*t as usize],
        Op::Branch { if_false, .. } => vec![pc + 1, *if_false as usize],
        Op::End | Op::Sleep(_) | Op::Kill(_) => vec![],
        _ => vec![pc + 1],
    }
}

/// Folds constants, so that `feature(x) && tlb_flush_pending > 0` leaves either nothing or
/// just the read of the counter.
fn fold(op: BinOp, l: CExpr, r: CExpr) -> CExpr {
    match (op, &l, &r) {
        (_, CExpr::Const(a), CExpr::Const(b)) => CExpr::Const(eval_bin(op, *a, *b)),
        (BinOp::And, CExpr::Const(0), _) | (BinOp::And, _, CExpr::Const(0)) => CExpr::Const(0),
        (BinOp::And, CExpr::Const(_), _) => truthy(r),
        (BinOp::And, _, CExpr::Const(_)) => truthy(l),
        (BinOp::Or, CExpr::Const(a), _) | (BinOp::Or, _, CExpr::Const(a)) if *a != 0 => CExpr::Const(1),
        (BinOp::Or, CExpr::Const(_), _) => truthy(r),
        (BinOp::Or, _, CExpr::Const(_)) => truthy(l),
        _ => CExpr::Bin(op, Box::new(l), Box::new(r)),
    }
}

fn truthy(e: CExpr) -> CExpr {
    match e {
        CExpr::Bin(BinOp::Or | BinOp::And | BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge, ..) | CExpr::Not(_) => e,
        other => CExpr::Bin(BinOp::Ne, Box::new(other), Box::new(CExpr::Const(0))),
    }
}

fn subst_path(p: &[Ident], env: &Env) -> Vec<Ident> {
    match env.params.get(&p[0].name) {
        Some(Expr::Path(q)) => q.iter().cloned().chain(p[1..].iter().cloned()).collect(),
        _ => p.to_vec(),
    }
}

/// Replaces proc parameters by the call's arguments.
fn subst(e: &Expr, env: &Env) -> Expr {
    if env.params.is_empty() {
        return e.clone();
    }
    match e {
        Expr::Path(p) => match env.params.get(&p[0].name) {
            Some(Expr::Path(q)) => Expr::Path(q.iter().cloned().chain(p[1..].iter().cloned()).collect()),
            Some(other) if p.len() == 1 => other.clone(),
            _ => e.clone(),
        },
        Expr::Call(n, args) => Expr::Call(n.clone(), args.iter().map(|a| subst(a, env)).collect()),
        Expr::Field(base, field) => Expr::Field(Box::new(subst(base, env)), field.clone()),
        Expr::Not(inner, p) => Expr::Not(Box::new(subst(inner, env)), *p),
        Expr::Binary(op, l, r) => Expr::Binary(*op, Box::new(subst(l, env)), Box::new(subst(r, env))),
        Expr::Load(va, slot, p) => Expr::Load(subst_path(va, env), Box::new(subst(slot, env)), *p),
        Expr::Int(..) | Expr::Flag(..) => e.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::fixture::{tiny as program, TINY as SRC};

    fn texts(prog: &Program, t: usize) -> Vec<&str> {
        prog.threads[t].instrs.iter().filter(|i| !i.silent).map(|i| i.text.as_str()).collect()
    }

    /// Compiles `line` as the first statement of thread `b` (a device thread, so that DMA
    /// primitives are allowed), and returns the error, if any.
    fn compile_line(line: &str) -> Option<String> {
        let src = SRC.replace("thread b on CPU1 \"stores y\" {\n  WRITE_ONCE(y, 1)", &format!("thread b on DEV \"stores y\" {{\n  {line}"));
        let sc = crate::scenario::load("t.race", &|n| (n == "t.race").then(|| src.clone())).map_err(|e| e.to_string()).ok()?;
        Program::compile(&sc, 0, MemoryModel::Sc).err().map(|e| e.to_string())
    }

    #[test]
    fn the_compiler_knows_every_primitive_of_the_table_and_in_its_place() {
        for p in primitives::PRIMITIVES {
            let (here, elsewhere) = match p.kind {
                Use::Statement => (format!("{}()", p.name), format!("r1 = {}() + 1", p.name)),
                Use::Value | Use::Assigned => (format!("r1 = {}()", p.name), format!("{}()", p.name)),
            };
            if let Some(e) = compile_line(&here) {
                assert!(!e.contains("unknown operation") && !e.contains("unknown function"), "{}: {e}", p.name);
            }
            let e = compile_line(&elsewhere).unwrap_or_default();
            let hint = match p.kind {
                Use::Statement => e.contains(&format!("unknown function `{}`", p.name)),
                Use::Value => e.contains(&format!("`{}` is a value", p.name)),
                Use::Assigned => e.contains(&format!("`{}` is a value", p.name)) || e.contains("changes state"),
            };
            assert!(hint, "{} out of place: {e}", p.name);
        }
        let e = compile_line("frobnicate(x)").unwrap();
        assert!(e.contains("unknown operation `frobnicate` (not a primitive, and no proc has that name)"), "{e}");
    }

    #[test]
    fn each_statement_is_one_scheduling_point_and_the_end_is_silent() {
        let prog = program("plain", MemoryModel::Sc);
        assert_eq!(texts(&prog, 0), ["WRITE_ONCE(x, 1)", "r0 = READ_ONCE(x)"]);
        assert_eq!(texts(&prog, 1), ["WRITE_ONCE(y, 1)"]);
        assert!(prog.threads[0].instrs.last().is_some_and(|i| i.silent && matches!(i.op, Op::End)));
    }

    #[test]
    fn a_feature_is_folded_away_under_a_policy_without_it() {
        assert!(!texts(&program("plain", MemoryModel::Sc), 0).contains(&"WRITE_ONCE(x, 2)"));
        assert!(texts(&program("more", MemoryModel::Sc), 0).contains(&"WRITE_ONCE(x, 2)"));
    }

    #[test]
    fn an_unknown_variable_is_an_error_naming_it_and_its_line() {
        let src = SRC.replace("r0 = READ_ONCE(x)", "r0 = READ_ONCE(nowhere)");
        let sc = crate::scenario::load("t.race", &|n| (n == "t.race").then(|| src.clone()));
        let err = match sc {
            Err(e) => e,
            Ok(sc) => Program::compile(&sc, 0, MemoryModel::Sc).unwrap_err(),
        };
        let text = err.to_string();
        assert!(text.contains("nowhere") && text.starts_with("t.race:28:"), "{text}");
    }
}
