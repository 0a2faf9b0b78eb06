//! The counters the database moves whenever what an in-memory copy was made from changes
//! (triggers move them; see the `schedule_version` migration), so a copy is checked with one
//! cheap read, whichever instance made the change.

use entity::cache_version;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QuerySelect};

/// The version of everything free slots and calendar feeds are made from: practice
/// settings, practitioners, types, hours, overrides, time off, busy times, appointments,
/// clients and their participants.
pub async fn schedule(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let version: Option<i64> = cache_version::Entity::find_by_id("schedule")
        .select_only()
        .column(cache_version::Column::Version)
        .into_tuple()
        .one(db)
        .await?;
    version.ok_or_else(|| DbErr::RecordNotFound("the schedule's version row".into()))
}
