//! The gateway's OAuth2 access tokens of one run: issued on the simulated clock, checked on
//! every authenticated call, forgotten on reset. Kept with the tenants they belong to; the
//! token endpoint's HTTP side is `http/gateway/token.rs`.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use jiff::Timestamp;

use crate::vocabulary::TenantId;

/// How long an access token lives when the scenario does not say (`limits.token_ttl`): the
/// 60 minutes of the provider seed.
pub(crate) const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(60 * 60);

/// A token lifetime so long that its expiry falls off the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("token expiry overflows the calendar")]
pub(crate) struct TokenExpiryOverflow;

/// Access tokens issued in the current run, checked on every authenticated call.
#[derive(Debug, Default)]
pub(crate) struct AccessTokens {
    ledger: Mutex<Ledger>,
    issued: AtomicU64,
}

#[derive(Debug, Default)]
struct Ledger {
    grants: HashMap<String, Grant>,
    /// Expiry of each token still valid, per client, oldest first. A run has one token
    /// lifetime and a clock that never goes back, so tokens expire in the order they were
    /// issued: the front is the next to expire and the back the latest. This keeps the
    /// "still holds a valid token" check off a scan of every grant on each login.
    expiries: HashMap<String, VecDeque<Timestamp>>,
}

#[derive(Debug, Clone)]
struct Grant {
    tenant: TenantId,
    expires_at: Timestamp,
}

/// Why a presented bearer token does not authenticate; the text goes to the client in
/// `WWW-Authenticate` as RFC 6750 describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenRejection {
    Unknown,
    Expired,
}

impl AccessTokens {
    /// Issues a token for `client_id`, valid until `now + ttl`. Tokens are derived from the
    /// seed and a counter, so the same run hands out the same tokens.
    pub(crate) fn issue(
        &self,
        tenant: &TenantId,
        client_id: &str,
        now: Timestamp,
        ttl: Duration,
        seed: u64,
    ) -> Result<(String, Timestamp), TokenExpiryOverflow> {
        let expires_at = now.checked_add(ttl).map_err(|_| TokenExpiryOverflow)?;
        let n = self.issued.fetch_add(1, Ordering::Relaxed);
        let material = format!("{seed}:{n}:{client_id}");
        let token = format!(
            "eisim_at_{}",
            &crate::digest::sha256_hex(material.as_bytes())[..40]
        );
        let mut ledger = self.ledger.lock().unwrap_or_else(PoisonError::into_inner);
        // A client that asks for a token per call would otherwise grow this map for ever.
        if n % 1024 == 1023 {
            ledger.grants.retain(|_, grant| grant.expires_at > now);
        }
        ledger.grants.insert(
            token.clone(),
            Grant {
                tenant: tenant.clone(),
                expires_at,
            },
        );
        ledger
            .expiries
            .entry(client_id.to_string())
            .or_default()
            .push_back(expires_at);
        Ok((token, expires_at))
    }

    /// The tenant a bearer token belongs to, if it is one of ours and still valid at `now`.
    pub(crate) fn check(&self, token: &str, now: Timestamp) -> Result<TenantId, TokenRejection> {
        let ledger = self.ledger.lock().unwrap_or_else(PoisonError::into_inner);
        let grant = ledger.grants.get(token).ok_or(TokenRejection::Unknown)?;
        if grant.expires_at <= now {
            return Err(TokenRejection::Expired);
        }
        Ok(grant.tenant.clone())
    }

    /// How many tokens issued to `client_id` are still valid at `now`, and the latest expiry.
    pub(crate) fn still_valid(
        &self,
        client_id: &str,
        now: Timestamp,
    ) -> (usize, Option<Timestamp>) {
        let mut ledger = self.ledger.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(expiries) = ledger.expiries.get_mut(client_id) else {
            return (0, None);
        };
        while expiries.front().is_some_and(|&at| at <= now) {
            expiries.pop_front();
        }
        (expiries.len(), expiries.back().copied())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn tokens_expire_on_the_simulated_clock() {
        let tokens = AccessTokens::default();
        let tenant = TenantId::new("demo");
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let ttl = Duration::from_secs(3600);
        let (token, expires_at) = tokens.issue(&tenant, "demo-client", now, ttl, 1).unwrap();
        assert_eq!(expires_at, now.checked_add(ttl).unwrap());
        assert_eq!(tokens.check(&token, now), Ok(tenant.clone()));
        let almost = expires_at.checked_sub(Duration::from_secs(1)).unwrap();
        assert_eq!(tokens.check(&token, almost), Ok(tenant));
        assert_eq!(
            tokens.check(&token, expires_at),
            Err(TokenRejection::Expired)
        );
        assert_eq!(
            tokens.check("eisim_at_forged", now),
            Err(TokenRejection::Unknown)
        );
    }

    #[test]
    fn still_valid_counts_only_unexpired_tokens_of_that_client() {
        let tokens = AccessTokens::default();
        let tenant = TenantId::new("demo");
        let t0: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let minute = Duration::from_secs(60);
        let ttl = 10 * minute;
        for i in 0..3 {
            let at = t0.checked_add(i * minute).unwrap();
            tokens.issue(&tenant, "a", at, ttl, 1).unwrap();
        }
        tokens.issue(&tenant, "b", t0, ttl, 1).unwrap();
        let latest = t0.checked_add(2 * minute + ttl).unwrap();
        assert_eq!(tokens.still_valid("a", t0), (3, Some(latest)));
        // The first token (issued at t0) expires at t0 + 10m; the others are later.
        let at = t0.checked_add(ttl).unwrap();
        assert_eq!(tokens.still_valid("a", at), (2, Some(latest)));
        assert_eq!(tokens.still_valid("a", latest), (0, None));
        assert_eq!(
            tokens.still_valid("b", t0),
            (1, Some(t0.checked_add(ttl).unwrap()))
        );
        assert_eq!(tokens.still_valid("nobody", t0), (0, None));
    }

    #[test]
    fn the_same_seed_gives_the_same_tokens_and_another_seed_others() {
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let issue = |seed| {
            let tokens = AccessTokens::default();
            let tenant = TenantId::new("demo");
            (0..3)
                .map(|_| {
                    tokens
                        .issue(&tenant, "c", now, DEFAULT_TOKEN_TTL, seed)
                        .unwrap()
                        .0
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(issue(7), issue(7));
        assert_ne!(issue(7), issue(8));
        let distinct: std::collections::HashSet<_> = issue(7).into_iter().collect();
        assert_eq!(distinct.len(), 3);
    }
}
