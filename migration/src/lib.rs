//! Attune's schema, as an ordered list of dated migrations.
//!
//! Every migration runs inside a transaction on both Postgres and SQLite (both have
//! transactional DDL), so a failed migration leaves the schema as it was.

pub use sea_orm_migration::prelude::*;

mod helpers;
mod m20261124_000001_practice;
mod m20261124_000002_staff_and_audit;
mod m20261124_000003_scheduling;
mod m20261124_000004_calendar;
mod m20261124_000005_client_search;
mod m20261124_000006_mail;
mod m20261124_000007_intake;
mod m20261124_000008_notes;
mod m20261124_000009_treatment_plans;
mod m20261202_000010_client_title;
mod m20261202_000011_integrity;
mod m20261203_000012_schedule_version;
mod m20261203_000013_series;
mod m20261204_000014_video;
mod m20261204_000015_consent;
mod m20261204_000016_consent_requests;
mod m20261204_000017_consent_requirements;
mod m20261204_000018_portal;
mod m20261204_000019_fees;
mod m20261204_000020_invoices;
mod m20261204_000021_billing_identity;
mod m20261207_000022_billing_policy;
mod m20261208_000023_measure_schedules;

pub use sea_orm_migration::MigrationStatus;
use sea_orm_migration::sea_orm::{
    DatabaseConnection, DbBackend, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_practice::Migration),
            Box::new(m20261124_000002_staff_and_audit::Migration),
            Box::new(m20261124_000003_scheduling::Migration),
            Box::new(m20261124_000004_calendar::Migration),
            Box::new(m20261124_000005_client_search::Migration),
            Box::new(m20261124_000006_mail::Migration),
            Box::new(m20261124_000007_intake::Migration),
            Box::new(m20261124_000008_notes::Migration),
            Box::new(m20261124_000009_treatment_plans::Migration),
            Box::new(m20261202_000010_client_title::Migration),
            Box::new(m20261202_000011_integrity::Migration),
            Box::new(m20261203_000012_schedule_version::Migration),
            Box::new(m20261203_000013_series::Migration),
            Box::new(m20261204_000014_video::Migration),
            Box::new(m20261204_000015_consent::Migration),
            Box::new(m20261204_000016_consent_requests::Migration),
            Box::new(m20261204_000017_consent_requirements::Migration),
            Box::new(m20261204_000018_portal::Migration),
            Box::new(m20261204_000019_fees::Migration),
            Box::new(m20261204_000020_invoices::Migration),
            Box::new(m20261204_000021_billing_identity::Migration),
            Box::new(m20261207_000022_billing_policy::Migration),
            Box::new(m20261208_000023_measure_schedules::Migration),
        ]
    }
}

/// Applies every pending migration, safely when several processes start at once.
///
/// On Postgres an advisory lock held for the transaction makes a second migrator wait and
/// then find nothing to do; on SQLite an immediate transaction does the same. Each migration
/// runs in a savepoint of that transaction, so a failure leaves the schema as it was.
pub async fn up_exclusive(db: &DatabaseConnection) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let options = TransactionOptions {
        sqlite_transaction_mode: (backend == DbBackend::Sqlite)
            .then_some(SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    let txn = db.begin_with_options(options).await?;
    if backend == DbBackend::Postgres {
        // Any fixed 64-bit key works; this one is "attune" read as ASCII bytes.
        txn.execute_unprepared("SELECT pg_advisory_xact_lock(107152797953637)")
            .await?;
    }
    Migrator::up(&txn, None).await?;
    txn.commit().await
}
