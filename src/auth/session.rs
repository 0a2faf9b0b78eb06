//! Sessions: what a sign-in creates, and how a presented session secret is checked.
//!
//! A session ends when it has been idle for `ATTUNE_SESSION_IDLE_TIMEOUT` (sliding: each use
//! moves it on) or `ATTUNE_SESSION_MAX_AGE` after sign-in, whichever comes first. The CSRF
//! token is derived from the secret, so it needs no storage and is the same for the whole
//! session.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::{staff_session, staff_user};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    audit::Origin,
    config::AuthSettings,
    crypto::{self, Secret},
};

/// Session secrets start with this, API tokens with `atk_`.
pub const PREFIX: &str = "ats_";

/// How stale `last_seen_at` may get before a request writes it again; saves a write per
/// request while keeping the idle expiry accurate to the minute.
const TOUCH_EVERY: chrono::Duration = chrono::Duration::seconds(60);

/// A session just created: the secret is in the hands of the caller and nowhere else.
pub struct NewSession {
    pub id: Uuid,
    pub token: Secret,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// A presented session that is valid now.
#[derive(Clone)]
pub struct ValidSession {
    pub id: Uuid,
    pub user: staff_user::Model,
    pub expires_at: DateTime<Utc>,
}

/// Hides the CSRF token: `{:?}` must never print anything that authenticates.
impl std::fmt::Debug for NewSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSession")
            .field("id", &self.id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ValidSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValidSession")
            .field("id", &self.id)
            .field("user", &self.user.id)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// The CSRF token of the session whose secret is `token`.
pub fn csrf_token(token: &str) -> String {
    crypto::derive("attune-csrf", token)
}

/// When a session seen last at `last_seen` ends: idle expiry, capped by the absolute one.
pub fn expires_at(
    last_seen: DateTime<Utc>,
    absolute: DateTime<Utc>,
    idle: Duration,
) -> DateTime<Utc> {
    let idle = chrono::Duration::from_std(idle).unwrap_or(chrono::Duration::MAX);
    (last_seen + idle).min(absolute)
}

pub async fn create(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    settings: &AuthSettings,
    origin: &Origin,
    now: DateTime<Utc>,
) -> Result<NewSession, DbErr> {
    let token = Secret::generate(PREFIX);
    let absolute =
        now + chrono::Duration::from_std(settings.session_max_age).unwrap_or(chrono::Duration::MAX);
    let id = Uuid::new_v4();
    staff_session::Entity::insert(staff_session::ActiveModel {
        id: Set(id),
        user_id: Set(user_id),
        token_hash: Set(token.hash()),
        created_at: Set(now),
        last_seen_at: Set(now),
        absolute_expires_at: Set(absolute),
        ip: Set(origin.ip.clone()),
        user_agent: Set(origin
            .user_agent
            .as_ref()
            .map(|ua| ua.chars().take(512).collect())),
    })
    .exec_without_returning(db)
    .await?;
    Ok(NewSession {
        id,
        csrf_token: csrf_token(token.expose()),
        expires_at: expires_at(now, absolute, settings.session_idle),
        token,
    })
}

/// The session behind `token`, if it exists, has not expired, and its user is not disabled.
/// An expired session is deleted on the way.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    token: &str,
    settings: &AuthSettings,
    now: DateTime<Utc>,
) -> Result<Option<ValidSession>, DbErr> {
    let found = staff_session::Entity::find()
        .filter(staff_session::Column::TokenHash.eq(crypto::hash_secret(token)))
        .find_also_related(staff_user::Entity)
        .one(db)
        .await?;
    let Some((session, Some(user))) = found else {
        return Ok(None);
    };
    let ends = expires_at(
        session.last_seen_at,
        session.absolute_expires_at,
        settings.session_idle,
    );
    if now >= ends {
        revoke(db, session.id).await?;
        return Ok(None);
    }
    if user.disabled {
        return Ok(None);
    }
    let mut last_seen = session.last_seen_at;
    if now - last_seen >= TOUCH_EVERY {
        staff_session::Entity::update_many()
            .col_expr(staff_session::Column::LastSeenAt, now.into())
            .filter(staff_session::Column::Id.eq(session.id))
            .exec(db)
            .await?;
        last_seen = now;
    }
    Ok(Some(ValidSession {
        id: session.id,
        user,
        // From what is stored, so the time reported is the time it really ends.
        expires_at: expires_at(
            last_seen,
            session.absolute_expires_at,
            settings.session_idle,
        ),
    }))
}

/// Signing out: the session ends, and the audit log says so.
pub async fn end(
    db: &impl ConnectionTrait,
    session_id: Uuid,
    audit: &crate::audit::AuditContext,
) -> Result<(), DbErr> {
    revoke(db, session_id).await?;
    audit
        .record(
            db,
            crate::audit::Event::new(crate::audit::Action::Logout)
                .entity("staff_session", session_id),
        )
        .await
}

pub async fn revoke(db: &impl ConnectionTrait, session_id: Uuid) -> Result<(), DbErr> {
    staff_session::Entity::delete_by_id(session_id)
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of `user_id`, except `keep` (the one changing its own password).
pub async fn revoke_all_for_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    keep: Option<Uuid>,
) -> Result<u64, DbErr> {
    let mut delete =
        staff_session::Entity::delete_many().filter(staff_session::Column::UserId.eq(user_id));
    if let Some(keep) = keep {
        delete = delete.filter(staff_session::Column::Id.ne(keep));
    }
    Ok(delete.exec(db).await?.rows_affected)
}

/// Removes sessions that can no longer be used, so the table does not grow forever.
pub async fn purge_expired(
    db: &impl ConnectionTrait,
    settings: &AuthSettings,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let idle = chrono::Duration::from_std(settings.session_idle).unwrap_or(chrono::Duration::MAX);
    let result = staff_session::Entity::delete_many()
        .filter(
            sea_orm::Condition::any()
                .add(staff_session::Column::AbsoluteExpiresAt.lte(now))
                .add(staff_session::Column::LastSeenAt.lte(now - idle)),
        )
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + h * 3600, 0).unwrap()
    }

    #[test]
    fn the_idle_expiry_slides_but_never_past_the_absolute_one() {
        let idle = Duration::from_secs(12 * 3600);
        let absolute = at(7 * 24);
        assert_eq!(expires_at(at(0), absolute, idle), at(12));
        assert_eq!(expires_at(at(100), absolute, idle), at(112));
        assert_eq!(expires_at(at(160), absolute, idle), absolute);
    }

    #[test]
    fn the_csrf_token_is_stable_per_session_and_differs_between_sessions() {
        assert_eq!(csrf_token("ats_a"), csrf_token("ats_a"));
        assert_ne!(csrf_token("ats_a"), csrf_token("ats_b"));
        assert!(!csrf_token("ats_a").contains("ats_a"));
    }
}
