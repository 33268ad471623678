//! The `webhooks:` section: how deliveries to the integrator's endpoint misbehave.
//!
//! ```yaml
//! webhooks: { retry: [5s, 5m, 30m, 2h, 5h, 10h, 10h], duplicate_rate: 0.1 }
//! ```
//!
//! A conformance suite must see how a receiver copes with retries, duplicates, out-of-order
//! and forged deliveries, so a scenario can ask for each. Modelled and checked now; used by the
//! delivery worker when it arrives.

use serde::Deserialize;

use super::duration::Duration;
use super::probability::Probability;

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookPolicy {
    /// Delay before each retry of a failed delivery; the delivery is abandoned after the last.
    #[serde(default)]
    pub retry: Vec<Duration>,
    /// Share of deliveries sent twice with the same `webhook-id`.
    pub duplicate_rate: Option<Probability>,
    /// Deliver events for one document out of order.
    pub reorder: Option<bool>,
    /// Share of deliveries sent with a signature the receiver must reject.
    pub forged_rate: Option<Probability>,
}

impl WebhookPolicy {
    /// True when the section sets nothing, so leaving `webhooks: {}` in a file is harmless.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}
