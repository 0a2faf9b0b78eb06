//! Staff accounts with their sessions and API tokens, and the append-only audit log.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

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
                    .table(StaffUsers::Table)
                    .col(pk_uuid(StaffUsers::Id))
                    // Stored lower-cased, so uniqueness is case-insensitive on both backends.
                    .col(string_uniq(StaffUsers::Email))
                    .col(string(StaffUsers::Name))
                    .col(
                        string(StaffUsers::Role).check(Expr::col(StaffUsers::Role).is_in([
                            "owner",
                            "clinician",
                            "assistant",
                        ])),
                    )
                    .col(uuid_null(StaffUsers::PractitionerId))
                    .col(string(StaffUsers::PasswordHash))
                    .col(boolean(StaffUsers::Disabled).default(false))
                    .col(integer(StaffUsers::FailedLogins).default(0))
                    .col(timestamp_with_time_zone_null(StaffUsers::LockedUntil))
                    .col(timestamp_with_time_zone(StaffUsers::CreatedAt))
                    .col(timestamp_with_time_zone(StaffUsers::UpdatedAt))
                    .col(timestamp_with_time_zone_null(StaffUsers::LastLoginAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffUsers::Table, StaffUsers::PractitionerId)
                            .to(Practitioners::Table, Practitioners::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(StaffSessions::Table)
                    .col(pk_uuid(StaffSessions::Id))
                    .col(uuid(StaffSessions::UserId))
                    .col(string_uniq(StaffSessions::TokenHash))
                    .col(timestamp_with_time_zone(StaffSessions::CreatedAt))
                    .col(timestamp_with_time_zone(StaffSessions::LastSeenAt))
                    .col(timestamp_with_time_zone(StaffSessions::AbsoluteExpiresAt))
                    .col(string_null(StaffSessions::Ip))
                    .col(string_null(StaffSessions::UserAgent))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffSessions::Table, StaffSessions::UserId)
                            .to(StaffUsers::Table, StaffUsers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_staff_sessions_user")
                    .table(StaffSessions::Table)
                    .col(StaffSessions::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(pk_uuid(ApiTokens::Id))
                    .col(uuid(ApiTokens::UserId))
                    .col(string(ApiTokens::Name))
                    .col(string_uniq(ApiTokens::TokenHash))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiTokens::Table, ApiTokens::UserId)
                            .to(StaffUsers::Table, StaffUsers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_api_tokens_user")
                    .table(ApiTokens::Table)
                    .col(ApiTokens::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(pk_uuid(AuditEvents::Id))
                    .col(timestamp_with_time_zone(AuditEvents::OccurredAt))
                    .col(string(AuditEvents::ActorKind).check(
                        Expr::col(AuditEvents::ActorKind).is_in([
                            "staff",
                            "client_link",
                            "system",
                            "anonymous",
                        ]),
                    ))
                    .col(uuid_null(AuditEvents::ActorId))
                    .col(string(AuditEvents::Action))
                    .col(string_null(AuditEvents::EntityType))
                    .col(string_null(AuditEvents::EntityId))
                    .col(string(AuditEvents::Outcome).check(
                        Expr::col(AuditEvents::Outcome).is_in(["success", "failure", "denied"]),
                    ))
                    .col(string_null(AuditEvents::Ip))
                    .col(string_null(AuditEvents::UserAgent))
                    .col(string_null(AuditEvents::RequestId))
                    .col(json_null(AuditEvents::Details))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "idx_audit_events_time",
                vec![AuditEvents::OccurredAt, AuditEvents::Id],
            ),
            (
                "idx_audit_events_actor",
                vec![AuditEvents::ActorId, AuditEvents::OccurredAt],
            ),
            (
                "idx_audit_events_entity",
                vec![
                    AuditEvents::EntityType,
                    AuditEvents::EntityId,
                    AuditEvents::OccurredAt,
                ],
            ),
            (
                "idx_audit_events_action",
                vec![AuditEvents::Action, AuditEvents::OccurredAt],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(AuditEvents::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }

        // The audit log is append-only in the database itself, so not even a bug or a
        // hand-typed statement can rewrite history.
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION audit_events_append_only() RETURNS trigger
                     LANGUAGE plpgsql AS $$
                     BEGIN
                       RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
                         USING ERRCODE = 'insufficient_privilege';
                     END $$;
                     CREATE TRIGGER audit_events_no_change
                       BEFORE UPDATE OR DELETE ON audit_events
                       FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
                     CREATE TRIGGER audit_events_no_truncate
                       BEFORE TRUNCATE ON audit_events
                       FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();",
                )
                .await?;
            }
            DbBackend::Sqlite => {
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
                     BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE is not allowed'); END;
                     CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
                     BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: DELETE is not allowed'); END;",
                )
                .await?;
            }
            _ => {}
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "DROP TABLE IF EXISTS audit_events; DROP FUNCTION IF EXISTS audit_events_append_only();",
                )
                .await?;
        } else {
            manager
                .drop_table(Table::drop().table(AuditEvents::Table).to_owned())
                .await?;
        }
        for table in [
            ApiTokens::Table.into_iden(),
            StaffSessions::Table.into_iden(),
            StaffUsers::Table.into_iden(),
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
enum StaffUsers {
    Table,
    Id,
    Email,
    Name,
    Role,
    PractitionerId,
    PasswordHash,
    Disabled,
    FailedLogins,
    LockedUntil,
    CreatedAt,
    UpdatedAt,
    LastLoginAt,
}

#[derive(DeriveIden)]
enum StaffSessions {
    Table,
    Id,
    UserId,
    TokenHash,
    CreatedAt,
    LastSeenAt,
    AbsoluteExpiresAt,
    Ip,
    UserAgent,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    OccurredAt,
    ActorKind,
    ActorId,
    Action,
    EntityType,
    EntityId,
    Outcome,
    Ip,
    UserAgent,
    RequestId,
    Details,
}
