//! The scenario language: tokens, syntax tree and parser.
//!
//! This module knows the *shape* of a `.race` file and nothing of what the words mean: whether
//! `ptep_set_wrprotect` is a primitive or `V` a virtual address is decided by `load` and
//! `compile`. Every error names the file, line and column, and what was expected.

use std::fmt;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// An error in a scenario source, located to the character.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub pos: Pos,
    pub message: String,
}

impl Diagnostic {
    pub fn new(file: &str, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic { file: file.to_string(), pos, message: message.into() }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.pos.line, self.pos.col, self.message)
    }
}

impl std::error::Error for Diagnostic {}

// ---------------------------------------------------------------------------------------------
// Tokens

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Int(i64),
    Str(String),
    Punct(&'static str),
    Newline,
    Eof,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Int(i) => format!("`{i}`"),
            Tok::Str(_) => "a string".to_string(),
            Tok::Punct(p) => format!("`{p}`"),
            Tok::Newline => "end of line".to_string(),
            Tok::Eof => "end of file".to_string(),
        }
    }
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    pos: Pos,
}

const PUNCTS: &[&str] = &[
    "->", "==", "!=", "<=", ">=", "&&", "||", "+=", "-=", "{", "}", "(", ")", "[", "]", ",", "=", "<", ">", "!", "+", "-", "*", "&", ":",
    ".", ";",
];

fn lex(file: &str, src: &str) -> Result<Vec<Token>, Diagnostic> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line, mut col) = (0usize, 1u32, 1u32);
    while i < chars.len() {
        let c = chars[i];
        let pos = Pos { line, col };
        if c == '\n' {
            out.push(Token { tok: Tok::Newline, pos });
            i += 1;
            line += 1;
            col = 1;
            continue;
        }
        if c == ' ' || c == '\t' || c == '\r' {
            i += 1;
            col += 1;
            continue;
        }
        if c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '"' {
            let mut s = String::new();
            i += 1;
            col += 1;
            loop {
                match chars.get(i) {
                    None | Some('\n') => {
                        return Err(Diagnostic::new(file, pos, "unterminated string: expected `\"` before the end of the line"));
                    }
                    Some('"') => {
                        i += 1;
                        col += 1;
                        break;
                    }
                    Some('\\') => {
                        let esc = chars.get(i + 1).copied();
                        match esc {
                            Some('"') => s.push('"'),
                            Some('\\') => s.push('\\'),
                            Some('n') => s.push('\n'),
                            _ => {
                                return Err(Diagnostic::new(
                                    file,
                                    Pos { line, col },
                                    "unknown escape in string: expected `\\\"`, `\\\\` or `\\n`",
                                ))
                            }
                        }
                        i += 2;
                        col += 2;
                    }
                    Some(&ch) => {
                        s.push(ch);
                        i += 1;
                        col += 1;
                    }
                }
            }
            out.push(Token { tok: Tok::Str(s), pos });
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            let value = if let Some(hex) = text.strip_prefix("0x") {
                i64::from_str_radix(hex, 16).ok()
            } else {
                text.replace('_', "").parse::<i64>().ok()
            };
            let Some(value) = value else {
                return Err(Diagnostic::new(file, pos, format!("`{text}` is not a number")));
            };
            col += (i - start) as u32;
            out.push(Token { tok: Tok::Int(value), pos });
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            col += (i - start) as u32;
            out.push(Token { tok: Tok::Ident(chars[start..i].iter().collect()), pos });
            continue;
        }
        let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
        if let Some(p) = PUNCTS.iter().find(|p| rest.starts_with(**p)) {
            i += p.len();
            col += p.len() as u32;
            out.push(Token { tok: Tok::Punct(p), pos });
            continue;
        }
        return Err(Diagnostic::new(file, pos, format!("unexpected character `{c}`")));
    }
    out.push(Token { tok: Tok::Eof, pos: Pos { line, col } });
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Syntax tree

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub pos: Pos,
}

/// An argument of an attribute line, such as `pte V -> P W D` or `page P refcount=2`.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    /// A word, possibly dotted: `V`, `child.V`, `anon`.
    Word(Ident),
    Str(String, Pos),
    Int(i64, Pos),
    Arrow(Pos),
    /// `key=value`
    Kv(Ident, Box<Arg>),
    /// `[a, b]`
    List(Vec<Arg>, Pos),
    /// `name*count`, a repeated word (used by schedules).
    Repeat(Ident, u32),
}

impl Arg {
    pub fn pos(&self) -> Pos {
        match self {
            Arg::Word(i) | Arg::Kv(i, _) | Arg::Repeat(i, _) => i.pos,
            Arg::Str(_, p) | Arg::Int(_, p) | Arg::Arrow(p) | Arg::List(_, p) => *p,
        }
    }
    pub fn describe(&self) -> String {
        match self {
            Arg::Word(i) => format!("`{}`", i.name),
            Arg::Str(..) => "a string".into(),
            Arg::Int(i, _) => format!("`{i}`"),
            Arg::Arrow(_) => "`->`".into(),
            Arg::Kv(k, _) => format!("`{}=`", k.name),
            Arg::List(..) => "a list".into(),
            Arg::Repeat(i, n) => format!("`{}*{}`", i.name, n),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct AttrLine {
    pub key: Ident,
    pub args: Vec<Arg>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Int(i64, Pos),
    /// `orig.W`, `parent.has_pinned`, `V`, `tlb_flush_pending`
    Path(Vec<Ident>),
    Call(Ident, Vec<Expr>),
    /// `pte(V).UW`: a field of a value that is not a name (a call's result).
    Field(Box<Expr>, Ident),
    Not(Box<Expr>, Pos),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `+W` / `-W` in a bit list such as `ptep_modify_prot(V, -W, +UW)`.
    Flag(bool, Ident),
    /// `load V[0]`: a user-space load through the TLB.
    Load(Vec<Ident>, Box<Expr>, Pos),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    BitAnd,
}

impl BinOp {
    fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "||",
            BinOp::And => "&&",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::BitAnd => "&",
        }
    }
    fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 3,
            BinOp::Add | BinOp::Sub | BinOp::BitAnd => 4,
        }
    }
}

impl Expr {
    pub fn pos(&self) -> Pos {
        match self {
            Expr::Int(_, p) | Expr::Not(_, p) | Expr::Load(_, _, p) => *p,
            Expr::Path(v) => v[0].pos,
            Expr::Call(i, _) | Expr::Flag(_, i) | Expr::Field(_, i) => i.pos,
            Expr::Binary(_, l, _) => l.pos(),
        }
    }
}

pub fn path_text(path: &[Ident]) -> String {
    path.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join(".")
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Int(i, _) => write!(f, "{i}"),
            Expr::Path(p) => write!(f, "{}", path_text(p)),
            Expr::Call(name, args) => {
                write!(f, "{}(", name.name)?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{a}")?;
                }
                write!(f, ")")
            }
            Expr::Field(base, field) => write!(f, "{base}.{}", field.name),
            Expr::Not(e, _) => match **e {
                Expr::Binary(..) => write!(f, "!({e})"),
                _ => write!(f, "!{e}"),
            },
            Expr::Binary(op, l, r) => {
                let paren = |e: &Expr, f: &mut fmt::Formatter<'_>| -> fmt::Result {
                    match e {
                        Expr::Binary(inner, ..) if inner.precedence() < op.precedence() => write!(f, "({e})"),
                        _ => write!(f, "{e}"),
                    }
                };
                paren(l, f)?;
                write!(f, " {} ", op.symbol())?;
                paren(r, f)
            }
            Expr::Flag(set, name) => write!(f, "{}{}", if *set { "+" } else { "-" }, name.name),
            Expr::Load(va, slot, _) => write!(f, "load {}[{}]", path_text(va), slot),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    Label(Ident),
    /// `in do_wp_page "mm/memory.c"`: the kernel function the following steps belong to.
    In {
        func: Ident,
        file: Option<String>,
    },
    Goto(Ident),
    If {
        cond: Expr,
        then: Vec<Stmt>,
        els: Vec<Stmt>,
        pos: Pos,
        note: Option<String>,
    },
    Return(Pos),
    /// A dead end: the thread sleeps for good (`handle_userfault` waiting for the monitor).
    Sleep {
        reason: String,
        pos: Pos,
    },
    /// `orig = pte(V)`, `ok = page_ref_add_unless(page, 1024)`, `r = load V[0]`.
    Assign {
        dst: Ident,
        value: Expr,
        note: Option<String>,
    },
    /// A primitive step or a call of a `proc`: `ptl_lock()`, `do_wp_page(V)`.
    Call {
        name: Ident,
        args: Vec<Expr>,
        note: Option<String>,
    },
    /// `store V[1] = 2`: a user-space store through the TLB, which may fault.
    Store {
        va: Vec<Ident>,
        slot: Expr,
        value: Expr,
        pos: Pos,
        note: Option<String>,
    },
    /// `add V[0] += 1`: a user-space atomic fetch-and-add through the TLB.
    Add {
        va: Vec<Ident>,
        slot: Expr,
        delta: Expr,
        pos: Pos,
        note: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProcDecl {
    pub name: Ident,
    pub params: Vec<Ident>,
    pub file: Option<String>,
    pub body: Vec<Stmt>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ThreadDecl {
    pub name: Ident,
    /// The header words after the name: `on CPU2`, `in parent`, the description string.
    pub head: Vec<Arg>,
    pub body: Vec<Stmt>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BlockDecl {
    pub kind: Ident,
    pub head: Vec<Arg>,
    pub lines: Vec<AttrLine>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Use {
        path: String,
        pos: Pos,
    },
    /// `feature NAME "what it changes"`
    Feature {
        name: Ident,
        text: String,
    },
    /// `policy`, `scenario`, `state`, `trace` blocks: attribute lines.
    Block(BlockDecl),
    Proc(ProcDecl),
    Thread(ThreadDecl),
    /// A one-line attribute outside any block (`title "…"` after `scenario ID`).
    Line(AttrLine),
}

#[derive(Clone, Debug, PartialEq)]
pub struct SourceFile {
    pub name: String,
    pub version: u32,
    pub items: Vec<Item>,
}

/// The format version this parser reads. A file declares it on its first line: `racelab 1`.
pub const FORMAT_VERSION: u32 = 1;

// ---------------------------------------------------------------------------------------------
// Parser

pub fn parse(file: &str, src: &str) -> Result<SourceFile, Diagnostic> {
    let toks = lex(file, src)?;
    let mut p = Parser { file, toks, i: 0, depth: 0, end: "end of file" };
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
    let mut p = Parser { file, toks, i: 0, depth: 0, end: "the end of the condition" };
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
}

/// Deeper nesting than this is certainly not a kernel path.
const MAX_DEPTH: usize = 64;

type PResult<T> = Result<T, Diagnostic>;

const BLOCK_KINDS: &[&str] = &["policy", "scenario", "state", "trace"];

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
            "proc" => self.proc_decl(),
            "thread" => self.thread_decl(),
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
            if matches!(self.peek(), Tok::Eof) {
                return self.err(format!("expected `}}` to close `{}` opened at {}, found end of file", kind.name, kind.pos));
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
                if self.eat_punct("=") {
                    let value = self.arg()?;
                    return Ok(Arg::Kv(word, Box::new(value)));
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

    fn proc_decl(&mut self) -> PResult<Item> {
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
        let body = self.stmt_block(&name.name, name.pos)?;
        self.end_of_line("after the proc's body")?;
        Ok(Item::Proc(ProcDecl { name, params, file, body }))
    }

    fn thread_decl(&mut self) -> PResult<Item> {
        let name = self.ident("the thread's name after `thread`")?;
        let head = self.args_until_brace_or_eol()?;
        self.expect_punct("{", "to open the thread's body")?;
        let body = self.stmt_block(&format!("thread {}", name.name), name.pos)?;
        self.end_of_line("after the thread's body")?;
        Ok(Item::Thread(ThreadDecl { name, head, body }))
    }

    /// Statements up to the matching `}` (already past the `{`).
    fn stmt_block(&mut self, what: &str, opened: Pos) -> PResult<Vec<Stmt>> {
        self.enter()?;
        let r = self.stmt_block_inner(what, opened);
        self.depth -= 1;
        r
    }

    fn stmt_block_inner(&mut self, what: &str, opened: Pos) -> PResult<Vec<Stmt>> {
        let mut out = Vec::new();
        loop {
            self.skip_newlines();
            if self.eat_punct("}") {
                return Ok(out);
            }
            if matches!(self.peek(), Tok::Eof) {
                return self.err(format!("expected `}}` to close `{what}` opened at {opened}, found end of file"));
            }
            out.push(self.stmt()?);
        }
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
            "if" => return self.if_stmt(pos),
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

    fn if_stmt(&mut self, pos: Pos) -> PResult<Stmt> {
        self.enter()?;
        let r = self.if_stmt_inner(pos);
        self.depth -= 1;
        r
    }

    fn if_stmt_inner(&mut self, pos: Pos) -> PResult<Stmt> {
        let cond = self.expr()?;
        let note = self.note();
        self.expect_punct("{", "after the `if` condition")?;
        let then = self.stmt_block("if", pos)?;
        let els = if matches!(self.peek(), Tok::Ident(w) if w == "else") {
            self.bump();
            if matches!(self.peek(), Tok::Ident(w) if w == "if") {
                let p = self.bump().pos;
                vec![self.if_stmt(p)?]
            } else {
                self.expect_punct("{", "after `else`")?;
                let b = self.stmt_block("else", pos)?;
                self.end_of_line("after the `else` block")?;
                b
            }
        } else {
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
        self.expect_punct("(", "")?;
        let mut args = Vec::new();
        if self.eat_punct(")") {
            return Ok(args);
        }
        loop {
            if (self.is_punct("+") || self.is_punct("-")) && matches!(self.peek_at(1), Tok::Ident(_)) {
                let set = self.is_punct("+");
                self.bump();
                let name = self.ident("a PTE bit name")?;
                args.push(Expr::Flag(set, name));
            } else {
                args.push(self.expr()?);
            }
            if self.eat_punct(")") {
                return Ok(args);
            }
            self.expect_punct(",", "or `)` in the argument list")?;
        }
    }

    fn expr(&mut self) -> PResult<Expr> {
        self.enter()?;
        let e = self.binary(1);
        self.depth -= 1;
        e
    }

    fn enter(&mut self) -> PResult<()> {
        if self.depth >= MAX_DEPTH {
            return self.err(format!("nested too deeply (more than {MAX_DEPTH} levels)"));
        }
        self.depth += 1;
        Ok(())
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

    fn binary(&mut self, min_prec: u8) -> PResult<Expr> {
        let mut lhs = self.unary()?;
        while let Some(op) = self.binop() {
            if op.precedence() < min_prec {
                break;
            }
            self.bump();
            let rhs = self.binary(op.precedence() + 1)?;
            lhs = Expr::Binary(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> PResult<Expr> {
        let pos = self.pos();
        if self.eat_punct("!") {
            self.enter()?;
            let inner = self.unary();
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner?), pos));
        }
        if self.is_punct("-") && matches!(self.peek_at(1), Tok::Int(_)) {
            self.bump();
            let Tok::Int(i) = self.bump().tok else { unreachable!() };
            return Ok(Expr::Int(-i, pos));
        }
        if self.eat_punct("(") {
            let e = self.expr()?;
            self.expect_punct(")", "to close `(`")?;
            return Ok(e);
        }
        match self.peek().clone() {
            Tok::Int(i) => {
                self.bump();
                Ok(Expr::Int(i, pos))
            }
            Tok::Ident(w) if w == "load" && matches!(self.peek_at(1), Tok::Ident(_)) => {
                self.bump();
                let va = self.path("a virtual address after `load`")?;
                self.expect_punct("[", "after the address (the data slot, e.g. `V[0]`)")?;
                let slot = self.expr()?;
                self.expect_punct("]", "after the slot")?;
                Ok(Expr::Load(va, Box::new(slot), pos))
            }
            Tok::Ident(_) => {
                let path = self.path("a name")?;
                if self.is_punct("(") {
                    if path.len() > 1 {
                        return Err(Diagnostic::new(self.file, path[1].pos, "expected a function name, found a dotted path before `(`"));
                    }
                    let args = self.call_args()?;
                    let name = path.into_iter().next().unwrap();
                    // `f(x).W` reads a field of a call's result, e.g. `pte(V).W`.
                    let call = Expr::Call(name, args);
                    if self.is_punct(".") {
                        self.bump();
                        let field = self.ident("a field name after `.`")?;
                        return Ok(Expr::Field(Box::new(call), field));
                    }
                    return Ok(call);
                }
                Ok(Expr::Path(path))
            }
            _ => self.expected("an expression"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_err(src: &str, expected: &str) {
        let err = parse("t.race", src).unwrap_err();
        assert_eq!(err.to_string(), expected);
    }

    #[test]
    fn parses_a_thread_with_branches() {
        let src = "racelab 1\nthread app on CPU2 \"x\" {\n  orig = pte(V)\n  if !pte_same(orig, V) { ptl_unlock; goto retry }\n  store V[1] = 2 \"why\"\n}\n";
        let f = parse("t.race", src).unwrap();
        let Item::Thread(t) = &f.items[0] else { panic!() };
        assert_eq!(t.body.len(), 3);
        let Stmt::If { cond, then, .. } = &t.body[1] else { panic!() };
        assert_eq!(cond.to_string(), "!pte_same(orig, V)");
        assert_eq!(then.len(), 2);
    }

    #[test]
    fn prints_expressions_with_needed_parentheses() {
        let src = "racelab 1\nthread t on CPU0 {\n  if (a || b) && c != 1 { x() }\n}\n";
        let f = parse("t.race", src).unwrap();
        let Item::Thread(t) = &f.items[0] else { panic!() };
        let Stmt::If { cond, .. } = &t.body[0] else { panic!() };
        assert_eq!(cond.to_string(), "(a || b) && c != 1");
    }

    #[test]
    fn missing_version_is_an_error() {
        check_err("thread t on CPU0 {}\n", "t.race:1:1: expected `racelab 1` on the first line (the format version), found `thread`");
    }

    #[test]
    fn future_version_is_named() {
        check_err("racelab 7\n", "t.race:1:9: unsupported format version 7: this racelab reads version 1");
    }

    #[test]
    fn unclosed_thread_names_where_it_opened() {
        check_err(
            "racelab 1\nthread t on CPU0 {\n  ptl_lock()\n",
            "t.race:4:1: expected `}` to close `thread t` opened at 2:8, found end of file",
        );
    }

    #[test]
    fn unterminated_string() {
        check_err(
            "racelab 1\nscenario x {\n  title \"abc\n}\n",
            "t.race:3:9: unterminated string: expected `\"` before the end of the line",
        );
    }

    #[test]
    fn store_needs_a_slot() {
        check_err(
            "racelab 1\nthread t on CPU0 {\n  store V = 1\n}\n",
            "t.race:3:11: expected `[` after the address (the data slot, e.g. `V[0]`), found `=`",
        );
    }

    #[test]
    fn attribute_lines_and_repeats() {
        let f = parse("t.race", "racelab 1\ntrace t {\n  schedule a*3 b c*2\n}\n").unwrap();
        let Item::Block(b) = &f.items[0] else { panic!() };
        assert_eq!(b.lines[0].args.len(), 3);
        assert_eq!(b.lines[0].args[0], Arg::Repeat(Ident { name: "a".into(), pos: Pos { line: 3, col: 12 } }, 3));
    }
}
