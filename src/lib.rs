//! Attune: practice management for couples therapists.
//!
//! This crate builds the whole application (config → database → services → routes) so the
//! binary and the tests run exactly the same thing; `main.rs` only parses the command line.

pub mod audit;
pub mod auth;
pub mod billing;
pub mod calendar;
pub mod cli;
pub mod clock;
pub mod config;
pub mod consent;
pub mod crypto;
pub mod db;
pub mod first_run;
pub mod housekeeping;
pub mod http;
pub mod intake;
pub mod integrity;
pub mod mail;
pub mod measures;
pub mod notes;
pub mod pagination;
pub mod pdf;
pub mod policy;
pub mod portal;
pub mod practice;
pub mod read_models;
pub mod rekey;
pub mod scheduling;
pub mod telemetry;
pub mod templates;
pub mod types;
pub mod validation;
pub mod versions;
pub mod when;

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context;
use poem::{Server, listener::TcpAcceptor};
use sea_orm::DatabaseConnection;
use url::Url;

use crate::{
    clock::Clock,
    config::Config,
    http::ExtraRoutes,
    mail::Mailer,
    templates::{Overrides, Templates},
    types::PublicUrl,
};

/// What every handler can reach. Cheap to clone: everything inside is shared.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    /// Base of every link handed out (emails, feeds, booking pages).
    pub public_url: PublicUrl,
    pub clock: Clock,
    pub templates: Arc<Templates>,
    pub limiters: Arc<Limiters>,
    /// Seal and open private free text.
    pub keys: Arc<crypto::DataKeys>,
    /// Fetches outside calendars for their busy times.
    pub busy: calendar::busy::Refresher,
    /// Renders, queues and sends email.
    pub mail: Arc<Mailer>,
    /// Every SQL statement this instance runs, counted.
    pub statements: Arc<db::Statements>,
    /// What free time is made of, in memory while its version stands.
    pub schedule: Arc<scheduling::snapshot::ScheduleCache>,
    /// Feeds recently found unchanged.
    pub feeds: Arc<calendar::feed::RecentFeeds>,
    /// Free times already worked out, while the schedule stands.
    pub free_answers: Arc<scheduling::booking::FreeAnswers>,
}

impl AppState {
    /// Connects to the database, applies migrations, sets up the practice on first start and
    /// loads what every part shares; `public_url` says where links point, given the address
    /// the server will listen on.
    pub async fn open(
        config: Config,
        clock: Clock,
        public_url: impl FnOnce(&Config) -> anyhow::Result<PublicUrl>,
    ) -> anyhow::Result<Self> {
        let overrides = Overrides::new(config.templates_dir.clone());
        let templates = Templates::load(&overrides)?;
        let mail = Mailer::new(config.mail.clone(), &overrides)?;
        // Before the database: a missing key is a configuration error, found at once.
        let keys = Arc::new(config.load_data_keys()?);

        tracing::info!(database = %config.database_url, "connecting to the database");
        let statements = Arc::new(db::Statements::default());
        let db = db::connect_counted(&config.database_url, statements.clone())
            .await
            .with_context(|| format!("connecting to the database {}", config.database_url))?;
        db::migrate(&db)
            .await
            .context("applying database migrations")?;
        integrity::bind_existing(&db, &keys, clock.now())
            .await
            .context("tagging the clinical records written before integrity tags")?;
        // Before the practice: its free consultation sends the couples intake.
        intake::questionnaires::seed_builtins(&db, clock.now())
            .await
            .context("adding the built-in questionnaires")?;
        consent::builtin::seed(&db, clock.now())
            .await
            .context("adding the starting consent documents")?;
        setup_practice(&db, &config, &clock).await?;
        bootstrap_owner(&db, &config, &clock).await?;

        let busy = calendar::busy::Refresher {
            fetcher: calendar::busy::fetch::Fetcher::new(
                config.calendar.busy_fetch_timeout,
                config.calendar.busy_allow_private,
            )
            .context("setting up the HTTP client for calendar imports")?,
            keys: keys.clone(),
            every: chrono::Duration::from_std(config.calendar.busy_refresh)
                .unwrap_or(chrono::Duration::minutes(15)),
        };
        let public_url = public_url(&config)?;
        warn_if_mail_goes_nowhere(&config, &public_url);
        let feeds = Arc::new(calendar::feed::RecentFeeds::new(
            config.calendar.feed_recheck,
        ));
        Ok(Self {
            public_url,
            db,
            limiters: Arc::new(Limiters::new(&config.auth)),
            keys,
            busy,
            config: Arc::new(config),
            clock,
            templates: Arc::new(templates),
            mail: Arc::new(mail),
            statements,
            schedule: Default::default(),
            feeds,
            free_answers: Default::default(),
        })
    }

    /// What a change that sends email needs.
    pub fn notifier(&self) -> mail::Notifier<'_> {
        mail::Notifier {
            mailer: &self.mail,
            keys: &self.keys,
            public_url: &self.public_url,
        }
    }

    /// How long intake links last and when their reminder goes, from the settings.
    pub fn intake_timings(&self) -> intake::assignments::Timings {
        let intake = &self.config.intake;
        intake::assignments::Timings {
            link_ttl: chrono::Duration::from_std(intake.link_ttl)
                .unwrap_or(chrono::Duration::days(30)),
            reminder_before: chrono::Duration::from_std(intake.reminder_before)
                .unwrap_or(chrono::Duration::days(2)),
        }
    }

    /// What a scheduling change sets off in the rest of the practice.
    pub fn followups(
        &self,
    ) -> (
        intake::followups::IntakeFollowups,
        consent::followups::ConsentFollowups,
    ) {
        (
            intake::followups::IntakeFollowups {
                timings: self.intake_timings(),
            },
            consent::followups::ConsentFollowups,
        )
    }
}

/// The in-memory rate limiters of this instance.
pub struct Limiters {
    pub login: auth::login::LoginLimiters,
    /// Per client IP, on the public endpoints.
    pub public: auth::rate_limit::RateLimiter,
}

impl Limiters {
    pub fn new(settings: &config::AuthSettings) -> Self {
        Self {
            login: auth::login::LoginLimiters::new(settings),
            public: auth::rate_limit::RateLimiter::new(settings.public_limit),
        }
    }
}

/// Choices a test makes that production leaves at their defaults.
#[derive(Default)]
pub struct Options {
    /// `None`: the system clock.
    pub clock: Option<Clock>,
    /// Routes mounted beside Attune's own, behind the same middleware.
    pub extra_routes: ExtraRoutes,
    /// No email sender in the background: the test sends with `mail::worker::run_once`
    /// when it chooses.
    pub manual_mail: bool,
}

/// A started Attune: database connected and migrated, practice seeded, port bound.
pub struct Application {
    listener: tokio::net::TcpListener,
    local_addr: SocketAddr,
    state: AppState,
    extra_routes: ExtraRoutes,
    manual_mail: bool,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with(config, Options::default()).await
    }

    pub async fn build_with(config: Config, options: Options) -> anyhow::Result<Self> {
        let clock = options.clock.unwrap_or_else(Clock::system);
        // Bound once the database is ready, so nothing is accepted before it can be served;
        // the public address may default to the bound one.
        let mut bound = None;
        let state = AppState::open(config, clock, |config| {
            let listener = listen(config.bind)
                .with_context(|| format!("listening on {} (ATTUNE_BIND)", config.bind))?;
            let local_addr = listener.local_addr()?;
            let public = PublicUrl::new(
                &config
                    .public_url
                    .clone()
                    .unwrap_or_else(|| url_for_address(local_addr)),
            );
            bound = Some((listener, local_addr));
            Ok(public)
        })
        .await?;
        let (listener, local_addr) = bound.expect("AppState::open asks for the public address");
        Ok(Self {
            listener,
            local_addr,
            state,
            extra_routes: options.extra_routes,
            manual_mail: options.manual_mail,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn public_url(&self) -> &PublicUrl {
        &self.state.public_url
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then stops accepting connections, lets requests in
    /// flight finish (up to `ATTUNE_SHUTDOWN_TIMEOUT`) and closes the database pool.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        let Self {
            listener,
            local_addr,
            state,
            extra_routes,
            manual_mail,
        } = self;
        let acceptor = TcpAcceptor::from_tokio(listener)?;
        let app = http::app(state.clone(), extra_routes);
        let local = PublicUrl::new(&url_for_address(local_addr));
        if local == state.public_url {
            tracing::info!("Attune is listening on {}", state.public_url);
        } else {
            tracing::info!(
                "Attune is listening on {local} (public address {})",
                state.public_url
            );
        }
        // Stopped when this function returns, however it returns.
        let _housekeeping = AbortOnDrop(tokio::spawn(housekeeping::run_forever(state.clone())));
        let _busy_calendars = AbortOnDrop(tokio::spawn(housekeeping::refresh_busy_calendars(
            state.clone(),
        )));
        let (stop_mail, mail_stopped) = tokio::sync::watch::channel(false);
        let mail_worker = (!manual_mail)
            .then(|| tokio::spawn(mail::worker::run_forever(state.clone(), mail_stopped)));
        Server::new_with_acceptor(acceptor)
            // Keep-alive connections left idle are closed, so slow or abandoned clients
            // cannot hold sockets open indefinitely.
            .idle_timeout(Duration::from_secs(60))
            .run_with_graceful_shutdown(app, shutdown, Some(state.config.shutdown_timeout))
            .await
            .context("serving HTTP")?;
        // A message being handed to the mail server now is let finish; the rest of its batch
        // goes back to the queue for the next start.
        let _ = stop_mail.send(true);
        if let Some(worker) = mail_worker
            && tokio::time::timeout(state.config.shutdown_timeout, worker)
                .await
                .is_err()
        {
            tracing::warn!(
                "the email sender did not stop in time; its messages are resent after their lease"
            );
        }
        state
            .db
            .close_by_ref()
            .await
            .context("closing the database pool")?;
        tracing::info!("Attune has stopped");
        Ok(())
    }
}

/// A listening socket, reusable at once after a restart like `TcpListener::bind` makes it.
fn listen(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// First start of an empty database: create the practice and its first practitioner.
async fn setup_practice(
    db: &DatabaseConnection,
    config: &Config,
    clock: &Clock,
) -> anyhow::Result<()> {
    let outcome = first_run::seed(db, &config.seed, config.time_zone, clock.now())
        .await
        .context("creating the practice on first start")?;
    if outcome == first_run::SeedOutcome::Created {
        tracing::info!(
            time_zone = %config.time_zone,
            "first start: created the practice and its first practitioner from ATTUNE_PRACTICE_NAME, \
             ATTUNE_PRACTITIONER_NAME and ATTUNE_PRACTITIONER_EMAIL"
        );
    } else if config.time_zone_explicit {
        let stored = practice::settings(db).await?.time_zone;
        if stored != config.time_zone.name() {
            tracing::warn!(
                configured = %config.time_zone,
                stored = %stored,
                "ATTUNE_TIMEZONE only applies when the practice is first created; the stored time zone is used"
            );
        }
    }
    Ok(())
}

/// A public `https` address is a production set-up; there, `file` or `log` means clients are
/// told nothing while messages with their names and links pile up on disk (or vanish).
fn warn_if_mail_goes_nowhere(config: &Config, public_url: &PublicUrl) {
    if !public_url.is_https() {
        return;
    }
    match &config.mail.transport {
        config::MailTransport::File(dir) => tracing::warn!(
            folder = %dir.display(),
            "ATTUNE_MAIL_TRANSPORT is file on a public https address: no email leaves this \
             server, and each message is written to disk with names and private links (kept \
             for ATTUNE_MAIL_FILE_RETENTION). Set ATTUNE_MAIL_TRANSPORT=smtp to send"
        ),
        config::MailTransport::Log => tracing::warn!(
            "ATTUNE_MAIL_TRANSPORT is log on a public https address: no email leaves this \
             server. Set ATTUNE_MAIL_TRANSPORT=smtp to send"
        ),
        config::MailTransport::Smtp(_) => {}
    }
}

/// With no staff account yet, creates the first owner from `ATTUNE_ADMIN_EMAIL` and
/// `ATTUNE_ADMIN_PASSWORD`, or says in the log exactly how to create one.
async fn bootstrap_owner(
    db: &DatabaseConnection,
    config: &Config,
    clock: &Clock,
) -> anyhow::Result<()> {
    if auth::staff::count(db).await? > 0 {
        return Ok(());
    }
    let Some(admin) = &config.auth.bootstrap_admin else {
        tracing::warn!(
            "no staff account exists yet; create the first owner with: \
             attune admin create --email you@example.org --name \"Your Name\" --role owner"
        );
        return Ok(());
    };
    let password = auth::password::check(&admin.password, admin.email.as_str())
        .map_err(|reason| anyhow::anyhow!("ATTUNE_ADMIN_PASSWORD {reason}"))?;
    let audit =
        audit::AuditContext::new(audit::Actor::SYSTEM, audit::Origin::default(), clock.now());
    let new = auth::staff::NewStaff {
        email: admin.email.clone(),
        name: admin.name.clone(),
        role: auth::Role::Owner,
        practitioner_id: None,
        password,
    };
    match auth::staff::create(db, new, &audit).await {
        // Another instance starting at the same moment got there first.
        Ok(_) | Err(auth::staff::StaffError::EmailTaken) => {}
        Err(e) => return Err(anyhow::Error::new(e).context("creating the first owner")),
    }
    tracing::info!("created the first owner account from ATTUNE_ADMIN_EMAIL");
    Ok(())
}

/// `http://host:port` for a bound address; a wildcard address becomes `localhost`, which is
/// where a person on the same machine would open it.
pub(crate) fn url_for_address(addr: SocketAddr) -> Url {
    let host = match addr {
        SocketAddr::V4(a) if a.ip().is_unspecified() => "localhost".to_owned(),
        SocketAddr::V6(a) if a.ip().is_unspecified() => "localhost".to_owned(),
        SocketAddr::V4(a) => a.ip().to_string(),
        SocketAddr::V6(a) => format!("[{}]", a.ip()),
    };
    Url::parse(&format!("http://{host}:{}", addr.port()))
        .expect("a socket address makes a valid URL")
}
