//! Busy import from real-shaped files: what each kind of event blocks, and what a hostile
//! file cannot do.

use chrono::{DateTime, Utc};

use super::{expand, parse, rules};
use crate::scheduling::slots::Interval;

const NEW_YORK: chrono_tz::Tz = chrono_tz::America::New_York;

fn budget() -> rules::Budget {
    rules::Budget::new(std::time::Duration::from_secs(10))
}

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/ics/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn window(from: &str, to: &str) -> Interval {
    Interval::new(utc(from), utc(to))
}

/// December 2026 and January 2027, as a booking horizon would cover them.
fn winter() -> Interval {
    window("2026-12-07T00:00:00Z", "2027-02-01T00:00:00Z")
}

fn spans(intervals: &[Interval]) -> Vec<(String, String)> {
    intervals
        .iter()
        .map(|i| {
            (
                i.start.format("%Y-%m-%dT%H:%MZ").to_string(),
                i.end.format("%Y-%m-%dT%H:%MZ").to_string(),
            )
        })
        .collect()
}

fn busy(name: &str, within: Interval) -> (Vec<(String, String)>, parse::Parsed) {
    busy_at_home(name, within, NEW_YORK)
}

/// As read for a practitioner in `home`.
fn busy_at_home(
    name: &str,
    within: Interval,
    home: chrono_tz::Tz,
) -> (Vec<(String, String)>, parse::Parsed) {
    let parsed = parse::parse(&fixture(name), home, &budget()).expect("the fixture parses");
    (
        spans(&expand::intervals(&parsed, within, home, &budget()).unwrap()),
        parsed,
    )
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_owned(), b.to_owned())
}

#[test]
fn all_day_events_block_whole_local_days_and_free_ones_nothing() {
    let (got, parsed) = busy("all-day.ics", winter());
    assert_eq!(
        got,
        [
            pair("2026-12-09T05:00Z", "2026-12-10T05:00Z"),
            pair("2026-12-14T05:00Z", "2026-12-16T05:00Z"),
            pair("2026-12-18T05:00Z", "2026-12-19T05:00Z"),
        ]
    );
    assert_eq!((parsed.skipped, parsed.unknown_zones), (0, 0));
}

#[test]
fn a_weekly_series_honours_exdate_moved_and_cancelled_occurrences() {
    let (got, parsed) = busy("recurring.ics", winter());
    assert_eq!(
        got,
        [
            // The daily series with COUNT=3, its alarm ignored.
            pair("2026-12-07T20:00Z", "2026-12-07T20:30Z"),
            pair("2026-12-08T20:00Z", "2026-12-08T20:30Z"),
            // 8 December moved to Wednesday 16:00 EST.
            pair("2026-12-09T20:00Z", "2026-12-09T20:30Z"),
            pair("2026-12-09T21:00Z", "2026-12-09T22:00Z"),
            // 15 December excluded, 22 December cancelled; then every Tuesday to UNTIL.
            pair("2026-12-29T18:00Z", "2026-12-29T19:00Z"),
            pair("2027-01-05T18:00Z", "2027-01-05T19:00Z"),
            pair("2027-01-12T18:00Z", "2027-01-12T19:00Z"),
            pair("2027-01-19T18:00Z", "2027-01-19T19:00Z"),
            pair("2027-01-26T18:00Z", "2027-01-26T19:00Z"),
        ]
    );
    assert_eq!(parsed.skipped, 0);
}

#[test]
fn a_series_keeps_its_wall_clock_time_across_a_dst_change() {
    // The Tuesday 13:00 New York series over the change of 14 March 2027: 18:00Z, then 17:00Z.
    let text = fixture("recurring.ics").replace("UNTIL=20270130T045959Z", "UNTIL=20270331T000000Z");
    let parsed = parse::parse(&text, NEW_YORK, &budget()).unwrap();
    let got = spans(
        &expand::intervals(
            &parsed,
            window("2027-03-01T00:00:00Z", "2027-03-20T00:00:00Z"),
            NEW_YORK,
            &budget(),
        )
        .unwrap(),
    );
    assert_eq!(
        got,
        [
            pair("2027-03-02T18:00Z", "2027-03-02T19:00Z"),
            pair("2027-03-09T18:00Z", "2027-03-09T19:00Z"),
            pair("2027-03-16T17:00Z", "2027-03-16T18:00Z"),
        ]
    );
}

#[test]
fn outlook_zones_are_read_from_their_vtimezone_or_windows_name() {
    // A practitioner in London, so a zone read wrongly as hers would show.
    let (got, parsed) = busy_at_home("outlook-zones.ics", winter(), chrono_tz::Europe::London);
    assert_eq!(
        got,
        [
            // "Customized Time Zone", defined only by its VTIMEZONE: US Eastern rules.
            pair("2026-12-08T15:00Z", "2026-12-08T16:30Z"),
            // "W. Europe Standard Time": Berlin.
            pair("2026-12-10T08:00Z", "2026-12-10T09:00Z"),
            // An unknown zone falls back to the practitioner's, and is counted.
            pair("2026-12-11T09:00Z", "2026-12-11T10:00Z"),
        ]
    );
    assert_eq!(parsed.unknown_zones, 1);
    // The custom zone's summer rule: 10:00 is UTC-4 in July.
    let summer = spans(
        &expand::intervals(
            &parsed,
            window("2026-07-01T00:00:00Z", "2026-07-31T00:00:00Z"),
            chrono_tz::Europe::London,
            &budget(),
        )
        .unwrap(),
    );
    assert_eq!(summer, [pair("2026-07-07T14:00Z", "2026-07-07T15:00Z")]);
}

#[test]
fn floating_times_are_in_the_practitioners_zone() {
    let (got, _) = busy("floating.ics", winter());
    assert_eq!(got, [pair("2026-12-08T20:00Z", "2026-12-08T21:30Z")]);
    let london = parse::parse(
        &fixture("floating.ics"),
        chrono_tz::Europe::London,
        &budget(),
    )
    .unwrap();
    assert_eq!(
        spans(&expand::intervals(&london, winter(), chrono_tz::Europe::London, &budget()).unwrap()),
        [pair("2026-12-08T15:00Z", "2026-12-08T16:30Z")]
    );
}

#[test]
fn all_day_and_floating_times_follow_the_practitioner_when_her_zone_changes() {
    // Read while she was in New York, expanded after she moved to London.
    let text = fixture("all-day.ics");
    let parsed = parse::parse(&text, NEW_YORK, &budget()).unwrap();
    let london = chrono_tz::Europe::London;
    let got = spans(&expand::intervals(&parsed, winter(), london, &budget()).unwrap());
    assert_eq!(got[0], pair("2026-12-09T00:00Z", "2026-12-10T00:00Z"));
    let floating = parse::parse(&fixture("floating.ics"), NEW_YORK, &budget()).unwrap();
    let got = spans(&expand::intervals(&floating, winter(), london, &budget()).unwrap());
    assert_eq!(got, [pair("2026-12-08T15:00Z", "2026-12-08T16:30Z")]);
    // Times with a zone of their own do not move.
    let fixed = parse::parse(&fixture("recurring.ics"), NEW_YORK, &budget()).unwrap();
    let got = spans(&expand::intervals(&fixed, winter(), london, &budget()).unwrap());
    assert!(got.contains(&pair("2026-12-29T18:00Z", "2026-12-29T19:00Z")));
}

#[test]
fn bad_events_are_skipped_and_counted_and_the_good_ones_kept() {
    let (got, parsed) = busy("bad-dates.ics", winter());
    assert_eq!(got, [pair("2026-12-08T18:00Z", "2026-12-08T19:00Z")]);
    assert_eq!(parsed.skipped, 5);
}

#[test]
fn a_file_that_is_not_a_calendar_is_refused_with_a_reason() {
    let err = parse::parse(&fixture("not-a-calendar.html"), NEW_YORK, &budget()).unwrap_err();
    assert!(err.contains("not an iCalendar file"), "{err}");
    let err = parse::parse(&fixture("broken.ics"), NEW_YORK, &budget()).unwrap_err();
    assert!(err.contains("not valid iCalendar"), "{err}");
    assert!(parse::parse("", NEW_YORK, &budget()).is_err());
    // The reason never repeats the file's content.
    assert!(!err.contains("unfinished"));
}

#[test]
fn hostile_files_cost_nothing_but_their_own_import() {
    // A line of four million characters.
    let huge = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nSUMMARY:{}\r\n\
         DTSTART:20261208T180000Z\r\nDTEND:20261208T190000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        "A".repeat(4_000_000)
    );
    let parsed = parse::parse(&huge, NEW_YORK, &budget()).unwrap();
    assert_eq!(parsed.series.len(), 1);

    // Components nested ten thousand deep.
    let mut deep = String::from("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n");
    deep.push_str(&"BEGIN:VALARM\r\n".repeat(10_000));
    deep.push_str(&"END:VALARM\r\n".repeat(10_000));
    deep.push_str("END:VEVENT\r\nEND:VCALENDAR\r\n");
    assert!(parse::parse(&deep, NEW_YORK, &budget()).is_err());

    // A rule every minute since 1970, and one that never ends.
    let rules = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:m\r\nDTSTART:19700101T000000Z\r\n\
                 DTEND:19700101T000100Z\r\nRRULE:FREQ=MINUTELY\r\nEND:VEVENT\r\n\
                 BEGIN:VEVENT\r\nUID:d\r\nDTSTART:19700101T090000Z\r\nDTEND:19700101T100000Z\r\n\
                 RRULE:FREQ=DAILY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let parsed = parse::parse(rules, NEW_YORK, &budget()).unwrap();
    assert_eq!(parsed.skipped, 1, "the minutely rule is refused");
    let daily = expand::intervals(&parsed, winter(), NEW_YORK, &budget()).unwrap();
    assert_eq!(daily.len(), 56, "the daily one, only over the window");

    // Thousands of starts a day from every second listed, and an hourly rule from 1900:
    // refused, or given up after a bounded walk, never walked through to today.
    let seconds: Vec<String> = (0..60).map(|n| n.to_string()).collect();
    let dense = format!(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:s\r\nDTSTART:19000101T000000Z\r\n\
         DTEND:19000101T000001Z\r\nRRULE:FREQ=HOURLY;BYMINUTE={0};BYSECOND={0}\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:h\r\nDTSTART:19000101T000000Z\r\nDTEND:19000101T003000Z\r\n\
         RRULE:FREQ=HOURLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        seconds.join(",")
    );
    let parsed = parse::parse(&dense, NEW_YORK, &budget()).unwrap();
    assert_eq!(parsed.skipped, 1, "the per-second rule is refused at once");
    let blocks = expand::intervals(&parsed, winter(), NEW_YORK, &budget()).unwrap();
    assert!(blocks.is_empty(), "the hourly rule from 1900 is given up");

    // A spent budget stops the work with a reason.
    let spent = rules::Budget::new(std::time::Duration::ZERO);
    let err = parse::parse(&fixture("recurring.ics"), NEW_YORK, &spent).unwrap_err();
    assert!(err.contains("too long"), "{err}");

    // More events than are read from one file.
    let mut many = String::from("BEGIN:VCALENDAR\r\n");
    for i in 0..(parse::MAX_EVENTS + 500) {
        many.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:{i}\r\nDTSTART:20261208T180000Z\r\nDTEND:20261208T190000Z\r\nEND:VEVENT\r\n"
        ));
    }
    many.push_str("END:VCALENDAR\r\n");
    let parsed = parse::parse(&many, NEW_YORK, &budget()).unwrap();
    assert_eq!(parsed.series.len(), parse::MAX_EVENTS);
    assert_eq!(parsed.skipped, 500);
}

#[test]
fn a_parse_survives_being_stored_and_read_back() {
    let parsed = parse::parse(&fixture("outlook-zones.ics"), NEW_YORK, &budget()).unwrap();
    let json = serde_json::to_value(&parsed).unwrap();
    let back: parse::Parsed = serde_json::from_value(json).unwrap();
    assert_eq!(back, parsed);
}
