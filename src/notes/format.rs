//! Note formats: each a fixed set of text fields.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::validation::FieldError;

/// The longest a note's field (or an addendum) may be.
pub const MAX_TEXT: usize = 50_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoteFormat {
    /// Subjective, objective, assessment, plan.
    Soap,
    /// Data, assessment, plan.
    Dap,
    /// Behaviour, intervention, response, plan.
    Birp,
    /// The shape of a couples session.
    Couples,
    /// One text.
    Free,
}

impl NoteFormat {
    pub const ALL: [NoteFormat; 5] = [
        NoteFormat::Soap,
        NoteFormat::Dap,
        NoteFormat::Birp,
        NoteFormat::Couples,
        NoteFormat::Free,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoteFormat::Soap => "soap",
            NoteFormat::Dap => "dap",
            NoteFormat::Birp => "birp",
            NoteFormat::Couples => "couples",
            NoteFormat::Free => "free",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn fields(self) -> &'static [&'static str] {
        match self {
            NoteFormat::Soap => &["subjective", "objective", "assessment", "plan"],
            NoteFormat::Dap => &["data", "assessment", "plan"],
            NoteFormat::Birp => &["behaviour", "intervention", "response", "plan"],
            NoteFormat::Couples => &[
                "presenting_dynamics",
                "partner_1_view",
                "partner_2_view",
                "interventions",
                "homework",
                "risk_and_safety",
                "plan",
            ],
            NoteFormat::Free => &["text"],
        }
    }
}

/// The note's fields, checked against its format: every field of the format present as text
/// (empty is allowed in a draft), none of another, none over [`MAX_TEXT`] characters.
/// Problems are named `content.<field>`.
pub fn check(
    format: NoteFormat,
    content: &Map<String, Value>,
) -> Result<BTreeMap<String, String>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut fields = BTreeMap::new();
    for key in content.keys() {
        if !format.fields().contains(&key.as_str()) {
            errors.push(FieldError::new(
                format!("content.{key}"),
                format!(
                    "is not a field of a {} note (its fields: {})",
                    format.as_str(),
                    format.fields().join(", ")
                ),
            ));
        }
    }
    for field in format.fields() {
        match content.get(*field) {
            None => errors.push(FieldError::new(format!("content.{field}"), "is required")),
            Some(Value::String(text)) if text.chars().count() > MAX_TEXT => {
                errors.push(FieldError::new(
                    format!("content.{field}"),
                    format!("must be at most {MAX_TEXT} characters"),
                ))
            }
            Some(Value::String(text)) => {
                fields.insert((*field).to_owned(), text.clone());
            }
            Some(_) => errors.push(FieldError::new(
                format!("content.{field}"),
                "must be a text",
            )),
        }
    }
    if errors.is_empty() {
        Ok(fields)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        let mut f: Vec<String> = errors.into_iter().map(|e| e.field).collect();
        f.sort();
        f
    }

    #[test]
    fn each_format_takes_exactly_its_fields() {
        let soap = json!({"subjective": "s", "objective": "o", "assessment": "a", "plan": "p"});
        assert_eq!(
            check(NoteFormat::Soap, soap.as_object().unwrap())
                .unwrap()
                .len(),
            4
        );
        let errors = check(NoteFormat::Dap, soap.as_object().unwrap()).unwrap_err();
        assert_eq!(
            fields(errors),
            vec!["content.data", "content.objective", "content.subjective"]
        );
        let wrong = json!({"text": 5});
        assert_eq!(
            fields(check(NoteFormat::Free, wrong.as_object().unwrap()).unwrap_err()),
            vec!["content.text"]
        );
        let long = json!({"text": "x".repeat(MAX_TEXT + 1)});
        assert_eq!(
            fields(check(NoteFormat::Free, long.as_object().unwrap()).unwrap_err()),
            vec!["content.text"]
        );
        assert_eq!(NoteFormat::parse("couples"), Some(NoteFormat::Couples));
        assert_eq!(NoteFormat::parse("narrative"), None);
    }
}
