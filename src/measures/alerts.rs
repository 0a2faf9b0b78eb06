//! What in a couple's scores needs the therapist's attention, worked out from the series:
//! a partner's reliable deterioration on any measure; the partners drifting apart on the
//! relationship measure (their latest scores further apart than the measure's divergence);
//! one partner's session check-in falling while the other's does not; and, from the
//! intake flags, PHQ-9 item 9 above zero, which is always urgent.

use uuid::Uuid;

use super::{
    catalogue::{Change, Kind, Measure},
    series::Line,
};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Alert {
    Deteriorated {
        measure: &'static str,
        participant_id: Uuid,
        name: String,
    },
    Diverging {
        measure: &'static str,
        apart: i32,
    },
    CheckInFalling {
        participant_id: Uuid,
        name: String,
        drop: i32,
    },
    Urgent {
        participant_id: Uuid,
        name: String,
    },
}

impl Alert {
    pub fn kind(&self) -> &'static str {
        match self {
            Alert::Deteriorated { .. } => "reliable_deterioration",
            Alert::Diverging { .. } => "partners_diverging",
            Alert::CheckInFalling { .. } => "check_in_falling",
            Alert::Urgent { .. } => "urgent",
        }
    }

    /// What the agenda and the record say.
    pub fn sentence(&self) -> String {
        match self {
            Alert::Deteriorated { measure, name, .. } => {
                format!(
                    "{name}: reliable deterioration on {}",
                    measure.to_uppercase()
                )
            }
            Alert::Diverging { measure, apart } => format!(
                "Partners {apart} points apart on {}: moving apart",
                measure.to_uppercase()
            ),
            Alert::CheckInFalling { name, drop, .. } => {
                format!("{name}'s session check-in fell by {drop} while their partner's did not")
            }
            Alert::Urgent { name, .. } => {
                format!("{name}: PHQ-9 item 9 above zero (thoughts of self-harm): urgent")
            }
        }
    }
}

/// How far apart the partners' latest relationship scores may be before it is flagged.
pub fn divergence(m: &Measure) -> Option<i32> {
    (m.kind == Kind::Relationship).then_some(2 * m.reliable_change)
}

/// The alerts in `series` (each measure with its partners' lines).
pub fn of(series: &[(&'static Measure, Vec<Line>)]) -> Vec<Alert> {
    let mut out = Vec::new();
    for (m, lines) in series {
        for l in lines {
            if l.points
                .last()
                .is_some_and(|p| p.mark == Change::Deteriorated)
                && m.kind != Kind::CheckIn
            {
                out.push(Alert::Deteriorated {
                    measure: m.slug,
                    participant_id: l.participant_id,
                    name: l.name.clone(),
                });
            }
        }
        if let (Some(limit), [a, b]) = (divergence(m), lines.as_slice())
            && let (Some(x), Some(y)) = (a.points.last(), b.points.last())
            && (x.score - y.score).abs() > limit
        {
            out.push(Alert::Diverging {
                measure: m.slug,
                apart: (x.score - y.score).abs(),
            });
        }
        if m.kind == Kind::CheckIn && lines.len() == 2 {
            // A fall: the latest check-in against the partner's previous one.
            let fall = |l: &Line| match l.points.as_slice() {
                [.., before, last] => before.score - last.score,
                _ => 0,
            };
            for (i, l) in lines.iter().enumerate() {
                let other = &lines[1 - i];
                let drop = fall(l);
                if drop >= m.reliable_change && fall(other) < m.reliable_change {
                    out.push(Alert::CheckInFalling {
                        participant_id: l.participant_id,
                        name: l.name.clone(),
                        drop,
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::*;
    use crate::measures::{catalogue, series::Point};

    fn line(name: &str, m: &Measure, scores: &[i32]) -> Line {
        let base = scores[0];
        Line {
            participant_id: Uuid::new_v4(),
            name: name.to_owned(),
            points: scores
                .iter()
                .enumerate()
                .map(|(i, s)| Point {
                    assignment_id: Uuid::new_v4(),
                    at: Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
                        + Duration::weeks(i as i64),
                    score: *s,
                    band: None,
                    change: s - base,
                    mark: m.change(base, *s),
                    clinical: m.clinical(*s),
                })
                .collect(),
        }
    }

    #[test]
    fn partners_moving_apart_and_a_falling_check_in_are_flagged() {
        let csi = catalogue::find("csi-16").unwrap();
        let check = catalogue::find("session-check-in").unwrap();
        let series = vec![
            (
                csi,
                vec![
                    line("Jane", csi, &[40, 46, 58]),
                    line("Sam", csi, &[50, 44, 38]),
                ],
            ),
            (
                check,
                vec![
                    line("Jane", check, &[27, 28, 28]),
                    line("Sam", check, &[27, 26, 19]),
                ],
            ),
        ];
        let alerts = of(&series);
        let kinds: Vec<&str> = alerts.iter().map(Alert::kind).collect();
        assert_eq!(
            kinds,
            [
                "reliable_deterioration",
                "partners_diverging",
                "check_in_falling"
            ],
            "{alerts:?}"
        );
        assert!(
            alerts[0]
                .sentence()
                .starts_with("Sam: reliable deterioration on CSI-16")
        );
        assert_eq!(
            alerts[1],
            Alert::Diverging {
                measure: "csi-16",
                apart: 20
            }
        );
        assert!(alerts[2].sentence().contains("fell by 7"));
    }

    #[test]
    fn both_check_ins_falling_is_about_the_work_not_one_partner() {
        let check = catalogue::find("session-check-in").unwrap();
        let series = vec![(
            check,
            vec![
                line("Jane", check, &[27, 20]),
                line("Sam", check, &[27, 21]),
            ],
        )];
        assert!(of(&series).is_empty());
    }
}
