//! Busy series → busy intervals over a window, recurrences expanded with the `rrule` crate.
//!
//! Rules are expanded in each series' *local* time (the `rrule` crate carries it as if it
//! were UTC), and each occurrence is then placed in its zone: a weekly 09:00 stays at 09:00
//! across a change of daylight saving time, as calendar apps show it.

use std::{collections::HashSet, str::FromStr, time::Instant};

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone as _, Utc};
use rrule::{Frequency, RRule, Unvalidated};

use super::{
    parse::{Parsed, Series},
    zones::{Transitions, Zone, ZoneRules},
};
use crate::{scheduling::slots::Interval, types::Gap};

/// Occurrences taken from one series at most.
const MAX_OCCURRENCES: u16 = 5_000;

/// Dates a rule may produce, kept or not, before it is given up as too dense: a daily rule
/// from 1900 is 46,000; an hourly one from 1900 would be a million.
const MAX_STEPS: usize = 200_000;

/// Busy intervals taken from one calendar at most.
pub const MAX_BLOCKS: usize = 20_000;

/// The time reading one calendar may take, all rules together. A file is data from anywhere;
/// past this it is refused, and the last good copy stays.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    deadline: Instant,
}

impl Budget {
    pub fn new(allowed: std::time::Duration) -> Self {
        Self {
            deadline: Instant::now() + allowed,
        }
    }

    pub fn check(&self) -> Result<(), String> {
        if Instant::now() >= self.deadline {
            Err("the file takes too long to read (too many or too dense repeating events)".into())
        } else {
            Ok(())
        }
    }
}

fn carrier(local: NaiveDateTime) -> DateTime<rrule::Tz> {
    rrule::Tz::UTC.from_utc_datetime(&local)
}

/// The starts of a rule from `start`, between `from` and `to` inclusive, all in local time:
/// at most `limit` of them, and an error if the rule is too dense to walk through.
pub fn local_occurrences(
    rule: &str,
    start: NaiveDateTime,
    from: NaiveDateTime,
    to: NaiveDateTime,
    limit: usize,
    budget: &Budget,
) -> Result<Vec<NaiveDateTime>, String> {
    let parsed = RRule::<Unvalidated>::from_str(rule).map_err(|e| e.to_string())?;
    // One start a second or a minute is no calendar a person keeps, and would take long to
    // walk through from an old start.
    if matches!(parsed.get_freq(), Frequency::Secondly | Frequency::Minutely) {
        return Err("recurrence more often than hourly".into());
    }
    // Lists of hours, minutes and seconds multiply into that many starts a day.
    let listed = |key: &str| {
        rule.split(';')
            .filter_map(|part| part.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(key))
            .map_or(1, |(_, v)| v.split(',').count())
    };
    if listed("BYHOUR") * listed("BYMINUTE") * listed("BYSECOND") > 48 {
        return Err("too many starts a day".into());
    }
    let set = parsed.build(carrier(start)).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for (step, date) in (&set).into_iter().enumerate() {
        if step >= MAX_STEPS {
            return Err("recurrence too dense to expand".into());
        }
        if step % 1024 == 1023 {
            budget.check()?;
        }
        let local = date.naive_utc();
        if local > to {
            break;
        }
        if local >= from {
            out.push(local);
            if out.len() >= limit {
                break;
            }
        }
    }
    Ok(out)
}

/// Turns the local times of one calendar's zones into instants and back, working out each
/// custom zone's changes of offset once.
pub struct Clocks {
    /// The practitioner's zone: floating times and all-day events are hers.
    home: chrono_tz::Tz,
    custom: Vec<(ZoneRules, Transitions)>,
}

impl Clocks {
    pub fn new(home: chrono_tz::Tz) -> Self {
        Self {
            home,
            custom: Vec::new(),
        }
    }

    fn transitions(&mut self, rules: &ZoneRules, budget: &Budget) -> &Transitions {
        let index = match self.custom.iter().position(|(r, _)| r == rules) {
            Some(i) => i,
            None => {
                self.custom.push((rules.clone(), rules.transitions(budget)));
                self.custom.len() - 1
            }
        };
        &self.custom[index].1
    }

    fn iana(&self, zone: &Zone) -> Option<chrono_tz::Tz> {
        match zone {
            Zone::Iana(name) => Some(chrono_tz::Tz::from_str(name).unwrap_or(chrono_tz::UTC)),
            Zone::Home => Some(self.home),
            Zone::Rules(_) => None,
        }
    }

    /// A local time in `zone` as an instant. A time skipped by a change of clocks is read
    /// as the same wall time an hour on; one that happens twice, at its first occurrence.
    pub fn to_utc(&mut self, zone: &Zone, local: NaiveDateTime, budget: &Budget) -> DateTime<Utc> {
        match (self.iana(zone), zone) {
            (Some(tz), _) => crate::types::TimeZone::from(tz)
                .instant(local, Gap::HourOn)
                .expect("only Gap::Refuse gives no instant"),
            (None, Zone::Rules(rules)) => {
                let offset = self.transitions(rules, budget).offset_at(local);
                Utc.from_utc_datetime(&(local - Duration::seconds(offset.into())))
            }
            (None, _) => Utc.from_utc_datetime(&local),
        }
    }

    /// An instant as a local time in `zone`.
    pub fn to_local(&mut self, zone: &Zone, at: DateTime<Utc>, budget: &Budget) -> NaiveDateTime {
        match (self.iana(zone), zone) {
            (Some(tz), _) => at.with_timezone(&tz).naive_local(),
            (None, Zone::Rules(rules)) => {
                let transitions = self.transitions(rules, budget);
                let guess = at.naive_utc();
                // The offset in force at the local time the first guess lands on.
                let first = guess + Duration::seconds(transitions.offset_at(guess).into());
                guess + Duration::seconds(transitions.offset_at(first).into())
            }
            (None, _) => at.naive_utc(),
        }
    }
}

/// The busy intervals of a parsed calendar that reach into `window`, earliest first, for a
/// practitioner in `home`.
pub fn intervals(
    parsed: &Parsed,
    window: Interval,
    home: chrono_tz::Tz,
    budget: &Budget,
) -> Result<Vec<Interval>, String> {
    let mut clocks = Clocks::new(home);
    let mut out = Vec::new();
    for series in &parsed.series {
        budget.check()?;
        expand_series(series, window, &mut clocks, budget, &mut out);
        if out.len() >= MAX_BLOCKS {
            out.truncate(MAX_BLOCKS);
            break;
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn expand_series(
    series: &Series,
    window: Interval,
    clocks: &mut Clocks,
    budget: &Budget,
    out: &mut Vec<Interval>,
) {
    let length = if series.all_day {
        Duration::days(series.length)
    } else {
        Duration::seconds(series.length)
    };
    // Local times are within a day of UTC; the margins also catch an occurrence that
    // started before the window and still runs in it.
    let from = window.start.naive_utc() - length - Duration::days(2);
    let to = window.end.naive_utc() + Duration::days(2);
    let starts = match &series.rrule {
        // A rule that cannot be expanded blocks nothing; parsing already counted it.
        Some(rule) => {
            local_occurrences(rule, series.start, from, to, MAX_OCCURRENCES.into(), budget)
                .unwrap_or_default()
        }
        None => vec![series.start],
    };
    let excluded: HashSet<NaiveDateTime> = series.exdates.iter().copied().collect();
    for local in starts {
        if excluded.contains(&local) {
            continue;
        }
        let start = clocks.to_utc(&series.zone, local, budget);
        let end = if series.all_day {
            // A day is midnight to midnight in local time, however long that is.
            clocks.to_utc(&series.zone, local + length, budget)
        } else {
            start + length
        };
        let interval = Interval::new(start, end);
        if start < end && interval.overlaps(&window) {
            out.push(interval);
        }
    }
}

/// The last instant zone changes are worked out to.
pub fn far_future() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2200, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or(NaiveDateTime::MAX)
}
