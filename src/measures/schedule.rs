//! What each couple is sent: a list of (measure, partner or both, cadence), replaced whole
//! when saved, and the housekeeping pass that sends what an upcoming session calls for
//! through the intake invitation path, each partner privately.
//!
//! Cadences: `every_session`; `every_n_sessions` (when the couple's held sessions are a
//! multiple of N, so the first session and every Nth after it); `every_n_weeks` (when the
//! partner's last one of this measure is N weeks old, or there is none); `phase_change`
//! (the first session, and the first after the treatment plan enters a new phase).

use chrono::{DateTime, Duration, Utc};
use entity::{
    appointment::{self, AppointmentStatus},
    intake_assignment, measure_schedule, participant, questionnaire, questionnaire_version,
    treatment_plan,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::{MeasuresError, catalogue, series::readable};
use crate::{
    audit::{Action, Actor, AuditContext, Event, Origin},
    auth::Staff,
    db,
    intake::assignments::{NewIntake, Timings, assign},
    mail::Notifier,
    validation::FieldErrors,
};

/// How far ahead of a session its measures go out.
pub const LEAD: Duration = Duration::days(2);

pub const CADENCES: [&str; 4] = [
    "every_session",
    "every_n_sessions",
    "every_n_weeks",
    "phase_change",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub questionnaire: String,
    /// `None`: each partner.
    pub participant_id: Option<Uuid>,
    pub cadence: String,
    pub every: Option<i32>,
}

impl From<measure_schedule::Model> for Item {
    fn from(m: measure_schedule::Model) -> Self {
        Item {
            questionnaire: m.questionnaire,
            participant_id: m.participant_id,
            cadence: m.cadence,
            every: m.every,
        }
    }
}

async fn stored(
    db: &impl ConnectionTrait,
    client_id: Uuid,
) -> Result<Vec<measure_schedule::Model>, MeasuresError> {
    Ok(measure_schedule::Entity::find()
        .filter(measure_schedule::Column::ClientId.eq(client_id))
        .order_by_asc(measure_schedule::Column::Position)
        .all(db)
        .await?)
}

pub async fn get(
    db: &impl ConnectionTrait,
    staff: &Staff,
    client_id: Uuid,
) -> Result<Vec<Item>, MeasuresError> {
    readable(db, staff, client_id).await?;
    Ok(stored(db, client_id)
        .await?
        .into_iter()
        .map(Item::from)
        .collect())
}

/// Replaces the couple's schedule (owners and the couple's clinician).
pub async fn set<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    staff: &Staff,
    client_id: Uuid,
    items: Vec<Item>,
    audit: &AuditContext,
) -> Result<Vec<Item>, MeasuresError> {
    readable(db, staff, client_id).await?;
    let partners: Vec<Uuid> = participant::Entity::find()
        .filter(participant::Column::ClientId.eq(client_id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let mut errors = FieldErrors::default();
    if items.len() > 20 {
        errors.add("items", "at most 20 measures");
    }
    for (i, item) in items.iter().enumerate() {
        if catalogue::find(&item.questionnaire).is_none() {
            errors.add(
                &format!("items[{i}].questionnaire"),
                format!(
                    "must be one of {}",
                    catalogue::ALL
                        .iter()
                        .map(|m| m.slug)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        if item.participant_id.is_some_and(|p| !partners.contains(&p)) {
            errors.add(
                &format!("items[{i}].participant_id"),
                "must be one of the couple's partners, or null for each",
            );
        }
        let needs_n = matches!(item.cadence.as_str(), "every_n_sessions" | "every_n_weeks");
        if !CADENCES.contains(&item.cadence.as_str()) {
            errors.add(
                &format!("items[{i}].cadence"),
                format!("must be one of {}", CADENCES.join(", ")),
            );
        } else if needs_n && !item.every.is_some_and(|n| (1..=52).contains(&n)) {
            errors.add(
                &format!("items[{i}].every"),
                "must be a whole number from 1 to 52",
            );
        } else if !needs_n && item.every.is_some() {
            errors.add(
                &format!("items[{i}].every"),
                "is only for every_n_sessions and every_n_weeks",
            );
        }
    }
    errors.into_result()?;
    let txn = db::begin_write(db).await?;
    measure_schedule::Entity::delete_many()
        .filter(measure_schedule::Column::ClientId.eq(client_id))
        .exec(&txn)
        .await?;
    if !items.is_empty() {
        measure_schedule::Entity::insert_many(items.iter().enumerate().map(|(i, item)| {
            measure_schedule::ActiveModel {
                id: Set(Uuid::new_v4()),
                client_id: Set(client_id),
                questionnaire: Set(item.questionnaire.clone()),
                participant_id: Set(item.participant_id),
                cadence: Set(item.cadence.clone()),
                every: Set(item.every),
                position: Set(i as i32),
                created_at: Set(audit.now),
            }
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    audit
        .record(
            &txn,
            Event::new(Action::MeasureScheduleUpdate)
                .entity("client", client_id)
                .details(serde_json::json!({
                    "measures": items.iter().map(|i| i.questionnaire.as_str()).collect::<Vec<_>>()
                })),
        )
        .await?;
    txn.commit().await?;
    Ok(items)
}

/// Whether `item` asks for a response before `next`, for `person`.
async fn due(
    db: &impl ConnectionTrait,
    item: &measure_schedule::Model,
    questionnaire_id: Uuid,
    person: Uuid,
    next: &appointment::Model,
    now: DateTime<Utc>,
) -> Result<bool, MeasuresError> {
    let versions: Vec<Uuid> = questionnaire_version::Entity::find()
        .filter(questionnaire_version::Column::QuestionnaireId.eq(questionnaire_id))
        .all(db)
        .await?
        .into_iter()
        .map(|v| v.id)
        .collect();
    let theirs = intake_assignment::Entity::find()
        .filter(intake_assignment::Column::ParticipantId.eq(person))
        .filter(intake_assignment::Column::QuestionnaireVersionId.is_in(versions))
        .order_by_desc(intake_assignment::Column::CreatedAt)
        .all(db)
        .await?;
    // Once per session, whatever the cadence.
    if theirs.iter().any(|a| a.appointment_id == Some(next.id)) {
        return Ok(false);
    }
    let last = theirs.first();
    Ok(match item.cadence.as_str() {
        "every_session" => true,
        "every_n_sessions" => {
            let held = appointment::Entity::find()
                .filter(appointment::Column::ClientId.eq(item.client_id))
                .filter(appointment::Column::Status.eq(AppointmentStatus::Completed))
                .count(db)
                .await?;
            held % u64::from(item.every.unwrap_or(1).max(1) as u32) == 0
        }
        "every_n_weeks" => last.is_none_or(|a| {
            a.created_at <= now - Duration::weeks(i64::from(item.every.unwrap_or(1)))
        }),
        "phase_change" => {
            let plan = treatment_plan::Entity::find()
                .filter(treatment_plan::Column::ClientId.eq(item.client_id))
                .order_by_desc(treatment_plan::Column::Version)
                .one(db)
                .await?;
            match (last, plan.and_then(|p| p.phase_since)) {
                (None, _) => true,
                (Some(a), Some(since)) => since > a.created_at,
                (Some(_), None) => false,
            }
        }
        _ => false,
    })
}

/// The pass: for each couple with a schedule and a session starting within [`LEAD`], what
/// that session calls for, sent to each partner it names. Answers how many were sent.
pub async fn send_due<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    n: Notifier<'_>,
    timings: Timings,
    now: DateTime<Utc>,
) -> Result<usize, MeasuresError> {
    let schedules = measure_schedule::Entity::find()
        .order_by_asc(measure_schedule::Column::ClientId)
        .order_by_asc(measure_schedule::Column::Position)
        .all(db)
        .await?;
    if schedules.is_empty() {
        return Ok(0);
    }
    let audit = AuditContext::new(Actor::SYSTEM, Origin::default(), now);
    let mut sent = 0;
    for item in &schedules {
        let Some(next) = appointment::Entity::find()
            .filter(appointment::Column::ClientId.eq(item.client_id))
            .filter(appointment::Column::Status.eq(AppointmentStatus::Confirmed))
            .filter(appointment::Column::StartsAt.gt(now))
            .filter(appointment::Column::StartsAt.lte(now + LEAD))
            .order_by_asc(appointment::Column::StartsAt)
            .one(db)
            .await?
        else {
            continue;
        };
        let Some(q) = questionnaire::Entity::find()
            .filter(questionnaire::Column::Slug.eq(item.questionnaire.as_str()))
            .one(db)
            .await?
        else {
            continue;
        };
        let people: Vec<Uuid> = participant::Entity::find()
            .filter(participant::Column::ClientId.eq(item.client_id))
            .order_by_asc(participant::Column::Position)
            .all(db)
            .await?
            .into_iter()
            .filter(|p| p.email.is_some())
            .map(|p| p.id)
            .filter(|p| item.participant_id.is_none_or(|only| only == *p))
            .collect();
        for person in people {
            if !due(db, item, q.id, person, &next, now).await? {
                continue;
            }
            assign(
                db,
                n,
                timings,
                NewIntake {
                    client_id: item.client_id,
                    participant_id: person,
                    questionnaire_id: q.id,
                    due_at: Some(next.starts_at),
                    appointment_id: Some(next.id),
                    hand_out_to: None,
                },
                &audit,
            )
            .await?;
            sent += 1;
        }
    }
    Ok(sent)
}
