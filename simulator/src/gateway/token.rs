//! OAuth2 client-credentials tokens (RFC 6749 §4.4) at `POST /connect/token`.
//!
//! Tokens live on the simulated clock: a 60-minute token expires when the scenario's clock has
//! moved 60 minutes, so token-expiry handling can be tested without waiting. The two habits the
//! provider seed calls out are recorded as anti-patterns in the journal: malformed token
//! requests (no grant type, an empty, `0` or placeholder client id, no secret) and asking for
//! a new token while the last one is still valid.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::errors::AppError;
use crate::journal::{AntiPattern, Record};
use crate::server::{AppState, media_type};
use crate::vocabulary::TenantId;

/// How long an access token lives when the scenario does not say (`limits.token_ttl`): the
/// 60 minutes of the provider seed.
pub(crate) const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(60 * 60);

/// Client ids copied from documentation and never filled in. Compared case-insensitively with
/// `_`, `-`, `<`, `>`, `{`, `}` and spaces removed.
const PLACEHOLDER_CLIENT_IDS: [&str; 10] = [
    "yourclientid",
    "clientid",
    "myclientid",
    "client",
    "changeme",
    "placeholder",
    "xxx",
    "xxxx",
    "null",
    "undefined",
];

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
    fn issue(
        &self,
        tenant: &TenantId,
        client_id: &str,
        now: Timestamp,
        ttl: Duration,
        seed: u64,
    ) -> Result<(String, Timestamp), AppError> {
        let expires_at = now
            .checked_add(ttl)
            .map_err(|_| AppError::Internal("token expiry overflows the calendar".into()))?;
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
    fn still_valid(&self, client_id: &str, now: Timestamp) -> (usize, Option<Timestamp>) {
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

/// The token request, as form fields or JSON; unknown parameters are ignored as RFC 6749 says.
#[derive(Debug, Default, Deserialize)]
struct TokenRequest {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    scope: Option<String>,
}

#[derive(Debug, Serialize)]
struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
}

/// `POST /connect/token`.
pub(crate) async fn issue(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let epoch = state.world.epoch();
    let now = epoch.clock.now();
    let mut request = parse_request(&headers, &body)?;
    let used_basic = apply_basic_credentials(&headers, &mut request)?;

    if let Err(reason) = check_well_formed(&request) {
        state.world.journal.append(
            now,
            None,
            Record::AntiPattern {
                pattern: AntiPattern::MalformedTokenRequest,
                detail: reason.clone(),
            },
        );
        return Err(AppError::TokenRequestMalformed(reason));
    }
    let grant_type = request.grant_type.as_deref().unwrap_or_default();
    if grant_type != "client_credentials" {
        return Err(AppError::UnsupportedGrantType(grant_type.to_string()));
    }
    let client_id = request.client_id.as_deref().unwrap_or_default();
    let secret = request.client_secret.as_deref().unwrap_or_default();
    let Some(tenant) = epoch.store.authenticate(client_id, secret) else {
        return Err(AppError::InvalidClient { basic: used_basic });
    };

    let (valid, latest) = epoch.tokens.still_valid(client_id, now);
    if let Some(latest) = latest {
        let left = latest.duration_since(now);
        state.world.journal.append(
            now,
            Some(tenant.clone()),
            Record::AntiPattern {
                pattern: AntiPattern::TokenNotReused,
                detail: format!(
                    "client `{client_id}` asked for a new token while {valid} issued token(s) were still valid (the latest for another {}s); cache the token for its lifetime",
                    left.as_secs()
                ),
            },
        );
    }

    let ttl = epoch.token_ttl;
    let (access_token, _) = epoch
        .tokens
        .issue(&tenant, client_id, now, ttl, epoch.seed)?;
    let mut response = Json(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: ttl.as_secs(),
        scope: request.scope,
    })
    .into_response();
    // RFC 6749 §5.1: token responses must not be cached.
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response.extensions_mut().insert(tenant);
    Ok(response)
}

fn parse_request(headers: &HeaderMap, body: &[u8]) -> Result<TokenRequest, AppError> {
    let content_type = media_type(headers).unwrap_or_default();
    match content_type.as_str() {
        "application/x-www-form-urlencoded" => serde_urlencoded::from_bytes(body).map_err(|e| {
            AppError::TokenRequestMalformed(format!("the form body cannot be read: {e}"))
        }),
        "application/json" => serde_json::from_slice(body).map_err(|e| {
            AppError::TokenRequestMalformed(format!("the JSON body cannot be read: {e}"))
        }),
        found => Err(AppError::unsupported_media_type(
            "application/x-www-form-urlencoded or application/json",
            found,
        )),
    }
}

/// Client credentials may come in an HTTP Basic header instead of the body (RFC 6749
/// §2.3.1); the header wins. Returns whether it was used, which decides the 401 challenge.
fn apply_basic_credentials(
    headers: &HeaderMap,
    request: &mut TokenRequest,
) -> Result<bool, AppError> {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(false);
    };
    let Some(encoded) = value.strip_prefix("Basic ") else {
        return Ok(false);
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| {
            AppError::TokenRequestMalformed(
                "the Basic authorization header is not base64 of `client_id:client_secret`".into(),
            )
        })?;
    let (id, secret) = decoded.split_once(':').ok_or_else(|| {
        AppError::TokenRequestMalformed(
            "the Basic authorization header has no `:` between client id and secret".into(),
        )
    })?;
    request.client_id = Some(id.to_string());
    request.client_secret = Some(secret.to_string());
    Ok(true)
}

/// The requests the seed says are "automatically blocked": they can never succeed, so they
/// are refused before any credential is looked at.
fn check_well_formed(request: &TokenRequest) -> Result<(), String> {
    let grant_type = request
        .grant_type
        .as_deref()
        .map(str::trim)
        .unwrap_or_default();
    if grant_type.is_empty() {
        return Err("`grant_type` is missing; send `grant_type=client_credentials`".into());
    }
    let client_id = request
        .client_id
        .as_deref()
        .map(str::trim)
        .unwrap_or_default();
    if client_id.is_empty() {
        return Err("`client_id` is missing or empty".into());
    }
    if client_id == "0" || is_placeholder(client_id) {
        return Err(format!(
            "`client_id` is `{client_id}`, a placeholder rather than a real client id"
        ));
    }
    if request
        .client_secret
        .as_deref()
        .unwrap_or_default()
        .is_empty()
    {
        return Err("`client_secret` is missing or empty".into());
    }
    Ok(())
}

fn is_placeholder(client_id: &str) -> bool {
    let squashed: String = client_id
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | '<' | '>' | '{' | '}' | ' ' | '$'))
        .flat_map(char::to_lowercase)
        .collect();
    PLACEHOLDER_CLIENT_IDS.contains(&squashed.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(grant: Option<&str>, id: Option<&str>, secret: Option<&str>) -> TokenRequest {
        TokenRequest {
            grant_type: grant.map(str::to_string),
            client_id: id.map(str::to_string),
            client_secret: secret.map(str::to_string),
            scope: None,
        }
    }

    #[test]
    fn malformed_requests_are_the_ones_the_seed_says_are_blocked() {
        let cc = Some("client_credentials");
        for (req, why) in [
            (request(None, Some("a"), Some("s")), "grant_type"),
            (request(Some(" "), Some("a"), Some("s")), "grant_type"),
            (request(cc, None, Some("s")), "client_id"),
            (request(cc, Some(""), Some("s")), "client_id"),
            (request(cc, Some("0"), Some("s")), "placeholder"),
            (
                request(cc, Some("YOUR_CLIENT_ID"), Some("s")),
                "placeholder",
            ),
            (request(cc, Some("<client-id>"), Some("s")), "placeholder"),
            (request(cc, Some("{{clientId}}"), Some("s")), "placeholder"),
            (request(cc, Some("demo-client"), None), "client_secret"),
        ] {
            let reason = check_well_formed(&req).unwrap_err();
            assert!(reason.contains(why), "{req:?}: {reason}");
        }
        assert!(check_well_formed(&request(cc, Some("demo-client"), Some("s"))).is_ok());
        // A real id that merely contains a placeholder word is not one.
        assert!(check_well_formed(&request(cc, Some("client-7"), Some("s"))).is_ok());
    }

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
