//! The agenda: the appointments in a span of time, each with what needs attention. Five
//! queries however full the span is, a sixth when it holds video sessions, and three more
//! when a type on it requires consent documents.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    appointment::{self, AppointmentStatus},
    client,
    intake_assignment::{self, IntakeStatus},
    session_note::{self, NoteStatus},
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::{
    audit::AuditContext,
    auth::Staff,
    crypto::DataKeys,
    intake::{assignments::flags_of, definition::Flag},
    integrity, policy,
};

/// Something about an appointment that wants doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attention {
    /// A questionnaire sent to the couple is not back, before a session to come.
    IntakeNotSubmitted,
    /// A submitted questionnaire raised this flag (only for those who treat the couple).
    Flagged(Flag),
    /// The session has happened and has no note (only for those who treat the couple).
    NoteNotWritten,
    /// Its note is still a draft (likewise).
    NoteNotSigned,
    /// One of the couple's questionnaire results was changed outside Attune, so its flags are
    /// not shown (likewise).
    IntegrityFailure,
    /// A partner joined this video session from outside the practitioner's licensed
    /// jurisdictions.
    OutsideLicence,
    /// Before a session to come, this many of the documents its type requires are unsigned
    /// (each partner counted apart).
    ConsentUnsigned(usize),
    /// The couple's measures raise this many alerts (only for those who treat the couple):
    /// a reliable deterioration, the partners moving apart, a falling check-in.
    MeasureAlerts(usize),
}

/// One appointment on the agenda.
pub struct Item {
    pub appointment: appointment::Model,
    pub client: Option<client::Model>,
    pub attention: Vec<Attention>,
}

/// What is known about a couple and a session, to decide what needs attention.
pub struct Facts<'a> {
    pub treats: bool,
    pub intake_waiting: bool,
    pub flags: &'a [Flag],
    /// A result failed its integrity check.
    pub altered: bool,
    pub note: Option<NoteStatus>,
    /// A partner joined from outside the practitioner's licences.
    pub outside_licence: bool,
    /// Required documents still unsigned.
    pub unsigned: usize,
    /// Alerts from the couple's measures.
    pub measure_alerts: usize,
}

/// What needs attention for `a` at `now`. Clinical matters only for those who treat the
/// couple: the rest never see that a flag or a note exists.
pub fn attention(a: &appointment::Model, facts: &Facts<'_>, now: DateTime<Utc>) -> Vec<Attention> {
    let mut found = Vec::new();
    if facts.outside_licence {
        found.push(Attention::OutsideLicence);
    }
    let ahead = a.status == AppointmentStatus::Confirmed && a.starts_at > now;
    if ahead && facts.intake_waiting {
        found.push(Attention::IntakeNotSubmitted);
    }
    if ahead && facts.unsigned > 0 {
        found.push(Attention::ConsentUnsigned(facts.unsigned));
    }
    if !facts.treats {
        return found;
    }
    if facts.altered {
        found.push(Attention::IntegrityFailure);
    }
    found.extend(facts.flags.iter().map(|f| Attention::Flagged(*f)));
    if facts.measure_alerts > 0 {
        found.push(Attention::MeasureAlerts(facts.measure_alerts));
    }
    let held = matches!(
        a.status,
        AppointmentStatus::Confirmed | AppointmentStatus::Completed
    );
    if held && a.ends_at <= now {
        match facts.note {
            None => found.push(Attention::NoteNotWritten),
            Some(NoteStatus::Draft) => found.push(Attention::NoteNotSigned),
            Some(NoteStatus::Signed) => {}
        }
    }
    found
}

/// The appointments starting in `[from, to)`, earliest first, optionally one practitioner's,
/// with what needs attention as `staff` may see it.
pub async fn between(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    staff: &Staff,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    practitioner: Option<Uuid>,
    audit: &AuditContext,
) -> Result<Vec<Item>, DbErr> {
    let now = audit.now;
    let mut query = appointment::Entity::find()
        .filter(appointment::Column::StartsAt.gte(from))
        .filter(appointment::Column::StartsAt.lt(to));
    if let Some(p) = practitioner {
        query = query.filter(appointment::Column::PractitionerId.eq(p));
    }
    let appointments = query
        .order_by_asc(appointment::Column::StartsAt)
        .order_by_asc(appointment::Column::Id)
        .all(db)
        .await?;
    let client_ids: Vec<Uuid> = appointments.iter().map(|a| a.client_id).collect();
    let clients: HashMap<Uuid, client::Model> = client::Entity::find()
        .filter(client::Column::Id.is_in(client_ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut waiting: HashMap<Uuid, bool> = HashMap::new();
    let mut flags: HashMap<Uuid, Vec<Flag>> = HashMap::new();
    let mut altered: HashMap<Uuid, bool> = HashMap::new();
    let intakes = intake_assignment::Entity::find()
        .filter(intake_assignment::Column::ClientId.is_in(client_ids.clone()))
        .all(db)
        .await?;
    let mut believed = Vec::new();
    for intake in intakes {
        // One altered result must not hide the whole day: it is named, and not believed.
        if !integrity::verify(db, keys, audit, &intake).await? {
            altered.insert(intake.client_id, true);
            continue;
        }
        if intake.status != IntakeStatus::Submitted {
            waiting.insert(intake.client_id, true);
        }
        let raised = flags.entry(intake.client_id).or_default();
        for flag in flags_of(&intake) {
            if !raised.contains(&flag) {
                raised.push(flag);
            }
        }
        believed.push(intake);
    }
    let measure_alerts = measure_alerts(db, &client_ids, &believed).await?;
    let mut notes: HashMap<Uuid, NoteStatus> = HashMap::new();
    for note in session_note::Entity::find()
        .filter(session_note::Column::AppointmentId.is_in(appointments.iter().map(|a| a.id)))
        .all(db)
        .await?
    {
        if let Some(id) = note.appointment_id {
            // A signed note settles it, whatever drafts there are besides.
            let seen = notes.entry(id).or_insert(note.status);
            if note.status == NoteStatus::Signed {
                *seen = NoteStatus::Signed;
            }
        }
    }
    // Only video appointments can have join links; a day without any asks nothing more.
    let video: Vec<Uuid> = appointments
        .iter()
        .filter(|a| a.video_room_sealed.is_some())
        .map(|a| a.id)
        .collect();
    let outside: std::collections::HashSet<Uuid> = crate::scheduling::video::places(db, &video)
        .await?
        .into_iter()
        .filter(|l| l.outside_licence)
        .map(|l| l.appointment_id)
        .collect();
    let ahead: Vec<&appointment::Model> = appointments
        .iter()
        .filter(|a| a.status == AppointmentStatus::Confirmed && a.starts_at > now)
        .collect();
    let unsigned = crate::consent::requirements::unsigned(db, &ahead)
        .await
        .map_err(consent_db)?;
    Ok(appointments
        .into_iter()
        .map(|a| {
            let client = clients.get(&a.client_id).cloned();
            let facts = Facts {
                treats: client.as_ref().is_some_and(|c| policy::treats(staff, c)),
                intake_waiting: waiting.contains_key(&a.client_id),
                flags: flags.get(&a.client_id).map_or(&[], Vec::as_slice),
                altered: altered.contains_key(&a.client_id),
                note: notes.get(&a.id).copied(),
                outside_licence: outside.contains(&a.id),
                unsigned: unsigned.get(&a.id).copied().unwrap_or(0),
                measure_alerts: measure_alerts.get(&a.client_id).copied().unwrap_or(0),
            };
            let attention = attention(&a, &facts, now);
            Item {
                appointment: a,
                client,
                attention,
            }
        })
        .collect())
}

/// How many alerts each couple's measures raise, from the responses already read: three
/// more statements for the day, however many couples.
async fn measure_alerts(
    db: &impl ConnectionTrait,
    client_ids: &[Uuid],
    intakes: &[intake_assignment::Model],
) -> Result<HashMap<Uuid, usize>, DbErr> {
    use crate::measures::{alerts, catalogue, series};
    let scored: Vec<&intake_assignment::Model> =
        intakes.iter().filter(|a| a.score_total.is_some()).collect();
    if scored.is_empty() {
        return Ok(HashMap::new());
    }
    let versions: HashMap<Uuid, Uuid> = entity::questionnaire_version::Entity::find()
        .filter(
            entity::questionnaire_version::Column::Id
                .is_in(scored.iter().map(|a| a.questionnaire_version_id)),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.id, v.questionnaire_id))
        .collect();
    let slugs: HashMap<Uuid, String> = entity::questionnaire::Entity::find()
        .filter(entity::questionnaire::Column::Id.is_in(versions.values().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|q| (q.id, q.slug))
        .collect();
    let people = entity::participant::Entity::find()
        .filter(entity::participant::Column::ClientId.is_in(client_ids.iter().copied()))
        .order_by_asc(entity::participant::Column::Position)
        .all(db)
        .await?;
    let all: Vec<_> = catalogue::ALL.iter().collect();
    let mut out = HashMap::new();
    let mut couples: Vec<Uuid> = scored.iter().map(|a| a.client_id).collect();
    couples.sort();
    couples.dedup();
    for c in couples {
        let rows: Vec<(&intake_assignment::Model, &str)> = scored
            .iter()
            .filter(|a| a.client_id == c)
            .filter_map(|a| {
                let q = versions.get(&a.questionnaire_version_id)?;
                Some((*a, slugs.get(q)?.as_str()))
            })
            .collect();
        let theirs: Vec<_> = people
            .iter()
            .filter(|p| p.client_id == c)
            .cloned()
            .collect();
        let found = alerts::of(&series::build(&rows, &theirs, &all)).len();
        if found > 0 {
            out.insert(c, found);
        }
    }
    Ok(out)
}

fn consent_db(e: crate::consent::ConsentError) -> DbErr {
    match e {
        crate::consent::ConsentError::Db(e) => e,
        other => DbErr::Custom(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use entity::appointment::AppointmentSource;

    use super::*;

    fn session(
        status: AppointmentStatus,
        starts_in_hours: i64,
        now: DateTime<Utc>,
    ) -> appointment::Model {
        let start = now + Duration::hours(starts_in_hours);
        appointment::Model {
            id: Uuid::nil(),
            practitioner_id: Uuid::nil(),
            appointment_type_id: Uuid::nil(),
            client_id: Uuid::nil(),
            starts_at: start,
            ends_at: start + Duration::minutes(50),
            blocked_from: start,
            blocked_until: start + Duration::minutes(60),
            status,
            source: AppointmentSource::Staff,
            sequence: 0,
            outside_hours: false,
            series_id: None,
            video_room_sealed: None,
            cancelled_at: None,
            cancelled_by: None,
            cancellation_reason_sealed: None,
            message_sealed: None,
            manage_token_hash: None,
            manage_token_sealed: None,
            idempotency_key: None,
            idempotency_fingerprint: None,
            created_by: None,
            created_at: now,
            updated_at: now,
        }
    }

    fn facts(treats: bool, note: Option<NoteStatus>) -> Facts<'static> {
        Facts {
            treats,
            intake_waiting: true,
            flags: &[Flag::Safety],
            altered: false,
            note,
            outside_licence: false,
            unsigned: 0,
            measure_alerts: 0,
        }
    }

    #[test]
    fn a_session_to_come_waits_for_its_intake_and_shows_flags_to_those_who_treat() {
        let now = Utc::now();
        let coming = session(AppointmentStatus::Confirmed, 24, now);
        assert_eq!(
            attention(&coming, &facts(true, None), now),
            vec![
                Attention::IntakeNotSubmitted,
                Attention::Flagged(Flag::Safety)
            ]
        );
        assert_eq!(
            attention(&coming, &facts(false, None), now),
            vec![Attention::IntakeNotSubmitted],
            "the front desk never learns of a flag"
        );
    }

    #[test]
    fn a_held_session_wants_a_signed_note_and_a_cancelled_one_wants_nothing() {
        let now = Utc::now();
        let held = session(AppointmentStatus::Completed, -2, now);
        let clinical = |note| {
            attention(
                &held,
                &Facts {
                    flags: &[],
                    altered: false,
                    ..facts(true, note)
                },
                now,
            )
        };
        assert_eq!(clinical(None), vec![Attention::NoteNotWritten]);
        assert_eq!(
            clinical(Some(NoteStatus::Draft)),
            vec![Attention::NoteNotSigned]
        );
        assert_eq!(clinical(Some(NoteStatus::Signed)), vec![]);
        let cancelled = session(AppointmentStatus::Cancelled, -2, now);
        assert_eq!(
            attention(
                &cancelled,
                &Facts {
                    flags: &[],
                    altered: false,
                    ..facts(true, None)
                },
                now
            ),
            vec![]
        );
        // A session under way has no note due yet.
        let now_on = session(AppointmentStatus::Confirmed, 0, now);
        assert_eq!(
            attention(
                &now_on,
                &Facts {
                    flags: &[],
                    altered: false,
                    intake_waiting: false,
                    ..facts(true, None)
                },
                now
            ),
            vec![]
        );
    }
}
