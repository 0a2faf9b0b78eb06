//! A partner's address changed: what was on its way to the old one, and the private links
//! already sent there, must not keep working. The old inbox is often one the other partner
//! shares or reads, which is why the address was changed.

use chrono::{DateTime, Utc};
use entity::{
    appointment::{self, AppointmentStatus},
    participant,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionSession, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::{
    SchedulingError,
    clients::{self, PersonFields},
    followups::Followups,
    manage_link,
    notify::{self, Change},
};
use crate::{
    audit::{Action, AuditContext, Event},
    db,
    mail::Notifier,
};

/// Replaces a participant's details; a changed address takes the private links with it
/// ([`readdressed`]), in the same transaction.
#[tracing::instrument(skip_all, fields(client_id = %client_id, participant_id = %participant_id), err(level = "info"))]
pub async fn update_participant<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    n: Notifier<'_>,
    followups: &impl Followups,
    client_id: Uuid,
    participant_id: Uuid,
    person: PersonFields,
    audit: &AuditContext,
) -> Result<participant::Model, SchedulingError> {
    let txn = db::begin_write(db).await?;
    let (saved, before) =
        clients::replace_participant(&txn, client_id, participant_id, person, audit).await?;
    let moved = address_changed(before.as_deref(), saved.email.as_deref());
    if moved {
        readdressed(&txn, n, followups, &saved, audit).await?;
    }
    txn.commit().await?;
    if moved {
        n.mailer.wake();
    }
    Ok(saved)
}

/// Whether `before` and `after` send to different inboxes (addresses differ only in case
/// are one inbox).
pub fn address_changed(before: Option<&str>, after: Option<&str>) -> bool {
    match (before, after) {
        (Some(a), Some(b)) => !a.eq_ignore_ascii_case(b),
        (None, None) => false,
        _ => true,
    }
}

/// In the change's transaction: each live appointment of the couple still ahead gets a new
/// manage link (the old one stops working) and its waiting messages are planned again to
/// the addresses as they are now; each intake the partner still has open gets a new link
/// and a fresh invitation. Recorded without either address.
pub async fn readdressed(
    db: &impl ConnectionTrait,
    n: Notifier<'_>,
    followups: &impl Followups,
    person: &participant::Model,
    audit: &AuditContext,
) -> Result<(), SchedulingError> {
    let now = audit.now;
    let ahead = appointment::Entity::find()
        .filter(appointment::Column::ClientId.eq(person.client_id))
        .filter(appointment::Column::Status.eq(AppointmentStatus::Confirmed))
        .filter(appointment::Column::StartsAt.gt(now))
        .all(db)
        .await?;
    for a in &ahead {
        let relinked = rotate_manage_link(db, n, a, now).await?;
        notify::appointment_changed(db, n, &relinked, Change::Relinked, now).await?;
    }
    let others = followups
        .readdressed(db, n, person, now)
        .await
        .map_err(SchedulingError::Followup)?;
    audit
        .record(
            db,
            Event::new(Action::PrivateLinksRotated)
                .entity("client", person.client_id)
                .details(serde_json::json!({
                    "participant": person.id,
                    "appointments": ahead.len(),
                    "other_links": others,
                })),
        )
        .await?;
    Ok(())
}

/// A new manage-link secret for `a`, and a new sequence, so calendars take the fresh
/// invitation over the old one and reminders are planned anew.
async fn rotate_manage_link(
    db: &impl ConnectionTrait,
    n: Notifier<'_>,
    a: &appointment::Model,
    now: DateTime<Utc>,
) -> Result<appointment::Model, SchedulingError> {
    manage_link::replace(db, n.keys, a.id, now).await?;
    appointment::Entity::update_many()
        .col_expr(
            appointment::Column::Sequence,
            Expr::col(appointment::Column::Sequence).add(1),
        )
        .filter(appointment::Column::Id.eq(a.id))
        .exec(db)
        .await?;
    appointment::Entity::find_by_id(a.id)
        .one(db)
        .await?
        .ok_or(SchedulingError::UnknownAppointment)
}

#[cfg(test)]
mod tests {
    use super::address_changed;

    #[test]
    fn an_address_changes_when_the_inbox_does() {
        assert!(address_changed(
            Some("a@example.org"),
            Some("b@example.org")
        ));
        assert!(address_changed(Some("a@example.org"), None));
        assert!(address_changed(None, Some("a@example.org")));
        assert!(!address_changed(
            Some("A@Example.org"),
            Some("a@example.org")
        ));
        assert!(!address_changed(None, None));
    }
}
