//! A questionnaire's definition: sections of items, what counts as an answer to each, when an
//! item shows, and how answers score and raise flags. Stored as JSON, one immutable copy per
//! version; checked whole before it is saved.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::validation::FieldError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intro: Option<String>,
    pub sections: Vec<Section>,
    /// A total over some items, and the bands it falls in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scoring: Option<Scoring>,
    /// Answers that need the practitioner's attention first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<FlagRule>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intro: Option<String>,
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    pub kind: ItemKind,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<Choice>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<ShowIf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    ShortText,
    LongText,
    SingleChoice,
    MultiChoice,
    /// A Likert row: labelled points, each with a value.
    Scale,
    Number,
    Date,
    YesNo,
    Email,
    Phone,
    /// A statement the person agrees to; the moment is recorded.
    Consent,
    /// Text only; takes no answer.
    Info,
}

impl ItemKind {
    pub fn has_options(self) -> bool {
        matches!(
            self,
            ItemKind::SingleChoice | ItemKind::MultiChoice | ItemKind::Scale
        )
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// A whole number (scored scales) or a short text.
    pub value: Value,
    pub label: String,
}

/// Shows an item only when an earlier item's answer equals a value, or (for a multiple
/// choice) includes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShowIf {
    pub item: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub includes: Option<Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scoring {
    /// Items whose chosen values are added up.
    pub sum: Vec<String>,
    /// Ascending: the first band whose `max` the total does not exceed names it.
    pub bands: Vec<Band>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub max: i64,
    pub label: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Needs attention before anything else (e.g. thoughts of self-harm).
    Urgent,
    /// A sign of violence or control in the relationship: never raised with the other partner.
    Safety,
}

/// Raises `flag` when `item`'s answer equals a value, includes one, or is above a number.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagRule {
    pub flag: Flag,
    pub item: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub includes: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub above: Option<f64>,
}

/// Limits that keep a definition a questionnaire rather than a data dump.
const MAX_ITEMS: usize = 300;
const MAX_TEXT: usize = 2_000;

impl Definition {
    /// Reads and checks a definition; every problem is named by its path, e.g.
    /// `sections[1].items[0].options`.
    pub fn parse(value: Value) -> Result<Self, Vec<FieldError>> {
        let definition: Definition = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            vec![FieldError::new(
                if path == "." {
                    "definition".into()
                } else {
                    path
                },
                e.inner().to_string(),
            )]
        })?;
        let errors = definition.problems();
        if errors.is_empty() {
            Ok(definition)
        } else {
            Err(errors)
        }
    }

    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.sections.iter().flat_map(|s| s.items.iter())
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items().find(|i| i.id == id)
    }

    fn problems(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let text = |field: String, value: &str, errors: &mut Vec<FieldError>| {
            if value.trim().is_empty() {
                errors.push(FieldError::new(field, "must not be empty"));
            } else if value.chars().count() > MAX_TEXT {
                errors.push(FieldError::new(
                    field,
                    format!("must be at most {MAX_TEXT} characters"),
                ));
            }
        };
        text("title".into(), &self.title, &mut errors);
        if self.sections.is_empty() {
            errors.push(FieldError::new(
                "sections",
                "must have at least one section",
            ));
        }
        if self.items().count() > MAX_ITEMS {
            errors.push(FieldError::new(
                "sections",
                format!("must hold at most {MAX_ITEMS} items in all"),
            ));
        }
        let mut section_ids = HashSet::new();
        // Items seen so far, for `show_if`, which may only look back.
        let mut earlier: Vec<&Item> = Vec::new();
        for (s, section) in self.sections.iter().enumerate() {
            let at = format!("sections[{s}]");
            check_id(&format!("{at}.id"), &section.id, &mut errors);
            if !section_ids.insert(section.id.as_str()) {
                errors.push(FieldError::new(
                    format!("{at}.id"),
                    "is used by another section",
                ));
            }
            text(format!("{at}.title"), &section.title, &mut errors);
            if section.items.is_empty() {
                errors.push(FieldError::new(
                    format!("{at}.items"),
                    "must have at least one item",
                ));
            }
            for (i, item) in section.items.iter().enumerate() {
                let at = format!("{at}.items[{i}]");
                check_id(&format!("{at}.id"), &item.id, &mut errors);
                if earlier.iter().any(|e| e.id == item.id) {
                    errors.push(FieldError::new(
                        format!("{at}.id"),
                        "is used by another item",
                    ));
                }
                text(format!("{at}.label"), &item.label, &mut errors);
                check_item(&at, item, &earlier, &mut errors);
                earlier.push(item);
            }
        }
        if let Some(scoring) = &self.scoring {
            for (n, id) in scoring.sum.iter().enumerate() {
                match self.item(id) {
                    Some(item) if item.kind.has_options() && item.kind != ItemKind::MultiChoice => {
                        if item
                            .options
                            .iter()
                            .flatten()
                            .any(|c| c.value.as_i64().is_none())
                        {
                            errors.push(FieldError::new(
                                format!("scoring.sum[{n}]"),
                                "must be an item whose choices are whole numbers",
                            ));
                        }
                    }
                    _ => errors.push(FieldError::new(
                        format!("scoring.sum[{n}]"),
                        "must be a single-choice or scale item",
                    )),
                }
            }
            if scoring.bands.is_empty() || scoring.bands.windows(2).any(|w| w[0].max >= w[1].max) {
                errors.push(FieldError::new(
                    "scoring.bands",
                    "must list at least one band, in ascending order of max",
                ));
            }
        }
        for (n, rule) in self.flags.iter().enumerate() {
            if self
                .item(&rule.item)
                .is_none_or(|i| i.kind == ItemKind::Info)
            {
                errors.push(FieldError::new(
                    format!("flags[{n}].item"),
                    "is not an item",
                ));
            }
            let conditions = [
                rule.equals.is_some(),
                rule.includes.is_some(),
                rule.above.is_some(),
            ];
            if conditions.iter().filter(|c| **c).count() != 1 {
                errors.push(FieldError::new(
                    format!("flags[{n}]"),
                    "must have exactly one of equals, includes or above",
                ));
            }
        }
        errors
    }
}

/// Ids are used in form field names and answer keys: short, plain.
fn check_id(field: &str, id: &str, errors: &mut Vec<FieldError>) {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !ok {
        errors.push(FieldError::new(
            field,
            "must be 1 to 64 letters, digits, '_' or '-'",
        ));
    }
}

fn check_item(at: &str, item: &Item, earlier: &[&Item], errors: &mut Vec<FieldError>) {
    match (&item.options, item.kind.has_options()) {
        (Some(options), true) => {
            if options.is_empty() {
                errors.push(FieldError::new(
                    format!("{at}.options"),
                    "must not be empty",
                ));
            }
            let mut seen = Vec::new();
            for (o, choice) in options.iter().enumerate() {
                let plain = choice.value.is_string() || choice.value.as_i64().is_some();
                if !plain {
                    errors.push(FieldError::new(
                        format!("{at}.options[{o}].value"),
                        "must be a whole number or a text",
                    ));
                }
                if seen.contains(&&choice.value) {
                    errors.push(FieldError::new(
                        format!("{at}.options[{o}].value"),
                        "is used by another choice",
                    ));
                }
                seen.push(&choice.value);
                if choice.label.trim().is_empty() {
                    errors.push(FieldError::new(
                        format!("{at}.options[{o}].label"),
                        "must not be empty",
                    ));
                }
            }
        }
        (None, true) => errors.push(FieldError::new(
            format!("{at}.options"),
            "are needed for this kind of item",
        )),
        (Some(_), false) => errors.push(FieldError::new(
            format!("{at}.options"),
            "are only for single_choice, multi_choice and scale items",
        )),
        (None, false) => {}
    }
    if (item.min.is_some() || item.max.is_some()) && item.kind != ItemKind::Number {
        errors.push(FieldError::new(
            format!("{at}.min"),
            "is only for number items",
        ));
    }
    if let (Some(min), Some(max)) = (item.min, item.max)
        && min > max
    {
        errors.push(FieldError::new(
            format!("{at}.max"),
            "must not be below min",
        ));
    }
    if item.kind == ItemKind::Info && item.required {
        errors.push(FieldError::new(
            format!("{at}.required"),
            "an info item takes no answer",
        ));
    }
    if let Some(show_if) = &item.show_if {
        if !earlier
            .iter()
            .any(|e| e.id == show_if.item && e.kind != ItemKind::Info)
        {
            errors.push(FieldError::new(
                format!("{at}.show_if.item"),
                "must be an earlier item",
            ));
        }
        if show_if.equals.is_some() == show_if.includes.is_some() {
            errors.push(FieldError::new(
                format!("{at}.show_if"),
                "must have exactly one of equals or includes",
            ));
        }
    }
}
