//! The `webhooks` section: settings no delivery could honour.

use crate::scenario::error::{ScenarioError, ScenarioErrorKind as Kind};
use crate::scenario::model::Scenario;
use crate::scenario::positions::top_level_key;

/// Webhook settings no delivery could honour.
pub(super) fn check_webhooks(scenario: &Scenario, source: &str, errors: &mut Vec<ScenarioError>) {
    for (key, message, suggestion) in scenario.webhooks.problems() {
        errors.push(
            ScenarioError::new(Kind::BadValue, format!("`webhooks.{key}`: {message}"))
                .at_position(top_level_key(source, "webhooks"))
                .with_suggestion(Some(suggestion.to_owned())),
        );
    }
}
