//! The practice itself: its settings row and what visitors may see of it. What the first
//! start of an empty database creates is [`crate::first_run`].

use entity::{practice, practitioner};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use crate::{
    audit::{Action, AuditContext, Event},
    db,
    types::{EmailAddress, TimeZone},
};

#[derive(Debug, thiserror::Error)]
pub enum PracticeError {
    /// The settings row is missing: the database was never started with `attune serve`.
    #[error("the practice has not been set up yet")]
    NotSetUp,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// What a visitor may see about the practice before booking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicProfile {
    pub name: String,
    pub time_zone: String,
    pub practitioners: Vec<PublicPractitioner>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicPractitioner {
    pub id: Uuid,
    pub name: String,
}

pub async fn settings<C: ConnectionTrait>(db: &C) -> Result<practice::Model, PracticeError> {
    practice::Entity::find_by_id(practice::PRACTICE_ID)
        .one(db)
        .await?
        .ok_or(PracticeError::NotSetUp)
}

/// The practice's zone (UTC should the stored name somehow be unknown).
pub async fn time_zone<C: ConnectionTrait>(db: &C) -> Result<TimeZone, PracticeError> {
    Ok(zone_of(&settings(db).await?))
}

/// The zone of settings already read.
pub fn zone_of(settings: &practice::Model) -> TimeZone {
    TimeZone::parse(&settings.time_zone).unwrap_or(TimeZone::UTC)
}

/// The practice's name and zone with its active practitioners, by name.
#[tracing::instrument(skip_all, err)]
pub async fn public_profile<C: ConnectionTrait>(db: &C) -> Result<PublicProfile, PracticeError> {
    let practice = settings(db).await?;
    let practitioners = practitioner::Entity::find()
        .filter(practitioner::Column::Active.eq(true))
        .order_by_asc(practitioner::Column::Name)
        .order_by_asc(practitioner::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|p| PublicPractitioner {
            id: p.id,
            name: p.name,
        })
        .collect();
    Ok(PublicProfile {
        name: practice.name,
        time_zone: practice.time_zone,
        practitioners,
    })
}

/// A change to the practice's settings; `None` leaves a field as it is.
#[derive(Default)]
pub struct SettingsChanges {
    pub name: Option<String>,
    pub time_zone: Option<TimeZone>,
    /// `Some(None)` removes the contact address.
    pub contact_email: Option<Option<EmailAddress>>,
    /// `Some(None)` removes it; checked by [`crate::types::video_address::room_template`].
    pub video_room_template: Option<Option<String>>,
}

/// Applies `changes` and records which settings changed (not their values) in the audit log.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn update_settings<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    changes: SettingsChanges,
    audit: &AuditContext,
) -> Result<practice::Model, PracticeError> {
    let txn = db::begin_write(db).await?;
    let current = settings(&txn).await?;
    let mut model: practice::ActiveModel = current.clone().into();
    let mut changed = Vec::new();
    if let Some(name) = changes.name.filter(|n| *n != current.name) {
        model.name = Set(name);
        changed.push("name");
    }
    if let Some(tz) = changes
        .time_zone
        .filter(|tz| tz.name() != current.time_zone)
    {
        model.time_zone = Set(tz.name().to_owned());
        changed.push("time_zone");
    }
    if let Some(email) = changes.contact_email {
        let email = email.map(EmailAddress::into_inner);
        if email != current.contact_email {
            model.contact_email = Set(email);
            changed.push("contact_email");
        }
    }
    if let Some(template) = changes.video_room_template
        && template != current.video_room_template
    {
        model.video_room_template = Set(template);
        changed.push("video_room_template");
    }
    if changed.is_empty() {
        txn.rollback().await?;
        return Ok(current);
    }
    model.updated_at = Set(audit.now);
    let updated = practice::Entity::update(model).exec(&txn).await?;
    audit
        .record(
            &txn,
            Event::new(Action::SettingsUpdate)
                .entity("practice", practice::PRACTICE_ID)
                .details(serde_json::json!({ "changed": changed })),
        )
        .await?;
    txn.commit().await?;
    Ok(updated)
}

/// The name and address a message about `client` goes out as: the practice's contact
/// address, else the couple's practitioner's (or, with none, the first practitioner's).
pub async fn sender_for(
    db: &impl ConnectionTrait,
    client: uuid::Uuid,
) -> Result<(String, String), PracticeError> {
    use sea_orm::EntityTrait;
    let practice = settings(db).await?;
    let address = match practice.contact_email {
        Some(a) => a,
        None => {
            let client = entity::client::Entity::find_by_id(client).one(db).await?;
            let practitioner = match client.and_then(|c| c.primary_practitioner_id) {
                Some(id) => entity::practitioner::Entity::find_by_id(id).one(db).await?,
                None => entity::practitioner::Entity::find().one(db).await?,
            };
            practitioner.map(|p| p.email).unwrap_or_default()
        }
    };
    Ok((practice.name, address))
}
