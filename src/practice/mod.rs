//! The practice itself: its settings row, its practitioners, and what the first start of an
//! empty database creates so there is always someone to book with.

use chrono::{DateTime, Utc};
use entity::{practice, practitioner};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    TransactionSession, TransactionTrait, sea_query::OnConflict,
};
use uuid::Uuid;

use crate::{
    audit::{Action, AuditContext, Event},
    config::SeedSettings,
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeedOutcome {
    /// The database was empty; the practice and its first practitioner now exist.
    Created,
    /// The practice already existed; nothing was changed.
    AlreadySetUp,
}

/// Creates the practice and one practitioner if the practice row does not exist yet.
///
/// Safe when several instances start at once: the practice row has a fixed id, so only one
/// insert can win, and only the winner adds the practitioner, in the same transaction.
#[tracing::instrument(skip_all, err)]
pub async fn seed<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    settings: &SeedSettings,
    time_zone: TimeZone,
    now: DateTime<Utc>,
) -> Result<SeedOutcome, DbErr> {
    let txn = db::begin_write(db).await?;
    let inserted = practice::Entity::insert(practice::ActiveModel {
        id: Set(practice::PRACTICE_ID),
        name: Set(settings.practice_name.clone()),
        time_zone: Set(time_zone.name().to_owned()),
        contact_email: Set(Some(
            settings
                .practice_email
                .as_ref()
                .unwrap_or(&settings.practitioner_email)
                .to_string(),
        )),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(practice::Column::Id)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if inserted == 0 {
        txn.rollback().await?;
        return Ok(SeedOutcome::AlreadySetUp);
    }
    let practitioner_id = Uuid::new_v4();
    practitioner::Entity::insert(practitioner::ActiveModel {
        id: Set(practitioner_id),
        name: Set(settings.practitioner_name.clone()),
        email: Set(settings.practitioner_email.to_string()),
        time_zone: Set(time_zone.name().to_owned()),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(&txn)
    .await?;
    crate::scheduling::seed::defaults(&txn, practitioner_id, now).await?;
    txn.commit().await?;
    Ok(SeedOutcome::Created)
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
}

/// Applies `changes` and records which settings changed (not their values) in the audit log.
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
