//! Calendars: each practitioner's secret subscription feed, and the outside calendars whose
//! busy times keep online booking away from her private commitments.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{index, practitioner_fk};

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
                    .table(CalendarFeeds::Table)
                    .col(pk_uuid(CalendarFeeds::Id))
                    // One feed per practitioner: rotating replaces its token.
                    .col(uuid_uniq(CalendarFeeds::PractitionerId))
                    .col(string_uniq(CalendarFeeds::TokenHash))
                    .col(string(CalendarFeeds::Detail).default("minimal").check(
                        Expr::col(CalendarFeeds::Detail).is_in(["minimal", "initials", "full"]),
                    ))
                    .col(boolean(CalendarFeeds::IncludeTimeOff).default(false))
                    // The validator of the last body served, and when it last changed: what
                    // `ETag` and `Last-Modified` answer.
                    .col(string_null(CalendarFeeds::Etag))
                    .col(timestamp_with_time_zone(CalendarFeeds::ContentModifiedAt))
                    .col(timestamp_with_time_zone_null(CalendarFeeds::LastFetchedAt))
                    .col(uuid_null(CalendarFeeds::CreatedBy))
                    .col(timestamp_with_time_zone(CalendarFeeds::CreatedAt))
                    .col(timestamp_with_time_zone(CalendarFeeds::UpdatedAt))
                    .foreign_key(&mut practitioner_fk(
                        CalendarFeeds::Table,
                        CalendarFeeds::PractitionerId,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(BusyCalendars::Table)
                    .col(pk_uuid(BusyCalendars::Id))
                    .col(uuid(BusyCalendars::PractitionerId))
                    .col(string(BusyCalendars::Label))
                    .col(
                        string(BusyCalendars::SourceKind)
                            .check(Expr::col(BusyCalendars::SourceKind).is_in(["url", "upload"])),
                    )
                    // The address often carries a secret of the other calendar: sealed, and
                    // shown only as scheme and host.
                    .col(text_null(BusyCalendars::UrlSealed))
                    .col(string_null(BusyCalendars::UrlDisplay))
                    .col(text_null(BusyCalendars::Etag))
                    .col(text_null(BusyCalendars::LastModified))
                    // The last good parse: times and recurrence rules only, no titles.
                    .col(json_null(BusyCalendars::Series))
                    .col(
                        string(BusyCalendars::Status).default("pending").check(
                            Expr::col(BusyCalendars::Status).is_in(["pending", "ok", "error"]),
                        ),
                    )
                    .col(text_null(BusyCalendars::LastError))
                    .col(timestamp_with_time_zone_null(BusyCalendars::LastAttemptAt))
                    .col(timestamp_with_time_zone_null(BusyCalendars::LastSuccessAt))
                    .col(timestamp_with_time_zone(BusyCalendars::NextRefreshAt))
                    .col(integer(BusyCalendars::EventCount).default(0))
                    .col(uuid_null(BusyCalendars::CreatedBy))
                    .col(timestamp_with_time_zone(BusyCalendars::CreatedAt))
                    .col(timestamp_with_time_zone(BusyCalendars::UpdatedAt))
                    .foreign_key(&mut practitioner_fk(
                        BusyCalendars::Table,
                        BusyCalendars::PractitionerId,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_busy_calendars_practitioner",
            BusyCalendars::Table,
            [BusyCalendars::PractitionerId],
        )
        .await?;
        index(
            manager,
            "idx_busy_calendars_next_refresh",
            BusyCalendars::Table,
            [BusyCalendars::NextRefreshAt],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(BusyBlocks::Table)
                    .col(pk_uuid(BusyBlocks::Id))
                    .col(uuid(BusyBlocks::BusyCalendarId))
                    .col(uuid(BusyBlocks::PractitionerId))
                    .col(timestamp_with_time_zone(BusyBlocks::StartsAt))
                    .col(timestamp_with_time_zone(BusyBlocks::EndsAt))
                    .check(Expr::col(BusyBlocks::StartsAt).lt(Expr::col(BusyBlocks::EndsAt)))
                    .foreign_key(
                        ForeignKey::create()
                            .from(BusyBlocks::Table, BusyBlocks::BusyCalendarId)
                            .to(BusyCalendars::Table, BusyCalendars::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut practitioner_fk(
                        BusyBlocks::Table,
                        BusyBlocks::PractitionerId,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_busy_blocks_practitioner_start",
            BusyBlocks::Table,
            [BusyBlocks::PractitionerId, BusyBlocks::StartsAt],
        )
        .await?;
        index(
            manager,
            "idx_busy_blocks_calendar",
            BusyBlocks::Table,
            [BusyBlocks::BusyCalendarId],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            BusyBlocks::Table.into_iden(),
            BusyCalendars::Table.into_iden(),
            CalendarFeeds::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum CalendarFeeds {
    Table,
    Id,
    PractitionerId,
    TokenHash,
    Detail,
    IncludeTimeOff,
    Etag,
    ContentModifiedAt,
    LastFetchedAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum BusyCalendars {
    Table,
    Id,
    PractitionerId,
    Label,
    SourceKind,
    UrlSealed,
    UrlDisplay,
    Etag,
    LastModified,
    Series,
    Status,
    LastError,
    LastAttemptAt,
    LastSuccessAt,
    NextRefreshAt,
    EventCount,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum BusyBlocks {
    Table,
    Id,
    BusyCalendarId,
    PractitionerId,
    StartsAt,
    EndsAt,
}
