//! Phone numbers as people write them.

/// A phone number: digits with spaces, `+`, `-`, `.` and brackets, 6 to 20 digits, at most 40
/// characters, kept as written (trimmed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim();
        let allowed = value
            .chars()
            .all(|c| c.is_ascii_digit() || " +-.()".contains(c));
        let digits = value.chars().filter(char::is_ascii_digit).count();
        if !allowed || !(6..=20).contains(&digits) || value.len() > 40 {
            return Err("must be a phone number like +1 555 010 0199".into());
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Phone;

    #[test]
    fn a_phone_number_is_digits_as_people_write_them() {
        assert_eq!(
            Phone::parse(" +1 (555) 010-0199 ").unwrap().as_str(),
            "+1 (555) 010-0199"
        );
        assert!(Phone::parse("12345").is_err());
        assert!(Phone::parse("call me maybe").is_err());
        assert!(Phone::parse(&"1".repeat(21)).is_err());
        assert!(Phone::parse(&format!("1{}", " ".repeat(40))).is_err());
    }
}
