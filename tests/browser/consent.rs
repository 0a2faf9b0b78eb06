//! Both partners of a couple sign the practice's four documents in the browser, each from
//! their own portal, and a new version of one asks each of them again.

use fantoccini::{Client, Locator};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    Browser, click,
    common::{TestApp, assert_status, smtp::SmtpServer},
    type_into, wait_for_text,
};

/// The newest portal sign-in link sent to `address`, waiting for it to be queued and sent.
async fn portal_link(app: &TestApp, smtp: &SmtpServer, address: &str, before: usize) -> String {
    for _ in 0..200 {
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        app.dispatch_pending_emails().await;
        let links: Vec<String> = smtp
            .received_by(address)
            .into_iter()
            .map(|m| m.raw.replace("=\r\n", ""))
            .filter_map(|raw| {
                let at = raw.find("/portal/in/")? + "/portal/in/".len();
                Some(
                    raw[at..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                        .collect(),
                )
            })
            .collect();
        if links.len() > before {
            return links.last().unwrap().clone();
        }
    }
    panic!("no portal link for {address}");
}

fn links_sent(smtp: &SmtpServer, address: &str) -> usize {
    smtp.received_by(address)
        .iter()
        .filter(|m| m.raw.contains("/portal/in/"))
        .count()
}

/// Signs in to the portal as the owner of `address`, from the portal's own form.
async fn portal_sign_in(b: &Client, app: &TestApp, smtp: &SmtpServer, address: &str) {
    b.delete_all_cookies().await.unwrap();
    let before = links_sent(smtp, address);
    b.goto(&app.url("/portal")).await.unwrap();
    type_into(b, "email", address).await;
    click(b, Locator::Css("main button[type=submit]")).await;
    wait_for_text(b, "Check your email").await;
    let link = portal_link(app, smtp, address, before).await;
    b.goto(&app.url(&format!("/portal/in/{link}")))
        .await
        .unwrap();
    click(b, Locator::Css("main button[type=submit]")).await;
    wait_for_text(b, "Hello,").await;
}

/// From the portal, signs every document waiting, as `name`; answers how many.
async fn sign_everything(b: &Client, app: &TestApp, name: &str) -> usize {
    let mut signed = 0;
    loop {
        b.goto(&app.url("/portal")).await.unwrap();
        let waiting = b
            .find_all(Locator::XPath(
                "//section[@aria-labelledby='documents']//li[.//span[contains(., 'To sign')]]/a",
            ))
            .await
            .unwrap();
        let Some(first) = waiting.into_iter().next() else {
            return signed;
        };
        first.click().await.unwrap();
        b.wait()
            .at_most(crate::WAIT)
            .for_element(Locator::Id("name"))
            .await
            .unwrap();
        type_into(b, "name", name).await;
        click(b, Locator::Id("agree")).await;
        click(b, Locator::Css("main form button[type=submit]")).await;
        wait_for_text(b, "Signed by").await;
        signed += 1;
        assert!(signed <= 8, "signing does not end");
    }
}

async fn page_text(b: &Client) -> String {
    b.find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_partners_sign_the_four_documents_each_in_their_own_portal() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let b = &browser.client;
    let smtp = SmtpServer::start().await;
    let clock = attune::clock::Clock::manual(crate::common::scheduling::monday_morning());
    let app = TestApp::builder().clock(clock).smtp(&smtp).spawn().await;
    let couple = app.couple_in_care("2026-12-08T14:00:00Z").await;
    let owner = &couple.owner;
    let docs = assert_status(
        app.get_as(owner, "/api/v1/consent-documents").await,
        StatusCode::OK,
    )
    .await;
    let docs: Vec<Value> = docs["items"].as_array().unwrap().clone();
    assert_eq!(docs.len(), 4);
    let path = format!("/api/v1/clients/{}/consents", couple.client);
    for d in &docs {
        assert_status(
            app.send_as(owner, Method::POST, &path, json!({"document_id": d["id"]}))
                .await,
            StatusCode::CREATED,
        )
        .await;
    }
    app.dispatch_pending_emails().await;

    // Jane signs her four, from her page; Sam's are not on it.
    portal_sign_in(b, &app, &smtp, "jane@example.org").await;
    let hers = page_text(b).await;
    assert!(hers.contains("Hello, Jane"));
    assert!(
        !hers.contains("Sam"),
        "nothing of the other partner: {hers}"
    );
    assert_eq!(sign_everything(b, &app, "Jane Doe").await, 4);
    b.goto(&app.url("/portal")).await.unwrap();
    browser.screenshot("portal-jane-signed").await;
    let hers = page_text(b).await;
    assert!(!hers.contains("To sign"), "{hers}");

    // Sam's page still has all four waiting: signing is each partner's own.
    portal_sign_in(b, &app, &smtp, "sam@example.org").await;
    let his = page_text(b).await;
    assert!(his.contains("Hello, Sam") && !his.contains("Jane"), "{his}");
    assert_eq!(his.matches("To sign").count(), 4, "{his}");
    assert_eq!(sign_everything(b, &app, "Sam Roe").await, 4);

    let listed = assert_status(app.get_as(owner, &path).await, StatusCode::OK).await;
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 8);
    assert!(
        items
            .iter()
            .all(|i| i["status"] == "signed" && i["intact"] == true)
    );

    // A new version of the confidentiality policy that asks again: each is asked again.
    let policy = docs
        .iter()
        .find(|d| d["kind"] == "confidentiality")
        .unwrap();
    assert_status(
        app.send_as(
            owner,
            Method::POST,
            &format!(
                "/api/v1/consent-documents/{}/versions",
                policy["id"].as_str().unwrap()
            ),
            json!({"body": policy["current"]["body"], "secrets_policy": "limited_secrets",
                   "requires_reconsent": true}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    app.dispatch_pending_emails().await;
    b.goto(&app.url("/portal")).await.unwrap();
    let his = page_text(b).await;
    assert_eq!(his.matches("To sign").count(), 1, "{his}");
    assert!(his.contains("A newer version is waiting"));
    assert_eq!(sign_everything(b, &app, "Sam Roe").await, 1);
    portal_sign_in(b, &app, &smtp, "jane@example.org").await;
    assert_eq!(page_text(b).await.matches("To sign").count(), 1);
    assert_eq!(sign_everything(b, &app, "Jane Doe").await, 1);
    let listed = assert_status(app.get_as(owner, &path).await, StatusCode::OK).await;
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 10);
    assert_eq!(
        items.iter().filter(|i| i["status"] == "superseded").count(),
        2
    );
}
