//! Where someone is, and where a practitioner may practise: a country (ISO 3166-1 alpha-2),
//! and for the United States and Canada, where licences are by state or province, the
//! state or province (ISO 3166-2).

use serde::Serialize;

use super::iso3166::{CA_REGIONS, COUNTRIES, US_REGIONS};

/// A place a partner said they were.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Place {
    /// `US`
    pub country: String,
    /// `US-NY`; only, and always, for the US and Canada.
    pub region: Option<String>,
}

/// The states or provinces a country's licences are by, if it is one that has them.
pub fn regions_of(country: &str) -> Option<&'static [(&'static str, &'static str)]> {
    match country {
        "US" => Some(US_REGIONS),
        "CA" => Some(CA_REGIONS),
        _ => None,
    }
}

pub fn countries() -> &'static [(&'static str, &'static str)] {
    COUNTRIES
}

fn name_in(list: &[(&str, &'static str)], code: &str) -> Option<&'static str> {
    list.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

impl Place {
    /// The place chosen, each part checked: the country is one of the list, and for the US
    /// and Canada a state or province of it is given. Errors name `country` or `region`.
    pub fn parse(country: &str, region: &str) -> Result<Self, (&'static str, &'static str)> {
        let country = country.trim().to_ascii_uppercase();
        if name_in(COUNTRIES, &country).is_none() {
            return Err(("country", "Choose the country you are in"));
        }
        let region = region.trim().to_ascii_uppercase();
        let region = match regions_of(&country) {
            Some(list) => {
                if name_in(list, &region).is_none() {
                    return Err(("region", "Choose the state or province you are in"));
                }
                Some(region)
            }
            None => None,
        };
        Ok(Self { country, region })
    }

    /// "New York, United States", "France".
    pub fn label(&self) -> String {
        let country = name_in(COUNTRIES, &self.country).unwrap_or("Unknown country");
        match self
            .region
            .as_deref()
            .and_then(|r| regions_of(&self.country).and_then(|list| name_in(list, r)))
        {
            Some(region) => format!("{region}, {country}"),
            None => country.to_owned(),
        }
    }
}

/// Where a practitioner may practise: a whole country (`GB`) or a US state or Canadian
/// province (`US-NY`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Jurisdiction(String);

impl Jurisdiction {
    pub fn parse(code: &str) -> Result<Self, String> {
        let code = code.trim().to_ascii_uppercase();
        let (country, region) = match code.split_once('-') {
            Some((c, _)) => (c, Some(code.as_str())),
            None => (code.as_str(), None),
        };
        if name_in(COUNTRIES, country).is_none() {
            return Err(format!("{code:?} is not a country code like US or GB"));
        }
        if let Some(region) = region
            && regions_of(country).is_none_or(|list| name_in(list, region).is_none())
        {
            return Err(format!(
                "{code:?} is not a US state or Canadian province like US-NY or CA-ON"
            ));
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether someone at `place` is inside it.
    pub fn covers(&self, place: &Place) -> bool {
        self.0 == place.country || place.region.as_deref() == Some(self.0.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_us_and_canada_need_a_state_or_province_and_others_do_not() {
        assert_eq!(Place::parse("us", "").unwrap_err().0, "region");
        assert_eq!(Place::parse("US", "CA-ON").unwrap_err().0, "region");
        assert_eq!(Place::parse("XX", "").unwrap_err().0, "country");
        let ny = Place::parse("US", "us-ny").unwrap();
        assert_eq!(ny.label(), "New York, United States");
        let france = Place::parse("FR", "ignored").unwrap();
        assert_eq!(france.region, None);
        assert_eq!(france.label(), "France");
    }

    #[test]
    fn a_licence_covers_its_state_or_its_whole_country() {
        let ny = Place::parse("US", "US-NY").unwrap();
        let nj = Place::parse("US", "US-NJ").unwrap();
        let licence = Jurisdiction::parse("us-ny").unwrap();
        assert!(licence.covers(&ny));
        assert!(!licence.covers(&nj));
        assert!(Jurisdiction::parse("US").unwrap().covers(&nj));
        assert!(!Jurisdiction::parse("GB").unwrap().covers(&nj));
        assert!(Jurisdiction::parse("US-ZZ").is_err());
        assert!(Jurisdiction::parse("ZZ").is_err());
        assert!(Jurisdiction::parse("FR-75").is_err());
    }
}
