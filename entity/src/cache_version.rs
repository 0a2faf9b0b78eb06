use sea_orm::entity::prelude::*;

/// A counter that moves whenever what it names changes (triggers move it): `schedule` for
/// everything free slots and calendar feeds are made from.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cache_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    pub version: i64,
}

impl ActiveModelBehavior for ActiveModel {}
