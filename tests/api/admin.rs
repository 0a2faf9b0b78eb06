//! The dashboard's door: signing in and out with a session cookie, the way back to the page
//! asked for, and the agenda behind it.

use attune::auth::Role;
use reqwest::StatusCode;

use crate::common::{TestApp, admin::location, scheduling::couple_booking};

#[tokio::test]
async fn signing_in_leads_back_to_the_page_asked_for_and_signing_out_ends_the_session() {
    let (app, _) = TestApp::at_monday_morning().await;
    app.book_ok(&couple_booking("2026-12-08T14:00:00Z")).await;
    let account = app.create_staff(Role::Owner).await;

    let r = app.get_html("/admin?from=2026-12-07", None).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&r),
        "/admin/login?next=%2Fadmin%3Ffrom%3D2026-12-07"
    );
    let form = app.get_html("/admin/login?next=/admin", None).await;
    assert_eq!(form.status(), StatusCode::OK);
    assert!(
        form.text()
            .await
            .unwrap()
            .contains(r#"<label for="password">Password</label>"#)
    );

    // A failed sign-in says so, without saying which part was wrong, and keeps the email.
    let r = app
        .post_html(
            "/admin/login",
            None,
            &[
                ("email", &account.email),
                ("password", "wrong"),
                ("next", "/admin"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("do not match") && page.contains(&account.email),
        "{page}"
    );

    // An address outside the dashboard is not where sign-in leads.
    let r = app
        .post_html(
            "/admin/login",
            None,
            &[
                ("email", &account.email),
                ("password", &account.password),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/admin");
    let r = app
        .post_html(
            "/admin/login",
            None,
            &[
                ("email", &account.email),
                ("password", &account.password),
                ("next", "/admin?from=2026-12-07"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/admin?from=2026-12-07");
    let set = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_owned();

    let r = app.get_html("/admin?from=2026-12-07", Some(&cookie)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("<h1>Agenda</h1>"), "{page}");
    assert!(
        page.contains("Jane Doe") && page.contains("Free 15-minute consultation"),
        "{page}"
    );
    assert!(page.contains("Tuesday 8 December 2026"), "{page}");
    assert!(!page.contains("affair"), "nothing clinical on the agenda");

    // Signing out needs the page's CSRF token.
    assert_eq!(
        app.post_html("/admin/logout", Some(&cookie), &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let csrf = page
        .split(r#"name="csrf_token" value=""#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let r = app
        .post_html("/admin/logout", Some(&cookie), &[("csrf_token", csrf)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(
        app.get_html("/admin", Some(&cookie)).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.client
            .get(app.url("/admin/logout"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::METHOD_NOT_ALLOWED
    );
}
