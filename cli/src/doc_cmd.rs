//! `racelab doc`: a page of `docs/` as the HTML page the site publishes beside the app, so that
//! the citations `docs/races.md#race-6` open on their heading (`docs/races.html#race-6`).
//! Markdown by pulldown-cmark (CommonMark with tables); each heading gets the id a Markdown
//! renderer gives it, which is the anchor the traces cite.

use pulldown_cmark::{html, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::cli::DocArgs;
use crate::term;
use crate::CliError;
use racelab_core::lab;

pub fn run(a: &DocArgs) -> Result<(), CliError> {
    let text = std::fs::read_to_string(&a.file).map_err(|e| CliError::Input(format!("{}: {e}", a.file)))?;
    let page = render(&text);
    match &a.output {
        Some(out) => std::fs::write(out, page).map_err(|e| CliError::Input(format!("{out}: {e}"))),
        None => {
            term::out(&page);
            Ok(())
        }
    }
}

/// A link to another page of the docs (`other.md#x`, no directory) points at its HTML page.
fn doc_link(url: CowStr<'_>) -> CowStr<'_> {
    let (path, anchor) = match url.split_once('#') {
        Some((p, a)) => (p, Some(a)),
        None => (url.as_ref(), None),
    };
    match path.strip_suffix(".md") {
        Some(stem) if !stem.is_empty() && !stem.contains('/') && !stem.contains(':') => {
            let mut s = format!("{stem}.html");
            if let Some(a) = anchor {
                s.push('#');
                s.push_str(a);
            }
            CowStr::from(s)
        }
        _ => url,
    }
}

/// The whole HTML page of a Markdown document.
pub fn render(markdown: &str) -> String {
    let events: Vec<Event> = Parser::new_ext(markdown, Options::ENABLE_TABLES).collect();
    let mut out: Vec<Event> = Vec::with_capacity(events.len());
    let mut title = None;
    let mut i = 0;
    while i < events.len() {
        match &events[i] {
            Event::Start(Tag::Heading { level, id: None, classes, attrs }) => {
                // The heading's text, up to its end, names it.
                let end = events[i..].iter().position(|e| matches!(e, Event::End(TagEnd::Heading(_)))).map_or(events.len(), |n| i + n);
                let text: String = events[i + 1..end]
                    .iter()
                    .filter_map(|e| match e {
                        Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                        _ => None,
                    })
                    .collect();
                if *level == HeadingLevel::H1 && title.is_none() {
                    title = Some(text.clone());
                }
                out.push(Event::Start(Tag::Heading {
                    level: *level,
                    id: Some(CowStr::from(lab::scenario::heading_anchor(&text))),
                    classes: classes.clone(),
                    attrs: attrs.clone(),
                }));
            }
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => out.push(Event::Start(Tag::Link {
                link_type: *link_type,
                dest_url: doc_link(dest_url.clone()),
                title: title.clone(),
                id: id.clone(),
            })),
            e => out.push(e.clone()),
        }
        i += 1;
    }
    let mut body = String::new();
    html::push_html(&mut body, out.into_iter());
    let title = title.unwrap_or_else(|| "racelab".to_string());
    let mut escaped = String::new();
    escape_text(&mut escaped, &title);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{escaped} · racelab</title>\n\
         <link rel=\"stylesheet\" href=\"../style.css\">\n<link rel=\"stylesheet\" href=\"../exports.css\">\n\
         </head>\n<body class=\"doc-page\">\n<main class=\"doc\">\n{body}</main>\n</body>\n</html>\n"
    )
}

/// `<`, `>`, `&` and `"` escaped, for the page's title.
fn escape_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_get_the_anchor_a_markdown_renderer_gives_them() {
        let page = render("# The races\n\n## Race 1A\n\n## PageAnonExclusive and RCU GUP-fast\n\n### `mprotect()` as a path\n");
        assert!(page.contains("<title>The races · racelab</title>"), "{page}");
        assert!(page.contains("<h2 id=\"race-1a\">Race 1A</h2>"), "{page}");
        assert!(page.contains("<h2 id=\"pageanonexclusive-and-rcu-gup-fast\">"), "{page}");
        assert!(page.contains("<h3 id=\"mprotect-as-a-path\">"), "{page}");
    }

    #[test]
    fn links_to_another_page_of_the_docs_point_at_its_html() {
        let page = render("[a](#race-3) [b](other.md#x) [c](../traces/kernel/NOTES.md) [d](https://lore.kernel.org/r/x.md)\n");
        assert!(page.contains("href=\"#race-3\""), "{page}");
        assert!(page.contains("href=\"other.html#x\""), "{page}");
        assert!(page.contains("href=\"../traces/kernel/NOTES.md\""), "{page}");
        assert!(page.contains("href=\"https://lore.kernel.org/r/x.md\""), "{page}");
    }

    #[test]
    fn tables_and_markup_in_the_title_are_rendered_and_escaped() {
        let page = render("# a & \"c\"\n\n| x | y |\n|---|---|\n| 1 | 2 |\n");
        assert!(page.contains("<title>a &amp; &quot;c&quot; · racelab</title>"), "{page}");
        assert!(page.contains("<table>"), "{page}");
    }
}
