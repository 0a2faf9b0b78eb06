//! `/invoices`: drafted from a couple's sessions, one per paying partner, issued with a number
//! that never repeats or skips, voided (never deleted) once issued; and their payments.

use chrono::{DateTime, NaiveDate, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    ApiResult, ApiTag, JsonBody, StaffAction, StaffList, StaffReadOne, StaffReadQuery, StaffWrite,
    audit_context,
};
use crate::{
    AppState,
    audit::Origin,
    auth::{Permission, Staff},
    billing::{
        invoices::{self, Full},
        money,
        payments::{self, PaymentInput},
        pending,
    },
};

#[derive(Object)]
pub struct InvoiceLineView {
    appointment_id: Option<Uuid>,
    /// `session`, `no_show`, `late_cancellation` or `other`.
    kind: String,
    description: String,
    service_date: NaiveDate,
    cpt_code: Option<String>,
    place_of_service: Option<String>,
    modifier: Option<String>,
    units: i32,
    /// This payer's share, in minor units.
    amount_minor: i64,
}

#[derive(Object)]
pub struct InvoiceView {
    id: Uuid,
    /// Given when issued; a void invoice keeps it.
    number: Option<i64>,
    client_id: Uuid,
    /// The partner who pays it.
    participant_id: Uuid,
    /// `draft`, `issued`, `paid` or `void`.
    status: String,
    currency: String,
    total_minor: i64,
    paid_minor: i64,
    balance_minor: i64,
    /// The total as people write it, e.g. `$87.50`.
    total: String,
    balance: String,
    lines: Vec<InvoiceLineView>,
    issued_at: Option<DateTime<Utc>>,
    voided_at: Option<DateTime<Utc>>,
    void_reason: Option<String>,
    created_at: DateTime<Utc>,
}

fn view(f: Full) -> InvoiceView {
    let balance = f.balance_minor();
    let i = f.invoice;
    InvoiceView {
        total: money::format(i.total_minor, &i.currency),
        balance: money::format(balance, &i.currency),
        id: i.id,
        number: i.number,
        client_id: i.client_id,
        participant_id: i.participant_id,
        status: i.status,
        total_minor: i.total_minor,
        paid_minor: f.paid_minor,
        balance_minor: balance,
        lines: f
            .lines
            .into_iter()
            .map(|l| InvoiceLineView {
                appointment_id: l.appointment_id,
                kind: l.kind,
                description: l.description,
                service_date: l.service_date,
                cpt_code: l.cpt_code,
                place_of_service: l.place_of_service,
                modifier: l.modifier,
                units: l.units,
                amount_minor: l.amount_minor,
            })
            .collect(),
        currency: i.currency,
        issued_at: i.issued_at,
        voided_at: i.voided_at,
        void_reason: i.void_reason,
        created_at: i.created_at,
    }
}

#[derive(Object)]
pub struct InvoiceList {
    items: Vec<InvoiceView>,
}

#[derive(Object)]
pub struct Statement {
    currency: String,
    charged_minor: i64,
    paid_minor: i64,
    balance_minor: i64,
    balance: String,
    invoices: Vec<InvoiceView>,
}

#[derive(Object, Deserialize)]
pub struct NewInvoices {
    client_id: Uuid,
    /// Completed sessions and no-shows of the client, none invoiced yet.
    appointment_ids: Vec<Uuid>,
}

#[derive(Object, Deserialize)]
pub struct VoidBody {
    reason: String,
}

#[derive(ApiResponse)]
pub enum Drafted {
    /// One draft per paying partner.
    #[oai(status = 201)]
    Created(Json<InvoiceList>),
}

#[derive(ApiResponse)]
pub enum DeletedDraft {
    #[oai(status = 204)]
    Deleted,
}

#[derive(Object)]
pub struct PaymentView {
    id: Uuid,
    invoice_id: Uuid,
    /// Positive received, negative refunded.
    amount_minor: i64,
    method: String,
    received_on: NaiveDate,
    reference: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<entity::payment::Model> for PaymentView {
    fn from(p: entity::payment::Model) -> Self {
        Self {
            id: p.id,
            invoice_id: p.invoice_id,
            amount_minor: p.amount_minor,
            method: p.method,
            received_on: p.received_on,
            reference: p.reference,
            created_at: p.created_at,
        }
    }
}

#[derive(Object)]
pub struct PaymentList {
    items: Vec<PaymentView>,
}

#[derive(Object, Deserialize)]
pub struct NewPayment {
    /// Whole minor units; negative for a refund.
    amount_minor: Option<i64>,
    /// `card_terminal`, `cash`, `check`, `transfer`, `credit` or `other`.
    method: Option<String>,
    /// `YYYY-MM-DD`.
    received_on: Option<String>,
    /// A check number, a terminal's receipt number.
    reference: Option<String>,
}

#[derive(Object)]
pub struct RecordedPayment {
    payment: PaymentView,
    invoice: InvoiceView,
}

#[derive(ApiResponse)]
pub enum PaymentRecorded {
    #[oai(status = 201)]
    Created(Json<RecordedPayment>),
}

/// A late-cancellation or no-show fee waiting for the therapist, or decided.
#[derive(Object)]
pub struct PendingFeeView {
    id: Uuid,
    appointment_id: Uuid,
    client_id: Uuid,
    /// `late_cancellation` or `no_show`.
    kind: String,
    /// The couple's whole fee, split like a session's when invoiced.
    amount_minor: i64,
    amount: String,
    /// `pending`, `confirmed` or `waived`.
    status: String,
    decided_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

fn fee_view(f: entity::pending_fee::Model, currency: &str) -> PendingFeeView {
    PendingFeeView {
        amount: money::format(f.amount_minor, currency),
        id: f.id,
        appointment_id: f.appointment_id,
        client_id: f.client_id,
        kind: f.kind,
        amount_minor: f.amount_minor,
        status: f.status,
        decided_at: f.decided_at,
        created_at: f.created_at,
    }
}

#[derive(Object)]
pub struct PendingFeeList {
    items: Vec<PendingFeeView>,
}

pub struct InvoicesApi;

#[OpenApi(prefix_path = "/invoices", tag = "ApiTag::Billing")]
impl InvoicesApi {
    /// Draft invoices for sessions
    ///
    /// One draft per paying partner, by the couple's split (`PUT /fees/clients/{id}/split`):
    /// each line is that partner's share, and the shares add up to the fee exactly.
    #[oai(path = "/", method = "post", operation_id = "createInvoices")]
    async fn create(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        body: JsonBody<NewInvoices>,
    ) -> ApiResult<Drafted, StaffWrite> {
        staff.require(Permission::Bill)?;
        crate::scheduling::clients::find(&state.db, body.0.client_id).await?;
        let tz = crate::practice::time_zone(&state.db).await?;
        let audit = audit_context(&state, &origin, staff.actor());
        let made = invoices::draft(
            &state.db,
            body.0.client_id,
            &body.0.appointment_ids,
            tz,
            &audit,
        )
        .await?;
        Ok(Drafted::Created(Json(InvoiceList {
            items: made.into_iter().map(view).collect(),
        })))
    }

    /// Invoices, newest first
    #[oai(path = "/", method = "get", operation_id = "listInvoices")]
    async fn list(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        client_id: Query<Option<Uuid>>,
    ) -> ApiResult<Json<InvoiceList>, StaffList> {
        staff.require(Permission::Bill)?;
        let items = invoices::list(&state.db, client_id.0)
            .await?
            .into_iter()
            .map(view)
            .collect();
        Ok(Json(InvoiceList { items }))
    }

    /// One partner's statement
    ///
    /// Every issued invoice of theirs (void ones left out), what was charged, paid and is
    /// still owed.
    #[oai(path = "/statement", method = "get", operation_id = "getStatement")]
    async fn statement(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        client_id: Query<Uuid>,
        participant_id: Query<Uuid>,
    ) -> ApiResult<Json<Statement>, StaffReadQuery> {
        staff.require(Permission::Bill)?;
        let s = crate::billing::statement::of(&state.db, client_id.0, participant_id.0).await?;
        let currency = crate::billing::fees::currency(&state.db).await?;
        Ok(Json(Statement {
            charged_minor: s.charged_minor,
            paid_minor: s.paid_minor,
            balance_minor: s.balance_minor(),
            balance: money::format(s.balance_minor(), &currency),
            currency,
            invoices: s.invoices.into_iter().map(view).collect(),
        }))
    }

    /// One invoice
    #[oai(path = "/:id", method = "get", operation_id = "getInvoice")]
    async fn get(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<InvoiceView>, StaffReadOne> {
        staff.require(Permission::Bill)?;
        Ok(Json(view(invoices::find(&state.db, id.0).await?)))
    }

    /// Delete a draft
    #[oai(path = "/:id", method = "delete", operation_id = "deleteInvoice")]
    async fn delete(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<DeletedDraft, StaffAction> {
        staff.require(Permission::Bill)?;
        let audit = audit_context(&state, &origin, staff.actor());
        invoices::delete_draft(&state.db, id.0, &audit).await?;
        Ok(DeletedDraft::Deleted)
    }

    /// Issue a draft: it takes the next number
    #[oai(path = "/:id/issue", method = "post", operation_id = "issueInvoice")]
    async fn issue(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<InvoiceView>, StaffAction> {
        staff.require(Permission::Bill)?;
        let audit = audit_context(&state, &origin, staff.actor());
        Ok(Json(view(invoices::issue(&state.db, id.0, &audit).await?)))
    }

    /// Void an issued invoice: it keeps its number
    #[oai(path = "/:id/void", method = "post", operation_id = "voidInvoice")]
    async fn void(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<VoidBody>,
    ) -> ApiResult<Json<InvoiceView>, StaffWrite> {
        staff.require(Permission::Bill)?;
        let audit = audit_context(&state, &origin, staff.actor());
        Ok(Json(view(
            invoices::void(&state.db, id.0, &body.0.reason, &audit).await?,
        )))
    }

    /// Late-cancellation and no-show fees
    ///
    /// Made by the practice's policy (`PUT /fees/policy`) for each client cancellation after
    /// the cutoff and each session marked missed; `status` is `pending`, `confirmed` or
    /// `waived`.
    #[oai(
        path = "/pending-fees",
        method = "get",
        operation_id = "listPendingFees"
    )]
    async fn pending_fees(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        client_id: Query<Option<Uuid>>,
        status: Query<Option<String>>,
    ) -> ApiResult<Json<PendingFeeList>, StaffReadQuery> {
        staff.require(Permission::Bill)?;
        if let Some(s) = status.0.as_deref()
            && ![pending::PENDING, pending::CONFIRMED, pending::WAIVED].contains(&s)
        {
            return Err(crate::http::problem::ApiError::invalid(
                "status",
                "must be pending, confirmed or waived",
            )
            .into());
        }
        pending::sweep(&state.db, state.clock.now()).await?;
        let currency = crate::billing::fees::currency(&state.db).await?;
        let items = pending::list(&state.db, client_id.0, status.0.as_deref())
            .await?
            .into_iter()
            .map(|f| fee_view(f, &currency))
            .collect();
        Ok(Json(PendingFeeList { items }))
    }

    /// Confirm a late-cancellation or no-show fee (owner or front desk)
    ///
    /// It can then be invoiced (`POST /invoices` with its appointment). A decided fee is
    /// final: 409.
    #[oai(
        path = "/pending-fees/:id/confirm",
        method = "post",
        operation_id = "confirmPendingFee"
    )]
    async fn confirm_fee(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<PendingFeeView>, StaffAction> {
        self.decide(&state, &origin, &staff, id.0, true).await
    }

    /// Waive a late-cancellation or no-show fee (owner or front desk)
    #[oai(
        path = "/pending-fees/:id/waive",
        method = "post",
        operation_id = "waivePendingFee"
    )]
    async fn waive_fee(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<PendingFeeView>, StaffAction> {
        self.decide(&state, &origin, &staff, id.0, false).await
    }

    /// An invoice's payments
    #[oai(path = "/:id/payments", method = "get", operation_id = "listPayments")]
    async fn payments(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<PaymentList>, StaffReadOne> {
        staff.require(Permission::Bill)?;
        let items = payments::list(&state.db, id.0)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        Ok(Json(PaymentList { items }))
    }

    /// Record a payment, a refund (negative) or a credit
    ///
    /// The invoice is `paid` once what came in reaches its total.
    #[oai(
        path = "/:id/payments",
        method = "post",
        operation_id = "recordPayment"
    )]
    async fn record_payment(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<NewPayment>,
    ) -> ApiResult<PaymentRecorded, StaffWrite> {
        staff.require(Permission::Bill)?;
        let body = body.0;
        let input = PaymentInput {
            amount_minor: body.amount_minor,
            method: body.method,
            received_on: body.received_on,
            reference: body.reference,
        };
        let audit = audit_context(&state, &origin, staff.actor());
        let (payment, invoice) = payments::record(&state.db, id.0, &input, &audit).await?;
        Ok(PaymentRecorded::Created(Json(RecordedPayment {
            payment: payment.into(),
            invoice: view(invoice),
        })))
    }
}

impl InvoicesApi {
    async fn decide(
        &self,
        state: &AppState,
        origin: &Origin,
        staff: &Staff,
        id: Uuid,
        confirm: bool,
    ) -> ApiResult<Json<PendingFeeView>, StaffAction> {
        staff.require(Permission::Bill)?;
        let audit = audit_context(state, origin, staff.actor());
        let fee = pending::decide(&state.db, id, confirm, &audit).await?;
        let currency = crate::billing::fees::currency(&state.db).await?;
        Ok(Json(fee_view(fee, &currency)))
    }
}
