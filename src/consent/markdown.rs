//! A document's Markdown as HTML a client's browser can be given: headings, paragraphs,
//! lists, emphasis and links, and nothing that runs. Raw HTML in the text is shown as text,
//! and a link goes only to `https:`, `http:` or `mailto:`.

use pulldown_cmark::{Event, Options, Parser, Tag, html};

use crate::pdf::Block;

pub fn to_html(markdown: &str) -> String {
    let events =
        Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH).map(|event| match event {
            // Shown as typed, escaped by the writer.
            Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) if !safe(&dest_url) => Event::Start(Tag::Link {
                link_type,
                dest_url: "#".into(),
                title,
                id,
            }),
            Event::Start(Tag::Image { dest_url, .. }) => Event::Text(dest_url),
            Event::End(pulldown_cmark::TagEnd::Image) => Event::Text("".into()),
            other => other,
        });
    let mut out = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut out, events);
    out
}

/// The same text as the blocks of a printed copy: headings, paragraphs and list items, the
/// inline marks dropped, a link's address printed after its words.
pub fn to_blocks(markdown: &str) -> Vec<Block> {
    use pulldown_cmark::TagEnd;
    let mut blocks = Vec::new();
    let mut text = String::new();
    // Each open list: the next number, or None for bullets.
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut link: Option<String> = None;
    let flush = |text: &mut String, blocks: &mut Vec<Block>, make: &dyn Fn(String) -> Block| {
        let t = text.trim().to_owned();
        text.clear();
        if !t.is_empty() {
            blocks.push(make(t));
        }
    };
    for event in Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                text.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::Start(Tag::Link { dest_url, .. }) if safe(&dest_url) => {
                link = Some(dest_url.to_string())
            }
            Event::End(TagEnd::Link) => {
                if let Some(url) = link.take()
                    && !text.contains(&url)
                {
                    text.push_str(&format!(" ({url})"));
                }
            }
            Event::Start(Tag::Image { dest_url, .. }) => text.push_str(&dest_url),
            Event::Start(Tag::List(first)) => {
                flush(&mut text, &mut blocks, &Block::Paragraph);
                lists.push(first);
            }
            Event::End(TagEnd::List(_)) => {
                lists.pop();
            }
            Event::Start(Tag::Item) => flush(&mut text, &mut blocks, &Block::Paragraph),
            Event::End(TagEnd::Item) => {
                let marker = match lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}.", *n - 1)
                    }
                    _ => "•".to_owned(),
                };
                flush(&mut text, &mut blocks, &|t| Block::Item(marker.clone(), t));
            }
            Event::End(TagEnd::Heading(_)) => flush(&mut text, &mut blocks, &Block::Heading),
            Event::End(TagEnd::Paragraph) if lists.is_empty() => {
                flush(&mut text, &mut blocks, &Block::Paragraph)
            }
            Event::End(TagEnd::Paragraph) => text.push(' '),
            Event::Rule => blocks.push(Block::Rule),
            _ => {}
        }
    }
    flush(&mut text, &mut blocks, &Block::Paragraph);
    blocks
}

fn safe(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["https://", "http://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_structure_render_and_nothing_runs() {
        let html = to_html("## Fees\n\nDue **at each** session.\n\n- one\n- two\n");
        assert!(html.contains("<h2>Fees</h2>"));
        assert!(html.contains("<strong>at each</strong>"));
        assert!(html.contains("<li>one</li>"));
        let html = to_html("Hi <script>alert(1)</script> <img src=x onerror=alert(1)>");
        assert!(
            !html.contains("<script") && !html.contains("<img"),
            "{html}"
        );
        assert!(html.contains("&lt;script&gt;"));
        let html = to_html("[click](javascript:alert(1)) [ok](https://example.org)");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("href=\"https://example.org\""));
        assert!(!to_html("![x](https://tracker.example/p.gif)").contains("<img"));
    }

    #[test]
    fn the_printed_copy_keeps_the_structure_and_the_words() {
        let blocks = to_blocks(
            "# Fees\n\nDue **at each**\nsession, see [our page](https://example.org).\n\n- one\n- two\n\n1. first\n2. second\n",
        );
        assert_eq!(
            blocks,
            [
                Block::Heading("Fees".into()),
                Block::Paragraph("Due at each session, see our page (https://example.org).".into()),
                Block::Item("•".into(), "one".into()),
                Block::Item("•".into(), "two".into()),
                Block::Item("1.".into(), "first".into()),
                Block::Item("2.".into(), "second".into()),
            ]
        );
    }
}
