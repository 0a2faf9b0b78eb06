//! `/consent-documents`: the documents clients sign, and their versions (all kept).

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};
use serde::Deserialize;
use uuid::Uuid;

use super::{ApiResult, ApiTag, JsonBody, StaffRead, StaffReadOne, StaffWrite, audit_context};
use crate::{
    AppState,
    audit::Origin,
    auth::{Permission, Staff},
    consent::documents::{self, Document, VersionInput},
};

/// One version, exactly as given to sign.
#[derive(Object)]
pub struct ConsentVersionView {
    id: Uuid,
    version: i32,
    title: String,
    /// Markdown, as written.
    body: String,
    /// The text rendered as a client reads it (raw HTML refused, links only to
    /// https/http/mailto), the confidentiality choice in place.
    html: String,
    /// For a confidentiality policy: `no_secrets` or `limited_secrets`.
    secrets_policy: Option<String>,
    /// Those who signed an earlier version are asked to sign this one.
    requires_reconsent: bool,
    created_at: DateTime<Utc>,
}

impl From<entity::consent_version::Model> for ConsentVersionView {
    fn from(v: entity::consent_version::Model) -> Self {
        Self {
            html: documents::html_of(&v),
            id: v.id,
            version: v.version,
            title: v.title,
            body: v.body,
            secrets_policy: v.secrets_policy,
            requires_reconsent: v.requires_reconsent,
            created_at: v.created_at,
        }
    }
}

#[derive(Object)]
pub struct ConsentDocumentView {
    id: Uuid,
    /// `informed_consent`, `confidentiality`, `telehealth`, `practice_policies`, `other`.
    kind: String,
    title: String,
    /// Which of Attune's starting texts it began as, if any.
    builtin: Option<String>,
    latest_version: i32,
    current: ConsentVersionView,
    /// Every version, earliest first; only on `GET /consent-documents/{id}`.
    versions: Option<Vec<ConsentVersionView>>,
    updated_at: DateTime<Utc>,
}

fn view(d: Document) -> ConsentDocumentView {
    ConsentDocumentView {
        id: d.document.id,
        kind: d.document.kind,
        title: d.document.title,
        builtin: d.document.builtin_slug,
        latest_version: d.document.latest_version,
        current: d.current.into(),
        versions: None,
        updated_at: d.document.updated_at,
    }
}

#[derive(Object)]
pub struct ConsentDocumentList {
    items: Vec<ConsentDocumentView>,
}

#[derive(Object, Deserialize)]
pub struct NewConsentDocument {
    kind: String,
    title: String,
    /// Markdown.
    body: String,
    /// Required for a confidentiality policy: `no_secrets` or `limited_secrets`.
    secrets_policy: Option<String>,
}

#[derive(Object, Deserialize)]
pub struct NewConsentVersion {
    /// The document's title unless given.
    title: Option<String>,
    /// Markdown.
    body: String,
    secrets_policy: Option<String>,
    /// Ask those who signed an earlier version to sign again.
    #[serde(default)]
    requires_reconsent: Option<bool>,
}

#[derive(ApiResponse)]
pub enum CreatedConsentDocument {
    /// Created.
    #[oai(status = 201)]
    Created(Json<ConsentDocumentView>),
}

pub struct ConsentApi;

#[OpenApi(prefix_path = "/consent-documents", tag = "ApiTag::Settings")]
impl ConsentApi {
    /// Consent documents
    ///
    /// Each with its latest version. A practice starts with four editable texts: informed
    /// consent, the couples confidentiality policy, telehealth consent, practice policies.
    #[oai(path = "/", method = "get", operation_id = "listConsentDocuments")]
    async fn list(
        &self,
        state: Data<&AppState>,
        _staff: Staff,
    ) -> ApiResult<Json<ConsentDocumentList>, StaffRead> {
        let items = documents::list(&state.db)
            .await?
            .into_iter()
            .map(view)
            .collect();
        Ok(Json(ConsentDocumentList { items }))
    }

    /// Add a consent document (owner)
    #[oai(path = "/", method = "post", operation_id = "createConsentDocument")]
    async fn create(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        body: JsonBody<NewConsentDocument>,
    ) -> ApiResult<CreatedConsentDocument, StaffWrite> {
        staff.require(Permission::ManageSettings)?;
        let body = body.0;
        let input = VersionInput {
            kind: Some(body.kind),
            title: Some(body.title),
            body: body.body,
            secrets_policy: body.secrets_policy,
            requires_reconsent: false,
        };
        let audit = audit_context(&state, &origin, staff.actor());
        let created = documents::create(&state.db, &input, &audit).await?;
        Ok(CreatedConsentDocument::Created(Json(view(created))))
    }

    /// One consent document with every version
    #[oai(path = "/:id", method = "get", operation_id = "getConsentDocument")]
    async fn get(
        &self,
        state: Data<&AppState>,
        _staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<ConsentDocumentView>, StaffReadOne> {
        let (document, versions) = documents::find(&state.db, id.0).await?;
        let current = versions
            .iter()
            .find(|v| v.version == document.latest_version)
            .cloned()
            .ok_or_else(|| {
                crate::http::problem::ApiError::not_found("There is no such consent document.")
            })?;
        let mut body = view(Document { document, current });
        body.versions = Some(versions.into_iter().map(Into::into).collect());
        Ok(Json(body))
    }

    /// Save a new version (owner)
    ///
    /// The earlier versions stay exactly as they were signed.
    #[oai(
        path = "/:id/versions",
        method = "post",
        operation_id = "addConsentVersion"
    )]
    async fn add_version(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<NewConsentVersion>,
    ) -> ApiResult<CreatedConsentDocument, StaffWrite> {
        staff.require(Permission::ManageSettings)?;
        let body = body.0;
        let input = VersionInput {
            kind: None,
            title: body.title,
            body: body.body,
            secrets_policy: body.secrets_policy,
            requires_reconsent: body.requires_reconsent.unwrap_or(false),
        };
        let audit = audit_context(&state, &origin, staff.actor());
        let saved = documents::add_version(&state.db, id.0, &input, &audit).await?;
        Ok(CreatedConsentDocument::Created(Json(view(saved))))
    }
}
