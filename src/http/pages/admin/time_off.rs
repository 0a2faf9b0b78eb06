//! The hours page's other two forms: a date's own hours (or closed all day) and time off,
//! and removing either. The page itself, sections included, is drawn in `settings.rs`.

use crate::http::pages::PageResult;
use chrono::{NaiveDate, NaiveTime};
use entity::practitioner;
use poem::{
    Response, handler,
    web::{Data, Path},
};

use super::{
    Admin, Form, Notice, done, parse_id,
    settings::{hours_again, posted},
};
use crate::{
    AppState,
    audit::Origin,
    auth::Permission,
    http::problem::ApiError,
    scheduling::availability::{self, HoursItem},
    validation::FieldErrors,
};

/// The one message of a refused typed time.
fn message(e: ApiError) -> String {
    e.errors()
        .first()
        .map_or_else(|| e.detail().to_owned(), |f| f.message.clone())
}

fn schedules(admin: &Admin) -> Result<(), ApiError> {
    Ok(admin.staff.require(Permission::Schedule)?)
}

fn here(p: &practitioner::Model, notice: Notice) -> Response {
    done(
        &format!("/admin/settings/hours?practitioner={}", p.id),
        notice,
    )
}

/// `POST /admin/settings/hours/overrides`: one date's hours, or closed all day.
#[handler]
pub async fn set_override(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
) -> PageResult {
    schedules(admin)?;
    let (all, p) = posted(state, form).await?;
    let outcome = async {
        let mut errors = FieldErrors::default();
        let date = errors.check(
            "date",
            NaiveDate::parse_from_str(form.get("date"), "%Y-%m-%d").map_err(|_| "must be a date"),
        );
        let windows = if form.has("closed") {
            Vec::new()
        } else {
            let parse = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").ok();
            match (parse(form.get("start")), parse(form.get("end"))) {
                (Some(s), Some(e)) if s < e => vec![(s, e)],
                (Some(_), Some(_)) => {
                    errors.add("start", "The start must be before the end.");
                    Vec::new()
                }
                _ => {
                    errors.add(
                        "start",
                        "Give a start and an end, or tick \u{201c}Closed all day\u{201d}.",
                    );
                    Vec::new()
                }
            }
        };
        errors.into_result()?;
        let Some(date) = date else {
            return Err(ApiError::internal(anyhow::anyhow!("checked date missing")));
        };
        availability::set_override(&state.db, p.id, date, windows, &admin.audit(state, origin))
            .await?;
        Ok(here(&p, Notice::OverrideSaved))
    }
    .await;
    hours_again(state, admin, &all, &p, form, "override", outcome).await
}

/// `POST /admin/settings/hours/time-off`: a span in the practitioner's zone.
#[handler]
pub async fn add_time_off(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
) -> PageResult {
    schedules(admin)?;
    let (all, p) = posted(state, form).await?;
    let tz = availability::zone_of(&p);
    let outcome = async {
        let mut errors = FieldErrors::default();
        let start = errors.check(
            "off_start",
            super::typed_time::local_time("off_start", form.get("off_start"), tz).map_err(message),
        );
        let end = errors.check(
            "off_end",
            super::typed_time::local_time("off_end", form.get("off_end"), tz).map_err(message),
        );
        let mut shared = FieldErrors::default();
        let checked =
            availability::check_time_off(&mut shared, start, end, Some(form.get("off_note")));
        errors.absorb(
            shared,
            &[
                ("starts_at", "off_start"),
                ("ends_at", "off_end"),
                ("note", "off_note"),
            ],
        );
        errors.into_result()?;
        let Some((span, note)) = checked else {
            return Err(ApiError::internal(anyhow::anyhow!("checked span missing")));
        };
        availability::add_time_off(&state.db, p.id, span, note, &admin.audit(state, origin))
            .await?;
        Ok(here(&p, Notice::TimeOffAdded))
    }
    .await;
    hours_again(state, admin, &all, &p, form, "off", outcome).await
}

/// `POST /admin/settings/hours/{overrides|time-off}/{id}/remove`.
#[handler]
pub async fn remove(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
    Path((kind, id)): Path<(String, String)>,
) -> PageResult {
    schedules(admin)?;
    let (_, p) = posted(state, form).await?;
    let item = match kind.as_str() {
        "overrides" => HoursItem::Override,
        "time-off" => HoursItem::TimeOff,
        _ => return Err(ApiError::not_found("There is nothing at this address.")),
    };
    availability::remove(
        &state.db,
        p.id,
        item,
        parse_id(&id)?,
        &admin.audit(state, origin),
    )
    .await?;
    Ok(here(&p, Notice::Removed))
}
