//! A series of sessions: the same local time every one to four weeks, until a count or a
//! date, worked out as its occurrences. Pure: what is free, and booking them, is the caller's.
//!
//! The wall-clock time stays fixed across a change of the clocks, as a couple expects of
//! "Tuesdays at six": the instant moves by the hour instead. A local time the clocks skip
//! that day is read as the same wall time an hour on, as iCalendar reads it (RFC 5545
//! §3.3.5), so an `RRULE` in a client's calendar shows the same sessions.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};

use crate::types::{Gap, TimeZone};

/// Occurrences one series may have at most: a year of weekly sessions.
pub const MOST_OCCURRENCES: u32 = 52;

/// Weeks between sessions, at least and at most.
pub const EVERY_WEEKS: std::ops::RangeInclusive<u32> = 1..=4;

/// Where a series stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ends {
    /// After this many sessions, the first included.
    After(u32),
    /// With the last session on or before this local date.
    On(NaiveDate),
}

/// The shape of a series, as asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recurrence {
    /// The first session's start, as a wall-clock time in `tz`.
    pub first: NaiveDateTime,
    /// The first session's start as the instant asked for, when it was given as one: a time
    /// in the hour the clocks repeat would otherwise be read as its first occurrence.
    pub first_at: Option<DateTime<Utc>>,
    pub tz: TimeZone,
    pub every_weeks: u32,
    pub ends: Ends,
}

/// Why a series cannot be made, each naming the field at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecurrenceError {
    #[error("every_weeks must be from 1 to 4")]
    EveryWeeks,
    #[error("count must be from 1 to {MOST_OCCURRENCES}")]
    Count,
    #[error("until must be on or after the first session's date")]
    UntilBeforeFirst,
    #[error("until makes more than {MOST_OCCURRENCES} sessions; choose an earlier date")]
    UntilTooFar,
    #[error("first_start must be in the future")]
    FirstInPast,
}

impl RecurrenceError {
    /// The request field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            Self::EveryWeeks => "every_weeks",
            Self::Count => "count",
            Self::UntilBeforeFirst | Self::UntilTooFar => "until",
            Self::FirstInPast => "first_start",
        }
    }
}

impl Recurrence {
    /// A series whose first session starts at the instant `first`, its wall-clock time
    /// taken in `tz`.
    pub fn from_first(first: DateTime<Utc>, tz: TimeZone, every_weeks: u32, ends: Ends) -> Self {
        Self {
            first: first.with_timezone(&tz.tz()).naive_local(),
            first_at: Some(first),
            tz,
            every_weeks,
            ends,
        }
    }

    /// The local start of each session, in order, after checking the shape.
    pub fn local_starts(&self) -> Result<Vec<NaiveDateTime>, RecurrenceError> {
        if !EVERY_WEEKS.contains(&self.every_weeks) {
            return Err(RecurrenceError::EveryWeeks);
        }
        let step = Duration::weeks(i64::from(self.every_weeks));
        let nth = |n: u32| self.first + step * n as i32;
        match self.ends {
            Ends::After(count) => {
                if !(1..=MOST_OCCURRENCES).contains(&count) {
                    return Err(RecurrenceError::Count);
                }
                Ok((0..count).map(nth).collect())
            }
            Ends::On(until) => {
                if until < self.first.date() {
                    return Err(RecurrenceError::UntilBeforeFirst);
                }
                let starts: Vec<NaiveDateTime> = (0..=MOST_OCCURRENCES)
                    .map(nth)
                    .take_while(|start| start.date() <= until)
                    .collect();
                if starts.len() > MOST_OCCURRENCES as usize {
                    return Err(RecurrenceError::UntilTooFar);
                }
                Ok(starts)
            }
        }
    }

    /// The start of each session as an instant, in order.
    pub fn starts(&self) -> Result<Vec<DateTime<Utc>>, RecurrenceError> {
        Ok(self
            .local_starts()?
            .into_iter()
            .enumerate()
            .map(|(n, local)| match (n, self.first_at) {
                (0, Some(at)) => at,
                _ => self
                    .tz
                    .instant(local, Gap::HourOn)
                    .expect("only Gap::Refuse gives no instant"),
            })
            .collect())
    }
}

/// `at` moved by `shift` of wall-clock time in `tz`: a session moved "an hour later" stays
/// an hour later on the far side of a change of the clocks.
pub fn shifted(at: DateTime<Utc>, shift: Duration, tz: TimeZone) -> DateTime<Utc> {
    let local = at.with_timezone(&tz.tz()).naive_local() + shift;
    tz.instant(local, Gap::HourOn)
        .expect("only Gap::Refuse gives no instant")
}

/// The wall-clock time between `from` and `to` in `tz`.
pub fn wall_shift(from: DateTime<Utc>, to: DateTime<Utc>, tz: TimeZone) -> Duration {
    let local = |at: DateTime<Utc>| at.with_timezone(&tz.tz()).naive_local();
    local(to) - local(from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(name: &str) -> TimeZone {
        TimeZone::parse(name).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn weekly(first: &str, tz: &str, ends: Ends) -> Vec<String> {
        Recurrence::from_first(utc(first), zone(tz), 1, ends)
            .starts()
            .unwrap()
            .iter()
            .map(|s| s.format("%Y-%m-%dT%H:%MZ").to_string())
            .collect()
    }

    #[test]
    fn the_wall_clock_time_stays_when_new_york_springs_forward() {
        // Sunday 7 March 2027, 10:00 EST; the clocks go forward on 14 March.
        assert_eq!(
            weekly("2027-03-07T15:00:00Z", "America/New_York", Ends::After(3)),
            [
                "2027-03-07T15:00Z",
                "2027-03-14T14:00Z",
                "2027-03-21T14:00Z"
            ]
        );
    }

    #[test]
    fn the_wall_clock_time_stays_both_ways_in_london() {
        // Sunday 21 March 2027, 09:00 GMT; BST from 28 March.
        assert_eq!(
            weekly("2027-03-21T09:00:00Z", "Europe/London", Ends::After(2)),
            ["2027-03-21T09:00Z", "2027-03-28T08:00Z"]
        );
        // Sunday 24 October 2027, 09:00 BST; GMT again from 31 October.
        assert_eq!(
            weekly(
                "2027-10-24T08:00:00Z",
                "Europe/London",
                Ends::On(NaiveDate::from_ymd_opt(2027, 11, 7).unwrap())
            ),
            [
                "2027-10-24T08:00Z",
                "2027-10-31T09:00Z",
                "2027-11-07T09:00Z"
            ]
        );
    }

    #[test]
    fn a_time_the_clocks_skip_is_read_an_hour_on() {
        // Sundays at 02:30 in New York: 14 March 2027 has no 02:30, so 03:30 EDT.
        let r = Recurrence {
            first: NaiveDate::from_ymd_opt(2027, 3, 7)
                .unwrap()
                .and_hms_opt(2, 30, 0)
                .unwrap(),
            first_at: None,
            tz: zone("America/New_York"),
            every_weeks: 1,
            ends: Ends::After(2),
        };
        assert_eq!(
            r.starts().unwrap(),
            [utc("2027-03-07T07:30:00Z"), utc("2027-03-14T07:30:00Z")]
        );
    }

    #[test]
    fn a_first_session_in_the_repeated_hour_keeps_the_instant_asked_for() {
        // 7 November 2027, New York: 01:30 happens twice; staff chose the second (EST).
        assert_eq!(
            weekly("2027-11-07T06:30:00Z", "America/New_York", Ends::After(2)),
            ["2027-11-07T06:30Z", "2027-11-14T06:30Z"]
        );
    }

    #[test]
    fn a_shift_keeps_its_wall_clock_length_across_the_change() {
        let ny = zone("America/New_York");
        // Tuesday 9 March 2027 10:00 EST moved to 11:00 EST: one hour of wall time.
        let shift = wall_shift(utc("2027-03-09T15:00:00Z"), utc("2027-03-09T16:00:00Z"), ny);
        assert_eq!(shift, Duration::hours(1));
        // The next Tuesday, after the change, 10:00 EDT becomes 11:00 EDT.
        assert_eq!(
            shifted(utc("2027-03-16T14:00:00Z"), shift, ny),
            utc("2027-03-16T15:00:00Z")
        );
    }

    #[test]
    fn every_other_week_until_a_date_includes_that_date() {
        let r = Recurrence::from_first(
            utc("2026-12-08T14:00:00Z"),
            TimeZone::UTC,
            2,
            Ends::On(NaiveDate::from_ymd_opt(2027, 1, 5).unwrap()),
        );
        assert_eq!(
            r.starts().unwrap(),
            [
                utc("2026-12-08T14:00:00Z"),
                utc("2026-12-22T14:00:00Z"),
                utc("2027-01-05T14:00:00Z")
            ]
        );
    }

    #[test]
    fn a_shape_out_of_bounds_names_its_field() {
        let first = utc("2026-12-08T14:00:00Z");
        let make = |every, ends| Recurrence::from_first(first, TimeZone::UTC, every, ends);
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        for (r, field) in [
            (make(0, Ends::After(3)), "every_weeks"),
            (make(5, Ends::After(3)), "every_weeks"),
            (make(1, Ends::After(0)), "count"),
            (make(1, Ends::After(MOST_OCCURRENCES + 1)), "count"),
            (make(1, Ends::On(date(2026, 12, 7))), "until"),
            (make(1, Ends::On(date(2028, 1, 1))), "until"),
        ] {
            assert_eq!(r.starts().unwrap_err().field(), field, "{r:?}");
        }
        assert_eq!(
            make(1, Ends::After(MOST_OCCURRENCES))
                .starts()
                .unwrap()
                .len(),
            52
        );
        // A year of weekly sessions fits an until a year on.
        assert_eq!(
            make(1, Ends::On(date(2027, 11, 30)))
                .starts()
                .unwrap()
                .len(),
            52
        );
    }
}
