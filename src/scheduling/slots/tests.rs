use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

use super::*;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn t(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap()
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

const ALL_DAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

fn every_day(tz: Tz, start: &str, end: &str) -> Schedule {
    Schedule {
        tz,
        rules: ALL_DAYS
            .iter()
            .map(|w| WeeklyRule {
                weekday: *w,
                start: t(start),
                end: t(end),
                valid_from: None,
                valid_until: None,
            })
            .collect(),
        overrides: Vec::new(),
        busy: Vec::new(),
    }
}

fn rules(minutes: i64) -> SlotRules {
    SlotRules {
        duration: Duration::minutes(minutes),
        buffer_before: Duration::zero(),
        buffer_after: Duration::zero(),
        step: Duration::minutes(15),
        min_notice: Duration::zero(),
        horizon: Duration::days(400),
    }
}

/// A "now" well before every date used here.
fn long_ago() -> DateTime<Utc> {
    utc("2026-01-01T00:00:00Z")
}

fn starts(slots: &[Interval]) -> Vec<String> {
    slots
        .iter()
        .map(|s| s.start.format("%Y-%m-%dT%H:%MZ").to_string())
        .collect()
}

fn day(schedule: &Schedule, r: &SlotRules, from: &str, to: &str) -> Vec<Interval> {
    free_slots(schedule, r, utc(from), utc(to), long_ago())
}

#[test]
fn weekly_hours_follow_the_wall_clock_across_seasons() {
    let s = every_day(chrono_tz::America::New_York, "09:00", "10:00");
    let winter = day(
        &s,
        &rules(30),
        "2026-02-10T00:00:00Z",
        "2026-02-11T00:00:00Z",
    );
    assert_eq!(
        starts(&winter),
        [
            "2026-02-10T14:00Z",
            "2026-02-10T14:15Z",
            "2026-02-10T14:30Z"
        ]
    );
    let summer = day(
        &s,
        &rules(30),
        "2026-07-10T00:00:00Z",
        "2026-07-11T00:00:00Z",
    );
    assert_eq!(
        starts(&summer),
        [
            "2026-07-10T13:00Z",
            "2026-07-10T13:15Z",
            "2026-07-10T13:30Z"
        ]
    );
    assert_eq!(summer[0].end, utc("2026-07-10T13:30:00Z"));
}

#[test]
fn a_slot_and_its_buffers_must_fit_inside_the_window() {
    let s = every_day(chrono_tz::UTC, "09:00", "17:00");
    let mut r = rules(50);
    r.buffer_after = Duration::minutes(10);
    let slots = day(&s, &r, "2026-02-10T00:00:00Z", "2026-02-11T00:00:00Z");
    assert_eq!(slots.first().unwrap().start, utc("2026-02-10T09:00:00Z"));
    assert_eq!(slots.last().unwrap().start, utc("2026-02-10T16:00:00Z"));
    assert_eq!(slots.len(), 29);

    r.buffer_before = Duration::minutes(15);
    let slots = day(&s, &r, "2026-02-10T00:00:00Z", "2026-02-11T00:00:00Z");
    assert_eq!(slots.first().unwrap().start, utc("2026-02-10T09:15:00Z"));
}

#[test]
fn busy_time_and_its_neighbours_are_not_offered_but_adjacent_starts_are() {
    let mut s = every_day(chrono_tz::UTC, "09:00", "12:00");
    s.busy = vec![
        Interval::new(utc("2026-02-10T10:00:00Z"), utc("2026-02-10T11:00:00Z")),
        // Overlapping busy times are merged.
        Interval::new(utc("2026-02-10T10:30:00Z"), utc("2026-02-10T11:10:00Z")),
    ];
    let mut r = rules(30);
    r.buffer_after = Duration::minutes(5);
    let slots = day(&s, &r, "2026-02-10T00:00:00Z", "2026-02-11T00:00:00Z");
    assert_eq!(
        starts(&slots),
        [
            "2026-02-10T09:00Z",
            "2026-02-10T09:15Z",
            // 09:30 would run with its buffer to 10:05.
            "2026-02-10T11:15Z",
        ]
    );
}

#[test]
fn minimum_notice_and_horizon_bound_the_offer() {
    let s = every_day(chrono_tz::UTC, "09:00", "17:00");
    let mut r = rules(60);
    r.min_notice = Duration::hours(12);
    r.horizon = Duration::days(2);
    let now = utc("2026-02-10T08:00:00Z");
    let slots = free_slots(
        &s,
        &r,
        utc("2026-02-09T00:00:00Z"),
        utc("2026-02-20T00:00:00Z"),
        now,
    );
    assert_eq!(slots.first().unwrap().start, utc("2026-02-11T09:00:00Z"));
    // Two days ahead is Thursday 08:00, before Thursday's hours: Wednesday 16:00 is the last.
    assert_eq!(slots.last().unwrap().start, utc("2026-02-11T16:00:00Z"));
    assert!(slots.iter().all(|s| s.start <= now + Duration::days(2)));
    assert!(slots.iter().all(|s| s.start >= now + Duration::hours(12)));
}

#[test]
fn an_override_replaces_a_days_hours_or_closes_it() {
    let mut s = every_day(chrono_tz::UTC, "09:00", "10:00");
    s.overrides = vec![
        DateOverride {
            date: d("2026-02-10"),
            windows: vec![(t("14:00"), t("14:30"))],
        },
        DateOverride {
            date: d("2026-02-11"),
            windows: vec![],
        },
    ];
    let r = rules(30);
    assert_eq!(
        starts(&day(&s, &r, "2026-02-10T00:00:00Z", "2026-02-11T00:00:00Z")),
        ["2026-02-10T14:00Z"]
    );
    assert!(day(&s, &r, "2026-02-11T00:00:00Z", "2026-02-12T00:00:00Z").is_empty());
    assert_eq!(
        day(&s, &r, "2026-02-12T00:00:00Z", "2026-02-13T00:00:00Z").len(),
        3
    );
}

#[test]
fn rules_apply_only_within_their_dates() {
    let mut s = every_day(chrono_tz::UTC, "09:00", "10:00");
    for rule in &mut s.rules {
        rule.valid_from = Some(d("2026-02-11"));
        rule.valid_until = Some(d("2026-02-12"));
    }
    let slots = day(
        &s,
        &rules(60),
        "2026-02-09T00:00:00Z",
        "2026-02-15T00:00:00Z",
    );
    assert_eq!(starts(&slots), ["2026-02-11T09:00Z", "2026-02-12T09:00Z"]);
}

#[test]
fn several_windows_on_one_day_each_step_from_their_own_start() {
    let mut s = every_day(chrono_tz::UTC, "09:00", "09:30");
    s.rules.push(WeeklyRule {
        weekday: Weekday::Tue,
        start: t("13:10"),
        end: t("13:40"),
        valid_from: None,
        valid_until: None,
    });
    let slots = day(
        &s,
        &rules(15),
        "2026-02-10T00:00:00Z",
        "2026-02-11T00:00:00Z",
    );
    assert_eq!(
        starts(&slots),
        [
            "2026-02-10T09:00Z",
            "2026-02-10T09:15Z",
            "2026-02-10T13:10Z",
            "2026-02-10T13:25Z"
        ]
    );
}

#[test]
fn touching_windows_join_so_a_session_can_run_through_them() {
    let mut s = every_day(chrono_tz::UTC, "09:00", "12:00");
    s.rules.push(WeeklyRule {
        weekday: Weekday::Tue,
        start: t("12:00"),
        end: t("17:00"),
        valid_from: None,
        valid_until: None,
    });
    let mut r = rules(50);
    r.step = Duration::minutes(30);
    let slots = day(&s, &r, "2026-02-10T00:00:00Z", "2026-02-11T00:00:00Z");
    let starts = starts(&slots);
    assert!(
        starts.contains(&"2026-02-10T11:30Z".to_owned()),
        "{starts:?}"
    );
    assert_eq!(starts.last().map(String::as_str), Some("2026-02-10T16:00Z"));
    assert_eq!(
        check(&s, &r, utc("2026-02-10T11:30:00Z"), long_ago()),
        Ok(())
    );
}

// --- The days the clocks change -----------------------------------------------------------

#[test]
fn new_york_spring_forward_skips_the_missing_hour() {
    // 2026-03-08: 02:00 EST jumps to 03:00 EDT.
    let s = every_day(chrono_tz::America::New_York, "00:00", "04:00");
    let slots = day(
        &s,
        &rules(15),
        "2026-03-08T04:00:00Z",
        "2026-03-08T10:00:00Z",
    );
    assert_eq!(
        starts(&slots),
        [
            "2026-03-08T05:00Z",
            "2026-03-08T05:15Z",
            "2026-03-08T05:30Z",
            "2026-03-08T05:45Z",
            "2026-03-08T06:00Z",
            "2026-03-08T06:15Z",
            "2026-03-08T06:30Z",
            "2026-03-08T06:45Z",
            // 02:00–02:45 local do not exist; 03:00 EDT is 07:00Z.
            "2026-03-08T07:00Z",
            "2026-03-08T07:15Z",
            "2026-03-08T07:30Z",
            "2026-03-08T07:45Z",
        ]
    );
}

#[test]
fn new_york_fall_back_takes_the_first_of_the_repeated_hour() {
    // 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:00–01:59 happens twice.
    let s = every_day(chrono_tz::America::New_York, "00:00", "04:00");
    let slots = day(
        &s,
        &rules(15),
        "2026-11-01T03:00:00Z",
        "2026-11-01T10:00:00Z",
    );
    let got = starts(&slots);
    assert_eq!(got.len(), 16);
    assert_eq!(
        &got[..4],
        [
            "2026-11-01T04:00Z",
            "2026-11-01T04:15Z",
            "2026-11-01T04:30Z",
            "2026-11-01T04:45Z"
        ]
    );
    // 01:00 first occurrence (EDT) is 05:00Z; the second (EST, 06:00Z) is not offered.
    assert_eq!(
        &got[4..8],
        [
            "2026-11-01T05:00Z",
            "2026-11-01T05:15Z",
            "2026-11-01T05:30Z",
            "2026-11-01T05:45Z"
        ]
    );
    assert!(!got.iter().any(|s| s.starts_with("2026-11-01T06:")));
    assert_eq!(&got[8..10], ["2026-11-01T07:00Z", "2026-11-01T07:15Z"]);
    assert_eq!(got.last().unwrap(), "2026-11-01T08:45Z");
}

#[test]
fn london_spring_forward_and_fall_back() {
    // 2026-03-29: 01:00 GMT jumps to 02:00 BST.
    let s = every_day(chrono_tz::Europe::London, "00:30", "02:30");
    let mut r = rules(30);
    r.step = Duration::minutes(30);
    let spring = day(&s, &r, "2026-03-28T23:00:00Z", "2026-03-29T06:00:00Z");
    // 00:30 GMT, then 01:00 and 01:30 do not exist, then 02:00 BST (01:00Z); 02:30 is the end.
    assert_eq!(starts(&spring), ["2026-03-29T00:30Z", "2026-03-29T01:00Z"]);

    // 2026-10-25: 02:00 BST falls back to 01:00 GMT.
    let fall = day(&s, &r, "2026-10-24T22:00:00Z", "2026-10-25T06:00:00Z");
    // 00:30 BST (23:30Z), 01:00 and 01:30 at their first occurrence (BST), then 02:00 GMT.
    assert_eq!(
        starts(&fall),
        [
            "2026-10-24T23:30Z",
            "2026-10-25T00:00Z",
            "2026-10-25T00:30Z",
            "2026-10-25T02:00Z"
        ]
    );
}

#[test]
fn a_range_across_a_dst_change_keeps_local_hours_on_both_sides() {
    let s = every_day(chrono_tz::America::New_York, "09:00", "09:30");
    // From Saturday noon UTC to Monday noon UTC, across the spring-forward night.
    let slots = day(
        &s,
        &rules(30),
        "2026-03-07T12:00:00Z",
        "2026-03-09T14:00:00Z",
    );
    assert_eq!(
        starts(&slots),
        [
            "2026-03-07T14:00Z",
            "2026-03-08T13:00Z",
            "2026-03-09T13:00Z"
        ]
    );
    // A 24-hour range that ends before Monday 09:00 local holds only Sunday's.
    let slots = day(
        &s,
        &rules(30),
        "2026-03-08T05:00:00Z",
        "2026-03-09T05:00:00Z",
    );
    assert_eq!(starts(&slots), ["2026-03-08T13:00Z"]);
}

#[test]
fn ranges_across_new_york_fall_back_keep_local_hours() {
    let s = every_day(chrono_tz::America::New_York, "09:00", "09:30");
    // 2026-11-01: 02:00 EDT falls back to 01:00 EST.
    let slots = day(
        &s,
        &rules(30),
        "2026-10-31T12:00:00Z",
        "2026-11-02T15:00:00Z",
    );
    assert_eq!(
        starts(&slots),
        [
            "2026-10-31T13:00Z",
            "2026-11-01T14:00Z",
            "2026-11-02T14:00Z"
        ]
    );
    // Exactly 24 hours from midnight EDT: a day of 25 local hours, one session.
    let slots = day(
        &s,
        &rules(30),
        "2026-11-01T04:00:00Z",
        "2026-11-02T04:00:00Z",
    );
    assert_eq!(starts(&slots), ["2026-11-01T14:00Z"]);
}

#[test]
fn ranges_across_either_london_change_keep_local_hours() {
    let s = every_day(chrono_tz::Europe::London, "09:00", "09:30");
    // 2026-03-29: 01:00 GMT jumps to 02:00 BST.
    let spring = day(
        &s,
        &rules(30),
        "2026-03-28T00:00:00Z",
        "2026-03-30T12:00:00Z",
    );
    assert_eq!(
        starts(&spring),
        [
            "2026-03-28T09:00Z",
            "2026-03-29T08:00Z",
            "2026-03-30T08:00Z"
        ]
    );
    // 2026-10-25: 02:00 BST falls back to 01:00 GMT.
    let autumn = day(
        &s,
        &rules(30),
        "2026-10-24T00:00:00Z",
        "2026-10-26T12:00:00Z",
    );
    assert_eq!(
        starts(&autumn),
        [
            "2026-10-24T08:00Z",
            "2026-10-25T09:00Z",
            "2026-10-26T09:00Z"
        ]
    );
    // A 24-hour range over each change holds that day's session only.
    let one = day(
        &s,
        &rules(30),
        "2026-03-29T00:00:00Z",
        "2026-03-30T00:00:00Z",
    );
    assert_eq!(starts(&one), ["2026-03-29T08:00Z"]);
    let one = day(
        &s,
        &rules(30),
        "2026-10-25T00:00:00Z",
        "2026-10-26T00:00:00Z",
    );
    assert_eq!(starts(&one), ["2026-10-25T09:00Z"]);
}

#[test]
fn a_window_edge_inside_the_gap_moves_to_the_end_of_the_gap() {
    // Hours starting at 02:30 on the spring-forward night begin at 03:00 EDT instead.
    let s = every_day(chrono_tz::America::New_York, "02:30", "04:00");
    let slots = day(
        &s,
        &rules(30),
        "2026-03-08T00:00:00Z",
        "2026-03-09T00:00:00Z",
    );
    // Candidates step from 02:30 local: 02:30 and 02:45 are skipped; 03:00 EDT is 07:00Z.
    assert_eq!(
        starts(&slots),
        [
            "2026-03-08T07:00Z",
            "2026-03-08T07:15Z",
            "2026-03-08T07:30Z"
        ]
    );
}

// --- Checking one requested start -----------------------------------------------------------

#[test]
fn a_requested_start_is_refused_for_the_first_reason_that_applies() {
    let mut s = every_day(chrono_tz::UTC, "09:00", "17:00");
    s.busy = vec![Interval::new(
        utc("2026-02-12T10:00:00Z"),
        utc("2026-02-12T11:00:00Z"),
    )];
    let mut r = rules(60);
    r.min_notice = Duration::hours(12);
    r.horizon = Duration::days(30);
    let now = utc("2026-02-10T08:00:00Z");
    let check_at = |at: &str| check(&s, &r, utc(at), now);
    assert_eq!(check_at("2026-02-09T09:00:00Z"), Err(Rejection::InPast));
    assert_eq!(
        check_at("2026-02-10T10:00:00Z"),
        Err(Rejection::BeforeNotice)
    );
    assert_eq!(
        check_at("2026-04-01T09:00:00Z"),
        Err(Rejection::BeyondHorizon)
    );
    assert_eq!(
        check_at("2026-02-12T07:00:00Z"),
        Err(Rejection::OutsideHours)
    );
    assert_eq!(
        check_at("2026-02-12T16:30:00Z"),
        Err(Rejection::OutsideHours)
    );
    assert_eq!(
        check_at("2026-02-12T09:10:00Z"),
        Err(Rejection::OutsideHours),
        "off the step grid"
    );
    assert_eq!(check_at("2026-02-12T10:30:00Z"), Err(Rejection::Taken));
    assert_eq!(
        check_at("2026-02-12T09:30:00Z"),
        Err(Rejection::Taken),
        "runs into the busy hour"
    );
    assert_eq!(check_at("2026-02-12T11:00:00Z"), Ok(()));
    assert_eq!(check_at("2026-02-12T09:00:00Z"), Ok(()));
}

#[test]
fn every_free_slot_passes_the_check() {
    let mut s = every_day(chrono_tz::America::New_York, "08:00", "18:00");
    s.busy = vec![Interval::new(
        utc("2026-03-09T15:00:00Z"),
        utc("2026-03-09T17:20:00Z"),
    )];
    let mut r = rules(50);
    r.buffer_after = Duration::minutes(10);
    let now = utc("2026-03-01T00:00:00Z");
    let slots = free_slots(
        &s,
        &r,
        utc("2026-03-06T00:00:00Z"),
        utc("2026-03-12T00:00:00Z"),
        now,
    );
    assert!(slots.len() > 100);
    for slot in slots {
        assert_eq!(check(&s, &r, slot.start, now), Ok(()), "{slot:?}");
    }
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    fn zone() -> impl Strategy<Value = Tz> {
        prop_oneof![
            Just(chrono_tz::UTC),
            Just(chrono_tz::America::New_York),
            Just(chrono_tz::Europe::London),
            Just(chrono_tz::Australia::Lord_Howe),
            Just(chrono_tz::Asia::Kolkata),
        ]
    }

    fn rule() -> impl Strategy<Value = WeeklyRule> {
        (0usize..7, 0u32..(24 * 4), 1u32..(12 * 4)).prop_map(|(day, start, len)| {
            let start_min = start * 15;
            let end_min = (start_min + len * 15).min(24 * 60 - 1);
            WeeklyRule {
                weekday: ALL_DAYS[day],
                start: NaiveTime::from_num_seconds_from_midnight_opt(start_min * 60, 0).unwrap(),
                end: NaiveTime::from_num_seconds_from_midnight_opt(end_min * 60, 0).unwrap(),
                valid_from: None,
                valid_until: None,
            }
        })
    }

    /// A rule valid only from or until a date in the first fortnight of March 2026.
    fn dated_rule() -> impl Strategy<Value = WeeklyRule> {
        (
            rule(),
            prop::option::of(0u64..14),
            prop::option::of(0u64..14),
        )
            .prop_map(|(mut r, from, until)| {
                let base = d("2026-03-01");
                r.valid_from = from.map(|n| base + chrono::Days::new(n));
                r.valid_until = until.map(|n| base + chrono::Days::new(n));
                r
            })
    }

    /// Other hours (or none) on a date in the first fortnight of March 2026.
    fn date_override() -> impl Strategy<Value = DateOverride> {
        (0u64..14, prop::collection::vec((0u32..96, 1u32..24), 0..3)).prop_map(|(n, spans)| {
            DateOverride {
                date: d("2026-03-01") + chrono::Days::new(n),
                windows: spans
                    .into_iter()
                    .map(|(start, len)| {
                        let start_min = start * 15;
                        let end_min = (start_min + len * 15).min(24 * 60 - 1);
                        (
                            NaiveTime::from_num_seconds_from_midnight_opt(start_min * 60, 0)
                                .unwrap(),
                            NaiveTime::from_num_seconds_from_midnight_opt(end_min * 60, 0).unwrap(),
                        )
                    })
                    .collect(),
            }
        })
    }

    fn busy(base: DateTime<Utc>) -> impl Strategy<Value = Interval> {
        (0i64..(14 * 24 * 60), 1i64..(6 * 60)).prop_map(move |(offset, len)| {
            let start = base + Duration::minutes(offset);
            Interval::new(start, start + Duration::minutes(len))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn no_slot_overlaps_busy_time_or_leaves_the_hours(
            tz in zone(),
            rules_in in prop::collection::vec(rule(), 1..6),
            busy_in in prop::collection::vec(busy(utc("2026-03-01T00:00:00Z")), 0..30),
            duration in 15i64..120,
            before in 0i64..30,
            after in 0i64..30,
            step in prop_oneof![Just(5i64), Just(15), Just(30), Just(60)],
            notice in 0i64..(3 * 24 * 60),
        ) {
            let s = Schedule { tz, rules: rules_in, overrides: Vec::new(), busy: busy_in };
            let r = SlotRules {
                duration: Duration::minutes(duration),
                buffer_before: Duration::minutes(before),
                buffer_after: Duration::minutes(after),
                step: Duration::minutes(step),
                min_notice: Duration::minutes(notice),
                horizon: Duration::days(10),
            };
            let now = utc("2026-03-02T00:00:00Z");
            let from = utc("2026-03-01T00:00:00Z");
            let to = utc("2026-03-15T00:00:00Z");
            let slots = free_slots(&s, &r, from, to, now);
            let all_windows = windows(&s, from, to);
            for slot in &slots {
                let blocked = r.blocked(slot.start);
                prop_assert!(!s.busy.iter().any(|b| b.overlaps(&blocked)), "{slot:?} overlaps busy time");
                prop_assert!(all_windows.iter().any(|w| w.span.contains(&blocked)), "{slot:?} leaves the hours");
                prop_assert!(slot.start >= now + r.min_notice && slot.start <= now + r.horizon);
                prop_assert!(slot.start >= from && slot.start < to);
                prop_assert_eq!(slot.end - slot.start, r.duration);
            }
            prop_assert!(slots.windows(2).all(|w| w[0].start < w[1].start), "sorted and distinct");
        }

        #[test]
        fn the_offer_and_the_check_agree_on_every_start(
            tz in zone(),
            rules_in in prop::collection::vec(dated_rule(), 1..6),
            overrides in prop::collection::vec(date_override(), 0..4),
            busy_in in prop::collection::vec(busy(utc("2026-03-01T00:00:00Z")), 0..20),
            duration in 15i64..120,
            step in prop_oneof![Just(15i64), Just(30), Just(60)],
            probes in prop::collection::vec(0i64..(13 * 24 * 60), 40),
        ) {
            let s = Schedule { tz, rules: rules_in, overrides, busy: busy_in };
            let r = SlotRules {
                duration: Duration::minutes(duration),
                buffer_before: Duration::zero(),
                buffer_after: Duration::minutes(10),
                step: Duration::minutes(step),
                min_notice: Duration::hours(2),
                horizon: Duration::days(10),
            };
            let now = utc("2026-03-02T00:00:00Z");
            let from = utc("2026-03-01T00:00:00Z");
            let to = utc("2026-03-14T00:00:00Z");
            let slots = free_slots(&s, &r, from, to, now);
            for slot in &slots {
                prop_assert_eq!(check(&s, &r, slot.start, now), Ok(()), "{:?} offered but refused", slot);
            }
            // Any minute, on the grid or off it: accepted exactly when offered.
            let offered: std::collections::HashSet<_> = slots.iter().map(|s| s.start).collect();
            for minutes in probes {
                let start = from + Duration::minutes(minutes);
                prop_assert_eq!(
                    check(&s, &r, start, now).is_ok(),
                    offered.contains(&start),
                    "{} disagrees", start
                );
            }
        }
    }
}
