//! Tokens: words, integers, strings, punctuation and line ends, each with its position.

use super::ast::{Diagnostic, Pos};

// ---------------------------------------------------------------------------------------------
// Tokens

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
    Ident(String),
    Int(i64),
    Str(String),
    Punct(&'static str),
    Newline,
    Eof,
}

impl Tok {
    pub(super) fn describe(&self) -> String {
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
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) pos: Pos,
}

pub(super) const PUNCTS: &[&str] = &[
    "->", "==", "!=", "<=", ">=", "&&", "||", "+=", "-=", "{", "}", "(", ")", "[", "]", ",", "=", "<", ">", "!", "+", "-", "*", "&", ":",
    ".", ";",
];

pub(super) fn lex(file: &str, src: &str) -> Result<Vec<Token>, Diagnostic> {
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
                    // A terminal would act on a control character wherever the string is
                    // printed; the language has no use for one (`\n` writes a newline).
                    Some(&ch) if ch.is_control() && ch != '\t' => {
                        return Err(Diagnostic::new(
                            file,
                            Pos { line, col },
                            format!("a string cannot hold the control character `{}`", shown(ch)),
                        ));
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
        return Err(Diagnostic::new(file, pos, format!("unexpected character `{}`", shown(c))));
    }
    out.push(Token { tok: Tok::Eof, pos: Pos { line, col } });
    Ok(out)
}

/// A character as a message shows it: itself, or `\u{1b}` for one that a terminal would act
/// on or that reorders the text around it (a control, a bidirectional override).
fn shown(c: char) -> String {
    if c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c) || ('\u{2066}'..='\u{2069}').contains(&c) {
        format!("\\u{{{:x}}}", c as u32)
    } else {
        c.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(src: &str) -> String {
        lex("t.race", src).unwrap_err().to_string()
    }

    #[test]
    fn a_control_character_in_a_string_is_an_error_that_shows_it_escaped() {
        assert_eq!(error("title \"a\u{1b}[2Jb\""), "t.race:1:9: a string cannot hold the control character `\\u{1b}`");
        assert_eq!(error("x\n  \"\u{9b}\""), "t.race:2:4: a string cannot hold the control character `\\u{9b}`");
        assert!(lex("t.race", "\"tab\there, newline\\n\"").is_ok());
    }

    #[test]
    fn an_unexpected_control_character_is_shown_escaped() {
        assert_eq!(error("x = 1 \u{1b}]0;title\u{7}"), "t.race:1:7: unexpected character `\\u{1b}`");
        assert_eq!(error("x \u{202e}"), "t.race:1:3: unexpected character `\\u{202e}`");
        assert_eq!(error("x @"), "t.race:1:3: unexpected character `@`");
    }
}
