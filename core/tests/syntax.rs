//! The syntax tree prints back as written: every expression of the catalog, shown by
//! `Display` (as the player and the CLI show a statement), reads as it does in its source.

use racelab_core::lab::builtin_files;
use racelab_core::syntax::{self, Expr, Item, Pos, Stmt};

fn exprs<'a>(body: &'a [Stmt], out: &mut Vec<&'a Expr>) {
    for s in body {
        match s {
            Stmt::If { cond, then, els, .. } => {
                out.push(cond);
                exprs(then, out);
                exprs(els, out);
            }
            Stmt::Assign { value, .. } => out.push(value),
            Stmt::Call { args, .. } => out.extend(args),
            Stmt::Store { slot, value, .. } => out.extend([slot, value]),
            Stmt::Add { slot, delta, .. } => out.extend([slot, delta]),
            Stmt::Label(_) | Stmt::In { .. } | Stmt::Goto(_) | Stmt::Return(_) | Stmt::Sleep { .. } => {}
        }
    }
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn every_expression_of_the_catalog_prints_back_as_written() {
    let mut checked = 0;
    let mut wrong = Vec::new();
    for (name, text) in builtin_files() {
        let file = syntax::parse(name, text).unwrap_or_else(|e| panic!("{e}"));
        let lines: Vec<&str> = text.lines().collect();
        let mut all = Vec::new();
        for item in &file.items {
            match item {
                Item::Proc(p) => exprs(&p.body, &mut all),
                Item::Thread(t) => exprs(&t.body, &mut all),
                _ => {}
            }
        }
        for e in all {
            let printed = e.to_string();
            let line = lines[e.pos().line as usize - 1];
            if !squeeze(line).contains(&squeeze(&printed)) {
                wrong.push(format!("{name}:{}: `{printed}` is not what `{}` says", e.pos().line, line.trim()));
            }
            // And it parses back to the same tree (a bit change such as `+W` is an argument only).
            if matches!(e, Expr::Flag(..)) {
                checked += 1;
                continue;
            }
            let again = syntax::parse_expr(name, &printed, Pos::default()).map(|x| x.to_string());
            if again.as_deref() != Ok(printed.as_str()) {
                wrong.push(format!("{name}:{}: `{printed}` parses back as {again:?}", e.pos().line));
            }
            checked += 1;
        }
    }
    assert!(checked > 400, "only {checked} expressions");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_field_of_a_call_is_a_field_node() {
    let e = syntax::parse_expr("t.race", "pte(V).UW && !x", Pos { line: 3, col: 10 }).unwrap();
    let Expr::Binary(_, l, _) = &e else { panic!("{e:?}") };
    let Expr::Field(base, field) = &**l else { panic!("{l:?}") };
    assert_eq!((base.to_string(), field.name.as_str()), ("pte(V)".to_string(), "UW"));
    assert_eq!(e.to_string(), "pte(V).UW && !x");
}

#[test]
fn parse_expr_places_its_errors_in_the_file() {
    // The text starts one column after `origin` (the opening quote).
    let origin = Pos { line: 7, col: 10 };
    let e = syntax::parse_expr("t.race", "x == ", origin).unwrap_err();
    assert_eq!(e.to_string(), "t.race:7:16: expected an expression, found the end of the condition");
    let e = syntax::parse_expr("t.race", "x == 1 y", origin).unwrap_err();
    assert_eq!(e.to_string(), "t.race:7:18: expected the end of the condition, found `y`");
}
