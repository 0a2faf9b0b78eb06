//! Clients (a couple or an individual) and the people in them.

use chrono::{DateTime, Utc};
use entity::{
    client::{self, ClientKind, ClientStatus},
    participant,
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionSession, TransactionTrait,
    sea_query::{Expr, ExprTrait, LikeExpr},
};
use std::collections::HashMap;
use uuid::Uuid;

use super::SchedulingError;
use crate::{
    audit::{Action, AuditContext, Event},
    auth::Staff,
    db,
    pagination::{Page, PageRequest},
    policy::{self, Assignment},
};

/// A person's details, checked at the edge.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonFields {
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub pronouns: Option<String>,
    pub time_zone: Option<String>,
    pub preferred_contact: Option<String>,
}

impl PersonFields {
    /// A stored participant's details, to compare a change with.
    pub fn of(p: &participant::Model) -> Self {
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

    pub fn full_name(&self) -> String {
        crate::types::joined(&self.first_name, &self.last_name)
    }
}

/// A client with its participants, in order.
#[derive(Clone, Debug)]
pub struct ClientRecord {
    pub client: client::Model,
    pub participants: Vec<participant::Model>,
}

pub struct NewClient {
    /// `None`: made from the participants' names.
    pub display_name: Option<String>,
    pub kind: ClientKind,
    pub status: ClientStatus,
    pub source: String,
    pub primary_practitioner_id: Option<Uuid>,
    pub participants: Vec<PersonFields>,
}

/// How many people each kind of client holds.
pub fn capacity(kind: ClientKind) -> usize {
    match kind {
        ClientKind::Couple => 2,
        ClientKind::Individual => 1,
    }
}

/// "Jane Doe & Sam Roe", or one name.
pub fn display_name_for(people: &[PersonFields]) -> String {
    people
        .iter()
        .map(PersonFields::full_name)
        .collect::<Vec<_>>()
        .join(" & ")
}

/// Creates a client and its participants inside `db` (a transaction the caller commits).
pub async fn insert(
    db: &impl ConnectionTrait,
    new: NewClient,
    now: DateTime<Utc>,
) -> Result<ClientRecord, SchedulingError> {
    if new.participants.len() > capacity(new.kind) {
        return Err(SchedulingError::TooManyParticipants);
    }
    let id = Uuid::new_v4();
    let display_name = new
        .display_name
        .unwrap_or_else(|| display_name_for(&new.participants));
    let participants: Vec<participant::Model> = new
        .participants
        .into_iter()
        .enumerate()
        .map(|(i, person)| participant::Model {
            id: Uuid::new_v4(),
            client_id: id,
            position: i as i32 + 1,
            first_name: person.first_name,
            last_name: person.last_name,
            email: person.email,
            phone: person.phone,
            pronouns: person.pronouns,
            time_zone: person.time_zone,
            preferred_contact: person.preferred_contact,
            email_reminders: true,
            created_at: now,
            updated_at: now,
        })
        .collect();
    let client = client::Model {
        id,
        search_text: search_text(id, &display_name, &participants),
        display_name,
        kind: new.kind,
        status: new.status,
        source: new.source,
        primary_practitioner_id: new.primary_practitioner_id,
        created_at: now,
        updated_at: now,
    };
    // Two statements whatever the number of people: the client, then its people at once.
    client::Entity::insert(client::ActiveModel::from(client.clone()).reset_all())
        .exec_without_returning(db)
        .await?;
    participant::Entity::insert_many(
        participants
            .iter()
            .cloned()
            .map(|p| participant::ActiveModel::from(p).reset_all()),
    )
    .exec_without_returning(db)
    .await?;
    Ok(ClientRecord {
        client,
        participants,
    })
}

/// A short, stable reference to a client that says nothing about them, e.g. `C-3F9A2B`:
/// enough for staff to find the record from a calendar event, useless to anyone else.
pub fn reference(client_id: Uuid) -> String {
    let hex = client_id.simple().to_string();
    // The last digits: random in every UUID version Attune makes.
    format!("C-{}", hex[hex.len() - 6..].to_uppercase())
}

/// What search matches a client by: its reference, its name and its people's names and
/// emails, folded to lower case here rather than by the database, so every backend folds
/// "É" the same.
pub fn search_text(client_id: Uuid, display_name: &str, people: &[participant::Model]) -> String {
    let mut parts = vec![reference(client_id), display_name.to_owned()];
    for p in people {
        parts.push(format!("{} {}", p.first_name, p.last_name));
        parts.extend(p.email.clone());
    }
    parts.join("\n").to_lowercase()
}

/// Stores the client's search text after a change to it or its people.
async fn reindex(
    db: &impl ConnectionTrait,
    client: client::Model,
    people: &[participant::Model],
) -> Result<client::Model, DbErr> {
    let text = search_text(client.id, &client.display_name, people);
    if text == client.search_text {
        return Ok(client);
    }
    client::Entity::update_many()
        .col_expr(client::Column::SearchText, Expr::value(text.clone()))
        .filter(client::Column::Id.eq(client.id))
        .exec(db)
        .await?;
    Ok(client::Model {
        search_text: text,
        ..client
    })
}

/// Reindexes a client by id, reading its people.
async fn reindex_by_id(db: &impl ConnectionTrait, id: Uuid) -> Result<(), SchedulingError> {
    let record = find(db, id).await?;
    reindex(db, record.client, &record.participants).await?;
    Ok(())
}

async fn insert_participant(
    db: &impl ConnectionTrait,
    client_id: Uuid,
    position: i32,
    person: PersonFields,
    now: DateTime<Utc>,
) -> Result<participant::Model, DbErr> {
    participant::Entity::insert(participant::ActiveModel {
        id: Set(Uuid::new_v4()),
        client_id: Set(client_id),
        position: Set(position),
        first_name: Set(person.first_name),
        last_name: Set(person.last_name),
        email: Set(person.email),
        phone: Set(person.phone),
        pronouns: Set(person.pronouns),
        time_zone: Set(person.time_zone),
        preferred_contact: Set(person.preferred_contact),
        email_reminders: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_with_returning(db)
    .await
}

/// Creates a client as `staff`, and records it. Naming who treats the new client is an
/// assignment like any other, so the policy decides it and the log records it.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    staff: &Staff,
    new: NewClient,
    audit: &AuditContext,
) -> Result<ClientRecord, SchedulingError> {
    let to = new.primary_practitioner_id;
    let kind = policy::assign(staff, None, to)?;
    let txn = db::begin_write(db).await?;
    if let Some(p) = to {
        super::availability::practitioner(&txn, p).await?;
    }
    let record = insert(&txn, new, audit.now).await?;
    audit
        .record(
            &txn,
            Event::new(Action::ClientCreate).entity("client", record.client.id),
        )
        .await?;
    record_assignment(&txn, audit, record.client.id, kind, None, to).await?;
    txn.commit().await?;
    Ok(record)
}

/// Makes `to` (or nobody) the practitioner who treats the client, if the policy lets `staff`.
/// Every clinical check keys on this, so it is its own audited action and nothing else
/// changes it.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn set_practitioner<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    staff: &Staff,
    id: Uuid,
    to: Option<Uuid>,
    audit: &AuditContext,
) -> Result<ClientRecord, SchedulingError> {
    let txn = db::begin_write(db).await?;
    // Locked on Postgres: two people assigning a new couple at once must not both see
    // "nobody treats them" and both succeed (the second would be a transfer).
    let current = db::for_update(client::Entity::find_by_id(id), &txn)
        .one(&txn)
        .await?
        .ok_or(SchedulingError::UnknownClient)?;
    if let Some(p) = to {
        super::availability::practitioner(&txn, p).await?;
    }
    let kind = policy::assign(staff, current.primary_practitioner_id, to)?;
    if kind != Assignment::Unchanged {
        client::Entity::update_many()
            .col_expr(client::Column::PrimaryPractitionerId, to.into())
            .col_expr(client::Column::UpdatedAt, audit.now.into())
            .filter(client::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        record_assignment(&txn, audit, id, kind, current.primary_practitioner_id, to).await?;
    }
    let record = find(&txn, id).await?;
    txn.commit().await?;
    Ok(record)
}

async fn record_assignment(
    db: &impl ConnectionTrait,
    audit: &AuditContext,
    client_id: Uuid,
    kind: Assignment,
    from: Option<Uuid>,
    to: Option<Uuid>,
) -> Result<(), DbErr> {
    let action = match kind {
        Assignment::Unchanged => return Ok(()),
        Assignment::Assign => Action::ClientAssign,
        Assignment::Transfer => Action::ClientTransfer,
    };
    audit
        .record(
            db,
            Event::new(action)
                .entity("client", client_id)
                .details(serde_json::json!({ "from": from, "to": to })),
        )
        .await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<ClientRecord, SchedulingError> {
    let client = client::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(SchedulingError::UnknownClient)?;
    let participants = participant::Entity::find()
        .filter(participant::Column::ClientId.eq(id))
        .order_by_asc(participant::Column::Position)
        .all(db)
        .await?;
    Ok(ClientRecord {
        client,
        participants,
    })
}

/// The client an email is about, through its appointment or its intake.
pub async fn of_email(
    db: &impl ConnectionTrait,
    appointment_id: Option<Uuid>,
    intake_id: Option<Uuid>,
) -> Result<Option<client::Model>, DbErr> {
    let client_id = match (appointment_id, intake_id) {
        (Some(a), _) => entity::appointment::Entity::find_by_id(a)
            .one(db)
            .await?
            .map(|a| a.client_id),
        (None, Some(i)) => entity::intake_assignment::Entity::find_by_id(i)
            .one(db)
            .await?
            .map(|i| i.client_id),
        (None, None) => None,
    };
    match client_id {
        Some(id) => client::Entity::find_by_id(id).one(db).await,
        None => Ok(None),
    }
}

/// The sort key of the client list.
pub type Cursor = (String, Uuid);

/// Clients by display name, optionally only those whose name or participants' names or
/// emails contain `q` (case-insensitively), or of one status.
pub async fn search(
    db: &impl ConnectionTrait,
    q: Option<&str>,
    status: Option<ClientStatus>,
    page: &PageRequest<Cursor>,
) -> Result<Page<ClientRecord>, DbErr> {
    let mut query = client::Entity::find();
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", escape_like(&q.to_lowercase()));
        query = query.filter(
            Expr::col((client::Entity, client::Column::SearchText))
                .like(LikeExpr::new(pattern).escape('\\')),
        );
    }
    if let Some(status) = status {
        query = query.filter(client::Column::Status.eq(status));
    }
    if let Some((name, id)) = &page.after {
        query = query.filter(
            Condition::any()
                .add(client::Column::DisplayName.gt(name.as_str()))
                .add(
                    Condition::all()
                        .add(client::Column::DisplayName.eq(name.as_str()))
                        .add(client::Column::Id.gt(*id)),
                ),
        );
    }
    let clients = query
        .order_by_asc(client::Column::DisplayName)
        .order_by_asc(client::Column::Id)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    // The participants of the whole page in one query.
    let ids: Vec<Uuid> = clients.iter().map(|c| c.id).collect();
    let mut by_client: HashMap<Uuid, Vec<participant::Model>> = HashMap::new();
    for p in participant::Entity::find()
        .filter(participant::Column::ClientId.is_in(ids))
        .order_by_asc(participant::Column::Position)
        .all(db)
        .await?
    {
        by_client.entry(p.client_id).or_default().push(p);
    }
    let records = clients
        .into_iter()
        .map(|client| ClientRecord {
            participants: by_client.remove(&client.id).unwrap_or_default(),
            client,
        })
        .collect();
    Ok(Page::from_overfetch(records, page.limit, |r| {
        (r.client.display_name.clone(), r.client.id)
    }))
}

/// `%` and `_` typed into a search box are meant literally.
fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// A change to a client; `None` leaves a field as it is.
#[derive(Default)]
pub struct ClientChanges {
    pub display_name: Option<String>,
    pub status: Option<ClientStatus>,
    pub source: Option<String>,
}

#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    id: Uuid,
    changes: ClientChanges,
    audit: &AuditContext,
) -> Result<ClientRecord, SchedulingError> {
    let txn = db::begin_write(db).await?;
    let current = find(&txn, id).await?.client;
    let mut model: client::ActiveModel = current.into();
    let mut changed = Vec::new();
    if let Some(v) = changes.display_name {
        model.display_name = Set(v);
        changed.push("display_name");
    }
    if let Some(v) = changes.status {
        model.status = Set(v);
        changed.push("status");
    }
    if let Some(v) = changes.source {
        model.source = Set(v);
        changed.push("source");
    }
    model.updated_at = Set(audit.now);
    client::Entity::update(model).exec(&txn).await?;
    audit
        .record(
            &txn,
            Event::new(Action::ClientUpdate)
                .entity("client", id)
                .details(serde_json::json!({ "changed": changed })),
        )
        .await?;
    let record = find(&txn, id).await?;
    let client = reindex(&txn, record.client, &record.participants).await?;
    txn.commit().await?;
    Ok(ClientRecord { client, ..record })
}

/// Adds a person to a client (a couple holds two, an individual one).
#[tracing::instrument(skip_all, fields(client_id = %client_id), err(level = "info"))]
pub async fn add_participant<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    client_id: Uuid,
    person: PersonFields,
    audit: &AuditContext,
) -> Result<participant::Model, SchedulingError> {
    let txn = db::begin_write(db).await?;
    let record = find(&txn, client_id).await?;
    if record.participants.len() >= capacity(record.client.kind) {
        return Err(SchedulingError::TooManyParticipants);
    }
    let position = record
        .participants
        .iter()
        .map(|p| p.position)
        .max()
        .unwrap_or(0)
        + 1;
    let saved = insert_participant(&txn, client_id, position, person, audit.now).await?;
    audit
        .record(
            &txn,
            Event::new(Action::ClientUpdate)
                .entity("client", client_id)
                .details(serde_json::json!({ "participant_added": saved.id })),
        )
        .await?;
    reindex_by_id(&txn, client_id).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Replaces a participant's details inside the caller's transaction; returns the saved row
/// and the address it had before. [`super::readdress::update_participant`] is the whole
/// change, with what a changed address sets off.
pub async fn replace_participant(
    txn: &impl ConnectionTrait,
    client_id: Uuid,
    participant_id: Uuid,
    person: PersonFields,
    audit: &AuditContext,
) -> Result<(participant::Model, Option<String>), SchedulingError> {
    // Locked on Postgres: two edits at once must agree on which address was the old one.
    let query = participant::Entity::find_by_id(participant_id)
        .filter(participant::Column::ClientId.eq(client_id));
    let current = db::for_update(query, txn)
        .one(txn)
        .await?
        .ok_or(SchedulingError::NotFound)?;
    let before = current.email.clone();
    let mut model: participant::ActiveModel = current.into();
    model.first_name = Set(person.first_name);
    model.last_name = Set(person.last_name);
    model.email = Set(person.email);
    model.phone = Set(person.phone);
    model.pronouns = Set(person.pronouns);
    model.time_zone = Set(person.time_zone);
    model.preferred_contact = Set(person.preferred_contact);
    model.updated_at = Set(audit.now);
    let saved = participant::Entity::update(model).exec(txn).await?;
    audit
        .record(
            txn,
            Event::new(Action::ClientUpdate)
                .entity("client", client_id)
                .details(serde_json::json!({ "participant_updated": participant_id })),
        )
        .await?;
    reindex_by_id(txn, client_id).await?;
    Ok((saved, before))
}
