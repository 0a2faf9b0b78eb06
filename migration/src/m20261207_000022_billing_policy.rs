//! The practice's late-cancellation and no-show policy (and the sentence clients read of it,
//! kept with the practice's settings so messages carry it) and its Good Faith Estimate setting;
//! whether a couple pays for themselves; the fees a late cancellation or a missed session
//! leaves pending until the therapist confirms or waives them; and Good Faith Estimates.

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
        for column in [
            ColumnDef::new(BillingProfile::LateCancelPercent)
                .integer()
                .null()
                .to_owned(),
            ColumnDef::new(BillingProfile::NoShowPercent)
                .integer()
                .null()
                .to_owned(),
            ColumnDef::new(BillingProfile::GoodFaithEstimates)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            ColumnDef::new(BillingProfile::ExpectedSessions)
                .integer()
                .not_null()
                .default(12)
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(BillingProfile::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Practice::Table)
                    .add_column(text_null(Practice::FeePolicy))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ClientBilling::Table)
                    .add_column(
                        ColumnDef::new(ClientBilling::SelfPay)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PendingFees::Table)
                    .col(pk_uuid(PendingFees::Id))
                    .col(uuid(PendingFees::AppointmentId).unique_key())
                    .col(uuid(PendingFees::ClientId))
                    .col(string(PendingFees::Kind))
                    .col(big_integer(PendingFees::AmountMinor))
                    .col(string(PendingFees::Status))
                    .col(uuid_null(PendingFees::DecidedBy))
                    .col(timestamp_with_time_zone_null(PendingFees::DecidedAt))
                    .col(timestamp_with_time_zone(PendingFees::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PendingFees::Table, PendingFees::AppointmentId)
                            .to(Appointments::Table, Appointments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PendingFees::Table, PendingFees::ClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_pending_fees_client",
            PendingFees::Table,
            [PendingFees::ClientId],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(GoodFaithEstimates::Table)
                    .col(pk_uuid(GoodFaithEstimates::Id))
                    .col(uuid(GoodFaithEstimates::ClientId))
                    .col(integer(GoodFaithEstimates::Version))
                    .col(string(GoodFaithEstimates::Reason))
                    .col(boolean(GoodFaithEstimates::Current))
                    .col(timestamp_with_time_zone(GoodFaithEstimates::ScheduledAt))
                    .col(timestamp_with_time_zone(GoodFaithEstimates::DueBy))
                    .col(string_len(GoodFaithEstimates::Currency, 3))
                    .col(big_integer(GoodFaithEstimates::TotalMinor))
                    .col(string(GoodFaithEstimates::ContentSha256))
                    .col(text(GoodFaithEstimates::PdfSealed))
                    .col(string(GoodFaithEstimates::PdfSha256))
                    .col(string(GoodFaithEstimates::Tag))
                    .col(timestamp_with_time_zone(GoodFaithEstimates::DeliveredAt))
                    .col(uuid_null(GoodFaithEstimates::CreatedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(GoodFaithEstimates::Table, GoodFaithEstimates::ClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_estimates_version")
                    .table(GoodFaithEstimates::Table)
                    .col(GoodFaithEstimates::ClientId)
                    .col(GoodFaithEstimates::Version)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            GoodFaithEstimates::Table.into_iden(),
            PendingFees::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(ClientBilling::Table)
                    .drop_column(ClientBilling::SelfPay)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Practice::Table)
                    .drop_column(Practice::FeePolicy)
                    .to_owned(),
            )
            .await?;
        for column in [
            BillingProfile::LateCancelPercent,
            BillingProfile::NoShowPercent,
            BillingProfile::GoodFaithEstimates,
            BillingProfile::ExpectedSessions,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(BillingProfile::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum BillingProfile {
    Table,
    LateCancelPercent,
    NoShowPercent,
    GoodFaithEstimates,
    ExpectedSessions,
}

#[derive(DeriveIden)]
enum Practice {
    Table,
    FeePolicy,
}

#[derive(DeriveIden)]
enum ClientBilling {
    Table,
    SelfPay,
}

#[derive(DeriveIden)]
enum PendingFees {
    Table,
    Id,
    AppointmentId,
    ClientId,
    Kind,
    AmountMinor,
    Status,
    DecidedBy,
    DecidedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum GoodFaithEstimates {
    Table,
    Id,
    ClientId,
    Version,
    Reason,
    Current,
    ScheduledAt,
    DueBy,
    Currency,
    TotalMinor,
    ContentSha256,
    PdfSealed,
    PdfSha256,
    Tag,
    DeliveredAt,
    CreatedBy,
}

#[derive(DeriveIden)]
enum Appointments {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Clients {
    Table,
    Id,
}
