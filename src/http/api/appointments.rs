//! `/appointments`: the practice's calendar, as staff see and change it.

use chrono::{DateTime, Utc};
use entity::appointment::{self, AppointmentSource, AppointmentStatus};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    ApiResult, ApiTag, JsonBody, PageBody, StaffList, StaffReadOne, StaffWrite, audit_context,
};
use crate::scheduling::booking_input::SlotStart;
use crate::{
    AppState,
    audit::Origin,
    auth::{Permission, Staff},
    http::problem::ApiError,
    pagination::PageRequest,
    scheduling::{
        SchedulingError,
        appointments::{self, CancelReason, Filter, StaffBooking},
        booking::{self, BookingMessage},
        recurring::{self, Scope},
    },
    types::plausible_instant,
};

#[derive(Enum, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum StatusName {
    Confirmed,
    Cancelled,
    Completed,
    NoShow,
}

impl From<AppointmentStatus> for StatusName {
    fn from(s: AppointmentStatus) -> Self {
        match s {
            AppointmentStatus::Confirmed => StatusName::Confirmed,
            AppointmentStatus::Cancelled => StatusName::Cancelled,
            AppointmentStatus::Completed => StatusName::Completed,
            AppointmentStatus::NoShow => StatusName::NoShow,
        }
    }
}

impl From<StatusName> for AppointmentStatus {
    fn from(s: StatusName) -> Self {
        match s {
            StatusName::Confirmed => AppointmentStatus::Confirmed,
            StatusName::Cancelled => AppointmentStatus::Cancelled,
            StatusName::Completed => AppointmentStatus::Completed,
            StatusName::NoShow => AppointmentStatus::NoShow,
        }
    }
}

#[derive(Enum, Clone, Copy)]
#[oai(rename_all = "snake_case")]
pub enum SourceName {
    Online,
    Staff,
}

#[derive(Object)]
pub struct AppointmentView {
    id: Uuid,
    practitioner_id: Uuid,
    appointment_type_id: Uuid,
    client_id: Uuid,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    status: StatusName,
    source: SourceName,
    /// Raised on every change (calendar apps compare it).
    sequence: i32,
    /// Booked outside the practitioner's hours by staff.
    outside_hours: bool,
    /// The series it belongs to, if any (`GET /appointments/series/{id}`).
    series_id: Option<Uuid>,
    cancelled_at: Option<DateTime<Utc>>,
    /// `client` or `staff`.
    cancelled_by: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// What the client wrote when booking; only for owners and clinicians, and every read is
    /// in the audit log. Absent in lists.
    message: Option<String>,
    /// A message exists but cannot be decrypted with the current data keys (a key was
    /// lost or not carried over): the rest of the appointment is still shown.
    message_unreadable: bool,
    /// A video appointment's own room, for owners and the client's own clinician (each read
    /// is audited). Absent in lists, and where no room address is set up.
    video_room_url: Option<String>,
    /// For a video appointment, where each partner said they were when they joined.
    /// Absent in lists.
    joined: Option<Vec<JoinedView>>,
}

/// Where one partner joined a video session from.
#[derive(Object)]
pub struct JoinedView {
    participant_id: Uuid,
    /// ISO 3166-1 alpha-2.
    country: String,
    /// ISO 3166-2 state or province, for the US and Canada.
    region: Option<String>,
    /// "New York, United States".
    place: String,
    joined_at: DateTime<Utc>,
    /// Outside every jurisdiction the practitioner was licensed in when they joined.
    outside_licence: bool,
}

pub(super) fn view(a: appointment::Model, message: Option<String>) -> AppointmentView {
    AppointmentView {
        id: a.id,
        practitioner_id: a.practitioner_id,
        appointment_type_id: a.appointment_type_id,
        client_id: a.client_id,
        start: a.starts_at,
        end: a.ends_at,
        status: a.status.into(),
        source: match a.source {
            AppointmentSource::Online => SourceName::Online,
            AppointmentSource::Staff => SourceName::Staff,
        },
        sequence: a.sequence,
        outside_hours: a.outside_hours,
        series_id: a.series_id,
        cancelled_at: a.cancelled_at,
        cancelled_by: a.cancelled_by,
        created_at: a.created_at,
        updated_at: a.updated_at,
        message,
        message_unreadable: false,
        video_room_url: None,
        joined: None,
    }
}

#[derive(Object, Deserialize)]
pub struct NewAppointmentBody {
    client_id: Uuid,
    appointment_type_id: Uuid,
    practitioner_id: Uuid,
    /// RFC 3339 with its offset.
    start: String,
    /// Allow a time outside the practitioner's hours (never over another appointment).
    #[serde(default)]
    outside_hours: bool,
}

/// Which sessions of a series a change applies to.
#[derive(Enum, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ScopeName {
    /// This appointment alone (the default, and the only choice outside a series).
    #[default]
    This,
    /// This session of its series and every later one.
    Following,
    /// Every session of its series still to come.
    All,
}

impl From<ScopeName> for Scope {
    fn from(s: ScopeName) -> Self {
        match s {
            ScopeName::This => Scope::This,
            ScopeName::Following => Scope::Following,
            ScopeName::All => Scope::All,
        }
    }
}

#[derive(Object, Deserialize)]
pub struct MoveBody {
    /// RFC 3339 with its offset. With a scope, the other sessions move by the same
    /// wall-clock shift in the series' zone, each checked again.
    start: String,
    #[serde(default)]
    outside_hours: bool,
    #[serde(default)]
    scope: Option<ScopeName>,
}

#[derive(Object, Deserialize)]
pub struct StaffCancelBody {
    /// Kept encrypted.
    reason: Option<String>,
    /// `all` cancels the sessions still to come, never past ones.
    #[serde(default)]
    scope: Option<ScopeName>,
}

#[derive(ApiResponse)]
pub enum CreatedAppointment {
    /// Booked.
    #[oai(status = 201)]
    Created(Json<AppointmentView>),
}

pub struct AppointmentsApi;

#[OpenApi(prefix_path = "/appointments", tag = "ApiTag::Scheduling")]
impl AppointmentsApi {
    /// Appointments
    ///
    /// Earliest first. Narrow by time (`from` inclusive, `to` exclusive, on the start),
    /// practitioner, client and status.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/", method = "get", operation_id = "listAppointments")]
    async fn list(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        from: Query<Option<DateTime<Utc>>>,
        to: Query<Option<DateTime<Utc>>>,
        practitioner_id: Query<Option<Uuid>>,
        client_id: Query<Option<Uuid>>,
        status: Query<Option<StatusName>>,
        limit: Query<Option<u64>>,
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<PageBody<AppointmentView>>, StaffList> {
        staff.require(Permission::Schedule)?;
        for (field, at) in [("from", &from.0), ("to", &to.0)] {
            if at.as_ref().is_some_and(|at| !plausible_instant(at)) {
                return Err(
                    ApiError::invalid(field, "must be between the years 1900 and 9999").into(),
                );
            }
        }
        let page: PageRequest<appointments::Cursor> =
            PageRequest::parse(limit.0, cursor.0.as_deref())?;
        if page.after.is_some_and(|(at, _)| !plausible_instant(&at)) {
            return Err(ApiError::invalid("cursor", "is not a cursor from this list").into());
        }
        let filter = Filter {
            from: from.0,
            to: to.0,
            practitioner_id: practitioner_id.0,
            client_id: client_id.0,
            status: status.0.map(Into::into),
        };
        let found = appointments::list(&state.db, &filter, &page).await?;
        Ok(Json(PageBody::from_page(found, |a| view(a, None))))
    }

    /// Book an appointment for a client
    ///
    /// Inside the practitioner's hours, or anywhere with `outside_hours`; never over another
    /// live appointment of theirs (409).
    #[oai(path = "/", method = "post", operation_id = "createAppointment")]
    async fn create(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        body: JsonBody<NewAppointmentBody>,
    ) -> ApiResult<CreatedAppointment, StaffWrite> {
        staff.require(Permission::Schedule)?;
        let body = body.0;
        let start = SlotStart::parse(&body.start)?.instant();
        let audit = audit_context(&state, &origin, staff.actor());
        let booking = StaffBooking {
            client_id: body.client_id,
            appointment_type_id: body.appointment_type_id,
            practitioner_id: body.practitioner_id,
            start,
            outside_hours: body.outside_hours,
        };
        let created = appointments::create_by_staff(
            &state.db,
            &state.schedule,
            state.notifier(),
            &state.followups(),
            booking,
            &audit,
        )
        .await
        .map_err(body_ids)?;
        Ok(CreatedAppointment::Created(Json(view(created, None))))
    }

    /// One appointment
    ///
    /// For owners and the client's own clinician this includes the client's booking message,
    /// and the read is recorded in the audit log; everyone else gets `message: null`.
    #[oai(path = "/:id", method = "get", operation_id = "getAppointment")]
    async fn get(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<AppointmentView>, StaffReadOne> {
        staff.require(Permission::Schedule)?;
        let a = appointments::find(&state.db, id.0).await?;
        let audit = audit_context(&state, &origin, staff.actor());
        let read = booking::read_message(&state.db, &state.keys, &staff, &a, &audit).await?;
        let unreadable = read == BookingMessage::Unreadable;
        let message = match read {
            BookingMessage::Text(text) => Some(text),
            _ => None,
        };
        let extra = video_details(&state, &staff, &a, &audit).await?;
        let mut body = view(a, message);
        body.message_unreadable = unreadable;
        (body.video_room_url, body.joined) = extra;
        Ok(Json(body))
    }

    /// Move an appointment
    ///
    /// With `scope` (`following`, `all`) the later or all future sessions of its series move
    /// by the same wall-clock shift; one that cannot is a 409 `series_conflict` listing each,
    /// and nothing moves. The answer is the appointment named.
    #[oai(
        path = "/:id/reschedule",
        method = "post",
        operation_id = "rescheduleAppointment"
    )]
    async fn reschedule(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<MoveBody>,
    ) -> ApiResult<Json<AppointmentView>, StaffWrite> {
        staff.require(Permission::Schedule)?;
        let start = SlotStart::parse(&body.0.start)?.instant();
        let audit = audit_context(&state, &origin, staff.actor());
        let moved = recurring::reschedule(
            &state.db,
            &state.schedule,
            state.notifier(),
            id.0,
            start,
            body.0.outside_hours,
            body.0.scope.unwrap_or_default().into(),
            &audit,
        )
        .await?;
        Ok(Json(view(moved, None)))
    }

    /// Cancel an appointment
    ///
    /// With `scope` (`following`, `all`) the later or all future sessions of its series are
    /// cancelled too (past ones never). The answer is the appointment named.
    #[oai(
        path = "/:id/cancel",
        method = "post",
        operation_id = "cancelAppointment"
    )]
    async fn cancel(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<StaffCancelBody>,
    ) -> ApiResult<Json<AppointmentView>, StaffWrite> {
        staff.require(Permission::Schedule)?;
        let reason = CancelReason::parse(body.0.reason.as_deref()).map_err(ApiError::from)?;
        let audit = audit_context(&state, &origin, staff.actor());
        let cancelled = recurring::cancel(
            &state.db,
            &state.schedule,
            state.notifier(),
            id.0,
            reason,
            body.0.scope.unwrap_or_default().into(),
            &audit,
        )
        .await?;
        Ok(Json(view(cancelled, None)))
    }

    /// Mark an appointment as completed
    #[oai(
        path = "/:id/complete",
        method = "post",
        operation_id = "completeAppointment"
    )]
    async fn complete(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<AppointmentView>, super::StaffAction> {
        staff.require(Permission::Schedule)?;
        let audit = audit_context(&state, &origin, staff.actor());
        let closed = appointments::close(
            &state.db,
            state.notifier(),
            id.0,
            AppointmentStatus::Completed,
            &audit,
        )
        .await?;
        Ok(Json(view(closed, None)))
    }

    /// Mark an appointment as a no-show
    #[oai(path = "/:id/no-show", method = "post", operation_id = "markNoShow")]
    async fn no_show(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<AppointmentView>, super::StaffAction> {
        staff.require(Permission::Schedule)?;
        let audit = audit_context(&state, &origin, staff.actor());
        let closed = appointments::close(
            &state.db,
            state.notifier(),
            id.0,
            AppointmentStatus::NoShow,
            &audit,
        )
        .await?;
        Ok(Json(view(closed, None)))
    }
}

/// A booking's errors, the ids in its body named as fields of the request, not the address.
pub(super) fn body_ids(e: SchedulingError) -> ApiError {
    match e {
        SchedulingError::UnknownType => {
            ApiError::invalid("appointment_type_id", "is not an appointment type")
        }
        SchedulingError::UnknownPractitioner => {
            ApiError::invalid("practitioner_id", "is not a practitioner")
        }
        SchedulingError::UnknownClient => ApiError::invalid("client_id", "is not a client"),
        other => other.into(),
    }
}

/// The room (for those who treat the couple, the read recorded) and where each partner
/// joined from, for a video appointment.
async fn video_details(
    state: &AppState,
    staff: &Staff,
    a: &appointment::Model,
    audit: &crate::audit::AuditContext,
) -> Result<(Option<String>, Option<Vec<JoinedView>>), ApiError> {
    if a.video_room_sealed.is_none() {
        return Ok((None, None));
    }
    let joined = crate::scheduling::video::joined(&state.db, a.id)
        .await?
        .into_iter()
        .map(|j| JoinedView {
            participant_id: j.participant_id,
            country: j.place.country.clone(),
            region: j.place.region.clone(),
            place: j.place.label(),
            joined_at: j.at,
            outside_licence: j.outside_licence,
        })
        .collect();
    let room =
        crate::scheduling::video::room_shown(&state.db, &state.keys, staff, a, audit).await?;
    Ok((room, Some(joined)))
}
