//! Video sessions: where rooms come from (a practice's URL template, a practitioner's fixed
//! link), each video appointment's own room, where each practitioner is licensed, and each
//! partner's own join link with where they said they were when they joined.

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
        // SQLite adds one column per statement.
        let add = |table: DynIden, column: ColumnDef| {
            Table::alter().table(table).add_column(column).to_owned()
        };
        for alter in [
            add(
                Practice::Table.into_iden(),
                string_null(Practice::VideoRoomTemplate).to_owned(),
            ),
            add(
                Practitioners::Table.into_iden(),
                string_null(Practitioners::VideoLink).to_owned(),
            ),
            add(
                Practitioners::Table.into_iden(),
                json(Practitioners::LicensedIn).default("[]").to_owned(),
            ),
            add(
                Appointments::Table.into_iden(),
                text_null(Appointments::VideoRoomSealed).to_owned(),
            ),
        ] {
            manager.alter_table(alter).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(JoinLinks::Table)
                    .col(pk_uuid(JoinLinks::Id))
                    .col(uuid(JoinLinks::AppointmentId))
                    .col(uuid(JoinLinks::ParticipantId))
                    .col(string_uniq(JoinLinks::TokenHash))
                    .col(text(JoinLinks::TokenSealed))
                    .col(string_null(JoinLinks::Country))
                    .col(string_null(JoinLinks::Region))
                    .col(timestamp_with_time_zone_null(JoinLinks::LocatedAt))
                    // Judged when they joined, against the licences held then.
                    .col(boolean(JoinLinks::OutsideLicence).default(false))
                    .col(timestamp_with_time_zone(JoinLinks::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(JoinLinks::Table, JoinLinks::AppointmentId)
                            .to(Appointments::Table, Appointments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(JoinLinks::Table, JoinLinks::ParticipantId)
                            .to(Participants::Table, Participants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_join_links_person")
                    .table(JoinLinks::Table)
                    .col(JoinLinks::AppointmentId)
                    .col(JoinLinks::ParticipantId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_join_links_participant",
            JoinLinks::Table,
            [JoinLinks::ParticipantId],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(JoinLinks::Table).to_owned())
            .await?;
        let drop = |table: DynIden, column: DynIden| {
            Table::alter().table(table).drop_column(column).to_owned()
        };
        for alter in [
            drop(
                Appointments::Table.into_iden(),
                Appointments::VideoRoomSealed.into_iden(),
            ),
            drop(
                Practitioners::Table.into_iden(),
                Practitioners::LicensedIn.into_iden(),
            ),
            drop(
                Practitioners::Table.into_iden(),
                Practitioners::VideoLink.into_iden(),
            ),
            drop(
                Practice::Table.into_iden(),
                Practice::VideoRoomTemplate.into_iden(),
            ),
        ] {
            manager.alter_table(alter).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Practice {
    Table,
    VideoRoomTemplate,
}

#[derive(DeriveIden)]
enum Practitioners {
    Table,
    VideoLink,
    LicensedIn,
}

#[derive(DeriveIden)]
enum Appointments {
    Table,
    Id,
    VideoRoomSealed,
}

#[derive(DeriveIden)]
enum Participants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum JoinLinks {
    Table,
    Id,
    AppointmentId,
    ParticipantId,
    TokenHash,
    TokenSealed,
    Country,
    Region,
    LocatedAt,
    OutsideLicence,
    CreatedAt,
}
