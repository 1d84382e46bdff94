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

/// A commit by its first 12 hex digits; a mail or a seed by its Message-ID, as cited. The core
/// gives the link (lore.kernel.org for a Message-ID, git.kernel.org for a commit).
pub fn shown(c: &CitationView) -> ShownCitation {
    let id = match c.kind {
        CitationKind::Commit => c.id.chars().take(12).collect(),
        _ => c.id.clone(),
    };
    ShownCitation { id, url: c.url.clone(), text: c.text.clone() }
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
    fn a_seed_is_listed_by_its_message_id_with_the_link_the_core_gives() {
        let url = "https://lore.kernel.org/r/X+Oxr6@redhat.com";
        let c = cite(CitationKind::Seed, "X+Oxr6@redhat.com", "Andrea Arcangeli: the user-visible rule", Some(url));
        assert_eq!(
            shown(&c),
            ShownCitation { id: "X+Oxr6@redhat.com".into(), url: Some(url.into()), text: "Andrea Arcangeli: the user-visible rule".into() }
        );
    }

    #[wasm_bindgen_test]
    fn a_citation_without_a_link_is_not_linked() {
        let c = cite(CitationKind::Seed, "seed3.txt", "no Message-ID here", None);
        assert_eq!(shown(&c), ShownCitation { id: "seed3.txt".into(), url: None, text: "no Message-ID here".into() });
    }

    #[wasm_bindgen_test]
    fn a_mail_keeps_its_id_and_link() {
        let c = cite(CitationKind::Mail, "abc@vmware.com", "the original report", Some("https://lore.kernel.org/r/abc@vmware.com"));
        let s = shown(&c);
        assert_eq!((s.id.as_str(), s.url.as_deref(), s.text.as_str()), ("abc@vmware.com", c.url.as_deref(), "the original report"));
    }
}
