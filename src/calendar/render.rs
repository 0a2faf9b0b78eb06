//! Calendars as text, from plain values: the subscription feed and the one-event files a
//! client downloads or receives by email. No database here, so the benchmark and the tests
//! call these directly.

use chrono::{DateTime, Utc};
use ical::generator::{IcalCalendar, IcalEvent};
use uuid::Uuid;

use super::ics::{self, raw, text, utc, with_keyword, with_param};

/// Names Attune as the program that made a file.
pub const PRODID: &str = concat!("-//Attune//Attune ", env!("CARGO_PKG_VERSION"), "//EN");

/// How often subscribers should fetch again.
pub const REFRESH: &str = "PT15M";

/// The same appointment has the same UID in the feed, in the downloaded file and in every
/// email, so a calendar app updates one event instead of adding another.
pub fn uid(id: Uuid, host: &str) -> String {
    format!("{id}@{host}")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventStatus {
    Confirmed,
    Cancelled,
}

/// One event, as calendars see it.
#[derive(Clone, Debug)]
pub struct EventInfo {
    pub uid: String,
    pub summary: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// Also the `DTSTAMP`, so an unchanged event renders the same bytes on every fetch.
    pub modified_at: DateTime<Utc>,
    pub sequence: i32,
    pub status: EventStatus,
    pub location: Option<String>,
    pub description: Option<String>,
    pub url: Option<String>,
}

fn vevent(e: &EventInfo) -> IcalEvent {
    let mut event = IcalEvent::new();
    let props = &mut event.properties;
    props.push(raw("UID", &e.uid));
    props.push(utc("DTSTAMP", e.modified_at));
    props.push(utc("DTSTART", e.starts_at));
    props.push(utc("DTEND", e.ends_at));
    props.push(utc("CREATED", e.created_at));
    props.push(utc("LAST-MODIFIED", e.modified_at));
    props.push(raw("SEQUENCE", &e.sequence.max(0).to_string()));
    props.push(text("SUMMARY", &e.summary));
    if let Some(location) = e.location.as_deref().filter(|l| !l.trim().is_empty()) {
        props.push(text("LOCATION", location));
    }
    if let Some(description) = &e.description {
        props.push(text("DESCRIPTION", description));
    }
    if let Some(url) = &e.url {
        props.push(raw("URL", url));
    }
    let (status, transp) = match e.status {
        EventStatus::Confirmed => ("CONFIRMED", "OPAQUE"),
        // Free in any app that still shows it.
        EventStatus::Cancelled => ("CANCELLED", "TRANSPARENT"),
    };
    props.push(raw("STATUS", status));
    props.push(raw("TRANSP", transp));
    event
}

fn calendar(method: &str) -> IcalCalendar {
    let mut cal = IcalCalendar::new();
    cal.properties.push(raw("VERSION", "2.0"));
    cal.properties.push(raw("PRODID", PRODID));
    cal.properties.push(raw("CALSCALE", "GREGORIAN"));
    cal.properties.push(raw("METHOD", method));
    cal
}

/// What a subscription feed says about itself.
pub struct FeedInfo<'a> {
    /// Shown as the calendar's name in the subscriber's app.
    pub name: &'a str,
    /// IANA zone, a hint for apps that show the feed on its own.
    pub time_zone: &'a str,
}

/// The subscription feed: `METHOD:PUBLISH`, refresh hints, one `VEVENT` per event.
pub fn feed(info: &FeedInfo, events: &[EventInfo]) -> String {
    let mut cal = calendar("PUBLISH");
    cal.properties.push(text("X-WR-CALNAME", info.name));
    // RFC 7986's name for the same thing.
    cal.properties.push(text("NAME", info.name));
    cal.properties.push(raw("X-WR-TIMEZONE", info.time_zone));
    cal.properties.push(with_keyword(
        raw("REFRESH-INTERVAL", REFRESH),
        "VALUE",
        "DURATION",
    ));
    cal.properties.push(raw("X-PUBLISHED-TTL", REFRESH));
    // The calendar is generated without its events, which are generated apart (in parallel
    // when there are many) and put in before its last line.
    let frame = ics::render(&cal);
    let end = "END:VCALENDAR\r\n";
    let head = frame.strip_suffix(end).unwrap_or(&frame);
    let body = events_text(events);
    let mut out = String::with_capacity(head.len() + body.len() + end.len());
    out.push_str(head);
    out.push_str(&body);
    out.push_str(end);
    out
}

/// Below this many events, one thread renders them all.
const PARALLEL_FROM: usize = 2_000;

/// The events' `VEVENT` blocks, in order.
fn events_text(events: &[EventInfo]) -> String {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    if events.len() < PARALLEL_FROM || threads == 1 {
        return events_text_here(events);
    }
    let chunk = events.len().div_ceil(threads);
    let parts: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = events
            .chunks(chunk)
            .map(|part| scope.spawn(move || events_text_here(part)))
            .collect();
        // A worker that panicked takes the whole render down with it: a feed missing some
        // events would make subscribers delete them.
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    parts.concat()
}

fn events_text_here(events: &[EventInfo]) -> String {
    use ical::generator::Emitter;
    // About 600 octets an event.
    let mut out = String::with_capacity(events.len() * 640);
    for event in events {
        ics::refold_into(&vevent(event).generate(), &mut out);
    }
    out
}

/// What a one-event file is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// A file to open or import ("Add to calendar").
    Publish,
    /// An invitation by email, for a new or moved booking.
    Request,
    /// Withdraws an invitation sent before.
    Cancel,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Publish => "PUBLISH",
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

/// Someone named on an invitation.
#[derive(Clone, Debug)]
pub struct Person {
    pub name: String,
    pub email: String,
}

/// One appointment as a file for the client: the practice as `ORGANIZER`, the client's
/// people as attendees of an emailed invitation. An invitation is stamped with the time it
/// is sent (`sent_at`, RFC 5546); a file to download, with the appointment's last change.
pub fn booking(
    method: Method,
    organizer: &Person,
    attendees: &[Person],
    event: &EventInfo,
    sent_at: DateTime<Utc>,
) -> String {
    let mut cal = calendar(method.name());
    let mut event = event.clone();
    if method == Method::Cancel {
        event.status = EventStatus::Cancelled;
    }
    let mut vevent = vevent(&event);
    if method != Method::Publish
        && let Some(stamp) = vevent.properties.iter_mut().find(|p| p.name == "DTSTAMP")
    {
        *stamp = utc("DTSTAMP", sent_at);
    }
    vevent.properties.push(with_param(
        raw("ORGANIZER", &format!("mailto:{}", organizer.email)),
        "CN",
        &organizer.name,
    ));
    if method != Method::Publish {
        for person in attendees {
            let attendee = raw("ATTENDEE", &format!("mailto:{}", person.email));
            let attendee = with_param(attendee, "CN", &person.name);
            let attendee = with_keyword(attendee, "ROLE", "REQ-PARTICIPANT");
            // They booked it themselves: nothing to answer.
            let attendee = with_keyword(attendee, "PARTSTAT", "ACCEPTED");
            vevent
                .properties
                .push(with_keyword(attendee, "RSVP", "FALSE"));
        }
    }
    cal.events.push(vevent);
    ics::render(&cal)
}

/// Several appointments as one file to import (`METHOD:PUBLISH`, one `VEVENT` each, each
/// with its own UID), the practice as organizer: a series of sessions for the client's
/// calendar, or the sessions of it that changed.
pub fn bookings(organizer: &Person, events: &[EventInfo]) -> String {
    let mut cal = calendar(Method::Publish.name());
    for event in events {
        let mut vevent = vevent(event);
        vevent.properties.push(with_param(
            raw("ORGANIZER", &format!("mailto:{}", organizer.email)),
            "CN",
            &organizer.name,
        ));
        cal.events.push(vevent);
    }
    ics::render(&cal)
}

#[cfg(test)]
mod tests;
