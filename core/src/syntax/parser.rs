//! The parser: line-oriented statements, brace blocks, expressions by precedence.

use super::ast::*;
use super::lexer::{lex, Tok, Token};
use super::suggest::{did_you_mean, expected_one_of};

/// The format version this parser reads. A file declares it on its first line: `racelab 1`.
pub const FORMAT_VERSION: u32 = 1;

// ---------------------------------------------------------------------------------------------
// Parser

pub fn parse(file: &str, src: &str) -> Result<SourceFile, Diagnostic> {
    check_size(file, src)?;
    // A byte-order mark, as some Windows editors write, is not part of the text.
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let toks = lex(file, src)?;
    let mut p = Parser { file, toks, i: 0, depth: 0, end: "end of file", open: Vec::new(), misaligned: None };
    p.source_file()
}

/// Parses `text`, one line, as one expression (the condition of an `exists` line). Positions
/// are in `file`: the text's first character is at `origin` plus one column (`origin` is the
/// opening quote of the string that holds it). The end of the text reads as "the end of the
/// condition" in messages.
pub fn parse_expr(file: &str, text: &str, origin: Pos) -> Result<Expr, Diagnostic> {
    let at = |p: Pos| Pos { line: origin.line + p.line - 1, col: if p.line == 1 { origin.col + p.col } else { p.col } };
    let mut toks = lex(file, text).map_err(|d| Diagnostic::new(file, at(d.pos), d.message))?;
    for t in &mut toks {
        t.pos = at(t.pos);
    }
    let mut p = Parser { file, toks, i: 0, depth: 0, end: "the end of the condition", open: Vec::new(), misaligned: None };
    let e = p.expr()?;
    match p.peek() {
        Tok::Eof => Ok(e),
        _ => p.expected("the end of the condition"),
    }
}

struct Parser<'a> {
    file: &'a str,
    toks: Vec<Token>,
    i: usize,
    /// Nesting of expressions and blocks, bounded so that no input can exhaust the stack.
    depth: usize,
    /// What the end of the input is called in messages.
    end: &'static str,
    /// The statement blocks open around the parser: what (`thread P0`, `if`), where the header
    /// starts, and the column of the header (where its `}` belongs).
    open: Vec<(String, Pos, u32)>,
    /// In the current declaration, the first block closed by a `}` that lines up with an
    /// enclosing block instead: (that block, its opening, the `}`, the enclosing block). When
    /// a block is then left open, this is the one that lacks its `}`.
    misaligned: Option<(String, Pos, Pos, String)>,
}

/// The words that start a declaration: met inside a block, they mean the block was left open.
const TOP_LEVEL: &[&str] = &["use", "feature", "policy", "proc", "scenario", "state", "thread", "trace"];

/// Deeper nesting of blocks, brackets and lists than this is certainly not a kernel path.
pub const MAX_NESTING: usize = 64;

/// The deepest expression tree the parser builds. Every layer above walks a tree by recursion
/// (printing, substitution, compiling), so the depth of the *tree* is bounded, not only the
/// brackets: `1 + 1 + … + 1` is a tree as deep as it has operators.
pub const MAX_EXPR_DEPTH: usize = 100;

/// The longest source text the parser reads. The catalog's longest file is under 10 KB.
pub const MAX_SOURCE_BYTES: usize = 1 << 20;

fn check_size(file: &str, src: &str) -> Result<(), Diagnostic> {
    if src.len() > MAX_SOURCE_BYTES {
        return Err(Diagnostic::new(
            file,
            Pos { line: 1, col: 1 },
            format!("the file is {} bytes long: a scenario source holds at most {} (1 MiB)", src.len(), MAX_SOURCE_BYTES),
        ));
    }
    Ok(())
}

type PResult<T> = Result<T, Diagnostic>;

const BLOCK_KINDS: &[&str] = &["policy", "scenario", "state", "trace"];

/// The declarations a file is made of, as messages list them.
pub const DECLARATIONS: &str = "use, feature, policy, proc, scenario, state, thread or trace";

impl<'a> Parser<'a> {
    fn peek(&self) -> &Tok {
        &self.toks[self.i].tok
    }
    fn peek_at(&self, k: usize) -> &Tok {
        &self.toks[(self.i + k).min(self.toks.len() - 1)].tok
    }
    fn pos(&self) -> Pos {
        self.toks[self.i].pos
    }
    fn bump(&mut self) -> Token {
        let t = self.toks[self.i].clone();
        if self.i < self.toks.len() - 1 {
            self.i += 1;
        }
        t
    }
    fn err<T>(&self, message: impl Into<String>) -> PResult<T> {
        Err(Diagnostic::new(self.file, self.pos(), message))
    }
    fn expected<T>(&self, what: &str) -> PResult<T> {
        let found = match self.peek() {
            Tok::Eof => self.end.to_string(),
            t => t.describe(),
        };
        self.err(format!("expected {what}, found {found}"))
    }
    fn is_punct(&self, p: &str) -> bool {
        matches!(self.peek(), Tok::Punct(q) if *q == p)
    }
    fn eat_punct(&mut self, p: &str) -> bool {
        if self.is_punct(p) {
            self.bump();
            true
        } else {
            false
        }
    }
    fn expect_punct(&mut self, p: &str, context: &str) -> PResult<Pos> {
        if self.is_punct(p) {
            Ok(self.bump().pos)
        } else {
            self.expected(&format!("`{p}` {context}"))
        }
    }
    fn is_end_of_line(&self) -> bool {
        matches!(self.peek(), Tok::Newline | Tok::Eof) || self.is_punct(";") || self.is_punct("}")
    }
    fn skip_newlines(&mut self) {
        while matches!(self.peek(), Tok::Newline) || self.is_punct(";") {
            self.bump();
        }
    }
    fn end_of_line(&mut self, context: &str) -> PResult<()> {
        if matches!(self.peek(), Tok::Newline) || self.is_punct(";") {
            self.bump();
            Ok(())
        } else if matches!(self.peek(), Tok::Eof) || self.is_punct("}") {
            Ok(())
        } else {
            self.expected(&format!("end of line {context}"))
        }
    }
    fn ident(&mut self, what: &str) -> PResult<Ident> {
        match self.peek().clone() {
            Tok::Ident(name) => {
                let pos = self.bump().pos;
                Ok(Ident { name, pos })
            }
            _ => self.expected(what),
        }
    }
    fn string(&mut self, what: &str) -> PResult<(String, Pos)> {
        match self.peek().clone() {
            Tok::Str(s) => {
                let pos = self.bump().pos;
                Ok((s, pos))
            }
            _ => self.expected(what),
        }
    }
    fn opt_string(&mut self) -> Option<String> {
        if let Tok::Str(s) = self.peek().clone() {
            self.bump();
            Some(s)
        } else {
            None
        }
    }

    fn source_file(&mut self) -> PResult<SourceFile> {
        self.skip_newlines();
        let version = match self.peek().clone() {
            Tok::Ident(w) if w == "racelab" => {
                self.bump();
                match self.peek().clone() {
                    Tok::Int(v) => {
                        let pos = self.pos();
                        self.bump();
                        if v != FORMAT_VERSION as i64 {
                            return Err(Diagnostic::new(
                                self.file,
                                pos,
                                format!("unsupported format version {v}: this racelab reads version {FORMAT_VERSION}"),
                            ));
                        }
                        v as u32
                    }
                    _ => return self.expected("the format version after `racelab` (e.g. `racelab 1`)"),
                }
            }
            _ => return self.expected("`racelab 1` on the first line (the format version)"),
        };
        self.end_of_line("after the format version")?;
        let mut items = Vec::new();
        loop {
            self.skip_newlines();
            if matches!(self.peek(), Tok::Eof) {
                break;
            }
            items.push(self.item()?);
        }
        Ok(SourceFile { name: self.file.to_string(), version, items })
    }

    fn item(&mut self) -> PResult<Item> {
        self.misaligned = None;
        let key = self.ident("a declaration (`use`, `feature`, `policy`, `proc`, `scenario`, `state`, `thread`, `trace`)")?;
        match key.name.as_str() {
            "use" => {
                let (path, pos) = self.string("a quoted file name after `use`")?;
                self.end_of_line("after `use \"…\"`")?;
                Ok(Item::Use { path, pos })
            }
            "feature" => {
                let name = self.ident("a feature name after `feature`")?;
                let (text, _) = self.string("a quoted description of the feature")?;
                self.end_of_line("after the feature description")?;
                Ok(Item::Feature { name, text })
            }
            "proc" => self.proc_decl(key.pos),
            "thread" => self.thread_decl(key.pos),
            k if BLOCK_KINDS.contains(&k) => {
                let head = self.args_until_brace_or_eol()?;
                if self.eat_punct("{") {
                    let lines = self.attr_block(&key)?;
                    Ok(Item::Block(BlockDecl { kind: key, head, lines }))
                } else {
                    self.end_of_line(&format!("after the `{}` header", key.name))?;
                    Ok(Item::Block(BlockDecl { kind: key, head, lines: Vec::new() }))
                }
            }
            _ => {
                let args = self.args_until_brace_or_eol()?;
                if self.is_punct("{") {
                    let hint = expected_one_of(&key.name, DECLARATIONS);
                    return Err(Diagnostic::new(self.file, key.pos, format!("unknown declaration `{}`{hint}", key.name)));
                }
                self.end_of_line(&format!("after `{}`", key.name))?;
                Ok(Item::Line(AttrLine { key, args }))
            }
        }
    }

    fn attr_block(&mut self, kind: &Ident) -> PResult<Vec<AttrLine>> {
        let mut lines = Vec::new();
        loop {
            self.skip_newlines();
            if self.eat_punct("}") {
                self.end_of_line(&format!("after `}}` closing `{}`", kind.name))?;
                return Ok(lines);
            }
            if matches!(self.peek(), Tok::Eof) || self.at_declaration() {
                return self.left_open(&kind.name, kind.pos);
            }
            let key = self.ident(&format!("an attribute or `}}` to close `{}`", kind.name))?;
            let args = self.args_until_brace_or_eol()?;
            if self.is_punct("{") {
                return self.err(format!("unexpected `{{` inside `{}`: blocks do not nest here", kind.name));
            }
            self.end_of_line(&format!("after `{}`", key.name))?;
            lines.push(AttrLine { key, args });
        }
    }

    fn args_until_brace_or_eol(&mut self) -> PResult<Vec<Arg>> {
        let mut args = Vec::new();
        while !self.is_end_of_line() && !self.is_punct("{") {
            args.push(self.arg()?);
        }
        Ok(args)
    }

    fn arg(&mut self) -> PResult<Arg> {
        let pos = self.pos();
        match self.peek().clone() {
            Tok::Str(s) => {
                self.bump();
                Ok(Arg::Str(s, pos))
            }
            Tok::Int(i) => {
                self.bump();
                Ok(Arg::Int(i, pos))
            }
            Tok::Punct("-") if matches!(self.peek_at(1), Tok::Int(_)) => {
                self.bump();
                let Tok::Int(i) = self.bump().tok else { unreachable!() };
                Ok(Arg::Int(-i, pos))
            }
            Tok::Punct("->") => {
                self.bump();
                Ok(Arg::Arrow(pos))
            }
            Tok::Punct("[") => {
                self.bump();
                let mut items = Vec::new();
                if !self.eat_punct("]") {
                    loop {
                        self.enter()?;
                        let item = self.arg();
                        self.depth -= 1;
                        items.push(item?);
                        if self.eat_punct("]") {
                            break;
                        }
                        self.expect_punct(",", "or `]` in a list")?;
                    }
                }
                Ok(Arg::List(items, pos))
            }
            Tok::Ident(_) => {
                let mut word = self.ident("a word")?;
                while self.is_punct(".") && matches!(self.peek_at(1), Tok::Ident(_)) {
                    self.bump();
                    let next = self.ident("a name after `.`")?;
                    word.name.push('.');
                    word.name.push_str(&next.name);
                }
                // `x86-tso`: a name written with a hyphen, as on the command line.
                if let (Tok::Punct("-"), Tok::Ident(rest)) = (self.peek(), self.peek_at(1)) {
                    let (dash, next) = (self.pos(), self.toks[(self.i + 1).min(self.toks.len() - 1)].pos);
                    let end = word.pos.col + word.name.chars().count() as u32;
                    if dash.line == word.pos.line && dash.col == end && next.col == dash.col + 1 {
                        return Err(Diagnostic::new(
                            self.file,
                            word.pos,
                            format!("`{0}-{1}` is not a name here: names are one word, with `_` (write `{0}_{1}`)", word.name, rest),
                        ));
                    }
                }
                if self.eat_punct("=") {
                    self.enter()?;
                    let value = self.arg();
                    self.depth -= 1;
                    return Ok(Arg::Kv(word, Box::new(value?)));
                }
                if self.is_punct("*") {
                    self.bump();
                    return match self.peek().clone() {
                        Tok::Int(n) if n > 0 && n <= crate::limits::MAX_STEPS as i64 => {
                            self.bump();
                            Ok(Arg::Repeat(word, n as u32))
                        }
                        _ => self.expected(&format!("a repeat count from 1 to {} after `*`", crate::limits::MAX_STEPS)),
                    };
                }
                Ok(Arg::Word(word))
            }
            _ => self.expected("a word, a number, a string, `->` or a list"),
        }
    }

    fn proc_decl(&mut self, start: Pos) -> PResult<Item> {
        let name = self.ident("the proc's name after `proc`")?;
        self.expect_punct("(", "after the proc's name (its parameter list)")?;
        let mut params = Vec::new();
        if !self.eat_punct(")") {
            loop {
                params.push(self.ident("a parameter name")?);
                if self.eat_punct(")") {
                    break;
                }
                self.expect_punct(",", "or `)` in the parameter list")?;
            }
        }
        let file = self.opt_string();
        self.expect_punct("{", "to open the proc's body")?;
        let body = self.stmt_block(&format!("proc {}", name.name), name.pos, start.col)?;
        self.end_of_line("after the proc's body")?;
        Ok(Item::Proc(ProcDecl { name, params, file, body }))
    }

    fn thread_decl(&mut self, start: Pos) -> PResult<Item> {
        let name = self.ident("the thread's name after `thread`")?;
        let head = self.args_until_brace_or_eol()?;
        self.expect_punct("{", "to open the thread's body")?;
        let body = self.stmt_block(&format!("thread {}", name.name), name.pos, start.col)?;
        self.end_of_line("after the thread's body")?;
        Ok(Item::Thread(ThreadDecl { name, head, body }))
    }

    /// Statements up to the matching `}` (already past the `{`). `indent` is the column of
    /// the header, where its `}` belongs.
    fn stmt_block(&mut self, what: &str, opened: Pos, indent: u32) -> PResult<Vec<Stmt>> {
        self.enter()?;
        self.open.push((what.to_string(), opened, indent));
        let r = self.stmt_block_inner(what, opened, indent);
        self.open.pop();
        self.depth -= 1;
        r
    }

    fn stmt_block_inner(&mut self, what: &str, opened: Pos, indent: u32) -> PResult<Vec<Stmt>> {
        let mut out = Vec::new();
        loop {
            self.skip_newlines();
            if self.is_punct("}") {
                let close = self.bump().pos;
                if close.col != indent && self.misaligned.is_none() {
                    // A `}` that lines up with an enclosing block was probably written for it.
                    let outer = self.open.iter().rev().skip(1).find(|(_, _, col)| *col == close.col);
                    if let Some((outer, _, _)) = outer {
                        self.misaligned = Some((what.to_string(), opened, close, outer.clone()));
                    }
                }
                return Ok(out);
            }
            if matches!(self.peek(), Tok::Eof) || self.at_declaration() {
                return self.left_open(what, opened);
            }
            out.push(self.stmt()?);
        }
    }

    /// A declaration's first word, at the start of a line inside a block.
    fn at_declaration(&self) -> bool {
        matches!(self.peek(), Tok::Ident(w) if TOP_LEVEL.contains(&w.as_str()))
            && matches!(self.peek_at(1), Tok::Ident(_) | Tok::Str(_) | Tok::Punct("{"))
    }

    /// The error for a block left open, reported where it opens: the block `what` opened at
    /// `opened`, or the inner one whose `}` went to it.
    fn left_open<T>(&self, what: &str, opened: Pos) -> PResult<T> {
        let before = match self.peek() {
            Tok::Eof => "the end of the file".to_string(),
            t => format!("{} at {}", t.describe(), self.pos()),
        };
        if let Some((inner, at, close, outer)) = &self.misaligned {
            return Err(Diagnostic::new(
                self.file,
                *at,
                format!("`{inner}` is never closed: the `}}` at {close} lines up with `{outer}` but closes this `{inner}`; `{what}` then runs on to {before}"),
            ));
        }
        Err(Diagnostic::new(self.file, opened, format!("`{what}` is never closed: expected `}}` before {before}")))
    }

    fn note(&mut self) -> Option<String> {
        self.opt_string()
    }

    fn stmt(&mut self) -> PResult<Stmt> {
        let pos = self.pos();
        let head = self.ident("a statement")?;
        // `label:`
        if self.is_punct(":") {
            self.bump();
            return Ok(Stmt::Label(head));
        }
        let stmt = match head.name.as_str() {
            "in" => {
                let func = self.ident("a kernel function name after `in`")?;
                let file = self.opt_string();
                Stmt::In { func, file }
            }
            "goto" => Stmt::Goto(self.ident("a label after `goto`")?),
            "return" => Stmt::Return(pos),
            "sleep" => {
                let (reason, _) = self.string("a quoted reason after `sleep`")?;
                Stmt::Sleep { reason, pos }
            }
            "if" => return self.if_stmt(pos, pos.col),
            "store" | "add" => {
                let va = self.path("a virtual address after `store`")?;
                self.expect_punct("[", "after the address (the data slot, e.g. `V[0]`)")?;
                let slot = self.expr()?;
                self.expect_punct("]", "after the slot")?;
                let is_store = head.name == "store";
                if is_store {
                    self.expect_punct("=", "in `store V[slot] = value`")?;
                } else {
                    self.expect_punct("+=", "in `add V[slot] += value`")?;
                }
                let value = self.expr()?;
                let note = self.note();
                if is_store {
                    Stmt::Store { va, slot, value, pos, note }
                } else {
                    Stmt::Add { va, slot, delta: value, pos, note }
                }
            }
            _ if matches!(self.peek(), Tok::Ident(_)) && matches!(self.peek_at(1), Tok::Punct("=")) => {
                let Tok::Ident(reg) = self.peek().clone() else { unreachable!() };
                return Err(Diagnostic::new(
                    self.file,
                    head.pos,
                    format!("`{} {reg} = …`: a register is not declared, it is assigned: write `{reg} = …`", head.name),
                ));
            }
            _ if self.is_punct("=") => {
                self.bump();
                let value = self.expr()?;
                let note = self.note();
                Stmt::Assign { dst: head, value, note }
            }
            _ => {
                let args = if self.is_punct("(") { self.call_args()? } else { Vec::new() };
                let note = self.note();
                Stmt::Call { name: head, args, note }
            }
        };
        self.end_of_line("after the statement")?;
        Ok(stmt)
    }

    fn if_stmt(&mut self, pos: Pos, indent: u32) -> PResult<Stmt> {
        self.enter()?;
        let r = self.if_stmt_inner(pos, indent);
        self.depth -= 1;
        r
    }

    fn if_stmt_inner(&mut self, pos: Pos, indent: u32) -> PResult<Stmt> {
        let cond = self.expr()?;
        let note = self.note();
        self.expect_punct("{", "after the `if` condition")?;
        let then = self.stmt_block("if", pos, indent)?;
        let els = if matches!(self.peek(), Tok::Ident(w) if w == "else") {
            self.bump();
            if matches!(self.peek(), Tok::Ident(w) if w == "if") {
                let p = self.bump().pos;
                vec![self.if_stmt(p, indent)?]
            } else {
                self.expect_punct("{", "after `else`")?;
                let b = self.stmt_block("else", pos, indent)?;
                self.end_of_line("after the `else` block")?;
                b
            }
        } else {
            if let Tok::Ident(w) = self.peek() {
                if !did_you_mean(w, ["else"]).is_empty() {
                    return self.err(format!("expected end of line after the `if` block, found `{w}`: did you mean `else`?"));
                }
            }
            self.end_of_line("after the `if` block")?;
            Vec::new()
        };
        Ok(Stmt::If { cond, then, els, pos, note })
    }

    fn path(&mut self, what: &str) -> PResult<Vec<Ident>> {
        let mut v = vec![self.ident(what)?];
        while self.is_punct(".") {
            self.bump();
            v.push(self.ident("a name after `.`")?);
        }
        Ok(v)
    }

    fn call_args(&mut self) -> PResult<Vec<Expr>> {
        Ok(self.call_args_d()?.0)
    }

    /// The arguments of a call, and the depth of the deepest.
    fn call_args_d(&mut self) -> PResult<(Vec<Expr>, usize)> {
        self.expect_punct("(", "")?;
        let mut args = Vec::new();
        let mut depth = 0;
        if self.eat_punct(")") {
            return Ok((args, depth));
        }
        loop {
            if (self.is_punct("+") || self.is_punct("-")) && matches!(self.peek_at(1), Tok::Ident(_)) {
                let set = self.is_punct("+");
                self.bump();
                let name = self.ident("a PTE bit name")?;
                args.push(Expr::Flag(set, name));
                depth = depth.max(1);
            } else {
                let (e, d) = self.expr_d()?;
                args.push(e);
                depth = depth.max(d);
            }
            if self.eat_punct(")") {
                return Ok((args, depth));
            }
            self.expect_punct(",", "or `)` in the argument list")?;
        }
    }

    fn expr(&mut self) -> PResult<Expr> {
        Ok(self.expr_d()?.0)
    }

    /// An expression and the depth of its tree (a name or a number is 1 deep).
    fn expr_d(&mut self) -> PResult<(Expr, usize)> {
        self.enter()?;
        let e = self.binary(1);
        self.depth -= 1;
        e
    }

    fn enter(&mut self) -> PResult<()> {
        if self.depth >= MAX_NESTING {
            return self.err(format!("nested too deeply (more than {MAX_NESTING} levels)"));
        }
        self.depth += 1;
        Ok(())
    }

    /// A node over children `depth` deep, at `pos`: an error past `MAX_EXPR_DEPTH`.
    fn deeper(&self, depth: usize, pos: Pos) -> PResult<usize> {
        if depth >= MAX_EXPR_DEPTH {
            return Err(Diagnostic::new(
                self.file,
                pos,
                format!(
                    "this expression is too deep: more than {MAX_EXPR_DEPTH} levels (each operator of a chain such as `a + b + c` is one level): split it into steps"
                ),
            ));
        }
        Ok(depth + 1)
    }

    fn binop(&self) -> Option<BinOp> {
        let Tok::Punct(p) = self.peek() else { return None };
        Some(match *p {
            "||" => BinOp::Or,
            "&&" => BinOp::And,
            "==" => BinOp::Eq,
            "!=" => BinOp::Ne,
            "<" => BinOp::Lt,
            "<=" => BinOp::Le,
            ">" => BinOp::Gt,
            ">=" => BinOp::Ge,
            "+" => BinOp::Add,
            "-" => BinOp::Sub,
            "&" => BinOp::BitAnd,
            _ => return None,
        })
    }

    fn binary(&mut self, min_prec: u8) -> PResult<(Expr, usize)> {
        let (mut lhs, mut depth) = self.unary()?;
        while let Some(op) = self.binop() {
            if op.precedence() < min_prec {
                break;
            }
            let at = self.bump().pos;
            let (rhs, rd) = self.binary(op.precedence() + 1)?;
            depth = self.deeper(depth.max(rd), at)?;
            lhs = Expr::Binary(op, Box::new(lhs), Box::new(rhs));
        }
        Ok((lhs, depth))
    }

    fn unary(&mut self) -> PResult<(Expr, usize)> {
        let pos = self.pos();
        if self.eat_punct("!") {
            self.enter()?;
            let inner = self.unary();
            self.depth -= 1;
            let (inner, d) = inner?;
            return Ok((Expr::Not(Box::new(inner), pos), self.deeper(d, pos)?));
        }
        if self.is_punct("-") && matches!(self.peek_at(1), Tok::Int(_)) {
            self.bump();
            let Tok::Int(i) = self.bump().tok else { unreachable!() };
            return Ok((Expr::Int(-i, pos), 1));
        }
        if self.eat_punct("(") {
            let e = self.expr_d()?;
            self.expect_punct(")", "to close `(`")?;
            return Ok(e);
        }
        match self.peek().clone() {
            Tok::Int(i) => {
                self.bump();
                Ok((Expr::Int(i, pos), 1))
            }
            Tok::Ident(w) if w == "load" && matches!(self.peek_at(1), Tok::Ident(_)) => {
                self.bump();
                let va = self.path("a virtual address after `load`")?;
                self.expect_punct("[", "after the address (the data slot, e.g. `V[0]`)")?;
                let (slot, d) = self.expr_d()?;
                self.expect_punct("]", "after the slot")?;
                Ok((Expr::Load(va, Box::new(slot), pos), self.deeper(d, pos)?))
            }
            Tok::Ident(_) => {
                let path = self.path("a name")?;
                if self.is_punct("(") {
                    if path.len() > 1 {
                        return Err(Diagnostic::new(self.file, path[1].pos, "expected a function name, found a dotted path before `(`"));
                    }
                    let (args, d) = self.call_args_d()?;
                    let name = path.into_iter().next().unwrap();
                    let depth = self.deeper(d, name.pos)?;
                    // `f(x).W` reads a field of a call's result, e.g. `pte(V).W`.
                    let call = Expr::Call(name, args);
                    if self.is_punct(".") {
                        self.bump();
                        let field = self.ident("a field name after `.`")?;
                        let depth = self.deeper(depth, field.pos)?;
                        return Ok((Expr::Field(Box::new(call), field), depth));
                    }
                    return Ok((call, depth));
                }
                Ok((Expr::Path(path), 1))
            }
            _ => self.expected("an expression"),
        }
    }
}
