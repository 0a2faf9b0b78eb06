//! Intake questionnaires: definitions in immutable versions, and each partner's assignment
//! with its private link, encrypted answers, score and flags.

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
                    .table(Questionnaires::Table)
                    .col(pk_uuid(Questionnaires::Id))
                    .col(string_uniq(Questionnaires::Slug))
                    .col(string(Questionnaires::Title))
                    // Shipped with Attune: read-only, copied to be changed.
                    .col(boolean(Questionnaires::Builtin).default(false))
                    .col(integer(Questionnaires::LatestVersion))
                    .col(timestamp_with_time_zone(Questionnaires::CreatedAt))
                    .col(timestamp_with_time_zone(Questionnaires::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(QuestionnaireVersions::Table)
                    .col(pk_uuid(QuestionnaireVersions::Id))
                    .col(uuid(QuestionnaireVersions::QuestionnaireId))
                    .col(integer(QuestionnaireVersions::Version))
                    .col(json(QuestionnaireVersions::Definition))
                    .col(uuid_null(QuestionnaireVersions::CreatedBy))
                    .col(timestamp_with_time_zone(QuestionnaireVersions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                QuestionnaireVersions::Table,
                                QuestionnaireVersions::QuestionnaireId,
                            )
                            .to(Questionnaires::Table, Questionnaires::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("uq_questionnaire_versions")
                            .col(QuestionnaireVersions::QuestionnaireId)
                            .col(QuestionnaireVersions::Version)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IntakeAssignments::Table)
                    .col(pk_uuid(IntakeAssignments::Id))
                    .col(uuid(IntakeAssignments::ClientId))
                    .col(uuid(IntakeAssignments::ParticipantId))
                    .col(uuid(IntakeAssignments::QuestionnaireVersionId))
                    // The private link's SHA-256; the link itself is shown once.
                    .col(string_uniq(IntakeAssignments::TokenHash))
                    .col(string(IntakeAssignments::Status).default("sent").check(
                        Expr::col(IntakeAssignments::Status).is_in([
                            "sent",
                            "opened",
                            "in_progress",
                            "submitted",
                        ]),
                    ))
                    .col(timestamp_with_time_zone(IntakeAssignments::ExpiresAt))
                    .col(timestamp_with_time_zone_null(IntakeAssignments::DueAt))
                    // The first appointment it prepares for, for the reminder.
                    .col(uuid_null(IntakeAssignments::AppointmentId))
                    // Answers (draft or final) and consent times, encrypted.
                    .col(text_null(IntakeAssignments::AnswersSealed))
                    .col(integer_null(IntakeAssignments::ScoreTotal))
                    .col(string_null(IntakeAssignments::ScoreBand))
                    .col(json(IntakeAssignments::Flags).default("[]"))
                    .col(timestamp_with_time_zone_null(IntakeAssignments::OpenedAt))
                    .col(timestamp_with_time_zone_null(
                        IntakeAssignments::SubmittedAt,
                    ))
                    .col(uuid_null(IntakeAssignments::CreatedBy))
                    .col(timestamp_with_time_zone(IntakeAssignments::CreatedAt))
                    .col(timestamp_with_time_zone(IntakeAssignments::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(IntakeAssignments::Table, IntakeAssignments::ClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IntakeAssignments::Table, IntakeAssignments::ParticipantId)
                            .to(Participants::Table, Participants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                IntakeAssignments::Table,
                                IntakeAssignments::QuestionnaireVersionId,
                            )
                            .to(QuestionnaireVersions::Table, QuestionnaireVersions::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IntakeAssignments::Table, IntakeAssignments::AppointmentId)
                            .to(Appointments::Table, Appointments::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_intake_assignments_client",
            IntakeAssignments::Table,
            [IntakeAssignments::ClientId, IntakeAssignments::CreatedAt],
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AppointmentTypes::Table)
                    // Assigned to each partner with an email when this type is booked.
                    .add_column(uuid_null(AppointmentTypes::IntakeQuestionnaireId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AppointmentTypes::Table)
                    .drop_column(AppointmentTypes::IntakeQuestionnaireId)
                    .to_owned(),
            )
            .await?;
        for table in [
            IntakeAssignments::Table.into_iden(),
            QuestionnaireVersions::Table.into_iden(),
            Questionnaires::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Questionnaires {
    Table,
    Id,
    Slug,
    Title,
    Builtin,
    LatestVersion,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum QuestionnaireVersions {
    Table,
    Id,
    QuestionnaireId,
    Version,
    Definition,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum IntakeAssignments {
    Table,
    Id,
    ClientId,
    ParticipantId,
    QuestionnaireVersionId,
    TokenHash,
    Status,
    ExpiresAt,
    DueAt,
    AppointmentId,
    AnswersSealed,
    ScoreTotal,
    ScoreBand,
    Flags,
    OpenedAt,
    SubmittedAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
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

#[derive(DeriveIden)]
enum Appointments {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AppointmentTypes {
    Table,
    IntakeQuestionnaireId,
}
