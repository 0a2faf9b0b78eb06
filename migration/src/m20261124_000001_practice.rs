//! The practice's settings row and its practitioners.

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
                    .table(Practice::Table)
                    // A single settings row: the id can only ever be 1.
                    .col(
                        integer(Practice::Id)
                            .primary_key()
                            .check(Expr::col(Practice::Id).eq(1)),
                    )
                    .col(string(Practice::Name))
                    .col(string(Practice::TimeZone))
                    .col(string_null(Practice::ContactEmail))
                    .col(timestamp_with_time_zone(Practice::CreatedAt))
                    .col(timestamp_with_time_zone(Practice::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Practitioners::Table)
                    .col(pk_uuid(Practitioners::Id))
                    .col(string(Practitioners::Name))
                    .col(string(Practitioners::Email))
                    .col(string(Practitioners::TimeZone))
                    .col(boolean(Practitioners::Active).default(true))
                    .col(timestamp_with_time_zone(Practitioners::CreatedAt))
                    .col(timestamp_with_time_zone(Practitioners::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Practitioners::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Practice::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Practice {
    Table,
    Id,
    Name,
    TimeZone,
    ContactEmail,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Practitioners {
    Table,
    Id,
    Name,
    Email,
    TimeZone,
    Active,
    CreatedAt,
    UpdatedAt,
}
