//! Staff accounts and signed-in callers for tests.

use attune::{
    audit::{Actor, AuditContext, Origin},
    auth::{Role, password, staff},
    types::EmailAddress,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{TestApp, assert_status};

/// A staff account a test created, with its password.
#[derive(Clone, Debug)]
pub struct Account {
    pub id: Uuid,
    pub email: String,
    pub password: String,
}

/// How a test request authenticates.
#[derive(Clone, Debug)]
pub enum Caller {
    Anonymous,
    /// A browser: the session cookie, plus the CSRF header when `with_csrf`.
    Cookie {
        token: String,
        csrf: String,
        with_csrf: bool,
    },
    /// A script: `Authorization: Bearer`.
    Bearer(String),
}

impl Caller {
    /// The same browser session, without the CSRF header.
    pub fn without_csrf(&self) -> Caller {
        match self {
            Caller::Cookie { token, csrf, .. } => Caller::Cookie {
                token: token.clone(),
                csrf: csrf.clone(),
                with_csrf: false,
            },
            other => other.clone(),
        }
    }

    pub fn token(&self) -> &str {
        match self {
            Caller::Cookie { token, .. } | Caller::Bearer(token) => token,
            Caller::Anonymous => "",
        }
    }
}

pub const PASSWORD: &str = "vermilion kettle over the moor";

impl TestApp {
    /// Creates an account directly in the database (as `attune admin create` does).
    pub async fn create_staff(&self, role: Role) -> Account {
        self.create_staff_for(role, None).await
    }

    /// The same, linked to a practitioner (a clinician's own clients are that practitioner's).
    pub async fn create_staff_for(&self, role: Role, practitioner_id: Option<Uuid>) -> Account {
        let email = format!(
            "{}-{}@example.org",
            role.as_str(),
            &Uuid::new_v4().simple().to_string()[..8]
        );
        let audit = AuditContext::new(Actor::SYSTEM, Origin::default(), self.state.clock.now());
        let user = staff::create(
            &self.state.db,
            staff::NewStaff {
                email: EmailAddress::parse(&email).unwrap(),
                name: format!("Test {}", role.as_str()),
                role,
                practitioner_id,
                password: password::check(PASSWORD, &email).unwrap(),
            },
            &audit,
        )
        .await
        .expect("creating a staff account");
        Account {
            id: user.id,
            email,
            password: PASSWORD.to_owned(),
        }
    }

    pub async fn try_login(&self, email: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap()
    }

    /// Signs in and returns a browser-like caller (cookie + CSRF header).
    pub async fn login(&self, account: &Account) -> Caller {
        let body = assert_status(
            self.try_login(&account.email, &account.password).await,
            StatusCode::OK,
        )
        .await;
        Caller::Cookie {
            token: body["token"].as_str().unwrap().to_owned(),
            csrf: body["csrf_token"].as_str().unwrap().to_owned(),
            with_csrf: true,
        }
    }

    /// A new account of `role`, signed in.
    pub async fn signed_in(&self, role: Role) -> (Account, Caller) {
        let account = self.create_staff(role).await;
        let caller = self.login(&account).await;
        (account, caller)
    }

    /// A request as `caller`.
    pub fn call(&self, caller: &Caller, method: Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.client.request(method, self.url(path));
        match caller {
            Caller::Anonymous => request,
            Caller::Cookie {
                token,
                csrf,
                with_csrf,
            } => {
                let request = request.header("cookie", format!("attune_session={token}"));
                if *with_csrf {
                    request.header("x-csrf-token", csrf)
                } else {
                    request
                }
            }
            Caller::Bearer(token) => request.bearer_auth(token),
        }
    }

    pub async fn get_as(&self, caller: &Caller, path: &str) -> reqwest::Response {
        self.call(caller, Method::GET, path).send().await.unwrap()
    }

    pub async fn send_as(
        &self,
        caller: &Caller,
        method: Method,
        path: &str,
        body: Value,
    ) -> reqwest::Response {
        self.call(caller, method, path)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// A `DELETE` as `caller`.
    pub async fn delete_as(&self, caller: &Caller, path: &str) -> reqwest::Response {
        self.call(caller, Method::DELETE, path)
            .send()
            .await
            .unwrap()
    }

    /// A `POST` without a body as `caller`.
    pub async fn post_empty_as(&self, caller: &Caller, path: &str) -> reqwest::Response {
        self.call(caller, Method::POST, path).send().await.unwrap()
    }

    /// Asserts that `caller` is signed in (their credential works) and returns `auth/me`.
    pub async fn assert_signed_in(&self, caller: &Caller) -> Value {
        assert_status(self.get_as(caller, "/api/v1/auth/me").await, StatusCode::OK).await
    }

    /// Asserts that `caller`'s credential no longer works.
    pub async fn assert_signed_out(&self, caller: &Caller) {
        super::assert_problem(
            self.get_as(caller, "/api/v1/auth/me").await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
    }

    /// Creates an API token as `caller` and returns the answer (with the secret).
    pub async fn create_token(&self, caller: &Caller, body: Value) -> Value {
        assert_status(
            self.send_as(caller, Method::POST, "/api/v1/auth/tokens", body)
                .await,
            StatusCode::CREATED,
        )
        .await
    }

    /// The audit events with `action`, newest first, as the owner `caller` sees them.
    pub async fn audit_events(&self, owner: &Caller, action: &str) -> Vec<Value> {
        let body = assert_status(
            self.get_as(
                owner,
                &format!("/api/v1/audit-events?action={action}&limit=200"),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        body["items"].as_array().unwrap().clone()
    }
}
