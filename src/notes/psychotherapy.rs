//! Psychotherapy notes: a therapist's private process notes, separately protected in law.
//! Only their author reads them; others see how many there are; they are never exported.

use entity::psychotherapy_note;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::{NoteError, access, format::MAX_TEXT};
use crate::{
    audit::{Action, AuditContext, Event},
    auth::Staff,
    crypto::DataKeys,
    db,
    validation::FieldError,
};

pub fn context(id: Uuid) -> String {
    format!("psychotherapy_note.text:{id}")
}

#[tracing::instrument(skip_all, fields(client_id = %client_id), err(level = "info"))]
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    keys: &DataKeys,
    staff: &Staff,
    client_id: Uuid,
    text: &str,
    audit: &AuditContext,
) -> Result<psychotherapy_note::Model, NoteError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT {
        return Err(NoteError::Invalid(vec![FieldError::new(
            "text",
            format!("must be 1 to {MAX_TEXT} characters"),
        )]));
    }
    let txn = db::begin_write(db).await?;
    access::clinical_client(&txn, staff, client_id).await?;
    let id = Uuid::new_v4();
    let row = psychotherapy_note::Entity::insert(psychotherapy_note::ActiveModel {
        id: Set(id),
        client_id: Set(client_id),
        author_id: Set(staff.id),
        text_sealed: Set(keys.seal(text, &context(id))),
        created_at: Set(audit.now),
    })
    .exec_with_returning(&txn)
    .await?;
    audit
        .record(
            &txn,
            Event::new(Action::PsychotherapyNoteCreate).entity("psychotherapy_note", id),
        )
        .await?;
    txn.commit().await?;
    Ok(row)
}

/// The caller's own psychotherapy notes on the client, opened, and how many others wrote.
pub async fn list_own(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    staff: &Staff,
    client_id: Uuid,
    audit: &AuditContext,
) -> Result<(Vec<(psychotherapy_note::Model, String)>, u64), NoteError> {
    access::clinical_client(db, staff, client_id).await?;
    let own = psychotherapy_note::Entity::find()
        .filter(psychotherapy_note::Column::ClientId.eq(client_id))
        .filter(psychotherapy_note::Column::AuthorId.eq(staff.id))
        .order_by_desc(psychotherapy_note::Column::CreatedAt)
        .all(db)
        .await?;
    let others = psychotherapy_note::Entity::find()
        .filter(psychotherapy_note::Column::ClientId.eq(client_id))
        .filter(psychotherapy_note::Column::AuthorId.ne(staff.id))
        .count(db)
        .await?;
    let mut opened = Vec::with_capacity(own.len());
    for n in own {
        let text = keys
            .open(&n.text_sealed, &context(n.id))
            .map_err(|_| NoteError::Unreadable)?;
        opened.push((n, text));
    }
    if !opened.is_empty() {
        audit
            .record(
                db,
                Event::new(Action::PsychotherapyNoteRead).entity("client", client_id),
            )
            .await?;
    }
    Ok((opened, others))
}

/// How many psychotherapy notes the client has, by anyone.
pub async fn count(db: &impl ConnectionTrait, client_id: Uuid) -> Result<u64, NoteError> {
    Ok(psychotherapy_note::Entity::find()
        .filter(psychotherapy_note::Column::ClientId.eq(client_id))
        .count(db)
        .await?)
}
