//! `/admin/clients`: finding a client, and one client's record.

use crate::http::pages::PageResult;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    client::{ClientKind, ClientStatus},
    session_note::NoteStatus,
};
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path, Query},
};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    Admin, DoneQuery, Form, Notice, Section, agenda::status_label, done, parse_id, render_status,
    settle,
};
use crate::{
    AppState,
    audit::{Action, Event, Origin},
    http::problem::ApiError,
    intake::{
        assignments::{self, NewIntake},
        questionnaires,
    },
    notes::{self, plans},
    pagination::PageRequest,
    policy,
    read_models::client_record as record,
    scheduling::{
        appointments::{self, StaffBooking},
        availability, clients, types,
    },
    when,
};

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    status: Option<String>,
    cursor: Option<String>,
}

fn parse_status(s: &str) -> Option<ClientStatus> {
    match s {
        "lead" => Some(ClientStatus::Lead),
        "active" => Some(ClientStatus::Active),
        "closed" => Some(ClientStatus::Closed),
        _ => None,
    }
}

fn status_name(s: ClientStatus) -> &'static str {
    match s {
        ClientStatus::Lead => "Lead",
        ClientStatus::Active => "Active",
        ClientStatus::Closed => "Closed",
    }
}

/// `GET /admin/clients`: by name, narrowed by a search and a status, 50 at a time.
#[handler]
pub async fn list(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let q = query
        .q
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(|q| {
            q.chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect::<String>()
        });
    let status = query.status.as_deref().and_then(parse_status);
    // A cursor that does not decode starts from the top rather than failing the page.
    let page: PageRequest<clients::Cursor> = PageRequest::parse(None, query.cursor.as_deref())
        .unwrap_or(PageRequest {
            limit: crate::pagination::DEFAULT_LIMIT,
            after: None,
        });
    let found = clients::search(&state.db, q.as_deref(), status, &page).await?;
    let rows: Vec<Value> = found
        .items
        .iter()
        .map(|r| {
            json!({
                "href": format!("/admin/clients/{}", r.client.id),
                "name": r.client.display_name,
                "reference": clients::reference(r.client.id),
                "couple": r.client.kind == ClientKind::Couple,
                "status": status_name(r.client.status),
                "emails": r.participants.iter().filter_map(|p| p.email.clone()).collect::<Vec<_>>().join(", "),
            })
        })
        .collect();
    let next = found.next_cursor.map(|c| {
        let mut params = url::form_urlencoded::Serializer::new(String::new());
        if let Some(q) = &q {
            params.append_pair("q", q);
        }
        if let Some(s) = &query.status {
            params.append_pair("status", s);
        }
        params.append_pair("cursor", &c);
        format!("/admin/clients?{}", params.finish())
    });
    let selected = query.status.as_deref().unwrap_or("");
    let statuses: Vec<Value> = [
        ("", "Any"),
        ("lead", "Lead"),
        ("active", "Active"),
        ("closed", "Closed"),
    ]
    .into_iter()
    .map(|(value, label)| json!({ "value": value, "label": label, "selected": value == selected }))
    .collect();
    render_status(
        state,
        admin,
        StatusCode::OK,
        Section::Clients,
        "pages/admin/clients",
        "Clients",
        json!({
            "q": q.unwrap_or_default(),
            "statuses": statuses,
            "clients": rows,
            "next": next,
        }),
    )
}

/// `GET /admin/clients/{id}`.
#[handler]
pub async fn show(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    let id = parse_id(&id)?;
    let notice = query.notice();
    page(state, origin, admin, id, StatusCode::OK, notice, json!({})).await
}

pub(super) fn when_local(at: DateTime<Utc>, admin: &Admin) -> String {
    when::short(at, admin.tz)
}

pub(super) async fn page(
    state: &AppState,
    origin: &Origin,
    admin: &Admin,
    id: Uuid,
    status: StatusCode,
    notice: Option<&str>,
    form: Value,
) -> PageResult {
    let db = &state.db;
    let now = state.clock.now();
    let record = clients::find(db, id).await?;
    let treats = policy::treats(&admin.staff, &record.client);
    let audit = admin.audit(state, origin);

    let all_types = types::list_all(db).await?;
    let types: HashMap<Uuid, &str> = all_types.iter().map(|t| (t.id, t.name.as_str())).collect();
    let all_practitioners = availability::all_practitioners(db).await?;
    let practitioners: HashMap<Uuid, &str> = all_practitioners
        .iter()
        .map(|p| (p.id, p.name.as_str()))
        .collect();
    let sessions = appointments::of_client(db, id).await?;
    let appointment_rows: Vec<Value> = sessions
        .iter()
        .map(|a| {
            json!({
                "href": format!("/admin/appointments/{}", a.id),
                "when": when_local(a.starts_at, admin),
                "type": types.get(&a.appointment_type_id),
                "practitioner": practitioners.get(&a.practitioner_id),
                "status": status_label(a.status),
                "upcoming": a.starts_at > now,
                "series": a.series_id.map(|id| format!("/admin/series/{id}")),
            })
        })
        .collect();

    let people: HashMap<Uuid, String> = record
        .participants
        .iter()
        .map(|p| (p.id, crate::types::joined(&p.first_name, &p.last_name)))
        .collect();
    let intakes = assignments::list_for_client(db, &state.keys, id, treats, &audit).await?;
    let intake_rows: Vec<Value> = intakes
        .iter()
        .map(|(a, version, _)| {
            let state_now = assignments::status(a, now);
            let mut row = json!({
                "title": version.definition["title"],
                "partner": people.get(&a.participant_id),
                "status": state_now.as_str().replace('_', " "),
                "sent": when_local(a.created_at, admin),
                "submitted": a.submitted_at.map(|at| when_local(at, admin)),
                "resend": state_now != assignments::Status::Submitted,
                "participant_id": a.participant_id,
                "questionnaire_id": version.questionnaire_id,
                "intake_id": a.id,
            });
            if treats {
                let flags: Vec<&str> = assignments::flags_of(a)
                    .into_iter()
                    .map(|f| match f {
                        crate::intake::definition::Flag::Safety => "Safety",
                        crate::intake::definition::Flag::Urgent => "Urgent",
                    })
                    .collect();
                row["score"] = json!(a.score_total);
                row["band"] = json!(a.score_band);
                row["flags"] = json!(flags);
            }
            row
        })
        .collect();
    let consent_rows: Vec<Value> = crate::consent::requests::list_for_client(db, &state.keys, id)
        .await?
        .into_iter()
        .map(|l| {
            json!({
                "title": l.version.title,
                "version": l.version.version,
                "partner": people.get(&l.request.participant_id),
                "status": l.status.as_str(),
                "signed": l.request.signed_at.map(|at| when_local(at, admin)),
                "altered": l.intact == Some(false),
                "copy": format!("/admin/clients/{id}/consents/{}/copy.pdf", l.request.id),
            })
        })
        .collect();
    let documents = crate::consent::documents::list(db).await?;
    let consent_missing = required_unsigned(db, &sessions, &documents, &people, now).await?;
    let consent_choices: Vec<Value> = documents
        .into_iter()
        .map(|d| json!({ "id": d.document.id, "title": d.document.title }))
        .collect();
    let questionnaire_choices: Vec<Value> = questionnaires::list(db)
        .await?
        .into_iter()
        .map(|q| {
            let selected = form["values"]["questionnaire_id"].as_str() == Some(&q.id.to_string());
            json!({ "id": q.id, "title": q.title, "selected": selected })
        })
        .collect();

    let mut clinical = Value::Null;
    if treats {
        let note_rows: Vec<Value> = notes::list(db, &state.keys, &admin.staff, id, &audit)
            .await?
            .into_iter()
            .map(|n| {
                json!({
                    "href": format!("/admin/notes/{}", n.id),
                    "title": n.title,
                    "format": n.format.to_uppercase(),
                    "signed": n.status == NoteStatus::Signed,
                    "date": when_local(n.signed_at.unwrap_or(n.created_at), admin),
                })
            })
            .collect();
        let plan = plans::current(db, &state.keys, id, &audit).await?;
        let plan_view = match &plan {
            Some(plan) => {
                audit
                    .record(
                        db,
                        Event::new(Action::TreatmentPlanRead).entity("client", id),
                    )
                    .await?;
                json!({
                    "phase": plan.row.phase,
                    "phases": plan.phases,
                    "problems": plan.content.presenting_problems,
                    "goals": plan.content.goals.iter().map(|g| json!({ "text": g.text, "status": format!("{:?}", g.status).to_lowercase() })).collect::<Vec<_>>(),
                    "interventions": plan.content.interventions,
                })
            }
            None => Value::Null,
        };
        clinical = json!({
            "notes": note_rows,
            "new_note": format!("/admin/clients/{id}/notes"),
            "psychotherapy": format!("/admin/clients/{id}/psychotherapy-notes"),
            "plan": plan_view,
            "export": format!("/api/v1/clients/{id}/export"),
        });
    }

    let page_of_history = record::timeline(
        db,
        &state.keys,
        &admin.staff,
        id,
        &PageRequest {
            limit: 30,
            after: None,
        },
        &audit,
    )
    .await?;
    let history: Vec<Value> = page_of_history
        .items
        .iter()
        .map(|e| {
            let text = if e.kind == "appointment" {
                let starts = sessions
                    .iter()
                    .find(|a| a.id == e.id)
                    .map(|a| when_local(a.starts_at, admin))
                    .unwrap_or_default();
                if e.summary.ends_with("cancelled") {
                    format!("Appointment of {starts} cancelled")
                } else {
                    format!("Appointment for {starts} booked")
                }
            } else {
                e.summary.clone()
            };
            json!({ "at": when_local(e.at, admin), "text": text })
        })
        .collect();

    // The single booking's form and the series form choose apart: a weekly run is of
    // sessions, so its type defaults to the couples session.
    let type_options = |chosen: &str| -> Vec<Value> {
        all_types
            .iter()
            .filter(|t| t.active)
            .map(|t| json!({ "id": t.id, "name": t.name, "minutes": t.duration_minutes, "selected": t.id.to_string() == chosen }))
            .collect()
    };
    let practitioner_options = |field: &str| -> Vec<Value> {
        let chosen = form["values"][field]
            .as_str()
            .map(str::to_owned)
            .or(record.client.primary_practitioner_id.map(|p| p.to_string()))
            .unwrap_or_default();
        all_practitioners
            .iter()
            .map(|p| json!({ "id": p.id, "name": p.name, "selected": p.id.to_string() == chosen }))
            .collect()
    };
    let type_choices = type_options(
        form["values"]["appointment_type_id"]
            .as_str()
            .unwrap_or_default(),
    );
    let practitioner_choices = practitioner_options("practitioner_id");
    let series_type = form["values"]["series_type_id"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| {
            all_types
                .iter()
                .find(|t| t.slug == crate::first_run::SESSION_SLUG)
                .map(|t| t.id.to_string())
        })
        .unwrap_or_default();
    let series_types = type_options(&series_type);
    let series_practitioners = practitioner_options("series_practitioner_id");
    let every = form["values"]["every_weeks"].as_str().unwrap_or("1");
    let cadences: Vec<Value> = crate::scheduling::series::EVERY_WEEKS
        .map(|n| {
            let label = crate::scheduling::recurring::cadence(n as i32);
            json!({ "value": n, "label": label[..1].to_uppercase() + &label[1..], "selected": every == n.to_string() })
        })
        .collect();
    let ends_until = form["values"]["ends"].as_str() == Some("until");
    let participants: Vec<Value> = record
        .participants
        .iter()
        .map(|p| {
            let selected = form["values"]["participant_id"].as_str() == Some(&p.id.to_string());
            json!({
                "id": p.id,
                "name": people.get(&p.id),
                "email": p.email,
                "phone": p.phone,
                "pronouns": p.pronouns,
                "preferred_contact": p.preferred_contact,
                "selected": selected,
            })
        })
        .collect();
    // What the couple's measures say needs attention, for those who treat them (a read of
    // scores, audited).
    let measure_alerts: Vec<Value> = if treats {
        crate::measures::view::of(
            &state.db,
            &state.keys,
            &admin.staff,
            id,
            &admin.audit(state, origin),
        )
        .await?
        .alerts
        .iter()
        .map(|a| json!({ "kind": a.kind(), "text": a.sentence() }))
        .collect()
    } else {
        Vec::new()
    };
    let bills = admin.staff.role.allows(crate::auth::Permission::Bill);
    let over_estimate = bills
        && crate::billing::estimates::exposure(&state.db, id)
            .await?
            .is_some_and(|e| e.over_margin);
    render_status(
        state,
        admin,
        status,
        Section::Clients,
        "pages/admin/client",
        "Client",
        json!({
            "bills": bills,
            "measure_alerts": measure_alerts,
            "over_estimate": over_estimate,
            "notice": notice,
            "id": id,
            "name": record.client.display_name,
            "reference": clients::reference(id),
            "status": status_name(record.client.status),
            "primary": record.client.primary_practitioner_id.and_then(|p| practitioners.get(&p)),
            "participants": participants,
            "appointments": appointment_rows,
            "intakes": intake_rows,
            "consents": consent_rows,
            "consent_documents": consent_choices,
            "consent_missing": consent_missing,
            "questionnaires": questionnaire_choices,
            "types": type_choices,
            "practitioners": practitioner_choices,
            "series_types": series_types,
            "series_practitioners": series_practitioners,
            "cadences": cadences,
            "ends_until": ends_until,
            "series_open": form["values"]["series_start_local"].is_string(),
            "treats": treats,
            "clinical": clinical,
            "history": history,
            "form": form,
        }),
    )
}

/// `POST /admin/clients/{id}/intakes`: a questionnaire to one partner, or to each partner
/// with an email.
#[handler]
pub async fn send_intake(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let record = clients::find(&state.db, id).await?;
    let audit = admin.audit(state, origin);
    let outcome = async {
        let questionnaire_id: Uuid = form
            .get("questionnaire_id")
            .parse()
            .map_err(|_| ApiError::invalid("questionnaire_id", "Choose a questionnaire"))?;
        let chosen = form.get("participant_id");
        let to: Vec<Uuid> = if chosen == "all" {
            record
                .participants
                .iter()
                .filter(|p| p.email.is_some())
                .map(|p| p.id)
                .collect()
        } else {
            vec![
                chosen
                    .parse()
                    .map_err(|_| ApiError::invalid("participant_id", "Choose who it is for"))?,
            ]
        };
        if to.is_empty() {
            return Err(ApiError::invalid(
                "participant_id",
                "Neither partner has an email address to send it to",
            ));
        }
        for participant_id in to {
            assignments::assign(
                &state.db,
                state.notifier(),
                state.intake_timings(),
                NewIntake {
                    client_id: id,
                    participant_id,
                    questionnaire_id,
                    due_at: None,
                    appointment_id: None,
                    hand_out_to: None,
                },
                &audit,
            )
            .await?;
        }
        Ok::<_, ApiError>(())
    }
    .await;
    back_to_record(state, origin, admin, form, id, outcome, Notice::IntakeSent).await
}

/// `POST /admin/clients/{id}/appointments`: staff book the couple's next session, inside the
/// practitioner's hours or, when ticked, outside them (never over another appointment).
#[handler]
pub async fn book(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let audit = admin.audit(state, origin);
    let outcome = async {
        let mut errors = crate::validation::FieldErrors::default();
        let ty = errors.check(
            "appointment_type_id",
            form.get("appointment_type_id")
                .parse::<Uuid>()
                .map_err(|_| "Choose the kind of session"),
        );
        let practitioner = errors.check(
            "practitioner_id",
            form.get("practitioner_id")
                .parse::<Uuid>()
                .map_err(|_| "Choose who sees them"),
        );
        let start = super::typed_time::typed(
            &mut errors,
            "start_local",
            form.get("start_local"),
            "Give the date and time",
            admin.tz,
        );
        errors.into_result()?;
        let (Some(appointment_type_id), Some(practitioner_id), Some(start)) =
            (ty, practitioner, start)
        else {
            return Err(ApiError::internal(anyhow::anyhow!(
                "checked fields missing"
            )));
        };
        appointments::create_by_staff(
            &state.db,
            &state.schedule,
            state.notifier(),
            &state.followups(),
            StaffBooking {
                client_id: id,
                appointment_type_id,
                practitioner_id,
                start,
                outside_hours: form.has("outside_hours"),
            },
            &audit,
        )
        .await
        .map_err(|e| {
            let mut failure = ApiError::from(e);
            failure.rename_fields(|f| (f == "start").then(|| "start_local".to_owned()));
            failure
        })
    }
    .await;
    let outcome = outcome.map(|created| {
        done(
            &format!("/admin/appointments/{}", created.id),
            Notice::Booked,
        )
    });
    settle(outcome, form, |status, shown| {
        page(state, origin, admin, id, status, None, shown)
    })
    .await
}

/// Each document a session to come requires that a partner has not signed, once per
/// partner and document, for the record to name.
async fn required_unsigned(
    db: &impl sea_orm::ConnectionTrait,
    sessions: &[entity::appointment::Model],
    documents: &[crate::consent::documents::Document],
    people: &HashMap<Uuid, String>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Value>, ApiError> {
    let ahead: Vec<&entity::appointment::Model> = sessions
        .iter()
        .filter(|a| {
            a.status == entity::appointment::AppointmentStatus::Confirmed && a.starts_at > now
        })
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    let mut rows = Vec::new();
    for m in crate::consent::requirements::missing(db, &ahead).await? {
        if !seen.insert((m.participant_id, m.document_id)) {
            continue;
        }
        let title = documents
            .iter()
            .find(|d| d.document.id == m.document_id)
            .map(|d| d.document.title.clone());
        rows.push(json!({ "title": title, "partner": people.get(&m.participant_id) }));
    }
    Ok(rows)
}

/// `POST /admin/clients/{id}/consents`: a consent document to one partner, or to each, to
/// sign through their own link.
#[handler]
pub async fn give_consent(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    clients::find(&state.db, id).await?;
    let audit = admin.audit(state, origin);
    let outcome = async {
        let document: Uuid = form
            .get("consent_document_id")
            .parse()
            .map_err(|_| ApiError::invalid("consent_document_id", "Choose a document"))?;
        let participant = match form.get("consent_participant_id") {
            "" | "all" => None,
            raw => Some(
                raw.parse::<Uuid>()
                    .map_err(|_| ApiError::invalid("consent_participant_id", "Choose who signs"))?,
            ),
        };
        crate::consent::requests::assign(
            &state.db,
            state.notifier(),
            id,
            participant,
            document,
            &audit,
        )
        .await
        .map_err(|e| {
            let mut failure = ApiError::from(e);
            failure.rename_fields(|f| match f {
                "document_id" => Some("consent_document_id".to_owned()),
                "participant_id" => Some("consent_participant_id".to_owned()),
                _ => None,
            });
            failure
        })?;
        Ok::<_, ApiError>(())
    }
    .await;
    back_to_record(state, origin, admin, form, id, outcome, Notice::ConsentSent).await
}

/// Ends a form posted from the record: back to it with `notice`, or the record again with
/// the form's mistakes.
async fn back_to_record(
    state: &AppState,
    origin: &Origin,
    admin: &Admin,
    form: &Form,
    id: Uuid,
    outcome: Result<(), ApiError>,
    notice: Notice,
) -> PageResult {
    let outcome = outcome.map(|()| done(&format!("/admin/clients/{id}"), notice));
    settle(outcome, form, |status, shown| {
        page(state, origin, admin, id, status, None, shown)
    })
    .await
}
