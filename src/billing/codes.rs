//! The shapes of the codes a claim carries, checked before they are stored: CPT procedure
//! codes, CMS place-of-service codes, modifiers and ICD-10-CM diagnosis codes. Only shapes:
//! Attune ships no code books, so a well-formed code that does not exist is the practice's to
//! catch.

/// Place-of-service codes a therapy practice uses, with what they mean.
pub const PLACES_OF_SERVICE: &[(&str, &str)] = &[
    ("02", "Telehealth, not in the patient's home"),
    ("10", "Telehealth in the patient's home"),
    ("11", "Office"),
    ("12", "Home"),
    ("22", "On-campus outpatient hospital"),
    ("53", "Community mental health center"),
    ("99", "Other place of service"),
];

/// A CPT or HCPCS code: five characters, `90847`, `9084F`, `0362T`, `G0444`.
pub fn cpt(code: &str) -> Result<String, &'static str> {
    let c = code.trim().to_ascii_uppercase();
    let b = c.as_bytes();
    let ok = b.len() == 5
        && (b[..4].iter().all(u8::is_ascii_digit)
            && (b[4].is_ascii_digit() || b"FTU".contains(&b[4]))
            || b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit));
    if ok {
        Ok(c)
    } else {
        Err("must be a five-character CPT or HCPCS code, like 90847")
    }
}

pub fn place_of_service(code: &str) -> Result<String, &'static str> {
    let c = code.trim();
    PLACES_OF_SERVICE
        .iter()
        .find(|(p, _)| *p == c)
        .map(|(p, _)| (*p).to_owned())
        .ok_or("must be a place-of-service code: 02, 10, 11, 12, 22, 53 or 99")
}

/// A modifier: two letters or digits, `95`, `GT`, `HJ`.
pub fn modifier(code: &str) -> Result<String, &'static str> {
    let c = code.trim().to_ascii_uppercase();
    if c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(c)
    } else {
        Err("must be a two-character modifier, like 95")
    }
}

/// An ICD-10-CM code: a letter, a digit, a letter or digit, then after a dot up to four
/// more (`Z63.0`, `F43.23`, `F41.1`); written without the dot it is given one.
pub fn icd10(code: &str) -> Result<String, &'static str> {
    let raw: String = code
        .trim()
        .to_ascii_uppercase()
        .chars()
        .filter(|c| *c != '.')
        .collect();
    let b = raw.as_bytes();
    let ok = (3..=7).contains(&b.len())
        && b[0].is_ascii_uppercase()
        && b[0] != b'U'
        && b[1].is_ascii_digit()
        && b[2..].iter().all(u8::is_ascii_alphanumeric);
    if !ok {
        return Err("must be an ICD-10-CM code, like Z63.0 or F43.23");
    }
    Ok(if raw.len() > 3 {
        format!("{}.{}", &raw[..3], &raw[3..])
    } else {
        raw
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_checked_by_shape_and_written_one_way() {
        assert_eq!(cpt(" 90847 "), Ok("90847".into()));
        assert_eq!(cpt("0362t"), Ok("0362T".into()));
        assert_eq!(cpt("g0444"), Ok("G0444".into()));
        assert!(cpt("9084").is_err() && cpt("908477").is_err() && cpt("ABCDE").is_err());
        assert_eq!(place_of_service("10"), Ok("10".into()));
        assert!(place_of_service("1").is_err());
        assert_eq!(modifier("gt"), Ok("GT".into()));
        assert!(modifier("951").is_err());
        assert_eq!(icd10("z630"), Ok("Z63.0".into()));
        assert_eq!(icd10("F43.23"), Ok("F43.23".into()));
        assert_eq!(icd10("F41"), Ok("F41".into()));
        assert!(icd10("63.0").is_err() && icd10("Z6").is_err() && icd10("F43.23456").is_err());
    }
}
