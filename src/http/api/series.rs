//! `/appointments/series`: sessions booked together, every one to four weeks.

use chrono::{DateTime, NaiveDate, Utc};
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    ApiResult, ApiTag, JsonBody, StaffReadOne, StaffWrite, appointments::AppointmentView,
    appointments::body_ids, audit_context,
};
use crate::{
    AppState,
    audit::Origin,
    auth::{Permission, Staff},
    http::problem::ApiError,
    scheduling::{
        appointments::Checked,
        recurring::{self, SeriesInput, SeriesRecord},
    },
};

#[derive(Object, Deserialize)]
pub struct NewSeriesBody {
    client_id: Uuid,
    appointment_type_id: Uuid,
    practitioner_id: Uuid,
    /// The first session's start, RFC 3339 with its offset.
    first_start: String,
    /// The IANA zone whose wall-clock time every session keeps across a change of the
    /// clocks, e.g. `America/New_York`.
    tz: String,
    /// 1 to 4.
    every_weeks: i64,
    /// How many sessions (1–52), the first included; or give `until`.
    count: Option<i64>,
    /// The last date a session may fall on (`YYYY-MM-DD`, in `tz`); or give `count`.
    until: Option<String>,
    /// Allow times outside the practitioner's hours (never over another appointment).
    #[serde(default)]
    outside_hours: Option<bool>,
    /// Check each session and answer without booking anything.
    #[serde(default)]
    dry_run: Option<bool>,
    /// Book the sessions that can be and record the others as skipped, instead of a 409.
    #[serde(default)]
    skip_conflicts: Option<bool>,
}

/// One session of a series as checked.
#[derive(Object)]
pub struct OccurrenceView {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    ok: bool,
    /// Why it cannot be booked: `slot_taken`, `outside_hours`, …
    reason: Option<String>,
}

#[derive(Object)]
pub struct PreviewView {
    occurrences: Vec<OccurrenceView>,
}

#[derive(Object)]
pub struct SkippedView {
    start: DateTime<Utc>,
    reason: String,
}

#[derive(Object)]
pub struct SeriesView {
    id: Uuid,
    client_id: Uuid,
    practitioner_id: Uuid,
    appointment_type_id: Uuid,
    tz: String,
    first_start: DateTime<Utc>,
    every_weeks: i32,
    count: Option<i32>,
    until: Option<NaiveDate>,
    outside_hours: bool,
    /// Sessions left out when it was booked with `skip_conflicts`.
    skipped: Vec<SkippedView>,
    created_at: DateTime<Utc>,
    /// Every session, cancelled ones included, earliest first.
    occurrences: Vec<AppointmentView>,
}

fn view(record: SeriesRecord) -> SeriesView {
    let skipped = record
        .skipped()
        .into_iter()
        .map(|s| SkippedView {
            start: s.start,
            reason: s.reason,
        })
        .collect();
    let s = record.series;
    SeriesView {
        id: s.id,
        client_id: s.client_id,
        practitioner_id: s.practitioner_id,
        appointment_type_id: s.appointment_type_id,
        tz: s.time_zone,
        first_start: s.first_start,
        every_weeks: s.every_weeks,
        count: s.count,
        until: s.until,
        outside_hours: s.outside_hours,
        skipped,
        created_at: s.created_at,
        occurrences: record
            .sessions
            .into_iter()
            .map(|a| super::appointments::view(a, None))
            .collect(),
    }
}

fn occurrence(c: Checked) -> OccurrenceView {
    OccurrenceView {
        start: c.start,
        end: c.end,
        ok: c.refused.is_none(),
        reason: c.refused.map(|r| r.name().to_owned()),
    }
}

#[derive(ApiResponse)]
pub enum SeriesAnswer {
    /// The dry run: each session and whether it can be booked. Nothing was saved.
    #[oai(status = 200)]
    Preview(Json<PreviewView>),
    /// Booked.
    #[oai(status = 201)]
    Created(Json<SeriesView>),
}

pub struct SeriesApi;

#[OpenApi(prefix_path = "/appointments/series", tag = "ApiTag::Scheduling")]
impl SeriesApi {
    /// Book a series of sessions
    ///
    /// The same local time every `every_weeks` weeks, `count` times or until a date. Each
    /// session is checked exactly as a single booking is. With `dry_run` the answer lists
    /// them; otherwise any that cannot be booked make a 409 `series_conflict` whose
    /// `conflicts` lists them, unless `skip_conflicts`.
    #[oai(path = "/", method = "post", operation_id = "createSeries")]
    async fn create(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        body: JsonBody<NewSeriesBody>,
    ) -> ApiResult<SeriesAnswer, StaffWrite> {
        staff.require(Permission::Schedule)?;
        let body = body.0;
        let request = SeriesInput {
            client_id: body.client_id,
            appointment_type_id: body.appointment_type_id,
            practitioner_id: body.practitioner_id,
            first_start: body.first_start,
            tz: body.tz,
            every_weeks: body.every_weeks,
            count: body.count,
            until: body.until,
            outside_hours: body.outside_hours.unwrap_or(false),
            skip_conflicts: body.skip_conflicts.unwrap_or(false),
        }
        .check()
        .map_err(ApiError::from)?;
        let audit = audit_context(&state, &origin, staff.actor());
        if body.dry_run.unwrap_or(false) {
            let checked = recurring::preview(&state.db, &state.schedule, &request, audit.now)
                .await
                .map_err(body_ids)?;
            return Ok(SeriesAnswer::Preview(Json(PreviewView {
                occurrences: checked.into_iter().map(occurrence).collect(),
            })));
        }
        let record = recurring::create(
            &state.db,
            &state.schedule,
            state.notifier(),
            &state.followups(),
            request,
            &audit,
        )
        .await
        .map_err(body_ids)?;
        Ok(SeriesAnswer::Created(Json(view(record))))
    }

    /// One series with its sessions
    #[oai(path = "/:id", method = "get", operation_id = "getSeries")]
    async fn get(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<SeriesView>, StaffReadOne> {
        staff.require(Permission::Schedule)?;
        let record = recurring::find(&state.db, id.0).await?;
        Ok(Json(view(record)))
    }
}
