//! The mails and commits a scenario cites, each linked to lore.kernel.org or git.kernel.org.

use leptos::prelude::*;
use racelab_core::lab::view::CitationView;
use racelab_core::lab::CitationKind;

/// A citation as the list shows it: a short id, the link behind it, and the text after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownCitation {
    pub id: String,
    pub url: Option<String>,
    pub text: String,
}

/// A commit by its first 12 hex digits; a seed mail (cited by file, its text beginning with
/// the mail's Message-ID) by its Message-ID, linked on lore.kernel.org; anything else as cited.
pub fn shown(c: &CitationView) -> ShownCitation {
    let id = match c.kind {
        CitationKind::Commit => c.id.chars().take(12).collect(),
        CitationKind::Seed => c.text.split_once(": ").map(|(id, _)| id.to_string()).unwrap_or_else(|| c.id.clone()),
        _ => c.id.clone(),
    };
    let url = c.url.clone().or_else(|| {
        let (id, _) = c.text.split_once(": ")?;
        (c.kind == CitationKind::Seed && id.contains('@') && !id.contains(char::is_whitespace))
            .then(|| format!("https://lore.kernel.org/r/{id}"))
    });
    // A seed's text begins with the Message-ID shown as its link.
    let text = c.text.strip_prefix(&format!("{id}: ")).unwrap_or(&c.text).to_string();
    ShownCitation { id, url, text }
}

#[component]
pub fn CitationList(citations: Vec<CitationView>) -> impl IntoView {
    let items = citations
        .into_iter()
        .map(|c| {
            let ShownCitation { id, url, text } = shown(&c);
            let label = match url {
                Some(u) => view! { <a href=u target="_blank" rel="noopener" class="cite-id"><code>{id}</code></a> }.into_any(),
                None => view! { <code class="cite-id">{id}</code> }.into_any(),
            };
            view! {
                <li data-testid="citation" data-kind=c.kind.name()>
                    <span class="cite-kind">{c.kind.name()}</span>
                    " "
                    {label}
                    <span class="cite-text">{text}</span>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="citations">{items}</ul> }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    fn cite(kind: CitationKind, id: &str, text: &str, url: Option<&str>) -> CitationView {
        CitationView { kind, id: id.to_string(), text: text.to_string(), url: url.map(str::to_string) }
    }

    #[wasm_bindgen_test]
    fn a_commit_is_listed_by_its_first_twelve_digits() {
        let url = "https://git.kernel.org/torvalds/c/6ce64428d62026a10cb5d80138ff2f90cc21d367";
        let c = cite(CitationKind::Commit, "6ce64428d62026a10cb5d80138ff2f90cc21d367", "mm/userfaultfd: fix", Some(url));
        assert_eq!(shown(&c), ShownCitation { id: "6ce64428d620".into(), url: Some(url.into()), text: "mm/userfaultfd: fix".into() });
    }

    #[wasm_bindgen_test]
    fn a_seed_is_listed_by_its_message_id_and_linked_on_lore() {
        let c = cite(CitationKind::Seed, "seed1.txt", "X+Oxr6@redhat.com: the user-visible rule", None);
        assert_eq!(
            shown(&c),
            ShownCitation {
                id: "X+Oxr6@redhat.com".into(),
                url: Some("https://lore.kernel.org/r/X+Oxr6@redhat.com".into()),
                text: "the user-visible rule".into()
            }
        );
    }

    #[wasm_bindgen_test]
    fn a_seed_without_a_message_id_is_not_linked() {
        let c = cite(CitationKind::Seed, "seed2.txt", "not an id: some text", None);
        assert_eq!(shown(&c), ShownCitation { id: "not an id".into(), url: None, text: "some text".into() });
        let c = cite(CitationKind::Seed, "seed3.txt", "no colon here", None);
        assert_eq!(shown(&c), ShownCitation { id: "seed3.txt".into(), url: None, text: "no colon here".into() });
    }

    #[wasm_bindgen_test]
    fn a_mail_keeps_its_id_and_link() {
        let c = cite(CitationKind::Mail, "abc@vmware.com", "the original report", Some("https://lore.kernel.org/r/abc@vmware.com"));
        let s = shown(&c);
        assert_eq!((s.id.as_str(), s.url.as_deref(), s.text.as_str()), ("abc@vmware.com", c.url.as_deref(), "the original report"));
    }
}
