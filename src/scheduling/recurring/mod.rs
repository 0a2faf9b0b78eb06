//! Series of sessions, booked, moved and cancelled together. Each session is an ordinary
//! appointment naming its series: it is checked like one, keeps its own manage link,
//! reminders, audit events and feed event, and can be changed alone. What this adds is
//! the checking and writing of many at once, all or nothing, and one message to each
//! partner about all of them.

mod changes;
mod input;
mod messages;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{appointment, appointment_series, appointment_type, client, practitioner};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use changes::{Scope, cancel, reschedule};
pub use input::SeriesInput;

use super::{
    SchedulingError,
    appointments::{self, Checked, NewAppointment},
    followups::{Followups, Plan},
    manage_link,
    notify::{self, Facts},
    series::{Ends, Recurrence, RecurrenceError},
    slots::Rejection,
    snapshot::{ScheduleCache, Snapshot},
};
use crate::{
    audit::{Action, AuditContext, Event},
    db,
    mail::{Kind, Notifier},
};

/// A series as staff ask for it.
#[derive(Clone, Debug)]
pub struct SeriesRequest {
    pub client_id: Uuid,
    pub appointment_type_id: Uuid,
    pub practitioner_id: Uuid,
    pub recurrence: Recurrence,
    pub outside_hours: bool,
    /// Book the sessions that can be, and record the rest as skipped, instead of refusing
    /// the whole series.
    pub skip_conflicts: bool,
}

/// A session left out of a series, as kept in `appointment_series.skipped`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub start: DateTime<Utc>,
    pub reason: String,
}

/// A series and its sessions, earliest first.
pub struct SeriesRecord {
    pub series: appointment_series::Model,
    pub sessions: Vec<appointment::Model>,
}

impl SeriesRecord {
    pub fn skipped(&self) -> Vec<Skipped> {
        serde_json::from_value(self.series.skipped.clone()).unwrap_or_default()
    }
}

/// "every week", "every 2 weeks".
pub fn cadence(every_weeks: i32) -> String {
    match every_weeks {
        1 => "every week".to_owned(),
        n => format!("every {n} weeks"),
    }
}

/// Each session of the series asked for, checked as a booking would check it; nothing is
/// written or held.
pub async fn preview(
    db: &impl ConnectionTrait,
    cache: &ScheduleCache,
    request: &SeriesRequest,
    now: DateTime<Utc>,
) -> Result<Vec<Checked>, SchedulingError> {
    let starts = future_starts(&request.recurrence, now)?;
    let snapshot = cache.current(db, now).await?;
    let (ty, p, _) = resolve(db, &snapshot, request).await?;
    appointments::check_each(db, &snapshot, &p, &ty, &starts, request.outside_hours, now).await
}

/// Books the series: every session, or (with `skip_conflicts`) every session that can be,
/// in one transaction. A session that cannot be booked refuses the whole series, listing
/// each one that cannot; so does a series none of whose sessions can be.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    cache: &ScheduleCache,
    notify: Notifier<'_>,
    followups: &impl Followups,
    request: SeriesRequest,
    audit: &AuditContext,
) -> Result<SeriesRecord, SchedulingError> {
    let starts = future_starts(&request.recurrence, audit.now)?;
    let txn = db::begin_write(db).await?;
    let snapshot = cache.get(&txn, audit.now).await?;
    let (ty, p, client) = resolve(&txn, &snapshot, &request).await?;
    let mut checked = appointments::check_each(
        &txn,
        &snapshot,
        &p,
        &ty,
        &starts,
        request.outside_hours,
        audit.now,
    )
    .await?;
    let refused = checked.iter().filter(|c| c.refused.is_some()).count();
    if refused == checked.len() || (refused > 0 && !request.skip_conflicts) {
        return Err(SchedulingError::SeriesConflicts(checked));
    }
    let skipped: Vec<Skipped> = checked
        .iter()
        .filter_map(|c| {
            Some(Skipped {
                start: c.start,
                reason: c.refused?.name().to_owned(),
            })
        })
        .collect();
    let series = insert_series(&txn, &request, &starts, &skipped, audit).await?;

    let mut sessions = Vec::with_capacity(checked.len() - refused);
    let mut tokens = Vec::with_capacity(sessions.capacity());
    for i in 0..checked.len() {
        if checked[i].refused.is_some() {
            continue;
        }
        let id = Uuid::new_v4();
        let (token, hash, sealed) = manage_link::mint(notify.keys, id);
        let new = NewAppointment {
            practitioner_id: p.id,
            client_id: client.id,
            start: checked[i].start,
            source: entity::appointment::AppointmentSource::Staff,
            outside_hours: request.outside_hours,
            created_by: audit.actor.id,
            manage_token_hash: Some(hash),
            manage_token_sealed: Some(sealed),
            message_sealed: None,
            idempotency: None,
            series_id: Some(series.id),
            video_room_sealed: super::video::mint_room(notify.keys, id, &ty),
        };
        match appointments::insert(&txn, &ty, id, new, audit.now).await {
            Ok(row) => sessions.push(row),
            // Taken between the check and the insert: the series is refused as a whole.
            Err(SchedulingError::Slot(Rejection::Taken)) => {
                checked[i].refused = Some(Rejection::Taken);
                return Err(SchedulingError::SeriesConflicts(checked));
            }
            Err(e) => return Err(e),
        }
        tokens.push(token);
    }

    let mut plan = Plan::default();
    for session in &sessions {
        plan.events.push(
            Event::new(Action::AppointmentCreate)
                .entity("appointment", session.id)
                .details(serde_json::json!({
                    "outside_hours": request.outside_hours,
                    "series_id": series.id,
                })),
        );
    }
    plan.events.push(
        Event::new(Action::SeriesCreate)
            .entity("appointment_series", series.id)
            .details(serde_json::json!({
                "sessions": sessions.len(),
                "skipped": skipped.len(),
                "every_weeks": series.every_weeks,
            })),
    );
    let participants = notify::participants_of(&txn, client.id).await?;
    let mut facts: Vec<Facts<'_>> = Vec::with_capacity(sessions.len());
    for (session, token) in sessions.iter().zip(&tokens) {
        facts.push(
            Facts::assemble(
                &txn,
                notify,
                session,
                (ty.clone(), p.clone(), snapshot.practice.clone()),
                participants.clone(),
                token.expose(),
                super::video::Written::Now,
                audit.now,
            )
            .await?,
        );
    }
    for f in &facts {
        plan.emails.extend(f.reminders(notify, audit.now)?);
    }
    // The type's intake questionnaires go out once, with the first session.
    followups
        .booked(&txn, notify, &facts[0], audit, &mut plan)
        .await
        .map_err(SchedulingError::Followup)?;
    let news: Vec<messages::Session<'_>> = facts
        .iter()
        .map(|facts| messages::Session {
            facts,
            previous: None,
        })
        .collect();
    let skipped_at: Vec<DateTime<Utc>> = skipped.iter().map(|s| s.start).collect();
    plan.emails.extend(messages::to_each_partner(
        notify,
        Kind::SeriesBooked,
        &news,
        &skipped_at,
        &cadence(series.every_weeks),
        |person| format!("series_booked:{}:{person}", series.id),
        audit.now,
    )?);
    plan.write(&txn, notify, audit).await?;
    txn.commit().await?;
    notify.mailer.wake();
    Ok(SeriesRecord { series, sessions })
}

/// The series and all its sessions, cancelled ones included.
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<SeriesRecord, SchedulingError> {
    let series = appointment_series::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(SchedulingError::NotFound)?;
    let sessions = appointment::Entity::find()
        .filter(appointment::Column::SeriesId.eq(id))
        .order_by_asc(appointment::Column::StartsAt)
        .order_by_asc(appointment::Column::Id)
        .all(db)
        .await?;
    Ok(SeriesRecord { series, sessions })
}

/// The starts of the series, the first of them still to come.
fn future_starts(
    recurrence: &Recurrence,
    now: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>, RecurrenceError> {
    let starts = recurrence.starts()?;
    if starts[0] <= now {
        return Err(RecurrenceError::FirstInPast);
    }
    Ok(starts)
}

async fn resolve(
    db: &impl ConnectionTrait,
    snapshot: &Snapshot,
    request: &SeriesRequest,
) -> Result<(appointment_type::Model, practitioner::Model, client::Model), SchedulingError> {
    let ty = snapshot
        .appointment_type(request.appointment_type_id)
        .ok_or(SchedulingError::UnknownType)?
        .clone();
    let p = snapshot
        .practitioner(request.practitioner_id)
        .ok_or(SchedulingError::UnknownPractitioner)?
        .clone();
    if !snapshot.offering(ty.id).iter().any(|o| o.id == p.id) {
        return Err(SchedulingError::NotOffered);
    }
    let client = client::Entity::find_by_id(request.client_id)
        .one(db)
        .await?
        .ok_or(SchedulingError::UnknownClient)?;
    Ok((ty, p, client))
}

async fn insert_series(
    db: &impl ConnectionTrait,
    request: &SeriesRequest,
    starts: &[DateTime<Utc>],
    skipped: &[Skipped],
    audit: &AuditContext,
) -> Result<appointment_series::Model, SchedulingError> {
    let r = &request.recurrence;
    let (count, until): (Option<i32>, Option<NaiveDate>) = match r.ends {
        Ends::After(n) => (Some(n as i32), None),
        Ends::On(date) => (None, Some(date)),
    };
    Ok(
        appointment_series::Entity::insert(appointment_series::ActiveModel {
            id: Set(Uuid::new_v4()),
            client_id: Set(request.client_id),
            practitioner_id: Set(request.practitioner_id),
            appointment_type_id: Set(request.appointment_type_id),
            time_zone: Set(r.tz.name().to_owned()),
            first_start: Set(starts[0]),
            every_weeks: Set(r.every_weeks as i32),
            count: Set(count),
            until: Set(until),
            outside_hours: Set(request.outside_hours),
            skipped: Set(serde_json::to_value(skipped).expect("plain data serializes")),
            created_by: Set(audit.actor.id),
            created_at: Set(audit.now),
        })
        .exec_with_returning(db)
        .await?,
    )
}
