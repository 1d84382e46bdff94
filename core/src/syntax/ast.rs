//! The syntax tree of a `.race` file, and where things are in it (`Pos`, `Diagnostic`).

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

/// How bad a diagnostic is: an error stops the load or the compile; a warning is said and
/// changes nothing (the program compiles and runs as written).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Severity {
    #[default]
    Error,
    Warning,
}

impl Severity {
    /// As an editor names it.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// An error or a warning in a scenario source, located to the character.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub pos: Pos,
    pub message: String,
    pub severity: Severity,
}

impl Diagnostic {
    pub fn new(file: &str, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic { file: file.to_string(), pos, message: message.into(), severity: Severity::Error }
    }

    pub fn warning(file: &str, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::new(file, pos, message) }
    }

    pub fn is_warning(&self) -> bool {
        self.severity == Severity::Warning
    }
}

/// `file:line:col: message` for an error (as compilers print one), `file:line:col: warning:
/// message` for a warning.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.pos.line, self.pos.col)?;
        if self.is_warning() {
            write!(f, "warning: ")?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for Diagnostic {}

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
    pub(super) fn symbol(self) -> &'static str {
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
    pub(super) fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 3,
            BinOp::Add | BinOp::Sub | BinOp::BitAnd => 4,
        }
    }
}

impl Expr {
    /// The depth of the tree: 1 for a name or a number. Walked with a stack of its own, so any
    /// tree can be measured (the parser builds none deeper than `MAX_EXPR_DEPTH`, but
    /// substituting a proc's arguments can deepen one).
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut todo = vec![(self, 1usize)];
        while let Some((e, d)) = todo.pop() {
            deepest = deepest.max(d);
            match e {
                Expr::Int(..) | Expr::Path(_) | Expr::Flag(..) => {}
                Expr::Call(_, args) => todo.extend(args.iter().map(|a| (a, d + 1))),
                Expr::Field(x, _) | Expr::Not(x, _) | Expr::Load(_, x, _) => todo.push((x, d + 1)),
                Expr::Binary(_, l, r) => todo.extend([(&**l, d + 1), (&**r, d + 1)]),
            }
        }
        deepest
    }

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
                // Operators of one level associate to the left, so a right operand of the
                // same level was written in parentheses: `a - (b - c)`.
                let paren = |e: &Expr, right: bool, f: &mut fmt::Formatter<'_>| -> fmt::Result {
                    match e {
                        Expr::Binary(inner, ..)
                            if inner.precedence() < op.precedence()
                                || (right
                                    && inner.precedence() == op.precedence()
                                    && !(inner == op && matches!(op, BinOp::And | BinOp::Or))) =>
                        {
                            write!(f, "({e})")
                        }
                        _ => write!(f, "{e}"),
                    }
                };
                paren(l, false, f)?;
                write!(f, " {} ", op.symbol())?;
                paren(r, true, f)
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
