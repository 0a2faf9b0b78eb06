//! Booking helpers: a fixed "now", free slots, and booking bodies.

use attune::clock::Clock;
use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Caller, TestApp, assert_status};

/// Monday 7 December 2026, 08:00 UTC: with the seeded hours (weekdays 09:00–17:00 UTC) and
/// 12 hours' notice, the first free consultation is Tuesday 09:00.
pub fn monday_morning() -> DateTime<Utc> {
    "2026-12-07T08:00:00Z".parse().unwrap()
}

impl TestApp {
    /// An app whose clock stands at [`monday_morning`] until moved.
    pub async fn at_monday_morning() -> (TestApp, Clock) {
        let clock = Clock::manual(monday_morning());
        let app = TestApp::builder().clock(clock.clone()).spawn().await;
        (app, clock)
    }

    /// [`at_monday_morning`](Self::at_monday_morning), with sessions that stay signed in
    /// while a test moves the clock days ahead (past a session, to write its note).
    pub async fn at_monday_morning_signed_in_for_weeks() -> (TestApp, Clock) {
        let clock = Clock::manual(monday_morning());
        let app = TestApp::builder()
            .clock(clock.clone())
            .configure(|c| c.auth.session_idle = std::time::Duration::from_secs(14 * 86_400))
            .spawn()
            .await;
        (app, clock)
    }

    /// The free slots of `slug` on the days `from`..=`to` (in `tz` if given).
    pub async fn slots(&self, slug: &str, from: &str, to: &str, tz: Option<&str>) -> Vec<Value> {
        let mut path = format!("/api/v1/public/slots?type={slug}&from={from}&to={to}");
        if let Some(tz) = tz {
            path.push_str(&format!("&tz={tz}"));
        }
        let body = assert_status(self.get(&path).await, StatusCode::OK).await;
        body["slots"].as_array().unwrap().clone()
    }

    pub async fn book(&self, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/public/bookings"))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Books and returns the 201 answer.
    pub async fn book_ok(&self, body: &Value) -> Value {
        assert_status(self.book(body).await, StatusCode::CREATED).await
    }

    /// Cancels through the manage link, without a reason.
    pub async fn cancel_booking(&self, token: &str) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/v1/public/bookings/{token}/cancel")))
            .send()
            .await
            .unwrap()
    }

    /// Moves through the manage link.
    pub async fn reschedule_booking(&self, token: &str, start: &str) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/v1/public/bookings/{token}/reschedule")))
            .json(&json!({ "start": start }))
            .send()
            .await
            .unwrap()
    }

    /// The token at the end of a manage URL.
    pub fn token_of(booked: &Value) -> String {
        booked["manage_token"].as_str().unwrap().to_owned()
    }
}

/// A couple booking the free consultation at `start`.
pub fn couple_booking(start: &str) -> Value {
    json!({
        "type": "free-consultation",
        "start": start,
        "name": "Jane Doe",
        "email": "jane@example.org",
        "phone": "+1 555 010 0199",
        "partner_name": "Sam Roe",
        "partner_email": "sam@example.org",
        "message": "We are here because of an affair.",
        "tz": "America/New_York",
    })
}

impl TestApp {
    /// The id of the appointment type with `slug`, as `staff` lists them.
    pub async fn type_id(&self, staff: &super::Caller, slug: &str) -> String {
        let all = assert_status(
            self.get_as(staff, "/api/v1/appointment-types").await,
            reqwest::StatusCode::OK,
        )
        .await;
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["slug"] == slug)
            .unwrap_or_else(|| panic!("no {slug} in {all}"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A second practitioner added by `owner`, and a clinician signed in as them.
    pub async fn other_practitioner(&self, owner: &super::Caller) -> (String, super::Caller) {
        let p = assert_status(
            self.send_as(
                owner,
                reqwest::Method::POST,
                "/api/v1/practitioners",
                json!({"name": "Other Practitioner", "email": "other@example.org"}),
            )
            .await,
            reqwest::StatusCode::CREATED,
        )
        .await;
        let id = p["id"].as_str().unwrap().to_owned();
        let clinician = super::calendar::practitioner_user(self, owner, &id).await;
        (id, clinician)
    }
}

impl TestApp {
    /// A couple (Ana Lima, with an address, and Bo Berg) created by `staff`; their id.
    pub async fn create_couple_client(&self, staff: &Caller) -> String {
        let created = assert_status(
            self.send_as(
                staff,
                Method::POST,
                "/api/v1/clients",
                json!({"kind": "couple", "participants": [
                    {"first_name": "Ana", "last_name": "Lima", "email": "ana@example.org"},
                    {"first_name": "Bo", "last_name": "Berg"}
                ]}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        created["id"].as_str().unwrap().to_owned()
    }
}
