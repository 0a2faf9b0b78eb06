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
    http::problem::ApiError,
    scheduling::types::{self, TypeFields},
    types::single_line,
    validation::FieldErrors,
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
        let fields = check(body.0, None)?;
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
        let ids = offered_ids(&state, t.id).await?;
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
        let current_ids = offered_ids(&state, current.id).await?;
        let fields = check(body.0, Some((current, current_ids)))?;
        let audit = audit_context(&state, &origin, staff.actor());
        let ids = fields.practitioner_ids.clone();
        let saved = types::save(&state.db, Some(id.0), fields, &audit).await?;
        Ok(Json(view(saved, ids)))
    }
}

pub(crate) async fn offered_ids(
    state: &AppState,
    type_id: Uuid,
) -> Result<Vec<Uuid>, sea_orm::DbErr> {
    Ok(types::offered_by(&state.db)
        .await?
        .into_iter()
        .filter(|o| o.appointment_type_id == type_id)
        .map(|o| o.practitioner_id)
        .collect())
}

/// Checks a type's fields, falling back to `current` (a change) or the defaults (a new one).
pub(crate) fn check(
    body: TypeBody,
    current: Option<(appointment_type::Model, Vec<Uuid>)>,
) -> Result<TypeFields, ApiError> {
    let mut errors = FieldErrors::default();
    let (base, base_ids) = match current {
        Some((t, ids)) => (Some(t), ids),
        None => (None, Vec::new()),
    };
    let mut number = |field: &str,
                      value: Option<i32>,
                      current: Option<i32>,
                      default: Option<i32>,
                      range: std::ops::RangeInclusive<i32>| {
        match value.or(current).or(default) {
            Some(v) if range.contains(&v) => Some(v),
            Some(_) => {
                errors.add(
                    field,
                    format!("must be from {} to {}", range.start(), range.end()),
                );
                None
            }
            None => {
                errors.add(field, "is required");
                None
            }
        }
    };
    let b = base.as_ref();
    let duration = number(
        "duration_minutes",
        body.duration_minutes,
        b.map(|t| t.duration_minutes),
        None,
        5..=480,
    );
    let before = number(
        "buffer_before_minutes",
        body.buffer_before_minutes,
        b.map(|t| t.buffer_before_minutes),
        Some(0),
        0..=120,
    );
    let after = number(
        "buffer_after_minutes",
        body.buffer_after_minutes,
        b.map(|t| t.buffer_after_minutes),
        Some(0),
        0..=120,
    );
    let step = number(
        "slot_step_minutes",
        body.slot_step_minutes,
        b.map(|t| t.slot_step_minutes),
        Some(15),
        5..=240,
    );
    let notice = number(
        "min_notice_minutes",
        body.min_notice_minutes,
        b.map(|t| t.min_notice_minutes),
        Some(720),
        0..=43_200,
    );
    let horizon = number(
        "horizon_days",
        body.horizon_days,
        b.map(|t| t.horizon_days),
        Some(60),
        1..=730,
    );
    let cutoff = number(
        "cancellation_cutoff_minutes",
        body.cancellation_cutoff_minutes,
        b.map(|t| t.cancellation_cutoff_minutes),
        Some(1440),
        0..=43_200,
    );
    let slug = match body.slug.or_else(|| b.map(|t| t.slug.clone())) {
        Some(s) if is_slug(&s) => Some(s),
        Some(_) => {
            errors.add(
                "slug",
                "must be 1 to 60 lower-case letters, digits and single dashes",
            );
            None
        }
        None => {
            errors.add("slug", "is required");
            None
        }
    };
    let name = match body.name.or_else(|| b.map(|t| t.name.clone())) {
        Some(n) => errors.check("name", single_line(&n, 200)),
        None => {
            errors.add("name", "is required");
            None
        }
    };
    let description = body
        .description
        .or_else(|| b.map(|t| t.description.clone()))
        .unwrap_or_default();
    if description.chars().count() > 2000 {
        errors.add("description", "must be at most 2,000 characters");
    }
    let location_kind = body
        .location_kind
        .map(Into::into)
        .or_else(|| b.map(|t| t.location_kind));
    if location_kind.is_none() {
        errors.add("location_kind", "is required");
    }
    let location_details = match body.location_details {
        Some(d) if d.trim().is_empty() => None,
        Some(d) => errors.check("location_details", single_line(&d, 500)),
        None => b.and_then(|t| t.location_details.clone()),
    };
    let client_title = match body.client_title {
        Some(t) if t.trim().is_empty() => None,
        Some(t) => errors.check("client_title", single_line(&t, 100)),
        None => b.and_then(|t| t.client_title.clone()),
    };
    let reminder_minutes = match body.reminder_minutes {
        Some(list) => {
            let mut list = list;
            list.sort_unstable_by(|a, b| b.cmp(a));
            list.dedup();
            if list.len() > 5 || list.iter().any(|m| !(5..=20_160).contains(m)) {
                errors.add(
                    "reminder_minutes",
                    "must be at most 5 numbers of minutes, each from 5 to 20,160 (14 days)",
                );
            }
            list
        }
        None => b
            .map(types::reminder_minutes)
            .unwrap_or_else(|| types::DEFAULT_REMINDERS.to_vec()),
    };
    errors.into_result()?;
    let (
        Some(duration),
        Some(before),
        Some(after),
        Some(step),
        Some(notice),
        Some(horizon),
        Some(cutoff),
        Some(slug),
        Some(name),
        Some(location_kind),
    ) = (
        duration,
        before,
        after,
        step,
        notice,
        horizon,
        cutoff,
        slug,
        name,
        location_kind,
    )
    else {
        return Err(ApiError::internal(anyhow::anyhow!(
            "checked fields missing"
        )));
    };
    Ok(TypeFields {
        slug,
        name,
        description,
        duration_minutes: duration,
        buffer_before_minutes: before,
        buffer_after_minutes: after,
        slot_step_minutes: step,
        min_notice_minutes: notice,
        horizon_days: horizon,
        cancellation_cutoff_minutes: cutoff,
        public: body.public.or(b.map(|t| t.public)).unwrap_or(false),
        location_kind,
        location_details,
        active: body.active.or(b.map(|t| t.active)).unwrap_or(true),
        practitioner_ids: body.practitioner_ids.unwrap_or(base_ids),
        reminder_minutes,
        intake_questionnaire_id: match body.intake_questionnaire_id {
            MaybeUndefined::Value(id) => Some(id),
            MaybeUndefined::Null => None,
            MaybeUndefined::Undefined => b.and_then(|t| t.intake_questionnaire_id),
        },
        client_title,
    })
}

fn is_slug(s: &str) -> bool {
    (1..=60).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}
