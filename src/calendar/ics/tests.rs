use chrono::{NaiveDate, TimeZone, Utc};
use ical::{
    IcalParser,
    generator::{IcalCalendar, IcalEvent},
};
use proptest::prelude::*;

use super::*;

/// The reverse of [`escape_text`], as a calendar app reads a TEXT value.
fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// What escaping keeps of a value: line breaks as `\n`, tabs as spaces, no other controls.
fn expected(value: &str) -> String {
    value
        .replace("\r\n", "\n")
        .chars()
        .filter_map(|c| match c {
            '\r' | '\u{2028}' | '\u{2029}' => Some('\n'),
            '\t' => Some(' '),
            c if c.is_control() && c != '\n' => None,
            c => Some(c),
        })
        .collect()
}

fn calendar_with(props: Vec<Property>) -> String {
    let mut cal = IcalCalendar::new();
    cal.properties.push(raw("VERSION", "2.0"));
    cal.properties.push(raw("PRODID", "-//Attune//test//EN"));
    let mut event = IcalEvent::new();
    event.properties.push(raw("UID", "one@example.org"));
    event.properties.extend(props);
    cal.events.push(event);
    render(&cal)
}

fn parse_one(text: &str) -> ical::parser::ical::component::IcalCalendar {
    let mut parser = IcalParser::new(text.as_bytes());
    let cal = parser.next().expect("one calendar").expect("it parses");
    assert!(parser.next().is_none(), "exactly one calendar");
    cal
}

fn event_value(text: &str, name: &str) -> String {
    let cal = parse_one(text);
    cal.events[0]
        .properties
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.clone())
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
}

fn assert_well_formed(text: &str) {
    assert!(text.ends_with("\r\n"), "ends with CRLF");
    let body = &text[..text.len() - 2];
    for line in body.split("\r\n") {
        assert!(line.len() <= LINE_OCTETS, "{} octets: {line:?}", line.len());
        assert!(!line.contains('\r') && !line.contains('\n'), "{line:?}");
        assert!(!line.is_empty(), "no empty lines");
    }
    assert!(!body.contains("\n\r"), "only CRLF line ends");
}

#[test]
fn the_four_special_characters_are_escaped() {
    assert_eq!(escape_text(r"a\b;c,d"), r"a\\b\;c\,d");
    assert_eq!(
        escape_text("one\ntwo\r\nthree\rfour"),
        r"one\ntwo\nthree\nfour"
    );
    assert_eq!(escape_text("tab\there"), "tab here");
    assert_eq!(escape_text("bell\u{7}null\u{0}del\u{7f}"), "bellnulldel");
    assert_eq!(
        escape_text("colon: and \"quotes\""),
        "colon: and \"quotes\""
    );
    assert_eq!(escape_text(""), "");
}

#[test]
fn times_are_utc_with_a_z_and_dates_say_so() {
    let at = Utc.with_ymd_and_hms(2026, 12, 7, 15, 4, 5).unwrap();
    assert_eq!(format_utc(at), "20261207T150405Z");
    let p = utc("DTSTART", at);
    assert_eq!(
        (p.name.as_str(), p.value.as_deref()),
        ("DTSTART", Some("20261207T150405Z"))
    );
    let d = date("DTSTART", NaiveDate::from_ymd_opt(2026, 1, 2).unwrap());
    assert_eq!(d.generate(), "DTSTART;VALUE=DATE:20260102\r\n");
}

#[test]
fn a_raw_value_cannot_start_a_new_line() {
    let p = raw(
        "URL",
        "https://example.org/a\r\nATTENDEE:mailto:x@example.org",
    );
    assert_eq!(
        p.value.as_deref(),
        Some("https://example.org/aATTENDEE:mailto:x@example.org")
    );
}

#[test]
fn parameters_are_quoted_and_cannot_break_out() {
    let p = with_param(
        raw("ORGANIZER", "mailto:hello@example.org"),
        "CN",
        "Zoë \"Z\" Müller, LMFT;\nPractice",
    );
    let text = calendar_with(vec![p]);
    assert!(
        text.contains("ORGANIZER;CN=\"Zoë Z Müller, LMFT;Practice\":mailto:hello@example.org"),
        "{text}"
    );
    let cal = parse_one(&text);
    let organizer = cal.events[0]
        .properties
        .iter()
        .find(|p| p.name == "ORGANIZER")
        .unwrap();
    assert_eq!(organizer.value.as_deref(), Some("mailto:hello@example.org"));
}

#[test]
fn long_lines_fold_at_75_octets_between_characters() {
    // 'é' is two octets and '👩‍❤️‍👨' many: a fold by characters would overrun 75 octets.
    let value = "é".repeat(60) + &"👩‍❤️‍👨, ".repeat(20) + &"x".repeat(200);
    let text = calendar_with(vec![text("SUMMARY", &value)]);
    assert_well_formed(&text);
    assert!(text.lines().filter(|l| l.starts_with(' ')).count() > 5);
    assert_eq!(unescape(&event_value(&text, "SUMMARY")), value);
}

#[test]
fn a_line_of_exactly_75_octets_is_not_folded() {
    let value = "a".repeat(LINE_OCTETS - "SUMMARY:".len());
    let exact = calendar_with(vec![text("SUMMARY", &value)]);
    assert!(exact.contains(&format!("SUMMARY:{value}\r\n")));
    let longer = calendar_with(vec![text("SUMMARY", &format!("{value}b"))]);
    assert!(
        longer.contains(&format!("SUMMARY:{value}\r\n b\r\n")),
        "{longer}"
    );
}

#[test]
fn a_fold_never_leaves_a_space_at_the_end_of_a_line() {
    let value = "word ".repeat(60);
    let text = calendar_with(vec![text("DESCRIPTION", value.trim_end())]);
    assert_well_formed(&text);
    for line in text.split("\r\n") {
        assert!(!line.ends_with(' '), "{line:?}");
    }
    // The ical parser trims each physical line, so this only holds because of that rule.
    assert_eq!(event_value(&text, "DESCRIPTION"), value.trim_end());
}

#[test]
fn commas_semicolons_and_newlines_survive_a_round_trip() {
    let value = "Couples session, follow-up; room 2\nBring: intake form \\ notes";
    let text = calendar_with(vec![text("LOCATION", value)]);
    assert!(
        text.contains(
            r"LOCATION:Couples session\, follow-up\; room 2\nBring: intake form \\ notes"
        )
    );
    assert_eq!(unescape(&event_value(&text, "LOCATION")), value);
}

#[test]
fn refold_undoes_the_generators_character_folding() {
    // The generator folds this at 75 characters, which is more than 75 octets.
    let value = "ü".repeat(100);
    let generated = text("SUMMARY", &value).generate();
    assert!(generated.split("\r\n").any(|l| l.len() > LINE_OCTETS));
    let refolded = refold(&generated);
    assert_well_formed(&refolded);
    assert_eq!(unfold(&refolded), format!("SUMMARY:{value}\r\n"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_text_folds_within_limits_and_reads_back(value in "\\PC{0,300}|[ ,;\\\\\n\r\té€😀a]{0,300}") {
        let text = calendar_with(vec![text("DESCRIPTION", &value)]);
        assert_well_formed(&text);
        // Read back as a strict reader would: unfold, find the line, unescape.
        let unfolded = unfold(&text);
        let line = unfolded
            .split("\r\n")
            .find(|l| l.starts_with("DESCRIPTION:"))
            .unwrap();
        prop_assert_eq!(unescape(&line["DESCRIPTION:".len()..]), expected(&value));
        // And the ical parser still sees one event with its UID.
        let cal = parse_one(&text);
        prop_assert_eq!(cal.events.len(), 1);
    }

    #[test]
    fn folding_then_unfolding_is_the_identity(line in "[^\r\n]{0,400}") {
        let mut out = String::new();
        fold_into(&line, &mut out);
        for physical in out.trim_end_matches("\r\n").split("\r\n") {
            prop_assert!(physical.len() <= LINE_OCTETS);
        }
        prop_assert_eq!(unfold(&out), format!("{line}\r\n"));
    }
}
