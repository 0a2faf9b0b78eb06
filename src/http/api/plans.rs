//! Treatment plans: `/clients/{id}/treatment-plan` (read, replace, move to a phase, progress
//! by goal) and the templates a plan can start from. Owners and the client's own clinician.

use chrono::{DateTime, NaiveDate, Utc};
use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Path, payload::Json};
use serde::Deserialize;
use uuid::Uuid;

use super::{ApiResult, ApiTag, JsonBody, StaffRead, StaffReadOne, StaffWrite, audit_context};
use crate::{
    AppState,
    audit::Origin,
    auth::{Permission, Staff},
    notes::plans::{self, GoalInput, GoalStatus, Plan, PlanInput},
};

#[derive(Object)]
pub struct GoalView {
    id: Uuid,
    text: String,
    target_date: Option<NaiveDate>,
    /// `active`, `met` or `dropped`.
    status: String,
    phase: Option<String>,
}

#[derive(Object)]
pub struct PlanView {
    /// Each change is a new version; earlier ones are kept.
    version: i32,
    /// `affair-recovery` or `plain`.
    template: Option<String>,
    presenting_problems: String,
    goals: Vec<GoalView>,
    interventions: String,
    /// In order; empty for a plan without phases.
    phases: Vec<String>,
    phase: Option<String>,
    /// When the couple entered the phase.
    phase_since: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
    updated_by: Option<Uuid>,
}

#[derive(Object, Deserialize)]
pub struct GoalBody {
    /// Keep a goal's id to keep its links to notes; without one it is a new goal.
    id: Option<Uuid>,
    text: String,
    /// `YYYY-MM-DD`.
    target_date: Option<String>,
    /// `active` (default), `met` or `dropped`.
    status: Option<String>,
    phase: Option<String>,
}

#[derive(Object, Deserialize)]
pub struct PlanBody {
    /// Start from a template: `affair-recovery` (phases Atone, Attune, Attach, with typical
    /// goals) or `plain`.
    template: Option<String>,
    presenting_problems: Option<String>,
    /// The whole list; absent keeps the current goals (or takes the template's).
    goals: Option<Vec<GoalBody>>,
    interventions: Option<String>,
    phase: Option<String>,
}

#[derive(Object, Deserialize)]
pub struct PhaseBody {
    phase: String,
}

#[derive(Object)]
pub struct LinkedNote {
    id: Uuid,
    title: String,
    signed_at: Option<DateTime<Utc>>,
}

#[derive(Object)]
pub struct GoalProgress {
    goal: GoalView,
    /// Signed notes that worked on it, oldest first.
    notes: Vec<LinkedNote>,
}

#[derive(Object)]
pub struct Progress {
    phase: Option<String>,
    phase_since: Option<DateTime<Utc>>,
    goals: Vec<GoalProgress>,
}

#[derive(Object)]
pub struct PlanTemplateGoal {
    phase: String,
    text: String,
}

#[derive(Object)]
pub struct PlanTemplateView {
    slug: String,
    name: String,
    phases: Vec<String>,
    goals: Vec<PlanTemplateGoal>,
}

#[derive(Object)]
pub struct PlanTemplates {
    items: Vec<PlanTemplateView>,
}

pub struct PlansApi;

#[OpenApi(tag = "ApiTag::Notes")]
impl PlansApi {
    /// A client's treatment plan
    ///
    /// The current version; 404 until one is saved.
    #[oai(
        path = "/clients/:id/treatment-plan",
        method = "get",
        operation_id = "getTreatmentPlan"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<PlanView>, StaffReadOne> {
        let audit = audit_context(&state, &origin, staff.actor());
        let plan = plans::read(&state.db, &state.keys, &staff, id.0, &audit).await?;
        Ok(Json(view(plan)))
    }

    /// Save the treatment plan
    ///
    /// Replaces the current plan with a new version (absent parts keep their value). Start
    /// from a template with `template`.
    #[oai(
        path = "/clients/:id/treatment-plan",
        method = "put",
        operation_id = "saveTreatmentPlan"
    )]
    async fn save(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<PlanBody>,
    ) -> ApiResult<Json<PlanView>, StaffWrite> {
        let body = body.0;
        let audit = audit_context(&state, &origin, staff.actor());
        let input = PlanInput {
            template: body.template,
            presenting_problems: body.presenting_problems,
            goals: body.goals.map(|goals| {
                goals
                    .into_iter()
                    .map(|g| GoalInput {
                        id: g.id,
                        text: g.text,
                        target_date: g.target_date,
                        status: g.status,
                        phase: g.phase,
                    })
                    .collect()
            }),
            interventions: body.interventions,
            phase: body.phase,
        };
        let plan = plans::save(&state.db, &state.keys, &staff, id.0, input, &audit).await?;
        Ok(Json(view(plan)))
    }

    /// Move to a phase
    ///
    /// Moves the couple to another phase of their phased plan and records when (a new
    /// version). 409 if they are in it already.
    #[oai(
        path = "/clients/:id/treatment-plan/phase",
        method = "post",
        operation_id = "moveTreatmentPhase"
    )]
    async fn phase(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<PhaseBody>,
    ) -> ApiResult<Json<PlanView>, StaffWrite> {
        let audit = audit_context(&state, &origin, staff.actor());
        let plan = plans::move_to_phase(
            &state.db,
            &state.keys,
            &staff,
            id.0,
            body.0.phase.trim(),
            &audit,
        )
        .await?;
        Ok(Json(view(plan)))
    }

    /// Progress by goal
    ///
    /// Each goal of the current plan with the signed notes that worked on it.
    #[oai(
        path = "/clients/:id/treatment-plan/progress",
        method = "get",
        operation_id = "getTreatmentProgress"
    )]
    async fn progress(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<Progress>, StaffReadOne> {
        let audit = audit_context(&state, &origin, staff.actor());
        let (plan, goals) = plans::progress(&state.db, &state.keys, &staff, id.0, &audit).await?;
        Ok(Json(Progress {
            phase: plan.row.phase,
            phase_since: plan.row.phase_since,
            goals: goals
                .into_iter()
                .map(|(g, notes)| GoalProgress {
                    goal: goal_view(g),
                    notes: notes
                        .into_iter()
                        .map(|n| LinkedNote {
                            id: n.id,
                            title: n.title,
                            signed_at: n.signed_at,
                        })
                        .collect(),
                })
                .collect(),
        }))
    }

    /// Treatment-plan templates
    #[oai(
        path = "/treatment-plan-templates",
        method = "get",
        operation_id = "listTreatmentPlanTemplates"
    )]
    async fn templates(&self, staff: Staff) -> ApiResult<Json<PlanTemplates>, StaffRead> {
        staff.require(Permission::ReadClinical)?;
        Ok(Json(PlanTemplates {
            items: plans::TEMPLATES
                .iter()
                .map(|t| PlanTemplateView {
                    slug: t.slug.into(),
                    name: t.name.into(),
                    phases: t.phases.iter().map(|p| (*p).to_owned()).collect(),
                    goals: t
                        .goals
                        .iter()
                        .map(|(phase, text)| PlanTemplateGoal {
                            phase: (*phase).into(),
                            text: (*text).into(),
                        })
                        .collect(),
                })
                .collect(),
        }))
    }
}

fn goal_view(g: plans::Goal) -> GoalView {
    GoalView {
        id: g.id,
        text: g.text,
        target_date: g.target_date,
        status: match g.status {
            GoalStatus::Active => "active",
            GoalStatus::Met => "met",
            GoalStatus::Dropped => "dropped",
        }
        .into(),
        phase: g.phase,
    }
}

fn view(p: Plan) -> PlanView {
    PlanView {
        version: p.row.version,
        template: p.row.template,
        presenting_problems: p.content.presenting_problems,
        goals: p.content.goals.into_iter().map(goal_view).collect(),
        interventions: p.content.interventions,
        phases: p.phases,
        phase: p.row.phase,
        phase_since: p.row.phase_since,
        updated_at: p.row.created_at,
        updated_by: p.row.created_by,
    }
}
