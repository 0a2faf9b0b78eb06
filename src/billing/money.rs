//! Currencies and amounts in their minor unit.

/// The currencies a practice may bill in, with how many decimal places their minor unit
/// has and how an amount is written.
const CURRENCIES: &[(&str, u32, &str)] = &[
    ("USD", 2, "$"),
    ("CAD", 2, "CA$"),
    ("EUR", 2, "€"),
    ("GBP", 2, "£"),
    ("AUD", 2, "A$"),
    ("NZD", 2, "NZ$"),
    ("CHF", 2, "CHF "),
    ("SEK", 2, "SEK "),
    ("NOK", 2, "NOK "),
    ("DKK", 2, "DKK "),
    ("MXN", 2, "MX$"),
    ("BRL", 2, "R$"),
    ("ZAR", 2, "R "),
    ("INR", 2, "₹"),
    ("ILS", 2, "₪"),
    ("JPY", 0, "¥"),
    ("KRW", 0, "₩"),
];

/// The largest amount a fee or a line may be: ten million of the major unit (in cents,
/// 1,000,000,000), far above any session and far below overflow when summed.
pub const MAX_MINOR: i64 = 1_000_000_000;

/// Whether `code` is a currency a practice may bill in.
pub fn known(code: &str) -> bool {
    CURRENCIES.iter().any(|(c, _, _)| *c == code)
}

pub fn codes() -> impl Iterator<Item = &'static str> {
    CURRENCIES.iter().map(|(c, _, _)| *c)
}

/// Whole units in groups of three: `2,100`.
fn grouped(whole: u64) -> String {
    let digits = whole.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `minor` written for people: `$150.00`, `$2,100.00`, `¥15,000`, `-$20.00`.
pub fn format(minor: i64, currency: &str) -> String {
    let (digits, symbol) = CURRENCIES
        .iter()
        .find(|(c, _, _)| *c == currency)
        .map_or((2, ""), |(_, d, s)| (*d, *s));
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if digits == 0 {
        return format!("{sign}{symbol}{}", grouped(abs));
    }
    let unit = 10u64.pow(digits);
    format!(
        "{sign}{symbol}{}.{:0width$}",
        grouped(abs / unit),
        abs % unit,
        width = digits as usize
    )
}

/// An amount as people type it (`175`, `175.5`, `1,750.00`, `$175.00`) in `currency`'s
/// minor unit, exactly: the digits are read as digits, never through a float.
pub fn parse(typed: &str, currency: &str) -> Result<i64, String> {
    let digits = CURRENCIES
        .iter()
        .find(|(c, _, _)| *c == currency)
        .map_or(2, |(_, d, _)| *d) as usize;
    let unit = 10i64.pow(digits as u32);
    let cleaned: String = typed
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '\u{a0}'))
        .skip_while(|c| !c.is_ascii_digit() && *c != '-' && *c != '.')
        .collect();
    let (negative, cleaned) = match cleaned.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cleaned.as_str()),
    };
    let shape = if digits == 0 {
        "a whole amount, like 15000".to_owned()
    } else {
        format!("an amount like 175.00 (at most {digits} decimals)")
    };
    let (whole, fraction) = cleaned.split_once('.').unwrap_or((cleaned, ""));
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty())
        || !all_digits(whole)
        || !all_digits(fraction)
        || fraction.len() > digits
        || whole.len() > 12
    {
        return Err(format!("must be {shape}"));
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| format!("must be {shape}"))?
    };
    let fraction: i64 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<digits$}")
            .parse()
            .map_err(|_| format!("must be {shape}"))?
    };
    let minor = whole * unit + fraction;
    if minor > MAX_MINOR {
        return Err("is more than any one charge could be".to_owned());
    }
    Ok(if negative { -minor } else { minor })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_amounts_are_read_exactly() {
        assert_eq!(parse("175", "USD"), Ok(17500));
        assert_eq!(parse("175.5", "USD"), Ok(17550));
        assert_eq!(parse("$1,750.01", "USD"), Ok(175_001));
        assert_eq!(parse("-20.00", "USD"), Ok(-2000));
        assert_eq!(parse(".99", "USD"), Ok(99));
        assert_eq!(parse("15000", "JPY"), Ok(15000));
        for bad in ["", "abc", "1.234", "1.2.3", "12a", "99999999999999"] {
            assert!(parse(bad, "USD").is_err(), "{bad:?}");
        }
        assert!(parse("150.5", "JPY").is_err());
    }

    #[test]
    fn amounts_are_written_exactly_in_their_minor_unit() {
        assert_eq!(format(15000, "USD"), "$150.00");
        assert_eq!(format(5, "EUR"), "€0.05");
        assert_eq!(format(-2050, "GBP"), "-£20.50");
        assert_eq!(format(15000, "JPY"), "¥15,000");
        assert_eq!(format(210_000, "USD"), "$2,100.00");
        assert_eq!(format(100_000_000_000, "USD"), "$1,000,000,000.00");
        assert_eq!(format(99_999, "USD"), "$999.99");
        assert!(known("CAD") && !known("usd") && !known("XYZ"));
    }
}
