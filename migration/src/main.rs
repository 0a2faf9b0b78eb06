//! `cargo run -p migration -- up|down|status`: the schema tool on its own, for operators who
//! migrate before deploying. `attune migrate` does the same from the main binary, and also
//! waits for a Postgres that is still starting.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};
use sea_orm_migration::sea_orm::{Database, DatabaseConnection, DbErr};

const DEFAULT_DATABASE_URL: &str = "sqlite://attune.db?mode=rwc";

/// Apply, roll back or list Attune's schema migrations on DATABASE_URL (default: the same
/// SQLite file `attune serve` uses).
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply every pending migration.
    Up,
    /// Roll back applied migrations, newest first (one unless --steps is given).
    Down {
        #[arg(long, short = 'n', default_value_t = 1)]
        steps: u32,
    },
    /// List every migration and whether it is applied; change nothing.
    Status,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(err) = dotenvy::from_path(".env")
        && !err.not_found()
    {
        // The parser's message quotes the file, secrets and all; say only that it is broken.
        eprintln!(
            "migration: .env cannot be read (expected NAME=value lines); nothing from it was used"
        );
        return ExitCode::from(2);
    }
    // Blank counts as unset, as for `attune`.
    let url = std::env::var("DATABASE_URL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
    if !["sqlite:", "postgres://", "postgresql://"]
        .iter()
        .any(|scheme| url.starts_with(scheme))
    {
        eprintln!("migration: DATABASE_URL must start with sqlite: or postgres://");
        return ExitCode::from(2);
    }
    match run(cli.command, &url).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("migration: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, url: &str) -> Result<(), DbErr> {
    // Listing must not create an SQLite file that is not there.
    let url = match command {
        Command::Status if url.starts_with("sqlite:") => read_only_sqlite(url),
        _ => url.to_owned(),
    };
    let db: DatabaseConnection = Database::connect(&url).await?;
    match command {
        Command::Up => migration::up_exclusive(&db).await?,
        Command::Down { steps } => Migrator::down(&db, Some(steps)).await?,
        Command::Status => {}
    }
    for m in Migrator::get_migration_with_status_read_only(&db).await? {
        println!("{:<8} {}", m.status().to_string().to_lowercase(), m.name());
    }
    db.close().await
}

fn read_only_sqlite(url: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut params: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("mode="))
        .collect();
    params.push("mode=ro");
    format!("{base}?{}", params.join("&"))
}
