//! `/admin/clients/{id}/measures`: a couple's measures for those who treat them: what needs
//! attention, one chart per measure with both partners' lines and the same numbers in a
//! table beside it, and the schedule of what is sent before sessions.

use crate::http::pages::PageResult;
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path, Query},
};
use serde_json::{Value, json};

use super::{
    Admin, DoneQuery, Form, Notice, Section, clients::when_local, done, parse_id, render_status,
    settle,
};
use crate::{
    AppState,
    audit::Origin,
    measures::{
        catalogue, chart,
        schedule::{self, CADENCES, Item},
        view,
    },
    scheduling::clients,
    types::joined,
};

/// `GET /admin/clients/{id}/measures`.
#[handler]
pub async fn show(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    let id = parse_id(&id)?;
    page(
        state,
        origin,
        admin,
        id,
        StatusCode::OK,
        query.notice(),
        json!({}),
    )
    .await
}

async fn page(
    state: &AppState,
    origin: &Origin,
    admin: &Admin,
    id: uuid::Uuid,
    status: StatusCode,
    notice: Option<&'static str>,
    form: Value,
) -> PageResult {
    let v = view::of(
        &state.db,
        &state.keys,
        &admin.staff,
        id,
        &admin.audit(state, origin),
    )
    .await?;
    let record = clients::find(&state.db, id).await?;
    let charts: Vec<Value> = v
        .series
        .iter()
        .filter(|(_, lines)| lines.iter().any(|l| !l.points.is_empty()))
        .map(|(m, lines)| {
            let mut rows: Vec<(chrono::DateTime<chrono::Utc>, Value)> = lines
                .iter()
                .flat_map(|l| {
                    l.points.iter().map(move |p| {
                        (
                            p.at,
                            json!({
                                "when": when_local(p.at, admin),
                                "partner": l.name,
                                "score": p.score,
                                "band": p.band,
                                "change": if p.change > 0 { format!("+{}", p.change) } else { p.change.to_string() },
                                "mark": match p.mark.as_str() {
                                    Some("reliable_improvement") => "Reliable improvement",
                                    Some(_) => "Reliable deterioration",
                                    None => "",
                                },
                            }),
                        )
                    })
                })
                .collect();
            rows.sort_by_key(|(at, _)| *at);
            json!({
                "slug": m.slug,
                "name": m.name,
                "source": m.source,
                "range": format!("{}–{}", m.min, m.max),
                "cutoff": m.cutoff_meaning,
                "reliable_change": m.reliable_change,
                "basis": m.reliable_change_basis,
                "svg": chart::svg(m, lines, &v.phases, admin.tz, &format!("chart-{}", m.slug)),
                "rows": rows.into_iter().map(|(_, r)| r).collect::<Vec<_>>(),
            })
        })
        .collect();
    let alerts: Vec<Value> = v
        .alerts
        .iter()
        .map(|a| json!({ "kind": a.kind(), "text": a.sentence(), "urgent": a.kind() == "urgent" }))
        .collect();
    let current = schedule::get(&state.db, &admin.staff, id).await?;
    let partners: Vec<Value> = record
        .participants
        .iter()
        .map(|p| json!({ "id": p.id, "name": joined(&p.first_name, &p.last_name) }))
        .collect();
    let rows: Vec<Value> = catalogue::ALL
        .iter()
        .map(|m| {
            let item = current.iter().find(|i| i.questionnaire == m.slug);
            json!({
                "slug": m.slug,
                "name": m.name,
                "cadences": std::iter::once("none").chain(CADENCES).map(|c| json!({
                    "value": c,
                    "label": match c {
                        "none" => "Not sent",
                        "every_session" => "Before every session",
                        "every_n_sessions" => "Every N sessions",
                        "every_n_weeks" => "Every N weeks",
                        _ => "At the start and each new plan phase",
                    },
                    "selected": item.map_or(c == "none", |i| i.cadence == c),
                })).collect::<Vec<_>>(),
                "every": item.and_then(|i| i.every).map(|n| n.to_string()).unwrap_or_default(),
                "partners": partners.iter().map(|p| json!({
                    "id": p["id"], "name": p["name"],
                    "selected": item.and_then(|i| i.participant_id).is_some_and(|x| p["id"] == json!(x)),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    render_status(
        state,
        admin,
        status,
        Section::Clients,
        "pages/admin/measures",
        "Measures",
        json!({
            "notice": notice,
            "id": id,
            "name": record.client.display_name,
            "alerts": alerts,
            "charts": charts,
            "schedule": rows,
            "form": form,
        }),
    )
}

/// `POST /admin/clients/{id}/measures`: the schedule, one row per measure.
#[handler]
pub async fn save(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let outcome = async {
        let mut items = Vec::new();
        for m in &catalogue::ALL {
            let cadence = form.get(&format!("cadence_{}", m.slug));
            if cadence.is_empty() || cadence == "none" {
                continue;
            }
            let every = match form.get(&format!("every_{}", m.slug)) {
                "" => None,
                n => Some(n.parse().map_err(|_| {
                    crate::http::problem::ApiError::invalid(
                        format!("every_{}", m.slug),
                        "must be a whole number",
                    )
                })?),
            };
            items.push(Item {
                questionnaire: m.slug.to_owned(),
                participant_id: form.get(&format!("participant_{}", m.slug)).parse().ok(),
                cadence: cadence.to_owned(),
                every,
            });
        }
        schedule::set(
            &state.db,
            &admin.staff,
            id,
            items,
            &admin.audit(state, origin),
        )
        .await?;
        Ok(done(
            &format!("/admin/clients/{id}/measures"),
            Notice::Saved,
        ))
    }
    .await;
    settle(outcome, form, |status, shown| {
        page(state, origin, admin, id, status, None, shown)
    })
    .await
}
