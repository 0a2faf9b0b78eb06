//! Adding and changing practitioners: the people clients book.

use entity::practitioner;
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, EntityTrait, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::{SchedulingError, availability};
use crate::{
    audit::{Action, AuditContext, Event},
    db,
    types::{EmailAddress, TimeZone},
};

/// A practitioner's fields, checked at the edge.
pub struct NewPractitioner {
    pub name: String,
    pub email: EmailAddress,
    pub time_zone: TimeZone,
}

/// A change; `None` leaves a field as it is.
#[derive(Default)]
pub struct PractitionerChanges {
    pub name: Option<String>,
    pub email: Option<EmailAddress>,
    pub time_zone: Option<TimeZone>,
    /// An inactive practitioner is not offered for booking.
    pub active: Option<bool>,
    /// `Some(None)` removes it; checked by [`crate::types::video_address::video_link`].
    pub video_link: Option<Option<String>>,
    /// Where they may practise.
    pub licensed_in: Option<Vec<crate::types::Jurisdiction>>,
}

/// Adds a practitioner (active) and records it.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    new: NewPractitioner,
    audit: &AuditContext,
) -> Result<practitioner::Model, SchedulingError> {
    let txn = db::begin_write(db).await?;
    let created = practitioner::Entity::insert(practitioner::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(new.name),
        email: Set(new.email.into_inner()),
        time_zone: Set(new.time_zone.name().to_owned()),
        active: Set(true),
        video_link: Set(None),
        licensed_in: Set(serde_json::json!([])),
        created_at: Set(audit.now),
        updated_at: Set(audit.now),
    })
    .exec_with_returning(&txn)
    .await?;
    audit
        .record(
            &txn,
            Event::new(Action::PractitionerCreate).entity("practitioner", created.id),
        )
        .await?;
    txn.commit().await?;
    Ok(created)
}

/// Applies `changes` and records which fields changed (not their values).
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    id: Uuid,
    changes: PractitionerChanges,
    audit: &AuditContext,
) -> Result<practitioner::Model, SchedulingError> {
    let txn = db::begin_write(db).await?;
    let current = availability::practitioner(&txn, id).await?;
    let mut changed = Vec::new();
    let mut model: practitioner::ActiveModel = current.clone().into();
    if let Some(v) = changes.name.filter(|v| *v != current.name) {
        model.name = Set(v);
        changed.push("name");
    }
    if let Some(v) = changes
        .email
        .map(EmailAddress::into_inner)
        .filter(|v| *v != current.email)
    {
        model.email = Set(v);
        changed.push("email");
    }
    if let Some(v) = changes.time_zone.filter(|v| v.name() != current.time_zone) {
        model.time_zone = Set(v.name().to_owned());
        changed.push("time_zone");
    }
    if let Some(v) = changes.active.filter(|v| *v != current.active) {
        model.active = Set(v);
        changed.push("active");
    }
    if let Some(v) = changes.video_link.filter(|v| *v != current.video_link) {
        model.video_link = Set(v);
        changed.push("video_link");
    }
    if let Some(v) = changes.licensed_in {
        let mut codes: Vec<&str> = v.iter().map(crate::types::Jurisdiction::as_str).collect();
        codes.sort_unstable();
        codes.dedup();
        let v = serde_json::json!(codes);
        if v != current.licensed_in {
            model.licensed_in = Set(v);
            changed.push("licensed_in");
        }
    }
    if changed.is_empty() {
        txn.rollback().await?;
        return Ok(current);
    }
    model.updated_at = Set(audit.now);
    let saved = practitioner::Entity::update(model).exec(&txn).await?;
    audit
        .record(
            &txn,
            Event::new(Action::PractitionerUpdate)
                .entity("practitioner", id)
                .details(serde_json::json!({ "changed": changed })),
        )
        .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Jurisdictions as typed, separated by commas or spaces (`US-NY, US-NJ GB`); errors name
/// `field`.
pub fn parse_jurisdictions(raw: &[&str]) -> Result<Vec<crate::types::Jurisdiction>, String> {
    raw.iter()
        .flat_map(|r| r.split([',', ' ']))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(crate::types::Jurisdiction::parse)
        .collect()
}
