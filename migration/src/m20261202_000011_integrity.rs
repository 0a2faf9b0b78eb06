//! Integrity tags on the clinical rows whose fields stay in the clear (scores and flags,
//! signers and signing times, plan versions): each row gets a keyed tag over its identity and
//! those fields, which the application checks on every read.
//!
//! Rows written before this migration have no tag yet. The application tags them once, at
//! its next start, and marks `integrity_state.bound_at`; from then on a row without a tag is
//! itself an integrity failure, so clearing the tag cannot hide a change.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(text_null(Alias::new("integrity")))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(IntegrityState::Table)
                    .col(integer(IntegrityState::Id).primary_key())
                    .col(timestamp_with_time_zone_null(IntegrityState::BoundAt))
                    .check(Expr::col(IntegrityState::Id).eq(1))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(IntegrityState::Table)
                    .columns([IntegrityState::Id])
                    .values_panic([1.into()])
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            // A signed note's tag may be written once (the first start tags older rows) and
            // rewritten only by `attune keys rotate`, like its sealed content.
            manager
                .get_connection()
                .execute_unprepared(
                    r#"
CREATE OR REPLACE FUNCTION session_notes_locked() RETURNS trigger AS $$
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
    OR ((NEW.content_sealed IS DISTINCT FROM OLD.content_sealed
         OR (NEW.integrity IS DISTINCT FROM OLD.integrity AND OLD.integrity IS NOT NULL))
        AND coalesce(current_setting('attune.rekey', true), '') <> 'on')
  ) THEN
    RAISE EXCEPTION 'signed_note_locked: a signed note cannot be changed';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION note_addenda_locked() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'signed_note_locked: an addendum cannot be deleted';
  END IF;
  IF NEW.content_hash IS DISTINCT FROM OLD.content_hash
     OR NEW.note_id IS DISTINCT FROM OLD.note_id
     OR NEW.position IS DISTINCT FROM OLD.position
     OR NEW.author_id IS DISTINCT FROM OLD.author_id
     OR ((NEW.text_sealed IS DISTINCT FROM OLD.text_sealed
          OR (NEW.integrity IS DISTINCT FROM OLD.integrity AND OLD.integrity IS NOT NULL))
         AND coalesce(current_setting('attune.rekey', true), '') <> 'on') THEN
    RAISE EXCEPTION 'signed_note_locked: an addendum cannot be changed';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"#,
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IntegrityState::Table).to_owned())
            .await?;
        for table in TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column(Alias::new("integrity"))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

const TABLES: [&str; 4] = [
    "intake_assignments",
    "session_notes",
    "note_addenda",
    "treatment_plans",
];

#[derive(DeriveIden)]
enum IntegrityState {
    Table,
    Id,
    BoundAt,
}
