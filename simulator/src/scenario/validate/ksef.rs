//! The `ksef` section: settings KSeF could not run with, tokens for contexts no tenant owns,
//! and rate-limit groups KSeF does not have.

use crate::scenario::error::{ScenarioError, ScenarioErrorKind as Kind};
use crate::scenario::model::Scenario;
use crate::scenario::positions::top_level_key;
use crate::vocabulary::Network;

/// KSeF tokens must open a context some tenant owns, or nobody could see what is sent with
/// them.
pub(super) fn check_ksef(scenario: &Scenario, source: &str, errors: &mut Vec<ScenarioError>) {
    let mut problems = scenario.ksef.problems();
    for (index, token) in scenario.ksef.tokens.iter().enumerate() {
        let id = format!("KSEF:{}", token.context);
        let owned = scenario
            .participants
            .iter()
            .any(|p| p.network == Network::Ksef && p.id == id && p.tenant.is_some());
        if !owned {
            problems.push((
                format!("tokens[{index}].context"),
                format!("no KSeF participant `{id}` with a `tenant:` is listed"),
                "list the context's NIP under `participants` as `KSEF:<NIP>` with the tenant it belongs to",
            ));
        }
    }
    for group in scenario.ksef.rate_limits.groups.keys() {
        if crate::codelists::ksef::RateGroup::from_name(group).is_none() {
            let names: Vec<&str> = crate::codelists::ksef::RateGroup::ALL
                .iter()
                .map(|g| g.name())
                .collect();
            problems.push((
                format!("rate_limits.groups.{group}"),
                format!(
                    "no KSeF rate-limit group is called `{group}`; the groups are {}",
                    names.join(", ")
                ),
                "use the group names of the KSeF limits table",
            ));
        }
    }
    for (key, message, suggestion) in problems {
        errors.push(
            ScenarioError::new(Kind::BadValue, format!("`ksef.{key}`: {message}"))
                .at_position(top_level_key(source, "ksef"))
                .with_suggestion(Some(suggestion.to_owned())),
        );
    }
}
