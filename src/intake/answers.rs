//! Checking answers against a definition: a draft may be partial but every value must fit its
//! item; a submission must also answer every required item that shows. Problems are keyed by
//! item id.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::{Map, Value};

use super::definition::{Definition, Item, ItemKind, ShowIf};
use crate::{types, validation::FieldError};

/// Answers by item id, as stored.
pub type Answers = BTreeMap<String, Value>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Draft,
    Submit,
}

pub const SHORT_TEXT_MAX: usize = 1_000;
pub const LONG_TEXT_MAX: usize = 10_000;

/// The answers as they will be stored (blank and `null` ones left out; on submit, those of
/// items that do not show dropped), or every problem found.
pub fn check(
    definition: &Definition,
    given: &Map<String, Value>,
    mode: Mode,
) -> Result<Answers, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut answers = Answers::new();
    for (id, value) in given {
        let Some(item) = definition.item(id) else {
            errors.push(FieldError::new(id, "is not an item of this questionnaire"));
            continue;
        };
        match normalise(item, value) {
            Ok(Some(v)) => {
                answers.insert(id.clone(), v);
            }
            Ok(None) => {}
            Err(message) => errors.push(FieldError::new(id, message)),
        }
    }
    if mode == Mode::Submit && errors.is_empty() {
        // Until nothing changes: hiding one item can hide those that depend on it.
        loop {
            let shown: Answers = answers
                .iter()
                .filter(|(id, _)| definition.item(id).is_some_and(|i| shows(i, &answers)))
                .map(|(id, v)| (id.clone(), v.clone()))
                .collect();
            if shown.len() == answers.len() {
                break;
            }
            answers = shown;
        }
        for item in definition.items() {
            if item.required && shows(item, &answers) && !answers.contains_key(&item.id) {
                errors.push(FieldError::new(&item.id, "is required"));
            }
        }
    }
    if errors.is_empty() {
        Ok(answers)
    } else {
        Err(errors)
    }
}

/// Whether `item` shows, given the answers so far.
pub fn shows(item: &Item, answers: &Answers) -> bool {
    item.show_if
        .as_ref()
        .is_none_or(|rule| matches(rule, answers))
}

fn matches(rule: &ShowIf, answers: &Answers) -> bool {
    let Some(answer) = answers.get(&rule.item) else {
        return false;
    };
    if let Some(equals) = &rule.equals {
        return answer == equals;
    }
    if let Some(included) = &rule.includes {
        return answer.as_array().is_some_and(|a| a.contains(included));
    }
    false
}

/// The stored form of one answer; `None` for no answer.
fn normalise(item: &Item, value: &Value) -> Result<Option<Value>, String> {
    if value.is_null() {
        return Ok(None);
    }
    let text = |max: usize| -> Result<Option<Value>, String> {
        let s = value.as_str().ok_or("must be a text")?;
        let s = s.trim();
        if s.chars().count() > max {
            return Err(format!("must be at most {max} characters"));
        }
        if s.chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            return Err("must not contain control characters".into());
        }
        Ok((!s.is_empty()).then(|| Value::String(s.to_owned())))
    };
    let offered = |v: &Value| item.options.iter().flatten().any(|c| &c.value == v);
    match item.kind {
        ItemKind::Info => Err("takes no answer".into()),
        ItemKind::ShortText => {
            let v = text(SHORT_TEXT_MAX)?;
            if let Some(Value::String(s)) = &v
                && s.contains('\n')
            {
                return Err("must be one line".into());
            }
            Ok(v)
        }
        ItemKind::LongText => text(LONG_TEXT_MAX),
        ItemKind::SingleChoice | ItemKind::Scale => {
            if offered(value) {
                Ok(Some(value.clone()))
            } else {
                Err("is not one of the choices offered".into())
            }
        }
        ItemKind::MultiChoice => {
            let chosen = value.as_array().ok_or("must be a list of choices")?;
            let mut kept: Vec<Value> = Vec::new();
            for v in chosen {
                if !offered(v) {
                    return Err(format!("{v} is not one of the choices offered"));
                }
                if !kept.contains(v) {
                    kept.push(v.clone());
                }
            }
            Ok((!kept.is_empty()).then_some(Value::Array(kept)))
        }
        ItemKind::Number => {
            let n = value.as_f64().ok_or("must be a number")?;
            if item.min.is_some_and(|min| n < min) || item.max.is_some_and(|max| n > max) {
                return Err(match (item.min, item.max) {
                    (Some(min), Some(max)) => format!("must be from {min} to {max}"),
                    (Some(min), None) => format!("must be at least {min}"),
                    (None, Some(max)) => format!("must be at most {max}"),
                    (None, None) => unreachable!("checked against a bound"),
                });
            }
            Ok(Some(value.clone()))
        }
        ItemKind::Date => {
            let s = value.as_str().ok_or("must be a date like 1990-04-21")?;
            let day = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .ok()
                .filter(types::plausible_date)
                .ok_or("must be a date like 1990-04-21")?;
            Ok(Some(Value::String(day.format("%Y-%m-%d").to_string())))
        }
        ItemKind::YesNo => value
            .as_bool()
            .map(|b| Some(Value::Bool(b)))
            .ok_or_else(|| "must be true or false".into()),
        ItemKind::Email => {
            let s = value.as_str().ok_or("must be an email address")?;
            if s.trim().is_empty() {
                return Ok(None);
            }
            let email = types::EmailAddress::parse(s).map_err(str::to_owned)?;
            Ok(Some(Value::String(email.into_inner())))
        }
        ItemKind::Phone => {
            let s = value.as_str().ok_or("must be a phone number")?;
            if s.trim().is_empty() {
                return Ok(None);
            }
            Ok(Some(Value::String(types::Phone::parse(s)?.into_string())))
        }
        ItemKind::Consent => match value.as_bool() {
            Some(true) => Ok(Some(Value::Bool(true))),
            // Not agreeing is no answer; a required consent then stops the submission.
            Some(false) => Ok(None),
            None => Err("must be true to agree".into()),
        },
    }
}
