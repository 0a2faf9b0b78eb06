//! Printable PDFs made in process, without a browser: a column of headings, paragraphs,
//! list items and label–value lines, set in the two Helvetica faces every PDF reader has,
//! broken into US Letter pages with a footer on each.
//!
//! Text is encoded as Windows-1252, which covers English and the Western European
//! languages; a character outside it is printed as `?`. Embedding a font would cover every
//! script, at some hundred kilobytes a copy.

mod widths;

use chrono::{DateTime, Datelike, Timelike, Utc};
use pdf_writer::{Content, Date, Name, Pdf, Rect, Ref, Str, TextStr};

/// One piece of the column, in reading order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// The document's own title, once at the top.
    Title(String),
    Heading(String),
    Paragraph(String),
    /// A list item, with its marker ("•", "1.").
    Item(String, String),
    /// A label and its value on one line, the value wrapped under itself.
    Field(String, String),
    /// A thin line across the column.
    Rule,
    /// What follows, up to about this many lines, is kept on one page.
    KeepLines(usize),
}

const PAGE_WIDTH: f32 = 612.0;
const PAGE_HEIGHT: f32 = 792.0;
const MARGIN: f32 = 66.0;
const BOTTOM: f32 = 72.0;
const BODY: f32 = 10.5;
const LEADING: f32 = 14.5;
const LABEL_WIDTH: f32 = 125.0;
/// A field's value: a little smaller, so a SHA-256 fits on one line.
const VALUE: f32 = 9.5;
const INDENT: f32 = 16.0;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Face {
    Regular,
    Bold,
}

impl Face {
    fn name(self) -> Name<'static> {
        match self {
            Face::Regular => Name(b"F1"),
            Face::Bold => Name(b"F2"),
        }
    }

    fn widths(self) -> &'static [u16; 224] {
        match self {
            Face::Regular => &widths::REGULAR,
            Face::Bold => &widths::BOLD,
        }
    }
}

/// One line of text placed on a page.
struct Line {
    x: f32,
    y: f32,
    face: Face,
    size: f32,
    text: Vec<u8>,
}

#[derive(Default)]
struct Page {
    lines: Vec<Line>,
    rules: Vec<f32>,
}

/// `text` as Windows-1252 bytes; what it cannot hold becomes `?`, and any run of white
/// space one space.
pub fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(b' ');
        }
        space = false;
        out.push(byte_of(c));
    }
    out
}

/// The Windows-1252 code of `c`, or `?`.
fn byte_of(c: char) -> u8 {
    const HIGH: [(char, u8); 27] = [
        ('€', 0x80),
        ('‚', 0x82),
        ('ƒ', 0x83),
        ('„', 0x84),
        ('…', 0x85),
        ('†', 0x86),
        ('‡', 0x87),
        ('ˆ', 0x88),
        ('‰', 0x89),
        ('Š', 0x8A),
        ('‹', 0x8B),
        ('Œ', 0x8C),
        ('Ž', 0x8E),
        ('‘', 0x91),
        ('’', 0x92),
        ('“', 0x93),
        ('”', 0x94),
        ('•', 0x95),
        ('–', 0x96),
        ('—', 0x97),
        ('˜', 0x98),
        ('™', 0x99),
        ('š', 0x9A),
        ('›', 0x9B),
        ('œ', 0x9C),
        ('ž', 0x9E),
        ('Ÿ', 0x9F),
    ];
    match c as u32 {
        0x20..=0x7E | 0xA0..=0xFF => c as u8,
        _ => HIGH.iter().find(|(h, _)| *h == c).map_or(b'?', |(_, b)| *b),
    }
}

fn width_of(bytes: &[u8], face: Face, size: f32) -> f32 {
    let table = face.widths();
    let thousandths: u32 = bytes
        .iter()
        .map(|b| u32::from(b.checked_sub(32).map_or(0, |i| table[i as usize])))
        .sum();
    thousandths as f32 * size / 1000.0
}

/// `text` broken into lines no wider than `width`; a word longer than a line is cut.
fn wrap(text: &[u8], face: Face, size: f32, width: f32) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    for word in text.split(|b| *b == b' ').filter(|w| !w.is_empty()) {
        let mut candidate = current.clone();
        if !candidate.is_empty() {
            candidate.push(b' ');
        }
        candidate.extend_from_slice(word);
        if width_of(&candidate, face, size) <= width {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        let mut rest = word;
        while width_of(rest, face, size) > width {
            let mut cut = rest.len();
            while cut > 1 && width_of(&rest[..cut], face, size) > width {
                cut -= 1;
            }
            lines.push(rest[..cut].to_vec());
            rest = &rest[cut..];
        }
        current = rest.to_vec();
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

/// Lays the blocks out down the pages.
struct Setter {
    pages: Vec<Page>,
    y: f32,
}

impl Setter {
    fn new() -> Self {
        Self {
            pages: vec![Page::default()],
            y: PAGE_HEIGHT - MARGIN,
        }
    }

    fn page(&mut self) -> &mut Page {
        self.pages.last_mut().expect("one page at least")
    }

    /// Room for `height` more, on a new page if this one is full.
    fn room(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            self.pages.push(Page::default());
            self.y = PAGE_HEIGHT - MARGIN;
        }
    }

    fn gap(&mut self, height: f32) {
        self.y -= height;
    }

    fn lines(&mut self, x: f32, width: f32, text: &str, face: Face, size: f32, leading: f32) {
        for line in wrap(&encode(text), face, size, width) {
            self.room(leading);
            self.y -= leading;
            let y = self.y;
            self.page().lines.push(Line {
                x,
                y,
                face,
                size,
                text: line,
            });
        }
    }

    fn block(&mut self, block: &Block) {
        let column = PAGE_WIDTH - 2.0 * MARGIN;
        match block {
            Block::Title(text) => {
                self.lines(MARGIN, column, text, Face::Bold, 17.0, 22.0);
                self.gap(8.0);
            }
            Block::Heading(text) => {
                // A heading is not left alone at the foot of a page.
                self.room(18.0 + 2.0 * LEADING);
                self.gap(6.0);
                self.lines(MARGIN, column, text, Face::Bold, 12.5, 18.0);
                self.gap(2.0);
            }
            Block::Paragraph(text) => {
                self.lines(MARGIN, column, text, Face::Regular, BODY, LEADING);
                self.gap(6.0);
            }
            Block::Item(marker, text) => {
                self.room(LEADING);
                let y = self.y - LEADING;
                self.page().lines.push(Line {
                    x: MARGIN + 2.0,
                    y,
                    face: Face::Regular,
                    size: BODY,
                    text: encode(marker),
                });
                self.lines(
                    MARGIN + INDENT,
                    column - INDENT,
                    text,
                    Face::Regular,
                    BODY,
                    LEADING,
                );
                self.gap(3.0);
            }
            Block::Field(label, value) => {
                self.room(LEADING);
                let y = self.y - LEADING;
                self.page().lines.push(Line {
                    x: MARGIN,
                    y,
                    face: Face::Bold,
                    size: BODY,
                    text: encode(label),
                });
                self.lines(
                    MARGIN + LABEL_WIDTH,
                    column - LABEL_WIDTH,
                    value,
                    Face::Regular,
                    VALUE,
                    LEADING,
                );
                self.gap(2.0);
            }
            Block::KeepLines(n) => self.room(*n as f32 * LEADING),
            Block::Rule => {
                self.room(16.0);
                self.gap(8.0);
                let y = self.y;
                self.page().rules.push(y);
                self.gap(8.0);
            }
        }
    }
}

/// A whole document: `title` in its properties, `footer` at the foot of every page with
/// the page number, `made` as its creation date.
pub fn render(title: &str, footer: &str, blocks: &[Block], made: DateTime<Utc>) -> Vec<u8> {
    let mut setter = Setter::new();
    for block in blocks {
        setter.block(block);
    }
    let pages = setter.pages;
    let count = pages.len();

    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let first = 6;
    let page_ref = |i: usize| Ref::new((first + 2 * i) as i32);
    let content_ref = |i: usize| Ref::new((first + 2 * i + 1) as i32);

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids((0..count).map(page_ref))
        .count(count as i32);
    for (id, face) in [(regular, "Helvetica"), (bold, "Helvetica-Bold")] {
        pdf.type1_font(id)
            .base_font(Name(face.as_bytes()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    pdf.document_info(info)
        .title(TextStr(title))
        .producer(TextStr("Attune"))
        .creation_date(
            Date::new(made.year() as u16)
                .month(made.month() as u8)
                .day(made.day() as u8)
                .hour(made.hour() as u8)
                .minute(made.minute() as u8)
                .second(made.second() as u8)
                .utc_offset_hour(0)
                .utc_offset_minute(0),
        );
    let footer = encode(footer);
    for (i, page) in pages.iter().enumerate() {
        let mut content = Content::new();
        content.set_line_width(0.6);
        for y in &page.rules {
            content.move_to(MARGIN, *y);
            content.line_to(PAGE_WIDTH - MARGIN, *y);
        }
        if !page.rules.is_empty() {
            content.stroke();
        }
        content.begin_text();
        let mut lines: Vec<Line> = Vec::new();
        let number = encode(&format!("Page {} of {count}", i + 1));
        let number_x = PAGE_WIDTH - MARGIN - width_of(&number, Face::Regular, 8.5);
        for (x, text) in [(MARGIN, footer.clone()), (number_x, number)] {
            lines.push(Line {
                x,
                y: 40.0,
                face: Face::Regular,
                size: 8.5,
                text,
            });
        }
        for line in page.lines.iter().chain(lines.iter()) {
            content.set_font(line.face.name(), line.size);
            content.set_text_matrix([1.0, 0.0, 0.0, 1.0, line.x, line.y]);
            content.show(Str(&line.text));
        }
        content.end_text();
        let data = content.finish();
        let mut writer = pdf.page(page_ref(i));
        writer
            .parent(tree)
            .media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .contents(content_ref(i));
        writer
            .resources()
            .fonts()
            .pair(Face::Regular.name(), regular)
            .pair(Face::Bold.name(), bold);
        drop(writer);
        pdf.stream(content_ref(i), &data);
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_outside_windows_1252_is_a_question_mark_and_space_runs_are_one() {
        assert_eq!(encode("Zoë  “Ana”\n—ok"), b"Zo\xEB \x93Ana\x94 \x97ok");
        assert_eq!(encode("李 Li"), b"? Li");
    }

    #[test]
    fn lines_wrap_at_the_width_and_long_words_are_cut() {
        let text = encode("one two three four five six seven eight nine ten");
        let lines = wrap(&text, Face::Regular, 10.0, 80.0);
        assert!(lines.len() > 1);
        for line in &lines {
            assert!(width_of(line, Face::Regular, 10.0) <= 80.0);
        }
        assert_eq!(lines.join(&b' '), text);
        let long = wrap(&[b'W'; 60], Face::Bold, 10.0, 100.0);
        assert!(long.iter().all(|l| width_of(l, Face::Bold, 10.0) <= 100.0));
        assert_eq!(long.iter().map(Vec::len).sum::<usize>(), 60);
    }

    #[test]
    fn a_long_document_runs_onto_numbered_pages() {
        let blocks: Vec<Block> = (0..200)
            .map(|i| Block::Paragraph(format!("Paragraph {i} of the text.")))
            .collect();
        let pdf = render("Long", "Footer", &blocks, Utc::now());
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-"));
        assert!(text.contains("(Page 1 of "));
        assert!(!text.contains("(Page 1 of 1)"));
    }
}
