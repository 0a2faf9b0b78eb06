//! Attune's schema, as an ordered list of dated migrations.
//!
//! Every migration runs inside a transaction on both Postgres and SQLite (both have
//! transactional DDL), so a failed migration leaves the schema as it was.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_practice;

pub use sea_orm_migration::MigrationStatus;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(m20261124_000001_practice::Migration)]
    }
}
