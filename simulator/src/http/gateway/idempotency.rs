//! `Idempotency-Key` on the submission calls: a client that retries after a timeout must
//! not create the document twice. Same key and same request: the first answer is replayed
//! byte for byte (with `Idempotent-Replayed: true`); same key with another request: 422; the
//! same request while the first is still being answered: 409.
//!
//! Answers that ask the client to come back (429, 5xx) are not kept, so the retry they ask
//! for is treated as new.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use crate::digest::sha256_hex;
use crate::http::problem::AppError;
use crate::simulation::Run;
use crate::store::{IdempotencyCheck, StoredResponse};
use crate::vocabulary::TenantId;

/// Keys longer than this are refused: they are meant to be UUIDs, not payloads.
pub(crate) const MAX_KEY_LEN: usize = 255;

/// A finished answer, in a form that can be kept and replayed.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) location: Option<String>,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    pub(crate) fn json(
        status: StatusCode,
        location: Option<String>,
        value: &impl serde::Serialize,
    ) -> Result<Self, AppError> {
        let body = serde_json::to_vec(value).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(Reply {
            status,
            location,
            body,
        })
    }
}

fn build(stored: &StoredResponse, replayed: bool) -> Response {
    let mut response = Response::new(Body::from(stored.body.clone()));
    *response.status_mut() = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&stored.content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Some(value) = stored
        .location
        .as_deref()
        .and_then(|l| HeaderValue::from_str(l).ok())
    {
        headers.insert(header::LOCATION, value);
    }
    if replayed {
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

fn stored_from_error(error: &AppError) -> StoredResponse {
    StoredResponse {
        status: error.status().as_u16(),
        content_type: "application/problem+json".into(),
        location: None,
        body: serde_json::to_vec(&error.problem()).unwrap_or_default(),
    }
}

/// The request's idempotency key, trimmed: `Idempotency-Key`, or `Idempotent-Key` as some
/// providers spell it. `None` without one; an error when it is not a key the gateway takes.
/// The journal reads keys through this too, so it records exactly the key that was honoured.
pub(crate) fn request_key(headers: &HeaderMap) -> Result<Option<&str>, AppError> {
    let Some(value) = headers
        .get("idempotency-key")
        .or_else(|| headers.get("idempotent-key"))
    else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .map_err(|_| AppError::BadRequest("Idempotency-Key must be visible ASCII".into()))?
        .trim();
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(AppError::BadRequest(format!(
            "Idempotency-Key must be 1 to {MAX_KEY_LEN} characters (a UUID is the usual choice)"
        )));
    }
    Ok(Some(key))
}

/// Runs `answer` under the request's idempotency key, if it has one. `route` and `body`
/// identify the request: the same key on another route or with another body is a misuse.
pub(crate) fn idempotent(
    run: &Run,
    tenant: &TenantId,
    headers: &HeaderMap,
    route: &str,
    body: &[u8],
    answer: impl FnOnce() -> Result<Reply, AppError>,
) -> Result<Response, AppError> {
    let Some(key) = request_key(headers)? else {
        return answer().map(|reply| build(&stored_from_reply(reply), false));
    };
    let mut fingerprint_input = route.as_bytes().to_vec();
    fingerprint_input.push(0);
    fingerprint_input.extend_from_slice(body);
    let fingerprint = sha256_hex(&fingerprint_input);
    let ledger = &run.store.ledger;
    match ledger.idempotency_begin(tenant, key, &fingerprint, run.clock.now()) {
        IdempotencyCheck::Replay(stored) => Ok(build(&stored, true)),
        IdempotencyCheck::Mismatch => Err(AppError::IdempotencyKeyReused),
        IdempotencyCheck::InFlight => Err(AppError::IdempotencyKeyInFlight),
        IdempotencyCheck::Proceed => match answer() {
            Ok(reply) => {
                let stored = stored_from_reply(reply);
                ledger.idempotency_finish(tenant, key, stored.clone());
                Ok(build(&stored, false))
            }
            Err(error) => {
                let status = error.status();
                if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                    ledger.idempotency_abandon(tenant, key);
                } else {
                    ledger.idempotency_finish(tenant, key, stored_from_error(&error));
                }
                Err(error)
            }
        },
    }
}

fn stored_from_reply(reply: Reply) -> StoredResponse {
    StoredResponse {
        status: reply.status.as_u16(),
        content_type: "application/json".into(),
        location: reply.location,
        body: reply.body,
    }
}
