//! Late-cancellation and no-show fees. A client's cancellation after the type's cutoff, or a
//! session marked missed, leaves a fee by the practice's policy that waits for the therapist:
//! confirmed, it can be invoiced like a session (split the same way); waived, it is gone.
//! Both decisions are audited.
//!
//! The fees are found rather than pushed: [`sweep`] looks for such appointments without a
//! fee yet, so scheduling needs to know nothing of billing, and a session moved back from
//! missed to held drops the fee that is still pending.

use chrono::{DateTime, Duration, Utc};
use entity::{
    appointment::{self, AppointmentStatus},
    appointment_type, pending_fee,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::OnConflict,
};
use uuid::Uuid;

use super::{
    BillingError, fees,
    policy::{self, percent_of},
};
use crate::audit::{Action, AuditContext, Event};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    LateCancellation,
    NoShow,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::LateCancellation => "late_cancellation",
            Kind::NoShow => "no_show",
        }
    }
}

pub const PENDING: &str = "pending";
pub const CONFIRMED: &str = "confirmed";
pub const WAIVED: &str = "waived";

/// How far back a sweep looks: a fee is decided within weeks, not months.
const LOOK_BACK_DAYS: i64 = 90;

/// Whether `a` was cancelled by its client after `ty`'s cutoff.
fn late(a: &appointment::Model, ty: &appointment_type::Model) -> bool {
    a.status == AppointmentStatus::Cancelled
        && a.cancelled_by.as_deref() == Some("client")
        && a.cancelled_at
            .is_some_and(|at| at > crate::scheduling::types::cutoff(ty, a.starts_at))
}

/// Makes the fees the policy calls for that are not there yet, and drops pending ones whose
/// session is no longer missed. Answers how many it made.
pub async fn sweep(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<usize, BillingError> {
    let policy = policy::policy(db).await?;
    let since = now - Duration::days(LOOK_BACK_DAYS);
    let existing = pending_fee::Entity::find()
        .filter(pending_fee::Column::CreatedAt.gte(since))
        .all(db)
        .await?;
    // A session held after all keeps no missed-session fee still waiting for a decision.
    let stale: Vec<Uuid> = if existing.is_empty() {
        Vec::new()
    } else {
        let held = appointment::Entity::find()
            .filter(
                appointment::Column::Id.is_in(
                    existing
                        .iter()
                        .filter(|f| f.status == PENDING)
                        .map(|f| f.appointment_id),
                ),
            )
            .filter(
                appointment::Column::Status
                    .is_in([AppointmentStatus::Completed, AppointmentStatus::Confirmed]),
            )
            .all(db)
            .await?;
        held.iter().map(|a| a.id).collect()
    };
    if !stale.is_empty() {
        pending_fee::Entity::delete_many()
            .filter(pending_fee::Column::AppointmentId.is_in(stale.iter().copied()))
            .filter(pending_fee::Column::Status.eq(PENDING))
            .exec(db)
            .await?;
    }
    let mut statuses = Vec::new();
    if policy.no_show_percent.is_some() {
        statuses.push(AppointmentStatus::NoShow);
    }
    if policy.late_cancel_percent.is_some() {
        statuses.push(AppointmentStatus::Cancelled);
    }
    if statuses.is_empty() {
        return Ok(0);
    }
    let candidates = appointment::Entity::find()
        .filter(appointment::Column::Status.is_in(statuses))
        .filter(appointment::Column::StartsAt.gte(since))
        .filter(appointment::Column::StartsAt.lte(now + Duration::days(LOOK_BACK_DAYS)))
        .all(db)
        .await?;
    let candidates: Vec<_> = candidates
        .into_iter()
        .filter(|a| !existing.iter().any(|f| f.appointment_id == a.id))
        .collect();
    if candidates.is_empty() {
        return Ok(0);
    }
    let types = appointment_type::Entity::find()
        .filter(
            appointment_type::Column::Id.is_in(candidates.iter().map(|a| a.appointment_type_id)),
        )
        .all(db)
        .await?;
    let mut made = Vec::new();
    for a in &candidates {
        let Some(ty) = types.iter().find(|t| t.id == a.appointment_type_id) else {
            continue;
        };
        let (kind, percent) = match a.status {
            AppointmentStatus::NoShow => (Kind::NoShow, policy.no_show_percent),
            _ if late(a, ty) => (Kind::LateCancellation, policy.late_cancel_percent),
            _ => continue,
        };
        let (Some(percent), Some(fee)) = (
            percent,
            fees::fee_for(db, a.client_id, a.appointment_type_id).await?,
        ) else {
            continue;
        };
        let amount = percent_of(fee.minor, percent);
        // A free consultation costs nothing to miss.
        if amount == 0 {
            continue;
        }
        made.push(pending_fee::ActiveModel {
            id: Set(Uuid::new_v4()),
            appointment_id: Set(a.id),
            client_id: Set(a.client_id),
            kind: Set(kind.as_str().to_owned()),
            amount_minor: Set(amount),
            status: Set(PENDING.to_owned()),
            decided_by: Set(None),
            decided_at: Set(None),
            created_at: Set(now),
        });
    }
    let count = made.len();
    if count > 0 {
        // Two sweeps at once (two requests, or two instances) make each fee once.
        pending_fee::Entity::insert_many(made)
            .on_conflict(
                OnConflict::column(pending_fee::Column::AppointmentId)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(count)
}

/// The fees of one client, or of the whole practice, newest first; `status` narrows them.
pub async fn list(
    db: &impl ConnectionTrait,
    client_id: Option<Uuid>,
    status: Option<&str>,
) -> Result<Vec<pending_fee::Model>, BillingError> {
    let mut q = pending_fee::Entity::find().order_by_desc(pending_fee::Column::CreatedAt);
    if let Some(c) = client_id {
        q = q.filter(pending_fee::Column::ClientId.eq(c));
    }
    if let Some(s) = status {
        q = q.filter(pending_fee::Column::Status.eq(s));
    }
    Ok(q.all(db).await?)
}

/// Confirms or waives a pending fee; a decided one is final (409), since an invoice may
/// carry it.
pub async fn decide(
    db: &impl ConnectionTrait,
    id: Uuid,
    confirm: bool,
    audit: &AuditContext,
) -> Result<pending_fee::Model, BillingError> {
    let fee = pending_fee::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(BillingError::NotFound)?;
    if fee.status != PENDING {
        return Err(BillingError::Conflict("this fee has already been decided"));
    }
    let status = if confirm { CONFIRMED } else { WAIVED };
    // Only a fee still pending changes, so two decisions at once cannot both win.
    let changed = pending_fee::Entity::update_many()
        .col_expr(pending_fee::Column::Status, status.into())
        .col_expr(pending_fee::Column::DecidedBy, audit.actor.id.into())
        .col_expr(pending_fee::Column::DecidedAt, audit.now.into())
        .filter(pending_fee::Column::Id.eq(id))
        .filter(pending_fee::Column::Status.eq(PENDING))
        .exec(db)
        .await?;
    if changed.rows_affected == 0 {
        return Err(BillingError::Conflict("this fee has already been decided"));
    }
    let action = if confirm {
        Action::FeeConfirm
    } else {
        Action::FeeWaive
    };
    audit
        .record(
            db,
            Event::new(action)
                .entity("appointment", fee.appointment_id)
                .details(serde_json::json!({ "kind": fee.kind, "amount_minor": fee.amount_minor })),
        )
        .await?;
    Ok(pending_fee::Model {
        status: status.to_owned(),
        decided_by: audit.actor.id,
        decided_at: Some(audit.now),
        ..fee
    })
}
