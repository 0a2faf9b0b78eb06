//! Intake helpers: the private links the invitations carry.

use std::collections::HashMap;

use attune::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Caller, TestApp, assert_status};

impl TestApp {
    /// Assigns questionnaire `q` to one partner, asking for the link to hand out; the answer.
    pub async fn assign_intake_with_link(
        &self,
        staff: &Caller,
        client: &str,
        participant: &str,
        q: &str,
    ) -> Value {
        assert_status(
            self.send_as(
                staff,
                Method::POST,
                &format!("/api/v1/clients/{client}/intakes"),
                json!({"questionnaire_id": q, "participant_id": participant, "hand_out_link": true}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await
    }

    /// The intake links sent so far, by recipient, read from the invitations' bodies as an
    /// owner (the links are kept nowhere else).
    pub async fn intake_links(&self) -> HashMap<String, String> {
        let (_, owner) = self.signed_in(Role::Owner).await;
        let list = assert_status(
            self.get_as(&owner, "/api/v1/emails?kind=intake_invitation")
                .await,
            StatusCode::OK,
        )
        .await;
        let mut links = HashMap::new();
        for e in list["items"].as_array().unwrap() {
            let id = e["id"].as_str().unwrap();
            let body = assert_status(
                self.get_as(&owner, &format!("/api/v1/emails/{id}")).await,
                StatusCode::OK,
            )
            .await;
            let text = body["text"].as_str().unwrap();
            let token = text
                .split("/intake/")
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .expect("an invitation carries its link");
            links.insert(
                e["recipient"].as_str().unwrap().to_owned(),
                format!("/intake/{token}"),
            );
        }
        links
    }
}

/// Answers to the built-in couples intake; `fear` answers yes to the first safety question,
/// which raises the `safety` flag.
pub fn couples_answers(fear: bool) -> Value {
    json!({
        "date_of_birth": "1988-03-14",
        "phone": "+1 555 010 0199",
        "emergency_name": "Ruth Doe",
        "emergency_phone": "+1 555 010 0100",
        "relationship_length": "3to10",
        "relationship_status": "married",
        "living_together": true,
        "children": false,
        "brings_you": "We argue about the same things.",
        "hopes": "To listen to each other.",
        "commitment": 4,
        "prior_therapy": false,
        "ipv_fear": fear,
        "ipv_hurt": false,
        "ipv_threat": false,
        "ipv_forced": false,
        "ipv_control": false,
        "consent_treatment": true,
        "consent_privacy": true,
    })
}

impl TestApp {
    /// Submits the intake at `link` (`/intake/…`) with `answers`, as the partner's phone would.
    pub async fn submit_intake(&self, link: &str, answers: Value) {
        let token = link.trim_start_matches("/intake/");
        let r = self
            .client
            .post(self.url(&format!("/api/v1/intake/{token}/submit")))
            .json(&json!({ "answers": answers }))
            .send()
            .await
            .unwrap();
        assert_status(r, StatusCode::OK).await;
    }
}

impl TestApp {
    /// The id of the questionnaire with `slug`, as `staff` lists them.
    pub async fn questionnaire_id(&self, staff: &super::Caller, slug: &str) -> String {
        let list = assert_status(
            self.get_as(staff, "/api/v1/questionnaires").await,
            StatusCode::OK,
        )
        .await;
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["slug"] == slug)
            .unwrap_or_else(|| panic!("no {slug} in {list}"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}
