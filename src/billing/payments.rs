//! Payments recorded by staff against an issued invoice: partial ones, refunds (negative)
//! and credits. An invoice is paid when what came in reaches its total.

use chrono::NaiveDate;
use entity::{invoice, payment};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::{
    BillingError,
    invoices::{self, Full, Status},
    money,
};
use crate::{
    audit::{Action, AuditContext, Event},
    db,
    validation::FieldErrors,
};

/// How a method reads on a receipt.
pub fn method_label(method: &str) -> &'static str {
    match method {
        "card_terminal" => "Card",
        "cash" => "Cash",
        "check" => "Check",
        "transfer" => "Bank transfer",
        "credit" => "Credit",
        "online_card" => "Card (online)",
        _ => "Other",
    }
}

pub const METHODS: [&str; 6] = [
    "card_terminal",
    "cash",
    "check",
    "transfer",
    "credit",
    "other",
];

#[derive(Clone, Debug, Default)]
pub struct PaymentInput {
    pub amount_minor: Option<i64>,
    pub method: Option<String>,
    pub received_on: Option<String>,
    pub reference: Option<String>,
}

pub async fn list(
    db: &impl ConnectionTrait,
    invoice_id: Uuid,
) -> Result<Vec<payment::Model>, BillingError> {
    invoices::find(db, invoice_id).await?;
    Ok(payment::Entity::find()
        .filter(payment::Column::InvoiceId.eq(invoice_id))
        .order_by_asc(payment::Column::CreatedAt)
        .all(db)
        .await?)
}

/// Records a payment (or, negative, a refund) on invoice `invoice_id`.
pub async fn record<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    invoice_id: Uuid,
    input: &PaymentInput,
    audit: &AuditContext,
) -> Result<(payment::Model, Full), BillingError> {
    let mut errors = FieldErrors::default();
    let amount = match input.amount_minor {
        None | Some(0) => {
            errors.add(
                "amount_minor",
                "is required: a whole number of cents, negative for a refund",
            );
            0
        }
        Some(a) if a.abs() > money::MAX_MINOR => {
            errors.add("amount_minor", "is too large");
            0
        }
        Some(a) => a,
    };
    let method = input.method.as_deref().unwrap_or_default();
    if !METHODS.contains(&method) {
        errors.add(
            "method",
            "must be card_terminal, cash, check, transfer, credit or other",
        );
    }
    let received_on = errors.check(
        "received_on",
        input
            .received_on
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
            .filter(crate::types::plausible_date)
            .ok_or("must be a date, YYYY-MM-DD"),
    );
    let reference = match input
        .reference
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        Some(r) if r.chars().count() > 100 || r.contains('\n') => {
            errors.add("reference", "must be one line of at most 100 characters");
            None
        }
        other => other.map(str::to_owned),
    };
    errors.into_result()?;
    let txn = db::begin_write(db).await?;
    let current = db::for_update(invoice::Entity::find_by_id(invoice_id), &txn)
        .one(&txn)
        .await?
        .ok_or(BillingError::NotFound)?;
    if !matches!(
        Status::parse(&current.status),
        Some(Status::Issued | Status::Paid)
    ) {
        return Err(BillingError::Conflict(
            "payments are recorded on issued invoices only",
        ));
    }
    let paid: i64 = payment::Entity::find()
        .filter(payment::Column::InvoiceId.eq(invoice_id))
        .all(&txn)
        .await?
        .iter()
        .map(|p| p.amount_minor)
        .sum();
    if paid + amount < 0 {
        return Err(BillingError::Invalid(crate::validation::Invalid(vec![
            crate::validation::FieldError::new(
                "amount_minor",
                "refunds more than was paid on this invoice",
            ),
        ])));
    }
    let row = payment::Entity::insert(payment::ActiveModel {
        id: Set(Uuid::new_v4()),
        invoice_id: Set(invoice_id),
        amount_minor: Set(amount),
        method: Set(method.to_owned()),
        received_on: Set(received_on.expect("checked")),
        reference: Set(reference),
        created_by: Set(audit.actor.id),
        created_at: Set(audit.now),
    })
    .exec_with_returning(&txn)
    .await?;
    let status = if paid + amount >= current.total_minor {
        Status::Paid
    } else {
        Status::Issued
    };
    if current.status != status.as_str() {
        let mut model: invoice::ActiveModel = current.into();
        model.status = Set(status.as_str().to_owned());
        model.updated_at = Set(audit.now);
        invoice::Entity::update(model).exec(&txn).await?;
    }
    audit
        .record(
            &txn,
            Event::new(Action::PaymentRecord)
                .entity("invoice", invoice_id)
                .details(serde_json::json!({ "amount_minor": amount, "method": method })),
        )
        .await?;
    txn.commit().await?;
    Ok((row, invoices::find(db, invoice_id).await?))
}
