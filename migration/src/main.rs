//! `cargo run -p migration -- up|down|status`: the schema tool on its own, for operators who
//! want to migrate a database without starting the server (`attune migrate` does the same).

use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};
use sea_orm_migration::sea_orm::Database;

/// Apply, roll back or list Attune's schema migrations.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// Database to migrate; the same default as `attune serve`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://attune.db?mode=rwc",
        hide_env_values = true
    )]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending migrations (all of them unless --steps is given).
    Up {
        #[arg(long, short = 'n')]
        steps: Option<u32>,
    },
    /// Roll back applied migrations, newest first (one unless --steps is given).
    Down {
        #[arg(long, short = 'n', default_value_t = 1)]
        steps: u32,
    },
    /// List every migration and whether it is applied.
    Status,
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // A missing .env is normal; a broken one is reported by `attune` itself.
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    if let Err(err) = run(cli).await {
        eprintln!("migration: {err}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<(), sea_orm_migration::DbErr> {
    let db = Database::connect(&cli.database_url).await?;
    match cli.command {
        Command::Up { steps } => Migrator::up(&db, steps).await?,
        Command::Down { steps } => Migrator::down(&db, Some(steps)).await?,
        Command::Status => {}
    }
    for m in Migrator::get_migration_with_status(&db).await? {
        println!("{:<8} {}", format!("{}", m.status()), m.name());
    }
    db.close().await
}
