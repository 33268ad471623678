//! OAuth2 client-credentials tokens (RFC 6749 §4.4) at `POST /connect/token`.
//!
//! Tokens live on the simulated clock: a 60-minute token expires when the scenario's clock has
//! moved 60 minutes, so token-expiry handling can be tested without waiting. The two habits the
//! provider seed calls out are recorded as anti-patterns in the journal: malformed token
//! requests (no grant type, an empty, `0` or placeholder client id, no secret) and asking for
//! a new token while the last one is still valid.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::http::problem::AppError;
use crate::http::server::{AppState, media_type};
use crate::journal::{AntiPattern, Record};

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
    let run = state.simulation.run();
    let now = run.clock.now();
    let mut request = parse_request(&headers, &body)?;
    let used_basic = apply_basic_credentials(&headers, &mut request)?;

    if let Err(reason) = check_well_formed(&request) {
        state.simulation.journal.append(
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
    let Some(tenant) = run.store.authenticate(client_id, secret) else {
        return Err(AppError::InvalidClient { basic: used_basic });
    };

    let (valid, latest) = run.tokens.still_valid(client_id, now);
    if let Some(latest) = latest {
        let left = latest.duration_since(now);
        state.simulation.journal.append(
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

    let ttl = run.token_ttl;
    let (access_token, _) = run.tokens.issue(&tenant, client_id, now, ttl, run.seed)?;
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
}
