//! What the conformance suite runs with: the rule ids it `expect`s, and its `suite` settings.

use super::ids::{FirstSeen, duplicate};
use crate::scenario::error::{ScenarioError, ScenarioErrorKind as Kind};
use crate::scenario::model::Scenario;
use crate::scenario::positions::{ScenarioPositions, top_level_key};
use crate::scenario::suggest;

/// Rule ids are the suite's to know; here only their shape and uniqueness are checked, so a
/// typo such as `AUTH1` is caught by `eisim check` too.
pub(super) fn check_expect(
    scenario: &Scenario,
    positions: &ScenarioPositions,
    errors: &mut Vec<ScenarioError>,
) {
    let mut seen = FirstSeen::default();
    for (index, id) in scenario.expect.iter().enumerate() {
        let position = positions.expected_rule(index);
        if !is_rule_id(id) {
            errors.push(
                ScenarioError::new(
                    Kind::BadValue,
                    format!(
                        "expected a rule id such as `AUTH-1` (capital letters, a dash, digits), found `{}`",
                        id.escape_debug()
                    ),
                )
                .at_position(position)
                .with_suggestion(Some(if is_rule_id(&id.to_ascii_uppercase()) {
                    suggest::did_you_mean(&id.to_ascii_uppercase())
                } else {
                    "`eisim-suite rules` lists the catalogue".to_owned()
                })),
            );
        } else if let Some(first) = seen.insert(id, position) {
            errors.push(duplicate("rule id", id, position, first));
        }
    }
}

/// `^[A-Z]+-[0-9]+$`
fn is_rule_id(id: &str) -> bool {
    id.split_once('-').is_some_and(|(area, number)| {
        !area.is_empty()
            && area.bytes().all(|b| b.is_ascii_uppercase())
            && !number.is_empty()
            && number.bytes().all(|b| b.is_ascii_digit())
    })
}

/// A run with no time at all could only ever fail.
pub(super) fn check_suite(scenario: &Scenario, source: &str, errors: &mut Vec<ScenarioError>) {
    if scenario
        .suite
        .time_limit
        .is_some_and(|limit| limit.as_std().is_zero())
    {
        errors.push(
            ScenarioError::new(
                Kind::BadValue,
                "`suite.time_limit`: expected a period longer than zero, found `0s`",
            )
            .at_position(top_level_key(source, "suite"))
            .with_suggestion(Some("leave it out for the suite's 60 s".to_owned())),
        );
    }
}
