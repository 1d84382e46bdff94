//! Code shown in a narrow column: where a line may wrap.

use leptos::prelude::*;

/// `text` cut where a reader expects code to wrap: after an underscore, before a call's
/// arguments, after a comma. The pieces put together are `text` again.
pub fn wrap_pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        let next = chars.get(k + 1).map(|&(_, n)| n);
        let prev = k.checked_sub(1).map(|p| chars[p].1);
        let cut_after = match c {
            '_' => next.is_some_and(|n| n.is_alphanumeric()) && prev.is_some_and(|p| p.is_alphanumeric()),
            ',' => true,
            _ => false,
        };
        let cut_before = c == '(' && prev.is_some_and(|p| p.is_alphanumeric() || p == '_');
        if cut_before && i > start {
            out.push(&text[start..i]);
            start = i;
        }
        if cut_after && next.is_some() {
            let end = i + c.len_utf8();
            out.push(&text[start..end]);
            start = end;
        }
    }
    if start < text.len() || out.is_empty() {
        out.push(&text[start..]);
    }
    out
}

/// A line of code whose long identifiers wrap at their underscores (a `<wbr>` at each place
/// [`wrap_pieces`] finds), never inside a word, unless one piece alone is wider than its column.
#[component]
pub fn WrappingCode(text: String) -> impl IntoView {
    let pieces: Vec<String> = wrap_pieces(&text).into_iter().map(str::to_string).collect();
    let parts = pieces
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            view! {
                {(i > 0).then(|| view! { <wbr/> })}
                {p}
            }
        })
        .collect_view();
    view! { <code>{parts}</code> }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn code_wraps_after_underscores_before_arguments_and_after_commas() {
        assert_eq!(wrap_pieces("atomic_dec(tlb_flush_pending)"), ["atomic_", "dec", "(tlb_", "flush_", "pending)"]);
        assert_eq!(wrap_pieces("ptep_modify_prot(V, -W, -UW)"), ["ptep_", "modify_", "prot", "(V,", " -W,", " -UW)"]);
        assert_eq!(wrap_pieces("r0 = READ_ONCE(x)"), ["r0 = READ_", "ONCE", "(x)"]);
        assert_eq!(wrap_pieces("__flush_tlb()"), ["__flush_", "tlb", "()"]);
        assert_eq!(wrap_pieces(""), [""]);
        for s in ["mmap_read_lock()", "if !pte_same(orig, V)", "store V[0] = 3", "ü_ä(ö, ß)"] {
            assert_eq!(wrap_pieces(s).concat(), s);
        }
    }
}
