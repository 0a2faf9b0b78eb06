//! The sender: claims due messages in small batches under a lease, sends them, and records
//! the outcome. On Postgres the claim skips rows another worker has locked, so several
//! instances never take one message at once; a message whose worker died while holding it is
//! taken over when the lease runs out. The clock is the application's, so tests move time
//! instead of sleeping.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::email_outbox::{self, EmailStatus};
use sea_orm::{
    ActiveEnum,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
    sea_query::{Expr, ExprTrait, LockBehavior, LockType},
};
use tokio::sync::watch;
use uuid::Uuid;

use super::{
    Mailer,
    compose::{self, Outgoing},
    outbox,
    transport::SendError,
};
use crate::{AppState, crypto::DataKeys, db};

/// Messages claimed at once: few, so a lease comfortably covers sending them all.
pub const BATCH: u64 = 10;

/// The longest the worker sleeps when nothing is due; a message queued for now wakes it.
pub const POLL: Duration = Duration::from_secs(30);

/// Rows claimed by one worker, which only it may mark.
pub struct Claim {
    pub lease_id: Uuid,
    pub lease_until: DateTime<Utc>,
    pub rows: Vec<email_outbox::Model>,
}

/// Claims up to `limit` due messages: pending ones whose time has come, and ones left
/// `sending` by a worker whose lease ran out.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn claim<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    lease: chrono::Duration,
    limit: u64,
) -> Result<Claim, DbErr> {
    use email_outbox::Column as C;
    let lease_id = Uuid::new_v4();
    let lease_until = now + lease;
    let txn = db::begin_write(db).await?;
    let mut due = email_outbox::Entity::find()
        .select_only()
        .column(C::Id)
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(C::Status.eq(EmailStatus::Pending))
                        .add(C::NextAttemptAt.lte(now)),
                )
                .add(
                    Condition::all()
                        .add(C::Status.eq(EmailStatus::Sending))
                        .add(C::LeaseUntil.lt(now)),
                ),
        )
        .order_by_asc(C::NextAttemptAt)
        .order_by_asc(C::Id)
        .limit(limit);
    // SQLite's write transaction already excludes every other writer.
    if txn.get_database_backend() == DbBackend::Postgres {
        due = due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let ids: Vec<Uuid> = due.into_tuple().all(&txn).await?;
    if ids.is_empty() {
        txn.rollback().await?;
        return Ok(Claim {
            lease_id,
            lease_until,
            rows: Vec::new(),
        });
    }
    email_outbox::Entity::update_many()
        .col_expr(C::Status, Expr::value(EmailStatus::Sending.to_value()))
        .col_expr(C::LeaseId, Some(lease_id).into())
        .col_expr(C::LeaseUntil, Some(lease_until).into())
        .col_expr(C::Attempts, Expr::col(C::Attempts).add(1))
        .col_expr(C::UpdatedAt, now.into())
        .filter(C::Id.is_in(ids))
        .exec(&txn)
        .await?;
    let rows = email_outbox::Entity::find()
        .filter(C::LeaseId.eq(lease_id))
        .order_by_asc(C::NextAttemptAt)
        .order_by_asc(C::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(Claim {
        lease_id,
        lease_until,
        rows,
    })
}

/// What a delivery run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub sent: u32,
    /// Failed for now; will be tried again.
    pub retrying: u32,
    /// Refused for good by the server, or unusable.
    pub failed: u32,
    /// Out of attempts.
    pub dead: u32,
    /// Too late to be of use (a reminder after the start).
    pub cancelled: u32,
    /// Handed back unsent, for shutdown or a lease about to run out.
    pub released: u32,
}

impl Report {
    fn add(&mut self, other: Report) {
        self.sent += other.sent;
        self.retrying += other.retrying;
        self.failed += other.failed;
        self.dead += other.dead;
        self.cancelled += other.cancelled;
        self.released += other.released;
    }

    pub fn is_empty(&self) -> bool {
        *self == Report::default()
    }
}

/// Sends everything due now, batch after batch, until nothing is due or `stop` is raised.
pub async fn run_once(state: &AppState) -> Result<Report, DbErr> {
    let (_keep, stop) = watch::channel(false);
    deliver_due(state, &stop).await
}

async fn deliver_due(state: &AppState, stop: &watch::Receiver<bool>) -> Result<Report, DbErr> {
    let mut total = Report::default();
    loop {
        let lease = chrono::Duration::from_std(state.mail.settings.lease)
            .unwrap_or(chrono::Duration::minutes(5));
        let claimed = claim(&state.db, state.clock.now(), lease, BATCH).await?;
        if claimed.rows.is_empty() {
            return Ok(total);
        }
        let report = deliver(state, claimed, stop).await?;
        total.add(report);
        if *stop.borrow() || report.released > 0 {
            return Ok(total);
        }
    }
}

/// Sends the claimed rows one by one. Before each, it checks that the lease will outlast the
/// attempt and that no stop was asked for; otherwise it hands the rest back.
pub async fn deliver(
    state: &AppState,
    claim: Claim,
    stop: &watch::Receiver<bool>,
) -> Result<Report, DbErr> {
    let mut report = Report::default();
    let mail = &state.mail;
    let timeout = chrono::Duration::from_std(mail.settings.smtp_timeout)
        .unwrap_or(chrono::Duration::seconds(30));
    let mut rows = claim.rows.into_iter();
    while let Some(row) = rows.next() {
        let now = state.clock.now();
        if *stop.borrow() || now + timeout >= claim.lease_until {
            let ids: Vec<Uuid> = std::iter::once(row.id).chain(rows.map(|r| r.id)).collect();
            report.released += release(&state.db, &ids, claim.lease_id, now).await? as u32;
            break;
        }
        let outcome = attempt(mail, &state.keys, &row, &state.public_url.host(), now).await;
        let now = state.clock.now();
        let name = format!("{}-{}", row.kind, row.id);
        match outcome {
            Outcome::Sent(message_id) => {
                mark(&state.db, &row, claim.lease_id, now, |m| {
                    m.status = Set(EmailStatus::Sent);
                    m.sent_at = Set(Some(now));
                    m.message_id = Set(Some(message_id));
                    m.last_error = Set(None);
                })
                .await?;
                tracing::info!(email = %name, attempt = row.attempts, "email sent");
                report.sent += 1;
            }
            Outcome::TooLate => {
                mark(&state.db, &row, claim.lease_id, now, |m| {
                    m.status = Set(EmailStatus::Cancelled);
                    m.last_error = Set(Some(
                        "not sent: its appointment had already begun".to_owned(),
                    ));
                })
                .await?;
                report.cancelled += 1;
            }
            Outcome::Failed(SendError::Transient(error))
                if row.attempts < mail.settings.max_attempts as i32 =>
            {
                let next = now + backoff(row.attempts);
                mark(&state.db, &row, claim.lease_id, now, |m| {
                    m.status = Set(EmailStatus::Pending);
                    m.next_attempt_at = Set(next);
                    m.last_error = Set(Some(error));
                })
                .await?;
                tracing::warn!(email = %name, attempt = row.attempts, retry_at = %next, "email not sent; will retry");
                report.retrying += 1;
            }
            Outcome::Failed(SendError::Transient(error)) => {
                mark(&state.db, &row, claim.lease_id, now, |m| {
                    m.status = Set(EmailStatus::Dead);
                    m.last_error = Set(Some(error));
                })
                .await?;
                tracing::error!(email = %name, attempts = row.attempts, "email given up after its last attempt");
                report.dead += 1;
            }
            Outcome::Failed(SendError::Permanent(error)) => {
                mark(&state.db, &row, claim.lease_id, now, |m| {
                    m.status = Set(EmailStatus::Failed);
                    m.last_error = Set(Some(error));
                })
                .await?;
                tracing::error!(email = %name, "email refused for good");
                report.failed += 1;
            }
        }
    }
    Ok(report)
}

enum Outcome {
    /// With the `Message-ID` it went with.
    Sent(String),
    TooLate,
    Failed(SendError),
}

async fn attempt(
    mail: &Mailer,
    keys: &DataKeys,
    row: &email_outbox::Model,
    host: &str,
    now: DateTime<Utc>,
) -> Outcome {
    let content = match outbox::open(keys, row) {
        Ok(c) => c,
        Err(e) => return Outcome::Failed(SendError::Permanent(e)),
    };
    if content.not_after.is_some_and(|limit| now >= limit) {
        return Outcome::TooLate;
    }
    let outgoing = Outgoing {
        id: row.id,
        recipient: &row.recipient,
        subject: &row.subject,
        content: &content,
        date: now,
        host,
    };
    let message = match compose::build(&outgoing, &mail.settings) {
        Ok(m) => m,
        Err(e) => return Outcome::Failed(SendError::Permanent(e)),
    };
    match mail
        .transport
        .send(&message, &format!("{}-{}", row.kind, row.id))
        .await
    {
        Ok(()) => Outcome::Sent(compose::message_id(row.id, host)),
        Err(e) => Outcome::Failed(e),
    }
}

/// Records an outcome, only while this worker's lease is still the row's: a worker that
/// lost its lease to another does not overwrite what that one did.
async fn mark(
    db: &impl ConnectionTrait,
    row: &email_outbox::Model,
    lease_id: Uuid,
    now: DateTime<Utc>,
    change: impl FnOnce(&mut email_outbox::ActiveModel),
) -> Result<(), DbErr> {
    let mut model = email_outbox::ActiveModel {
        lease_id: Set(None),
        lease_until: Set(None),
        updated_at: Set(now),
        ..Default::default()
    };
    change(&mut model);
    email_outbox::Entity::update_many()
        .set(model)
        .filter(email_outbox::Column::Id.eq(row.id))
        .filter(email_outbox::Column::LeaseId.eq(lease_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Hands claimed rows back unsent, due at once, with the attempt not counted.
async fn release(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    lease_id: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    use email_outbox::Column as C;
    let result = email_outbox::Entity::update_many()
        .col_expr(C::Status, Expr::value(EmailStatus::Pending.to_value()))
        .col_expr(C::LeaseId, Option::<Uuid>::None.into())
        .col_expr(C::LeaseUntil, Option::<DateTime<Utc>>::None.into())
        .col_expr(C::Attempts, Expr::col(C::Attempts).sub(1))
        .col_expr(C::UpdatedAt, now.into())
        .filter(C::Id.is_in(ids.iter().copied()))
        .filter(C::LeaseId.eq(lease_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// The wait before attempt `attempts + 1`: 30 s doubling each time up to an hour, with up
/// to a fifth taken off at random so messages that failed together do not retry together.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let base = 30i64 << attempts.clamp(1, 8).saturating_sub(1);
    let capped = std::cmp::min(base, 3600) * 1000;
    let mut bytes = [0u8; 2];
    getrandom::fill(&mut bytes).expect("the operating system has no randomness to give");
    let jitter = capped / 5 * i64::from(u16::from_le_bytes(bytes)) / i64::from(u16::MAX);
    chrono::Duration::milliseconds(capped - jitter)
}

/// When the next message falls due, if any is waiting.
pub async fn next_due(db: &impl ConnectionTrait) -> Result<Option<DateTime<Utc>>, DbErr> {
    use email_outbox::Column as C;
    let pending: Option<DateTime<Utc>> = email_outbox::Entity::find()
        .select_only()
        .column(C::NextAttemptAt)
        .filter(C::Status.eq(EmailStatus::Pending))
        .order_by_asc(C::NextAttemptAt)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    let leased: Option<Option<DateTime<Utc>>> = email_outbox::Entity::find()
        .select_only()
        .column(C::LeaseUntil)
        .filter(C::Status.eq(EmailStatus::Sending))
        .order_by_asc(C::LeaseUntil)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    Ok([pending, leased.flatten()].into_iter().flatten().min())
}

/// Sends as messages fall due until `stop` is raised; a send in flight then finishes and
/// the rest of its batch is handed back for the next start.
pub async fn run_forever(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        match deliver_due(&state, &stop).await {
            Ok(report) if !report.is_empty() => tracing::debug!(?report, "outbox pass"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "sending email failed; will retry"),
        }
        let wait = match next_due(&state.db).await {
            Ok(Some(at)) => (at - state.clock.now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .clamp(Duration::from_millis(200), POLL),
            Ok(None) => POLL,
            Err(_) => POLL,
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = state.mail.woken() => {}
            _ = stop.changed() => return,
        }
    }
}
