//! Signing in to the portal: an address asks for a link, the link (once, soon) opens a
//! session on the device it is used on. Whether an address is known is never told: the
//! caller answers the same either way and does this work apart from the answer.

use chrono::{DateTime, Utc};
use entity::{participant, portal_link, portal_session};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionSession,
    TransactionTrait,
    sea_query::{Expr, ExprTrait, Func},
};
use uuid::Uuid;

use super::{
    LINK_PREFIX, LINK_TTL, LINKS_PER_HOUR, PortalError, SESSION_IDLE, SESSION_MAX, SESSION_PREFIX,
};
use crate::{
    audit::{Action, Actor, AuditContext, Event},
    crypto::{Secret, hash_secret},
    db,
    mail::{
        Kind, Notifier,
        compose::Content,
        outbox::{self, NewEmail},
        templates::{MessageContext, PortalView},
    },
    types::joined,
};

/// Sends a sign-in link to each partner whose address is `address` (a shared inbox may
/// be two partners'), unless they were sent [`LINKS_PER_HOUR`] in the last hour. Answers how
/// many were sent; the caller must not tell.
pub async fn request_link<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    n: Notifier<'_>,
    address: &str,
    audit: &AuditContext,
) -> Result<usize, PortalError> {
    let address = address.trim().to_lowercase();
    if address.len() > 254 || !address.contains('@') {
        return Ok(0);
    }
    let people = participant::Entity::find()
        .filter(ExprTrait::eq(
            Expr::expr(Func::lower(Expr::col(participant::Column::Email))),
            address.as_str(),
        ))
        .all(db)
        .await?;
    if people.is_empty() {
        return Ok(0);
    }
    let now = audit.now;
    let txn = db::begin_write(db).await?;
    let practice = crate::practice::settings(&txn)
        .await
        .map_err(crate::scheduling::notify::NotifyError::from)?;
    let mut emails = Vec::new();
    for person in &people {
        let recent = portal_link::Entity::find()
            .filter(portal_link::Column::ParticipantId.eq(person.id))
            .filter(portal_link::Column::CreatedAt.gt(now - chrono::Duration::hours(1)))
            .count(&txn)
            .await?;
        if recent >= LINKS_PER_HOUR {
            continue;
        }
        let token = Secret::generate(LINK_PREFIX);
        let id = Uuid::new_v4();
        portal_link::Entity::insert(portal_link::ActiveModel {
            id: Set(id),
            participant_id: Set(person.id),
            token_hash: Set(token.hash()),
            created_at: Set(now),
            expires_at: Set(now + LINK_TTL),
            used_at: Set(None),
        })
        .exec_without_returning(&txn)
        .await?;
        let mut context =
            MessageContext::of_practice(&practice, &person.first_name, n.public_url.link("/book"));
        context.portal = Some(PortalView {
            url: n.public_url.link(&format!("/portal/in/{}", token.expose())),
            minutes: LINK_TTL.num_minutes(),
        });
        let rendered = n
            .render(Kind::PortalLink, &context)
            .map_err(crate::scheduling::notify::NotifyError::from)?;
        let (from_name, from_address) = crate::practice::sender_for(&txn, person.client_id)
            .await
            .map_err(crate::scheduling::notify::NotifyError::from)?;
        emails.push(NewEmail {
            kind: Kind::PortalLink,
            recipient: person.email.clone().unwrap_or_default(),
            subject: rendered.subject,
            content: Content {
                to_name: Some(joined(&person.first_name, &person.last_name)),
                from_name,
                from_address,
                text: rendered.text,
                html: rendered.html,
                attachments: Vec::new(),
                not_after: Some(now + LINK_TTL),
            },
            scheduled_at: now,
            key: format!("portal_link:{id}"),
            appointment_id: None,
            intake_id: None,
        });
        audit
            .record(
                &txn,
                Event::new(Action::PortalLinkSent).entity("participant", person.id),
            )
            .await?;
    }
    let sent = emails.len();
    outbox::enqueue_all(&txn, n.keys, emails, now).await?;
    txn.commit().await?;
    n.mailer.wake();
    Ok(sent)
}

/// Whether `token` looks like a sign-in link at all.
pub fn well_formed(token: &str) -> bool {
    token.starts_with(LINK_PREFIX) && token.len() < 100
}

/// Uses the link `token` (once, before it expires) and opens a session: answers the
/// session's secret, for a cookie, and whose it is.
pub async fn redeem<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    token: &str,
    audit: &AuditContext,
) -> Result<Option<(Secret, participant::Model)>, PortalError> {
    if !well_formed(token) {
        return Ok(None);
    }
    let now = audit.now;
    let txn = db::begin_write(db).await?;
    let Some(link) = portal_link::Entity::find()
        .filter(portal_link::Column::TokenHash.eq(hash_secret(token)))
        .one(&txn)
        .await?
    else {
        return Ok(None);
    };
    // Used only by whoever marks it first.
    let marked = portal_link::Entity::update_many()
        .col_expr(portal_link::Column::UsedAt, Expr::value(now))
        .filter(portal_link::Column::Id.eq(link.id))
        .filter(portal_link::Column::UsedAt.is_null())
        .filter(portal_link::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if marked.rows_affected != 1 {
        return Ok(None);
    }
    let Some(person) = participant::Entity::find_by_id(link.participant_id)
        .one(&txn)
        .await?
    else {
        return Ok(None);
    };
    let session = Secret::generate(SESSION_PREFIX);
    let id = Uuid::new_v4();
    portal_session::Entity::insert(portal_session::ActiveModel {
        id: Set(id),
        participant_id: Set(person.id),
        token_hash: Set(session.hash()),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + SESSION_MAX),
    })
    .exec_without_returning(&txn)
    .await?;
    audit
        .as_actor(Actor::client_link(person.id))
        .record(
            &txn,
            Event::new(Action::PortalSignIn).entity("participant", person.id),
        )
        .await?;
    txn.commit().await?;
    Ok(Some((session, person)))
}

/// A signed-in partner: the session `token` names, while it lasts, kept alive by use.
pub struct Visitor {
    pub session_id: Uuid,
    pub person: participant::Model,
}

pub async fn visitor(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Visitor>, PortalError> {
    if !token.starts_with(SESSION_PREFIX) || token.len() > 100 {
        return Ok(None);
    }
    let Some(session) = portal_session::Entity::find()
        .filter(portal_session::Column::TokenHash.eq(hash_secret(token)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if session.expires_at <= now || session.last_seen_at + SESSION_IDLE <= now {
        return Ok(None);
    }
    // A minute's precision is plenty, and spares a write on every page.
    if now - session.last_seen_at > chrono::Duration::minutes(1) {
        portal_session::Entity::update_many()
            .col_expr(portal_session::Column::LastSeenAt, Expr::value(now))
            .filter(portal_session::Column::Id.eq(session.id))
            .exec(db)
            .await?;
    }
    Ok(participant::Entity::find_by_id(session.participant_id)
        .one(db)
        .await?
        .map(|person| Visitor {
            session_id: session.id,
            person,
        }))
}

/// Ends the session.
pub async fn sign_out(
    db: &impl ConnectionTrait,
    visitor: &Visitor,
    audit: &AuditContext,
) -> Result<(), PortalError> {
    portal_session::Entity::delete_by_id(visitor.session_id)
        .exec(db)
        .await?;
    audit
        .as_actor(Actor::client_link(visitor.person.id))
        .record(
            db,
            Event::new(Action::PortalSignOut).entity("participant", visitor.person.id),
        )
        .await?;
    Ok(())
}

/// Removes links and sessions that can no longer be used. Answers how many went.
pub async fn purge(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, PortalError> {
    let links = portal_link::Entity::delete_many()
        .filter(portal_link::Column::ExpiresAt.lt(now - chrono::Duration::hours(1)))
        .exec(db)
        .await?;
    let sessions = portal_session::Entity::delete_many()
        .filter(
            sea_orm::Condition::any()
                .add(portal_session::Column::ExpiresAt.lt(now))
                .add(portal_session::Column::LastSeenAt.lt(now - SESSION_IDLE)),
        )
        .exec(db)
        .await?;
    Ok(links.rows_affected + sessions.rows_affected)
}
