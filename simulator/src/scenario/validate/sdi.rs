//! The `sdi` section: settings SDI could not run with, and a channel tenant that does not
//! exist.

use crate::scenario::error::{ScenarioError, ScenarioErrorKind as Kind};
use crate::scenario::model::Scenario;
use crate::scenario::positions::top_level_key;

/// SDI settings no network could run with, and a channel tenant that does not exist.
pub(super) fn check_sdi(scenario: &Scenario, source: &str, errors: &mut Vec<ScenarioError>) {
    let mut problems = scenario.sdi.problems();
    if let Some(tenant) = &scenario.sdi.channel.tenant
        && !scenario.tenants.iter().any(|t| &t.id == tenant)
    {
        problems.push((
            "channel.tenant".to_owned(),
            format!("no tenant `{tenant}` is listed under `tenants`"),
            "name one of the scenario's tenants, or leave it out for the tenant that owns an SDI participant",
        ));
    }
    for (key, message, suggestion) in problems {
        errors.push(
            ScenarioError::new(Kind::BadValue, format!("`sdi.{key}`: {message}"))
                .at_position(top_level_key(source, "sdi"))
                .with_suggestion(Some(suggestion.to_owned())),
        );
    }
}
