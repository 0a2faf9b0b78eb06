//! Each partner's scores on one measure over time: every submitted response, its band, its
//! change from that partner's first score, and whether the change is reliable.

use chrono::{DateTime, Utc};
use entity::{client, intake_assignment::IntakeStatus, participant};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{
    MeasuresError,
    catalogue::{self, Change, Measure},
};
use crate::{
    audit::{Action, AuditContext, Event},
    auth::Staff,
    crypto::DataKeys,
    intake::assignments::list_for_client,
    policy,
    types::joined,
};

#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub assignment_id: Uuid,
    pub at: DateTime<Utc>,
    pub score: i32,
    pub band: Option<String>,
    /// Against the partner's first score on this measure.
    pub change: i32,
    pub mark: Change,
    pub clinical: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub participant_id: Uuid,
    pub name: String,
    pub points: Vec<Point>,
}

/// Whom the clinical policy lets read the couple's scores; answers the couple.
pub async fn readable(
    db: &impl ConnectionTrait,
    staff: &Staff,
    client_id: Uuid,
) -> Result<client::Model, MeasuresError> {
    policy::clinical_role(staff)?;
    let c = client::Entity::find_by_id(client_id)
        .one(db)
        .await?
        .ok_or(MeasuresError::NotFound)?;
    policy::clinical(staff, &c)?;
    Ok(c)
}

/// Every partner's line on `measure`, partners in their order; one with no responses has
/// an empty line. The caller has checked the policy; the read is audited here.
pub async fn lines(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    client_id: Uuid,
    measures: &[&'static Measure],
    audit: &AuditContext,
) -> Result<Vec<(&'static Measure, Vec<Line>)>, MeasuresError> {
    let rows = list_for_client(db, keys, client_id, false, audit).await?;
    let people = participant::Entity::find()
        .filter(participant::Column::ClientId.eq(client_id))
        .order_by_asc(participant::Column::Position)
        .all(db)
        .await?;
    audit
        .record(
            db,
            Event::new(Action::MeasuresRead)
                .entity("client", client_id)
                .details(serde_json::json!({
                    "measures": measures.iter().map(|m| m.slug).collect::<Vec<_>>()
                })),
        )
        .await?;
    let submitted: Vec<(&entity::intake_assignment::Model, &str)> =
        rows.iter().map(|(a, _, slug)| (a, slug.as_str())).collect();
    Ok(build(&submitted, &people, measures))
}

/// The lines of `measures` from the couple's responses (`rows`, each with its
/// questionnaire's slug; any status) and its partners, in their order. Pure, so a page that
/// has the rows already (the agenda) needs no more reads.
pub fn build(
    rows: &[(&entity::intake_assignment::Model, &str)],
    people: &[participant::Model],
    measures: &[&'static Measure],
) -> Vec<(&'static Measure, Vec<Line>)> {
    let mut out = Vec::new();
    for m in measures {
        let mut lines = Vec::new();
        for p in people {
            let mut mine: Vec<_> = rows
                .iter()
                .filter(|(a, slug)| {
                    *slug == m.slug
                        && a.participant_id == p.id
                        && a.status == IntakeStatus::Submitted
                })
                .filter_map(|(a, _)| Some((*a, a.submitted_at?, a.score_total?)))
                .collect();
            mine.sort_by_key(|(a, at, _)| (*at, a.id));
            let baseline = mine.first().map(|(_, _, s)| *s);
            let points = mine
                .into_iter()
                .map(|(a, at, score)| {
                    let base = baseline.unwrap_or(score);
                    Point {
                        assignment_id: a.id,
                        at,
                        score,
                        band: a.score_band.clone(),
                        change: score - base,
                        mark: m.change(base, score),
                        clinical: m.clinical(score),
                    }
                })
                .collect();
            lines.push(Line {
                participant_id: p.id,
                name: joined(&p.first_name, &p.last_name),
                points,
            });
        }
        out.push((*m, lines));
    }
    out
}

/// One measure's lines for staff, by the clinical policy.
pub async fn of(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    staff: &Staff,
    client_id: Uuid,
    slug: &str,
    audit: &AuditContext,
) -> Result<(&'static Measure, Vec<Line>), MeasuresError> {
    readable(db, staff, client_id).await?;
    let measure = catalogue::find(slug).ok_or_else(|| {
        crate::validation::Invalid(vec![crate::validation::FieldError::new(
            "questionnaire",
            format!(
                "must be one of {}",
                catalogue::ALL
                    .iter()
                    .map(|m| m.slug)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )])
    })?;
    let mut all = lines(db, keys, client_id, &[measure], audit).await?;
    let (m, l) = all.pop().ok_or(MeasuresError::NotFound)?;
    Ok((m, l))
}
