//! The iCalendar text layer: what makes the `ical` crate's generator output correct.
//!
//! The generator (0.11) writes values as given, so a comma or newline in a name would end
//! the value or start a new property; it quotes parameter values by indexing bytes with
//! character positions, which breaks on non-ASCII text; its `start()`/`end()` always add a
//! `TZID`; and it folds at 75 *characters*, where RFC 5545 §3.1 says 75 *octets*. So every
//! property is built here: text escaped, times in UTC, parameters quoted by us; the
//! generator assembles the components; and [`render`] refolds its output by octets.
//!
//! Every value that reaches a calendar passes through this module, so nothing a client typed
//! can add a property or break a line.

use chrono::{DateTime, NaiveDate, Utc};
use ical::generator::{Emitter, IcalCalendar, Property};

/// The longest content line, in octets, not counting its CRLF (RFC 5545 §3.1).
pub const LINE_OCTETS: usize = 75;

/// A TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma escaped, every line break
/// written `\n`, and other control characters dropped (a tab becomes a space).
pub fn escape_text(value: &str) -> String {
    // Most values need nothing; a feed holds thousands of them.
    let special =
        |c: char| matches!(c, '\\' | ';' | ',' | '\u{2028}' | '\u{2029}') || c.is_control();
    if !value.contains(special) {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len() + 8);
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                // CRLF is one line break.
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' | '\u{2028}' | '\u{2029}' => out.push_str("\\n"),
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A value that is already in its iCalendar form (a URI, a keyword, a number), with control
/// characters dropped so it cannot end its line early.
fn clean(value: &str) -> String {
    if !value.contains(char::is_control) {
        return value.to_owned();
    }
    value.chars().filter(|c| !c.is_control()).collect()
}

/// `NAME:value` with a TEXT value.
pub fn text(name: &str, value: &str) -> Property {
    property(name.to_owned(), escape_text(value))
}

/// `NAME:value` with a value that is not TEXT: a URI, a keyword, a number.
pub fn raw(name: &str, value: &str) -> Property {
    property(name.to_owned(), clean(value))
}

/// `NAME:20261207T150000Z`.
pub fn utc(name: &str, at: DateTime<Utc>) -> Property {
    property(name.to_owned(), format_utc(at))
}

/// `NAME;VALUE=DATE:20261207`.
pub fn date(name: &str, day: NaiveDate) -> Property {
    property(
        format!("{name};VALUE=DATE"),
        day.format("%Y%m%d").to_string(),
    )
}

/// The property with one more parameter, its value always quoted. A parameter value cannot
/// hold a double quote or a control character at all (RFC 5545 §3.2), so those are dropped.
pub fn with_param(mut prop: Property, name: &str, value: &str) -> Property {
    let value: String = value
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    // Written into the name rather than `params`, which the generator would quote wrongly.
    prop.name = format!("{};{name}=\"{value}\"", prop.name);
    prop
}

/// The property with one more parameter whose value is a fixed keyword (`ROLE=CHAIR`): those
/// may not be quoted.
pub fn with_keyword(mut prop: Property, name: &str, keyword: &'static str) -> Property {
    debug_assert!(
        keyword
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-'),
        "{keyword}"
    );
    prop.name = format!("{};{name}={keyword}", prop.name);
    prop
}

fn property(name: String, value: String) -> Property {
    Property {
        name,
        params: None,
        value: Some(value),
    }
}

/// An instant in the UTC form, `20261207T150000Z`.
pub fn format_utc(at: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let year = at.year();
    if !(0..=9999).contains(&year) {
        return at.format("%Y%m%dT%H%M%SZ").to_string();
    }
    // Written digit by digit: a feed formats five of these per event, and chrono's
    // general formatter is the slow part of rendering a large one.
    let mut out = [0u8; 16];
    let mut put = |at: usize, value: u32, width: usize| {
        let mut value = value;
        for i in (0..width).rev() {
            out[at + i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, year as u32, 4);
    put(4, at.month(), 2);
    put(6, at.day(), 2);
    put(9, at.hour(), 2);
    put(11, at.minute(), 2);
    put(13, at.second(), 2);
    out[8] = b'T';
    out[15] = b'Z';
    String::from_utf8_lossy(&out).into_owned()
}

/// The calendar as iCalendar text: CRLF line ends, every line at most 75 octets, folded
/// between characters.
pub fn render(calendar: &IcalCalendar) -> String {
    refold(&calendar.generate())
}

/// Undoes the generator's folding and folds again by octets. Values built here hold no CR
/// or LF, so every physical line that starts with a space in the generator's output is the
/// continuation of the one before.
pub fn refold(generated: &str) -> String {
    let mut out = String::with_capacity(generated.len() + generated.len() / 32);
    refold_into(generated, &mut out);
    out
}

/// [`refold`], appending to `out`.
pub fn refold_into(generated: &str, out: &mut String) {
    let mut physical = generated.split("\r\n").peekable();
    let mut joined = String::new();
    while let Some(first) = physical.next() {
        if first.is_empty() {
            continue;
        }
        if !physical.peek().is_some_and(|next| next.starts_with(' ')) {
            fold_into(first, out);
            continue;
        }
        joined.clear();
        joined.push_str(first);
        while let Some(rest) = physical.next_if(|next| next.starts_with(' ')) {
            joined.push_str(&rest[1..]);
        }
        fold_into(&joined, out);
    }
}

/// Appends `line` and its CRLF, folded: a continuation line starts with one space, which
/// counts toward its 75 octets.
///
/// A physical line never ends in whitespace when that can be helped: some readers (the
/// `ical` crate's parser among them) trim each physical line before joining, and would lose
/// the space. The space moves to the start of the next line instead.
pub fn fold_into(line: &str, out: &mut String) {
    if line.len() <= LINE_OCTETS {
        out.push_str(line);
        out.push_str("\r\n");
        return;
    }
    let mut room = LINE_OCTETS;
    let mut start = 0;
    for (at, c) in line.char_indices() {
        let width = c.len_utf8();
        while width > room {
            let kept = line[start..at].trim_end_matches([' ', '\t']);
            // Only whitespace since the last fold: nothing better than cutting here.
            let cut = if kept.is_empty() {
                at
            } else {
                start + kept.len()
            };
            out.push_str(&line[start..cut]);
            out.push_str("\r\n ");
            start = cut;
            room = LINE_OCTETS - 1 - (at - cut);
        }
        room -= width;
    }
    out.push_str(&line[start..]);
    out.push_str("\r\n");
}

/// Joins folded lines back together (RFC 5545 §3.1): the reverse of [`fold_into`].
pub fn unfold(text: &str) -> String {
    text.replace("\r\n ", "").replace("\r\n\t", "")
}

#[cfg(test)]
mod tests;
