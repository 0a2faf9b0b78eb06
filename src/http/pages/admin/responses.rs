//! `/admin/intakes/{id}`: one partner's submitted answers, question by question, for those
//! who treat the couple; each look is recorded in the audit log.

use crate::http::pages::PageResult;
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path},
};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use super::{Admin, Section, parse_id, render_status};
use crate::{
    AppState,
    audit::{Action, Origin},
    auth::Permission,
    http::problem::ApiError,
    intake::{
        answers,
        assignments::{self, Sealed},
        definition::{Definition, Flag, Item, ItemKind},
    },
    when,
};

/// An answer in words: a choice's label rather than its value.
fn answer_text(item: &Item, value: &Value) -> String {
    let label = |v: &Value| {
        item.options
            .as_ref()
            .and_then(|o| o.iter().find(|c| &c.value == v))
            .map_or_else(|| plain(v), |c| c.label.clone())
    };
    match (item.kind, value) {
        (ItemKind::YesNo, Value::Bool(b)) => if *b { "Yes" } else { "No" }.to_owned(),
        (_, Value::Array(list)) => list.iter().map(label).collect::<Vec<_>>().join("; "),
        _ => label(value),
    }
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The sections with each shown item's answer.
fn answered(definition: &Definition, sealed: &Sealed, admin: &Admin) -> Vec<Value> {
    definition
        .sections
        .iter()
        .map(|section| {
            let items: Vec<Value> = section
                .items
                .iter()
                .filter(|i| i.kind != ItemKind::Info && answers::shows(i, &sealed.answers))
                .map(|i| {
                    let text = match (i.kind, sealed.consents.get(&i.id)) {
                        (ItemKind::Consent, Some(at)) => {
                            format!("Agreed {}", when::short(*at, admin.tz))
                        }
                        _ => sealed
                            .answers
                            .get(&i.id)
                            .map(|v| answer_text(i, v))
                            .unwrap_or_default(),
                    };
                    json!({ "label": i.label, "answer": text, "long": i.kind == ItemKind::LongText })
                })
                .collect();
            json!({ "title": section.title, "items": items })
        })
        .collect()
}

/// `GET /admin/intakes/{id}`.
#[handler]
pub async fn show(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Path(id): Path<String>,
) -> PageResult {
    admin.staff.require(Permission::ReadClinical)?;
    let id = parse_id(&id)?;
    let r = assignments::read(
        &state.db,
        &state.keys,
        &admin.staff,
        id,
        Action::IntakeRead,
        &admin.audit(state, origin),
    )
    .await?;
    let version =
        entity::questionnaire_version::Entity::find_by_id(r.assignment.questionnaire_version_id)
            .one(&state.db)
            .await?
            .ok_or_else(|| ApiError::not_found("The questionnaire of this response is gone."))?;
    let definition: Definition =
        serde_json::from_value(version.definition).map_err(ApiError::internal)?;
    let partner = crate::scheduling::clients::find(&state.db, r.assignment.client_id)
        .await?
        .participants
        .into_iter()
        .find(|p| p.id == r.assignment.participant_id)
        .map(|p| crate::types::joined(&p.first_name, &p.last_name));
    let flags: Vec<&str> = assignments::flags_of(&r.assignment)
        .into_iter()
        .map(|f| match f {
            Flag::Safety => "Safety",
            Flag::Urgent => "Urgent",
        })
        .collect();
    render_status(
        state,
        admin,
        StatusCode::OK,
        Section::Clients,
        "pages/admin/response",
        "Questionnaire response",
        json!({
            "client_href": format!("/admin/clients/{}", r.assignment.client_id),
            "title": definition.title,
            "partner": partner,
            "status": r.status.as_str().replace('_', " "),
            "submitted": r.assignment.submitted_at.map(|at| when::short(at, admin.tz)),
            "score": r.assignment.score_total,
            "band": r.assignment.score_band,
            "flags": flags,
            "sections": answered(&definition, &r.sealed, admin),
            "export": format!("/api/v1/intakes/{id}/export"),
        }),
    )
}
