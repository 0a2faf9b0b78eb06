//! Busy times from a practitioner's other calendars, so online booking never offers a time
//! she has already given to something else.
//!
//! A source is an address fetched again every `ATTUNE_BUSY_REFRESH`, or a file sent once.
//! Each refresh turns the source's last good parse into busy blocks over the booking
//! horizon; a failed fetch or a file that does not parse leaves the blocks as they were and
//! says what went wrong on the source.

mod clocks;
pub mod expand;
pub mod fetch;
pub mod input;
pub mod parse;
pub mod rules;
pub mod zones;

#[cfg(test)]
mod tests;

use chrono::{DateTime, Duration, Utc};
use entity::{
    appointment_type, busy_block,
    busy_calendar::{self, BusySourceKind, BusyStatus},
    practitioner,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionSession, TransactionTrait, sea_query::Expr,
};
use url::Url;
use uuid::Uuid;

use self::{
    fetch::{Fetched, Fetcher},
    parse::Parsed,
    rules::Budget,
};
use super::CalendarError;
use crate::{
    audit::{Action, AuditContext, Event},
    crypto::DataKeys,
    db,
    scheduling::{availability, slots::Interval},
};

/// Sources one practitioner may have.
pub const MAX_SOURCES: u64 = 10;

/// How far ahead busy blocks reach when no appointment type books further.
const MIN_HORIZON: Duration = Duration::days(60);
/// How far ahead at most.
const MAX_HORIZON: Duration = Duration::days(400);

/// Where the busy times come from.
pub enum Source {
    Url(Url),
    /// A calendar file's text.
    Upload(String),
}

/// What a refresh needs besides the database.
#[derive(Clone)]
pub struct Refresher {
    pub fetcher: Fetcher,
    pub keys: std::sync::Arc<DataKeys>,
    pub every: Duration,
}

/// How long a source added by address is left to the request that added it, which fetches
/// it at once, before the refresher may.
const ADDED_LEASE: Duration = Duration::minutes(2);

/// The associated data a source's address is sealed with.
pub fn url_context(id: Uuid) -> String {
    format!("busy_calendar.url:{id}")
}

/// `https://calendar.google.com/…`: enough to recognise the source, without the secret
/// path most calendar services put in their addresses.
pub fn display_url(url: &Url) -> String {
    format!(
        "{}://{}/…",
        url.scheme(),
        url.host_str().unwrap_or_default()
    )
}

/// Turns a typed address into one to fetch: `webcal://` is how calendar services hand out
/// subscription links, and means `https://`.
pub fn source_url(input: &str) -> Result<Url, &'static str> {
    let input = input.trim();
    let input = match input.get(..9) {
        Some(scheme) if scheme.eq_ignore_ascii_case("webcal://") => {
            format!("https://{}", &input[9..])
        }
        _ => input.to_owned(),
    };
    let url = Url::parse(&input)
        .map_err(|_| "must be a web address like https://example.org/calendar.ics")?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err("must be an http://, https:// or webcal:// address");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain a user name or password");
    }
    Ok(url)
}

/// Adds a source. A file is read at once (and refused with the reason if it cannot be);
/// an address is fetched by the next refresh, which [`refresh`] can run right away.
#[allow(clippy::too_many_arguments)]
#[tracing::instrument(skip_all, fields(practitioner_id = %practitioner_id), err(level = "info"))]
pub async fn add<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    keys: &DataKeys,
    practitioner_id: Uuid,
    label: String,
    source: Source,
    every: Duration,
    audit: &AuditContext,
) -> Result<busy_calendar::Model, CalendarError> {
    let now = audit.now;
    let id = Uuid::now_v7();
    // Read before the transaction: parsing a large file must not hold the write lock.
    let p = practitioner::Entity::find_by_id(practitioner_id)
        .one(db)
        .await?
        .ok_or(CalendarError::UnknownPractitioner)?;
    let home = availability::zone_of(&p).tz();
    let parsed = match &source {
        Source::Upload(text) => Some(
            parse_guarded(text.clone(), home)
                .await
                .map_err(CalendarError::BadCalendar)?,
        ),
        Source::Url(_) => None,
    };
    let blocks = match &parsed {
        Some(parsed) => expand_guarded(parsed.clone(), window(db, now).await?, home)
            .await
            .map_err(CalendarError::BadCalendar)?,
        None => Vec::new(),
    };
    let txn = db::begin_write(db).await?;
    let count = busy_calendar::Entity::find()
        .filter(busy_calendar::Column::PractitionerId.eq(practitioner_id))
        .count(&txn)
        .await?;
    if count >= MAX_SOURCES {
        return Err(CalendarError::TooManyBusyCalendars);
    }
    let (kind, url_sealed, url_display) = match &source {
        Source::Url(url) => (
            BusySourceKind::Url,
            Some(keys.seal(url.as_str(), &url_context(id))),
            Some(display_url(url)),
        ),
        Source::Upload(_) => (BusySourceKind::Upload, None, None),
    };
    let model = busy_calendar::Model {
        id,
        practitioner_id,
        label,
        source_kind: kind,
        url_sealed,
        url_display,
        etag: None,
        last_modified: None,
        series: parsed.as_ref().map(to_json),
        status: if parsed.is_some() {
            BusyStatus::Ok
        } else {
            BusyStatus::Pending
        },
        last_error: None,
        last_attempt_at: parsed.as_ref().map(|_| now),
        last_success_at: parsed.as_ref().map(|_| now),
        // An address is fetched by whoever adds it, right after this commits: due now, the
        // refresher could fetch it a second time alongside. Should that fetch never happen
        // (the process stops, the request is dropped), the refresher takes it after this
        // lease rather than a whole period on.
        next_refresh_at: now
            + if parsed.is_some() {
                every
            } else {
                ADDED_LEASE.min(every)
            },
        event_count: blocks.len() as i32,
        created_by: audit.actor.id,
        created_at: now,
        updated_at: now,
    };
    busy_calendar::Entity::insert(busy_calendar::ActiveModel::from(model.clone()))
        .exec_without_returning(&txn)
        .await?;
    replace_blocks(&txn, &model, &blocks).await?;
    audit
        .record(
            &txn,
            Event::new(Action::BusyCalendarCreate)
                .entity("busy_calendar", id)
                .details(serde_json::json!({
                    "practitioner_id": practitioner_id,
                    "kind": kind_name(kind),
                    "host": model.url_display,
                })),
        )
        .await?;
    txn.commit().await?;
    Ok(model)
}

pub fn kind_name(kind: BusySourceKind) -> &'static str {
    match kind {
        BusySourceKind::Url => "url",
        BusySourceKind::Upload => "upload",
    }
}

pub fn status_name(status: BusyStatus) -> &'static str {
    match status {
        BusyStatus::Pending => "pending",
        BusyStatus::Ok => "ok",
        BusyStatus::Error => "error",
    }
}

/// The practitioner's sources, oldest first.
pub async fn list(
    db: &impl ConnectionTrait,
    practitioner_id: Uuid,
) -> Result<Vec<busy_calendar::Model>, DbErr> {
    busy_calendar::Entity::find()
        .filter(busy_calendar::Column::PractitionerId.eq(practitioner_id))
        .order_by_asc(busy_calendar::Column::CreatedAt)
        .order_by_asc(busy_calendar::Column::Id)
        .all(db)
        .await
}

pub async fn find(
    db: &impl ConnectionTrait,
    practitioner_id: Uuid,
    id: Uuid,
) -> Result<busy_calendar::Model, CalendarError> {
    busy_calendar::Entity::find_by_id(id)
        .filter(busy_calendar::Column::PractitionerId.eq(practitioner_id))
        .one(db)
        .await?
        .ok_or(CalendarError::UnknownBusyCalendar)
}

/// What a parsed source says beyond its busy times.
pub fn parse_counts(model: &busy_calendar::Model) -> (u32, u32) {
    model
        .series
        .as_ref()
        .and_then(|json| serde_json::from_value::<Parsed>(json.clone()).ok())
        .map_or((0, 0), |p| (p.skipped, p.unknown_zones))
}

/// Removes a source and its busy times.
#[tracing::instrument(skip_all, fields(practitioner_id = %practitioner_id, id = %id), err(level = "info"))]
pub async fn delete<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    practitioner_id: Uuid,
    id: Uuid,
    audit: &AuditContext,
) -> Result<(), CalendarError> {
    let txn = db::begin_write(db).await?;
    find(&txn, practitioner_id, id).await?;
    busy_block::Entity::delete_many()
        .filter(busy_block::Column::BusyCalendarId.eq(id))
        .exec(&txn)
        .await?;
    busy_calendar::Entity::delete_by_id(id).exec(&txn).await?;
    audit
        .record(
            &txn,
            Event::new(Action::BusyCalendarDelete)
                .entity("busy_calendar", id)
                .details(serde_json::json!({ "practitioner_id": practitioner_id })),
        )
        .await?;
    txn.commit().await?;
    Ok(())
}

/// The stretch busy blocks cover: from yesterday to as far ahead as any type books.
async fn window(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<Interval, DbErr> {
    let furthest: Option<i32> = appointment_type::Entity::find()
        .select_only()
        .column_as(appointment_type::Column::HorizonDays.max(), "furthest")
        .filter(appointment_type::Column::Active.eq(true))
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    let horizon = Duration::days(furthest.unwrap_or(0).into()) + Duration::days(2);
    let horizon = horizon.clamp(MIN_HORIZON, MAX_HORIZON);
    Ok(Interval::new(now - Duration::days(1), now + horizon))
}

/// How long reading one file may take, and then expanding it. Each step checks the clock,
/// so a hostile file stops its own thread instead of holding it.
const READ_BUDGET: std::time::Duration = std::time::Duration::from_secs(10);

/// Runs `work` on a blocking thread with a fresh budget, catching any panic in the parsers:
/// a hostile file must cost at most its own import.
async fn guarded<T: Send + 'static>(
    work: impl FnOnce(&Budget) -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    let task = tokio::task::spawn_blocking(move || {
        let budget = Budget::new(READ_BUDGET);
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&budget)))
    });
    match task.await {
        Ok(Ok(result)) => result,
        _ => Err("the file could not be read".into()),
    }
}

/// Parses a calendar file for a practitioner in `home`.
pub async fn parse_guarded(text: String, home: chrono_tz::Tz) -> Result<Parsed, String> {
    guarded(move |budget| parse::parse(&text, home, budget)).await
}

/// The busy intervals of a parse over `window`.
async fn expand_guarded(
    parsed: Parsed,
    window: Interval,
    home: chrono_tz::Tz,
) -> Result<Vec<Interval>, String> {
    guarded(move |budget| expand::intervals(&parsed, window, home, budget)).await
}

fn to_json(parsed: &Parsed) -> serde_json::Value {
    serde_json::to_value(parsed).unwrap_or_default()
}

async fn replace_blocks(
    db: &impl ConnectionTrait,
    source: &busy_calendar::Model,
    blocks: &[Interval],
) -> Result<(), DbErr> {
    busy_block::Entity::delete_many()
        .filter(busy_block::Column::BusyCalendarId.eq(source.id))
        .exec(db)
        .await?;
    // In batches: databases cap the number of bound values in one statement.
    for chunk in blocks.chunks(500) {
        busy_block::Entity::insert_many(chunk.iter().map(|b| busy_block::ActiveModel {
            id: Set(Uuid::now_v7()),
            busy_calendar_id: Set(source.id),
            practitioner_id: Set(source.practitioner_id),
            starts_at: Set(b.start),
            ends_at: Set(b.end),
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// Fetches (or re-reads) one source now and replaces its busy blocks. A failure is stored
/// on the source, not returned: the last good blocks stay.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn refresh<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    refresher: &Refresher,
    source: busy_calendar::Model,
    now: DateTime<Utc>,
) -> Result<busy_calendar::Model, DbErr> {
    let p = practitioner::Entity::find_by_id(source.practitioner_id)
        .one(db)
        .await?;
    let home = p
        .as_ref()
        .map_or(chrono_tz::UTC, |p| availability::zone_of(p).tz());
    let stored: Option<Parsed> = source
        .series
        .as_ref()
        .and_then(|json| serde_json::from_value(json.clone()).ok());

    let mut etag = source.etag.clone();
    let mut last_modified = source.last_modified.clone();
    let outcome: Result<Option<Parsed>, String> = match source.source_kind {
        BusySourceKind::Upload => Ok(stored.clone()),
        BusySourceKind::Url => {
            let url = source
                .url_sealed
                .as_deref()
                .ok_or_else(|| "the source has no address".to_owned())
                .and_then(|sealed| {
                    refresher
                        .keys
                        .open(sealed, &url_context(source.id))
                        .map_err(|_| {
                            "the address cannot be decrypted with the current keys".to_owned()
                        })
                })
                .and_then(|text| {
                    Url::parse(&text).map_err(|_| "the address is not valid".to_owned())
                });
            match url {
                Err(e) => Err(e),
                Ok(url) => match refresher
                    .fetcher
                    .fetch(&url, etag.as_deref(), last_modified.as_deref())
                    .await
                {
                    Ok(Fetched::NotModified) if stored.is_some() => Ok(stored.clone()),
                    // A 304 without a copy to stand by: ask again without validators.
                    Ok(Fetched::NotModified) => {
                        match refresher.fetcher.fetch(&url, None, None).await {
                            Ok(Fetched::Body {
                                text,
                                etag: e,
                                last_modified: l,
                            }) => {
                                etag = e;
                                last_modified = l;
                                parse_guarded(text, home).await.map(Some)
                            }
                            Ok(Fetched::NotModified) => {
                                Err("the server answered 304 to a plain request".into())
                            }
                            Err(e) => Err(e.to_string()),
                        }
                    }
                    Ok(Fetched::Body {
                        text,
                        etag: e,
                        last_modified: l,
                    }) => {
                        let parsed = parse_guarded(text, home).await;
                        if parsed.is_ok() {
                            etag = e;
                            last_modified = l;
                        }
                        parsed.map(Some)
                    }
                    Err(e) => Err(e.to_string()),
                },
            }
        }
    };

    // Expanded before the write transaction, which should stay short.
    let window = window(db, now).await?;
    // A file that parsed but cannot be expanded keeps the last good blocks too.
    let outcome = match outcome {
        Ok(parsed) => {
            let parsed = parsed.unwrap_or_default();
            expand_guarded(parsed.clone(), window, home)
                .await
                .map(|blocks| (parsed, blocks))
        }
        Err(reason) => Err(reason),
    };
    let txn = db::begin_write(db).await?;
    // Deleted meanwhile: nothing to update.
    let Some(current) = busy_calendar::Entity::find_by_id(source.id)
        .one(&txn)
        .await?
    else {
        return Ok(source);
    };
    let mut active: busy_calendar::ActiveModel = current.clone().into();
    active.last_attempt_at = Set(Some(now));
    active.next_refresh_at = Set(now + refresher.every);
    active.updated_at = Set(now);
    match outcome {
        Ok((parsed, blocks)) => {
            replace_blocks(&txn, &current, &blocks).await?;
            active.series = Set(Some(to_json(&parsed)));
            active.event_count = Set(blocks.len() as i32);
            active.status = Set(BusyStatus::Ok);
            active.last_error = Set(None);
            active.last_success_at = Set(Some(now));
            active.etag = Set(etag);
            active.last_modified = Set(last_modified);
        }
        Err(reason) => {
            // The busy blocks already stored keep counting. The source is named by id only:
            // its address and its content are private.
            tracing::warn!(busy_calendar = %source.id, reason = %reason, "refreshing a busy calendar failed");
            active.status = Set(BusyStatus::Error);
            active.last_error = Set(Some(reason));
        }
    }
    let model = busy_calendar::Entity::update(active).exec(&txn).await?;
    txn.commit().await?;
    Ok(model)
}

/// Refreshes every source that is due, each claimed first so two instances do not fetch
/// the same one. Returns how many were refreshed.
pub async fn refresh_due<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    refresher: &Refresher,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let due = busy_calendar::Entity::find()
        .filter(busy_calendar::Column::NextRefreshAt.lte(now))
        .order_by_asc(busy_calendar::Column::NextRefreshAt)
        .limit(50)
        .all(db)
        .await?;
    let mut done = 0;
    for source in due {
        let claimed = busy_calendar::Entity::update_many()
            .col_expr(
                busy_calendar::Column::NextRefreshAt,
                Expr::value(now + refresher.every),
            )
            .filter(busy_calendar::Column::Id.eq(source.id))
            .filter(busy_calendar::Column::NextRefreshAt.eq(source.next_refresh_at))
            .exec(db)
            .await?;
        if claimed.rows_affected == 1 {
            refresh(db, refresher, source, now).await?;
            done += 1;
        }
    }
    Ok(done)
}
