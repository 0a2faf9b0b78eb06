//! `/admin/clients/{id}/plan`: the couple's treatment plan — what brings them, the goals
//! (each with a status, a phase and a target date), the interventions, and the phase the
//! couple is in. For those who treat the couple; reading it is recorded, and every save is
//! a new version.

use crate::http::pages::PageResult;
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path},
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    Admin, Form, Notice, Section, done,
    fields::{Field, FormPage},
    parse_id, settle,
};
use crate::{
    AppState,
    audit::Origin,
    http::problem::ApiError,
    notes::{
        NoteError, access,
        plans::{self, GoalInput, GoalStatus, Plan, PlanInput},
    },
};

/// Blank goal rows offered under the plan's own.
const NEW_GOALS: usize = 3;

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
        .collect()
}

fn fields(plan: Option<&Plan>) -> Vec<Field> {
    let mut fields = Vec::new();
    let phases: Vec<(String, String)> = plan.map_or_else(Vec::new, |p| {
        p.phases.iter().map(|ph| (ph.clone(), ph.clone())).collect()
    });
    match plan {
        None => {
            let templates: Vec<(String, String)> = plans::TEMPLATES
                .iter()
                .map(|t| (t.slug.to_owned(), t.name.to_owned()))
                .collect();
            fields.push(
                Field::select("template", "Start from", &templates, "plain")
                    .hint("A template brings its phases and typical goals; change them freely."),
            );
        }
        Some(p) if !phases.is_empty() => fields.push(
            Field::select(
                "phase",
                "Phase the couple is in",
                &phases,
                p.row.phase.as_deref().unwrap_or(""),
            )
            .hint("Moving on records the date."),
        ),
        Some(_) => {}
    }
    let content = plan.map(|p| &p.content);
    fields.push(Field::textarea(
        "presenting_problems",
        "What brings them",
        content.map_or("", |c| &c.presenting_problems),
    ));
    fields.push(Field::textarea(
        "interventions",
        "Interventions",
        content.map_or("", |c| &c.interventions),
    ));
    let statuses = pairs(&[
        ("active", "Working on it"),
        ("met", "Met"),
        ("dropped", "Dropped"),
    ]);
    let mut phase_choices = vec![(String::new(), "—".to_owned())];
    phase_choices.extend(phases.iter().cloned());
    let goals = content.map_or(&[][..], |c| &c.goals[..]);
    for n in 0..goals.len() + NEW_GOALS {
        let goal = goals.get(n);
        let at = |f: &str| format!("goals[{n}].{f}");
        fields.push(Field::section(&match goal {
            Some(_) => format!("Goal {}", n + 1),
            None => "A new goal".to_owned(),
        }));
        if let Some(g) = goal {
            fields.push(Field::hidden(&at("id"), g.id));
        }
        fields.push(
            Field::text(&at("text"), "Goal", goal.map_or("", |g| &g.text)).hint(
                if goal.is_some() {
                    "Empty it to take the goal off the plan."
                } else {
                    "Leave empty to add nothing."
                },
            ),
        );
        let status = goal.map_or("active", |g| match g.status {
            GoalStatus::Active => "active",
            GoalStatus::Met => "met",
            GoalStatus::Dropped => "dropped",
        });
        fields.push(Field::select(&at("status"), "Status", &statuses, status));
        if !phases.is_empty() {
            fields.push(Field::select(
                &at("phase"),
                "Phase",
                &phase_choices,
                goal.and_then(|g| g.phase.as_deref()).unwrap_or(""),
            ));
        }
        fields.push(Field::input(
            "date",
            &at("target_date"),
            "Target date",
            goal.and_then(|g| g.target_date)
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ));
    }
    fields
}

fn page(
    state: &AppState,
    admin: &Admin,
    client_id: Uuid,
    plan: Option<&Plan>,
    status: StatusCode,
    form: Value,
) -> PageResult {
    let back = format!("/admin/clients/{client_id}");
    FormPage {
        title: "Treatment plan",
        section: Section::Clients,
        back: (&back, "The couple's record"),
        intro: plan.map(|p| {
            format!(
                "Version {}. Saving keeps the earlier versions.",
                p.row.version
            )
        }),
        notice: None,
        action: format!("/admin/clients/{client_id}/plan"),
        submit: "Save the plan",
        fields: fields(plan),
        links: vec![],
    }
    .render(state, admin, status, form)
}

/// The plan, read on the record; none yet is not an error.
async fn current(
    state: &AppState,
    admin: &Admin,
    origin: &Origin,
    client_id: Uuid,
) -> Result<Option<Plan>, ApiError> {
    access::clinical_client(&state.db, &admin.staff, client_id).await?;
    match plans::read(
        &state.db,
        &state.keys,
        &admin.staff,
        client_id,
        &admin.audit(state, origin),
    )
    .await
    {
        Ok(plan) => Ok(Some(plan)),
        Err(NoteError::NoPlan) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// `GET /admin/clients/{id}/plan`.
#[handler]
pub async fn edit(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Path(id): Path<String>,
) -> PageResult {
    let client_id = parse_id(&id)?;
    let plan = current(state, admin, origin, client_id).await?;
    page(
        state,
        admin,
        client_id,
        plan.as_ref(),
        StatusCode::OK,
        json!({}),
    )
}

/// The goal rows that have text, as the plan's goals, and where each came from on the form.
fn goals(form: &Form) -> (Vec<GoalInput>, Vec<usize>) {
    let optional = |v: &str| Some(v.to_owned()).filter(|v| !v.is_empty());
    (0..)
        .take_while(|n| form.has(&format!("goals[{n}].text")))
        .filter(|n| !form.get(&format!("goals[{n}].text")).is_empty())
        .map(|n| {
            let at = |f: &str| form.get(&format!("goals[{n}].{f}"));
            let goal = GoalInput {
                id: at("id").parse().ok(),
                text: at("text").to_owned(),
                target_date: optional(at("target_date")),
                status: optional(at("status")),
                phase: optional(at("phase")),
            };
            (goal, n)
        })
        .unzip()
}

/// `POST /admin/clients/{id}/plan`.
#[handler]
pub async fn save(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
    Path(id): Path<String>,
) -> PageResult {
    let client_id = parse_id(&id)?;
    access::clinical_client(&state.db, &admin.staff, client_id).await?;
    let before = plans::current(
        &state.db,
        &state.keys,
        client_id,
        &admin.audit(state, origin),
    )
    .await?;
    let (goals, rows) = goals(form);
    let new_from_template = before.is_none() && goals.is_empty();
    let optional = |name: &str| Some(form.get(name).to_owned()).filter(|v| !v.is_empty());
    let input = PlanInput {
        template: optional("template"),
        presenting_problems: Some(form.raw("presenting_problems").to_owned()),
        goals: (!new_from_template).then_some(goals),
        interventions: Some(form.raw("interventions").to_owned()),
        phase: optional("phase"),
    };
    let outcome = plans::save(
        &state.db,
        &state.keys,
        &admin.staff,
        client_id,
        input,
        &admin.audit(state, origin),
    )
    .await
    .map(|saved| {
        let moved = before
            .as_ref()
            .is_some_and(|b| b.row.phase != saved.row.phase);
        done(
            &format!("/admin/clients/{client_id}"),
            if moved {
                Notice::PhaseMoved
            } else {
                Notice::PlanSaved
            },
        )
    })
    .map_err(|e| {
        // The plan numbers the goals it was given; the form numbers its rows.
        let mut failure = ApiError::from(e);
        failure.rename_fields(|field| {
            let rest = field.strip_prefix("goals[")?;
            let (k, tail) = rest.split_once(']')?;
            let row = rows.get(k.parse::<usize>().ok()?)?;
            Some(format!("goals[{row}]{tail}"))
        });
        failure
    });
    settle(outcome, form, |status, shown| async move {
        page(state, admin, client_id, before.as_ref(), status, shown)
    })
    .await
}
