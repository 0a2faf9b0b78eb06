//! Appointments: creating, moving, cancelling and closing them, for staff and (through
//! `booking`) for clients. Every change raises `sequence` and is recorded.
//!
//! The rule that one practitioner's live appointments never overlap is checked here inside a
//! write transaction (SQLite runs those one at a time), and held by the database itself: an
//! exclusion constraint on Postgres, a trigger on SQLite. Two requests racing for one slot
//! both pass the check on Postgres, and the second is then refused by the constraint.

use chrono::{DateTime, Utc};
use entity::{
    appointment::{self, AppointmentSource, AppointmentStatus},
    appointment_type, client, practitioner,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::{
    SchedulingError,
    followups::{Followups, Plan},
    manage_link,
    notify::{self, Change, Facts},
    slots::{self, Rejection},
    snapshot::{ScheduleCache, Snapshot},
    types::{self, slot_rules},
};
use crate::{
    audit::{Action, AuditContext, Event},
    db,
    mail::Notifier,
    pagination::{Page, PageRequest},
};

/// Why an appointment was cancelled, as typed: trimmed, blank meaning none, at most 2,000
/// characters. Kept sealed, and never sent to the clients.
#[derive(Clone, PartialEq, Eq)]
pub struct CancelReason(String);

impl CancelReason {
    pub const MAX: usize = 2000;

    /// The reason, none for a blank one, or the field `reason` named when it is too long.
    pub fn parse(raw: Option<&str>) -> Result<Option<Self>, crate::validation::Invalid> {
        let Some(reason) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
            return Ok(None);
        };
        if reason.chars().count() > Self::MAX {
            return Err(crate::validation::Invalid(vec![
                crate::validation::FieldError::new("reason", "must be at most 2,000 characters"),
            ]));
        }
        Ok(Some(Self(reason.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A status as the API and the booking page name it.
pub fn status_name(status: AppointmentStatus) -> &'static str {
    match status {
        AppointmentStatus::Confirmed => "confirmed",
        AppointmentStatus::Cancelled => "cancelled",
        AppointmentStatus::Completed => "completed",
        AppointmentStatus::NoShow => "no_show",
    }
}

/// Who is booking, which decides the checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Booker {
    /// A client online: only an offered slot, with notice and horizon.
    Online,
    /// Staff: any time inside the hours, or any time at all with `outside_hours`; never over
    /// another live appointment.
    Staff { outside_hours: bool },
}

/// A time asked for, by whom, and the appointment it replaces (when one is being moved).
pub struct Asked {
    pub start: DateTime<Utc>,
    pub booker: Booker,
    pub ignore: Option<Uuid>,
}

/// Whether the time asked for can be booked for `ty` with `p`.
pub async fn ensure_free(
    db: &impl ConnectionTrait,
    snapshot: &Snapshot,
    p: &practitioner::Model,
    ty: &appointment_type::Model,
    asked: Asked,
    now: DateTime<Utc>,
) -> Result<(), SchedulingError> {
    let Asked {
        start,
        booker,
        ignore,
    } = asked;
    let rules = slot_rules(ty);
    let blocked = rules.blocked(start);
    let schedule = snapshot
        .schedules(db, &[p], blocked.start, blocked.end, ignore)
        .await?
        .pop()
        .expect("one schedule for one practitioner");
    match booker {
        Booker::Online => slots::check(&schedule, &rules, start, now)?,
        Booker::Staff {
            outside_hours: false,
        } => {
            if !slots::fits_hours(&schedule, &rules, start) {
                return Err(Rejection::OutsideHours.into());
            }
            if slots::collides(&schedule, &blocked) {
                return Err(Rejection::Taken.into());
            }
        }
        Booker::Staff {
            outside_hours: true,
        } => {
            // Time off is the practitioner's own to override; other appointments are not.
            if overlapping_live(db, p.id, blocked.start, blocked.end, ignore).await? {
                return Err(Rejection::Taken.into());
            }
        }
    }
    Ok(())
}

/// One session of a series as checked: its times and, if it cannot be booked, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub refused: Option<Rejection>,
}

/// Each of `starts` checked for a staff booking of `ty` with `p`, exactly as
/// [`ensure_free`] checks a single one (hours unless `outside_hours`, time off, busy
/// calendars, other appointments). Nothing is held: the race guarantee is the insert's.
pub async fn check_each(
    db: &impl ConnectionTrait,
    snapshot: &Snapshot,
    p: &practitioner::Model,
    ty: &appointment_type::Model,
    starts: &[DateTime<Utc>],
    outside_hours: bool,
    now: DateTime<Utc>,
) -> Result<Vec<Checked>, SchedulingError> {
    let duration = slot_rules(ty).duration;
    let mut out = Vec::with_capacity(starts.len());
    for &start in starts {
        let asked = Asked {
            start,
            booker: Booker::Staff { outside_hours },
            ignore: None,
        };
        let refused = match ensure_free(db, snapshot, p, ty, asked, now).await {
            Ok(()) => None,
            Err(SchedulingError::Slot(r)) => Some(r),
            Err(e) => return Err(e),
        };
        out.push(Checked {
            start,
            end: start + duration,
            refused,
        });
    }
    Ok(out)
}

async fn overlapping_live(
    db: &impl ConnectionTrait,
    practitioner_id: Uuid,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    ignore: Option<Uuid>,
) -> Result<bool, DbErr> {
    let mut query = appointment::Entity::find()
        .filter(appointment::Column::PractitionerId.eq(practitioner_id))
        .filter(appointment::Column::Status.ne(AppointmentStatus::Cancelled))
        .filter(appointment::Column::BlockedFrom.lt(until))
        .filter(appointment::Column::BlockedUntil.gt(from));
    if let Some(id) = ignore {
        query = query.filter(appointment::Column::Id.ne(id));
    }
    Ok(query.one(db).await?.is_some())
}

/// A new appointment's fields.
pub struct NewAppointment {
    pub practitioner_id: Uuid,
    pub client_id: Uuid,
    pub start: DateTime<Utc>,
    pub source: AppointmentSource,
    pub outside_hours: bool,
    pub created_by: Option<Uuid>,
    pub manage_token_hash: Option<String>,
    pub manage_token_sealed: Option<String>,
    pub message_sealed: Option<String>,
    pub idempotency: Option<(String, String)>,
    pub series_id: Option<Uuid>,
    /// The sealed room of a video appointment ([`super::video::mint_room`]).
    pub video_room_sealed: Option<String>,
}

/// Inserts (after [`ensure_free`]) in the caller's transaction. A race lost to another
/// booking surfaces here as the database's overlap refusal, and becomes `Taken`.
pub async fn insert(
    db: &impl ConnectionTrait,
    ty: &appointment_type::Model,
    id: Uuid,
    new: NewAppointment,
    now: DateTime<Utc>,
) -> Result<appointment::Model, SchedulingError> {
    let rules = slot_rules(ty);
    let blocked = rules.blocked(new.start);
    let (idempotency_key, idempotency_fingerprint) = new.idempotency.unzip();
    appointment::Entity::insert(appointment::ActiveModel {
        id: Set(id),
        practitioner_id: Set(new.practitioner_id),
        appointment_type_id: Set(ty.id),
        client_id: Set(new.client_id),
        starts_at: Set(new.start),
        ends_at: Set(new.start + rules.duration),
        blocked_from: Set(blocked.start),
        blocked_until: Set(blocked.end),
        status: Set(AppointmentStatus::Confirmed),
        source: Set(new.source),
        manage_token_hash: Set(new.manage_token_hash),
        manage_token_sealed: Set(new.manage_token_sealed),
        sequence: Set(0),
        message_sealed: Set(new.message_sealed),
        cancellation_reason_sealed: Set(None),
        cancelled_at: Set(None),
        cancelled_by: Set(None),
        idempotency_key: Set(idempotency_key),
        idempotency_fingerprint: Set(idempotency_fingerprint),
        outside_hours: Set(new.outside_hours),
        series_id: Set(new.series_id),
        video_room_sealed: Set(new.video_room_sealed),
        created_by: Set(new.created_by),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_with_returning(db)
    .await
    .map_err(overlap_as_taken)
}

/// The database's own overlap refusal (the Postgres exclusion constraint or the SQLite
/// trigger, both named `appointments_no_overlap`) means the slot was taken meanwhile.
fn overlap_as_taken(err: DbErr) -> SchedulingError {
    if db::violates(&err, "appointments_no_overlap") {
        SchedulingError::Slot(Rejection::Taken)
    } else {
        SchedulingError::Db(err)
    }
}

pub async fn find(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<appointment::Model, SchedulingError> {
    appointment::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(SchedulingError::UnknownAppointment)
}

/// The appointment, locked until the transaction ends on Postgres (SQLite's write
/// transactions already run one at a time), so two changes to it cannot interleave: the
/// second sees the first's result, and `sequence` rises by one for each.
async fn find_for_update(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<appointment::Model, SchedulingError> {
    db::for_update(appointment::Entity::find_by_id(id), db)
        .one(db)
        .await?
        .ok_or(SchedulingError::UnknownAppointment)
}

/// A staff booking for an existing client.
pub struct StaffBooking {
    pub client_id: Uuid,
    pub appointment_type_id: Uuid,
    pub practitioner_id: Uuid,
    pub start: DateTime<Utc>,
    pub outside_hours: bool,
}

#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn create_by_staff<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    cache: &ScheduleCache,
    notify: Notifier<'_>,
    followups: &impl Followups,
    booking: StaffBooking,
    audit: &AuditContext,
) -> Result<appointment::Model, SchedulingError> {
    let txn = db::begin_write(db).await?;
    let snapshot = cache.get(&txn, audit.now).await?;
    let ty = snapshot
        .appointment_type(booking.appointment_type_id)
        .ok_or(SchedulingError::UnknownType)?
        .clone();
    let p = snapshot
        .practitioner(booking.practitioner_id)
        .ok_or(SchedulingError::UnknownPractitioner)?
        .clone();
    if !snapshot.offering(ty.id).iter().any(|o| o.id == p.id) {
        return Err(SchedulingError::NotOffered);
    }
    let client = client::Entity::find_by_id(booking.client_id)
        .one(&txn)
        .await?
        .ok_or(SchedulingError::UnknownClient)?;
    let booker = Booker::Staff {
        outside_hours: booking.outside_hours,
    };
    let asked = Asked {
        start: booking.start,
        booker,
        ignore: None,
    };
    ensure_free(&txn, &snapshot, &p, &ty, asked, audit.now).await?;
    let id = Uuid::new_v4();
    // The couple's own link to it, from the start: their confirmation carries it.
    let (token, token_hash, token_sealed) = manage_link::mint(notify.keys, id);
    let created = insert(
        &txn,
        &ty,
        id,
        NewAppointment {
            practitioner_id: p.id,
            client_id: client.id,
            start: booking.start,
            source: AppointmentSource::Staff,
            outside_hours: booking.outside_hours,
            created_by: audit.actor.id,
            manage_token_hash: Some(token_hash),
            manage_token_sealed: Some(token_sealed),
            message_sealed: None,
            idempotency: None,
            series_id: None,
            video_room_sealed: super::video::mint_room(notify.keys, id, &ty),
        },
        audit.now,
    )
    .await?;
    let mut plan = Plan::default();
    plan.events.push(
        Event::new(Action::AppointmentCreate)
            .entity("appointment", id)
            .details(serde_json::json!({ "outside_hours": booking.outside_hours })),
    );
    let participants = notify::participants_of(&txn, client.id).await?;
    let facts = Facts::assemble(
        &txn,
        notify,
        &created,
        (ty, p, snapshot.practice.clone()),
        participants,
        token.expose(),
        super::video::Written::Now,
        audit.now,
    )
    .await?;
    booked(&txn, notify, followups, &facts, audit, &mut plan).await?;
    plan.write(&txn, notify, audit).await?;
    txn.commit().await?;
    notify.mailer.wake();
    Ok(created)
}

/// What a new appointment sets off, in its transaction: the confirmations and reminders, and
/// the type's intake questionnaire for each partner, planned into `plan`.
pub async fn booked(
    db: &impl ConnectionTrait,
    n: Notifier<'_>,
    followups: &impl Followups,
    facts: &Facts<'_>,
    audit: &AuditContext,
    plan: &mut Plan,
) -> Result<(), SchedulingError> {
    if facts.appointment().starts_at > audit.now {
        plan.emails
            .extend(facts.messages(n, Change::Booked, audit.now)?);
    }
    followups
        .booked(db, n, facts, audit, plan)
        .await
        .map_err(SchedulingError::Followup)
}

/// Moves a live appointment to `start`, atomically: the new time must be free (the old one
/// does not count against it) and the old one is released in the same transaction.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn reschedule<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    cache: &ScheduleCache,
    notify: Notifier<'_>,
    id: Uuid,
    start: DateTime<Utc>,
    booker: Booker,
    audit: &AuditContext,
) -> Result<appointment::Model, SchedulingError> {
    let txn = db::begin_write(db).await?;
    let current = live(&txn, id).await?;
    let snapshot = cache.get(&txn, audit.now).await?;
    let ty = snapshot
        .type_or_read(&txn, current.appointment_type_id)
        .await?;
    if booker == Booker::Online {
        let cutoff = types::cutoff(&ty, current.starts_at);
        if audit.now > cutoff {
            return Err(SchedulingError::PastCutoff { cutoff });
        }
    }
    let p = snapshot
        .practitioner_or_read(&txn, current.practitioner_id)
        .await?;
    let asked = Asked {
        start,
        booker,
        ignore: Some(id),
    };
    ensure_free(&txn, &snapshot, &p, &ty, asked, audit.now).await?;
    let outside_hours = matches!(
        booker,
        Booker::Staff {
            outside_hours: true
        }
    );
    let from = current.starts_at;
    let moved = write_move(&txn, &ty, current, start, outside_hours, audit.now).await?;
    let action = match booker {
        Booker::Online => Action::BookingReschedule,
        Booker::Staff { .. } => Action::AppointmentReschedule,
    };
    audit
        .record(
            &txn,
            Event::new(action)
                .entity("appointment", id)
                .details(serde_json::json!({
                    "from": from.to_rfc3339(),
                    "to": start.to_rfc3339(),
                })),
        )
        .await?;
    notify::appointment_changed_in(
        &txn,
        notify,
        &snapshot,
        &moved,
        Change::Rescheduled { from },
        audit.now,
    )
    .await?;
    txn.commit().await?;
    notify.mailer.wake();
    Ok(moved)
}

/// Who cancels, which decides the cutoff and the audit action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelledBy {
    Client,
    Staff,
}

/// Whether a client may still cancel after the type's cutoff. Billing decides (only where
/// the practice charges a late-cancellation fee, which the therapist then confirms or
/// waives); scheduling only obeys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterCutoff {
    Refuse,
    Allow,
}

/// Cancels a live appointment; the reason, if any, is kept encrypted.
#[allow(clippy::too_many_arguments)]
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn cancel<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    cache: &ScheduleCache,
    notify: Notifier<'_>,
    id: Uuid,
    reason: Option<CancelReason>,
    by: CancelledBy,
    after_cutoff: AfterCutoff,
    audit: &AuditContext,
) -> Result<appointment::Model, SchedulingError> {
    let txn = db::begin_write(db).await?;
    let current = live(&txn, id).await?;
    let snapshot = cache.get(&txn, audit.now).await?;
    if by == CancelledBy::Client && after_cutoff == AfterCutoff::Refuse {
        let ty = snapshot
            .type_or_read(&txn, current.appointment_type_id)
            .await?;
        let cutoff = types::cutoff(&ty, current.starts_at);
        if audit.now > cutoff {
            return Err(SchedulingError::PastCutoff { cutoff });
        }
    }
    let cancelled =
        write_cancel(&txn, notify.keys, current, reason.as_ref(), by, audit.now).await?;
    let action = match by {
        CancelledBy::Client => Action::BookingCancel,
        CancelledBy::Staff => Action::AppointmentCancel,
    };
    audit
        .record(&txn, Event::new(action).entity("appointment", id))
        .await?;
    notify::appointment_changed_in(
        &txn,
        notify,
        &snapshot,
        &cancelled,
        Change::Cancelled,
        audit.now,
    )
    .await?;
    txn.commit().await?;
    notify.mailer.wake();
    Ok(cancelled)
}

/// `current` moved to `start` (already checked with [`ensure_free`]), in the caller's
/// transaction; a race lost meanwhile is `Taken`.
pub async fn write_move(
    db: &impl ConnectionTrait,
    ty: &appointment_type::Model,
    current: appointment::Model,
    start: DateTime<Utc>,
    outside_hours: bool,
    now: DateTime<Utc>,
) -> Result<appointment::Model, SchedulingError> {
    let rules = slot_rules(ty);
    let blocked = rules.blocked(start);
    let sequence = current.sequence + 1;
    let mut model: appointment::ActiveModel = current.into();
    model.starts_at = Set(start);
    model.ends_at = Set(start + rules.duration);
    model.blocked_from = Set(blocked.start);
    model.blocked_until = Set(blocked.end);
    model.outside_hours = Set(outside_hours);
    model.sequence = Set(sequence);
    model.updated_at = Set(now);
    appointment::Entity::update(model)
        .exec(db)
        .await
        .map_err(overlap_as_taken)
}

/// `current` cancelled, in the caller's transaction, the reason sealed.
pub async fn write_cancel(
    db: &impl ConnectionTrait,
    keys: &crate::crypto::DataKeys,
    current: appointment::Model,
    reason: Option<&CancelReason>,
    by: CancelledBy,
    now: DateTime<Utc>,
) -> Result<appointment::Model, DbErr> {
    let id = current.id;
    let sequence = current.sequence + 1;
    let mut model: appointment::ActiveModel = current.into();
    model.status = Set(AppointmentStatus::Cancelled);
    model.cancelled_at = Set(Some(now));
    model.cancelled_by = Set(Some(
        match by {
            CancelledBy::Client => "client",
            CancelledBy::Staff => "staff",
        }
        .to_owned(),
    ));
    model.cancellation_reason_sealed =
        Set(reason.map(|r| keys.seal(r.as_str(), &reason_context(id))));
    model.sequence = Set(sequence);
    model.updated_at = Set(now);
    appointment::Entity::update(model).exec(db).await
}

/// The associated data a cancellation reason is sealed with.
pub fn reason_context(id: Uuid) -> String {
    format!("appointment.cancellation_reason:{id}")
}

/// Marks a live appointment as completed or as a no-show.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn close<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    notify: Notifier<'_>,
    id: Uuid,
    outcome: AppointmentStatus,
    audit: &AuditContext,
) -> Result<appointment::Model, SchedulingError> {
    let txn = db::begin_write(db).await?;
    let current = find_for_update(&txn, id).await?;
    if current.status == AppointmentStatus::Cancelled {
        return Err(SchedulingError::NotLive);
    }
    if current.status == outcome {
        txn.rollback().await?;
        return Ok(current);
    }
    let mut model: appointment::ActiveModel = current.clone().into();
    model.status = Set(outcome);
    model.sequence = Set(current.sequence + 1);
    model.updated_at = Set(audit.now);
    let closed = appointment::Entity::update(model).exec(&txn).await?;
    let action = if outcome == AppointmentStatus::NoShow {
        Action::AppointmentNoShow
    } else {
        Action::AppointmentComplete
    };
    audit
        .record(&txn, Event::new(action).entity("appointment", id))
        .await?;
    notify::appointment_changed(&txn, notify, &closed, Change::Closed, audit.now).await?;
    txn.commit().await?;
    Ok(closed)
}

/// A confirmed appointment (changes to others are refused).
pub(super) async fn live(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<appointment::Model, SchedulingError> {
    let current = find_for_update(db, id).await?;
    if current.status != AppointmentStatus::Confirmed {
        return Err(SchedulingError::NotLive);
    }
    Ok(current)
}

/// All of a client's appointments, latest first (a couple's record is short enough to show
/// whole).
pub async fn of_client(
    db: &impl ConnectionTrait,
    client_id: Uuid,
) -> Result<Vec<appointment::Model>, DbErr> {
    appointment::Entity::find()
        .filter(appointment::Column::ClientId.eq(client_id))
        .order_by_desc(appointment::Column::StartsAt)
        .order_by_desc(appointment::Column::Id)
        .all(db)
        .await
}

/// What the appointment list can be narrowed to.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub practitioner_id: Option<Uuid>,
    pub client_id: Option<Uuid>,
    pub status: Option<AppointmentStatus>,
}

/// The sort key: earliest first.
pub type Cursor = (DateTime<Utc>, Uuid);

pub async fn list(
    db: &impl ConnectionTrait,
    filter: &Filter,
    page: &PageRequest<Cursor>,
) -> Result<Page<appointment::Model>, DbErr> {
    use appointment::Column as C;
    let mut query = appointment::Entity::find();
    if let Some(from) = filter.from {
        query = query.filter(C::StartsAt.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(C::StartsAt.lt(to));
    }
    if let Some(p) = filter.practitioner_id {
        query = query.filter(C::PractitionerId.eq(p));
    }
    if let Some(c) = filter.client_id {
        query = query.filter(C::ClientId.eq(c));
    }
    if let Some(s) = filter.status {
        query = query.filter(C::Status.eq(s));
    }
    if let Some((at, id)) = page.after {
        query = query.filter(
            Condition::any()
                .add(C::StartsAt.gt(at))
                .add(Condition::all().add(C::StartsAt.eq(at)).add(C::Id.gt(id))),
        );
    }
    let rows = query
        .order_by_asc(C::StartsAt)
        .order_by_asc(C::Id)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    Ok(Page::from_overfetch(rows, page.limit, |a| {
        (a.starts_at, a.id)
    }))
}
