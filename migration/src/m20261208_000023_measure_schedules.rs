//! Which scored questionnaires a couple is sent, for which partner, and how often.

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
                    .table(MeasureSchedules::Table)
                    .col(pk_uuid(MeasureSchedules::Id))
                    .col(uuid(MeasureSchedules::ClientId))
                    .col(string(MeasureSchedules::Questionnaire))
                    .col(uuid_null(MeasureSchedules::ParticipantId))
                    .col(string(MeasureSchedules::Cadence))
                    .col(integer_null(MeasureSchedules::Every))
                    .col(integer(MeasureSchedules::Position))
                    .col(timestamp_with_time_zone(MeasureSchedules::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MeasureSchedules::Table, MeasureSchedules::ClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MeasureSchedules::Table, MeasureSchedules::ParticipantId)
                            .to(Participants::Table, Participants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_measure_schedules_client",
            MeasureSchedules::Table,
            [MeasureSchedules::ClientId],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MeasureSchedules::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum MeasureSchedules {
    Table,
    Id,
    ClientId,
    Questionnaire,
    ParticipantId,
    Cadence,
    Every,
    Position,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Clients {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Participants {
    Table,
    Id,
}
