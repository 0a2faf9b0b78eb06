use sea_orm::entity::prelude::*;

/// Whether the rows written before integrity tags existed have been tagged. One row, id 1.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "integrity_state")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// When they were; from then on a row without a tag is a failure, not an old row.
    pub bound_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
