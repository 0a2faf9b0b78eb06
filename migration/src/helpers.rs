//! Pieces several migrations build their tables from. A migration's effect must never
//! change once released, so these only ever gain new functions.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum Practitioners {
    Table,
    Id,
}

/// `column` refers to a practitioner, and goes with them when they are deleted.
pub fn practitioner_fk<T: IntoIden + 'static, C: IntoIden + 'static>(
    table: T,
    column: C,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Practitioners::Table, Practitioners::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

/// A plain index named `name` on `columns`.
pub async fn index<T, C, const N: usize>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    columns: [C; N],
) -> Result<(), DbErr>
where
    T: IntoIden + 'static,
    C: IntoIden + 'static,
{
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column);
    }
    manager.create_index(index.to_owned()).await
}
