use sea_orm::entity::prelude::*;

/// The next invoice number: taken, in the issuing transaction, by each invoice issued.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoice_numbers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub next: i64,
}

impl ActiveModelBehavior for ActiveModel {}
