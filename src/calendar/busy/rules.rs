//! Walking one recurrence rule in local time, within a time budget: the bottom of the busy
//! import, used by the parser, the zone rules and the expansion alike.

use std::{str::FromStr, time::Instant};

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone as _};
use rrule::{Frequency, RRule, Unvalidated};

/// Dates a rule may produce, kept or not, before it is given up as too dense: a daily rule
/// from 1900 is 46,000; an hourly one from 1900 would be a million.
const MAX_STEPS: usize = 200_000;

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

/// The last instant zone changes are worked out to.
pub fn far_future() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2200, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or(NaiveDateTime::MAX)
}
