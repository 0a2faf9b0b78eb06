//! People's names, one rule each, for every edge that takes one.

use super::single_line;

/// The longest full name (a staff member, a practitioner, a couple's display name, "Jane
/// Doe" on the booking form).
pub const FULL_NAME_MAX: usize = 200;
/// The longest first or last name a client record keeps.
pub const NAME_PART_MAX: usize = 100;

/// A person's name as typed, checked: one line, and at most [`FULL_NAME_MAX`] characters
/// for a full name or [`NAME_PART_MAX`] for a first or last name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    /// A full name as shown ("Jane Doe", a staff member, a couple's display name).
    pub fn full(value: &str) -> Result<Self, String> {
        single_line(value, FULL_NAME_MAX).map(Self)
    }

    /// A first or last name.
    pub fn part(value: &str) -> Result<Self, String> {
        single_line(value, NAME_PART_MAX).map(Self)
    }

    /// A full name split into first and last at the last space ("Mary Ann Smith" → "Mary
    /// Ann", "Smith"; a single word is a first name, with an empty last name), each part
    /// held to [`Self::part`]'s limit so a name booked online can be edited later.
    pub fn split(value: &str) -> Result<(String, String), String> {
        let name = Self::full(value)?.0;
        let (first, last) = match name.rsplit_once(' ') {
            Some((first, last)) => (first.trim().to_owned(), last.to_owned()),
            None => (name, String::new()),
        };
        if first.chars().count() > NAME_PART_MAX || last.chars().count() > NAME_PART_MAX {
            return Err(format!(
                "must have a first and a last name of at most {NAME_PART_MAX} characters each"
            ));
        }
        Ok((first, last))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A first and a last name as one ("Jane Doe"; "Cher" when there is no last name).
pub fn joined(first: &str, last: &str) -> String {
    format!("{first} {last}").trim().to_owned()
}

/// What a message to `full` opens with: its first word ("Dana" of "Dana Reyes").
pub fn first_name_of(full: &str) -> String {
    full.split_whitespace().next().unwrap_or(full).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_name_splits_at_its_last_space_and_each_part_fits_a_record() {
        assert_eq!(
            PersonName::split(" Mary Ann Smith ").unwrap(),
            ("Mary Ann".to_owned(), "Smith".to_owned())
        );
        assert_eq!(
            PersonName::split("Cher").unwrap(),
            ("Cher".to_owned(), String::new())
        );
        let long_first = format!("{} Doe", "a".repeat(NAME_PART_MAX + 1));
        assert!(PersonName::full(&long_first).is_ok());
        assert!(PersonName::split(&long_first).is_err());
        assert!(PersonName::part(&"a".repeat(NAME_PART_MAX + 1)).is_err());
        assert!(PersonName::full(&"a".repeat(FULL_NAME_MAX + 1)).is_err());
    }
}
