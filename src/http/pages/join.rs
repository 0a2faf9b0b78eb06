//! `/join/{secret}`: one partner's way into a video session. From 15 minutes before the
//! start until its end it asks once where they are right now (a telehealth session is
//! practised where the client is), keeps the answer, and sends them to the room. Outside
//! that window it says when the session is, and nothing of the room.

use crate::http::pages::PageResult;
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Form, Path},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{booking::see_other, page};
use crate::{
    AppState,
    audit::{Action, Actor, AuditContext, Event, Origin},
    http::problem::ApiError,
    scheduling::{availability, video},
    types::{Place, countries, regions_of},
    when,
};
use entity::{appointment::AppointmentStatus, join_link};

/// What the partner chose.
#[derive(Deserialize)]
pub struct PlaceForm {
    #[serde(default)]
    country: String,
    #[serde(default)]
    region: String,
}

/// `GET /join/{secret}`.
#[handler]
pub async fn open(Data(state): Data<&AppState>, Path(token): Path<String>) -> PageResult {
    let (link, a) = found(state, &token).await?;
    let now = state.clock.now();
    if !video::is_open(&a, now) {
        return closed(state, &a).await;
    }
    if link.located_at.is_some() {
        // Asked once: back again (a dropped call), straight to the room.
        return to_room(state, &a).await;
    }
    ask(state, &token, StatusCode::OK, None, None).await
}

/// `POST /join/{secret}`: where they are; then the room.
#[handler]
pub async fn join(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Path(token): Path<String>,
    Form(form): Form<PlaceForm>,
) -> PageResult {
    let (link, a) = found(state, &token).await?;
    let now = state.clock.now();
    if !video::is_open(&a, now) {
        return closed(state, &a).await;
    }
    let place = match Place::parse(&form.country, &form.region) {
        Ok(place) => place,
        Err((field, message)) => {
            let chosen = json!({ "country": form.country, "region": form.region });
            return ask(
                state,
                &token,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some((field, message)),
                Some(chosen),
            )
            .await;
        }
    };
    let audit = AuditContext::new(Actor::client_link(a.id), origin.clone(), now);
    let p = availability::practitioner(&state.db, a.practitioner_id).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    video::record_place(&txn, &link, &p, &place, now).await?;
    // Which partner joined from where is the record's; the audit line says only that one did.
    audit
        .record(
            &txn,
            Event::new(Action::VideoJoin)
                .entity("appointment", a.id)
                .details(json!({ "participant_id": link.participant_id })),
        )
        .await?;
    sea_orm::TransactionSession::commit(txn).await?;
    to_room(state, &a).await
}

async fn found(
    state: &AppState,
    token: &str,
) -> Result<(join_link::Model, entity::appointment::Model), ApiError> {
    video::by_token(&state.db, token)
        .await?
        .ok_or_else(|| ApiError::not_found("There is nothing at this address."))
}

async fn to_room(state: &AppState, a: &entity::appointment::Model) -> PageResult {
    let practice = crate::practice::settings(&state.db).await?;
    let p = availability::practitioner(&state.db, a.practitioner_id).await?;
    match video::room_url(&state.keys, a, &practice, &p) {
        Some(room) => Ok(see_other(&room)),
        None => {
            page(
                state,
                StatusCode::OK,
                "pages/join",
                "Your video session",
                json!({
                    "state": "no_room",
                    "contact": practice.contact_email,
                }),
            )
            .await
        }
    }
}

/// Before the window, after it, or cancelled: when, and nothing of the room.
async fn closed(state: &AppState, a: &entity::appointment::Model) -> PageResult {
    let tz = crate::practice::time_zone(&state.db).await?;
    let now = state.clock.now();
    let why = if a.status == AppointmentStatus::Cancelled {
        "cancelled"
    } else if now < a.starts_at - video::OPENS_BEFORE {
        "early"
    } else {
        "over"
    };
    page(
        state,
        StatusCode::OK,
        "pages/join",
        "Your video session",
        json!({
            "state": why,
            "when": when::with_zone(a.starts_at, tz),
            "opens": when::with_zone(a.starts_at - video::OPENS_BEFORE, tz),
        }),
    )
    .await
}

async fn ask(
    state: &AppState,
    token: &str,
    status: StatusCode,
    error: Option<(&str, &str)>,
    chosen: Option<Value>,
) -> PageResult {
    let chosen = chosen.unwrap_or_else(|| json!({}));
    let country = chosen["country"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_uppercase();
    let region = chosen["region"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_uppercase();
    let options = |list: &[(&str, &str)], selected: &str| -> Vec<Value> {
        list.iter()
            .map(
                |(code, name)| json!({ "code": code, "name": name, "selected": *code == selected }),
            )
            .collect()
    };
    let groups: Vec<Value> = [("United States", "US"), ("Canada", "CA")]
        .into_iter()
        .map(|(label, code)| {
            json!({
                "label": label,
                "options": options(regions_of(code).unwrap_or_default(), &region),
            })
        })
        .collect();
    page(
        state,
        status,
        "pages/join",
        "Where are you right now?",
        json!({
            "state": "ask",
            "action": format!("/join/{token}"),
            "countries": options(countries(), &country),
            "region_groups": groups,
            "error": error.map(|(field, message)| json!({ "field": field, "message": message })),
            "country_error": error.is_some_and(|(f, _)| f == "country"),
            "region_error": error.is_some_and(|(f, _)| f == "region"),
        }),
    )
    .await
}
