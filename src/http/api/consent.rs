//! `/consent-documents`: the documents clients sign, and their versions (all kept).

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::Path,
    payload::{Binary, Json},
};
use serde::Deserialize;
use uuid::Uuid;

use super::{ApiResult, ApiTag, JsonBody, StaffRead, StaffReadOne, StaffWrite, audit_context};
use crate::{
    AppState,
    audit::Origin,
    auth::{Permission, Staff},
    consent::{
        documents::{self, Document, VersionInput},
        requests, requirements,
    },
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
    /// The appointment types that require it: a booking of one gives it to each partner
    /// who has not signed it.
    required_for: Vec<Uuid>,
    updated_at: DateTime<Utc>,
}

fn view(d: Document, required_for: Vec<Uuid>) -> ConsentDocumentView {
    ConsentDocumentView {
        required_for,
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
    /// Appointment types that require it before their first appointment.
    #[serde(default)]
    required_for: Option<Vec<Uuid>>,
}

#[derive(Object, Deserialize)]
pub struct ConsentRequirementsInput {
    /// Every appointment type that requires the document; an empty list requires it for
    /// none.
    appointment_type_ids: Vec<Uuid>,
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
        let listed = documents::list(&state.db).await?;
        let mut required =
            requirements::types_of(&state.db, listed.iter().map(|d| d.document.id)).await?;
        let items = listed
            .into_iter()
            .map(|d| {
                let types = required.remove(&d.document.id).unwrap_or_default();
                view(d, types)
            })
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
        let required = match body.required_for {
            Some(types) => {
                requirements::set(
                    &state.db,
                    created.document.id,
                    &types,
                    "required_for",
                    &audit,
                )
                .await?
            }
            None => Vec::new(),
        };
        Ok(CreatedConsentDocument::Created(Json(view(
            created, required,
        ))))
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
        let required = requirements::types_of(&state.db, [id.0])
            .await?
            .remove(&id.0)
            .unwrap_or_default();
        let mut body = view(Document { document, current }, required);
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
        let saved =
            crate::consent::revision::save(&state.db, state.notifier(), id.0, &input, &audit)
                .await?;
        let required = requirements::types_of(&state.db, [id.0])
            .await?
            .remove(&id.0)
            .unwrap_or_default();
        Ok(CreatedConsentDocument::Created(Json(view(saved, required))))
    }

    /// Set which appointment types require it (owner)
    ///
    /// A booking of one of them gives the document's latest version to each partner who
    /// has no signature of it that still stands; unsigned ones show on the agenda and the
    /// client record, and a reminder asks for them before the appointment.
    #[oai(
        path = "/:id/required-for",
        method = "put",
        operation_id = "setConsentRequirements"
    )]
    async fn set_requirements(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<ConsentRequirementsInput>,
    ) -> ApiResult<Json<ConsentRequirementsView>, StaffWrite> {
        staff.require(Permission::ManageSettings)?;
        let audit = audit_context(&state, &origin, staff.actor());
        let appointment_type_ids = requirements::set(
            &state.db,
            id.0,
            &body.0.appointment_type_ids,
            "appointment_type_ids",
            &audit,
        )
        .await?;
        Ok(Json(ConsentRequirementsView {
            appointment_type_ids,
        }))
    }
}

#[derive(Object)]
pub struct ConsentRequirementsView {
    appointment_type_ids: Vec<Uuid>,
}

/// One document given to one partner, and where it stands.
#[derive(Object)]
pub struct ConsentRequestView {
    id: Uuid,
    participant_id: Uuid,
    document_id: Uuid,
    kind: String,
    /// The title of the version given.
    title: String,
    version: i32,
    /// `pending`, `signed`, or `superseded` (signed, but a later version asks again).
    status: String,
    created_at: DateTime<Utc>,
    viewed_at: Option<DateTime<Utc>>,
    signed_at: Option<DateTime<Utc>>,
    /// SHA-256 of the exact text signed.
    text_sha256: Option<String>,
    /// For a signed one: whether the stored signature still matches its integrity tag.
    intact: Option<bool>,
}

fn request_view(l: requests::Listed) -> ConsentRequestView {
    ConsentRequestView {
        id: l.request.id,
        participant_id: l.request.participant_id,
        document_id: l.request.document_id,
        kind: l.document.kind,
        title: l.version.title,
        version: l.version.version,
        status: l.status.as_str().to_owned(),
        created_at: l.request.created_at,
        viewed_at: l.request.viewed_at,
        signed_at: l.request.signed_at,
        text_sha256: l.request.text_sha256,
        intact: l.intact,
    }
}

#[derive(Object)]
pub struct ConsentRequestList {
    items: Vec<ConsentRequestView>,
}

/// A signed copy, for staff: the exact text and who signed it.
#[derive(Object)]
pub struct SignedCopy {
    id: Uuid,
    title: String,
    version: i32,
    /// The text as shown to sign.
    html: String,
    signed_at: Option<DateTime<Utc>>,
    /// The name the partner typed.
    signed_name: Option<String>,
    text_sha256: Option<String>,
    /// Whether the stored signature still matches its integrity tag and the text still
    /// hashes to what was signed.
    intact: bool,
}

#[derive(Object, Deserialize)]
pub struct AssignConsentBody {
    document_id: Uuid,
    /// One partner; without it, each partner of the client.
    participant_id: Option<Uuid>,
}

#[derive(ApiResponse)]
pub enum AssignedConsents {
    /// The requests made (a partner who already has it waiting or signed gets none).
    #[oai(status = 201)]
    Created(Json<ConsentRequestList>),
}

pub struct ClientConsentsApi;

#[OpenApi(prefix_path = "/clients", tag = "ApiTag::Clients")]
impl ClientConsentsApi {
    /// Give a consent document to sign
    ///
    /// The document's latest version, to one partner or to each; each gets their own signing
    /// link by email (`/consent/{secret}`).
    #[oai(
        path = "/:id/consents",
        method = "post",
        operation_id = "assignConsent"
    )]
    async fn assign(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<AssignConsentBody>,
    ) -> ApiResult<AssignedConsents, StaffWrite> {
        staff.require(Permission::ManageClients)?;
        crate::scheduling::clients::find(&state.db, id.0).await?;
        let audit = audit_context(&state, &origin, staff.actor());
        let made: Vec<Uuid> = requests::assign(
            &state.db,
            state.notifier(),
            id.0,
            body.0.participant_id,
            body.0.document_id,
            &audit,
        )
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
        let made: Vec<ConsentRequestView> = requests::list_for_client(&state.db, &state.keys, id.0)
            .await?
            .into_iter()
            .filter(|l| made.contains(&l.request.id))
            .map(request_view)
            .collect();
        Ok(AssignedConsents::Created(Json(ConsentRequestList {
            items: made,
        })))
    }

    /// A client's consent documents
    ///
    /// Each document given to each partner, latest first, with its status.
    #[oai(
        path = "/:id/consents",
        method = "get",
        operation_id = "listClientConsents"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<ConsentRequestList>, StaffReadOne> {
        staff.require(Permission::ManageClients)?;
        crate::scheduling::clients::find(&state.db, id.0).await?;
        let items = requests::list_for_client(&state.db, &state.keys, id.0)
            .await?
            .into_iter()
            .map(request_view)
            .collect();
        Ok(Json(ConsentRequestList { items }))
    }

    /// One partner's copy of a consent document
    ///
    /// The exact text given and, once signed, who signed it and when. Each look is audited.
    #[oai(
        path = "/:id/consents/:request",
        method = "get",
        operation_id = "getClientConsent"
    )]
    async fn copy(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        request: Path<Uuid>,
    ) -> ApiResult<Json<SignedCopy>, StaffReadOne> {
        staff.require(Permission::ManageClients)?;
        let audit = audit_context(&state, &origin, staff.actor());
        let opened = requests::for_staff(&state.db, &state.keys, id.0, request.0, &audit).await?;
        let hashes = opened.request.text_sha256.as_deref()
            == Some(crate::crypto::sha256_hex(&opened.html).as_str());
        Ok(Json(SignedCopy {
            id: opened.request.id,
            title: opened.version.title,
            version: opened.version.version,
            signed_at: opened.request.signed_at,
            signed_name: opened.signature.map(|s| s.name),
            text_sha256: opened.request.text_sha256.clone(),
            intact: opened.intact && (opened.request.signed_at.is_none() || hashes),
            html: opened.html,
        }))
    }

    /// One partner's copy as a PDF
    ///
    /// The same text and signature, for print or a records request; made without a
    /// browser. Each look is audited.
    #[oai(
        path = "/:id/consents/:request/copy.pdf",
        method = "get",
        operation_id = "getClientConsentPdf"
    )]
    async fn copy_pdf(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        request: Path<Uuid>,
    ) -> ApiResult<PdfFile, StaffReadOne> {
        staff.require(Permission::ManageClients)?;
        let audit = audit_context(&state, &origin, staff.actor());
        let opened = requests::for_staff(&state.db, &state.keys, id.0, request.0, &audit).await?;
        let practice = crate::practice::settings(&state.db).await?;
        let tz = crate::practice::zone_of(&practice);
        let pdf = crate::consent::copy::pdf(&opened, &practice.name, tz);
        Ok(PdfFile::Ok(
            Binary(pdf),
            "attachment; filename=\"signed-copy.pdf\"".to_owned(),
        ))
    }
}

#[derive(ApiResponse)]
pub enum PdfFile {
    /// The PDF.
    #[oai(status = 200, content_type = "application/pdf")]
    Ok(
        Binary<Vec<u8>>,
        /// Saves as `signed-copy.pdf`.
        #[oai(header = "Content-Disposition")]
        String,
    ),
}
