//! The command line: `attune serve` (the default), `attune migrate`.

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
    /// Apply pending database migrations, then list them all.
    Migrate {
        /// Only list the migrations and whether each is applied; change nothing.
        #[arg(long)]
        status: bool,
    },
}

/// Parses arguments and settings, runs the command, and maps the outcome to an exit status:
/// 0 done, 1 failed while running, 2 bad usage or configuration.
pub fn run() -> ExitCode {
    let cli = Cli::parse();

    if let Err(err) = dotenvy::from_path(".env")
        && !err.not_found()
    {
        eprintln!("attune: .env: {err}");
        return ExitCode::from(2);
    }
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
            Command::Migrate { status } => migrate(config, status).await,
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("attune: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let app = Application::build(config).await?;
    app.run_until(shutdown_signal()).await
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

/// Resolves on Ctrl-C or SIGTERM (what `docker stop` and Kubernetes send).
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received; shutting down"),
        () = terminate => tracing::info!("SIGTERM received; shutting down"),
    }
}
