//! The command line: `attune serve` (the default), `attune migrate`, `attune admin …`.

mod admin;

use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::{Application, config::Config, db, telemetry};

/// Practice management for couples therapists: online booking, a calendar feed, intake
/// questionnaires, session notes and reminders.
///
/// Settings come from environment variables (and a `.env` file in the working directory);
/// see the README for the full list.
#[derive(Parser)]
#[command(name = "attune", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web application and API (what plain `attune` does).
    ///
    /// Connects to DATABASE_URL (waiting up to 30 s for a database that is still starting),
    /// applies pending migrations, creates the practice on first start, and serves HTTP on
    /// ATTUNE_BIND until SIGTERM or Ctrl-C.
    Serve,
    /// Send queued email only, without serving HTTP.
    ///
    /// For running the sender as its own process (or several): `attune serve` already runs
    /// one. Instances share the queue safely. Stops on SIGTERM or Ctrl-C after the message in
    /// flight.
    Worker,
    /// Apply pending database migrations, then list them all.
    Migrate {
        /// Only list the migrations and whether each is applied; change nothing.
        #[arg(long)]
        status: bool,
    },
    /// Manage staff accounts from the command line (e.g. the first owner).
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Encryption keys for private text.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Print a new random key for ATTUNE_DATA_KEY.
    Generate,
    /// Re-encrypt everything under the current key (ATTUNE_DATA_KEY).
    ///
    /// Put the new key in ATTUNE_DATA_KEY and the old one in ATTUNE_DATA_KEYS_PREVIOUS,
    /// restart, then run this. Once it is done the old key can be dropped. Safe to run again.
    Rotate,
}

/// Parses arguments and settings, runs the command, and maps the outcome to an exit status:
/// 0 done, 1 failed while running, 2 bad usage or configuration.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Keys(KeysCommand::Generate)) = cli.command {
        println!("{}", crate::crypto::DataKey::generate().to_base64());
        return ExitCode::SUCCESS;
    }

    if let Err(err) = dotenvy::from_path(".env")
        && !err.not_found()
    {
        eprintln!("attune: .env: {}", describe_dotenv_error(&err));
        return ExitCode::from(2);
    }
    install_panic_hook();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("attune: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.log_filter, config.log_format);

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("attune: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(config).await,
            Command::Worker => worker(config).await,
            Command::Migrate { status } => migrate(config, status).await,
            Command::Admin(command) => admin::run(config, command).await,
            Command::Keys(KeysCommand::Rotate) => rotate_keys(config).await,
            Command::Keys(KeysCommand::Generate) => {
                unreachable!("handled before settings are read")
            }
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.is::<crate::config::ConfigError>() => {
            eprintln!("attune: configuration error: {err}");
            ExitCode::from(2)
        }
        Err(err) if err.is::<crate::templates::TemplateLoadError>() => {
            eprintln!("attune: {err}");
            ExitCode::from(2)
        }
        Err(err) if err.is::<UsageError>() => {
            eprintln!("attune: {err}");
            ExitCode::from(2)
        }
        Err(err) => {
            eprintln!("attune: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Input the operator can fix on the command line: exit status 2, like a usage error.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Says what is wrong with `.env` without quoting it: the parser's own message repeats the
/// offending text, and after an unterminated quote that is the rest of the file, passwords
/// included.
fn describe_dotenv_error(err: &dotenvy::Error) -> String {
    match err {
        dotenvy::Error::LineParse(text, _) => {
            let line = std::fs::read_to_string(".env")
                .ok()
                .and_then(|file| {
                    let start = text.lines().next()?;
                    file.lines().position(|l| l == start).map(|i| i + 1)
                })
                .map(|n| format!(" at line {n}"))
                .unwrap_or_default();
            format!(
                "cannot be read{line}: expected NAME=value, with quotes closed on the same line; nothing from it was used"
            )
        }
        dotenvy::Error::Io(e) => format!("cannot be read: {}", e.kind()),
        _ => "cannot be read".to_owned(),
    }
}

/// Panics are caught per request and answered with a 500, but the default hook would first
/// print the panic message to stderr, outside the log format and with whatever values the
/// message carries. This hook logs where it happened, not what it said.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_else(|| "an unknown place".to_owned());
        tracing::error!(%location, "panic (message withheld from the log)");
    }));
}

async fn serve(config: Config) -> anyhow::Result<()> {
    // Handlers are installed before anything else, so a signal that arrives while the
    // server is still starting ends it gracefully too, instead of killing the process.
    let stop = shutdown_signal()?;
    let app = Application::build(config).await?;
    app.run_until(stop).await
}

async fn worker(config: Config) -> anyhow::Result<()> {
    let stop = shutdown_signal()?;
    let state = crate::AppState::open(config, crate::clock::Clock::system(), |config| {
        Ok(crate::types::PublicUrl::new(
            &config
                .public_url
                .clone()
                .unwrap_or_else(|| crate::url_for_address(config.bind)),
        ))
    })
    .await?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let sender = tokio::spawn(crate::mail::worker::run_forever(state.clone(), stop_rx));
    tracing::info!("sending queued email; stop with Ctrl-C or SIGTERM");
    stop.await;
    let _ = stop_tx.send(true);
    let _ = sender.await;
    state.db.close_by_ref().await?;
    tracing::info!("the email sender has stopped");
    Ok(())
}

async fn rotate_keys(config: Config) -> anyhow::Result<()> {
    let keys = config.load_data_keys()?;
    let conn = db::connect(&config.database_url)
        .await
        .with_context(|| format!("connecting to the database {}", config.database_url))?;
    db::migrate(&conn)
        .await
        .context("applying database migrations")?;
    let report = crate::rekey::rotate(&conn, &keys).await?;
    let total: u64 = report.iter().map(|(_, n)| n).sum();
    for (column, n) in &report {
        println!("{n:>8}  {column}");
    }
    println!(
        "{total} values re-encrypted under key {}; the previous keys are no longer needed",
        keys.current().id()
    );
    conn.close().await?;
    Ok(())
}

async fn migrate(config: Config, status_only: bool) -> anyhow::Result<()> {
    let conn = db::connect(&config.database_url)
        .await
        .with_context(|| format!("connecting to the database {}", config.database_url))?;
    if !status_only {
        db::migrate(&conn)
            .await
            .context("applying database migrations")?;
    }
    for (name, applied) in db::migration_status(&conn).await? {
        println!("{:<8} {name}", if applied { "applied" } else { "pending" });
    }
    conn.close().await?;
    Ok(())
}

/// A future that resolves on Ctrl-C (SIGINT) or SIGTERM (what `docker stop` and Kubernetes
/// send). The handlers are registered when this is called, not when it is first polled.
#[cfg(unix)]
fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).context("listening for Ctrl-C")?;
    let mut terminate = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => tracing::info!("Ctrl-C received; shutting down"),
            _ = terminate.recv() => tracing::info!("SIGTERM received; shutting down"),
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("Ctrl-C received; shutting down");
    })
}
