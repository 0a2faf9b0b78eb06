use chrono::{Duration, TimeZone, Utc};
use ical::{IcalParser, parser::ical::component::IcalEvent as ParsedEvent};

use super::*;

fn event(status: EventStatus) -> EventInfo {
    let start = Utc.with_ymd_and_hms(2026, 12, 7, 15, 0, 0).unwrap();
    EventInfo {
        uid: uid(Uuid::nil(), "book.example.org"),
        summary: "Couples session — J. D. & M. D.".into(),
        starts_at: start,
        ends_at: start + Duration::minutes(50),
        created_at: start - Duration::days(3),
        modified_at: start - Duration::days(1),
        sequence: 2,
        status,
        location: Some("12 Main St, Suite 3; Springfield".into()),
        description: Some("https://book.example.org/admin/appointments/x".into()),
        url: None,
    }
}

fn parse(text: &str) -> ical::parser::ical::component::IcalCalendar {
    IcalParser::new(text.as_bytes())
        .next()
        .expect("a calendar")
        .expect("it parses")
}

fn value<'a>(props: &'a [ical::property::Property], name: &str) -> Option<&'a str> {
    props
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.as_deref())
}

fn event_value<'a>(e: &'a ParsedEvent, name: &str) -> &'a str {
    value(&e.properties, name).unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn a_feed_has_every_calendar_property_and_utc_events() {
    let text = feed(
        &FeedInfo {
            name: "Riverbend Counseling — Emily DiPalma",
            time_zone: "America/New_York",
        },
        &[event(EventStatus::Confirmed)],
    );
    assert!(text.contains("REFRESH-INTERVAL;VALUE=DURATION:PT15M\r\n"));
    let cal = parse(&text);
    let props = &cal.properties;
    assert_eq!(value(props, "VERSION"), Some("2.0"));
    assert!(value(props, "PRODID").unwrap().starts_with("-//Attune//"));
    assert_eq!(value(props, "CALSCALE"), Some("GREGORIAN"));
    assert_eq!(value(props, "METHOD"), Some("PUBLISH"));
    assert_eq!(
        value(props, "X-WR-CALNAME"),
        Some("Riverbend Counseling — Emily DiPalma")
    );
    assert_eq!(value(props, "X-WR-TIMEZONE"), Some("America/New_York"));
    assert_eq!(value(props, "X-PUBLISHED-TTL"), Some("PT15M"));
    assert_eq!(value(props, "REFRESH-INTERVAL"), Some("PT15M"));

    let e = &cal.events[0];
    assert_eq!(
        event_value(e, "UID"),
        "00000000-0000-0000-0000-000000000000@book.example.org"
    );
    assert_eq!(event_value(e, "DTSTART"), "20261207T150000Z");
    assert_eq!(event_value(e, "DTEND"), "20261207T155000Z");
    assert_eq!(event_value(e, "DTSTAMP"), "20261206T150000Z");
    assert_eq!(event_value(e, "CREATED"), "20261204T150000Z");
    assert_eq!(event_value(e, "LAST-MODIFIED"), "20261206T150000Z");
    assert_eq!(event_value(e, "SEQUENCE"), "2");
    assert_eq!(event_value(e, "STATUS"), "CONFIRMED");
    assert_eq!(event_value(e, "TRANSP"), "OPAQUE");
    assert_eq!(
        event_value(e, "LOCATION"),
        r"12 Main St\, Suite 3\; Springfield"
    );
    // No zone parameter anywhere: every time is UTC.
    assert!(!text.contains("TZID"));
}

#[test]
fn a_cancelled_event_says_so_and_is_free_time() {
    let text = feed(
        &FeedInfo {
            name: "x",
            time_zone: "UTC",
        },
        &[event(EventStatus::Cancelled)],
    );
    let cal = parse(&text);
    assert_eq!(event_value(&cal.events[0], "STATUS"), "CANCELLED");
    assert_eq!(event_value(&cal.events[0], "TRANSP"), "TRANSPARENT");
}

#[test]
fn an_empty_feed_is_still_a_valid_calendar() {
    let text = feed(
        &FeedInfo {
            name: "x",
            time_zone: "UTC",
        },
        &[],
    );
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    assert!(parse(&text).events.is_empty());
}

#[test]
fn an_invitation_names_organizer_and_attendees_and_a_cancel_withdraws_it() {
    let organizer = Person {
        name: "Riverbend Counseling, LLC".into(),
        email: "hello@example.org".into(),
    };
    let people = [
        Person {
            name: "Jane Doe".into(),
            email: "jane@example.org".into(),
        },
        Person {
            name: "Sam Roe".into(),
            email: "sam@example.org".into(),
        },
    ];
    let sent = Utc.with_ymd_and_hms(2026, 12, 1, 12, 30, 0).unwrap();
    let request = booking(
        Method::Request,
        &organizer,
        &people,
        &event(EventStatus::Confirmed),
        sent,
    );
    // An invitation is stamped when sent; the event's own dates stay.
    assert!(request.contains("DTSTAMP:20261201T123000Z\r\n"));
    assert!(request.contains("LAST-MODIFIED:20261206T150000Z\r\n"));
    assert!(request.contains("METHOD:REQUEST\r\n"));
    let unfolded = super::ics::unfold(&request);
    assert!(
        unfolded
            .contains("ORGANIZER;CN=\"Riverbend Counseling, LLC\":mailto:hello@example.org\r\n")
    );
    assert!(unfolded.contains(
        "ATTENDEE;CN=\"Jane Doe\";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE:mailto:jane@example.org\r\n"
    ));
    let cal = parse(&request);
    let attendees: Vec<_> = cal.events[0]
        .properties
        .iter()
        .filter(|p| p.name == "ATTENDEE")
        .collect();
    assert_eq!(attendees.len(), 2);

    let mut moved = event(EventStatus::Confirmed);
    moved.sequence = 3;
    let cancel = booking(Method::Cancel, &organizer, &people, &moved, sent);
    let cal = parse(&cancel);
    assert_eq!(value(&cal.properties, "METHOD"), Some("CANCEL"));
    assert_eq!(event_value(&cal.events[0], "STATUS"), "CANCELLED");
    assert_eq!(event_value(&cal.events[0], "SEQUENCE"), "3");
    assert_eq!(
        event_value(&cal.events[0], "UID"),
        event(EventStatus::Confirmed).uid
    );

    // A file to download lists no attendees: it goes to whoever holds the link.
    let publish = booking(
        Method::Publish,
        &organizer,
        &people,
        &event(EventStatus::Confirmed),
        sent,
    );
    assert!(
        publish.contains("DTSTAMP:20261206T150000Z\r\n"),
        "stable for a download"
    );
    assert!(!publish.contains("ATTENDEE"));
    assert!(!publish.contains("jane@example.org"));
    assert!(publish.contains("METHOD:PUBLISH\r\n"));
}

#[test]
fn a_large_feed_rendered_in_parallel_is_the_same_as_in_one_piece() {
    let many: Vec<EventInfo> = (0..(PARALLEL_FROM as i64 + 501))
        .map(|i| {
            let mut e = event(EventStatus::Confirmed);
            e.uid = uid(Uuid::from_u128(i as u128), "book.example.org");
            e.starts_at += Duration::hours(i);
            e.ends_at += Duration::hours(i);
            e
        })
        .collect();
    assert_eq!(events_text(&many), events_text_here(&many));
    let text = feed(
        &FeedInfo {
            name: "x",
            time_zone: "UTC",
        },
        &many,
    );
    let cal = parse(&text);
    assert_eq!(cal.events.len(), many.len());
    assert_eq!(
        value(&cal.events.last().unwrap().properties, "UID"),
        Some(many.last().unwrap().uid.as_str())
    );
}
