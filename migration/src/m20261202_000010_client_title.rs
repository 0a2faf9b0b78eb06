//! What a client's calendar calls an appointment of each type. Empty by default, which reads
//! "Appointment with {practitioner}": a title such as "Couples session" on a shared or
//! work calendar tells whoever sees it that the couple is in therapy.

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
            .alter_table(
                Table::alter()
                    .table(AppointmentTypes::Table)
                    .add_column(text_null(AppointmentTypes::ClientTitle))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AppointmentTypes::Table)
                    .drop_column(AppointmentTypes::ClientTitle)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum AppointmentTypes {
    Table,
    ClientTitle,
}
