//! `/clients/{id}/good-faith-estimates`: every version of a self-pay couple's Good Faith
//! Estimate as delivered, asking for one, and each version's PDF.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Binary, payload::Json};
use uuid::Uuid;

use super::{ApiResult, ApiTag, StaffAction, StaffReadOne, audit_context};
use crate::{
    AppState,
    audit::Origin,
    auth::{Permission, Staff},
    billing::{Reader, estimates, money},
};

/// One version of a Good Faith Estimate as delivered.
#[derive(Object)]
pub struct EstimateView {
    id: Uuid,
    version: i32,
    /// `scheduled` (the first paid session was booked), `requested`, or `changed` (fees,
    /// services or diagnoses changed, so a new version was delivered).
    reason: String,
    /// The version in force.
    current: bool,
    currency: String,
    /// Expected charges over twelve months, in minor units.
    total_minor: i64,
    total: String,
    /// When the session or the request that called for it was made.
    scheduled_at: DateTime<Utc>,
    /// The latest the rule allowed for delivery.
    due_by: DateTime<Utc>,
    delivered_at: DateTime<Utc>,
    /// Delivered by `due_by`.
    on_time: bool,
    /// SHA-256 of the PDF as delivered; the PDF served is checked against it.
    pdf_sha256: String,
}

pub fn view(e: entity::good_faith_estimate::Model) -> EstimateView {
    EstimateView {
        total: money::format(e.total_minor, &e.currency),
        on_time: e.delivered_at <= e.due_by,
        id: e.id,
        version: e.version,
        reason: e.reason,
        current: e.current,
        currency: e.currency,
        total_minor: e.total_minor,
        scheduled_at: e.scheduled_at,
        due_by: e.due_by,
        delivered_at: e.delivered_at,
        pdf_sha256: e.pdf_sha256,
    }
}

#[derive(Object)]
pub struct EstimateList {
    items: Vec<EstimateView>,
    /// Billed charges (issued invoices) since the first estimate, in minor units.
    billed_minor: Option<i64>,
    /// Billed charges have reached the estimate plus $400: the couple may dispute the bill.
    over_estimate: bool,
}

#[derive(ApiResponse)]
pub enum Requested {
    /// Made and delivered (email to each partner, and the portal).
    #[oai(status = 201)]
    Created(Json<EstimateView>),
}

#[derive(ApiResponse)]
pub enum EstimatePdf {
    #[oai(status = 200, content_type = "application/pdf")]
    Ok(
        Binary<Vec<u8>>,
        #[oai(header = "Content-Disposition")] String,
        /// SHA-256 of the body, as recorded at delivery.
        #[oai(header = "X-Content-SHA256")]
        String,
    ),
}

pub struct EstimatesApi;

#[OpenApi(prefix_path = "/clients", tag = "ApiTag::Billing")]
impl EstimatesApi {
    /// A couple's Good Faith Estimates (owner or front desk)
    ///
    /// Every version as delivered, newest first, and whether billed charges have reached the
    /// estimate plus $400.
    #[oai(
        path = "/:id/good-faith-estimates",
        method = "get",
        operation_id = "listGoodFaithEstimates"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<EstimateList>, StaffReadOne> {
        staff.require(Permission::Bill)?;
        crate::scheduling::clients::find(&state.db, id.0).await?;
        let exposure = estimates::exposure(&state.db, id.0).await?;
        let items = estimates::list(&state.db, id.0)
            .await?
            .into_iter()
            .map(view)
            .collect();
        Ok(Json(EstimateList {
            items,
            billed_minor: exposure.as_ref().map(|e| e.billed_minor),
            over_estimate: exposure.is_some_and(|e| e.over_margin),
        }))
    }

    /// Give a Good Faith Estimate now (owner or front desk)
    ///
    /// As when a couple asks for one: made from today's fees and bookings, delivered at once.
    #[oai(
        path = "/:id/good-faith-estimates",
        method = "post",
        operation_id = "requestGoodFaithEstimate"
    )]
    async fn request(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Requested, StaffAction> {
        staff.require(Permission::Bill)?;
        crate::scheduling::clients::find(&state.db, id.0).await?;
        let tz = crate::practice::time_zone(&state.db).await?;
        let audit = audit_context(&state, &origin, staff.actor());
        let made = estimates::request(&state.db, state.notifier(), id.0, tz, &audit).await?;
        Ok(Requested::Created(Json(view(made))))
    }

    /// One version's PDF (owners and the couple's clinician)
    ///
    /// It names diagnoses and dates of birth, so it is clinical; each read is audited. A copy
    /// changed since delivery is refused.
    #[oai(
        path = "/:id/good-faith-estimates/:estimate/pdf",
        method = "get",
        operation_id = "getGoodFaithEstimatePdf"
    )]
    async fn pdf(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        estimate: Path<Uuid>,
    ) -> ApiResult<EstimatePdf, StaffReadOne> {
        let audit = audit_context(&state, &origin, staff.actor());
        let (row, bytes) = estimates::pdf(
            &state.db,
            &state.keys,
            Reader::Staff(&staff),
            id.0,
            estimate.0,
            &audit,
        )
        .await?;
        Ok(EstimatePdf::Ok(
            Binary(bytes),
            format!(
                "attachment; filename=\"good-faith-estimate-v{}.pdf\"",
                row.version
            ),
            row.pdf_sha256,
        ))
    }
}
