//! One partner's statement: their issued invoices (void ones left out), what they were
//! charged, paid and still owe; and the sessions of a couple still to be invoiced.

use entity::{
    appointment::{self, AppointmentStatus},
    invoice, invoice_line, pending_fee,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{
    BillingError,
    invoices::{self, Full, Status},
    pending,
};

pub struct Statement {
    pub invoices: Vec<Full>,
    pub charged_minor: i64,
    pub paid_minor: i64,
}

impl Statement {
    pub fn balance_minor(&self) -> i64 {
        self.charged_minor - self.paid_minor
    }
}

/// Whether `f` is on its payer's statement: issued and not void (paid ones stay, drafts are
/// not bills yet).
pub fn standing(f: &Full) -> bool {
    [Status::Issued.as_str(), Status::Paid.as_str()].contains(&f.invoice.status.as_str())
}

pub async fn of(
    db: &impl ConnectionTrait,
    client_id: Uuid,
    participant_id: Uuid,
) -> Result<Statement, BillingError> {
    let theirs: Vec<Full> = invoices::list(db, Some(client_id))
        .await?
        .into_iter()
        .filter(|f| f.invoice.participant_id == participant_id && standing(f))
        .collect();
    Ok(Statement {
        charged_minor: theirs.iter().map(|f| f.invoice.total_minor).sum(),
        paid_minor: theirs.iter().map(|f| f.paid_minor).sum(),
        invoices: theirs,
    })
}

/// The couple's sessions that can be invoiced and are on no invoice that stands: held
/// ones, and missed or late-cancelled ones whose fee was confirmed. Earliest first.
pub async fn billable(
    db: &impl ConnectionTrait,
    client_id: Uuid,
) -> Result<Vec<appointment::Model>, BillingError> {
    let sessions = appointment::Entity::find()
        .filter(appointment::Column::ClientId.eq(client_id))
        .filter(appointment::Column::Status.is_in([
            AppointmentStatus::Completed,
            AppointmentStatus::NoShow,
            AppointmentStatus::Cancelled,
        ]))
        .order_by_asc(appointment::Column::StartsAt)
        .all(db)
        .await?;
    let confirmed: Vec<Uuid> = pending_fee::Entity::find()
        .filter(pending_fee::Column::ClientId.eq(client_id))
        .filter(pending_fee::Column::Status.eq(pending::CONFIRMED))
        .all(db)
        .await?
        .into_iter()
        .map(|f| f.appointment_id)
        .collect();
    let standing: Vec<Uuid> = invoice::Entity::find()
        .filter(invoice::Column::ClientId.eq(client_id))
        .filter(invoice::Column::Status.ne(Status::Void.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect();
    let billed: Vec<Uuid> = invoice_line::Entity::find()
        .filter(invoice_line::Column::InvoiceId.is_in(standing))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|l| l.appointment_id)
        .collect();
    Ok(sessions
        .into_iter()
        .filter(|a| a.status == AppointmentStatus::Completed || confirmed.contains(&a.id))
        .filter(|a| !billed.contains(&a.id))
        .collect())
}
