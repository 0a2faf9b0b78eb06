//! Intake questionnaires: their definitions and versions, the answers each partner gives
//! through a private link, and the scores and flags computed when they submit.

pub mod answers;
pub mod assignments;
pub mod builtin;
pub mod definition;
pub mod followups;
pub mod notify;
pub mod questionnaires;
pub mod scoring;

pub use answers::{Answers, Mode};
pub use definition::{Definition, Flag};
pub use scoring::Score;
