use sea_orm::entity::prelude::*;

/// One case: a couple or an individual.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "clients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// How staff see the case, e.g. "Jane Doe & Sam Roe".
    pub display_name: String,
    pub kind: ClientKind,
    pub status: ClientStatus,
    /// How they came: "online booking", "referral", …
    pub source: String,
    pub primary_practitioner_id: Option<Uuid>,
    /// The name, and the people's names and emails, lower-cased by the application for
    /// search (SQLite's `lower()` folds ASCII only).
    pub search_text: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ClientKind {
    #[sea_orm(string_value = "couple")]
    Couple,
    #[sea_orm(string_value = "individual")]
    Individual,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ClientStatus {
    /// Booked a consultation; not yet in therapy.
    #[sea_orm(string_value = "lead")]
    Lead,
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "closed")]
    Closed,
}
