//! `/appointment-types`: what can be booked and how.

use chrono::{DateTime, Utc};
use entity::appointment_type;
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi, param::Path, payload::Json, types::MaybeUndefined,
};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

use super::{
    ApiResult, ApiTag, JsonBody, PageBody, StaffRead, StaffReadOne, StaffWrite, audit_context,
    booking::Location,
};
use crate::{
    AppState,
    audit::Origin,
    auth::{Permission, Staff},
    scheduling::{type_input::TypeInput, types},
    validation::Patch,
};

#[derive(Object)]
pub struct TypeView {
    id: Uuid,
    slug: String,
    name: String,
    description: String,
    duration_minutes: i32,
    buffer_before_minutes: i32,
    buffer_after_minutes: i32,
    slot_step_minutes: i32,
    min_notice_minutes: i32,
    horizon_days: i32,
    cancellation_cutoff_minutes: i32,
    /// Bookable online by anyone.
    public: bool,
    location_kind: Location,
    location_details: Option<String>,
    active: bool,
    /// Who offers it.
    practitioner_ids: Vec<Uuid>,
    /// Minutes before the start that the client is reminded by email.
    reminder_minutes: Vec<i32>,
    /// The questionnaire sent to each partner with an email when this type is booked.
    intake_questionnaire_id: Option<Uuid>,
    /// What clients' calendar files call it; null for "Appointment with {practitioner}".
    client_title: Option<String>,
    updated_at: DateTime<Utc>,
}

fn view(t: appointment_type::Model, practitioner_ids: Vec<Uuid>) -> TypeView {
    let reminder_minutes = types::reminder_minutes(&t);
    TypeView {
        id: t.id,
        slug: t.slug,
        name: t.name,
        description: t.description,
        duration_minutes: t.duration_minutes,
        buffer_before_minutes: t.buffer_before_minutes,
        buffer_after_minutes: t.buffer_after_minutes,
        slot_step_minutes: t.slot_step_minutes,
        min_notice_minutes: t.min_notice_minutes,
        horizon_days: t.horizon_days,
        cancellation_cutoff_minutes: t.cancellation_cutoff_minutes,
        public: t.public,
        location_kind: t.location_kind.into(),
        location_details: t.location_details,
        active: t.active,
        practitioner_ids,
        reminder_minutes,
        intake_questionnaire_id: t.intake_questionnaire_id,
        client_title: t.client_title,
        updated_at: t.updated_at,
    }
}

/// A type's fields. On create, everything but `slug`, `name`, `duration_minutes` and
/// `location_kind` has a default; on change, absent fields keep their value.
#[derive(Object, Deserialize, Default)]
pub struct TypeBody {
    /// Lower-case letters, digits and dashes; used in booking links.
    pub(crate) slug: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) description: Option<String>,
    /// 5 to 480.
    pub(crate) duration_minutes: Option<i32>,
    /// 0 to 120.
    pub(crate) buffer_before_minutes: Option<i32>,
    /// 0 to 120.
    pub(crate) buffer_after_minutes: Option<i32>,
    /// 5 to 240; default 15.
    pub(crate) slot_step_minutes: Option<i32>,
    /// 0 to 43,200 (30 days); default 720 (12 hours).
    pub(crate) min_notice_minutes: Option<i32>,
    /// 1 to 730; default 60.
    pub(crate) horizon_days: Option<i32>,
    /// 0 to 43,200; default 1,440 (24 hours).
    pub(crate) cancellation_cutoff_minutes: Option<i32>,
    pub(crate) public: Option<bool>,
    pub(crate) location_kind: Option<Location>,
    pub(crate) location_details: Option<String>,
    pub(crate) active: Option<bool>,
    pub(crate) practitioner_ids: Option<Vec<Uuid>>,
    /// Minutes before the start that reminders go out, up to 5 of them, each from 5 minutes
    /// to 14 days; default `[1440, 120]`; `[]` for none.
    pub(crate) reminder_minutes: Option<Vec<i32>>,
    /// A questionnaire to send each partner with an email when this type is booked (e.g. the
    /// couples intake); `null` for none.
    #[serde(default)]
    pub(crate) intake_questionnaire_id: MaybeUndefined<Uuid>,
    /// What clients' calendar files call it, up to 100 characters, `{practitioner}` replaced
    /// by the practitioner's name; `""` for the neutral default, "Appointment with
    /// {practitioner}". The type's own name may say more than a client wants a shared
    /// calendar to show.
    pub(crate) client_title: Option<String>,
}

#[derive(ApiResponse)]
pub enum CreatedType {
    /// Created.
    #[oai(status = 201)]
    Created(Json<TypeView>),
}

pub struct AppointmentTypesApi;

#[OpenApi(prefix_path = "/appointment-types", tag = "ApiTag::Scheduling")]
impl AppointmentTypesApi {
    /// Appointment types
    ///
    /// Every type, active or not, by name.
    #[oai(path = "/", method = "get", operation_id = "listAppointmentTypes")]
    async fn list(
        &self,
        state: Data<&AppState>,
        staff: Staff,
    ) -> ApiResult<Json<PageBody<TypeView>>, StaffRead> {
        staff.require(Permission::Schedule)?;
        let mut offered: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for o in types::offered_by(&state.db).await? {
            offered
                .entry(o.appointment_type_id)
                .or_default()
                .push(o.practitioner_id);
        }
        let all = types::list_all(&state.db).await?;
        Ok(Json(PageBody {
            items: all
                .into_iter()
                .map(|t| {
                    let ids = offered.remove(&t.id).unwrap_or_default();
                    view(t, ids)
                })
                .collect(),
            next_cursor: None,
        }))
    }

    /// Create an appointment type
    #[oai(path = "/", method = "post", operation_id = "createAppointmentType")]
    async fn create(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        body: JsonBody<TypeBody>,
    ) -> ApiResult<CreatedType, StaffWrite> {
        staff.require(Permission::Schedule)?;
        let fields = TypeInput::from(body.0).check(None)?;
        let audit = audit_context(&state, &origin, staff.actor());
        let ids = fields.practitioner_ids.clone();
        let saved = types::save(&state.db, None, fields, &audit).await?;
        Ok(CreatedType::Created(Json(view(saved, ids))))
    }

    /// One appointment type
    #[oai(path = "/:id", method = "get", operation_id = "getAppointmentType")]
    async fn get(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<TypeView>, StaffReadOne> {
        staff.require(Permission::Schedule)?;
        let t = types::find(&state.db, id.0).await?;
        let ids = types::offered_ids(&state.db, t.id).await?;
        Ok(Json(view(t, ids)))
    }

    /// Change an appointment type
    ///
    /// Existing appointments keep the times and buffers they were booked with.
    #[oai(
        path = "/:id",
        method = "patch",
        operation_id = "updateAppointmentType"
    )]
    async fn update(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<TypeBody>,
    ) -> ApiResult<Json<TypeView>, StaffWrite> {
        staff.require(Permission::Schedule)?;
        let current = types::find(&state.db, id.0).await?;
        let current_ids = types::offered_ids(&state.db, current.id).await?;
        let fields = TypeInput::from(body.0).check(Some((current, current_ids)))?;
        let audit = audit_context(&state, &origin, staff.actor());
        let ids = fields.practitioner_ids.clone();
        let saved = types::save(&state.db, Some(id.0), fields, &audit).await?;
        Ok(Json(view(saved, ids)))
    }
}

impl From<TypeBody> for TypeInput {
    fn from(b: TypeBody) -> Self {
        Self {
            slug: b.slug,
            name: b.name,
            description: b.description,
            duration_minutes: b.duration_minutes,
            buffer_before_minutes: b.buffer_before_minutes,
            buffer_after_minutes: b.buffer_after_minutes,
            slot_step_minutes: b.slot_step_minutes,
            min_notice_minutes: b.min_notice_minutes,
            horizon_days: b.horizon_days,
            cancellation_cutoff_minutes: b.cancellation_cutoff_minutes,
            public: b.public,
            location_kind: b.location_kind.map(Into::into),
            location_details: b.location_details,
            active: b.active,
            practitioner_ids: b.practitioner_ids,
            reminder_minutes: b.reminder_minutes,
            intake_questionnaire_id: match b.intake_questionnaire_id {
                MaybeUndefined::Value(id) => Patch::Set(id),
                MaybeUndefined::Null => Patch::Clear,
                MaybeUndefined::Undefined => Patch::Keep,
            },
            client_title: b.client_title,
        }
    }
}
