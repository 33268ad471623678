//! The `webhooks:` section: the delivery policy for the integrator's webhook endpoints and
//! ERP callbacks, and the faults a receiver must survive.
//!
//! ```yaml
//! webhooks:
//!   retry: [5s, 5m, 30m, 2h, 5h, 10h, 10h]   # delays before each retry (Svix's schedule)
//!   timeout: 15s                              # a delivery not answered 2xx in time failed
//!   disable_after: 5d                         # an endpoint failing this long is disabled
//!   rotation_overlap: 24h                     # old secret still signs after a rotation
//!   duplicate_rate: 0.1                       # deliveries sent twice with the same id
//!   reorder_rate: 0.1                         # events held back so a later one overtakes
//!   forged_rate: 0.05                         # extra probes with a forged signature
//!   stale_rate: 0.05                          # extra probes with an old timestamp
//!   stale_by: 10m                             # how old the stale probe's timestamp is
//!   timeout_rate: 0.05                        # answers thrown away as if they timed out
//! ```
//!
//! Every rate is drawn from the scenario seed, per event and endpoint, so a run replays the
//! same faults on the same deliveries. Left out, each setting keeps the default above (rates
//! default to 0: no faults unless asked for).

use serde::Deserialize;

use super::duration::Duration;
use super::probability::Probability;

/// Svix's published schedule: after the first attempt, retries 5 s, 5 min, 30 min, 2 h, 5 h,
/// 10 h and 10 h later (eight attempts over about 27.6 hours).
const DEFAULT_RETRY: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
];
/// Svix and the Standard Webhooks spec: success is a 2xx within 15 seconds.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
/// Svix disables an endpoint whose deliveries have all failed for five days.
const DEFAULT_DISABLE_AFTER: Duration = Duration::from_secs(5 * 86_400);
/// Svix keeps a rotated secret signing for 24 hours.
const DEFAULT_ROTATION_OVERLAP: Duration = Duration::from_secs(86_400);
/// Verifiers accept timestamps within 300 s; ten minutes is well outside that.
const DEFAULT_STALE_BY: Duration = Duration::from_secs(600);
/// The tolerance stock verifiers apply to `webhook-timestamp`.
const VERIFIER_TOLERANCE: Duration = Duration::from_secs(300);

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookPolicy {
    /// Delay before each retry of a failed delivery; the delivery is abandoned after the last.
    pub retry: Option<Vec<Duration>>,
    /// How long a receiver has to answer, in wall-clock time.
    pub timeout: Option<Duration>,
    /// How long an endpoint may fail without a success before it is disabled.
    pub disable_after: Option<Duration>,
    /// How long the previous secret keeps signing after a rotation.
    pub rotation_overlap: Option<Duration>,
    /// Share of delivered events sent a second time with the same `webhook-id`.
    pub duplicate_rate: Option<Probability>,
    /// Share of events held back until the next event for the same document has gone out.
    pub reorder_rate: Option<Probability>,
    /// Share of events preceded by a probe whose signature the receiver must reject.
    pub forged_rate: Option<Probability>,
    /// Share of events preceded by a correctly signed probe with an old timestamp.
    pub stale_rate: Option<Probability>,
    /// How far in the past the stale probe's timestamp is.
    pub stale_by: Option<Duration>,
    /// Share of first attempts whose answer is discarded as a timeout, so the event is
    /// retried although the receiver took it.
    pub timeout_rate: Option<Probability>,
}

impl WebhookPolicy {
    pub fn retry(&self) -> &[Duration] {
        self.retry.as_deref().unwrap_or(&DEFAULT_RETRY)
    }

    pub fn timeout(&self) -> Duration {
        self.timeout.unwrap_or(DEFAULT_TIMEOUT)
    }

    pub fn disable_after(&self) -> Duration {
        self.disable_after.unwrap_or(DEFAULT_DISABLE_AFTER)
    }

    pub fn rotation_overlap(&self) -> Duration {
        self.rotation_overlap.unwrap_or(DEFAULT_ROTATION_OVERLAP)
    }

    pub fn stale_by(&self) -> Duration {
        self.stale_by.unwrap_or(DEFAULT_STALE_BY)
    }

    /// The settings that cannot work, each as (key, why, what to write instead).
    pub(crate) fn problems(&self) -> Vec<(&'static str, String, &'static str)> {
        let mut problems = Vec::new();
        if let Some(index) = self.retry().iter().position(|d| d.as_std().is_zero()) {
            problems.push((
                "retry",
                format!("retry {} is `0s`; every retry waits a while", index + 1),
                "the first attempt is already immediate; start the list with 5s",
            ));
        }
        let timeout = self.timeout().as_std();
        if timeout.is_zero() || timeout > std::time::Duration::from_secs(300) {
            problems.push((
                "timeout",
                format!(
                    "expected a timeout from 1ms to 5m, found `{}`",
                    self.timeout()
                ),
                "Svix and the Standard Webhooks spec use 15s",
            ));
        }
        if self.disable_after().as_std().is_zero() {
            problems.push((
                "disable_after",
                "expected `disable_after` longer than zero, found `0s`".to_owned(),
                "Svix disables an endpoint after 5d of failures",
            ));
        }
        if self.stale_by() <= VERIFIER_TOLERANCE {
            problems.push((
                "stale_by",
                format!(
                    "a stale probe {} old is inside the {} verifiers accept, so a correct receiver would take it",
                    self.stale_by(),
                    VERIFIER_TOLERANCE
                ),
                "use more than 5m, e.g. 10m",
            ));
        }
        problems
    }
}
