//! A client's record as a whole: `/clients/{id}/timeline` and `/clients/{id}/export`.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    Object, OpenApi,
    param::{Path, Query},
    payload::{Attachment, AttachmentType, Json},
};
use uuid::Uuid;

use super::{ApiResult, ApiTag, PageBody, StaffReadOne, audit_context, errors_set};
use crate::{
    AppState, audit::Origin, auth::Staff, http::problem::ApiError, pagination::PageRequest,
    read_models::client_record as record, types::plausible_instant,
};

errors_set!(
    /// A client's list with paging in the query.
    pub ClientList = [BadRequest, Unauthorized, Forbidden, NotFound, Validation, Internal, Unavailable]
);

#[derive(Object)]
pub struct TimelineEntry {
    at: DateTime<Utc>,
    /// `appointment`, `intake`, `note`, `treatment_plan` or `email`.
    kind: String,
    id: Uuid,
    summary: String,
    status: Option<String>,
    /// Scores and flags of an intake, a plan's phase: for owners and the client's clinician.
    details: Option<serde_json::Value>,
}

pub struct RecordApi;

#[OpenApi(tag = "ApiTag::Clients")]
impl RecordApi {
    /// A client's timeline
    ///
    /// Appointments, questionnaires, notes, plan changes and emails sent, newest first.
    /// Clinical details show only to owners and the client's own clinician.
    #[oai(
        path = "/clients/:id/timeline",
        method = "get",
        operation_id = "getClientTimeline"
    )]
    async fn timeline(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        limit: Query<Option<u64>>,
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<PageBody<TimelineEntry>>, ClientList> {
        let page: PageRequest<record::Cursor> = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        if page.after.is_some_and(|(at, _)| !plausible_instant(&at)) {
            return Err(ApiError::invalid("cursor", "is not a cursor from this list").into());
        }
        let audit = audit_context(&state, &origin, staff.actor());
        let entries = record::timeline(&state.db, &state.keys, &staff, id.0, &page, &audit).await?;
        Ok(Json(PageBody::from_page(entries, |e| TimelineEntry {
            at: e.at,
            kind: e.kind.into(),
            id: e.id,
            summary: e.summary,
            status: e.status,
            details: e.details,
        })))
    }

    /// Export the record
    ///
    /// The whole clinical record as one JSON file: client, participants, appointments,
    /// questionnaire responses with scores, signed notes with addenda, and the treatment
    /// plan's history. Psychotherapy notes are never included. Owners and the client's own
    /// clinician; recorded in the audit log.
    #[oai(
        path = "/clients/:id/export",
        method = "get",
        operation_id = "exportClientRecord"
    )]
    async fn export(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Attachment<Vec<u8>>, StaffReadOne> {
        let audit = audit_context(&state, &origin, staff.actor());
        let document = record::export(&state.db, &state.keys, &staff, id.0, &audit).await?;
        let bytes = serde_json::to_vec_pretty(&document).map_err(ApiError::internal)?;
        Ok(Attachment::new(bytes)
            .attachment_type(AttachmentType::Attachment)
            .filename(format!("client-record-{}.json", id.0)))
    }
}
