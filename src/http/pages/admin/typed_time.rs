//! Dates and times staff type into the dashboard's `datetime-local` fields, read in the
//! dashboard's zone.

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::{
    http::problem::ApiError,
    types::{Gap, TimeZone},
    validation::FieldErrors,
};

/// A typed `datetime-local` value read in `tz`; a time the clocks skip or repeat is refused
/// beside `field` rather than guessed.
pub fn local_time(field: &str, typed: &str, tz: TimeZone) -> Result<DateTime<Utc>, ApiError> {
    let local = NaiveDateTime::parse_from_str(typed, "%Y-%m-%dT%H:%M")
        .map_err(|_| ApiError::invalid(field, "must be a date and a time"))?;
    let at = tz.instant(local, Gap::Refuse).ok_or_else(|| {
        ApiError::invalid(
            field,
            "falls in the hour the clocks change; choose another time",
        )
    })?;
    if !crate::types::plausible_instant(&at) {
        return Err(ApiError::invalid(field, "must be a real date"));
    }
    Ok(at)
}

/// The instant typed in `field`, or `None` after noting why beside it (`missing` when blank).
pub fn typed(
    errors: &mut FieldErrors,
    field: &str,
    value: &str,
    missing: &str,
    tz: TimeZone,
) -> Option<DateTime<Utc>> {
    if value.is_empty() {
        errors.add(field, missing);
        return None;
    }
    match local_time(field, value, tz) {
        Ok(at) => Some(at),
        Err(e) => {
            errors.add(
                field,
                e.errors()
                    .first()
                    .map_or("is not a time", |f| f.message.as_str()),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_york() -> TimeZone {
        TimeZone::parse("America/New_York").unwrap()
    }

    #[test]
    fn a_typed_time_is_read_in_the_practices_zone_either_side_of_the_clock_change() {
        let at = |typed| local_time("start_local", typed, new_york()).map(|t| t.to_rfc3339());
        assert_eq!(at("2027-03-13T10:00").unwrap(), "2027-03-13T15:00:00+00:00");
        assert_eq!(at("2027-03-15T10:00").unwrap(), "2027-03-15T14:00:00+00:00");
    }

    #[test]
    fn an_hour_the_clocks_skip_or_repeat_is_refused_not_guessed() {
        for typed in ["2027-03-14T02:30", "2026-11-01T01:30"] {
            let failure = local_time("start_local", typed, new_york()).unwrap_err();
            assert_eq!(failure.errors()[0].field, "start_local", "{typed}");
        }
        let failure = local_time("start_local", "2026-12-08 10:00", new_york()).unwrap_err();
        assert_eq!(failure.errors()[0].field, "start_local");
    }
}
