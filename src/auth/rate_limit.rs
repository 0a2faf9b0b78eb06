//! In-memory, keyed, sliding-window rate limits.
//!
//! Each instance counts on its own: behind a load balancer with N instances a client gets up
//! to N times the limit, which is still a hard ceiling on guessing. Lockouts that must hold
//! across instances and restarts live in the database (see `login`).

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
    time::Duration,
};

use chrono::{DateTime, Utc};

use crate::config::RateLimit;

/// Keys whose window has passed are swept once this many are held…
const SWEEP_AT: usize = 10_000;
/// …at most once a second, so a flood of new keys does not make every hit a full scan.
const SWEEP_EVERY: chrono::Duration = chrono::Duration::seconds(1);
/// Beyond this many live keys (a distributed flood), new keys are refused outright:
/// memory stays bounded and the endpoints stay shut to guessing.
const MAX_KEYS: usize = 200_000;

pub struct RateLimiter {
    limit: RateLimit,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    hits: HashMap<String, VecDeque<DateTime<Utc>>>,
    last_sweep: Option<DateTime<Utc>>,
}

/// The key for a client address. An IPv6 host usually holds a whole /64, so counting per
/// address would let it pick a fresh one for every attempt; the /64 is counted instead.
pub fn client_key(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(std::net::IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map(|v4| v4.to_string())
            .unwrap_or_default(),
        _ => ip.to_owned(),
    }
}

/// The limit is reached; try again after this long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exceeded {
    pub retry_after: Duration,
}

impl Exceeded {
    /// Whole seconds for a `Retry-After` header, at least 1.
    pub fn retry_after_secs(&self) -> u64 {
        self.retry_after.as_secs_f64().ceil().max(1.0) as u64
    }
}

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            state: Mutex::new(State::default()),
        }
    }

    /// Counts one event for `key` at `now`, or refuses it without counting.
    pub fn hit(&self, key: &str, now: DateTime<Utc>) -> Result<(), Exceeded> {
        let window = chrono::Duration::from_std(self.limit.window).unwrap_or(chrono::Duration::MAX);
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let State { hits, last_sweep } = &mut *state;
        if hits.len() >= SWEEP_AT && last_sweep.is_none_or(|at| now - at >= SWEEP_EVERY) {
            hits.retain(|_, times| times.back().is_some_and(|t| *t + window > now));
            *last_sweep = Some(now);
        }
        if hits.len() >= MAX_KEYS && !hits.contains_key(key) {
            return Err(Exceeded {
                retry_after: self.limit.window,
            });
        }
        let times = hits.entry(key.to_owned()).or_default();
        while times.front().is_some_and(|t| *t + window <= now) {
            times.pop_front();
        }
        if times.len() >= self.limit.max as usize {
            let oldest = *times.front().expect("non-empty at the limit");
            let wait = (oldest + window - now).to_std().unwrap_or_default();
            return Err(Exceeded { retry_after: wait });
        }
        times.push_back(now);
        Ok(())
    }

    /// How many keys are counted now (what the limiter holds in memory).
    pub fn tracked(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .hits
            .len()
    }

    /// Forgets `key`, e.g. an account's count after a successful sign-in.
    pub fn reset(&self, key: &str) {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .hits
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    fn limiter(max: u32, window_secs: u64) -> RateLimiter {
        RateLimiter::new(RateLimit {
            max,
            window: Duration::from_secs(window_secs),
        })
    }

    #[test]
    fn the_limit_holds_within_the_window_and_frees_as_it_slides() {
        let l = limiter(3, 60);
        for s in [0, 10, 20] {
            l.hit("ip", at(s)).unwrap();
        }
        let refused = l.hit("ip", at(30)).unwrap_err();
        assert_eq!(refused.retry_after, Duration::from_secs(30));
        assert_eq!(refused.retry_after_secs(), 30);
        // The refused attempt did not count; the first hit leaves the window at 60.
        l.hit("ip", at(60)).unwrap();
        assert!(l.hit("ip", at(61)).is_err());
    }

    #[test]
    fn keys_are_counted_apart_and_can_be_reset() {
        let l = limiter(1, 60);
        l.hit("a", at(0)).unwrap();
        l.hit("b", at(0)).unwrap();
        assert!(l.hit("a", at(1)).is_err());
        l.reset("a");
        l.hit("a", at(2)).unwrap();
    }

    #[test]
    fn old_keys_are_swept_when_many_accumulate() {
        let l = limiter(1, 60);
        for i in 0..SWEEP_AT {
            l.hit(&format!("k{i}"), at(0)).unwrap();
        }
        l.hit("late", at(120)).unwrap();
        assert_eq!(l.state.lock().unwrap().hits.len(), 1);
    }

    #[test]
    fn ipv6_clients_are_counted_per_64_and_ipv4_per_address() {
        assert_eq!(
            client_key("2001:db8:1:2:aaaa::1"),
            client_key("2001:db8:1:2:ffff::9")
        );
        assert_ne!(client_key("2001:db8:1:2::1"), client_key("2001:db8:1:3::1"));
        assert_eq!(client_key("203.0.113.7"), "203.0.113.7");
        assert_eq!(client_key("::ffff:203.0.113.7"), "203.0.113.7");
    }

    #[test]
    fn retry_after_is_at_least_one_second() {
        let e = Exceeded {
            retry_after: Duration::from_millis(10),
        };
        assert_eq!(e.retry_after_secs(), 1);
    }
}
