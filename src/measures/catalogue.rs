//! The built-in measures and what their numbers mean: where each comes from, its range, the
//! cut-off between clinical and non-clinical scores, and the reliable-change threshold used
//! to tell a real change from measurement noise.
//!
//! Reliable change follows Jacobson & Truax (1991): a change of at least
//! 1.96 · SD · √(2 · (1 − reliability)) points. The thresholds below are whole points at or
//! above that figure for the SD and reliability each entry states.

/// Which way is better, and what kind of measure it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Relationship satisfaction: higher is better.
    Relationship,
    /// Symptoms: lower is better.
    Symptoms,
    /// The per-session check-in on the work itself: higher is better.
    CheckIn,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measure {
    pub slug: &'static str,
    pub name: &'static str,
    pub source: &'static str,
    pub min: i32,
    pub max: i32,
    /// Scores on the far side of this are in the clinical range.
    pub cutoff: Option<f64>,
    pub cutoff_meaning: &'static str,
    pub kind: Kind,
    /// Points of change that count as reliable.
    pub reliable_change: i32,
    pub reliable_change_basis: &'static str,
}

impl Measure {
    pub fn higher_is_better(&self) -> bool {
        self.kind != Kind::Symptoms
    }

    /// Whether `score` is in the clinical range.
    pub fn clinical(&self, score: i32) -> bool {
        match self.cutoff {
            Some(c) if self.higher_is_better() => f64::from(score) < c,
            Some(c) => f64::from(score) >= c,
            None => false,
        }
    }

    /// A change from `from` to `to`: better, worse, or neither reliably.
    pub fn change(&self, from: i32, to: i32) -> Change {
        let gain = if self.higher_is_better() {
            to - from
        } else {
            from - to
        };
        if gain >= self.reliable_change {
            Change::Improved
        } else if -gain >= self.reliable_change {
            Change::Deteriorated
        } else {
            Change::None
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Improved,
    Deteriorated,
    None,
}

impl Change {
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            Change::Improved => Some("reliable_improvement"),
            Change::Deteriorated => Some("reliable_deterioration"),
            Change::None => None,
        }
    }
}

pub const ALL: [Measure; 5] = [
    Measure {
        slug: "csi-4",
        name: "Couples Satisfaction Index, 4 items",
        source: "Funk & Rogge (2007), Journal of Family Psychology 21(4); free to use",
        min: 0,
        max: 21,
        cutoff: Some(13.5),
        cutoff_meaning: "below 13.5: relationship distress",
        kind: Kind::Relationship,
        reliable_change: 4,
        reliable_change_basis: "1.96 × SD 5.5 × √(2 × (1 − 0.94)) = 3.7, rounded up",
    },
    Measure {
        slug: "csi-16",
        name: "Couples Satisfaction Index, 16 items",
        source: "Funk & Rogge (2007), Journal of Family Psychology 21(4); free to use",
        min: 0,
        max: 81,
        cutoff: Some(51.5),
        cutoff_meaning: "below 51.5: relationship distress",
        kind: Kind::Relationship,
        reliable_change: 8,
        reliable_change_basis: "1.96 × SD 19 × √(2 × (1 − 0.98)) = 7.4, rounded up",
    },
    Measure {
        slug: "phq-9",
        name: "PHQ-9 (depression)",
        source: "Kroenke, Spitzer & Williams (2001), Journal of General Internal Medicine 16(9); free to use",
        min: 0,
        max: 27,
        cutoff: Some(10.0),
        cutoff_meaning: "10 or more: in the clinical range",
        kind: Kind::Symptoms,
        reliable_change: 6,
        reliable_change_basis: "the threshold the NHS Talking Therapies programme uses",
    },
    Measure {
        slug: "gad-7",
        name: "GAD-7 (anxiety)",
        source: "Spitzer, Kroenke, Williams & Löwe (2006), Archives of Internal Medicine 166(10); free to use",
        min: 0,
        max: 21,
        cutoff: Some(8.0),
        cutoff_meaning: "8 or more: in the clinical range",
        kind: Kind::Symptoms,
        reliable_change: 4,
        reliable_change_basis: "the threshold the NHS Talking Therapies programme uses",
    },
    Measure {
        slug: "session-check-in",
        name: "Session check-in (heard, goals, approach; 0–10 each)",
        source: "Attune's own three items, after the session rating scales used in feedback-informed treatment",
        min: 0,
        max: 30,
        cutoff: Some(24.0),
        cutoff_meaning: "below 24: worth talking about in the next session",
        kind: Kind::CheckIn,
        reliable_change: 5,
        reliable_change_basis: "a drop of 5 points (about one point in six) from the partner's own first check-in",
    },
];

pub fn find(slug: &str) -> Option<&'static Measure> {
    ALL.iter().find(|m| m.slug == slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_measure_knows_which_way_is_better() {
        let csi = find("csi-16").unwrap();
        assert!(csi.clinical(51) && !csi.clinical(52));
        assert_eq!(csi.change(40, 48), Change::Improved);
        assert_eq!(csi.change(48, 40), Change::Deteriorated);
        assert_eq!(csi.change(40, 47), Change::None);
        let phq = find("phq-9").unwrap();
        assert!(phq.clinical(10) && !phq.clinical(9));
        assert_eq!(phq.change(18, 12), Change::Improved);
        assert_eq!(phq.change(6, 12), Change::Deteriorated);
        assert_eq!(find("csi-4").unwrap().change(10, 14), Change::Improved);
    }

    #[test]
    fn every_measure_is_a_built_in_questionnaire() {
        for m in &ALL {
            assert!(
                crate::intake::builtin::ALL.iter().any(|b| b.slug == m.slug),
                "{}",
                m.slug
            );
            assert!(m.min < m.max && m.reliable_change > 0);
        }
    }
}
