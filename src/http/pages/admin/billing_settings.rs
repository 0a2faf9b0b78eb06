//! `/admin/settings/billing` (owners): the currency, the late-cancellation and no-show
//! policy, Good Faith Estimates, the provider's identity for claims, and each appointment
//! type's fee and claim codes, on one form.

use crate::http::pages::PageResult;
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Query},
};
use serde_json::{Value, json};

use super::{
    Admin, DoneQuery, Form, Notice, Section, done,
    fields::{Field, FormPage},
    settle,
};
use crate::{
    AppState,
    audit::Origin,
    auth::Permission,
    billing::{
        BillingError, fees, identity, money,
        policy::{self, Policy},
    },
    http::problem::ApiError,
    validation::{FieldError, FieldErrors, Invalid},
};

const PATH: &str = "/admin/settings/billing";

fn owner(admin: &Admin) -> Result<(), ApiError> {
    Ok(admin.staff.require(Permission::ManageSettings)?)
}

/// `GET /admin/settings/billing`.
#[handler]
pub async fn edit(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    owner(admin)?;
    page(state, admin, StatusCode::OK, query.notice(), json!({})).await
}

fn percent(v: Option<i32>) -> String {
    v.map(|p| p.to_string()).unwrap_or_default()
}

async fn page(
    state: &AppState,
    admin: &Admin,
    status: StatusCode,
    notice: Option<&'static str>,
    form: Value,
) -> PageResult {
    let p = policy::policy(&state.db).await?;
    let who = identity::provider(&state.db, &state.keys).await?;
    let schedule = fees::schedule(&state.db).await?;
    let currency = schedule.currency.clone();
    let currencies: Vec<(String, String)> = money::codes()
        .map(|c| (c.to_owned(), c.to_owned()))
        .collect();
    let mut fields = vec![
        Field::select("currency", "Currency", &currencies, &currency)
            .hint("Choose it before billing: amounts already written are not converted."),
        Field::section("Cancellations and missed sessions"),
        Field::input(
            "number",
            "late_cancel_percent",
            "Late-cancellation fee (% of the session fee)",
            percent(p.late_cancel_percent),
        )
        .hint(
            "Empty: none, and clients cannot cancel after an appointment type's cancellation \
             deadline themselves. Each fee waits for you to charge or waive it.",
        ),
        Field::input(
            "number",
            "no_show_percent",
            "Missed-session fee (% of the session fee)",
            percent(p.no_show_percent),
        )
        .hint("Empty: none."),
        Field::section("Good Faith Estimates"),
        Field::check(
            "good_faith_estimates",
            "Give self-pay clients Good Faith Estimates (US No Surprises Act)",
            p.good_faith_estimates,
        ),
        Field::number(
            "expected_sessions",
            "Sessions an estimate expects over twelve months",
            p.expected_sessions,
        ),
        Field::section("The provider on superbills and estimates"),
        Field::text("provider_name", "Name", who.name.unwrap_or_default()),
        Field::text("npi", "NPI", who.npi.unwrap_or_default()),
        Field::text("tin", "Tax id", "").hint(&match &who.tin {
            Some(t) => format!(
                "On file, ending {}. Empty keeps it.",
                &t[t.len().saturating_sub(4)..]
            ),
            None => "Nine digits, e.g. 12-3456789.".to_owned(),
        }),
        Field::text("license", "Licence", who.license.unwrap_or_default()),
        Field::text("address", "Address", who.address.unwrap_or_default()),
    ];
    for (t, f) in &schedule.types {
        let id = t.id;
        fields.push(Field::section(&t.name));
        fields.push(
            Field::text(
                &format!("fee_{id}"),
                "Fee per session",
                f.as_ref()
                    .map(|f| money::format(f.fee_minor, ""))
                    .unwrap_or_default(),
            )
            .hint(&format!("In {currency}; empty: no fee set.")),
        );
        fields.push(Field::text(
            &format!("cpt_{id}"),
            "CPT code",
            f.as_ref()
                .and_then(|f| f.cpt_code.clone())
                .unwrap_or_default(),
        ));
        fields.push(Field::text(
            &format!("pos_{id}"),
            "Place of service",
            f.as_ref()
                .and_then(|f| f.place_of_service.clone())
                .unwrap_or_default(),
        ));
        fields.push(Field::text(
            &format!("modifier_{id}"),
            "Modifier",
            f.as_ref()
                .and_then(|f| f.modifier.clone())
                .unwrap_or_default(),
        ));
    }
    FormPage {
        title: "Billing",
        section: Section::Settings,
        back: ("/admin/settings", "Settings"),
        intro: Some(
            "Fees, the policy clients are shown before they book and in reminders, and what \
             superbills and Good Faith Estimates name."
                .into(),
        ),
        notice,
        action: PATH.into(),
        submit: "Save",
        fields,
        links: vec![(
            "/admin/billing".into(),
            "Invoices and fees to decide".into(),
        )],
    }
    .render(state, admin, status, form)
}

/// A field's errors from a call that names them its own way, under the form's names.
fn renamed(e: BillingError, names: &[(&str, String)]) -> ApiError {
    match e {
        BillingError::Invalid(Invalid(list)) => ApiError::from(Invalid(
            list.into_iter()
                .map(|f| {
                    let field = names
                        .iter()
                        .find(|(from, _)| *from == f.field)
                        .map_or(f.field.clone(), |(_, to)| to.clone());
                    FieldError::new(field, f.message)
                })
                .collect(),
        )),
        other => other.into(),
    }
}

/// `POST /admin/settings/billing`.
#[handler]
pub async fn save(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
) -> PageResult {
    owner(admin)?;
    let audit = admin.audit(state, origin);
    let outcome = async {
        let mut errors = FieldErrors::default();
        let optional = |name: &str, errors: &mut FieldErrors| match form.get(name) {
            "" => None,
            v => v
                .parse::<i32>()
                .map_err(|_| errors.add(name, "must be a whole percentage, or empty for none"))
                .ok(),
        };
        let late = optional("late_cancel_percent", &mut errors);
        let missed = optional("no_show_percent", &mut errors);
        let expected = form.number("expected_sessions", &mut errors);
        let currency = form.get("currency").to_owned();
        let schedule = fees::schedule(&state.db).await?;
        let mut type_fees = Vec::new();
        for (t, _) in &schedule.types {
            let id = t.id;
            let fee = form.get(&format!("fee_{id}"));
            if fee.is_empty() {
                continue;
            }
            match money::parse(fee, &currency) {
                Ok(minor) => type_fees.push((id, minor)),
                Err(m) => errors.add(&format!("fee_{id}"), m),
            }
        }
        errors.into_result()?;
        if currency != schedule.currency {
            fees::set_currency(&state.db, &currency, &audit).await?;
        }
        policy::set_policy(
            &state.db,
            Policy {
                late_cancel_percent: late,
                no_show_percent: missed,
                good_faith_estimates: form.has("good_faith_estimates"),
                expected_sessions: expected.unwrap_or(Policy::default().expected_sessions),
            },
            &audit,
        )
        .await?;
        let current = identity::provider(&state.db, &state.keys).await?;
        let tin = Some(form.get("tin").to_owned())
            .filter(|t| !t.is_empty())
            .or(current.tin);
        let some = |name: &str| Some(form.get(name).to_owned()).filter(|v| !v.is_empty());
        identity::set_provider(
            &state.db,
            &state.keys,
            &identity::Provider {
                name: some("provider_name"),
                npi: some("npi"),
                tin,
                license: some("license"),
                address: some("address"),
            },
            &audit,
        )
        .await
        .map_err(|e| renamed(e, &[("name", "provider_name".to_owned())]))?;
        for (id, minor) in type_fees {
            let input = fees::TypeFeeInput {
                fee_minor: Some(minor),
                cpt_code: some(&format!("cpt_{id}")),
                place_of_service: some(&format!("pos_{id}")),
                modifier: some(&format!("modifier_{id}")),
            };
            fees::set_type_fee(&state.db, id, &input, &audit)
                .await
                .map_err(|e| {
                    renamed(
                        e,
                        &[
                            ("fee_minor", format!("fee_{id}")),
                            ("cpt_code", format!("cpt_{id}")),
                            ("place_of_service", format!("pos_{id}")),
                            ("modifier", format!("modifier_{id}")),
                        ],
                    )
                })?;
        }
        Ok(done(PATH, Notice::Saved))
    }
    .await;
    settle(outcome, form, |status, shown| {
        page(state, admin, status, None, shown)
    })
    .await
}
