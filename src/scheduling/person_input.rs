//! One partner's details as sent, from the JSON API or the dashboard's client form, and the
//! one set of rules they are checked by.

use super::clients::PersonFields;
use crate::{
    types::{EmailAddress, PersonName, TimeZone, single_line},
    validation::FieldErrors,
};

/// As typed; blank optional fields count as absent. No `Debug`, so a partner's details
/// never reach a log line.
#[derive(Clone, Default)]
pub struct PersonInput {
    pub first_name: String,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub pronouns: Option<String>,
    /// IANA zone, e.g. `America/Chicago`.
    pub time_zone: Option<String>,
    /// `email`, `phone` or `text`.
    pub preferred_contact: Option<String>,
}

impl PersonInput {
    /// The checked fields, or `None` after noting each failure under `prefix`
    /// (`participants[0].email`).
    pub fn check(&self, prefix: &str, errors: &mut FieldErrors) -> Option<PersonFields> {
        let at = |field: &str| {
            if prefix.is_empty() {
                field.to_owned()
            } else {
                format!("{prefix}.{field}")
            }
        };
        let optional = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let first_name = errors.check(
            &at("first_name"),
            PersonName::part(&self.first_name).map(PersonName::into_string),
        );
        let last_name = match optional(&self.last_name) {
            Some(l) => errors.check(
                &at("last_name"),
                PersonName::part(&l).map(PersonName::into_string),
            ),
            None => Some(String::new()),
        };
        let email = optional(&self.email).and_then(|e| {
            errors.check(
                &at("email"),
                EmailAddress::parse(&e).map(EmailAddress::into_inner),
            )
        });
        let phone = optional(&self.phone).and_then(|ph| {
            errors.check(
                &at("phone"),
                crate::types::Phone::parse(&ph).map(crate::types::Phone::into_string),
            )
        });
        let pronouns = optional(&self.pronouns)
            .and_then(|v| errors.check(&at("pronouns"), single_line(&v, 40)));
        let time_zone = optional(&self.time_zone).and_then(|v| {
            errors.check(
                &at("time_zone"),
                TimeZone::parse(&v).map(|tz| tz.name().to_owned()),
            )
        });
        let preferred_contact = optional(&self.preferred_contact).and_then(|v| {
            errors.check(
                &at("preferred_contact"),
                if ["email", "phone", "text"].contains(&v.as_str()) {
                    Ok(v)
                } else {
                    Err("must be email, phone or text")
                },
            )
        });
        Some(PersonFields {
            first_name: first_name?,
            last_name: last_name?,
            email,
            phone,
            pronouns,
            time_zone,
            preferred_contact,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_named_under_their_prefix_and_a_phone_keeps_its_length_cap() {
        let mut errors = FieldErrors::default();
        let person = PersonInput {
            first_name: " ".into(),
            phone: Some(format!("{}555 010 0199", "(".repeat(30))),
            preferred_contact: Some("fax".into()),
            ..PersonInput::default()
        };
        assert!(person.check("participants[1]", &mut errors).is_none());
        let Err(crate::validation::Invalid(found)) = errors.into_result() else {
            panic!("nothing was refused");
        };
        let fields: Vec<_> = found.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "participants[1].first_name",
                "participants[1].phone",
                "participants[1].preferred_contact"
            ]
        );
    }
}
