//! A superbill: what one paying partner was charged and paid over a span of dates, with the
//! provider's identifiers, the partner's, the diagnosis codes and each session's procedure
//! codes, for them to claim out of network. A PDF made in process. Diagnoses are clinical,
//! so it is for owners, the couple's own clinician and the partner it is for, and each one
//! made is audited.

use chrono::NaiveDate;
use entity::participant;
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use super::{
    BillingError, Reader, diagnoses, identity,
    invoices::{self, Status},
    money,
};
use crate::{
    audit::{Action, AuditContext, Event},
    crypto::DataKeys,
    pdf::{self, Block},
    types::joined,
    validation::{FieldError, FieldErrors, Invalid},
};

/// The dates a superbill covers, as typed in a form or a query: each a `YYYY-MM-DD` date,
/// the end not before the start. Mistakes are added to `errors` under `from` and `to`.
pub fn span(
    from: Option<&str>,
    to: Option<&str>,
    errors: &mut FieldErrors,
) -> Option<(NaiveDate, NaiveDate)> {
    let day = |raw: Option<&str>| {
        raw.and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
            .filter(crate::types::plausible_date)
            .ok_or("must be a date, YYYY-MM-DD")
    };
    let (from, to) = (errors.check("from", day(from)), errors.check("to", day(to)));
    match (from, to) {
        (Some(f), Some(t)) if t < f => {
            errors.add("to", "must not be before from");
            None
        }
        (Some(f), Some(t)) => Some((f, t)),
        _ => None,
    }
}

/// One session on the superbill.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub date: NaiveDate,
    pub description: String,
    pub cpt_code: Option<String>,
    pub place_of_service: Option<String>,
    pub modifier: Option<String>,
    pub units: i32,
    pub fee_minor: i64,
    pub paid_minor: i64,
}

/// The rows of partner `payer`'s issued invoices with a service date in `[from, to]`. What
/// was paid on an invoice is set against its lines in order.
pub async fn rows(
    db: &impl ConnectionTrait,
    client_id: Uuid,
    payer: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Row>, BillingError> {
    let mut out = Vec::new();
    let issued = invoices::list(db, Some(client_id))
        .await?
        .into_iter()
        .filter(|f| {
            f.invoice.participant_id == payer
                && matches!(
                    Status::parse(&f.invoice.status),
                    Some(Status::Issued | Status::Paid)
                )
        });
    for f in issued {
        let mut left = f.paid_minor;
        for l in &f.lines {
            let paid = left.clamp(0, l.amount_minor);
            left -= paid;
            // An insurer reimburses services: a missed or late-cancelled session's fee is on
            // the invoice and the statement, not on the claim.
            if l.service_date < from || l.service_date > to || l.kind != "session" {
                continue;
            }
            out.push(Row {
                date: l.service_date,
                description: l.description.clone(),
                cpt_code: l.cpt_code.clone(),
                place_of_service: l.place_of_service.clone(),
                modifier: l.modifier.clone(),
                units: l.units,
                fee_minor: l.amount_minor,
                paid_minor: paid,
            });
        }
    }
    out.sort_by_key(|r| r.date);
    Ok(out)
}

/// The superbill as a PDF.
#[allow(clippy::too_many_arguments)]
pub async fn pdf(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    reader: Reader<'_>,
    client_id: Uuid,
    payer: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    audit: &AuditContext,
) -> Result<Vec<u8>, BillingError> {
    if to < from {
        return Err(BillingError::Invalid(Invalid(vec![FieldError::new(
            "to",
            "must not be before from",
        )])));
    }
    // The check comes first: diagnoses are on it.
    let diagnoses = match reader {
        Reader::Staff(staff) => diagnoses::list(db, keys, staff, client_id, audit).await?,
        Reader::Partner(person) => {
            if person != payer {
                return Err(BillingError::NotFound);
            }
            reader.may_read(db, client_id).await?;
            let found = diagnoses::for_document(db, keys, client_id).await?;
            audit
                .record(
                    db,
                    Event::new(Action::DiagnosisRead).entity("client", client_id),
                )
                .await?;
            found
        }
    };
    let person = participant::Entity::find_by_id(payer)
        .one(db)
        .await?
        .filter(|p| p.client_id == client_id)
        .ok_or_else(|| {
            BillingError::Invalid(Invalid(vec![FieldError::new(
                "participant_id",
                "is not a partner of this client",
            )]))
        })?;
    let provider = identity::provider(db, keys).await?;
    let details = identity::payer(db, keys, payer).await?;
    let currency = super::fees::currency(db).await?;
    let rows = rows(db, client_id, payer, from, to).await?;
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());

    let mut blocks = vec![
        Block::Title("Superbill".into()),
        Block::Paragraph(format!(
            "Statement for insurance reimbursement, services from {from} to {to}."
        )),
        Block::Heading("Provider".into()),
        Block::Field("Name".into(), dash(&provider.name)),
        Block::Field("NPI".into(), dash(&provider.npi)),
        Block::Field("Tax id".into(), dash(&provider.tin)),
        Block::Field("License".into(), dash(&provider.license)),
        Block::Field("Address".into(), dash(&provider.address)),
        Block::Heading("Client".into()),
        Block::Field("Name".into(), joined(&person.first_name, &person.last_name)),
        Block::Field(
            "Date of birth".into(),
            details
                .date_of_birth
                .map_or_else(|| "-".to_owned(), |d| d.to_string()),
        ),
        Block::Field("Address".into(), dash(&details.address)),
        Block::Heading("Diagnoses (ICD-10-CM)".into()),
    ];
    let theirs: Vec<_> = diagnoses
        .iter()
        .filter(|d| d.participant_id.is_none() || d.participant_id == Some(payer))
        .collect();
    if theirs.is_empty() {
        blocks.push(Block::Paragraph("None recorded.".into()));
    }
    for (i, d) in theirs.iter().enumerate() {
        let words = d.coded.description.as_deref().unwrap_or_default();
        blocks.push(Block::Item(
            format!("{}.", i + 1),
            format!("{} {words}", d.coded.code).trim().to_owned(),
        ));
    }
    blocks.push(Block::Heading("Services".into()));
    if rows.is_empty() {
        blocks.push(Block::Paragraph("No services in these dates.".into()));
    }
    for r in &rows {
        blocks.push(Block::Item(
            "•".into(),
            format!(
                "{}: {}. CPT {}, place of service {}, modifier {}, units {}, fee {}, paid {}.",
                r.date,
                r.description,
                dash(&r.cpt_code),
                dash(&r.place_of_service),
                dash(&r.modifier),
                r.units,
                money::format(r.fee_minor, &currency),
                money::format(r.paid_minor, &currency)
            ),
        ));
    }
    let charged: i64 = rows.iter().map(|r| r.fee_minor).sum();
    let paid: i64 = rows.iter().map(|r| r.paid_minor).sum();
    blocks.push(Block::Rule);
    blocks.push(Block::Field(
        "Total charged".into(),
        money::format(charged, &currency),
    ));
    blocks.push(Block::Field(
        "Total paid".into(),
        money::format(paid, &currency),
    ));
    audit
        .record(
            db,
            Event::new(Action::SuperbillCreate)
                .entity("client", client_id)
                .details(serde_json::json!({
                    "participant_id": payer, "from": from, "to": to,
                })),
        )
        .await?;
    Ok(pdf::render(
        "Superbill",
        &format!("Superbill {from} to {to}"),
        &blocks,
        audit.now,
    ))
}
