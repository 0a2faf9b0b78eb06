//! A calendar's zones as clocks: its local times turned into instants, each custom zone's
//! changes of offset worked out once.

use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone as _, Utc};

use super::{
    rules::Budget,
    zones::{Transitions, Zone, ZoneRules},
};
use crate::types::Gap;

/// Turns the local times of one calendar's zones into instants and back, working out each
/// custom zone's changes of offset once.
pub struct Clocks {
    /// The practitioner's zone: floating times and all-day events are hers.
    home: chrono_tz::Tz,
    custom: Vec<(ZoneRules, Transitions)>,
}

impl Clocks {
    pub fn new(home: chrono_tz::Tz) -> Self {
        Self {
            home,
            custom: Vec::new(),
        }
    }

    fn transitions(&mut self, rules: &ZoneRules, budget: &Budget) -> &Transitions {
        let index = match self.custom.iter().position(|(r, _)| r == rules) {
            Some(i) => i,
            None => {
                self.custom.push((rules.clone(), rules.transitions(budget)));
                self.custom.len() - 1
            }
        };
        &self.custom[index].1
    }

    fn iana(&self, zone: &Zone) -> Option<chrono_tz::Tz> {
        match zone {
            Zone::Iana(name) => Some(chrono_tz::Tz::from_str(name).unwrap_or(chrono_tz::UTC)),
            Zone::Home => Some(self.home),
            Zone::Rules(_) => None,
        }
    }

    /// A local time in `zone` as an instant. A time skipped by a change of clocks is read
    /// as the same wall time an hour on; one that happens twice, at its first occurrence.
    pub fn instant(&mut self, zone: &Zone, local: NaiveDateTime, budget: &Budget) -> DateTime<Utc> {
        match (self.iana(zone), zone) {
            (Some(tz), _) => crate::types::TimeZone::from(tz)
                .instant(local, Gap::HourOn)
                .expect("only Gap::Refuse gives no instant"),
            (None, Zone::Rules(rules)) => {
                let offset = self.transitions(rules, budget).offset_at(local);
                Utc.from_utc_datetime(&(local - Duration::seconds(offset.into())))
            }
            (None, _) => Utc.from_utc_datetime(&local),
        }
    }

    /// An instant as a local time in `zone`.
    pub fn local_time(&mut self, zone: &Zone, at: DateTime<Utc>, budget: &Budget) -> NaiveDateTime {
        match (self.iana(zone), zone) {
            (Some(tz), _) => at.with_timezone(&tz).naive_local(),
            (None, Zone::Rules(rules)) => {
                let transitions = self.transitions(rules, budget);
                let guess = at.naive_utc();
                // The offset in force at the local time the first guess lands on.
                let first = guess + Duration::seconds(transitions.offset_at(guess).into());
                guess + Duration::seconds(transitions.offset_at(first).into())
            }
            (None, _) => at.naive_utc(),
        }
    }
}
