//! The counters the database moves whenever what an in-memory copy was made from changes
//! (triggers move them; see the `schedule_version` migration), so a copy is checked with one
//! cheap read, whichever instance made the change.

use entity::cache_version;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QuerySelect};

/// The version of everything calendar feeds are made from: practice settings,
/// practitioners, types, hours, overrides, time off, busy times, appointments, clients and
/// their participants.
pub async fn schedule(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    read(db, "schedule").await
}

/// The version of what free time is made from besides appointments: practice settings,
/// practitioners, types and who offers them, hours, overrides, time off and busy times.
/// Bookings do not move it, so a cache of it survives a busy day.
pub async fn availability(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    read(db, "availability").await
}

/// Both counters, as of one read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Versions {
    pub schedule: i64,
    pub availability: i64,
}

/// [`schedule`] and [`availability`] in one statement, for a request that needs both.
pub async fn current(db: &impl ConnectionTrait) -> Result<Versions, DbErr> {
    let rows: Vec<(String, i64)> = cache_version::Entity::find()
        .select_only()
        .column(cache_version::Column::Name)
        .column(cache_version::Column::Version)
        .into_tuple()
        .all(db)
        .await?;
    let of = |name: &str| {
        rows.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| DbErr::RecordNotFound(format!("the {name} version row")))
    };
    Ok(Versions {
        schedule: of("schedule")?,
        availability: of("availability")?,
    })
}

async fn read(db: &impl ConnectionTrait, name: &str) -> Result<i64, DbErr> {
    let version: Option<i64> = cache_version::Entity::find_by_id(name)
        .select_only()
        .column(cache_version::Column::Version)
        .into_tuple()
        .one(db)
        .await?;
    version.ok_or_else(|| DbErr::RecordNotFound(format!("the {name} version row")))
}
