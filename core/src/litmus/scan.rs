//! Tokens of a C litmus test. herd's format has two kinds of comment: OCaml's `(* … *)` in the
//! header and after the threads, and C's `//` and `/* */` everywhere. Inside a thread's body
//! `(*` is code (`READ_ONCE(*x)`), so the parser says which kind it is reading.

use crate::syntax::{Diagnostic, Pos};

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
    Ident(String),
    Int(i64),
    Str(String),
    Punct(&'static str),
    Eof,
}

impl Tok {
    pub(super) fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Int(i) => format!("`{i}`"),
            Tok::Str(_) => "a string".to_string(),
            Tok::Punct(p) => format!("`{p}`"),
            Tok::Eof => "the end of the file".to_string(),
        }
    }
}

#[derive(Clone, Debug)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) pos: Pos,
}

/// Longest first, so that `/\` is not read as `/`.
const PUNCTS: &[&str] = &[
    "/\\", "\\/", "==", "!=", "<>", "<=", ">=", "=>", "&&", "||", "->", "++", "--", "+=", "-=", "*=", "<<", ">>", "{", "}", "(", ")", "[",
    "]", ";", ",", "=", "<", ">", "!", "~", "+", "-", "*", "/", "%", "&", "|", "^", ":", "?", ".",
];

/// A comment, with where it starts.
#[derive(Clone, Debug)]
pub(super) struct Comment {
    pub(super) pos: Pos,
    pub(super) text: String,
    /// `(* … *)` rather than `//` or `/* */`.
    pub(super) ocaml: bool,
}

#[derive(Clone)]
pub(super) struct Scanner<'a> {
    file: &'a str,
    chars: Vec<char>,
    i: usize,
    line: u32,
    col: u32,
    /// Every comment skipped so far, in order.
    pub(super) comments: Vec<Comment>,
}

impl<'a> Scanner<'a> {
    pub(super) fn new(file: &'a str, text: &str) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Scanner { file, chars: text.chars().collect(), i: 0, line: 1, col: 1, comments: vec![] }
    }

    pub(super) fn pos(&self) -> Pos {
        Pos { line: self.line, col: self.col }
    }

    fn at(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.at(0)?;
        self.i += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    pub(super) fn err<T>(&self, pos: Pos, msg: impl Into<String>) -> Result<T, Diagnostic> {
        Err(Diagnostic::new(self.file, pos, msg))
    }

    /// Skips blanks and comments; `(* *)` only when `ocaml` (they nest, as in herd).
    fn skip(&mut self, ocaml: bool) -> Result<(), Diagnostic> {
        loop {
            match (self.at(0), self.at(1)) {
                (Some(c), _) if c.is_whitespace() => {
                    self.bump();
                }
                (Some('/'), Some('/')) => {
                    let pos = self.pos();
                    self.bump();
                    self.bump();
                    let mut text = String::new();
                    while let Some(c) = self.at(0) {
                        if c == '\n' {
                            break;
                        }
                        text.push(c);
                        self.bump();
                    }
                    self.comments.push(Comment { pos, text: text.trim().to_string(), ocaml: false });
                }
                (Some('/'), Some('*')) => {
                    let pos = self.pos();
                    self.bump();
                    self.bump();
                    let mut text = String::new();
                    loop {
                        match (self.at(0), self.at(1)) {
                            (None, _) => return self.err(pos, "unterminated comment: `/*` has no `*/`"),
                            (Some('*'), Some('/')) => {
                                self.bump();
                                self.bump();
                                break;
                            }
                            (Some(c), _) => {
                                text.push(c);
                                self.bump();
                            }
                        }
                    }
                    self.comments.push(Comment { pos, text, ocaml: false });
                }
                (Some('('), Some('*')) if ocaml => {
                    let pos = self.pos();
                    self.bump();
                    self.bump();
                    let mut depth = 1;
                    let mut text = String::new();
                    loop {
                        match (self.at(0), self.at(1)) {
                            (None, _) => return self.err(pos, "unterminated comment: `(*` has no `*)`"),
                            (Some('('), Some('*')) => {
                                depth += 1;
                                text.push_str("(*");
                                self.bump();
                                self.bump();
                            }
                            (Some('*'), Some(')')) => {
                                self.bump();
                                self.bump();
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                                text.push_str("*)");
                            }
                            (Some(c), _) => {
                                text.push(c);
                                self.bump();
                            }
                        }
                    }
                    self.comments.push(Comment { pos, text, ocaml: true });
                }
                _ => return Ok(()),
            }
        }
    }

    /// The next token; `ocaml` says whether `(*` opens a comment here.
    pub(super) fn next(&mut self, ocaml: bool) -> Result<Token, Diagnostic> {
        self.skip(ocaml)?;
        let pos = self.pos();
        let Some(c) = self.at(0) else { return Ok(Token { tok: Tok::Eof, pos }) };
        if c == '"' {
            self.bump();
            let mut s = String::new();
            loop {
                match self.bump() {
                    None | Some('\n') => return self.err(pos, "unterminated string: expected `\"` before the end of the line"),
                    Some('"') => break,
                    Some(ch) => s.push(ch),
                }
            }
            return Ok(Token { tok: Tok::Str(s), pos });
        }
        if c.is_ascii_digit() {
            let mut text = String::new();
            while let Some(d) = self.at(0).filter(|d| d.is_ascii_alphanumeric() || *d == '_') {
                text.push(d);
                self.bump();
            }
            let digits = text.trim_end_matches(['u', 'U', 'l', 'L']);
            let value = match digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
                Some(hex) => i64::from_str_radix(hex, 16).ok(),
                None => digits.parse::<i64>().ok(),
            };
            return match value {
                Some(v) => Ok(Token { tok: Tok::Int(v), pos }),
                None => self.err(pos, format!("`{text}` is not a number")),
            };
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let mut s = String::new();
            while let Some(d) = self.at(0).filter(|d| d.is_ascii_alphanumeric() || *d == '_') {
                s.push(d);
                self.bump();
            }
            return Ok(Token { tok: Tok::Ident(s), pos });
        }
        let rest: String = self.chars[self.i..self.chars.len().min(self.i + 2)].iter().collect();
        if let Some(p) = PUNCTS.iter().find(|p| rest.starts_with(**p)) {
            for _ in 0..p.chars().count() {
                self.bump();
            }
            return Ok(Token { tok: Tok::Punct(p), pos });
        }
        let shown = if c.is_control() { c.escape_unicode().to_string() } else { c.to_string() };
        self.err(pos, format!("unexpected character `{shown}`"))
    }

    /// The next token, without taking it.
    pub(super) fn peek(&mut self, ocaml: bool) -> Result<Token, Diagnostic> {
        let save = (self.i, self.line, self.col, self.comments.len());
        let t = self.next(ocaml);
        (self.i, self.line, self.col) = (save.0, save.1, save.2);
        self.comments.truncate(save.3);
        t
    }

    /// The rest of the current line, raw (the test's name after `C`, a `key = value` line).
    pub(super) fn rest_of_line(&mut self) -> (Pos, String) {
        while matches!(self.at(0), Some(' ' | '\t')) {
            self.bump();
        }
        let pos = self.pos();
        let mut s = String::new();
        while let Some(c) = self.at(0) {
            if c == '\n' {
                break;
            }
            s.push(c);
            self.bump();
        }
        (pos, s.trim_end().to_string())
    }

    /// One word of the current line, raw, up to a blank: the test's name.
    pub(super) fn word(&mut self) -> (Pos, String) {
        while matches!(self.at(0), Some(' ' | '\t')) {
            self.bump();
        }
        let pos = self.pos();
        let mut s = String::new();
        while let Some(c) = self.at(0) {
            if c.is_whitespace() || c == '"' || (c == '(' && self.at(1) == Some('*')) {
                break;
            }
            s.push(c);
            self.bump();
        }
        (pos, s)
    }
}
