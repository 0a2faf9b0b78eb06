//! Signing in: the rate limits, the lockout, and the rule that a wrong email and a wrong
//! password look exactly alike from outside, in answer and in time.

use std::time::Duration;

use entity::staff_user;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, TransactionSession,
    TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use serde_json::json;

use super::{
    password,
    rate_limit::{self, Exceeded, RateLimiter},
    session::{self, NewSession},
    staff::{find_by_email, normalize_email},
};
use crate::{
    audit::{Action, Actor, AuditContext, Event, Outcome},
    config::AuthSettings,
    db,
    types::EmailAddress,
};

/// Sign-in attempts per client address and per account.
pub struct LoginLimiters {
    pub per_ip: RateLimiter,
    pub per_account: RateLimiter,
}

impl LoginLimiters {
    pub fn new(settings: &AuthSettings) -> Self {
        Self {
            per_ip: RateLimiter::new(settings.login_limit),
            per_account: RateLimiter::new(settings.login_limit),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown email, wrong password, or a disabled account: deliberately one answer.
    #[error("the email or password is not right")]
    InvalidCredentials,
    /// Rate-limited: too many attempts from this address or for this account.
    #[error("too many sign-in attempts")]
    TooManyAttempts { retry_after: Duration },
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<Exceeded> for LoginError {
    fn from(e: Exceeded) -> Self {
        LoginError::TooManyAttempts {
            retry_after: e.retry_after,
        }
    }
}

pub struct SignedIn {
    pub session: NewSession,
    pub user: staff_user::Model,
}

/// A failed sign-in is answered no sooner than this after it began, so the database work
/// that differs between an unknown account, a wrong password and a locked account cannot be
/// timed from outside. (The password hash, run in every case, takes most of it.)
const FAILURE_FLOOR: std::time::Duration = std::time::Duration::from_millis(250);

#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn login<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    limiters: &LoginLimiters,
    settings: &AuthSettings,
    email: &EmailAddress,
    password: String,
    audit: &AuditContext,
) -> Result<SignedIn, LoginError> {
    let started = tokio::time::Instant::now();
    let outcome = attempt(db, limiters, settings, email, password, audit).await;
    if matches!(outcome, Err(LoginError::InvalidCredentials)) {
        tokio::time::sleep_until(started + FAILURE_FLOOR).await;
    }
    outcome
}

async fn attempt<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    limiters: &LoginLimiters,
    settings: &AuthSettings,
    email: &EmailAddress,
    password: String,
    audit: &AuditContext,
) -> Result<SignedIn, LoginError> {
    let now = audit.now;
    // The address is a parsed one, so it is bounded (254 characters) before it becomes a
    // limiter key: a megabyte typed into the form cannot sit in the limiter's memory.
    let account_key = normalize_email(email.as_str());
    if let Some(ip) = &audit.origin.ip {
        limiters.per_ip.hit(&rate_limit::client_key(ip), now)?;
    }
    limiters.per_account.hit(&account_key, now)?;

    let user = find_by_email(db, &account_key).await?;
    // Always verify, even for an unknown or locked account, so every answer costs the same.
    let password_ok =
        password::verify(password, user.as_ref().map(|u| u.password_hash.clone())).await;

    // Failures are recorded as the anonymous caller's, against the account they aimed at: a
    // guess at someone's password is not something that person did.
    let Some(user) = user else {
        audit.record(db, failure("unknown_account")).await?;
        return Err(LoginError::InvalidCredentials);
    };
    // A locked account answers like a wrong password, so a lock reveals nothing about which
    // addresses have accounts; the lock itself holds, and is in the audit log.
    if user.locked_until.is_some_and(|until| until > now) {
        audit
            .record(db, failure("locked").entity("staff_user", user.id))
            .await?;
        return Err(LoginError::InvalidCredentials);
    }
    if user.disabled {
        audit
            .record(db, failure("disabled").entity("staff_user", user.id))
            .await?;
        return Err(LoginError::InvalidCredentials);
    }
    if !password_ok {
        record_failure(db, user.id, settings, audit, failure("wrong_password")).await?;
        return Err(LoginError::InvalidCredentials);
    }

    let txn = db::begin_write(db).await?;
    // Re-read under a lock: a disable committed since the check above must win, and one
    // arriving now waits until this session exists, so that it ends it.
    if super::account::find_for_update(&txn, user.id)
        .await?
        .disabled
    {
        txn.rollback().await?;
        return Err(LoginError::InvalidCredentials);
    }
    staff_user::Entity::update(staff_user::ActiveModel {
        id: Set(user.id),
        last_login_at: Set(Some(now)),
        failed_logins: Set(0),
        locked_until: Set(None),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    let new_session = session::create(&txn, user.id, settings, &audit.origin, now).await?;
    audit
        .as_actor(Actor::staff(user.id))
        .record(
            &txn,
            Event::new(Action::Login)
                .entity("staff_session", new_session.id)
                .details(json!({ "method": "password" })),
        )
        .await?;
    txn.commit().await?;
    limiters.per_account.reset(&account_key);
    Ok(SignedIn {
        session: new_session,
        user,
    })
}

/// A failed sign-in event, with why.
pub fn failure(reason: &'static str) -> Event {
    Event::new(Action::Login)
        .outcome(Outcome::Failure)
        .details(json!({ "reason": reason }))
}

/// Counts a wrong password (at sign-in, or when changing it) and records `event`; at the
/// threshold, locks the account and says so in the log.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn record_failure<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    user_id: uuid::Uuid,
    settings: &AuthSettings,
    audit: &AuditContext,
    event: Event,
) -> Result<(), DbErr> {
    let txn = db::begin_write(db).await?;
    // Incremented in SQL, so concurrent failures on Postgres are all counted.
    staff_user::Entity::update_many()
        .col_expr(
            staff_user::Column::FailedLogins,
            Expr::col(staff_user::Column::FailedLogins).add(1),
        )
        .filter(staff_user::Column::Id.eq(user_id))
        .exec(&txn)
        .await?;
    let failed = staff_user::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .map_or(0, |u| u.failed_logins);
    audit
        .record(&txn, event.entity("staff_user", user_id))
        .await?;
    if failed >= settings.lockout_threshold as i32 {
        let until = audit.now
            + chrono::Duration::from_std(settings.lockout_duration)
                .unwrap_or(chrono::Duration::MAX);
        staff_user::Entity::update_many()
            .col_expr(staff_user::Column::LockedUntil, Some(until).into())
            .col_expr(staff_user::Column::FailedLogins, 0.into())
            .filter(staff_user::Column::Id.eq(user_id))
            .exec(&txn)
            .await?;
        audit
            .as_actor(Actor::SYSTEM)
            .record(
                &txn,
                Event::new(Action::AccountLocked)
                    .entity("staff_user", user_id)
                    .details(json!({
                        "failed_attempts": failed,
                        "locked_until": until.to_rfc3339(),
                    })),
            )
            .await?;
        tracing::warn!(%user_id, "account locked after repeated failed sign-ins");
    }
    txn.commit().await
}
