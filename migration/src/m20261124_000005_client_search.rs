//! A lower-cased search text on each client (its name and its people's names and emails),
//! computed by the application: SQLite's `lower()` only folds ASCII, so "Élodie" could not
//! be found by typing "élodie" if the database did the folding.

use std::collections::HashMap;

use sea_orm_migration::{prelude::*, schema::*, sea_orm::ConnectionTrait};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Clients::Table)
                    .add_column(text(Clients::SearchText).default(""))
                    .to_owned(),
            )
            .await?;

        // Existing clients, folded the same way the application folds new ones.
        let db = manager.get_connection();
        let mut texts: HashMap<uuid::Uuid, Vec<String>> = HashMap::new();
        let select = Query::select()
            .columns([Clients::Id, Clients::DisplayName])
            .from(Clients::Table)
            .to_owned();
        for row in db.query_all(&select).await? {
            let id: uuid::Uuid = row.try_get("", "id")?;
            let name: String = row.try_get("", "display_name")?;
            // The client's reference, as the application writes it (`C-` and the id's last
            // six hex digits).
            let hex = id.simple().to_string();
            texts
                .entry(id)
                .or_default()
                .extend([format!("C-{}", &hex[hex.len() - 6..]), name]);
        }
        let select = Query::select()
            .columns([
                Participants::ClientId,
                Participants::FirstName,
                Participants::LastName,
                Participants::Email,
            ])
            .from(Participants::Table)
            .to_owned();
        for row in db.query_all(&select).await? {
            let id: uuid::Uuid = row.try_get("", "client_id")?;
            let first: String = row.try_get("", "first_name")?;
            let last: String = row.try_get("", "last_name")?;
            let email: Option<String> = row.try_get("", "email")?;
            let entry = texts.entry(id).or_default();
            entry.push(format!("{first} {last}"));
            entry.extend(email);
        }
        for (id, parts) in texts {
            let update = Query::update()
                .table(Clients::Table)
                .value(Clients::SearchText, parts.join("\n").to_lowercase())
                .and_where(Expr::col(Clients::Id).eq(id))
                .to_owned();
            db.execute(&update).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Clients::Table)
                    .drop_column(Clients::SearchText)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Clients {
    Table,
    Id,
    DisplayName,
    SearchText,
}

#[derive(DeriveIden)]
enum Participants {
    Table,
    ClientId,
    FirstName,
    LastName,
    Email,
}
