//! The role matrix: each role against each family of staff endpoints.

use attune::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Caller, TestApp, assert_problem, spawn_app};

/// One representative request per endpoint family, and the roles it is for.
struct Family {
    name: &'static str,
    method: Method,
    path: String,
    body: Option<Value>,
    allowed: &'static [Role],
}

const EVERYONE: &[Role] = &[Role::Owner, Role::Clinician, Role::Assistant];
const OWNER: &[Role] = &[Role::Owner];

fn families(target: uuid::Uuid) -> Vec<Family> {
    vec![
        Family {
            name: "who am I",
            method: Method::GET,
            path: "/api/v1/auth/me".into(),
            body: None,
            allowed: EVERYONE,
        },
        Family {
            name: "own API tokens",
            method: Method::GET,
            path: "/api/v1/auth/tokens".into(),
            body: None,
            allowed: EVERYONE,
        },
        Family {
            name: "create an API token",
            method: Method::POST,
            path: "/api/v1/auth/tokens".into(),
            body: Some(json!({"name": "matrix"})),
            allowed: EVERYONE,
        },
        Family {
            name: "practice settings",
            method: Method::GET,
            path: "/api/v1/practice".into(),
            body: None,
            allowed: EVERYONE,
        },
        Family {
            name: "change practice settings",
            method: Method::PATCH,
            path: "/api/v1/practice".into(),
            body: Some(json!({"name": "Matrix Practice"})),
            allowed: OWNER,
        },
        Family {
            name: "list staff",
            method: Method::GET,
            path: "/api/v1/staff".into(),
            body: None,
            allowed: OWNER,
        },
        Family {
            name: "read a staff account",
            method: Method::GET,
            path: format!("/api/v1/staff/{target}"),
            body: None,
            allowed: OWNER,
        },
        Family {
            name: "create staff",
            method: Method::POST,
            path: "/api/v1/staff".into(),
            body: Some(
                json!({"email": format!("{}@example.org", uuid::Uuid::new_v4().simple()), "name": "N", "role": "assistant", "password": "harbour lights at dusk"}),
            ),
            allowed: OWNER,
        },
        Family {
            name: "change staff",
            method: Method::PATCH,
            path: format!("/api/v1/staff/{target}"),
            body: Some(json!({"name": "Renamed"})),
            allowed: OWNER,
        },
        Family {
            name: "practitioners",
            method: Method::GET,
            path: "/api/v1/practitioners".into(),
            body: None,
            allowed: EVERYONE,
        },
        Family {
            name: "add a practitioner",
            method: Method::POST,
            path: "/api/v1/practitioners".into(),
            body: Some(json!({"name": "P", "email": "p@example.org"})),
            allowed: OWNER,
        },
        Family {
            name: "appointment types",
            method: Method::GET,
            path: "/api/v1/appointment-types".into(),
            body: None,
            allowed: EVERYONE,
        },
        Family {
            name: "clients",
            method: Method::GET,
            path: "/api/v1/clients".into(),
            body: None,
            allowed: EVERYONE,
        },
        Family {
            name: "add a client",
            method: Method::POST,
            path: "/api/v1/clients".into(),
            body: Some(json!({"kind": "individual", "participants": [{"first_name": "M"}]})),
            allowed: EVERYONE,
        },
        Family {
            name: "appointments",
            method: Method::GET,
            path: "/api/v1/appointments".into(),
            body: None,
            allowed: EVERYONE,
        },
        Family {
            name: "audit log",
            method: Method::GET,
            path: "/api/v1/audit-events".into(),
            body: None,
            allowed: OWNER,
        },
    ]
}

async fn send(app: &TestApp, caller: &Caller, family: &Family) -> reqwest::Response {
    let mut request = app.call(caller, family.method.clone(), &family.path);
    if let Some(body) = &family.body {
        request = request.json(body);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn each_role_reaches_exactly_its_endpoint_families() {
    let app = spawn_app().await;
    let target = app.create_staff(Role::Assistant).await;
    for role in Role::ALL {
        let (_, caller) = app.signed_in(role).await;
        for family in families(target.id) {
            let response = send(&app, &caller, &family).await;
            if family.allowed.contains(&role) {
                assert!(
                    response.status().is_success(),
                    "{} as {}: {}",
                    family.name,
                    role.as_str(),
                    response.status()
                );
            } else {
                let p = assert_problem(response, StatusCode::FORBIDDEN).await;
                assert_eq!(
                    p["type"],
                    "/problems/forbidden",
                    "{} as {}",
                    family.name,
                    role.as_str()
                );
            }
        }
    }
}

#[tokio::test]
async fn a_refused_change_changes_nothing() {
    let app = spawn_app().await;
    let (_, clinician) = app.signed_in(Role::Clinician).await;
    let before = app
        .get_json("/api/v1/public/practice", StatusCode::OK)
        .await;
    let r = app
        .send_as(
            &clinician,
            Method::PATCH,
            "/api/v1/practice",
            json!({"name": "Hijacked"}),
        )
        .await;
    assert_problem(r, StatusCode::FORBIDDEN).await;
    assert_eq!(
        app.get_json("/api/v1/public/practice", StatusCode::OK)
            .await,
        before
    );
}
