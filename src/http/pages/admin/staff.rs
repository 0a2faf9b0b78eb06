//! `/admin/settings/staff`: who can sign in, with which role, as which practitioner (owners).

use crate::http::pages::PageResult;
use entity::staff_user;
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path, Query},
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    Admin, DoneQuery, Form, Notice, Section, done,
    fields::{Field, FormPage},
    listing::{Cell, TablePage},
    parse_id, settle,
};
use crate::{
    AppState,
    audit::Origin,
    auth::{
        Permission, Role, password,
        staff::{self, NewStaff, StaffChanges},
    },
    http::problem::ApiError,
    pagination::PageRequest,
    scheduling::availability,
    types::EmailAddress,
    validation::FieldErrors,
    when,
};

fn manages_staff(admin: &Admin) -> Result<(), ApiError> {
    Ok(admin.staff.require(Permission::ManageStaff)?)
}

fn role_label(role: Role) -> &'static str {
    match role {
        Role::Owner => "Owner: everything, including settings, staff and the audit log",
        Role::Clinician => "Clinician: scheduling, clients, and the notes of their own clients",
        Role::Assistant => "Assistant: scheduling, contact details and emails; nothing clinical",
    }
}

/// `GET /admin/settings/staff`.
#[handler]
pub async fn list(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    manages_staff(admin)?;
    let people = availability::all_practitioners(&state.db).await?;
    // A practice has a handful of accounts; one page holds them all.
    let everyone = PageRequest {
        limit: 1000,
        after: None,
    };
    let accounts = staff::list(&state.db, &everyone).await?;
    let rows = accounts
        .items
        .into_iter()
        .map(|u| {
            let practitioner = u
                .practitioner_id
                .and_then(|id| people.iter().find(|p| p.id == id))
                .map_or("—".to_owned(), |p| p.name.clone());
            let role = Role::from(u.role);
            vec![
                Cell::link(&u.name, format!("/admin/settings/staff/{}", u.id)).quiet(&u.email),
                Cell::text(role.as_str()),
                Cell::text(practitioner),
                Cell::text(if u.disabled { "Disabled" } else { "Active" }),
                Cell::text(
                    u.last_login_at
                        .map_or("never".to_owned(), |at| when::short(at, admin.tz)),
                ),
            ]
        })
        .collect();
    TablePage {
        title: "Staff accounts",
        section: Section::Settings,
        back: ("/admin/settings", "Settings"),
        intro: Some(
            "Who can sign in. Disabling an account ends its sessions and API tokens at once."
                .into(),
        ),
        notice: query.notice(),
        create: Some(("/admin/settings/staff/new", "Add an account")),
        filters: None,
        columns: &["Name", "Role", "Practitioner", "Status", "Last sign-in"],
        rows,
        empty: "No accounts.",
        more: None,
    }
    .render(state, admin)
}

async fn account_fields(
    state: &AppState,
    u: Option<&staff_user::Model>,
) -> Result<Vec<Field>, ApiError> {
    let roles: Vec<(String, String)> = Role::ALL
        .into_iter()
        .map(|r| (r.as_str().to_owned(), role_label(r).to_owned()))
        .collect();
    let mut people = vec![(String::new(), "None (not a practitioner)".to_owned())];
    people.extend(
        availability::all_practitioners(&state.db)
            .await?
            .into_iter()
            .map(|p| (p.id.to_string(), p.name)),
    );
    let role = u.map_or(Role::Clinician, |u| Role::from(u.role));
    let linked = u
        .and_then(|u| u.practitioner_id)
        .map(|id| id.to_string())
        .unwrap_or_default();
    let mut fields = vec![Field::text("name", "Name", u.map_or("", |u| &u.name)).required()];
    if u.is_none() {
        fields.push(Field::input("email", "email", "Email (their sign-in)", "").required());
    }
    fields.push(Field::select("role", "Role", &roles, role.as_str()));
    fields.push(
        Field::select(
            "practitioner_id",
            "Books and writes notes as",
            &people,
            &linked,
        )
        .hint("A clinician's account is linked to their practitioner."),
    );
    match u {
        None => fields.push(
            Field::input("password", "password", "First password", "")
                .hint("At least 12 characters, not a common one. Tell them in person; they can change it.")
                .attr("autocomplete", "new-password")
                .required(),
        ),
        Some(u) => fields.push(
            Field::check("disabled", "Disabled", u.disabled)
                .hint("A disabled account cannot sign in; its sessions and tokens end now."),
        ),
    }
    Ok(fields)
}

fn role_and_practitioner(
    form: &Form,
    errors: &mut FieldErrors,
) -> (Option<Role>, Option<Option<Uuid>>) {
    let role = Role::parse(form.get("role"));
    if role.is_none() {
        errors.add("role", "is not one of the roles");
    }
    let practitioner = match form.get("practitioner_id") {
        "" => Some(None),
        id => match id.parse() {
            Ok(id) => Some(Some(id)),
            Err(_) => {
                errors.add("practitioner_id", "is not one of the practitioners");
                None
            }
        },
    };
    (role, practitioner)
}

/// `GET /admin/settings/staff/new`.
#[handler]
pub async fn new_form(Data(state): Data<&AppState>, Data(admin): Data<&Admin>) -> PageResult {
    manages_staff(admin)?;
    page(state, admin, None, StatusCode::OK, None, json!({})).await
}

async fn page(
    state: &AppState,
    admin: &Admin,
    u: Option<&staff_user::Model>,
    status: StatusCode,
    notice: Option<&'static str>,
    form: Value,
) -> PageResult {
    let mut form = form;
    // A password typed is never sent back.
    if let Some(values) = form["values"].as_object_mut() {
        values.remove("password");
    }
    FormPage {
        title: if u.is_some() {
            "Staff account"
        } else {
            "Add an account"
        },
        section: Section::Settings,
        back: ("/admin/settings/staff", "Staff accounts"),
        intro: u.map(|u| format!("Signs in as {}.", u.email)),
        notice,
        action: u.map_or_else(
            || "/admin/settings/staff/new".to_owned(),
            |u| format!("/admin/settings/staff/{}", u.id),
        ),
        submit: if u.is_some() {
            "Save"
        } else {
            "Create the account"
        },
        fields: account_fields(state, u).await?,
        links: vec![],
    }
    .render(state, admin, status, form)
}

/// `POST /admin/settings/staff/new`.
#[handler]
pub async fn create(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
) -> PageResult {
    manages_staff(admin)?;
    let outcome = async {
        let mut errors = FieldErrors::default();
        let name = errors.check(
            "name",
            crate::types::PersonName::full(form.get("name"))
                .map(crate::types::PersonName::into_string),
        );
        let email = errors.check("email", EmailAddress::parse(form.get("email")));
        let password = errors.check(
            "password",
            password::check(form.raw("password"), form.get("email")),
        );
        let (role, practitioner) = role_and_practitioner(form, &mut errors);
        errors.into_result()?;
        let (Some(name), Some(email), Some(password), Some(role), Some(practitioner_id)) =
            (name, email, password, role, practitioner)
        else {
            return Err(ApiError::internal(anyhow::anyhow!(
                "checked fields missing"
            )));
        };
        let new = NewStaff {
            email,
            name,
            role,
            practitioner_id,
            password,
        };
        staff::create(&state.db, new, &admin.audit(state, origin)).await?;
        Ok(done("/admin/settings/staff", Notice::StaffAdded))
    }
    .await;
    settle(outcome, form, |status, shown| {
        page(state, admin, None, status, None, shown)
    })
    .await
}

/// `GET /admin/settings/staff/{id}`.
#[handler]
pub async fn edit(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    manages_staff(admin)?;
    let u = staff::find(&state.db, parse_id(&id)?).await?;
    page(
        state,
        admin,
        Some(&u),
        StatusCode::OK,
        query.notice(),
        json!({}),
    )
    .await
}

/// `POST /admin/settings/staff/{id}`.
#[handler]
pub async fn save(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
    Path(id): Path<String>,
) -> PageResult {
    manages_staff(admin)?;
    let u = staff::find(&state.db, parse_id(&id)?).await?;
    let outcome = async {
        let mut errors = FieldErrors::default();
        let name = errors.check(
            "name",
            crate::types::PersonName::full(form.get("name"))
                .map(crate::types::PersonName::into_string),
        );
        let (role, practitioner_id) = role_and_practitioner(form, &mut errors);
        errors.into_result()?;
        let changes = StaffChanges {
            name,
            role,
            disabled: Some(form.has("disabled")),
            practitioner_id,
        };
        staff::update(&state.db, u.id, changes, &admin.audit(state, origin)).await?;
        Ok(done(
            &format!("/admin/settings/staff/{}", u.id),
            Notice::Saved,
        ))
    }
    .await;
    settle(outcome, form, |status, shown| {
        page(state, admin, Some(&u), status, None, shown)
    })
    .await
}
