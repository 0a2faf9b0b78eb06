//! Good Faith Estimates (the US No Surprises Act), where the practice gives them: a written
//! estimate, for a self-pay couple, of what their care is expected to cost over twelve
//! months. One is made and delivered when the couple's first paid session is scheduled (or
//! when they ask), and a new version whenever what it would say changes: the fees, the
//! services booked, the diagnoses, the practice's identity.
//!
//! Each version is kept as delivered: the PDF (sealed, as it names diagnoses and dates of
//! birth), its SHA-256, and a tag under the data key over the row's id, version, digest and
//! delivery time, so a copy changed in the database is refused rather than shown.
//!
//! The deadlines run in business days, Monday to Friday in the practice's zone (public
//! holidays are not known here, so a deadline may fall on one: the pass delivers at once
//! anyway). Scheduled ten or more business days ahead: within three business days;
//! three or more ahead: within one; asked for: within three.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use entity::{
    appointment::{self, AppointmentStatus},
    appointment_type, good_faith_estimate as gfe, invoice, participant, type_fee,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionSession,
    TransactionTrait,
};
use serde::Serialize;
use uuid::Uuid;

use super::{BillingError, Reader, diagnoses, fees, identity, invoices, money, policy};
use crate::{
    audit::{Action, Actor, AuditContext, Event, Origin},
    crypto::{DataKeys, sha256_hex},
    db,
    mail::{
        Kind, Notifier,
        outbox::{self, NewEmail},
        templates::{EstimateView, MessageContext},
    },
    pdf::{self, Block},
    types::{TimeZone, joined},
};

/// How far above the estimate billed charges may go before the couple may dispute the bill:
/// US$400, in cents.
pub const DISPUTE_MARGIN_MINOR: i64 = 40_000;

/// Why a version was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The couple's first paid session was scheduled.
    Scheduled,
    /// The couple, or staff for them, asked.
    Requested,
    /// What the estimate says changed.
    Changed,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Scheduled => "scheduled",
            Reason::Requested => "requested",
            Reason::Changed => "changed",
        }
    }
}

pub fn pdf_context(id: Uuid) -> String {
    format!("good_faith_estimate.pdf:{id}")
}

fn business_day(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Business days after `from` up to and including `to`.
pub fn business_days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    from.iter_days()
        .skip(1)
        .take_while(|d| *d <= to)
        .filter(|d| business_day(*d))
        .count() as i64
}

/// The `n`th business day after `from`.
pub fn add_business_days(from: NaiveDate, n: i64) -> NaiveDate {
    from.iter_days()
        .skip(1)
        .filter(|d| business_day(*d))
        .nth(n.max(1) as usize - 1)
        .unwrap_or(from)
}

/// When an estimate is due: by the end of the business day the rule allows, or before the
/// session when it is too close for the rule to ask for one.
pub fn due_by(
    scheduled_at: DateTime<Utc>,
    session: Option<DateTime<Utc>>,
    reason: Reason,
    tz: TimeZone,
) -> DateTime<Utc> {
    let day = scheduled_at.with_timezone(&tz.tz()).date_naive();
    let within = match (reason, session) {
        (Reason::Scheduled, Some(start)) => {
            let ahead = business_days_between(day, start.with_timezone(&tz.tz()).date_naive());
            match ahead {
                10.. => Some(3),
                3.. => Some(1),
                _ => None,
            }
        }
        _ => Some(if reason == Reason::Requested { 3 } else { 1 }),
    };
    match (within, session) {
        (Some(n), _) => tz.start_of(add_business_days(day, n) + Duration::days(1)),
        (None, Some(start)) => start,
        (None, None) => scheduled_at,
    }
}

/// One expected service.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Service {
    pub description: String,
    pub cpt_code: Option<String>,
    pub place_of_service: Option<String>,
    pub modifier: Option<String>,
    pub fee_minor: i64,
    pub quantity: i64,
    pub total_minor: i64,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub date_of_birth: Option<NaiveDate>,
}

/// Everything an estimate says but its delivery time: its digest decides re-issue.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Content {
    pub currency: String,
    pub clients: Vec<Person>,
    pub provider: identity::Provider,
    pub services: Vec<Service>,
    pub diagnoses: Vec<String>,
    pub from: NaiveDate,
    pub total_minor: i64,
}

impl Content {
    pub fn digest(&self) -> String {
        sha256_hex(&serde_json::to_string(self).unwrap_or_default())
    }
}

/// The paid sessions of the couple that are booked or held, earliest first, with their fee.
async fn paid_sessions(
    db: &impl ConnectionTrait,
    client_id: Uuid,
) -> Result<Vec<(appointment::Model, i64)>, BillingError> {
    let sessions = appointment::Entity::find()
        .filter(appointment::Column::ClientId.eq(client_id))
        .filter(
            appointment::Column::Status
                .is_in([AppointmentStatus::Confirmed, AppointmentStatus::Completed]),
        )
        .order_by_asc(appointment::Column::StartsAt)
        .all(db)
        .await?;
    let fees = fees::fees_for(
        db,
        client_id,
        sessions.iter().map(|a| a.appointment_type_id),
    )
    .await?;
    Ok(sessions
        .into_iter()
        .filter_map(|a| {
            let fee = fees.get(&a.appointment_type_id)?.minor;
            (fee > 0).then_some((a, fee))
        })
        .collect())
}

/// What couple `client_id`'s estimate says today. The type booked most is expected for
/// the practice's number of sessions, each other type booked as often as it is booked; a
/// couple with nothing booked yet is estimated on the couples session (CPT 90847) or else
/// the first type with a fee.
pub async fn compose(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    client_id: Uuid,
    tz: TimeZone,
    today: NaiveDate,
) -> Result<Content, BillingError> {
    let policy = policy::policy(db).await?;
    let people = participant::Entity::find()
        .filter(participant::Column::ClientId.eq(client_id))
        .order_by_asc(participant::Column::Position)
        .all(db)
        .await?;
    if people.is_empty() {
        return Err(BillingError::NotFound);
    }
    let mut clients = Vec::new();
    for p in &people {
        clients.push(Person {
            name: joined(&p.first_name, &p.last_name),
            date_of_birth: identity::payer(db, keys, p.id).await?.date_of_birth,
        });
    }
    let paid = paid_sessions(db, client_id).await?;
    let mut counts: Vec<(Uuid, i64, i64)> = Vec::new();
    for (a, fee) in &paid {
        match counts
            .iter_mut()
            .find(|(t, _, _)| *t == a.appointment_type_id)
        {
            Some(c) => c.1 += 1,
            None => counts.push((a.appointment_type_id, 1, *fee)),
        }
    }
    if counts.is_empty() {
        let codes = type_fee::Entity::find()
            .filter(type_fee::Column::FeeMinor.gt(0))
            .all(db)
            .await?;
        let chosen = codes
            .iter()
            .find(|c| c.cpt_code.as_deref() == Some("90847"))
            .or_else(|| codes.first());
        if let Some(c) = chosen
            && let Some(fee) = fees::fee_for(db, client_id, c.appointment_type_id).await?
        {
            counts.push((c.appointment_type_id, 0, fee.minor));
        }
    }
    // The most booked type carries the expected count; ties go to the first booked.
    let main = counts
        .iter()
        .enumerate()
        .max_by_key(|(i, (_, n, _))| (*n, std::cmp::Reverse(*i)))
        .map(|(i, _)| i);
    let others: i64 = counts
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != main)
        .map(|(_, (_, n, _))| n)
        .sum();
    let types = appointment_type::Entity::find()
        .filter(appointment_type::Column::Id.is_in(counts.iter().map(|c| c.0)))
        .all(db)
        .await?;
    let codes = type_fee::Entity::find()
        .filter(type_fee::Column::AppointmentTypeId.is_in(counts.iter().map(|c| c.0)))
        .all(db)
        .await?;
    let services: Vec<Service> = counts
        .iter()
        .enumerate()
        .map(|(i, (type_id, n, fee))| {
            let quantity = if Some(i) == main {
                (i64::from(policy.expected_sessions) - others)
                    .max(*n)
                    .max(1)
            } else {
                *n
            };
            let code = codes.iter().find(|c| c.appointment_type_id == *type_id);
            Service {
                description: types
                    .iter()
                    .find(|t| t.id == *type_id)
                    .map_or_else(|| "Session".to_owned(), |t| t.name.clone()),
                cpt_code: code.and_then(|c| c.cpt_code.clone()),
                place_of_service: code.and_then(|c| c.place_of_service.clone()),
                modifier: code.and_then(|c| c.modifier.clone()),
                fee_minor: *fee,
                quantity,
                total_minor: fee * quantity,
            }
        })
        .collect();
    let diagnoses = diagnoses::for_document(db, keys, client_id)
        .await?
        .into_iter()
        .map(|d| {
            let words = d.coded.description.unwrap_or_default();
            format!("{} {words}", d.coded.code).trim().to_owned()
        })
        .collect();
    Ok(Content {
        currency: fees::currency(db).await?,
        clients,
        provider: identity::provider(db, keys).await?,
        total_minor: services.iter().map(|s| s.total_minor).sum(),
        services,
        diagnoses,
        from: paid.first().map_or(today, |(a, _)| {
            a.starts_at.with_timezone(&tz.tz()).date_naive()
        }),
    })
}

/// The estimate as a PDF, its delivery time on it.
pub fn render(content: &Content, version: i32, delivered: DateTime<Utc>, tz: TimeZone) -> Vec<u8> {
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
    let c = &content.currency;
    let to = content.from + Duration::days(364);
    let mut blocks = vec![
        Block::Title("Good Faith Estimate".into()),
        Block::Paragraph(format!(
            "Version {version}, delivered {}. Expected charges for services from {} to {to}.",
            crate::when::full(delivered, tz),
            content.from
        )),
        Block::Heading("For".into()),
    ];
    for p in &content.clients {
        blocks.push(Block::Field(
            p.name.clone(),
            format!(
                "date of birth {}",
                p.date_of_birth
                    .map_or_else(|| "not given".to_owned(), |d| d.to_string())
            ),
        ));
    }
    blocks.extend([
        Block::Heading("Provider".into()),
        Block::Field("Name".into(), dash(&content.provider.name)),
        Block::Field("NPI".into(), dash(&content.provider.npi)),
        Block::Field("Tax id".into(), dash(&content.provider.tin)),
        Block::Field("Location".into(), dash(&content.provider.address)),
        Block::Heading("Diagnoses (ICD-10-CM), where known".into()),
    ]);
    if content.diagnoses.is_empty() {
        blocks.push(Block::Paragraph("None recorded yet.".into()));
    }
    for (i, d) in content.diagnoses.iter().enumerate() {
        blocks.push(Block::Item(format!("{}.", i + 1), d.clone()));
    }
    blocks.push(Block::Heading("Expected services".into()));
    for s in &content.services {
        blocks.push(Block::Item(
            "•".into(),
            format!(
                "{}: CPT {}, place of service {}, modifier {}. {} each, expected {} times: {}.",
                s.description,
                dash(&s.cpt_code),
                dash(&s.place_of_service),
                dash(&s.modifier),
                money::format(s.fee_minor, c),
                s.quantity,
                money::format(s.total_minor, c)
            ),
        ));
    }
    blocks.extend([
        Block::Rule,
        Block::Field(
            "Total expected charges".into(),
            money::format(content.total_minor, c),
        ),
        Block::KeepLines(14),
        Block::Heading("Disclaimers".into()),
        Block::Paragraph(
            "This Good Faith Estimate shows the costs of items and services that are \
             reasonably expected for your health care needs. It is based on what is known at \
             the time it was made, and is not a contract: it does not oblige you to obtain \
             these services. The number of sessions you need may differ, and other services \
             not listed may be recommended; they would be estimated separately."
                .into(),
        ),
        Block::Paragraph(
            "You have the right to dispute the bill. If you are billed for more than this \
             estimate, you may contact the provider to let them know, ask them to update the \
             bill to match the estimate, ask to negotiate it, or ask for financial help. You \
             may also start a dispute resolution process with the US Department of Health \
             and Human Services (HHS) if your total billed charges are at least $400 more than \
             this estimate. You must start it within 120 calendar days of the date on the \
             original bill, and there is a $25 fee to use it; if the agency reviewing your \
             dispute agrees with you, you will pay the price on this estimate."
                .into(),
        ),
        Block::Paragraph(
            "Starting a dispute does not affect the quality of the care you receive. Keep a \
             copy of this estimate in a safe place. For questions, or to start a dispute, \
             see www.cms.gov/nosurprises or call 1-800-985-3059."
                .into(),
        ),
    ]);
    pdf::render(
        "Good Faith Estimate",
        &format!("Good Faith Estimate, version {version}"),
        &blocks,
        delivered,
    )
}

fn tag_message(row: &gfe::Model) -> String {
    format!(
        "good_faith_estimate:{}:{}:{}:{}:{}",
        row.id,
        row.client_id,
        row.version,
        row.pdf_sha256,
        row.delivered_at.to_rfc3339()
    )
}

/// Makes and delivers a new version for couple `client_id`: the PDF sealed, the version
/// before it no longer current, and a message to each partner with an address.
#[allow(clippy::too_many_arguments)]
async fn issue(
    db: &impl ConnectionTrait,
    n: Notifier<'_>,
    content: &Content,
    client_id: Uuid,
    reason: Reason,
    scheduled_at: DateTime<Utc>,
    session: Option<DateTime<Utc>>,
    tz: TimeZone,
    audit: &AuditContext,
) -> Result<gfe::Model, BillingError> {
    let previous = gfe::Entity::find()
        .filter(gfe::Column::ClientId.eq(client_id))
        .order_by_desc(gfe::Column::Version)
        .one(db)
        .await?;
    let version = previous.as_ref().map_or(1, |p| p.version + 1);
    let id = Uuid::new_v4();
    let pdf_bytes = render(content, version, audit.now, tz);
    let encoded = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &pdf_bytes);
    let mut row = gfe::Model {
        id,
        client_id,
        version,
        reason: reason.as_str().to_owned(),
        current: true,
        scheduled_at,
        due_by: due_by(scheduled_at, session, reason, tz),
        currency: content.currency.clone(),
        total_minor: content.total_minor,
        content_sha256: content.digest(),
        pdf_sealed: n.keys.seal(&encoded, &pdf_context(id)),
        pdf_sha256: crate::crypto::sha256_bytes_hex(&pdf_bytes),
        tag: String::new(),
        delivered_at: audit.now,
        created_by: audit.actor.id,
    };
    row.tag = n.keys.tag(tag_message(&row).as_bytes());
    gfe::Entity::update_many()
        .col_expr(gfe::Column::Current, false.into())
        .filter(gfe::Column::ClientId.eq(client_id))
        .exec(db)
        .await?;
    gfe::Entity::insert(gfe::ActiveModel::from(row.clone()))
        .exec_without_returning(db)
        .await?;
    let people = participant::Entity::find()
        .filter(participant::Column::ClientId.eq(client_id))
        .all(db)
        .await?;
    let practice = crate::practice::settings(db)
        .await
        .map_err(|e| BillingError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
    let (from_name, from_address) = crate::practice::sender_for(db, client_id)
        .await
        .map_err(|e| BillingError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
    let mut emails = Vec::new();
    for p in people.iter().filter(|p| p.email.is_some()) {
        let mut context =
            MessageContext::of_practice(&practice, &p.first_name, n.public_url.link("/book"));
        context.estimate = Some(EstimateView {
            total: money::format(content.total_minor, &content.currency),
            url: n.public_url.link("/portal"),
            revised: version > 1,
        });
        let rendered = n
            .mailer
            .templates
            .render(Kind::EstimateReady, &context)
            .map_err(|e| BillingError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
        emails.push(NewEmail {
            kind: Kind::EstimateReady,
            recipient: p.email.clone().unwrap_or_default(),
            subject: rendered.subject,
            content: crate::mail::compose::Content {
                to_name: Some(joined(&p.first_name, &p.last_name)),
                from_name: from_name.clone(),
                from_address: from_address.clone(),
                text: rendered.text,
                html: rendered.html,
                attachments: Vec::new(),
                not_after: None,
            },
            scheduled_at: audit.now,
            key: format!("estimate:{id}:{}", p.id),
            appointment_id: None,
            intake_id: None,
        });
    }
    outbox::enqueue_all(db, n.keys, emails, audit.now).await?;
    audit
        .record(
            db,
            Event::new(Action::EstimateDeliver)
                .entity("client", client_id)
                .details(serde_json::json!({
                    "version": version,
                    "reason": reason.as_str(),
                    "due_by": row.due_by,
                })),
        )
        .await?;
    Ok(row)
}

/// The housekeeping pass: a first estimate for each self-pay couple with a paid session
/// booked, and a new version for each whose estimate would now say something else. Answers
/// how many it delivered.
pub async fn deliver_due<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    n: Notifier<'_>,
    tz: TimeZone,
    now: DateTime<Utc>,
) -> Result<usize, BillingError> {
    if !policy::policy(db).await?.good_faith_estimates {
        return Ok(0);
    }
    let booked = appointment::Entity::find()
        .filter(appointment::Column::Status.eq(AppointmentStatus::Confirmed))
        .filter(appointment::Column::StartsAt.gt(now))
        .order_by_asc(appointment::Column::CreatedAt)
        .all(db)
        .await?;
    let mut clients: Vec<Uuid> = booked.iter().map(|a| a.client_id).collect();
    clients.sort();
    clients.dedup();
    let audit = AuditContext::new(Actor::SYSTEM, Origin::default(), now);
    let mut delivered = 0;
    for client_id in clients {
        if !invoices::self_pay(db, client_id).await? {
            continue;
        }
        let txn = db::begin_write(db).await?;
        let current = gfe::Entity::find()
            .filter(gfe::Column::ClientId.eq(client_id))
            .filter(gfe::Column::Current.eq(true))
            .one(&txn)
            .await?;
        let paid = paid_sessions(&txn, client_id).await?;
        // The first paid session booked is what calls for the first estimate.
        let Some(first) = paid
            .iter()
            .filter(|(a, _)| a.status == AppointmentStatus::Confirmed && a.starts_at > now)
            .min_by_key(|(a, _)| a.created_at)
        else {
            txn.rollback().await?;
            continue;
        };
        let content = compose(
            &txn,
            n.keys,
            client_id,
            tz,
            now.with_timezone(&tz.tz()).date_naive(),
        )
        .await?;
        let (reason, scheduled_at, session) = match &current {
            None => (
                Reason::Scheduled,
                first.0.created_at,
                Some(first.0.starts_at),
            ),
            Some(c) if c.content_sha256 != content.digest() => (Reason::Changed, now, None),
            Some(_) => {
                txn.rollback().await?;
                continue;
            }
        };
        issue(
            &txn,
            n,
            &content,
            client_id,
            reason,
            scheduled_at,
            session,
            tz,
            &audit,
        )
        .await?;
        txn.commit().await?;
        delivered += 1;
    }
    Ok(delivered)
}

/// An estimate asked for: made and delivered now, whether or not a session is booked.
pub async fn request<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    n: Notifier<'_>,
    client_id: Uuid,
    tz: TimeZone,
    audit: &AuditContext,
) -> Result<gfe::Model, BillingError> {
    let txn = db::begin_write(db).await?;
    let content = compose(
        &txn,
        n.keys,
        client_id,
        tz,
        audit.now.with_timezone(&tz.tz()).date_naive(),
    )
    .await?;
    if content.services.is_empty() {
        return Err(BillingError::Conflict(
            "no appointment type has a fee yet, so there is nothing to estimate",
        ));
    }
    let row = issue(
        &txn,
        n,
        &content,
        client_id,
        Reason::Requested,
        audit.now,
        None,
        tz,
        audit,
    )
    .await?;
    txn.commit().await?;
    n.mailer.wake();
    Ok(row)
}

/// Every version of the couple's estimates, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    client_id: Uuid,
) -> Result<Vec<gfe::Model>, BillingError> {
    Ok(gfe::Entity::find()
        .filter(gfe::Column::ClientId.eq(client_id))
        .order_by_desc(gfe::Column::Version)
        .all(db)
        .await?)
}

/// The PDF of one version as delivered, after checking it is the copy that was delivered;
/// the read is audited.
pub async fn pdf(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    reader: Reader<'_>,
    client_id: Uuid,
    id: Uuid,
    audit: &AuditContext,
) -> Result<(gfe::Model, Vec<u8>), BillingError> {
    reader.may_read(db, client_id).await?;
    let row = gfe::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|r| r.client_id == client_id)
        .ok_or(BillingError::NotFound)?;
    let unchanged = keys
        .verify_tag(&row.tag, tag_message(&row).as_bytes())
        .is_ok();
    let bytes = keys
        .open(&row.pdf_sealed, &pdf_context(row.id))
        .ok()
        .and_then(|b| base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b).ok())
        .filter(|b| unchanged && crate::crypto::sha256_bytes_hex(b) == row.pdf_sha256)
        .ok_or(BillingError::Unreadable)?;
    audit
        .record(
            db,
            Event::new(Action::EstimateRead)
                .entity("client", client_id)
                .details(serde_json::json!({ "version": row.version })),
        )
        .await?;
    Ok((row, bytes))
}

/// Whether billed charges have reached the current estimate plus the dispute margin: what
/// the couple was charged on invoices that are not void since the estimate's first version,
/// against its total.
pub struct Exposure {
    pub estimate_minor: i64,
    pub billed_minor: i64,
    pub over_margin: bool,
}

pub async fn exposure(
    db: &impl ConnectionTrait,
    client_id: Uuid,
) -> Result<Option<Exposure>, BillingError> {
    let versions = list(db, client_id).await?;
    let Some(current) = versions.iter().find(|v| v.current) else {
        return Ok(None);
    };
    let since = versions
        .iter()
        .map(|v| v.delivered_at)
        .min()
        .unwrap_or(current.delivered_at);
    let billed: i64 = invoice::Entity::find()
        .filter(invoice::Column::ClientId.eq(client_id))
        .filter(invoice::Column::Status.ne(super::invoices::Status::Void.as_str()))
        .filter(invoice::Column::Status.ne(super::invoices::Status::Draft.as_str()))
        .filter(invoice::Column::CreatedAt.gte(since - Duration::days(1)))
        .all(db)
        .await?
        .iter()
        .map(|i| i.total_minor)
        .sum();
    Ok(Some(Exposure {
        estimate_minor: current.total_minor,
        billed_minor: billed,
        over_margin: billed >= current.total_minor + DISPUTE_MARGIN_MINOR,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn business_days_skip_weekends() {
        // Friday 4 December 2026 to Monday 7: one business day.
        assert_eq!(business_days_between(d("2026-12-04"), d("2026-12-07")), 1);
        assert_eq!(add_business_days(d("2026-12-04"), 1), d("2026-12-07"));
        assert_eq!(add_business_days(d("2026-12-07"), 3), d("2026-12-10"));
        assert_eq!(business_days_between(d("2026-12-07"), d("2026-12-21")), 10);
    }

    #[test]
    fn the_deadline_follows_how_far_ahead_the_session_is() {
        let tz = TimeZone::parse("America/New_York").unwrap();
        let monday = tz.start_of(d("2026-12-07")) + Duration::hours(10);
        let end_of = |day: &str| tz.start_of(d(day) + Duration::days(1));
        // Two weeks ahead: three business days.
        let far = tz.start_of(d("2026-12-21")) + Duration::hours(10);
        assert_eq!(
            due_by(monday, Some(far), Reason::Scheduled, tz),
            end_of("2026-12-10")
        );
        // A week ahead: one business day.
        let near = tz.start_of(d("2026-12-14")) + Duration::hours(10);
        assert_eq!(
            due_by(monday, Some(near), Reason::Scheduled, tz),
            end_of("2026-12-08")
        );
        // Two days ahead: before the session.
        let close = tz.start_of(d("2026-12-09")) + Duration::hours(10);
        assert_eq!(due_by(monday, Some(close), Reason::Scheduled, tz), close);
        // Asked for: three business days.
        assert_eq!(
            due_by(monday, None, Reason::Requested, tz),
            end_of("2026-12-10")
        );
    }
}
