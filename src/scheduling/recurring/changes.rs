//! Moving or cancelling sessions of a series with a scope: this session alone (an ordinary
//! change), this one and the ones after it, or all that are still to come.
//!
//! A move shifts every session in scope by the same wall-clock time in the series' zone, so
//! "an hour later" stays an hour later across a change of the clocks, and re-checks each
//! one; one that cannot move refuses the whole change, listing every one that cannot.

use chrono::{DateTime, Duration, Utc};
use entity::{
    appointment::{self, AppointmentStatus},
    appointment_series,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionSession,
    TransactionTrait,
};
use uuid::Uuid;

use super::{cadence, messages};
use crate::{
    audit::{Action, AuditContext, Event},
    db,
    mail::{Kind, Notifier},
    scheduling::{
        SchedulingError,
        appointments::{self, Asked, Booker, CancelReason, CancelledBy, Checked},
        followups::Plan,
        manage_link,
        notify::{self, Change, Facts},
        series,
        slots::Rejection,
        snapshot::{ScheduleCache, Snapshot},
        types::slot_rules,
    },
    types::TimeZone,
};

/// Which sessions of a series a change applies to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scope {
    /// The session named alone.
    #[default]
    This,
    /// The session named and every later one.
    Following,
    /// Every session still to come.
    All,
}

impl Scope {
    pub fn name(self) -> &'static str {
        match self {
            Scope::This => "this",
            Scope::Following => "following",
            Scope::All => "all",
        }
    }
}

/// Moves the session `id` to `start`, and with it the others in `scope` by the same
/// wall-clock shift. Answers the session named, as it now is.
#[allow(clippy::too_many_arguments)]
#[tracing::instrument(skip_all, fields(id = %id, scope = scope.name()), err(level = "info"))]
pub async fn reschedule<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    cache: &ScheduleCache,
    notify: Notifier<'_>,
    id: Uuid,
    start: DateTime<Utc>,
    outside_hours: bool,
    scope: Scope,
    audit: &AuditContext,
) -> Result<appointment::Model, SchedulingError> {
    let booker = Booker::Staff { outside_hours };
    if scope == Scope::This {
        return appointments::reschedule(db, cache, notify, id, start, booker, audit).await;
    }
    let txn = db::begin_write(db).await?;
    let (anchor, series, members) = in_scope(&txn, id, scope, audit.now).await?;
    let snapshot = cache.get(&txn, audit.now).await?;
    let ty = snapshot
        .type_or_read(&txn, anchor.appointment_type_id)
        .await?;
    let p = snapshot
        .practitioner_or_read(&txn, anchor.practitioner_id)
        .await?;
    let tz = zone_of(&series, &snapshot);
    let shift = series::wall_shift(anchor.starts_at, start, tz);
    let mut targets: Vec<(appointment::Model, DateTime<Utc>)> = members
        .into_iter()
        .map(|m| {
            let to = if m.id == anchor.id {
                start
            } else {
                series::shifted(m.starts_at, shift, tz)
            };
            (m, to)
        })
        .collect();
    // Later sessions first when moving later, so one never lands on a sibling that has not
    // moved yet.
    if shift > Duration::zero() {
        targets.reverse();
    }
    let duration = slot_rules(&ty).duration;
    let mut checked = Vec::with_capacity(targets.len());
    let mut moved = Vec::with_capacity(targets.len());
    for (current, to) in targets {
        let asked = Asked {
            start: to,
            booker,
            ignore: Some(current.id),
        };
        let refused =
            match appointments::ensure_free(&txn, &snapshot, &p, &ty, asked, audit.now).await {
                Ok(()) => None,
                Err(SchedulingError::Slot(r)) => Some(r),
                Err(e) => return Err(e),
            };
        checked.push(Checked {
            start: to,
            end: to + duration,
            refused,
        });
        if refused.is_some() {
            continue;
        }
        let from = current.starts_at;
        match appointments::write_move(&txn, &ty, current, to, outside_hours, audit.now).await {
            Ok(row) => moved.push((row, from)),
            Err(SchedulingError::Slot(Rejection::Taken)) => {
                checked.last_mut().expect("just pushed").refused = Some(Rejection::Taken);
                return Err(conflicts(checked));
            }
            Err(e) => return Err(e),
        }
    }
    if checked.iter().any(|c| c.refused.is_some()) {
        return Err(conflicts(checked));
    }
    moved.sort_by_key(|(row, _)| row.starts_at);

    let mut plan = Plan::default();
    for (row, from) in &moved {
        plan.events.push(
            Event::new(Action::AppointmentReschedule)
                .entity("appointment", row.id)
                .details(serde_json::json!({
                    "from": from.to_rfc3339(),
                    "to": row.starts_at.to_rfc3339(),
                    "series_id": series.id,
                    "scope": scope.name(),
                })),
        );
    }
    let changed: Vec<(appointment::Model, Option<DateTime<Utc>>)> = moved
        .into_iter()
        .map(|(row, from)| (row, Some(from)))
        .collect();
    tell(&txn, notify, &snapshot, &series, &changed, audit, &mut plan).await?;
    plan.write(&txn, notify, audit).await?;
    txn.commit().await?;
    notify.mailer.wake();
    Ok(named(changed, anchor))
}

/// Cancels the session `id`, or with `scope` the others too; the reason, if any, is kept
/// sealed on each. Answers the session named, as it now is.
#[allow(clippy::too_many_arguments)]
#[tracing::instrument(skip_all, fields(id = %id, scope = scope.name()), err(level = "info"))]
pub async fn cancel<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    cache: &ScheduleCache,
    notify: Notifier<'_>,
    id: Uuid,
    reason: Option<CancelReason>,
    scope: Scope,
    audit: &AuditContext,
) -> Result<appointment::Model, SchedulingError> {
    if scope == Scope::This {
        return appointments::cancel(
            db,
            cache,
            notify,
            id,
            reason,
            CancelledBy::Staff,
            appointments::AfterCutoff::Refuse,
            audit,
        )
        .await;
    }
    let txn = db::begin_write(db).await?;
    let (anchor, series, members) = in_scope(&txn, id, scope, audit.now).await?;
    let snapshot = cache.get(&txn, audit.now).await?;
    let mut plan = Plan::default();
    let mut changed = Vec::with_capacity(members.len());
    for current in members {
        let row = appointments::write_cancel(
            &txn,
            notify.keys,
            current,
            reason.as_ref(),
            CancelledBy::Staff,
            audit.now,
        )
        .await?;
        plan.events.push(
            Event::new(Action::AppointmentCancel)
                .entity("appointment", row.id)
                .details(serde_json::json!({
                    "series_id": series.id,
                    "scope": scope.name(),
                })),
        );
        changed.push((row, None));
    }
    tell(&txn, notify, &snapshot, &series, &changed, audit, &mut plan).await?;
    plan.write(&txn, notify, audit).await?;
    txn.commit().await?;
    notify.mailer.wake();
    Ok(named(changed, anchor))
}

/// The session named (locked and live), its series, and the live sessions in `scope`
/// (locked, earliest first).
async fn in_scope(
    db: &impl ConnectionTrait,
    id: Uuid,
    scope: Scope,
    now: DateTime<Utc>,
) -> Result<
    (
        appointment::Model,
        appointment_series::Model,
        Vec<appointment::Model>,
    ),
    SchedulingError,
> {
    let anchor = appointments::live(db, id).await?;
    let series_id = anchor.series_id.ok_or(SchedulingError::NotInSeries)?;
    let series = appointment_series::Entity::find_by_id(series_id)
        .one(db)
        .await?
        .ok_or(SchedulingError::NotInSeries)?;
    let mut query = appointment::Entity::find()
        .filter(appointment::Column::SeriesId.eq(series_id))
        .filter(appointment::Column::Status.eq(AppointmentStatus::Confirmed));
    query = match scope {
        Scope::Following => query.filter(appointment::Column::StartsAt.gte(anchor.starts_at)),
        // Past sessions are the record of what happened; "all" means all still to come.
        Scope::All | Scope::This => query.filter(appointment::Column::StartsAt.gt(now)),
    };
    let members = db::for_update(query, db)
        .order_by_asc(appointment::Column::StartsAt)
        .order_by_asc(appointment::Column::Id)
        .all(db)
        .await?;
    Ok((anchor, series, members))
}

/// Replans each changed session's reminders and tells each partner once about them all.
async fn tell(
    db: &impl ConnectionTrait,
    n: Notifier<'_>,
    snapshot: &Snapshot,
    series: &appointment_series::Model,
    changed: &[(appointment::Model, Option<DateTime<Utc>>)],
    audit: &AuditContext,
    plan: &mut Plan,
) -> Result<(), SchedulingError> {
    let Some((first, _)) = changed.first() else {
        return Ok(());
    };
    let participants = notify::participants_of(db, series.client_id).await?;
    let ty = snapshot.type_or_read(db, first.appointment_type_id).await?;
    let p = snapshot
        .practitioner_or_read(db, first.practitioner_id)
        .await?;
    let mut upcoming = Vec::with_capacity(changed.len());
    for (row, previous) in changed {
        let change = match previous {
            Some(from) => Change::Rescheduled { from: *from },
            None => Change::Cancelled,
        };
        if !notify::withdraw_pending(db, row, change, audit.now).await? {
            continue;
        }
        let token = manage_link::current(db, n.keys, row, audit.now).await?;
        upcoming.push((row, *previous, token));
    }
    let mut facts: Vec<Facts<'_>> = Vec::with_capacity(upcoming.len());
    for (row, _, token) in &upcoming {
        facts.push(
            Facts::assemble(
                db,
                n,
                row,
                (ty.clone(), p.clone(), snapshot.practice.clone()),
                participants.clone(),
                token,
                crate::scheduling::video::Written::Before,
                audit.now,
            )
            .await?,
        );
    }
    for (f, (row, previous, _)) in facts.iter().zip(&upcoming) {
        if previous.is_some() && row.status == AppointmentStatus::Confirmed {
            plan.emails.extend(f.reminders(n, audit.now)?);
        }
    }
    let sessions: Vec<messages::Session<'_>> = facts
        .iter()
        .zip(&upcoming)
        .map(|(facts, (_, previous, _))| messages::Session {
            facts,
            previous: *previous,
        })
        .collect();
    plan.emails.extend(messages::to_each_partner(
        n,
        Kind::SeriesChanged,
        &sessions,
        &[],
        &cadence(series.every_weeks),
        |person| {
            format!(
                "series_changed:{}:{}:{}:{person}",
                series.id, first.id, first.sequence
            )
        },
        audit.now,
    )?);
    Ok(())
}

fn zone_of(series: &appointment_series::Model, snapshot: &Snapshot) -> TimeZone {
    TimeZone::parse(&series.time_zone)
        .unwrap_or_else(|_| crate::practice::zone_of(&snapshot.practice))
}

fn conflicts(mut checked: Vec<Checked>) -> SchedulingError {
    checked.sort_by_key(|c| c.start);
    SchedulingError::SeriesConflicts(checked)
}

/// The session named, as changed, or as it was when the scope left it out.
fn named(
    changed: Vec<(appointment::Model, Option<DateTime<Utc>>)>,
    anchor: appointment::Model,
) -> appointment::Model {
    changed
        .into_iter()
        .map(|(row, _)| row)
        .find(|row| row.id == anchor.id)
        .unwrap_or(anchor)
}
