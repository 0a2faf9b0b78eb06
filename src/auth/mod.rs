//! Staff accounts and everything that decides who a request is and what it may do: passwords,
//! sign-in, sessions, API tokens, roles and rate limits.

mod account;
pub mod login;
pub mod password;
pub mod rate_limit;
mod role;
pub mod session;
pub mod staff;
pub mod token;

use std::fmt;

use chrono::{DateTime, Utc};
use entity::staff_user;
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

pub use role::{Permission, Role};

use crate::{audit::Actor, config::AuthSettings};

/// The signed-in staff member making a request.
#[derive(Clone)]
pub struct Staff {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub practitioner_id: Option<Uuid>,
    pub credential: Credential,
}

/// How the request proved who it is.
#[derive(Clone)]
pub enum Credential {
    Session {
        id: Uuid,
        /// The session's CSRF token, for `auth/me` to hand back.
        csrf_token: String,
        expires_at: DateTime<Utc>,
        /// Sent as the cookie (so state changes need the CSRF header) or as a bearer token.
        via_cookie: bool,
    },
    ApiToken {
        id: Uuid,
        expires_at: Option<DateTime<Utc>>,
    },
}

/// Hides the email and the CSRF token: a `{:?}` in a log line must not leak either.
impl fmt::Debug for Staff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let credential = match &self.credential {
            Credential::Session { id, .. } => format!("session {id}"),
            Credential::ApiToken { id, .. } => format!("api token {id}"),
        };
        f.debug_struct("Staff")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("credential", &credential)
            .finish_non_exhaustive()
    }
}

/// The caller's role does not allow this.
#[derive(Clone, Copy, Debug, thiserror::Error)]
#[error("your role does not allow this")]
pub struct Forbidden(pub Permission);

impl Staff {
    pub fn require(&self, permission: Permission) -> Result<(), Forbidden> {
        if self.role.allows(permission) {
            Ok(())
        } else {
            Err(Forbidden(permission))
        }
    }

    pub fn actor(&self) -> Actor {
        Actor::staff(self.id)
    }

    pub fn session_id(&self) -> Option<Uuid> {
        match self.credential {
            Credential::Session { id, .. } => Some(id),
            Credential::ApiToken { .. } => None,
        }
    }

    fn from_user(user: staff_user::Model, credential: Credential) -> Self {
        Self {
            id: user.id,
            email: user.email,
            name: user.name,
            role: user.role.into(),
            practitioner_id: user.practitioner_id,
            credential,
        }
    }
}

/// A credential as the client sent it.
pub enum Presented<'a> {
    /// `Authorization: Bearer …`: a session secret or an API token.
    Bearer(&'a str),
    /// The session cookie.
    Cookie(&'a str),
}

/// Who presented this credential, if it is valid now.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    presented: Presented<'_>,
    settings: &AuthSettings,
    now: DateTime<Utc>,
) -> Result<Option<Staff>, DbErr> {
    let (secret, via_cookie) = match presented {
        Presented::Bearer(secret) => (secret, false),
        Presented::Cookie(secret) => (secret, true),
    };
    if secret.starts_with(session::PREFIX) {
        let Some(valid) = session::authenticate(db, secret, settings, now).await? else {
            return Ok(None);
        };
        let credential = Credential::Session {
            id: valid.id,
            csrf_token: session::csrf_token(secret),
            expires_at: valid.expires_at,
            via_cookie,
        };
        return Ok(Some(Staff::from_user(valid.user, credential)));
    }
    if secret.starts_with(token::PREFIX) && !via_cookie {
        let Some((token, user)) = token::authenticate(db, secret, now).await? else {
            return Ok(None);
        };
        let credential = Credential::ApiToken {
            id: token.id,
            expires_at: token.expires_at,
        };
        return Ok(Some(Staff::from_user(user, credential)));
    }
    Ok(None)
}
