//! The partners' portal: one-time sign-in links sent by email, the short sessions they
//! open on a device, and a partner's choice to have no reminders sent.

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
                    .table(PortalLinks::Table)
                    .col(pk_uuid(PortalLinks::Id))
                    .col(uuid(PortalLinks::ParticipantId))
                    .col(string_uniq(PortalLinks::TokenHash))
                    .col(timestamp_with_time_zone(PortalLinks::CreatedAt))
                    .col(timestamp_with_time_zone(PortalLinks::ExpiresAt))
                    .col(timestamp_with_time_zone_null(PortalLinks::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PortalLinks::Table, PortalLinks::ParticipantId)
                            .to(Participants::Table, Participants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PortalSessions::Table)
                    .col(pk_uuid(PortalSessions::Id))
                    .col(uuid(PortalSessions::ParticipantId))
                    .col(string_uniq(PortalSessions::TokenHash))
                    .col(timestamp_with_time_zone(PortalSessions::CreatedAt))
                    .col(timestamp_with_time_zone(PortalSessions::LastSeenAt))
                    .col(timestamp_with_time_zone(PortalSessions::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PortalSessions::Table, PortalSessions::ParticipantId)
                            .to(Participants::Table, Participants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // How many links an address was sent lately is counted per partner.
        index(
            manager,
            "idx_portal_links_participant",
            PortalLinks::Table,
            [PortalLinks::ParticipantId, PortalLinks::CreatedAt],
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Participants::Table)
                    .add_column(boolean(Participants::EmailReminders).default(true))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Participants::Table)
                    .drop_column(Participants::EmailReminders)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(PortalSessions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(PortalLinks::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PortalLinks {
    Table,
    Id,
    ParticipantId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum PortalSessions {
    Table,
    Id,
    ParticipantId,
    TokenHash,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Participants {
    Table,
    Id,
    EmailReminders,
}
