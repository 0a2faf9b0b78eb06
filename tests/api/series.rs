//! Recurring sessions: each occurrence of a weekly series checked as a single staff booking
//! would be, with its wall-clock time kept across a change of the clocks.

use attune::scheduling::{
    appointments::check_each,
    series::{Ends, Recurrence},
    slots::Rejection,
};
use attune::types::TimeZone;
use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::common::{TestApp, assert_status};

#[tokio::test]
async fn each_session_of_a_weekly_series_is_checked_like_a_single_booking() {
    let (app, clock) = TestApp::at_monday_morning().await;
    let couple = app.couple_in_care("2026-12-08T14:00:00Z").await;
    let staff = &couple.owner;
    let p = app.first_practitioner_id().await;
    let session = app.type_id(staff, "couples-session").await;
    // The third Tuesday is the practitioner's day off.
    assert_status(
        app.send_as(
            staff,
            Method::POST,
            &format!("/api/v1/practitioners/{p}/time-off"),
            json!({"starts_at": "2026-12-22T00:00:00Z", "ends_at": "2026-12-23T00:00:00Z"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    let state = &app.state;
    let now = clock.now();
    let snapshot = state.schedule.current(&state.db, now).await.unwrap();
    let ty = snapshot
        .appointment_type(session.parse::<Uuid>().unwrap())
        .unwrap()
        .clone();
    let practitioner = snapshot.practitioner(p.parse().unwrap()).unwrap().clone();
    let weekly = |first: &str, count| {
        Recurrence::from_first(first.parse().unwrap(), TimeZone::UTC, 1, Ends::After(count))
            .starts()
            .unwrap()
    };
    let check = |starts: Vec<_>, outside_hours| {
        let (snapshot, ty, practitioner) = (snapshot.clone(), ty.clone(), practitioner.clone());
        async move {
            check_each(
                &state.db,
                &snapshot,
                &practitioner,
                &ty,
                &starts,
                outside_hours,
                now,
            )
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.refused)
            .collect::<Vec<_>>()
        }
    };

    // The first Tuesday at 14:00 is the couple's own session already; the third is time off.
    let starts = weekly("2026-12-08T14:00:00Z", 4);
    assert_eq!(
        check(starts.clone(), false).await,
        [Some(Rejection::Taken), None, Some(Rejection::Taken), None]
    );
    // Outside hours the practitioner may book over her own time off, never over a session.
    assert_eq!(
        check(starts, true).await,
        [Some(Rejection::Taken), None, None, None]
    );
    // Late evenings are outside her hours unless staff say so.
    let evenings = weekly("2026-12-09T21:00:00Z", 2);
    assert_eq!(
        check(evenings.clone(), false).await,
        [Some(Rejection::OutsideHours), Some(Rejection::OutsideHours)]
    );
    assert_eq!(check(evenings, true).await, [None, None]);
}
