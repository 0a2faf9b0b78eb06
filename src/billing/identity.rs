//! Who bills and who pays, as a superbill names them: the practice's provider, NPI, tax id,
//! licence and address, and a paying partner's date of birth and address. The tax id and
//! the partner's details are sealed.

use chrono::{Datelike, NaiveDate};
use entity::{billing_profile, participant, participant_billing};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, sea_query::OnConflict};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{BillingError, fees};
use crate::{
    audit::{Action, AuditContext, Event},
    crypto::DataKeys,
    validation::FieldErrors,
};

pub fn tin_context() -> String {
    "billing_profile.tin".to_owned()
}

pub fn details_context(participant: Uuid) -> String {
    format!("participant_billing.details:{participant}")
}

/// The practice as a claim names it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Provider {
    pub name: Option<String>,
    pub npi: Option<String>,
    pub tin: Option<String>,
    pub license: Option<String>,
    pub address: Option<String>,
}

/// Whether `npi` is a National Provider Identifier: ten digits whose last is the Luhn check
/// digit of the others behind the prefix 80840.
pub fn npi_valid(npi: &str) -> bool {
    if npi.len() != 10 || !npi.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let digits: Vec<u32> = format!("80840{}", &npi[..9])
        .bytes()
        .map(|b| u32::from(b - b'0'))
        .collect();
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                *d
            }
        })
        .sum();
    (10 - sum % 10) % 10 == u32::from(npi.as_bytes()[9] - b'0')
}

fn line(errors: &mut FieldErrors, field: &str, v: Option<&str>, max: usize) -> Option<String> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) if v.chars().count() > max => {
            errors.add(field, format!("must be at most {max} characters"));
            None
        }
        other => other.map(str::to_owned),
    }
}

pub async fn provider(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
) -> Result<Provider, BillingError> {
    let Some(p) = billing_profile::Entity::find_by_id(1).one(db).await? else {
        return Ok(Provider::default());
    };
    let tin = match &p.tin_sealed {
        Some(sealed) => Some(
            keys.open(sealed, &tin_context())
                .map_err(|_| BillingError::Unreadable)?,
        ),
        None => None,
    };
    Ok(Provider {
        name: p.provider_name,
        npi: p.npi,
        tin,
        license: p.license,
        address: p.address,
    })
}

/// Saves the practice's identity for claims (owners).
pub async fn set_provider(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    input: &Provider,
    audit: &AuditContext,
) -> Result<Provider, BillingError> {
    let mut errors = FieldErrors::default();
    let name = line(&mut errors, "name", input.name.as_deref(), 200);
    let npi = input
        .npi
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if npi.is_some_and(|n| !npi_valid(n)) {
        errors.add("npi", "must be a ten-digit NPI whose check digit matches");
    }
    let tin: Option<String> = input
        .tin
        .as_deref()
        .map(|t| t.chars().filter(char::is_ascii_digit).collect::<String>())
        .filter(|t| !t.is_empty());
    if tin.as_ref().is_some_and(|t| t.len() != 9) {
        errors.add("tin", "must be nine digits (an EIN like 12-3456789)");
    }
    let license = line(&mut errors, "license", input.license.as_deref(), 100);
    let address = line(&mut errors, "address", input.address.as_deref(), 300);
    errors.into_result()?;
    let currency = fees::currency(db).await?;
    billing_profile::Entity::insert(billing_profile::ActiveModel {
        id: Set(1),
        currency: Set(currency),
        updated_at: Set(audit.now),
        provider_name: Set(name.clone()),
        npi: Set(npi.map(str::to_owned)),
        tin_sealed: Set(tin.as_ref().map(|t| keys.seal(t, &tin_context()))),
        license: Set(license.clone()),
        address: Set(address.clone()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(billing_profile::Column::Id)
            .update_columns([
                billing_profile::Column::UpdatedAt,
                billing_profile::Column::ProviderName,
                billing_profile::Column::Npi,
                billing_profile::Column::TinSealed,
                billing_profile::Column::License,
                billing_profile::Column::Address,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    audit
        .record(
            db,
            Event::new(Action::FeeUpdate).details(serde_json::json!({ "provider": true })),
        )
        .await?;
    Ok(Provider {
        name,
        npi: npi.map(str::to_owned),
        tin,
        license,
        address,
    })
}

/// A paying partner as a superbill names them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payer {
    pub date_of_birth: Option<NaiveDate>,
    pub address: Option<String>,
}

pub async fn payer(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    participant: Uuid,
) -> Result<Payer, BillingError> {
    let Some(row) = participant_billing::Entity::find_by_id(participant)
        .one(db)
        .await?
    else {
        return Ok(Payer::default());
    };
    let json = keys
        .open(&row.details_sealed, &details_context(participant))
        .map_err(|_| BillingError::Unreadable)?;
    serde_json::from_str(&json).map_err(|_| BillingError::Unreadable)
}

/// Saves partner `participant_id`'s details for claims; they must be client `client_id`'s.
pub async fn set_payer(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    client_id: Uuid,
    participant_id: Uuid,
    date_of_birth: Option<&str>,
    address: Option<&str>,
    audit: &AuditContext,
) -> Result<Payer, BillingError> {
    participant::Entity::find_by_id(participant_id)
        .one(db)
        .await?
        .filter(|p| p.client_id == client_id)
        .ok_or(BillingError::NotFound)?;
    let mut errors = FieldErrors::default();
    let date_of_birth = match date_of_birth.map(str::trim).filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => errors.check(
            "date_of_birth",
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .ok()
                .filter(|d| *d < audit.now.date_naive() && d.year_ce().1 > 1900)
                .ok_or("must be a date in the past, YYYY-MM-DD"),
        ),
    };
    let address = line(&mut errors, "address", address, 300);
    errors.into_result()?;
    let details = Payer {
        date_of_birth,
        address,
    };
    participant_billing::Entity::insert(participant_billing::ActiveModel {
        participant_id: Set(participant_id),
        details_sealed: Set(keys.seal(
            &serde_json::to_string(&details).expect("plain data serializes"),
            &details_context(participant_id),
        )),
        updated_at: Set(audit.now),
    })
    .on_conflict(
        OnConflict::column(participant_billing::Column::ParticipantId)
            .update_columns([
                participant_billing::Column::DetailsSealed,
                participant_billing::Column::UpdatedAt,
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
                .details(serde_json::json!({ "payer_details": participant_id })),
        )
        .await?;
    Ok(details)
}

#[cfg(test)]
mod tests {
    use super::npi_valid;

    #[test]
    fn an_npi_carries_its_own_check_digit() {
        // The example NPI in CMS's own description of the check digit.
        assert!(npi_valid("1234567893"));
        assert!(!npi_valid("1234567890"));
        assert!(!npi_valid("123456789"));
        assert!(!npi_valid("12345678a3"));
    }
}
