//! The `limits:` section: token lifetime, rate limits and duplicate-submission throttling.
//!
//! ```yaml
//! limits:
//!   token_ttl: 60m
//!   duplicate_submission: { after: 3, status: 429, retry_after: 60s }
//!   rate: { requests: 100, per: 1m }
//!   max_body: 5MB
//! ```
//!
//! Modelled and checked now; enforced when `limits.rs` arrives. Left out, each limit keeps
//! the value the real networks use.

use serde::Deserialize;

use super::duration::Duration;

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Lifetime of gateway access tokens (60 minutes on the real gateway).
    pub token_ttl: Option<Duration>,
    pub duplicate_submission: Option<DuplicateSubmissionLimit>,
    pub rate: Option<RateLimit>,
    /// Largest request body accepted, e.g. `5MB`.
    pub max_body: Option<String>,
}

impl Limits {
    /// True when the section sets nothing, so leaving `limits: {}` in a file is harmless.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Throttling of a document submitted again and again.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DuplicateSubmissionLimit {
    /// How many identical submissions pass before the next is refused.
    pub after: u32,
    /// The status of the refusal, usually 429.
    pub status: u16,
    /// Sent as `Retry-After`.
    pub retry_after: Duration,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub requests: u32,
    pub per: Duration,
}
