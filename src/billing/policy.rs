//! The practice's billing policy: what a late cancellation and a missed session cost, and
//! whether self-pay clients get Good Faith Estimates. Clients see the fee policy before they
//! book and in every reminder, so a fee never comes as a surprise.

use entity::{billing_profile, practice};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionSession,
    TransactionTrait, sea_query::OnConflict,
};

use super::{BillingError, fees};
use crate::{
    audit::{Action, AuditContext, Event},
    db,
    scheduling::appointments::AfterCutoff,
    validation::FieldErrors,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Percent of the session fee a cancellation inside the cutoff costs; `None`: no fee,
    /// and clients cannot cancel inside the cutoff themselves.
    pub late_cancel_percent: Option<i32>,
    /// Percent of the session fee a missed session costs; `None`: no fee.
    pub no_show_percent: Option<i32>,
    pub good_faith_estimates: bool,
    /// Sessions an estimate expects over its twelve months.
    pub expected_sessions: i32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            late_cancel_percent: None,
            no_show_percent: None,
            good_faith_estimates: false,
            expected_sessions: 12,
        }
    }
}

impl Policy {
    /// The policy as a client reads it, or `None` when neither event costs anything.
    pub fn fee_notice(&self) -> Option<String> {
        let part = |p: i32| {
            if p == 100 {
                "the full session fee".to_owned()
            } else {
                format!("{p}% of the session fee")
            }
        };
        match (self.late_cancel_percent, self.no_show_percent) {
            (None, None) => None,
            (Some(l), None) => Some(format!(
                "Cancellations after the cancellation deadline are charged {}.",
                part(l)
            )),
            (None, Some(n)) => Some(format!("A missed appointment is charged {}.", part(n))),
            (Some(l), Some(n)) => Some(format!(
                "Cancellations after the cancellation deadline are charged {}; a missed \
                 appointment is charged {}.",
                part(l),
                part(n)
            )),
        }
    }
}

/// `percent` of `fee`, rounded half up to the minor unit.
pub fn percent_of(fee: i64, percent: i32) -> i64 {
    (fee * i64::from(percent) + 50) / 100
}

pub async fn policy(db: &impl ConnectionTrait) -> Result<Policy, BillingError> {
    Ok(billing_profile::Entity::find_by_id(1)
        .one(db)
        .await?
        .map_or_else(Policy::default, |p| Policy {
            late_cancel_percent: p.late_cancel_percent,
            no_show_percent: p.no_show_percent,
            good_faith_estimates: p.good_faith_estimates,
            expected_sessions: p.expected_sessions,
        }))
}

/// Saves the policy (owners). Fees already pending keep the amount they were made with.
pub async fn set_policy<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    input: Policy,
    audit: &AuditContext,
) -> Result<Policy, BillingError> {
    let mut errors = FieldErrors::default();
    for (field, value) in [
        ("late_cancel_percent", input.late_cancel_percent),
        ("no_show_percent", input.no_show_percent),
    ] {
        if value.is_some_and(|p| !(1..=100).contains(&p)) {
            errors.add(
                field,
                "must be a whole percentage from 1 to 100, or null for no fee",
            );
        }
    }
    if !(1..=104).contains(&input.expected_sessions) {
        errors.add(
            "expected_sessions",
            "must be from 1 to 104 (twice a week for a year)",
        );
    }
    errors.into_result()?;
    let txn = db::begin_write(db).await?;
    let db = &txn;
    billing_profile::Entity::insert(billing_profile::ActiveModel {
        id: Set(1),
        currency: Set(fees::currency(db).await?),
        updated_at: Set(audit.now),
        late_cancel_percent: Set(input.late_cancel_percent),
        no_show_percent: Set(input.no_show_percent),
        good_faith_estimates: Set(input.good_faith_estimates),
        expected_sessions: Set(input.expected_sessions),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(billing_profile::Column::Id)
            .update_columns([
                billing_profile::Column::UpdatedAt,
                billing_profile::Column::LateCancelPercent,
                billing_profile::Column::NoShowPercent,
                billing_profile::Column::GoodFaithEstimates,
                billing_profile::Column::ExpectedSessions,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    // Messages and pages read the sentence with the practice's settings, whose caches this
    // change also refreshes.
    practice::Entity::update_many()
        .col_expr(practice::Column::FeePolicy, input.fee_notice().into())
        .col_expr(practice::Column::UpdatedAt, audit.now.into())
        .filter(practice::Column::Id.eq(practice::PRACTICE_ID))
        .exec(db)
        .await?;
    audit
        .record(
            db,
            Event::new(Action::FeeUpdate).details(serde_json::json!({ "policy": {
                "late_cancel_percent": input.late_cancel_percent,
                "no_show_percent": input.no_show_percent,
                "good_faith_estimates": input.good_faith_estimates,
            }})),
        )
        .await?;
    txn.commit().await?;
    Ok(input)
}

/// Whether a client cancelling at `now` an appointment whose cutoff is `cutoff` may go
/// ahead: before the cutoff, always; after it, only where the practice charges for it (the
/// policy is read only then, so the usual cancellation costs nothing more).
pub async fn client_may_cancel(
    db: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    cutoff: chrono::DateTime<chrono::Utc>,
) -> Result<AfterCutoff, BillingError> {
    if now <= cutoff {
        return Ok(AfterCutoff::Refuse);
    }
    after_cutoff(db).await
}

/// Whether clients may cancel after the cutoff: only where the practice charges for it.
pub async fn after_cutoff(db: &impl ConnectionTrait) -> Result<AfterCutoff, BillingError> {
    Ok(if policy(db).await?.late_cancel_percent.is_some() {
        AfterCutoff::Allow
    } else {
        AfterCutoff::Refuse
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_percentage_rounds_half_up_to_the_cent() {
        assert_eq!(percent_of(17501, 50), 8751);
        assert_eq!(percent_of(17500, 100), 17500);
        assert_eq!(percent_of(999, 33), 330);
    }
}
