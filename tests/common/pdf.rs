//! What a PDF says, as a reader extracts it: the superbills, estimates and signed copies are
//! checked by their words, never by their bytes.

/// Every page's text, white space runs made one space.
pub fn text(bytes: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(bytes).expect("a PDF that parses");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    assert!(!pages.is_empty());
    doc.extract_text(&pages)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every page's text without any white space, for checks that must not depend on where a
/// line was broken.
pub fn squeezed_text(bytes: &[u8]) -> String {
    squeezed(&text(bytes))
}

pub fn squeezed(s: &str) -> String {
    s.split_whitespace().collect()
}
