//! "Did you mean": the known name closest to a misspelt one, for every message about an
//! unknown name (primitives, procs, policies, threads, invariants, features, memory models,
//! PTE bits, flags, declarations and attributes).

/// The candidate closest to `word`, if one is close enough to be what was meant: the same
/// word in another case, or one within an edit distance of about a third of its length
/// (letters swapped count as one edit).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == word {
            continue;
        }
        let d = if c.to_ascii_lowercase() == lower { 0 } else { distance(&lower, &c.to_ascii_lowercase()) };
        // Of two as close, the one with the same letters (`vra` is `var` swapped, not `vma`).
        let better = match best {
            None => true,
            Some((b, prev)) => d < b || (d == b && same_letters(&lower, c) && !same_letters(&lower, prev)),
        };
        if better {
            best = Some((d, c));
        }
    }
    let (d, c) = best?;
    let allowed = match word.chars().count() {
        0..=2 => 0,
        3..=5 => 1,
        6..=8 => 2,
        _ => 3,
    };
    (d <= allowed).then_some(c)
}

/// `: did you mean `x`?`, or nothing: the end of a message about an unknown name.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    match closest(word, candidates) {
        Some(c) => format!(": did you mean `{c}`?"),
        None => String::new(),
    }
}

/// `: did you mean `x`?` when a word of `list` ("a, b or c") is close to `word`, else
/// `: expected a, b or c`: the end of a message about an unknown name of a fixed set.
pub fn expected_one_of(word: &str, list: &str) -> String {
    let words = list.split([',', ' ']).filter(|w| !w.is_empty() && *w != "or");
    match closest(word, words) {
        Some(c) => format!(": did you mean `{c}`?"),
        None => format!(": expected {list}"),
    }
}

fn same_letters(a: &str, b: &str) -> bool {
    let sorted = |s: &str| {
        let mut v: Vec<char> = s.to_ascii_lowercase().chars().collect();
        v.sort_unstable();
        v
    };
    sorted(a) == sorted(b)
}

/// The optimal string alignment distance: insertions, deletions, substitutions and swaps of
/// two neighbours, each one edit.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // Long words are never typos of each other; bound the work.
    if a.len().abs_diff(b.len()) > 3 || a.len() > 64 || b.len() > 64 {
        return usize::MAX;
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = (a[i - 1] != b[j - 1]) as usize;
            let mut v = (d[(i - 1) * w + j] + 1).min(d[i * w + j - 1] + 1).min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_known_name_within_a_few_edits() {
        let prims = ["WRITE_ONCE", "READ_ONCE", "smp_mb", "flush_tlb_page"];
        assert_eq!(closest("WRITE_ONC", prims), Some("WRITE_ONCE"));
        assert_eq!(closest("READONCE", prims), Some("READ_ONCE"));
        assert_eq!(closest("write_once", prims), Some("WRITE_ONCE"));
        assert_eq!(closest("flush_tlb_pgae", prims), Some("flush_tlb_page"));
        assert_eq!(closest("plian", ["plain", "mb"]), Some("plain"));
        assert_eq!(closest("p1", ["P0", "P1"]), Some("P1"));
        assert_eq!(closest("cpu1", ["CPU0", "CPU1"]), Some("CPU1"));
        assert_eq!(closest("vra", ["vma", "var"]), Some("var"));
        assert_eq!(expected_one_of("basline", "baseline, merged or proposed"), ": did you mean `baseline`?");
        assert_eq!(expected_one_of("zzz", "baseline, merged or proposed"), ": expected baseline, merged or proposed");
    }

    #[test]
    fn suggests_nothing_for_a_word_unlike_any() {
        assert_eq!(closest("frobnicate", ["WRITE_ONCE", "READ_ONCE"]), None);
        assert_eq!(closest("ab", ["cd"]), None);
        assert_eq!(closest("x", ["y"]), None);
        assert_eq!(did_you_mean("zzz", ["sc", "arm64"]), "");
        assert_eq!(did_you_mean("arm46", ["sc", "arm64"]), ": did you mean `arm64`?");
        let long = "a".repeat(10_000);
        assert_eq!(closest(&long, [long.as_str()]), None);
    }
}
