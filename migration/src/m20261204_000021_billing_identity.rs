//! What a superbill names: the practice's provider, NPI, tax id (sealed), licence and
//! address, and each paying partner's date of birth and address (sealed).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            BillingProfile::ProviderName,
            BillingProfile::Npi,
            BillingProfile::TinSealed,
            BillingProfile::License,
            BillingProfile::Address,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(BillingProfile::Table)
                        .add_column(text_null(column))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ParticipantBilling::Table)
                    .col(uuid(ParticipantBilling::ParticipantId).primary_key())
                    .col(text(ParticipantBilling::DetailsSealed))
                    .col(timestamp_with_time_zone(ParticipantBilling::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ParticipantBilling::Table, ParticipantBilling::ParticipantId)
                            .to(Participants::Table, Participants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ParticipantBilling::Table).to_owned())
            .await?;
        for column in [
            BillingProfile::ProviderName,
            BillingProfile::Npi,
            BillingProfile::TinSealed,
            BillingProfile::License,
            BillingProfile::Address,
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
    ProviderName,
    Npi,
    TinSealed,
    License,
    Address,
}

#[derive(DeriveIden)]
enum ParticipantBilling {
    Table,
    ParticipantId,
    DetailsSealed,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Participants {
    Table,
    Id,
}
