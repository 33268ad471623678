//! The `faults` section: faults whose window never opens or whose path no request can have,
//! and KSeF exceptions aimed where no KSeF API answers.

use crate::scenario::error::{ScenarioError, ScenarioErrorKind as Kind};
use crate::scenario::faults::FaultKind;
use crate::scenario::glob::glob_can_match_prefix;
use crate::scenario::model::Scenario;
use crate::scenario::positions::ScenarioPositions;

/// Faults whose window never opens or whose path no request can have; and KSeF exceptions
/// aimed where there is no KSeF API to answer with them.
pub(super) fn check_faults(
    scenario: &Scenario,
    positions: &ScenarioPositions,
    errors: &mut Vec<ScenarioError>,
) {
    for (index, fault) in scenario.faults.iter().enumerate() {
        let number = index + 1;
        if fault.lasts.is_some_and(|lasts| lasts.as_std().is_zero()) {
            errors.push(
                ScenarioError::new(
                    Kind::BadValue,
                    format!("fault {number}: expected a `for` longer than zero, found `0s`"),
                )
                .at_position(positions.fault(index))
                .with_suggestion(Some(
                    "leave `for` out for a fault that lasts until the end of the run".to_owned(),
                )),
            );
        }
        let Some(path) = fault.kind.path() else {
            continue;
        };
        let mut bad_path = |message: String, suggestion: String| {
            errors.push(
                ScenarioError::new(Kind::BadValue, format!("fault {number}: {message}"))
                    .at_position(positions.fault_path(index))
                    .with_suggestion(Some(suggestion)),
            );
        };
        if !(path.starts_with('/') || path.starts_with('*'))
            || path.chars().any(char::is_whitespace)
        {
            bad_path(
                format!(
                    "`path` `{path}` can never match: request paths start with `/` and hold no spaces"
                ),
                format!(
                    "write the path as it appears in the URL, e.g. `/{}`",
                    path.trim().trim_start_matches('/')
                ),
            );
        } else if path == "/_sim" || path.starts_with("/_sim/") {
            bad_path(
                format!(
                    "`path` `{path}` is the control API, which is never faulted so that a test can always reach it"
                ),
                "aim the fault at the gateway (`/api/v1/*`, `/connect/token`) or the KSeF API (`/v2/*`)".to_owned(),
            );
        } else if matches!(fault.kind, FaultKind::KsefException { .. })
            && !glob_can_match_prefix(path, "/v2/")
            && !glob_can_match_prefix(path, "/api/v2/")
        {
            bad_path(
                format!(
                    "`ksef_exception` answers only KSeF API requests (`/v2/...` or `/api/v2/...`), and `path` `{path}` matches none"
                ),
                "use `http_status` for the gateway, or a KSeF path such as `/v2/sessions/online/*/invoices`".to_owned(),
            );
        }
    }
}
