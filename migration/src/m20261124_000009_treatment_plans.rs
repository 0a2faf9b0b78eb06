//! Treatment plans: each change a new version of the client's plan, the latest current, the
//! earlier ones kept as its history.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TreatmentPlans::Table)
                    .col(pk_uuid(TreatmentPlans::Id))
                    .col(uuid(TreatmentPlans::ClientId))
                    .col(integer(TreatmentPlans::Version))
                    .col(string_null(TreatmentPlans::Template))
                    // Presenting problems, goals and interventions, encrypted.
                    .col(text(TreatmentPlans::ContentSealed))
                    // The phases in order (empty for a plan without phases) and where the
                    // couple is; not clinical text, so lists can show them.
                    .col(json(TreatmentPlans::Phases).default("[]"))
                    .col(string_null(TreatmentPlans::Phase))
                    .col(timestamp_with_time_zone_null(TreatmentPlans::PhaseSince))
                    .col(uuid_null(TreatmentPlans::CreatedBy))
                    .col(timestamp_with_time_zone(TreatmentPlans::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TreatmentPlans::Table, TreatmentPlans::ClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .index(
                        Index::create()
                            .name("uq_treatment_plans_version")
                            .col(TreatmentPlans::ClientId)
                            .col(TreatmentPlans::Version)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TreatmentPlans::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum TreatmentPlans {
    Table,
    Id,
    ClientId,
    Version,
    Template,
    ContentSealed,
    Phases,
    Phase,
    PhaseSince,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Clients {
    Table,
    Id,
}
