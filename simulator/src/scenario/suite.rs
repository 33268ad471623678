//! The `suite:` section: how the conformance suite paces a run of this scenario.
//!
//! ```yaml
//! suite: { min_poll_interval: 1s, time_limit: 60s }
//! ```
//!
//! Like `steps` and `expect`, the simulator ignores it; `eisim-suite` reads it.

use serde::Deserialize;

use super::duration::Duration;

/// STAT-2's floor: polling a status more often than this is counted against the integration.
const DEFAULT_MIN_POLL_INTERVAL: Duration = Duration::from_secs(1);
/// How long a run may take to settle before it is failed. Scenarios keep their waits short,
/// so a minute is generous.
const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(60);

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteSettings {
    /// The shortest interval between two status polls of one document that STAT-2 accepts;
    /// left out, 1 s.
    pub min_poll_interval: Option<Duration>,
    /// How long the suite waits for the run to settle before it fails it; left out, 60 s.
    pub time_limit: Option<Duration>,
}

impl SuiteSettings {
    pub fn min_poll_interval(&self) -> std::time::Duration {
        self.min_poll_interval
            .unwrap_or(DEFAULT_MIN_POLL_INTERVAL)
            .as_std()
    }

    pub fn time_limit(&self) -> std::time::Duration {
        self.time_limit.unwrap_or(DEFAULT_TIME_LIMIT).as_std()
    }
}
