//! The reminder before an appointment that asks each partner for the documents its type
//! requires and they have not signed. Worked out by a periodic pass rather than planned at
//! booking, so it sees signatures given since, and moves and cancellations, as they are.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use entity::{
    appointment::{self, AppointmentStatus},
    consent_request, participant,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionSession,
    TransactionTrait,
};
use uuid::Uuid;

use super::{ConsentError, requests, requirements};
use crate::{
    audit::{Actor, AuditContext, Origin},
    db,
    mail::{
        Kind, Notifier,
        compose::Content,
        outbox::{self, NewEmail},
        templates::{ConsentLink, ConsentView, MessageContext},
    },
    types::{TimeZone, joined},
    when,
};

/// The reminder for one partner before one appointment (a move plans a fresh one).
fn key(a: &appointment::Model, participant: Uuid) -> String {
    format!("consent_reminder:{}:{}:{participant}", a.id, a.sequence)
}

/// Queues the reminders due: for each confirmed appointment starting within `before` of
/// `now`, each partner with a required document unsigned is asked once. A required
/// document a partner was never given (the requirement came after the booking) is given
/// now, with its own email. Answers how many reminders were queued.
pub async fn send_due<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    n: Notifier<'_>,
    before: Duration,
    now: DateTime<Utc>,
) -> Result<usize, ConsentError> {
    let soon = appointment::Entity::find()
        .filter(appointment::Column::Status.eq(AppointmentStatus::Confirmed))
        .filter(appointment::Column::StartsAt.gt(now))
        .filter(appointment::Column::StartsAt.lte(now + before))
        .order_by_asc(appointment::Column::StartsAt)
        .all(db)
        .await?;
    let refs: Vec<&appointment::Model> = soon.iter().collect();
    let missing = requirements::missing(db, &refs).await?;
    if missing.is_empty() {
        return Ok(0);
    }
    let mut wanted: BTreeMap<(Uuid, Uuid), Vec<Uuid>> = BTreeMap::new();
    for m in &missing {
        wanted
            .entry((m.appointment_id, m.participant_id))
            .or_default()
            .push(m.document_id);
    }
    let by_id: HashMap<Uuid, &appointment::Model> = soon.iter().map(|a| (a.id, a)).collect();
    let keys: Vec<String> = wanted.keys().map(|(a, p)| key(by_id[a], *p)).collect();
    let queued = outbox::queued_keys(db, keys).await?;
    wanted.retain(|(a, p), _| !queued.contains(&key(by_id[a], *p)));
    if wanted.is_empty() {
        return Ok(0);
    }

    let txn = db::begin_write(db).await?;
    let audit = AuditContext::new(Actor::SYSTEM, Origin::default(), now);
    let people: HashMap<Uuid, participant::Model> = participant::Entity::find()
        .filter(participant::Column::Id.is_in(wanted.keys().map(|(_, p)| *p)))
        .all(&txn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let waiting = consent_request::Entity::find()
        .filter(consent_request::Column::ParticipantId.is_in(people.keys().copied()))
        .filter(consent_request::Column::SignedAt.is_null())
        .all(&txn)
        .await?;
    let practice = crate::practice::settings(&txn)
        .await
        .map_err(requests::db_error)?;
    let practice_zone = crate::practice::zone_of(&practice);
    let mut emails = Vec::new();
    for ((appointment_id, participant_id), documents) in &wanted {
        let (Some(person), Some(a)) = (people.get(participant_id), by_id.get(appointment_id))
        else {
            continue;
        };
        let mut links = Vec::new();
        let mut never_given = Vec::new();
        for document in documents {
            match waiting
                .iter()
                .find(|r| r.participant_id == person.id && r.document_id == *document)
            {
                Some(r) => {
                    let token = n
                        .keys
                        .open(&r.token_sealed, &requests::token_context(r.id))
                        .map_err(|_| ConsentError::Unreadable)?;
                    links.push(n.public_url.link(&format!("/consent/{token}")));
                }
                None => never_given.push(*document),
            }
        }
        requests::give_latest(&txn, n, &never_given, std::slice::from_ref(person), &audit).await?;
        let Some(address) = person.email.clone().filter(|_| person.email_reminders) else {
            continue;
        };
        if links.is_empty() {
            continue;
        }
        let tz = person
            .time_zone
            .as_deref()
            .and_then(|z| TimeZone::parse(z).ok())
            .unwrap_or(practice_zone);
        let mut context =
            MessageContext::of_practice(&practice, &person.first_name, n.public_url.link("/book"));
        context.consent = Some(ConsentView {
            url: links[0].clone(),
            again: false,
            links: ConsentLink::numbered(links),
            before: Some(when::with_zone(a.starts_at, tz)),
        });
        let rendered = n
            .render(Kind::ConsentReminder, &context)
            .map_err(|e| ConsentError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
        let (from_name, from_address) = crate::practice::sender_for(&txn, person.client_id)
            .await
            .map_err(requests::db_error)?;
        emails.push(NewEmail {
            kind: Kind::ConsentReminder,
            recipient: address,
            subject: rendered.subject,
            content: Content {
                to_name: Some(joined(&person.first_name, &person.last_name)),
                from_name,
                from_address,
                text: rendered.text,
                html: rendered.html,
                attachments: Vec::new(),
                not_after: Some(a.starts_at),
            },
            scheduled_at: now,
            key: key(a, person.id),
            appointment_id: Some(a.id),
            intake_id: None,
        });
    }
    let count = emails.len();
    outbox::enqueue_all(&txn, n.keys, emails, now).await?;
    txn.commit().await?;
    n.mailer.wake();
    Ok(count)
}
