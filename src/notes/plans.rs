//! Treatment plans: presenting problems, goals and interventions, and for a phased plan the
//! phase the couple is in. Every change, a phase move included, is a new version; the earlier
//! ones are kept. Goals keep their ids across versions, so notes can point at them.

use chrono::{NaiveDate, Utc};
use entity::{session_note, treatment_plan};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{NoteError, access, format::MAX_TEXT};
use crate::{
    audit::{Action, AuditContext, Event},
    auth::Staff,
    crypto::DataKeys,
    db, integrity,
    types::plausible_date,
    validation::FieldError,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoalStatus {
    Active,
    Met,
    Dropped,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    pub id: Uuid,
    pub text: String,
    pub target_date: Option<NaiveDate>,
    pub status: GoalStatus,
    /// The phase it belongs to, in a phased plan.
    pub phase: Option<String>,
}

/// What is sealed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanContent {
    pub presenting_problems: String,
    pub goals: Vec<Goal>,
    pub interventions: String,
}

pub struct Plan {
    pub row: treatment_plan::Model,
    pub phases: Vec<String>,
    pub content: PlanContent,
}

/// A template a plan can start from.
pub struct Template {
    pub slug: &'static str,
    pub name: &'static str,
    pub phases: &'static [&'static str],
    /// (phase, goal)
    pub goals: &'static [(&'static str, &'static str)],
}

pub const TEMPLATES: [Template; 2] = [
    Template {
        slug: "affair-recovery",
        name: "Affair recovery (Gottman)",
        phases: &["Atone", "Attune", "Attach"],
        goals: &[
            (
                "Atone",
                "The involved partner ends the affair and takes responsibility without defensiveness",
            ),
            (
                "Atone",
                "The hurt partner's questions are answered honestly; both agree on transparency",
            ),
            (
                "Atone",
                "A basic sense of safety returns to the relationship",
            ),
            (
                "Attune",
                "Both understand what left the relationship vulnerable",
            ),
            (
                "Attune",
                "Turn toward each other's bids; use a soft start-up",
            ),
            ("Attune", "Manage conflict without flooding"),
            ("Attach", "Rebuild emotional and physical intimacy"),
            ("Attach", "Create shared meaning and rituals of connection"),
            (
                "Attach",
                "Agree how to keep the relationship strong after therapy",
            ),
        ],
    },
    Template {
        slug: "plain",
        name: "Plain plan",
        phases: &[],
        goals: &[],
    },
];

pub fn template(slug: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.slug == slug)
}

/// A goal as given.
pub struct GoalInput {
    pub id: Option<Uuid>,
    pub text: String,
    pub target_date: Option<String>,
    pub status: Option<String>,
    pub phase: Option<String>,
}

/// A whole plan as given (`PUT`): absent parts keep the current plan's (or the template's).
pub struct PlanInput {
    pub template: Option<String>,
    pub presenting_problems: Option<String>,
    pub goals: Option<Vec<GoalInput>>,
    pub interventions: Option<String>,
    pub phase: Option<String>,
}

pub fn context(id: Uuid) -> String {
    format!("treatment_plan.content:{id}")
}

fn phases_of(row: &treatment_plan::Model) -> Vec<String> {
    serde_json::from_value(row.phases.clone()).unwrap_or_default()
}

async fn current_row(
    db: &impl ConnectionTrait,
    client_id: Uuid,
) -> Result<Option<treatment_plan::Model>, NoteError> {
    Ok(treatment_plan::Entity::find()
        .filter(treatment_plan::Column::ClientId.eq(client_id))
        .order_by_desc(treatment_plan::Column::Version)
        .one(db)
        .await?)
}

fn open(keys: &DataKeys, row: treatment_plan::Model) -> Result<Plan, NoteError> {
    let json = keys
        .open(&row.content_sealed, &context(row.id))
        .map_err(|_| NoteError::Unreadable)?;
    let content = serde_json::from_str(&json).map_err(|_| NoteError::Unreadable)?;
    Ok(Plan {
        phases: phases_of(&row),
        row,
        content,
    })
}

/// The client's current plan, opened and checked against its integrity tag (no access
/// check, no read recorded: for callers that did both).
pub async fn current(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    client_id: Uuid,
    audit: &AuditContext,
) -> Result<Option<Plan>, NoteError> {
    let Some(row) = current_row(db, client_id).await? else {
        return Ok(None);
    };
    integrity::check::<_, NoteError>(db, keys, audit, &row).await?;
    open(keys, row).map(Some)
}

/// The current plan inside a change's transaction, after the change checked it with
/// [`current`] outside (where a failure's audit event is not rolled back).
async fn latest(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    client_id: Uuid,
) -> Result<Option<Plan>, NoteError> {
    current_row(db, client_id)
        .await?
        .map(|row| open(keys, row))
        .transpose()
}

/// Every version, oldest first, each checked.
pub async fn history(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    client_id: Uuid,
    audit: &AuditContext,
) -> Result<Vec<Plan>, NoteError> {
    let rows = treatment_plan::Entity::find()
        .filter(treatment_plan::Column::ClientId.eq(client_id))
        .order_by_asc(treatment_plan::Column::Version)
        .all(db)
        .await?;
    integrity::check_all::<_, NoteError>(db, keys, audit, &rows).await?;
    rows.into_iter().map(|row| open(keys, row)).collect()
}

pub async fn read(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    staff: &Staff,
    client_id: Uuid,
    audit: &AuditContext,
) -> Result<Plan, NoteError> {
    access::clinical_client(db, staff, client_id).await?;
    let plan = current(db, keys, client_id, audit)
        .await?
        .ok_or(NoteError::NoPlan)?;
    audit
        .record(
            db,
            Event::new(Action::TreatmentPlanRead).entity("client", client_id),
        )
        .await?;
    Ok(plan)
}

fn text(field: &str, value: &str, max: usize, errors: &mut Vec<FieldError>) -> String {
    if value.chars().count() > max {
        errors.push(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    value.trim().to_owned()
}

/// Saves `input` as the client's new current plan.
#[tracing::instrument(skip_all, fields(client_id = %client_id), err(level = "info"))]
pub async fn save<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    keys: &DataKeys,
    staff: &Staff,
    client_id: Uuid,
    input: PlanInput,
    audit: &AuditContext,
) -> Result<Plan, NoteError> {
    // A new version carries the current one forward: a changed one is caught first.
    current(db, keys, client_id, audit).await?;
    let txn = db::begin_write(db).await?;
    access::clinical_client(&txn, staff, client_id).await?;
    let existing = latest(&txn, keys, client_id).await?;
    let mut errors = Vec::new();
    let chosen = match input.template.as_deref() {
        Some(slug) => match template(slug) {
            Some(t) => Some(t),
            None => {
                errors.push(FieldError::new(
                    "template",
                    "must be affair-recovery or plain",
                ));
                None
            }
        },
        None => None,
    };
    let (template_slug, phases): (Option<String>, Vec<String>) = match (chosen, &existing) {
        (Some(t), _) => (
            Some(t.slug.to_owned()),
            t.phases.iter().map(|p| (*p).to_owned()).collect(),
        ),
        (None, Some(p)) => (p.row.template.clone(), p.phases.clone()),
        (None, None) => (Some("plain".to_owned()), Vec::new()),
    };
    let base = existing
        .as_ref()
        .map(|p| p.content.clone())
        .unwrap_or_default();
    let presenting_problems = match &input.presenting_problems {
        Some(v) => text("presenting_problems", v, MAX_TEXT, &mut errors),
        None => base.presenting_problems.clone(),
    };
    let interventions = match &input.interventions {
        Some(v) => text("interventions", v, MAX_TEXT, &mut errors),
        None => base.interventions.clone(),
    };
    let known: Vec<Uuid> = base.goals.iter().map(|g| g.id).collect();
    let goals = match input.goals {
        Some(given) => {
            if given.len() > 100 {
                errors.push(FieldError::new("goals", "must be at most 100 goals"));
            }
            given
                .into_iter()
                .enumerate()
                .map(|(n, g)| check_goal(n, g, &known, &phases, &mut errors))
                .collect()
        }
        // A plan started from a template takes its typical goals.
        None if chosen.is_some()
            && chosen.map(|t| t.slug)
                != existing.as_ref().and_then(|p| p.row.template.as_deref()) =>
        {
            chosen
                .map(|t| {
                    t.goals
                        .iter()
                        .map(|(phase, goal)| Goal {
                            id: Uuid::new_v4(),
                            text: (*goal).to_owned(),
                            target_date: None,
                            status: GoalStatus::Active,
                            phase: Some((*phase).to_owned()),
                        })
                        .collect()
                })
                .unwrap_or_default()
        }
        None => base.goals.clone(),
    };
    let phase = match input.phase {
        Some(p) if phases.contains(&p) => Some(p),
        Some(_) => {
            errors.push(FieldError::new(
                "phase",
                format!("must be one of: {}", phases.join(", ")),
            ));
            None
        }
        None => existing
            .as_ref()
            .and_then(|p| p.row.phase.clone())
            .filter(|p| phases.contains(p))
            .or_else(|| phases.first().cloned()),
    };
    if !errors.is_empty() {
        return Err(NoteError::Invalid(errors));
    }
    let phase_since = match (&existing, &phase) {
        (Some(p), Some(now_phase)) if p.row.phase.as_ref() == Some(now_phase) => p.row.phase_since,
        (_, Some(_)) => Some(audit.now),
        (_, None) => None,
    };
    let content = PlanContent {
        presenting_problems,
        goals,
        interventions,
    };
    let plan = insert_version(
        &txn,
        keys,
        client_id,
        existing.as_ref(),
        template_slug,
        phases,
        phase,
        phase_since,
        &content,
        audit,
    )
    .await?;
    audit
        .record(
            &txn,
            Event::new(Action::TreatmentPlanUpdate)
                .entity("client", client_id)
                .details(serde_json::json!({ "version": plan.row.version })),
        )
        .await?;
    txn.commit().await?;
    Ok(plan)
}

/// Moves the couple to `phase` of their phased plan, recording when.
#[tracing::instrument(skip_all, fields(client_id = %client_id), err(level = "info"))]
pub async fn move_to_phase<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    keys: &DataKeys,
    staff: &Staff,
    client_id: Uuid,
    phase: &str,
    audit: &AuditContext,
) -> Result<Plan, NoteError> {
    current(db, keys, client_id, audit).await?;
    let txn = db::begin_write(db).await?;
    access::clinical_client(&txn, staff, client_id).await?;
    let existing = latest(&txn, keys, client_id)
        .await?
        .ok_or(NoteError::NoPlan)?;
    if !existing.phases.iter().any(|p| p == phase) {
        let allowed = if existing.phases.is_empty() {
            "is not possible: this plan has no phases".to_owned()
        } else {
            format!("must be one of: {}", existing.phases.join(", "))
        };
        return Err(NoteError::Invalid(vec![FieldError::new("phase", allowed)]));
    }
    if existing.row.phase.as_deref() == Some(phase) {
        return Err(NoteError::AlreadyInPhase);
    }
    let from = existing.row.phase.clone();
    let plan = insert_version(
        &txn,
        keys,
        client_id,
        Some(&existing),
        existing.row.template.clone(),
        existing.phases.clone(),
        Some(phase.to_owned()),
        Some(audit.now),
        &existing.content,
        audit,
    )
    .await?;
    audit
        .record(
            &txn,
            Event::new(Action::TreatmentPlanPhase)
                .entity("client", client_id)
                .details(serde_json::json!({ "from": from, "to": phase })),
        )
        .await?;
    txn.commit().await?;
    Ok(plan)
}

#[allow(clippy::too_many_arguments)]
async fn insert_version(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    client_id: Uuid,
    existing: Option<&Plan>,
    template: Option<String>,
    phases: Vec<String>,
    phase: Option<String>,
    phase_since: Option<chrono::DateTime<Utc>>,
    content: &PlanContent,
    audit: &AuditContext,
) -> Result<Plan, NoteError> {
    let id = Uuid::new_v4();
    let mut row = treatment_plan::Model {
        id,
        client_id,
        version: existing.map_or(1, |p| p.row.version + 1),
        template,
        content_sealed: keys.seal(
            &serde_json::to_string(content).expect("a plan serialises"),
            &context(id),
        ),
        phases: serde_json::json!(phases),
        phase,
        phase_since,
        created_by: audit.actor.id,
        integrity: None,
        created_at: audit.now,
    };
    row.integrity = Some(integrity::tag(keys, &row));
    let row = treatment_plan::Entity::insert(treatment_plan::ActiveModel::from(row).reset_all())
        .exec_with_returning(db)
        .await?;
    Ok(Plan {
        phases,
        row,
        content: content.clone(),
    })
}

fn check_goal(
    n: usize,
    g: GoalInput,
    known: &[Uuid],
    phases: &[String],
    errors: &mut Vec<FieldError>,
) -> Goal {
    let at = |f: &str| format!("goals[{n}].{f}");
    if let Some(id) = g.id
        && !known.contains(&id)
    {
        errors.push(FieldError::new(
            at("id"),
            "is not a goal of this client's plan",
        ));
    }
    let text = g.text.trim().to_owned();
    if text.is_empty() || text.chars().count() > 2_000 {
        errors.push(FieldError::new(at("text"), "must be 1 to 2,000 characters"));
    }
    let target_date = g.target_date.as_deref().and_then(|d| {
        let parsed = NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
            .ok()
            .filter(plausible_date);
        if parsed.is_none() {
            errors.push(FieldError::new(
                at("target_date"),
                "must be a date like 2027-03-01",
            ));
        }
        parsed
    });
    let status = match g.status.as_deref() {
        None | Some("active") => GoalStatus::Active,
        Some("met") => GoalStatus::Met,
        Some("dropped") => GoalStatus::Dropped,
        Some(_) => {
            errors.push(FieldError::new(
                at("status"),
                "must be active, met or dropped",
            ));
            GoalStatus::Active
        }
    };
    if let Some(p) = &g.phase
        && !phases.contains(p)
    {
        errors.push(FieldError::new(at("phase"), "is not a phase of this plan"));
    }
    Goal {
        id: g.id.unwrap_or_else(Uuid::new_v4),
        text,
        target_date,
        status,
        phase: g.phase,
    }
}

/// Checks that every goal id is a goal of the client's current plan.
pub async fn check_goal_links(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    client_id: Uuid,
    goal_ids: &[Uuid],
) -> Result<(), NoteError> {
    if goal_ids.is_empty() {
        return Ok(());
    }
    let goals: Vec<Uuid> = latest(db, keys, client_id)
        .await?
        .map(|p| p.content.goals.iter().map(|g| g.id).collect())
        .unwrap_or_default();
    if let Some(n) = goal_ids.iter().position(|g| !goals.contains(g)) {
        return Err(NoteError::Invalid(vec![FieldError::new(
            format!("goal_ids[{n}]"),
            "is not a goal of this client's treatment plan",
        )]));
    }
    Ok(())
}

/// Each goal of the current plan with the signed notes that worked on it.
pub async fn progress(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    staff: &Staff,
    client_id: Uuid,
    audit: &AuditContext,
) -> Result<(Plan, Vec<(Goal, Vec<session_note::Model>)>), NoteError> {
    let plan = read(db, keys, staff, client_id, audit).await?;
    let signed = session_note::Entity::find()
        .filter(session_note::Column::ClientId.eq(client_id))
        .filter(session_note::Column::Status.eq(session_note::NoteStatus::Signed))
        .order_by_asc(session_note::Column::SignedAt)
        .all(db)
        .await?;
    integrity::check_all::<_, NoteError>(db, keys, audit, &signed).await?;
    let goals = plan
        .content
        .goals
        .iter()
        .map(|g| {
            let notes = signed
                .iter()
                .filter(|n| super::goal_ids(n).contains(&g.id))
                .cloned()
                .collect();
            (g.clone(), notes)
        })
        .collect();
    Ok((plan, goals))
}
