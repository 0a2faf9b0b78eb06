//! What a signed-in partner sees: their own part of the couple's care, and nothing the
//! other partner was given or wrote.

use chrono::{DateTime, Utc};
use entity::{
    appointment::{self, AppointmentStatus},
    appointment_type, intake_assignment, participant, practitioner, questionnaire_version,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::PortalError;
use crate::{
    consent::requests::{self, Status as ConsentStatus},
    crypto::{DataKeys, Secret},
    db,
    intake::assignments::{self, Status as IntakeStatus},
    mail::outbox,
    scheduling::{manage_link, video},
    types::TimeZone,
    when,
};

pub struct Session {
    pub when: String,
    pub type_name: String,
    pub practitioner: String,
    /// The couple's manage link: move or cancel, within the type's rules.
    pub manage_url: Option<String>,
    /// This partner's own join link, for a video session.
    pub join_url: Option<String>,
}

pub struct Document {
    pub title: String,
    pub version: i32,
    pub status: ConsentStatus,
    /// To read and sign, or to read again once signed.
    pub url: String,
    pub signed_at: Option<String>,
}

pub struct Questionnaire {
    pub id: Uuid,
    pub title: String,
    pub status: IntakeStatus,
}

pub struct Overview {
    pub sessions: Vec<Session>,
    pub documents: Vec<Document>,
    pub questionnaires: Vec<Questionnaire>,
}

/// `person`'s portal as of `now`, times in `tz`.
pub async fn of(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    public: &crate::types::PublicUrl,
    person: &participant::Model,
    tz: TimeZone,
    now: DateTime<Utc>,
) -> Result<Overview, PortalError> {
    let ahead = appointment::Entity::find()
        .filter(appointment::Column::ClientId.eq(person.client_id))
        .filter(appointment::Column::Status.eq(AppointmentStatus::Confirmed))
        .filter(appointment::Column::EndsAt.gt(now))
        .order_by_asc(appointment::Column::StartsAt)
        .all(db)
        .await?;
    let types = appointment_type::Entity::find()
        .filter(appointment_type::Column::Id.is_in(ahead.iter().map(|a| a.appointment_type_id)))
        .all(db)
        .await?;
    let people = practitioner::Entity::find()
        .filter(practitioner::Column::Id.is_in(ahead.iter().map(|a| a.practitioner_id)))
        .all(db)
        .await?;
    let mut sessions = Vec::with_capacity(ahead.len());
    for a in &ahead {
        let join = video::join_tokens(
            db,
            keys,
            a,
            std::slice::from_ref(person),
            video::Written::Before,
            now,
        )
        .await?;
        sessions.push(Session {
            when: when::with_zone(a.starts_at, tz),
            type_name: types
                .iter()
                .find(|t| t.id == a.appointment_type_id)
                .map(|t| t.name.clone())
                .unwrap_or_default(),
            practitioner: people
                .iter()
                .find(|p| p.id == a.practitioner_id)
                .map(|p| p.name.clone())
                .unwrap_or_default(),
            manage_url: manage_link::opened(keys, a).map(|t| public.link(&format!("/booking/{t}"))),
            join_url: join
                .into_iter()
                .next()
                .map(|(_, t)| public.link(&format!("/join/{t}"))),
        });
    }

    let mut documents = Vec::new();
    for listed in requests::list_for_client(db, keys, person.client_id).await? {
        if listed.request.participant_id != person.id {
            continue;
        }
        let Ok(token) = keys.open(
            &listed.request.token_sealed,
            &requests::token_context(listed.request.id),
        ) else {
            continue;
        };
        documents.push(Document {
            title: listed.version.title.clone(),
            version: listed.version.version,
            status: listed.status,
            url: public.link(&format!("/consent/{token}")),
            signed_at: listed.request.signed_at.map(|at| when::full(at, tz)),
        });
    }
    // Waiting ones first, then the signed, each latest first as listed.
    documents.sort_by_key(|d| d.status != ConsentStatus::Pending);

    let given = intake_assignment::Entity::find()
        .filter(intake_assignment::Column::ParticipantId.eq(person.id))
        .order_by_desc(intake_assignment::Column::CreatedAt)
        .all(db)
        .await?;
    let versions = questionnaire_version::Entity::find()
        .filter(
            questionnaire_version::Column::Id
                .is_in(given.iter().map(|a| a.questionnaire_version_id)),
        )
        .all(db)
        .await?;
    let questionnaires = given
        .iter()
        .map(|a| Questionnaire {
            id: a.id,
            title: versions
                .iter()
                .find(|v| v.id == a.questionnaire_version_id)
                .and_then(|v| v.definition["title"].as_str().map(str::to_owned))
                .unwrap_or_else(|| "Questionnaire".to_owned()),
            status: assignments::status(a, now),
        })
        .collect();
    Ok(Overview {
        sessions,
        documents,
        questionnaires,
    })
}

/// A fresh private link to one of `person`'s own open questionnaires, to open it from the
/// portal: the link emailed before stops working (and its reminder with it), since only a
/// link's fingerprint is kept.
pub async fn reopen_questionnaire<C: sea_orm::TransactionTrait + ConnectionTrait>(
    db: &C,
    person: &participant::Model,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<String, PortalError> {
    use sea_orm::{ActiveValue::Set, TransactionSession};
    let txn = db::begin_write(db).await?;
    let a = intake_assignment::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .filter(|a| a.participant_id == person.id)
        .filter(|a| {
            matches!(
                assignments::status(a, now),
                IntakeStatus::Sent | IntakeStatus::Opened | IntakeStatus::InProgress
            )
        })
        .ok_or(PortalError::NotFound)?;
    outbox::cancel_pending_for_intake(
        &txn,
        a.id,
        &[
            crate::mail::Kind::IntakeInvitation,
            crate::mail::Kind::IntakeReminder,
        ],
        now,
    )
    .await?;
    let token = Secret::generate(assignments::TOKEN_PREFIX);
    let mut row: intake_assignment::ActiveModel = a.into();
    row.token_hash = Set(token.hash());
    row.updated_at = Set(now);
    intake_assignment::Entity::update(row).exec(&txn).await?;
    txn.commit().await?;
    Ok(token.expose().to_owned())
}
