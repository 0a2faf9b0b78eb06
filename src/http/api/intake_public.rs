//! The intake form's JSON API, reached with the participant's private link: read the
//! questionnaire and the draft, save a draft, submit. Nothing here ever shows another
//! participant's answers, or the answers once submitted.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Path, payload::Json};
use serde::Deserialize;

use super::{ApiResult, ApiTag, JsonBody, audit_context, errors_set};
use crate::{
    AppState,
    audit::{Actor, Origin},
    intake::assignments,
};

errors_set!(
    /// Reading an intake by its link: unknown (404) or expired (410).
    pub IntakeRead = [NotFound, Gone, TooManyRequests, Internal, Unavailable]
);
errors_set!(
    /// Saving or submitting answers: bad input named by item id, already submitted (409),
    /// expired (410).
    pub IntakeWrite = [BadRequest, NotFound, Conflict, Gone, PayloadTooLarge, UnsupportedMediaType, Validation, TooManyRequests, Internal, Unavailable]
);

#[derive(Object)]
pub struct IntakeQuestionnaire {
    title: String,
    version: i32,
    /// `{title, intro, sections: [{id, title, items: [...]}]}`, without the scoring rules.
    definition: serde_json::Value,
}

#[derive(Object)]
pub struct IntakeForm {
    questionnaire: IntakeQuestionnaire,
    /// The saved draft, `{<item id>: value}`; empty once submitted.
    answers: serde_json::Value,
    /// `sent`, `opened`, `in_progress` or `submitted`.
    status: String,
    expires_at: DateTime<Utc>,
}

#[derive(Object, Deserialize)]
pub struct AnswersBody {
    /// `{<item id>: value}`; `null` clears an answer in a draft.
    answers: std::collections::BTreeMap<String, serde_json::Value>,
}

#[derive(Object)]
pub struct DraftSaved {
    answers: serde_json::Value,
    status: String,
}

#[derive(Object)]
pub struct Submitted {
    status: String,
    submitted_at: Option<DateTime<Utc>>,
}

pub struct IntakePublicApi;

#[OpenApi(prefix_path = "/intake", tag = "ApiTag::Public")]
impl IntakePublicApi {
    /// An intake form
    ///
    /// The questionnaire, the saved draft and where it stands. An expired link is 410.
    #[oai(path = "/:token", method = "get", operation_id = "getIntakeForm")]
    async fn get(
        &self,
        state: Data<&AppState>,
        token: Path<String>,
    ) -> ApiResult<Json<IntakeForm>, IntakeRead> {
        let opened = assignments::open(&state.db, &state.keys, &token.0, state.clock.now()).await?;
        let mut definition = serde_json::to_value(&opened.definition).unwrap_or_default();
        // The rules that score and flag answers are for the practitioner's eyes.
        if let Some(d) = definition.as_object_mut() {
            d.remove("scoring");
            d.remove("flags");
        }
        Ok(Json(IntakeForm {
            questionnaire: IntakeQuestionnaire {
                title: opened.definition.title.clone(),
                version: opened.version,
                definition,
            },
            answers: serde_json::to_value(&opened.answers).unwrap_or_default(),
            status: opened.status.as_str().into(),
            expires_at: opened.assignment.expires_at,
        }))
    }

    /// Save a draft
    ///
    /// Partial answers are fine; each given must still fit its item (422 with `errors`
    /// keyed by item id). After submission: 409.
    #[oai(path = "/:token", method = "put", operation_id = "saveIntakeDraft")]
    async fn save(
        &self,
        state: Data<&AppState>,
        token: Path<String>,
        body: JsonBody<AnswersBody>,
    ) -> ApiResult<Json<DraftSaved>, IntakeWrite> {
        let answers = assignments::save_draft(
            &state.db,
            &state.keys,
            &token.0,
            &body.0.answers.into_iter().collect(),
            state.clock.now(),
        )
        .await?;
        Ok(Json(DraftSaved {
            answers: serde_json::to_value(&answers).unwrap_or_default(),
            status: "in_progress".into(),
        }))
    }

    /// Submit
    ///
    /// Checks every answer and that each required item that shows is answered (422 with
    /// `errors` keyed by item id), then locks the response. After that the link accepts
    /// nothing more (409).
    #[oai(
        path = "/:token/submit",
        method = "post",
        operation_id = "submitIntake"
    )]
    async fn submit(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        token: Path<String>,
        body: JsonBody<AnswersBody>,
    ) -> ApiResult<Json<Submitted>, IntakeWrite> {
        let audit = audit_context(&state, &origin, Actor::ANONYMOUS);
        let submitted = assignments::submit(
            &state.db,
            state.notifier(),
            &state.schedule,
            &token.0,
            &body.0.answers.into_iter().collect(),
            &audit,
        )
        .await?;
        Ok(Json(Submitted {
            status: "submitted".into(),
            submitted_at: submitted.submitted_at,
        }))
    }
}
