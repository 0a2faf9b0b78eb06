//! A series as staff send it, from the API's body or the dashboard's form, and the one set of
//! rules it is checked by: every field that fails is named at once.

use chrono::NaiveDate;
use uuid::Uuid;

use super::SeriesRequest;
use crate::{
    scheduling::{
        booking_input::SlotStart,
        series::{Ends, Recurrence},
    },
    types::TimeZone,
    validation::{FieldErrors, Invalid},
};

/// The fields as sent; `count` and `until` are the two ways to end it, exactly one given.
#[derive(Clone, Debug, Default)]
pub struct SeriesInput {
    pub client_id: Uuid,
    pub appointment_type_id: Uuid,
    pub practitioner_id: Uuid,
    /// RFC 3339 with its offset.
    pub first_start: String,
    /// The IANA zone whose wall-clock time the series keeps.
    pub tz: String,
    pub every_weeks: i64,
    pub count: Option<i64>,
    /// A local date, `YYYY-MM-DD`: the last session is on or before it.
    pub until: Option<String>,
    pub outside_hours: bool,
    pub skip_conflicts: bool,
}

impl SeriesInput {
    pub fn check(&self) -> Result<SeriesRequest, Invalid> {
        let mut errors = FieldErrors::default();
        let first = errors.check(
            "first_start",
            SlotStart::check(&self.first_start).map(SlotStart::instant),
        );
        let tz = errors.check("tz", TimeZone::parse(&self.tz));
        let every_weeks = errors.check(
            "every_weeks",
            u32::try_from(self.every_weeks).map_err(|_| "must be from 1 to 4"),
        );
        let until = self
            .until
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty());
        let ends = match (self.count, until) {
            (Some(_), Some(_)) => {
                errors.add("until", "give count or until, not both");
                None
            }
            (None, None) => {
                errors.add("count", "give count (how many sessions) or until (a date)");
                None
            }
            (Some(count), None) => errors.check(
                "count",
                u32::try_from(count)
                    .map(Ends::After)
                    .map_err(|_| "must be from 1 to 52"),
            ),
            (None, Some(until)) => errors.check(
                "until",
                NaiveDate::parse_from_str(until, "%Y-%m-%d")
                    .map(Ends::On)
                    .map_err(|_| "must be a date like 2027-03-31"),
            ),
        };
        errors.into_result()?;
        let (Some(first), Some(tz), Some(every_weeks), Some(ends)) = (first, tz, every_weeks, ends)
        else {
            unreachable!("every field that failed was noted");
        };
        let recurrence = Recurrence::from_first(first, tz, every_weeks, ends);
        // The shape's own bounds (weeks 1–4, at most 52 sessions, until after the first).
        recurrence.local_starts().map_err(|e| {
            Invalid(vec![crate::validation::FieldError::new(
                e.field(),
                e.to_string(),
            )])
        })?;
        Ok(SeriesRequest {
            client_id: self.client_id,
            appointment_type_id: self.appointment_type_id,
            practitioner_id: self.practitioner_id,
            recurrence,
            outside_hours: self.outside_hours,
            skip_conflicts: self.skip_conflicts,
        })
    }
}
