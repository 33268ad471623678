//! The driver contract, as the reference integration serves it: `GET /`, `POST /submit`,
//! `GET /documents/{ref}` and `POST /respond` (the wire types are in [`crate::contract`]).
//!
//! A submit is checked, filed under a new ref and queued; the answer does not wait for eisim.
//! Malformed requests get 400 with `{"error": "..."}`, unknown refs 404, and the KSeF native
//! channel 501 until the KSeF client is wired in.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::book::NewDocument;
use super::breakage::Breakage;
use super::gateway::Call;
use super::outbox::Queued;
use super::{Integration, hooks, polling};
use crate::contract::{DocumentReport, DriverInfo, RespondRequest, SubmitReply, SubmitRequest};

const NETWORKS: [&str; 3] = ["peppol", "sdi", "ksef"];
const FORMATS: [&str; 3] = ["ubl", "fatturapa", "fa3"];

/// What the driver answers when it cannot do what it was asked.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DriverError {
    #[error("{0}")]
    BadRequest(String),
    #[error("no document has the ref `{0}`")]
    UnknownRef(String),
    #[error("eisim could not be asked: {0}")]
    Gateway(String),
    #[error("no such route: {0}")]
    NoRoute(String),
}

impl IntoResponse for DriverError {
    fn into_response(self) -> Response {
        let status = match &self {
            DriverError::BadRequest(_) => StatusCode::BAD_REQUEST,
            DriverError::UnknownRef(_) | DriverError::NoRoute(_) => StatusCode::NOT_FOUND,
            DriverError::Gateway(_) => StatusCode::BAD_GATEWAY,
        };
        (status, Json(json!({ "error": self.to_string() }))).into_response()
    }
}

/// `GET /`.
pub(crate) async fn info(State(integration): State<Arc<Integration>>) -> Json<DriverInfo> {
    Json(DriverInfo {
        name: integration.name(),
        webhook_url: (!integration.breaks(Breakage::Hook6))
            .then(|| integration.webhook_url().to_owned()),
        pending: Some(integration.pending()),
    })
}

/// `POST /submit`.
pub(crate) async fn submit(
    State(integration): State<Arc<Integration>>,
    body: Bytes,
) -> Result<Json<SubmitReply>, DriverError> {
    let request: SubmitRequest = serde_json::from_slice(&body)
        .map_err(|e| DriverError::BadRequest(format!("the submit request cannot be read: {e}")))?;
    let bytes = STANDARD
        .decode(request.document.trim())
        .map_err(|e| DriverError::BadRequest(format!("`document` is not base64: {e}")))?;
    if bytes.is_empty() {
        return Err(DriverError::BadRequest("`document` is empty".into()));
    }
    one_of("network", &request.network, &NETWORKS)?;
    one_of("format", &request.format, &FORMATS)?;
    if request.recipient.trim().is_empty() {
        return Err(DriverError::BadRequest("`recipient` is empty".into()));
    }
    match (request.channel.as_str(), request.network.as_str()) {
        ("gateway", _) => {}
        ("native", "ksef") => {
            return submit_native_ksef(&integration, &request, bytes)
                .await
                .map(Json);
        }
        ("native", network) => {
            return Err(DriverError::BadRequest(format!(
                "`channel: native` is for KSeF only; send {network} through the gateway"
            )));
        }
        (other, _) => {
            return Err(DriverError::BadRequest(format!(
                "unknown channel `{other}`; expected `gateway` or `native`"
            )));
        }
    }
    if let Some(replaced) = &request.replaces
        && !integration.book().contains(replaced)
    {
        return Err(DriverError::UnknownRef(replaced.clone()));
    }
    let connection = integration
        .connection(&request.simulator)
        .map_err(|e| DriverError::BadRequest(e.to_string()))?;
    let reference = integration.book().new_document(NewDocument {
        connection: connection.index,
        network: request.network,
        recipient: request.recipient,
        bytes,
        requested_file_name: request.file_name,
        replaces: request.replaces,
    });
    let queued = Queued {
        reference: reference.clone(),
        work: integration.pending_work(),
    };
    if !connection.enqueue(queued) {
        integration.book().fail(&reference);
    }
    Ok(Json(SubmitReply { reference }))
}

fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), DriverError> {
    if allowed.contains(&value) {
        return Ok(());
    }
    Err(DriverError::BadRequest(format!(
        "`{field}` is `{value}`; expected one of {}",
        allowed.join(", ")
    )))
}

/// KSeF's native channel (`"channel": "native"`): the invoice goes through KSeF API 2.0
/// online sessions with the context and token the request names.
pub(crate) async fn submit_native_ksef(
    integration: &Arc<Integration>,
    request: &SubmitRequest,
    document: Vec<u8>,
) -> Result<SubmitReply, DriverError> {
    let Some(ksef) = &request.ksef else {
        return Err(DriverError::BadRequest(
            "`channel: native` for KSeF needs `ksef: {nip, token}`".into(),
        ));
    };
    let connection = integration
        .connection(&request.simulator)
        .map_err(|e| DriverError::BadRequest(e.to_string()))?;
    // Webhooks are how a correct integration hears about everything else; register now,
    // as the gateway outbox does before its first submission.
    if !integration.breaks(Breakage::Hook6) {
        let registering = Arc::clone(integration);
        let connection = Arc::clone(&connection);
        integration.spawn(async move {
            hooks::ensure_registered(&registering, &connection).await;
        });
    }
    let reference = integration.book().new_document(NewDocument {
        connection: connection.index,
        network: request.network.clone(),
        recipient: request.recipient.clone(),
        bytes: document.clone(),
        requested_file_name: None,
        replaces: request.replaces.clone(),
    });
    let queued = super::native::Queued {
        reference: reference.clone(),
        bytes: document,
        _work: integration.pending_work(),
    };
    integration
        .ksef_contexts()
        .enqueue(
            integration,
            &request.simulator.base_url,
            &ksef.nip,
            &ksef.token,
            queued,
        )
        .map_err(|e| DriverError::BadRequest(e.to_string()))?;
    Ok(SubmitReply { reference })
}

/// `GET /documents/{ref}`.
pub(crate) async fn document(
    State(integration): State<Arc<Integration>>,
    Path(reference): Path<String>,
) -> Result<Json<DocumentReport>, DriverError> {
    if integration.breaks(Breakage::Hook5) {
        // The variant's safety net: one status read puts the final state right, whatever
        // order the webhooks were applied in (not needed once refused or failed).
        let connection = integration
            .book()
            .get(&reference)
            .filter(|d| !crate::contract::is_final(&d.report().state))
            .and_then(|d| d.document_id.is_some().then_some(d.connection))
            .and_then(|index| integration.connection_at(index));
        if let Some(connection) = connection {
            polling::read_once(&integration, &connection, &reference).await;
        }
    }
    integration
        .book()
        .get(&reference)
        .map(|d| Json(d.report()))
        .ok_or(DriverError::UnknownRef(reference))
}

/// `POST /respond`: sends an Invoice Response for a received invoice and says what eisim
/// answered (`{"status": 201, "answer": {...}}`); eisim's refusals are relayed, not hidden.
pub(crate) async fn respond(
    State(integration): State<Arc<Integration>>,
    body: Bytes,
) -> Result<Json<Value>, DriverError> {
    let request: RespondRequest = serde_json::from_slice(&body)
        .map_err(|e| DriverError::BadRequest(format!("the respond request cannot be read: {e}")))?;
    if request.document_id.trim().is_empty() || request.code.trim().is_empty() {
        return Err(DriverError::BadRequest(
            "`document_id` and `code` must not be empty".into(),
        ));
    }
    let connection = integration
        .connection(&request.simulator)
        .map_err(|e| DriverError::BadRequest(e.to_string()))?;
    if !integration.breaks(Breakage::Hook6) {
        // An integration that only receives learns of eisim here: from now on it hears of
        // the invoices that arrive.
        hooks::ensure_registered(&integration, &connection).await;
    }
    let mut response = json!({ "code": request.code });
    if let Some(map) = response.as_object_mut() {
        for (field, value) in [
            ("reason", &request.reason),
            ("action", &request.action),
            ("text", &request.text),
        ] {
            if let Some(value) = value {
                map.insert(field.into(), json!(value));
            }
        }
    }
    let call = Call::post_json(
        &["api", "v1", "invoices", &request.document_id, "responses"],
        &response,
    );
    let answer = connection
        .gateway
        .call(&call)
        .await
        .map_err(|e| DriverError::Gateway(e.to_string()))?;
    Ok(Json(json!({
        "status": answer.status.as_u16(),
        "answer": answer.json(),
    })))
}

/// Any other path.
pub(crate) async fn not_found(uri: axum::http::Uri) -> DriverError {
    DriverError::NoRoute(uri.path().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::{ReferenceConfig, app};
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    fn integration(breakage: Option<Breakage>) -> Arc<Integration> {
        Integration::new(
            ReferenceConfig { breakage },
            "127.0.0.1:4000".parse().unwrap(),
        )
    }

    async fn call(
        integration: &Arc<Integration>,
        method: &str,
        path: &str,
        body: &str,
    ) -> (StatusCode, Value) {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap();
        let response = app(Arc::clone(integration)).oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    fn submit_body(fields: Value) -> String {
        let mut body = json!({
            "document": STANDARD.encode("<Invoice/>"),
            "format": "ubl",
            "network": "peppol",
            "recipient": "0208:0456789133",
            "simulator": { "base_url": "http://127.0.0.1:9", "client_id": "c", "client_secret": "s" },
        });
        if let (Some(map), Some(extra)) = (body.as_object_mut(), fields.as_object()) {
            for (k, v) in extra {
                map.insert(k.clone(), v.clone());
            }
        }
        body.to_string()
    }

    #[tokio::test]
    async fn info_names_the_variant_and_where_webhooks_go() {
        let (status, info) = call(&integration(None), "GET", "/", "").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(info["name"], "eisim reference integration");
        assert_eq!(info["webhook_url"], "http://127.0.0.1:4000/webhooks");
        assert_eq!(info["pending"], 0);
        let (_, info) = call(&integration(Some(Breakage::Sub1)), "GET", "/", "").await;
        assert_eq!(info["name"], "eisim reference integration (broken: SUB-1)");
    }

    #[tokio::test]
    async fn malformed_submits_get_400_with_a_json_error() {
        let it = integration(None);
        for (body, needle) in [
            ("not json".to_owned(), "cannot be read"),
            (submit_body(json!({ "document": "%%%" })), "base64"),
            (submit_body(json!({ "document": "" })), "empty"),
            (submit_body(json!({ "network": "fax" })), "`network`"),
            (submit_body(json!({ "format": "pdf" })), "`format`"),
            (submit_body(json!({ "channel": "native" })), "KSeF only"),
            (
                submit_body(json!({ "channel": "smoke" })),
                "unknown channel",
            ),
            (
                submit_body(
                    json!({ "simulator": { "base_url": "https://x", "client_id": "c", "client_secret": "s" } }),
                ),
                "plain HTTP",
            ),
        ] {
            let (status, error) = call(&it, "POST", "/submit", &body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
            let text = error["error"].as_str().unwrap();
            assert!(text.contains(needle), "{text}");
        }
        let (status, error) = call(
            &it,
            "POST",
            "/submit",
            &submit_body(json!({ "replaces": "doc-77" })),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{error}");
    }

    #[tokio::test]
    async fn ksef_native_needs_its_context_and_unknown_refs_and_routes_are_404() {
        let it = integration(None);
        let body = submit_body(json!({ "network": "ksef", "format": "fa3", "channel": "native" }));
        let (status, error) = call(&it, "POST", "/submit", &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            error["error"]
                .as_str()
                .unwrap()
                .contains("ksef: {nip, token}"),
            "{error}"
        );
        let (status, error) = call(&it, "GET", "/documents/doc-1", "").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(error["error"], "no document has the ref `doc-1`");
        let (status, _) = call(&it, "GET", "/nowhere", "").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, error) = call(&it, "POST", "/respond", "{}").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    }

    #[tokio::test]
    async fn a_submit_is_answered_with_the_next_ref_at_once() {
        let it = integration(None);
        let (status, reply) = call(&it, "POST", "/submit", &submit_body(json!({}))).await;
        assert_eq!(status, StatusCode::OK, "{reply}");
        assert_eq!(reply["ref"], "doc-1");
        let (status, report) = call(&it, "GET", "/documents/doc-1", "").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(report["state"], "received");
        assert_eq!(report["history"], json!([]));
        it.shutdown();
    }
}
