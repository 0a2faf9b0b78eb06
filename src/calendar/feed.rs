//! The practitioner's subscription feed: its secret address, its settings, and the calendar
//! it serves.
//!
//! The address is a bearer secret that ends up stored on calendar servers Attune does not
//! control, so only its hash is kept, and by default an event names no one.

mod rows;

use std::collections::HashMap;

use chrono::{DateTime, Duration, DurationRound, Utc};
use entity::{
    appointment_type,
    calendar_feed::{self, FeedDetail},
    practitioner,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionSession,
    TransactionTrait, sea_query::Expr,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    CalendarError, events,
    render::{self, EventInfo, EventStatus, FeedInfo},
};
use crate::{
    audit::{Action, AuditContext, Event},
    auth::Staff,
    crypto::{self, Secret},
    db, policy,
    scheduling::snapshot::{ScheduleCache, Snapshot},
    types::PublicUrl,
    versions::Versions,
};

/// Feed secrets start with this.
pub const TOKEN_PREFIX: &str = "acf_";

/// Cancelled appointments stay in the feed this long after cancelling, so every subscriber
/// sees the cancellation before the event disappears.
pub const CANCELLED_KEPT: Duration = Duration::days(30);

/// `last_fetched_at` is written at most this often.
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// Settings to change; `None` leaves one as it is.
#[derive(Clone, Copy, Debug, Default)]
pub struct FeedChanges {
    pub detail: Option<FeedDetail>,
    pub include_time_off: Option<bool>,
}

/// The feed's address, in the two forms calendar apps take.
pub struct FeedLinks {
    pub url: String,
    pub webcal_url: String,
}

pub fn links(public_url: &PublicUrl, secret: &Secret) -> FeedLinks {
    let path = format!("/calendar/{}.ics", secret.expose());
    FeedLinks {
        url: public_url.link(&path),
        webcal_url: public_url.webcal_link(&path),
    }
}

pub async fn find(
    db: &impl ConnectionTrait,
    practitioner_id: Uuid,
) -> Result<Option<calendar_feed::Model>, sea_orm::DbErr> {
    calendar_feed::Entity::find()
        .filter(calendar_feed::Column::PractitionerId.eq(practitioner_id))
        .one(db)
        .await
}

/// Creates the practitioner's feed, or gives it a new secret (the old address then answers
/// 404), applying `changes` either way. Returns the feed, its secret, and whether it existed.
///
/// `staff` must manage the practitioner's calendar, and an address of a feed that names
/// clients in full (asked for now, or set earlier) is the owner's to hand out.
#[tracing::instrument(skip_all, fields(practitioner_id = %practitioner_id), err(level = "info"))]
pub async fn create_or_rotate<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    staff: &Staff,
    practitioner_id: Uuid,
    changes: FeedChanges,
    audit: &AuditContext,
) -> Result<(calendar_feed::Model, Secret, bool), CalendarError> {
    policy::calendar(staff, practitioner_id)?;
    if changes.detail == Some(FeedDetail::Full) {
        full_detail(staff, false)?;
    }
    let txn = db::begin_write(db).await?;
    // The practitioner's row is locked on Postgres, so two requests at once (a double
    // click) make one feed and one rotation, not a unique-index failure.
    db::for_update(practitioner::Entity::find_by_id(practitioner_id), &txn)
        .one(&txn)
        .await?
        .ok_or(CalendarError::UnknownPractitioner)?;
    let secret = Secret::generate(TOKEN_PREFIX);
    // Whole seconds: `Last-Modified` has no finer grain, and a fraction would make the
    // date sent differ from the one compared.
    let now = whole_seconds(audit.now);
    let existing = find(&txn, practitioner_id).await?;
    if changes.detail.is_none()
        && existing
            .as_ref()
            .is_some_and(|f| f.detail == FeedDetail::Full)
    {
        full_detail(staff, true)?;
    }
    let rotated = existing.is_some();
    let model = match existing {
        Some(feed) => {
            let mut active: calendar_feed::ActiveModel = feed.into();
            active.token_hash = Set(secret.hash());
            apply(&mut active, changes);
            active.etag = Set(None);
            active.rendered_key = Set(None);
            active.rendered_at = Set(None);
            active.content_modified_at = Set(now);
            active.last_fetched_at = Set(None);
            active.updated_at = Set(now);
            calendar_feed::Entity::update(active).exec(&txn).await?
        }
        None => {
            let mut active = calendar_feed::ActiveModel {
                id: Set(Uuid::now_v7()),
                practitioner_id: Set(practitioner_id),
                token_hash: Set(secret.hash()),
                detail: Set(FeedDetail::Minimal),
                include_time_off: Set(false),
                etag: Set(None),
                content_modified_at: Set(now),
                last_fetched_at: Set(None),
                rendered_key: Set(None),
                rendered_at: Set(None),
                created_by: Set(audit.actor.id),
                created_at: Set(now),
                updated_at: Set(now),
            };
            apply(&mut active, changes);
            calendar_feed::Entity::insert(active)
                .exec_with_returning(&txn)
                .await?
        }
    };
    let action = if rotated {
        Action::CalendarFeedRotate
    } else {
        Action::CalendarFeedCreate
    };
    audit
        .record(
            &txn,
            Event::new(action)
                .entity("practitioner", practitioner_id)
                .details(settings_json(&model)),
        )
        .await?;
    txn.commit().await?;
    Ok((model, secret, rotated))
}

/// A feed at `full` detail, chosen now or (`already`) set earlier, is the owner's.
fn full_detail(staff: &Staff, already: bool) -> Result<(), CalendarError> {
    policy::full_feed_detail(staff).map_err(|_| CalendarError::FullDetailIsForOwners { already })
}

/// Changes the feed's settings; its address stays the same.
#[tracing::instrument(skip_all, fields(practitioner_id = %practitioner_id), err(level = "info"))]
pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    staff: &Staff,
    practitioner_id: Uuid,
    changes: FeedChanges,
    audit: &AuditContext,
) -> Result<calendar_feed::Model, CalendarError> {
    policy::calendar(staff, practitioner_id)?;
    if changes.detail == Some(FeedDetail::Full) {
        full_detail(staff, false)?;
    }
    let txn = db::begin_write(db).await?;
    let feed = find(&txn, practitioner_id)
        .await?
        .ok_or(CalendarError::NoFeed)?;
    let mut active: calendar_feed::ActiveModel = feed.into();
    apply(&mut active, changes);
    active.updated_at = Set(audit.now);
    let model = calendar_feed::Entity::update(active).exec(&txn).await?;
    audit
        .record(
            &txn,
            Event::new(Action::CalendarFeedUpdate)
                .entity("practitioner", practitioner_id)
                .details(settings_json(&model)),
        )
        .await?;
    txn.commit().await?;
    Ok(model)
}

/// Deletes the feed: its address answers 404 from now on.
#[tracing::instrument(skip_all, fields(practitioner_id = %practitioner_id), err(level = "info"))]
pub async fn revoke<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    practitioner_id: Uuid,
    audit: &AuditContext,
) -> Result<(), CalendarError> {
    let txn = db::begin_write(db).await?;
    let deleted = calendar_feed::Entity::delete_many()
        .filter(calendar_feed::Column::PractitionerId.eq(practitioner_id))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(CalendarError::NoFeed);
    }
    audit
        .record(
            &txn,
            Event::new(Action::CalendarFeedRevoke).entity("practitioner", practitioner_id),
        )
        .await?;
    txn.commit().await?;
    Ok(())
}

fn apply(active: &mut calendar_feed::ActiveModel, changes: FeedChanges) {
    if let Some(detail) = changes.detail {
        active.detail = Set(detail);
    }
    if let Some(include) = changes.include_time_off {
        active.include_time_off = Set(include);
    }
}

fn settings_json(feed: &calendar_feed::Model) -> serde_json::Value {
    serde_json::json!({
        "detail": detail_name(feed.detail),
        "include_time_off": feed.include_time_off,
    })
}

pub fn detail_name(detail: FeedDetail) -> &'static str {
    match detail {
        FeedDetail::Minimal => "minimal",
        FeedDetail::Initials => "initials",
        FeedDetail::Full => "full",
    }
}

/// The feed a presented secret opens, if any.
pub async fn by_token(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<calendar_feed::Model>, sea_orm::DbErr> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    calendar_feed::Entity::find()
        .filter(calendar_feed::Column::TokenHash.eq(crypto::hash_secret(token)))
        .one(db)
        .await
}

/// A feed as served: the text and its validators.
#[derive(Clone)]
pub struct Served {
    pub body: String,
    /// A strong validator, quoted.
    pub etag: String,
    /// When the body last changed, to the second (HTTP dates have no finer grain).
    pub modified_at: DateTime<Utc>,
}

/// Feeds recently found unchanged, by the hash of their secret: a burst of revalidations is
/// answered from memory, the database asked again once `recheck` has passed. Only feeds that
/// exist are held, so its size is the number of feeds.
pub struct RecentFeeds {
    recheck: std::time::Duration,
    held: std::sync::RwLock<HashMap<String, (std::time::Instant, Served)>>,
}

/// Entries held before the stale ones are dropped: a practice has a feed per practitioner.
const FEEDS_BEFORE_PRUNING: usize = 256;

impl RecentFeeds {
    pub fn new(recheck: std::time::Duration) -> Self {
        Self {
            recheck,
            held: Default::default(),
        }
    }

    /// The validators of the feed with this secret, if they were found current within
    /// `recheck`.
    pub fn current(&self, token: &str) -> Option<Served> {
        if self.recheck.is_zero() {
            return None;
        }
        let held = self.held.read().unwrap_or_else(|e| e.into_inner());
        let (at, served) = held.get(&crypto::hash_secret(token))?;
        (at.elapsed() < self.recheck).then(|| served.clone())
    }

    /// `served` (its validators; the body is not kept) is what the feed with this secret is.
    pub fn remember(&self, token: &str, served: &Served) {
        if self.recheck.is_zero() {
            return;
        }
        let validators = Served {
            body: String::new(),
            etag: served.etag.clone(),
            modified_at: served.modified_at,
        };
        let mut held = self.held.write().unwrap_or_else(|e| e.into_inner());
        // A rotated feed's old secret is never asked for again: what has gone stale goes.
        if held.len() >= FEEDS_BEFORE_PRUNING {
            held.retain(|_, (at, _)| at.elapsed() < self.recheck);
        }
        held.insert(
            crypto::hash_secret(token),
            (std::time::Instant::now(), validators),
        );
    }
}

/// How long a rendered body may stand for the feed while nothing it is made from changes:
/// the window moves on with time, so an old appointment leaves the feed within this long.
const RENDERING_LASTS: Duration = Duration::hours(1);

/// What a body of `feed` is made from besides the passing of time.
fn rendering_key(feed: &calendar_feed::Model, schedule_version: i64, past_days: u32) -> String {
    format!(
        "{schedule_version}:{}:{}:{past_days}",
        detail_name(feed.detail),
        feed.include_time_off
    )
}

/// The validators of the last body served, when it is still what a render would give:
/// nothing it is made from has changed since (`schedule_version` is current) and it is
/// recent. Nothing read, nothing rendered.
pub fn current_validators(
    feed: &calendar_feed::Model,
    schedule_version: i64,
    now: DateTime<Utc>,
    past_days: u32,
) -> Option<Served> {
    let (Some(etag), Some(key), Some(at)) = (&feed.etag, &feed.rendered_key, feed.rendered_at)
    else {
        return None;
    };
    if now - at >= RENDERING_LASTS || now < at {
        return None;
    }
    (*key == rendering_key(feed, schedule_version, past_days)).then(|| Served {
        body: String::new(),
        etag: etag.clone(),
        modified_at: feed.content_modified_at,
    })
}

/// Records that `feed` was fetched and found unchanged, at most every [`TOUCH_EVERY`].
pub async fn touch(
    db: &impl ConnectionTrait,
    feed: &calendar_feed::Model,
    now: DateTime<Utc>,
) -> Result<(), CalendarError> {
    if feed
        .last_fetched_at
        .is_some_and(|at| now - at < TOUCH_EVERY)
    {
        return Ok(());
    }
    calendar_feed::Entity::update_many()
        .col_expr(calendar_feed::Column::LastFetchedAt, Expr::value(now))
        .filter(calendar_feed::Column::Id.eq(feed.id))
        .filter(calendar_feed::Column::TokenHash.eq(feed.token_hash.clone()))
        .exec(db)
        .await?;
    Ok(())
}

/// Renders the feed and records the fetch. The body's hash is its `ETag`; when that differs
/// from the last one served, the content changed now, which is what `Last-Modified` says.
/// (Deriving it from row timestamps would miss a deleted time off.)
///
/// `versions` were read before anything else of the request: a change landing while the
/// rows are read moves them past the ones recorded, so the next fetch renders again rather
/// than trusting a stale body.
pub async fn serve(
    db: &impl ConnectionTrait,
    cache: &ScheduleCache,
    versions: Versions,
    feed: &calendar_feed::Model,
    public_url: &PublicUrl,
    now: DateTime<Utc>,
    past_days: u32,
) -> Result<Served, CalendarError> {
    let key = rendering_key(feed, versions.schedule, past_days);
    let snapshot = cache.at(db, versions.availability, now).await?;
    let body = {
        // A body is CPU and a few times its size in memory while it is made: more at once
        // than the cores can make would only hold more of them.
        let _turn = rendering_turns()
            .acquire()
            .await
            .expect("the semaphore is never closed");
        render_feed(db, &snapshot, feed, public_url, now, past_days).await?
    };
    let digest = Sha256::digest(body.as_bytes());
    let etag = format!("\"{}\"", hex(&digest[..16]));
    let unchanged = feed.etag.as_deref() == Some(etag.as_str());
    let now_seconds = whole_seconds(now);
    // A change within the same second as the last still moves the date on, or a client
    // holding that date would be told its copy is current.
    let modified_at = if unchanged {
        feed.content_modified_at
    } else {
        now_seconds.max(feed.content_modified_at + Duration::seconds(1))
    };
    calendar_feed::Entity::update_many()
        .col_expr(calendar_feed::Column::Etag, Expr::value(etag.clone()))
        .col_expr(
            calendar_feed::Column::ContentModifiedAt,
            Expr::value(modified_at),
        )
        .col_expr(calendar_feed::Column::LastFetchedAt, Expr::value(now))
        .col_expr(calendar_feed::Column::RenderedKey, Expr::value(key))
        .col_expr(calendar_feed::Column::RenderedAt, Expr::value(now))
        // Not if it was rotated or revoked meanwhile.
        .filter(calendar_feed::Column::Id.eq(feed.id))
        .filter(calendar_feed::Column::TokenHash.eq(feed.token_hash.clone()))
        .exec(db)
        .await?;
    Ok(Served {
        body,
        etag,
        modified_at,
    })
}

fn rendering_turns() -> &'static tokio::sync::Semaphore {
    static TURNS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    TURNS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(2 * cores)
    })
}

fn whole_seconds(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(Duration::seconds(1)).unwrap_or(at)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The feed's calendar text: the practice, the practitioner and the types come from the
/// snapshot, the events from one query.
pub async fn render_feed(
    db: &impl ConnectionTrait,
    snapshot: &Snapshot,
    feed: &calendar_feed::Model,
    public_url: &PublicUrl,
    now: DateTime<Utc>,
    past_days: u32,
) -> Result<String, CalendarError> {
    // Missing from the snapshot only in a race with a change to it: read then.
    let p = match snapshot.practitioner(feed.practitioner_id) {
        Some(p) => p.clone(),
        None => match practitioner::Entity::find_by_id(feed.practitioner_id)
            .one(db)
            .await?
        {
            Some(p) => p,
            None => return Ok(String::new()),
        },
    };
    let since = now - Duration::days(past_days.into());
    let rows = rows::read(db, feed, since, now - CANCELLED_KEPT).await?;
    let host = public_url.host();
    let mut types: HashMap<Uuid, appointment_type::Model> = HashMap::new();
    let mut events = Vec::with_capacity(rows.len());
    for row in rows {
        let event = match row {
            rows::Row::Appointment(a) => {
                if !types.contains_key(&a.type_id) {
                    let ty = match snapshot.appointment_type(a.type_id) {
                        Some(t) => Some(t.clone()),
                        None => {
                            appointment_type::Entity::find_by_id(a.type_id)
                                .one(db)
                                .await?
                        }
                    };
                    types.extend(ty.map(|t| (t.id, t)));
                }
                let ty = types.get(&a.type_id);
                let type_name = ty.map_or("Appointment", |t| t.name.as_str());
                let dashboard = public_url.link(&format!("/admin/appointments/{}", a.occasion.id));
                let mut event = events::base(&a.occasion, ty, &host);
                event.summary =
                    events::feed_summary(feed.detail, type_name, a.client_id, &a.people);
                if event.status == EventStatus::Cancelled {
                    event.summary = format!("Cancelled: {}", event.summary);
                }
                event.description = Some(dashboard.clone());
                event.url = Some(dashboard);
                event
            }
            // The note is for staff only; the feed says "Time off".
            rows::Row::TimeOff(t) => EventInfo {
                uid: format!("time-off-{}@{host}", t.id),
                summary: "Time off".to_owned(),
                starts_at: t.starts_at,
                ends_at: t.ends_at,
                created_at: t.created_at,
                modified_at: t.created_at,
                sequence: 0,
                status: EventStatus::Confirmed,
                location: None,
                description: None,
                url: None,
            },
        };
        events.push(event);
    }
    let name = format!("{} — {}", snapshot.practice.name, p.name);
    // Tens of milliseconds of CPU for a large practice: off the async workers.
    let text = tokio::task::spawn_blocking(move || {
        render::feed(
            &FeedInfo {
                name: &name,
                time_zone: &p.time_zone,
            },
            &events,
        )
    })
    .await
    .map_err(|e| CalendarError::Render(e.to_string()))?;
    Ok(text)
}
