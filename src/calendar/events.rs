//! One appointment as an event: what the feed and the client's file share, and how much each
//! says about the people in it.

use chrono::{DateTime, Utc};
use entity::{
    appointment::{self, AppointmentStatus},
    appointment_type::{self, LocationKind},
    calendar_feed::FeedDetail,
};
use uuid::Uuid;

use super::render::{EventInfo, EventStatus, uid};
use crate::scheduling::clients::reference;

/// What an event shows of an appointment: its times and whether it stands.
#[derive(Clone, Copy, Debug)]
pub struct Occasion {
    pub id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub sequence: i32,
    pub cancelled: bool,
}

impl From<&appointment::Model> for Occasion {
    fn from(a: &appointment::Model) -> Self {
        Self {
            id: a.id,
            starts_at: a.starts_at,
            ends_at: a.ends_at,
            created_at: a.created_at,
            updated_at: a.updated_at,
            sequence: a.sequence,
            cancelled: a.status == AppointmentStatus::Cancelled,
        }
    }
}

/// The event with everything but its summary, description and link.
pub fn base(a: &Occasion, ty: Option<&appointment_type::Model>, host: &str) -> EventInfo {
    EventInfo {
        uid: uid(a.id, host),
        summary: String::new(),
        starts_at: a.starts_at,
        ends_at: a.ends_at,
        created_at: a.created_at,
        modified_at: a.updated_at,
        sequence: a.sequence,
        status: if a.cancelled {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        },
        location: ty.and_then(location),
        description: None,
        url: None,
    }
}

/// A participant as a feed may name them: first and last name.
pub type Name = (String, String);

/// Where it happens: the address, the video link, or how the call works.
pub fn location(ty: &appointment_type::Model) -> Option<String> {
    let details = ty
        .location_details
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    match (ty.location_kind, details) {
        (_, Some(details)) => Some(details.to_owned()),
        (LocationKind::Video, None) => Some("Video call".to_owned()),
        (LocationKind::Phone, None) => Some("Phone call".to_owned()),
        (LocationKind::InPerson, None) => None,
    }
}

/// The feed's title for an appointment, at the feed's level of detail.
pub fn feed_summary(
    detail: FeedDetail,
    type_name: &str,
    client_id: Uuid,
    people: &[Name],
) -> String {
    let who = match detail {
        FeedDetail::Minimal => reference(client_id),
        FeedDetail::Initials => join(people.iter().map(|(first, last)| initials(first, last))),
        FeedDetail::Full => join(people.iter().map(|(first, last)| {
            format!("{} {}", first.trim(), last.trim())
                .trim()
                .to_owned()
        })),
    };
    // No one to name (a client without participants): the reference still helps.
    let who = if who.is_empty() {
        reference(client_id)
    } else {
        who
    };
    format!("{type_name} — {who}")
}

fn join(names: impl Iterator<Item = String>) -> String {
    names
        .filter(|n| !n.is_empty())
        .collect::<Vec<_>>()
        .join(" & ")
}

/// "Jane" "Doe" → "J. D."
fn initials(first: &str, last: &str) -> String {
    [first, last]
        .iter()
        .filter_map(|name| name.trim().chars().next())
        .map(|c| format!("{}.", c.to_uppercase()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(first: &str, last: &str) -> Name {
        (first.into(), last.into())
    }

    #[test]
    fn each_level_says_only_what_it_should() {
        let id = Uuid::parse_str("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f9a2b").unwrap();
        let couple = [person("jane", "Doe"), person("Émile", "Roe")];
        assert_eq!(
            feed_summary(FeedDetail::Minimal, "Couples session", id, &couple),
            "Couples session — C-3F9A2B"
        );
        assert_eq!(
            feed_summary(FeedDetail::Initials, "Couples session", id, &couple),
            "Couples session — J. D. & É. R."
        );
        assert_eq!(
            feed_summary(FeedDetail::Full, "Couples session", id, &couple),
            "Couples session — jane Doe & Émile Roe"
        );
        assert_eq!(
            feed_summary(
                FeedDetail::Initials,
                "Consultation",
                id,
                &[person("Cher", "")]
            ),
            "Consultation — C."
        );
        assert_eq!(
            feed_summary(FeedDetail::Full, "Consultation", id, &[]),
            "Consultation — C-3F9A2B"
        );
    }
}
