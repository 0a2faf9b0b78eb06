//! `/auth/*`: signing in and out, the signed-in user, changing one's password, API tokens.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    ApiResult, ApiTag, JsonBody, PageBody, StaffAction, StaffList, StaffRead, StaffWrite,
    audit_context, errors_set,
};
use crate::{
    AppState,
    audit::{Action, Actor, Event, Origin, Outcome},
    auth::{Credential, Role, Staff, login, password, session, staff, token},
    http::guard,
    http::problem::ApiError,
    http::problem::ProblemKind,
    pagination::PageRequest,
    types::{EmailAddress, plausible_instant, single_line},
};

errors_set!(
    /// Signing in: wrong credentials, too many attempts, or a malformed body.
    pub SignIn = [BadRequest, Unauthorized, PayloadTooLarge, UnsupportedMediaType, Validation, TooManyRequests, Internal, Unavailable]
);
errors_set!(
    /// Changing one's own password.
    pub PasswordChange = [BadRequest, Unauthorized, Forbidden, PayloadTooLarge, UnsupportedMediaType, Validation, TooManyRequests, Internal, Unavailable]
);

/// A role, as the API names it.
#[derive(Enum, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum RoleName {
    /// Everything, including staff, settings and the audit log.
    Owner,
    /// Scheduling, clients, and the clinical content of their own clients.
    Clinician,
    /// Front desk: scheduling, contact details and the outbox; no clinical content.
    Assistant,
}

impl From<Role> for RoleName {
    fn from(role: Role) -> Self {
        match role {
            Role::Owner => RoleName::Owner,
            Role::Clinician => RoleName::Clinician,
            Role::Assistant => RoleName::Assistant,
        }
    }
}

impl From<RoleName> for Role {
    fn from(role: RoleName) -> Self {
        match role {
            RoleName::Owner => Role::Owner,
            RoleName::Clinician => Role::Clinician,
            RoleName::Assistant => Role::Assistant,
        }
    }
}

/// The signed-in user, as sign-in and `auth/me` describe them.
#[derive(Object)]
pub struct UserSummary {
    id: Uuid,
    email: String,
    name: String,
    role: RoleName,
}

impl UserSummary {
    fn of(staff: &Staff) -> Self {
        Self {
            id: staff.id,
            email: staff.email.clone(),
            name: staff.name.clone(),
            role: staff.role.into(),
        }
    }
}

#[derive(Object, Deserialize)]
pub struct LoginRequest {
    email: String,
    password: String,
}

#[derive(Object)]
pub struct LoginBody {
    /// The session secret: also set as the `attune_session` cookie. API clients may send it
    /// as a bearer token instead.
    token: String,
    /// Send as `X-CSRF-Token` with every change made through the cookie.
    csrf_token: String,
    /// When the session ends unless used again (it slides with use, up to a fixed maximum).
    expires_at: DateTime<Utc>,
    user: UserSummary,
}

#[derive(ApiResponse)]
pub enum LoginResponse {
    /// Signed in; the session cookie is set.
    #[oai(status = 200)]
    SignedIn(Json<LoginBody>, #[oai(header = "Set-Cookie")] String),
}

#[derive(ApiResponse)]
pub enum LogoutResponse {
    /// Signed out; the session cookie is cleared.
    #[oai(status = 204)]
    SignedOut(#[oai(header = "Set-Cookie")] String),
}

#[derive(Enum, Clone, Copy)]
#[oai(rename_all = "snake_case")]
pub enum CredentialKind {
    Session,
    ApiToken,
}

#[derive(Object)]
pub struct MeBody {
    user: UserSummary,
    role: RoleName,
    /// How this request authenticated.
    credential: CredentialKind,
    /// When the session or token stops working (null: a token without expiry).
    expires_at: Option<DateTime<Utc>>,
    /// The session's CSRF token (sessions only).
    csrf_token: Option<String>,
}

#[derive(Object, Deserialize)]
pub struct PasswordChangeRequest {
    current_password: String,
    new_password: String,
}

#[derive(Object, Deserialize)]
pub struct NewTokenRequest {
    /// What the token is for, e.g. "Accounting export".
    name: String,
    /// 1 to 730; default 90.
    expires_in_days: Option<u32>,
}

#[derive(Object)]
pub struct NewTokenBody {
    id: Uuid,
    name: String,
    /// The secret: shown this once, never again.
    token: String,
    expires_at: Option<DateTime<Utc>>,
}

#[derive(ApiResponse)]
pub enum NewTokenResponse {
    /// Created.
    #[oai(status = 201)]
    Created(Json<NewTokenBody>),
}

#[derive(Object)]
pub struct TokenView {
    id: Uuid,
    name: String,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
}

#[derive(ApiResponse)]
pub enum Deleted {
    /// Done.
    #[oai(status = 204)]
    Done,
}

pub struct AuthApi;

#[OpenApi(prefix_path = "/auth", tag = "ApiTag::Auth")]
impl AuthApi {
    /// Sign in
    ///
    /// Checks the email and password and starts a session: its secret comes back in the body
    /// and as an `HttpOnly` cookie. A wrong email and a wrong password get the same answer.
    /// Limited per address and per account; repeated failures lock the account for a while.
    #[oai(path = "/login", method = "post", operation_id = "login")]
    async fn login(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        body: JsonBody<LoginRequest>,
    ) -> ApiResult<LoginResponse, SignIn> {
        let LoginRequest { email, password } = body.0;
        // An address that cannot be one is refused before any lookup; this says nothing about
        // which addresses have accounts.
        let email = EmailAddress::parse(&email).map_err(|m| ApiError::invalid("email", m))?;
        if password.is_empty() || password.chars().count() > password::MAX_LEN {
            return Err(ApiError::invalid("password", "must be 1 to 256 characters").into());
        }
        let audit = audit_context(&state, &origin, Actor::ANONYMOUS);
        let signed_in = login::login(
            &state.db,
            &state.limiters.login,
            &state.config.auth,
            &email,
            password,
            &audit,
        )
        .await?;
        let cookie = guard::session_cookie_for(&state, Some(signed_in.session.token.expose()));
        let user = signed_in.user;
        Ok(LoginResponse::SignedIn(
            Json(LoginBody {
                token: signed_in.session.token.into_string(),
                csrf_token: signed_in.session.csrf_token,
                expires_at: signed_in.session.expires_at,
                user: UserSummary {
                    id: user.id,
                    email: user.email,
                    name: user.name,
                    role: Role::from(user.role).into(),
                },
            }),
            cookie,
        ))
    }

    /// Sign out
    ///
    /// Ends the session this request was made with and clears the cookie. API tokens are
    /// not sessions: revoke them with `DELETE /auth/tokens/{id}`.
    #[oai(path = "/logout", method = "post", operation_id = "logout")]
    async fn logout(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
    ) -> ApiResult<LogoutResponse, StaffAction> {
        let Some(session_id) = staff.session_id() else {
            return Err(ApiError::bad_request(
                "This request used an API token, not a session; revoke tokens with DELETE /auth/tokens/{id}.",
            )
            .into());
        };
        session::end(
            &state.db,
            session_id,
            &audit_context(&state, &origin, staff.actor()),
        )
        .await?;
        Ok(LogoutResponse::SignedOut(guard::session_cookie_for(
            &state, None,
        )))
    }

    /// The signed-in user
    ///
    /// Who this request is from, their role, when the credential expires, and (for a session)
    /// the CSRF token to send with changes.
    #[oai(path = "/me", method = "get", operation_id = "getMe")]
    async fn me(&self, staff: Staff) -> ApiResult<Json<MeBody>, StaffRead> {
        let (credential, expires_at, csrf_token) = match &staff.credential {
            Credential::Session {
                expires_at,
                csrf_token,
                ..
            } => (
                CredentialKind::Session,
                Some(*expires_at),
                Some(csrf_token.clone()),
            ),
            Credential::ApiToken { expires_at, .. } => {
                (CredentialKind::ApiToken, *expires_at, None)
            }
        };
        Ok(Json(MeBody {
            user: UserSummary::of(&staff),
            role: staff.role.into(),
            credential,
            expires_at,
            csrf_token,
        }))
    }

    /// Change your password
    ///
    /// Needs the current password. Ends every other session of the account; this one stays.
    #[oai(path = "/password", method = "post", operation_id = "changePassword")]
    async fn change_password(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        body: JsonBody<PasswordChangeRequest>,
    ) -> ApiResult<Deleted, PasswordChange> {
        let PasswordChangeRequest {
            current_password,
            new_password,
        } = body.0;
        let new_password = password::check(&new_password, &staff.email)
            .map_err(|reason| ApiError::invalid("new_password", reason))?;
        let audit = audit_context(&state, &origin, staff.actor());
        // Guessing the current password here is limited like signing in.
        state
            .limiters
            .login
            .per_account
            .hit(&staff::normalize_email(&staff.email), audit.now)
            .map_err(|e| ApiError::from(login::LoginError::from(e)))?;
        let user = staff::find(&state.db, staff.id).await?;
        if !password::verify(current_password, Some(user.password_hash)).await {
            // Counts toward the lockout like a wrong password at sign-in.
            let event = Event::new(Action::PasswordChange)
                .outcome(Outcome::Failure)
                .details(serde_json::json!({ "reason": "wrong_current_password" }));
            login::record_failure(&state.db, staff.id, &state.config.auth, &audit, event).await?;
            return Err(
                ApiError::invalid("current_password", "is not your current password").into(),
            );
        }
        staff::set_password(
            &state.db,
            staff.id,
            new_password,
            staff.session_id(),
            Action::PasswordChange,
            &audit,
        )
        .await?;
        Ok(Deleted::Done)
    }

    /// Create an API token
    ///
    /// For integrations: a bearer token that acts as you, with your role. The secret is in
    /// this response only; keep it somewhere safe. Needs a signed-in session: a token cannot
    /// make more tokens, so a leaked one cannot outlive its own revocation.
    #[oai(path = "/tokens", method = "post", operation_id = "createToken")]
    async fn create_token(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        body: JsonBody<NewTokenRequest>,
    ) -> ApiResult<NewTokenResponse, StaffWrite> {
        if staff.session_id().is_none() {
            return Err(ApiError::new(
                ProblemKind::Forbidden,
                "API tokens are created from a signed-in session, not with another token.",
            )
            .into());
        }
        let NewTokenRequest {
            name,
            expires_in_days,
        } = body.0;
        let name = single_line(&name, 100).map_err(|m| ApiError::invalid("name", m))?;
        let days = expires_in_days.unwrap_or(token::DEFAULT_DAYS);
        if !(1..=token::MAX_DAYS).contains(&days) {
            return Err(ApiError::invalid("expires_in_days", "must be from 1 to 730").into());
        }
        let audit = audit_context(&state, &origin, staff.actor());
        let (model, secret) = token::issue(&state.db, staff.id, &name, days, &audit).await?;
        Ok(NewTokenResponse::Created(Json(NewTokenBody {
            id: model.id,
            name: model.name,
            token: secret.into_string(),
            expires_at: model.expires_at,
        })))
    }

    /// Your API tokens
    ///
    /// The tokens you created that still work, newest first. Secrets are never shown again.
    #[oai(path = "/tokens", method = "get", operation_id = "listTokens")]
    async fn list_tokens(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        limit: Query<Option<u64>>,
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<PageBody<TokenView>>, StaffList> {
        let page: PageRequest<token::Cursor> = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        if page.after.is_some_and(|(at, _)| !plausible_instant(&at)) {
            return Err(ApiError::invalid("cursor", "is not a cursor from this list").into());
        }
        let tokens = token::list_active(&state.db, staff.id, state.clock.now(), &page).await?;
        Ok(Json(PageBody::from_page(tokens, |t| TokenView {
            id: t.id,
            name: t.name,
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
        })))
    }

    /// Revoke an API token
    ///
    /// It stops working at once.
    #[oai(path = "/tokens/:id", method = "delete", operation_id = "revokeToken")]
    async fn revoke_token(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Deleted, StaffAction> {
        let audit = audit_context(&state, &origin, staff.actor());
        if !token::withdraw(&state.db, staff.id, id.0, &audit).await? {
            return Err(ApiError::not_found("You have no active API token with that id.").into());
        }
        Ok(Deleted::Done)
    }
}
