//! A consent document given to one partner to sign, through their own link, and the
//! signature: sealed (name typed, address, browser), the SHA-256 of the exact text signed,
//! and a tag binding it to the row.

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
                    .table(ConsentRequests::Table)
                    .col(pk_uuid(ConsentRequests::Id))
                    .col(uuid(ConsentRequests::ClientId))
                    .col(uuid(ConsentRequests::ParticipantId))
                    .col(uuid(ConsentRequests::DocumentId))
                    .col(uuid(ConsentRequests::VersionId))
                    .col(string_uniq(ConsentRequests::TokenHash))
                    .col(text(ConsentRequests::TokenSealed))
                    .col(uuid_null(ConsentRequests::CreatedBy))
                    .col(timestamp_with_time_zone(ConsentRequests::CreatedAt))
                    .col(timestamp_with_time_zone_null(ConsentRequests::ViewedAt))
                    .col(timestamp_with_time_zone_null(ConsentRequests::SignedAt))
                    .col(text_null(ConsentRequests::SignatureSealed))
                    .col(string_null(ConsentRequests::TextSha256))
                    .col(string_null(ConsentRequests::Integrity))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ConsentRequests::Table, ConsentRequests::ClientId)
                            .to(Clients::Table, Clients::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ConsentRequests::Table, ConsentRequests::ParticipantId)
                            .to(Participants::Table, Participants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ConsentRequests::Table, ConsentRequests::VersionId)
                            .to(ConsentVersions::Table, ConsentVersions::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_consent_requests_client",
            ConsentRequests::Table,
            [ConsentRequests::ClientId],
        )
        .await?;
        index(
            manager,
            "idx_consent_requests_document",
            ConsentRequests::Table,
            [ConsentRequests::DocumentId, ConsentRequests::ParticipantId],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ConsentRequests::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ConsentRequests {
    Table,
    Id,
    ClientId,
    ParticipantId,
    DocumentId,
    VersionId,
    TokenHash,
    TokenSealed,
    CreatedBy,
    CreatedAt,
    ViewedAt,
    SignedAt,
    SignatureSealed,
    TextSha256,
    Integrity,
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

#[derive(DeriveIden)]
enum ConsentVersions {
    Table,
    Id,
}
