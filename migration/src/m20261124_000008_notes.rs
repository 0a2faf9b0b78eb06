//! The clinical record: session notes (signed notes locked), their addenda, and the
//! therapist's private psychotherapy notes. On Postgres a trigger refuses any change to a
//! signed note's content and any deletion of one, whatever the application does.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

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
                    .table(SessionNotes::Table)
                    .col(pk_uuid(SessionNotes::Id))
                    .col(uuid(SessionNotes::ClientId))
                    .col(uuid_null(SessionNotes::AppointmentId))
                    .col(uuid(SessionNotes::AuthorId))
                    .col(string(SessionNotes::Format))
                    .col(string(SessionNotes::Title))
                    // The fields of the format, as JSON, encrypted.
                    .col(text(SessionNotes::ContentSealed))
                    // Goals of the treatment plan the session worked on.
                    .col(json(SessionNotes::GoalIds).default("[]"))
                    .col(
                        string(SessionNotes::Status)
                            .default("draft")
                            .check(Expr::col(SessionNotes::Status).is_in(["draft", "signed"])),
                    )
                    .col(timestamp_with_time_zone_null(SessionNotes::SignedAt))
                    .col(uuid_null(SessionNotes::SignedBy))
                    // SHA-256 of the signed content, to notice any change after signing.
                    .col(string_null(SessionNotes::ContentHash))
                    .col(timestamp_with_time_zone(SessionNotes::CreatedAt))
                    .col(timestamp_with_time_zone(SessionNotes::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SessionNotes::Table, SessionNotes::ClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SessionNotes::Table, SessionNotes::AppointmentId)
                            .to(Appointments::Table, Appointments::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // At most one progress note per appointment (NULLs do not clash).
        manager
            .create_index(
                Index::create()
                    .name("uq_session_notes_appointment")
                    .table(SessionNotes::Table)
                    .col(SessionNotes::AppointmentId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_session_notes_client",
            SessionNotes::Table,
            [SessionNotes::ClientId, SessionNotes::CreatedAt],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(NoteAddenda::Table)
                    .col(pk_uuid(NoteAddenda::Id))
                    .col(uuid(NoteAddenda::NoteId))
                    // 1, 2, 3 … under its note: the order they were written in.
                    .col(integer(NoteAddenda::Position))
                    .col(uuid(NoteAddenda::AuthorId))
                    .col(text(NoteAddenda::TextSealed))
                    .col(string(NoteAddenda::ContentHash))
                    .col(timestamp_with_time_zone(NoteAddenda::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(NoteAddenda::Table, NoteAddenda::NoteId)
                            .to(SessionNotes::Table, SessionNotes::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .index(
                        Index::create()
                            .name("uq_note_addenda_position")
                            .col(NoteAddenda::NoteId)
                            .col(NoteAddenda::Position)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PsychotherapyNotes::Table)
                    .col(pk_uuid(PsychotherapyNotes::Id))
                    .col(uuid(PsychotherapyNotes::ClientId))
                    .col(uuid(PsychotherapyNotes::AuthorId))
                    .col(text(PsychotherapyNotes::TextSealed))
                    .col(timestamp_with_time_zone(PsychotherapyNotes::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PsychotherapyNotes::Table, PsychotherapyNotes::ClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_psychotherapy_notes_client",
            PsychotherapyNotes::Table,
            [PsychotherapyNotes::ClientId, PsychotherapyNotes::AuthorId],
        )
        .await?;

        if manager.get_database_backend() == DbBackend::Postgres {
            let db = manager.get_connection();
            // Re-encrypting under a new key (`attune keys rotate`) changes the stored bytes
            // but not the note; only that command sets `attune.rekey` in its transaction.
            db.execute_unprepared(
                r#"
CREATE FUNCTION session_notes_locked() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status = 'signed' THEN
      RAISE EXCEPTION 'signed_note_locked: a signed note cannot be deleted';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.status = 'signed' AND (
       NEW.status IS DISTINCT FROM OLD.status
    OR NEW.format IS DISTINCT FROM OLD.format
    OR NEW.title IS DISTINCT FROM OLD.title
    OR NEW.client_id IS DISTINCT FROM OLD.client_id
    OR NEW.appointment_id IS DISTINCT FROM OLD.appointment_id
    OR NEW.goal_ids::text IS DISTINCT FROM OLD.goal_ids::text
    OR NEW.signed_at IS DISTINCT FROM OLD.signed_at
    OR NEW.signed_by IS DISTINCT FROM OLD.signed_by
    OR NEW.content_hash IS DISTINCT FROM OLD.content_hash
    OR (NEW.content_sealed IS DISTINCT FROM OLD.content_sealed
        AND coalesce(current_setting('attune.rekey', true), '') <> 'on')
  ) THEN
    RAISE EXCEPTION 'signed_note_locked: a signed note cannot be changed';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER session_notes_locked BEFORE UPDATE OR DELETE ON session_notes
  FOR EACH ROW EXECUTE FUNCTION session_notes_locked();
CREATE FUNCTION note_addenda_locked() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'signed_note_locked: an addendum cannot be deleted';
  END IF;
  IF NEW.content_hash IS DISTINCT FROM OLD.content_hash
     OR NEW.note_id IS DISTINCT FROM OLD.note_id
     OR NEW.position IS DISTINCT FROM OLD.position
     OR NEW.author_id IS DISTINCT FROM OLD.author_id
     OR (NEW.text_sealed IS DISTINCT FROM OLD.text_sealed
         AND coalesce(current_setting('attune.rekey', true), '') <> 'on') THEN
    RAISE EXCEPTION 'signed_note_locked: an addendum cannot be changed';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER note_addenda_locked BEFORE UPDATE OR DELETE ON note_addenda
  FOR EACH ROW EXECUTE FUNCTION note_addenda_locked();
"#,
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "DROP TRIGGER IF EXISTS note_addenda_locked ON note_addenda;
                     DROP FUNCTION IF EXISTS note_addenda_locked();
                     DROP TRIGGER IF EXISTS session_notes_locked ON session_notes;
                     DROP FUNCTION IF EXISTS session_notes_locked();",
                )
                .await?;
        }
        for table in [
            PsychotherapyNotes::Table.into_iden(),
            NoteAddenda::Table.into_iden(),
            SessionNotes::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum SessionNotes {
    Table,
    Id,
    ClientId,
    AppointmentId,
    AuthorId,
    Format,
    Title,
    ContentSealed,
    GoalIds,
    Status,
    SignedAt,
    SignedBy,
    ContentHash,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum NoteAddenda {
    Table,
    Id,
    NoteId,
    Position,
    AuthorId,
    TextSealed,
    ContentHash,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PsychotherapyNotes {
    Table,
    Id,
    ClientId,
    AuthorId,
    TextSealed,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Clients {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Appointments {
    Table,
    Id,
}
