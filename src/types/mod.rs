//! Values checked once at the edge. Past a `parse`, code trusts the type.

mod email;
mod iso3166;
mod name;
mod phone;
mod place;
mod public_url;
mod time_zone;
pub mod video_address;

pub use email::EmailAddress;
pub use name::{PersonName, first_name_of, joined};
pub use phone::Phone;
pub use place::{Jurisdiction, Place, countries, regions_of};
pub use public_url::PublicUrl;
pub use time_zone::{Gap, TimeZone};

use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// One line of text a person typed (a name, a label): trimmed, 1 to `max` characters, no
/// control characters (which includes NUL, tabs and line breaks).
pub fn single_line(value: &str, max: usize) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err("must not be empty".into());
    }
    if value.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if value.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(value.to_owned())
}

/// Whether an instant a client sent is one a practice could mean: years 1900 to 9999.
/// chrono reads years like +200000, which PostgreSQL cannot store and SQLite sorts wrongly.
pub fn plausible_instant(at: &DateTime<Utc>) -> bool {
    (1900..=9999).contains(&at.year())
}

/// The same for a date.
pub fn plausible_date(day: &NaiveDate) -> bool {
    (1900..=9999).contains(&day.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_lines_are_trimmed_bounded_and_printable() {
        assert_eq!(single_line("  Jo  ", 10).unwrap(), "Jo");
        assert!(single_line("", 10).is_err());
        assert!(single_line("a\u{0}b", 10).is_err());
        assert!(single_line("a\nb", 10).is_err());
        assert!(single_line(&"x".repeat(11), 10).is_err());
    }

    #[test]
    fn far_away_years_are_not_plausible() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert!(plausible_instant(&at("2026-11-24T10:00:00Z")));
        assert!(!plausible_instant(&at("+200000-01-01T00:00:00Z")));
        assert!(!plausible_instant(&at("0001-01-01T00:00:00Z")));
    }
}
