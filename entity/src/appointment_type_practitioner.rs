use sea_orm::entity::prelude::*;

/// Which practitioners offer which appointment types.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appointment_type_practitioners")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub appointment_type_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub practitioner_id: Uuid,
}

impl ActiveModelBehavior for ActiveModel {}
