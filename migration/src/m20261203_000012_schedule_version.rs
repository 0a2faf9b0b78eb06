//! A counter that moves whenever anything a free slot or a calendar feed is made from
//! changes, so an instance can keep those in memory and check with one cheap read that its
//! copy is current, however many instances share the database.
//!
//! Triggers move it, so no write path can forget to. On Postgres they run at commit
//! (deferred), and only the first change of a transaction touches the counter row, so the
//! row's lock is held for the commit alone rather than for the rest of a booking.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// What slots and feeds are made of.
const WATCHED: &[&str] = &[
    "practice",
    "practitioners",
    "appointment_types",
    "appointment_type_practitioners",
    "availability_rules",
    "availability_overrides",
    "time_off",
    "busy_blocks",
    "appointments",
    "clients",
    "participants",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CacheVersions::Table)
                    .col(string(CacheVersions::Name).primary_key())
                    .col(big_integer(CacheVersions::Version).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(CacheVersions::Table)
                    .columns([CacheVersions::Name, CacheVersions::Version])
                    .values_panic(["schedule".into(), 0i64.into()])
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(CalendarFeeds::Table)
                    .add_column(text_null(CalendarFeeds::RenderedKey))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(CalendarFeeds::Table)
                    .add_column(timestamp_with_time_zone_null(CalendarFeeds::RenderedAt))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION attune_bump_schedule() RETURNS trigger LANGUAGE plpgsql AS $$
                     BEGIN
                         IF current_setting('attune.schedule_bumped', true) = 'on' THEN
                             RETURN NULL;
                         END IF;
                         PERFORM set_config('attune.schedule_bumped', 'on', true);
                         UPDATE cache_versions SET version = version + 1 WHERE name = 'schedule';
                         RETURN NULL;
                     END $$",
                )
                .await?;
                for table in WATCHED {
                    db.execute_unprepared(&format!(
                        "CREATE CONSTRAINT TRIGGER {table}_bumps_schedule
                         AFTER INSERT OR UPDATE OR DELETE ON {table}
                         DEFERRABLE INITIALLY DEFERRED
                         FOR EACH ROW EXECUTE FUNCTION attune_bump_schedule()"
                    ))
                    .await?;
                }
            }
            _ => {
                for table in WATCHED {
                    for event in ["insert", "update", "delete"] {
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER {table}_{event}_bumps_schedule
                             AFTER {event} ON {table}
                             BEGIN
                                 UPDATE cache_versions SET version = version + 1
                                 WHERE name = 'schedule';
                             END"
                        ))
                        .await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                for table in WATCHED {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER {table}_bumps_schedule ON {table}"
                    ))
                    .await?;
                }
                db.execute_unprepared("DROP FUNCTION attune_bump_schedule()")
                    .await?;
            }
            _ => {
                for table in WATCHED {
                    for event in ["insert", "update", "delete"] {
                        db.execute_unprepared(&format!(
                            "DROP TRIGGER {table}_{event}_bumps_schedule"
                        ))
                        .await?;
                    }
                }
            }
        }
        for column in [CalendarFeeds::RenderedKey, CalendarFeeds::RenderedAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(CalendarFeeds::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(CacheVersions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum CacheVersions {
    Table,
    Name,
    Version,
}

#[derive(DeriveIden)]
enum CalendarFeeds {
    Table,
    RenderedKey,
    RenderedAt,
}
