//! One booking as a calendar file for the client: downloaded from the booking pages
//! ("Add to calendar"), or attached to an email as an invitation or its withdrawal.

use chrono::{DateTime, Utc};
use entity::{appointment, appointment_type, participant, practice as practice_row, practitioner};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::{
    CalendarError, events,
    render::{self, EventInfo, Method, Person},
};
use crate::{practice, types::PublicUrl};

/// The booking as it concerns the client.
pub struct BookingParts<'a> {
    pub appointment: &'a appointment::Model,
    pub appointment_type: &'a appointment_type::Model,
    pub practitioner: &'a practitioner::Model,
    /// The client's own link to see, move or cancel it.
    pub manage_url: Option<String>,
    /// This partner's own way into a video appointment's room (`/join/…`).
    pub join_url: Option<String>,
    /// Only this address among the attendees: each partner gets an invitation of their own,
    /// which does not show the other's address.
    pub attendee: Option<&'a str>,
}

/// The file for `method`. The event has the feed's UID, so the practitioner's and the
/// client's calendars hold the same appointment.
pub async fn render(
    db: &impl ConnectionTrait,
    public_url: &PublicUrl,
    parts: &BookingParts<'_>,
    method: Method,
    now: DateTime<Utc>,
) -> Result<String, CalendarError> {
    let practice = practice::settings(db).await?;
    let participants = if method == Method::Publish {
        Vec::new()
    } else {
        participant::Entity::find()
            .filter(participant::Column::ClientId.eq(parts.appointment.client_id))
            .order_by_asc(participant::Column::Position)
            .all(db)
            .await?
    };
    Ok(compose(
        public_url,
        parts,
        &practice,
        &participants,
        method,
        now,
    ))
}

/// [`render`] from rows already read: the practice and the client's participants.
pub fn compose(
    public_url: &PublicUrl,
    parts: &BookingParts<'_>,
    practice: &practice_row::Model,
    participants: &[participant::Model],
    method: Method,
    now: DateTime<Utc>,
) -> String {
    let attendees = if method == Method::Publish {
        Vec::new()
    } else {
        participants
            .iter()
            .filter(|p| {
                parts.attendee.is_none_or(|only| {
                    p.email
                        .as_deref()
                        .is_some_and(|e| e.eq_ignore_ascii_case(only))
                })
            })
            .filter_map(|p| {
                Some(Person {
                    name: crate::types::joined(&p.first_name, &p.last_name),
                    email: p.email.clone()?,
                })
            })
            .collect()
    };
    let event = client_event(public_url, parts, practice);
    render::booking(method, &organizer(parts, practice), &attendees, &event, now)
}

/// Several bookings of one client as one file to import: a series, or the part of it that
/// changed. Each event is the one its booking's own file and the feed hold (same UID).
pub fn compose_all(
    public_url: &PublicUrl,
    bookings: &[BookingParts<'_>],
    practice: &practice_row::Model,
) -> String {
    let Some(first) = bookings.first() else {
        return render::bookings(
            &Person {
                name: practice.name.clone(),
                email: practice.contact_email.clone().unwrap_or_default(),
            },
            &[],
        );
    };
    let events: Vec<_> = bookings
        .iter()
        .map(|parts| client_event(public_url, parts, practice))
        .collect();
    render::bookings(&organizer(first, practice), &events)
}

fn organizer(parts: &BookingParts<'_>, practice: &practice_row::Model) -> Person {
    Person {
        name: practice.name.clone(),
        // A practice without a contact address still needs an organizer; its practitioner
        // is who answers.
        email: practice
            .contact_email
            .clone()
            .unwrap_or_else(|| parts.practitioner.email.clone()),
    }
}

/// The event as the client's calendar shows it: a neutral title, where to go, their link.
fn client_event(
    public_url: &PublicUrl,
    parts: &BookingParts<'_>,
    practice: &practice_row::Model,
) -> EventInfo {
    let ty = parts.appointment_type;
    let mut event = events::base(&parts.appointment.into(), Some(ty), &public_url.host());
    event.summary = client_title(ty, &parts.practitioner.name);
    let mut lines = Vec::new();
    let video = ty.location_kind == entity::appointment_type::LocationKind::Video;
    if video && parts.appointment.video_room_sealed.is_some() {
        // Its own room: the partner's join link, never a shared address.
        event.location = Some(
            parts
                .join_url
                .clone()
                .unwrap_or_else(|| "Video call".to_owned()),
        );
        if let Some(join) = &parts.join_url {
            lines.push(format!(
                "Join the video session (opens 15 minutes before): {join}"
            ));
        }
    } else if video && let Some(link) = &event.location {
        lines.push(format!("Join the video call: {link}"));
    }
    if let Some(manage) = &parts.manage_url {
        lines.push(format!("See, move or cancel this appointment: {manage}"));
    }
    lines.push(practice.name.clone());
    event.description = Some(lines.join("\n"));
    event.url = parts.manage_url.clone();
    event
}

/// The title of the event in a client's calendar file: neutral unless the practice chose
/// otherwise, since a client's calendar is often seen by others.
pub fn client_title(ty: &appointment_type::Model, practitioner: &str) -> String {
    match ty
        .client_title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(title) => title.replace("{practitioner}", practitioner),
        None => format!("Appointment with {practitioner}"),
    }
}
