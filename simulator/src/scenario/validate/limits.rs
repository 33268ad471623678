//! The `limits` section: limits that could never be met, or that would make every call fail.

use crate::scenario::error::{ScenarioError, ScenarioErrorKind as Kind};
use crate::scenario::limits::{RateLimit, parse_byte_size};
use crate::scenario::model::Scenario;
use crate::scenario::positions::top_level_key;

/// Limits that could never be met, or that would make every call fail (a token dead on
/// arrival), which no network does.
pub(super) fn check_limits(scenario: &Scenario, source: &str, errors: &mut Vec<ScenarioError>) {
    let limits = &scenario.limits;
    let mut bad = |message: String, suggestion: Option<&str>| {
        errors.push(
            ScenarioError::new(Kind::BadValue, message)
                .at_position(top_level_key(source, "limits"))
                .with_suggestion(suggestion.map(str::to_owned)),
        );
    };
    if limits.token_ttl.is_some_and(|ttl| ttl.as_std().is_zero()) {
        bad(
            "expected a `token_ttl` longer than zero, found `0s`".to_owned(),
            Some("leave `token_ttl` out for the providers' 60 minutes"),
        );
    }
    if let Some(size) = &limits.max_body
        && let Err(message) = parse_byte_size(size)
    {
        bad(
            format!("`max_body`: {message}"),
            Some("write it like `5MB`"),
        );
    }
    let rates = limits
        .rate
        .iter()
        .map(|rate| ("rate".to_owned(), rate))
        .chain(
            limits
                .endpoints
                .iter()
                .map(|(group, rate)| (format!("endpoints.{}", group.as_str()), rate)),
        );
    for (key, RateLimit { requests, per }) in rates {
        if *requests == 0 || per.as_std().is_zero() {
            bad(
                format!("`{key}`: expected at least one request in a window longer than zero"),
                Some("leave the limit out to leave the endpoint unlimited"),
            );
        }
    }
    if let Some(dup) = &limits.duplicate_submission
        && !(400..=599).contains(&dup.status)
    {
        bad(
            format!(
                "`duplicate_submission.status`: expected an error status (4xx or 5xx), found {}",
                dup.status
            ),
            Some("429 is what providers answer"),
        );
    }
}
