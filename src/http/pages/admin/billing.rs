//! The dashboard's billing: `/admin/billing` (fees waiting for a decision, invoices, couples
//! billed past their estimate), one invoice with its payments, a couple's billing page (who
//! pays, their fee, sessions to invoice, statements, estimates), and the documents that
//! name diagnoses (superbills, estimates) for the couple's clinicians. The front desk and
//! owners handle money; the clinical documents follow the clinical policy.

use crate::http::pages::PageResult;
use chrono::Datelike;
use poem::{
    Response, handler,
    http::StatusCode,
    web::{Data, Path, Query},
};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    Admin, DoneQuery, Form, Notice, Section, clients::when_local, done, parse_id, render_status,
    settle,
};
use crate::{
    AppState,
    audit::Origin,
    auth::Permission,
    billing::{
        Reader, estimates, fees,
        invoices::{self, Full},
        money, payments, pending, statement,
    },
    http::problem::ApiError,
    scheduling::{appointments::status_name, clients},
    types::joined,
};

fn bills(admin: &Admin) -> Result<(), ApiError> {
    Ok(admin.staff.require(Permission::Bill)?)
}

fn invoice_row(f: &Full, names: &[(Uuid, String)], admin: &Admin) -> Value {
    let i = &f.invoice;
    let payer = names
        .iter()
        .find(|(id, _)| *id == i.participant_id)
        .map_or("", |(_, n)| n.as_str());
    json!({
        "href": format!("/admin/invoices/{}", i.id),
        "number": i.number.map_or_else(|| "Draft".to_owned(), |n| format!("No. {n}")),
        "payer": payer,
        "status": i.status,
        "total": money::format(i.total_minor, &i.currency),
        "balance": money::format(f.balance_minor(), &i.currency),
        "created": when_local(i.created_at, admin),
    })
}

/// Every partner's name by id, for the lists.
async fn partner_names(state: &AppState) -> Result<Vec<(Uuid, String)>, ApiError> {
    use sea_orm::EntityTrait;
    Ok(entity::participant::Entity::find()
        .all(&state.db)
        .await?
        .into_iter()
        .map(|p| (p.id, joined(&p.first_name, &p.last_name)))
        .collect())
}

/// `GET /admin/billing`.
#[handler]
pub async fn overview(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    bills(admin)?;
    pending::sweep(&state.db, state.clock.now()).await?;
    let currency = fees::currency(&state.db).await?;
    let names = partner_names(state).await?;
    let waiting = pending::list(&state.db, None, Some(pending::PENDING)).await?;
    let mut fee_rows = Vec::new();
    for f in &waiting {
        let record = clients::find(&state.db, f.client_id).await?;
        fee_rows.push(json!({
            "id": f.id,
            "client": record.client.display_name,
            "client_href": format!("/admin/clients/{}/billing", f.client_id),
            "appointment_href": format!("/admin/appointments/{}", f.appointment_id),
            "kind": if f.kind == "no_show" { "Missed session" } else { "Late cancellation" },
            "amount": money::format(f.amount_minor, &currency),
        }));
    }
    let all = invoices::list(&state.db, None).await?;
    let mut over = Vec::new();
    let mut seen = Vec::new();
    for f in &all {
        let c = f.invoice.client_id;
        if seen.contains(&c) {
            continue;
        }
        seen.push(c);
        if let Some(e) = estimates::exposure(&state.db, c).await?
            && e.over_margin
        {
            let record = clients::find(&state.db, c).await?;
            over.push(json!({
                "client": record.client.display_name,
                "href": format!("/admin/clients/{c}/billing"),
                "estimate": money::format(e.estimate_minor, &currency),
                "billed": money::format(e.billed_minor, &currency),
            }));
        }
    }
    let rows: Vec<Value> = all
        .iter()
        .take(100)
        .map(|f| invoice_row(f, &names, admin))
        .collect();
    render_status(
        state,
        admin,
        StatusCode::OK,
        Section::Billing,
        "pages/admin/billing",
        "Billing",
        json!({
            "notice": query.notice(),
            "fees": fee_rows,
            "invoices": rows,
            "over": over,
        }),
    )
}

/// `POST /admin/billing/fees/{id}/{confirm|waive}`.
#[handler]
pub async fn decide(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Path((id, action)): Path<(String, String)>,
) -> PageResult {
    bills(admin)?;
    let id = parse_id(&id)?;
    let confirm = match action.as_str() {
        "confirm" => true,
        "waive" => false,
        _ => return Err(ApiError::not_found("There is nothing at this address.")),
    };
    pending::decide(&state.db, id, confirm, &admin.audit(state, origin)).await?;
    Ok(done("/admin/billing", Notice::Saved))
}

/// `GET /admin/invoices/{id}`.
#[handler]
pub async fn invoice(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    bills(admin)?;
    let id = parse_id(&id)?;
    invoice_page(state, admin, id, StatusCode::OK, query.notice(), json!({})).await
}

async fn invoice_page(
    state: &AppState,
    admin: &Admin,
    id: Uuid,
    status: StatusCode,
    notice: Option<&'static str>,
    form: Value,
) -> PageResult {
    let f = invoices::find(&state.db, id).await?;
    let record = clients::find(&state.db, f.invoice.client_id).await?;
    let names: Vec<(Uuid, String)> = record
        .participants
        .iter()
        .map(|p| (p.id, joined(&p.first_name, &p.last_name)))
        .collect();
    let c = f.invoice.currency.clone();
    let lines: Vec<Value> = f
        .lines
        .iter()
        .map(|l| {
            let codes = [
                l.cpt_code.as_deref(),
                l.place_of_service.as_deref(),
                l.modifier.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ");
            json!({
                "date": l.service_date.to_string(),
                "description": l.description,
                "codes": codes,
                "amount": money::format(l.amount_minor, &c),
            })
        })
        .collect();
    let paid: Vec<Value> = payments::list(&state.db, id)
        .await?
        .iter()
        .map(|p| {
            json!({
                "date": p.received_on.to_string(),
                "amount": money::format(p.amount_minor, &c),
                "method": payments::method_label(&p.method),
                "reference": p.reference,
            })
        })
        .collect();
    let methods: Vec<Value> = payments::METHODS
        .iter()
        .map(|m| json!({ "value": m, "label": payments::method_label(m) }))
        .collect();
    let row = invoice_row(&f, &names, admin);
    render_status(
        state,
        admin,
        status,
        Section::Billing,
        "pages/admin/invoice",
        "Invoice",
        json!({
            "notice": notice,
            "invoice": row,
            "id": id,
            "client": record.client.display_name,
            "client_href": format!("/admin/clients/{}/billing", record.client.id),
            "draft": f.invoice.status == "draft",
            "payable": matches!(f.invoice.status.as_str(), "issued" | "paid"),
            "void": f.invoice.status == "void",
            "void_reason": f.invoice.void_reason,
            "lines": lines,
            "payments": paid,
            "methods": methods,
            "today": state.clock.now().with_timezone(&admin.tz.tz()).date_naive().to_string(),
            "form": form,
        }),
    )
}

/// `POST /admin/invoices/{id}/{issue|delete|void|payment}`.
#[handler]
pub async fn invoice_action(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
    Path((id, action)): Path<(String, String)>,
) -> PageResult {
    bills(admin)?;
    let id = parse_id(&id)?;
    let audit = admin.audit(state, origin);
    let here = format!("/admin/invoices/{id}");
    let outcome: Result<Response, ApiError> = async {
        match action.as_str() {
            "issue" => {
                invoices::issue(&state.db, id, &audit).await?;
                Ok(done(&here, Notice::Saved))
            }
            "delete" => {
                let f = invoices::find(&state.db, id).await?;
                invoices::delete_draft(&state.db, id, &audit).await?;
                Ok(done(
                    &format!("/admin/clients/{}/billing", f.invoice.client_id),
                    Notice::Removed,
                ))
            }
            "void" => {
                invoices::void(&state.db, id, form.get("reason"), &audit).await?;
                Ok(done(&here, Notice::Saved))
            }
            "payment" => {
                let currency = fees::currency(&state.db).await?;
                let amount = money::parse(form.get("amount"), &currency)
                    .map_err(|m| ApiError::invalid("amount", m))?;
                let input = payments::PaymentInput {
                    amount_minor: Some(if form.has("refund") { -amount } else { amount }),
                    method: Some(form.get("method").to_owned()),
                    received_on: Some(form.get("received_on").to_owned()),
                    reference: Some(form.get("reference").to_owned()).filter(|r| !r.is_empty()),
                };
                payments::record(&state.db, id, &input, &audit).await?;
                Ok(done(&here, Notice::Saved))
            }
            _ => Err(ApiError::not_found("There is nothing at this address.")),
        }
    }
    .await;
    settle(outcome, form, |status, shown| {
        invoice_page(state, admin, id, status, None, shown)
    })
    .await
}

/// `GET /admin/clients/{id}/billing`.
#[handler]
pub async fn client(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    bills(admin)?;
    let id = parse_id(&id)?;
    client_page(state, admin, id, StatusCode::OK, query.notice(), json!({})).await
}

async fn client_page(
    state: &AppState,
    admin: &Admin,
    id: Uuid,
    status: StatusCode,
    notice: Option<&'static str>,
    form: Value,
) -> PageResult {
    let record = clients::find(&state.db, id).await?;
    let currency = fees::currency(&state.db).await?;
    let names: Vec<(Uuid, String)> = record
        .participants
        .iter()
        .map(|p| (p.id, joined(&p.first_name, &p.last_name)))
        .collect();
    let clinical = crate::policy::clinical(&admin.staff, &record.client).is_ok();
    let split = invoices::split_of(&state.db, id).await?;
    let (mode, payer, first_percent) = match split {
        crate::billing::split::Split::OnePayer(p) => ("one_payer", Some(p), None),
        crate::billing::split::Split::Percent { first_percent, .. } => {
            ("split", None, Some(first_percent))
        }
        crate::billing::split::Split::Alternate { .. } => ("alternate", None, None),
    };
    let own_fee = fees::schedule(&state.db)
        .await?
        .clients
        .into_iter()
        .find(|f| f.client_id == id);
    let sessions = statement::billable(&state.db, id).await?;
    let types = crate::scheduling::types::list_all(&state.db).await?;
    let billable: Vec<Value> = sessions
        .iter()
        .map(|a| {
            json!({
                "id": a.id,
                "when": when_local(a.starts_at, admin),
                "type": types.iter().find(|t| t.id == a.appointment_type_id).map_or("", |t| t.name.as_str()),
                "status": status_name(a.status),
            })
        })
        .collect();
    let all = invoices::list(&state.db, Some(id)).await?;
    let rows: Vec<Value> = all.iter().map(|f| invoice_row(f, &names, admin)).collect();
    let mut statements = Vec::new();
    for (pid, name) in &names {
        let s = statement::of(&state.db, id, *pid).await?;
        let details = crate::billing::identity::payer(&state.db, &state.keys, *pid).await?;
        statements.push(json!({
            "id": pid,
            "name": name,
            "charged": money::format(s.charged_minor, &currency),
            "paid": money::format(s.paid_minor, &currency),
            "owed": money::format(s.balance_minor(), &currency),
            "date_of_birth": details.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
            "address": details.address.unwrap_or_default(),
        }));
    }
    let versions = estimates::list(&state.db, id).await?;
    let exposure = estimates::exposure(&state.db, id).await?;
    let estimate_rows: Vec<Value> = versions
        .iter()
        .map(|e| {
            json!({
                "id": e.id,
                "version": e.version,
                "reason": e.reason,
                "current": e.current,
                "total": money::format(e.total_minor, &e.currency),
                "delivered": when_local(e.delivered_at, admin),
                "on_time": e.delivered_at <= e.due_by,
                "due": when_local(e.due_by, admin),
            })
        })
        .collect();
    let policy = crate::billing::policy::policy(&state.db).await?;
    let today = state.clock.now().with_timezone(&admin.tz.tz()).date_naive();
    render_status(
        state,
        admin,
        status,
        Section::Clients,
        "pages/admin/client_billing",
        "Billing",
        json!({
            "notice": notice,
            "id": id,
            "name": record.client.display_name,
            "clinical": clinical,
            "partners": names.iter().map(|(pid, n)| json!({"id": pid, "name": n, "selected": Some(*pid) == payer})).collect::<Vec<_>>(),
            "couple": names.len() > 1,
            "mode": mode,
            "is_one_payer": mode == "one_payer",
            "is_split": mode == "split",
            "is_alternate": mode == "alternate",
            "first_percent": first_percent.unwrap_or(50),
            "self_pay": invoices::self_pay(&state.db, id).await?,
            "own_fee": own_fee.as_ref().map(|f| json!({
                "amount": money::format(f.fee_minor, &currency),
                "plain": money::format(f.fee_minor, ""),
                "sliding": f.kind == "sliding_scale",
                "note": f.note,
            })),
            "billable": billable,
            "invoices": rows,
            "statements": statements,
            "estimates_on": policy.good_faith_estimates,
            "estimates": estimate_rows,
            "over": exposure.as_ref().is_some_and(|e| e.over_margin),
            "exposure": exposure.map(|e| json!({
                "estimate": money::format(e.estimate_minor, &currency),
                "billed": money::format(e.billed_minor, &currency),
            })),
            "month_start": today.with_day(1).unwrap_or(today).to_string(),
            "today": today.to_string(),
            "form": form,
        }),
    )
}

/// `POST /admin/clients/{id}/billing/{action}`.
#[handler]
pub async fn client_action(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
    Path((id, action)): Path<(String, String)>,
) -> PageResult {
    bills(admin)?;
    let id = parse_id(&id)?;
    clients::find(&state.db, id).await?;
    let audit = admin.audit(state, origin);
    let here = format!("/admin/clients/{id}/billing");
    let outcome: Result<Response, ApiError> = async {
        match action.as_str() {
            "split" => {
                let payer = form.get("payer_participant_id").parse().ok();
                let percent = match form.get("first_percent") {
                    "" => None,
                    p => Some(p.parse().map_err(|_| {
                        ApiError::invalid("first_percent", "must be a whole percentage")
                    })?),
                };
                invoices::set_split(&state.db, id, form.get("mode"), payer, percent, &audit)
                    .await?;
                invoices::set_self_pay(&state.db, id, form.has("self_pay"), &audit).await?;
            }
            "fee" => {
                let currency = fees::currency(&state.db).await?;
                if form.get("fee").is_empty() {
                    fees::clear_client_fee(&state.db, id, &audit).await?;
                } else {
                    let minor = money::parse(form.get("fee"), &currency)
                        .map_err(|m| ApiError::invalid("fee", m))?;
                    let input = fees::ClientFeeInput {
                        fee_minor: Some(minor),
                        kind: Some(form.get("kind").to_owned()).filter(|k| !k.is_empty()),
                        note: Some(form.get("note").to_owned()).filter(|n| !n.is_empty()),
                    };
                    fees::set_client_fee(&state.db, id, &input, &audit).await?;
                }
            }
            "invoice" => {
                let chosen: Vec<Uuid> = form
                    .all("appointment")
                    .iter()
                    .filter_map(|v| v.parse().ok())
                    .collect();
                let tz = crate::practice::time_zone(&state.db).await?;
                invoices::draft(&state.db, id, &chosen, tz, &audit).await?;
            }
            "estimate" => {
                let tz = crate::practice::time_zone(&state.db).await?;
                estimates::request(&state.db, state.notifier(), id, tz, &audit).await?;
            }
            "payer" => {
                let person: Uuid = form
                    .get("participant_id")
                    .parse()
                    .map_err(|_| ApiError::invalid("participant_id", "choose a partner"))?;
                let dob = Some(form.get("date_of_birth")).filter(|d| !d.is_empty());
                let address = Some(form.get("address")).filter(|a| !a.is_empty());
                crate::billing::identity::set_payer(
                    &state.db,
                    &state.keys,
                    id,
                    person,
                    dob,
                    address,
                    &audit,
                )
                .await?;
            }
            _ => return Err(ApiError::not_found("There is nothing at this address.")),
        }
        Ok(done(&here, Notice::Saved))
    }
    .await;
    settle(outcome, form, |status, shown| {
        client_page(state, admin, id, status, None, shown)
    })
    .await
}

#[derive(Deserialize)]
pub struct SuperbillQuery {
    participant: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// `GET /admin/clients/{id}/superbill.pdf?participant=&from=&to=` (the couple's clinicians).
#[handler]
pub async fn superbill(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Path(id): Path<String>,
    Query(q): Query<SuperbillQuery>,
) -> PageResult {
    let id = parse_id(&id)?;
    // The policy first: a role that may not read it learns nothing from the form's checks.
    Reader::Staff(&admin.staff).may_read(&state.db, id).await?;
    let mut errors = crate::validation::FieldErrors::default();
    let dates = crate::billing::superbill::span(q.from.as_deref(), q.to.as_deref(), &mut errors);
    let payer = errors.check(
        "participant",
        q.participant
            .as_deref()
            .and_then(|p| p.parse::<Uuid>().ok())
            .ok_or("choose a partner"),
    );
    errors.into_result()?;
    let (Some((from, to)), Some(payer)) = (dates, payer) else {
        return Err(ApiError::invalid("from", "must be a date"));
    };
    let bytes = crate::billing::superbill::pdf(
        &state.db,
        &state.keys,
        Reader::Staff(&admin.staff),
        id,
        payer,
        from,
        to,
        &admin.audit(state, origin),
    )
    .await?;
    Ok(crate::http::pages::pdf_attachment(bytes, "superbill.pdf"))
}

/// `GET /admin/clients/{id}/estimates/{estimate}/pdf` (the couple's clinicians).
#[handler]
pub async fn estimate(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Path((id, estimate)): Path<(String, String)>,
) -> PageResult {
    let (id, estimate) = (parse_id(&id)?, parse_id(&estimate)?);
    let (row, bytes) = estimates::pdf(
        &state.db,
        &state.keys,
        Reader::Staff(&admin.staff),
        id,
        estimate,
        &admin.audit(state, origin),
    )
    .await?;
    Ok(crate::http::pages::pdf_attachment(
        bytes,
        &format!("good-faith-estimate-v{}.pdf", row.version),
    ))
}
