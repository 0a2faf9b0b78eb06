//! `/admin/clients/{id}/diagnoses`: a couple's diagnosis codes, the couple's and each
//! partner's, in claim order, for owners and the couple's own clinician. Opening the page is
//! a read of clinical data, in the audit log; the record page only links to it.

use crate::http::pages::PageResult;
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path, Query},
};
use serde_json::{Value, json};

use super::{Admin, DoneQuery, Form, Notice, Section, done, parse_id, render_status, settle};
use crate::{
    AppState,
    audit::Origin,
    billing::diagnoses::{self, DiagnosisInput},
    http::problem::ApiError,
    scheduling::clients,
    types::joined,
};

/// `GET /admin/clients/{id}/diagnoses`.
#[handler]
pub async fn list(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    let id = parse_id(&id)?;
    page(
        state,
        origin,
        admin,
        id,
        StatusCode::OK,
        query.notice(),
        json!({}),
    )
    .await
}

async fn page(
    state: &AppState,
    origin: &Origin,
    admin: &Admin,
    id: uuid::Uuid,
    status: StatusCode,
    notice: Option<&'static str>,
    form: Value,
) -> PageResult {
    // The policy decides inside `list`, before anything of the couple is read.
    let found = diagnoses::list(
        &state.db,
        &state.keys,
        &admin.staff,
        id,
        &admin.audit(state, origin),
    )
    .await?;
    let record = clients::find(&state.db, id).await?;
    let whose = |p: Option<uuid::Uuid>| match p
        .and_then(|p| record.participants.iter().find(|x| x.id == p))
    {
        Some(x) => joined(&x.first_name, &x.last_name),
        None => "The couple".to_owned(),
    };
    let rows: Vec<Value> = found
        .iter()
        .map(|d| {
            json!({
                "id": d.id,
                "code": d.coded.code,
                "description": d.coded.description,
                "whose": whose(d.participant_id),
            })
        })
        .collect();
    let partners: Vec<Value> = record
        .participants
        .iter()
        .map(|p| json!({ "id": p.id, "name": joined(&p.first_name, &p.last_name) }))
        .collect();
    render_status(
        state,
        admin,
        status,
        Section::Clients,
        "pages/admin/diagnoses",
        "Diagnosis codes",
        json!({
            "notice": notice,
            "id": id,
            "name": record.client.display_name,
            "diagnoses": rows,
            "partners": partners,
            "form": form,
        }),
    )
}

/// `POST /admin/clients/{id}/diagnoses`: one more, after the others.
#[handler]
pub async fn add(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let outcome = async {
        let input = DiagnosisInput {
            code: form.get("code").to_owned(),
            description: Some(form.get("description").to_owned()).filter(|d| !d.is_empty()),
            participant_id: form.get("participant_id").parse().ok(),
        };
        diagnoses::add(
            &state.db,
            &state.keys,
            &admin.staff,
            id,
            &input,
            &admin.audit(state, origin),
        )
        .await?;
        Ok(done(
            &format!("/admin/clients/{id}/diagnoses"),
            Notice::Saved,
        ))
    }
    .await;
    settle(outcome, form, |status, shown| {
        page(state, origin, admin, id, status, None, shown)
    })
    .await
}

/// `POST /admin/clients/{id}/diagnoses/{diagnosis}/remove`.
#[handler]
pub async fn remove(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Path((id, diagnosis)): Path<(String, String)>,
) -> PageResult {
    let (id, diagnosis) = (parse_id(&id)?, parse_id(&diagnosis)?);
    diagnoses::remove(
        &state.db,
        &admin.staff,
        id,
        diagnosis,
        &admin.audit(state, origin),
    )
    .await
    .map_err(ApiError::from)?;
    Ok(done(
        &format!("/admin/clients/{id}/diagnoses"),
        Notice::Removed,
    ))
}
