//! What a partner's page shows of money: their own invoices (never their partner's), what
//! they paid and were refunded (their receipts), and the couple's Good Faith Estimates.
//! Drafts stay with the practice until issued.

use entity::{good_faith_estimate, participant, payment};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::billing::{BillingError, estimates, invoices};

pub struct PartnerMoney {
    pub currency: String,
    pub invoices: Vec<invoices::Full>,
    pub payments: Vec<payment::Model>,
    pub estimates: Vec<good_faith_estimate::Model>,
    pub owed_minor: i64,
}

pub async fn of(
    db: &impl ConnectionTrait,
    person: &participant::Model,
) -> Result<PartnerMoney, BillingError> {
    let invoices: Vec<_> = invoices::list(db, Some(person.client_id))
        .await?
        .into_iter()
        .filter(|f| f.invoice.participant_id == person.id)
        .filter(|f| f.invoice.status != invoices::Status::Draft.as_str())
        .collect();
    let payments = payment::Entity::find()
        .filter(payment::Column::InvoiceId.is_in(invoices.iter().map(|f| f.invoice.id)))
        .order_by_desc(payment::Column::ReceivedOn)
        .all(db)
        .await?;
    let owed_minor = invoices
        .iter()
        .filter(|f| crate::billing::statement::standing(f))
        .map(invoices::Full::balance_minor)
        .sum();
    Ok(PartnerMoney {
        currency: crate::billing::fees::currency(db).await?,
        estimates: estimates::list(db, person.client_id).await?,
        invoices,
        payments,
        owed_minor,
    })
}
