//! Which consent documents an appointment type requires before its first appointment: a
//! booking of that type gives them to each partner who has not signed them.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::index;

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
                    .table(ConsentRequirements::Table)
                    .col(uuid(ConsentRequirements::DocumentId))
                    .col(uuid(ConsentRequirements::AppointmentTypeId))
                    .primary_key(
                        Index::create()
                            .col(ConsentRequirements::DocumentId)
                            .col(ConsentRequirements::AppointmentTypeId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ConsentRequirements::Table, ConsentRequirements::DocumentId)
                            .to(ConsentDocuments::Table, ConsentDocuments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                ConsentRequirements::Table,
                                ConsentRequirements::AppointmentTypeId,
                            )
                            .to(AppointmentTypes::Table, AppointmentTypes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A booking looks its type's requirements up.
        index(
            manager,
            "idx_consent_requirements_type",
            ConsentRequirements::Table,
            [ConsentRequirements::AppointmentTypeId],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ConsentRequirements::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ConsentRequirements {
    Table,
    DocumentId,
    AppointmentTypeId,
}

#[derive(DeriveIden)]
enum ConsentDocuments {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AppointmentTypes {
    Table,
    Id,
}
