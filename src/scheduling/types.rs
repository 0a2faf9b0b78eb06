//! Appointment types: what can be booked, for how long, how far ahead, and with whom.

use chrono::{DateTime, Duration, Utc};
use entity::{
    appointment_type::{self, LocationKind},
    appointment_type_practitioner as offered, practitioner,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::{SchedulingError, slots::SlotRules};
use crate::{
    audit::{Action, AuditContext, Event},
    db,
};

/// The booking rules of a type, as the slot engine takes them.
pub fn slot_rules(t: &appointment_type::Model) -> SlotRules {
    SlotRules {
        duration: Duration::minutes(t.duration_minutes.into()),
        buffer_before: Duration::minutes(t.buffer_before_minutes.into()),
        buffer_after: Duration::minutes(t.buffer_after_minutes.into()),
        step: Duration::minutes(t.slot_step_minutes.into()),
        min_notice: Duration::minutes(t.min_notice_minutes.into()),
        horizon: Duration::days(t.horizon_days.into()),
    }
}

/// The last moment a client may still cancel or move an appointment of this type themselves.
pub fn cutoff(t: &appointment_type::Model, starts_at: DateTime<Utc>) -> DateTime<Utc> {
    starts_at - Duration::minutes(t.cancellation_cutoff_minutes.into())
}

/// Active public types, by name.
pub async fn list_public(db: &impl ConnectionTrait) -> Result<Vec<appointment_type::Model>, DbErr> {
    appointment_type::Entity::find()
        .filter(appointment_type::Column::Public.eq(true))
        .filter(appointment_type::Column::Active.eq(true))
        .order_by_asc(appointment_type::Column::Name)
        .all(db)
        .await
}

/// Every type, active or not, by name.
pub async fn list_all(db: &impl ConnectionTrait) -> Result<Vec<appointment_type::Model>, DbErr> {
    appointment_type::Entity::find()
        .order_by_asc(appointment_type::Column::Name)
        .all(db)
        .await
}

/// An active public type by its slug: what online booking may use.
pub async fn find_public(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<appointment_type::Model, SchedulingError> {
    appointment_type::Entity::find()
        .filter(appointment_type::Column::Slug.eq(slug))
        .filter(appointment_type::Column::Public.eq(true))
        .filter(appointment_type::Column::Active.eq(true))
        .one(db)
        .await?
        .ok_or(SchedulingError::UnknownType)
}

pub async fn find(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<appointment_type::Model, SchedulingError> {
    appointment_type::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(SchedulingError::UnknownType)
}

/// The active practitioners who offer `type_id`, by name.
pub async fn practitioners_for(
    db: &impl ConnectionTrait,
    type_id: Uuid,
) -> Result<Vec<practitioner::Model>, DbErr> {
    let ids: Vec<Uuid> = offered::Entity::find()
        .filter(offered::Column::AppointmentTypeId.eq(type_id))
        .all(db)
        .await?
        .into_iter()
        .map(|o| o.practitioner_id)
        .collect();
    practitioner::Entity::find()
        .filter(practitioner::Column::Id.is_in(ids))
        .filter(practitioner::Column::Active.eq(true))
        .order_by_asc(practitioner::Column::Name)
        .all(db)
        .await
}

/// The ids of the practitioners offering each type, for a list of types.
pub async fn offered_by(db: &impl ConnectionTrait) -> Result<Vec<offered::Model>, DbErr> {
    offered::Entity::find().all(db).await
}

/// A type's fields, checked at the edge.
#[derive(Clone, Debug)]
pub struct TypeFields {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub duration_minutes: i32,
    pub buffer_before_minutes: i32,
    pub buffer_after_minutes: i32,
    pub slot_step_minutes: i32,
    pub min_notice_minutes: i32,
    pub horizon_days: i32,
    pub cancellation_cutoff_minutes: i32,
    pub public: bool,
    pub location_kind: LocationKind,
    pub location_details: Option<String>,
    pub active: bool,
    pub practitioner_ids: Vec<Uuid>,
    /// Minutes before the start that reminders go out.
    pub reminder_minutes: Vec<i32>,
    /// Sent to each partner with an email when booked.
    pub intake_questionnaire_id: Option<Uuid>,
    /// What clients' calendars call it; none for the neutral default.
    pub client_title: Option<String>,
}

/// Reminders unless a type says otherwise: a day and two hours before.
pub const DEFAULT_REMINDERS: [i32; 2] = [1440, 120];

/// A type's reminder offsets, in minutes, largest first (a stored value that is not a list
/// of numbers gives none).
pub fn reminder_minutes(t: &appointment_type::Model) -> Vec<i32> {
    let mut minutes: Vec<i32> =
        serde_json::from_value(t.reminder_minutes.clone()).unwrap_or_default();
    minutes.sort_unstable_by(|a, b| b.cmp(a));
    minutes.dedup();
    minutes
}

/// Creates a type or, with `id`, replaces one's fields; records it.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn save<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    id: Option<Uuid>,
    mut fields: TypeFields,
    audit: &AuditContext,
) -> Result<appointment_type::Model, SchedulingError> {
    fields.practitioner_ids.sort_unstable();
    fields.practitioner_ids.dedup();
    let txn = db::begin_write(db).await?;
    let taken = appointment_type::Entity::find()
        .filter(appointment_type::Column::Slug.eq(fields.slug.as_str()))
        .one(&txn)
        .await?;
    if taken.is_some_and(|t| Some(t.id) != id) {
        return Err(SchedulingError::SlugTaken);
    }
    let known = practitioner::Entity::find()
        .filter(practitioner::Column::Id.is_in(fields.practitioner_ids.clone()))
        .all(&txn)
        .await?;
    if known.len() != fields.practitioner_ids.len() {
        return Err(SchedulingError::UnknownPractitioner);
    }
    if let Some(q) = fields.intake_questionnaire_id
        && entity::questionnaire::Entity::find_by_id(q)
            .one(&txn)
            .await?
            .is_none()
    {
        return Err(SchedulingError::UnknownQuestionnaire);
    }
    let (id, created_at, action) = match id {
        Some(id) => (
            id,
            find(&txn, id).await?.created_at,
            Action::AppointmentTypeUpdate,
        ),
        None => (Uuid::new_v4(), audit.now, Action::AppointmentTypeCreate),
    };
    let model = appointment_type::ActiveModel {
        id: Set(id),
        slug: Set(fields.slug),
        name: Set(fields.name),
        description: Set(fields.description),
        duration_minutes: Set(fields.duration_minutes),
        buffer_before_minutes: Set(fields.buffer_before_minutes),
        buffer_after_minutes: Set(fields.buffer_after_minutes),
        slot_step_minutes: Set(fields.slot_step_minutes),
        min_notice_minutes: Set(fields.min_notice_minutes),
        horizon_days: Set(fields.horizon_days),
        cancellation_cutoff_minutes: Set(fields.cancellation_cutoff_minutes),
        public: Set(fields.public),
        location_kind: Set(fields.location_kind),
        location_details: Set(fields.location_details),
        active: Set(fields.active),
        reminder_minutes: Set(serde_json::json!(fields.reminder_minutes)),
        intake_questionnaire_id: Set(fields.intake_questionnaire_id),
        client_title: Set(fields.client_title),
        created_at: Set(created_at),
        updated_at: Set(audit.now),
    };
    let saved = if action == Action::AppointmentTypeCreate {
        appointment_type::Entity::insert(model)
            .exec_with_returning(&txn)
            .await
    } else {
        appointment_type::Entity::update(model).exec(&txn).await
    };
    // Two saves racing for one slug: the database's unique index decides.
    let saved = saved.map_err(|e| {
        if db::violates(&e, "slug") {
            SchedulingError::SlugTaken
        } else {
            e.into()
        }
    })?;
    offered::Entity::delete_many()
        .filter(offered::Column::AppointmentTypeId.eq(id))
        .exec(&txn)
        .await?;
    if !fields.practitioner_ids.is_empty() {
        offered::Entity::insert_many(fields.practitioner_ids.iter().map(|p| {
            offered::ActiveModel {
                appointment_type_id: Set(id),
                practitioner_id: Set(*p),
            }
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    audit
        .record(&txn, Event::new(action).entity("appointment_type", id))
        .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Who offers the type.
pub async fn offered_ids(db: &impl ConnectionTrait, type_id: Uuid) -> Result<Vec<Uuid>, DbErr> {
    Ok(offered::Entity::find()
        .filter(offered::Column::AppointmentTypeId.eq(type_id))
        .all(db)
        .await?
        .into_iter()
        .map(|o| o.practitioner_id)
        .collect())
}
