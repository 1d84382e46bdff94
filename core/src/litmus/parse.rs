//! A C litmus test, parsed: the name, the header comments, the initial state, the threads'
//! bodies as C statements, and the final condition. What the words mean (which calls racelab
//! supports) is decided in `emit`; here only the shape.

use super::scan::{Scanner, Tok, Token};
use crate::syntax::{Diagnostic, Pos};

/// How deep expressions and statements may nest: deeper is an error, not a stack overflow.
const MAX_DEPTH: u32 = 64;

#[derive(Clone, Debug, PartialEq)]
pub struct Name {
    pub name: String,
    pub pos: Pos,
}

/// What a shared location holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocKind {
    /// `int`, or untyped.
    Int,
    /// `atomic_t`.
    Atomic,
    /// `spinlock_t`.
    Lock,
}

/// A shared location of the initial state or a thread's parameter list.
#[derive(Clone, Debug, PartialEq)]
pub struct Location {
    pub name: Name,
    /// Declared with a type (`int x`, `spinlock_t l`); `None` for `x=1;` and for parameters.
    pub kind: Option<LocKind>,
    pub value: i64,
    /// The location holds a pointer (`int *p = &x;`, `p=y;`), which racelab cannot model.
    pub pointer: Option<Pos>,
}

/// `0:r1 = 5;` in the initial state.
#[derive(Clone, Debug, PartialEq)]
pub struct RegInit {
    pub thread: u32,
    pub reg: Name,
    pub value: i64,
    pub pos: Pos,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: Name,
    pub kind: LocKind,
    /// `int **p`, `struct srcu_struct *s`: a parameter racelab cannot model, and why.
    pub unsupported: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Thread {
    pub index: u32,
    pub pos: Pos,
    pub params: Vec<Param>,
    /// A `//` comment on the header line (`P0(int *buf, int *flag) // Producer`).
    pub comment: Option<String>,
    pub body: Vec<Stmt>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    /// `int r0;`, `int r1 = -1;`, `int *r2;` (one per declarator).
    Decl {
        name: Name,
        pointer: bool,
        init: Option<Expr>,
    },
    /// `r0 = READ_ONCE(*x);`
    Assign {
        dst: Expr,
        value: Expr,
        pos: Pos,
    },
    /// `WRITE_ONCE(*x, 1);`, `(void)f(…);`
    Expr(Expr),
    If {
        cond: Expr,
        then: Vec<Stmt>,
        els: Vec<Stmt>,
        pos: Pos,
    },
    /// A statement racelab does not import (`while`, `r0 += 1`), and what it is.
    Unsupported {
        what: String,
        pos: Pos,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unary {
    Neg,
    Not,
    BitNot,
    Deref,
    AddrOf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binary {
    Mul,
    Div,
    Mod,
    Add,
    Sub,
    Shl,
    Shr,
    Lt,
    Gt,
    Le,
    Ge,
    Eq,
    Ne,
    BitAnd,
    BitXor,
    BitOr,
    And,
    Or,
}

impl Binary {
    pub fn symbol(self) -> &'static str {
        match self {
            Binary::Mul => "*",
            Binary::Div => "/",
            Binary::Mod => "%",
            Binary::Add => "+",
            Binary::Sub => "-",
            Binary::Shl => "<<",
            Binary::Shr => ">>",
            Binary::Lt => "<",
            Binary::Gt => ">",
            Binary::Le => "<=",
            Binary::Ge => ">=",
            Binary::Eq => "==",
            Binary::Ne => "!=",
            Binary::BitAnd => "&",
            Binary::BitXor => "^",
            Binary::BitOr => "|",
            Binary::And => "&&",
            Binary::Or => "||",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Int(i64, Pos),
    Name(Name),
    Call(Name, Vec<Expr>),
    Unary(Unary, Box<Expr>, Pos),
    Binary(Binary, Box<Expr>, Box<Expr>),
    /// `(int)e`; `(void)f()` discards a value.
    Cast {
        ty: String,
        expr: Box<Expr>,
        pos: Pos,
    },
    /// `c ? a : b`, `p->f`, `a[i]`: parsed so that the error can name it.
    Unsupported {
        what: String,
        pos: Pos,
    },
}

impl Expr {
    pub fn pos(&self) -> Pos {
        match self {
            Expr::Int(_, p) | Expr::Unary(_, _, p) | Expr::Cast { pos: p, .. } | Expr::Unsupported { pos: p, .. } => *p,
            Expr::Name(n) | Expr::Call(n, _) => n.pos,
            Expr::Binary(_, l, _) => l.pos(),
        }
    }
}

/// A location in the final condition: `1:r0`, `P1:r0`, `x`, `[x]`.
#[derive(Clone, Debug, PartialEq)]
pub enum CondLoc {
    Reg { thread: u32, reg: Name, pos: Pos },
    Var(Name),
}

#[derive(Clone, Debug, PartialEq)]
pub enum CondValue {
    Int(i64),
    /// A location or register on the right of `=`: `0:r1=1:r2`, or `1:r0=x` (an address).
    Loc(CondLoc),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Prop {
    Const(bool),
    Atom { loc: CondLoc, eq: bool, value: CondValue, pos: Pos },
    Not(Box<Prop>),
    And(Box<Prop>, Box<Prop>),
    Or(Box<Prop>, Box<Prop>),
    Implies(Box<Prop>, Box<Prop>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantifier {
    /// `exists P`: some final state satisfies P.
    Exists,
    /// `~exists P`: the test claims none does.
    NotExists,
    /// `forall P`: the test claims every final state does.
    Forall,
}

impl Quantifier {
    pub fn word(self) -> &'static str {
        match self {
            Quantifier::Exists => "exists",
            Quantifier::NotExists => "~exists",
            Quantifier::Forall => "forall",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Test {
    pub name: String,
    pub name_pos: Pos,
    pub doc: Option<String>,
    /// The comments before the initial state, in order, with where each starts.
    pub header: Vec<(Pos, String)>,
    pub locations: Vec<Location>,
    pub reg_inits: Vec<RegInit>,
    pub threads: Vec<Thread>,
    /// `locations [...]`, as written (it only asks herd to print more).
    pub print: Option<String>,
    pub filter: Option<Prop>,
    pub quantifier: Quantifier,
    pub condition: Prop,
    /// The condition as written, from its quantifier to its end.
    pub condition_text: String,
    pub condition_pos: Pos,
}

const TYPE_WORDS: &[&str] = &[
    "int",
    "long",
    "unsigned",
    "signed",
    "short",
    "char",
    "bool",
    "_Bool",
    "volatile",
    "const",
    "atomic_t",
    "spinlock_t",
    "void",
    "intptr_t",
];

fn is_type_word(s: &str) -> bool {
    TYPE_WORDS.contains(&s) || ((s.starts_with('u') || s.starts_with('s')) && matches!(&s[1..], "8" | "16" | "32" | "64"))
}

struct Parser<'a> {
    s: Scanner<'a>,
    /// Whether `(*` opens a comment where the parser is (outside thread bodies).
    ocaml: bool,
    depth: u32,
}

type PResult<T> = Result<T, Diagnostic>;

impl<'a> Parser<'a> {
    fn next(&mut self) -> PResult<Token> {
        self.s.next(self.ocaml)
    }
    fn peek(&mut self) -> PResult<Token> {
        self.s.peek(self.ocaml)
    }
    fn err<T>(&self, pos: Pos, msg: impl Into<String>) -> PResult<T> {
        self.s.err(pos, msg)
    }
    fn is_punct(&mut self, p: &str) -> PResult<bool> {
        Ok(matches!(self.peek()?.tok, Tok::Punct(q) if q == p))
    }
    fn is_word(&mut self, w: &str) -> PResult<bool> {
        Ok(matches!(self.peek()?.tok, Tok::Ident(ref q) if q == w))
    }
    fn eat_punct(&mut self, p: &str) -> PResult<bool> {
        if self.is_punct(p)? {
            self.next()?;
            return Ok(true);
        }
        Ok(false)
    }
    fn expect_punct(&mut self, p: &str, what: &str) -> PResult<Pos> {
        let t = self.next()?;
        match t.tok {
            Tok::Punct(q) if q == p => Ok(t.pos),
            other => self.err(t.pos, format!("expected `{p}` {what}, found {}", other.describe())),
        }
    }
    fn ident(&mut self, what: &str) -> PResult<Name> {
        let t = self.next()?;
        match t.tok {
            Tok::Ident(name) => Ok(Name { name, pos: t.pos }),
            other => self.err(t.pos, format!("expected {what}, found {}", other.describe())),
        }
    }
    fn int(&mut self, what: &str) -> PResult<i64> {
        let neg = self.eat_punct("-")?;
        let t = self.next()?;
        match t.tok {
            Tok::Int(v) => Ok(if neg { -v } else { v }),
            other => self.err(t.pos, format!("expected {what}, found {}", other.describe())),
        }
    }
    fn enter(&mut self, pos: Pos) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err(pos, format!("nested more than {MAX_DEPTH} deep"));
        }
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // The file

    fn test(&mut self) -> PResult<Test> {
        let first = self.next()?;
        match &first.tok {
            Tok::Ident(w) if w == "C" => {}
            Tok::Ident(w) if ["AArch64", "ARM", "X86", "X86_64", "PPC", "RISCV", "MIPS", "LISA", "Bell"].contains(&w.as_str()) => {
                return self.err(first.pos, format!("`{w}` is not C: racelab imports C litmus tests (`C NAME` on the first line)"))
            }
            other => {
                return self.err(first.pos, format!("expected `C NAME` on the first line of a C litmus test, found {}", other.describe()))
            }
        }
        let (name_pos, name) = self.s.word();
        if name.is_empty() {
            return self.err(name_pos, "expected the test's name after `C`");
        }
        // Between the name and the initial state: a doc string, an optional `(texname)`,
        // `key = value` lines, and comments.
        let mut doc = None;
        loop {
            let t = self.peek()?;
            match t.tok {
                Tok::Punct("{") => break,
                Tok::Str(s) => {
                    self.next()?;
                    doc.get_or_insert(s);
                }
                Tok::Punct("(") => {
                    self.next()?;
                    while !self.eat_punct(")")? {
                        if self.next()?.tok == Tok::Eof {
                            return self.err(t.pos, "`(` has no `)`");
                        }
                    }
                }
                Tok::Ident(_) => {
                    self.next()?;
                    if !self.is_punct("=")? {
                        return self.err(t.pos, format!("expected the initial state `{{ … }}`, found {}", t.tok.describe()));
                    }
                    self.s.rest_of_line();
                }
                other => return self.err(t.pos, format!("expected the initial state `{{ … }}`, found {}", other.describe())),
            }
        }
        let (open, locations, reg_inits) = self.init()?;
        let header = self.s.comments.iter().filter(|c| c.pos < open).map(|c| (c.pos, c.text.clone())).collect();
        let mut threads = Vec::new();
        loop {
            let t = self.peek()?;
            match &t.tok {
                Tok::Ident(w) if w == "void" => {
                    self.next()?;
                }
                Tok::Ident(w) if thread_number(w).is_some() => {
                    let index = thread_number(w).unwrap_or(0);
                    if index as usize != threads.len() {
                        return self
                            .err(t.pos, format!("expected thread P{}, found {w}: threads are numbered from P0 in order", threads.len()));
                    }
                    threads.push(self.thread(index)?);
                }
                _ => break,
            }
        }
        if threads.is_empty() {
            let t = self.peek()?;
            return self.err(t.pos, format!("expected a thread `P0(…) {{ … }}`, found {}", t.tok.describe()));
        }
        let mut print = None;
        let mut filter = None;
        if self.is_word("locations")? {
            self.next()?;
            let open = self.expect_punct("[", "after `locations`")?;
            let mut text = String::new();
            loop {
                let t = self.next()?;
                match t.tok {
                    Tok::Punct("]") => break,
                    Tok::Eof => return self.err(open, "`locations [` has no `]`"),
                    Tok::Ident(s) => text.push_str(&s),
                    Tok::Int(i) => text.push_str(&i.to_string()),
                    Tok::Punct(p) => {
                        text.push_str(p);
                        if p == ";" {
                            text.push(' ');
                        }
                    }
                    Tok::Str(s) => text.push_str(&s),
                }
            }
            print = Some(text.trim().to_string());
        }
        if self.is_word("filter")? {
            self.next()?;
            filter = Some(self.prop()?);
        }
        let start = self.peek()?;
        let condition_pos = start.pos;
        let quantifier = match &start.tok {
            Tok::Ident(w) if w == "exists" => {
                self.next()?;
                Quantifier::Exists
            }
            Tok::Ident(w) if w == "forall" => {
                self.next()?;
                Quantifier::Forall
            }
            Tok::Punct("~") | Tok::Ident(_) if self.negated_exists()? => Quantifier::NotExists,
            Tok::Punct("(") => Quantifier::Exists,
            other => {
                return self
                    .err(start.pos, format!("expected the final condition (`exists`, `~exists` or `forall`), found {}", other.describe()))
            }
        };
        let condition = self.prop()?;
        let t = self.next()?;
        if t.tok != Tok::Eof {
            return self.err(t.pos, format!("expected the end of the test after the final condition, found {}", t.tok.describe()));
        }
        // Filled in by `parse`, which has the text.
        let condition_text = String::new();
        Ok(Test {
            name,
            name_pos,
            doc,
            header,
            locations,
            reg_inits,
            threads,
            print,
            filter,
            quantifier,
            condition,
            condition_text,
            condition_pos,
        })
    }

    /// `~exists` or `not exists`, taken if it is there.
    fn negated_exists(&mut self) -> PResult<bool> {
        let save = self.s.clone();
        let t = self.next()?;
        let neg = matches!(t.tok, Tok::Punct("~")) || matches!(t.tok, Tok::Ident(ref w) if w == "not");
        if neg && self.is_word("exists")? {
            self.next()?;
            return Ok(true);
        }
        self.s = save;
        Ok(false)
    }

    /// The initial state; also where its `{` is.
    fn init(&mut self) -> PResult<(Pos, Vec<Location>, Vec<RegInit>)> {
        let open = self.expect_punct("{", "to open the initial state")?;
        let mut locs: Vec<Location> = Vec::new();
        let mut regs = Vec::new();
        loop {
            if self.eat_punct("}")? {
                break;
            }
            if self.eat_punct(";")? {
                continue;
            }
            let t = self.peek()?;
            if t.tok == Tok::Eof {
                return self.err(open, "the initial state `{` has no `}`");
            }
            // Type words, then stars, then the location.
            let mut kind = None;
            let mut typed = false;
            while let Tok::Ident(w) = self.peek()?.tok {
                if !is_type_word(&w) {
                    break;
                }
                self.next()?;
                typed = true;
                match w.as_str() {
                    "atomic_t" => kind = Some(LocKind::Atomic),
                    "spinlock_t" => kind = Some(LocKind::Lock),
                    _ => {}
                }
            }
            let mut pointer = None;
            while self.is_punct("*")? {
                pointer.get_or_insert(self.next()?.pos);
            }
            let at = self.next()?;
            match at.tok {
                Tok::Int(thread) => {
                    self.expect_punct(":", "between a thread number and a register")?;
                    let reg = self.ident("a register name")?;
                    let value = if self.eat_punct("=")? { self.init_value(&mut pointer)? } else { 0 };
                    if let Some(p) = pointer {
                        return self.err(p, format!("register {thread}:{} holds a pointer: racelab has no pointer values", reg.name));
                    }
                    regs.push(RegInit { thread: thread as u32, reg, value, pos: at.pos });
                }
                Tok::Ident(name) => {
                    if let Some(n) = thread_number(&name).filter(|_| self.is_punct(":").unwrap_or(false)) {
                        self.next()?;
                        let reg = self.ident("a register name")?;
                        let value = if self.eat_punct("=")? { self.init_value(&mut pointer)? } else { 0 };
                        regs.push(RegInit { thread: n, reg, value, pos: at.pos });
                        continue;
                    }
                    let name = Name { name, pos: at.pos };
                    let value = if self.eat_punct("=")? { self.init_value(&mut pointer)? } else { 0 };
                    if let Some(other) = locs.iter().find(|l| l.name.name == name.name) {
                        return self.err(
                            name.pos,
                            format!("`{}` is declared twice in the initial state (first at {})", name.name, other.name.pos),
                        );
                    }
                    let kind = if typed { Some(kind.unwrap_or(LocKind::Int)) } else { None };
                    locs.push(Location { name, kind, value, pointer });
                }
                other => {
                    return self
                        .err(at.pos, format!("expected a location of the initial state (`x=1;`, `int y;`), found {}", other.describe()))
                }
            }
            let t = self.peek()?;
            match t.tok {
                Tok::Punct(";") | Tok::Punct("}") => {}
                other => return self.err(t.pos, format!("expected `;` after an item of the initial state, found {}", other.describe())),
            }
        }
        Ok((open, locs, regs))
    }

    /// The value after `=` in the initial state: a number, `ATOMIC_INIT(n)`, or an address
    /// (`&x`, `x`), which marks the location a pointer.
    fn init_value(&mut self, pointer: &mut Option<Pos>) -> PResult<i64> {
        let t = self.peek()?;
        match t.tok {
            Tok::Ident(w) if w == "ATOMIC_INIT" => {
                self.next()?;
                self.expect_punct("(", "after ATOMIC_INIT")?;
                let v = self.int("the initial value")?;
                self.expect_punct(")", "to close ATOMIC_INIT(")?;
                Ok(v)
            }
            Tok::Ident(_) | Tok::Punct("&") => {
                self.eat_punct("&")?;
                self.ident("a location")?;
                pointer.get_or_insert(t.pos);
                Ok(0)
            }
            _ => self.int("the initial value (a number)"),
        }
    }

    fn thread(&mut self, index: u32) -> PResult<Thread> {
        let head = self.next()?;
        // The rest in C mode: `P0(int *x)` is code, not a comment.
        self.ocaml = false;
        self.expect_punct("(", "to open the thread's parameter list")?;
        let mut params = Vec::new();
        if !self.eat_punct(")")? {
            loop {
                params.push(self.param()?);
                if self.eat_punct(")")? {
                    break;
                }
                self.expect_punct(",", "between parameters")?;
            }
        }
        let comments_before = self.s.comments.len();
        let open = self.expect_punct("{", "to open the thread's body")?;
        let comment = self.s.comments[comments_before..]
            .iter()
            .find(|c| c.pos.line == head.pos.line && !c.ocaml)
            .map(|c| c.text.clone())
            .filter(|c| !c.is_empty());
        let body = self.block_rest(open)?;
        self.ocaml = true;
        Ok(Thread { index, pos: head.pos, params, comment, body })
    }

    fn param(&mut self) -> PResult<Param> {
        let mut kind = LocKind::Int;
        let mut unsupported = None;
        let start = self.peek()?.pos;
        loop {
            let t = self.peek()?;
            match t.tok {
                Tok::Ident(w) if is_type_word(&w) => {
                    self.next()?;
                    match w.as_str() {
                        "atomic_t" => kind = LocKind::Atomic,
                        "spinlock_t" => kind = LocKind::Lock,
                        "void" if self.is_punct(")")? => return self.err(t.pos, "`void` parameter lists are written `P0()`"),
                        _ => {}
                    }
                }
                Tok::Ident(w) if w == "struct" => {
                    self.next()?;
                    let tag = self.ident("a struct tag")?;
                    unsupported = Some(format!("`struct {}` parameters are not supported", tag.name));
                }
                _ => break,
            }
        }
        let mut stars = 0;
        while self.eat_punct("*")? {
            stars += 1;
        }
        let name = self.ident("a parameter name")?;
        if stars == 0 {
            return self.err(start, format!("parameter `{}` must be a pointer to a shared location (`int *{}`)", name.name, name.name));
        }
        if stars > 1 && unsupported.is_none() {
            unsupported = Some(format!("`{}` is a pointer to a pointer: racelab has no pointer values", name.name));
        }
        Ok(Param { name, kind, unsupported })
    }

    // -----------------------------------------------------------------------------------------
    // Statements (C mode)

    /// Statements up to the `}` that closes the block opened at `open`.
    fn block_rest(&mut self, open: Pos) -> PResult<Vec<Stmt>> {
        self.enter(open)?;
        let mut out = Vec::new();
        loop {
            let t = self.peek()?;
            match t.tok {
                Tok::Punct("}") => {
                    self.next()?;
                    break;
                }
                Tok::Eof => return self.err(open, "this `{` has no `}`"),
                _ => self.stmt(&mut out)?,
            }
        }
        self.depth -= 1;
        Ok(out)
    }

    /// One statement (a declaration may give several).
    fn stmt(&mut self, out: &mut Vec<Stmt>) -> PResult<()> {
        let t = self.peek()?;
        match &t.tok {
            Tok::Punct(";") => {
                self.next()?;
            }
            Tok::Punct("{") => {
                self.next()?;
                let inner = self.block_rest(t.pos)?;
                out.extend(inner);
            }
            Tok::Ident(w) if w == "if" => {
                self.next()?;
                self.expect_punct("(", "after `if`")?;
                let cond = self.expr()?;
                self.expect_punct(")", "to close the condition of `if`")?;
                let then = self.branch()?;
                let els = if self.is_word("else")? {
                    self.next()?;
                    self.branch()?
                } else {
                    vec![]
                };
                out.push(Stmt::If { cond, then, els, pos: t.pos });
            }
            Tok::Ident(w) if ["while", "for", "do", "goto", "return", "switch", "break", "continue"].contains(&w.as_str()) => {
                let what = format!("`{w}`");
                self.skip_statement()?;
                out.push(Stmt::Unsupported { what, pos: t.pos });
            }
            Tok::Ident(w) if is_type_word(w) => {
                while let Tok::Ident(w) = self.peek()?.tok {
                    if !is_type_word(&w) {
                        break;
                    }
                    self.next()?;
                }
                loop {
                    let mut pointer = false;
                    while self.eat_punct("*")? {
                        pointer = true;
                    }
                    let name = self.ident("the name of the declared register")?;
                    let init = if self.eat_punct("=")? { Some(self.expr()?) } else { None };
                    out.push(Stmt::Decl { name, pointer, init });
                    if self.eat_punct(";")? {
                        break;
                    }
                    self.expect_punct(",", "or `;` after a declaration")?;
                }
            }
            _ => {
                let e = self.expr()?;
                let next = self.next()?;
                match next.tok {
                    Tok::Punct(";") => out.push(Stmt::Expr(e)),
                    Tok::Punct("=") => {
                        let value = self.expr()?;
                        self.expect_punct(";", "after the assignment")?;
                        out.push(Stmt::Assign { dst: e, value, pos: next.pos });
                    }
                    Tok::Punct(op @ ("+=" | "-=" | "*=" | "++" | "--")) => {
                        self.skip_statement()?;
                        out.push(Stmt::Unsupported { what: format!("`{op}`"), pos: next.pos });
                    }
                    other => return self.err(next.pos, format!("expected `;` at the end of the statement, found {}", other.describe())),
                }
            }
        }
        Ok(())
    }

    /// The statement of an `if` or `else` branch.
    fn branch(&mut self) -> PResult<Vec<Stmt>> {
        let mut out = Vec::new();
        self.stmt(&mut out)?;
        Ok(out)
    }

    /// Skips an unsupported statement: up to its `;` or its balanced `{ … }`.
    fn skip_statement(&mut self) -> PResult<()> {
        let mut depth = 0u32;
        loop {
            let t = self.next()?;
            match t.tok {
                Tok::Eof => return Ok(()),
                Tok::Punct("(") | Tok::Punct("{") => depth += 1,
                Tok::Punct(")") => depth = depth.saturating_sub(1),
                Tok::Punct("}") => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 && !self.is_word("while")? {
                        return Ok(());
                    }
                }
                Tok::Punct(";") if depth == 0 => return Ok(()),
                _ => {}
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Expressions (C precedence)

    fn expr(&mut self) -> PResult<Expr> {
        let pos = self.peek()?.pos;
        self.enter(pos)?;
        let e = self.binary(0);
        self.depth -= 1;
        let e = e?;
        if self.is_punct("?")? {
            let q = self.next()?;
            return self.err(q.pos, "the conditional operator `?:` is not supported: write an `if`");
        }
        Ok(e)
    }

    fn binary(&mut self, level: usize) -> PResult<Expr> {
        const LEVELS: &[&[(&str, Binary)]] = &[
            &[("||", Binary::Or)],
            &[("&&", Binary::And)],
            &[("|", Binary::BitOr)],
            &[("^", Binary::BitXor)],
            &[("&", Binary::BitAnd)],
            &[("==", Binary::Eq), ("!=", Binary::Ne)],
            &[("<", Binary::Lt), (">", Binary::Gt), ("<=", Binary::Le), (">=", Binary::Ge)],
            &[("<<", Binary::Shl), (">>", Binary::Shr)],
            &[("+", Binary::Add), ("-", Binary::Sub)],
            &[("*", Binary::Mul), ("/", Binary::Div), ("%", Binary::Mod)],
        ];
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut l = self.binary(level + 1)?;
        loop {
            let t = self.peek()?;
            let Tok::Punct(p) = t.tok else { break };
            let Some(&(_, op)) = LEVELS[level].iter().find(|(s, _)| *s == p) else { break };
            self.next()?;
            let r = self.binary(level + 1)?;
            l = Expr::Binary(op, Box::new(l), Box::new(r));
        }
        Ok(l)
    }

    fn unary(&mut self) -> PResult<Expr> {
        let t = self.peek()?;
        let op = match t.tok {
            Tok::Punct("-") => Some(Unary::Neg),
            Tok::Punct("!") => Some(Unary::Not),
            Tok::Punct("~") => Some(Unary::BitNot),
            Tok::Punct("*") => Some(Unary::Deref),
            Tok::Punct("&") => Some(Unary::AddrOf),
            Tok::Punct("+") => {
                self.next()?;
                return self.unary();
            }
            _ => None,
        };
        if let Some(op) = op {
            self.next()?;
            self.enter(t.pos)?;
            let e = self.unary();
            self.depth -= 1;
            let e = e?;
            return Ok(match (op, e) {
                (Unary::Neg, Expr::Int(v, _)) => Expr::Int(-v, t.pos),
                (op, e) => Expr::Unary(op, Box::new(e), t.pos),
            });
        }
        if t.tok == Tok::Punct("(") {
            // A cast `(int)`, `(void)`, or a parenthesised expression.
            let save = self.s.clone();
            self.next()?;
            if let Tok::Ident(w) = self.peek()?.tok {
                if is_type_word(&w) {
                    let mut ty = String::new();
                    while let Tok::Ident(w) = self.peek()?.tok {
                        if !is_type_word(&w) {
                            break;
                        }
                        self.next()?;
                        if !ty.is_empty() {
                            ty.push(' ');
                        }
                        ty.push_str(&w);
                    }
                    while self.eat_punct("*")? {
                        ty.push('*');
                    }
                    self.expect_punct(")", "to close the cast")?;
                    self.enter(t.pos)?;
                    let e = self.unary();
                    self.depth -= 1;
                    return Ok(Expr::Cast { ty, expr: Box::new(e?), pos: t.pos });
                }
            }
            self.s = save;
        }
        self.postfix()
    }

    fn postfix(&mut self) -> PResult<Expr> {
        let t = self.next()?;
        let e = match t.tok {
            Tok::Int(v) => Expr::Int(v, t.pos),
            Tok::Ident(name) => {
                let name = Name { name, pos: t.pos };
                if self.eat_punct("(")? {
                    let mut args = Vec::new();
                    if !self.eat_punct(")")? {
                        loop {
                            args.push(self.expr()?);
                            if self.eat_punct(")")? {
                                break;
                            }
                            self.expect_punct(",", "between arguments")?;
                        }
                    }
                    Expr::Call(name, args)
                } else {
                    Expr::Name(name)
                }
            }
            Tok::Punct("(") => {
                let e = self.expr()?;
                self.expect_punct(")", "to close `(`")?;
                e
            }
            other => return self.err(t.pos, format!("expected an expression, found {}", other.describe())),
        };
        let t = self.peek()?;
        match t.tok {
            Tok::Punct("->") | Tok::Punct(".") | Tok::Punct("[") => {
                let Tok::Punct(p) = t.tok else { unreachable!() };
                let what = match p {
                    "[" => "array indexing `[ ]` is not supported",
                    _ => "struct fields (`->`, `.`) are not supported",
                };
                let _ = self.next()?;
                let _ = self.binary(0);
                if p == "[" {
                    let _ = self.eat_punct("]");
                }
                Ok(Expr::Unsupported { what: what.to_string(), pos: t.pos })
            }
            Tok::Punct(p @ ("++" | "--")) => {
                self.next()?;
                Ok(Expr::Unsupported { what: format!("`{p}` is not supported: write `r = r + 1` or `r = r - 1`"), pos: t.pos })
            }
            _ => Ok(e),
        }
    }

    // -----------------------------------------------------------------------------------------
    // The final condition (herd's proposition syntax)

    fn prop(&mut self) -> PResult<Prop> {
        let pos = self.peek()?.pos;
        self.enter(pos)?;
        let p = self.prop_or();
        self.depth -= 1;
        p
    }

    fn prop_or(&mut self) -> PResult<Prop> {
        let mut l = self.prop_and()?;
        while self.eat_punct("\\/")? {
            let r = self.prop_and()?;
            l = Prop::Or(Box::new(l), Box::new(r));
        }
        Ok(l)
    }

    fn prop_and(&mut self) -> PResult<Prop> {
        let mut l = self.prop_implies()?;
        while self.eat_punct("/\\")? {
            let r = self.prop_implies()?;
            l = Prop::And(Box::new(l), Box::new(r));
        }
        Ok(l)
    }

    fn prop_implies(&mut self) -> PResult<Prop> {
        let l = self.prop_not()?;
        if self.eat_punct("=>")? {
            let r = self.prop_implies()?;
            return Ok(Prop::Implies(Box::new(l), Box::new(r)));
        }
        Ok(l)
    }

    fn prop_not(&mut self) -> PResult<Prop> {
        let t = self.peek()?;
        let neg = matches!(t.tok, Tok::Punct("~")) || matches!(t.tok, Tok::Ident(ref w) if w == "not");
        if neg {
            self.next()?;
            self.enter(t.pos)?;
            let p = self.prop_not();
            self.depth -= 1;
            return Ok(Prop::Not(Box::new(p?)));
        }
        match t.tok {
            Tok::Punct("(") => {
                self.next()?;
                let p = self.prop()?;
                self.expect_punct(")", "to close `(` in the condition")?;
                Ok(p)
            }
            Tok::Ident(w) if w == "true" || w == "false" => {
                self.next()?;
                Ok(Prop::Const(w == "true"))
            }
            _ => self.atom(),
        }
    }

    fn cond_loc(&mut self) -> PResult<CondLoc> {
        let t = self.next()?;
        match t.tok {
            Tok::Int(n) => {
                self.expect_punct(":", "between a thread number and a register (`1:r0`)")?;
                let reg = self.ident("a register name")?;
                Ok(CondLoc::Reg { thread: n as u32, reg, pos: t.pos })
            }
            Tok::Ident(w) => {
                if let Some(n) = thread_number(&w) {
                    if self.eat_punct(":")? {
                        let reg = self.ident("a register name")?;
                        return Ok(CondLoc::Reg { thread: n, reg, pos: t.pos });
                    }
                }
                Ok(CondLoc::Var(Name { name: w, pos: t.pos }))
            }
            Tok::Punct("[") => {
                let name = self.ident("a location name")?;
                self.expect_punct("]", "to close `[`")?;
                Ok(CondLoc::Var(name))
            }
            other => self.err(t.pos, format!("expected a register (`1:r0`) or a location (`x`), found {}", other.describe())),
        }
    }

    fn atom(&mut self) -> PResult<Prop> {
        let pos = self.peek()?.pos;
        let loc = self.cond_loc()?;
        let t = self.next()?;
        let eq = match t.tok {
            Tok::Punct("=") | Tok::Punct("==") => true,
            Tok::Punct("!=") | Tok::Punct("<>") => false,
            other => return self.err(t.pos, format!("expected `=` or `!=` after {}, found {}", loc_text(&loc), other.describe())),
        };
        let v = self.peek()?;
        let register = matches!(v.tok, Tok::Int(_)) && {
            let mut ahead = self.s.clone();
            ahead.next(true)?;
            matches!(ahead.next(true)?.tok, Tok::Punct(":"))
        };
        let value = match v.tok {
            Tok::Int(_) | Tok::Punct("-") if !register => CondValue::Int(self.int("a value")?),
            _ => CondValue::Loc(self.cond_loc()?),
        };
        Ok(Prop::Atom { loc, eq, value, pos })
    }
}

/// `P3` → 3.
fn thread_number(w: &str) -> Option<u32> {
    let digits = w.strip_prefix('P')?;
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) || digits.len() > 3 {
        return None;
    }
    digits.parse().ok()
}

/// How herd writes a location of the condition.
pub fn loc_text(l: &CondLoc) -> String {
    match l {
        CondLoc::Reg { thread, reg, .. } => format!("{thread}:{}", reg.name),
        CondLoc::Var(n) => n.name.clone(),
    }
}

/// Parses a C litmus test.
pub fn parse(file: &str, text: &str) -> Result<Test, Diagnostic> {
    let mut p = Parser { s: Scanner::new(file, text), ocaml: true, depth: 0 };
    let mut test = p.test()?;
    // The condition as written, for the comment of the scenario: from its quantifier to the end,
    // less trailing comments.
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    test.condition_text = condition_source(body, test.condition_pos);
    Ok(test)
}

/// The text of the file from `pos` to its end, without `(* *)` comments, on one line.
fn condition_source(text: &str, pos: Pos) -> String {
    let without_line_comments = |l: &str| l.split("//").next().unwrap_or("").to_string();
    let mut lines = text.split('\n').skip(pos.line.saturating_sub(1) as usize);
    let Some(first) = lines.next() else { return String::new() };
    let first: String = first.chars().skip(pos.col.saturating_sub(1) as usize).collect();
    let mut all = without_line_comments(&first);
    for l in lines {
        all.push(' ');
        all.push_str(&without_line_comments(l));
    }
    // Drop comments.
    let mut out = String::new();
    let chars: Vec<char> = all.chars().collect();
    let (mut i, mut depth) = (0, 0);
    while i < chars.len() {
        if chars[i] == '(' && chars.get(i + 1) == Some(&'*') {
            depth += 1;
            i += 2;
            continue;
        }
        if depth > 0 && chars[i] == '*' && chars.get(i + 1) == Some(&')') {
            depth -= 1;
            i += 2;
            continue;
        }
        if depth == 0 {
            out.push(chars[i]);
        }
        i += 1;
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}
