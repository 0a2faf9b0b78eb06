//! The clinical record: session notes (drafts, then signed and locked, with addenda) and the
//! therapist's private psychotherapy notes. Content is sealed with the data key; no note text
//! ever goes into a log line or an error message.

pub mod access;
pub mod format;
pub mod plans;
pub mod psychotherapy;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::session_note::{self, NoteStatus};
use entity::{appointment, note_addendum};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, TransactionSession, TransactionTrait,
};
use serde_json::{Map, Value};
use uuid::Uuid;

pub use format::NoteFormat;

use crate::{
    audit::{Action, AuditContext, Event},
    auth::{Role, Staff},
    crypto::{self, DataKeys},
    db, integrity,
    validation::FieldError,
};

#[derive(Debug, thiserror::Error)]
pub enum NoteError {
    #[error("no such note")]
    NotFound,
    #[error("no such client")]
    UnknownClient,
    /// Assistants, and anyone not allowed clinical content.
    #[error("your role does not allow clinical content")]
    Forbidden,
    #[error("the client is another practitioner's")]
    NotYourClient,
    #[error("the note is not valid")]
    Invalid(Vec<FieldError>),
    #[error("the note is signed and cannot be changed")]
    Signed,
    #[error("the note is a draft; sign it first")]
    NotSigned,
    #[error("only the author or an owner may sign a note")]
    NotAuthor,
    #[error("the appointment already has a note")]
    AppointmentHasNote,
    #[error("the client has no treatment plan yet")]
    NoPlan,
    #[error("the couple is in that phase already")]
    AlreadyInPhase,
    #[error("stored note content cannot be decrypted with the configured keys")]
    Unreadable,
    /// A stored note, addendum or plan no longer matches its integrity tag.
    #[error(transparent)]
    Integrity(#[from] crate::integrity::Failure),
    #[error(transparent)]
    Db(DbErr),
}

impl From<DbErr> for NoteError {
    fn from(e: DbErr) -> Self {
        // The Postgres trigger's refusal: the application's own check lost a race.
        if db::violates(&e, "signed_note_locked") {
            NoteError::Signed
        } else {
            NoteError::Db(e)
        }
    }
}

pub fn content_context(id: Uuid) -> String {
    format!("session_note.content:{id}")
}

pub fn addendum_context(id: Uuid) -> String {
    format!("note_addendum.text:{id}")
}

/// What is hashed when a note is signed: everything it says.
fn signed_text(format: &str, title: &str, content: &BTreeMap<String, String>) -> String {
    serde_json::json!({ "format": format, "title": title, "content": content }).to_string()
}

/// A note's fields as given, checked.
pub struct NoteInput {
    pub format: String,
    pub title: Option<String>,
    pub content: Map<String, Value>,
    pub appointment_id: Option<Uuid>,
    /// Goals of the client's treatment plan the session worked on.
    pub goal_ids: Vec<Uuid>,
}

/// A note as read, with its addenda.
pub struct NoteRecord {
    pub note: session_note::Model,
    pub content: BTreeMap<String, String>,
    pub addenda: Vec<(note_addendum::Model, String, bool)>,
    /// Signed, but the content no longer matches the hash taken at signing.
    pub tampered: bool,
}

fn check_input(
    input: &NoteInput,
) -> Result<(NoteFormat, String, BTreeMap<String, String>), NoteError> {
    let Some(format) = NoteFormat::parse(input.format.trim()) else {
        return Err(NoteError::Invalid(vec![FieldError::new(
            "format",
            "must be one of soap, dap, birp, couples, free",
        )]));
    };
    let mut errors = Vec::new();
    let title = match input.title.as_deref().map(str::trim) {
        None | Some("") => format!("{} note", format.as_str().to_uppercase()),
        Some(t) if t.chars().count() > 200 || t.chars().any(char::is_control) => {
            errors.push(FieldError::new(
                "title",
                "must be one line of at most 200 characters",
            ));
            String::new()
        }
        Some(t) => t.to_owned(),
    };
    let content = match format::check(format, &input.content) {
        Ok(c) => Some(c),
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    match content {
        Some(content) if errors.is_empty() => Ok((format, title, content)),
        _ => Err(NoteError::Invalid(errors)),
    }
}

fn seal_content(keys: &DataKeys, id: Uuid, content: &BTreeMap<String, String>) -> String {
    keys.seal(
        &serde_json::to_string(content).expect("a note serialises"),
        &content_context(id),
    )
}

fn open_content(
    keys: &DataKeys,
    note: &session_note::Model,
) -> Result<BTreeMap<String, String>, NoteError> {
    let json = keys
        .open(&note.content_sealed, &content_context(note.id))
        .map_err(|_| NoteError::Unreadable)?;
    serde_json::from_str(&json).map_err(|_| NoteError::Unreadable)
}

#[tracing::instrument(skip_all, fields(client_id = %client_id), err(level = "info"))]
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    keys: &DataKeys,
    staff: &Staff,
    client_id: Uuid,
    input: NoteInput,
    audit: &AuditContext,
) -> Result<session_note::Model, NoteError> {
    let (format, title, content) = check_input(&input)?;
    let txn = db::begin_write(db).await?;
    access::clinical_client(&txn, staff, client_id).await?;
    if let Some(a) = input.appointment_id {
        let appointment = appointment::Entity::find_by_id(a).one(&txn).await?;
        if appointment.is_none_or(|x| x.client_id != client_id) {
            return Err(NoteError::Invalid(vec![FieldError::new(
                "appointment_id",
                "is not an appointment of this client",
            )]));
        }
        let taken = session_note::Entity::find()
            .filter(session_note::Column::AppointmentId.eq(a))
            .one(&txn)
            .await?;
        if taken.is_some() {
            return Err(NoteError::AppointmentHasNote);
        }
    }
    plans::check_goal_links(&txn, keys, client_id, &input.goal_ids).await?;
    let id = Uuid::new_v4();
    let mut note = session_note::Model {
        id,
        client_id,
        appointment_id: input.appointment_id,
        author_id: staff.id,
        format: format.as_str().to_owned(),
        title,
        content_sealed: seal_content(keys, id, &content),
        goal_ids: serde_json::json!(input.goal_ids),
        status: NoteStatus::Draft,
        signed_at: None,
        signed_by: None,
        content_hash: None,
        integrity: None,
        created_at: audit.now,
        updated_at: audit.now,
    };
    note.integrity = Some(integrity::tag(keys, &note));
    let note = session_note::Entity::insert(session_note::ActiveModel::from(note).reset_all())
        .exec_with_returning(&txn)
        .await
        .map_err(|e| {
            if db::violates(&e, "appointment") {
                NoteError::AppointmentHasNote
            } else {
                e.into()
            }
        })?;
    audit
        .record(
            &txn,
            Event::new(Action::NoteCreate)
                .entity("note", id)
                .details(serde_json::json!({"format": format.as_str()})),
        )
        .await?;
    txn.commit().await?;
    Ok(note)
}

/// The client's notes without their content, newest first, each checked against its tag.
pub async fn list(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    staff: &Staff,
    client_id: Uuid,
    audit: &AuditContext,
) -> Result<Vec<session_note::Model>, NoteError> {
    access::clinical_client(db, staff, client_id).await?;
    let notes = session_note::Entity::find()
        .filter(session_note::Column::ClientId.eq(client_id))
        .order_by_desc(session_note::Column::CreatedAt)
        .order_by_desc(session_note::Column::Id)
        .all(db)
        .await?;
    integrity::check_all::<_, NoteError>(db, keys, audit, &notes).await?;
    Ok(notes)
}

/// The note, if `staff` may see it.
async fn find_for(
    db: &impl ConnectionTrait,
    staff: &Staff,
    id: Uuid,
) -> Result<session_note::Model, NoteError> {
    if staff.role == Role::Assistant {
        return Err(NoteError::Forbidden);
    }
    // A change reads the row locked, so a sign and an edit cannot interleave.
    let note = db::for_update(session_note::Entity::find_by_id(id), db)
        .one(db)
        .await?
        .ok_or(NoteError::NotFound)?;
    access::clinical_client(db, staff, note.client_id).await?;
    Ok(note)
}

/// The latest note written for an appointment, without its content (no access check: for
/// callers that made it).
pub async fn of_appointment(
    db: &impl ConnectionTrait,
    appointment_id: Uuid,
) -> Result<Option<session_note::Model>, DbErr> {
    session_note::Entity::find()
        .filter(session_note::Column::AppointmentId.eq(appointment_id))
        .order_by_desc(session_note::Column::CreatedAt)
        .one(db)
        .await
}

/// The note's format, if `staff` may see the note: what an editor needs to name its fields,
/// without opening (or recording a read of) what it says.
pub async fn format_of(
    db: &impl ConnectionTrait,
    staff: &Staff,
    id: Uuid,
) -> Result<NoteFormat, NoteError> {
    let note = find_for(db, staff, id).await?;
    NoteFormat::parse(&note.format).ok_or(NoteError::Unreadable)
}

/// The note with its addenda, checked against its signature; the read is recorded.
pub async fn read(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    staff: &Staff,
    id: Uuid,
    audit: &AuditContext,
) -> Result<NoteRecord, NoteError> {
    let note = find_for(db, staff, id).await?;
    let record = open_record(db, keys, note, audit).await?;
    audit
        .record(db, Event::new(Action::NoteRead).entity("note", id))
        .await?;
    Ok(record)
}

/// A note's content and addenda, opened and checked.
pub async fn open_record(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    note: session_note::Model,
    audit: &AuditContext,
) -> Result<NoteRecord, NoteError> {
    integrity::check::<_, NoteError>(db, keys, audit, &note).await?;
    let content = open_content(keys, &note)?;
    let tampered = note.status == NoteStatus::Signed
        && note.content_hash.as_deref()
            != Some(crypto::sha256_hex(&signed_text(&note.format, &note.title, &content)).as_str());
    if tampered {
        tracing::error!(note = %note.id, "a signed note no longer matches its signature");
    }
    let rows = note_addendum::Entity::find()
        .filter(note_addendum::Column::NoteId.eq(note.id))
        .order_by_asc(note_addendum::Column::Position)
        .all(db)
        .await?;
    integrity::check_all::<_, NoteError>(db, keys, audit, &rows).await?;
    let mut addenda = Vec::new();
    for a in rows {
        let text = keys
            .open(&a.text_sealed, &addendum_context(a.id))
            .map_err(|_| NoteError::Unreadable)?;
        let intact = a.content_hash == crypto::sha256_hex(&text);
        addenda.push((a, text, intact));
    }
    Ok(NoteRecord {
        note,
        content,
        addenda,
        tampered,
    })
}

/// What a change to a draft gives; absent parts keep their value (a new format needs its
/// content).
pub struct NotePatch {
    pub format: Option<String>,
    pub title: Option<String>,
    pub content: Option<Map<String, Value>>,
    pub goal_ids: Option<Vec<Uuid>>,
}

/// Changes a draft.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    keys: &DataKeys,
    staff: &Staff,
    id: Uuid,
    patch: NotePatch,
    audit: &AuditContext,
) -> Result<session_note::Model, NoteError> {
    let txn = db::begin_write(db).await?;
    let note = find_for(&txn, staff, id).await?;
    if note.status == NoteStatus::Signed {
        return Err(NoteError::Signed);
    }
    let current = open_content(keys, &note)?;
    let input = NoteInput {
        format: patch.format.unwrap_or_else(|| note.format.clone()),
        title: Some(patch.title.unwrap_or_else(|| note.title.clone())),
        content: patch.content.unwrap_or_else(|| {
            current
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect()
        }),
        appointment_id: note.appointment_id,
        goal_ids: patch.goal_ids.unwrap_or_else(|| goal_ids(&note)),
    };
    let (format, title, content) = check_input(&input)?;
    plans::check_goal_links(&txn, keys, note.client_id, &input.goal_ids).await?;
    let mut model: session_note::ActiveModel = note.into();
    model.goal_ids = Set(serde_json::json!(input.goal_ids));
    model.format = Set(format.as_str().to_owned());
    model.title = Set(title);
    model.content_sealed = Set(seal_content(keys, id, &content));
    model.updated_at = Set(audit.now);
    let saved = session_note::Entity::update(model).exec(&txn).await?;
    audit
        .record(&txn, Event::new(Action::NoteUpdate).entity("note", id))
        .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Signs a draft: the author or an owner; records the time, the signer and the content's hash.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn sign<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    keys: &DataKeys,
    staff: &Staff,
    id: Uuid,
    audit: &AuditContext,
) -> Result<session_note::Model, NoteError> {
    let txn = db::begin_write(db).await?;
    let note = find_for(&txn, staff, id).await?;
    // Signing re-tags the note, so a changed draft is caught first; its failure is recorded
    // once the transaction is rolled back, or the audit event would go with it.
    if !integrity::holds(keys, &note) {
        txn.rollback().await?;
        return Err(integrity::failure(db, keys, audit, &note).await);
    }
    if note.status == NoteStatus::Signed {
        return Err(NoteError::Signed);
    }
    if note.author_id != staff.id && staff.role != Role::Owner {
        return Err(NoteError::NotAuthor);
    }
    let content = open_content(keys, &note)?;
    if content.values().all(|v| v.trim().is_empty()) {
        return Err(NoteError::Invalid(vec![FieldError::new(
            "content",
            "is empty; write the note before signing it",
        )]));
    }
    let hash = crypto::sha256_hex(&signed_text(&note.format, &note.title, &content));
    let mut result = note.clone();
    result.status = NoteStatus::Signed;
    result.signed_at = Some(audit.now);
    result.signed_by = Some(staff.id);
    result.content_hash = Some(hash.clone());
    let tag = integrity::tag(keys, &result);
    let signed = session_note::Entity::update_many()
        .col_expr(
            session_note::Column::Status,
            sea_orm::sea_query::Expr::value("signed"),
        )
        .col_expr(session_note::Column::SignedAt, Some(audit.now).into())
        .col_expr(session_note::Column::SignedBy, Some(staff.id).into())
        .col_expr(session_note::Column::ContentHash, Some(hash).into())
        .col_expr(session_note::Column::Integrity, Some(tag.clone()).into())
        .col_expr(session_note::Column::UpdatedAt, audit.now.into())
        .filter(session_note::Column::Id.eq(id))
        .filter(session_note::Column::Status.eq(NoteStatus::Draft))
        .exec(&txn)
        .await?;
    if signed.rows_affected == 0 {
        return Err(NoteError::Signed);
    }
    audit
        .record(&txn, Event::new(Action::NoteSign).entity("note", id))
        .await?;
    txn.commit().await?;
    // The row as written: nothing to read back.
    result.integrity = Some(tag);
    result.updated_at = audit.now;
    Ok(result)
}

/// Adds an addendum under a signed note; it is signed as it is written.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn add_addendum<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    keys: &DataKeys,
    staff: &Staff,
    id: Uuid,
    text: &str,
    audit: &AuditContext,
) -> Result<note_addendum::Model, NoteError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > format::MAX_TEXT {
        return Err(NoteError::Invalid(vec![FieldError::new(
            "text",
            format!("must be 1 to {} characters", format::MAX_TEXT),
        )]));
    }
    let txn = db::begin_write(db).await?;
    let note = find_for(&txn, staff, id).await?;
    if note.status != NoteStatus::Signed {
        return Err(NoteError::NotSigned);
    }
    let addendum_id = Uuid::new_v4();
    let position = note_addendum::Entity::find()
        .filter(note_addendum::Column::NoteId.eq(id))
        .count(&txn)
        .await? as i32
        + 1;
    let mut row = note_addendum::Model {
        id: addendum_id,
        note_id: id,
        position,
        author_id: staff.id,
        text_sealed: keys.seal(text, &addendum_context(addendum_id)),
        content_hash: crypto::sha256_hex(text),
        integrity: None,
        created_at: audit.now,
    };
    row.integrity = Some(integrity::tag(keys, &row));
    let row = note_addendum::Entity::insert(note_addendum::ActiveModel::from(row).reset_all())
        .exec_with_returning(&txn)
        .await?;
    audit
        .record(&txn, Event::new(Action::NoteAddendum).entity("note", id))
        .await?;
    txn.commit().await?;
    Ok(row)
}

/// Deletes a draft; a signed note is part of the record and stays.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn delete<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    staff: &Staff,
    id: Uuid,
    audit: &AuditContext,
) -> Result<(), NoteError> {
    let txn = db::begin_write(db).await?;
    let note = find_for(&txn, staff, id).await?;
    if note.status == NoteStatus::Signed {
        return Err(NoteError::Signed);
    }
    let deleted = session_note::Entity::delete_many()
        .filter(session_note::Column::Id.eq(id))
        .filter(session_note::Column::Status.eq(NoteStatus::Draft))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(NoteError::Signed);
    }
    audit
        .record(&txn, Event::new(Action::NoteDelete).entity("note", id))
        .await?;
    txn.commit().await?;
    Ok(())
}

/// The treatment-plan goals a note worked on.
pub fn goal_ids(note: &session_note::Model) -> Vec<Uuid> {
    serde_json::from_value(note.goal_ids.clone()).unwrap_or_default()
}

/// When the note was last touched, for lists.
pub fn last_changed(note: &session_note::Model) -> DateTime<Utc> {
    note.signed_at.unwrap_or(note.updated_at)
}
