//! Input checked against a capability's rules. Each rule that fails names its field as the
//! client sent it (`partner.email`, `goals[2].text`), and one answer names them all. Plain data:
//! the HTTP adapters turn it into a 422 problem, the dashboard into messages beside its fields.

use serde::Serialize;

/// One field that failed validation. `field` is the JSON path (`partner.email`), the query
/// parameter or the path segment the client sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A field of a change that may be left out (keep the value), sent as null (clear it) or
/// given (set it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Patch<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

/// Input that breaks the rules: every field that failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} of the fields given are not valid", .0.len())]
pub struct Invalid(pub Vec<FieldError>);

/// Collects every field that fails while input is checked, so one answer names them all.
#[derive(Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// The value, or `None` after noting the field's message.
    pub fn check<T, M: Into<String>>(&mut self, field: &str, result: Result<T, M>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.0.push(FieldError::new(field, message));
                None
            }
        }
    }

    /// Notes a failure found by other means.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every field noted, as an error, or nothing if none was.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Takes `other`'s failures, each field renamed by `names` (`(from, to)`) where listed:
    /// a form that calls a shared rule's fields by its own names.
    pub fn absorb(&mut self, other: FieldErrors, names: &[(&str, &str)]) {
        for mut e in other.0 {
            if let Some((_, to)) = names.iter().find(|(from, _)| *from == e.field) {
                e.field = (*to).to_owned();
            }
            self.0.push(e);
        }
    }

    pub fn into_result(self) -> Result<(), Invalid> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Invalid(self.0))
        }
    }
}
