//! Line edit scripts: what turns one version of a file into another, for links that carry an
//! edit of a catalog file and for the archive, which keeps past versions as edits of a newer
//! one. The base is always known exactly (by its content hash), so a script needs no context
//! lines: `=N` keeps the next N lines of the base, `-N` drops them, `+N` inserts the N lines that
//! follow it. The diff is the `similar` crate's Myers diff.

use similar::{capture_diff_slices, Algorithm, DiffTag};

/// Past this many lines on either side a file is not diffed (Myers' cost grows with the product
/// of the length and the edit distance): the caller stores it whole.
pub const MAX_DIFF_LINES: usize = 20_000;

fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// The edit script from `old` to `new`, or None when either is too long to diff.
pub fn diff(old: &str, new: &str) -> Option<String> {
    let (a, b) = (lines(old), lines(new));
    if a.len() > MAX_DIFF_LINES || b.len() > MAX_DIFF_LINES {
        return None;
    }
    let mut out = String::new();
    for op in capture_diff_slices(Algorithm::Myers, &a, &b) {
        let (tag, old_range, new_range) = op.as_tag_tuple();
        if matches!(tag, DiffTag::Equal) {
            out.push_str(&format!("={}\n", old_range.len()));
            continue;
        }
        if !old_range.is_empty() {
            out.push_str(&format!("-{}\n", old_range.len()));
        }
        if !new_range.is_empty() {
            out.push_str(&format!("+{}\n", new_range.len()));
            for l in &b[new_range] {
                out.push_str(l);
            }
            // The last line of a file may have no newline: the script keeps its own lines apart.
            if !out.ends_with('\n') {
                out.push_str("\n\\\n");
            }
        }
    }
    Some(out)
}

/// Applies an edit script to `base`. The script must account for every line of the base.
pub fn apply(base: &str, script: &str) -> Result<String, String> {
    let base = lines(base);
    let mut at = 0;
    let mut out = String::with_capacity(base.iter().map(|l| l.len()).sum::<usize>() + script.len());
    let mut rest = script;
    while !rest.is_empty() {
        let (op, tail) = rest.split_once('\n').ok_or("an edit ends without a newline")?;
        rest = tail;
        let count = |n: &str| -> Result<usize, String> {
            match n.parse::<usize>() {
                Ok(k) if k >= 1 && (n == "0" || !n.starts_with('0')) => Ok(k),
                _ => Err(format!("`{}` is not an edit", crate::limits::echo(op))),
            }
        };
        match op.as_bytes().first() {
            Some(b'=') | Some(b'-') => {
                let n = count(&op[1..])?;
                let end = at + n;
                if end > base.len() {
                    return Err(format!("the edit `{op}` runs past the end of the base ({} lines)", base.len()));
                }
                if op.starts_with('=') {
                    base[at..end].iter().for_each(|l| out.push_str(l));
                }
                at = end;
            }
            Some(b'+') => {
                let n = count(&op[1..])?;
                for i in 0..n {
                    let (line, tail) = match rest.find('\n') {
                        Some(i) => rest.split_at(i + 1),
                        None => return Err(format!("the edit `{op}` has fewer than {n} lines")),
                    };
                    rest = tail;
                    // Only the last line of an insertion can be the file's last line without its
                    // newline; an edit never starts with `\`, so the mark is unambiguous.
                    if let Some(t) = rest.strip_prefix("\\\n").filter(|_| i + 1 == n) {
                        out.push_str(&line[..line.len() - 1]);
                        rest = t;
                    } else {
                        out.push_str(line);
                    }
                }
            }
            _ => return Err(format!("`{}` is not an edit", crate::limits::echo(op))),
        }
    }
    if at != base.len() {
        return Err(format!("the edits cover {at} of the base's {} lines", base.len()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn round_trip(old: &str, new: &str) {
        let script = diff(old, new).unwrap();
        assert_eq!(apply(old, &script).as_deref(), Ok(new), "script {script:?}");
    }

    #[test]
    fn a_one_line_edit_is_a_short_script() {
        let old: String = (0..200).map(|i| format!("line {i}\n")).collect();
        let new = old.replace("line 100\n", "line one hundred\n");
        let script = diff(&old, &new).unwrap();
        assert_eq!(script, "=100\n-1\n+1\nline one hundred\n=99\n");
        round_trip(&old, &new);
    }

    #[test]
    fn round_trips_edges_and_missing_final_newlines() {
        for (a, b) in [
            ("", ""),
            ("", "x"),
            ("x", ""),
            ("a\nb", "a\nb\n"),
            ("a\nb\n", "a\nc"),
            ("a\n", "\\\n\\"),
            ("same\n", "same\n"),
            ("a\r\nb\r\n", "a\r\nc\r\n"),
        ] {
            round_trip(a, b);
            round_trip(b, a);
        }
    }

    #[test]
    fn round_trips_random_edits() {
        let mut rng = Rng::new(7);
        let words = ["a", "b", "c", "\\", "", "proc x {", "}"];
        for _ in 0..300 {
            let mut gen = |n: u64| -> String {
                let k = rng.below(n) as usize;
                let mut s = String::new();
                for i in 0..k {
                    s.push_str(words[rng.below(words.len() as u64) as usize]);
                    if i + 1 < k || rng.below(2) == 0 {
                        s.push('\n');
                    }
                }
                s
            };
            let (a, b) = (gen(12), gen(12));
            round_trip(&a, &b);
        }
    }

    #[test]
    fn rejects_scripts_that_do_not_fit_the_base() {
        assert_eq!(apply("a\nb\n", "=3\n").unwrap_err(), "the edit `=3` runs past the end of the base (2 lines)");
        assert_eq!(apply("a\nb\n", "=1\n").unwrap_err(), "the edits cover 1 of the base's 2 lines");
        assert_eq!(apply("a\n", "+2\nx\n").unwrap_err(), "the edit `+2` has fewer than 2 lines");
        assert_eq!(apply("a\n", "=01\n").unwrap_err(), "`=01` is not an edit");
        assert_eq!(apply("a\n", "*1\n").unwrap_err(), "`*1` is not an edit");
        assert_eq!(apply("a\n", "=1").unwrap_err(), "an edit ends without a newline");
    }
}
