//! `GET /api/v1/public/practice`.

use poem_openapi::{Object, OpenApi, payload::Json};
use uuid::Uuid;

use super::{ApiResult, ApiTag, errors_set};
use crate::{AppState, practice};

errors_set!(
    /// A read that takes no input: only the server or its database can fail.
    pub ReadOnly = [Internal, Unavailable]
);

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

pub struct PracticeApi;

#[OpenApi(prefix_path = "/public", tag = "ApiTag::Public")]
impl PracticeApi {
    /// The practice's public profile
    ///
    /// Its name, time zone and the practitioners who can be booked: what a booking page
    /// shows first. No sign-in needed.
    #[oai(path = "/practice", method = "get", operation_id = "getPublicPractice")]
    async fn practice(
        &self,
        state: poem::web::Data<&AppState>,
    ) -> ApiResult<Json<PublicPractice>, ReadOnly> {
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
}
