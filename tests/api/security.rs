//! Protection that holds for every route: the gate in front of the staff API, and the
//! security headers on every response.

use attune::auth::Role;
use openapiv3::{OpenAPI, ReferenceOr};
use reqwest::{Method, StatusCode};

use crate::common::{assert_problem, assert_status, spawn_app};

/// Public operations, by path below `/api/v1`; everything else is staff-only.
fn is_public(path: &str) -> bool {
    path.starts_with("/public/") || path.starts_with("/intake/") || path == "/auth/login"
}

#[tokio::test]
async fn every_staff_operation_in_the_document_answers_401_without_credentials() {
    let app = spawn_app().await;
    let raw = assert_status(app.get("/api/openapi.json").await, StatusCode::OK).await;
    let doc: OpenAPI = serde_json::from_value(raw.clone()).unwrap();
    let mut checked = 0;
    for (path, item) in doc.paths.paths.iter() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, op) in item.iter() {
            let concrete = path
                .split('/')
                .map(|s| {
                    if s.starts_with('{') {
                        uuid::Uuid::new_v4().to_string()
                    } else {
                        s.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let url = app.url(&format!("/api/v1{concrete}"));
            if is_public(path) {
                assert!(
                    op.security.as_ref().is_none_or(|s| s.is_empty()),
                    "{method} {path} is public"
                );
                continue;
            }
            checked += 1;
            let declared: Vec<&str> = op
                .security
                .as_ref()
                .map(|reqs| {
                    reqs.iter()
                        .flat_map(|r| r.keys().map(String::as_str))
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(
                declared,
                ["sessionCookie", "bearerToken"],
                "{method} {path}"
            );
            for code in [401, 403] {
                assert!(
                    op.responses
                        .responses
                        .contains_key(&openapiv3::StatusCode::Code(code)),
                    "{method} {path} does not declare {code}"
                );
            }
            // Even a garbage body gets 401 first: nothing is parsed before the caller is known.
            let response = app
                .client
                .request(method.clone(), url)
                .header("content-type", "application/json")
                .body("{garbage")
                .send()
                .await
                .unwrap();
            assert_problem(response, StatusCode::UNAUTHORIZED).await;
        }
    }
    assert!(checked >= 10, "only {checked} staff operations found");
    for scheme in ["sessionCookie", "bearerToken"] {
        assert!(
            raw["components"]["securitySchemes"][scheme].is_object(),
            "{scheme} not declared"
        );
    }
    assert_eq!(
        raw["components"]["securitySchemes"]["sessionCookie"]["in"],
        "cookie"
    );
    assert_eq!(
        raw["components"]["securitySchemes"]["bearerToken"]["scheme"],
        "bearer"
    );
}

#[tokio::test]
async fn an_unknown_api_path_is_401_to_strangers_and_404_to_staff() {
    let app = spawn_app().await;
    assert_problem(
        app.get("/api/v1/no-such-thing").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    assert_problem(
        app.get_as(&owner, "/api/v1/no-such-thing").await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let responses = [
        ("json", app.get("/api/v1/public/practice").await),
        ("problem", app.get("/nope").await),
        ("staff json", app.get_as(&owner, "/api/v1/auth/me").await),
        ("html", app.get("/").await),
        ("docs", app.get("/api/docs").await),
        ("css", app.get("/assets/attune.css").await),
    ];
    for (kind, response) in &responses {
        let h = response.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{kind}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{kind}");
        assert_eq!(h["x-frame-options"], "DENY", "{kind}");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{kind}: {csp}");
        assert!(
            !h.contains_key("strict-transport-security"),
            "{kind}: no HSTS over plain http"
        );
    }
    let csp = |i: usize| {
        responses[i].1.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    // Pages load only Attune's own files; nothing inline.
    assert!(
        csp(3).contains("script-src 'self'") && !csp(3).contains("unsafe-inline"),
        "{}",
        csp(3)
    );
    assert!(csp(3).contains("style-src 'self'"));
    // JSON needs nothing at all.
    assert!(csp(0).starts_with("default-src 'none'"));
    // Private answers are never cached; the stylesheet may be.
    assert_eq!(responses[2].1.headers()["cache-control"], "no-store");
    assert!(
        responses[5].1.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
}
