//! Consent documents given to each partner to sign, privately, through their own link
//! (`/consent/{secret}`), and the signatures: the name they typed, when, from which address
//! and browser (sealed), and the SHA-256 of the exact text they were shown, bound to the row
//! by a tag made with the data key.

use chrono::{DateTime, Utc};
use entity::{consent_document, consent_request, consent_version, participant};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ConsentError, documents};
use crate::{
    audit::{Action, Actor, AuditContext, Event},
    crypto::{self, DataKeys, Secret},
    db, integrity,
    mail::{
        Kind, Notifier,
        compose::Content,
        outbox::{self, NewEmail},
        templates::{ConsentView, MessageContext},
    },
    types::joined,
    validation::{FieldError, Invalid},
};

/// Signing links start with this.
pub const TOKEN_PREFIX: &str = "atc_";

pub fn token_context(id: Uuid) -> String {
    format!("consent_request.token:{id}")
}

pub fn signature_context(id: Uuid) -> String {
    format!("consent_request.signature:{id}")
}

/// What a partner gave when signing, kept sealed.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Signature {
    pub name: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Where a request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Pending,
    Signed,
    /// Signed, but the practice has since saved a version that asks everyone again.
    Superseded,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Signed => "signed",
            Status::Superseded => "superseded",
        }
    }
}

/// A request as listed: with its document, the version given and where it stands.
pub struct Listed {
    pub request: consent_request::Model,
    pub document: consent_document::Model,
    pub version: consent_version::Model,
    pub status: Status,
    /// For a signed one: whether the row still matches its tag.
    pub intact: Option<bool>,
}

/// Gives document `document_id`'s latest version to `participant_id`, or to each partner of
/// the client, and emails each their link. A partner who already has it waiting, or has
/// signed that version, is left as they are. Answers the requests made.
pub async fn assign<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    n: Notifier<'_>,
    client_id: Uuid,
    participant_id: Option<Uuid>,
    document_id: Uuid,
    audit: &AuditContext,
) -> Result<Vec<consent_request::Model>, ConsentError> {
    let txn = db::begin_write(db).await?;
    let people = participant::Entity::find()
        .filter(participant::Column::ClientId.eq(client_id))
        .order_by_asc(participant::Column::Position)
        .all(&txn)
        .await?;
    if people.is_empty() {
        return Err(ConsentError::UnknownClient);
    }
    let people: Vec<participant::Model> = match participant_id {
        Some(id) => {
            let one: Vec<_> = people.into_iter().filter(|p| p.id == id).collect();
            if one.is_empty() {
                return Err(invalid("participant_id", "is not a partner of this client"));
            }
            one
        }
        None => people,
    };
    let (document, versions) = documents::find(&txn, document_id)
        .await
        .map_err(|e| match e {
            ConsentError::NotFound => invalid("document_id", "is not a consent document"),
            other => other,
        })?;
    let latest = versions
        .into_iter()
        .find(|v| v.version == document.latest_version)
        .ok_or(ConsentError::NotFound)?;
    let made = give(&txn, n, &document, &latest, &people, false, audit).await?;
    txn.commit().await?;
    n.mailer.wake();
    Ok(made)
}

/// Each of `people` with nothing of `document` waiting and no signature of it that still
/// stands gets `version`, by email where they have an address. In the caller's transaction.
pub async fn give(
    db: &impl ConnectionTrait,
    n: Notifier<'_>,
    document: &consent_document::Model,
    version: &consent_version::Model,
    people: &[participant::Model],
    again: bool,
    audit: &AuditContext,
) -> Result<Vec<consent_request::Model>, ConsentError> {
    let held = consent_request::Entity::find()
        .filter(consent_request::Column::DocumentId.eq(document.id))
        .filter(consent_request::Column::ParticipantId.is_in(people.iter().map(|p| p.id)))
        .all(db)
        .await?;
    let versions = consent_version::Entity::find()
        .filter(consent_version::Column::DocumentId.eq(document.id))
        .all(db)
        .await?;
    // A signature stands from the latest version that asked everyone again.
    let floor = versions
        .iter()
        .filter(|v| v.requires_reconsent)
        .map(|v| v.version)
        .max()
        .unwrap_or(1);
    let stands = |r: &consent_request::Model| {
        r.signed_at.is_some()
            && versions
                .iter()
                .any(|v| v.id == r.version_id && v.version >= floor)
    };
    let mut made = Vec::new();
    let mut emails = Vec::new();
    for person in people {
        let covered = held
            .iter()
            .any(|r| r.participant_id == person.id && (r.signed_at.is_none() || stands(r)));
        if covered {
            continue;
        }
        let id = Uuid::new_v4();
        let token = Secret::generate(TOKEN_PREFIX);
        let row = consent_request::Entity::insert(consent_request::ActiveModel {
            id: Set(id),
            client_id: Set(person.client_id),
            participant_id: Set(person.id),
            document_id: Set(document.id),
            version_id: Set(version.id),
            token_hash: Set(token.hash()),
            token_sealed: Set(n.keys.seal(token.expose(), &token_context(id))),
            created_by: Set(audit.actor.id),
            created_at: Set(audit.now),
            viewed_at: Set(None),
            signed_at: Set(None),
            signature_sealed: Set(None),
            text_sha256: Set(None),
            integrity: Set(None),
        })
        .exec_with_returning(db)
        .await?;
        audit
            .record(
                db,
                Event::new(Action::ConsentAssign)
                    .entity("consent_request", id)
                    .details(serde_json::json!({
                        "document_id": document.id,
                        "version": version.version,
                        "participant_id": person.id,
                    })),
            )
            .await?;
        if let Some(address) = person.email.clone() {
            emails.push(
                request_email(
                    db,
                    n,
                    person,
                    &address,
                    token.expose(),
                    again,
                    id,
                    audit.now,
                )
                .await?,
            );
        }
        made.push(row);
    }
    outbox::enqueue_all(db, n.keys, emails, audit.now).await?;
    Ok(made)
}

/// `person`'s address changed: each document still waiting for them gets a new link (the
/// old one, sent to the old address, stops working) and is sent to the new address.
/// Answers how many were replaced. In the caller's transaction.
pub async fn relink(
    db: &impl ConnectionTrait,
    n: Notifier<'_>,
    person: &participant::Model,
    now: DateTime<Utc>,
) -> Result<usize, ConsentError> {
    let waiting = consent_request::Entity::find()
        .filter(consent_request::Column::ParticipantId.eq(person.id))
        .filter(consent_request::Column::SignedAt.is_null())
        .all(db)
        .await?;
    let mut emails = Vec::new();
    for request in &waiting {
        let token = Secret::generate(TOKEN_PREFIX);
        consent_request::Entity::update_many()
            .col_expr(
                consent_request::Column::TokenHash,
                sea_orm::sea_query::Expr::value(token.hash()),
            )
            .col_expr(
                consent_request::Column::TokenSealed,
                sea_orm::sea_query::Expr::value(
                    n.keys.seal(token.expose(), &token_context(request.id)),
                ),
            )
            .filter(consent_request::Column::Id.eq(request.id))
            .exec(db)
            .await?;
        if let Some(address) = person.email.clone() {
            let mut email = request_email(
                db,
                n,
                person,
                &address,
                token.expose(),
                false,
                request.id,
                now,
            )
            .await?;
            // Keyed by the link too, so the new one is sent though the old one went.
            email.key = format!("{}:{}", email.key, &token.hash()[..12]);
            emails.push(email);
        }
    }
    outbox::enqueue_all(db, n.keys, emails, now).await?;
    Ok(waiting.len())
}

/// Gives each of `people` the latest version of each of `documents` ([`give`] decides who
/// already has it). In the caller's transaction.
pub async fn give_latest(
    db: &impl ConnectionTrait,
    n: Notifier<'_>,
    documents: &[Uuid],
    people: &[participant::Model],
    audit: &AuditContext,
) -> Result<(), ConsentError> {
    if documents.is_empty() || people.is_empty() {
        return Ok(());
    }
    let found = consent_document::Entity::find()
        .filter(consent_document::Column::Id.is_in(documents.iter().copied()))
        .all(db)
        .await?;
    let versions = consent_version::Entity::find()
        .filter(consent_version::Column::DocumentId.is_in(found.iter().map(|d| d.id)))
        .all(db)
        .await?;
    for document in &found {
        if let Some(version) = versions
            .iter()
            .find(|v| v.document_id == document.id && v.version == document.latest_version)
        {
            give(db, n, document, version, people, false, audit).await?;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn request_email(
    db: &impl ConnectionTrait,
    n: Notifier<'_>,
    person: &participant::Model,
    address: &str,
    token: &str,
    again: bool,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<NewEmail, ConsentError> {
    let practice = crate::practice::settings(db).await.map_err(db_error)?;
    let mut context =
        MessageContext::of_practice(&practice, &person.first_name, n.public_url.link("/book"));
    context.consent = Some(ConsentView {
        url: n.public_url.link(&format!("/consent/{token}")),
        again,
        links: Vec::new(),
        before: None,
    });
    let rendered = n
        .render(Kind::ConsentRequest, &context)
        .map_err(|e| ConsentError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
    let (from_name, from_address) = crate::practice::sender_for(db, person.client_id)
        .await
        .map_err(db_error)?;
    Ok(NewEmail {
        kind: Kind::ConsentRequest,
        recipient: address.to_owned(),
        subject: rendered.subject,
        content: Content {
            to_name: Some(joined(&person.first_name, &person.last_name)),
            from_name,
            from_address,
            text: rendered.text,
            html: rendered.html,
            attachments: Vec::new(),
            not_after: None,
        },
        scheduled_at: now,
        key: format!("consent_request:{id}"),
        appointment_id: None,
        intake_id: None,
    })
}

pub(super) fn db_error(e: crate::practice::PracticeError) -> ConsentError {
    match e {
        crate::practice::PracticeError::Db(e) => ConsentError::Db(e),
        other => ConsentError::Db(sea_orm::DbErr::Custom(other.to_string())),
    }
}

fn invalid(field: &str, message: &str) -> ConsentError {
    ConsentError::Invalid(Invalid(vec![FieldError::new(field, message)]))
}

/// A client's requests, latest first, each with where it stands.
pub async fn list_for_client(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    client_id: Uuid,
) -> Result<Vec<Listed>, ConsentError> {
    let requests = consent_request::Entity::find()
        .filter(consent_request::Column::ClientId.eq(client_id))
        .order_by_desc(consent_request::Column::CreatedAt)
        .order_by_asc(consent_request::Column::Id)
        .all(db)
        .await?;
    let doc_ids: Vec<Uuid> = requests.iter().map(|r| r.document_id).collect();
    let documents = consent_document::Entity::find()
        .filter(consent_document::Column::Id.is_in(doc_ids.clone()))
        .all(db)
        .await?;
    let versions = consent_version::Entity::find()
        .filter(consent_version::Column::DocumentId.is_in(doc_ids))
        .all(db)
        .await?;
    Ok(requests
        .into_iter()
        .filter_map(|request| {
            let document = documents
                .iter()
                .find(|d| d.id == request.document_id)?
                .clone();
            let version = versions
                .iter()
                .find(|v| v.id == request.version_id)?
                .clone();
            let status = if request.signed_at.is_none() {
                Status::Pending
            } else if versions.iter().any(|v| {
                v.document_id == document.id && v.version > version.version && v.requires_reconsent
            }) {
                Status::Superseded
            } else {
                Status::Signed
            };
            let intact = request.signed_at.map(|_| integrity::holds(keys, &request));
            Some(Listed {
                request,
                document,
                version,
                status,
                intact,
            })
        })
        .collect())
}

/// One request with what it shows.
pub struct Opened {
    pub request: consent_request::Model,
    pub version: consent_version::Model,
    pub participant: participant::Model,
    /// The exact text (HTML) that is, or was, signed.
    pub html: String,
    pub signature: Option<Signature>,
    /// For a signed one: whether the row still matches its tag.
    pub intact: bool,
}

/// The request behind a signing link, recording the view (the first one on the row, every
/// one in the audit log). None for a link that was never made.
pub async fn open(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    token: &str,
    audit: &AuditContext,
) -> Result<Option<Opened>, ConsentError> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 100 {
        return Ok(None);
    }
    let Some(request) = consent_request::Entity::find()
        .filter(consent_request::Column::TokenHash.eq(crypto::hash_secret(token)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let opened = opened(db, keys, request).await?;
    if opened.request.viewed_at.is_none() {
        consent_request::Entity::update_many()
            .col_expr(consent_request::Column::ViewedAt, Some(audit.now).into())
            .filter(consent_request::Column::Id.eq(opened.request.id))
            .exec(db)
            .await?;
    }
    audit
        .as_actor(Actor::client_link(opened.request.id))
        .record(
            db,
            Event::new(Action::ConsentView).entity("consent_request", opened.request.id),
        )
        .await?;
    Ok(Some(opened))
}

/// `request` with its version, partner, text and signature.
pub async fn opened(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    request: consent_request::Model,
) -> Result<Opened, ConsentError> {
    let version = consent_version::Entity::find_by_id(request.version_id)
        .one(db)
        .await?
        .ok_or(ConsentError::NotFound)?;
    let participant = participant::Entity::find_by_id(request.participant_id)
        .one(db)
        .await?
        .ok_or(ConsentError::NotFound)?;
    let signature = request
        .signature_sealed
        .as_deref()
        .and_then(|s| keys.open(s, &signature_context(request.id)).ok())
        .and_then(|json| serde_json::from_str(&json).ok());
    let intact = request.signed_at.is_none() || integrity::holds(keys, &request);
    Ok(Opened {
        html: documents::html_of(&version),
        request,
        version,
        participant,
        signature,
        intact,
    })
}

/// What the signer sent.
pub struct Signing<'a> {
    pub name: &'a str,
    pub agreed: bool,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Signs the request behind `token`: the name typed must be the partner's own and the box
/// ticked; the text's SHA-256 is taken of exactly what the page shows.
pub async fn sign<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    keys: &DataKeys,
    token: &str,
    signing: Signing<'_>,
    audit: &AuditContext,
) -> Result<consent_request::Model, ConsentError> {
    let txn = db::begin_write(db).await?;
    let hash = crypto::hash_secret(token);
    let request = db::for_update(
        consent_request::Entity::find().filter(consent_request::Column::TokenHash.eq(hash)),
        &txn,
    )
    .one(&txn)
    .await?
    .ok_or(ConsentError::NotFound)?;
    if request.signed_at.is_some() {
        return Err(ConsentError::AlreadySigned);
    }
    let opened = opened(&txn, keys, request).await?;
    let mut errors = Vec::new();
    let typed: String = signing
        .name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let theirs = joined(
        &opened.participant.first_name,
        &opened.participant.last_name,
    );
    if typed.is_empty() {
        errors.push(FieldError::new("name", "Type your full name to sign"));
    } else if typed.to_lowercase() != theirs.to_lowercase() {
        errors.push(FieldError::new(
            "name",
            "Type your full name as the practice has it",
        ));
    }
    if !signing.agreed {
        errors.push(FieldError::new("agree", "Tick \"I agree\" to sign"));
    }
    if !errors.is_empty() {
        return Err(ConsentError::Invalid(Invalid(errors)));
    }
    let id = opened.request.id;
    let signature = Signature {
        name: typed,
        ip: signing.ip,
        user_agent: signing.user_agent.map(|ua| ua.chars().take(500).collect()),
    };
    let mut row = opened.request.clone();
    row.signed_at = Some(audit.now);
    row.text_sha256 = Some(crypto::sha256_hex(&opened.html));
    row.signature_sealed = Some(keys.seal(
        &serde_json::to_string(&signature).expect("plain data serializes"),
        &signature_context(id),
    ));
    row.integrity = Some(integrity::tag(keys, &row));
    let mut model: consent_request::ActiveModel = opened.request.into();
    model.signed_at = Set(row.signed_at);
    model.text_sha256 = Set(row.text_sha256.clone());
    model.signature_sealed = Set(row.signature_sealed.clone());
    model.integrity = Set(row.integrity.clone());
    let saved = consent_request::Entity::update(model).exec(&txn).await?;
    audit
        .as_actor(Actor::client_link(id))
        .record(
            &txn,
            Event::new(Action::ConsentSign)
                .entity("consent_request", id)
                .details(serde_json::json!({ "version_id": saved.version_id })),
        )
        .await?;
    txn.commit().await?;
    Ok(saved)
}

/// The request `id` of client `client_id` for staff, the look audited.
pub async fn for_staff(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    client_id: Uuid,
    id: Uuid,
    audit: &AuditContext,
) -> Result<Opened, ConsentError> {
    let request = consent_request::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|r| r.client_id == client_id)
        .ok_or(ConsentError::NotFound)?;
    let opened = opened(db, keys, request).await?;
    audit
        .record(
            db,
            Event::new(Action::ConsentView).entity("consent_request", id),
        )
        .await?;
    Ok(opened)
}
