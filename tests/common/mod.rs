//! The test harness: the real application, in-process, on `127.0.0.1:0`, against a fresh
//! database per test.
//!
//! SQLite by default (a file in a temporary directory). With `ATTUNE_TEST_DATABASE_URL`
//! pointing at a Postgres server, each test creates a uniquely named database there, migrates
//! it, and drops it when the test ends, pass or fail.

pub mod admin;
pub mod binary;
pub mod calendar;
pub mod clinical;
pub mod database;
pub mod independent;
pub mod intake;
pub mod pdf;
pub mod probe;
pub mod scheduling;
pub mod smtp;
pub mod staff;

use std::sync::{
    Arc, Once,
    atomic::{AtomicBool, Ordering},
};

use attune::{AppState, Application, Options, clock::Clock, config::Config, http::ExtraRoutes};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::{sync::oneshot, task::JoinHandle};

pub use database::TestDatabase;
pub use staff::Caller;

/// A running Attune and a client for it.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub db: Arc<TestDatabase>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
    mail: Arc<MailWatch>,
}

/// Whether the test watches the mail it causes (it sent some, or gave the app an SMTP
/// server): then, when it ends, nothing due may still wait in the outbox unless the test
/// said it meant that.
#[derive(Default)]
struct MailWatch {
    watching: AtomicBool,
    may_wait: AtomicBool,
}

type ConfigChange = Box<dyn FnOnce(&mut Config) + Send>;

/// Builds a [`TestApp`]; every knob defaults to what production does.
pub struct TestAppBuilder {
    db: Option<Arc<TestDatabase>>,
    configure: Vec<ConfigChange>,
    extra_routes: ExtraRoutes,
    clock: Option<Clock>,
    mail_worker: bool,
    watch_mail: bool,
}

pub fn init_test_logging() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // `TEST_LOG=debug cargo test` shows the application's logs for a failing test.
        if let Ok(filter) = std::env::var("TEST_LOG") {
            attune::telemetry::init(&filter, attune::config::LogFormat::Pretty);
        }
    });
}

pub async fn spawn_app() -> TestApp {
    TestApp::builder().spawn().await
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            db: None,
            configure: Vec::new(),
            extra_routes: Vec::new(),
            clock: None,
            mail_worker: false,
            watch_mail: false,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request failed")
    }

    /// GET and parse the JSON body, asserting the status first.
    pub async fn get_json(&self, path: &str, status: StatusCode) -> Value {
        let response = self.get(path).await;
        assert_status(response, status).await
    }

    /// Stops the server gracefully and waits for it to finish.
    pub async fn stop(mut self) {
        self.stop_inner().await;
    }

    /// Sends what is due now through the configured transport, as the background worker
    /// would.
    pub async fn dispatch_pending_emails(&self) -> attune::mail::worker::Report {
        self.mail.watching.store(true, Ordering::Relaxed);
        attune::mail::worker::run_once(&self.state)
            .await
            .expect("the outbox could not be worked")
    }

    /// This test means to leave due mail unsent (it checks what waits, or what a failure
    /// leaves behind).
    pub fn leaves_mail_pending(&self) {
        self.mail.may_wait.store(true, Ordering::Relaxed);
    }

    /// How many messages are due now and still unsent.
    fn due_unsent(&self) -> u64 {
        let url = self.db.url().expose().to_owned();
        let now = self.state.clock.now();
        // Drop runs inside the test's runtime, which cannot be blocked on from within.
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                use entity::email_outbox::{self, EmailStatus};
                use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
                let db = sea_orm::Database::connect(&url).await.ok()?;
                let due = email_outbox::Entity::find()
                    .filter(email_outbox::Column::Status.eq(EmailStatus::Pending))
                    .filter(email_outbox::Column::NextAttemptAt.lte(now))
                    .count(&db)
                    .await
                    .ok();
                let _ = db.close().await;
                due
            })
        })
        .join()
        .ok()
        .flatten()
        .unwrap_or(0)
    }

    async fn stop_inner(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .expect("server task panicked")
                .expect("server failed");
        }
    }

    /// Restarts with a new data key, the current one kept readable as a previous key: the
    /// first step of a rotation. Returns the app, the old key and the new.
    pub async fn restart_with_new_key(
        self,
    ) -> (TestApp, attune::crypto::DataKey, attune::crypto::DataKey) {
        let attune::config::DataKeySource::Key(old) = self.state.config.data_key.clone() else {
            panic!("tests run with a key");
        };
        let old = *old;
        let new = attune::crypto::DataKey::generate();
        let (current, previous) = (new.clone(), old.clone());
        let app = self
            .restart(move |cfg| {
                cfg.data_key = attune::config::DataKeySource::Key(Box::new(current));
                cfg.previous_data_keys = vec![previous];
            })
            .await;
        (app, old, new)
    }

    /// Restarts with `key` alone, every earlier key forgotten: the end of a rotation.
    pub async fn restart_with_only(self, key: attune::crypto::DataKey) -> TestApp {
        self.restart(move |cfg| {
            cfg.data_key = attune::config::DataKeySource::Key(Box::new(key));
            cfg.previous_data_keys = Vec::new();
        })
        .await
    }

    /// Stops this instance and starts a new one on the same database and data keys, as a
    /// restart would; `configure` may change them.
    pub async fn restart(
        mut self,
        configure: impl FnOnce(&mut Config) + Send + 'static,
    ) -> TestApp {
        self.stop_inner().await;
        let mail = self.mail.clone();
        // The watch carries over to the new instance; this one is not checked on its own.
        self.mail = Arc::new(MailWatch::default());
        let (key, previous) = (
            self.state.config.data_key.clone(),
            self.state.config.previous_data_keys.clone(),
        );
        TestApp::builder()
            .database(self.db.clone())
            .configure(move |cfg| {
                cfg.data_key = key;
                cfg.previous_data_keys = previous;
            })
            .configure(configure)
            .spawn()
            .await
            .watching(mail)
    }

    fn watching(mut self, mail: Arc<MailWatch>) -> Self {
        self.mail = mail;
        self
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if std::thread::panicking()
            || !self.mail.watching.load(Ordering::Relaxed)
            || self.mail.may_wait.load(Ordering::Relaxed)
        {
            return;
        }
        let due = self.due_unsent();
        assert!(
            due == 0,
            "{due} email(s) due now were left unsent: dispatch them and check them, or call \
             TestApp::leaves_mail_pending if the test means it"
        );
    }
}

impl TestAppBuilder {
    pub fn database(mut self, db: Arc<TestDatabase>) -> Self {
        self.db = Some(db);
        self
    }

    pub fn configure(mut self, f: impl FnOnce(&mut Config) + Send + 'static) -> Self {
        self.configure.push(Box::new(f));
        self
    }

    pub fn extra_routes(mut self, routes: ExtraRoutes) -> Self {
        self.extra_routes.extend(routes);
        self
    }

    /// Sends email in the background as `attune serve` does, instead of only when the test
    /// calls `mail::worker::run_once`.
    pub fn mail_worker(mut self) -> Self {
        self.mail_worker = true;
        self
    }

    /// Sends email to `smtp` (a test's own server).
    pub fn smtp(mut self, smtp: &smtp::SmtpServer) -> Self {
        let url = attune::config::SmtpUrl::parse(&smtp.url()).unwrap();
        self.watch_mail = true;
        self.configure(move |c| {
            c.mail.transport = attune::config::MailTransport::Smtp(url);
            c.mail.smtp_timeout = std::time::Duration::from_secs(5);
        })
    }

    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = Some(clock);
        self
    }

    pub async fn spawn(self) -> TestApp {
        init_test_logging();
        let db = match self.db {
            Some(db) => db,
            None => Arc::new(TestDatabase::create().await),
        };
        let mut config = Config::defaults_for(db.url());
        config.bind = "127.0.0.1:0".parse().unwrap();
        // Tests sign in many times from one address; the tests of the limits set their own.
        config.auth.login_limit = attune::config::RateLimit {
            max: 10_000,
            window: std::time::Duration::from_secs(60),
        };
        config.auth.public_limit = config.auth.login_limit;
        // A feed is asked of the database every time; the test of the memory sets its own.
        config.calendar.feed_recheck = std::time::Duration::ZERO;
        // Nothing written to the working directory; the mail tests choose a transport.
        config.mail.transport = attune::config::MailTransport::Log;
        for f in self.configure {
            f(&mut config);
        }
        let app = Application::build_with(
            config,
            Options {
                clock: self.clock,
                extra_routes: self.extra_routes,
                manual_mail: !self.mail_worker,
            },
        )
        .await
        .expect("the application failed to start");
        let base = format!("http://{}", app.local_addr());
        let state = app.state().clone();
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async move {
            let _ = rx.await;
        }));
        TestApp {
            base,
            client: client(),
            state,
            db,
            shutdown: Some(tx),
            server: Some(server),
            mail: Arc::new(MailWatch {
                // A worker in the background sends on its own time.
                watching: AtomicBool::new(self.watch_mail && !self.mail_worker),
                may_wait: AtomicBool::new(false),
            }),
        }
    }
}

/// A client that behaves like a browser's fetch: no redirects followed, no proxy.
pub fn client() -> reqwest::Client {
    // reqwest is built without a default TLS provider (Attune picks ring); the tests only
    // speak plain HTTP, but building a client still needs one installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

/// Asserts the status (showing the body when it is wrong) and returns the body as JSON.
pub async fn assert_status(response: reqwest::Response, status: StatusCode) -> Value {
    let actual = response.status();
    let text = response.text().await.unwrap_or_default();
    assert_eq!(actual, status, "unexpected status; body: {text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    }
}

/// Asserts a problem+json response of the given status and returns its body.
pub async fn assert_problem(response: reqwest::Response, status: StatusCode) -> Value {
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let request_id = response
        .headers()
        .get("x-request-id")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = assert_status(response, status).await;
    assert_eq!(
        content_type.as_deref(),
        Some("application/problem+json"),
        "body: {body}"
    );
    for member in ["type", "title", "detail"] {
        assert!(body[member].is_string(), "problem without {member}: {body}");
    }
    assert_eq!(body["status"], status.as_u16(), "{body}");
    assert_eq!(
        body["request_id"].as_str(),
        request_id.as_deref(),
        "the problem quotes the request id of its response"
    );
    body
}

/// The `field` of every entry in a problem's `errors` list.
pub fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}
