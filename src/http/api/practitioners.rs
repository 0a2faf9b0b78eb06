//! `/practitioners`: who works at the practice, their email and zone, and whether they
//! take bookings. Their hours are `availability.rs`.

use chrono::{DateTime, Utc};
use entity::practitioner;
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    ApiResult, ApiTag, JsonBody, PageBody, StaffRead, StaffReadOne, StaffWrite, audit_context,
};
use crate::{
    AppState,
    audit::Origin,
    auth::{Permission, Staff},
    http::problem::ApiError,
    scheduling::{
        availability::{self},
        practitioners::{self, PractitionerChanges},
    },
    types::{EmailAddress, TimeZone},
    validation::FieldErrors,
};

#[derive(Object)]
pub struct PractitionerView {
    id: Uuid,
    name: String,
    email: String,
    time_zone: String,
    active: bool,
    /// A fixed video link used for all their video appointments, in place of the practice's
    /// room template (for providers that give each practitioner one room).
    video_link: Option<String>,
    /// Where they are licensed: countries (`GB`) or US states and Canadian provinces
    /// (`US-NY`, `CA-ON`). A partner joining a video session from elsewhere is flagged.
    licensed_in: Vec<String>,
    created_at: DateTime<Utc>,
}

impl From<practitioner::Model> for PractitionerView {
    fn from(p: practitioner::Model) -> Self {
        Self {
            id: p.id,
            name: p.name,
            email: p.email,
            time_zone: p.time_zone,
            active: p.active,
            video_link: p.video_link,
            licensed_in: serde_json::from_value(p.licensed_in).unwrap_or_default(),
            created_at: p.created_at,
        }
    }
}

#[derive(Object, Deserialize)]
pub struct NewPractitioner {
    /// The name clients see.
    name: String,
    email: String,
    /// IANA zone their hours are written in; by default the practice's.
    time_zone: Option<String>,
}

#[derive(Object, Deserialize)]
pub struct PractitionerPatch {
    name: Option<String>,
    email: Option<String>,
    time_zone: Option<String>,
    /// An inactive practitioner is not offered for booking.
    active: Option<bool>,
    /// An `https` address, or null to remove it.
    #[serde(default)]
    video_link: poem_openapi::types::MaybeUndefined<String>,
    /// The whole list, replacing the one kept.
    licensed_in: Option<Vec<String>>,
}

#[derive(ApiResponse)]
pub enum CreatedPractitioner {
    /// Created.
    #[oai(status = 201)]
    Created(Json<PractitionerView>),
}

pub struct PractitionersApi;

#[OpenApi(prefix_path = "/practitioners", tag = "ApiTag::Scheduling")]
impl PractitionersApi {
    /// Practitioners
    #[oai(path = "/", method = "get", operation_id = "listPractitioners")]
    async fn list(
        &self,
        state: Data<&AppState>,
        staff: Staff,
    ) -> ApiResult<Json<PageBody<PractitionerView>>, StaffRead> {
        staff.require(Permission::Schedule)?;
        let all = availability::all_practitioners(&state.db).await?;
        Ok(Json(PageBody {
            items: all.into_iter().map(Into::into).collect(),
            next_cursor: None,
        }))
    }

    /// Add a practitioner (owner)
    #[oai(path = "/", method = "post", operation_id = "createPractitioner")]
    async fn create(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        body: JsonBody<NewPractitioner>,
    ) -> ApiResult<CreatedPractitioner, StaffWrite> {
        staff.require(Permission::ManageSettings)?;
        let body = body.0;
        let mut errors = FieldErrors::default();
        let name = errors.check(
            "name",
            crate::types::PersonName::full(&body.name).map(crate::types::PersonName::into_string),
        );
        let email = errors.check("email", EmailAddress::parse(&body.email));
        let tz = match body.time_zone.as_deref() {
            Some(tz) => errors.check("time_zone", TimeZone::parse(tz)),
            None => Some(crate::practice::time_zone(&state.db).await?),
        };
        errors.into_result()?;
        let (Some(name), Some(email), Some(tz)) = (name, email, tz) else {
            return Err(ApiError::internal(anyhow::anyhow!("checked fields missing")).into());
        };
        let audit = audit_context(&state, &origin, staff.actor());
        let created = practitioners::create(
            &state.db,
            practitioners::NewPractitioner {
                name,
                email,
                time_zone: tz,
            },
            &audit,
        )
        .await?;
        Ok(CreatedPractitioner::Created(Json(created.into())))
    }

    /// One practitioner
    #[oai(path = "/:id", method = "get", operation_id = "getPractitioner")]
    async fn get(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<PractitionerView>, StaffReadOne> {
        staff.require(Permission::Schedule)?;
        Ok(Json(
            availability::practitioner(&state.db, id.0).await?.into(),
        ))
    }

    /// Change a practitioner (owner)
    #[oai(path = "/:id", method = "patch", operation_id = "updatePractitioner")]
    async fn update(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<PractitionerPatch>,
    ) -> ApiResult<Json<PractitionerView>, StaffWrite> {
        staff.require(Permission::ManageSettings)?;
        let body = body.0;
        let mut errors = FieldErrors::default();
        let name = body.name.as_deref().and_then(|n| {
            errors.check(
                "name",
                crate::types::PersonName::full(n).map(crate::types::PersonName::into_string),
            )
        });
        let email = body
            .email
            .as_deref()
            .and_then(|e| errors.check("email", EmailAddress::parse(e)));
        let tz = body
            .time_zone
            .as_deref()
            .and_then(|t| errors.check("time_zone", TimeZone::parse(t)));
        let video_link = match body.video_link {
            poem_openapi::types::MaybeUndefined::Undefined => None,
            poem_openapi::types::MaybeUndefined::Null => Some(None),
            poem_openapi::types::MaybeUndefined::Value(link) => errors
                .check("video_link", crate::types::video_address::video_link(&link))
                .map(Some),
        };
        let licensed_in = body.licensed_in.as_ref().and_then(|codes| {
            let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
            errors.check("licensed_in", practitioners::parse_jurisdictions(&codes))
        });
        errors.into_result()?;
        let audit = audit_context(&state, &origin, staff.actor());
        let changes = PractitionerChanges {
            name,
            email,
            time_zone: tz,
            active: body.active,
            video_link,
            licensed_in,
        };
        let saved = practitioners::update(&state.db, id.0, changes, &audit).await?;
        Ok(Json(saved.into()))
    }
}
