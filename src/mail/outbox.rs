//! The outbox table: queueing a message in the caller's transaction, cancelling what is no
//! longer wanted, and what staff see and do with it.

use chrono::{DateTime, Utc};
use entity::email_outbox::{self, EmailStatus};
use sea_orm::{
    ActiveEnum,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionSession, TransactionTrait,
    sea_query::{Expr, OnConflict},
};
use uuid::Uuid;

use super::{Kind, compose::Content};
use crate::{
    audit::{Action, AuditContext, Event},
    crypto::DataKeys,
    db,
    pagination::{Page, PageRequest},
};

/// A message to queue.
pub struct NewEmail {
    pub kind: Kind,
    pub recipient: String,
    pub subject: String,
    pub content: Content,
    pub scheduled_at: DateTime<Utc>,
    /// Queueing the same key twice keeps the first: a retried request or a replanned
    /// reminder is never doubled.
    pub key: String,
    pub appointment_id: Option<Uuid>,
    pub intake_id: Option<Uuid>,
}

/// The associated data a message's content is sealed with.
pub fn content_context(id: Uuid) -> String {
    format!("email_outbox.content:{id}")
}

/// Queues `new`; `false` when a message with its key exists already.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    new: NewEmail,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    Ok(enqueue_all(db, keys, vec![new], now).await? > 0)
}

/// [`enqueue`] for several messages at once, in one statement (a change plans all it sends
/// before writing any); answers how many were new.
pub async fn enqueue_all(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    emails: Vec<NewEmail>,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut rows = Vec::with_capacity(emails.len());
    for new in emails {
        let id = Uuid::new_v4();
        let content = serde_json::to_string(&new.content)
            .map_err(|e| DbErr::Custom(format!("serialising an email: {e}")))?;
        let content = pack(&content);
        rows.push(email_outbox::ActiveModel {
            id: Set(id),
            kind: Set(new.kind.as_str().to_owned()),
            recipient: Set(new.recipient),
            subject: Set(new.subject),
            content_sealed: Set(keys.seal(&content, &content_context(id))),
            scheduled_at: Set(new.scheduled_at),
            status: Set(EmailStatus::Pending),
            attempts: Set(0),
            next_attempt_at: Set(new.scheduled_at),
            lease_id: Set(None),
            lease_until: Set(None),
            last_error: Set(None),
            idempotency_key: Set(new.key),
            appointment_id: Set(new.appointment_id),
            intake_id: Set(new.intake_id),
            sent_at: Set(None),
            message_id: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        });
    }
    let mut inserted = 0;
    for batch in batches(rows) {
        inserted += email_outbox::Entity::insert_many(batch)
            .on_conflict(
                OnConflict::column(email_outbox::Column::IdempotencyKey)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(inserted)
}

/// Rows one multi-row insert carries at most: databases cap the values one statement binds
/// (SQLite at 32,766; 19 a row).
const ROWS_PER_INSERT: usize = 500;

/// Bytes of sealed content one insert carries at most. A statement larger than a socket's
/// first send buffer (16 KiB on Linux) goes out in two writes, and the second waits 40 ms for
/// a delayed acknowledgement: sqlx 0.9 leaves Nagle's algorithm on.
const BYTES_PER_INSERT: usize = 12 * 1024;

/// `rows` in inserts within both limits, in order.
fn batches(rows: Vec<email_outbox::ActiveModel>) -> Vec<Vec<email_outbox::ActiveModel>> {
    let mut out: Vec<Vec<email_outbox::ActiveModel>> = Vec::new();
    let mut bytes = 0;
    for row in rows {
        let size = match &row.content_sealed {
            sea_orm::ActiveValue::Set(c) | sea_orm::ActiveValue::Unchanged(c) => c.len(),
            sea_orm::ActiveValue::NotSet => 0,
        };
        match out.last_mut() {
            Some(batch) if batch.len() < ROWS_PER_INSERT && bytes + size <= BYTES_PER_INSERT => {
                bytes += size;
                batch.push(row);
            }
            _ => {
                bytes = size;
                out.push(vec![row]);
            }
        }
    }
    out
}

/// Which of `keys` are already in the outbox, whatever became of them.
pub async fn queued_keys(
    db: &impl ConnectionTrait,
    keys: Vec<String>,
) -> Result<std::collections::HashSet<String>, DbErr> {
    Ok(email_outbox::Entity::find()
        .filter(email_outbox::Column::IdempotencyKey.is_in(keys))
        .all(db)
        .await?
        .into_iter()
        .map(|e| e.idempotency_key)
        .collect())
}

/// Cancels an appointment's messages of these kinds that have not gone yet. One being sent
/// at this moment cannot be called back and is left to finish.
pub async fn cancel_pending(
    db: &impl ConnectionTrait,
    appointment_id: Uuid,
    kinds: &[Kind],
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    cancel_pending_of(
        db,
        email_outbox::Column::AppointmentId,
        appointment_id,
        kinds,
        now,
    )
    .await
}

/// The same for an intake's messages.
pub async fn cancel_pending_for_intake(
    db: &impl ConnectionTrait,
    intake_id: Uuid,
    kinds: &[Kind],
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    cancel_pending_of(db, email_outbox::Column::IntakeId, intake_id, kinds, now).await
}

async fn cancel_pending_of(
    db: &impl ConnectionTrait,
    owner: email_outbox::Column,
    id: Uuid,
    kinds: &[Kind],
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let result = email_outbox::Entity::update_many()
        .col_expr(
            email_outbox::Column::Status,
            Expr::value(EmailStatus::Cancelled.to_value()),
        )
        .col_expr(email_outbox::Column::UpdatedAt, now.into())
        .filter(owner.eq(id))
        .filter(email_outbox::Column::Status.eq(EmailStatus::Pending))
        .filter(email_outbox::Column::Kind.is_in(kinds.iter().map(|k| k.as_str())))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// What the list can be narrowed to.
#[derive(Clone, Copy, Debug, Default)]
pub struct Filter {
    pub status: Option<EmailStatus>,
    pub kind: Option<Kind>,
    pub appointment_id: Option<Uuid>,
}

/// The sort key: latest scheduled first.
pub type Cursor = (DateTime<Utc>, Uuid);

pub async fn list(
    db: &impl ConnectionTrait,
    filter: Filter,
    page: &PageRequest<Cursor>,
) -> Result<Page<email_outbox::Model>, DbErr> {
    use email_outbox::Column as C;
    let mut query = email_outbox::Entity::find();
    if let Some(status) = filter.status {
        query = query.filter(C::Status.eq(status));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(C::Kind.eq(kind.as_str()));
    }
    if let Some(id) = filter.appointment_id {
        query = query.filter(C::AppointmentId.eq(id));
    }
    if let Some((at, id)) = page.after {
        query = query.filter(
            Condition::any().add(C::ScheduledAt.lt(at)).add(
                Condition::all()
                    .add(C::ScheduledAt.eq(at))
                    .add(C::Id.lt(id)),
            ),
        );
    }
    let rows = query
        .order_by_desc(C::ScheduledAt)
        .order_by_desc(C::Id)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    Ok(Page::from_overfetch(rows, page.limit, |e| {
        (e.scheduled_at, e.id)
    }))
}

pub async fn find(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<email_outbox::Model>, DbErr> {
    email_outbox::Entity::find_by_id(id).one(db).await
}

/// The message's sealed content.
pub fn open(keys: &DataKeys, row: &email_outbox::Model) -> Result<Content, String> {
    let json = keys
        .open(&row.content_sealed, &content_context(row.id))
        .map_err(|_| {
            "the message's content cannot be decrypted with the configured keys".to_owned()
        })?;
    let json = unpack(&json).ok_or("the message's content is unreadable (not deflate)")?;
    serde_json::from_str(&json).map_err(|e| format!("the message's content is unreadable ({e})"))
}

/// Marks content stored compressed; older rows hold the JSON as it is.
const PACKED: &str = "z1:";

/// A message's JSON, deflated and in base64 before it is sealed: rendered HTML shrinks to a
/// fraction, which keeps a booking's messages within a few small statements.
fn pack(json: &str) -> String {
    use base64::Engine;
    let deflated = miniz_oxide::deflate::compress_to_vec(json.as_bytes(), 6);
    format!(
        "{PACKED}{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(deflated)
    )
}

fn unpack(stored: &str) -> Option<String> {
    use base64::Engine;
    let Some(packed) = stored.strip_prefix(PACKED) else {
        return Some(stored.to_owned());
    };
    let deflated = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(packed)
        .ok()?;
    // Bounded: a message is never near this, and a corrupt row must not exhaust memory.
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&deflated, 16 << 20).ok()?;
    String::from_utf8(json).ok()
}

/// Why staff cannot do that to the message now.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("no such email")]
    NotFound,
    #[error("the email is {0}")]
    WrongStatus(&'static str),
    #[error(transparent)]
    Db(#[from] DbErr),
}

pub fn status_name(status: EmailStatus) -> &'static str {
    match status {
        EmailStatus::Pending => "pending",
        EmailStatus::Sending => "sending",
        EmailStatus::Sent => "sent",
        EmailStatus::Failed => "failed",
        EmailStatus::Cancelled => "cancelled",
        EmailStatus::Dead => "dead",
    }
}

/// Sends a failed, dead or cancelled message again, now, with a fresh count of attempts.
pub async fn retry<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    id: Uuid,
    audit: &AuditContext,
) -> Result<email_outbox::Model, ActionError> {
    let now = audit.now;
    let from = [
        EmailStatus::Failed,
        EmailStatus::Dead,
        EmailStatus::Cancelled,
    ];
    transition(db, id, &from, Action::EmailRetry, audit, |m| {
        m.status = Set(EmailStatus::Pending);
        m.attempts = Set(0);
        m.next_attempt_at = Set(now);
        m.updated_at = Set(now);
    })
    .await
}

/// Stops a message that has not gone yet.
pub async fn cancel<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    id: Uuid,
    audit: &AuditContext,
) -> Result<email_outbox::Model, ActionError> {
    let now = audit.now;
    let from = [EmailStatus::Pending];
    transition(db, id, &from, Action::EmailCancel, audit, |m| {
        m.status = Set(EmailStatus::Cancelled);
        m.updated_at = Set(now);
    })
    .await
}

/// Changes the row with `change` if its status is one of `from`, in one conditional update
/// so a worker claiming it at the same moment cannot be overruled.
async fn transition<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    id: Uuid,
    from: &[EmailStatus],
    action: Action,
    audit: &AuditContext,
    change: impl FnOnce(&mut email_outbox::ActiveModel),
) -> Result<email_outbox::Model, ActionError> {
    let txn = db::begin_write(db).await?;
    let db = &txn;
    let current = find(db, id).await?.ok_or(ActionError::NotFound)?;
    if !from.contains(&current.status) {
        return Err(ActionError::WrongStatus(status_name(current.status)));
    }
    let mut model = email_outbox::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(id),
        ..Default::default()
    };
    change(&mut model);
    let updated = email_outbox::Entity::update_many()
        .set(model)
        .filter(email_outbox::Column::Id.eq(id))
        .filter(email_outbox::Column::Status.eq(current.status))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        // A worker took it meanwhile.
        let now = find(db, id).await?.ok_or(ActionError::NotFound)?;
        return Err(ActionError::WrongStatus(status_name(now.status)));
    }
    audit
        .record(db, Event::new(action).entity("email", id))
        .await?;
    let changed = find(db, id).await?.ok_or(ActionError::NotFound)?;
    txn.commit().await?;
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_stored_deflated_and_rows_from_before_still_open() {
        let json = format!(
            "{{\"html\":\"{}\"}}",
            "<p>See you on Tuesday.</p>".repeat(200)
        );
        let packed = pack(&json);
        assert!(packed.starts_with(PACKED));
        assert!(
            packed.len() * 10 < json.len(),
            "{} of {}",
            packed.len(),
            json.len()
        );
        assert_eq!(unpack(&packed).as_deref(), Some(json.as_str()));
        // A row written before compression holds its JSON as it is.
        assert_eq!(unpack(&json).as_deref(), Some(json.as_str()));
        assert_eq!(unpack("z1:not base64!"), None);
    }

    #[test]
    fn messages_are_inserted_in_statements_within_the_size_and_row_limits() {
        let row = |bytes: usize| email_outbox::ActiveModel {
            content_sealed: Set("x".repeat(bytes)),
            ..Default::default()
        };
        let sizes = |batches: Vec<Vec<email_outbox::ActiveModel>>| -> Vec<usize> {
            batches.iter().map(Vec::len).collect()
        };
        // 5 KiB each: two fit under 12 KiB, the third starts the next statement.
        assert_eq!(
            sizes(batches((0..5).map(|_| row(5 * 1024)).collect())),
            [2, 2, 1]
        );
        // One larger than the limit still goes, alone.
        assert_eq!(sizes(batches(vec![row(20 * 1024), row(10)])), [1, 1]);
        // Many small ones: the row limit.
        assert_eq!(
            sizes(batches((0..ROWS_PER_INSERT + 1).map(|_| row(1)).collect())),
            [ROWS_PER_INSERT, 1]
        );
        assert!(batches(Vec::new()).is_empty());
    }
}
