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
    rate_limit::{Exceeded, RateLimiter},
    session::{self, NewSession},
    staff::{find_by_email, normalize_email},
};
use crate::{
    audit::{Action, Actor, AuditContext, Event, Outcome},
    config::AuthSettings,
    db,
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
    /// Rate-limited, or the account is locked after repeated failures.
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

#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn login<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    limiters: &LoginLimiters,
    settings: &AuthSettings,
    email: &str,
    password: String,
    audit: &AuditContext,
) -> Result<SignedIn, LoginError> {
    let now = audit.now;
    let account_key = normalize_email(email);
    if let Some(ip) = &audit.origin.ip {
        limiters.per_ip.hit(ip, now)?;
    }
    limiters.per_account.hit(&account_key, now)?;

    let user = find_by_email(db, &account_key).await?;
    // Always verify, even for an unknown or locked account, so every answer costs the same.
    let password_ok =
        password::verify(password, user.as_ref().map(|u| u.password_hash.clone())).await;

    let Some(user) = user else {
        audit.record(db, failure("unknown_account")).await?;
        return Err(LoginError::InvalidCredentials);
    };
    let as_user = audit.as_actor(Actor::staff(user.id));

    if let Some(until) = user.locked_until.filter(|until| *until > now) {
        as_user
            .record(db, failure("locked").entity("staff_user", user.id))
            .await?;
        return Err(LoginError::TooManyAttempts {
            retry_after: (until - now).to_std().unwrap_or_default(),
        });
    }
    if user.disabled {
        as_user
            .record(db, failure("disabled").entity("staff_user", user.id))
            .await?;
        return Err(LoginError::InvalidCredentials);
    }
    if !password_ok {
        record_failure(db, &user, settings, &as_user).await?;
        return Err(LoginError::InvalidCredentials);
    }

    let txn = db::begin_write(db).await?;
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
    as_user
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

fn failure(reason: &'static str) -> Event {
    Event::new(Action::Login)
        .outcome(Outcome::Failure)
        .details(json!({ "reason": reason }))
}

/// Counts a wrong password; at the threshold, locks the account and says so in the log.
async fn record_failure<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    user: &staff_user::Model,
    settings: &AuthSettings,
    audit: &AuditContext,
) -> Result<(), DbErr> {
    let txn = db::begin_write(db).await?;
    // Incremented in SQL, so concurrent failures on Postgres are all counted.
    staff_user::Entity::update_many()
        .col_expr(
            staff_user::Column::FailedLogins,
            Expr::col(staff_user::Column::FailedLogins).add(1),
        )
        .filter(staff_user::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    let failed = staff_user::Entity::find_by_id(user.id)
        .one(&txn)
        .await?
        .map_or(0, |u| u.failed_logins);
    audit
        .record(
            &txn,
            failure("wrong_password").entity("staff_user", user.id),
        )
        .await?;
    if failed >= settings.lockout_threshold as i32 {
        let until = audit.now
            + chrono::Duration::from_std(settings.lockout_duration)
                .unwrap_or(chrono::Duration::MAX);
        staff_user::Entity::update_many()
            .col_expr(staff_user::Column::LockedUntil, Some(until).into())
            .col_expr(staff_user::Column::FailedLogins, 0.into())
            .filter(staff_user::Column::Id.eq(user.id))
            .exec(&txn)
            .await?;
        audit
            .record(
                &txn,
                Event::new(Action::AccountLocked)
                    .entity("staff_user", user.id)
                    .details(json!({
                        "failed_attempts": failed,
                        "locked_until": until.to_rfc3339(),
                    })),
            )
            .await?;
        tracing::warn!(user_id = %user.id, "account locked after repeated failed sign-ins");
    }
    txn.commit().await
}
