//! Form fields described in code and drawn by one partial (`admin_fields`), so a settings
//! form is a list of fields rather than a page of markup, and every one of them shows its
//! label, hint, message and typed value the same way.

use crate::http::pages::PageResult;
use serde_json::{Map, Value, json};

use super::Form;
use crate::validation::FieldErrors;

/// One field of a form.
pub struct Field {
    name: String,
    json: Map<String, Value>,
    kind: Kind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Input,
    TextArea,
    Select,
    Check,
    Checks,
    Heading,
    Hidden,
}

impl Field {
    fn new(kind: Kind, input_type: &str, name: &str, label: &str) -> Self {
        let mut json = Map::new();
        json.insert("name".into(), name.into());
        json.insert("label".into(), label.into());
        json.insert("type".into(), input_type.into());
        json.insert("id".into(), format!("f-{name}").into());
        json.insert("attrs".into(), Value::Array(Vec::new()));
        json.insert(
            match kind {
                Kind::Input => "input",
                Kind::TextArea => "textarea",
                Kind::Select => "select",
                Kind::Check => "check",
                Kind::Checks => "checks",
                Kind::Heading => "heading",
                Kind::Hidden => "hidden",
            }
            .into(),
            true.into(),
        );
        Self {
            name: name.to_owned(),
            json,
            kind,
        }
    }

    /// A one-line input (`text`, `email`, `number`, `date`, `time`, `datetime-local`,
    /// `password`) holding `value`.
    pub fn input(input_type: &str, name: &str, label: &str, value: impl ToString) -> Self {
        let mut f = Self::new(Kind::Input, input_type, name, label);
        f.json.insert("value".into(), value.to_string().into());
        f
    }

    pub fn text(name: &str, label: &str, value: impl ToString) -> Self {
        Self::input("text", name, label, value)
    }

    pub fn number(name: &str, label: &str, value: i32) -> Self {
        Self::input("number", name, label, value)
    }

    pub fn textarea(name: &str, label: &str, value: impl ToString) -> Self {
        let mut f = Self::new(Kind::TextArea, "", name, label);
        f.json.insert("value".into(), value.to_string().into());
        f
    }

    /// A drop-down of `(value, label)` choices with `selected` chosen.
    pub fn select(name: &str, label: &str, choices: &[(String, String)], selected: &str) -> Self {
        let mut f = Self::new(Kind::Select, "", name, label);
        f.json
            .insert("options".into(), options(choices, &[selected]));
        f
    }

    /// One checkbox.
    pub fn check(name: &str, label: &str, checked: bool) -> Self {
        let mut f = Self::new(Kind::Check, "checkbox", name, label);
        f.json.insert("checked".into(), checked.into());
        f
    }

    /// A group of checkboxes sharing `name`, each `(value, label)`.
    pub fn checks(name: &str, label: &str, choices: &[(String, String)], checked: &[&str]) -> Self {
        let mut f = Self::new(Kind::Checks, "checkbox", name, label);
        f.json.insert("options".into(), options(choices, checked));
        f
    }

    /// A heading that starts a group of fields.
    pub fn section(title: &str) -> Self {
        Self::new(Kind::Heading, "", "", title)
    }

    /// A value the form carries back unseen (a record's id).
    pub fn hidden(name: &str, value: impl ToString) -> Self {
        let mut f = Self::new(Kind::Hidden, "hidden", name, "");
        f.json.insert("value".into(), value.to_string().into());
        f
    }

    /// A line under the label saying what the field wants.
    pub fn hint(mut self, hint: &str) -> Self {
        self.json.insert("hint".into(), hint.into());
        self
    }

    /// Must be filled in (the browser says so before posting; the server checks anyway).
    pub fn required(mut self) -> Self {
        self.json.insert("required".into(), true.into());
        self
    }

    /// Extra input attributes such as `min`/`max`/`step`.
    pub fn attr(mut self, name: &str, value: impl ToString) -> Self {
        if let Some(Value::Array(list)) = self.json.get_mut("attrs") {
            list.push(json!({ "name": name, "value": value.to_string() }));
        }
        self
    }

    /// The field as drawn after a post that failed: what was typed, and its message.
    fn shown(mut self, form: &Value) -> Value {
        let values = &form["values"];
        if values.is_object() {
            let typed = values[&self.name].as_str().unwrap_or_default();
            match self.kind {
                Kind::Heading | Kind::Hidden => {}
                Kind::Input | Kind::TextArea => {
                    self.json.insert("value".into(), typed.into());
                }
                Kind::Check => {
                    self.json
                        .insert("checked".into(), (!typed.is_empty()).into());
                }
                Kind::Select => mark(&mut self.json, |v| v == typed),
                // A group of boxes is redrawn from the list of its values, `<name>[]`.
                Kind::Checks => {
                    let list = values[format!("{}[]", self.name)].clone();
                    let chosen: Vec<&str> = list
                        .as_array()
                        .map(|a| a.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    mark(&mut self.json, |v| chosen.contains(&v));
                }
            }
        }
        if let Some(message) = form["fields"][&self.name].as_str() {
            self.json.insert("error".into(), message.into());
        }
        Value::Object(self.json)
    }
}

fn options(choices: &[(String, String)], chosen: &[&str]) -> Value {
    choices
        .iter()
        .map(|(value, label)| {
            json!({ "value": value, "label": label, "selected": chosen.contains(&value.as_str()) })
        })
        .collect()
}

fn mark(json: &mut Map<String, Value>, chosen: impl Fn(&str) -> bool) {
    if let Some(Value::Array(options)) = json.get_mut("options") {
        for o in options {
            let on = chosen(o["value"].as_str().unwrap_or_default());
            o["selected"] = on.into();
        }
    }
}

/// The fields for the `admin_fields` partial, with `form` (from
/// `form_errors` via `settle`, or `{}` on a first look) applied.
pub fn draw(fields: Vec<Field>, form: &Value) -> Value {
    fields.into_iter().map(|f| f.shown(form)).collect()
}

impl Form {
    /// Every value of a repeated field (a group of checkboxes).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .collect()
    }

    /// A whole number, or a message beside the field.
    pub fn number(&self, name: &str, errors: &mut FieldErrors) -> Option<i32> {
        match self.get(name) {
            "" => {
                errors.add(name, "is required");
                None
            }
            v => v
                .parse()
                .map_err(|_| errors.add(name, "must be a whole number"))
                .ok(),
        }
    }
}

/// A page that is one form: a settings record to add or change.
pub struct FormPage<'a> {
    pub title: &'a str,
    pub section: super::Section,
    pub back: (&'a str, &'a str),
    pub intro: Option<String>,
    pub notice: Option<&'static str>,
    pub action: String,
    pub submit: &'a str,
    pub fields: Vec<Field>,
    /// Pages about the same record, `(href, label)`.
    pub links: Vec<(String, String)>,
}

impl FormPage<'_> {
    /// Draws the page with `form` (`{}` on a first look) applied to its fields.
    pub fn render(
        self,
        state: &crate::AppState,
        admin: &super::Admin,
        status: poem::http::StatusCode,
        form: Value,
    ) -> PageResult<poem::Response> {
        let links: Vec<Value> = self
            .links
            .iter()
            .map(|(href, label)| json!({ "href": href, "label": label }))
            .collect();
        super::render_status(
            state,
            admin,
            status,
            self.section,
            "pages/admin/form",
            self.title,
            json!({
                "heading": self.title,
                "back": { "href": self.back.0, "label": self.back.1 },
                "intro": self.intro,
                "notice": self.notice,
                "action": self.action,
                "submit": self.submit,
                "fields": draw(self.fields, &form),
                "links": links,
                "form": form,
            }),
        )
    }
}
