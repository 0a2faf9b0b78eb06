//! An appointment's manage link: the private `/booking/{secret}` address through which the
//! couple sees, moves or cancels it.
//!
//! The secret is found by its SHA-256. It is also kept sealed for the appointment's life:
//! every email about the appointment carries the link, and a client whose connection dropped
//! can retry with the same `Idempotency-Key` and still receive it.

use chrono::{DateTime, Utc};
use entity::appointment;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::crypto::{DataKeys, Secret};

/// Manage links start with this.
pub const TOKEN_PREFIX: &str = "atm_";

/// The associated data the secret is sealed with.
pub fn token_context(id: Uuid) -> String {
    format!("appointment.manage_token:{id}")
}

/// A new secret for appointment `id`: the secret, its hash and its sealed copy, for a row
/// about to be inserted.
pub fn mint(keys: &DataKeys, id: Uuid) -> (Secret, String, String) {
    let token = Secret::generate(TOKEN_PREFIX);
    let hash = token.hash();
    let sealed = keys.seal(token.expose(), &token_context(id));
    (token, hash, sealed)
}

/// The secret of `a` as kept, if the configured keys open it.
pub fn opened(keys: &DataKeys, a: &appointment::Model) -> Option<String> {
    a.manage_token_sealed
        .as_deref()
        .and_then(|sealed| keys.open(sealed, &token_context(a.id)).ok())
}

/// Gives the appointment a new secret; the previous link, if any, stops working.
pub async fn replace(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Secret, DbErr> {
    let (token, hash, sealed) = mint(keys, id);
    appointment::Entity::update_many()
        .col_expr(appointment::Column::ManageTokenHash, Some(hash).into())
        .col_expr(appointment::Column::ManageTokenSealed, Some(sealed).into())
        .col_expr(appointment::Column::UpdatedAt, now.into())
        .filter(appointment::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(token)
}

/// The secret every message about `a` carries: the one kept, or (for an appointment made by
/// staff, which has none yet, or one the keys no longer open) a new one made now.
pub async fn current(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    a: &appointment::Model,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    if let Some(token) = opened(keys, a) {
        return Ok(token);
    }
    Ok(replace(db, keys, a.id, now).await?.into_string())
}

/// Whether `token` could be a manage link at all, before it is looked up.
pub fn well_formed(token: &str) -> bool {
    token.starts_with(TOKEN_PREFIX) && token.len() <= 100
}
