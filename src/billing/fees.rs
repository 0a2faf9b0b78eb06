//! The fee schedule: the practice's currency, a fee and claim codes per appointment type,
//! and a client's own fee in place of them.

use entity::{appointment_type, billing_profile, client, client_fee, type_fee};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, QueryOrder, sea_query::OnConflict};
use uuid::Uuid;

use super::{BillingError, codes, money};
use crate::{
    audit::{Action, AuditContext, Event},
    validation::FieldErrors,
};

/// The currency until a practice chooses one.
pub const DEFAULT_CURRENCY: &str = "USD";

pub async fn currency(db: &impl ConnectionTrait) -> Result<String, BillingError> {
    Ok(billing_profile::Entity::find_by_id(1)
        .one(db)
        .await?
        .map_or_else(|| DEFAULT_CURRENCY.to_owned(), |p| p.currency))
}

/// Changes the currency every amount is in. Amounts already written are not converted:
/// a practice chooses it before it bills.
pub async fn set_currency(
    db: &impl ConnectionTrait,
    code: &str,
    audit: &AuditContext,
) -> Result<String, BillingError> {
    let code = code.trim().to_ascii_uppercase();
    if !money::known(&code) {
        let mut errors = FieldErrors::default();
        errors.add(
            "currency",
            format!(
                "must be one of {}",
                money::codes().collect::<Vec<_>>().join(", ")
            ),
        );
        errors.into_result()?;
    }
    billing_profile::Entity::insert(billing_profile::ActiveModel {
        id: Set(1),
        currency: Set(code.clone()),
        updated_at: Set(audit.now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(billing_profile::Column::Id)
            .update_columns([
                billing_profile::Column::Currency,
                billing_profile::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    audit
        .record(
            db,
            Event::new(Action::FeeUpdate).details(serde_json::json!({ "currency": code })),
        )
        .await?;
    Ok(code)
}

/// A type's fee and codes as sent.
#[derive(Clone, Debug, Default)]
pub struct TypeFeeInput {
    pub fee_minor: Option<i64>,
    pub cpt_code: Option<String>,
    pub place_of_service: Option<String>,
    pub modifier: Option<String>,
}

fn amount(errors: &mut FieldErrors, field: &str, value: Option<i64>) -> i64 {
    match value {
        None => {
            errors.add(
                field,
                "is required: a whole number of cents (15000 is 150.00)",
            );
            0
        }
        Some(v) if !(0..=money::MAX_MINOR).contains(&v) => {
            errors.add(field, "must be from 0 to 1000000000 (cents)");
            0
        }
        Some(v) => v,
    }
}

/// An optional code: empty or absent is none.
fn code(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
    check: fn(&str) -> Result<String, &'static str>,
) -> Option<String> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => errors.check(field, check(v)),
    }
}

/// Sets what type `id` costs and how it is coded.
pub async fn set_type_fee(
    db: &impl ConnectionTrait,
    id: Uuid,
    input: &TypeFeeInput,
    audit: &AuditContext,
) -> Result<type_fee::Model, BillingError> {
    appointment_type::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(BillingError::NotFound)?;
    let mut errors = FieldErrors::default();
    let fee_minor = amount(&mut errors, "fee_minor", input.fee_minor);
    let cpt_code = code(
        &mut errors,
        "cpt_code",
        input.cpt_code.as_deref(),
        codes::cpt,
    );
    let place_of_service = code(
        &mut errors,
        "place_of_service",
        input.place_of_service.as_deref(),
        codes::place_of_service,
    );
    let modifier = code(
        &mut errors,
        "modifier",
        input.modifier.as_deref(),
        codes::modifier,
    );
    errors.into_result()?;
    let row = type_fee::Model {
        appointment_type_id: id,
        fee_minor,
        cpt_code,
        place_of_service,
        modifier,
        updated_at: audit.now,
    };
    type_fee::Entity::insert(type_fee::ActiveModel::from(row.clone()))
        .on_conflict(
            OnConflict::column(type_fee::Column::AppointmentTypeId)
                .update_columns([
                    type_fee::Column::FeeMinor,
                    type_fee::Column::CptCode,
                    type_fee::Column::PlaceOfService,
                    type_fee::Column::Modifier,
                    type_fee::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    audit
        .record(
            db,
            Event::new(Action::FeeUpdate)
                .entity("appointment_type", id)
                .details(serde_json::json!({ "fee_minor": fee_minor })),
        )
        .await?;
    Ok(row)
}

/// How a client's own fee came about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientFeeKind {
    Custom,
    SlidingScale,
}

impl ClientFeeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ClientFeeKind::Custom => "custom",
            ClientFeeKind::SlidingScale => "sliding_scale",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [ClientFeeKind::Custom, ClientFeeKind::SlidingScale]
            .into_iter()
            .find(|k| k.as_str() == raw)
    }
}

#[derive(Clone, Debug, Default)]
pub struct ClientFeeInput {
    pub fee_minor: Option<i64>,
    pub kind: Option<String>,
    pub note: Option<String>,
}

/// Sets client `id`'s own fee per session, in place of the types' fees.
pub async fn set_client_fee(
    db: &impl ConnectionTrait,
    id: Uuid,
    input: &ClientFeeInput,
    audit: &AuditContext,
) -> Result<client_fee::Model, BillingError> {
    client::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(BillingError::NotFound)?;
    let mut errors = FieldErrors::default();
    let fee_minor = amount(&mut errors, "fee_minor", input.fee_minor);
    let kind = errors.check(
        "kind",
        ClientFeeKind::parse(input.kind.as_deref().unwrap_or("custom"))
            .ok_or("must be custom or sliding_scale"),
    );
    let note = match input
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        Some(n) if n.chars().count() > 500 => {
            errors.add("note", "must be at most 500 characters");
            None
        }
        other => other.map(str::to_owned),
    };
    errors.into_result()?;
    let row = client_fee::Model {
        client_id: id,
        fee_minor,
        kind: kind.expect("checked").as_str().to_owned(),
        note,
        updated_at: audit.now,
    };
    client_fee::Entity::insert(client_fee::ActiveModel::from(row.clone()))
        .on_conflict(
            OnConflict::column(client_fee::Column::ClientId)
                .update_columns([
                    client_fee::Column::FeeMinor,
                    client_fee::Column::Kind,
                    client_fee::Column::Note,
                    client_fee::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    audit
        .record(
            db,
            Event::new(Action::FeeUpdate)
                .entity("client", id)
                .details(serde_json::json!({ "fee_minor": fee_minor, "kind": row.kind })),
        )
        .await?;
    Ok(row)
}

/// Client `id` pays the types' fees again.
pub async fn clear_client_fee(
    db: &impl ConnectionTrait,
    id: Uuid,
    audit: &AuditContext,
) -> Result<(), BillingError> {
    let gone = client_fee::Entity::delete_by_id(id).exec(db).await?;
    if gone.rows_affected == 0 {
        return Err(BillingError::NotFound);
    }
    audit
        .record(
            db,
            Event::new(Action::FeeUpdate)
                .entity("client", id)
                .details(serde_json::json!({ "fee_minor": null })),
        )
        .await?;
    Ok(())
}

/// The whole schedule: every type with its fee (if set), and every client's own fee.
pub struct Schedule {
    pub currency: String,
    pub types: Vec<(appointment_type::Model, Option<type_fee::Model>)>,
    pub clients: Vec<client_fee::Model>,
}

pub async fn schedule(db: &impl ConnectionTrait) -> Result<Schedule, BillingError> {
    let types = appointment_type::Entity::find()
        .order_by_asc(appointment_type::Column::Name)
        .all(db)
        .await?;
    let fees = type_fee::Entity::find().all(db).await?;
    let clients = client_fee::Entity::find()
        .order_by_asc(client_fee::Column::ClientId)
        .all(db)
        .await?;
    Ok(Schedule {
        currency: currency(db).await?,
        types: types
            .into_iter()
            .map(|t| {
                let fee = fees.iter().find(|f| f.appointment_type_id == t.id).cloned();
                (t, fee)
            })
            .collect(),
        clients,
    })
}

/// What a session of type `type_id` costs client `client_id`, and where the figure is from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fee {
    pub minor: i64,
    pub from_client: bool,
}

/// [`fee_for`] for each of `type_ids` at once, in two statements however many: the types
/// with no fee set are missing from the answer.
pub async fn fees_for(
    db: &impl ConnectionTrait,
    client_id: Uuid,
    type_ids: impl IntoIterator<Item = Uuid>,
) -> Result<std::collections::HashMap<Uuid, Fee>, BillingError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let mut ids: Vec<Uuid> = type_ids.into_iter().collect();
    ids.sort();
    ids.dedup();
    if let Some(own) = client_fee::Entity::find_by_id(client_id).one(db).await? {
        return Ok(ids
            .into_iter()
            .map(|t| {
                (
                    t,
                    Fee {
                        minor: own.fee_minor,
                        from_client: true,
                    },
                )
            })
            .collect());
    }
    Ok(type_fee::Entity::find()
        .filter(type_fee::Column::AppointmentTypeId.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|t| {
            (
                t.appointment_type_id,
                Fee {
                    minor: t.fee_minor,
                    from_client: false,
                },
            )
        })
        .collect())
}

pub async fn fee_for(
    db: &impl ConnectionTrait,
    client_id: Uuid,
    type_id: Uuid,
) -> Result<Option<Fee>, BillingError> {
    if let Some(own) = client_fee::Entity::find_by_id(client_id).one(db).await? {
        return Ok(Some(Fee {
            minor: own.fee_minor,
            from_client: true,
        }));
    }
    Ok(type_fee::Entity::find_by_id(type_id)
        .one(db)
        .await?
        .map(|t| Fee {
            minor: t.fee_minor,
            from_client: false,
        }))
}
