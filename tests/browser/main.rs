//! Attune in a real browser: headless Chromium, driven through ChromeDriver.
//!
//! `.ci/run` installs Debian's `chromium` and `chromium-driver` and sets
//! `ATTUNE_REQUIRE_BROWSER=1`, so there these tests cannot quietly skip. On a machine without
//! them they say so and pass. Screenshots land in `target/screenshots/`.

#[path = "../common/mod.rs"]
// The browser tests drive a few pages and use a small part of the harness the API tests
// share.
#[allow(dead_code)]
mod common;

mod accessibility;
mod billing;
mod booking;
mod consent;
mod dashboard;
mod intake;
mod measures;
mod series;

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder, Locator, wd::Capabilities};
use serde_json::json;

/// A ChromeDriver process and a browser session through it; both end when dropped.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
    /// One browser at a time: two Chromiums on a small machine starve each other, and their
    /// drivers' ports could meet.
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

static TURN: std::sync::LazyLock<std::sync::Arc<tokio::sync::Mutex<()>>> =
    std::sync::LazyLock::new(Default::default);

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

impl Browser {
    /// A phone-sized headless Chromium, or `None` where the browser is not installed and not
    /// required.
    pub async fn start() -> Option<Browser> {
        let installed = Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists();
        if !installed {
            assert!(
                std::env::var_os("ATTUNE_REQUIRE_BROWSER").is_none(),
                "ATTUNE_REQUIRE_BROWSER is set but {CHROMIUM} or {CHROMEDRIVER} is missing \
                 (apt-get install chromium chromium-driver)"
            );
            eprintln!("skipping a browser test: install chromium and chromium-driver to run it");
            return None;
        }
        let turn = TURN.clone().lock_owned().await;
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            // A visitor in New York, while the practice keeps UTC.
            .env("TZ", "America/New_York")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting chromedriver");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let mut caps = Capabilities::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--window-size=390,844",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("opening a browser session");
        Some(Browser {
            client,
            driver,
            _profile: profile,
            _turn: turn,
        })
    }

    /// Saves a screenshot as `target/screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("taking a screenshot");
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Replaces what the field with `id` holds by `text`, typed as a person would.
pub async fn type_into(b: &Client, id: &str, text: &str) {
    let field = b.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

pub const WAIT: Duration = Duration::from_secs(20);

pub async fn wait_for_text(b: &Client, text: &str) {
    b.wait()
        .at_most(WAIT)
        .for_element(Locator::XPath(&format!(
            "//*[contains(normalize-space(.), \"{text}\")]"
        )))
        .await
        .unwrap_or_else(|_| panic!("{text:?} did not appear"));
}

pub async fn click(b: &Client, locator: Locator<'_>) {
    b.wait()
        .at_most(WAIT)
        .for_element(locator)
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

pub async fn sign_in(b: &Client, app: &common::TestApp, email: &str, password: &str) {
    b.goto(&app.url("/admin")).await.unwrap();
    b.wait()
        .at_most(WAIT)
        .for_element(Locator::Id("email"))
        .await
        .unwrap();
    type_into(b, "email", email).await;
    type_into(b, "password", password).await;
    click(b, Locator::Css("main button[type=submit]")).await;
    wait_for_text(b, "Agenda").await;
}
