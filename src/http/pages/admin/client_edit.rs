//! `/admin/clients/{id}/edit`: the couple's name and status, and each partner's contact
//! details (anyone who manages clients, as in the API).

use crate::http::pages::PageResult;
use entity::client::ClientStatus;
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path},
};
use serde_json::{Value, json};

use super::{
    Admin, Form, Notice, Section, done,
    fields::{Field, FormPage},
    parse_id, settle,
};
use crate::{
    AppState,
    audit::Origin,
    auth::Permission,
    http::problem::ApiError,
    scheduling::{
        clients::{self, ClientChanges, ClientRecord, PersonFields},
        person_input::PersonInput,
    },
    validation::FieldErrors,
};

const STATUSES: [(&str, ClientStatus); 3] = [
    ("lead", ClientStatus::Lead),
    ("active", ClientStatus::Active),
    ("closed", ClientStatus::Closed),
];

fn manages_clients(admin: &Admin) -> Result<(), ApiError> {
    Ok(admin.staff.require(Permission::ManageClients)?)
}

fn fields(record: &ClientRecord) -> Vec<Field> {
    let statuses: Vec<(String, String)> = [
        ("lead", "Lead: booked a consultation"),
        ("active", "Active: in therapy"),
        ("closed", "Closed"),
    ]
    .iter()
    .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
    .collect();
    let status = STATUSES
        .iter()
        .find(|(_, s)| *s == record.client.status)
        .map_or("active", |(v, _)| v);
    let mut fields = vec![
        Field::text("name", "Name of the case", &record.client.display_name)
            .hint("How staff see them, e.g. \u{201c}Jane & Alex Doe\u{201d}.")
            .required(),
        Field::select("status", "Status", &statuses, status),
    ];
    for (n, p) in record.participants.iter().enumerate() {
        let at = |f: &str| format!("p{n}.{f}");
        fields.push(Field::section(&format!("Partner {}", n + 1)));
        fields.push(Field::text(&at("first_name"), "First name", &p.first_name).required());
        fields.push(Field::text(&at("last_name"), "Last name", &p.last_name));
        fields.push(Field::input(
            "email",
            &at("email"),
            "Email",
            p.email.as_deref().unwrap_or(""),
        ));
        fields.push(Field::input(
            "tel",
            &at("phone"),
            "Phone",
            p.phone.as_deref().unwrap_or(""),
        ));
        fields.push(Field::text(
            &at("pronouns"),
            "Pronouns",
            p.pronouns.as_deref().unwrap_or(""),
        ));
    }
    fields
}

fn page(
    state: &AppState,
    admin: &Admin,
    record: &ClientRecord,
    status: StatusCode,
    form: Value,
) -> PageResult {
    let back = format!("/admin/clients/{}", record.client.id);
    FormPage {
        title: "Client details",
        section: Section::Clients,
        back: (&back, "The couple's record"),
        intro: None,
        notice: None,
        action: format!("/admin/clients/{}/edit", record.client.id),
        submit: "Save",
        fields: fields(record),
        links: vec![],
    }
    .render(state, admin, status, form)
}

/// `GET /admin/clients/{id}/edit`.
#[handler]
pub async fn edit(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
    Path(id): Path<String>,
) -> PageResult {
    manages_clients(admin)?;
    let record = clients::find(&state.db, parse_id(&id)?).await?;
    page(state, admin, &record, StatusCode::OK, json!({}))
}

/// `POST /admin/clients/{id}/edit`: everything is checked before anything is saved.
#[handler]
pub async fn save(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
    Path(id): Path<String>,
) -> PageResult {
    manages_clients(admin)?;
    let record = clients::find(&state.db, parse_id(&id)?).await?;
    let outcome = async {
        let mut errors = FieldErrors::default();
        let display_name = errors.check(
            "name",
            crate::types::PersonName::full(form.get("name"))
                .map(crate::types::PersonName::into_string),
        );
        let status = STATUSES
            .iter()
            .find(|(v, _)| *v == form.get("status"))
            .map(|(_, s)| *s);
        if status.is_none() {
            errors.add("status", "is not one of the choices");
        }
        let people: Vec<_> = record
            .participants
            .iter()
            .enumerate()
            .map(|(n, p)| {
                let at = |f: &str| form.get(&format!("p{n}.{f}")).to_owned();
                let body = PersonInput {
                    first_name: at("first_name"),
                    last_name: Some(at("last_name")),
                    email: Some(at("email")),
                    phone: Some(at("phone")),
                    pronouns: Some(at("pronouns")),
                    // Kept as they are: the form does not show them.
                    time_zone: p.time_zone.clone(),
                    preferred_contact: p.preferred_contact.clone(),
                };
                (p, body.check(&format!("p{n}"), &mut errors))
            })
            .collect();
        errors.into_result()?;
        let audit = admin.audit(state, origin);
        let changes = ClientChanges {
            display_name: display_name.filter(|n| *n != record.client.display_name),
            status: status.filter(|s| *s != record.client.status),
            ..ClientChanges::default()
        };
        if changes.display_name.is_some() || changes.status.is_some() {
            clients::update(&state.db, record.client.id, changes, &audit).await?;
        }
        // Only partners whose details changed are written (and recorded).
        for (participant, fields) in people {
            if let Some(fields) = fields.filter(|f| *f != PersonFields::of(participant)) {
                crate::scheduling::readdress::update_participant(
                    &state.db,
                    state.notifier(),
                    &state.followups(),
                    record.client.id,
                    participant.id,
                    fields,
                    &audit,
                )
                .await?;
            }
        }
        Ok(done(
            &format!("/admin/clients/{}", record.client.id),
            Notice::Saved,
        ))
    }
    .await;
    settle(outcome, form, |status, shown| async move {
        page(state, admin, &record, status, shown)
    })
    .await
}
