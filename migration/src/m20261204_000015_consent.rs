//! Consent documents: each a series of versions kept forever (a signature names the exact
//! version and text it was given to).

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
                    .table(ConsentDocuments::Table)
                    .col(pk_uuid(ConsentDocuments::Id))
                    .col(string(ConsentDocuments::Kind))
                    .col(string(ConsentDocuments::Title))
                    // The starting texts Attune ships, once each; a practice edits them.
                    .col(string_null(ConsentDocuments::BuiltinSlug).unique_key())
                    .col(integer(ConsentDocuments::LatestVersion))
                    .col(timestamp_with_time_zone(ConsentDocuments::CreatedAt))
                    .col(timestamp_with_time_zone(ConsentDocuments::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ConsentVersions::Table)
                    .col(pk_uuid(ConsentVersions::Id))
                    .col(uuid(ConsentVersions::DocumentId))
                    .col(integer(ConsentVersions::Version))
                    .col(string(ConsentVersions::Title))
                    .col(text(ConsentVersions::Body))
                    .col(string_null(ConsentVersions::SecretsPolicy))
                    .col(boolean(ConsentVersions::RequiresReconsent).default(false))
                    .col(uuid_null(ConsentVersions::CreatedBy))
                    .col(timestamp_with_time_zone(ConsentVersions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ConsentVersions::Table, ConsentVersions::DocumentId)
                            .to(ConsentDocuments::Table, ConsentDocuments::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_consent_versions_number")
                    .table(ConsentVersions::Table)
                    .col(ConsentVersions::DocumentId)
                    .col(ConsentVersions::Version)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ConsentVersions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ConsentDocuments::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ConsentDocuments {
    Table,
    Id,
    Kind,
    Title,
    BuiltinSlug,
    LatestVersion,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ConsentVersions {
    Table,
    Id,
    DocumentId,
    Version,
    Title,
    Body,
    SecretsPolicy,
    RequiresReconsent,
    CreatedBy,
    CreatedAt,
}
