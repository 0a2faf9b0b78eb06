//! A booked couple with the people around their record: an owner, and the clinician whose
//! client they are (their account linked to the couple's practitioner).

use attune::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::{Caller, TestApp, assert_status, scheduling::couple_booking, staff::Account};

pub struct Couple {
    pub client: String,
    pub appointment: String,
    pub owner: Caller,
    /// The couple's own clinician…
    pub clinician: Caller,
    /// …and their account, to sign in with elsewhere (a browser).
    #[allow(dead_code)] // only the browser tests sign in with it
    pub clinician_account: Account,
}

impl TestApp {
    /// Books the couple at `start` and signs in an owner and their clinician.
    pub async fn couple_in_care(&self, start: &str) -> Couple {
        let booked = self.book_ok(&couple_booking(start)).await;
        self.couple_in_care_of(&booked).await
    }

    /// The same for a couple already booked (`booked` is the booking's answer).
    pub async fn couple_in_care_of(&self, booked: &serde_json::Value) -> Couple {
        let (_, owner) = self.signed_in(Role::Owner).await;
        let id = booked["id"].as_str().unwrap();
        let appointment = assert_status(
            self.get_as(&owner, &format!("/api/v1/appointments/{id}"))
                .await,
            StatusCode::OK,
        )
        .await;
        let practitioner = appointment["practitioner_id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let clinician = self
            .create_staff_for(Role::Clinician, Some(practitioner))
            .await;
        let clinician_account = clinician.clone();
        let clinician = self.login(&clinician).await;
        Couple {
            client: appointment["client_id"].as_str().unwrap().to_owned(),
            appointment: id.to_owned(),
            owner,
            clinician,
            clinician_account,
        }
    }

    /// `POST /api/v1/clients/{client}/notes` as `caller`.
    pub async fn write_note(
        &self,
        caller: &Caller,
        client: &str,
        body: Value,
    ) -> reqwest::Response {
        self.send_as(
            caller,
            Method::POST,
            &format!("/api/v1/clients/{client}/notes"),
            body,
        )
        .await
    }

    /// `PUT /api/v1/clients/{client}/treatment-plan` as `caller`.
    pub async fn put_plan(&self, caller: &Caller, client: &str, body: Value) -> reqwest::Response {
        self.send_as(
            caller,
            Method::PUT,
            &format!("/api/v1/clients/{client}/treatment-plan"),
            body,
        )
        .await
    }
}
