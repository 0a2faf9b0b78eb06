use std::{fmt, str::FromStr};

/// An IANA time zone such as `America/New_York`, known to the bundled tz database.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    pub const UTC: TimeZone = TimeZone(chrono_tz::UTC);

    /// Zone names are matched exactly as the tz database spells them (`Europe/London`, not
    /// `europe/london`), so the name stored is the name a calendar app will recognise.
    pub fn parse(input: &str) -> Result<Self, String> {
        let name = input.trim();
        if name.is_empty() {
            return Err("must not be empty".into());
        }
        chrono_tz::Tz::from_str(name)
            .map(Self)
            .map_err(|_| format!("{name:?} is not an IANA time zone name like Europe/London"))
    }

    pub fn tz(self) -> chrono_tz::Tz {
        self.0
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::TimeZone;

    #[test]
    fn iana_names_are_accepted() {
        for name in [
            "UTC",
            "America/New_York",
            "Europe/London",
            "Australia/Lord_Howe",
        ] {
            assert_eq!(TimeZone::parse(name).unwrap().name(), name);
        }
    }

    #[test]
    fn unknown_or_miscased_names_are_refused() {
        for bad in [
            "",
            "Mars/Olympus_Mons",
            "EST5EDT6",
            "europe/london",
            "+02:00",
        ] {
            assert!(TimeZone::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
