//! Session notes and psychotherapy notes. Owners, and the clinician whose client it is; never
//! assistants. Every read and change is in the audit log.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    ApiResult, ApiTag, JsonBody, PageBody, StaffAction, StaffReadOne, StaffWrite, audit_context,
};
use crate::{
    AppState,
    audit::Origin,
    auth::Staff,
    notes::{self, NoteInput, NotePatch, NoteRecord, psychotherapy},
};

#[derive(Object)]
pub struct NoteSummary {
    id: Uuid,
    title: String,
    /// `soap`, `dap`, `birp`, `couples` or `free`.
    format: String,
    /// `draft` or `signed`.
    status: String,
    appointment_id: Option<Uuid>,
    author_id: Uuid,
    created_at: DateTime<Utc>,
    signed_at: Option<DateTime<Utc>>,
}

#[derive(Object)]
pub struct AddendumView {
    id: Uuid,
    author_id: Uuid,
    text: String,
    created_at: DateTime<Utc>,
    /// The text no longer matches what was signed.
    tampered: bool,
}

#[derive(Object)]
pub struct NoteView {
    id: Uuid,
    client_id: Uuid,
    appointment_id: Option<Uuid>,
    author_id: Uuid,
    title: String,
    format: String,
    /// The format's fields.
    content: std::collections::BTreeMap<String, String>,
    status: String,
    signed_at: Option<DateTime<Utc>>,
    signed_by: Option<Uuid>,
    /// SHA-256 of the note as signed.
    content_hash: Option<String>,
    /// Signed, but the stored content no longer matches the signature.
    tampered: bool,
    /// Later additions, oldest first.
    addenda: Vec<AddendumView>,
    /// Treatment-plan goals the session worked on.
    goal_ids: Vec<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Object, Deserialize)]
pub struct NewNoteBody {
    /// `soap` (subjective, objective, assessment, plan), `dap` (data, assessment, plan),
    /// `birp` (behaviour, intervention, response, plan), `couples` (presenting_dynamics,
    /// partner_1_view, partner_2_view, interventions, homework, risk_and_safety, plan) or
    /// `free` (text).
    format: String,
    title: Option<String>,
    /// Every field of the format, as text (empty is fine in a draft).
    content: std::collections::BTreeMap<String, serde_json::Value>,
    /// The session it is about; at most one note per appointment.
    appointment_id: Option<Uuid>,
    /// Goals of the client's treatment plan this session worked on.
    goal_ids: Option<Vec<Uuid>>,
}

#[derive(Object, Deserialize)]
pub struct NotePatchBody {
    format: Option<String>,
    title: Option<String>,
    content: Option<std::collections::BTreeMap<String, serde_json::Value>>,
    goal_ids: Option<Vec<Uuid>>,
}

#[derive(Object, Deserialize)]
pub struct TextBody {
    text: String,
}

#[derive(Object)]
pub struct PsychotherapyNoteView {
    id: Uuid,
    text: String,
    created_at: DateTime<Utc>,
}

#[derive(Object)]
pub struct PsychotherapyNotes {
    /// Your own, newest first.
    items: Vec<PsychotherapyNoteView>,
    /// How many others wrote on this client (never their text).
    others_count: u64,
}

#[derive(Object)]
pub struct CreatedPsychotherapyNote {
    id: Uuid,
    created_at: DateTime<Utc>,
}

#[derive(ApiResponse)]
pub enum CreatedNote {
    /// Saved as a draft.
    #[oai(status = 201)]
    Created(Json<NoteView>),
}

#[derive(ApiResponse)]
pub enum CreatedAddendum {
    /// Added, signed.
    #[oai(status = 201)]
    Created(Json<AddendumView>),
}

#[derive(ApiResponse)]
pub enum CreatedPrivate {
    /// Saved.
    #[oai(status = 201)]
    Created(Json<CreatedPsychotherapyNote>),
}

#[derive(ApiResponse)]
pub enum Deleted {
    /// The draft is gone.
    #[oai(status = 204)]
    Deleted,
}

pub struct NotesApi;

#[OpenApi(tag = "ApiTag::Notes")]
impl NotesApi {
    /// A client's notes
    ///
    /// Titles, dates, status and format, newest first; no content.
    #[oai(
        path = "/clients/:id/notes",
        method = "get",
        operation_id = "listNotes"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<PageBody<NoteSummary>>, StaffReadOne> {
        let audit = audit_context(&state, &origin, staff.actor());
        let items = notes::list(&state.db, &state.keys, &staff, id.0, &audit)
            .await?
            .into_iter()
            .map(|n| NoteSummary {
                id: n.id,
                title: n.title,
                format: n.format,
                status: status(&n.status).into(),
                appointment_id: n.appointment_id,
                author_id: n.author_id,
                created_at: n.created_at,
                signed_at: n.signed_at,
            })
            .collect();
        Ok(Json(PageBody {
            items,
            next_cursor: None,
        }))
    }

    /// Write a note
    ///
    /// Saved as a draft, to be changed freely until signed.
    #[oai(
        path = "/clients/:id/notes",
        method = "post",
        operation_id = "createNote"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<NewNoteBody>,
    ) -> ApiResult<CreatedNote, StaffWrite> {
        let body = body.0;
        let audit = audit_context(&state, &origin, staff.actor());
        let note = notes::create(
            &state.db,
            &state.keys,
            &staff,
            id.0,
            NoteInput {
                format: body.format,
                title: body.title,
                content: body.content.into_iter().collect(),
                appointment_id: body.appointment_id,
                goal_ids: body.goal_ids.unwrap_or_default(),
            },
            &audit,
        )
        .await?;
        let record = notes::open_record(&state.db, &state.keys, note, &audit).await?;
        Ok(CreatedNote::Created(Json(view(record))))
    }

    /// One note
    ///
    /// With its content and addenda. A signed note whose content no longer matches its
    /// signature says `tampered: true`.
    #[oai(path = "/notes/:id", method = "get", operation_id = "getNote")]
    async fn get(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<NoteView>, StaffReadOne> {
        let audit = audit_context(&state, &origin, staff.actor());
        let record = notes::read(&state.db, &state.keys, &staff, id.0, &audit).await?;
        Ok(Json(view(record)))
    }

    /// Change a draft
    ///
    /// Absent fields keep their value; a new format needs its content. A signed note: 409.
    #[oai(path = "/notes/:id", method = "patch", operation_id = "updateNote")]
    async fn update(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<NotePatchBody>,
    ) -> ApiResult<Json<NoteView>, StaffWrite> {
        let body = body.0;
        let audit = audit_context(&state, &origin, staff.actor());
        let note = notes::update(
            &state.db,
            &state.keys,
            &staff,
            id.0,
            NotePatch {
                format: body.format,
                title: body.title,
                content: body.content.map(|c| c.into_iter().collect()),
                goal_ids: body.goal_ids,
            },
            &audit,
        )
        .await?;
        let record = notes::open_record(&state.db, &state.keys, note, &audit).await?;
        Ok(Json(view(record)))
    }

    /// Sign a note
    ///
    /// By its author or an owner. Records the time, the signer and a SHA-256 of the content;
    /// from then on the note cannot change (409), only gain addenda.
    #[oai(path = "/notes/:id/sign", method = "post", operation_id = "signNote")]
    async fn sign(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<NoteView>, NoteAction> {
        let audit = audit_context(&state, &origin, staff.actor());
        let note = notes::sign(&state.db, &state.keys, &staff, id.0, &audit).await?;
        let record = notes::open_record(&state.db, &state.keys, note, &audit).await?;
        Ok(Json(view(record)))
    }

    /// Add an addendum
    ///
    /// To a signed note only (409 on a draft); signed as it is written and shown under the
    /// note in order.
    #[oai(
        path = "/notes/:id/addenda",
        method = "post",
        operation_id = "addNoteAddendum"
    )]
    async fn addendum(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<TextBody>,
    ) -> ApiResult<CreatedAddendum, StaffWrite> {
        let audit = audit_context(&state, &origin, staff.actor());
        let row =
            notes::add_addendum(&state.db, &state.keys, &staff, id.0, &body.0.text, &audit).await?;
        Ok(CreatedAddendum::Created(Json(AddendumView {
            id: row.id,
            author_id: row.author_id,
            text: body.0.text.trim().to_owned(),
            created_at: row.created_at,
            tampered: false,
        })))
    }

    /// Delete a draft
    ///
    /// A signed note is part of the record: 409.
    #[oai(path = "/notes/:id", method = "delete", operation_id = "deleteNote")]
    async fn delete(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Deleted, StaffAction> {
        let audit = audit_context(&state, &origin, staff.actor());
        notes::delete(&state.db, &staff, id.0, &audit).await?;
        Ok(Deleted::Deleted)
    }

    /// Write a psychotherapy note
    ///
    /// Private process notes: only you will ever read them, and they are never part of the
    /// record or its export.
    #[oai(
        path = "/clients/:id/psychotherapy-notes",
        method = "post",
        operation_id = "createPsychotherapyNote"
    )]
    async fn create_private(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<TextBody>,
    ) -> ApiResult<CreatedPrivate, StaffWrite> {
        let audit = audit_context(&state, &origin, staff.actor());
        let row = psychotherapy::create(&state.db, &state.keys, &staff, id.0, &body.0.text, &audit)
            .await?;
        Ok(CreatedPrivate::Created(Json(CreatedPsychotherapyNote {
            id: row.id,
            created_at: row.created_at,
        })))
    }

    /// Your psychotherapy notes
    ///
    /// Your own on this client, with a count of anyone else's.
    #[oai(
        path = "/clients/:id/psychotherapy-notes",
        method = "get",
        operation_id = "listPsychotherapyNotes"
    )]
    async fn list_private(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<PsychotherapyNotes>, StaffReadOne> {
        let audit = audit_context(&state, &origin, staff.actor());
        let (own, others_count) =
            psychotherapy::list_own(&state.db, &state.keys, &staff, id.0, &audit).await?;
        Ok(Json(PsychotherapyNotes {
            items: own
                .into_iter()
                .map(|(n, text)| PsychotherapyNoteView {
                    id: n.id,
                    text,
                    created_at: n.created_at,
                })
                .collect(),
            others_count,
        }))
    }
}

super::errors_set!(
    /// Signing: not found, not allowed, already signed, nothing written yet.
    pub NoteAction = [BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PayloadTooLarge, Validation, Internal, Unavailable]
);

fn status(s: &entity::session_note::NoteStatus) -> &'static str {
    match s {
        entity::session_note::NoteStatus::Draft => "draft",
        entity::session_note::NoteStatus::Signed => "signed",
    }
}

fn view(r: NoteRecord) -> NoteView {
    let n = r.note;
    let goal_ids = notes::goal_ids(&n);
    NoteView {
        goal_ids,
        id: n.id,
        client_id: n.client_id,
        appointment_id: n.appointment_id,
        author_id: n.author_id,
        title: n.title,
        format: n.format,
        content: r.content,
        status: status(&n.status).into(),
        signed_at: n.signed_at,
        signed_by: n.signed_by,
        content_hash: n.content_hash,
        tampered: r.tampered,
        addenda: r
            .addenda
            .into_iter()
            .map(|(a, text, intact)| AddendumView {
                id: a.id,
                author_id: a.author_id,
                text,
                created_at: a.created_at,
                tampered: !intact,
            })
            .collect(),
        created_at: n.created_at,
        updated_at: n.updated_at,
    }
}
