//! The client's record as a whole: the timeline (everything that happened, newest first) and
//! the export (one JSON document of the clinical record, psychotherapy notes excluded).

use chrono::{DateTime, Utc};
use entity::{
    appointment, email_outbox, intake_assignment, participant, session_note, treatment_plan,
};
use sea_orm::{ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::notes::{self, NoteError, access, plans};
use crate::{
    audit::{Action, AuditContext, Event},
    auth::{Permission, Staff},
    crypto::DataKeys,
    intake, integrity,
    pagination::{Page, PageRequest},
};

/// One thing that happened to the couple.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    pub at: DateTime<Utc>,
    /// `appointment`, `intake`, `note`, `treatment_plan` or `email`.
    pub kind: &'static str,
    pub id: Uuid,
    /// A line to show, e.g. "Appointment confirmed"; clinical words only for those who may
    /// read them.
    pub summary: String,
    pub status: Option<String>,
    /// Details for the kind (scores and flags of an intake, a note's title), when allowed.
    pub details: Option<Value>,
}

pub type Cursor = (DateTime<Utc>, Uuid);

/// Everything on the client's record, newest first, a page at a time. Anyone who may see the
/// client sees the entries; clinical details show only to those who may read them, and
/// showing them is recorded. Every intake, note and plan is checked against its tag.
pub async fn timeline(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    staff: &Staff,
    client_id: Uuid,
    page: &PageRequest<Cursor>,
    audit: &AuditContext,
) -> Result<Page<Entry>, NoteError> {
    let now = audit.now;
    staff
        .require(Permission::ManageClients)
        .map_err(|_| NoteError::Forbidden)?;
    let client = entity::client::Entity::find_by_id(client_id)
        .one(db)
        .await?
        .ok_or(NoteError::UnknownClient)?;
    let clinical = crate::policy::treats(staff, &client);
    let mut entries = Vec::new();

    let appointments = appointment::Entity::find()
        .filter(appointment::Column::ClientId.eq(client_id))
        .all(db)
        .await?;
    for a in &appointments {
        let status = a.status.to_value();
        entries.push(Entry {
            at: a.created_at,
            kind: "appointment",
            id: a.id,
            summary: format!(
                "Appointment on {} booked",
                a.starts_at.format("%Y-%m-%d %H:%M UTC")
            ),
            status: Some(status.clone()),
            details: Some(json!({"starts_at": a.starts_at, "ends_at": a.ends_at})),
        });
        if let Some(at) = a.cancelled_at {
            entries.push(Entry {
                at,
                kind: "appointment",
                id: a.id,
                summary: format!(
                    "Appointment on {} cancelled",
                    a.starts_at.format("%Y-%m-%d %H:%M UTC")
                ),
                status: Some(status),
                details: None,
            });
        }
    }
    let intakes = intake_assignment::Entity::find()
        .filter(intake_assignment::Column::ClientId.eq(client_id))
        .all(db)
        .await?;
    integrity::check_all::<_, NoteError>(db, keys, audit, &intakes).await?;
    if clinical
        && intakes
            .iter()
            .any(|i| i.score_total.is_some() || !intake::assignments::flags_of(i).is_empty())
    {
        audit
            .record(
                db,
                Event::new(Action::IntakeRead).entity("client", client_id),
            )
            .await?;
    }
    for i in &intakes {
        let status = intake::assignments::status(i, now);
        let details = clinical.then(|| {
            json!({
                "score": i.score_total.map(|t| json!({"total": t, "band": i.score_band})),
                "flags": intake::assignments::flags_of(i),
            })
        });
        entries.push(Entry {
            at: i.submitted_at.unwrap_or(i.created_at),
            kind: "intake",
            id: i.id,
            summary: if i.submitted_at.is_some() {
                "Questionnaire submitted".into()
            } else {
                "Questionnaire sent".into()
            },
            status: Some(status.as_str().to_owned()),
            details,
        });
    }
    let notes = session_note::Entity::find()
        .filter(session_note::Column::ClientId.eq(client_id))
        .all(db)
        .await?;
    integrity::check_all::<_, NoteError>(db, keys, audit, &notes).await?;
    for n in &notes {
        entries.push(Entry {
            at: n.signed_at.unwrap_or(n.created_at),
            kind: "note",
            id: n.id,
            summary: if clinical {
                n.title.clone()
            } else {
                "Session note".into()
            },
            status: Some(match n.status {
                session_note::NoteStatus::Draft => "draft".into(),
                session_note::NoteStatus::Signed => "signed".into(),
            }),
            details: None,
        });
    }
    let plans = treatment_plan::Entity::find()
        .filter(treatment_plan::Column::ClientId.eq(client_id))
        .all(db)
        .await?;
    integrity::check_all::<_, NoteError>(db, keys, audit, &plans).await?;
    for p in &plans {
        entries.push(Entry {
            at: p.created_at,
            kind: "treatment_plan",
            id: p.id,
            summary: format!("Treatment plan version {}", p.version),
            status: None,
            details: clinical.then(|| json!({"version": p.version, "phase": p.phase})),
        });
    }
    let appointment_ids: Vec<Uuid> = appointments.iter().map(|a| a.id).collect();
    let intake_ids: Vec<Uuid> = intakes.iter().map(|i| i.id).collect();
    let emails = email_outbox::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(email_outbox::Column::AppointmentId.is_in(appointment_ids))
                .add(email_outbox::Column::IntakeId.is_in(intake_ids)),
        )
        .filter(email_outbox::Column::Status.eq(email_outbox::EmailStatus::Sent))
        .all(db)
        .await?;
    for e in &emails {
        entries.push(Entry {
            at: e.sent_at.unwrap_or(e.updated_at),
            kind: "email",
            id: e.id,
            summary: format!("Email sent: {}", e.subject),
            status: Some("sent".into()),
            details: Some(json!({"kind": e.kind})),
        });
    }

    entries.sort_by_key(|e| std::cmp::Reverse((e.at, e.id)));
    if let Some((at, id)) = page.after {
        entries.retain(|e| (e.at, e.id) < (at, id));
    }
    entries.truncate(page.limit as usize + 1);
    Ok(Page::from_overfetch(entries, page.limit, |e| (e.at, e.id)))
}

/// The whole clinical record as one document: client, participants, appointments, submitted
/// intake responses with scores, signed notes with addenda, and the plan's history.
/// Psychotherapy notes are never part of it. Recorded in the audit log.
pub async fn export(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    staff: &Staff,
    client_id: Uuid,
    audit: &AuditContext,
) -> Result<Value, NoteError> {
    let client = access::clinical_client(db, staff, client_id).await?;
    let participants = participant::Entity::find()
        .filter(participant::Column::ClientId.eq(client_id))
        .order_by_asc(participant::Column::Position)
        .all(db)
        .await?;
    let appointments = appointment::Entity::find()
        .filter(appointment::Column::ClientId.eq(client_id))
        .order_by_asc(appointment::Column::StartsAt)
        .all(db)
        .await?;
    let mut intakes = Vec::new();
    let submitted = intake_assignment::Entity::find()
        .filter(intake_assignment::Column::ClientId.eq(client_id))
        .filter(intake_assignment::Column::SubmittedAt.is_not_null())
        .order_by_asc(intake_assignment::Column::SubmittedAt)
        .all(db)
        .await?;
    integrity::check_all::<_, NoteError>(db, keys, audit, &submitted).await?;
    for i in submitted {
        let sealed =
            intake::assignments::open_sealed(keys, &i).map_err(|_| NoteError::Unreadable)?;
        intakes.push(json!({
            "id": i.id,
            "participant_id": i.participant_id,
            "questionnaire_version_id": i.questionnaire_version_id,
            "answers": sealed.answers,
            "consents": sealed.consents,
            "score": i.score_total.map(|t| json!({"total": t, "band": i.score_band})),
            "flags": intake::assignments::flags_of(&i),
            "submitted_at": i.submitted_at,
        }));
    }
    let mut notes = Vec::new();
    for n in session_note::Entity::find()
        .filter(session_note::Column::ClientId.eq(client_id))
        .filter(session_note::Column::Status.eq(session_note::NoteStatus::Signed))
        .order_by_asc(session_note::Column::SignedAt)
        .all(db)
        .await?
    {
        let record = notes::open_record(db, keys, n, audit).await?;
        let n = &record.note;
        notes.push(json!({
            "id": n.id,
            "appointment_id": n.appointment_id,
            "author_id": n.author_id,
            "format": n.format,
            "title": n.title,
            "content": record.content,
            "goal_ids": notes::goal_ids(n),
            "signed_at": n.signed_at,
            "signed_by": n.signed_by,
            "content_hash": n.content_hash,
            "tampered": record.tampered,
            "addenda": record.addenda.iter().map(|(a, text, intact)| json!({
                "author_id": a.author_id, "text": text, "created_at": a.created_at, "tampered": !intact,
            })).collect::<Vec<_>>(),
        }));
    }
    let plans: Vec<Value> = plans::history(db, keys, client_id, audit)
        .await?
        .into_iter()
        .map(|p| {
            json!({
                "version": p.row.version,
                "template": p.row.template,
                "phases": p.phases,
                "phase": p.row.phase,
                "phase_since": p.row.phase_since,
                "presenting_problems": p.content.presenting_problems,
                "goals": p.content.goals,
                "interventions": p.content.interventions,
                "created_at": p.row.created_at,
                "created_by": p.row.created_by,
            })
        })
        .collect();
    audit
        .record(
            db,
            Event::new(Action::ClientExport).entity("client", client_id),
        )
        .await?;
    Ok(json!({
        "exported_at": audit.now,
        "client": {
            "id": client.id,
            "name": client.display_name,
            "kind": client.kind.to_value(),
            "status": client.status.to_value(),
            "created_at": client.created_at,
        },
        "participants": participants.iter().map(|p| json!({
            "id": p.id, "first_name": p.first_name, "last_name": p.last_name,
            "email": p.email, "phone": p.phone, "pronouns": p.pronouns,
        })).collect::<Vec<_>>(),
        "appointments": appointments.iter().map(|a| json!({
            "id": a.id, "starts_at": a.starts_at, "ends_at": a.ends_at,
            "status": a.status.to_value(),
            "practitioner_id": a.practitioner_id,
        })).collect::<Vec<_>>(),
        "intake_responses": intakes,
        "notes": notes,
        "treatment_plans": plans,
    }))
}
