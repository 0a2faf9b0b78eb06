//! People's names, one rule each, for every edge that takes one.

use super::single_line;

/// The longest full name (a staff member, a practitioner, a couple's display name, "Jane
/// Doe" on the booking form).
pub const FULL_NAME_MAX: usize = 200;
/// The longest first or last name a client record keeps.
pub const NAME_PART_MAX: usize = 100;

/// A full name as shown: one line, 1 to 200 characters.
pub fn full_name(value: &str) -> Result<String, String> {
    single_line(value, FULL_NAME_MAX)
}

/// A first or last name: one line, 1 to 100 characters.
pub fn name_part(value: &str) -> Result<String, String> {
    single_line(value, NAME_PART_MAX)
}

/// A full name split into first and last at the last space ("Mary Ann Smith" → "Mary Ann",
/// "Smith"; a single word is a first name), each part held to [`name_part`]'s limit so a
/// name booked online can be edited later.
pub fn split_full_name(value: &str) -> Result<(String, String), String> {
    let name = full_name(value)?;
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
            split_full_name(" Mary Ann Smith ").unwrap(),
            ("Mary Ann".to_owned(), "Smith".to_owned())
        );
        assert_eq!(
            split_full_name("Cher").unwrap(),
            ("Cher".to_owned(), String::new())
        );
        let long_first = format!("{} Doe", "a".repeat(NAME_PART_MAX + 1));
        assert!(full_name(&long_first).is_ok());
        assert!(split_full_name(&long_first).is_err());
        assert!(name_part(&"a".repeat(NAME_PART_MAX + 1)).is_err());
        assert!(full_name(&"a".repeat(FULL_NAME_MAX + 1)).is_err());
    }
}
