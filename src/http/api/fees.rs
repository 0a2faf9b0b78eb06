//! `/fees`: what each appointment type costs and how it is coded on a claim, each client's own
//! fee, and the currency; `/clients/{id}/diagnoses`: a client's diagnosis codes (clinical).

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::{Binary, Json},
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    ApiResult, ApiTag, JsonBody, StaffAction, StaffRead, StaffReadOne, StaffReadQuery, StaffWrite,
    audit_context,
};
use crate::{
    AppState,
    audit::Origin,
    auth::{Permission, Staff},
    billing::{
        diagnoses::{self, Diagnosis, DiagnosisInput},
        fees::{self, ClientFeeInput, TypeFeeInput},
        money,
        policy::{self, Policy},
    },
};

/// A type's fee and claim codes.
#[derive(Object)]
pub struct TypeFeeView {
    appointment_type_id: Uuid,
    appointment_type: String,
    /// In the currency's minor unit (15000 is 150.00); null: no fee set.
    fee_minor: Option<i64>,
    /// The fee as people write it, e.g. `$150.00`.
    fee: Option<String>,
    cpt_code: Option<String>,
    place_of_service: Option<String>,
    modifier: Option<String>,
}

/// A client's own fee, in place of the types' fees.
#[derive(Object)]
pub struct ClientFeeView {
    client_id: Uuid,
    fee_minor: i64,
    fee: String,
    /// `custom` or `sliding_scale`.
    kind: String,
    note: Option<String>,
    updated_at: DateTime<Utc>,
}

#[derive(Object)]
pub struct FeeSchedule {
    /// ISO 4217; every amount is in its minor unit.
    currency: String,
    types: Vec<TypeFeeView>,
    clients: Vec<ClientFeeView>,
    /// The online card processor (`ATTUNE_CARD_PROCESSOR`): `none`, as none ships.
    card_processor: String,
}

fn client_view(f: entity::client_fee::Model, currency: &str) -> ClientFeeView {
    ClientFeeView {
        fee: money::format(f.fee_minor, currency),
        client_id: f.client_id,
        fee_minor: f.fee_minor,
        kind: f.kind,
        note: f.note,
        updated_at: f.updated_at,
    }
}

fn type_view(
    t: &entity::appointment_type::Model,
    f: Option<entity::type_fee::Model>,
    currency: &str,
) -> TypeFeeView {
    TypeFeeView {
        appointment_type_id: t.id,
        appointment_type: t.name.clone(),
        fee_minor: f.as_ref().map(|f| f.fee_minor),
        fee: f.as_ref().map(|f| money::format(f.fee_minor, currency)),
        cpt_code: f.as_ref().and_then(|f| f.cpt_code.clone()),
        place_of_service: f.as_ref().and_then(|f| f.place_of_service.clone()),
        modifier: f.and_then(|f| f.modifier),
    }
}

#[derive(Object, Deserialize)]
pub struct CurrencyInput {
    /// ISO 4217, e.g. `USD`, `CAD`, `EUR`, `GBP`.
    currency: String,
}

#[derive(Object, Deserialize)]
pub struct TypeFeeBody {
    /// A whole number of the currency's minor unit: 15000 is 150.00.
    fee_minor: Option<i64>,
    /// e.g. `90791` intake, `90847` couples with the client present, `90846` without,
    /// `90834`/`90837` individual.
    cpt_code: Option<String>,
    /// `02`/`10` telehealth, `11` office.
    place_of_service: Option<String>,
    /// e.g. `95` for video.
    modifier: Option<String>,
}

#[derive(Object, Deserialize)]
pub struct ClientFeeBody {
    fee_minor: Option<i64>,
    /// `custom` (default) or `sliding_scale`.
    kind: Option<String>,
    note: Option<String>,
}

#[derive(Object, Deserialize)]
pub struct ProviderBody {
    name: Option<String>,
    /// Ten digits.
    npi: Option<String>,
    /// Nine digits.
    tin: Option<String>,
    license: Option<String>,
    address: Option<String>,
}

impl From<crate::billing::identity::Provider> for ProviderBody {
    fn from(p: crate::billing::identity::Provider) -> Self {
        Self {
            name: p.name,
            npi: p.npi,
            tin: p.tin,
            license: p.license,
            address: p.address,
        }
    }
}

#[derive(Object, Deserialize)]
pub struct PayerBody {
    /// `YYYY-MM-DD`.
    date_of_birth: Option<String>,
    address: Option<String>,
}

#[derive(Object)]
pub struct PayerView {
    date_of_birth: Option<chrono::NaiveDate>,
    address: Option<String>,
}

#[derive(ApiResponse)]
pub enum SuperbillPdf {
    #[oai(status = 200, content_type = "application/pdf")]
    Ok(
        Binary<Vec<u8>>,
        /// Saves as `superbill.pdf`.
        #[oai(header = "Content-Disposition")]
        String,
    ),
}

#[derive(Object, Deserialize)]
pub struct SplitBody {
    /// `one_payer`, `split` or `alternate`.
    mode: String,
    payer_participant_id: Option<Uuid>,
    /// 0 to 100: the first partner's share.
    first_percent: Option<i32>,
}

/// The practice's billing policy.
#[derive(Object, Deserialize)]
pub struct PolicyBody {
    /// Percent of the session fee a client's cancellation after the type's cutoff costs
    /// (1 to 100); null: none, and clients cannot cancel after the cutoff themselves.
    late_cancel_percent: Option<i32>,
    /// Percent of the session fee a missed session costs (1 to 100); null: none.
    no_show_percent: Option<i32>,
    /// Give self-pay clients Good Faith Estimates (the US No Surprises Act).
    #[oai(default)]
    #[serde(default)]
    good_faith_estimates: bool,
    /// Sessions an estimate expects over its twelve months (default 12).
    expected_sessions: Option<i32>,
    /// The fee policy as clients read it at booking and in reminders; null when none.
    #[oai(read_only)]
    #[serde(skip)]
    notice: Option<String>,
}

impl From<Policy> for PolicyBody {
    fn from(p: Policy) -> Self {
        Self {
            notice: p.fee_notice(),
            late_cancel_percent: p.late_cancel_percent,
            no_show_percent: p.no_show_percent,
            good_faith_estimates: p.good_faith_estimates,
            expected_sessions: Some(p.expected_sessions),
        }
    }
}

#[derive(Object, Deserialize)]
pub struct SelfPayBody {
    /// Pays without insurance (the default), so is owed a Good Faith Estimate.
    self_pay: bool,
}

#[derive(ApiResponse)]
pub enum Cleared {
    /// The client pays the types' fees again.
    #[oai(status = 204)]
    Cleared,
}

pub struct FeesApi;

#[OpenApi(prefix_path = "/fees", tag = "ApiTag::Billing")]
impl FeesApi {
    /// The fee schedule
    ///
    /// Every appointment type with its fee and claim codes, and every client's own fee.
    #[oai(path = "/", method = "get", operation_id = "getFees")]
    async fn schedule(
        &self,
        state: Data<&AppState>,
        _staff: Staff,
    ) -> ApiResult<Json<FeeSchedule>, StaffRead> {
        let s = fees::schedule(&state.db).await?;
        let currency = s.currency.clone();
        Ok(Json(FeeSchedule {
            types: s
                .types
                .iter()
                .map(|(t, f)| type_view(t, f.clone(), &currency))
                .collect(),
            clients: s
                .clients
                .into_iter()
                .map(|f| client_view(f, &currency))
                .collect(),
            currency,
            card_processor: crate::billing::processor::from_setting(&state.config.card_processor)
                .name()
                .to_owned(),
        }))
    }

    /// Set the currency (owner)
    #[oai(path = "/currency", method = "put", operation_id = "setCurrency")]
    async fn set_currency(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        body: JsonBody<CurrencyInput>,
    ) -> ApiResult<Json<CurrencyInput>, StaffWrite> {
        staff.require(Permission::ManageSettings)?;
        let audit = audit_context(&state, &origin, staff.actor());
        let currency = fees::set_currency(&state.db, &body.0.currency, &audit).await?;
        Ok(Json(CurrencyInput { currency }))
    }

    /// Set a type's fee and claim codes (owner)
    #[oai(path = "/types/:id", method = "put", operation_id = "setTypeFee")]
    async fn set_type_fee(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<TypeFeeBody>,
    ) -> ApiResult<Json<TypeFeeView>, StaffWrite> {
        staff.require(Permission::ManageSettings)?;
        let body = body.0;
        let input = TypeFeeInput {
            fee_minor: body.fee_minor,
            cpt_code: body.cpt_code,
            place_of_service: body.place_of_service,
            modifier: body.modifier,
        };
        let audit = audit_context(&state, &origin, staff.actor());
        let saved = fees::set_type_fee(&state.db, id.0, &input, &audit).await?;
        let t = crate::scheduling::types::find(&state.db, id.0).await?;
        let currency = fees::currency(&state.db).await?;
        Ok(Json(type_view(&t, Some(saved), &currency)))
    }

    /// A client's own fee
    #[oai(path = "/clients/:id", method = "get", operation_id = "getClientFee")]
    async fn client_fee(
        &self,
        state: Data<&AppState>,
        _staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<ClientFeeView>, StaffReadOne> {
        let s = fees::schedule(&state.db).await?;
        let own = s
            .clients
            .into_iter()
            .find(|f| f.client_id == id.0)
            .ok_or_else(|| {
                crate::http::problem::ApiError::not_found(
                    "This client pays the appointment types' fees.",
                )
            })?;
        Ok(Json(client_view(own, &s.currency)))
    }

    /// Set a client's own fee (owner or front desk)
    ///
    /// A custom or sliding-scale fee per session, in place of the types' fees.
    #[oai(path = "/clients/:id", method = "put", operation_id = "setClientFee")]
    async fn set_client_fee(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<ClientFeeBody>,
    ) -> ApiResult<Json<ClientFeeView>, StaffWrite> {
        staff.require(Permission::Bill)?;
        let body = body.0;
        let input = ClientFeeInput {
            fee_minor: body.fee_minor,
            kind: body.kind,
            note: body.note,
        };
        let audit = audit_context(&state, &origin, staff.actor());
        let saved = fees::set_client_fee(&state.db, id.0, &input, &audit).await?;
        let currency = fees::currency(&state.db).await?;
        Ok(Json(client_view(saved, &currency)))
    }

    /// The practice as a claim names it (owner)
    #[oai(
        path = "/provider",
        method = "get",
        operation_id = "getBillingProvider"
    )]
    async fn provider(
        &self,
        state: Data<&AppState>,
        staff: Staff,
    ) -> ApiResult<Json<ProviderBody>, StaffRead> {
        staff.require(Permission::ManageSettings)?;
        Ok(Json(ProviderBody::from(
            crate::billing::identity::provider(&state.db, &state.keys).await?,
        )))
    }

    /// Set the practice's identity for claims (owner)
    ///
    /// The name, NPI (checked by its check digit), tax id (sealed), licence and address a
    /// superbill carries.
    #[oai(
        path = "/provider",
        method = "put",
        operation_id = "setBillingProvider"
    )]
    async fn set_provider(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        body: JsonBody<ProviderBody>,
    ) -> ApiResult<Json<ProviderBody>, StaffWrite> {
        staff.require(Permission::ManageSettings)?;
        let b = body.0;
        let input = crate::billing::identity::Provider {
            name: b.name,
            npi: b.npi,
            tin: b.tin,
            license: b.license,
            address: b.address,
        };
        let audit = audit_context(&state, &origin, staff.actor());
        let saved =
            crate::billing::identity::set_provider(&state.db, &state.keys, &input, &audit).await?;
        Ok(Json(ProviderBody::from(saved)))
    }

    /// Who of the couple pays (owner or front desk)
    ///
    /// `one_payer` (with `payer_participant_id`), `split` (with `first_percent`, the first
    /// partner's share; the second pays the rest) or `alternate` (each session in turn).
    #[oai(
        path = "/clients/:id/split",
        method = "put",
        operation_id = "setBillingSplit"
    )]
    async fn set_split(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<SplitBody>,
    ) -> ApiResult<Json<SplitBody>, StaffWrite> {
        staff.require(Permission::Bill)?;
        let audit = audit_context(&state, &origin, staff.actor());
        let b = body.0;
        let saved = crate::billing::invoices::set_split(
            &state.db,
            id.0,
            &b.mode,
            b.payer_participant_id,
            b.first_percent,
            &audit,
        )
        .await?;
        Ok(Json(SplitBody {
            mode: saved.mode,
            payer_participant_id: saved.payer_participant_id,
            first_percent: saved.first_percent,
        }))
    }

    /// The billing policy
    ///
    /// Late-cancellation and no-show fees, and whether Good Faith Estimates are given.
    #[oai(path = "/policy", method = "get", operation_id = "getBillingPolicy")]
    async fn policy(
        &self,
        state: Data<&AppState>,
        _staff: Staff,
    ) -> ApiResult<Json<PolicyBody>, StaffRead> {
        Ok(Json(policy::policy(&state.db).await?.into()))
    }

    /// Set the billing policy (owner)
    #[oai(path = "/policy", method = "put", operation_id = "setBillingPolicy")]
    async fn set_policy(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        body: JsonBody<PolicyBody>,
    ) -> ApiResult<Json<PolicyBody>, StaffWrite> {
        staff.require(Permission::ManageSettings)?;
        let audit = audit_context(&state, &origin, staff.actor());
        let b = body.0;
        let input = Policy {
            late_cancel_percent: b.late_cancel_percent,
            no_show_percent: b.no_show_percent,
            good_faith_estimates: b.good_faith_estimates,
            expected_sessions: b
                .expected_sessions
                .unwrap_or(Policy::default().expected_sessions),
        };
        Ok(Json(
            policy::set_policy(&state.db, input, &audit).await?.into(),
        ))
    }

    /// Whether a couple pays for themselves (owner or front desk)
    #[oai(
        path = "/clients/:id/self-pay",
        method = "put",
        operation_id = "setSelfPay"
    )]
    async fn set_self_pay(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<SelfPayBody>,
    ) -> ApiResult<Json<SelfPayBody>, StaffWrite> {
        staff.require(Permission::Bill)?;
        let audit = audit_context(&state, &origin, staff.actor());
        let self_pay =
            crate::billing::invoices::set_self_pay(&state.db, id.0, body.0.self_pay, &audit)
                .await?;
        Ok(Json(SelfPayBody { self_pay }))
    }

    /// Remove a client's own fee (owner or front desk)
    #[oai(
        path = "/clients/:id",
        method = "delete",
        operation_id = "clearClientFee"
    )]
    async fn clear_client_fee(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Cleared, StaffAction> {
        staff.require(Permission::Bill)?;
        let audit = audit_context(&state, &origin, staff.actor());
        fees::clear_client_fee(&state.db, id.0, &audit).await?;
        Ok(Cleared::Cleared)
    }
}

/// A diagnosis code on a client's record.
#[derive(Object)]
pub struct DiagnosisView {
    id: Uuid,
    /// One partner's; null: the couple's.
    participant_id: Option<Uuid>,
    /// ICD-10-CM, e.g. `Z63.0`.
    code: String,
    description: Option<String>,
    /// Order on a claim: 1 is the primary diagnosis.
    position: i32,
    created_at: DateTime<Utc>,
}

impl From<Diagnosis> for DiagnosisView {
    fn from(d: Diagnosis) -> Self {
        Self {
            id: d.id,
            participant_id: d.participant_id,
            code: d.coded.code,
            description: d.coded.description,
            position: d.position,
            created_at: d.created_at,
        }
    }
}

#[derive(Object)]
pub struct DiagnosisList {
    items: Vec<DiagnosisView>,
}

#[derive(Object, Deserialize)]
pub struct NewDiagnosis {
    /// ICD-10-CM, with or without its dot.
    code: String,
    description: Option<String>,
    /// One partner's; leave out for the couple's.
    participant_id: Option<Uuid>,
}

#[derive(ApiResponse)]
pub enum AddedDiagnosis {
    #[oai(status = 201)]
    Created(Json<DiagnosisView>),
}

#[derive(ApiResponse)]
pub enum RemovedDiagnosis {
    #[oai(status = 204)]
    Removed,
}

pub struct DiagnosesApi;

#[OpenApi(prefix_path = "/clients", tag = "ApiTag::Billing")]
impl DiagnosesApi {
    /// A client's diagnosis codes (owners and the client's clinician)
    ///
    /// Each read is in the audit log.
    #[oai(
        path = "/:id/diagnoses",
        method = "get",
        operation_id = "listDiagnoses"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<DiagnosisList>, StaffReadOne> {
        let audit = audit_context(&state, &origin, staff.actor());
        let items = diagnoses::list(&state.db, &state.keys, &staff, id.0, &audit)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        Ok(Json(DiagnosisList { items }))
    }

    /// Add a diagnosis code (owners and the client's clinician)
    #[oai(
        path = "/:id/diagnoses",
        method = "post",
        operation_id = "addDiagnosis"
    )]
    async fn add(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<NewDiagnosis>,
    ) -> ApiResult<AddedDiagnosis, StaffWrite> {
        let body = body.0;
        let input = DiagnosisInput {
            code: body.code,
            description: body.description,
            participant_id: body.participant_id,
        };
        let audit = audit_context(&state, &origin, staff.actor());
        let added = diagnoses::add(&state.db, &state.keys, &staff, id.0, &input, &audit).await?;
        Ok(AddedDiagnosis::Created(Json(added.into())))
    }

    /// A paying partner's details for claims (owner or front desk)
    ///
    /// Date of birth and address, as a superbill names them; sealed.
    #[oai(
        path = "/:id/participants/:participant/billing",
        method = "put",
        operation_id = "setPayerDetails"
    )]
    async fn set_payer(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        participant: Path<Uuid>,
        body: JsonBody<PayerBody>,
    ) -> ApiResult<Json<PayerView>, StaffWrite> {
        staff.require(Permission::Bill)?;
        let audit = audit_context(&state, &origin, staff.actor());
        let saved = crate::billing::identity::set_payer(
            &state.db,
            &state.keys,
            id.0,
            participant.0,
            body.0.date_of_birth.as_deref(),
            body.0.address.as_deref(),
            &audit,
        )
        .await?;
        Ok(Json(PayerView {
            date_of_birth: saved.date_of_birth,
            address: saved.address,
        }))
    }

    /// A superbill for one paying partner (owners and the client's clinician)
    ///
    /// A PDF of the partner's issued invoices' sessions in `[from, to]` (`YYYY-MM-DD`): the
    /// provider's NPI, tax id, licence and address, the partner's name, date of birth and
    /// address, the diagnosis codes, and per session the date, CPT, place of service,
    /// modifier, units, fee and amount paid. Audited.
    #[oai(path = "/:id/superbill", method = "get", operation_id = "getSuperbill")]
    #[allow(clippy::too_many_arguments)]
    async fn superbill(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        from: Query<Option<String>>,
        to: Query<Option<String>>,
        participant_id: Query<Option<String>>,
    ) -> ApiResult<SuperbillPdf, StaffReadQuery> {
        let mut errors = crate::validation::FieldErrors::default();
        let dates =
            crate::billing::superbill::span(from.0.as_deref(), to.0.as_deref(), &mut errors);
        let payer = errors.check(
            "participant_id",
            participant_id
                .0
                .as_deref()
                .and_then(|p| p.parse::<Uuid>().ok())
                .ok_or("must be the id of the partner who paid"),
        );
        errors
            .into_result()
            .map_err(crate::http::problem::ApiError::from)?;
        let (start, end) = dates.expect("checked");
        let audit = audit_context(&state, &origin, staff.actor());
        let pdf = crate::billing::superbill::pdf(
            &state.db,
            &state.keys,
            crate::billing::Reader::Staff(&staff),
            id.0,
            payer.expect("checked"),
            start,
            end,
            &audit,
        )
        .await?;
        Ok(SuperbillPdf::Ok(
            Binary(pdf),
            "attachment; filename=\"superbill.pdf\"".to_owned(),
        ))
    }

    /// Remove a diagnosis code (owners and the client's clinician)
    #[oai(
        path = "/:id/diagnoses/:diagnosis",
        method = "delete",
        operation_id = "removeDiagnosis"
    )]
    async fn remove(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        diagnosis: Path<Uuid>,
    ) -> ApiResult<RemovedDiagnosis, StaffAction> {
        let audit = audit_context(&state, &origin, staff.actor());
        diagnoses::remove(&state.db, &staff, id.0, diagnosis.0, &audit).await?;
        Ok(RemovedDiagnosis::Removed)
    }
}
