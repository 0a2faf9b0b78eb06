//! Rendering a subscription feed of 10,000 appointments: escaping, UTC times, the `ical`
//! generator and folding by octets. Target: under 50 ms. `cargo bench --bench feed`.

use attune::calendar::{
    events::feed_summary,
    render::{EventInfo, EventStatus, FeedInfo, feed, uid},
};
use chrono::{DateTime, Duration, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use entity::calendar_feed::FeedDetail;
use uuid::Uuid;

fn events() -> Vec<EventInfo> {
    let base: DateTime<Utc> = "2026-01-05T14:00:00Z".parse().unwrap();
    (0..10_000u32)
        .map(|i| {
            let start = base + Duration::hours(i64::from(i) * 3);
            let id = Uuid::from_u128(0x0193_a1b2_c3d4_7e5f_8a9b_0000_0000_0000 + u128::from(i));
            let client =
                Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0000 + u128::from(i % 400));
            EventInfo {
                uid: uid(id, "book.riverbend-counseling.example"),
                summary: feed_summary(FeedDetail::Minimal, "Couples session", client, &[]),
                starts_at: start,
                ends_at: start + Duration::minutes(50),
                created_at: start - Duration::days(14),
                modified_at: start - Duration::days(2),
                sequence: (i % 3) as i32,
                status: if i % 20 == 0 {
                    EventStatus::Cancelled
                } else {
                    EventStatus::Confirmed
                },
                location: Some("Suite 3, 12 Harbor Street, Portland, ME 04101".into()),
                description: Some(format!(
                    "https://book.riverbend-counseling.example/admin/appointments/{id}"
                )),
                url: Some(format!(
                    "https://book.riverbend-counseling.example/admin/appointments/{id}"
                )),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let events = events();
    let info = FeedInfo {
        name: "Riverbend Counseling — Emily DiPalma, LMFT",
        time_zone: "America/New_York",
    };
    let size = feed(&info, &events).len();
    println!(
        "a feed of {} events is {:.1} MiB",
        events.len(),
        size as f64 / 1_048_576.0
    );
    c.bench_function("feed of 10,000 appointments", |b| {
        b.iter(|| feed(std::hint::black_box(&info), std::hint::black_box(&events)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
