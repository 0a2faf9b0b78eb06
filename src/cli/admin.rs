//! `attune admin create | list | reset-password`: staff accounts without the web, above all
//! the first owner of a new practice.

use std::io::{BufRead, IsTerminal};

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};

use super::UsageError;
use crate::{
    audit::{Action, Actor, AuditContext, Origin},
    auth::{
        Role,
        password::{self, NewPassword},
        staff::{self, NewStaff, StaffError},
    },
    clock::Clock,
    config::Config,
    db,
    pagination::PageRequest,
    types::EmailAddress,
};

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create a staff account. The password is asked for twice, or read from stdin.
    Create {
        #[arg(long)]
        email: String,
        /// The name shown in the dashboard and the audit log.
        #[arg(long)]
        name: String,
        #[arg(long, value_enum, default_value_t = RoleArg::Owner)]
        role: RoleArg,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// List staff accounts.
    List,
    /// Set a new password for an account; ends its sessions and lifts a lockout.
    ResetPassword {
        #[arg(long)]
        email: String,
        #[command(flatten)]
        password: PasswordSource,
    },
}

#[derive(Args)]
pub struct PasswordSource {
    /// Read the password from the first line of standard input instead of a prompt.
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Owner,
    Clinician,
    Assistant,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Owner => Role::Owner,
            RoleArg::Clinician => Role::Clinician,
            RoleArg::Assistant => Role::Assistant,
        }
    }
}

pub async fn run(config: Config, command: AdminCommand) -> anyhow::Result<()> {
    let conn = db::connect(&config.database_url)
        .await
        .with_context(|| format!("connecting to the database {}", config.database_url))?;
    db::migrate(&conn)
        .await
        .context("applying database migrations")?;
    let audit = AuditContext::new(
        Actor::SYSTEM,
        Origin {
            user_agent: Some("attune admin".into()),
            ..Origin::default()
        },
        Clock::system().now(),
    );
    let outcome = match command {
        AdminCommand::Create {
            email,
            name,
            role,
            password,
        } => create(&conn, &audit, &email, &name, role.into(), &password).await,
        AdminCommand::List => list(&conn).await,
        AdminCommand::ResetPassword { email, password } => {
            reset_password(&conn, &audit, &email, &password).await
        }
    };
    conn.close().await?;
    outcome
}

async fn create(
    conn: &sea_orm::DatabaseConnection,
    audit: &AuditContext,
    email: &str,
    name: &str,
    role: Role,
    source: &PasswordSource,
) -> anyhow::Result<()> {
    let email = EmailAddress::parse(email).map_err(|m| UsageError(format!("--email {m}")))?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(UsageError("--name must be 1 to 200 characters".into()).into());
    }
    let password = read_password(source, email.as_str())?;
    let new = NewStaff {
        email: email.clone(),
        name: name.to_owned(),
        role,
        practitioner_id: None,
        password,
    };
    match staff::create(conn, new, audit).await {
        Ok(user) => {
            println!("created {} ({}) as {}", user.email, user.name, role.as_str());
            Ok(())
        }
        Err(StaffError::EmailTaken) => Err(UsageError(format!(
            "there is already an account for {email}; use `attune admin reset-password` to set its password"
        ))
        .into()),
        Err(e) => Err(anyhow::Error::new(e).context("creating the account")),
    }
}

async fn list(conn: &sea_orm::DatabaseConnection) -> anyhow::Result<()> {
    let mut page = PageRequest::<String> {
        limit: 200,
        after: None,
    };
    let now = Clock::system().now();
    println!(
        "{:<36} {:<10} {:<9} {:<20} name",
        "email", "role", "status", "last sign-in"
    );
    loop {
        let rows = staff::list(conn, &page).await?;
        for u in &rows.items {
            let status = if u.disabled {
                "disabled"
            } else if u.locked_until.is_some_and(|t| t > now) {
                "locked"
            } else {
                "active"
            };
            let last = u
                .last_login_at
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_else(|| "never".into());
            println!(
                "{:<36} {:<10} {:<9} {:<20} {}",
                u.email,
                Role::from(u.role).as_str(),
                status,
                last,
                u.name
            );
        }
        match rows.items.last() {
            Some(last) if rows.next_cursor.is_some() => page.after = Some(last.email.clone()),
            _ => break,
        }
    }
    Ok(())
}

async fn reset_password(
    conn: &sea_orm::DatabaseConnection,
    audit: &AuditContext,
    email: &str,
    source: &PasswordSource,
) -> anyhow::Result<()> {
    let user = staff::find_by_email(conn, email)
        .await?
        .ok_or_else(|| UsageError(format!("there is no account for {}", email.trim())))?;
    let password = read_password(source, &user.email)?;
    staff::set_password(conn, user.id, password, None, Action::PasswordReset, audit)
        .await
        .context("setting the password")?;
    println!(
        "set a new password for {}; its sessions have ended",
        user.email
    );
    Ok(())
}

/// From stdin (`--password-stdin`), or a prompt that does not echo, asked twice.
fn read_password(source: &PasswordSource, email: &str) -> anyhow::Result<NewPassword> {
    let password = if source.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from stdin")?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        if !std::io::stdin().is_terminal() {
            return Err(UsageError(
                "no terminal to ask for the password on; pass --password-stdin and pipe it in"
                    .into(),
            )
            .into());
        }
        let first = rpassword::prompt_password("Password (12 characters or more): ")?;
        let second = rpassword::prompt_password("The same password again: ")?;
        if first != second {
            return Err(UsageError("the two passwords differ".into()).into());
        }
        first
    };
    password::check(&password, email)
        .map_err(|reason| UsageError(format!("the password {reason}")).into())
}
