use std::fmt;

/// An email address as a person would type it into a form: `local@domain.tld`.
///
/// Deliberately stricter than RFC 5321 (no quoted local parts, no IP literals, a dot in the
/// domain): those forms are legal but nobody books a consultation with them, and accepting
/// them only makes mail delivery fail later, after the client has left the page.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub const MAX_LEN: usize = 254;

    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let s = input.trim();
        if s.is_empty() {
            return Err("must not be empty");
        }
        if s.len() > Self::MAX_LEN {
            return Err("must be at most 254 characters");
        }
        let (local, domain) = s
            .rsplit_once('@')
            .ok_or("must be an email address like name@example.org")?;
        if local.is_empty() || local.len() > 64 {
            return Err("must have 1 to 64 characters before the @");
        }
        let local_ok = local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        if !local_ok {
            return Err("has characters that are not allowed before the @");
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if !domain_ok {
            return Err("must end in a domain like example.org");
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Addresses are personal data: a stray `{:?}` in a log line must not print one.
impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EmailAddress(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::EmailAddress;

    #[test]
    fn ordinary_addresses_are_accepted_and_trimmed() {
        for ok in [
            "jane@example.org",
            "  jane.doe+therapy@mail.example.co.uk ",
            "o'brien@example.ie",
            "zoë@exämple.de",
        ] {
            let parsed = EmailAddress::parse(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert_eq!(parsed.as_str(), ok.trim());
        }
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in [
            "",
            "   ",
            "jane",
            "jane@",
            "@example.org",
            "jane@example",
            "jane@@example.org",
            "jane doe@example.org",
            "jane@exa mple.org",
            ".jane@example.org",
            "jane..doe@example.org",
            "jane@-example.org",
            "jane@example..org",
            "<jane@example.org>",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn overlong_addresses_are_refused() {
        let local = "a".repeat(65);
        assert!(EmailAddress::parse(&format!("{local}@example.org")).is_err());
        let domain = format!("{}.org", "a".repeat(250));
        assert!(EmailAddress::parse(&format!("a@{domain}")).is_err());
    }

    #[test]
    fn debug_output_hides_the_address() {
        let email = EmailAddress::parse("jane@example.org").unwrap();
        assert!(!format!("{email:?}").contains("jane"));
    }
}
