//! A staff account's row read for a decision: below accounts, sessions and tokens alike, so
//! each can lock it without importing the others.

use entity::staff_user;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use uuid::Uuid;

use crate::db;

/// The account, its row locked until the transaction ends (on Postgres; SQLite's write
/// transaction already runs alone). Used where a decision must not race a disable.
pub async fn find_for_update(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<staff_user::Model, DbErr> {
    db::for_update(staff_user::Entity::find_by_id(id), db)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("staff user".into()))
}
