//! A practitioner's calendars: the secret subscription feed, and the outside calendars whose
//! busy times keep online booking away.
//!
//! Each practitioner manages their own; the owner manages anyone's.

use chrono::{DateTime, Utc};
use entity::{busy_calendar, calendar_feed::FeedDetail};
use poem::web::Data;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, param::Path, payload::Json};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    ApiResult, ApiTag, JsonBody, OptionalJsonBody, PageBody, StaffAction, StaffReadOne, StaffWrite,
    audit_context, auth::Deleted,
};
use crate::{
    AppState,
    audit::Origin,
    auth::Staff,
    calendar::{
        busy::{self, input::BusyCalendarInput},
        feed::{self, FeedChanges},
    },
    policy,
    scheduling::availability,
};

/// How much an event in the feed says about the client.
#[derive(Enum, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Detail {
    /// The appointment type and a short client reference (`Couples session — C-3F9A2B`).
    Minimal,
    /// The participants' initials (`Couples session — J. D. & M. D.`).
    Initials,
    /// The participants' names. Owner only.
    Full,
}

impl From<Detail> for FeedDetail {
    fn from(d: Detail) -> Self {
        match d {
            Detail::Minimal => FeedDetail::Minimal,
            Detail::Initials => FeedDetail::Initials,
            Detail::Full => FeedDetail::Full,
        }
    }
}

impl From<FeedDetail> for Detail {
    fn from(d: FeedDetail) -> Self {
        match d {
            FeedDetail::Minimal => Detail::Minimal,
            FeedDetail::Initials => Detail::Initials,
            FeedDetail::Full => Detail::Full,
        }
    }
}

#[derive(Object, Deserialize, Default)]
pub struct FeedSettings {
    /// By default `minimal`.
    detail: Option<Detail>,
    /// Show time off as busy blocks; by default no.
    include_time_off: Option<bool>,
}

/// A new feed address: shown this once.
#[derive(Object)]
pub struct FeedIssued {
    /// Paste into a calendar app's "subscribe from URL".
    url: String,
    /// The same address for apps that open a subscription from a link.
    webcal_url: String,
    detail: Detail,
    include_time_off: bool,
    /// Whether an earlier address existed, and has now stopped working.
    rotated: bool,
}

#[derive(Object)]
pub struct FeedState {
    exists: bool,
    detail: Option<Detail>,
    include_time_off: Option<bool>,
    created_at: Option<DateTime<Utc>>,
    updated_at: Option<DateTime<Utc>>,
    /// When a calendar app last fetched it.
    last_fetched_at: Option<DateTime<Utc>>,
}

#[derive(ApiResponse)]
pub enum FeedIssue {
    /// Created.
    #[oai(status = 201)]
    Created(Json<FeedIssued>),
    /// A new address replaced the old one.
    #[oai(status = 200)]
    Rotated(Json<FeedIssued>),
}

#[derive(Object, Deserialize)]
pub struct NewBusyCalendar {
    /// A name to recognise it by ("Personal"); by default the address's host or "Uploaded file".
    label: Option<String>,
    /// An `https://` or `webcal://` address, fetched again every 15 minutes.
    url: Option<String>,
    /// Or the text of an `.ics` file, read once.
    ics: Option<String>,
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum BusyKind {
    Url,
    Upload,
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum BusyState {
    /// Not fetched yet.
    Pending,
    Ok,
    /// The last attempt failed; the busy times of the last good copy still count.
    Error,
}

#[derive(Object)]
pub struct BusyCalendarView {
    id: Uuid,
    label: String,
    kind: BusyKind,
    /// Scheme and host only: the rest of such addresses is usually a secret.
    url_display: Option<String>,
    status: BusyState,
    /// Why the last attempt failed.
    last_error: Option<String>,
    last_attempt_at: Option<DateTime<Utc>>,
    last_success_at: Option<DateTime<Utc>>,
    next_refresh_at: DateTime<Utc>,
    /// Busy stretches now blocking online booking.
    busy_blocks: i32,
    /// Events left out because their dates or rules could not be read.
    skipped_events: u32,
    /// Events whose time zone was unknown, read in the practitioner's zone.
    unknown_time_zones: u32,
    created_at: DateTime<Utc>,
}

impl From<busy_calendar::Model> for BusyCalendarView {
    fn from(m: busy_calendar::Model) -> Self {
        let (skipped, unknown) = busy::parse_counts(&m);
        Self {
            id: m.id,
            label: m.label,
            kind: match m.source_kind {
                busy_calendar::BusySourceKind::Url => BusyKind::Url,
                busy_calendar::BusySourceKind::Upload => BusyKind::Upload,
            },
            url_display: m.url_display,
            status: match m.status {
                busy_calendar::BusyStatus::Pending => BusyState::Pending,
                busy_calendar::BusyStatus::Ok => BusyState::Ok,
                busy_calendar::BusyStatus::Error => BusyState::Error,
            },
            last_error: m.last_error,
            last_attempt_at: m.last_attempt_at,
            last_success_at: m.last_success_at,
            next_refresh_at: m.next_refresh_at,
            busy_blocks: m.event_count,
            skipped_events: skipped,
            unknown_time_zones: unknown,
            created_at: m.created_at,
        }
    }
}

#[derive(ApiResponse)]
pub enum CreatedBusyCalendar {
    /// Added, and read or fetched once already: see `status`.
    #[oai(status = 201)]
    Created(Json<BusyCalendarView>),
}

fn changes(body: FeedSettings) -> FeedChanges {
    FeedChanges {
        detail: body.detail.map(Into::into),
        include_time_off: body.include_time_off,
    }
}

pub struct CalendarsApi;

#[OpenApi(prefix_path = "/practitioners", tag = "ApiTag::Scheduling")]
impl CalendarsApi {
    /// Create or rotate the calendar feed
    ///
    /// Returns the secret address once. Calling it again gives a new address and stops the
    /// old one. By default events name no one: only the type and a short client reference.
    #[oai(
        path = "/:id/calendar-feed",
        method = "post",
        operation_id = "issueCalendarFeed"
    )]
    async fn issue_feed(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: OptionalJsonBody<FeedSettings>,
    ) -> ApiResult<FeedIssue, StaffWrite> {
        let changes = changes(body.0);
        let audit = audit_context(&state, &origin, staff.actor());
        let (model, secret, rotated) =
            feed::create_or_rotate(&state.db, &staff, id.0, changes, &audit).await?;
        let links = feed::links(&state.public_url, &secret);
        let body = Json(FeedIssued {
            url: links.url,
            webcal_url: links.webcal_url,
            detail: model.detail.into(),
            include_time_off: model.include_time_off,
            rotated,
        });
        Ok(if rotated {
            FeedIssue::Rotated(body)
        } else {
            FeedIssue::Created(body)
        })
    }

    /// The calendar feed's settings
    ///
    /// Whether a feed exists, how much it says, and when a calendar app last fetched it. The
    /// address itself is shown only when it is created.
    #[oai(
        path = "/:id/calendar-feed",
        method = "get",
        operation_id = "getCalendarFeed"
    )]
    async fn get_feed(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<FeedState>, StaffReadOne> {
        policy::calendar(&staff, id.0)?;
        availability::practitioner(&state.db, id.0).await?;
        let found = feed::find(&state.db, id.0).await?;
        Ok(Json(FeedState {
            exists: found.is_some(),
            detail: found.as_ref().map(|f| f.detail.into()),
            include_time_off: found.as_ref().map(|f| f.include_time_off),
            created_at: found.as_ref().map(|f| f.created_at),
            updated_at: found.as_ref().map(|f| f.updated_at),
            last_fetched_at: found.and_then(|f| f.last_fetched_at),
        }))
    }

    /// Change the calendar feed's settings
    ///
    /// The address stays the same. `detail: full` is for the owner to set.
    #[oai(
        path = "/:id/calendar-feed",
        method = "patch",
        operation_id = "updateCalendarFeed"
    )]
    async fn update_feed(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<FeedSettings>,
    ) -> ApiResult<Json<FeedState>, StaffWrite> {
        let changes = changes(body.0);
        let audit = audit_context(&state, &origin, staff.actor());
        let f = feed::update(&state.db, &staff, id.0, changes, &audit).await?;
        Ok(Json(FeedState {
            exists: true,
            detail: Some(f.detail.into()),
            include_time_off: Some(f.include_time_off),
            created_at: Some(f.created_at),
            updated_at: Some(f.updated_at),
            last_fetched_at: f.last_fetched_at,
        }))
    }

    /// Revoke the calendar feed
    ///
    /// The address answers 404 from now on; subscribed calendars stop updating.
    #[oai(
        path = "/:id/calendar-feed",
        method = "delete",
        operation_id = "revokeCalendarFeed"
    )]
    async fn revoke_feed(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Deleted, StaffAction> {
        policy::calendar(&staff, id.0)?;
        let audit = audit_context(&state, &origin, staff.actor());
        feed::revoke(&state.db, id.0, &audit).await?;
        Ok(Deleted::Done)
    }

    /// Add a busy calendar
    ///
    /// Send `url` (an `https://` or `webcal://` address, fetched now and then every 15
    /// minutes) or `ics` (a file's text, read once). Its busy times stop online booking from
    /// offering those times. Up to 10 per practitioner.
    #[oai(
        path = "/:id/busy-calendars",
        method = "post",
        operation_id = "addBusyCalendar"
    )]
    async fn add_busy(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<NewBusyCalendar>,
    ) -> ApiResult<CreatedBusyCalendar, StaffWrite> {
        policy::calendar(&staff, id.0)?;
        let body = body.0;
        let audit = audit_context(&state, &origin, staff.actor());
        let new = BusyCalendarInput {
            label: body.label.as_deref(),
            url: body.url.as_deref(),
            ics: body.ics,
        };
        let model = busy::input::add_checked(&state.db, &state.busy, id.0, new, &audit).await?;
        Ok(CreatedBusyCalendar::Created(Json(model.into())))
    }

    /// Busy calendars
    #[oai(
        path = "/:id/busy-calendars",
        method = "get",
        operation_id = "listBusyCalendars"
    )]
    async fn list_busy(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<PageBody<BusyCalendarView>>, StaffReadOne> {
        policy::calendar(&staff, id.0)?;
        availability::practitioner(&state.db, id.0).await?;
        let all = busy::list(&state.db, id.0).await?;
        Ok(Json(PageBody {
            items: all.into_iter().map(Into::into).collect(),
            next_cursor: None,
        }))
    }

    /// One busy calendar
    #[oai(
        path = "/:id/busy-calendars/:calendar_id",
        method = "get",
        operation_id = "getBusyCalendar"
    )]
    async fn get_busy(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        id: Path<Uuid>,
        calendar_id: Path<Uuid>,
    ) -> ApiResult<Json<BusyCalendarView>, StaffReadOne> {
        policy::calendar(&staff, id.0)?;
        Ok(Json(
            busy::find(&state.db, id.0, calendar_id.0).await?.into(),
        ))
    }

    /// Refresh a busy calendar now
    ///
    /// Fetches an address again (or re-reads a file over the current booking horizon) and
    /// answers with the result.
    #[oai(
        path = "/:id/busy-calendars/:calendar_id/refresh",
        method = "post",
        operation_id = "refreshBusyCalendar"
    )]
    async fn refresh_busy(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        id: Path<Uuid>,
        calendar_id: Path<Uuid>,
    ) -> ApiResult<Json<BusyCalendarView>, StaffAction> {
        policy::calendar(&staff, id.0)?;
        let source = busy::find(&state.db, id.0, calendar_id.0).await?;
        let model = busy::refresh(&state.db, &state.busy, source, state.clock.now()).await?;
        Ok(Json(model.into()))
    }

    /// Remove a busy calendar
    ///
    /// Its busy times stop counting at once.
    #[oai(
        path = "/:id/busy-calendars/:calendar_id",
        method = "delete",
        operation_id = "deleteBusyCalendar"
    )]
    async fn delete_busy(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        calendar_id: Path<Uuid>,
    ) -> ApiResult<Deleted, StaffAction> {
        policy::calendar(&staff, id.0)?;
        let audit = audit_context(&state, &origin, staff.actor());
        busy::delete(&state.db, id.0, calendar_id.0, &audit).await?;
        Ok(Deleted::Done)
    }
}
