//! The slot engine over 90 days for one practitioner with 2,000 existing appointments.
//! Target: under 5 ms. `cargo bench --bench slots`.

use attune::scheduling::slots::{Interval, Schedule, SlotRules, WeeklyRule, free_slots};
use chrono::{DateTime, Duration, NaiveTime, Utc, Weekday};
use criterion::{Criterion, criterion_group, criterion_main};

fn schedule() -> Schedule {
    let start = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
    let end = NaiveTime::from_hms_opt(17, 0, 0).unwrap();
    let rules = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ]
    .into_iter()
    .map(|weekday| WeeklyRule {
        weekday,
        start,
        end,
        valid_from: None,
        valid_until: None,
    })
    .collect();
    // 2,000 appointments spread over the 90 days, 50 minutes plus a 10-minute buffer each,
    // at pseudo-random quarter hours (a fixed sequence, so every run measures the same work).
    let base: DateTime<Utc> = "2027-01-04T14:00:00Z".parse().unwrap();
    let mut seed: u64 = 0x2545F4914F6CDD1D;
    let busy = (0..2_000)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let quarter = (seed % (90 * 24 * 4)) as i64;
            let at = base + Duration::minutes(quarter * 15);
            Interval::new(at, at + Duration::minutes(60))
        })
        .collect();
    Schedule {
        tz: chrono_tz::America::New_York,
        rules,
        overrides: Vec::new(),
        busy,
    }
}

fn bench(c: &mut Criterion) {
    let schedule = schedule();
    let rules = SlotRules {
        duration: Duration::minutes(50),
        buffer_before: Duration::zero(),
        buffer_after: Duration::minutes(10),
        step: Duration::minutes(15),
        min_notice: Duration::hours(12),
        horizon: Duration::days(120),
    };
    let now: DateTime<Utc> = "2027-01-03T00:00:00Z".parse().unwrap();
    let from: DateTime<Utc> = "2027-01-04T00:00:00Z".parse().unwrap();
    let to = from + Duration::days(90);
    let found = free_slots(&schedule, &rules, from, to, now).len();
    assert!(found > 100, "the scenario leaves free slots ({found})");
    c.bench_function("free_slots_90_days_2000_appointments", |b| {
        b.iter(|| free_slots(&schedule, &rules, from, to, now))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
