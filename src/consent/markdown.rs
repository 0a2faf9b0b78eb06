//! A document's Markdown as HTML a client's browser can be given: headings, paragraphs,
//! lists, emphasis and links, and nothing that runs. Raw HTML in the text is shown as text,
//! and a link goes only to `https:`, `http:` or `mailto:`.

use pulldown_cmark::{Event, Options, Parser, Tag, html};

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
}
