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
        if i > 0 && (digits.len() - i) % 3 == 0 {
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

#[cfg(test)]
mod tests {
    use super::*;

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
