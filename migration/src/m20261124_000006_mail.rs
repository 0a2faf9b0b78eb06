//! Email: the outbox every message passes through, and the reminder offsets of each
//! appointment type.

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
            .alter_table(
                Table::alter()
                    .table(AppointmentTypes::Table)
                    // Minutes before the start a reminder goes out: a day and two hours.
                    .add_column(json(AppointmentTypes::ReminderMinutes).default("[1440,120]"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EmailOutbox::Table)
                    .col(pk_uuid(EmailOutbox::Id))
                    .col(string(EmailOutbox::Kind))
                    .col(string(EmailOutbox::Recipient))
                    .col(string(EmailOutbox::Subject))
                    // Bodies and attachments, encrypted: they carry private links.
                    .col(text(EmailOutbox::ContentSealed))
                    .col(timestamp_with_time_zone(EmailOutbox::ScheduledAt))
                    .col(string(EmailOutbox::Status).default("pending").check(
                        Expr::col(EmailOutbox::Status).is_in([
                            "pending",
                            "sending",
                            "sent",
                            "failed",
                            "cancelled",
                            "dead",
                        ]),
                    ))
                    .col(integer(EmailOutbox::Attempts).default(0))
                    .col(timestamp_with_time_zone(EmailOutbox::NextAttemptAt))
                    // Who is sending it now, and until when; a lease that runs out is taken
                    // over, so a crashed worker's messages still go.
                    .col(uuid_null(EmailOutbox::LeaseId))
                    .col(timestamp_with_time_zone_null(EmailOutbox::LeaseUntil))
                    .col(text_null(EmailOutbox::LastError))
                    .col(string_uniq(EmailOutbox::IdempotencyKey))
                    .col(uuid_null(EmailOutbox::AppointmentId))
                    .col(uuid_null(EmailOutbox::IntakeId))
                    .col(timestamp_with_time_zone_null(EmailOutbox::SentAt))
                    .col(text_null(EmailOutbox::MessageId))
                    .col(timestamp_with_time_zone(EmailOutbox::CreatedAt))
                    .col(timestamp_with_time_zone(EmailOutbox::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EmailOutbox::Table, EmailOutbox::AppointmentId)
                            .to(Appointments::Table, Appointments::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_email_outbox_due",
            EmailOutbox::Table,
            [EmailOutbox::Status, EmailOutbox::NextAttemptAt],
        )
        .await?;
        index(
            manager,
            "idx_email_outbox_appointment",
            EmailOutbox::Table,
            [EmailOutbox::AppointmentId],
        )
        .await?;
        index(
            manager,
            "idx_email_outbox_list",
            EmailOutbox::Table,
            [EmailOutbox::ScheduledAt, EmailOutbox::Id],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EmailOutbox::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AppointmentTypes::Table)
                    .drop_column(AppointmentTypes::ReminderMinutes)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum AppointmentTypes {
    Table,
    ReminderMinutes,
}

#[derive(DeriveIden)]
enum Appointments {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum EmailOutbox {
    Table,
    Id,
    Kind,
    Recipient,
    Subject,
    ContentSealed,
    ScheduledAt,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseId,
    LeaseUntil,
    LastError,
    IdempotencyKey,
    AppointmentId,
    IntakeId,
    SentAt,
    MessageId,
    CreatedAt,
    UpdatedAt,
}
