//! Handing a questionnaire to a partner: the assignment, its private link and invitation.

use chrono::{DateTime, Utc};
use entity::{
    client,
    intake_assignment::{self, IntakeStatus},
    participant, questionnaire_version,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    TransactionSession, TransactionTrait, sea_query::Query,
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
    scheduling::{followups::Plan, notify::Facts},
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
    let row = new_row(
        n,
        timings,
        RowFields {
            id,
            client_id: new.client_id,
            participant_id: person.id,
            questionnaire_version_id: versioned.version.id,
            token: &token,
            due_at: new.due_at,
            appointment_id: new.appointment_id,
        },
        audit,
    );
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
    audit.record(db, assign_event(id, &versioned)).await?;
    if new.hand_out_to.is_some() {
        audit
            .record(db, Event::new(Action::IntakeLinkShown).entity("intake", id))
            .await?;
    }
    Ok((row, new.hand_out_to.map(|_| token.into_string())))
}

struct RowFields<'a> {
    id: Uuid,
    client_id: Uuid,
    participant_id: Uuid,
    questionnaire_version_id: Uuid,
    token: &'a Secret,
    due_at: Option<DateTime<Utc>>,
    appointment_id: Option<Uuid>,
}

/// A new assignment as stored, with its integrity tag.
fn new_row(
    n: Notifier<'_>,
    timings: Timings,
    f: RowFields<'_>,
    audit: &AuditContext,
) -> intake_assignment::Model {
    let mut row = intake_assignment::Model {
        id: f.id,
        client_id: f.client_id,
        participant_id: f.participant_id,
        questionnaire_version_id: f.questionnaire_version_id,
        token_hash: f.token.hash(),
        status: IntakeStatus::Sent,
        expires_at: audit.now + timings.link_ttl,
        due_at: f.due_at,
        appointment_id: f.appointment_id,
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
    row
}

fn assign_event(id: Uuid, versioned: &questionnaires::Versioned) -> Event {
    Event::new(Action::IntakeAssign)
        .entity("intake", id)
        .details(serde_json::json!({
            "questionnaire": versioned.questionnaire.slug,
            "version": versioned.version.version,
        }))
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

/// When the booked type sends a questionnaire: assigns it to each participant with an email
/// who does not already have it open or done, planned into the booking's `plan` and written
/// in one statement.
pub async fn for_booking(
    db: &impl ConnectionTrait,
    n: Notifier<'_>,
    timings: Timings,
    facts: &Facts<'_>,
    audit: &AuditContext,
    plan: &mut Plan,
) -> Result<(), IntakeError> {
    let appointment = facts.appointment();
    let Some(questionnaire_id) = facts.appointment_type().intake_questionnaire_id else {
        return Ok(());
    };
    if appointment.starts_at <= audit.now {
        return Ok(());
    }
    let people: Vec<&participant::Model> = facts
        .participants()
        .iter()
        .filter(|p| p.email.is_some())
        .collect();
    if people.is_empty() {
        return Ok(());
    }
    let versioned = questionnaires::at_version(db, questionnaire_id, None)
        .await
        .map_err(|e| match e {
            QuestionnaireError::NotFound => IntakeError::UnknownQuestionnaire,
            other => other.into(),
        })?;
    // Any version of it counts: a partner who has it open or done is not asked again.
    let existing = intake_assignment::Entity::find()
        .filter(intake_assignment::Column::ParticipantId.is_in(people.iter().map(|p| p.id)))
        .filter(
            intake_assignment::Column::QuestionnaireVersionId.in_subquery(
                Query::select()
                    .column(questionnaire_version::Column::Id)
                    .from(questionnaire_version::Entity)
                    .and_where(questionnaire_version::Column::QuestionnaireId.eq(questionnaire_id))
                    .to_owned(),
            ),
        )
        .all(db)
        .await?;
    let mut rows = Vec::new();
    for person in people {
        if existing
            .iter()
            .any(|a| a.participant_id == person.id && status(a, audit.now) != Status::Expired)
        {
            continue;
        }
        let token = Secret::generate(TOKEN_PREFIX);
        let row = new_row(
            n,
            timings,
            RowFields {
                id: Uuid::new_v4(),
                client_id: appointment.client_id,
                participant_id: person.id,
                questionnaire_version_id: versioned.version.id,
                token: &token,
                due_at: Some(appointment.starts_at),
                appointment_id: Some(appointment.id),
            },
            audit,
        );
        let url = n.public_url.link(&format!("/intake/{}", token.expose()));
        plan.emails.extend(notify::invitation_for_booking(
            n,
            facts,
            &row,
            person,
            &url,
            timings.reminder_before,
            audit.now,
        )?);
        plan.events.push(assign_event(row.id, &versioned));
        rows.push(row);
    }
    intake_assignment::Entity::insert_many(
        rows.into_iter()
            .map(|r| intake_assignment::ActiveModel::from(r).reset_all()),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}
