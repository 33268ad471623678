//! The `peppol` section: settings Peppol could not run with, and SML-only ids that are
//! malformed or contradict the participant list.

use crate::scenario::error::{ScenarioError, ScenarioErrorKind as Kind};
use crate::scenario::model::Scenario;
use crate::scenario::participant_id;
use crate::scenario::positions::top_level_key;
use crate::vocabulary::Network;

/// Peppol settings the network could not run with, and SML-only ids that are malformed or
/// contradict the participant list (a listed participant has an SMP entry).
pub(super) fn check_peppol(scenario: &Scenario, source: &str, errors: &mut Vec<ScenarioError>) {
    let mut problems: Vec<(String, String, String)> = scenario
        .peppol
        .problems()
        .into_iter()
        .map(|(key, message, help)| (key, message, help.to_owned()))
        .collect();
    for (index, id) in scenario.peppol.sml_only.iter().enumerate() {
        let key = format!("sml_only[{index}]");
        if let Err(problem) = participant_id::check(id, Network::Peppol) {
            problems.push((key, problem.message, problem.help.unwrap_or_default()));
        } else if scenario.participants.iter().any(|p| &p.id == id) {
            problems.push((
                key,
                format!("`{id}` is listed under `participants`, so its SMP knows it"),
                "remove it from one of the two lists".to_owned(),
            ));
        }
    }
    for (key, message, suggestion) in problems {
        errors.push(
            ScenarioError::new(Kind::BadValue, format!("`peppol.{key}`: {message}"))
                .at_position(top_level_key(source, "peppol"))
                .with_suggestion((!suggestion.is_empty()).then_some(suggestion)),
        );
    }
}
