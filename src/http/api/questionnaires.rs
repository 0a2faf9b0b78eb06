//! `/questionnaires`: the built-in and the practice's own questionnaires, each change a new
//! version. Every staff member may read them; owners and clinicians create and change them.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    ApiResult, ApiTag, JsonBody, PageBody, StaffRead, StaffWrite, audit_context, errors_set,
};
use crate::{
    AppState,
    audit::Origin,
    auth::{Permission, Staff},
    http::problem::ApiError,
    intake::{
        Definition,
        questionnaires::{self, QuestionnaireError, Versioned},
    },
    types::single_line,
};

errors_set!(
    /// Reading one questionnaire, perhaps at a version given in the query.
    pub QuestionnaireRead = [BadRequest, Unauthorized, Forbidden, NotFound, Validation, Internal, Unavailable]
);

#[derive(Object)]
pub struct QuestionnaireSummary {
    id: Uuid,
    slug: String,
    title: String,
    /// The latest version.
    version: i32,
    /// Shipped with Attune: read-only; copy it to change it.
    builtin: bool,
}

#[derive(Object)]
pub struct QuestionnaireView {
    id: Uuid,
    slug: String,
    title: String,
    version: i32,
    latest_version: i32,
    builtin: bool,
    /// `{title, intro, sections: [{id, title, items: [...]}], scoring?, flags?}`.
    definition: serde_json::Value,
    version_created_at: DateTime<Utc>,
}

#[derive(Object, Deserialize)]
pub struct NewQuestionnaireBody {
    /// Short and stable, e.g. `relationship-history`.
    slug: String,
    definition: serde_json::Value,
}

#[derive(Object, Deserialize)]
pub struct NewVersionBody {
    definition: serde_json::Value,
}

#[derive(ApiResponse)]
pub enum Created {
    /// Saved.
    #[oai(status = 201)]
    Created(Json<QuestionnaireView>),
}

pub struct QuestionnairesApi;

#[OpenApi(prefix_path = "/questionnaires", tag = "ApiTag::Intake")]
impl QuestionnairesApi {
    /// Questionnaires
    ///
    /// All of them, by title: the built-in ones (`couples-intake`, `phq-9`, `gad-7`,
    /// `csi-4`) and the practice's own.
    #[oai(path = "/", method = "get", operation_id = "listQuestionnaires")]
    async fn list(
        &self,
        state: Data<&AppState>,
        staff: Staff,
    ) -> ApiResult<Json<PageBody<QuestionnaireSummary>>, StaffRead> {
        staff.require(Permission::ManageClients)?;
        let items = questionnaires::list(&state.db)
            .await?
            .into_iter()
            .map(|q| QuestionnaireSummary {
                id: q.id,
                slug: q.slug,
                title: q.title,
                version: q.latest_version,
                builtin: q.builtin,
            })
            .collect();
        Ok(Json(PageBody {
            items,
            next_cursor: None,
        }))
    }

    /// Create a questionnaire
    ///
    /// The definition is checked whole; each problem is named by its path, e.g.
    /// `definition.sections[0].items[2].options`. To change a built-in questionnaire, create a
    /// copy: its definition under a slug of your own.
    #[oai(path = "/", method = "post", operation_id = "createQuestionnaire")]
    async fn create(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        body: JsonBody<NewQuestionnaireBody>,
    ) -> ApiResult<Created, StaffWrite> {
        staff.require(Permission::ReadClinical)?;
        let body = body.0;
        let slug = check_slug(&body.slug)?;
        let definition = parse_definition(body.definition)?;
        let audit = audit_context(&state, &origin, staff.actor());
        let saved = questionnaires::create(&state.db, &slug, definition, &audit).await?;
        Ok(Created::Created(Json(view(saved))))
    }

    /// One questionnaire
    ///
    /// Its latest version, or `?version=n`.
    #[oai(path = "/:id", method = "get", operation_id = "getQuestionnaire")]
    async fn get(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        id: Path<Uuid>,
        version: Query<Option<i32>>,
    ) -> ApiResult<Json<QuestionnaireView>, QuestionnaireRead> {
        staff.require(Permission::ManageClients)?;
        let found = questionnaires::at_version(&state.db, id.0, version.0).await?;
        Ok(Json(view(found)))
    }

    /// Change a questionnaire
    ///
    /// Saves the definition as a new version; responses keep pointing at the version they
    /// answered. Built-in questionnaires are read-only (409).
    #[oai(
        path = "/:id/versions",
        method = "post",
        operation_id = "reviseQuestionnaire"
    )]
    async fn revise(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<NewVersionBody>,
    ) -> ApiResult<Created, StaffWrite> {
        staff.require(Permission::ReadClinical)?;
        let definition = parse_definition(body.0.definition)?;
        let audit = audit_context(&state, &origin, staff.actor());
        let saved = questionnaires::revise(&state.db, id.0, definition, &audit).await?;
        Ok(Created::Created(Json(view(saved))))
    }
}

fn check_slug(slug: &str) -> Result<String, ApiError> {
    let slug = single_line(slug, 60).map_err(|m| ApiError::invalid("slug", m))?;
    if !slug
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(ApiError::invalid(
            "slug",
            "must be lower-case letters, digits and '-'",
        ));
    }
    Ok(slug)
}

fn parse_definition(value: serde_json::Value) -> Result<Definition, ApiError> {
    Definition::parse(value).map_err(|errors| QuestionnaireError::Invalid(errors).into())
}

fn view(v: Versioned) -> QuestionnaireView {
    QuestionnaireView {
        id: v.questionnaire.id,
        slug: v.questionnaire.slug,
        title: v.questionnaire.title,
        version: v.version.version,
        latest_version: v.questionnaire.latest_version,
        builtin: v.questionnaire.builtin,
        definition: v.version.definition,
        version_created_at: v.version.created_at,
    }
}
