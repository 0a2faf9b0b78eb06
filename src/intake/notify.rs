//! The emails around an intake questionnaire: the invitation with the private link, a
//! reminder before the first appointment while it is still not submitted, and the
//! practitioner's neutral notice once it is.

use chrono::{DateTime, Utc};
use entity::{appointment, intake_assignment, participant, practitioner};
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::{
    mail::{
        Kind, Notifier,
        compose::Content,
        outbox::{self, NewEmail},
        templates::{IntakeView, MessageContext},
    },
    scheduling::{
        notify::{Facts, NotifyError, sender_of},
        snapshot::Snapshot,
    },
    types::first_name_of,
};

/// How long filling one in takes, as the invitation says.
const MINUTES: u32 = 15;

/// Queues the invitation to `person`, and a reminder `remind_before` the appointment the
/// intake prepares for (if that time is still ahead).
pub async fn invite(
    db: &impl ConnectionTrait,
    n: Notifier<'_>,
    assignment: &intake_assignment::Model,
    person: &participant::Model,
    url: &str,
    remind_before: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<(), NotifyError> {
    if person.email.is_none() {
        return Ok(());
    }
    let appointment = match assignment.appointment_id {
        Some(id) => appointment::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let context = context(
        db,
        n,
        appointment.as_ref(),
        Some(person),
        &person.first_name,
        now,
    )
    .await?;
    let from = sender(db, assignment).await?;
    let emails = invitation(
        n,
        Invitation {
            context,
            from,
            appointment: appointment.as_ref(),
            assignment,
            person,
            url,
            remind_before,
        },
        now,
    )?;
    outbox::enqueue_all(db, n.keys, emails, now).await?;
    Ok(())
}

/// [`invite`] for an intake a booking hands out, from what the booking holds: nothing read.
pub fn invitation_for_booking(
    n: Notifier<'_>,
    facts: &Facts<'_>,
    assignment: &intake_assignment::Model,
    person: &participant::Model,
    url: &str,
    remind_before: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<Vec<NewEmail>, NotifyError> {
    let context = facts.context_for(person.first_name.clone(), facts.zone_of(person), None);
    invitation(
        n,
        Invitation {
            context,
            from: facts.sender(),
            appointment: Some(facts.appointment()),
            assignment,
            person,
            url,
            remind_before,
        },
        now,
    )
}

struct Invitation<'a> {
    context: MessageContext,
    /// The name and address it goes out as.
    from: (String, String),
    appointment: Option<&'a appointment::Model>,
    assignment: &'a intake_assignment::Model,
    person: &'a participant::Model,
    url: &'a str,
    remind_before: chrono::Duration,
}

/// The invitation and, when its time is still ahead, the reminder.
fn invitation(
    n: Notifier<'_>,
    i: Invitation<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<NewEmail>, NotifyError> {
    let Some(address) = i.person.email.clone() else {
        return Ok(Vec::new());
    };
    let assignment = i.assignment;
    let mut context = i.context;
    context.intake = Some(IntakeView {
        url: i.url.to_owned(),
        minutes: MINUTES,
        dashboard_url: dashboard_url(n, assignment),
    });
    let name = crate::types::joined(&i.person.first_name, &i.person.last_name);
    // Keyed by the link as well, so a link replaced later is invited afresh.
    let generation = &assignment.token_hash[..12.min(assignment.token_hash.len())];
    let mut messages = vec![(
        Kind::IntakeInvitation,
        now,
        format!("intake_invitation:{}:{generation}", assignment.id),
    )];
    if let Some(a) = i.appointment.filter(|_| i.person.email_reminders) {
        let at = a.starts_at - i.remind_before;
        if at > now {
            messages.push((
                Kind::IntakeReminder,
                at,
                format!("intake_reminder:{}:{generation}", assignment.id),
            ));
        }
    }
    let mut out = Vec::with_capacity(messages.len());
    for (kind, at, key) in messages {
        let rendered = n.render(kind, &context)?;
        out.push(NewEmail {
            kind,
            recipient: address.clone(),
            subject: rendered.subject,
            content: Content {
                to_name: Some(name.clone()),
                from_name: i.from.0.clone(),
                from_address: i.from.1.clone(),
                text: rendered.text,
                html: rendered.html,
                attachments: Vec::new(),
                not_after: i.appointment.map(|a| a.starts_at),
            },
            scheduled_at: at,
            key,
            appointment_id: assignment.appointment_id,
            intake_id: Some(assignment.id),
        });
    }
    Ok(out)
}

/// The invitation and reminder still waiting to go with a link that is being replaced.
pub async fn withdraw(
    db: &impl ConnectionTrait,
    assignment: uuid::Uuid,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    outbox::cancel_pending_for_intake(
        db,
        assignment,
        &[Kind::IntakeInvitation, Kind::IntakeReminder],
        now,
    )
    .await?;
    Ok(())
}

/// On submission: the reminder is no longer wanted, and the practitioner hears that a
/// response is ready, without a word of it. The practice, type and practitioner come from
/// `snapshot`.
pub async fn submitted(
    db: &impl ConnectionTrait,
    n: Notifier<'_>,
    snapshot: &Snapshot,
    assignment: &intake_assignment::Model,
    appointment: Option<&appointment::Model>,
    practitioner: Option<&practitioner::Model>,
    now: DateTime<Utc>,
) -> Result<(), NotifyError> {
    outbox::cancel_pending_for_intake(db, assignment.id, &[Kind::IntakeReminder], now).await?;
    let Some(p) = practitioner else {
        return Ok(());
    };
    let first_name = first_name_of(&p.name);
    let (mut context, from) = match appointment {
        Some(a) => {
            let facts = Facts::for_staff(db, n, snapshot, a).await?;
            let context = facts.context_for(first_name, facts.practitioner_zone(), None);
            (context, facts.sender())
        }
        None => (
            practice_context(n, &snapshot.practice, &first_name),
            sender_of(&snapshot.practice, &p.email),
        ),
    };
    context.intake = Some(IntakeView {
        url: String::new(),
        minutes: MINUTES,
        dashboard_url: dashboard_url(n, assignment),
    });
    let rendered = n.render(Kind::IntakeReady, &context)?;
    outbox::enqueue(
        db,
        n.keys,
        NewEmail {
            kind: Kind::IntakeReady,
            recipient: p.email.clone(),
            subject: rendered.subject,
            content: Content {
                to_name: Some(p.name.clone()),
                from_name: from.0,
                from_address: from.1,
                text: rendered.text,
                html: rendered.html,
                attachments: Vec::new(),
                not_after: None,
            },
            scheduled_at: now,
            key: format!("intake_ready:{}", assignment.id),
            appointment_id: assignment.appointment_id,
            intake_id: Some(assignment.id),
        },
        now,
    )
    .await?;
    Ok(())
}

/// Where staff open the response: the client's page of the dashboard.
fn dashboard_url(n: Notifier<'_>, assignment: &intake_assignment::Model) -> String {
    n.public_url
        .link(&format!("/admin/clients/{}", assignment.client_id))
}

/// The context every intake message shares: with the appointment when there is one, in
/// `person`'s zone (the practitioner's for their own notice).
async fn context(
    db: &impl ConnectionTrait,
    n: Notifier<'_>,
    appointment: Option<&appointment::Model>,
    person: Option<&participant::Model>,
    first_name: &str,
    now: DateTime<Utc>,
) -> Result<MessageContext, NotifyError> {
    if let Some(a) = appointment {
        let facts = Facts::load(db, n, a, now).await?;
        let tz = match person {
            Some(p) => facts.zone_of(p),
            None => facts.practitioner_zone(),
        };
        return Ok(facts.context_for(first_name.to_owned(), tz, None));
    }
    let practice = crate::practice::settings(db).await?;
    Ok(practice_context(n, &practice, first_name))
}

/// The context of a message about no appointment.
fn practice_context(
    n: Notifier<'_>,
    practice: &entity::practice::Model,
    first_name: &str,
) -> MessageContext {
    MessageContext::of_practice(practice, first_name, n.public_url.link("/book"))
}

/// The practice's name and address to send as; without a contact address, the client's
/// practitioner's.
async fn sender(
    db: &impl ConnectionTrait,
    assignment: &intake_assignment::Model,
) -> Result<(String, String), NotifyError> {
    Ok(crate::practice::sender_for(db, assignment.client_id).await?)
}
