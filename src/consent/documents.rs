//! Consent documents and their versions: listed, read, created, and changed only by adding
//! a version (the old ones stay, exactly as they were signed).

use entity::{consent_document, consent_version};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::{ConsentError, Kind, SecretsPolicy, builtin, markdown};
use crate::{
    audit::{Action, AuditContext, Event},
    db,
    types::single_line,
    validation::FieldErrors,
};

/// The longest text a document may have, in characters.
pub const MAX_BODY: usize = 50_000;

/// A document with its latest version.
pub struct Document {
    pub document: consent_document::Model,
    pub current: consent_version::Model,
}

/// A version as staff send it. For a new document `kind` is required; a new version keeps
/// its document's kind, and its title unless one is given.
#[derive(Clone, Debug, Default)]
pub struct VersionInput {
    pub kind: Option<String>,
    pub title: Option<String>,
    pub body: String,
    pub secrets_policy: Option<String>,
    pub requires_reconsent: bool,
}

struct Checked {
    kind: Kind,
    title: Option<String>,
    body: String,
    secrets_policy: Option<SecretsPolicy>,
}

impl VersionInput {
    fn check(&self, kind: Option<Kind>) -> Result<Checked, crate::validation::Invalid> {
        let mut errors = FieldErrors::default();
        let kind = match kind {
            Some(k) => Some(k),
            None => errors.check(
                "kind",
                self.kind
                    .as_deref()
                    .and_then(Kind::parse)
                    .ok_or("must be informed_consent, confidentiality, telehealth, practice_policies or other"),
            ),
        };
        let title = match (&self.title, kind.is_some() && self.kind.is_some()) {
            (Some(t), _) => errors.check("title", single_line(t, 200)),
            (None, true) => {
                errors.add("title", "must not be empty");
                None
            }
            (None, false) => None,
        };
        let body = self.body.trim();
        if body.is_empty() {
            errors.add("body", "must not be empty");
        } else if body.chars().count() > MAX_BODY {
            errors.add("body", "must be at most 50,000 characters");
        }
        let secrets_policy = match (kind, self.secrets_policy.as_deref()) {
            (Some(Kind::Confidentiality), Some(raw)) => errors.check(
                "secrets_policy",
                SecretsPolicy::parse(raw).ok_or("must be no_secrets or limited_secrets"),
            ),
            (Some(Kind::Confidentiality), None) => {
                errors.add(
                    "secrets_policy",
                    "a confidentiality policy says no_secrets or limited_secrets",
                );
                None
            }
            (_, Some(_)) => {
                errors.add("secrets_policy", "only a confidentiality policy has one");
                None
            }
            (_, None) => None,
        };
        errors.into_result()?;
        Ok(Checked {
            kind: kind.expect("checked"),
            title,
            body: body.to_owned(),
            secrets_policy,
        })
    }
}

/// The text of `v` as the client reads and signs it: its Markdown, with the practice's
/// confidentiality choice in place.
pub fn text_of(v: &consent_version::Model) -> String {
    match v.secrets_policy.as_deref().and_then(SecretsPolicy::parse) {
        Some(policy) => v
            .body
            .replace(builtin::SECRETS_MARKER, builtin::secrets_paragraph(policy)),
        None => v.body.clone(),
    }
}

/// [`text_of`] as safe HTML.
pub fn html_of(v: &consent_version::Model) -> String {
    markdown::to_html(&text_of(v))
}

/// Every document with its latest version, by title.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<Document>, ConsentError> {
    let documents = consent_document::Entity::find()
        .order_by_asc(consent_document::Column::Title)
        .order_by_asc(consent_document::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = documents.iter().map(|d| d.id).collect();
    let versions = consent_version::Entity::find()
        .filter(consent_version::Column::DocumentId.is_in(ids))
        .all(db)
        .await?;
    Ok(documents
        .into_iter()
        .filter_map(|document| {
            let current = versions
                .iter()
                .find(|v| v.document_id == document.id && v.version == document.latest_version)?
                .clone();
            Some(Document { document, current })
        })
        .collect())
}

/// A document and all its versions, earliest first.
pub async fn find(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<(consent_document::Model, Vec<consent_version::Model>), ConsentError> {
    let document = consent_document::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ConsentError::NotFound)?;
    let versions = consent_version::Entity::find()
        .filter(consent_version::Column::DocumentId.eq(id))
        .order_by_asc(consent_version::Column::Version)
        .all(db)
        .await?;
    Ok((document, versions))
}

/// A new document, its version 1.
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    input: &VersionInput,
    audit: &AuditContext,
) -> Result<Document, ConsentError> {
    let checked = input.check(None)?;
    let title = checked.title.clone().unwrap_or_default();
    let txn = db::begin_write(db).await?;
    let id = Uuid::new_v4();
    let document = consent_document::Entity::insert(consent_document::ActiveModel {
        id: Set(id),
        kind: Set(checked.kind.as_str().to_owned()),
        title: Set(title.clone()),
        builtin_slug: Set(None),
        latest_version: Set(1),
        created_at: Set(audit.now),
        updated_at: Set(audit.now),
    })
    .exec_with_returning(&txn)
    .await?;
    let current = insert_version(
        &txn,
        id,
        1,
        title,
        &checked,
        input.requires_reconsent,
        audit,
    )
    .await?;
    audit
        .record(
            &txn,
            Event::new(Action::ConsentDocumentCreate)
                .entity("consent_document", id)
                .details(serde_json::json!({ "kind": checked.kind.as_str() })),
        )
        .await?;
    txn.commit().await?;
    Ok(Document { document, current })
}

/// A new version of document `id`, in the caller's transaction; the earlier ones stay as
/// they were. Who is asked to sign it again is [`super::revision`]'s.
pub async fn add_version_in(
    txn: &impl ConnectionTrait,
    id: Uuid,
    input: &VersionInput,
    audit: &AuditContext,
) -> Result<Document, ConsentError> {
    let current = db::for_update(consent_document::Entity::find_by_id(id), txn)
        .one(txn)
        .await?
        .ok_or(ConsentError::NotFound)?;
    let kind = Kind::parse(&current.kind).unwrap_or(Kind::Other);
    let checked = input.check(Some(kind))?;
    let title = checked
        .title
        .clone()
        .unwrap_or_else(|| current.title.clone());
    let number = current.latest_version + 1;
    let version = insert_version(
        txn,
        id,
        number,
        title.clone(),
        &checked,
        input.requires_reconsent,
        audit,
    )
    .await?;
    let mut model: consent_document::ActiveModel = current.into();
    model.title = Set(title);
    model.latest_version = Set(number);
    model.updated_at = Set(audit.now);
    let document = consent_document::Entity::update(model).exec(txn).await?;
    audit
        .record(
            txn,
            Event::new(Action::ConsentVersionCreate)
                .entity("consent_document", id)
                .details(serde_json::json!({
                    "version": number,
                    "requires_reconsent": input.requires_reconsent,
                })),
        )
        .await?;
    Ok(Document {
        document,
        current: version,
    })
}

async fn insert_version(
    db: &impl ConnectionTrait,
    document: Uuid,
    number: i32,
    title: String,
    checked: &Checked,
    requires_reconsent: bool,
    audit: &AuditContext,
) -> Result<consent_version::Model, ConsentError> {
    Ok(
        consent_version::Entity::insert(consent_version::ActiveModel {
            id: Set(Uuid::new_v4()),
            document_id: Set(document),
            version: Set(number),
            title: Set(title),
            body: Set(checked.body.clone()),
            secrets_policy: Set(checked.secrets_policy.map(|p| p.as_str().to_owned())),
            requires_reconsent: Set(requires_reconsent),
            created_by: Set(audit.actor.id),
            created_at: Set(audit.now),
        })
        .exec_with_returning(db)
        .await?,
    )
}
