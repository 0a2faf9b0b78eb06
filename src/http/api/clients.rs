//! `/clients`: couples and individuals, and the people in them.

use chrono::{DateTime, Utc};
use entity::{
    client::{ClientKind, ClientStatus},
    participant,
};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
    types::MaybeUndefined,
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    ApiResult, ApiTag, JsonBody, PageBody, StaffList, StaffReadOne, StaffWrite, audit_context,
};
use crate::{
    AppState,
    audit::Origin,
    auth::{Permission, Staff},
    http::problem::ApiError,
    pagination::PageRequest,
    scheduling::{
        SchedulingError,
        clients::{self, ClientChanges, ClientRecord, NewClient, PersonFields},
        person_input::PersonInput,
    },
    types::{PersonName, single_line},
    validation::FieldErrors,
};

#[derive(Enum, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Couple,
    Individual,
}

#[derive(Enum, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Booked a consultation; not yet in therapy.
    Lead,
    Active,
    Closed,
}

impl From<ClientKind> for Kind {
    fn from(k: ClientKind) -> Self {
        match k {
            ClientKind::Couple => Kind::Couple,
            ClientKind::Individual => Kind::Individual,
        }
    }
}

impl From<Kind> for ClientKind {
    fn from(k: Kind) -> Self {
        match k {
            Kind::Couple => ClientKind::Couple,
            Kind::Individual => ClientKind::Individual,
        }
    }
}

impl From<ClientStatus> for Status {
    fn from(s: ClientStatus) -> Self {
        match s {
            ClientStatus::Lead => Status::Lead,
            ClientStatus::Active => Status::Active,
            ClientStatus::Closed => Status::Closed,
        }
    }
}

impl From<Status> for ClientStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Lead => ClientStatus::Lead,
            Status::Active => ClientStatus::Active,
            Status::Closed => ClientStatus::Closed,
        }
    }
}

#[derive(Object)]
pub struct ParticipantSummary {
    id: Uuid,
    first_name: String,
    last_name: String,
    email: Option<String>,
}

#[derive(Object)]
pub struct ClientSummary {
    id: Uuid,
    /// As on the client and in the calendar feed, e.g. `C-3F9A2B`.
    reference: String,
    name: String,
    kind: Kind,
    status: Status,
    participants: Vec<ParticipantSummary>,
}

#[derive(Object)]
pub struct ParticipantView {
    id: Uuid,
    first_name: String,
    last_name: String,
    email: Option<String>,
    phone: Option<String>,
    pronouns: Option<String>,
    time_zone: Option<String>,
    /// `email`, `phone` or `text`.
    preferred_contact: Option<String>,
}

impl From<participant::Model> for ParticipantView {
    fn from(p: participant::Model) -> Self {
        Self {
            id: p.id,
            first_name: p.first_name,
            last_name: p.last_name,
            email: p.email,
            phone: p.phone,
            pronouns: p.pronouns,
            time_zone: p.time_zone,
            preferred_contact: p.preferred_contact,
        }
    }
}

#[derive(Object)]
pub struct ClientView {
    id: Uuid,
    /// A short reference that names no one (`C-3F9A2B`), as the calendar feed shows it;
    /// searching for it finds the client.
    reference: String,
    name: String,
    kind: Kind,
    status: Status,
    source: String,
    primary_practitioner_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    participants: Vec<ParticipantView>,
}

impl From<ClientRecord> for ClientView {
    fn from(r: ClientRecord) -> Self {
        Self {
            id: r.client.id,
            reference: clients::reference(r.client.id),
            name: r.client.display_name,
            kind: r.client.kind.into(),
            status: r.client.status.into(),
            source: r.client.source,
            primary_practitioner_id: r.client.primary_practitioner_id,
            created_at: r.client.created_at,
            participants: r.participants.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Object, Deserialize, Clone)]
pub struct PersonBody {
    first_name: String,
    last_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    pronouns: Option<String>,
    /// IANA zone, e.g. `America/Chicago`.
    time_zone: Option<String>,
    /// `email`, `phone` or `text`.
    preferred_contact: Option<String>,
}

#[derive(Object, Deserialize)]
pub struct NewClientBody {
    /// How staff see the case; by default the participants' names.
    name: Option<String>,
    kind: Kind,
    /// Default `active`.
    status: Option<Status>,
    /// How they came, e.g. "referral"; default "staff".
    source: Option<String>,
    primary_practitioner_id: Option<Uuid>,
    /// One or two people (two only for a couple).
    participants: Vec<PersonBody>,
}

#[derive(Object, Deserialize)]
pub struct ClientPatch {
    name: Option<String>,
    status: Option<Status>,
    source: Option<String>,
    /// Not changed here: who treats a client decides who reads their clinical record, so it
    /// is its own action, `PUT /clients/{id}/practitioner`. Sending it is a 422.
    #[serde(default)]
    primary_practitioner_id: MaybeUndefined<Uuid>,
}

#[derive(Object, Deserialize)]
pub struct PractitionerChoice {
    /// The practitioner who treats the client, or null for nobody.
    practitioner_id: Option<Uuid>,
}

#[derive(ApiResponse)]
pub enum CreatedClient {
    /// Created.
    #[oai(status = 201)]
    Created(Json<ClientView>),
}

#[derive(ApiResponse)]
pub enum CreatedParticipant {
    /// Added.
    #[oai(status = 201)]
    Created(Json<ParticipantView>),
}

pub struct ClientsApi;

#[OpenApi(prefix_path = "/clients", tag = "ApiTag::Clients")]
impl ClientsApi {
    /// Clients
    ///
    /// By name. `q` finds clients whose name, or a participant's name or email, contains it.
    #[oai(path = "/", method = "get", operation_id = "listClients")]
    async fn list(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        q: Query<Option<String>>,
        status: Query<Option<Status>>,
        limit: Query<Option<u64>>,
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<PageBody<ClientSummary>>, StaffList> {
        staff.require(Permission::ManageClients)?;
        if q.0
            .as_deref()
            .is_some_and(|q| single_line(q, 200).is_err() && !q.trim().is_empty())
        {
            return Err(
                ApiError::invalid("q", "must be one line of at most 200 characters").into(),
            );
        }
        let page: PageRequest<clients::Cursor> = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        if page
            .after
            .as_ref()
            .is_some_and(|(name, _)| name.chars().any(char::is_control))
        {
            return Err(ApiError::invalid("cursor", "is not a cursor from this list").into());
        }
        let found =
            clients::search(&state.db, q.0.as_deref(), status.0.map(Into::into), &page).await?;
        Ok(Json(PageBody::from_page(found, |r| ClientSummary {
            id: r.client.id,
            reference: clients::reference(r.client.id),
            name: r.client.display_name,
            kind: r.client.kind.into(),
            status: r.client.status.into(),
            participants: r
                .participants
                .into_iter()
                .map(|p| ParticipantSummary {
                    id: p.id,
                    first_name: p.first_name,
                    last_name: p.last_name,
                    email: p.email,
                })
                .collect(),
        })))
    }

    /// Add a client
    #[oai(path = "/", method = "post", operation_id = "createClient")]
    async fn create(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        body: JsonBody<NewClientBody>,
    ) -> ApiResult<CreatedClient, StaffWrite> {
        staff.require(Permission::ManageClients)?;
        let body = body.0;
        let mut errors = FieldErrors::default();
        let name = body
            .name
            .as_deref()
            .and_then(|n| errors.check("name", PersonName::full(n).map(PersonName::into_string)));
        let source = match body.source.as_deref() {
            Some(s) => errors.check("source", single_line(s, 100)),
            None => Some("staff".to_owned()),
        };
        let kind: ClientKind = body.kind.into();
        if body.participants.is_empty() || body.participants.len() > clients::capacity(kind) {
            errors.add(
                "participants",
                match kind {
                    ClientKind::Couple => "must list one or two people",
                    ClientKind::Individual => "must list one person",
                },
            );
        }
        let people: Vec<PersonFields> = body
            .participants
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                PersonInput::from(p).check(&format!("participants[{i}]"), &mut errors)
            })
            .collect();
        errors.into_result()?;
        let audit = audit_context(&state, &origin, staff.actor());
        let record = clients::create(
            &state.db,
            &staff,
            NewClient {
                display_name: name,
                kind,
                status: body.status.map(Into::into).unwrap_or(ClientStatus::Active),
                source: source.unwrap_or_default(),
                primary_practitioner_id: body.primary_practitioner_id,
                participants: people,
            },
            &audit,
        )
        .await
        .map_err(|e| match e {
            SchedulingError::UnknownPractitioner => {
                ApiError::invalid("primary_practitioner_id", "is not a practitioner")
            }
            other => other.into(),
        })?;
        Ok(CreatedClient::Created(Json(record.into())))
    }

    /// One client
    #[oai(path = "/:id", method = "get", operation_id = "getClient")]
    async fn get(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<ClientView>, StaffReadOne> {
        staff.require(Permission::ManageClients)?;
        Ok(Json(clients::find(&state.db, id.0).await?.into()))
    }

    /// Change a client
    #[oai(path = "/:id", method = "patch", operation_id = "updateClient")]
    async fn update(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<ClientPatch>,
    ) -> ApiResult<Json<ClientView>, StaffWrite> {
        staff.require(Permission::ManageClients)?;
        let body = body.0;
        let mut errors = FieldErrors::default();
        let display_name = body
            .name
            .as_deref()
            .and_then(|n| errors.check("name", PersonName::full(n).map(PersonName::into_string)));
        let source = body
            .source
            .as_deref()
            .and_then(|s| errors.check("source", single_line(s, 100)));
        if !body.primary_practitioner_id.is_undefined() {
            errors.add(
                "primary_practitioner_id",
                "is changed with PUT /clients/{id}/practitioner",
            );
        }
        errors.into_result()?;
        let changes = ClientChanges {
            display_name,
            status: body.status.map(Into::into),
            source,
        };
        let audit = audit_context(&state, &origin, staff.actor());
        Ok(Json(
            clients::update(&state.db, id.0, changes, &audit)
                .await?
                .into(),
        ))
    }

    /// Choose who treats a client
    ///
    /// The client's practitioner is who, with the owners, reads their clinical record. Owners
    /// may always change it; for a client nobody treats yet, an assistant may assign any
    /// practitioner and a clinician their own; nobody else may. Recorded in the audit log as
    /// `client.assign` (from nobody) or `client.transfer`.
    #[oai(
        path = "/:id/practitioner",
        method = "put",
        operation_id = "setClientPractitioner"
    )]
    async fn set_practitioner(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<PractitionerChoice>,
    ) -> ApiResult<Json<ClientView>, StaffWrite> {
        let audit = audit_context(&state, &origin, staff.actor());
        let record =
            clients::set_practitioner(&state.db, &staff, id.0, body.0.practitioner_id, &audit)
                .await
                .map_err(|e| match e {
                    SchedulingError::UnknownPractitioner => {
                        ApiError::invalid("practitioner_id", "is not a practitioner")
                    }
                    other => other.into(),
                })?;
        Ok(Json(record.into()))
    }

    /// Add a participant
    ///
    /// A couple holds two people, an individual one.
    #[oai(
        path = "/:id/participants",
        method = "post",
        operation_id = "addParticipant"
    )]
    async fn add_participant(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<PersonBody>,
    ) -> ApiResult<CreatedParticipant, StaffWrite> {
        staff.require(Permission::ManageClients)?;
        let mut errors = FieldErrors::default();
        let fields = PersonInput::from(&body.0).check("", &mut errors);
        errors.into_result()?;
        let Some(fields) = fields else {
            return Err(ApiError::internal(anyhow::anyhow!("checked fields missing")).into());
        };
        let audit = audit_context(&state, &origin, staff.actor());
        let saved = clients::add_participant(&state.db, id.0, fields, &audit).await?;
        Ok(CreatedParticipant::Created(Json(saved.into())))
    }

    /// Change a participant's details
    #[oai(
        path = "/:id/participants/:participant_id",
        method = "put",
        operation_id = "updateParticipant"
    )]
    async fn update_participant(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        participant_id: Path<Uuid>,
        body: JsonBody<PersonBody>,
    ) -> ApiResult<Json<ParticipantView>, StaffWrite> {
        staff.require(Permission::ManageClients)?;
        let mut errors = FieldErrors::default();
        let fields = PersonInput::from(&body.0).check("", &mut errors);
        errors.into_result()?;
        let Some(fields) = fields else {
            return Err(ApiError::internal(anyhow::anyhow!("checked fields missing")).into());
        };
        let audit = audit_context(&state, &origin, staff.actor());
        let saved = crate::scheduling::readdress::update_participant(
            &state.db,
            state.notifier(),
            &state.followups(),
            id.0,
            participant_id.0,
            fields,
            &audit,
        )
        .await?;
        Ok(Json(saved.into()))
    }
}

impl From<&PersonBody> for PersonInput {
    fn from(p: &PersonBody) -> Self {
        Self {
            first_name: p.first_name.clone(),
            last_name: p.last_name.clone(),
            email: p.email.clone(),
            phone: p.phone.clone(),
            pronouns: p.pronouns.clone(),
            time_zone: p.time_zone.clone(),
            preferred_contact: p.preferred_contact.clone(),
        }
    }
}
