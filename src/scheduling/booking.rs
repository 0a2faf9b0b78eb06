//! Online booking by clients: book a free slot, then see, cancel or move it through the
//! private manage link ([`super::manage_link`]).

use std::{collections::HashMap, sync::Arc};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    appointment::{self, AppointmentSource},
    appointment_type,
    client::{ClientKind, ClientStatus},
    practitioner,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, TransactionSession,
    TransactionTrait,
};
use uuid::Uuid;

use super::{
    SchedulingError,
    appointments::{self, NewAppointment},
    availability,
    clients::{self, NewClient, PersonFields},
    followups::{Followups, Plan},
    manage_link,
    notify::Facts,
    slots::Rejection,
    snapshot::{ScheduleCache, Snapshot},
    types,
};
use crate::{
    audit::{Action, AuditContext, Event},
    crypto::{self, DataKeys},
    db,
    mail::Notifier,
    types::TimeZone,
};

/// The free start times of `ty` between two instants, each with the practitioner who is free
/// then, earliest first.
pub async fn free_times(
    db: &impl ConnectionTrait,
    snapshot: &Snapshot,
    ty: &appointment_type::Model,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<(super::slots::Interval, Uuid)>, DbErr> {
    let rules = types::slot_rules(ty);
    let offering: Vec<&practitioner::Model> = snapshot.offering(ty.id).iter().collect();
    let schedules = snapshot.schedules(db, &offering, from, to, None).await?;
    let mut free = Vec::new();
    for (p, schedule) in offering.iter().zip(&schedules) {
        free.extend(
            super::slots::free_slots(schedule, &rules, from, to, now)
                .into_iter()
                .map(|slot| (slot, p.id)),
        );
    }
    free.sort_by_key(|(slot, p)| (slot.start, *p));
    Ok(free)
}

/// The free times of a public type over some local days, as a client is answered them.
pub struct FreeAnswer {
    pub appointment_type: appointment_type::Model,
    /// The zone the days are in: the one asked for, else the practice's.
    pub tz: TimeZone,
    pub free: Vec<(super::slots::Interval, Uuid)>,
    /// The answer as an edge wrote it out, once per form, kept with it so a repeated
    /// question is not written out again.
    pub written: [std::sync::OnceLock<Arc<[u8]>>; 2],
}

/// What was asked: the type's slug, the first and last day, and the zone if one was given.
type FreeQuestion = (String, NaiveDate, NaiveDate, Option<TimeZone>);

/// Answers already worked out, each kept while the `schedule` version it was worked out at
/// stands (any booking, move or change of hours moves it, through any instance) and until
/// the passing of time could change it: the first free start coming within the type's notice,
/// or a minute, by which a start past the horizon may come within it.
#[derive(Default)]
pub struct FreeAnswers {
    held: std::sync::RwLock<HashMap<FreeQuestion, Held>>,
}

/// An answer with the version it was worked out at and the moment it stops being true.
type Held = (i64, DateTime<Utc>, Arc<FreeAnswer>);

/// Questions kept at most, and free times across their answers: past either, the answers
/// held are dropped all at once. An answer is about 200 bytes a free time with its written
/// forms, so this holds at most some 8 MB, whatever visitors ask.
const ANSWERS_KEPT: usize = 512;
const FREE_TIMES_KEPT: usize = 40_000;

impl FreeAnswers {
    /// The free times of `slug` on the days `from..=to` (in `tz`, else the practice's zone).
    pub async fn free_days(
        &self,
        db: &impl ConnectionTrait,
        cache: &ScheduleCache,
        slug: &str,
        (from, to): (NaiveDate, NaiveDate),
        tz: Option<TimeZone>,
        now: DateTime<Utc>,
    ) -> Result<Arc<FreeAnswer>, SchedulingError> {
        let versions = cache.versions(db).await?;
        let version = versions.schedule;
        let question = (slug.to_owned(), from, to, tz);
        if let Some((v, until, answer)) = self
            .held
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&question)
            && *v == version
            && now < *until
        {
            return Ok(answer.clone());
        }
        let snapshot = cache.at(db, versions.availability, now).await?;
        let ty = snapshot
            .public_type(slug)
            .ok_or(SchedulingError::UnknownType)?
            .clone();
        let tz = tz.unwrap_or_else(|| crate::practice::zone_of(&snapshot.practice));
        let (start, end) = (
            tz.start_of(from),
            tz.start_of(to + chrono::Duration::days(1)),
        );
        let free = free_times(db, &snapshot, &ty, start, end, now).await?;
        let rules = types::slot_rules(&ty);
        let until = free
            .first()
            .map(|(slot, _)| slot.start - rules.min_notice)
            .into_iter()
            .chain([now + chrono::Duration::minutes(1)])
            .min()
            .expect("a minute from now is always there");
        let answer = Arc::new(FreeAnswer {
            appointment_type: ty,
            tz,
            free,
            written: Default::default(),
        });
        let mut held = self.held.write().unwrap_or_else(|e| e.into_inner());
        // An answer of more than a quarter of the budget is given but not kept: it would
        // empty the cache for everyone else each time it is asked.
        if answer.free.len() <= FREE_TIMES_KEPT / 4 {
            held.remove(&question);
            let kept: usize = held.values().map(|(_, _, a)| a.free.len()).sum();
            if held.len() >= ANSWERS_KEPT || kept + answer.free.len() > FREE_TIMES_KEPT {
                held.clear();
            }
            held.insert(question, (version, until, answer.clone()));
        }
        Ok(answer)
    }
}

/// A client's booking, checked at the edge.
pub struct BookingRequest {
    pub type_slug: String,
    pub start: DateTime<Utc>,
    pub practitioner_id: Option<Uuid>,
    pub booker: PersonFields,
    pub partner: Option<PersonFields>,
    pub message: Option<String>,
    /// The client's `Idempotency-Key` and a fingerprint of the request it came with.
    pub idempotency: Option<(String, String)>,
}

pub struct Booked {
    pub appointment: appointment::Model,
    /// The manage link's secret.
    pub manage_token: String,
    /// An earlier identical request's booking, answered again.
    pub replayed: bool,
}

#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn book<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    cache: &ScheduleCache,
    notify: Notifier<'_>,
    followups: &impl Followups,
    request: BookingRequest,
    audit: &AuditContext,
) -> Result<Booked, SchedulingError> {
    let keys = notify.keys;
    if let Some(earlier) = replay_of(db, keys, &request).await? {
        return Ok(earlier);
    }
    // Practitioners who looked free but lost a race for the time at the last moment.
    let mut lost = Vec::new();
    loop {
        let outcome = book_once(db, cache, notify, followups, &request, &lost, audit).await;
        match outcome {
            Ok(Attempt::Booked(booked)) => return Ok(*booked),
            // With no practitioner asked for, another one may still be free then.
            Ok(Attempt::Raced(p)) if request.practitioner_id.is_none() => lost.push(p),
            // Two identical retries raced and one lost the time to the other: the booking
            // that was made is the answer to both.
            Ok(Attempt::Raced(_)) | Err(SchedulingError::Slot(Rejection::Taken)) => {
                return replay_of(db, keys, &request)
                    .await?
                    .ok_or(Rejection::Taken.into());
            }
            Err(SchedulingError::Db(e)) if db::violates(&e, "idempotency_key") => {
                return replay_of(db, keys, &request)
                    .await?
                    .ok_or(SchedulingError::Db(e));
            }
            Err(e) => return Err(e),
        }
    }
}

/// The booking made earlier with this request's key, if it has one.
async fn replay_of(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    request: &BookingRequest,
) -> Result<Option<Booked>, SchedulingError> {
    match &request.idempotency {
        Some((key, fingerprint)) => replay(db, keys, key, fingerprint).await,
        None => Ok(None),
    }
}

/// The booking made earlier with this key, if the request is the same.
async fn replay(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    key: &str,
    fingerprint: &str,
) -> Result<Option<Booked>, SchedulingError> {
    let Some(earlier) = appointment::Entity::find()
        .filter(appointment::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if earlier.idempotency_fingerprint.as_deref() != Some(fingerprint) {
        return Err(SchedulingError::IdempotencyMismatch);
    }
    let token = manage_link::opened(keys, &earlier).ok_or(SchedulingError::IdempotencyMismatch)?;
    Ok(Some(Booked {
        appointment: earlier,
        manage_token: token,
        replayed: true,
    }))
}

/// One try at booking, in one transaction.
enum Attempt {
    Booked(Box<Booked>),
    /// The chosen practitioner's time was taken between the check and the insert (the
    /// database refused the overlap); nothing was written.
    Raced(Uuid),
}

async fn book_once<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    cache: &ScheduleCache,
    notify: Notifier<'_>,
    followups: &impl Followups,
    request: &BookingRequest,
    lost: &[Uuid],
    audit: &AuditContext,
) -> Result<Attempt, SchedulingError> {
    let keys = notify.keys;
    let txn = db::begin_write(db).await?;
    // Again inside the transaction: an identical request may have finished meanwhile (a
    // double click), and its booking is the answer rather than "taken".
    if let Some(earlier) = replay_of(&txn, keys, request).await? {
        return Ok(Attempt::Booked(Box::new(earlier)));
    }
    // Inside the transaction: on SQLite, the single writer's view is the latest.
    let snapshot = cache.get(&txn, audit.now).await?;
    let ty = snapshot
        .public_type(&request.type_slug)
        .ok_or(SchedulingError::UnknownType)?
        .clone();
    let offering = snapshot.offering(ty.id);
    let candidates: Vec<&practitioner::Model> = match request.practitioner_id {
        Some(id) => offering.iter().filter(|p| p.id == id).collect(),
        None => offering.iter().filter(|p| !lost.contains(&p.id)).collect(),
    };
    if candidates.is_empty() {
        return Err(if request.practitioner_id.is_some() {
            SchedulingError::NotOffered
        } else if !lost.is_empty() {
            Rejection::Taken.into()
        } else {
            Rejection::OutsideHours.into()
        });
    }
    // The first practitioner free at that time gets it; if none is, the most telling reason.
    let rules = types::slot_rules(&ty);
    let blocked = rules.blocked(request.start);
    let schedules = snapshot
        .schedules(&txn, &candidates, blocked.start, blocked.end, None)
        .await?;
    let mut refusal = None;
    let mut chosen = None;
    for (p, schedule) in candidates.iter().zip(&schedules) {
        match super::slots::check(schedule, &rules, request.start, audit.now) {
            Ok(()) => {
                chosen = Some(*p);
                break;
            }
            Err(r) => refusal = Some(most_telling(refusal, r)),
        }
    }
    let Some(p) = chosen else {
        return Err(refusal.unwrap_or(Rejection::OutsideHours).into());
    };

    // Always a new lead with exactly what was typed. Matching an earlier client by email
    // would let anyone who knows an address attach bookings to someone's case, and a
    // partner booking alone would land on the couple's shared record; staff merge
    // duplicates knowingly.
    let mut people = vec![request.booker.clone()];
    people.extend(request.partner.clone());
    let kind = if request.partner.is_some() {
        ClientKind::Couple
    } else {
        ClientKind::Individual
    };
    let record = clients::insert(
        &txn,
        NewClient {
            display_name: None,
            kind,
            status: ClientStatus::Lead,
            source: "online booking".into(),
            primary_practitioner_id: Some(p.id),
            participants: people,
        },
        audit.now,
    )
    .await?;

    let id = Uuid::new_v4();
    let (token, token_hash, token_sealed) = manage_link::mint(keys, id);
    let inserted = appointments::insert(
        &txn,
        &ty,
        id,
        NewAppointment {
            practitioner_id: p.id,
            client_id: record.client.id,
            start: request.start,
            source: AppointmentSource::Online,
            outside_hours: false,
            created_by: None,
            manage_token_hash: Some(token_hash),
            manage_token_sealed: Some(token_sealed),
            message_sealed: request
                .message
                .as_deref()
                .map(|m| keys.seal(m, &message_context(id))),
            idempotency: request.idempotency.clone(),
            series_id: None,
            video_room_sealed: super::video::mint_room(keys, id, &ty),
        },
        audit.now,
    )
    .await;
    let created = match inserted {
        Err(SchedulingError::Slot(Rejection::Taken)) => return Ok(Attempt::Raced(p.id)),
        other => other?,
    };
    // Everything the messages are made of is in hand: nothing is read again (a video
    // appointment's join links are written, not looked for).
    let facts = Facts::assemble(
        &txn,
        notify,
        &created,
        (ty.clone(), p.clone(), snapshot.practice.clone()),
        record.participants,
        token.expose(),
        super::video::Written::Now,
        audit.now,
    )
    .await?;
    let mut plan = Plan::default();
    plan.events.push(
        Event::new(Action::BookingCreate)
            .entity("appointment", id)
            .details(serde_json::json!({ "type": ty.slug })),
    );
    appointments::booked(&txn, notify, followups, &facts, audit, &mut plan).await?;
    plan.write(&txn, notify, audit).await?;
    txn.commit().await?;
    notify.mailer.wake();
    Ok(Attempt::Booked(Box::new(Booked {
        appointment: created,
        manage_token: token.into_string(),
        replayed: false,
    })))
}

/// Of two refusals from different practitioners, the one worth telling the client: a time
/// that is taken everywhere is "taken", otherwise the first other reason.
fn most_telling(earlier: Option<Rejection>, next: Rejection) -> Rejection {
    match earlier {
        None => next,
        Some(Rejection::Taken) => next,
        Some(other) => other,
    }
}

/// The associated data the booking message is sealed with.
pub fn message_context(id: Uuid) -> String {
    format!("appointment.message:{id}")
}

/// What a staff member gets of a booking's message.
#[derive(Debug, PartialEq, Eq)]
pub enum BookingMessage {
    /// The client wrote nothing, or the policy keeps it from this reader.
    None,
    Text(String),
    /// A message exists but the configured keys cannot open it (a key was lost or not
    /// carried over).
    Unreadable,
}

/// The message the client wrote when booking `a`, if `staff` may read it: it is clinical
/// (often the most sensitive sentence a client types), so only owners and the client's own
/// clinician see it, and each read is recorded.
pub async fn read_message(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    staff: &crate::auth::Staff,
    a: &appointment::Model,
    audit: &AuditContext,
) -> Result<BookingMessage, DbErr> {
    let Some(sealed) = &a.message_sealed else {
        return Ok(BookingMessage::None);
    };
    let Some(client) = entity::client::Entity::find_by_id(a.client_id)
        .one(db)
        .await?
    else {
        return Ok(BookingMessage::None);
    };
    if crate::policy::clinical(staff, &client).is_err() {
        return Ok(BookingMessage::None);
    }
    match keys.open(sealed, &message_context(a.id)) {
        Ok(text) => {
            audit
                .record(
                    db,
                    Event::new(Action::BookingMessageRead).entity("appointment", a.id),
                )
                .await?;
            Ok(BookingMessage::Text(text))
        }
        Err(e) => {
            tracing::error!(appointment = %a.id, error = %e, "a booking message cannot be decrypted with the current data keys");
            Ok(BookingMessage::Unreadable)
        }
    }
}

/// A booking as its manage link shows it.
pub struct ManagedBooking {
    pub appointment: appointment::Model,
    pub appointment_type: appointment_type::Model,
    pub practitioner: practitioner::Model,
}

impl ManagedBooking {
    /// Until when the client may cancel or move it themselves.
    pub fn cutoff(&self) -> DateTime<Utc> {
        types::cutoff(&self.appointment_type, self.appointment.starts_at)
    }
}

/// The booking behind a manage link. Unknown and malformed links look the same.
pub async fn by_token(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<ManagedBooking, SchedulingError> {
    if !manage_link::well_formed(token) {
        return Err(SchedulingError::NotFound);
    }
    let appointment = appointment::Entity::find()
        .filter(appointment::Column::ManageTokenHash.eq(crypto::hash_secret(token)))
        .one(db)
        .await?
        .ok_or(SchedulingError::NotFound)?;
    let appointment_type = types::find(db, appointment.appointment_type_id).await?;
    let practitioner = availability::practitioner(db, appointment.practitioner_id).await?;
    Ok(ManagedBooking {
        appointment,
        appointment_type,
        practitioner,
    })
}
