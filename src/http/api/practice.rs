//! `GET /api/v1/public/practice`.

use poem::web::Data;
use poem_openapi::{Object, OpenApi, payload::Json, types::MaybeUndefined};
use serde::Deserialize;
use uuid::Uuid;

use super::{ApiResult, ApiTag, JsonBody, PublicRead, StaffRead, StaffWrite, audit_context};
use crate::{
    AppState,
    audit::Origin,
    auth::{Permission, Staff},
    http::problem::ApiError,
    practice::{self, SettingsChanges},
    types::{EmailAddress, TimeZone},
    validation::FieldError,
};

/// The practice as a visitor sees it.
#[derive(Object)]
pub struct PublicPractice {
    /// The practice's name, as shown on its pages and emails.
    name: String,
    /// The practice's IANA time zone; times are shown in it unless a visitor picks another.
    time_zone: String,
    /// Practitioners who can be booked, by name.
    practitioners: Vec<PublicPractitioner>,
}

#[derive(Object)]
pub struct PublicPractitioner {
    id: Uuid,
    /// The name clients see.
    name: String,
}

/// The practice's settings, as staff see them.
#[derive(Object)]
pub struct PracticeSettings {
    name: String,
    /// IANA zone, e.g. `America/New_York`.
    time_zone: String,
    /// Where clients can write to the practice.
    contact_email: Option<String>,
    /// Where each video appointment's own room is: an `https` address with `{room}` in it,
    /// e.g. `https://meet.example.org/{room}` for a self-hosted Jitsi. A practitioner's fixed
    /// `video_link` takes its place for their appointments.
    video_room_template: Option<String>,
}

impl From<entity::practice::Model> for PracticeSettings {
    fn from(p: entity::practice::Model) -> Self {
        Self {
            name: p.name,
            time_zone: p.time_zone,
            contact_email: p.contact_email,
            video_room_template: p.video_room_template,
        }
    }
}

#[derive(Object, Deserialize)]
pub struct PracticePatch {
    name: Option<String>,
    time_zone: Option<String>,
    /// An address, or null to remove it.
    #[serde(default)]
    contact_email: MaybeUndefined<String>,
    /// A room template, or null to remove it.
    #[serde(default)]
    video_room_template: MaybeUndefined<String>,
}

pub struct PracticeApi;

#[OpenApi(tag = "ApiTag::Settings")]
impl PracticeApi {
    /// The practice's public profile
    ///
    /// Its name, time zone and the practitioners who can be booked: what a booking page
    /// shows first. No sign-in needed.
    #[oai(
        path = "/public/practice",
        method = "get",
        operation_id = "getPublicPractice",
        tag = "ApiTag::Public"
    )]
    async fn public_practice(
        &self,
        state: Data<&AppState>,
    ) -> ApiResult<Json<PublicPractice>, PublicRead> {
        let profile = practice::public_profile(&state.db).await?;
        Ok(Json(PublicPractice {
            name: profile.name,
            time_zone: profile.time_zone,
            practitioners: profile
                .practitioners
                .into_iter()
                .map(|p| PublicPractitioner {
                    id: p.id,
                    name: p.name,
                })
                .collect(),
        }))
    }

    /// The practice's settings
    #[oai(path = "/practice", method = "get", operation_id = "getPractice")]
    async fn settings(
        &self,
        state: Data<&AppState>,
        _staff: Staff,
    ) -> ApiResult<Json<PracticeSettings>, StaffRead> {
        Ok(Json(practice::settings(&state.db).await?.into()))
    }

    /// Change the practice's settings (owner)
    ///
    /// Name, time zone and contact email. Each change is recorded in the audit log.
    #[oai(path = "/practice", method = "patch", operation_id = "updatePractice")]
    async fn update_settings(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        body: JsonBody<PracticePatch>,
    ) -> ApiResult<Json<PracticeSettings>, StaffWrite> {
        staff.require(Permission::ManageSettings)?;
        let patch = body.0;
        let mut errors = Vec::new();
        let mut changes = SettingsChanges::default();
        if let Some(name) = patch.name {
            match crate::types::PersonName::full(&name).map(crate::types::PersonName::into_string) {
                Ok(name) => changes.name = Some(name),
                Err(m) => errors.push(FieldError::new("name", m)),
            }
        }
        if let Some(tz) = patch.time_zone {
            match TimeZone::parse(&tz) {
                Ok(tz) => changes.time_zone = Some(tz),
                Err(m) => errors.push(FieldError::new("time_zone", m)),
            }
        }
        match patch.contact_email {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => changes.contact_email = Some(None),
            MaybeUndefined::Value(email) => match EmailAddress::parse(&email) {
                Ok(email) => changes.contact_email = Some(Some(email)),
                Err(m) => errors.push(FieldError::new("contact_email", m)),
            },
        }
        match patch.video_room_template {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => changes.video_room_template = Some(None),
            MaybeUndefined::Value(t) => match crate::types::video_address::room_template(&t) {
                Ok(t) => changes.video_room_template = Some(Some(t)),
                Err(m) => errors.push(FieldError::new("video_room_template", m)),
            },
        }
        if !errors.is_empty() {
            return Err(ApiError::validation(errors).into());
        }
        let audit = audit_context(&state, &origin, staff.actor());
        Ok(Json(
            practice::update_settings(&state.db, changes, &audit)
                .await?
                .into(),
        ))
    }
}
