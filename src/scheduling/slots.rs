//! The slot engine: which start times are free. Pure: plain values in, instants out, no
//! database and no clock of its own, so every rule here is tested directly.
//!
//! Weekly hours are wall-clock times in the practitioner's zone. They are turned into
//! instants one local date at a time, so a Tuesday 09:00 is 09:00 on both sides of a DST
//! change. On the days the clocks change, a local time that does not exist (02:30 on a
//! spring-forward night in New York) is skipped as a slot start, and one that happens twice
//! (01:30 on a fall-back night) is taken at its first occurrence.

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

use crate::types::Gap;

/// `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Interval {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Interval {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Self { start, end }
    }

    pub fn overlaps(&self, other: &Interval) -> bool {
        self.start < other.end && other.start < self.end
    }

    pub fn contains(&self, other: &Interval) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// Open on `weekday` from `start` to `end` (local times, `start < end`), optionally only
/// between two dates (inclusive).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeeklyRule {
    pub weekday: Weekday,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
}

/// Different hours on one date: these windows instead of the weekly ones (none: closed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateOverride {
    pub date: NaiveDate,
    pub windows: Vec<(NaiveTime, NaiveTime)>,
}

/// One practitioner's hours and what already fills them.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub tz: Tz,
    pub rules: Vec<WeeklyRule>,
    pub overrides: Vec<DateOverride>,
    /// Appointments (widened by their buffers), time off, imported busy times. Any order,
    /// overlaps allowed.
    pub busy: Vec<Interval>,
}

/// How an appointment type books.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotRules {
    pub duration: Duration,
    pub buffer_before: Duration,
    pub buffer_after: Duration,
    /// Starts are this far apart, counted from the start of each window.
    pub step: Duration,
    /// The earliest start is this long after now.
    pub min_notice: Duration,
    /// The latest start is this long after now.
    pub horizon: Duration,
}

impl SlotRules {
    /// The time an appointment starting at `start` keeps from others: itself and its buffers.
    pub fn blocked(&self, start: DateTime<Utc>) -> Interval {
        Interval::new(
            start - self.buffer_before,
            start + self.duration + self.buffer_after,
        )
    }
}

/// Why a start time cannot be booked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    InPast,
    BeforeNotice,
    BeyondHorizon,
    /// Not one of the offered start times within the practitioner's hours.
    OutsideHours,
    /// It would overlap another appointment, time off, or a busy time.
    Taken,
}

impl Rejection {
    /// Its name in problem answers and series previews.
    pub fn name(self) -> &'static str {
        match self {
            Rejection::InPast => "in_past",
            Rejection::BeforeNotice => "before_notice",
            Rejection::BeyondHorizon => "beyond_horizon",
            Rejection::OutsideHours => "outside_hours",
            Rejection::Taken => "slot_taken",
        }
    }
}

/// The free start times in `[from, to)`, earliest first, each with its end.
pub fn free_slots(
    schedule: &Schedule,
    rules: &SlotRules,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<Interval> {
    let earliest = from.max(now + rules.min_notice);
    let latest = (now + rules.horizon).min(to - Duration::nanoseconds(1));
    if earliest > latest || rules.step <= Duration::zero() || rules.duration <= Duration::zero() {
        return Vec::new();
    }
    let busy = merged(&schedule.busy);
    let mut slots = Vec::new();
    for window in windows(schedule, earliest, latest) {
        for start in candidates(schedule.tz, &window, rules.step) {
            if start < earliest || start > latest {
                continue;
            }
            let blocked = rules.blocked(start);
            if window.span.contains(&blocked) && !overlaps_any(&busy, &blocked) {
                slots.push(Interval::new(start, start + rules.duration));
            }
        }
    }
    slots.sort();
    slots.dedup();
    slots
}

/// Whether `start` can be booked, and if not, the first reason in the order a client would
/// want to hear it.
pub fn check(
    schedule: &Schedule,
    rules: &SlotRules,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), Rejection> {
    if start < now {
        return Err(Rejection::InPast);
    }
    if start < now + rules.min_notice {
        return Err(Rejection::BeforeNotice);
    }
    if start > now + rules.horizon {
        return Err(Rejection::BeyondHorizon);
    }
    let blocked = rules.blocked(start);
    let offered = windows(schedule, start, start).into_iter().any(|window| {
        window.span.contains(&blocked)
            && candidates(schedule.tz, &window, rules.step).any(|c| c == start)
    });
    if !offered {
        return Err(Rejection::OutsideHours);
    }
    if overlaps_any(&merged(&schedule.busy), &blocked) {
        return Err(Rejection::Taken);
    }
    Ok(())
}

/// Whether an appointment starting at `start` fits, buffers included, inside the opening
/// hours (at any minute, not only on the step grid). Staff bookings inside the hours use
/// this; the online offer uses [`check`].
pub fn fits_hours(schedule: &Schedule, rules: &SlotRules, start: DateTime<Utc>) -> bool {
    let blocked = rules.blocked(start);
    windows(schedule, blocked.start, blocked.end)
        .iter()
        .any(|w| w.span.contains(&blocked))
}

/// Whether `interval` overlaps anything busy in `schedule`.
pub fn collides(schedule: &Schedule, interval: &Interval) -> bool {
    schedule.busy.iter().any(|b| b.overlaps(interval))
}

/// One window of opening hours on one local date.
struct Window {
    date: NaiveDate,
    start: NaiveTime,
    end: NaiveTime,
    /// The same window as instants.
    span: Interval,
}

/// Every window on the local dates that can hold a start between `from` and `to`.
/// The opening hours on a local date, in order and merged: the date's override if it has
/// one, else the weekly rules that apply that day.
pub fn hours_on(schedule: &Schedule, date: NaiveDate) -> Vec<(NaiveTime, NaiveTime)> {
    let times: Vec<(NaiveTime, NaiveTime)> =
        match schedule.overrides.iter().find(|o| o.date == date) {
            Some(over) => over.windows.clone(),
            None => schedule
                .rules
                .iter()
                .filter(|r| r.weekday == date.weekday())
                .filter(|r| r.valid_from.is_none_or(|f| f <= date))
                .filter(|r| r.valid_until.is_none_or(|u| date <= u))
                .map(|r| (r.start, r.end))
                .collect(),
        };
    merge_touching(times)
}

fn windows(schedule: &Schedule, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Window> {
    let tz = schedule.tz;
    // A day either side: a window on the local date before can reach past midnight UTC.
    let first = from
        .with_timezone(&tz)
        .date_naive()
        .pred_opt()
        .unwrap_or(NaiveDate::MIN);
    let last = to
        .with_timezone(&tz)
        .date_naive()
        .succ_opt()
        .unwrap_or(NaiveDate::MAX);
    // A window edge must exist: one inside a DST gap moves to its end, a repeated one is its
    // first occurrence.
    let boundary = |tz: Tz, local| {
        crate::types::TimeZone::from(tz)
            .instant(local, Gap::EndOfGap)
            .expect("only Gap::Refuse gives no instant")
    };
    let mut out = Vec::new();
    for date in first.iter_days().take_while(|d| *d <= last) {
        for (start, end) in hours_on(schedule, date) {
            let span = Interval::new(
                boundary(tz, date.and_time(start)),
                boundary(tz, date.and_time(end)),
            );
            if span.start < span.end {
                out.push(Window {
                    date,
                    start,
                    end,
                    span,
                });
            }
        }
    }
    out
}

/// Windows of one date sorted, with those that touch or overlap joined: 09–12 and 12–17 are
/// one stretch a session may run through.
fn merge_touching(mut times: Vec<(NaiveTime, NaiveTime)>) -> Vec<(NaiveTime, NaiveTime)> {
    times.retain(|(start, end)| start < end);
    times.sort();
    let mut merged: Vec<(NaiveTime, NaiveTime)> = Vec::with_capacity(times.len());
    for (start, end) in times {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// Start instants of a window, `step` apart in wall-clock time from its start.
fn candidates(tz: Tz, window: &Window, step: Duration) -> impl Iterator<Item = DateTime<Utc>> + '_ {
    let end = window.date.and_time(window.end);
    std::iter::successors(Some(window.date.and_time(window.start)), move |t| {
        Some(*t + step)
    })
    .take_while(move |t| *t < end)
    .filter_map(move |t| match tz.from_local_datetime(&t) {
        LocalResult::Single(at) => Some(at.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
        LocalResult::None => None,
    })
}

/// Sorted, non-overlapping intervals covering the same time.
fn merged(intervals: &[Interval]) -> Vec<Interval> {
    let mut sorted: Vec<Interval> = intervals
        .iter()
        .filter(|i| i.start < i.end)
        .copied()
        .collect();
    sorted.sort();
    let mut out: Vec<Interval> = Vec::with_capacity(sorted.len());
    for i in sorted {
        match out.last_mut() {
            Some(last) if i.start <= last.end => last.end = last.end.max(i.end),
            _ => out.push(i),
        }
    }
    out
}

/// `busy` must come from [`merged`]: sorted and disjoint, so ends are sorted too.
fn overlaps_any(busy: &[Interval], candidate: &Interval) -> bool {
    let first_ending_after = busy.partition_point(|b| b.end <= candidate.start);
    busy.get(first_ending_after)
        .is_some_and(|b| b.start < candidate.end)
}

#[cfg(test)]
mod tests;
