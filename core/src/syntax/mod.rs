//! The scenario language: tokens, syntax tree and parser.
//!
//! This module knows the *shape* of a `.race` file and nothing of what the words mean: whether
//! `ptep_set_wrprotect` is a primitive or `V` a virtual address is decided by `load` and
//! `compile`. Every error names the file, line and column, and what was expected.

mod ast;
mod lexer;
mod parser;

pub use ast::*;
pub use parser::{parse, parse_expr, FORMAT_VERSION};

#[cfg(test)]
mod tests {
    use super::*;

    fn check_err(src: &str, expected: &str) {
        let err = parse("t.race", src).unwrap_err();
        assert_eq!(err.to_string(), expected);
    }

    #[test]
    fn a_right_operand_of_the_same_level_prints_in_parentheses() {
        for text in ["a - (b - c)", "(a - b) - c", "a - b & 3", "(a - (b - 1)) & 3", "a && (b || c)", "a && b && c", "!(a == 1) || b"] {
            let e = parse_expr("t.race", text, Pos { line: 1, col: 1 }).unwrap();
            let again = parse_expr("t.race", &e.to_string(), Pos { line: 1, col: 1 }).unwrap();
            assert_eq!(again.to_string(), e.to_string(), "{text}");
            assert_eq!(
                format!("{again:?}").replace(char::is_numeric, ""),
                format!("{e:?}").replace(char::is_numeric, ""),
                "{text} printed as {e}"
            );
        }
        assert_eq!(parse_expr("t.race", "a - (b - c)", Pos { line: 1, col: 1 }).unwrap().to_string(), "a - (b - c)");
        assert_eq!(parse_expr("t.race", "(a - b) - c", Pos { line: 1, col: 1 }).unwrap().to_string(), "a - b - c");
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
