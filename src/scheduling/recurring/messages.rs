//! The one message each partner gets about several sessions of a series at once: the
//! sessions in words, each with its own link, and one calendar file holding exactly those
//! sessions (the same UIDs as their feed events, so a later change to one updates it).

use chrono::{DateTime, Utc};
use entity::appointment::AppointmentStatus;
use uuid::Uuid;

use crate::{
    calendar::booking_file,
    mail::{
        Kind, Notifier,
        compose::Attachment,
        outbox::NewEmail,
        templates::{SeriesView, SessionView},
    },
    scheduling::notify::{Facts, NotifyError},
    types::joined,
    when,
};

/// A session the message tells of, and where it was before, for a moved one.
pub struct Session<'f> {
    pub facts: &'f Facts<'f>,
    pub previous: Option<DateTime<Utc>>,
}

/// One message of `kind` to each partner with an address, keyed by `key(participant)`,
/// about `sessions` (earliest first); `skipped` are times asked for and not booked.
pub fn to_each_partner(
    n: Notifier<'_>,
    kind: Kind,
    sessions: &[Session<'_>],
    skipped: &[DateTime<Utc>],
    cadence: &str,
    key: impl Fn(Uuid) -> String,
    now: DateTime<Utc>,
) -> Result<Vec<NewEmail>, NotifyError> {
    let Some(first) = sessions.first().map(|s| s.facts) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for person in first.participants() {
        let Some(address) = person.email.clone() else {
            continue;
        };
        // Each partner's file carries their own join links.
        let parts: Vec<_> = sessions
            .iter()
            .map(|s| s.facts.booking_parts(person.id))
            .collect();
        let calendar = booking_file::compose_all(n.public_url, &parts, first.practice());
        let tz = first.zone_of(person);
        let mut context = first.context(person, tz, None);
        context.series = Some(SeriesView {
            cadence: cadence.to_owned(),
            sessions: sessions
                .iter()
                .map(|s| {
                    let a = s.facts.appointment();
                    SessionView {
                        when: when::with_zone(a.starts_at, tz),
                        previous_when: s.previous.map(|at| when::with_zone(at, tz)),
                        cancelled: a.status == AppointmentStatus::Cancelled,
                        manage_url: s.facts.manage_url().to_owned(),
                        join_url: s.facts.join_url(person.id).map(str::to_owned),
                    }
                })
                .collect(),
            skipped: skipped.iter().map(|&at| when::with_zone(at, tz)).collect(),
        });
        let rendered = n.render(kind, &context)?;
        let attachment = Attachment {
            filename: "sessions.ics".into(),
            content_type: "text/calendar; charset=utf-8; method=PUBLISH".into(),
            body: calendar,
        };
        out.push(NewEmail {
            kind,
            recipient: address,
            subject: rendered.subject,
            content: first.content(
                Some(joined(&person.first_name, &person.last_name)),
                rendered.text,
                rendered.html,
                vec![attachment],
                None,
            ),
            scheduled_at: now,
            key: key(person.id),
            appointment_id: Some(first.appointment().id),
            intake_id: None,
        });
    }
    Ok(out)
}
