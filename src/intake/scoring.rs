//! Scores and flags of a submitted response, from its definition's rules.

use serde::Serialize;

use super::{
    answers::Answers,
    definition::{Definition, Flag},
};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Score {
    pub total: i64,
    pub band: Option<String>,
}

/// The total of the scored items and its band; `None` when the questionnaire is not scored or
/// a scored item has no answer.
pub fn score(definition: &Definition, answers: &Answers) -> Option<Score> {
    let scoring = definition.scoring.as_ref()?;
    let mut total = 0;
    for id in &scoring.sum {
        total += answers.get(id)?.as_i64()?;
    }
    let band = scoring
        .bands
        .iter()
        .find(|b| total <= b.max)
        .map(|b| b.label.clone());
    Some(Score { total, band })
}

/// The flags the answers raise, each once, in order.
pub fn flags(definition: &Definition, answers: &Answers) -> Vec<Flag> {
    let mut raised: Vec<Flag> = definition
        .flags
        .iter()
        .filter(|rule| {
            let Some(answer) = answers.get(&rule.item) else {
                return false;
            };
            if let Some(equals) = &rule.equals {
                answer == equals
            } else if let Some(included) = &rule.includes {
                answer.as_array().is_some_and(|a| a.contains(included))
            } else if let Some(above) = rule.above {
                answer.as_f64().is_some_and(|n| n > above)
            } else {
                false
            }
        })
        .map(|rule| rule.flag)
        .collect();
    raised.sort();
    raised.dedup();
    raised
}
