//! Session notes in the dashboard: starting one, the editor with autosave, signing with a
//! confirmation, addenda; and a practitioner's own psychotherapy notes.
//!
//! Every page here is for those who treat the client; the domain functions check that and
//! record each read in the audit log.

use crate::http::pages::PageResult;
use entity::session_note::NoteStatus;
use poem::{
    IntoResponse, handler,
    http::StatusCode,
    web::{Data, Path, Query},
};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{
    super::booking::see_other, Admin, DoneQuery, Form, Notice, Section, done, parse_id,
    render_status, settle,
};
use crate::{
    AppState,
    audit::Origin,
    http::problem::ApiError,
    notes::{self, NoteInput, NotePatch, access, format::NoteFormat, psychotherapy},
    scheduling::{appointments, clients},
    when,
};

/// "partner_1_view" → "Partner 1 view".
fn label(field: &str) -> String {
    let spaced = field.replace('_', " ");
    let mut chars = spaced.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn format_name(f: NoteFormat) -> &'static str {
    match f {
        NoteFormat::Soap => "SOAP (subjective, objective, assessment, plan)",
        NoteFormat::Dap => "DAP (data, assessment, plan)",
        NoteFormat::Birp => "BIRP (behaviour, intervention, response, plan)",
        NoteFormat::Couples => "Couples session",
        NoteFormat::Free => "Free text",
    }
}

#[derive(Deserialize)]
pub struct NewQuery {
    appointment: Option<String>,
}

/// `GET /admin/clients/{id}/notes`: choose the note's format, title and session.
#[handler]
pub async fn new_form(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
    Path(id): Path<String>,
    Query(query): Query<NewQuery>,
) -> PageResult {
    let id = parse_id(&id)?;
    let values = json!({
        "format": "couples",
        "appointment_id": query.appointment.unwrap_or_default(),
    });
    new_page(
        state,
        admin,
        id,
        StatusCode::OK,
        json!({ "values": values }),
    )
    .await
}

async fn new_page(
    state: &AppState,
    admin: &Admin,
    client_id: Uuid,
    status: StatusCode,
    form: Value,
) -> PageResult {
    let client = access::clinical_client(&state.db, &admin.staff, client_id).await?;
    let now = state.clock.now();
    let mut sessions = appointments::of_client(&state.db, client_id).await?;
    // A note is for a session that has begun.
    sessions.retain(|a| a.starts_at <= now);
    let chosen = form["values"]["appointment_id"]
        .as_str()
        .unwrap_or_default();
    let sessions: Vec<Value> = sessions
        .iter()
        .map(|a| {
            json!({
                "id": a.id,
                "label": when::full(a.starts_at, admin.tz),
                "selected": a.id.to_string() == chosen,
            })
        })
        .collect();
    let format = form["values"]["format"].as_str().unwrap_or("couples");
    let formats: Vec<Value> = NoteFormat::ALL
        .into_iter()
        .map(|f| json!({ "value": f.as_str(), "label": format_name(f), "selected": f.as_str() == format }))
        .collect();
    render_status(
        state,
        admin,
        status,
        Section::Clients,
        "pages/admin/note_new",
        "New note",
        json!({
            "client": client.display_name,
            "client_href": format!("/admin/clients/{client_id}"),
            "action": format!("/admin/clients/{client_id}/notes"),
            "sessions": sessions,
            "formats": formats,
            "form": form,
        }),
    )
}

/// `POST /admin/clients/{id}/notes`: an empty draft in the chosen format, then its editor.
#[handler]
pub async fn create(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
    Path(id): Path<String>,
) -> PageResult {
    let client_id = parse_id(&id)?;
    let format = form.get("format");
    let content: Map<String, Value> = NoteFormat::parse(format)
        .map(|f| {
            f.fields()
                .iter()
                .map(|k| ((*k).to_owned(), Value::String(String::new())))
                .collect()
        })
        .unwrap_or_default();
    let outcome = async {
        let appointment_id = match form.get("appointment_id") {
            "" => None,
            raw => Some(raw.parse().map_err(|_| {
                ApiError::invalid("appointment_id", "is not a session of this client")
            })?),
        };
        let note = notes::create(
            &state.db,
            &state.keys,
            &admin.staff,
            client_id,
            NoteInput {
                format: format.to_owned(),
                title: Some(form.get("title").to_owned()),
                content,
                appointment_id,
                goal_ids: Vec::new(),
            },
            &admin.audit(state, origin),
        )
        .await?;
        Ok(see_other(&format!("/admin/notes/{}", note.id)))
    }
    .await;
    settle(outcome, form, |status, shown| {
        new_page(state, admin, client_id, status, shown)
    })
    .await
}

/// `GET /admin/notes/{id}`: a draft's editor, or a signed note with its addenda.
#[handler]
pub async fn editor(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    let id = parse_id(&id)?;
    let notice = query.notice();
    editor_page(state, origin, admin, id, StatusCode::OK, notice, json!({})).await
}

async fn editor_page(
    state: &AppState,
    origin: &Origin,
    admin: &Admin,
    id: Uuid,
    status: StatusCode,
    notice: Option<&str>,
    form: Value,
) -> PageResult {
    let audit = admin.audit(state, origin);
    let record = notes::read(&state.db, &state.keys, &admin.staff, id, &audit).await?;
    let note = &record.note;
    let client = clients::find(&state.db, note.client_id).await?;
    let format = NoteFormat::parse(&note.format).unwrap_or(NoteFormat::Free);
    let typed = &form["values"];
    let fields: Vec<Value> = format
        .fields()
        .iter()
        .map(|name| {
            let value = typed[format!("content.{name}")]
                .as_str()
                .map(str::to_owned)
                .or_else(|| record.content.get(*name).cloned())
                .unwrap_or_default();
            json!({
                "name": format!("content.{name}"),
                "id": format!("field-{name}"),
                "label": label(name),
                "value": value,
                "error": form["fields"][format!("content.{name}")],
            })
        })
        .collect();
    let addenda: Vec<Value> = record
        .addenda
        .iter()
        .map(|(a, text, intact)| {
            json!({ "at": when::full(a.created_at, admin.tz), "text": text, "intact": intact })
        })
        .collect();
    let signed = note.status == NoteStatus::Signed;
    // A telehealth note records where each partner was: the header shows what they said
    // when they joined.
    let locations: Vec<Value> = match note.appointment_id {
        Some(appointment) => crate::scheduling::video::joined(&state.db, appointment)
            .await?
            .into_iter()
            .map(|j| {
                let who = client
                    .participants
                    .iter()
                    .find(|p| p.id == j.participant_id)
                    .map(|p| crate::types::joined(&p.first_name, &p.last_name));
                json!({
                    "who": who,
                    "place": j.place.label(),
                    "at": when::full(j.at, admin.tz),
                    "outside": j.outside_licence,
                })
            })
            .collect(),
        None => Vec::new(),
    };
    render_status(
        state,
        admin,
        status,
        Section::Clients,
        "pages/admin/note",
        "Session note",
        json!({
            "notice": notice,
            "id": note.id,
            "client": client.client.display_name,
            "client_href": format!("/admin/clients/{}", note.client_id),
            "title": typed["title"].as_str().unwrap_or(&note.title),
            "format": format_name(format),
            "signed": signed,
            "signed_at": note.signed_at.map(|at| when::full(at, admin.tz)),
            "tampered": record.tampered,
            "fields": fields,
            "addenda": addenda,
            "locations": locations,
            "form": form,
        }),
    )
}

/// `POST /admin/notes/{id}`: saves the draft. From the page's autosave (`autosave=1`) the
/// answer is a bare status; from the button, the editor again. `then=sign` goes on to the
/// signing step once saved.
#[handler]
pub async fn save(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    // Only the format is looked up, not the content: autosave runs every few seconds and
    // must neither decrypt the note nor record a read each time. A field left out of the post
    // is saved empty, as a cleared text box would be.
    let format = notes::format_of(&state.db, &admin.staff, id).await?;
    let content: Map<String, Value> = format
        .fields()
        .iter()
        .map(|k| {
            let value = form.raw(&format!("content.{k}")).to_owned();
            ((*k).to_owned(), Value::String(value))
        })
        .collect();
    let saved = notes::update(
        &state.db,
        &state.keys,
        &admin.staff,
        id,
        NotePatch {
            format: None,
            title: Some(form.get("title").to_owned()),
            content: Some(content),
            goal_ids: None,
        },
        &admin.audit(state, origin),
    )
    .await
    .map_err(ApiError::from);
    let autosave = form.get("autosave") == "1";
    match saved {
        Ok(_) if autosave => Ok(StatusCode::NO_CONTENT.into_response()),
        Ok(_) if form.get("then") == "sign" => Ok(see_other(&format!("/admin/notes/{id}/sign"))),
        Ok(_) => Ok(done(&format!("/admin/notes/{id}"), Notice::NoteSaved)),
        Err(failure) if autosave => Ok(failure.status().into_response()),
        Err(failure) => {
            settle(Err(failure), form, |status, shown| {
                editor_page(state, origin, admin, id, status, None, shown)
            })
            .await
        }
    }
}

/// `GET /admin/notes/{id}/sign`: what signing means, and the button.
#[handler]
pub async fn sign_confirm(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let record = notes::read(
        &state.db,
        &state.keys,
        &admin.staff,
        id,
        &admin.audit(state, origin),
    )
    .await?;
    if record.note.status == NoteStatus::Signed {
        return Ok(see_other(&format!("/admin/notes/{id}")));
    }
    render_status(
        state,
        admin,
        StatusCode::OK,
        Section::Clients,
        "pages/admin/note_sign",
        "Sign and lock",
        json!({ "id": id, "title": record.note.title }),
    )
}

/// `POST /admin/notes/{id}/sign`.
#[handler]
pub async fn sign(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    notes::sign(
        &state.db,
        &state.keys,
        &admin.staff,
        id,
        &admin.audit(state, origin),
    )
    .await?;
    Ok(done(&format!("/admin/notes/{id}"), Notice::NoteSigned))
}

/// `POST /admin/notes/{id}/addenda`.
#[handler]
pub async fn addendum(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let added = notes::add_addendum(
        &state.db,
        &state.keys,
        &admin.staff,
        id,
        form.raw("text"),
        &admin.audit(state, origin),
    )
    .await
    .map_err(ApiError::from);
    let outcome = added.map(|_| done(&format!("/admin/notes/{id}"), Notice::AddendumAdded));
    settle(outcome, form, |status, shown| {
        editor_page(state, origin, admin, id, status, None, shown)
    })
    .await
}

/// `GET /admin/clients/{id}/psychotherapy-notes`: the signed-in practitioner's own, which
/// nobody else can read.
#[handler]
pub async fn psychotherapy_notes(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    let id = parse_id(&id)?;
    let notice = query.notice();
    psychotherapy_page(
        state,
        origin,
        admin,
        id,
        StatusCode::OK,
        json!({ "notice": notice }),
    )
    .await
}

async fn psychotherapy_page(
    state: &AppState,
    origin: &Origin,
    admin: &Admin,
    client_id: Uuid,
    status: StatusCode,
    form: Value,
) -> PageResult {
    let audit = admin.audit(state, origin);
    let (own, others) =
        psychotherapy::list_own(&state.db, &state.keys, &admin.staff, client_id, &audit).await?;
    let client = clients::find(&state.db, client_id).await?;
    let rows: Vec<Value> = own
        .iter()
        .map(|(n, text)| json!({ "at": when::full(n.created_at, admin.tz), "text": text }))
        .collect();
    render_status(
        state,
        admin,
        status,
        Section::Clients,
        "pages/admin/psychotherapy",
        "Psychotherapy notes",
        json!({
            "client": client.client.display_name,
            "client_href": format!("/admin/clients/{client_id}"),
            "action": format!("/admin/clients/{client_id}/psychotherapy-notes"),
            "notes": rows,
            "others": others,
            "notice": form["notice"],
            "form": form,
        }),
    )
}

/// `POST /admin/clients/{id}/psychotherapy-notes`.
#[handler]
pub async fn add_psychotherapy_note(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
    Path(id): Path<String>,
) -> PageResult {
    let client_id = parse_id(&id)?;
    let added = psychotherapy::create(
        &state.db,
        &state.keys,
        &admin.staff,
        client_id,
        form.raw("text"),
        &admin.audit(state, origin),
    )
    .await
    .map_err(ApiError::from);
    let outcome = added.map(|_| {
        done(
            &format!("/admin/clients/{client_id}/psychotherapy-notes"),
            Notice::PrivateNoteAdded,
        )
    });
    settle(outcome, form, |status, shown| {
        psychotherapy_page(state, origin, admin, client_id, status, shown)
    })
    .await
}
