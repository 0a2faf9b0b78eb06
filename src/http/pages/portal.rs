//! `/portal`: each partner's own page. An address asks for a sign-in link (the answer is the
//! same, and as quick, whether or not it is known); the link opens a short session on this
//! device, kept in a cookie only `/portal` is sent.

use crate::http::pages::PageResult;
use poem::{
    Request, Response, handler,
    http::{StatusCode, header},
    web::{Data, Form, Path},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{booking::see_other, client_notices, page};
use crate::{
    AppState,
    audit::{Actor, AuditContext, Origin},
    crypto::sha256_hex,
    http::{
        guard::session_cookie,
        problem::{ApiError, ProblemKind},
    },
    portal::{
        self, PortalError,
        contact::{self, Choice},
        overview,
        sign_in::{self, Visitor},
    },
};

fn cookie_name(state: &AppState) -> &'static str {
    if state.public_url.is_https() {
        "__Secure-attune_portal"
    } else {
        "attune_portal"
    }
}

/// The `Set-Cookie` value for a session (or, with `None`, its removal). `Strict`: no other
/// site's page can send it, so the portal's forms need nothing more against forgery than
/// the token tied to it.
fn set_cookie(state: &AppState, token: Option<&str>) -> String {
    let name = cookie_name(state);
    let secure = if state.public_url.is_https() {
        "; Secure"
    } else {
        ""
    };
    let (value, age) = match token {
        Some(t) => (t, portal::SESSION_MAX.num_seconds()),
        None => ("", 0),
    };
    format!("{name}={value}; Path=/portal; HttpOnly; SameSite=Strict; Max-Age={age}{secure}")
}

/// The form token for a session: derived from its secret, so it needs no storage.
fn form_token(session: &str) -> String {
    sha256_hex(&format!("portal-form:{session}"))[..32].to_owned()
}

fn audit_of(state: &AppState, origin: &Origin) -> AuditContext {
    AuditContext::new(Actor::ANONYMOUS, origin.clone(), state.clock.now())
}

/// The signed-in partner and their session's secret, if the cookie names a live session.
async fn signed_in(state: &AppState, req: &Request) -> Result<Option<(Visitor, String)>, ApiError> {
    let Some(token) = session_cookie(req, cookie_name(state)) else {
        return Ok(None);
    };
    Ok(sign_in::visitor(&state.db, token, state.clock.now())
        .await
        .map_err(portal_error)?
        .map(|v| (v, token.to_owned())))
}

/// A signed-in partner whose form carries their session's token, or an error page.
async fn posting(state: &AppState, req: &Request, token: &str) -> Result<Visitor, ApiError> {
    match signed_in(state, req).await? {
        Some((visitor, session)) if form_token(&session) == token => Ok(visitor),
        Some(_) => Err(ApiError::new(
            ProblemKind::Forbidden,
            "This form has expired; open your page again.",
        )),
        None => Err(ApiError::new(
            ProblemKind::Unauthorized,
            "Your session has ended; sign in again.",
        )),
    }
}

fn portal_error(e: PortalError) -> ApiError {
    match e {
        PortalError::NotFound => ApiError::not_found("There is nothing at this address."),
        PortalError::Invalid(invalid) => invalid.into(),
        PortalError::Scheduling(e) => e.into(),
        PortalError::Consent(e) => e.into(),
        PortalError::Mail(e) => ApiError::internal(e),
        PortalError::Db(e) => e.into(),
    }
}

/// `GET /portal`: the partner's page, or the form that asks for a sign-in link.
#[handler]
pub async fn home(Data(state): Data<&AppState>, req: &Request) -> PageResult {
    match signed_in(state, req).await? {
        Some((visitor, session)) => {
            let saved = req.uri().query() == Some("saved");
            overview_page(state, &visitor, &session, saved, StatusCode::OK, json!({})).await
        }
        None => ask_page(state, StatusCode::OK, json!({})).await,
    }
}

async fn ask_page(state: &AppState, status: StatusCode, extra: Value) -> PageResult {
    let mut context = json!({ "state": "ask" });
    if let (Value::Object(c), Value::Object(e)) = (&mut context, extra) {
        c.extend(e);
    }
    page(state, status, "pages/portal", "Your page", context).await
}

#[derive(Deserialize)]
pub struct AskForm {
    #[serde(default)]
    email: String,
}

/// `POST /portal`: a sign-in link to the address if it is a partner's. The work is done
/// apart from the answer, so neither its words nor its timing tell whether it is.
#[handler]
pub async fn ask(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Form(form): Form<AskForm>,
) -> PageResult {
    let address = form.email.trim().to_owned();
    if !address.contains('@') || address.len() > 254 {
        return ask_page(
            state,
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({ "error": "Enter the email address the practice has for you", "email": address }),
        )
        .await;
    }
    let worker = state.clone();
    let audit = audit_of(state, origin);
    tokio::spawn(async move {
        if let Err(e) = sign_in::request_link(&worker.db, worker.notifier(), &address, &audit).await
        {
            tracing::warn!(error = %e, "a portal sign-in link could not be sent");
        }
    });
    page(
        state,
        StatusCode::OK,
        "pages/portal",
        "Check your email",
        json!({ "state": "sent", "minutes": portal::LINK_TTL.num_minutes() }),
    )
    .await
}

/// `GET /portal/in/{secret}`: a button that uses the link. Opening the address alone signs
/// nobody in, so a mail scanner that follows links uses nothing up.
#[handler]
pub async fn link(Data(state): Data<&AppState>, Path(token): Path<String>) -> PageResult {
    if !sign_in::well_formed(&token) {
        return Err(ApiError::not_found("There is nothing at this address."));
    }
    page(
        state,
        StatusCode::OK,
        "pages/portal",
        "Sign in",
        json!({ "state": "confirm", "action": format!("/portal/in/{token}") }),
    )
    .await
}

/// `POST /portal/in/{secret}`: signs in on this device, once.
#[handler]
pub async fn use_link(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Path(token): Path<String>,
) -> PageResult {
    let audit = audit_of(state, origin);
    match sign_in::redeem(&state.db, &token, &audit)
        .await
        .map_err(portal_error)?
    {
        Some((session, _)) => {
            let mut response = see_other("/portal");
            response.headers_mut().insert(
                header::SET_COOKIE,
                set_cookie(state, Some(session.expose()))
                    .parse()
                    .map_err(ApiError::internal)?,
            );
            Ok(response)
        }
        None => {
            page(
                state,
                StatusCode::GONE,
                "pages/portal",
                "Link expired",
                json!({ "state": "expired", "minutes": portal::LINK_TTL.num_minutes() }),
            )
            .await
        }
    }
}

async fn overview_page(
    state: &AppState,
    visitor: &Visitor,
    session: &str,
    saved: bool,
    status: StatusCode,
    form: Value,
) -> PageResult {
    let person = &visitor.person;
    let practice = crate::practice::settings(&state.db).await?;
    let tz = person
        .time_zone
        .as_deref()
        .and_then(|z| crate::types::TimeZone::parse(z).ok())
        .unwrap_or_else(|| crate::practice::zone_of(&practice));
    let view = overview::of(
        &state.db,
        &state.keys,
        &state.public_url,
        person,
        tz,
        state.clock.now(),
    )
    .await
    .map_err(portal_error)?;
    let sessions: Vec<Value> = view
        .sessions
        .iter()
        .map(|s| {
            json!({
                "when": s.when, "type_name": s.type_name, "practitioner": s.practitioner,
                "manage_url": s.manage_url, "join_url": s.join_url,
            })
        })
        .collect();
    let documents: Vec<Value> = view
        .documents
        .iter()
        .map(|d| {
            json!({
                "title": d.title, "version": d.version,
                "pending": d.status == crate::consent::requests::Status::Pending,
                "superseded": d.status == crate::consent::requests::Status::Superseded,
                "url": d.url, "signed_at": d.signed_at,
            })
        })
        .collect();
    let questionnaires: Vec<Value> = view
        .questionnaires
        .iter()
        .map(|q| {
            use crate::intake::assignments::Status;
            json!({
                "id": q.id, "title": q.title,
                "open": matches!(q.status, Status::Sent | Status::Opened | Status::InProgress),
                "status": match q.status {
                    Status::Sent | Status::Opened => "To fill in",
                    Status::InProgress => "Started",
                    Status::Submitted => "Sent to the practice",
                    Status::Expired => "Expired",
                },
            })
        })
        .collect();
    let money = money_context(state, person, tz).await?;
    page(
        state,
        status,
        "pages/portal",
        "Your page",
        json!({
            "state": "home",
            "money": money,
            "notices": client_notices(state).await?,
            "first_name": person.first_name,
            "address": person.email,
            "reminders": person.email_reminders,
            "sessions": sessions,
            "documents": documents,
            "questionnaires": questionnaires,
            "token": form_token(session),
            "saved": saved,
            "form": form,
            "practice_email": practice.contact_email,
        }),
    )
    .await
}

/// The partner's invoices, receipts and the couple's estimates, as the page shows them.
async fn money_context(
    state: &AppState,
    person: &entity::participant::Model,
    tz: crate::types::TimeZone,
) -> Result<Value, ApiError> {
    use crate::billing::money::format;
    let m = crate::portal::money::of(&state.db, person).await?;
    let c = &m.currency;
    let day = |at: chrono::DateTime<chrono::Utc>| {
        crate::when::day(at.with_timezone(&tz.tz()).date_naive())
    };
    let invoices: Vec<Value> = m
        .invoices
        .iter()
        .map(|f| {
            let i = &f.invoice;
            json!({
                "number": i.number,
                "issued": i.issued_at.map(day),
                "status": match i.status.as_str() {
                    "paid" => "Paid",
                    "void" => "Void",
                    _ => "Open",
                },
                "open": i.status == "issued",
                "total": format(i.total_minor, c),
                "balance": format(f.balance_minor(), c),
                "lines": f.lines.iter().map(|l| json!({
                    "date": crate::when::day(l.service_date),
                    "description": l.description,
                    "amount": format(l.amount_minor, c),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let receipts: Vec<Value> = m
        .payments
        .iter()
        .map(|p| {
            let number = m
                .invoices
                .iter()
                .find(|f| f.invoice.id == p.invoice_id)
                .and_then(|f| f.invoice.number);
            json!({
                "date": crate::when::day(p.received_on),
                "amount": format(p.amount_minor.abs(), c),
                "refund": p.amount_minor < 0,
                "method": crate::billing::payments::method_label(&p.method),
                "invoice": number,
            })
        })
        .collect();
    let estimates: Vec<Value> = m
        .estimates
        .iter()
        .map(|e| {
            json!({
                "id": e.id,
                "version": e.version,
                "current": e.current,
                "total": format(e.total_minor, &e.currency),
                "delivered": crate::when::full(e.delivered_at, tz),
            })
        })
        .collect();
    Ok(json!({
        "invoices": invoices,
        "receipts": receipts,
        "estimates": estimates,
        "owed": format(m.owed_minor, c),
        "owes": m.owed_minor > 0,
        "any": !m.invoices.is_empty() || !m.estimates.is_empty(),
    }))
}

/// `POST /portal/estimates/{id}`: a Good Faith Estimate's PDF, as delivered.
#[handler]
pub async fn estimate_pdf(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    req: &Request,
    Path(id): Path<String>,
    Form(form): Form<TokenForm>,
) -> PageResult {
    let visitor = posting(state, req, &form.token).await?;
    let id = id
        .parse()
        .map_err(|_| ApiError::not_found("There is nothing at this address."))?;
    let audit = audit_of(state, origin).as_actor(Actor::client_link(visitor.person.id));
    let (row, bytes) = crate::billing::estimates::pdf(
        &state.db,
        &state.keys,
        crate::billing::Reader::Partner(visitor.person.id),
        visitor.person.client_id,
        id,
        &audit,
    )
    .await?;
    Ok(crate::http::pages::pdf_attachment(
        bytes,
        &format!("good-faith-estimate-v{}.pdf", row.version),
    ))
}

#[derive(Deserialize)]
pub struct SuperbillForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// `POST /portal/superbill`: the partner's own superbill for a span of dates.
#[handler]
pub async fn superbill_pdf(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    req: &Request,
    Form(form): Form<SuperbillForm>,
) -> PageResult {
    let visitor = posting(state, req, &form.token).await?;
    let mut errors = crate::validation::FieldErrors::default();
    let dates = crate::billing::superbill::span(Some(&form.from), Some(&form.to), &mut errors);
    errors.into_result()?;
    let Some((from, to)) = dates else {
        return Err(ApiError::invalid("from", "must be a date"));
    };
    let audit = audit_of(state, origin).as_actor(Actor::client_link(visitor.person.id));
    let bytes = crate::billing::superbill::pdf(
        &state.db,
        &state.keys,
        crate::billing::Reader::Partner(visitor.person.id),
        visitor.person.client_id,
        visitor.person.id,
        from,
        to,
        &audit,
    )
    .await?;
    Ok(crate::http::pages::pdf_attachment(bytes, "superbill.pdf"))
}

#[derive(Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    safe_address: String,
    #[serde(default)]
    reminders: Option<String>,
}

/// `POST /portal/contact`: the partner's own address, and reminders on or off.
#[handler]
pub async fn save_contact(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    req: &Request,
    Form(form): Form<ContactForm>,
) -> PageResult {
    let visitor = posting(state, req, &form.token).await?;
    let choice = Choice {
        safe_address: &form.safe_address,
        reminders: form.reminders.is_some(),
    };
    let audit = audit_of(state, origin);
    match contact::save(
        &state.db,
        state.notifier(),
        &state.followups(),
        &visitor,
        choice,
        &audit,
    )
    .await
    {
        Ok(_) => Ok(see_other("/portal?saved")),
        Err(PortalError::Invalid(invalid)) => {
            let message = invalid.0.first().map(|e| e.message.clone());
            let session = session_cookie(req, cookie_name(state))
                .unwrap_or_default()
                .to_owned();
            overview_page(
                state,
                &visitor,
                &session,
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({ "safe_address_error": message, "safe_address": form.safe_address }),
            )
            .await
        }
        Err(e) => Err(portal_error(e)),
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    token: String,
}

/// `POST /portal/questionnaires/{id}`: opens one of the partner's own questionnaires.
#[handler]
pub async fn open_questionnaire(
    Data(state): Data<&AppState>,
    req: &Request,
    Path(id): Path<String>,
    Form(form): Form<TokenForm>,
) -> PageResult {
    let visitor = posting(state, req, &form.token).await?;
    let id = id
        .parse()
        .map_err(|_| ApiError::not_found("There is nothing at this address."))?;
    let token = overview::reopen_questionnaire(&state.db, &visitor.person, id, state.clock.now())
        .await
        .map_err(portal_error)?;
    Ok(see_other(&format!("/intake/{token}")))
}

/// `POST /portal/sign-out`.
#[handler]
pub async fn sign_out(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    req: &Request,
    Form(form): Form<TokenForm>,
) -> PageResult {
    let visitor = posting(state, req, &form.token).await?;
    sign_in::sign_out(&state.db, &visitor, &audit_of(state, origin))
        .await
        .map_err(portal_error)?;
    let mut response: Response = see_other("/portal");
    response.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(state, None)
            .parse()
            .map_err(ApiError::internal)?,
    );
    Ok(response)
}
