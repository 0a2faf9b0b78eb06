//! Recurring sessions: a series row per booking of several, and each appointment naming the
//! series it belongs to.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

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
                    .table(AppointmentSeries::Table)
                    .col(pk_uuid(AppointmentSeries::Id))
                    .col(uuid(AppointmentSeries::ClientId))
                    .col(uuid(AppointmentSeries::PractitionerId))
                    .col(uuid(AppointmentSeries::AppointmentTypeId))
                    .col(string(AppointmentSeries::TimeZone))
                    .col(timestamp_with_time_zone(AppointmentSeries::FirstStart))
                    .col(
                        integer(AppointmentSeries::EveryWeeks)
                            .check(Expr::col(AppointmentSeries::EveryWeeks).between(1, 4)),
                    )
                    .col(integer_null(AppointmentSeries::Count))
                    .col(date_null(AppointmentSeries::Until))
                    .col(boolean(AppointmentSeries::OutsideHours).default(false))
                    .col(json(AppointmentSeries::Skipped))
                    .col(uuid_null(AppointmentSeries::CreatedBy))
                    .col(timestamp_with_time_zone(AppointmentSeries::CreatedAt))
                    // A series ends by a count or by a date, never both or neither.
                    .check(
                        Expr::col(AppointmentSeries::Count)
                            .is_null()
                            .ne(Expr::col(AppointmentSeries::Until).is_null()),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AppointmentSeries::Table, AppointmentSeries::ClientId)
                            .to(Clients::Table, Clients::Id),
                    )
                    .foreign_key(&mut practitioner_fk(
                        AppointmentSeries::Table,
                        AppointmentSeries::PractitionerId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                AppointmentSeries::Table,
                                AppointmentSeries::AppointmentTypeId,
                            )
                            .to(AppointmentTypes::Table, AppointmentTypes::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_appointment_series_client",
            AppointmentSeries::Table,
            [AppointmentSeries::ClientId],
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Appointments::Table)
                    .add_column(uuid_null(Appointments::SeriesId))
                    .to_owned(),
            )
            .await?;
        // SQLite cannot add a foreign key to a table that exists; series are never deleted,
        // so there the application's own writes are what keeps the reference good.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .create_foreign_key(
                    ForeignKey::create()
                        .name("fk_appointments_series")
                        .from(Appointments::Table, Appointments::SeriesId)
                        .to(AppointmentSeries::Table, AppointmentSeries::Id)
                        .to_owned(),
                )
                .await?;
        }
        index(
            manager,
            "idx_appointments_series",
            Appointments::Table,
            [Appointments::SeriesId, Appointments::StartsAt],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_appointments_series")
                    .table(Appointments::Table)
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .drop_foreign_key(
                    ForeignKey::drop()
                        .name("fk_appointments_series")
                        .table(Appointments::Table)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Appointments::Table)
                    .drop_column(Appointments::SeriesId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(AppointmentSeries::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AppointmentSeries {
    Table,
    Id,
    ClientId,
    PractitionerId,
    AppointmentTypeId,
    TimeZone,
    FirstStart,
    EveryWeeks,
    Count,
    Until,
    OutsideHours,
    Skipped,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Appointments {
    Table,
    SeriesId,
    StartsAt,
}

#[derive(DeriveIden)]
enum Clients {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AppointmentTypes {
    Table,
    Id,
}
