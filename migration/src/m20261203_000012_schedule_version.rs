//! Counters that move whenever what a free slot or a calendar feed is made from changes, so
//! an instance can keep those in memory and check with one cheap read that its copy is
//! current, however many instances share the database: `availability` for the practice's
//! settings, types and each practitioner's hours, overrides, time off and busy times;
//! `schedule` for all of that and the appointments, clients and participants too.
//!
//! Triggers move it, so no write path can forget to. On Postgres they run at commit
//! (deferred), and only the first change of a transaction touches the counter row, so the
//! row's lock is held for the commit alone rather than for the rest of a booking.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Each table, and the counters a change to it moves.
const WATCHED: &[(&str, &[&str])] = &[
    ("practice", BOTH),
    ("practitioners", BOTH),
    ("appointment_types", BOTH),
    ("appointment_type_practitioners", BOTH),
    ("availability_rules", BOTH),
    ("availability_overrides", BOTH),
    ("time_off", BOTH),
    ("busy_blocks", BOTH),
    ("appointments", SCHEDULE),
    ("clients", SCHEDULE),
    ("participants", SCHEDULE),
];
const BOTH: &[&str] = &["availability", "schedule"];
const SCHEDULE: &[&str] = &["schedule"];

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
                    .values_panic(["availability".into(), 0i64.into()])
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
                    "CREATE FUNCTION attune_bump_versions() RETURNS trigger LANGUAGE plpgsql AS $$
                     DECLARE
                         counter text;
                     BEGIN
                         FOREACH counter IN ARRAY TG_ARGV LOOP
                             IF coalesce(current_setting('attune.bumped_' || counter, true), '')
                                 <> 'on' THEN
                                 PERFORM set_config('attune.bumped_' || counter, 'on', true);
                                 UPDATE cache_versions SET version = version + 1
                                 WHERE name = counter;
                             END IF;
                         END LOOP;
                         RETURN NULL;
                     END $$",
                )
                .await?;
                for (table, counters) in WATCHED {
                    let args = quoted(counters);
                    db.execute_unprepared(&format!(
                        "CREATE CONSTRAINT TRIGGER {table}_bumps_versions
                         AFTER INSERT OR UPDATE OR DELETE ON {table}
                         DEFERRABLE INITIALLY DEFERRED
                         FOR EACH ROW EXECUTE FUNCTION attune_bump_versions({args})"
                    ))
                    .await?;
                }
            }
            _ => {
                for (table, counters) in WATCHED {
                    let names = quoted(counters);
                    for event in ["insert", "update", "delete"] {
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER {table}_{event}_bumps_versions
                             AFTER {event} ON {table}
                             BEGIN
                                 UPDATE cache_versions SET version = version + 1
                                 WHERE name IN ({names});
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
                for (table, _) in WATCHED {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER {table}_bumps_versions ON {table}"
                    ))
                    .await?;
                }
                db.execute_unprepared("DROP FUNCTION attune_bump_versions()")
                    .await?;
            }
            _ => {
                for (table, _) in WATCHED {
                    for event in ["insert", "update", "delete"] {
                        db.execute_unprepared(&format!(
                            "DROP TRIGGER {table}_{event}_bumps_versions"
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

/// `'a', 'b'`: the counters as SQL string literals (fixed names, never input).
fn quoted(counters: &[&str]) -> String {
    counters
        .iter()
        .map(|c| format!("'{c}'"))
        .collect::<Vec<_>>()
        .join(", ")
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
