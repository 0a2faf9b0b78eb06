//! `/practitioners/{id}/…` hours: weekly availability, date overrides and time off.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc, Weekday};
use entity::{availability_override, availability_rule, time_off};
use poem::web::Data;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, param::Path, payload::Json};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    ApiResult, ApiTag, JsonBody, PageBody, StaffAction, StaffReadOne, StaffWrite, audit_context,
    auth::Deleted,
};
use crate::{
    AppState,
    audit::Origin,
    auth::{Permission, Staff},
    http::problem::ApiError,
    scheduling::availability::{self, HoursItem, RuleFields},
    validation::FieldErrors,
};

#[derive(Enum, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Day {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl From<Day> for Weekday {
    fn from(d: Day) -> Self {
        match d {
            Day::Monday => Weekday::Mon,
            Day::Tuesday => Weekday::Tue,
            Day::Wednesday => Weekday::Wed,
            Day::Thursday => Weekday::Thu,
            Day::Friday => Weekday::Fri,
            Day::Saturday => Weekday::Sat,
            Day::Sunday => Weekday::Sun,
        }
    }
}

impl From<Weekday> for Day {
    fn from(d: Weekday) -> Self {
        match d {
            Weekday::Mon => Day::Monday,
            Weekday::Tue => Day::Tuesday,
            Weekday::Wed => Day::Wednesday,
            Weekday::Thu => Day::Thursday,
            Weekday::Fri => Day::Friday,
            Weekday::Sat => Day::Saturday,
            Weekday::Sun => Day::Sunday,
        }
    }
}

/// One window of weekly hours, in the practitioner's zone.
#[derive(Object, Deserialize)]
pub struct RuleBody {
    weekday: Day,
    /// `HH:MM`, local time.
    start: String,
    /// `HH:MM`, after `start`.
    end: String,
    /// Only from this date (inclusive).
    valid_from: Option<NaiveDate>,
    /// Only until this date (inclusive).
    valid_until: Option<NaiveDate>,
}

#[derive(Object)]
pub struct RuleView {
    id: Uuid,
    weekday: Day,
    start: String,
    end: String,
    valid_from: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
}

impl From<availability_rule::Model> for RuleView {
    fn from(r: availability_rule::Model) -> Self {
        Self {
            id: r.id,
            weekday: availability::weekday(r.weekday)
                .unwrap_or(Weekday::Mon)
                .into(),
            start: hhmm(r.start_time),
            end: hhmm(r.end_time),
            valid_from: r.valid_from,
            valid_until: r.valid_until,
        }
    }
}

#[derive(Object)]
pub struct WeekBody {
    /// The zone the hours are in.
    time_zone: String,
    rules: Vec<RuleView>,
}

#[derive(Object, Deserialize)]
pub struct WeekReplace {
    /// The whole week; what is not listed is closed.
    rules: Vec<RuleBody>,
}

#[derive(Object, Deserialize)]
pub struct Window {
    /// `HH:MM`.
    start: String,
    /// `HH:MM`.
    end: String,
}

#[derive(Object)]
pub struct WindowView {
    start: String,
    end: String,
}

#[derive(Object, Deserialize)]
pub struct OverrideBody {
    date: NaiveDate,
    /// The hours of that date instead of the weekly ones; empty: closed all day.
    windows: Vec<Window>,
}

#[derive(Object)]
pub struct OverrideView {
    id: Uuid,
    date: NaiveDate,
    windows: Vec<WindowView>,
}

impl From<availability_override::Model> for OverrideView {
    fn from(o: availability_override::Model) -> Self {
        Self {
            id: o.id,
            date: o.date,
            windows: availability::parse_windows(&o.windows)
                .into_iter()
                .map(|(s, e)| WindowView {
                    start: hhmm(s),
                    end: hhmm(e),
                })
                .collect(),
        }
    }
}

#[derive(Object, Deserialize)]
pub struct TimeOffBody {
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    /// For staff only.
    note: Option<String>,
}

#[derive(Object)]
pub struct TimeOffView {
    id: Uuid,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    note: Option<String>,
}

impl From<time_off::Model> for TimeOffView {
    fn from(t: time_off::Model) -> Self {
        Self {
            id: t.id,
            starts_at: t.starts_at,
            ends_at: t.ends_at,
            note: t.note,
        }
    }
}

#[derive(ApiResponse)]
pub enum CreatedRule {
    /// Added.
    #[oai(status = 201)]
    Created(Json<RuleView>),
}

#[derive(ApiResponse)]
pub enum CreatedOverride {
    /// Saved (replacing an earlier override of that date).
    #[oai(status = 201)]
    Created(Json<OverrideView>),
}

#[derive(ApiResponse)]
pub enum CreatedTimeOff {
    /// Added.
    #[oai(status = 201)]
    Created(Json<TimeOffView>),
}

pub struct AvailabilityApi;

#[OpenApi(prefix_path = "/practitioners", tag = "ApiTag::Scheduling")]
impl AvailabilityApi {
    /// Weekly hours
    #[oai(
        path = "/:id/availability",
        method = "get",
        operation_id = "getAvailability"
    )]
    async fn week(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<WeekBody>, StaffReadOne> {
        staff.require(Permission::Schedule)?;
        let p = availability::practitioner(&state.db, id.0).await?;
        let rules = availability::rules(&state.db, p.id).await?;
        Ok(Json(WeekBody {
            time_zone: p.time_zone,
            rules: rules.into_iter().map(Into::into).collect(),
        }))
    }

    /// Replace the weekly hours
    ///
    /// The whole week at once; days not listed are closed.
    #[oai(
        path = "/:id/availability",
        method = "put",
        operation_id = "replaceAvailability"
    )]
    async fn replace_week(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<WeekReplace>,
    ) -> ApiResult<Json<WeekBody>, StaffWrite> {
        staff.require(Permission::Schedule)?;
        let mut errors = FieldErrors::default();
        let rules: Vec<RuleFields> = body
            .0
            .rules
            .iter()
            .enumerate()
            .filter_map(|(i, r)| errors.check(&format!("rules[{i}]"), rule(r)))
            .collect();
        errors.into_result()?;
        let audit = audit_context(&state, &origin, staff.actor());
        let saved = availability::replace_rules(&state.db, id.0, rules, &audit).await?;
        let p = availability::practitioner(&state.db, id.0).await?;
        Ok(Json(WeekBody {
            time_zone: p.time_zone,
            rules: saved.into_iter().map(Into::into).collect(),
        }))
    }

    /// Add a window to the weekly hours
    #[oai(
        path = "/:id/availability",
        method = "post",
        operation_id = "addAvailability"
    )]
    async fn add_rule(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<RuleBody>,
    ) -> ApiResult<CreatedRule, StaffWrite> {
        staff.require(Permission::Schedule)?;
        let fields = rule(&body.0).map_err(|m| ApiError::invalid("start", m))?;
        let audit = audit_context(&state, &origin, staff.actor());
        let saved = availability::add_rule(&state.db, id.0, fields, &audit).await?;
        Ok(CreatedRule::Created(Json(saved.into())))
    }

    /// Remove a window of the weekly hours
    #[oai(
        path = "/:id/availability/:rule_id",
        method = "delete",
        operation_id = "deleteAvailability"
    )]
    async fn delete_rule(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        rule_id: Path<Uuid>,
    ) -> ApiResult<Deleted, StaffAction> {
        staff.require(Permission::Schedule)?;
        let audit = audit_context(&state, &origin, staff.actor());
        availability::remove(&state.db, id.0, HoursItem::Rule, rule_id.0, &audit).await?;
        Ok(Deleted::Done)
    }

    /// Date overrides
    #[oai(
        path = "/:id/overrides",
        method = "get",
        operation_id = "listOverrides"
    )]
    async fn overrides(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<PageBody<OverrideView>>, StaffReadOne> {
        staff.require(Permission::Schedule)?;
        availability::practitioner(&state.db, id.0).await?;
        let all = availability::overrides(&state.db, id.0).await?;
        Ok(Json(PageBody {
            items: all.into_iter().map(Into::into).collect(),
            next_cursor: None,
        }))
    }

    /// Set the hours of one date
    ///
    /// Replaces the weekly hours on that date; an empty list closes the day.
    #[oai(path = "/:id/overrides", method = "post", operation_id = "setOverride")]
    async fn set_override(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<OverrideBody>,
    ) -> ApiResult<CreatedOverride, StaffWrite> {
        staff.require(Permission::Schedule)?;
        let mut errors = FieldErrors::default();
        let windows: Vec<(NaiveTime, NaiveTime)> = body
            .0
            .windows
            .iter()
            .enumerate()
            .filter_map(|(i, w)| errors.check(&format!("windows[{i}]"), window(&w.start, &w.end)))
            .collect();
        errors.into_result()?;
        let audit = audit_context(&state, &origin, staff.actor());
        let saved =
            availability::set_override(&state.db, id.0, body.0.date, windows, &audit).await?;
        Ok(CreatedOverride::Created(Json(saved.into())))
    }

    /// Remove a date override
    #[oai(
        path = "/:id/overrides/:override_id",
        method = "delete",
        operation_id = "deleteOverride"
    )]
    async fn delete_override(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        override_id: Path<Uuid>,
    ) -> ApiResult<Deleted, StaffAction> {
        staff.require(Permission::Schedule)?;
        let audit = audit_context(&state, &origin, staff.actor());
        availability::remove(&state.db, id.0, HoursItem::Override, override_id.0, &audit).await?;
        Ok(Deleted::Done)
    }

    /// Time off
    #[oai(path = "/:id/time-off", method = "get", operation_id = "listTimeOff")]
    async fn time_off(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<PageBody<TimeOffView>>, StaffReadOne> {
        staff.require(Permission::Schedule)?;
        availability::practitioner(&state.db, id.0).await?;
        let all = availability::time_off(&state.db, id.0).await?;
        Ok(Json(PageBody {
            items: all.into_iter().map(Into::into).collect(),
            next_cursor: None,
        }))
    }

    /// Add time off
    #[oai(path = "/:id/time-off", method = "post", operation_id = "addTimeOff")]
    async fn add_time_off(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<TimeOffBody>,
    ) -> ApiResult<CreatedTimeOff, StaffWrite> {
        staff.require(Permission::Schedule)?;
        let body = body.0;
        let mut errors = FieldErrors::default();
        let checked = availability::check_time_off(
            &mut errors,
            Some(body.starts_at),
            Some(body.ends_at),
            body.note.as_deref(),
        );
        errors.into_result()?;
        let Some((span, note)) = checked else {
            return Err(ApiError::internal(anyhow::anyhow!("checked time off missing")).into());
        };
        let audit = audit_context(&state, &origin, staff.actor());
        let saved = availability::add_time_off(&state.db, id.0, span, note, &audit).await?;
        Ok(CreatedTimeOff::Created(Json(saved.into())))
    }

    /// Remove time off
    #[oai(
        path = "/:id/time-off/:time_off_id",
        method = "delete",
        operation_id = "deleteTimeOff"
    )]
    async fn delete_time_off(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        time_off_id: Path<Uuid>,
    ) -> ApiResult<Deleted, StaffAction> {
        staff.require(Permission::Schedule)?;
        let audit = audit_context(&state, &origin, staff.actor());
        availability::remove(&state.db, id.0, HoursItem::TimeOff, time_off_id.0, &audit).await?;
        Ok(Deleted::Done)
    }
}

fn hhmm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

/// `HH:MM` to `HH:MM`, start before end.
fn window(start: &str, end: &str) -> Result<(NaiveTime, NaiveTime), String> {
    let parse = |s: &str| NaiveTime::parse_from_str(s.trim(), "%H:%M");
    let (Ok(start), Ok(end)) = (parse(start), parse(end)) else {
        return Err("start and end must be times like 09:00 and 17:00".into());
    };
    if start >= end {
        return Err("must end after it starts, on the same day (the latest end is 23:59)".into());
    }
    Ok((start, end))
}

fn rule(body: &RuleBody) -> Result<RuleFields, String> {
    let (start, end) = window(&body.start, &body.end)?;
    if let (Some(from), Some(until)) = (body.valid_from, body.valid_until)
        && until < from
    {
        return Err("valid_until must not be before valid_from".into());
    }
    Ok(RuleFields {
        weekday: body.weekday.into(),
        start,
        end,
        valid_from: body.valid_from,
        valid_until: body.valid_until,
    })
}
