//! Scheduling: appointment types, opening hours, time off, clients and their participants,
//! and appointments, with the rule that one practitioner's live appointments never overlap
//! enforced by the database itself.

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
                    .table(AppointmentTypes::Table)
                    .col(pk_uuid(AppointmentTypes::Id))
                    .col(string_uniq(AppointmentTypes::Slug))
                    .col(string(AppointmentTypes::Name))
                    .col(text(AppointmentTypes::Description).default(""))
                    .col(integer(AppointmentTypes::DurationMinutes))
                    .col(integer(AppointmentTypes::BufferBeforeMinutes).default(0))
                    .col(integer(AppointmentTypes::BufferAfterMinutes).default(0))
                    .col(integer(AppointmentTypes::SlotStepMinutes).default(15))
                    .col(integer(AppointmentTypes::MinNoticeMinutes).default(720))
                    .col(integer(AppointmentTypes::HorizonDays).default(60))
                    .col(integer(AppointmentTypes::CancellationCutoffMinutes).default(1440))
                    .col(boolean(AppointmentTypes::Public).default(false))
                    .col(string(AppointmentTypes::LocationKind).check(
                        Expr::col(AppointmentTypes::LocationKind).is_in([
                            "in_person",
                            "video",
                            "phone",
                        ]),
                    ))
                    .col(text_null(AppointmentTypes::LocationDetails))
                    .col(boolean(AppointmentTypes::Active).default(true))
                    .col(timestamp_with_time_zone(AppointmentTypes::CreatedAt))
                    .col(timestamp_with_time_zone(AppointmentTypes::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AppointmentTypePractitioners::Table)
                    .col(uuid(AppointmentTypePractitioners::AppointmentTypeId))
                    .col(uuid(AppointmentTypePractitioners::PractitionerId))
                    .primary_key(
                        Index::create()
                            .col(AppointmentTypePractitioners::AppointmentTypeId)
                            .col(AppointmentTypePractitioners::PractitionerId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                AppointmentTypePractitioners::Table,
                                AppointmentTypePractitioners::AppointmentTypeId,
                            )
                            .to(AppointmentTypes::Table, AppointmentTypes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                AppointmentTypePractitioners::Table,
                                AppointmentTypePractitioners::PractitionerId,
                            )
                            .to(Practitioners::Table, Practitioners::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AvailabilityRules::Table)
                    .col(pk_uuid(AvailabilityRules::Id))
                    .col(uuid(AvailabilityRules::PractitionerId))
                    // ISO weekday: 1 is Monday, 7 is Sunday.
                    .col(
                        integer(AvailabilityRules::Weekday)
                            .check(Expr::col(AvailabilityRules::Weekday).between(1, 7)),
                    )
                    .col(time(AvailabilityRules::StartTime))
                    .col(time(AvailabilityRules::EndTime))
                    .col(date_null(AvailabilityRules::ValidFrom))
                    .col(date_null(AvailabilityRules::ValidUntil))
                    .col(timestamp_with_time_zone(AvailabilityRules::CreatedAt))
                    .foreign_key(&mut practitioner_fk(
                        AvailabilityRules::Table,
                        AvailabilityRules::PractitionerId,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_availability_rules_practitioner",
            AvailabilityRules::Table,
            [AvailabilityRules::PractitionerId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AvailabilityOverrides::Table)
                    .col(pk_uuid(AvailabilityOverrides::Id))
                    .col(uuid(AvailabilityOverrides::PractitionerId))
                    .col(date(AvailabilityOverrides::Date))
                    // `[["09:00","12:00"], ...]`; empty: closed that day.
                    .col(json(AvailabilityOverrides::Windows))
                    .col(timestamp_with_time_zone(AvailabilityOverrides::CreatedAt))
                    .foreign_key(&mut practitioner_fk(
                        AvailabilityOverrides::Table,
                        AvailabilityOverrides::PractitionerId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uniq_availability_overrides_day")
                    .table(AvailabilityOverrides::Table)
                    .col(AvailabilityOverrides::PractitionerId)
                    .col(AvailabilityOverrides::Date)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TimeOff::Table)
                    .col(pk_uuid(TimeOff::Id))
                    .col(uuid(TimeOff::PractitionerId))
                    .col(timestamp_with_time_zone(TimeOff::StartsAt))
                    .col(timestamp_with_time_zone(TimeOff::EndsAt))
                    .col(string_null(TimeOff::Note))
                    .col(timestamp_with_time_zone(TimeOff::CreatedAt))
                    .foreign_key(&mut practitioner_fk(
                        TimeOff::Table,
                        TimeOff::PractitionerId,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_time_off_practitioner",
            TimeOff::Table,
            [TimeOff::PractitionerId, TimeOff::StartsAt],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Clients::Table)
                    .col(pk_uuid(Clients::Id))
                    .col(string(Clients::DisplayName))
                    .col(
                        string(Clients::Kind)
                            .check(Expr::col(Clients::Kind).is_in(["couple", "individual"])),
                    )
                    .col(
                        string(Clients::Status)
                            .check(Expr::col(Clients::Status).is_in(["lead", "active", "closed"])),
                    )
                    .col(string(Clients::Source))
                    .col(uuid_null(Clients::PrimaryPractitionerId))
                    .col(timestamp_with_time_zone(Clients::CreatedAt))
                    .col(timestamp_with_time_zone(Clients::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Clients::Table, Clients::PrimaryPractitionerId)
                            .to(Practitioners::Table, Practitioners::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Participants::Table)
                    .col(pk_uuid(Participants::Id))
                    .col(uuid(Participants::ClientId))
                    .col(integer(Participants::Position))
                    .col(string(Participants::FirstName))
                    .col(string(Participants::LastName))
                    .col(string_null(Participants::Email))
                    .col(string_null(Participants::Phone))
                    .col(string_null(Participants::Pronouns))
                    .col(string_null(Participants::TimeZone))
                    .col(string_null(Participants::PreferredContact).check(
                        Expr::col(Participants::PreferredContact).is_in(["email", "phone", "text"]),
                    ))
                    .col(timestamp_with_time_zone(Participants::CreatedAt))
                    .col(timestamp_with_time_zone(Participants::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Participants::Table, Participants::ClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_participants_client",
            Participants::Table,
            [Participants::ClientId],
        )
        .await?;
        index(
            manager,
            "idx_participants_email",
            Participants::Table,
            [Participants::Email],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Appointments::Table)
                    .col(pk_uuid(Appointments::Id))
                    .col(uuid(Appointments::PractitionerId))
                    .col(uuid(Appointments::AppointmentTypeId))
                    .col(uuid(Appointments::ClientId))
                    .col(timestamp_with_time_zone(Appointments::StartsAt))
                    .col(timestamp_with_time_zone(Appointments::EndsAt))
                    // The time kept from others: the appointment widened by its type's buffers,
                    // copied at booking so later changes to the type do not move it.
                    .col(timestamp_with_time_zone(Appointments::BlockedFrom))
                    .col(timestamp_with_time_zone(Appointments::BlockedUntil))
                    .col(string(Appointments::Status).check(
                        Expr::col(Appointments::Status).is_in([
                            "confirmed",
                            "cancelled",
                            "completed",
                            "no_show",
                        ]),
                    ))
                    .col(
                        string(Appointments::Source)
                            .check(Expr::col(Appointments::Source).is_in(["online", "staff"])),
                    )
                    .col(string_null(Appointments::ManageTokenHash).unique_key())
                    .col(text_null(Appointments::ManageTokenSealed))
                    .col(integer(Appointments::Sequence).default(0))
                    .col(text_null(Appointments::MessageSealed))
                    .col(text_null(Appointments::CancellationReasonSealed))
                    .col(timestamp_with_time_zone_null(Appointments::CancelledAt))
                    .col(string_null(Appointments::CancelledBy))
                    .col(string_null(Appointments::IdempotencyKey).unique_key())
                    .col(string_null(Appointments::IdempotencyFingerprint))
                    .col(boolean(Appointments::OutsideHours).default(false))
                    .col(uuid_null(Appointments::CreatedBy))
                    .col(timestamp_with_time_zone(Appointments::CreatedAt))
                    .col(timestamp_with_time_zone(Appointments::UpdatedAt))
                    .check(Expr::col(Appointments::StartsAt).lt(Expr::col(Appointments::EndsAt)))
                    .foreign_key(&mut practitioner_fk(
                        Appointments::Table,
                        Appointments::PractitionerId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Appointments::Table, Appointments::AppointmentTypeId)
                            .to(AppointmentTypes::Table, AppointmentTypes::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Appointments::Table, Appointments::ClientId)
                            .to(Clients::Table, Clients::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_appointments_practitioner_time",
            Appointments::Table,
            [Appointments::PractitionerId, Appointments::BlockedFrom],
        )
        .await?;
        index(
            manager,
            "idx_appointments_client",
            Appointments::Table,
            [Appointments::ClientId, Appointments::StartsAt],
        )
        .await?;
        index(
            manager,
            "idx_appointments_start",
            Appointments::Table,
            [Appointments::StartsAt],
        )
        .await?;

        // The guarantee: no two live appointments of one practitioner overlap, buffers
        // included, whatever the application does.
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE EXTENSION IF NOT EXISTS btree_gist;
                     ALTER TABLE appointments ADD CONSTRAINT appointments_no_overlap
                       EXCLUDE USING gist (
                         practitioner_id WITH =,
                         tstzrange(blocked_from, blocked_until, '[)') WITH &&
                       ) WHERE (status <> 'cancelled');",
                )
                .await?;
            }
            DbBackend::Sqlite => {
                for (when, row) in [("INSERT", "NEW"), ("UPDATE", "NEW")] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER appointments_no_overlap_{when} BEFORE {when} ON appointments
                         WHEN {row}.status <> 'cancelled'
                         BEGIN
                           SELECT RAISE(ABORT, 'appointments_no_overlap')
                           WHERE EXISTS (
                             SELECT 1 FROM appointments a
                             WHERE a.practitioner_id = {row}.practitioner_id
                               AND a.id <> {row}.id
                               AND a.status <> 'cancelled'
                               AND a.blocked_from < {row}.blocked_until
                               AND {row}.blocked_from < a.blocked_until
                           );
                         END;",
                        when = when.to_lowercase(),
                        row = row,
                    ))
                    .await?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Appointments::Table.into_iden(),
            Participants::Table.into_iden(),
            Clients::Table.into_iden(),
            TimeOff::Table.into_iden(),
            AvailabilityOverrides::Table.into_iden(),
            AvailabilityRules::Table.into_iden(),
            AppointmentTypePractitioners::Table.into_iden(),
            AppointmentTypes::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Practitioners {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AppointmentTypes {
    Table,
    Id,
    Slug,
    Name,
    Description,
    DurationMinutes,
    BufferBeforeMinutes,
    BufferAfterMinutes,
    SlotStepMinutes,
    MinNoticeMinutes,
    HorizonDays,
    CancellationCutoffMinutes,
    Public,
    LocationKind,
    LocationDetails,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AppointmentTypePractitioners {
    Table,
    AppointmentTypeId,
    PractitionerId,
}

#[derive(DeriveIden)]
enum AvailabilityRules {
    Table,
    Id,
    PractitionerId,
    Weekday,
    StartTime,
    EndTime,
    ValidFrom,
    ValidUntil,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AvailabilityOverrides {
    Table,
    Id,
    PractitionerId,
    Date,
    Windows,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TimeOff {
    Table,
    Id,
    PractitionerId,
    StartsAt,
    EndsAt,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Clients {
    Table,
    Id,
    DisplayName,
    Kind,
    Status,
    Source,
    PrimaryPractitionerId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Participants {
    Table,
    Id,
    ClientId,
    Position,
    FirstName,
    LastName,
    Email,
    Phone,
    Pronouns,
    TimeZone,
    PreferredContact,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Appointments {
    Table,
    Id,
    PractitionerId,
    AppointmentTypeId,
    ClientId,
    StartsAt,
    EndsAt,
    BlockedFrom,
    BlockedUntil,
    Status,
    Source,
    ManageTokenHash,
    ManageTokenSealed,
    Sequence,
    MessageSealed,
    CancellationReasonSealed,
    CancelledAt,
    CancelledBy,
    IdempotencyKey,
    IdempotencyFingerprint,
    OutsideHours,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}
