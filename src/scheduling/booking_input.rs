//! What a client books with, as they typed it, and the one set of rules it is checked by. The
//! JSON API's body and the booking page's form both fill a [`BookingInput`], so the two edges
//! cannot drift apart: a field is refused, and named, the same way on both.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::{booking::BookingRequest, clients::PersonFields};
use crate::{
    types::{EmailAddress, PersonName, TimeZone},
    validation::{FieldError, FieldErrors, Invalid},
};

/// A booking as sent. Blank optional fields count as absent. No `Debug`: it holds names,
/// addresses and the message, which must never reach a log line.
#[derive(Clone, Default, Serialize)]
pub struct BookingInput {
    /// The appointment type's slug.
    #[serde(rename = "type")]
    pub type_slug: String,
    /// RFC 3339 with its offset.
    pub start: String,
    pub practitioner_id: Option<Uuid>,
    /// The full name of the person booking.
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub partner_name: Option<String>,
    pub partner_email: Option<String>,
    pub message: Option<String>,
    /// The IANA zone the times were chosen in.
    pub tz: Option<String>,
}

/// The longest booking message kept.
pub const MAX_MESSAGE: usize = 2000;

impl BookingInput {
    /// Checks every field, reporting all that fail at once; times are read in `tz`, or in
    /// `practice_zone` when none was given.
    pub fn check(&self, practice_zone: TimeZone) -> Result<(BookingRequest, TimeZone), Invalid> {
        let mut errors = FieldErrors::default();
        let tz = match optional(&self.tz) {
            Some(tz) => errors.check("tz", TimeZone::parse(tz)),
            None => Some(practice_zone),
        };
        let start = errors.check(
            "start",
            SlotStart::check(&self.start).map(SlotStart::instant),
        );
        let name = errors.check("name", PersonName::split(&self.name));
        let email = errors.check("email", EmailAddress::parse(&self.email));
        let phone = optional(&self.phone).and_then(|p| {
            errors.check(
                "phone",
                crate::types::Phone::parse(p).map(crate::types::Phone::into_string),
            )
        });
        let partner_name = optional(&self.partner_name)
            .and_then(|n| errors.check("partner_name", PersonName::split(n)));
        let partner_email = optional(&self.partner_email)
            .and_then(|e| errors.check("partner_email", EmailAddress::parse(e)));
        if optional(&self.partner_email).is_some() && optional(&self.partner_name).is_none() {
            errors.add("partner_name", "is needed with a partner's email");
        }
        if let (Some(partner), Some(email)) = (&partner_email, &email)
            && partner.as_str().eq_ignore_ascii_case(email.as_str())
        {
            errors.add("partner_email", "must differ from your own email");
        }
        let message = optional(&self.message);
        if message.is_some_and(|m| m.chars().count() > MAX_MESSAGE) {
            errors.add("message", "must be at most 2,000 characters");
        }
        let type_slug = self.type_slug.trim().to_owned();
        if type_slug.is_empty() || type_slug.len() > 100 {
            errors.add("type", "must be an appointment type's slug");
        }
        errors.into_result()?;
        let (Some(tz), Some(start), Some((first, last)), Some(email)) = (tz, start, name, email)
        else {
            unreachable!("each missing value noted its field");
        };
        let booker = PersonFields {
            first_name: first,
            last_name: last,
            email: Some(email.into_inner()),
            phone,
            time_zone: Some(tz.name().to_owned()),
            preferred_contact: Some("email".into()),
            ..PersonFields::default()
        };
        // A couple booking together is taken to share the zone the times were chosen in.
        let partner = partner_name.map(|(first, last)| PersonFields {
            first_name: first,
            last_name: last,
            email: partner_email.map(EmailAddress::into_inner),
            time_zone: Some(tz.name().to_owned()),
            ..PersonFields::default()
        });
        Ok((
            BookingRequest {
                type_slug,
                start,
                practitioner_id: self.practitioner_id,
                booker,
                partner,
                message: message.map(str::to_owned),
                idempotency: None,
            },
            tz,
        ))
    }
}

impl BookingInput {
    /// What a retry must repeat exactly for its key to answer the first booking again.
    pub fn fingerprint(&self) -> String {
        crate::crypto::hash_secret(&serde_json::to_string(self).unwrap_or_default())
    }
}

/// A retry key (`Idempotency-Key`, or the booking form's hidden field): 1 to 200 printable
/// characters, so the same request sent twice books once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(value: &str) -> Result<Self, String> {
        let key = value.trim();
        if key.is_empty() || key.len() > 200 || !key.chars().all(|c| c.is_ascii_graphic()) {
            return Err("must be 1 to 200 printable characters".into());
        }
        Ok(Self(key.to_owned()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A chosen start time: RFC 3339 with an offset (`Z` counts), since a local time without one
/// is ambiguous, in the years a practice could mean. Whether the slot is free is the
/// booking's question, not the parser's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotStart(DateTime<Utc>);

impl SlotStart {
    /// The field both edges call `start`.
    pub fn parse(value: &str) -> Result<Self, Invalid> {
        Self::check(value).map_err(|m| Invalid(vec![FieldError::new("start", m)]))
    }

    pub fn check(value: &str) -> Result<Self, String> {
        let at = DateTime::parse_from_rfc3339(value.trim())
            .map_err(|_| "must be a date and time with its offset, like 2026-12-01T15:00:00-05:00")?
            .with_timezone(&Utc);
        if !crate::types::plausible_instant(&at) {
            return Err("must be between the years 1900 and 9999".into());
        }
        Ok(Self(at))
    }

    pub fn instant(self) -> DateTime<Utc> {
        self.0
    }
}

/// A field the client may leave out or blank.
fn optional(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> BookingInput {
        BookingInput {
            type_slug: "free-consultation".into(),
            start: "2026-12-08T14:00:00Z".into(),
            name: "Mary Ann Smith".into(),
            email: "mary@example.org".into(),
            ..BookingInput::default()
        }
    }

    #[test]
    fn a_booking_is_read_in_the_practice_zone_unless_it_names_one() {
        let (request, tz) = input().check(TimeZone::UTC).unwrap();
        assert_eq!(tz, TimeZone::UTC);
        assert_eq!(request.booker.first_name, "Mary Ann");
        assert_eq!(request.booker.last_name, "Smith");
        let zoned = BookingInput {
            tz: Some("Europe/London".into()),
            ..input()
        };
        assert_eq!(
            zoned.check(TimeZone::UTC).unwrap().1.name(),
            "Europe/London"
        );
    }

    #[test]
    fn every_failing_field_is_named_at_once() {
        let bad = BookingInput {
            start: "2026-12-08 14:00".into(),
            email: "nobody".into(),
            partner_email: Some("MARY@example.org".into()),
            message: Some("x".repeat(MAX_MESSAGE + 1)),
            tz: Some("Mars/Olympus".into()),
            ..input()
        };
        // No Debug on a request: it holds names and the message.
        let Err(Invalid(errors)) = bad.check(TimeZone::UTC) else {
            panic!("a bad booking was accepted");
        };
        let mut fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        fields.sort();
        assert_eq!(
            fields,
            ["email", "message", "partner_name", "start", "tz"],
            "{errors:?}"
        );
    }

    #[test]
    fn retry_keys_are_printable_and_bounded() {
        assert!(IdempotencyKey::parse(" form_abc ").is_ok());
        for bad in ["", "   ", "has space", &"k".repeat(201), "tab\tkey"] {
            assert!(IdempotencyKey::parse(bad).is_err(), "{bad:?}");
        }
    }
}
