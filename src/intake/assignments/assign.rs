//! Handing a questionnaire to a partner: the assignment, its private link and invitation.

use chrono::{DateTime, Utc};
use entity::{
    client,
    intake_assignment::{self, IntakeStatus},
    participant, questionnaire_version,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::super::questionnaires::{self, QuestionnaireError};
use super::*;
use crate::{
    audit::{Action, AuditContext, Event},
    crypto::Secret,
    db,
    intake::notify,
    integrity,
    mail::Notifier,
};

pub struct NewIntake {
    pub client_id: Uuid,
    pub participant_id: Uuid,
    pub questionnaire_id: Uuid,
    pub due_at: Option<DateTime<Utc>>,
    /// The appointment it prepares for, if any: one of the client's own.
    pub appointment_id: Option<Uuid>,
    /// Staff who asked to be shown the private link, to pass on by hand. The link is the
    /// partner's credential to their answers, so the policy decides and the log records it.
    pub hand_out_to: Option<crate::auth::Staff>,
}

/// Timings from the settings.
#[derive(Clone, Copy, Debug)]
pub struct Timings {
    pub link_ttl: chrono::Duration,
    pub reminder_before: chrono::Duration,
}

/// Creates the assignment and queues its invitation, in one transaction; returns it, with the
/// link's secret (which is not kept) when `hand_out_to` asked for it.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn assign<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    n: Notifier<'_>,
    timings: Timings,
    new: NewIntake,
    audit: &AuditContext,
) -> Result<(intake_assignment::Model, Option<String>), IntakeError> {
    let txn = db::begin_write(db).await?;
    let created = assign_in(&txn, n, timings, new, audit).await?;
    txn.commit().await?;
    n.mailer.wake();
    Ok(created)
}

/// [`assign`] inside the caller's transaction (a booking that assigns intakes).
pub async fn assign_in(
    db: &impl ConnectionTrait,
    n: Notifier<'_>,
    timings: Timings,
    new: NewIntake,
    audit: &AuditContext,
) -> Result<(intake_assignment::Model, Option<String>), IntakeError> {
    let client = client::Entity::find_by_id(new.client_id)
        .one(db)
        .await?
        .ok_or(IntakeError::UnknownClient)?;
    if let Some(staff) = &new.hand_out_to {
        crate::policy::private_link(staff, &client)?;
    }
    let person = participant::Entity::find_by_id(new.participant_id)
        .one(db)
        .await?
        .filter(|p| p.client_id == new.client_id)
        .ok_or(IntakeError::UnknownParticipant)?;
    // The invitation states the appointment's time: another couple's would tell this one
    // when someone else is seen.
    if let Some(appointment) = new.appointment_id {
        entity::appointment::Entity::find_by_id(appointment)
            .one(db)
            .await?
            .filter(|a| a.client_id == new.client_id)
            .ok_or(IntakeError::UnknownAppointment)?;
    }
    let versioned = questionnaires::at_version(db, new.questionnaire_id, None)
        .await
        .map_err(|e| match e {
            QuestionnaireError::NotFound => IntakeError::UnknownQuestionnaire,
            other => other.into(),
        })?;
    let id = Uuid::new_v4();
    let token = Secret::generate(TOKEN_PREFIX);
    let mut row = intake_assignment::Model {
        id,
        client_id: new.client_id,
        participant_id: person.id,
        questionnaire_version_id: versioned.version.id,
        token_hash: token.hash(),
        status: IntakeStatus::Sent,
        expires_at: audit.now + timings.link_ttl,
        due_at: new.due_at,
        appointment_id: new.appointment_id,
        answers_sealed: None,
        score_total: None,
        score_band: None,
        flags: serde_json::json!([]),
        opened_at: None,
        submitted_at: None,
        created_by: audit.actor.id,
        integrity: None,
        created_at: audit.now,
        updated_at: audit.now,
    };
    row.integrity = Some(integrity::tag(n.keys, &row));
    let row =
        intake_assignment::Entity::insert(intake_assignment::ActiveModel::from(row).reset_all())
            .exec_with_returning(db)
            .await?;
    let url = n.public_url.link(&format!("/intake/{}", token.expose()));
    notify::invite(
        db,
        n,
        &row,
        &person,
        &url,
        timings.reminder_before,
        audit.now,
    )
    .await?;
    audit
        .record(
            db,
            Event::new(Action::IntakeAssign)
                .entity("intake", id)
                .details(serde_json::json!({
                    "questionnaire": versioned.questionnaire.slug,
                    "version": versioned.version.version,
                })),
        )
        .await?;
    if new.hand_out_to.is_some() {
        audit
            .record(db, Event::new(Action::IntakeLinkShown).entity("intake", id))
            .await?;
    }
    Ok((row, new.hand_out_to.map(|_| token.into_string())))
}

/// Replaces the private link of every intake `person` still has open, after their address
/// changed: the old address may be an inbox someone else reads, and it holds the old links.
/// Waiting invitations and reminders go with the old links; the new address, if any, is
/// invited afresh. Returns how many links were replaced.
pub async fn relink(
    db: &impl ConnectionTrait,
    n: Notifier<'_>,
    timings: Timings,
    person: &participant::Model,
    now: DateTime<Utc>,
) -> Result<usize, IntakeError> {
    let open: Vec<_> = intake_assignment::Entity::find()
        .filter(intake_assignment::Column::ParticipantId.eq(person.id))
        .all(db)
        .await?
        .into_iter()
        .filter(|a| {
            matches!(
                status(a, now),
                Status::Sent | Status::Opened | Status::InProgress
            )
        })
        .collect();
    for a in &open {
        notify::withdraw(db, a.id, now).await?;
        let token = Secret::generate(TOKEN_PREFIX);
        let mut row: intake_assignment::ActiveModel = a.clone().into();
        row.token_hash = Set(token.hash());
        row.updated_at = Set(now);
        let row = intake_assignment::Entity::update(row).exec(db).await?;
        let url = n.public_url.link(&format!("/intake/{}", token.expose()));
        notify::invite(db, n, &row, person, &url, timings.reminder_before, now).await?;
    }
    Ok(open.len())
}

/// When `appointment`'s type sends a questionnaire: assigns it to each participant with an
/// email who does not already have it open or done, in the booking's transaction.
pub async fn for_booking(
    db: &impl ConnectionTrait,
    n: Notifier<'_>,
    timings: Timings,
    appointment: &entity::appointment::Model,
    questionnaire_id: Option<Uuid>,
    audit: &AuditContext,
) -> Result<(), IntakeError> {
    let Some(questionnaire_id) = questionnaire_id else {
        return Ok(());
    };
    if appointment.starts_at <= audit.now {
        return Ok(());
    }
    let people = participant::Entity::find()
        .filter(participant::Column::ClientId.eq(appointment.client_id))
        .order_by_asc(participant::Column::Position)
        .all(db)
        .await?;
    let versions: Vec<Uuid> = questionnaire_version::Entity::find()
        .filter(questionnaire_version::Column::QuestionnaireId.eq(questionnaire_id))
        .all(db)
        .await?
        .into_iter()
        .map(|v| v.id)
        .collect();
    for person in people.iter().filter(|p| p.email.is_some()) {
        let existing = intake_assignment::Entity::find()
            .filter(intake_assignment::Column::ParticipantId.eq(person.id))
            .filter(intake_assignment::Column::QuestionnaireVersionId.is_in(versions.clone()))
            .all(db)
            .await?;
        if existing
            .iter()
            .any(|a| status(a, audit.now) != Status::Expired)
        {
            continue;
        }
        assign_in(
            db,
            n,
            timings,
            NewIntake {
                client_id: appointment.client_id,
                participant_id: person.id,
                questionnaire_id,
                due_at: Some(appointment.starts_at),
                appointment_id: Some(appointment.id),
                hand_out_to: None,
            },
            audit,
        )
        .await?;
    }
    Ok(())
}
