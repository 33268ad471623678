//! The scenario's `name`, which names the run in the journal and in suite reports.

use crate::scenario::error::{ScenarioError, ScenarioErrorKind as Kind};
use crate::scenario::model::Scenario;
use crate::scenario::positions::top_level_key;

pub(super) fn check_name(scenario: &Scenario, source: &str, errors: &mut Vec<ScenarioError>) {
    if scenario.name.trim().is_empty() {
        errors.push(
            ScenarioError::new(
                Kind::BadValue,
                "expected a scenario name, found an empty value",
            )
            .at_position(top_level_key(source, "name")),
        );
    }
}
