//! The `limits:` section: token lifetime, rate limits and duplicate-submission throttling.
//!
//! ```yaml
//! limits:
//!   token_ttl: 60m
//!   duplicate_submission: { after: 3, status: 429, retry_after: 60s }
//!   rate: { requests: 100, per: 1m }        # every endpoint group not listed below
//!   endpoints:
//!     recent: { requests: 6, per: 1m }
//!     printout: { requests: 20, per: 1m }
//!   max_body: 5MB
//! ```
//!
//! Enforced by the gateway (`crate::limits`) on the simulator clock. Left out, each limit
//! keeps eisim's default, which the README lists.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::duration::Duration;

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Lifetime of gateway access tokens (60 minutes on the real gateway).
    pub token_ttl: Option<Duration>,
    pub duplicate_submission: Option<DuplicateSubmissionLimit>,
    /// The rate limit of every endpoint group without its own entry in `endpoints`.
    pub rate: Option<RateLimit>,
    /// Per endpoint group, per tenant.
    #[serde(default)]
    pub endpoints: BTreeMap<EndpointGroup, RateLimit>,
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

/// The gateway endpoints that share a rate-limit window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointGroup {
    /// `POST /connect/token`.
    Token,
    /// `POST /api/v1/invoices`, `POST /api/v1/submissions`.
    Submit,
    /// `GET /api/v1/submissions/{id}`, `GET /api/v1/invoices/{id}`, `.../status`.
    Status,
    /// `GET /api/v1/invoices`.
    Search,
    /// `GET /api/v1/invoices/recent`: expensive, tightly throttled.
    Recent,
    /// `GET /api/v1/invoices/{id}/document`.
    Document,
    /// `GET /api/v1/invoices/{id}/printout`: not for mass PDF generation.
    Printout,
    /// `GET /api/v1/participants/{id}`.
    Participants,
}

impl EndpointGroup {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::Submit => "submit",
            Self::Status => "status",
            Self::Search => "search",
            Self::Recent => "recent",
            Self::Document => "document",
            Self::Printout => "printout",
            Self::Participants => "participants",
        }
    }
}

/// Reads a byte size such as `5MB`, `512KB` or `1048576` (binary units: 1 MB = 1024 KB).
pub fn parse_byte_size(text: &str) -> Result<usize, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (digits, unit) = trimmed.split_at(split);
    let number: usize = digits
        .parse()
        .map_err(|_| format!("expected a size such as `5MB`, found `{text}`"))?;
    let factor = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "KB" | "KIB" => 1024,
        "MB" | "MIB" => 1024 * 1024,
        _ => {
            return Err(format!(
                "expected a size unit of B, KB or MB, found `{}` in `{text}`",
                unit.trim()
            ));
        }
    };
    number
        .checked_mul(factor)
        .filter(|bytes| *bytes > 0)
        .ok_or_else(|| format!("expected a size above zero and below 2^64 bytes, found `{text}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes() {
        assert_eq!(parse_byte_size("5MB"), Ok(5 * 1024 * 1024));
        assert_eq!(parse_byte_size("512 KB"), Ok(512 * 1024));
        assert_eq!(parse_byte_size("100"), Ok(100));
        assert!(parse_byte_size("0MB").is_err());
        assert!(parse_byte_size("5GB").is_err());
        assert!(parse_byte_size("MB").is_err());
    }
}
