//! Signing in and out, sessions and their expiry, API tokens, CSRF, rate limits, lockout.

use std::time::{Duration, Instant};

use attune::{auth::Role, clock::Clock};
use chrono::{TimeDelta, Utc};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Caller, TestApp, assert_problem, assert_status, error_fields, spawn_app};

fn manual_clock() -> Clock {
    Clock::manual(Utc::now())
}

#[tokio::test]
async fn signing_in_returns_a_session_and_sets_an_http_only_cookie() {
    let app = spawn_app().await;
    let account = app.create_staff(Role::Clinician).await;
    let response = app
        .try_login(&account.email.to_uppercase(), &account.password)
        .await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = assert_status(response, StatusCode::OK).await;

    let token = body["token"].as_str().unwrap();
    assert!(token.starts_with("ats_") && token.len() == 47, "{token}");
    assert!(body["csrf_token"].as_str().unwrap().len() >= 40);
    assert!(body["expires_at"].as_str().is_some());
    assert_eq!(body["user"]["email"], account.email);
    assert_eq!(body["user"]["role"], "clinician");
    assert_eq!(body["user"]["id"], account.id.to_string());

    assert!(
        cookie.starts_with(&format!("attune_session={token};")),
        "{cookie}"
    );
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain http must not mark the cookie Secure"
    );
}

#[tokio::test]
async fn the_cookie_is_secure_when_the_public_address_is_https() {
    let app = TestApp::builder()
        .configure(|c| c.public_url = Some("https://booking.example.org".parse().unwrap()))
        .spawn()
        .await;
    let account = app.create_staff(Role::Owner).await;
    let response = app.try_login(&account.email, &account.password).await;
    assert!(
        response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("; Secure")
    );
    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=63072000"
    );
}

#[tokio::test]
async fn a_wrong_email_and_a_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    let account = app.create_staff(Role::Owner).await;
    let unknown = app.try_login("nobody@example.org", &account.password).await;
    assert_eq!(
        unknown.headers()["www-authenticate"],
        r#"Bearer realm="attune""#
    );
    let mut unknown = assert_problem(unknown, StatusCode::UNAUTHORIZED).await;
    let mut wrong = assert_problem(
        app.try_login(&account.email, "not the right password")
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    unknown["request_id"] = json!(null);
    wrong["request_id"] = json!(null);
    assert_eq!(unknown, wrong);
}

/// Both must run the password hash: without the dummy check for unknown accounts, an unknown
/// email would answer in a fraction of the time and reveal which emails have accounts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_email_and_a_wrong_password_take_the_same_time() {
    let app = spawn_app().await;
    let account = app.create_staff(Role::Owner).await;
    let time = |email: String| {
        let app = &app;
        async move {
            let mut samples = Vec::new();
            for _ in 0..7 {
                let started = Instant::now();
                let r = app.try_login(&email, "not the right password").await;
                assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
                samples.push(started.elapsed());
            }
            samples.sort();
            samples[samples.len() / 2]
        }
    };
    // Warm up the dummy hash, which is computed once on first use.
    time("warm@example.org".into()).await;
    let unknown = time("nobody@example.org".into()).await;
    let wrong = time(account.email.clone()).await;
    let ratio = unknown.as_secs_f64() / wrong.as_secs_f64();
    assert!(
        (0.5..2.0).contains(&ratio),
        "unknown email {unknown:?} vs wrong password {wrong:?}"
    );
}

#[tokio::test]
async fn a_disabled_account_cannot_sign_in_even_with_its_password() {
    let app = spawn_app().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let account = app.create_staff(Role::Assistant).await;
    let path = format!("/api/v1/staff/{}", account.id);
    assert_status(
        app.send_as(&owner, Method::PATCH, &path, json!({"disabled": true}))
            .await,
        StatusCode::OK,
    )
    .await;
    let problem = assert_problem(
        app.try_login(&account.email, &account.password).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(problem["detail"], "The email or password is not right.");
    let refused = app.audit_events(&owner, "auth.login").await;
    assert!(
        refused
            .iter()
            .any(|e| e["details"]["reason"] == "disabled"
                && e["entity_id"] == account.id.to_string())
    );
}

#[tokio::test]
async fn sign_in_checks_its_body() {
    let app = spawn_app().await;
    let login = |body: serde_json::Value| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/api/v1/auth/login"))
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let p = assert_problem(
        login(json!({"email": "a@example.org"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p), ["password"]);
    let p = assert_problem(
        login(json!({"email": " ", "password": "x"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p), ["email"]);
    let p = assert_problem(
        login(json!({"email": "a@example.org", "password": "x".repeat(300)})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p), ["password"]);
}

#[tokio::test]
async fn the_session_works_as_cookie_and_as_bearer_and_me_describes_it() {
    let app = spawn_app().await;
    let (account, cookie) = app.signed_in(Role::Assistant).await;
    let me = app.assert_signed_in(&cookie).await;
    assert_eq!(me["user"]["email"], account.email);
    assert_eq!(me["role"], "assistant");
    assert_eq!(me["credential"], "session");
    let Caller::Cookie { csrf, .. } = &cookie else {
        unreachable!()
    };
    assert_eq!(me["csrf_token"], csrf.as_str());
    assert!(me["expires_at"].is_string());

    let bearer = Caller::Bearer(cookie.token().to_owned());
    let me = app.assert_signed_in(&bearer).await;
    assert_eq!(me["user"]["id"], account.id.to_string());
}

#[tokio::test]
async fn no_or_unknown_credentials_get_401() {
    let app = spawn_app().await;
    for caller in [
        Caller::Anonymous,
        Caller::Bearer("ats_notarealsessionsecretatallxxxxxxxxxxxxxxxxx".into()),
        Caller::Bearer("atk_notarealtokenxxxxxxxxxxxxxxxxxxxxxxxxxxxxx".into()),
        Caller::Bearer("something-else".into()),
        Caller::Cookie {
            token: "ats_forged".into(),
            csrf: "x".into(),
            with_csrf: true,
        },
    ] {
        app.assert_signed_out(&caller).await;
    }
    // A Basic header is not quietly replaced by the cookie.
    let response = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .basic_auth("someone", Some("pw"))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn a_session_ends_after_the_idle_timeout_and_slides_with_use() {
    let clock = manual_clock();
    let app = TestApp::builder().clock(clock.clone()).spawn().await;
    let (_, session) = app.signed_in(Role::Clinician).await;

    // Used every 11 hours, it stays alive past the 12-hour idle limit...
    for _ in 0..3 {
        clock.advance(TimeDelta::hours(11));
        app.assert_signed_in(&session).await;
    }
    // ...but 12 idle hours end it.
    clock.advance(TimeDelta::hours(12));
    app.assert_signed_out(&session).await;
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_age_however_busy() {
    let clock = manual_clock();
    let app = TestApp::builder().clock(clock.clone()).spawn().await;
    let (_, session) = app.signed_in(Role::Clinician).await;
    for _ in 0..15 {
        clock.advance(TimeDelta::hours(11));
        app.assert_signed_in(&session).await;
    }
    // 15 × 11 h = 165 h; the seven-day (168 h) limit falls within the next 11 hours.
    clock.advance(TimeDelta::hours(11));
    app.assert_signed_out(&session).await;
}

#[tokio::test]
async fn signing_out_ends_the_session_and_clears_the_cookie() {
    let app = spawn_app().await;
    let (_, session) = app.signed_in(Role::Owner).await;
    let response = app
        .call(&session, Method::POST, "/api/v1/auth/logout")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("attune_session=;") && cookie.contains("Max-Age=0"),
        "{cookie}"
    );
    app.assert_signed_out(&session).await;
}

#[tokio::test]
async fn api_tokens_are_shown_once_work_as_bearer_and_stop_when_revoked() {
    let app = spawn_app().await;
    let (_, session) = app.signed_in(Role::Clinician).await;
    let created = app
        .create_token(
            &session,
            json!({"name": "Accounting export", "expires_in_days": 30}),
        )
        .await;
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("atk_"));
    assert_eq!(created["name"], "Accounting export");
    let expires =
        chrono::DateTime::parse_from_rfc3339(created["expires_at"].as_str().unwrap()).unwrap();
    let days = (expires.with_timezone(&Utc) - Utc::now()).num_hours() as f64 / 24.0;
    assert!((29.9..=30.1).contains(&days), "{days}");

    let list = assert_status(
        app.get_as(&session, "/api/v1/auth/tokens").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["next_cursor"], json!(null));
    assert!(
        !list.to_string().contains(&token[4..]),
        "the list never shows the secret"
    );

    let bearer = Caller::Bearer(token.clone());
    let me = app.assert_signed_in(&bearer).await;
    assert_eq!(me["credential"], "api_token");
    assert_eq!(me["role"], "clinician");
    assert_eq!(me["csrf_token"], json!(null));
    // A token cannot make more tokens (so a leaked one cannot outlive its revocation).
    let p = assert_problem(
        app.send_as(
            &bearer,
            Method::POST,
            "/api/v1/auth/tokens",
            json!({"name": "second"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("signed-in session"));
    // Logging out is for sessions.
    let p = assert_problem(
        app.call(&bearer, Method::POST, "/api/v1/auth/logout")
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("DELETE /auth/tokens")
    );

    let id = created["id"].as_str().unwrap();
    let revoked = app
        .call(
            &session,
            Method::DELETE,
            &format!("/api/v1/auth/tokens/{id}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    app.assert_signed_out(&bearer).await;
    // Twice, or someone else's, is not found.
    let again = app
        .call(
            &session,
            Method::DELETE,
            &format!("/api/v1/auth/tokens/{id}"),
        )
        .send()
        .await
        .unwrap();
    assert_problem(again, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn a_token_of_another_user_cannot_be_revoked() {
    let app = spawn_app().await;
    let (_, alice) = app.signed_in(Role::Owner).await;
    let (_, bob) = app.signed_in(Role::Owner).await;
    let created = app.create_token(&alice, json!({"name": "alice's"})).await;
    let id = created["id"].as_str().unwrap();
    let response = app
        .call(&bob, Method::DELETE, &format!("/api/v1/auth/tokens/{id}"))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::NOT_FOUND).await;
    let token = Caller::Bearer(created["token"].as_str().unwrap().into());
    app.assert_signed_in(&token).await;
}

#[tokio::test]
async fn an_api_token_stops_working_when_it_expires() {
    let clock = manual_clock();
    let app = TestApp::builder().clock(clock.clone()).spawn().await;
    let (_, session) = app.signed_in(Role::Owner).await;
    let created = app
        .create_token(&session, json!({"name": "short", "expires_in_days": 1}))
        .await;
    let bearer = Caller::Bearer(created["token"].as_str().unwrap().into());
    app.assert_signed_in(&bearer).await;
    clock.advance(TimeDelta::hours(25));
    app.assert_signed_out(&bearer).await;
}

#[tokio::test]
async fn token_requests_are_validated() {
    let app = spawn_app().await;
    let (_, session) = app.signed_in(Role::Owner).await;
    for (body, field) in [
        (json!({"name": ""}), "name"),
        (json!({"name": "x".repeat(101)}), "name"),
        (
            json!({"name": "ok", "expires_in_days": 0}),
            "expires_in_days",
        ),
        (
            json!({"name": "ok", "expires_in_days": 731}),
            "expires_in_days",
        ),
        (
            json!({"name": "ok", "expires_in_days": -1}),
            "expires_in_days",
        ),
        (json!({}), "name"),
    ] {
        let p = assert_problem(
            app.send_as(&session, Method::POST, "/api/v1/auth/tokens", body.clone())
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error_fields(&p), [field], "{body}");
    }
    let bad_id = app
        .call(&session, Method::DELETE, "/api/v1/auth/tokens/not-a-uuid")
        .send()
        .await
        .unwrap();
    let p = assert_problem(bad_id, StatusCode::BAD_REQUEST).await;
    assert_eq!(error_fields(&p), ["id"]);
}

#[tokio::test]
async fn a_cookie_session_needs_the_csrf_header_to_change_anything() {
    let app = spawn_app().await;
    let (_, session) = app.signed_in(Role::Owner).await;
    let no_header = session.without_csrf();
    let p = assert_problem(
        app.send_as(
            &no_header,
            Method::POST,
            "/api/v1/auth/tokens",
            json!({"name": "x"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("X-CSRF-Token"));

    let wrong = Caller::Cookie {
        token: session.token().to_owned(),
        csrf: "not-the-token".into(),
        with_csrf: true,
    };
    assert_problem(
        app.send_as(
            &wrong,
            Method::POST,
            "/api/v1/auth/tokens",
            json!({"name": "x"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // Reading needs no header; the right header lets the change through.
    app.assert_signed_in(&no_header).await;
    app.create_token(&session, json!({"name": "x"})).await;
    // Signing out is a change too.
    let logout = app
        .call(&no_header, Method::POST, "/api/v1/auth/logout")
        .send()
        .await
        .unwrap();
    assert_problem(logout, StatusCode::FORBIDDEN).await;
    // The bearer form of the same session needs no header.
    let bearer = Caller::Bearer(session.token().to_owned());
    app.create_token(&bearer, json!({"name": "y"})).await;
}

#[tokio::test]
async fn an_html_form_may_send_the_csrf_token_as_a_field() {
    let app = spawn_app().await;
    let (_, session) = app.signed_in(Role::Owner).await;
    let Caller::Cookie { csrf, .. } = &session else {
        unreachable!()
    };
    let post = |body: String| {
        let app = &app;
        let session = session.without_csrf();
        async move {
            app.call(&session, Method::POST, "/api/v1/auth/tokens")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    assert_problem(post("name=x".into()).await, StatusCode::FORBIDDEN).await;
    assert_problem(
        post("name=x&csrf_token=wrong".into()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // With the field the gate lets it through; this JSON operation then refuses the form.
    let through = post(format!("name=x&csrf_token={csrf}")).await;
    assert_problem(through, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
}

#[tokio::test]
async fn sign_in_attempts_are_limited_per_address_with_retry_after() {
    let app = TestApp::builder()
        .configure(|c| {
            c.auth.login_limit = attune::config::RateLimit {
                max: 3,
                window: Duration::from_secs(900),
            }
        })
        .spawn()
        .await;
    for i in 0..3 {
        let r = app
            .try_login(&format!("someone{i}@example.org"), "wrong password")
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let limited = app
        .try_login("someone9@example.org", "wrong password")
        .await;
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    let p = assert_problem(limited, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(p["type"], "/problems/too-many-requests");
}

#[tokio::test]
async fn sign_in_attempts_are_limited_per_account_across_addresses() {
    let app = TestApp::builder()
        .configure(|c| {
            c.auth.trust_proxy = true;
            c.auth.login_limit = attune::config::RateLimit {
                max: 3,
                window: Duration::from_secs(900),
            };
        })
        .spawn()
        .await;
    let account = app.create_staff(Role::Owner).await;
    let attempt = |ip: String, password: &'static str| {
        let app = &app;
        let email = account.email.clone();
        async move {
            app.client
                .post(app.url("/api/v1/auth/login"))
                .header("x-forwarded-for", ip)
                .json(&json!({"email": email, "password": password}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    for i in 0..3 {
        assert_eq!(
            attempt(format!("203.0.113.{i}"), "wrong password").await,
            StatusCode::UNAUTHORIZED
        );
    }
    // A fourth address, even with the right password, is refused for this account.
    assert_eq!(
        attempt("203.0.113.50".into(), crate::common::staff::PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn repeated_failures_lock_the_account_for_a_while_and_are_audited() {
    let clock = manual_clock();
    let app = TestApp::builder()
        .clock(clock.clone())
        .configure(|c| {
            c.auth.lockout_threshold = 3;
            c.auth.lockout_duration = Duration::from_secs(15 * 60);
        })
        .spawn()
        .await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let account = app.create_staff(Role::Clinician).await;
    for _ in 0..3 {
        let r = app.try_login(&account.email, "wrong password").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    // Locked: even the right password is refused, and exactly like a wrong one, so a lock
    // does not tell a stranger that the account exists.
    let mut locked = assert_problem(
        app.try_login(&account.email, &account.password).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let mut unknown = assert_problem(
        app.try_login("nobody@example.org", &account.password).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    locked["request_id"] = json!(null);
    unknown["request_id"] = json!(null);
    assert_eq!(locked, unknown);
    let refusals = app.audit_events(&owner, "auth.login").await;
    assert!(refusals.iter().any(|e| e["details"]["reason"] == "locked"));

    let events = app.audit_events(&owner, "auth.account_locked").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["entity_id"], account.id.to_string());

    let staff = assert_status(
        app.get_as(&owner, &format!("/api/v1/staff/{}", account.id))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(staff["locked_until"].is_string());

    clock.advance(TimeDelta::minutes(16));
    assert_status(
        app.try_login(&account.email, &account.password).await,
        StatusCode::OK,
    )
    .await;
}

#[tokio::test]
async fn changing_your_password_needs_the_current_one_and_ends_your_other_sessions() {
    let app = spawn_app().await;
    let account = app.create_staff(Role::Clinician).await;
    let here = app.login(&account).await;
    let elsewhere = app.login(&account).await;
    let change = |body: serde_json::Value| {
        let app = &app;
        let here = here.clone();
        async move {
            app.send_as(&here, Method::POST, "/api/v1/auth/password", body)
                .await
        }
    };
    let p = assert_problem(
        change(json!({"current_password": "wrong one here", "new_password": "tide pool lantern forty"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p), ["current_password"]);
    let p = assert_problem(
        change(json!({"current_password": account.password, "new_password": "password1234"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p), ["new_password"]);

    let ok = change(
        json!({"current_password": account.password, "new_password": "tide pool lantern forty"}),
    )
    .await;
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    app.assert_signed_in(&here).await;
    app.assert_signed_out(&elsewhere).await;
    assert_problem(
        app.try_login(&account.email, &account.password).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_status(
        app.try_login(&account.email, "tide pool lantern forty")
            .await,
        StatusCode::OK,
    )
    .await;
}

#[tokio::test]
async fn public_endpoints_have_a_per_address_ceiling() {
    let app = TestApp::builder()
        .configure(|c| {
            c.auth.public_limit = attune::config::RateLimit {
                max: 2,
                window: Duration::from_secs(60),
            }
        })
        .spawn()
        .await;
    for _ in 0..2 {
        assert_status(app.get("/api/v1/public/practice").await, StatusCode::OK).await;
    }
    let limited = app.get("/api/v1/public/practice").await;
    assert!(limited.headers().contains_key("retry-after"));
    assert_problem(limited, StatusCode::TOO_MANY_REQUESTS).await;
}

#[tokio::test]
async fn a_cookie_holding_an_api_token_is_not_accepted() {
    let app = spawn_app().await;
    let (_, session) = app.signed_in(Role::Owner).await;
    let token = app.create_token(&session, json!({"name": "t"})).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let as_cookie = Caller::Cookie {
        token,
        csrf: String::new(),
        with_csrf: false,
    };
    app.assert_signed_out(&as_cookie).await;
}

#[tokio::test]
async fn csrf_is_needed_for_patch_and_delete_too() {
    let app = spawn_app().await;
    let (_, session) = app.signed_in(Role::Owner).await;
    let no_header = session.without_csrf();
    let token_id = app.create_token(&session, json!({"name": "t"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let patch = app
        .send_as(
            &no_header,
            Method::PATCH,
            "/api/v1/practice",
            json!({"name": "X"}),
        )
        .await;
    assert_problem(patch, StatusCode::FORBIDDEN).await;
    let delete = app
        .call(
            &no_header,
            Method::DELETE,
            &format!("/api/v1/auth/tokens/{token_id}"),
        )
        .send()
        .await
        .unwrap();
    assert_problem(delete, StatusCode::FORBIDDEN).await;
    // Each refusal is in the audit log.
    let denied = app.audit_events(&session, "access.denied").await;
    assert_eq!(denied.len(), 2, "{denied:?}");
    assert!(
        denied
            .iter()
            .all(|e| e["outcome"] == "denied" && e["details"]["reason"] == "csrf")
    );
}

#[tokio::test]
async fn a_role_refusal_is_recorded_as_denied() {
    let app = spawn_app().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let (assistant_account, assistant) = app.signed_in(Role::Assistant).await;
    assert_problem(
        app.get_as(&assistant, "/api/v1/audit-events").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let denied = app.audit_events(&owner, "access.denied").await;
    assert_eq!(denied.len(), 1, "{denied:?}");
    assert_eq!(denied[0]["actor"]["id"], assistant_account.id.to_string());
    assert_eq!(denied[0]["details"]["reason"], "role");
    assert_eq!(denied[0]["details"]["method"], "GET");
}

#[tokio::test]
async fn x_forwarded_for_is_ignored_unless_a_proxy_is_trusted() {
    let app = TestApp::builder()
        .configure(|c| {
            c.auth.login_limit = attune::config::RateLimit {
                max: 2,
                window: Duration::from_secs(900),
            }
        })
        .spawn()
        .await;
    // Forging a new address per attempt does not escape the per-address limit.
    for i in 0..2 {
        let r = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", format!("198.51.100.{i}"))
            .json(&json!({"email": format!("x{i}@example.org"), "password": "wrong password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", "198.51.100.99")
        .json(&json!({"email": "x9@example.org", "password": "wrong password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn nul_characters_and_impossible_times_are_refused_as_bad_input() {
    let app = spawn_app().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let p = assert_problem(
        app.client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": "a\u{0}@example.org", "password": "x"}))
            .send()
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p), ["email"]);
    let p = assert_problem(
        app.send_as(
            &owner,
            Method::POST,
            "/api/v1/auth/tokens",
            json!({"name": "a\u{0}b"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p), ["name"]);
    for query in ["action=auth%00login", "entity_id=%00"] {
        let p = assert_problem(
            app.get_as(&owner, &format!("/api/v1/audit-events?{query}"))
                .await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert!(p["detail"].as_str().unwrap().contains("NUL"), "{query}");
    }
    for (query, field) in [
        ("from=%2B200000-01-01T00:00:00Z", "from"),
        ("to=-100000-01-01T00:00:00Z", "to"),
        ("action=a%0Ab", "action"),
    ] {
        let p = assert_problem(
            app.get_as(&owner, &format!("/api/v1/audit-events?{query}"))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error_fields(&p), [field], "{query}");
    }
}

#[tokio::test]
async fn wrong_current_passwords_count_toward_the_lockout() {
    let app = TestApp::builder()
        .configure(|c| c.auth.lockout_threshold = 2)
        .spawn()
        .await;
    let (account, session) = app.signed_in(Role::Clinician).await;
    for _ in 0..2 {
        let r = app
            .send_as(
                &session,
                Method::POST,
                "/api/v1/auth/password",
                json!({"current_password": "a wrong guess here", "new_password": "tide pool lantern forty"}),
            )
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    assert_problem(
        app.try_login(&account.email, &account.password).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

#[tokio::test]
async fn housekeeping_removes_sessions_that_can_no_longer_be_used() {
    let clock = manual_clock();
    let app = TestApp::builder().clock(clock.clone()).spawn().await;
    let (_, stale) = app.signed_in(Role::Clinician).await;
    clock.advance(TimeDelta::hours(13));
    let (_, fresh) = app.signed_in(Role::Clinician).await;
    let report = attune::housekeeping::run_once(&app.state).await.unwrap();
    assert_eq!(report.sessions_purged, 1);
    app.assert_signed_in(&fresh).await;
    app.assert_signed_out(&stale).await;
    assert_eq!(
        attune::housekeeping::run_once(&app.state)
            .await
            .unwrap()
            .sessions_purged,
        0
    );
}
