//! List pages drawn by one template (`pages/admin/table`): a heading, optional filters and
//! an "add" button, and rows whose cells are text, links, or small POST buttons.

use crate::http::pages::PageResult;
use serde_json::{Value, json};

use super::{Admin, Section, render_status};
use crate::AppState;

/// One cell of a row.
pub struct Cell(Value);

impl Cell {
    pub fn text(text: impl ToString) -> Self {
        Self(json!({ "text": text.to_string() }))
    }

    pub fn link(text: impl ToString, href: impl ToString) -> Self {
        Self(json!({ "text": text.to_string(), "href": href.to_string() }))
    }

    /// A second, quieter line.
    pub fn quiet(mut self, line: impl ToString) -> Self {
        self.0["quiet"] = line.to_string().into();
        self
    }

    /// Buttons that POST to `(action, label, confirmation)`.
    pub fn buttons(mut self, buttons: Vec<(String, &str, Option<&str>)>) -> Self {
        self.0["forms"] = buttons
            .into_iter()
            .map(|(action, label, confirm)| json!({ "action": action, "label": label, "confirm": confirm }))
            .collect();
        self
    }
}

/// A page that lists records.
pub struct TablePage<'a> {
    pub title: &'a str,
    pub section: Section,
    pub back: (&'a str, &'a str),
    pub intro: Option<String>,
    pub notice: Option<&'static str>,
    /// The "add one" button, `(href, label)`.
    pub create: Option<(&'a str, &'a str)>,
    /// Drop-downs that narrow the list: `{action, selects: [{name, label, options}]}`.
    pub filters: Option<Value>,
    pub columns: &'a [&'a str],
    pub rows: Vec<Vec<Cell>>,
    /// Said when there are no rows.
    pub empty: &'a str,
    /// The next page's address, if the list goes on.
    pub more: Option<String>,
}

impl TablePage<'_> {
    pub fn render(self, state: &AppState, admin: &Admin) -> PageResult<poem::Response> {
        let rows: Vec<Value> = self
            .rows
            .into_iter()
            .map(|cells| json!({ "cells": cells.into_iter().map(|c| c.0).collect::<Vec<_>>() }))
            .collect();
        render_status(
            state,
            admin,
            poem::http::StatusCode::OK,
            self.section,
            "pages/admin/table",
            self.title,
            json!({
                "heading": self.title,
                "back": { "href": self.back.0, "label": self.back.1 },
                "intro": self.intro,
                "notice": self.notice,
                "create": self.create.map(|(href, label)| json!({ "href": href, "label": label })),
                "filters": self.filters,
                "columns": self.columns,
                "rows": rows,
                "empty": self.empty,
                "more": self.more,
            }),
        )
    }
}

/// A `<select>` for [`TablePage::filters`]: `(value, label)` choices, `chosen` selected.
pub fn select(name: &str, label: &str, choices: &[(&str, &str)], chosen: &str) -> Value {
    let options: Vec<Value> = choices
        .iter()
        .map(|(value, label)| json!({ "value": value, "label": label, "selected": *value == chosen }))
        .collect();
    json!({ "name": name, "label": label, "options": options })
}
