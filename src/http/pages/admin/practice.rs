//! `/admin/settings/practice` and `/admin/settings/practitioners`: the practice's name,
//! zone and contact address, and the people clients book (owners).

use crate::http::pages::PageResult;
use crate::types::video_address::{room_template, video_link};
use entity::practitioner;
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path, Query},
};
use serde_json::{Value, json};

use super::{
    Admin, DoneQuery, Form, Notice, Section, done,
    fields::{Field, FormPage},
    listing::{Cell, TablePage},
    parse_id, settle,
};
use crate::{
    AppState,
    audit::Origin,
    auth::Permission,
    http::problem::ApiError,
    practice::{self, SettingsChanges},
    scheduling::{
        availability,
        practitioners::{self, NewPractitioner, PractitionerChanges},
    },
    types::{EmailAddress, TimeZone, single_line},
    validation::FieldErrors,
};

const ZONE_HINT: &str = "An IANA time zone, like Europe/Berlin or America/New_York.";

fn owner(admin: &Admin) -> Result<(), ApiError> {
    Ok(admin.staff.require(Permission::ManageSettings)?)
}

/// `GET /admin/settings/practice`.
#[handler]
pub async fn details(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    owner(admin)?;
    details_page(state, admin, StatusCode::OK, query.notice(), json!({})).await
}

async fn details_page(
    state: &AppState,
    admin: &Admin,
    status: StatusCode,
    notice: Option<&'static str>,
    form: Value,
) -> PageResult {
    let p = practice::settings(&state.db).await?;
    FormPage {
        title: "Practice details",
        section: Section::Settings,
        back: ("/admin/settings", "Settings"),
        intro: Some("What clients see on the booking pages and in emails.".into()),
        notice,
        action: "/admin/settings/practice".into(),
        submit: "Save",
        fields: vec![
            Field::text("name", "Practice name", &p.name).required(),
            Field::text("time_zone", "Time zone", &p.time_zone)
                .hint(ZONE_HINT)
                .required(),
            Field::input(
                "email",
                "contact_email",
                "Contact email",
                p.contact_email.unwrap_or_default(),
            )
            .hint("Shown to clients for questions; empty for none."),
            Field::text(
                "video_room_template",
                "Video room address",
                p.video_room_template.as_deref().unwrap_or_default(),
            )
            .hint(
                "Each video appointment gets its own room: an https address with {room} where \
                 the room's name goes, e.g. https://meet.example.org/{room} for a self-hosted \
                 Jitsi. A practitioner's fixed video link takes its place for them.",
            ),
        ],
        links: vec![],
    }
    .render(state, admin, status, form)
}

/// `POST /admin/settings/practice`.
#[handler]
pub async fn save_details(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
) -> PageResult {
    owner(admin)?;
    let outcome = async {
        let mut errors = FieldErrors::default();
        let name = errors.check("name", single_line(form.get("name"), 200));
        let time_zone = errors.check("time_zone", TimeZone::parse(form.get("time_zone")));
        let contact_email = match form.get("contact_email") {
            "" => Some(None),
            e => errors.check("contact_email", EmailAddress::parse(e).map(Some)),
        };
        let video_room_template = match form.get("video_room_template") {
            "" => Some(None),
            t => errors_after(&mut errors, "video_room_template", room_template(t)),
        };
        errors.into_result()?;
        let changes = SettingsChanges {
            name,
            time_zone,
            contact_email,
            video_room_template,
        };
        practice::update_settings(&state.db, changes, &admin.audit(state, origin)).await?;
        Ok(done("/admin/settings/practice", Notice::Saved))
    }
    .await;
    settle(outcome, form, |status, shown| {
        details_page(state, admin, status, None, shown)
    })
    .await
}

/// `GET /admin/settings/practitioners`.
#[handler]
pub async fn list(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    owner(admin)?;
    let all = availability::all_practitioners(&state.db).await?;
    let rows = all
        .into_iter()
        .map(|p| {
            vec![
                Cell::link(&p.name, format!("/admin/settings/practitioners/{}", p.id)),
                Cell::text(&p.email),
                Cell::text(&p.time_zone),
                Cell::text(if p.active { "Bookable" } else { "Not bookable" }),
                Cell::link(
                    "Weekly hours",
                    format!("/admin/settings/hours?practitioner={}", p.id),
                ),
            ]
        })
        .collect();
    TablePage {
        title: "Practitioners",
        section: Section::Settings,
        back: ("/admin/settings", "Settings"),
        intro: Some("The people clients book. Link a staff account to one so its owner can write notes and keep a calendar feed.".into()),
        notice: query.notice(),
        create: Some(("/admin/settings/practitioners/new", "Add a practitioner")),
        filters: None,
        columns: &["Name", "Email", "Time zone", "Booking", "Hours"],
        rows,
        empty: "No practitioners yet.",
        more: None,
    }
    .render(state, admin)
}

fn practitioner_fields(p: Option<&practitioner::Model>, zone: &str) -> Vec<Field> {
    let mut fields = vec![
        Field::text("name", "Name", p.map_or("", |p| &p.name))
            .hint("As clients see it.")
            .required(),
        Field::input("email", "email", "Email", p.map_or("", |p| &p.email))
            .hint("Where new bookings are announced.")
            .required(),
        Field::text(
            "time_zone",
            "Time zone of their hours",
            p.map_or(zone, |p| &p.time_zone),
        )
        .hint(ZONE_HINT)
        .required(),
    ];
    if let Some(p) = p {
        let licensed: Vec<String> =
            serde_json::from_value(p.licensed_in.clone()).unwrap_or_default();
        fields.push(
            Field::text(
                "video_link",
                "Fixed video link",
                p.video_link.as_deref().unwrap_or_default(),
            )
            .hint(
                "For a provider that gives them one room (their own waiting room); empty to \
                 use the practice's video room address.",
            ),
        );
        fields.push(
            Field::text("licensed_in", "Licensed in", licensed.join(", ")).hint(
                "Countries (GB) or US states and Canadian provinces (US-NY, CA-ON), separated \
                 by commas. A partner joining a video session from elsewhere is flagged.",
            ),
        );
        fields.push(
            Field::check("active", "Bookable", p.active)
                .hint("Clear to stop offering them for new bookings; booked appointments stay."),
        );
    }
    fields
}

/// `GET /admin/settings/practitioners/new`.
#[handler]
pub async fn new_form(Data(state): Data<&AppState>, Data(admin): Data<&Admin>) -> PageResult {
    owner(admin)?;
    new_page(state, admin, StatusCode::OK, json!({}))
}

fn new_page(state: &AppState, admin: &Admin, status: StatusCode, form: Value) -> PageResult {
    FormPage {
        title: "Add a practitioner",
        section: Section::Settings,
        back: ("/admin/settings/practitioners", "Practitioners"),
        intro: None,
        notice: None,
        action: "/admin/settings/practitioners/new".into(),
        submit: "Add",
        fields: practitioner_fields(None, admin.tz.name()),
        links: vec![],
    }
    .render(state, admin, status, form)
}

struct Checked {
    name: Option<String>,
    email: Option<EmailAddress>,
    time_zone: Option<TimeZone>,
}

fn check(form: &Form) -> Result<Checked, ApiError> {
    let mut errors = FieldErrors::default();
    let name = errors.check("name", single_line(form.get("name"), 200));
    let email = errors.check("email", EmailAddress::parse(form.get("email")));
    let time_zone = errors.check("time_zone", TimeZone::parse(form.get("time_zone")));
    errors.into_result()?;
    Ok(Checked {
        name,
        email,
        time_zone,
    })
}

/// `POST /admin/settings/practitioners/new`.
#[handler]
pub async fn create(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
) -> PageResult {
    owner(admin)?;
    let outcome = async {
        let c = check(form)?;
        let (Some(name), Some(email), Some(time_zone)) = (c.name, c.email, c.time_zone) else {
            return Err(ApiError::internal(anyhow::anyhow!(
                "checked fields missing"
            )));
        };
        let new = NewPractitioner {
            name,
            email,
            time_zone,
        };
        let p = practitioners::create(&state.db, new, &admin.audit(state, origin)).await?;
        Ok(done(
            &format!("/admin/settings/hours?practitioner={}", p.id),
            Notice::PractitionerAdded,
        ))
    }
    .await;
    settle(outcome, form, |status, shown| async move {
        new_page(state, admin, status, shown)
    })
    .await
}

/// `GET /admin/settings/practitioners/{id}`.
#[handler]
pub async fn edit(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    owner(admin)?;
    let p = availability::practitioner(&state.db, parse_id(&id)?).await?;
    edit_page(state, admin, &p, StatusCode::OK, query.notice(), json!({}))
}

fn edit_page(
    state: &AppState,
    admin: &Admin,
    p: &practitioner::Model,
    status: StatusCode,
    notice: Option<&'static str>,
    form: Value,
) -> PageResult {
    FormPage {
        title: "Practitioner",
        section: Section::Settings,
        back: ("/admin/settings/practitioners", "Practitioners"),
        intro: None,
        notice,
        action: format!("/admin/settings/practitioners/{}", p.id),
        submit: "Save",
        fields: practitioner_fields(Some(p), admin.tz.name()),
        links: vec![
            (
                format!("/admin/settings/hours?practitioner={}", p.id),
                "Weekly hours, date overrides and time off".into(),
            ),
            (
                format!("/admin/settings/calendar?practitioner={}", p.id),
                "Calendar feed and busy calendars".into(),
            ),
        ],
    }
    .render(state, admin, status, form)
}

/// `POST /admin/settings/practitioners/{id}`.
#[handler]
pub async fn save(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
    Path(id): Path<String>,
) -> PageResult {
    owner(admin)?;
    let p = availability::practitioner(&state.db, parse_id(&id)?).await?;
    let outcome = async {
        let c = check(form)?;
        let mut errors = FieldErrors::default();
        let video_link = match form.get("video_link") {
            "" => Some(None),
            l => errors_after(&mut errors, "video_link", video_link(l)),
        };
        let licensed_in = errors.check(
            "licensed_in",
            practitioners::parse_jurisdictions(&[form.get("licensed_in")]),
        );
        errors.into_result()?;
        let changes = PractitionerChanges {
            name: c.name,
            email: c.email,
            time_zone: c.time_zone,
            active: Some(form.has("active")),
            video_link,
            licensed_in,
        };
        practitioners::update(&state.db, p.id, changes, &admin.audit(state, origin)).await?;
        Ok(done(
            &format!("/admin/settings/practitioners/{}", p.id),
            Notice::Saved,
        ))
    }
    .await;
    settle(outcome, form, |status, shown| async move {
        edit_page(state, admin, &p, status, None, shown)
    })
    .await
}

/// An optional setting checked into `errors`: `Some(Some(value))`, or `None` after noting it.
fn errors_after(
    errors: &mut FieldErrors,
    field: &str,
    checked: Result<String, String>,
) -> Option<Option<String>> {
    errors.check(field, checked).map(Some)
}
