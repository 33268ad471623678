//! The webhook receiver (`POST /webhooks`) and the subscription behind it.
//!
//! The integration subscribes once per connection, before its first submission, to every
//! invoice event, and keeps the `whsec_` secret eisim answers with. A delivery is taken only
//! when one of its `webhook-signature` entries is the Standard Webhooks HMAC-SHA256 of
//! `{webhook-id}.{webhook-timestamp}.{body}` under a known secret (HOOK-2) and its timestamp
//! is within five minutes of this machine's clock (HOOK-3); anything else is answered 401
//! without being read. A taken delivery is applied once per `webhook-id` (HOOK-4), in the
//! document's `sequence` order (HOOK-5, in the book), and answered 204 at once (HOOK-1):
//! applying is a few map updates, so there is no queue to hide behind.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::Integration;
use super::book::{News, Source};
use super::breakage::Breakage;
use super::connection::Connection;
use super::gateway::Call;

type HmacSha256 = Hmac<Sha256>;

/// Standard Webhooks' tolerance for `webhook-timestamp`, either side of now.
const TOLERANCE_SECS: i64 = 5 * 60;

/// A connection's webhook subscription and what its deliveries taught.
#[derive(Debug, Default)]
pub(crate) struct Hooks {
    /// Whether the endpoint is registered; the async lock makes concurrent first submits
    /// register once.
    registered: tokio::sync::Mutex<bool>,
    /// Decoded keys of the secrets eisim gave.
    keys: Mutex<Vec<Vec<u8>>>,
    /// `webhook-id`s already applied.
    seen: Mutex<HashSet<String>>,
    /// eisim ids of the invoices received for the tenant, which `/respond` answers.
    inbound: Mutex<HashSet<String>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Hooks {
    /// Whether any signature in `signatures` was made with one of the connection's secrets.
    fn verifies(&self, id: &str, timestamp: &str, signatures: &str, body: &[u8]) -> bool {
        let keys = lock(&self.keys);
        keys.iter()
            .any(|key| verify_signature(key, id, timestamp, signatures, body))
    }

    /// Records `id`; `true` the first time it is seen.
    fn first_sight(&self, id: &str) -> bool {
        lock(&self.seen).insert(id.to_owned())
    }

    /// Records an inbound invoice; `true` the first time.
    fn note_inbound(&self, document_id: &str) -> bool {
        lock(&self.inbound).insert(document_id.to_owned())
    }
}

/// Standard Webhooks v1: `signatures` is a space-separated list of `v1,<base64>`; one must be
/// the HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed with `key`. Compared in constant time.
pub(crate) fn verify_signature(
    key: &[u8],
    id: &str,
    timestamp: &str,
    signatures: &str,
    body: &[u8],
) -> bool {
    signatures.split_whitespace().any(|entry| {
        let Some(tag) = entry
            .strip_prefix("v1,")
            .and_then(|b64| STANDARD.decode(b64).ok())
        else {
            return false;
        };
        let Ok(mut mac) = HmacSha256::new_from_slice(key) else {
            return false;
        };
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.verify_slice(&tag).is_ok()
    })
}

/// The key of a `whsec_` secret: the base64 after the prefix.
fn secret_key(secret: &str) -> Option<Vec<u8>> {
    STANDARD.decode(secret.strip_prefix("whsec_")?).ok()
}

/// Whether a `webhook-timestamp` is within the tolerance of `now` (Unix seconds).
fn timely(timestamp: &str, now: i64) -> bool {
    timestamp
        .trim()
        .parse::<i64>()
        .is_ok_and(|at| (now - at).abs() <= TOLERANCE_SECS)
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// Registers the connection's webhook endpoint unless it is registered already. A failure
/// is retried at the next send; documents sent meanwhile are still sent.
pub(crate) async fn ensure_registered(integration: &Integration, connection: &Connection) {
    let mut registered = connection.hooks.registered.lock().await;
    if *registered {
        return;
    }
    let body = json!({
        "url": integration.webhook_url(),
        "events": ["*"],
        "description": integration.name(),
    });
    let call = Call::post_json(&["api", "v1", "webhooks"], &body);
    match connection.gateway.call(&call).await {
        Ok(answer) if answer.is_success() => {
            let created = answer.json();
            match created["secret"].as_str().and_then(secret_key) {
                Some(key) => {
                    lock(&connection.hooks.keys).push(key);
                    *registered = true;
                }
                None => {
                    tracing::warn!(%created, "the webhook subscription came without a whsec_ secret")
                }
            }
        }
        Ok(answer) => tracing::warn!(
            status = %answer.status,
            body = %String::from_utf8_lossy(&answer.body),
            "eisim refused the webhook subscription"
        ),
        Err(error) => tracing::warn!(%error, "the webhook subscription failed"),
    }
}

fn refuse(status: StatusCode, error: &str) -> Response {
    (status, Json(json!({ "error": error }))).into_response()
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `POST /webhooks`.
pub(crate) async fn receive(
    State(integration): State<Arc<Integration>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (Some(id), Some(timestamp), Some(signatures)) = (
        header(&headers, "webhook-id"),
        header(&headers, "webhook-timestamp"),
        header(&headers, "webhook-signature"),
    ) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "a Standard Webhooks delivery needs webhook-id, webhook-timestamp and webhook-signature",
        );
    };
    let connections = integration.connections();
    // Newest first: a secret that verifies for two connections (two simulators run on the
    // same seed) belongs to the one the integration is working with now.
    let verified = connections
        .iter()
        .rev()
        .find(|c| c.hooks.verifies(id, timestamp, signatures, &body))
        .cloned();
    let connection = match verified {
        Some(connection) => connection,
        None if integration.breaks(Breakage::Hook2) => {
            match connection_for_unverified(&integration, &connections, &body) {
                Some(connection) => connection,
                None => return StatusCode::NO_CONTENT.into_response(),
            }
        }
        None => {
            return refuse(
                StatusCode::UNAUTHORIZED,
                "no webhook-signature matches a secret of this endpoint",
            );
        }
    };
    if !integration.breaks(Breakage::Hook3) && !timely(timestamp, unix_now()) {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "webhook-timestamp is more than 5 minutes from this receiver's clock",
        );
    }
    let first = connection.hooks.first_sight(id);
    if !first && !integration.breaks(Breakage::Hook4) {
        return StatusCode::NO_CONTENT.into_response();
    }
    if let Ok(event) = serde_json::from_slice::<Value>(&body) {
        take_event(&integration, &connection, &event);
    }
    if first && integration.breaks(Breakage::Hook1) {
        return refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "first deliveries fail here",
        );
    }
    StatusCode::NO_CONTENT.into_response()
}

/// HOOK-2's broken variant takes unsigned deliveries: it guesses the connection from the
/// document the event names.
fn connection_for_unverified(
    integration: &Integration,
    connections: &[Arc<Connection>],
    body: &[u8],
) -> Option<Arc<Connection>> {
    if let [only] = connections {
        return Some(Arc::clone(only));
    }
    let event: Value = serde_json::from_slice(body).ok()?;
    let index = integration
        .book()
        .connection_of(event["data"]["document_id"].as_str()?)?;
    integration.connection_at(index)
}

/// Applies one verified event.
fn take_event(integration: &Arc<Integration>, connection: &Arc<Connection>, event: &Value) {
    let kind = event["type"].as_str().unwrap_or_default();
    if !kind.starts_with("invoice.") {
        return;
    }
    let data = &event["data"];
    let Some(document_id) = data["document_id"].as_str() else {
        return;
    };
    if data["direction"].as_str() == Some("inbound") {
        if kind == "invoice.received"
            && connection.hooks.note_inbound(document_id)
            && data["network"].as_str() == Some("peppol")
            && integration.breaks(Breakage::Peppol2)
        {
            approve_at_once(integration, connection, document_id);
        }
        return;
    }
    let Some(state) = data["state"].as_str() else {
        return;
    };
    let network_id = data["network_detail"]["network_id"].as_str();
    let source = match data["sequence"].as_u64() {
        Some(sequence) => Source::Event { sequence },
        None => Source::Read,
    };
    let news = News {
        state: state.to_owned(),
        network_id: network_id.map(str::to_owned),
        source,
    };
    let refs = integration
        .book()
        .refs_or_keep(connection.index, document_id, news);
    for reference in refs {
        integration.apply(connection, &reference, state, network_id, source);
        if integration.breaks(Breakage::Stat4) {
            let connection = Arc::clone(connection);
            let call = Call::get(&["api", "v1", "invoices", document_id, "printout"]);
            integration.spawn(async move {
                let _ = connection.gateway.call(&call).await;
            });
        }
    }
}

/// PEPPOL-2's broken variant: every received invoice is approved (AP) as it arrives, so a
/// later `/respond` with AB or IP goes back to an earlier stage.
fn approve_at_once(
    integration: &Arc<Integration>,
    connection: &Arc<Connection>,
    document_id: &str,
) {
    let work = integration.pending_work();
    let connection = Arc::clone(connection);
    let call = Call::post_json(
        &["api", "v1", "invoices", document_id, "responses"],
        &json!({ "code": "AP" }),
    );
    integration.spawn(async move {
        let _ = connection.gateway.call(&call).await;
        drop(work);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector of the Standard Webhooks specification.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: &str = "1614265330";
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn verifies_the_specification_test_vector_among_several_signatures() {
        let key = secret_key(SECRET).unwrap();
        assert!(verify_signature(&key, ID, TIMESTAMP, SIGNATURE, BODY));
        let rotated = format!("v1,bm90IGl0 {SIGNATURE}");
        assert!(verify_signature(&key, ID, TIMESTAMP, &rotated, BODY));
    }

    #[test]
    fn refuses_a_changed_body_id_timestamp_or_key_and_garbage() {
        let key = secret_key(SECRET).unwrap();
        assert!(!verify_signature(&key, ID, TIMESTAMP, SIGNATURE, b"{}"));
        assert!(!verify_signature(
            &key,
            "msg_other",
            TIMESTAMP,
            SIGNATURE,
            BODY
        ));
        assert!(!verify_signature(&key, ID, "1614265331", SIGNATURE, BODY));
        assert!(!verify_signature(
            b"another key",
            ID,
            TIMESTAMP,
            SIGNATURE,
            BODY
        ));
        for garbage in ["", "v1,", "v1,!!!", "v2,g0hM9SsE", "g0hM9SsE+OTPJTGt"] {
            assert!(
                !verify_signature(&key, ID, TIMESTAMP, garbage, BODY),
                "{garbage}"
            );
        }
        assert_eq!(secret_key("MfKQ9r8GKYqrTwjU"), None);
    }

    #[test]
    fn timestamps_are_taken_within_five_minutes_either_side() {
        let now = 1_700_000_000;
        assert!(timely("1700000000", now));
        assert!(timely("1699999700", now));
        assert!(timely("1700000300", now));
        assert!(!timely("1699999699", now));
        assert!(!timely("1700000301", now));
        assert!(!timely("soon", now));
    }
}
