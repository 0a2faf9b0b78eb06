//! Calendar files read back with the `icalendar` crate's parser: written by other people than
//! the `ical` crate the app writes with, so a file both read the same way is read the way
//! calendar apps read it, not only the way it was meant.

use chrono::{DateTime, Utc};
use icalendar::{CalendarDateTime, Component, DatePerhapsTime};

/// What a calendar app takes from one event.
#[derive(Debug)]
pub struct Event {
    pub uid: String,
    pub start: DateTime<Utc>,
    pub sequence: Option<u32>,
    pub status: Option<String>,
    pub rrule: Option<String>,
}

#[derive(Debug)]
pub struct Calendar {
    pub method: Option<String>,
    pub events: Vec<Event>,
}

impl Calendar {
    pub fn parse(text: &str) -> Self {
        let parsed: icalendar::Calendar = text
            .parse()
            .unwrap_or_else(|e| panic!("the calendar does not parse: {e}\n{text}"));
        let events = parsed
            .events()
            .map(|e| Event {
                uid: e.get_uid().expect("every event has a UID").to_owned(),
                start: match e.get_start() {
                    Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(at))) => at,
                    other => panic!("a start in UTC, not {other:?}"),
                },
                sequence: e.get_sequence(),
                status: e.property_value("STATUS").map(str::to_owned),
                rrule: e.property_value("RRULE").map(str::to_owned),
            })
            .collect();
        Self {
            method: parsed.property_value("METHOD").map(str::to_owned),
            events,
        }
    }
}
