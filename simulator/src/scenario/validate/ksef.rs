//! The `ksef` section: settings KSeF could not run with, tokens for contexts no tenant owns,
//! and rate-limit groups KSeF does not have.

use crate::scenario::error::{ScenarioError, ScenarioErrorKind as Kind};
use crate::scenario::model::Scenario;
use crate::scenario::positions::{Position, top_level_key};
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
        let at = if key == "storage_url" {
            key_in_section(source, "ksef", "storage_url")
        } else {
            None
        };
        errors.push(
            ScenarioError::new(Kind::BadValue, format!("`ksef.{key}`: {message}"))
                .at_position(at.or_else(|| top_level_key(source, "ksef")))
                .with_suggestion(Some(suggestion.to_owned())),
        );
    }
}

/// Where `key:` is written inside the top-level `section`: the first line after the section's
/// own that names it, before the next top-level key. Block style only, as scenario files are
/// written; a flow-style section falls back to the section's line.
fn key_in_section(source: &str, section: &str, key: &str) -> Option<Position> {
    let start = top_level_key(source, section)?.line;
    source
        .lines()
        .zip(1_u64..)
        .skip(usize::try_from(start).ok()?)
        .take_while(|(line, _)| line.is_empty() || line.starts_with([' ', '\t', '#']))
        .find_map(|(line, number)| {
            let indent = u64::try_from(line.len() - line.trim_start().len()).ok()?;
            let rest = line.trim_start().strip_prefix(key)?;
            rest.trim_start().starts_with(':').then_some(Position {
                line: number,
                column: indent + 1,
            })
        })
}
