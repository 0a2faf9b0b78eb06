//! Assigning a questionnaire to one participant, and what happens through their private link:
//! opening it, saving drafts, submitting. Answers are sealed with the data key; scores and
//! flags are computed on submission and kept beside them for the staff lists.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::{
    client,
    intake_assignment::{self, IntakeStatus},
    participant, practitioner, questionnaire_version,
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr,
    EntityTrait, QueryFilter, QueryOrder, TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{
    Answers, Definition, Flag, Mode, answers,
    definition::ItemKind,
    questionnaires::{self, QuestionnaireError},
    scoring,
};
use crate::{
    audit::{Action, AuditContext, Event},
    crypto::{self, DataKeys, Secret},
    db, integrity,
    mail::{self, Notifier, plan::PlanError},
    validation::FieldError,
};

/// Intake links start with this.
pub const TOKEN_PREFIX: &str = "ati_";

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("no such intake")]
    NotFound,
    #[error("no such client")]
    UnknownClient,
    #[error("the participant is not one of the client's")]
    UnknownParticipant,
    /// The questionnaire to assign does not exist.
    #[error("no such questionnaire")]
    UnknownQuestionnaire,
    #[error("the appointment is not one of the client's")]
    UnknownAppointment,
    /// The access policy refused (a private link asked for by someone who may not have it).
    #[error(transparent)]
    Denied(#[from] crate::policy::Denied),
    #[error("the link has expired")]
    Expired,
    #[error("the answers were already submitted")]
    Submitted,
    #[error("the answers are not valid")]
    Invalid(Vec<FieldError>),
    #[error("the stored answers cannot be decrypted with the configured keys")]
    Unreadable,
    /// A stored response no longer matches its integrity tag.
    #[error(transparent)]
    Integrity(#[from] crate::integrity::Failure),
    #[error(transparent)]
    Questionnaire(#[from] QuestionnaireError),
    #[error(transparent)]
    Mail(#[from] PlanError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Where an assignment stands, with expiry worked out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Sent,
    Opened,
    InProgress,
    Submitted,
    Expired,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Sent => "sent",
            Status::Opened => "opened",
            Status::InProgress => "in_progress",
            Status::Submitted => "submitted",
            Status::Expired => "expired",
        }
    }
}

pub fn status(a: &intake_assignment::Model, now: DateTime<Utc>) -> Status {
    match a.status {
        IntakeStatus::Submitted => Status::Submitted,
        _ if now >= a.expires_at => Status::Expired,
        IntakeStatus::Sent => Status::Sent,
        IntakeStatus::Opened => Status::Opened,
        IntakeStatus::InProgress => Status::InProgress,
    }
}

/// What is sealed: the answers, and when each consent item was agreed to.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Sealed {
    pub answers: Answers,
    #[serde(default)]
    pub consents: BTreeMap<String, DateTime<Utc>>,
}

pub fn answers_context(id: Uuid) -> String {
    format!("intake.answers:{id}")
}

pub fn open_sealed(keys: &DataKeys, a: &intake_assignment::Model) -> Result<Sealed, IntakeError> {
    match &a.answers_sealed {
        None => Ok(Sealed::default()),
        Some(sealed) => {
            let json = keys
                .open(sealed, &answers_context(a.id))
                .map_err(|_| IntakeError::Unreadable)?;
            serde_json::from_str(&json).map_err(|_| IntakeError::Unreadable)
        }
    }
}

fn seal(keys: &DataKeys, id: Uuid, sealed: &Sealed) -> String {
    let json = serde_json::to_string(sealed).expect("answers serialise");
    keys.seal(&json, &answers_context(id))
}

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
pub async fn assign<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    n: Notifier<'_>,
    new: NewIntake,
    audit: &AuditContext,
) -> Result<(intake_assignment::Model, Option<String>), IntakeError> {
    let txn = db::begin_write(db).await?;
    let created = assign_in(&txn, n, new, audit).await?;
    txn.commit().await?;
    n.mailer.wake();
    Ok(created)
}

/// [`assign`] inside the caller's transaction (a booking that assigns intakes).
pub async fn assign_in(
    db: &impl ConnectionTrait,
    n: Notifier<'_>,
    new: NewIntake,
    audit: &AuditContext,
) -> Result<(intake_assignment::Model, Option<String>), IntakeError> {
    let timings = n.intake;
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
    mail::intakes::invite(
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
        mail::outbox::cancel_pending_for_intake(
            db,
            a.id,
            &[mail::Kind::IntakeInvitation, mail::Kind::IntakeReminder],
            now,
        )
        .await?;
        let token = Secret::generate(TOKEN_PREFIX);
        let mut row: intake_assignment::ActiveModel = a.clone().into();
        row.token_hash = Set(token.hash());
        row.updated_at = Set(now);
        let row = intake_assignment::Entity::update(row).exec(db).await?;
        let url = n.public_url.link(&format!("/intake/{}", token.expose()));
        mail::intakes::invite(db, n, &row, person, &url, n.intake.reminder_before, now).await?;
    }
    Ok(open.len())
}

/// When `appointment`'s type sends a questionnaire: assigns it to each participant with an
/// email who does not already have it open or done, in the booking's transaction.
pub async fn for_booking(
    db: &impl ConnectionTrait,
    n: Notifier<'_>,
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

/// The client's intakes with their questionnaire versions and slugs, each checked against
/// its integrity tag. With `results` the caller shows the scores and flags (to whom
/// [`crate::policy::treats`] allows), and that read is recorded.
pub async fn list_for_client(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    client_id: Uuid,
    results: bool,
    audit: &AuditContext,
) -> Result<
    Vec<(
        intake_assignment::Model,
        questionnaire_version::Model,
        String,
    )>,
    IntakeError,
> {
    let rows = intake_assignment::Entity::find()
        .filter(intake_assignment::Column::ClientId.eq(client_id))
        .order_by_asc(intake_assignment::Column::CreatedAt)
        .order_by_asc(intake_assignment::Column::Id)
        .all(db)
        .await?;
    integrity::check_all::<_, IntakeError>(db, keys, audit, &rows).await?;
    if results
        && rows
            .iter()
            .any(|a| a.score_total.is_some() || !flags_of(a).is_empty())
    {
        audit
            .record(
                db,
                Event::new(Action::IntakeRead).entity("client", client_id),
            )
            .await?;
    }
    // The versions and questionnaires of the whole list in two queries.
    let versions: std::collections::HashMap<Uuid, questionnaire_version::Model> =
        questionnaire_version::Entity::find()
            .filter(
                questionnaire_version::Column::Id
                    .is_in(rows.iter().map(|r| r.questionnaire_version_id)),
            )
            .all(db)
            .await?
            .into_iter()
            .map(|v| (v.id, v))
            .collect();
    let slugs: std::collections::HashMap<Uuid, String> = entity::questionnaire::Entity::find()
        .filter(
            entity::questionnaire::Column::Id.is_in(versions.values().map(|v| v.questionnaire_id)),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|q| (q.id, q.slug))
        .collect();
    rows.into_iter()
        .map(|row| {
            let version = versions
                .get(&row.questionnaire_version_id)
                .cloned()
                .ok_or_else(|| DbErr::RecordNotFound("questionnaire version".into()))?;
            let slug = slugs
                .get(&version.questionnaire_id)
                .cloned()
                .ok_or_else(|| DbErr::RecordNotFound("questionnaire".into()))?;
            Ok((row, version, slug))
        })
        .collect()
}

async fn version_of(
    db: &impl ConnectionTrait,
    row: &intake_assignment::Model,
) -> Result<(questionnaire_version::Model, String), DbErr> {
    let version = questionnaire_version::Entity::find_by_id(row.questionnaire_version_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("questionnaire version".into()))?;
    let q = entity::questionnaire::Entity::find_by_id(version.questionnaire_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("questionnaire".into()))?;
    Ok((version, q.slug))
}

/// An assignment as its link shows it.
pub struct Opened {
    pub assignment: intake_assignment::Model,
    pub definition: Definition,
    /// The questionnaire version it answers.
    pub version: i32,
    pub answers: Answers,
    pub status: Status,
}

async fn by_token(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<intake_assignment::Model, IntakeError> {
    find_by_token(db, token, false).await
}

/// The assignment behind `token`; with `lock`, held until the transaction ends on Postgres
/// (SQLite's write transactions already run one at a time), so an autosave, a section post
/// and a submission of one link never interleave and none overwrites another.
async fn find_by_token(
    db: &impl ConnectionTrait,
    token: &str,
    lock: bool,
) -> Result<intake_assignment::Model, IntakeError> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 100 {
        return Err(IntakeError::NotFound);
    }
    let mut query = intake_assignment::Entity::find()
        .filter(intake_assignment::Column::TokenHash.eq(crypto::hash_secret(token)));
    if lock {
        query = db::for_update(query, db);
    }
    query.one(db).await?.ok_or(IntakeError::NotFound)
}

/// What the link shows, noting the first opening. An expired link is refused; a submitted one
/// shows the thank-you state without the answers.
pub async fn open<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    keys: &DataKeys,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Opened, IntakeError> {
    let mut a = by_token(db, token).await?;
    let state = status(&a, now);
    if state == Status::Expired {
        return Err(IntakeError::Expired);
    }
    if a.status == IntakeStatus::Sent {
        let opened = intake_assignment::Entity::update_many()
            .col_expr(
                intake_assignment::Column::Status,
                sea_orm::sea_query::Expr::value(IntakeStatus::Opened.to_value()),
            )
            .col_expr(intake_assignment::Column::OpenedAt, Some(now).into())
            .col_expr(intake_assignment::Column::UpdatedAt, now.into())
            .filter(intake_assignment::Column::Id.eq(a.id))
            .filter(intake_assignment::Column::Status.eq(IntakeStatus::Sent))
            .exec(db)
            .await?;
        if opened.rows_affected > 0 {
            a.status = IntakeStatus::Opened;
            a.opened_at = Some(now);
        }
    }
    let (version, _) = version_of(db, &a).await?;
    let definition = questionnaires::read_definition(&version)?;
    let answers = if a.status == IntakeStatus::Submitted {
        Answers::new()
    } else {
        open_sealed(keys, &a)?.answers
    };
    Ok(Opened {
        status: status(&a, now),
        assignment: a,
        definition,
        version: version.version,
        answers,
    })
}

async fn definition_of(
    db: &impl ConnectionTrait,
    a: &intake_assignment::Model,
) -> Result<Definition, IntakeError> {
    let (version, _) = version_of(db, a).await?;
    Ok(questionnaires::read_definition(&version)?)
}

/// The assignment behind `token`, locked for change: not expired, not submitted.
async fn for_change(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<intake_assignment::Model, IntakeError> {
    let a = find_by_token(db, token, true).await?;
    match status(&a, now) {
        Status::Submitted => Err(IntakeError::Submitted),
        Status::Expired => Err(IntakeError::Expired),
        _ => Ok(a),
    }
}

/// Saves a draft: `given` answers replace the ones for the same items (null clears one);
/// each must fit its item, but nothing is required yet.
pub async fn save_draft<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    keys: &DataKeys,
    token: &str,
    given: &Map<String, Value>,
    now: DateTime<Utc>,
) -> Result<Answers, IntakeError> {
    let txn = db::begin_write(db).await?;
    let a = for_change(&txn, token, now).await?;
    let definition = definition_of(&txn, &a).await?;
    let mut sealed = open_sealed(keys, &a)?;
    let checked = answers::check(&definition, given, Mode::Draft).map_err(IntakeError::Invalid)?;
    for id in given.keys() {
        sealed.answers.remove(id);
    }
    sealed.answers.extend(checked);
    let mut model: intake_assignment::ActiveModel = a.clone().into();
    model.answers_sealed = Set(Some(seal(keys, a.id, &sealed)));
    model.status = Set(IntakeStatus::InProgress);
    model.updated_at = Set(now);
    intake_assignment::Entity::update(model).exec(&txn).await?;
    txn.commit().await?;
    Ok(sealed.answers)
}

/// Checks the full answers, computes score and flags, locks the response and tells the
/// practitioner, all in one transaction.
pub async fn submit<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    n: Notifier<'_>,
    token: &str,
    given: &Map<String, Value>,
    audit: &AuditContext,
) -> Result<intake_assignment::Model, IntakeError> {
    submit_answers(db, n, token, Some(given), audit).await
}

/// Submits the answers saved so far (the form page saves each section as it goes).
pub async fn submit_saved<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    n: Notifier<'_>,
    token: &str,
    audit: &AuditContext,
) -> Result<intake_assignment::Model, IntakeError> {
    submit_answers(db, n, token, None, audit).await
}

/// `given`, or (`None`) the saved draft as it stands inside the transaction.
async fn submit_answers<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    n: Notifier<'_>,
    token: &str,
    given: Option<&Map<String, Value>>,
    audit: &AuditContext,
) -> Result<intake_assignment::Model, IntakeError> {
    let now = audit.now;
    // Before the transaction, so a failure's audit event is not rolled back with it:
    // submitting rewrites the result and would otherwise re-tag a moved response.
    let stored = by_token(db, token).await?;
    integrity::check::<_, IntakeError>(db, n.keys, audit, &stored).await?;
    let txn = db::begin_write(db).await?;
    let a = for_change(&txn, token, now).await?;
    let definition = definition_of(&txn, &a).await?;
    let saved: Map<String, Value>;
    let given = match given {
        Some(g) => g,
        None => {
            saved = open_sealed(n.keys, &a)?.answers.into_iter().collect();
            &saved
        }
    };
    let answers = answers::check(&definition, given, Mode::Submit).map_err(IntakeError::Invalid)?;
    let consents = definition
        .items()
        .filter(|i| i.kind == ItemKind::Consent && answers.contains_key(&i.id))
        .map(|i| (i.id.clone(), now))
        .collect();
    let score = scoring::score(&definition, &answers);
    let flags: Vec<Flag> = scoring::flags(&definition, &answers);
    let sealed = Sealed { answers, consents };
    let mut result = a.clone();
    result.status = IntakeStatus::Submitted;
    result.score_total = score.as_ref().map(|s| s.total as i32);
    result.score_band = score.and_then(|s| s.band);
    result.flags = serde_json::to_value(&flags).expect("flags serialise");
    result.submitted_at = Some(now);
    let mut model: intake_assignment::ActiveModel = a.clone().into();
    model.answers_sealed = Set(Some(seal(n.keys, a.id, &sealed)));
    model.integrity = Set(Some(integrity::tag(n.keys, &result)));
    model.status = Set(result.status);
    model.score_total = Set(result.score_total);
    model.score_band = Set(result.score_band);
    model.flags = Set(result.flags);
    model.submitted_at = Set(result.submitted_at);
    model.updated_at = Set(now);
    // Only if it is still open: a double submit answers "already submitted".
    let updated = intake_assignment::Entity::update_many()
        .set(model)
        .filter(intake_assignment::Column::Id.eq(a.id))
        .filter(intake_assignment::Column::Status.ne(IntakeStatus::Submitted))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(IntakeError::Submitted);
    }
    let submitted = intake_assignment::Entity::find_by_id(a.id)
        .one(&txn)
        .await?
        .ok_or(IntakeError::NotFound)?;
    let practitioner = practitioner_of(&txn, &submitted).await?;
    mail::intakes::submitted(&txn, n, &submitted, practitioner.as_ref(), now).await?;
    audit
        .record(
            &txn,
            Event::new(Action::IntakeSubmit).entity("intake", a.id),
        )
        .await?;
    txn.commit().await?;
    n.mailer.wake();
    Ok(submitted)
}

/// Who hears of a submission: the client's practitioner, else the appointment's.
async fn practitioner_of(
    db: &impl ConnectionTrait,
    a: &intake_assignment::Model,
) -> Result<Option<practitioner::Model>, DbErr> {
    let client = client::Entity::find_by_id(a.client_id).one(db).await?;
    let mut id = client.and_then(|c| c.primary_practitioner_id);
    if id.is_none()
        && let Some(appointment) = a.appointment_id
    {
        id = entity::appointment::Entity::find_by_id(appointment)
            .one(db)
            .await?
            .map(|x| x.practitioner_id);
    }
    match id {
        Some(id) => practitioner::Entity::find_by_id(id).one(db).await,
        None => Ok(None),
    }
}

/// One response for staff, with its answers; the read is recorded.
pub struct Response {
    pub assignment: intake_assignment::Model,
    pub slug: String,
    pub version: i32,
    pub sealed: Sealed,
    pub status: Status,
}

pub async fn read(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    staff: &crate::auth::Staff,
    id: Uuid,
    action: Action,
    audit: &AuditContext,
) -> Result<Response, IntakeError> {
    let a = intake_assignment::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(IntakeError::NotFound)?;
    let client = client::Entity::find_by_id(a.client_id)
        .one(db)
        .await?
        .ok_or(IntakeError::UnknownClient)?;
    crate::policy::clinical(staff, &client)?;
    integrity::check::<_, IntakeError>(db, keys, audit, &a).await?;
    let (version, slug) = version_of(db, &a).await?;
    let sealed = open_sealed(keys, &a)?;
    audit
        .record(db, Event::new(action).entity("intake", id))
        .await?;
    Ok(Response {
        status: status(&a, audit.now),
        assignment: a,
        slug,
        version: version.version,
        sealed,
    })
}

/// The flags stored on an assignment.
pub fn flags_of(a: &intake_assignment::Model) -> Vec<Flag> {
    serde_json::from_value(a.flags.clone()).unwrap_or_default()
}
