//! API tokens: long-lived bearer secrets for integrations, acting as the staff user who
//! created them. Shown once at creation; listed by name; revoked by id.

use chrono::{DateTime, Utc};
use entity::{api_token, staff_user};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use crate::{
    audit::{Action, AuditContext, Event},
    crypto::{self, Secret},
    pagination::{Page, PageRequest},
};

pub const PREFIX: &str = "atk_";
pub const DEFAULT_DAYS: u32 = 90;
pub const MAX_DAYS: u32 = 730;
/// Active tokens one account may hold; integrations are few, and a leak should be small.
pub const MAX_ACTIVE: u64 = 50;

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the account already has the most active API tokens allowed")]
    TooMany,
    #[error("the account is disabled")]
    Disabled,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Creates a token for `user_id` and records it, atomically. The account's row is locked
/// first, so a token cannot slip in beside a concurrent disable and outlive it.
#[tracing::instrument(skip_all, fields(user_id = %user_id), err(level = "info"))]
pub async fn issue<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    user_id: Uuid,
    name: &str,
    valid_days: u32,
    audit: &AuditContext,
) -> Result<(api_token::Model, Secret), TokenError> {
    let txn = crate::db::begin_write(db).await?;
    if super::account::find_for_update(&txn, user_id)
        .await?
        .disabled
    {
        return Err(TokenError::Disabled);
    }
    let active = api_token::Entity::find()
        .filter(active(user_id, audit.now))
        .count(&txn)
        .await?;
    if active >= MAX_ACTIVE {
        return Err(TokenError::TooMany);
    }
    let (model, secret) = create(&txn, user_id, name, valid_days, audit.now).await?;
    audit
        .record(
            &txn,
            Event::new(Action::TokenCreate).entity("api_token", model.id),
        )
        .await?;
    txn.commit().await?;
    Ok((model, secret))
}

/// Revokes one of the user's own tokens and records it. `false`: no such active token.
#[tracing::instrument(skip_all, fields(user_id = %user_id, token_id = %token_id), err(level = "info"))]
pub async fn withdraw<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    user_id: Uuid,
    token_id: Uuid,
    audit: &AuditContext,
) -> Result<bool, DbErr> {
    let txn = crate::db::begin_write(db).await?;
    if !revoke(&txn, user_id, token_id, audit.now).await? {
        return Ok(false);
    }
    audit
        .record(
            &txn,
            Event::new(Action::TokenRevoke).entity("api_token", token_id),
        )
        .await?;
    txn.commit().await?;
    Ok(true)
}

fn active(user_id: Uuid, now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(api_token::Column::UserId.eq(user_id))
        .add(api_token::Column::RevokedAt.is_null())
        .add(
            Condition::any()
                .add(api_token::Column::ExpiresAt.is_null())
                .add(api_token::Column::ExpiresAt.gt(now)),
        )
}

/// `last_used_at` is written at most this often per token.
const TOUCH_EVERY: chrono::Duration = chrono::Duration::seconds(60);

pub async fn create(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    name: &str,
    valid_days: u32,
    now: DateTime<Utc>,
) -> Result<(api_token::Model, Secret), DbErr> {
    let secret = Secret::generate(PREFIX);
    let model = api_token::Model {
        id: Uuid::new_v4(),
        user_id,
        name: name.to_owned(),
        token_hash: secret.hash(),
        created_at: now,
        expires_at: Some(now + chrono::Duration::days(valid_days.into())),
        last_used_at: None,
        revoked_at: None,
    };
    api_token::Entity::insert(api_token::ActiveModel {
        id: Set(model.id),
        user_id: Set(model.user_id),
        name: Set(model.name.clone()),
        token_hash: Set(model.token_hash.clone()),
        created_at: Set(model.created_at),
        expires_at: Set(model.expires_at),
        last_used_at: Set(None),
        revoked_at: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    Ok((model, secret))
}

/// The sort key of the token list: newest first.
pub type Cursor = (DateTime<Utc>, Uuid);

/// The user's tokens that can still be used, newest first.
pub async fn list_active(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
    page: &PageRequest<Cursor>,
) -> Result<Page<api_token::Model>, DbErr> {
    let mut query = api_token::Entity::find().filter(active(user_id, now));
    if let Some((at, id)) = page.after {
        query = query.filter(
            Condition::any()
                .add(api_token::Column::CreatedAt.lt(at))
                .add(
                    Condition::all()
                        .add(api_token::Column::CreatedAt.eq(at))
                        .add(api_token::Column::Id.lt(id)),
                ),
        );
    }
    let rows = query
        .order_by_desc(api_token::Column::CreatedAt)
        .order_by_desc(api_token::Column::Id)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    Ok(Page::from_overfetch(rows, page.limit, |t| {
        (t.created_at, t.id)
    }))
}

/// Revokes one of the user's own tokens. `false`: no such active token of theirs.
pub async fn revoke(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    token_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Some(now).into())
        .filter(api_token::Column::Id.eq(token_id))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Revokes every token of a user (when the account is disabled).
pub async fn revoke_all_for_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let result = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Some(now).into())
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// The token behind a presented secret, with its user, if it is usable now.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    presented: &str,
    now: DateTime<Utc>,
) -> Result<Option<(api_token::Model, staff_user::Model)>, DbErr> {
    let found = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(crypto::hash_secret(presented)))
        .find_also_related(staff_user::Entity)
        .one(db)
        .await?;
    let Some((token, Some(user))) = found else {
        return Ok(None);
    };
    let usable =
        token.revoked_at.is_none() && token.expires_at.is_none_or(|at| now < at) && !user.disabled;
    if !usable {
        return Ok(None);
    }
    if token.last_used_at.is_none_or(|at| now - at >= TOUCH_EVERY) {
        api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedAt, Some(now).into())
            .filter(api_token::Column::Id.eq(token.id))
            .exec(db)
            .await?;
    }
    Ok(Some((token, user)))
}
