//! Opening hours, date overrides and time off, and the schedule the slot engine reads.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use entity::{
    appointment::{self, AppointmentStatus},
    availability_override, availability_rule, busy_block, practitioner, time_off,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    TransactionSession, TransactionTrait, sea_query::OnConflict,
};
use uuid::Uuid;

use crate::validation::FieldErrors;

use super::{
    SchedulingError,
    slots::{DateOverride, Interval, Schedule, WeeklyRule},
};
use crate::{
    audit::{Action, AuditContext, Event},
    db,
    types::TimeZone,
};

/// One weekly window, checked: `start < end`, dates in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleFields {
    pub weekday: Weekday,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
}

pub async fn practitioner(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<practitioner::Model, SchedulingError> {
    practitioner::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(SchedulingError::UnknownPractitioner)
}

/// Every practitioner, by name.
pub async fn all_practitioners(
    db: &impl ConnectionTrait,
) -> Result<Vec<practitioner::Model>, DbErr> {
    practitioner::Entity::find()
        .order_by_asc(practitioner::Column::Name)
        .all(db)
        .await
}

/// The practitioner's zone (UTC if the stored name is somehow unknown).
pub fn zone_of(p: &practitioner::Model) -> TimeZone {
    TimeZone::parse(&p.time_zone).unwrap_or(TimeZone::UTC)
}

pub async fn rules(
    db: &impl ConnectionTrait,
    practitioner_id: Uuid,
) -> Result<Vec<availability_rule::Model>, DbErr> {
    availability_rule::Entity::find()
        .filter(availability_rule::Column::PractitionerId.eq(practitioner_id))
        .order_by_asc(availability_rule::Column::Weekday)
        .order_by_asc(availability_rule::Column::StartTime)
        .all(db)
        .await
}

/// Replaces the practitioner's weekly hours with `new_rules`, atomically.
#[tracing::instrument(skip_all, fields(practitioner_id = %practitioner_id), err(level = "info"))]
pub async fn replace_rules<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    practitioner_id: Uuid,
    new_rules: Vec<RuleFields>,
    audit: &AuditContext,
) -> Result<Vec<availability_rule::Model>, SchedulingError> {
    let txn = db::begin_write(db).await?;
    practitioner(&txn, practitioner_id).await?;
    availability_rule::Entity::delete_many()
        .filter(availability_rule::Column::PractitionerId.eq(practitioner_id))
        .exec(&txn)
        .await?;
    for rule in &new_rules {
        insert_rule(&txn, practitioner_id, rule, audit.now).await?;
    }
    audit
        .record(
            &txn,
            Event::new(Action::AvailabilityUpdate)
                .entity("practitioner", practitioner_id)
                .details(serde_json::json!({ "rules": new_rules.len() })),
        )
        .await?;
    let saved = rules(&txn, practitioner_id).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Adds one weekly window.
#[tracing::instrument(skip_all, fields(practitioner_id = %practitioner_id), err(level = "info"))]
pub async fn add_rule<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    practitioner_id: Uuid,
    rule: RuleFields,
    audit: &AuditContext,
) -> Result<availability_rule::Model, SchedulingError> {
    let txn = db::begin_write(db).await?;
    practitioner(&txn, practitioner_id).await?;
    let saved = insert_rule(&txn, practitioner_id, &rule, audit.now).await?;
    audit
        .record(
            &txn,
            Event::new(Action::AvailabilityUpdate).entity("availability_rule", saved.id),
        )
        .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Adds one weekly rule for `practitioner_id` (in the caller's transaction).
pub async fn insert_rule(
    db: &impl ConnectionTrait,
    practitioner_id: Uuid,
    rule: &RuleFields,
    now: DateTime<Utc>,
) -> Result<availability_rule::Model, DbErr> {
    availability_rule::Entity::insert(availability_rule::ActiveModel {
        id: Set(Uuid::new_v4()),
        practitioner_id: Set(practitioner_id),
        weekday: Set(rule.weekday.number_from_monday() as i32),
        start_time: Set(rule.start),
        end_time: Set(rule.end),
        valid_from: Set(rule.valid_from),
        valid_until: Set(rule.valid_until),
        created_at: Set(now),
    })
    .exec_with_returning(db)
    .await
}

pub async fn overrides(
    db: &impl ConnectionTrait,
    practitioner_id: Uuid,
) -> Result<Vec<availability_override::Model>, DbErr> {
    availability_override::Entity::find()
        .filter(availability_override::Column::PractitionerId.eq(practitioner_id))
        .order_by_asc(availability_override::Column::Date)
        .all(db)
        .await
}

/// Sets the hours of one date (replacing an earlier override of that date).
#[tracing::instrument(skip_all, fields(practitioner_id = %practitioner_id), err(level = "info"))]
pub async fn set_override<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    practitioner_id: Uuid,
    date: NaiveDate,
    windows: Vec<(NaiveTime, NaiveTime)>,
    audit: &AuditContext,
) -> Result<availability_override::Model, SchedulingError> {
    let txn = db::begin_write(db).await?;
    practitioner(&txn, practitioner_id).await?;
    let json = serde_json::Value::Array(
        windows
            .iter()
            .map(|(s, e)| {
                serde_json::json!([s.format("%H:%M").to_string(), e.format("%H:%M").to_string()])
            })
            .collect(),
    );
    availability_override::Entity::insert(availability_override::ActiveModel {
        id: Set(Uuid::new_v4()),
        practitioner_id: Set(practitioner_id),
        date: Set(date),
        windows: Set(json),
        created_at: Set(audit.now),
    })
    .on_conflict(
        OnConflict::columns([
            availability_override::Column::PractitionerId,
            availability_override::Column::Date,
        ])
        .update_columns([availability_override::Column::Windows])
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let saved = availability_override::Entity::find()
        .filter(availability_override::Column::PractitionerId.eq(practitioner_id))
        .filter(availability_override::Column::Date.eq(date))
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the override just written".into()))?;
    audit
        .record(
            &txn,
            Event::new(Action::AvailabilityUpdate)
                .entity("availability_override", saved.id)
                .details(serde_json::json!({ "date": date.to_string() })),
        )
        .await?;
    txn.commit().await?;
    Ok(saved)
}

pub async fn time_off(
    db: &impl ConnectionTrait,
    practitioner_id: Uuid,
) -> Result<Vec<time_off::Model>, DbErr> {
    time_off::Entity::find()
        .filter(time_off::Column::PractitionerId.eq(practitioner_id))
        .order_by_asc(time_off::Column::StartsAt)
        .all(db)
        .await
}

/// Time off as both edges take it, its times already read (`None` where the edge could not
/// read one and noted so): it ends after it starts, lasts at most a year, falls in years a
/// practice could mean, and its note is one line of at most 200 characters. Failing fields
/// are noted in `errors` as `starts_at`, `ends_at` and `note`; an edge whose form names them
/// otherwise maps the names ([`FieldErrors::absorb`]).
pub fn check_time_off(
    errors: &mut FieldErrors,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    note: Option<&str>,
) -> Option<(Interval, Option<String>)> {
    let before = errors.len();
    for (field, at) in [("starts_at", &starts_at), ("ends_at", &ends_at)] {
        if at.is_some_and(|at| !crate::types::plausible_instant(&at)) {
            errors.add(field, "must be between the years 1900 and 9999");
        }
    }
    if let (Some(start), Some(end)) = (starts_at, ends_at) {
        if end <= start {
            errors.add("ends_at", "must be after the start");
        } else if end - start > Duration::days(366) {
            errors.add("ends_at", "must be at most a year after the start");
        }
    }
    let note = note
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .and_then(|n| errors.check("note", crate::types::single_line(n, 200)));
    let (start, end) = (starts_at?, ends_at?);
    (errors.len() == before).then(|| (Interval::new(start, end), note))
}

#[tracing::instrument(skip_all, fields(practitioner_id = %practitioner_id), err(level = "info"))]
pub async fn add_time_off<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    practitioner_id: Uuid,
    span: Interval,
    note: Option<String>,
    audit: &AuditContext,
) -> Result<time_off::Model, SchedulingError> {
    let txn = db::begin_write(db).await?;
    practitioner(&txn, practitioner_id).await?;
    let saved = time_off::Entity::insert(time_off::ActiveModel {
        id: Set(Uuid::new_v4()),
        practitioner_id: Set(practitioner_id),
        starts_at: Set(span.start),
        ends_at: Set(span.end),
        note: Set(note),
        created_at: Set(audit.now),
    })
    .exec_with_returning(&txn)
    .await?;
    audit
        .record(
            &txn,
            Event::new(Action::TimeOffCreate).entity("time_off", saved.id),
        )
        .await?;
    txn.commit().await?;
    Ok(saved)
}

/// What can be removed from a practitioner's hours by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoursItem {
    Rule,
    Override,
    TimeOff,
}

/// Removes one rule, override or stretch of time off of `practitioner_id`.
#[tracing::instrument(skip_all, fields(practitioner_id = %practitioner_id, id = %id), err(level = "info"))]
pub async fn remove<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    practitioner_id: Uuid,
    item: HoursItem,
    id: Uuid,
    audit: &AuditContext,
) -> Result<(), SchedulingError> {
    let txn = db::begin_write(db).await?;
    let removed = match item {
        HoursItem::Rule => {
            availability_rule::Entity::delete_many()
                .filter(availability_rule::Column::Id.eq(id))
                .filter(availability_rule::Column::PractitionerId.eq(practitioner_id))
                .exec(&txn)
                .await?
        }
        HoursItem::Override => {
            availability_override::Entity::delete_many()
                .filter(availability_override::Column::Id.eq(id))
                .filter(availability_override::Column::PractitionerId.eq(practitioner_id))
                .exec(&txn)
                .await?
        }
        HoursItem::TimeOff => {
            time_off::Entity::delete_many()
                .filter(time_off::Column::Id.eq(id))
                .filter(time_off::Column::PractitionerId.eq(practitioner_id))
                .exec(&txn)
                .await?
        }
    };
    if removed.rows_affected == 0 {
        return Err(SchedulingError::NotFound);
    }
    let (action, entity) = match item {
        HoursItem::Rule => (Action::AvailabilityUpdate, "availability_rule"),
        HoursItem::Override => (Action::AvailabilityUpdate, "availability_override"),
        HoursItem::TimeOff => (Action::TimeOffDelete, "time_off"),
    };
    audit
        .record(
            &txn,
            Event::new(action)
                .entity(entity, id)
                .details(serde_json::json!({ "removed": true })),
        )
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Everything the slot engine needs about one practitioner between `from` and `to`: hours,
/// overrides, time off and live appointments (widened by their buffers), except `ignore`
/// (the appointment being moved).
pub async fn schedule(
    db: &impl ConnectionTrait,
    p: &practitioner::Model,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    ignore: Option<Uuid>,
) -> Result<Schedule, DbErr> {
    // Appointments and time off reaching into the range from either side count.
    let margin = Duration::days(2);
    let (wide_from, wide_to) = (from - margin, to + margin);
    let rules = rules(db, p.id)
        .await?
        .into_iter()
        .filter_map(|r| {
            Some(WeeklyRule {
                weekday: weekday(r.weekday)?,
                start: r.start_time,
                end: r.end_time,
                valid_from: r.valid_from,
                valid_until: r.valid_until,
            })
        })
        .collect();
    let overrides = availability_override::Entity::find()
        .filter(availability_override::Column::PractitionerId.eq(p.id))
        .filter(availability_override::Column::Date.gte(wide_from.date_naive()))
        .filter(availability_override::Column::Date.lte(wide_to.date_naive()))
        .all(db)
        .await?
        .into_iter()
        .map(|o| DateOverride {
            date: o.date,
            windows: parse_windows(&o.windows),
        })
        .collect();
    let mut busy: Vec<Interval> = time_off::Entity::find()
        .filter(time_off::Column::PractitionerId.eq(p.id))
        .filter(time_off::Column::StartsAt.lt(wide_to))
        .filter(time_off::Column::EndsAt.gt(wide_from))
        .all(db)
        .await?
        .into_iter()
        .map(|t| Interval::new(t.starts_at, t.ends_at))
        .collect();
    // Busy times imported from the practitioner's other calendars.
    busy.extend(
        busy_block::Entity::find()
            .filter(busy_block::Column::PractitionerId.eq(p.id))
            .filter(busy_block::Column::StartsAt.lt(wide_to))
            .filter(busy_block::Column::EndsAt.gt(wide_from))
            .all(db)
            .await?
            .into_iter()
            .map(|b| Interval::new(b.starts_at, b.ends_at)),
    );
    let mut appointments = appointment::Entity::find()
        .filter(appointment::Column::PractitionerId.eq(p.id))
        .filter(appointment::Column::Status.ne(AppointmentStatus::Cancelled))
        .filter(appointment::Column::BlockedFrom.lt(wide_to))
        .filter(appointment::Column::BlockedUntil.gt(wide_from));
    if let Some(id) = ignore {
        appointments = appointments.filter(appointment::Column::Id.ne(id));
    }
    busy.extend(
        appointments
            .all(db)
            .await?
            .into_iter()
            .map(|a| Interval::new(a.blocked_from, a.blocked_until)),
    );
    Ok(Schedule {
        tz: zone_of(p).tz(),
        rules,
        overrides,
        busy,
    })
}

pub fn weekday(iso: i32) -> Option<Weekday> {
    match iso {
        1 => Some(Weekday::Mon),
        2 => Some(Weekday::Tue),
        3 => Some(Weekday::Wed),
        4 => Some(Weekday::Thu),
        5 => Some(Weekday::Fri),
        6 => Some(Weekday::Sat),
        7 => Some(Weekday::Sun),
        _ => None,
    }
}

/// `[["09:00","12:00"], …]` as stored; anything unreadable is left out.
pub fn parse_windows(json: &serde_json::Value) -> Vec<(NaiveTime, NaiveTime)> {
    json.as_array()
        .map(|windows| {
            windows
                .iter()
                .filter_map(|w| {
                    let start = NaiveTime::parse_from_str(w.get(0)?.as_str()?, "%H:%M").ok()?;
                    let end = NaiveTime::parse_from_str(w.get(1)?.as_str()?, "%H:%M").ok()?;
                    Some((start, end))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The weekday-09:00–17:00 hours a new practitioner starts with.
pub fn default_week() -> Vec<RuleFields> {
    let nine = NaiveTime::from_hms_opt(9, 0, 0).expect("valid time");
    let five = NaiveTime::from_hms_opt(17, 0, 0).expect("valid time");
    [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ]
    .into_iter()
    .map(|weekday| RuleFields {
        weekday,
        start: nine,
        end: five,
        valid_from: None,
        valid_until: None,
    })
    .collect()
}
