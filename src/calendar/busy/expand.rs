//! Busy series → busy intervals over a window, recurrences expanded with the `rrule` crate.
//!
//! Rules are expanded in each series' *local* time (the `rrule` crate carries it as if it
//! were UTC), and each occurrence is then placed in its zone: a weekly 09:00 stays at 09:00
//! across a change of daylight saving time, as calendar apps show it.

use std::{collections::HashSet, str::FromStr};

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone as _, Utc};
use rrule::{Frequency, RRule, Unvalidated};

use super::{
    parse::{Parsed, Series},
    zones::{Transitions, Zone},
};
use crate::scheduling::slots::Interval;

/// Occurrences taken from one series at most.
const MAX_OCCURRENCES: u16 = 5_000;

/// Busy intervals taken from one calendar at most.
pub const MAX_BLOCKS: usize = 20_000;

fn carrier(local: NaiveDateTime) -> DateTime<rrule::Tz> {
    rrule::Tz::UTC.from_utc_datetime(&local)
}

/// The starts of a rule from `start`, between `from` and `to` inclusive, all in local time.
pub fn local_occurrences(
    rule: &str,
    start: NaiveDateTime,
    from: NaiveDateTime,
    to: NaiveDateTime,
    limit: u16,
) -> Result<Vec<NaiveDateTime>, String> {
    let rule = RRule::<Unvalidated>::from_str(rule).map_err(|e| e.to_string())?;
    // One start a second or a minute is no calendar a person keeps, and would take long to
    // walk through from an old start.
    if matches!(rule.get_freq(), Frequency::Secondly | Frequency::Minutely) {
        return Err("recurrence more often than hourly".into());
    }
    let set = rule.build(carrier(start)).map_err(|e| e.to_string())?;
    Ok(set
        .after(carrier(from))
        .before(carrier(to))
        .all(limit)
        .dates
        .into_iter()
        .map(|d| d.naive_utc())
        .collect())
}

/// A local time in `zone` as an instant. A time skipped by a change of clocks is read as
/// the same wall time an hour on; one that happens twice, at its first occurrence.
pub fn to_utc(zone: &Zone, local: NaiveDateTime) -> DateTime<Utc> {
    match zone {
        Zone::Iana(name) => {
            let tz = chrono_tz::Tz::from_str(name).unwrap_or(chrono_tz::UTC);
            tz.from_local_datetime(&local)
                .earliest()
                .or_else(|| {
                    tz.from_local_datetime(&(local + Duration::hours(1)))
                        .earliest()
                })
                .map_or_else(
                    || Utc.from_utc_datetime(&local),
                    |at| at.with_timezone(&Utc),
                )
        }
        Zone::Rules(rules) => {
            let transitions = rules.transitions(local, local);
            Utc.from_utc_datetime(&(local - Duration::seconds(transitions.offset_at(local).into())))
        }
    }
}

/// An instant as a local time in `zone`.
pub fn to_local(zone: &Zone, at: DateTime<Utc>) -> NaiveDateTime {
    match zone {
        Zone::Iana(name) => {
            let tz = chrono_tz::Tz::from_str(name).unwrap_or(chrono_tz::UTC);
            at.with_timezone(&tz).naive_local()
        }
        Zone::Rules(rules) => {
            let guess = at.naive_utc();
            let transitions =
                rules.transitions(guess - Duration::days(1), guess + Duration::days(1));
            // The offset in force at the local time the first guess lands on.
            let first = guess + Duration::seconds(transitions.offset_at(guess).into());
            guess + Duration::seconds(transitions.offset_at(first).into())
        }
    }
}

/// Places local times of one zone, reusing a custom zone's transitions for the window.
enum Placer {
    Iana(chrono_tz::Tz),
    Rules(Transitions),
}

impl Placer {
    fn new(zone: &Zone, from: NaiveDateTime, to: NaiveDateTime) -> Self {
        match zone {
            Zone::Iana(name) => {
                Placer::Iana(chrono_tz::Tz::from_str(name).unwrap_or(chrono_tz::UTC))
            }
            Zone::Rules(rules) => Placer::Rules(rules.transitions(from, to)),
        }
    }

    fn place(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self {
            Placer::Iana(tz) => to_utc(&Zone::Iana(tz.name().to_owned()), local),
            Placer::Rules(t) => {
                Utc.from_utc_datetime(&(local - Duration::seconds(t.offset_at(local).into())))
            }
        }
    }
}

/// The busy intervals of a parsed calendar that reach into `window`, earliest first.
pub fn intervals(parsed: &Parsed, window: Interval) -> Vec<Interval> {
    let mut out = Vec::new();
    for series in &parsed.series {
        expand_series(series, window, &mut out);
        if out.len() >= MAX_BLOCKS {
            out.truncate(MAX_BLOCKS);
            break;
        }
    }
    out.sort();
    out.dedup();
    out
}

fn expand_series(series: &Series, window: Interval, out: &mut Vec<Interval>) {
    let length = if series.all_day {
        Duration::days(series.length)
    } else {
        Duration::seconds(series.length)
    };
    // Local times are within a day of UTC; the margins also catch an occurrence that
    // started before the window and still runs in it.
    let from = window.start.naive_utc() - length - Duration::days(2);
    let to = window.end.naive_utc() + Duration::days(2);
    let placer = Placer::new(&series.zone, from, to + length);
    let starts = match &series.rrule {
        Some(rule) => {
            local_occurrences(rule, series.start, from, to, MAX_OCCURRENCES).unwrap_or_default()
        }
        None => vec![series.start],
    };
    let excluded: HashSet<NaiveDateTime> = series.exdates.iter().copied().collect();
    for local in starts {
        if excluded.contains(&local) {
            continue;
        }
        let start = placer.place(local);
        let end = if series.all_day {
            // A day is midnight to midnight in local time, however long that is.
            placer.place(local + length)
        } else {
            start + length
        };
        let interval = Interval::new(start, end);
        if start < end && interval.overlaps(&window) {
            out.push(interval);
        }
    }
}
