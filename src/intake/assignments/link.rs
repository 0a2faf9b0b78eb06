//! What a partner's private link does: open the form, save drafts, submit.

use chrono::{DateTime, Utc};
use entity::{
    appointment, client,
    intake_assignment::{self, IntakeStatus},
    practitioner, questionnaire_version,
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr,
    EntityTrait, QueryFilter, QuerySelect, TransactionSession, TransactionTrait,
};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::super::{
    Answers, Definition, Flag, Mode, answers,
    definition::ItemKind,
    questionnaires::{self},
    scoring,
};
use super::*;
use crate::{
    audit::{Action, AuditContext, Event},
    crypto::{self, DataKeys},
    db, integrity,
    mail::Notifier,
    scheduling::snapshot::{ScheduleCache, Snapshot},
};

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
#[tracing::instrument(skip_all, err(level = "info"))]
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
    let version = questionnaire_version::Entity::find_by_id(a.questionnaire_version_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("questionnaire version".into()))?;
    Ok(questionnaires::read_definition(&version)?)
}

/// The assignment behind `token`, locked for change: not expired, not submitted.
async fn for_change(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<intake_assignment::Model, IntakeError> {
    let a = find_by_token(db, token, true).await?;
    changeable(&a, now)?;
    Ok(a)
}

/// Refuses a change to an assignment that is submitted or expired.
fn changeable(a: &intake_assignment::Model, now: DateTime<Utc>) -> Result<(), IntakeError> {
    match status(a, now) {
        Status::Submitted => Err(IntakeError::Submitted),
        Status::Expired => Err(IntakeError::Expired),
        _ => Ok(()),
    }
}

/// Saves a draft: `given` answers replace the ones for the same items (null clears one);
/// each must fit its item, but nothing is required yet.
#[tracing::instrument(skip_all, err(level = "info"))]
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
    cache: &ScheduleCache,
    token: &str,
    given: &Map<String, Value>,
    audit: &AuditContext,
) -> Result<intake_assignment::Model, IntakeError> {
    submit_answers(db, n, cache, token, Some(given), audit).await
}

/// Submits the answers saved so far (the form page saves each section as it goes).
pub async fn submit_saved<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    n: Notifier<'_>,
    cache: &ScheduleCache,
    token: &str,
    audit: &AuditContext,
) -> Result<intake_assignment::Model, IntakeError> {
    submit_answers(db, n, cache, token, None, audit).await
}

/// `given`, or (`None`) the saved draft as it stands inside the transaction.
#[tracing::instrument(skip_all, err(level = "info"))]
async fn submit_answers<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    n: Notifier<'_>,
    cache: &ScheduleCache,
    token: &str,
    given: Option<&Map<String, Value>>,
    audit: &AuditContext,
) -> Result<intake_assignment::Model, IntakeError> {
    let now = audit.now;
    let snapshot = cache.current(db, now).await?;
    let txn = db::begin_write(db).await?;
    let a = find_by_token(&txn, token, true).await?;
    if !integrity::holds(n.keys, &a) {
        // Recorded outside the transaction, so the failure's audit event stays: submitting
        // rewrites the result and would otherwise re-tag a moved response.
        txn.rollback().await?;
        return Err(integrity::failure(db, n.keys, audit, &a).await);
    }
    changeable(&a, now)?;
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
    // The row as it will stand, so nothing is read back after the write.
    let mut submitted = a.clone();
    submitted.status = IntakeStatus::Submitted;
    submitted.score_total = score.as_ref().map(|s| s.total as i32);
    submitted.score_band = score.and_then(|s| s.band);
    submitted.flags = serde_json::to_value(&flags).expect("flags serialise");
    submitted.submitted_at = Some(now);
    submitted.answers_sealed = Some(seal(n.keys, a.id, &sealed));
    submitted.updated_at = now;
    submitted.integrity = Some(integrity::tag(n.keys, &submitted));
    // Only if it is still open: a double submit answers "already submitted".
    let updated = intake_assignment::Entity::update_many()
        .set(intake_assignment::ActiveModel::from(submitted.clone()).reset_all())
        .filter(intake_assignment::Column::Id.eq(a.id))
        .filter(intake_assignment::Column::Status.ne(IntakeStatus::Submitted))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(IntakeError::Submitted);
    }
    let appointment = match submitted.appointment_id {
        Some(id) => appointment::Entity::find_by_id(id).one(&txn).await?,
        None => None,
    };
    let practitioner = practitioner_of(&txn, &snapshot, &submitted, appointment.as_ref()).await?;
    crate::intake::notify::submitted(
        &txn,
        n,
        &snapshot,
        &submitted,
        appointment.as_ref(),
        practitioner.as_ref(),
        now,
    )
    .await?;
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
    snapshot: &Snapshot,
    a: &intake_assignment::Model,
    appointment: Option<&appointment::Model>,
) -> Result<Option<practitioner::Model>, DbErr> {
    let primary: Option<Option<Uuid>> = client::Entity::find_by_id(a.client_id)
        .select_only()
        .column(client::Column::PrimaryPractitionerId)
        .into_tuple()
        .one(db)
        .await?;
    let Some(id) = primary.flatten().or(appointment.map(|x| x.practitioner_id)) else {
        return Ok(None);
    };
    Ok(match snapshot.practitioner(id) {
        Some(p) => Some(p.clone()),
        None => practitioner::Entity::find_by_id(id).one(db).await?,
    })
}
