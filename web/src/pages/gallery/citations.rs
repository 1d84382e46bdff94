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
