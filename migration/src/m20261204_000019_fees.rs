//! What a practice charges and how it is coded: the billing profile (currency, and later
//! the identifiers a superbill carries), a fee and codes per appointment type, a client's own
//! fee, and each client's diagnosis codes (sealed: they are clinical).

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
                    .table(BillingProfile::Table)
                    .col(integer(BillingProfile::Id).primary_key())
                    .col(string_len(BillingProfile::Currency, 3))
                    .col(timestamp_with_time_zone(BillingProfile::UpdatedAt))
                    .check(Expr::col(BillingProfile::Id).eq(1))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TypeFees::Table)
                    .col(uuid(TypeFees::AppointmentTypeId).primary_key())
                    .col(big_integer(TypeFees::FeeMinor))
                    .col(string_null(TypeFees::CptCode))
                    .col(string_null(TypeFees::PlaceOfService))
                    .col(string_null(TypeFees::Modifier))
                    .col(timestamp_with_time_zone(TypeFees::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TypeFees::Table, TypeFees::AppointmentTypeId)
                            .to(AppointmentTypes::Table, AppointmentTypes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ClientFees::Table)
                    .col(uuid(ClientFees::ClientId).primary_key())
                    .col(big_integer(ClientFees::FeeMinor))
                    .col(string(ClientFees::Kind))
                    .col(text_null(ClientFees::Note))
                    .col(timestamp_with_time_zone(ClientFees::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ClientFees::Table, ClientFees::ClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ClientDiagnoses::Table)
                    .col(pk_uuid(ClientDiagnoses::Id))
                    .col(uuid(ClientDiagnoses::ClientId))
                    .col(uuid_null(ClientDiagnoses::ParticipantId))
                    .col(text(ClientDiagnoses::CodeSealed))
                    .col(integer(ClientDiagnoses::Position))
                    .col(uuid_null(ClientDiagnoses::CreatedBy))
                    .col(timestamp_with_time_zone(ClientDiagnoses::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ClientDiagnoses::Table, ClientDiagnoses::ClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ClientDiagnoses::Table, ClientDiagnoses::ParticipantId)
                            .to(Participants::Table, Participants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_client_diagnoses_client")
                    .table(ClientDiagnoses::Table)
                    .col(ClientDiagnoses::ClientId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ClientDiagnoses::Table.into_iden(),
            ClientFees::Table.into_iden(),
            TypeFees::Table.into_iden(),
            BillingProfile::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum BillingProfile {
    Table,
    Id,
    Currency,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TypeFees {
    Table,
    AppointmentTypeId,
    FeeMinor,
    CptCode,
    PlaceOfService,
    Modifier,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ClientFees {
    Table,
    ClientId,
    FeeMinor,
    Kind,
    Note,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ClientDiagnoses {
    Table,
    Id,
    ClientId,
    ParticipantId,
    CodeSealed,
    Position,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AppointmentTypes {
    Table,
    Id,
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
