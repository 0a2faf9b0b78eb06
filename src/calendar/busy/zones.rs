//! Time zones as other calendars write them: IANA names, IANA names behind a vendor prefix,
//! Windows names from Outlook and Exchange, and zones defined only by a `VTIMEZONE` block.

use std::str::FromStr;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// How local times of an event become instants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Zone {
    /// An IANA zone (`UTC` included).
    Iana(String),
    /// The practitioner's zone, whatever it is when the times are read: floating times and
    /// all-day events follow her if she moves.
    Home,
    /// The rules of a `VTIMEZONE` that names no zone Attune knows.
    Rules(ZoneRules),
}

/// A `VTIMEZONE`'s observances: from each onset (a local time, possibly repeating), the
/// offset changes to `offset_to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneRules {
    pub observances: Vec<Observance>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observance {
    pub onset: NaiveDateTime,
    pub rrule: Option<String>,
    pub rdates: Vec<NaiveDateTime>,
    /// Seconds east of UTC.
    pub offset_from: i32,
    pub offset_to: i32,
}

/// The IANA zone a `TZID` means, if Attune can tell without a `VTIMEZONE`.
pub fn iana(tzid: &str) -> Option<chrono_tz::Tz> {
    let tzid = tzid.trim().trim_matches('"');
    if let Ok(tz) = chrono_tz::Tz::from_str(tzid) {
        return Some(tz);
    }
    // "/mozilla.org/20050126_1/America/New_York", "/citadel.org/.../Europe/Paris": the IANA
    // name is a tail of the path.
    let parts: Vec<&str> = tzid.split('/').collect();
    for start in 1..parts.len() {
        if let Ok(tz) = chrono_tz::Tz::from_str(&parts[start..].join("/")) {
            return Some(tz);
        }
    }
    windows(tzid)
}

/// Windows zone names (as Outlook writes them) → the IANA zone of their main region, after
/// the Unicode CLDR mapping.
fn windows(name: &str) -> Option<chrono_tz::Tz> {
    let iana = match name {
        "Dateline Standard Time" => "Etc/GMT+12",
        "UTC-11" => "Etc/GMT+11",
        "Hawaiian Standard Time" => "Pacific/Honolulu",
        "Alaskan Standard Time" => "America/Anchorage",
        "Pacific Standard Time (Mexico)" => "America/Tijuana",
        "Pacific Standard Time" => "America/Los_Angeles",
        "US Mountain Standard Time" => "America/Phoenix",
        "Mountain Standard Time (Mexico)" => "America/Mazatlan",
        "Mountain Standard Time" => "America/Denver",
        "Central America Standard Time" => "America/Guatemala",
        "Central Standard Time" => "America/Chicago",
        "Central Standard Time (Mexico)" => "America/Mexico_City",
        "Canada Central Standard Time" => "America/Regina",
        "SA Pacific Standard Time" => "America/Bogota",
        "Eastern Standard Time (Mexico)" => "America/Cancun",
        "Eastern Standard Time" => "America/New_York",
        "US Eastern Standard Time" => "America/Indiana/Indianapolis",
        "Cuba Standard Time" => "America/Havana",
        "Venezuela Standard Time" => "America/Caracas",
        "Paraguay Standard Time" => "America/Asuncion",
        "Atlantic Standard Time" => "America/Halifax",
        "SA Western Standard Time" => "America/La_Paz",
        "Pacific SA Standard Time" => "America/Santiago",
        "Newfoundland Standard Time" => "America/St_Johns",
        "E. South America Standard Time" => "America/Sao_Paulo",
        "SA Eastern Standard Time" => "America/Cayenne",
        "Argentina Standard Time" => "America/Argentina/Buenos_Aires",
        "Greenland Standard Time" => "America/Nuuk",
        "Montevideo Standard Time" => "America/Montevideo",
        "UTC-02" => "Etc/GMT+2",
        "Azores Standard Time" => "Atlantic/Azores",
        "Cape Verde Standard Time" => "Atlantic/Cape_Verde",
        "UTC" | "Coordinated Universal Time" => "Etc/UTC",
        "GMT Standard Time" => "Europe/London",
        "Greenwich Standard Time" => "Atlantic/Reykjavik",
        "Morocco Standard Time" => "Africa/Casablanca",
        "W. Europe Standard Time" => "Europe/Berlin",
        "Central Europe Standard Time" => "Europe/Budapest",
        "Romance Standard Time" => "Europe/Paris",
        "Central European Standard Time" => "Europe/Warsaw",
        "W. Central Africa Standard Time" => "Africa/Lagos",
        "Jordan Standard Time" => "Asia/Amman",
        "GTB Standard Time" => "Europe/Bucharest",
        "Middle East Standard Time" => "Asia/Beirut",
        "Egypt Standard Time" => "Africa/Cairo",
        "E. Europe Standard Time" => "Europe/Chisinau",
        "Syria Standard Time" => "Asia/Damascus",
        "South Africa Standard Time" => "Africa/Johannesburg",
        "FLE Standard Time" => "Europe/Kiev",
        "Israel Standard Time" => "Asia/Jerusalem",
        "Kaliningrad Standard Time" => "Europe/Kaliningrad",
        "Arabic Standard Time" => "Asia/Baghdad",
        "Turkey Standard Time" => "Europe/Istanbul",
        "Arab Standard Time" => "Asia/Riyadh",
        "Belarus Standard Time" => "Europe/Minsk",
        "Russian Standard Time" => "Europe/Moscow",
        "E. Africa Standard Time" => "Africa/Nairobi",
        "Iran Standard Time" => "Asia/Tehran",
        "Arabian Standard Time" => "Asia/Dubai",
        "Azerbaijan Standard Time" => "Asia/Baku",
        "Georgian Standard Time" => "Asia/Tbilisi",
        "Caucasus Standard Time" => "Asia/Yerevan",
        "Afghanistan Standard Time" => "Asia/Kabul",
        "West Asia Standard Time" => "Asia/Tashkent",
        "Ekaterinburg Standard Time" => "Asia/Yekaterinburg",
        "Pakistan Standard Time" => "Asia/Karachi",
        "India Standard Time" => "Asia/Kolkata",
        "Sri Lanka Standard Time" => "Asia/Colombo",
        "Nepal Standard Time" => "Asia/Kathmandu",
        "Central Asia Standard Time" => "Asia/Almaty",
        "Bangladesh Standard Time" => "Asia/Dhaka",
        "Myanmar Standard Time" => "Asia/Yangon",
        "SE Asia Standard Time" => "Asia/Bangkok",
        "N. Central Asia Standard Time" => "Asia/Novosibirsk",
        "North Asia Standard Time" => "Asia/Krasnoyarsk",
        "China Standard Time" => "Asia/Shanghai",
        "North Asia East Standard Time" => "Asia/Irkutsk",
        "Singapore Standard Time" => "Asia/Singapore",
        "W. Australia Standard Time" => "Australia/Perth",
        "Taipei Standard Time" => "Asia/Taipei",
        "Ulaanbaatar Standard Time" => "Asia/Ulaanbaatar",
        "Tokyo Standard Time" => "Asia/Tokyo",
        "Korea Standard Time" => "Asia/Seoul",
        "Yakutsk Standard Time" => "Asia/Yakutsk",
        "Cen. Australia Standard Time" => "Australia/Adelaide",
        "AUS Central Standard Time" => "Australia/Darwin",
        "E. Australia Standard Time" => "Australia/Brisbane",
        "AUS Eastern Standard Time" => "Australia/Sydney",
        "West Pacific Standard Time" => "Pacific/Port_Moresby",
        "Tasmania Standard Time" => "Australia/Hobart",
        "Vladivostok Standard Time" => "Asia/Vladivostok",
        "Magadan Standard Time" => "Asia/Magadan",
        "Central Pacific Standard Time" => "Pacific/Guadalcanal",
        "New Zealand Standard Time" => "Pacific/Auckland",
        "UTC+12" => "Etc/GMT-12",
        "Fiji Standard Time" => "Pacific/Fiji",
        "Tonga Standard Time" => "Pacific/Tongatapu",
        "Samoa Standard Time" => "Pacific/Apia",
        "Line Islands Standard Time" => "Pacific/Kiritimati",
        _ => return None,
    };
    chrono_tz::Tz::from_str(iana).ok()
}

/// `+0530`, `-0800`, `+013045` → seconds east of UTC.
pub fn parse_offset(value: &str) -> Option<i32> {
    let value = value.trim();
    let (sign, digits) = match value.as_bytes().first()? {
        b'+' => (1, &value[1..]),
        b'-' => (-1, &value[1..]),
        _ => return None,
    };
    if !(digits.len() == 4 || digits.len() == 6) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[0..2].parse().ok()?;
    let minutes: i32 = digits[2..4].parse().ok()?;
    let seconds: i32 = digits.get(4..6).map_or(Some(0), |s| s.parse().ok())?;
    if hours > 23 || minutes > 59 || seconds > 59 {
        return None;
    }
    Some(sign * (hours * 3600 + minutes * 60 + seconds))
}

impl ZoneRules {
    /// Every change of offset from the first onset until 2200: enough to place any local
    /// time, worked out once per zone (a few hundred dates).
    pub fn transitions(&self, budget: &super::rules::Budget) -> Transitions {
        let until = super::rules::far_future();
        let mut onsets: Vec<(NaiveDateTime, i32)> = Vec::new();
        for o in &self.observances {
            onsets.push((o.onset, o.offset_to));
            onsets.extend(o.rdates.iter().map(|d| (*d, o.offset_to)));
            if let Some(rule) = &o.rrule {
                let occurrences =
                    super::rules::local_occurrences(rule, o.onset, o.onset, until, 2_000, budget)
                        .unwrap_or_default();
                onsets.extend(occurrences.into_iter().map(|d| (d, o.offset_to)));
            }
        }
        onsets.sort();
        let before = self
            .observances
            .iter()
            .min_by_key(|o| o.onset)
            .map_or(0, |o| o.offset_from);
        Transitions { onsets, before }
    }
}

/// A zone's offsets over a stretch of time.
pub struct Transitions {
    onsets: Vec<(NaiveDateTime, i32)>,
    before: i32,
}

impl Transitions {
    /// The offset in force at a local time: that of the latest onset not after it.
    pub fn offset_at(&self, local: NaiveDateTime) -> i32 {
        match self.onsets.partition_point(|(at, _)| *at <= local) {
            0 => self.before,
            n => self.onsets[n - 1].1,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn names_are_found_however_they_are_written() {
        assert_eq!(iana("America/New_York"), Some(chrono_tz::America::New_York));
        assert_eq!(
            iana("/mozilla.org/20050126_1/Europe/Berlin"),
            Some(chrono_tz::Europe::Berlin)
        );
        assert_eq!(iana("\"Europe/Paris\""), Some(chrono_tz::Europe::Paris));
        assert_eq!(
            iana("Eastern Standard Time"),
            Some(chrono_tz::America::New_York)
        );
        assert_eq!(
            iana("W. Europe Standard Time"),
            Some(chrono_tz::Europe::Berlin)
        );
        assert_eq!(iana("Customized Time Zone"), None);
        assert_eq!(iana(""), None);
    }

    #[test]
    fn offsets_parse_with_and_without_seconds() {
        assert_eq!(parse_offset("+0530"), Some(19_800));
        assert_eq!(parse_offset("-0800"), Some(-28_800));
        assert_eq!(parse_offset("+013045"), Some(5445));
        for bad in ["0530", "+5", "+2460", "-08:00", "", "+"] {
            assert_eq!(parse_offset(bad), None, "{bad}");
        }
    }

    #[test]
    fn rules_place_local_times_on_either_side_of_a_change() {
        let at = |y, m, d, h| {
            NaiveDate::from_ymd_opt(y, m, d)
                .unwrap()
                .and_hms_opt(h, 0, 0)
                .unwrap()
        };
        // US Eastern as a VTIMEZONE would spell it.
        let rules = ZoneRules {
            observances: vec![
                Observance {
                    onset: at(2007, 11, 4, 2),
                    rrule: Some("FREQ=YEARLY;BYMONTH=11;BYDAY=1SU".into()),
                    rdates: vec![],
                    offset_from: -4 * 3600,
                    offset_to: -5 * 3600,
                },
                Observance {
                    onset: at(2007, 3, 11, 2),
                    rrule: Some("FREQ=YEARLY;BYMONTH=3;BYDAY=2SU".into()),
                    rdates: vec![],
                    offset_from: -5 * 3600,
                    offset_to: -4 * 3600,
                },
            ],
        };
        let t = rules.transitions(&crate::calendar::busy::rules::Budget::new(
            std::time::Duration::from_secs(5),
        ));
        assert_eq!(t.offset_at(at(2026, 1, 15, 9)), -5 * 3600);
        assert_eq!(t.offset_at(at(2026, 3, 8, 1)), -5 * 3600);
        assert_eq!(t.offset_at(at(2026, 3, 8, 3)), -4 * 3600);
        assert_eq!(t.offset_at(at(2026, 7, 1, 9)), -4 * 3600);
        assert_eq!(t.offset_at(at(2026, 11, 1, 3)), -5 * 3600);
    }
}
