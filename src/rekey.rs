//! `attune keys rotate`: re-encrypts every sealed value and re-tags every clear clinical
//! field under the current data key, so the earlier keys can then be retired. Runs in small
//! transactions and can be run again after an interruption; values already under the current
//! key are left alone.

use entity::{intake_assignment, note_addendum, session_note, treatment_plan};
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, Statement, TransactionSession, TransactionTrait, Value,
};
use uuid::Uuid;

use crate::{
    calendar::busy,
    consent,
    crypto::DataKeys,
    db, intake, integrity,
    mail::outbox,
    notes,
    scheduling::{appointments, booking, manage_link, video},
};

/// A column holding sealed values, and the context each was sealed with.
struct Sealed {
    table: &'static str,
    /// The row's key: a UUID column.
    key: &'static str,
    column: &'static str,
    context: fn(Uuid) -> String,
}

const COLUMNS: [Sealed; 16] = [
    Sealed {
        table: "appointments",
        key: "id",
        column: "manage_token_sealed",
        context: manage_link::token_context,
    },
    Sealed {
        table: "appointments",
        key: "id",
        column: "message_sealed",
        context: booking::message_context,
    },
    Sealed {
        table: "appointments",
        key: "id",
        column: "cancellation_reason_sealed",
        context: appointments::reason_context,
    },
    Sealed {
        table: "appointments",
        key: "id",
        column: "video_room_sealed",
        context: video::room_context,
    },
    Sealed {
        table: "join_links",
        key: "id",
        column: "token_sealed",
        context: video::token_context,
    },
    Sealed {
        table: "consent_requests",
        key: "id",
        column: "token_sealed",
        context: consent::requests::token_context,
    },
    Sealed {
        table: "consent_requests",
        key: "id",
        column: "signature_sealed",
        context: consent::requests::signature_context,
    },
    Sealed {
        table: "participant_billing",
        key: "participant_id",
        column: "details_sealed",
        context: crate::billing::identity::details_context,
    },
    Sealed {
        table: "client_diagnoses",
        key: "id",
        column: "code_sealed",
        context: crate::billing::diagnoses::context,
    },
    Sealed {
        table: "busy_calendars",
        key: "id",
        column: "url_sealed",
        context: busy::url_context,
    },
    Sealed {
        table: "email_outbox",
        key: "id",
        column: "content_sealed",
        context: outbox::content_context,
    },
    Sealed {
        table: "intake_assignments",
        key: "id",
        column: "answers_sealed",
        context: intake::assignments::answers_context,
    },
    Sealed {
        table: "session_notes",
        key: "id",
        column: "content_sealed",
        context: notes::content_context,
    },
    Sealed {
        table: "note_addenda",
        key: "id",
        column: "text_sealed",
        context: notes::addendum_context,
    },
    Sealed {
        table: "psychotherapy_notes",
        key: "id",
        column: "text_sealed",
        context: notes::psychotherapy::context,
    },
    Sealed {
        table: "treatment_plans",
        key: "id",
        column: "content_sealed",
        context: notes::plans::context,
    },
];

const BATCH: u64 = 200;

#[derive(Debug, thiserror::Error)]
pub enum RekeyError {
    /// Names the row, never its content.
    #[error(
        "{table}.{column} of row {id} cannot be opened with the configured keys ({reason}); add the key it was sealed with to ATTUNE_DATA_KEYS_PREVIOUS"
    )]
    Unreadable {
        table: &'static str,
        column: &'static str,
        id: Uuid,
        reason: String,
    },
    #[error(transparent)]
    Retag(#[from] integrity::RetagError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// How many values were re-encrypted, per column.
pub type Report = Vec<(String, u64)>;

pub async fn rotate<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    keys: &DataKeys,
) -> Result<Report, RekeyError> {
    let backend = db.get_database_backend();
    let current = format!("v1.{}.%", keys.current().id());
    let mut report = Vec::new();
    for col in &COLUMNS {
        let mut done = 0;
        loop {
            let txn = db::begin_rekey(db).await?;
            let select = format!(
                "SELECT {k}, {c} FROM {t} WHERE {c} IS NOT NULL AND {c} NOT LIKE {p} ORDER BY {k} LIMIT {BATCH}",
                k = col.key,
                c = col.column,
                t = col.table,
                p = placeholder(backend, 1),
            );
            let rows = txn
                .query_all_raw(Statement::from_sql_and_values(
                    backend,
                    select,
                    [Value::from(current.clone())],
                ))
                .await?;
            if rows.is_empty() {
                txn.rollback().await?;
                break;
            }
            for row in &rows {
                let id: Uuid = row.try_get_by_index(0)?;
                let sealed: String = row.try_get_by_index(1)?;
                let context = (col.context)(id);
                let plain = keys
                    .open(&sealed, &context)
                    .map_err(|e| RekeyError::Unreadable {
                        table: col.table,
                        column: col.column,
                        id,
                        reason: e.to_string(),
                    })?;
                let update = format!(
                    "UPDATE {t} SET {c} = {p1} WHERE {k} = {p2}",
                    k = col.key,
                    t = col.table,
                    c = col.column,
                    p1 = placeholder(backend, 1),
                    p2 = placeholder(backend, 2),
                );
                txn.execute_raw(Statement::from_sql_and_values(
                    backend,
                    update,
                    [Value::from(keys.seal(&plain, &context)), Value::from(id)],
                ))
                .await?;
            }
            done += rows.len() as u64;
            txn.commit().await?;
        }
        report.push((format!("{}.{}", col.table, col.column), done));
    }
    report.push((
        "billing_profile.tin_sealed".to_owned(),
        rekey_tin(db, keys, &current).await?,
    ));
    // The tags of clear clinical fields are made with a key derived from the data key.
    let tags = [
        (
            "intake_assignments.integrity",
            integrity::retag::<intake_assignment::Model, _>(db, keys, BATCH).await?,
        ),
        (
            "session_notes.integrity",
            integrity::retag::<session_note::Model, _>(db, keys, BATCH).await?,
        ),
        (
            "note_addenda.integrity",
            integrity::retag::<note_addendum::Model, _>(db, keys, BATCH).await?,
        ),
        (
            "treatment_plans.integrity",
            integrity::retag::<treatment_plan::Model, _>(db, keys, BATCH).await?,
        ),
        (
            "consent_requests.integrity",
            integrity::retag::<entity::consent_request::Model, _>(db, keys, BATCH).await?,
        ),
    ];
    report.extend(tags.into_iter().map(|(c, n)| (c.to_owned(), n)));
    Ok(report)
}

/// The practice's one tax id, sealed on the one profile row.
async fn rekey_tin<C: ConnectionTrait>(
    db: &C,
    keys: &DataKeys,
    current: &str,
) -> Result<u64, RekeyError> {
    let backend = db.get_database_backend();
    let Some(row) = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT tin_sealed FROM billing_profile WHERE id = 1 AND tin_sealed IS NOT NULL",
        ))
        .await?
    else {
        return Ok(0);
    };
    let sealed: String = row.try_get_by_index(0)?;
    if sealed.starts_with(current.trim_end_matches('%')) {
        return Ok(0);
    }
    let context = crate::billing::identity::tin_context();
    let plain = keys
        .open(&sealed, &context)
        .map_err(|e| RekeyError::Unreadable {
            table: "billing_profile",
            column: "tin_sealed",
            id: Uuid::nil(),
            reason: e.to_string(),
        })?;
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        format!(
            "UPDATE billing_profile SET tin_sealed = {} WHERE id = 1",
            placeholder(backend, 1)
        ),
        [Value::from(keys.seal(&plain, &context))],
    ))
    .await?;
    Ok(1)
}

fn placeholder(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}
