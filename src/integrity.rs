//! Integrity of the clinical fields kept in the clear.
//!
//! Free text is sealed (see [`crate::crypto`]), but some clinical facts stay readable so lists
//! and charts can use them: an intake's score, band and risk flags, who signed a note and
//! when, a plan's version and phase. Each such row carries a tag, an HMAC under a key derived
//! from the data key, over its id and those fields. Anyone who can write to the database but
//! lacks the key cannot change a score, move a response to another couple or name another
//! signer without the next read noticing. A failed check is an error the reader sees and an
//! `integrity.failure` audit event, never a silent display of the changed value.

use chrono::{DateTime, Utc};
use entity::{
    consent_request, intake_assignment, integrity_state, note_addendum, session_note,
    treatment_plan,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ModelTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionSession, TransactionTrait, sea_query::Expr,
};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    audit::{Action, AuditContext, Event},
    crypto::{DataKeys, OpenError},
    db,
};

/// A row whose clear clinical fields are bound to it by a tag.
pub trait Bound: ModelTrait + sea_orm::FromQueryResult + Send + Sync + Sized {
    /// How the audit log and errors name it.
    const KIND: &'static str;
    /// The table's id and tag columns.
    const ID: <Self::Entity as EntityTrait>::Column;
    const TAG: <Self::Entity as EntityTrait>::Column;

    fn id(&self) -> Uuid;
    /// The fields the tag covers, in a fixed order; `None` where the row has no value.
    fn fields(&self) -> Vec<Option<String>>;
    fn stored_tag(&self) -> Option<&str>;
}

/// A stored row that no longer matches its tag.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the stored {kind} {id} fails its integrity check")]
pub struct Failure {
    pub kind: &'static str,
    pub id: Uuid,
}

/// The tag `row` should carry, under the current key.
pub fn tag<T: Bound>(keys: &DataKeys, row: &T) -> String {
    keys.tag(&message(row))
}

/// Why `row` fails its check, if it does.
fn verdict<T: Bound>(keys: &DataKeys, row: &T) -> Result<(), &'static str> {
    let Some(stored) = row.stored_tag() else {
        return Err("missing");
    };
    keys.verify_tag(stored, &message(row)).map_err(|e| match e {
        OpenError::UnknownKey(_) => "unknown_key",
        OpenError::Malformed | OpenError::Tampered => "altered",
    })
}

/// Whether `row` still matches its tag, without a word of it anywhere: for a write path
/// that finds the row inside its transaction and, should it fail, records the failure
/// through [`check`] once that transaction is rolled back.
pub fn holds<T: Bound>(keys: &DataKeys, row: &T) -> bool {
    verdict(keys, row).is_ok()
}

/// Whether `row` still matches its tag. A failure is logged (ids only) and recorded as
/// `integrity.failure` through `db`, so `db` must not be a transaction the failure rolls
/// back: a write path tests [`holds`] inside its transaction and records [`failure`] after.
pub async fn verify<T: Bound>(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    audit: &AuditContext,
    row: &T,
) -> Result<bool, DbErr> {
    let Err(reason) = verdict(keys, row) else {
        return Ok(true);
    };
    tracing::error!(
        kind = T::KIND,
        id = %row.id(),
        reason,
        "a clinical record fails its integrity check: it was changed outside Attune, or its key is missing"
    );
    audit
        .record(
            db,
            Event::new(Action::IntegrityFailure)
                .entity(T::KIND, row.id())
                .details(serde_json::json!({ "reason": reason })),
        )
        .await?;
    Ok(false)
}

/// [`verify`] as an error: for reads that show the row or act on it.
pub async fn check<T, E>(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    audit: &AuditContext,
    row: &T,
) -> Result<(), E>
where
    T: Bound,
    E: From<Failure> + From<DbErr>,
{
    if verify(db, keys, audit, row).await? {
        Ok(())
    } else {
        Err(Failure {
            kind: T::KIND,
            id: row.id(),
        }
        .into())
    }
}

/// Records that `row` fails [`holds`] (logged, and audited through `db`, which must not be
/// the transaction that found it) and gives the error to answer with.
pub async fn failure<T, E>(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    audit: &AuditContext,
    row: &T,
) -> E
where
    T: Bound,
    E: From<Failure> + From<DbErr>,
{
    match check::<T, E>(db, keys, audit, row).await {
        Err(e) => e,
        Ok(()) => Failure {
            kind: T::KIND,
            id: row.id(),
        }
        .into(),
    }
}

/// [`check`] for each of `rows`, stopping at the first failure.
pub async fn check_all<T, E>(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    audit: &AuditContext,
    rows: &[T],
) -> Result<(), E>
where
    T: Bound,
    E: From<Failure> + From<DbErr>,
{
    for row in rows {
        check::<T, E>(db, keys, audit, row).await?;
    }
    Ok(())
}

/// Tags the rows written before tags existed, once: the first start after the upgrade does
/// it and marks the practice as bound, and later starts leave untagged rows alone, so a tag
/// cleared by hand stays a failure. Returns how many rows it tagged.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn bind_existing<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    keys: &DataKeys,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let txn = db::begin_write(db).await?;
    let state = db::for_update(integrity_state::Entity::find_by_id(1), &txn)
        .one(&txn)
        .await?;
    let Some(state) = state.filter(|s| s.bound_at.is_none()) else {
        txn.rollback().await?;
        return Ok(0);
    };
    let mut tagged = 0;
    tagged += bind_untagged::<intake_assignment::Model>(&txn, keys).await?;
    tagged += bind_untagged::<session_note::Model>(&txn, keys).await?;
    tagged += bind_untagged::<note_addendum::Model>(&txn, keys).await?;
    tagged += bind_untagged::<treatment_plan::Model>(&txn, keys).await?;
    let mut mark: integrity_state::ActiveModel = state.into();
    mark.bound_at = Set(Some(now));
    integrity_state::Entity::update(mark).exec(&txn).await?;
    txn.commit().await?;
    if tagged > 0 {
        tracing::info!(
            rows = tagged,
            "tagged the clinical records written before integrity tags"
        );
    }
    Ok(tagged)
}

async fn bind_untagged<T: Bound>(db: &impl ConnectionTrait, keys: &DataKeys) -> Result<u64, DbErr> {
    let rows: Vec<T> = <T::Entity as EntityTrait>::find()
        .filter(T::TAG.is_null())
        .into_model::<T>()
        .all(db)
        .await?;
    for row in &rows {
        write_tag::<T>(db, row.id(), &tag(keys, row)).await?;
    }
    Ok(rows.len() as u64)
}

async fn write_tag<T: Bound>(db: &impl ConnectionTrait, id: Uuid, tag: &str) -> Result<(), DbErr> {
    <T::Entity as EntityTrait>::update_many()
        .col_expr(T::TAG, Expr::value(tag))
        .filter(T::ID.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// A row `attune keys rotate` could not re-tag because it fails its check: re-tagging it
/// would make the change look genuine.
#[derive(Debug, thiserror::Error)]
pub enum RetagError {
    #[error(
        "{0}; it is left as it is. Restore the row from a backup, or add the key it was tagged with to ATTUNE_DATA_KEYS_PREVIOUS"
    )]
    Failed(Failure),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Re-tags under the current key every row of `T` tagged with an earlier one, a batch per
/// transaction. Returns how many.
pub async fn retag<T, C>(db: &C, keys: &DataKeys, batch: u64) -> Result<u64, RetagError>
where
    T: Bound,
    C: ConnectionTrait + TransactionTrait,
{
    let current = format!("m1.{}.%", keys.current().id());
    let mut done = 0;
    loop {
        let txn = db::begin_rekey(db).await?;
        let rows: Vec<T> = <T::Entity as EntityTrait>::find()
            .filter(T::TAG.is_not_null())
            .filter(T::TAG.not_like(&current))
            .order_by_asc(T::ID)
            .limit(batch)
            .into_model::<T>()
            .all(&txn)
            .await?;
        if rows.is_empty() {
            txn.rollback().await?;
            return Ok(done);
        }
        for row in &rows {
            if verdict(keys, row).is_err() {
                return Err(RetagError::Failed(Failure {
                    kind: T::KIND,
                    id: row.id(),
                }));
            }
            write_tag::<T>(&txn, row.id(), &tag(keys, row)).await?;
        }
        done += rows.len() as u64;
        txn.commit().await?;
    }
}

/// `KIND`, the id, then each field, every part length-prefixed (and a missing value told
/// apart from an empty one), so no two different rows give the same bytes.
fn message<T: Bound>(row: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    let mut part = |bytes: Option<&[u8]>| match bytes {
        None => out.push(0),
        Some(b) => {
            out.push(1);
            out.extend_from_slice(&(b.len() as u32).to_be_bytes());
            out.extend_from_slice(b);
        }
    };
    part(Some(T::KIND.as_bytes()));
    part(Some(row.id().to_string().as_bytes()));
    for field in row.fields() {
        part(field.as_deref().map(str::as_bytes));
    }
    out
}

/// Microseconds: what both databases keep of a time (Postgres stores no finer).
fn time(t: DateTime<Utc>) -> String {
    t.timestamp_micros().to_string()
}

fn opt_time(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(time)
}

fn opt_id(id: Option<Uuid>) -> Option<String> {
    id.map(|i| i.to_string())
}

/// JSON with object keys sorted at every level, so a database that reorders keys (jsonb)
/// reads back the same bytes.
fn canonical_json(value: &Value) -> String {
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<_> = map.keys().collect();
                keys.sort();
                let mut out = serde_json::Map::new();
                for k in keys {
                    out.insert(k.clone(), sorted(&map[k]));
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    // With serde_json's default map the keys come out sorted; sorting first keeps that true
    // if a dependency turns on `preserve_order`.
    sorted(value).to_string()
}

impl Bound for consent_request::Model {
    const KIND: &'static str = "consent_signature";
    const ID: consent_request::Column = consent_request::Column::Id;
    const TAG: consent_request::Column = consent_request::Column::Integrity;

    fn id(&self) -> Uuid {
        self.id
    }

    /// Who signed which version, when, and what the text they were shown hashed to; the
    /// signature itself (name typed, address, browser) is sealed with the row's id, which
    /// authenticates it as well.
    fn fields(&self) -> Vec<Option<String>> {
        vec![
            Some(self.client_id.to_string()),
            Some(self.participant_id.to_string()),
            Some(self.version_id.to_string()),
            opt_time(self.signed_at),
            self.text_sha256.clone(),
        ]
    }

    fn stored_tag(&self) -> Option<&str> {
        self.integrity.as_deref()
    }
}

impl Bound for intake_assignment::Model {
    const KIND: &'static str = "intake";
    const ID: intake_assignment::Column = intake_assignment::Column::Id;
    const TAG: intake_assignment::Column = intake_assignment::Column::Integrity;

    fn id(&self) -> Uuid {
        self.id
    }

    /// Opening and saving a draft do not change these; submitting sets the result.
    fn fields(&self) -> Vec<Option<String>> {
        let submitted = self.status == intake_assignment::IntakeStatus::Submitted;
        vec![
            Some(self.client_id.to_string()),
            Some(self.participant_id.to_string()),
            Some(self.questionnaire_version_id.to_string()),
            Some(submitted.to_string()),
            opt_time(self.submitted_at),
            self.score_total.map(|s| s.to_string()),
            self.score_band.clone(),
            Some(canonical_json(&self.flags)),
        ]
    }

    fn stored_tag(&self) -> Option<&str> {
        self.integrity.as_deref()
    }
}

impl Bound for session_note::Model {
    const KIND: &'static str = "note";
    const ID: session_note::Column = session_note::Column::Id;
    const TAG: session_note::Column = session_note::Column::Integrity;

    fn id(&self) -> Uuid {
        self.id
    }

    /// The content is sealed with the note's id and, once signed, hashed here.
    fn fields(&self) -> Vec<Option<String>> {
        vec![
            Some(self.client_id.to_string()),
            opt_id(self.appointment_id),
            Some(self.author_id.to_string()),
            Some(
                match self.status {
                    session_note::NoteStatus::Draft => "draft",
                    session_note::NoteStatus::Signed => "signed",
                }
                .to_owned(),
            ),
            opt_time(self.signed_at),
            opt_id(self.signed_by),
            self.content_hash.clone(),
        ]
    }

    fn stored_tag(&self) -> Option<&str> {
        self.integrity.as_deref()
    }
}

impl Bound for note_addendum::Model {
    const KIND: &'static str = "note_addendum";
    const ID: note_addendum::Column = note_addendum::Column::Id;
    const TAG: note_addendum::Column = note_addendum::Column::Integrity;

    fn id(&self) -> Uuid {
        self.id
    }

    fn fields(&self) -> Vec<Option<String>> {
        vec![
            Some(self.note_id.to_string()),
            Some(self.position.to_string()),
            Some(self.author_id.to_string()),
            Some(self.content_hash.clone()),
            Some(time(self.created_at)),
        ]
    }

    fn stored_tag(&self) -> Option<&str> {
        self.integrity.as_deref()
    }
}

impl Bound for treatment_plan::Model {
    const KIND: &'static str = "treatment_plan";
    const ID: treatment_plan::Column = treatment_plan::Column::Id;
    const TAG: treatment_plan::Column = treatment_plan::Column::Integrity;

    fn id(&self) -> Uuid {
        self.id
    }

    fn fields(&self) -> Vec<Option<String>> {
        vec![
            Some(self.client_id.to_string()),
            Some(self.version.to_string()),
            self.template.clone(),
            Some(canonical_json(&self.phases)),
            self.phase.clone(),
            opt_time(self.phase_since),
            opt_id(self.created_by),
            Some(time(self.created_at)),
        ]
    }

    fn stored_tag(&self) -> Option<&str> {
        self.integrity.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::DataKey;

    fn plan() -> treatment_plan::Model {
        treatment_plan::Model {
            id: Uuid::new_v4(),
            client_id: Uuid::new_v4(),
            version: 2,
            template: None,
            content_sealed: "v1.x.y".into(),
            phases: serde_json::json!(["assessment", "treatment"]),
            phase: Some("assessment".into()),
            phase_since: None,
            created_by: None,
            integrity: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn a_tag_binds_every_covered_field_and_the_row_id() {
        let keys = DataKeys::new(DataKey::generate(), Vec::new());
        let mut row = plan();
        row.integrity = Some(tag(&keys, &row));
        assert_eq!(verdict(&keys, &row), Ok(()));

        let mut changed = row.clone();
        changed.version = 3;
        assert_eq!(verdict(&keys, &changed), Err("altered"));
        let mut moved = row.clone();
        moved.client_id = Uuid::new_v4();
        assert_eq!(verdict(&keys, &moved), Err("altered"));
        let mut copied = row.clone();
        copied.id = Uuid::new_v4();
        assert_eq!(verdict(&keys, &copied), Err("altered"));
        // A missing value and an empty one are different rows.
        let mut emptied = row.clone();
        emptied.phase = Some(String::new());
        assert_eq!(verdict(&keys, &emptied), Err("altered"));
        let mut cleared = row.clone();
        cleared.integrity = None;
        assert_eq!(verdict(&keys, &cleared), Err("missing"));
        let other = DataKeys::new(DataKey::generate(), Vec::new());
        assert_eq!(verdict(&other, &row), Err("unknown_key"));
    }

    #[test]
    fn sub_microsecond_time_and_key_order_do_not_change_the_tag() {
        let keys = DataKeys::new(DataKey::generate(), Vec::new());
        let mut row = plan();
        row.created_at = DateTime::from_timestamp(1_800_000_000, 123_456_789).unwrap();
        row.phases = serde_json::json!([{"b": 1, "a": 2}]);
        let stored = tag(&keys, &row);
        let mut read_back = row.clone();
        read_back.created_at = DateTime::from_timestamp(1_800_000_000, 123_456_000).unwrap();
        read_back.phases = serde_json::from_str(r#"[{"a":2,"b":1}]"#).unwrap();
        read_back.integrity = Some(stored);
        assert_eq!(verdict(&keys, &read_back), Ok(()));
    }
}
