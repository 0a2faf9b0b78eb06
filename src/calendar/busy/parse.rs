//! An outside calendar file → the busy series it holds: times, lengths and recurrence rules,
//! nothing else (no titles, places or people are kept).
//!
//! The file comes from anywhere, so nothing in it is trusted: a file that is not iCalendar
//! is refused as a whole with a reason; an event with a bad date or rule is skipped and
//! counted; sizes are bounded.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone as _, Utc};
use ical::{
    IcalParser,
    parser::ical::component::{IcalEvent, IcalTimeZone},
    property::Property,
};
use serde::{Deserialize, Serialize};

use super::{
    clocks::Clocks,
    rules::{self, Budget},
    zones::{self, Observance, Zone, ZoneRules},
};

/// Events read from one file at most; the rest are counted as skipped.
pub const MAX_EVENTS: usize = 20_000;

/// The longest single busy stretch taken from a file.
const MAX_LENGTH: Duration = Duration::days(400);

/// One event, or a recurring series of them, in its own zone's local time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    pub zone: Zone,
    /// Local time of the (first) start; midnight for an all-day event.
    pub start: NaiveDateTime,
    /// Blocks whole local days.
    pub all_day: bool,
    /// Seconds for a timed event, days for an all-day one.
    pub length: i64,
    /// The rule, with `UNTIL` rewritten in the same local time as `start`.
    pub rrule: Option<String>,
    /// Starts left out (`EXDATE`, and occurrences moved or cancelled by an override), in
    /// local time.
    pub exdates: Vec<NaiveDateTime>,
}

/// What a file yielded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parsed {
    pub series: Vec<Series>,
    /// Events left out because a date, length or rule could not be read.
    pub skipped: u32,
    /// Events whose zone was unknown, read in the practitioner's zone instead.
    pub unknown_zones: u32,
}

/// A date or date-time value as written.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Stamp {
    Date(NaiveDate),
    Utc(NaiveDateTime),
    /// With a `TZID`, or floating (`None`).
    Local(NaiveDateTime, Option<String>),
}

/// Reads a calendar file. `home` is the practitioner's zone, which floating times and
/// all-day events are in. `Err` says why the file as a whole cannot be used.
pub fn parse(text: &str, home: chrono_tz::Tz, budget: &Budget) -> Result<Parsed, String> {
    let text = text.trim_start_matches('\u{feff}');
    let head: String = text.trim_start().chars().take(15).collect();
    if !head.eq_ignore_ascii_case("BEGIN:VCALENDAR") {
        return Err(
            "the file is not an iCalendar file (it does not start with BEGIN:VCALENDAR)".into(),
        );
    }
    let mut events: Vec<IcalEvent> = Vec::new();
    let mut timezones: Vec<IcalTimeZone> = Vec::new();
    for calendar in IcalParser::new(text.as_bytes()) {
        let calendar = calendar.map_err(|e| format!("the file is not valid iCalendar ({e})"))?;
        events.extend(calendar.events);
        timezones.extend(calendar.timezones);
    }
    let mut reader = Reader {
        clocks: Clocks::new(home),
        budget: *budget,
        vtimezones: timezones
            .iter()
            .filter_map(|tz| Some((value(&tz.properties, "TZID")?.trim().to_owned(), tz)))
            .collect(),
        resolved: HashMap::new(),
        parsed: Parsed::default(),
    };
    if events.len() > MAX_EVENTS {
        reader.parsed.skipped += (events.len() - MAX_EVENTS) as u32;
        events.truncate(MAX_EVENTS);
    }

    // Overrides first: each one removes an occurrence from its series, whatever it says.
    let mut overridden: HashMap<String, Vec<Stamp>> = HashMap::new();
    for event in &events {
        if let (Some(uid), Some(id)) = (
            value(&event.properties, "UID"),
            prop(event, "RECURRENCE-ID"),
        ) && let Some(stamp) = stamp(id)
        {
            overridden.entry(uid.to_owned()).or_default().push(stamp);
        }
    }
    let mut seen_masters = HashSet::new();
    for event in &events {
        reader.budget.check()?;
        if !blocks_time(event) {
            continue;
        }
        let is_override = prop(event, "RECURRENCE-ID").is_some();
        let uid = value(&event.properties, "UID").unwrap_or_default();
        // A file listing the same series twice would double its busy time for nothing.
        if !is_override && !uid.is_empty() && !seen_masters.insert(uid.to_owned()) {
            continue;
        }
        let exclusions = if is_override {
            &[][..]
        } else {
            overridden.get(uid).map_or(&[][..], Vec::as_slice)
        };
        match reader.series(event, !is_override, exclusions) {
            Some(Some(series)) => reader.parsed.series.push(series),
            Some(None) => {}
            None => reader.parsed.skipped += 1,
        }
    }
    Ok(reader.parsed)
}

/// Whether an event takes time at all: cancelled and "free" events do not.
fn blocks_time(event: &IcalEvent) -> bool {
    let status = value(&event.properties, "STATUS").map(str::trim);
    let transp = value(&event.properties, "TRANSP").map(str::trim);
    !status.is_some_and(|s| s.eq_ignore_ascii_case("CANCELLED"))
        && !transp.is_some_and(|t| t.eq_ignore_ascii_case("TRANSPARENT"))
}

struct Reader<'a> {
    clocks: Clocks,
    budget: Budget,
    vtimezones: HashMap<String, &'a IcalTimeZone>,
    resolved: HashMap<String, Option<Zone>>,
    parsed: Parsed,
}

impl Reader<'_> {
    /// `None`: unreadable (skipped). `Some(None)`: readable but blocks no time.
    fn series(
        &mut self,
        event: &IcalEvent,
        recurring: bool,
        exclusions: &[Stamp],
    ) -> Option<Option<Series>> {
        let start = stamp(prop(event, "DTSTART")?)?;
        let end = prop(event, "DTEND").map(stamp);
        let duration = value(&event.properties, "DURATION").map(parse_duration);
        let (zone, start_local, all_day) = match &start {
            Stamp::Date(d) => (Zone::Home, midnight(*d), true),
            Stamp::Utc(at) => (Zone::Iana("UTC".into()), *at, false),
            Stamp::Local(at, None) => (Zone::Home, *at, false),
            Stamp::Local(at, Some(tzid)) => {
                let zone = self.zone(tzid).unwrap_or_else(|| {
                    self.parsed.unknown_zones += 1;
                    Zone::Home
                });
                (zone, *at, false)
            }
        };
        let length = if all_day {
            let days = match (end, duration) {
                (Some(Some(Stamp::Date(end))), _) => (end - start_local.date()).num_days(),
                (Some(Some(_)), _) => return None,
                (Some(None), _) => return None,
                (None, Some(Some(d))) => d.num_days(),
                (None, Some(None)) => return None,
                (None, None) => 1,
            };
            if days < 0 {
                return None;
            }
            if days == 0 {
                return Some(None);
            }
            days.min(MAX_LENGTH.num_days())
        } else {
            let start_utc = self.instant(&start)?;
            let length = match (end, duration) {
                (Some(Some(end)), _) => self.instant(&end)? - start_utc,
                (Some(None), _) => return None,
                (None, Some(Some(d))) => d,
                (None, Some(None)) => return None,
                // No end: a moment, which takes no time.
                (None, None) => Duration::zero(),
            };
            // Ending before it starts is a broken event; a moment takes no time.
            if length < Duration::zero() {
                return None;
            }
            if length == Duration::zero() {
                return Some(None);
            }
            length.min(MAX_LENGTH).num_seconds()
        };

        let rrule = if recurring {
            match value(&event.properties, "RRULE") {
                Some(rule) => Some(self.local_rule(rule, &zone, start_local)?),
                None => None,
            }
        } else {
            None
        };
        let mut exdates = Vec::new();
        if rrule.is_some() {
            let listed = event
                .properties
                .iter()
                .filter(|p| p.name.eq_ignore_ascii_case("EXDATE"))
                .flat_map(stamps);
            for excluded in listed.chain(exclusions.iter().cloned()) {
                if let Some(local) = self.local_in(&excluded, &zone, start_local.time()) {
                    exdates.push(local);
                }
            }
        }
        Some(Some(Series {
            zone,
            start: start_local,
            all_day,
            length,
            rrule,
            exdates,
        }))
    }

    /// The zone a `TZID` names, if it can be told.
    fn zone(&mut self, tzid: &str) -> Option<Zone> {
        let tzid = tzid.trim().trim_matches('"').to_owned();
        if !self.resolved.contains_key(&tzid) {
            let zone = zones::iana(&tzid)
                .map(|tz| Zone::Iana(tz.name().to_owned()))
                .or_else(|| {
                    let vtz = self.vtimezones.get(&tzid)?;
                    value(&vtz.properties, "X-LIC-LOCATION")
                        .and_then(zones::iana)
                        .map(|tz| Zone::Iana(tz.name().to_owned()))
                        .or_else(|| rules(vtz, &self.budget).map(Zone::Rules))
                });
            self.resolved.insert(tzid.clone(), zone);
        }
        self.resolved[&tzid].clone()
    }

    /// The zone a `TZID` names, or the practitioner's.
    fn zone_or_home(&mut self, tzid: &str) -> Zone {
        self.zone(tzid).unwrap_or(Zone::Home)
    }

    /// A date-time value as an instant (floating and all-day in the practitioner's zone).
    fn instant(&mut self, stamp: &Stamp) -> Option<chrono::DateTime<Utc>> {
        match stamp {
            Stamp::Utc(at) => Some(Utc.from_utc_datetime(at)),
            Stamp::Date(d) => Some(self.clocks.instant(&Zone::Home, midnight(*d), &self.budget)),
            Stamp::Local(at, None) => Some(self.clocks.instant(&Zone::Home, *at, &self.budget)),
            Stamp::Local(at, Some(tzid)) => {
                let zone = self.zone_or_home(tzid);
                Some(self.clocks.instant(&zone, *at, &self.budget))
            }
        }
    }

    /// A value as a local time in `zone`; a bare date takes the series' time of day.
    fn local_in(&mut self, stamp: &Stamp, zone: &Zone, time: NaiveTime) -> Option<NaiveDateTime> {
        match stamp {
            Stamp::Date(d) => Some(d.and_time(time)),
            other => {
                let at = self.instant(other)?;
                Some(self.clocks.local_time(zone, at, &self.budget))
            }
        }
    }

    /// The rule with `UNTIL` in the series' local time, refused if it cannot be expanded.
    fn local_rule(&mut self, rule: &str, zone: &Zone, start: NaiveDateTime) -> Option<String> {
        let mut parts = Vec::new();
        for part in rule.trim().split(';').filter(|p| !p.is_empty()) {
            let (key, val) = part.split_once('=')?;
            let key = key.trim().to_ascii_uppercase();
            if key == "UNTIL" {
                let until = match stamp_value(val.trim(), None, false)? {
                    Stamp::Date(d) => d.and_hms_opt(23, 59, 59)?,
                    Stamp::Utc(at) => {
                        self.clocks
                            .local_time(zone, Utc.from_utc_datetime(&at), &self.budget)
                    }
                    Stamp::Local(at, _) => at,
                };
                parts.push(format!("UNTIL={}", until.format("%Y%m%dT%H%M%SZ")));
            } else {
                parts.push(format!("{key}={}", val.trim()));
            }
        }
        let rule = parts.join(";");
        // Checked now, so a bad rule is counted here rather than failing every refresh.
        rules::local_occurrences(&rule, start, start, start, 1, &self.budget).ok()?;
        Some(rule)
    }
}

fn midnight(d: NaiveDate) -> NaiveDateTime {
    d.and_time(NaiveTime::MIN)
}

fn prop<'a>(event: &'a IcalEvent, name: &str) -> Option<&'a Property> {
    event
        .properties
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
}

fn value<'a>(props: &'a [Property], name: &str) -> Option<&'a str> {
    props
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
        .and_then(|p| p.value.as_deref())
}

fn param<'a>(p: &'a Property, name: &str) -> Option<&'a str> {
    p.params
        .as_ref()?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .and_then(|(_, values)| values.first())
        .map(String::as_str)
}

fn stamp(p: &Property) -> Option<Stamp> {
    stamps(p).into_iter().next()
}

/// The values of a property that may list several (`EXDATE:a,b`).
fn stamps(p: &Property) -> Vec<Stamp> {
    let tzid = param(p, "TZID");
    let date_only = param(p, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE"));
    p.value
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .filter_map(|v| stamp_value(v.trim(), tzid, date_only))
        .collect()
}

/// `20261207`, `20261207T090000`, `20261207T140000Z`; years 1900 to 2200 only.
fn stamp_value(value: &str, tzid: Option<&str>, date_only: bool) -> Option<Stamp> {
    let plausible = |d: NaiveDate| (1900..=2200).contains(&d.year());
    if date_only || value.len() == 8 {
        let d = NaiveDate::parse_from_str(value, "%Y%m%d").ok()?;
        return plausible(d).then_some(Stamp::Date(d));
    }
    let (text, utc) = match value.strip_suffix(['Z', 'z']) {
        Some(text) => (text, true),
        None => (value, false),
    };
    if text.len() != 15 {
        return None;
    }
    let at = NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%S").ok()?;
    if !plausible(at.date()) {
        return None;
    }
    Some(match (utc, tzid) {
        (true, _) => Stamp::Utc(at),
        (false, tzid) => Stamp::Local(at, tzid.map(str::to_owned)),
    })
}

/// `P1D`, `PT1H30M`, `P2W`, `+PT15M`. A negative duration takes no time.
fn parse_duration(value: &str) -> Option<Duration> {
    let value = value.trim();
    let (negative, rest) = match value.as_bytes().first()? {
        b'-' => (true, &value[1..]),
        b'+' => (false, &value[1..]),
        _ => (false, value),
    };
    let rest = rest.strip_prefix(['P', 'p'])?;
    let mut total = Duration::zero();
    let mut number = String::new();
    let mut in_time = false;
    let mut any = false;
    for c in rest.chars() {
        match c.to_ascii_uppercase() {
            'T' if !in_time && number.is_empty() => in_time = true,
            d if d.is_ascii_digit() => {
                if number.len() >= 6 {
                    return None;
                }
                number.push(d);
            }
            unit => {
                let n: i64 = number.parse().ok()?;
                number.clear();
                any = true;
                total += match (unit, in_time) {
                    ('W', false) => Duration::weeks(n),
                    ('D', false) => Duration::days(n),
                    ('H', true) => Duration::hours(n),
                    ('M', true) => Duration::minutes(n),
                    ('S', true) => Duration::seconds(n),
                    _ => return None,
                };
            }
        }
    }
    if !number.is_empty() || !any {
        return None;
    }
    Some(if negative { -total } else { total })
}

/// A `VTIMEZONE`'s observances, if it has any usable one.
fn rules(vtz: &IcalTimeZone, budget: &Budget) -> Option<ZoneRules> {
    let observances: Vec<Observance> = vtz
        .transitions
        .iter()
        .filter_map(|t| {
            // Outlook starts its rules in 1601; from 1970 they say the same today and take
            // far fewer steps to walk through.
            let onset = value(&t.properties, "DTSTART")?
                .trim()
                .trim_end_matches(['Z', 'z']);
            let onset = NaiveDateTime::parse_from_str(onset, "%Y%m%dT%H%M%S").ok()?;
            let onset = if onset.year() < 1970 {
                onset.with_year(1970)?
            } else {
                onset
            };
            let offset_to = zones::parse_offset(value(&t.properties, "TZOFFSETTO")?)?;
            let offset_from = value(&t.properties, "TZOFFSETFROM")
                .and_then(zones::parse_offset)
                .unwrap_or(offset_to);
            let rdates = t
                .properties
                .iter()
                .filter(|p| p.name.eq_ignore_ascii_case("RDATE"))
                .flat_map(stamps)
                .map(|s| match s {
                    Stamp::Local(at, _) | Stamp::Utc(at) => at,
                    Stamp::Date(d) => midnight(d),
                })
                .collect();
            let rrule = value(&t.properties, "RRULE")
                .map(|r| r.trim().to_owned())
                .filter(|r| rules::local_occurrences(r, onset, onset, onset, 1, budget).is_ok());
            Some(Observance {
                onset,
                rrule,
                rdates,
                offset_from,
                offset_to,
            })
        })
        .collect();
    (!observances.is_empty()).then_some(ZoneRules { observances })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_rfc_5545_writes_them() {
        assert_eq!(parse_duration("PT1H30M"), Some(Duration::minutes(90)));
        assert_eq!(parse_duration("P1D"), Some(Duration::days(1)));
        assert_eq!(parse_duration("P2W"), Some(Duration::weeks(2)));
        assert_eq!(parse_duration("-PT15M"), Some(Duration::minutes(-15)));
        assert_eq!(parse_duration("P1DT2H"), Some(Duration::hours(26)));
        for bad in ["", "P", "PT", "1H", "P1H", "PT1D", "P99999999D", "PTXM"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn stamps_read_each_form_and_refuse_implausible_years() {
        assert_eq!(
            stamp_value("20261207", None, false),
            Some(Stamp::Date(NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()))
        );
        assert!(matches!(
            stamp_value("20261207T090000Z", None, false),
            Some(Stamp::Utc(_))
        ));
        assert!(matches!(
            stamp_value("20261207T090000", Some("Europe/Paris"), false),
            Some(Stamp::Local(_, Some(_)))
        ));
        for bad in [
            "99991207T090000Z",
            "20261307T090000",
            "2026-12-07",
            "20261207T0900",
            "x",
        ] {
            assert_eq!(stamp_value(bad, None, false), None, "{bad}");
        }
    }
}
