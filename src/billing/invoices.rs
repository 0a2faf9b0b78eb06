//! Invoices: drafted from a couple's completed sessions and confirmed no-show and
//! late-cancellation fees, one per paying
//! partner by the couple's split; numbered without gaps when issued (the number is taken in
//! the issuing transaction, so a failed issue leaves none unused); voided, never deleted,
//! once issued.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use entity::{
    appointment::{self, AppointmentStatus},
    appointment_type, client_billing, invoice, invoice_line, invoice_number, participant, payment,
    pending_fee, type_fee,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::{
    BillingError, fees, pending,
    split::{self, Split},
};
use crate::{
    audit::{Action, AuditContext, Event},
    db,
    types::TimeZone,
    validation::{FieldError, Invalid},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Draft,
    Issued,
    Paid,
    Void,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Issued => "issued",
            Status::Paid => "paid",
            Status::Void => "void",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Status::Draft, Status::Issued, Status::Paid, Status::Void]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }
}

fn invalid(field: &str, message: impl Into<String>) -> BillingError {
    BillingError::Invalid(Invalid(vec![FieldError::new(field, message)]))
}

/// An invoice with its lines and what has been paid on it.
pub struct Full {
    pub invoice: invoice::Model,
    pub lines: Vec<invoice_line::Model>,
    pub paid_minor: i64,
}

impl Full {
    pub fn balance_minor(&self) -> i64 {
        self.invoice.total_minor - self.paid_minor
    }
}

/// How the couple `client_id` splits what they owe; by default the first partner pays.
pub async fn split_of(db: &impl ConnectionTrait, client_id: Uuid) -> Result<Split, BillingError> {
    let people = participant::Entity::find()
        .filter(participant::Column::ClientId.eq(client_id))
        .order_by_asc(participant::Column::Position)
        .all(db)
        .await?;
    let first = people.first().ok_or(BillingError::NotFound)?.id;
    let second = people.get(1).map(|p| p.id);
    let row = client_billing::Entity::find_by_id(client_id)
        .one(db)
        .await?;
    Ok(match (row, second) {
        (Some(r), Some(second)) if r.mode == "split" => Split::Percent {
            first,
            second,
            first_percent: r.first_percent.unwrap_or(50).into(),
        },
        (Some(r), Some(second)) if r.mode == "alternate" => Split::Alternate { first, second },
        (Some(r), _) => Split::OnePayer(r.payer_participant_id.unwrap_or(first)),
        (None, _) => Split::OnePayer(first),
    })
}

/// Sets how the couple splits what they owe.
pub async fn set_split(
    db: &impl ConnectionTrait,
    client_id: Uuid,
    mode: &str,
    payer: Option<Uuid>,
    first_percent: Option<i32>,
    audit: &AuditContext,
) -> Result<client_billing::Model, BillingError> {
    let people = participant::Entity::find()
        .filter(participant::Column::ClientId.eq(client_id))
        .all(db)
        .await?;
    if people.is_empty() {
        return Err(BillingError::NotFound);
    }
    let mut errors = crate::validation::FieldErrors::default();
    let (payer, first_percent) = match mode {
        "one_payer" => {
            let p = payer.filter(|p| people.iter().any(|x| x.id == *p));
            if p.is_none() {
                errors.add(
                    "payer_participant_id",
                    "must be one of the client's partners",
                );
            }
            (p, None)
        }
        "split" | "alternate" if people.len() < 2 => {
            errors.add("mode", "needs two partners");
            (None, None)
        }
        "split" => match first_percent {
            Some(p) if (0..=100).contains(&p) => (None, Some(p)),
            _ => {
                errors.add("first_percent", "must be a whole percentage from 0 to 100");
                (None, None)
            }
        },
        "alternate" => (None, None),
        _ => {
            errors.add("mode", "must be one_payer, split or alternate");
            (None, None)
        }
    };
    errors.into_result()?;
    let self_pay = self_pay(db, client_id).await?;
    let row = client_billing::Model {
        client_id,
        mode: mode.to_owned(),
        payer_participant_id: payer,
        first_percent,
        updated_at: audit.now,
        self_pay,
    };
    client_billing::Entity::insert(client_billing::ActiveModel::from(row.clone()))
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(client_billing::Column::ClientId)
                .update_columns([
                    client_billing::Column::Mode,
                    client_billing::Column::PayerParticipantId,
                    client_billing::Column::FirstPercent,
                    client_billing::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    audit
        .record(
            db,
            Event::new(Action::FeeUpdate)
                .entity("client", client_id)
                .details(serde_json::json!({ "split": mode })),
        )
        .await?;
    Ok(row)
}

/// Whether couple `client_id` pays for themselves (and so is owed a Good Faith Estimate).
pub async fn self_pay(db: &impl ConnectionTrait, client_id: Uuid) -> Result<bool, BillingError> {
    Ok(client_billing::Entity::find_by_id(client_id)
        .one(db)
        .await?
        .is_none_or(|r| r.self_pay))
}

pub async fn set_self_pay(
    db: &impl ConnectionTrait,
    client_id: Uuid,
    self_pay: bool,
    audit: &AuditContext,
) -> Result<bool, BillingError> {
    if participant::Entity::find()
        .filter(participant::Column::ClientId.eq(client_id))
        .one(db)
        .await?
        .is_none()
    {
        return Err(BillingError::NotFound);
    }
    let row = client_billing::ActiveModel {
        client_id: Set(client_id),
        mode: Set("one_payer".to_owned()),
        payer_participant_id: Set(None),
        first_percent: Set(None),
        updated_at: Set(audit.now),
        self_pay: Set(self_pay),
    };
    client_billing::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(client_billing::Column::ClientId)
                .update_columns([
                    client_billing::Column::SelfPay,
                    client_billing::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    audit
        .record(
            db,
            Event::new(Action::FeeUpdate)
                .entity("client", client_id)
                .details(serde_json::json!({ "self_pay": self_pay })),
        )
        .await?;
    Ok(self_pay)
}

/// Draft invoices for the sessions `appointment_ids` of client `client_id`: one per payer,
/// each line that payer's share. A session already on an invoice that is not void is
/// refused, and so is one that was not held or missed.
pub async fn draft<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    client_id: Uuid,
    appointment_ids: &[Uuid],
    tz: TimeZone,
    audit: &AuditContext,
) -> Result<Vec<Full>, BillingError> {
    if appointment_ids.is_empty() {
        return Err(invalid("appointment_ids", "must name at least one session"));
    }
    let txn = db::begin_write(db).await?;
    // Two drafts for the same couple at once would both find a session unbilled: the second
    // waits here for the first to commit, then sees its lines (SQLite's write lock does the
    // same).
    db::for_update(entity::client::Entity::find_by_id(client_id), &txn)
        .one(&txn)
        .await?
        .ok_or(BillingError::NotFound)?;
    let split = split_of(&txn, client_id).await?;
    let mut sessions = appointment::Entity::find()
        .filter(appointment::Column::Id.is_in(appointment_ids.iter().copied()))
        .filter(appointment::Column::ClientId.eq(client_id))
        .order_by_asc(appointment::Column::StartsAt)
        .all(&txn)
        .await?;
    sessions.dedup_by_key(|a| a.id);
    if sessions.len() != appointment_ids.len() {
        return Err(invalid(
            "appointment_ids",
            "names a session that is not this client's",
        ));
    }
    // A missed or late-cancelled session is billed only at the fee the therapist confirmed.
    let confirmed = pending_fee::Entity::find()
        .filter(pending_fee::Column::AppointmentId.is_in(sessions.iter().map(|a| a.id)))
        .filter(pending_fee::Column::Status.eq(pending::CONFIRMED))
        .all(&txn)
        .await?;
    for a in &sessions {
        let fee_confirmed = confirmed.iter().any(|f| f.appointment_id == a.id);
        match a.status {
            AppointmentStatus::Completed => {}
            AppointmentStatus::NoShow | AppointmentStatus::Cancelled if fee_confirmed => {}
            AppointmentStatus::NoShow | AppointmentStatus::Cancelled => {
                return Err(invalid(
                    "appointment_ids",
                    format!(
                        "{} has no confirmed fee: confirm its no-show or late-cancellation fee first",
                        a.id
                    ),
                ));
            }
            _ => {
                return Err(invalid(
                    "appointment_ids",
                    format!(
                        "{} was not held or missed: mark it completed or a no-show first",
                        a.id
                    ),
                ));
            }
        }
    }
    // Billed already: each (session, payer) on an invoice that is not void. A session whose
    // invoice to one partner was voided may be drafted again for that partner alone.
    let billed = billed_lines(&txn, client_id).await?;
    let types = appointment_type::Entity::find()
        .filter(appointment_type::Column::Id.is_in(sessions.iter().map(|a| a.appointment_type_id)))
        .all(&txn)
        .await?;
    let codes = type_fee::Entity::find()
        .filter(
            type_fee::Column::AppointmentTypeId
                .is_in(sessions.iter().map(|a| a.appointment_type_id)),
        )
        .all(&txn)
        .await?;
    // Alternation goes on from the sessions billed before.
    let mut nth = billed
        .iter()
        .filter(|(l, _)| l.kind == "session")
        .filter_map(|(l, _)| l.appointment_id)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let currency = fees::currency(&txn).await?;
    let session_fees = fees::fees_for(
        &txn,
        client_id,
        sessions.iter().map(|a| a.appointment_type_id),
    )
    .await?;
    let mut by_payer: BTreeMap<Uuid, Vec<invoice_line::Model>> = BTreeMap::new();
    for a in &sessions {
        let ty = types.iter().find(|t| t.id == a.appointment_type_id);
        let name = ty.map_or("Session", |t| t.name.as_str());
        let code = codes
            .iter()
            .find(|c| c.appointment_type_id == a.appointment_type_id);
        let charge = confirmed.iter().find(|f| f.appointment_id == a.id);
        let whole = match charge {
            Some(f) => f.amount_minor,
            None => {
                session_fees
                    .get(&a.appointment_type_id)
                    .ok_or_else(|| {
                        invalid(
                            "appointment_ids",
                            "names a session whose type has no fee set",
                        )
                    })?
                    .minor
            }
        };
        let (kind, description) = match charge.map(|f| f.kind.as_str()) {
            Some("late_cancellation") => {
                ("late_cancellation", format!("Late cancellation: {name}"))
            }
            Some(_) => ("no_show", format!("Missed appointment: {name}")),
            None => ("session", name.to_owned()),
        };
        // A missed or cancelled session is no service: it carries no procedure code.
        let held = charge.is_none();
        for (payer, amount) in split::shares(split, whole, nth) {
            if billed
                .iter()
                .any(|(l, p)| l.appointment_id == Some(a.id) && *p == payer)
            {
                continue;
            }
            by_payer
                .entry(payer)
                .or_default()
                .push(invoice_line::Model {
                    id: Uuid::new_v4(),
                    invoice_id: Uuid::nil(),
                    position: 0,
                    appointment_id: Some(a.id),
                    kind: kind.to_owned(),
                    description: description.clone(),
                    service_date: service_date(a, tz),
                    cpt_code: code.and_then(|c| c.cpt_code.clone()).filter(|_| held),
                    place_of_service: code
                        .and_then(|c| c.place_of_service.clone())
                        .filter(|_| held),
                    modifier: code.and_then(|c| c.modifier.clone()).filter(|_| held),
                    units: 1,
                    amount_minor: amount,
                });
        }
        if held {
            nth += 1;
        }
    }
    if by_payer.is_empty() {
        return Err(invalid(
            "appointment_ids",
            "names only sessions already invoiced",
        ));
    }
    let mut made = Vec::new();
    for (payer, mut lines) in by_payer {
        let id = Uuid::new_v4();
        let total: i64 = lines.iter().map(|l| l.amount_minor).sum();
        let row = invoice::Entity::insert(invoice::ActiveModel {
            id: Set(id),
            number: Set(None),
            client_id: Set(client_id),
            participant_id: Set(payer),
            status: Set(Status::Draft.as_str().to_owned()),
            currency: Set(currency.clone()),
            total_minor: Set(total),
            issued_at: Set(None),
            voided_at: Set(None),
            void_reason: Set(None),
            created_by: Set(audit.actor.id),
            created_at: Set(audit.now),
            updated_at: Set(audit.now),
        })
        .exec_with_returning(&txn)
        .await?;
        for (i, line) in lines.iter_mut().enumerate() {
            line.invoice_id = id;
            line.position = i as i32 + 1;
        }
        invoice_line::Entity::insert_many(
            lines.iter().cloned().map(invoice_line::ActiveModel::from),
        )
        .exec_without_returning(&txn)
        .await?;
        audit
            .record(
                &txn,
                Event::new(Action::InvoiceCreate)
                    .entity("invoice", id)
                    .details(serde_json::json!({ "client_id": client_id, "total_minor": total })),
            )
            .await?;
        made.push(Full {
            invoice: row,
            lines,
            paid_minor: 0,
        });
    }
    txn.commit().await?;
    Ok(made)
}

fn service_date(a: &appointment::Model, tz: TimeZone) -> NaiveDate {
    a.starts_at.with_timezone(&tz.tz()).date_naive()
}

/// The lines of the client's invoices that are not void, each with who pays it.
async fn billed_lines(
    db: &impl ConnectionTrait,
    client_id: Uuid,
) -> Result<Vec<(invoice_line::Model, Uuid)>, BillingError> {
    let live = invoice::Entity::find()
        .filter(invoice::Column::ClientId.eq(client_id))
        .filter(invoice::Column::Status.ne(Status::Void.as_str()))
        .all(db)
        .await?;
    Ok(invoice_line::Entity::find()
        .filter(invoice_line::Column::InvoiceId.is_in(live.iter().map(|i| i.id)))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|l| {
            let payer = live.iter().find(|i| i.id == l.invoice_id)?.participant_id;
            Some((l, payer))
        })
        .collect())
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Full, BillingError> {
    let invoice = invoice::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(BillingError::NotFound)?;
    let lines = invoice_line::Entity::find()
        .filter(invoice_line::Column::InvoiceId.eq(id))
        .order_by_asc(invoice_line::Column::Position)
        .all(db)
        .await?;
    let paid_minor = payment::Entity::find()
        .filter(payment::Column::InvoiceId.eq(id))
        .all(db)
        .await?
        .iter()
        .map(|p| p.amount_minor)
        .sum();
    Ok(Full {
        invoice,
        lines,
        paid_minor,
    })
}

/// A client's invoices, or every invoice, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    client_id: Option<Uuid>,
) -> Result<Vec<Full>, BillingError> {
    let mut query = invoice::Entity::find();
    if let Some(c) = client_id {
        query = query.filter(invoice::Column::ClientId.eq(c));
    }
    let invoices = query
        .order_by_desc(invoice::Column::CreatedAt)
        .order_by_desc(invoice::Column::Number)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = invoices.iter().map(|i| i.id).collect();
    let lines = invoice_line::Entity::find()
        .filter(invoice_line::Column::InvoiceId.is_in(ids.clone()))
        .order_by_asc(invoice_line::Column::Position)
        .all(db)
        .await?;
    let payments = payment::Entity::find()
        .filter(payment::Column::InvoiceId.is_in(ids))
        .all(db)
        .await?;
    Ok(invoices
        .into_iter()
        .map(|invoice| Full {
            lines: lines
                .iter()
                .filter(|l| l.invoice_id == invoice.id)
                .cloned()
                .collect(),
            paid_minor: payments
                .iter()
                .filter(|p| p.invoice_id == invoice.id)
                .map(|p| p.amount_minor)
                .sum(),
            invoice,
        })
        .collect())
}

/// Issues draft `id`: it takes the next number, for good.
pub async fn issue<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    id: Uuid,
    audit: &AuditContext,
) -> Result<Full, BillingError> {
    let txn = db::begin_write(db).await?;
    let current = db::for_update(invoice::Entity::find_by_id(id), &txn)
        .one(&txn)
        .await?
        .ok_or(BillingError::NotFound)?;
    if current.status != Status::Draft.as_str() {
        return Err(BillingError::Conflict("only a draft is issued"));
    }
    // One counter row, locked for the rest of the transaction: two issues at once take
    // consecutive numbers, and one that rolls back gives its number back.
    let counter = db::for_update(invoice_number::Entity::find_by_id(1), &txn)
        .one(&txn)
        .await?;
    let number = match counter {
        Some(c) => {
            let mut model: invoice_number::ActiveModel = c.clone().into();
            model.next = Set(c.next + 1);
            invoice_number::Entity::update(model).exec(&txn).await?;
            c.next
        }
        None => {
            invoice_number::Entity::insert(invoice_number::ActiveModel {
                id: Set(1),
                next: Set(2),
            })
            .exec_without_returning(&txn)
            .await?;
            1
        }
    };
    let mut model: invoice::ActiveModel = current.into();
    model.number = Set(Some(number));
    model.status = Set(Status::Issued.as_str().to_owned());
    model.issued_at = Set(Some(audit.now));
    model.updated_at = Set(audit.now);
    invoice::Entity::update(model).exec(&txn).await?;
    audit
        .record(
            &txn,
            Event::new(Action::InvoiceIssue)
                .entity("invoice", id)
                .details(serde_json::json!({ "number": number })),
        )
        .await?;
    txn.commit().await?;
    find(db, id).await
}

/// Voids issued invoice `id`; it keeps its number. One with money on it is refunded first.
pub async fn void<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    id: Uuid,
    reason: &str,
    audit: &AuditContext,
) -> Result<Full, BillingError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(invalid("reason", "say why, in at most 500 characters"));
    }
    let txn = db::begin_write(db).await?;
    let full = find(&txn, id).await?;
    match Status::parse(&full.invoice.status) {
        Some(Status::Issued | Status::Paid) if full.paid_minor == 0 => {}
        Some(Status::Issued | Status::Paid) => {
            return Err(BillingError::Conflict(
                "money was paid on it: record the refund first",
            ));
        }
        Some(Status::Draft) => {
            return Err(BillingError::Conflict("a draft is deleted, not voided"));
        }
        _ => return Err(BillingError::Conflict("it is void already")),
    }
    let mut model: invoice::ActiveModel = full.invoice.into();
    model.status = Set(Status::Void.as_str().to_owned());
    model.voided_at = Set(Some(audit.now));
    model.void_reason = Set(Some(reason.to_owned()));
    model.updated_at = Set(audit.now);
    invoice::Entity::update(model).exec(&txn).await?;
    audit
        .record(&txn, Event::new(Action::InvoiceVoid).entity("invoice", id))
        .await?;
    txn.commit().await?;
    find(db, id).await
}

/// Deletes draft `id` (it has no number to keep).
pub async fn delete_draft(
    db: &impl ConnectionTrait,
    id: Uuid,
    audit: &AuditContext,
) -> Result<(), BillingError> {
    let gone = invoice::Entity::delete_many()
        .filter(invoice::Column::Id.eq(id))
        .filter(invoice::Column::Status.eq(Status::Draft.as_str()))
        .exec(db)
        .await?;
    if gone.rows_affected == 0 {
        return Err(match invoice::Entity::find_by_id(id).one(db).await? {
            Some(_) => BillingError::Conflict("an issued invoice is voided, not deleted"),
            None => BillingError::NotFound,
        });
    }
    audit
        .record(db, Event::new(Action::InvoiceDelete).entity("invoice", id))
        .await?;
    Ok(())
}
