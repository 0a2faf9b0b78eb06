//! `/intake/{token}`: the questionnaire as a page, one section at a time. Plain forms that
//! work without JavaScript: each section posts, the server keeps the draft, and mistakes come
//! back beside their fields with what was typed. A script adds autosave and hides follow-up
//! questions that do not apply.

use crate::http::pages::PageResult;
use std::collections::HashMap;

use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path, Query},
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{booking::see_other, page, sentence};
use crate::{
    AppState,
    audit::{Actor, AuditContext, Origin},
    http::problem::ApiError,
    intake::{
        Answers, Definition,
        assignments::{self, IntakeError, Status},
        definition::{Item, ItemKind},
    },
    when,
};

#[derive(Deserialize)]
pub struct StepQuery {
    step: Option<usize>,
}

/// `GET /intake/{token}`: a section of the form, or the thank-you once sent.
#[handler]
pub async fn form(
    Data(state): Data<&AppState>,
    Path(token): Path<String>,
    Query(query): Query<StepQuery>,
) -> PageResult {
    let opened = assignments::open(&state.db, &state.keys, &token, state.clock.now()).await?;
    if opened.status == Status::Submitted {
        return thanks(state, &opened.definition.title, StatusCode::OK).await;
    }
    let step = query
        .step
        .unwrap_or(1)
        .clamp(1, opened.definition.sections.len());
    let view = FormView {
        token: &token,
        definition: &opened.definition,
        answers: &opened.answers,
        step,
        typed: None,
        errors: HashMap::new(),
        expires: when::full(
            opened.assignment.expires_at,
            crate::practice::time_zone(&state.db).await?,
        ),
    };
    render(state, view, StatusCode::OK).await
}

/// `POST /intake/{token}`: saves the section, then moves on, back, or sends everything.
#[handler]
pub async fn save(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Path(token): Path<String>,
    body: String,
) -> PageResult {
    let now = state.clock.now();
    let opened = match assignments::open(&state.db, &state.keys, &token, now).await {
        Ok(o) if o.status == Status::Submitted => {
            return thanks(state, &o.definition.title, StatusCode::CONFLICT).await;
        }
        other => other?,
    };
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let definition = &opened.definition;
    let step = field("_step")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, definition.sections.len());
    let section = &definition.sections[step - 1];
    let expires = when::full(
        opened.assignment.expires_at,
        crate::practice::time_zone(&state.db).await?,
    );

    let (given, mut errors) = read_section(section.items.iter(), &fields);
    let mut answers = opened.answers.clone();
    if errors.is_empty() {
        match assignments::save_draft(&state.db, &state.keys, &token, &given, now).await {
            Ok(saved) => answers = saved,
            Err(IntakeError::Invalid(problems)) => {
                errors.extend(
                    problems
                        .into_iter()
                        .map(|p| (p.field, sentence("This", &p.message))),
                );
            }
            Err(e) => return Err(ApiError::from(e)),
        }
    }
    if !errors.is_empty() {
        let view = FormView {
            token: &token,
            definition,
            answers: &answers,
            step,
            typed: Some(&fields),
            errors,
            expires,
        };
        return render(state, view, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match field("_action") {
        Some("back") => Ok(see_other(&step_url(&token, step.saturating_sub(1).max(1)))),
        Some("submit") => {
            let audit = AuditContext::new(Actor::ANONYMOUS, origin.clone(), now);
            match assignments::submit_saved(
                &state.db,
                state.notifier(),
                &state.schedule,
                &token,
                &audit,
            )
            .await
            {
                Ok(_) => Ok(see_other(&format!("/intake/{token}"))),
                Err(IntakeError::Invalid(problems)) => {
                    // Back to the first section with something missing, each problem shown.
                    let first = definition
                        .sections
                        .iter()
                        .position(|s| {
                            s.items
                                .iter()
                                .any(|i| problems.iter().any(|p| p.field == i.id))
                        })
                        .map_or(step, |i| i + 1);
                    let view = FormView {
                        token: &token,
                        definition,
                        answers: &answers,
                        step: first,
                        typed: None,
                        errors: problems
                            .into_iter()
                            .map(|p| (p.field, sentence("This", &p.message)))
                            .collect(),
                        expires,
                    };
                    render(state, view, StatusCode::UNPROCESSABLE_ENTITY).await
                }
                Err(e) => Err(ApiError::from(e)),
            }
        }
        _ => Ok(see_other(&step_url(
            &token,
            (step + 1).min(definition.sections.len()),
        ))),
    }
}

fn step_url(token: &str, step: usize) -> String {
    format!("/intake/{token}?step={step}")
}

/// The section's answers from the posted fields, typed for their items: a field left empty
/// or unticked clears the answer. Values that cannot be read at all are errors here.
fn read_section<'a>(
    items: impl Iterator<Item = &'a Item>,
    fields: &[(String, String)],
) -> (Map<String, Value>, HashMap<String, String>) {
    let mut given = Map::new();
    let mut errors = HashMap::new();
    for item in items {
        let values: Vec<&str> = fields
            .iter()
            .filter(|(k, _)| *k == item.id)
            .map(|(_, v)| v.as_str())
            .collect();
        let first = values.first().map(|v| v.trim()).filter(|v| !v.is_empty());
        let value = match item.kind {
            ItemKind::Info => continue,
            ItemKind::MultiChoice => Value::Array(
                values
                    .iter()
                    .map(|v| {
                        option_value(item, v).unwrap_or_else(|| Value::String((*v).to_owned()))
                    })
                    .collect(),
            ),
            ItemKind::SingleChoice | ItemKind::Scale => match first {
                None => Value::Null,
                Some(v) => option_value(item, v).unwrap_or_else(|| Value::String(v.to_owned())),
            },
            ItemKind::YesNo => match first {
                None => Value::Null,
                Some("yes") => Value::Bool(true),
                Some("no") => Value::Bool(false),
                Some(v) => Value::String(v.to_owned()),
            },
            ItemKind::Consent => match first {
                Some(_) => Value::Bool(true),
                None => Value::Null,
            },
            ItemKind::Number => match first {
                None => Value::Null,
                Some(v) => match v.parse::<f64>() {
                    Ok(n) => json!(n),
                    Err(_) => {
                        errors.insert(item.id.clone(), "Please enter a number.".to_owned());
                        continue;
                    }
                },
            },
            _ => match values.first() {
                Some(v) if !v.trim().is_empty() => Value::String((*v).to_owned()),
                _ => Value::Null,
            },
        };
        given.insert(item.id.clone(), value);
    }
    (given, errors)
}

/// The choice whose value reads as `text`.
fn option_value(item: &Item, text: &str) -> Option<Value> {
    item.options
        .iter()
        .flatten()
        .find(|c| value_text(&c.value) == text)
        .map(|c| c.value.clone())
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        other => other.to_string(),
    }
}

struct FormView<'a> {
    token: &'a str,
    definition: &'a Definition,
    answers: &'a Answers,
    step: usize,
    /// What was posted, shown again when it comes back with mistakes.
    typed: Option<&'a [(String, String)]>,
    errors: HashMap<String, String>,
    expires: String,
}

#[derive(Serialize)]
struct OptionView {
    input_id: String,
    value: String,
    label: String,
    checked: bool,
    numeric: bool,
}

#[derive(Serialize)]
struct ItemView {
    id: String,
    kind: &'static str,
    label: String,
    help: Option<String>,
    required: bool,
    is_info: bool,
    is_group: bool,
    is_consent: bool,
    is_long: bool,
    input_type: &'static str,
    options: Vec<OptionView>,
    value: String,
    checked: bool,
    min: Option<f64>,
    max: Option<f64>,
    error: Option<String>,
    describedby: Option<String>,
    /// "Only if you answered Yes to “Do you have children?”".
    condition: Option<String>,
    show_if: Option<Value>,
    hidden: bool,
}

fn kind_name(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::ShortText => "short_text",
        ItemKind::LongText => "long_text",
        ItemKind::SingleChoice => "single_choice",
        ItemKind::MultiChoice => "multi_choice",
        ItemKind::Scale => "scale",
        ItemKind::Number => "number",
        ItemKind::Date => "date",
        ItemKind::YesNo => "yes_no",
        ItemKind::Email => "email",
        ItemKind::Phone => "phone",
        ItemKind::Consent => "consent",
        ItemKind::Info => "info",
    }
}

fn item_view(view: &FormView<'_>, item: &Item, section_ids: &[&str]) -> ItemView {
    let typed: Option<Vec<&str>> = view.typed.map(|fields| {
        fields
            .iter()
            .filter(|(k, _)| *k == item.id)
            .map(|(_, v)| v.as_str())
            .collect()
    });
    let stored = view.answers.get(&item.id);
    // The texts that count as chosen: what was just typed, else what is stored.
    let chosen: Vec<String> = match (&typed, stored) {
        (Some(t), _) => t.iter().map(|s| (*s).to_owned()).collect(),
        (None, Some(Value::Array(values))) => values.iter().map(value_text).collect(),
        (None, Some(v)) => vec![value_text(v)],
        (None, None) => Vec::new(),
    };
    let options = match item.kind {
        ItemKind::YesNo => vec![
            ("yes".to_owned(), "Yes".to_owned(), false),
            ("no".to_owned(), "No".to_owned(), false),
        ],
        _ => item
            .options
            .iter()
            .flatten()
            .map(|c| (value_text(&c.value), c.label.clone(), c.value.is_number()))
            .collect(),
    };
    let options = options
        .into_iter()
        .enumerate()
        .map(|(n, (value, label, numeric))| OptionView {
            input_id: format!("{}-{n}", item.id),
            checked: chosen.contains(&value),
            value,
            label,
            numeric,
        })
        .collect();
    let error = view.errors.get(&item.id).cloned();
    let help_id = item.help.as_ref().map(|_| format!("{}-help", item.id));
    let error_id = error.as_ref().map(|_| format!("{}-error", item.id));
    let describedby = [help_id, error_id]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
    let (condition, show_if, hidden) = match &item.show_if {
        None => (None, None, false),
        Some(rule) => {
            let source = view.definition.item(&rule.item);
            let wanted = rule.equals.as_ref().or(rule.includes.as_ref());
            let wanted_label = source.and_then(|s| {
                let w = wanted?;
                match s.kind {
                    ItemKind::YesNo => Some(if w == &Value::Bool(true) {
                        "Yes".to_owned()
                    } else {
                        "No".to_owned()
                    }),
                    _ => s
                        .options
                        .iter()
                        .flatten()
                        .find(|c| &c.value == w)
                        .map(|c| c.label.clone()),
                }
            });
            let condition = match (source, wanted_label) {
                (Some(s), Some(l)) => Some(format!("Only if you answered “{l}” to “{}”.", s.label)),
                _ => None,
            };
            let same_section = section_ids.contains(&rule.item.as_str());
            // A condition on an earlier section is settled: hide what does not apply. One in
            // this section is left to the script (without it, the question shows with its
            // condition).
            let hidden = !same_section && !crate::intake::answers::shows(item, view.answers);
            let show_if = same_section.then(|| {
                json!({
                    "item": rule.item,
                    "value": wanted.map(value_text).unwrap_or_default(),
                    "mode": if rule.includes.is_some() { "includes" } else { "equals" },
                })
            });
            (condition, show_if, hidden)
        }
    };
    ItemView {
        id: item.id.clone(),
        kind: kind_name(item.kind),
        label: item.label.clone(),
        help: item.help.clone(),
        required: item.required,
        is_info: item.kind == ItemKind::Info,
        is_group: matches!(
            item.kind,
            ItemKind::SingleChoice | ItemKind::MultiChoice | ItemKind::Scale | ItemKind::YesNo
        ),
        is_consent: item.kind == ItemKind::Consent,
        is_long: item.kind == ItemKind::LongText,
        input_type: match item.kind {
            ItemKind::MultiChoice => "checkbox",
            ItemKind::SingleChoice | ItemKind::Scale | ItemKind::YesNo => "radio",
            ItemKind::Number => "number",
            ItemKind::Date => "date",
            ItemKind::Email => "email",
            ItemKind::Phone => "tel",
            _ => "text",
        },
        options,
        value: chosen.first().cloned().unwrap_or_default(),
        checked: !chosen.is_empty() && chosen[0] != "no",
        min: item.min,
        max: item.max,
        error,
        describedby: (!describedby.is_empty()).then(|| describedby.join(" ")),
        condition,
        show_if,
        hidden,
    }
}

async fn render(state: &AppState, view: FormView<'_>, status: StatusCode) -> PageResult {
    let d = view.definition;
    let section = &d.sections[view.step - 1];
    let section_ids: Vec<&str> = section.items.iter().map(|i| i.id.as_str()).collect();
    let items: Vec<ItemView> = section
        .items
        .iter()
        .map(|i| item_view(&view, i, &section_ids))
        .collect();
    let error_summary: Vec<Value> = items
        .iter()
        .filter_map(|i| {
            i.error
                .as_ref()
                .map(|e| json!({"href": format!("#item-{}", i.id), "label": i.label, "message": e}))
        })
        .collect();
    // Problems in other sections (on sending) are listed too, by their question.
    let elsewhere: Vec<Value> = view
        .errors
        .keys()
        .filter(|id| !section_ids.contains(&id.as_str()))
        .filter_map(|id| d.item(id))
        .map(|i| json!({"label": i.label}))
        .collect();
    let context = json!({
        "title": d.title,
        "intro": (view.step == 1).then_some(d.intro.clone()).flatten(),
        "section": {"title": section.title, "intro": section.intro},
        "items": items,
        "step": view.step,
        "steps": d.sections.len(),
        "is_last": view.step == d.sections.len(),
        "has_back": view.step > 1,
        "action": format!("/intake/{}", view.token),
        "api_url": format!("/api/v1/intake/{}", view.token),
        "error_summary": error_summary,
        "elsewhere": elsewhere,
        "expires": view.expires,
    });
    page(state, status, "pages/intake", &d.title, context).await
}

async fn thanks(state: &AppState, title: &str, status: StatusCode) -> PageResult {
    page(
        state,
        status,
        "pages/intake_done",
        title,
        json!({ "title": title }),
    )
    .await
}
