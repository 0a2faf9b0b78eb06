//! Dates and times as people read them on a page or in an email: "Tuesday 8 December 2026",
//! "9:00 am EST".

use chrono::{DateTime, NaiveDate, Timelike, Utc};

use crate::types::TimeZone;

/// "Tuesday 8 December 2026".
pub fn day(date: NaiveDate) -> String {
    date.format("%A %-d %B %Y").to_string()
}

/// "9:00 am".
pub fn time(at: DateTime<Utc>, tz: TimeZone) -> String {
    let local = at.with_timezone(&tz.tz());
    let (pm, hour) = local.hour12();
    format!(
        "{hour}:{:02} {}",
        local.minute(),
        if pm { "pm" } else { "am" }
    )
}

/// The zone's abbreviation at that moment, e.g. "EST" (or an offset like "+0530" where the
/// zone has no abbreviation).
pub fn zone_abbreviation(at: DateTime<Utc>, tz: TimeZone) -> String {
    at.with_timezone(&tz.tz()).format("%Z").to_string()
}

/// "Tuesday 8 December 2026, 9:00 am EST".
pub fn full(at: DateTime<Utc>, tz: TimeZone) -> String {
    let local = at.with_timezone(&tz.tz());
    format!(
        "{}, {} {}",
        day(local.date_naive()),
        time(at, tz),
        zone_abbreviation(at, tz)
    )
}

/// "Tue 8 Dec, 9:00 am EST": short enough for a subject line.
pub fn short(at: DateTime<Utc>, tz: TimeZone) -> String {
    let local = at.with_timezone(&tz.tz());
    format!(
        "{}, {} {}",
        local.format("%a %-d %b"),
        time(at, tz),
        zone_abbreviation(at, tz)
    )
}

/// "Tuesday 8 December 2026, 9:00 am EST (America/New York)": the zone named in full too,
/// for an email read far from where it was written.
pub fn with_zone(at: DateTime<Utc>, tz: TimeZone) -> String {
    format!("{} ({})", full(at, tz), tz.name().replace('_', " "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tz(name: &str) -> TimeZone {
        TimeZone::parse(name).unwrap()
    }

    #[test]
    fn times_read_naturally_in_the_given_zone() {
        let at: DateTime<Utc> = "2026-12-08T14:05:00Z".parse().unwrap();
        assert_eq!(
            full(at, tz("America/New_York")),
            "Tuesday 8 December 2026, 9:05 am EST"
        );
        assert_eq!(time(at, tz("Europe/London")), "2:05 pm");
        assert_eq!(short(at, tz("America/New_York")), "Tue 8 Dec, 9:05 am EST");
        assert_eq!(
            with_zone(at, tz("America/New_York")),
            "Tuesday 8 December 2026, 9:05 am EST (America/New York)"
        );
        assert_eq!(
            time("2026-12-08T00:30:00Z".parse().unwrap(), tz("UTC")),
            "12:30 am"
        );
        // The Sunday clocks go forward, 9 am is an hour closer to UTC and named EDT; a
        // reminder a day earlier still reads in the zone of its own moment.
        assert_eq!(
            short(
                "2027-03-14T13:00:00Z".parse().unwrap(),
                tz("America/New_York")
            ),
            "Sun 14 Mar, 9:00 am EDT"
        );
        assert_eq!(
            short(
                "2027-03-13T14:00:00Z".parse().unwrap(),
                tz("America/New_York")
            ),
            "Sat 13 Mar, 9:00 am EST"
        );
    }
}
