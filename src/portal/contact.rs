//! How a partner is reached, set by the partner: an address of their own in place of a
//! shared one, and reminder emails on or off.

use entity::participant;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, TransactionTrait};

use super::{PortalError, sign_in::Visitor};
use crate::{
    audit::{Action, Actor, AuditContext, Event},
    mail::Notifier,
    scheduling::{clients::PersonFields, followups::Followups, readdress},
    types::EmailAddress,
    validation::{FieldError, Invalid},
};

/// What the partner asked for.
pub struct Choice<'a> {
    /// Their own address, to be used instead of the one the practice has; empty keeps it.
    pub safe_address: &'a str,
    pub reminders: bool,
}

/// Saves `choice`. A new address goes through the same path as a change by staff: every
/// private link sent to the old one is replaced and the new ones go to the new address, so
/// what is waiting in a shared inbox stops working.
pub async fn save<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    n: Notifier<'_>,
    followups: &impl Followups,
    visitor: &Visitor,
    choice: Choice<'_>,
    audit: &AuditContext,
) -> Result<participant::Model, PortalError> {
    let person = &visitor.person;
    let audit = audit.as_actor(Actor::client_link(person.id));
    let address = match choice.safe_address.trim() {
        "" => None,
        raw => Some(EmailAddress::parse(raw).map_err(|m| {
            PortalError::Invalid(Invalid(vec![FieldError::new("safe_address", m)]))
        })?),
    };
    // The choice first, so reminders planned again for the new address already keep it.
    let mut saved = person.clone();
    if saved.email_reminders != choice.reminders {
        let mut model: participant::ActiveModel = saved.clone().into();
        model.email_reminders = Set(choice.reminders);
        model.updated_at = Set(audit.now);
        saved = participant::Entity::update(model).exec(db).await?;
    }
    let readdressed = match address {
        Some(a)
            if !saved
                .email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(a.as_str())) =>
        {
            let mut fields = PersonFields::of(&saved);
            fields.email = Some(a.into_inner());
            saved = readdress::update_participant(
                db,
                n,
                followups,
                person.client_id,
                person.id,
                fields,
                &audit,
            )
            .await?;
            true
        }
        _ => false,
    };
    audit
        .record(
            db,
            Event::new(Action::PortalContact)
                .entity("participant", person.id)
                .details(serde_json::json!({
                    "own_address": readdressed,
                    "reminders": choice.reminders,
                })),
        )
        .await?;
    Ok(saved)
}
