//! Staff accounts: creating them, changing role or access, and the one rule that keeps a
//! practice from locking itself out: there is always at least one active owner.

use entity::{practitioner, staff_user};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::{
    Role,
    password::{self, NewPassword},
    session, token,
};
use crate::{
    audit::{Action, AuditContext, Event},
    db,
    pagination::{Page, PageRequest},
    types::EmailAddress,
};

#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    #[error("no staff account with that id")]
    NotFound,
    #[error("a staff account with that email already exists")]
    EmailTaken,
    #[error("the last active owner cannot be disabled or given another role")]
    LastOwner,
    #[error("there is no practitioner with that id")]
    UnknownPractitioner,
    #[error(transparent)]
    Db(#[from] DbErr),
}

pub struct NewStaff {
    pub email: EmailAddress,
    pub name: String,
    pub role: Role,
    pub practitioner_id: Option<Uuid>,
    pub password: NewPassword,
}

/// A change to an account; `None` leaves a field as it is.
#[derive(Default)]
pub struct StaffChanges {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    /// `Some(None)` unlinks the practitioner.
    pub practitioner_id: Option<Option<Uuid>>,
}

/// Emails are compared lower-cased: `Emily@Example.org` and `emily@example.org` are one
/// account.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    staff_user::Entity::find().count(db).await
}

pub async fn find_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<staff_user::Model>, DbErr> {
    staff_user::Entity::find()
        .filter(staff_user::Column::Email.eq(normalize_email(email)))
        .one(db)
        .await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<staff_user::Model, StaffError> {
    staff_user::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StaffError::NotFound)
}

/// Creates an account and records it in the audit log, atomically.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    new: NewStaff,
    audit: &AuditContext,
) -> Result<staff_user::Model, StaffError> {
    let password_hash = password::hash(new.password).await;
    let txn = db::begin_write(db).await?;
    let email = normalize_email(new.email.as_str());
    if find_by_email(&txn, &email).await?.is_some() {
        return Err(StaffError::EmailTaken);
    }
    check_practitioner(&txn, new.practitioner_id).await?;
    let now = audit.now;
    let model = staff_user::ActiveModel {
        id: Set(Uuid::new_v4()),
        email: Set(email),
        name: Set(new.name),
        role: Set(new.role.into()),
        practitioner_id: Set(new.practitioner_id),
        password_hash: Set(password_hash),
        disabled: Set(false),
        failed_logins: Set(0),
        locked_until: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        last_login_at: Set(None),
    };
    let created = staff_user::Entity::insert(model)
        .exec_with_returning(&txn)
        .await
        .map_err(|e| unique_violation_as(e, StaffError::EmailTaken))?;
    audit
        .record(
            &txn,
            Event::new(Action::StaffCreate)
                .entity("staff_user", created.id)
                .details(serde_json::json!({ "role": new.role.as_str() })),
        )
        .await?;
    txn.commit().await?;
    Ok(created)
}

/// Applies `changes`. Disabling an account ends its sessions and revokes its API tokens in the
/// same transaction. Refuses to leave the practice without an active owner.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    id: Uuid,
    changes: StaffChanges,
    audit: &AuditContext,
) -> Result<staff_user::Model, StaffError> {
    let txn = db::begin_write(db).await?;
    // Lock the owners before reading the account, so what is read is what is decided on.
    let owners = active_owners_locked(&txn).await?;
    let current = find(&txn, id).await?;
    let was_active_owner = !current.disabled && Role::from(current.role) == Role::Owner;
    let stays_active_owner = !changes.disabled.unwrap_or(current.disabled)
        && changes.role.unwrap_or(current.role.into()) == Role::Owner;
    if was_active_owner && !stays_active_owner && !owners.iter().any(|o| *o != id) {
        return Err(StaffError::LastOwner);
    }
    if let Some(practitioner_id) = changes.practitioner_id {
        check_practitioner(&txn, practitioner_id).await?;
    }

    let mut model: staff_user::ActiveModel = current.clone().into();
    let mut changed = serde_json::Map::new();
    if let Some(name) = changes.name.filter(|n| *n != current.name) {
        model.name = Set(name);
        changed.insert("name".into(), serde_json::Value::Bool(true));
    }
    if let Some(role) = changes.role.filter(|r| *r != Role::from(current.role)) {
        model.role = Set(role.into());
        changed.insert("role".into(), role.as_str().into());
    }
    if let Some(practitioner_id) = changes
        .practitioner_id
        .filter(|p| *p != current.practitioner_id)
    {
        model.practitioner_id = Set(practitioner_id);
        changed.insert(
            "practitioner_id".into(),
            practitioner_id.map(|p| p.to_string()).into(),
        );
    }
    let disabling = changes.disabled == Some(true) && !current.disabled;
    if let Some(disabled) = changes.disabled.filter(|d| *d != current.disabled) {
        model.disabled = Set(disabled);
        changed.insert("disabled".into(), disabled.into());
        if !disabled {
            // Re-enabling also lifts a lockout.
            model.failed_logins = Set(0);
            model.locked_until = Set(None);
        }
    }
    if changed.is_empty() {
        txn.rollback().await?;
        return Ok(current);
    }
    model.updated_at = Set(audit.now);
    let updated = staff_user::Entity::update(model).exec(&txn).await?;
    if disabling {
        let sessions = session::revoke_all_for_user(&txn, id, None).await?;
        let tokens = token::revoke_all_for_user(&txn, id, audit.now).await?;
        changed.insert("sessions_ended".into(), sessions.into());
        changed.insert("tokens_revoked".into(), tokens.into());
    }
    audit
        .record(
            &txn,
            Event::new(Action::StaffUpdate)
                .entity("staff_user", id)
                .details(serde_json::Value::Object(changed)),
        )
        .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Sets a new password and ends every session of the account (but `keep_session`), which
/// also lifts a lockout. A reset (`Action::PasswordReset`, the response to a compromised
/// account) also revokes the account's API tokens; a routine change keeps them.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn set_password<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    id: Uuid,
    new_password: NewPassword,
    keep_session: Option<Uuid>,
    action: Action,
    audit: &AuditContext,
) -> Result<(), StaffError> {
    let hash = password::hash(new_password).await;
    let txn = db::begin_write(db).await?;
    let current = find(&txn, id).await?;
    let mut model: staff_user::ActiveModel = current.into();
    model.password_hash = Set(hash);
    model.failed_logins = Set(0);
    model.locked_until = Set(None);
    model.updated_at = Set(audit.now);
    staff_user::Entity::update(model).exec(&txn).await?;
    let ended = session::revoke_all_for_user(&txn, id, keep_session).await?;
    let revoked = if action == Action::PasswordReset {
        token::revoke_all_for_user(&txn, id, audit.now).await?
    } else {
        0
    };
    audit
        .record(
            &txn,
            Event::new(action)
                .entity("staff_user", id)
                .details(serde_json::json!({ "sessions_ended": ended, "tokens_revoked": revoked })),
        )
        .await?;
    txn.commit().await?;
    Ok(())
}

/// All accounts, by email.
pub async fn list(
    db: &impl ConnectionTrait,
    page: &PageRequest<String>,
) -> Result<Page<staff_user::Model>, DbErr> {
    let mut query = staff_user::Entity::find();
    if let Some(after) = &page.after {
        query = query.filter(staff_user::Column::Email.gt(after.as_str()));
    }
    let rows = query
        .order_by_asc(staff_user::Column::Email)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    Ok(Page::from_overfetch(rows, page.limit, |u| u.email.clone()))
}

/// The active owners. On Postgres their rows stay locked until the transaction ends, all of
/// them and always in id order: two owners demoting each other at the same moment then run
/// one after the other (the second sees the first's change and is refused) instead of both
/// succeeding or deadlocking. SQLite's write transaction already runs alone.
async fn active_owners_locked(db: &impl ConnectionTrait) -> Result<Vec<Uuid>, DbErr> {
    let query = staff_user::Entity::find()
        .select_only()
        .column(staff_user::Column::Id)
        .filter(staff_user::Column::Role.eq(staff_user::StaffRole::Owner))
        .filter(staff_user::Column::Disabled.eq(false))
        .order_by_asc(staff_user::Column::Id);
    db::for_update(query, db).into_tuple::<Uuid>().all(db).await
}

async fn check_practitioner(db: &impl ConnectionTrait, id: Option<Uuid>) -> Result<(), StaffError> {
    match id {
        None => Ok(()),
        Some(id) => practitioner::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|_| ())
            .ok_or(StaffError::UnknownPractitioner),
    }
}

/// A unique-constraint violation raced past the check before it becomes `as_error`.
fn unique_violation_as(err: DbErr, as_error: StaffError) -> StaffError {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => as_error,
        _ => StaffError::Db(err),
    }
}
