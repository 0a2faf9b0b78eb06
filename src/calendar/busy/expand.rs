//! Busy series → busy intervals over a window, recurrences expanded with the `rrule` crate.
//!
//! Rules are expanded in each series' *local* time (the `rrule` crate carries it as if it
//! were UTC), and each occurrence is then placed in its zone: a weekly 09:00 stays at 09:00
//! across a change of daylight saving time, as calendar apps show it.

use std::collections::HashSet;

use chrono::{Duration, NaiveDateTime};

use super::{
    clocks::Clocks,
    parse::{Parsed, Series},
    rules::{Budget, local_occurrences},
};
use crate::scheduling::slots::Interval;

/// Occurrences taken from one series at most.
const MAX_OCCURRENCES: u16 = 5_000;

/// Busy intervals taken from one calendar at most.
pub const MAX_BLOCKS: usize = 20_000;

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
        let start = clocks.instant(&series.zone, local, budget);
        let end = if series.all_day {
            // A day is midnight to midnight in local time, however long that is.
            clocks.instant(&series.zone, local + length, budget)
        } else {
            start + length
        };
        let interval = Interval::new(start, end);
        if start < end && interval.overlaps(&window) {
            out.push(interval);
        }
    }
}
