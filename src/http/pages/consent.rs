//! `/consent/{secret}`: one partner reads the exact version given to them, types their full
//! name, ticks "I agree" and signs; afterwards the same address is their signed copy, for
//! print. Staff see the same copy from the client's record.

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
    audit::{Actor, AuditContext, Origin},
    consent::{
        ConsentError,
        requests::{self, Opened, Signing},
    },
    http::problem::ApiError,
    when,
};

#[derive(Deserialize)]
pub struct SignForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    agree: Option<String>,
}

/// `GET /consent/{secret}`.
#[handler]
pub async fn show(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Path(token): Path<String>,
) -> PageResult {
    let audit = AuditContext::new(Actor::SYSTEM, origin.clone(), state.clock.now());
    let opened = requests::open(&state.db, &state.keys, &token, &audit)
        .await?
        .ok_or_else(|| ApiError::not_found("There is nothing at this address."))?;
    render(state, &token, &opened, StatusCode::OK, json!({})).await
}

/// `GET /consent/{secret}/copy.pdf`: the signed copy as a PDF, once signed.
#[handler]
pub async fn copy_pdf(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Path(token): Path<String>,
) -> PageResult {
    let audit = AuditContext::new(Actor::SYSTEM, origin.clone(), state.clock.now());
    let opened = requests::open(&state.db, &state.keys, &token, &audit)
        .await?
        .filter(|o| o.request.signed_at.is_some())
        .ok_or_else(|| ApiError::not_found("There is no signed copy at this address."))?;
    let practice = crate::practice::settings(&state.db).await?;
    let pdf =
        crate::consent::copy::pdf(&opened, &practice.name, crate::practice::zone_of(&practice));
    Ok(super::pdf_attachment(pdf, "signed-copy.pdf"))
}

/// `POST /consent/{secret}`: signs, then shows the signed copy.
#[handler]
pub async fn sign(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Path(token): Path<String>,
    Form(form): Form<SignForm>,
) -> PageResult {
    let audit = AuditContext::new(Actor::SYSTEM, origin.clone(), state.clock.now());
    let signing = Signing {
        name: &form.name,
        agreed: form.agree.is_some(),
        ip: origin.ip.clone(),
        user_agent: origin.user_agent.clone(),
    };
    match requests::sign(&state.db, &state.keys, &token, signing, &audit).await {
        Ok(_) | Err(ConsentError::AlreadySigned) => Ok(see_other(&format!("/consent/{token}"))),
        Err(ConsentError::Invalid(invalid)) => {
            let opened = requests::open(&state.db, &state.keys, &token, &audit)
                .await?
                .ok_or_else(|| ApiError::not_found("There is nothing at this address."))?;
            let fields: serde_json::Map<String, Value> = invalid
                .0
                .iter()
                .map(|e| (e.field.clone(), Value::String(e.message.clone())))
                .collect();
            let form = json!({ "fields": fields, "name": form.name });
            render(
                state,
                &token,
                &opened,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
            )
            .await
        }
        Err(ConsentError::NotFound) => {
            Err(ApiError::not_found("There is nothing at this address."))
        }
        Err(e) => Err(e.into()),
    }
}

/// The document to sign, or its signed copy.
pub async fn render(
    state: &AppState,
    token: &str,
    opened: &Opened,
    status: StatusCode,
    form: Value,
) -> PageResult {
    let tz = crate::practice::time_zone(&state.db).await?;
    let signed = opened.request.signed_at.map(|at| {
        json!({
            "at": when::full(at, tz),
            "name": opened.signature.as_ref().map(|s| s.name.clone()),
            "sha256": opened.request.text_sha256,
            "intact": opened.intact,
        })
    });
    page(
        state,
        status,
        "pages/consent",
        &opened.version.title,
        json!({
            "title": opened.version.title,
            "version": opened.version.version,
            "html": opened.html,
            "action": format!("/consent/{token}"),
            "signed": signed,
            "form": form,
        }),
    )
    .await
}
