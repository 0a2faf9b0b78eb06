//! Invoices and payments: who of a couple pays (one partner, a split by percentage, or each
//! session in turn), invoices per paying partner numbered without gaps when issued, their
//! lines, and the payments, refunds and credits recorded against them.

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
                    .table(ClientBilling::Table)
                    .col(uuid(ClientBilling::ClientId).primary_key())
                    .col(string(ClientBilling::Mode))
                    .col(uuid_null(ClientBilling::PayerParticipantId))
                    .col(integer_null(ClientBilling::FirstPercent))
                    .col(timestamp_with_time_zone(ClientBilling::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ClientBilling::Table, ClientBilling::ClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(InvoiceNumbers::Table)
                    .col(integer(InvoiceNumbers::Id).primary_key())
                    .col(big_integer(InvoiceNumbers::Next))
                    .check(Expr::col(InvoiceNumbers::Id).eq(1))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Invoices::Table)
                    .col(pk_uuid(Invoices::Id))
                    .col(big_integer_null(Invoices::Number).unique_key())
                    .col(uuid(Invoices::ClientId))
                    .col(uuid(Invoices::ParticipantId))
                    .col(string(Invoices::Status))
                    .col(string_len(Invoices::Currency, 3))
                    .col(big_integer(Invoices::TotalMinor))
                    .col(timestamp_with_time_zone_null(Invoices::IssuedAt))
                    .col(timestamp_with_time_zone_null(Invoices::VoidedAt))
                    .col(text_null(Invoices::VoidReason))
                    .col(uuid_null(Invoices::CreatedBy))
                    .col(timestamp_with_time_zone(Invoices::CreatedAt))
                    .col(timestamp_with_time_zone(Invoices::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invoices::Table, Invoices::ClientId)
                            .to(Clients::Table, Clients::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invoices::Table, Invoices::ParticipantId)
                            .to(Participants::Table, Participants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_invoices_client",
            Invoices::Table,
            [Invoices::ClientId],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(InvoiceLines::Table)
                    .col(pk_uuid(InvoiceLines::Id))
                    .col(uuid(InvoiceLines::InvoiceId))
                    .col(integer(InvoiceLines::Position))
                    .col(uuid_null(InvoiceLines::AppointmentId))
                    .col(string(InvoiceLines::Kind))
                    .col(string(InvoiceLines::Description))
                    .col(date(InvoiceLines::ServiceDate))
                    .col(string_null(InvoiceLines::CptCode))
                    .col(string_null(InvoiceLines::PlaceOfService))
                    .col(string_null(InvoiceLines::Modifier))
                    .col(integer(InvoiceLines::Units))
                    .col(big_integer(InvoiceLines::AmountMinor))
                    .foreign_key(
                        ForeignKey::create()
                            .from(InvoiceLines::Table, InvoiceLines::InvoiceId)
                            .to(Invoices::Table, Invoices::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_invoice_lines_appointment",
            InvoiceLines::Table,
            [InvoiceLines::AppointmentId],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(Payments::Table)
                    .col(pk_uuid(Payments::Id))
                    .col(uuid(Payments::InvoiceId))
                    .col(big_integer(Payments::AmountMinor))
                    .col(string(Payments::Method))
                    .col(date(Payments::ReceivedOn))
                    .col(string_null(Payments::Reference))
                    .col(uuid_null(Payments::CreatedBy))
                    .col(timestamp_with_time_zone(Payments::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Payments::Table, Payments::InvoiceId)
                            .to(Invoices::Table, Invoices::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_payments_invoice",
            Payments::Table,
            [Payments::InvoiceId],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Payments::Table.into_iden(),
            InvoiceLines::Table.into_iden(),
            Invoices::Table.into_iden(),
            InvoiceNumbers::Table.into_iden(),
            ClientBilling::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum ClientBilling {
    Table,
    ClientId,
    Mode,
    PayerParticipantId,
    FirstPercent,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InvoiceNumbers {
    Table,
    Id,
    Next,
}

#[derive(DeriveIden)]
enum Invoices {
    Table,
    Id,
    Number,
    ClientId,
    ParticipantId,
    Status,
    Currency,
    TotalMinor,
    IssuedAt,
    VoidedAt,
    VoidReason,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InvoiceLines {
    Table,
    Id,
    InvoiceId,
    Position,
    AppointmentId,
    Kind,
    Description,
    ServiceDate,
    CptCode,
    PlaceOfService,
    Modifier,
    Units,
    AmountMinor,
}

#[derive(DeriveIden)]
enum Payments {
    Table,
    Id,
    InvoiceId,
    AmountMinor,
    Method,
    ReceivedOn,
    Reference,
    CreatedBy,
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
