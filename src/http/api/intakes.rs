//! Intake assignments for staff: `POST/GET /clients/{id}/intakes` (any staff member may send
//! one; scores and flags show only to owners and clinicians), and one response with its
//! answers, `GET /intakes/{id}` and its export, for owners and clinicians only, each read
//! recorded in the audit log.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::Path,
    payload::{Attachment, AttachmentType, Json},
};
use sea_orm::EntityTrait;
use serde::Deserialize;
use uuid::Uuid;

use super::{ApiResult, ApiTag, JsonBody, PageBody, StaffReadOne, StaffWrite, audit_context};
use crate::{
    AppState,
    audit::{Action, Origin},
    auth::{Permission, Staff},
    http::problem::ApiError,
    intake::{
        Flag,
        assignments::{self, NewIntake, Status},
    },
    types::plausible_instant,
};

#[derive(Enum, Clone, Copy)]
#[oai(rename_all = "snake_case")]
pub enum IntakeStatusName {
    Sent,
    Opened,
    InProgress,
    Submitted,
    Expired,
}

impl From<Status> for IntakeStatusName {
    fn from(s: Status) -> Self {
        match s {
            Status::Sent => Self::Sent,
            Status::Opened => Self::Opened,
            Status::InProgress => Self::InProgress,
            Status::Submitted => Self::Submitted,
            Status::Expired => Self::Expired,
        }
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum FlagName {
    Urgent,
    Safety,
}

impl From<Flag> for FlagName {
    fn from(f: Flag) -> Self {
        match f {
            Flag::Urgent => Self::Urgent,
            Flag::Safety => Self::Safety,
        }
    }
}

#[derive(Object)]
pub struct QuestionnaireRef {
    slug: String,
    version: i32,
}

#[derive(Object)]
pub struct ScoreView {
    total: i32,
    band: Option<String>,
}

#[derive(Object, Deserialize)]
pub struct NewIntakeBody {
    questionnaire_id: Uuid,
    participant_id: Uuid,
    /// When it should be filled in by (shown to staff).
    due_at: Option<DateTime<Utc>>,
    /// The appointment it prepares for (one of this client's): the reminder goes before it.
    appointment_id: Option<Uuid>,
    /// Show the private link in the answer, to pass on by hand (say the partner has no
    /// email). The link opens and changes the partner's answers, so only owners and the
    /// client's own clinician may ask (403 otherwise), and the log records that they did.
    #[serde(default)]
    #[oai(default)]
    hand_out_link: bool,
}

/// A new assignment.
#[derive(Object)]
pub struct NewIntakeView {
    id: Uuid,
    status: IntakeStatusName,
    /// The private link, only when `hand_out_link` asked for it; shown this once.
    url: Option<String>,
    expires_at: DateTime<Utc>,
}

#[derive(ApiResponse)]
pub enum CreatedIntake {
    /// Assigned; the invitation is queued if the participant has an email.
    #[oai(status = 201)]
    Created(Json<NewIntakeView>),
}

#[derive(Object)]
pub struct IntakeSummary {
    id: Uuid,
    participant_id: Uuid,
    questionnaire: QuestionnaireRef,
    status: IntakeStatusName,
    /// For owners and clinicians; null for assistants and until submitted.
    score: Option<ScoreView>,
    /// For owners and clinicians: `safety` and `urgent` first in the list.
    flags: Vec<FlagName>,
    due_at: Option<DateTime<Utc>>,
    expires_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    submitted_at: Option<DateTime<Utc>>,
}

#[derive(Object)]
pub struct IntakeView {
    id: Uuid,
    client_id: Uuid,
    participant_id: Uuid,
    status: IntakeStatusName,
    questionnaire: QuestionnaireRef,
    /// `{<item id>: value}`.
    answers: serde_json::Value,
    /// When each consent item was agreed to.
    consents: serde_json::Value,
    score: Option<ScoreView>,
    flags: Vec<FlagName>,
    submitted_at: Option<DateTime<Utc>>,
}

pub struct IntakesApi;

#[OpenApi(tag = "ApiTag::Intake")]
impl IntakesApi {
    /// Send a questionnaire
    ///
    /// Creates the participant's private link (`/intake/{token}`, valid 30 days by default)
    /// and queues the invitation email, which carries the link to the partner. The link
    /// itself is in the answer only with `hand_out_link` (owners and the client's own
    /// clinician; recorded as `intake.link_shown`).
    #[oai(
        path = "/clients/:id/intakes",
        method = "post",
        operation_id = "assignIntake"
    )]
    async fn assign(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<NewIntakeBody>,
    ) -> ApiResult<CreatedIntake, StaffWrite> {
        staff.require(Permission::ManageClients)?;
        let body = body.0;
        if body
            .due_at
            .as_ref()
            .is_some_and(|at| !plausible_instant(at))
        {
            return Err(
                ApiError::invalid("due_at", "must be between the years 1900 and 9999").into(),
            );
        }
        let audit = audit_context(&state, &origin, staff.actor());
        let (row, token) = assignments::assign(
            &state.db,
            state.notifier(),
            state.intake_timings(),
            NewIntake {
                client_id: id.0,
                participant_id: body.participant_id,
                questionnaire_id: body.questionnaire_id,
                due_at: body.due_at,
                appointment_id: body.appointment_id,
                hand_out_to: body.hand_out_link.then(|| staff.clone()),
            },
            &audit,
        )
        .await
        .map_err(ApiError::from)?;
        Ok(CreatedIntake::Created(Json(NewIntakeView {
            id: row.id,
            status: assignments::status(&row, audit.now).into(),
            url: token.map(|token| state.public_url.link(&format!("/intake/{token}"))),
            expires_at: row.expires_at,
        })))
    }

    /// A client's questionnaires
    ///
    /// Flagged responses first, then the rest in the order they were sent.
    #[oai(
        path = "/clients/:id/intakes",
        method = "get",
        operation_id = "listClientIntakes"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<PageBody<IntakeSummary>>, StaffReadOne> {
        staff.require(Permission::ManageClients)?;
        let record = crate::scheduling::clients::find(&state.db, id.0).await?;
        let clinical = crate::policy::treats(&staff, &record.client);
        let audit = audit_context(&state, &origin, staff.actor());
        let now = audit.now;
        let mut items: Vec<IntakeSummary> =
            assignments::list_for_client(&state.db, &state.keys, id.0, clinical, &audit)
                .await?
                .into_iter()
                .map(|(a, version, slug)| {
                    let flags = if clinical {
                        assignments::flags_of(&a)
                    } else {
                        Vec::new()
                    };
                    IntakeSummary {
                        id: a.id,
                        participant_id: a.participant_id,
                        questionnaire: QuestionnaireRef {
                            slug,
                            version: version.version,
                        },
                        status: assignments::status(&a, now).into(),
                        score: clinical.then(|| score(&a)).flatten(),
                        flags: flags.into_iter().map(Into::into).collect(),
                        due_at: a.due_at,
                        expires_at: a.expires_at,
                        created_at: a.created_at,
                        submitted_at: a.submitted_at,
                    }
                })
                .collect();
        // Stable: flagged ones move up, each group keeps its order.
        items.sort_by_key(|i| i.flags.is_empty());
        Ok(Json(PageBody {
            items,
            next_cursor: None,
        }))
    }

    /// One response
    ///
    /// With the answers: owners and clinicians only, and the read is recorded in the audit
    /// log.
    #[oai(path = "/intakes/:id", method = "get", operation_id = "getIntake")]
    async fn get(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<IntakeView>, StaffReadOne> {
        staff.require(Permission::ReadClinical)?;
        let audit = audit_context(&state, &origin, staff.actor());
        let r = assignments::read(
            &state.db,
            &state.keys,
            &staff,
            id.0,
            Action::IntakeRead,
            &audit,
        )
        .await?;
        Ok(Json(intake_view(r)))
    }

    /// Export one response
    ///
    /// The response as a JSON file, with the questionnaire version it answered. Owners and
    /// clinicians; recorded in the audit log.
    #[oai(
        path = "/intakes/:id/export",
        method = "get",
        operation_id = "exportIntake"
    )]
    async fn export(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Attachment<Vec<u8>>, StaffReadOne> {
        staff.require(Permission::ReadClinical)?;
        let audit = audit_context(&state, &origin, staff.actor());
        let r = assignments::read(
            &state.db,
            &state.keys,
            &staff,
            id.0,
            Action::IntakeExport,
            &audit,
        )
        .await?;
        let version = entity::questionnaire_version::Entity::find_by_id(
            r.assignment.questionnaire_version_id,
        )
        .one(&state.db)
        .await?;
        let mut body = json_view(&r);
        body["questionnaire"]["definition"] = version.map(|v| v.definition).unwrap_or_default();
        body["exported_at"] = serde_json::json!(audit.now);
        let bytes = serde_json::to_vec_pretty(&body).map_err(ApiError::internal)?;
        Ok(Attachment::new(bytes)
            .attachment_type(AttachmentType::Attachment)
            .filename(format!("intake-{}.json", id.0)))
    }
}

fn score(a: &entity::intake_assignment::Model) -> Option<ScoreView> {
    a.score_total.map(|total| ScoreView {
        total,
        band: a.score_band.clone(),
    })
}

fn intake_view(r: assignments::Response) -> IntakeView {
    IntakeView {
        id: r.assignment.id,
        client_id: r.assignment.client_id,
        participant_id: r.assignment.participant_id,
        status: r.status.into(),
        questionnaire: QuestionnaireRef {
            slug: r.slug,
            version: r.version,
        },
        answers: serde_json::to_value(&r.sealed.answers).unwrap_or_default(),
        consents: serde_json::to_value(&r.sealed.consents).unwrap_or_default(),
        score: score(&r.assignment),
        flags: assignments::flags_of(&r.assignment)
            .into_iter()
            .map(Into::into)
            .collect(),
        submitted_at: r.assignment.submitted_at,
    }
}

fn json_view(r: &assignments::Response) -> serde_json::Value {
    serde_json::json!({
        "id": r.assignment.id,
        "client_id": r.assignment.client_id,
        "participant_id": r.assignment.participant_id,
        "status": r.status,
        "questionnaire": {"slug": r.slug, "version": r.version},
        "answers": r.sealed.answers,
        "consents": r.sealed.consents,
        "score": r.assignment.score_total.map(|t| serde_json::json!({"total": t, "band": r.assignment.score_band})),
        "flags": assignments::flags_of(&r.assignment),
        "submitted_at": r.assignment.submitted_at,
    })
}
