//! The questionnaires every practice starts with, seeded read-only on first start: the couples
//! intake (with its private safety screen), PHQ-9, GAD-7, CSI-4 and CSI-16 in their published
//! wording and scoring, and a three-item session check-in. A practice that wants changes copies one and edits the copy.

use super::Definition;

pub struct Builtin {
    pub slug: &'static str,
    pub json: &'static str,
}

pub const COUPLES_INTAKE: &str = "couples-intake";
/// The short check-in after each session: three 0–10 items on the work itself.
pub const SESSION_CHECK_IN: &str = "session-check-in";

pub const ALL: [Builtin; 6] = [
    Builtin {
        slug: COUPLES_INTAKE,
        json: include_str!("builtin/couples-intake.json"),
    },
    Builtin {
        slug: "phq-9",
        json: include_str!("builtin/phq-9.json"),
    },
    Builtin {
        slug: "gad-7",
        json: include_str!("builtin/gad-7.json"),
    },
    Builtin {
        slug: "csi-4",
        json: include_str!("builtin/csi-4.json"),
    },
    Builtin {
        slug: "csi-16",
        json: include_str!("builtin/csi-16.json"),
    },
    Builtin {
        slug: SESSION_CHECK_IN,
        json: include_str!("builtin/session-check-in.json"),
    },
];

impl Builtin {
    pub fn definition(&self) -> Definition {
        let value = serde_json::from_str(self.json).expect("built-in definitions are JSON");
        Definition::parse(value).unwrap_or_else(|e| panic!("{}: {e:?}", self.slug))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use super::*;
    use crate::intake::{
        Flag, Mode,
        answers::check,
        scoring::{flags, score},
    };

    fn find(slug: &str) -> Definition {
        ALL.iter().find(|b| b.slug == slug).unwrap().definition()
    }

    /// Answers giving each scored item a value, spread so they add up to `total`.
    fn answers_totalling(definition: &Definition, total: i64) -> Map<String, Value> {
        let scoring = definition.scoring.as_ref().unwrap();
        let mut left = total;
        let mut answers = Map::new();
        for id in &scoring.sum {
            let item = definition.item(id).unwrap();
            let top = item
                .options
                .iter()
                .flatten()
                .filter_map(|c| c.value.as_i64())
                .max()
                .unwrap();
            let v = left.min(top);
            left -= v;
            answers.insert(id.clone(), json!(v));
        }
        assert_eq!(left, 0, "{total} is more than the scale holds");
        answers
    }

    fn band(slug: &str, total: i64) -> (i64, String) {
        let definition = find(slug);
        let answers = check(
            &definition,
            &answers_totalling(&definition, total),
            Mode::Draft,
        )
        .unwrap();
        let s = score(&definition, &answers).unwrap();
        (s.total, s.band.unwrap())
    }

    #[test]
    fn every_builtin_is_a_valid_definition() {
        for b in &ALL {
            let d = b.definition();
            assert!(!d.sections.is_empty(), "{}", b.slug);
        }
    }

    #[test]
    fn csi16_runs_from_0_to_81_with_distress_below_51_5() {
        for (total, expected) in [
            (0, "relationship distress"),
            (51, "relationship distress"),
            (52, "no distress"),
            (81, "no distress"),
        ] {
            assert_eq!(band("csi-16", total), (total, expected.to_owned()));
        }
    }

    #[test]
    fn the_session_check_in_is_three_items_of_0_to_10() {
        let d = find(SESSION_CHECK_IN);
        assert_eq!(d.scoring.as_ref().unwrap().sum.len(), 3);
        assert_eq!(band(SESSION_CHECK_IN, 30), (30, "going well".to_owned()));
        assert_eq!(band(SESSION_CHECK_IN, 23).1, "worth talking about");
    }

    #[test]
    fn phq9_bands_at_every_edge() {
        for (total, expected) in [
            (0, "minimal"),
            (4, "minimal"),
            (5, "mild"),
            (9, "mild"),
            (10, "moderate"),
            (14, "moderate"),
            (15, "moderately severe"),
            (19, "moderately severe"),
            (20, "severe"),
            (27, "severe"),
        ] {
            assert_eq!(band("phq-9", total), (total, expected.to_owned()));
        }
    }

    #[test]
    fn gad7_bands_at_every_edge() {
        for (total, expected) in [
            (0, "minimal"),
            (4, "minimal"),
            (5, "mild"),
            (9, "mild"),
            (10, "moderate"),
            (14, "moderate"),
            (15, "severe"),
            (21, "severe"),
        ] {
            assert_eq!(band("gad-7", total), (total, expected.to_owned()));
        }
    }

    #[test]
    fn csi4_marks_distress_below_13_5() {
        for (total, expected) in [
            (0, "relationship distress"),
            (13, "relationship distress"),
            (14, "no distress"),
            (21, "no distress"),
        ] {
            assert_eq!(band("csi-4", total), (total, expected.to_owned()));
        }
    }

    #[test]
    fn any_answer_but_not_at_all_to_phq9_item_9_is_urgent() {
        let d = find("phq-9");
        for (value, urgent) in [(0, false), (1, true), (2, true), (3, true)] {
            let mut given = answers_totalling(&d, 0);
            given.insert("phq9".into(), json!(value));
            let answers = check(&d, &given, Mode::Submit).unwrap();
            assert_eq!(
                flags(&d, &answers).contains(&Flag::Urgent),
                urgent,
                "{value}"
            );
        }
    }

    fn couples_answers() -> Map<String, Value> {
        json!({
            "date_of_birth": "1988-03-14",
            "phone": "+1 555 010 0199",
            "emergency_name": "Ruth Doe",
            "emergency_phone": "+1 555 010 0100",
            "relationship_length": "3to10",
            "relationship_status": "married",
            "living_together": true,
            "children": false,
            "brings_you": "We argue about the same things.",
            "hopes": "To listen to each other.",
            "commitment": 4,
            "prior_therapy": false,
            "ipv_fear": false,
            "ipv_hurt": false,
            "ipv_threat": false,
            "ipv_forced": false,
            "ipv_control": false,
            "consent_treatment": true,
            "consent_privacy": true,
        })
        .as_object()
        .unwrap()
        .clone()
    }

    #[test]
    fn any_yes_in_the_safety_screen_raises_the_safety_flag() {
        let d = find(COUPLES_INTAKE);
        let answers = check(&d, &couples_answers(), Mode::Submit).unwrap();
        assert!(flags(&d, &answers).is_empty());
        assert!(score(&d, &answers).is_none());
        for item in [
            "ipv_fear",
            "ipv_hurt",
            "ipv_threat",
            "ipv_forced",
            "ipv_control",
        ] {
            let mut given = couples_answers();
            given.insert(item.into(), json!(true));
            let answers = check(&d, &given, Mode::Submit).unwrap();
            assert_eq!(flags(&d, &answers), vec![Flag::Safety], "{item}");
        }
    }

    #[test]
    fn a_submission_needs_every_required_item_that_shows() {
        let d = find(COUPLES_INTAKE);
        let mut given = couples_answers();
        given.remove("consent_privacy");
        given.insert("children".into(), json!(true));
        let errors = check(&d, &given, Mode::Submit).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["consent_privacy"]);
        // A draft may leave anything out.
        assert!(check(&d, &given, Mode::Draft).is_ok());
        // Not agreeing is no agreement.
        given.insert("consent_privacy".into(), json!(false));
        assert!(check(&d, &given, Mode::Submit).is_err());
    }

    #[test]
    fn answers_to_items_that_do_not_show_are_dropped_on_submit() {
        let d = find(COUPLES_INTAKE);
        let mut given = couples_answers();
        given.insert("children_details".into(), json!("Two, 4 and 7"));
        let answers = check(&d, &given, Mode::Submit).unwrap();
        assert!(!answers.contains_key("children_details"));
        given.insert("children".into(), json!(true));
        let answers = check(&d, &given, Mode::Submit).unwrap();
        assert_eq!(answers["children_details"], "Two, 4 and 7");
    }

    #[test]
    fn each_wrong_answer_is_named_by_its_item() {
        let d = find(COUPLES_INTAKE);
        let given = json!({
            "nonexistent": "x",
            "date_of_birth": "14/03/1988",
            "phone": "call me",
            "email": "not-an-email",
            "relationship_length": "forever",
            "living_together": "yes",
            "commitment": 9,
            "stressors": ["work", "aliens"],
            "brings_you": "x".repeat(10_001),
            "preferred_name": "two\nlines",
            "consent_treatment": "sure",
        });
        let errors = check(&d, given.as_object().unwrap(), Mode::Draft).unwrap_err();
        let mut fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        fields.sort();
        assert_eq!(
            fields,
            vec![
                "brings_you",
                "commitment",
                "consent_treatment",
                "date_of_birth",
                "email",
                "living_together",
                "nonexistent",
                "phone",
                "preferred_name",
                "relationship_length",
                "stressors",
            ]
        );
    }

    #[test]
    fn numbers_keep_to_their_range_and_multiple_choices_to_their_options() {
        let d = Definition::parse(json!({
            "title": "T",
            "sections": [{"id": "s", "title": "S", "items": [
                {"id": "years", "kind": "number", "label": "Years together", "min": 0, "max": 80},
                {"id": "pick", "kind": "multi_choice", "label": "Pick", "options": [
                    {"value": "a", "label": "A"}, {"value": "b", "label": "B"}
                ]},
                {"id": "note", "kind": "info", "label": "Just so you know"}
            ]}]
        }))
        .unwrap();
        for (answers, field) in [
            (json!({"years": 81}), "years"),
            (json!({"years": -1}), "years"),
            (json!({"years": "ten"}), "years"),
            (json!({"pick": ["a", "c"]}), "pick"),
            (json!({"pick": "a"}), "pick"),
            (json!({"note": "x"}), "note"),
        ] {
            let errors = check(&d, answers.as_object().unwrap(), Mode::Draft).unwrap_err();
            assert_eq!(errors[0].field, field, "{answers}");
        }
        let ok = check(
            &d,
            json!({"years": 12.5, "pick": ["b", "a", "b"]})
                .as_object()
                .unwrap(),
            Mode::Submit,
        )
        .unwrap();
        assert_eq!(ok["pick"], json!(["b", "a"]));
    }

    #[test]
    fn a_definition_is_checked_whole_with_paths() {
        let bad = json!({
            "title": "",
            "sections": [{
                "id": "a",
                "title": "A",
                "items": [
                    {"id": "q1", "kind": "single_choice", "label": "Pick", "options": []},
                    {"id": "q1", "kind": "short_text", "label": "Again"},
                    {"id": "q3", "kind": "number", "label": "N", "min": 5, "max": 1},
                    {"id": "q4", "kind": "short_text", "label": "Later", "show_if": {"item": "q9", "equals": 1}},
                ]
            }],
            "scoring": {"sum": ["q1"], "bands": []}
        });
        let errors = Definition::parse(bad).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for expected in [
            "title",
            "sections[0].items[0].options",
            "sections[0].items[1].id",
            "sections[0].items[2].max",
            "sections[0].items[3].show_if.item",
            "scoring.bands",
        ] {
            assert!(fields.contains(&expected), "{expected} in {fields:?}");
        }
        let wrong_shape = Definition::parse(json!({"title": "T", "sections": [{"id": "a", "title": "A", "items": [{"id": "x", "kind": "slider", "label": "L"}]}]}))
            .unwrap_err();
        assert_eq!(wrong_shape[0].field, "sections[0].items[0].kind");
    }
}
