//! Intake helpers: the private links the invitations carry.

use std::collections::HashMap;

use attune::auth::Role;
use reqwest::StatusCode;

use super::{TestApp, assert_status};

impl TestApp {
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
