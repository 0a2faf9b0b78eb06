//! `/admin/settings/types`: what can be booked, for how long, by whom, and how far ahead
//! (anyone who schedules, as in the API).

use crate::http::pages::PageResult;
use entity::appointment_type::{self, LocationKind};
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
    auth::Permission,
    http::problem::ApiError,
    intake::questionnaires,
    scheduling::{availability, type_input::TypeInput, types},
    validation::{FieldErrors, Patch},
};

fn schedules(admin: &Admin) -> Result<(), ApiError> {
    Ok(admin.staff.require(Permission::Schedule)?)
}

fn location_label(kind: LocationKind) -> &'static str {
    match kind {
        LocationKind::InPerson => "In person",
        LocationKind::Video => "Video",
        LocationKind::Phone => "Phone",
    }
}

const LOCATIONS: [(&str, LocationKind); 3] = [
    ("in_person", LocationKind::InPerson),
    ("video", LocationKind::Video),
    ("phone", LocationKind::Phone),
];

/// `GET /admin/settings/types`.
#[handler]
pub async fn list(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    schedules(admin)?;
    let all = types::list_all(&state.db).await?;
    let rows = all
        .into_iter()
        .map(|t| {
            let reminders = types::reminder_minutes(&t);
            vec![
                Cell::link(&t.name, format!("/admin/settings/types/{}", t.id)).quiet(&t.slug),
                Cell::text(format!("{} min", t.duration_minutes)),
                Cell::text(location_label(t.location_kind)),
                Cell::text(match (t.active, t.public) {
                    (false, _) => "Retired",
                    (true, true) => "Online booking",
                    (true, false) => "Staff only",
                }),
                Cell::text(if reminders.is_empty() {
                    "None".to_owned()
                } else {
                    reminders
                        .iter()
                        .map(|m| before(*m))
                        .collect::<Vec<_>>()
                        .join(", ")
                }),
            ]
        })
        .collect();
    TablePage {
        title: "Appointment types",
        section: Section::Settings,
        back: ("/admin/settings", "Settings"),
        intro: Some(
            "What can be booked. Changes apply to new bookings; booked appointments keep their times."
                .into(),
        ),
        notice: query.notice(),
        create: Some(("/admin/settings/types/new", "Add an appointment type")),
        filters: None,
        columns: &["Type", "Length", "Where", "Booking", "Reminders"],
        rows,
        empty: "No appointment types yet.",
        more: None,
    }
    .render(state, admin)
}

/// "1 day before", "2 h before", "30 min before".
fn before(minutes: i32) -> String {
    match minutes {
        m if m % 1440 == 0 => format!(
            "{} day{} before",
            m / 1440,
            if m == 1440 { "" } else { "s" }
        ),
        m if m % 60 == 0 => format!("{} h before", m / 60),
        m => format!("{m} min before"),
    }
}

async fn fields(
    state: &AppState,
    t: Option<&appointment_type::Model>,
    offered: &[Uuid],
) -> Result<Vec<Field>, ApiError> {
    let people: Vec<(String, String)> = availability::all_practitioners(&state.db)
        .await?
        .into_iter()
        .map(|p| (p.id.to_string(), p.name))
        .collect();
    let mut forms = vec![(String::new(), "None".to_owned())];
    forms.extend(
        questionnaires::list(&state.db)
            .await?
            .into_iter()
            .map(|q| (q.id.to_string(), q.title)),
    );
    let locations: Vec<(String, String)> = LOCATIONS
        .iter()
        .map(|(v, k)| ((*v).to_owned(), location_label(*k).to_owned()))
        .collect();
    let num = |f: fn(&appointment_type::Model) -> i32, default: i32| t.map_or(default, f);
    let offered: Vec<String> = offered.iter().map(Uuid::to_string).collect();
    let offered: Vec<&str> = offered.iter().map(String::as_str).collect();
    let location = t.map_or(LocationKind::Video, |t| t.location_kind);
    let location = LOCATIONS
        .iter()
        .find(|(_, k)| *k == location)
        .map_or("video", |(v, _)| v);
    let reminders = t.map_or_else(
        || types::DEFAULT_REMINDERS.to_vec(),
        types::reminder_minutes,
    );
    let intake = t
        .and_then(|t| t.intake_questionnaire_id)
        .map(|q| q.to_string())
        .unwrap_or_default();
    Ok(vec![
        Field::text("name", "Name", t.map_or("", |t| &t.name)).required(),
        Field::text("slug", "Short name for links", t.map_or("", |t| &t.slug))
            .hint("Lower-case letters, digits and dashes, like couples-session.")
            .required(),
        Field::textarea("description", "Description", t.map_or("", |t| &t.description))
            .hint("Shown to clients when they choose."),
        Field::number("duration_minutes", "Length (minutes)", num(|t| t.duration_minutes, 50))
            .attr("min", 5)
            .attr("max", 480),
        Field::number("buffer_before_minutes", "Free time before (minutes)", num(|t| t.buffer_before_minutes, 0))
            .attr("min", 0)
            .attr("max", 120),
        Field::number("buffer_after_minutes", "Free time after (minutes)", num(|t| t.buffer_after_minutes, 10))
            .attr("min", 0)
            .attr("max", 120),
        Field::number("slot_step_minutes", "Start times every (minutes)", num(|t| t.slot_step_minutes, 15))
            .attr("min", 5)
            .attr("max", 240),
        Field::number("min_notice_minutes", "Booking notice (minutes)", num(|t| t.min_notice_minutes, 720))
            .hint("How long before a time it can still be booked online: 720 is 12 hours.")
            .attr("min", 0)
            .attr("max", 43200),
        Field::number("horizon_days", "Bookable up to (days ahead)", num(|t| t.horizon_days, 60))
            .attr("min", 1)
            .attr("max", 730),
        Field::number("cancellation_cutoff_minutes", "Clients may cancel until (minutes before)", num(|t| t.cancellation_cutoff_minutes, 1440))
            .hint("After this the cancel link asks them to contact the practice: 1440 is a day.")
            .attr("min", 0)
            .attr("max", 43200),
        Field::text("reminder_minutes", "Reminder emails (minutes before)", reminders.iter().map(i32::to_string).collect::<Vec<_>>().join(", "))
            .hint("Up to five, separated by commas: 1440 is a day before, 120 two hours. Empty: no reminders."),
        Field::select("location_kind", "Where", &locations, location),
        Field::text("location_details", "Address or how to join", t.and_then(|t| t.location_details.as_deref()).unwrap_or(""))
            .hint("Sent in the confirmation email."),
        Field::text("client_title", "Title in clients' calendars", t.and_then(|t| t.client_title.as_deref()).unwrap_or(""))
            .hint("Empty: \"Appointment with\" and the practitioner's name. A client's calendar is often seen by others; {practitioner} is replaced by the name."),
        Field::checks("practitioner_ids", "Offered by", &people, &offered),
        Field::select("intake_questionnaire_id", "Questionnaire sent when booked", &forms, &intake),
        Field::check("public", "Bookable online by anyone", t.is_some_and(|t| t.public)),
        Field::check("active", "In use", t.is_none_or(|t| t.active))
            .hint("Clear to retire it: it is no longer offered, and booked appointments stay."),
    ])
}

/// The form as a type's input; a field that is not a number or an id is named.
fn type_input(form: &Form) -> Result<TypeInput, ApiError> {
    let mut errors = FieldErrors::default();
    let mut num = |name: &str| form.number(name, &mut errors);
    let duration_minutes = num("duration_minutes");
    let buffer_before_minutes = num("buffer_before_minutes");
    let buffer_after_minutes = num("buffer_after_minutes");
    let slot_step_minutes = num("slot_step_minutes");
    let min_notice_minutes = num("min_notice_minutes");
    let horizon_days = num("horizon_days");
    let cancellation_cutoff_minutes = num("cancellation_cutoff_minutes");
    let reminder_minutes: Option<Vec<i32>> = form
        .get("reminder_minutes")
        .split([',', ' '])
        .filter(|m| !m.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .map_err(|_| {
            errors.add(
                "reminder_minutes",
                "must be whole numbers of minutes separated by commas",
            )
        })
        .ok();
    let location_kind = match form.get("location_kind") {
        "in_person" => Some(LocationKind::InPerson),
        "video" => Some(LocationKind::Video),
        "phone" => Some(LocationKind::Phone),
        _ => {
            errors.add("location_kind", "is not one of the choices");
            None
        }
    };
    let practitioner_ids: Option<Vec<Uuid>> = form
        .all("practitioner_ids")
        .into_iter()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .map_err(|_| errors.add("practitioner_ids", "is not one of the practitioners"))
        .ok();
    let intake_questionnaire_id = match form.get("intake_questionnaire_id") {
        "" => Patch::Clear,
        q => match q.parse() {
            Ok(id) => Patch::Set(id),
            Err(_) => {
                errors.add("intake_questionnaire_id", "is not a questionnaire");
                Patch::Clear
            }
        },
    };
    errors.into_result()?;
    Ok(TypeInput {
        slug: Some(form.get("slug").to_owned()),
        name: Some(form.get("name").to_owned()),
        description: Some(form.get("description").to_owned()),
        duration_minutes,
        buffer_before_minutes,
        buffer_after_minutes,
        slot_step_minutes,
        min_notice_minutes,
        horizon_days,
        cancellation_cutoff_minutes,
        public: Some(form.has("public")),
        location_kind,
        location_details: Some(form.get("location_details").to_owned()),
        client_title: Some(form.get("client_title").to_owned()),
        active: Some(form.has("active")),
        practitioner_ids,
        reminder_minutes,
        intake_questionnaire_id,
    })
}

/// `GET /admin/settings/types/new`.
#[handler]
pub async fn new_form(Data(state): Data<&AppState>, Data(admin): Data<&Admin>) -> PageResult {
    schedules(admin)?;
    page(state, admin, None, &[], StatusCode::OK, None, json!({})).await
}

async fn page(
    state: &AppState,
    admin: &Admin,
    t: Option<&appointment_type::Model>,
    offered: &[Uuid],
    status: StatusCode,
    notice: Option<&'static str>,
    form: Value,
) -> PageResult {
    FormPage {
        title: if t.is_some() {
            "Appointment type"
        } else {
            "Add an appointment type"
        },
        section: Section::Settings,
        back: ("/admin/settings/types", "Appointment types"),
        intro: None,
        notice,
        action: t.map_or_else(
            || "/admin/settings/types/new".to_owned(),
            |t| format!("/admin/settings/types/{}", t.id),
        ),
        submit: if t.is_some() { "Save" } else { "Add" },
        fields: fields(state, t, offered).await?,
        links: vec![],
    }
    .render(state, admin, status, form)
}

/// `POST /admin/settings/types/new`.
#[handler]
pub async fn create(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
) -> PageResult {
    schedules(admin)?;
    let outcome = async {
        let fields = type_input(form)?.check(None)?;
        types::save(&state.db, None, fields, &admin.audit(state, origin)).await?;
        Ok(done("/admin/settings/types", Notice::TypeAdded))
    }
    .await;
    settle(outcome, form, |status, shown| {
        page(state, admin, None, &[], status, None, shown)
    })
    .await
}

/// `GET /admin/settings/types/{id}`.
#[handler]
pub async fn edit(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    schedules(admin)?;
    let t = types::find(&state.db, parse_id(&id)?).await?;
    let offered = types::offered_ids(&state.db, t.id).await?;
    page(
        state,
        admin,
        Some(&t),
        &offered,
        StatusCode::OK,
        query.notice(),
        json!({}),
    )
    .await
}

/// `POST /admin/settings/types/{id}`.
#[handler]
pub async fn save(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
    Path(id): Path<String>,
) -> PageResult {
    schedules(admin)?;
    let t = types::find(&state.db, parse_id(&id)?).await?;
    let offered = types::offered_ids(&state.db, t.id).await?;
    let outcome = async {
        let fields = type_input(form)?.check(Some((t.clone(), offered.clone())))?;
        types::save(&state.db, Some(t.id), fields, &admin.audit(state, origin)).await?;
        Ok(done(
            &format!("/admin/settings/types/{}", t.id),
            Notice::Saved,
        ))
    }
    .await;
    settle(outcome, form, |status, shown| {
        page(state, admin, Some(&t), &offered, status, None, shown)
    })
    .await
}
