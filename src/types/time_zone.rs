use std::{fmt, str::FromStr};

use chrono::{
    DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset as _, TimeZone as _, Utc,
};

/// What a local time the clocks skip (spring forward) or repeat (fall back) means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gap {
    /// A skipped time is the first instant after the gap; a repeated one, its first
    /// occurrence. For the edges of a day or an opening window, which must exist.
    EndOfGap,
    /// A skipped time is read with the UTC offset in force before the gap, as iCalendar
    /// reads it (RFC 5545 §3.3.5): the same wall time the gap's length on, an hour almost
    /// everywhere; a repeated one, its first occurrence.
    HourOn,
    /// Neither is an instant: a person typed it, and guessing would book the wrong hour.
    Refuse,
}

/// An IANA time zone such as `America/New_York`, known to the bundled tz database.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    pub const UTC: TimeZone = TimeZone(chrono_tz::UTC);

    /// Zone names are matched exactly as the tz database spells them (`Europe/London`, not
    /// `europe/london`), so the name stored is the name a calendar app will recognise.
    pub fn parse(input: &str) -> Result<Self, String> {
        let name = input.trim();
        if name.is_empty() {
            return Err("must not be empty".into());
        }
        chrono_tz::Tz::from_str(name)
            .map(Self)
            .map_err(|_| format!("{name:?} is not an IANA time zone name like Europe/London"))
    }

    pub fn tz(self) -> chrono_tz::Tz {
        self.0
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// The local time `local` in this zone as an instant, reading a skipped or repeated time
    /// by `gap`; `None` only when `gap` refuses it.
    pub fn instant(self, local: NaiveDateTime, gap: Gap) -> Option<DateTime<Utc>> {
        let utc = |at: DateTime<chrono_tz::Tz>| at.with_timezone(&Utc);
        match (self.0.from_local_datetime(&local), gap) {
            (LocalResult::Single(at), _) => Some(utc(at)),
            (LocalResult::Ambiguous(..), Gap::Refuse) | (LocalResult::None, Gap::Refuse) => None,
            (LocalResult::Ambiguous(first, _), _) => Some(utc(first)),
            (LocalResult::None, Gap::HourOn) => self.end_of_gap(local).map(|after| {
                let before = (after - Duration::seconds(1))
                    .with_timezone(&self.0)
                    .offset()
                    .fix();
                let offset = Duration::seconds(before.local_minus_utc().into());
                Utc.from_utc_datetime(&(local - offset))
            }),
            (LocalResult::None, Gap::EndOfGap) => self.end_of_gap(local).map(utc),
        }
        // No zone skips a whole day; should one ever, read the time as UTC.
        .or_else(|| (gap != Gap::Refuse).then(|| Utc.from_utc_datetime(&local)))
    }

    /// The first instant after the gap that swallows `local`.
    fn end_of_gap(self, local: NaiveDateTime) -> Option<DateTime<chrono_tz::Tz>> {
        (1..=24 * 60).find_map(|m| {
            self.0
                .from_local_datetime(&(local + Duration::minutes(m)))
                .earliest()
        })
    }

    /// The first instant of `date` here: midnight, or the end of a gap that swallows it.
    pub fn start_of(self, date: NaiveDate) -> DateTime<Utc> {
        let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
        self.instant(midnight, Gap::EndOfGap)
            .expect("only Gap::Refuse gives no instant")
    }
}

impl From<chrono_tz::Tz> for TimeZone {
    fn from(tz: chrono_tz::Tz) -> Self {
        Self(tz)
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, NaiveDateTime};

    use super::{Gap, TimeZone};

    fn at(zone: &str, local: &str, gap: Gap) -> Option<String> {
        let local = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
        TimeZone::parse(zone)
            .unwrap()
            .instant(local, gap)
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
    }

    #[test]
    fn a_plain_time_is_the_same_instant_whatever_the_gap_rule() {
        for gap in [Gap::EndOfGap, Gap::HourOn, Gap::Refuse] {
            assert_eq!(
                at("America/New_York", "2027-03-13 10:00", gap).as_deref(),
                Some("2027-03-13 15:00")
            );
            assert_eq!(
                at("America/New_York", "2027-03-15 10:00", gap).as_deref(),
                Some("2027-03-15 14:00")
            );
        }
    }

    #[test]
    fn a_skipped_time_on_spring_forward_day_follows_its_rule() {
        // New York skips 02:00–03:00 on 14 March 2027; London 01:00–02:00 on 28 March.
        let ny = |gap| at("America/New_York", "2027-03-14 02:30", gap);
        assert_eq!(ny(Gap::EndOfGap).as_deref(), Some("2027-03-14 07:00"));
        assert_eq!(ny(Gap::HourOn).as_deref(), Some("2027-03-14 07:30"));
        assert_eq!(ny(Gap::Refuse), None);
        let london = |gap| at("Europe/London", "2027-03-28 01:15", gap);
        assert_eq!(london(Gap::EndOfGap).as_deref(), Some("2027-03-28 01:00"));
        assert_eq!(london(Gap::HourOn).as_deref(), Some("2027-03-28 01:15"));
        assert_eq!(london(Gap::Refuse), None);
        // Lord Howe Island moves half an hour (+10:30 to +11:00) at 02:00 on 4 October 2026:
        // 02:15 is read at +10:30, which is 02:45 on the clocks.
        let lord_howe = |gap| at("Australia/Lord_Howe", "2026-10-04 02:15", gap);
        assert_eq!(lord_howe(Gap::Refuse), None);
        assert_eq!(lord_howe(Gap::HourOn).as_deref(), Some("2026-10-03 15:45"));
    }

    #[test]
    fn a_repeated_time_on_fall_back_day_is_its_first_occurrence_unless_refused() {
        // New York repeats 01:00–02:00 on 7 November 2027: first as EDT (UTC−4).
        for gap in [Gap::EndOfGap, Gap::HourOn] {
            assert_eq!(
                at("America/New_York", "2027-11-07 01:30", gap).as_deref(),
                Some("2027-11-07 05:30")
            );
        }
        assert_eq!(
            at("America/New_York", "2027-11-07 01:30", Gap::Refuse),
            None
        );
    }

    #[test]
    fn a_day_starts_at_midnight_or_where_a_gap_swallowing_midnight_ends() {
        let day = |zone: &str, date: &str| {
            TimeZone::parse(zone)
                .unwrap()
                .start_of(NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        };
        assert_eq!(day("America/New_York", "2027-03-14"), "2027-03-14 05:00");
        assert_eq!(day("America/New_York", "2027-11-07"), "2027-11-07 04:00");
        // Santiago's clocks jump from 00:00 to 01:00 on 6 September 2026: the day starts at 01:00.
        let santiago = TimeZone::parse("America/Santiago").unwrap();
        let first = santiago.start_of(NaiveDate::from_ymd_opt(2026, 9, 6).unwrap());
        assert_eq!(
            first
                .with_timezone(&santiago.tz())
                .format("%H:%M")
                .to_string(),
            "01:00"
        );
    }

    #[test]
    fn iana_names_are_accepted() {
        for name in [
            "UTC",
            "America/New_York",
            "Europe/London",
            "Australia/Lord_Howe",
        ] {
            assert_eq!(TimeZone::parse(name).unwrap().name(), name);
        }
    }

    #[test]
    fn unknown_or_miscased_names_are_refused() {
        for bad in [
            "",
            "Mars/Olympus_Mons",
            "EST5EDT6",
            "europe/london",
            "+02:00",
        ] {
            assert!(TimeZone::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
