//! How documents arrive at `POST /invoices` and `POST /submissions`: a raw XML body (with
//! its envelope fields in the query string), or JSON envelopes carrying the document in
//! base64 with the network, recipient and the integrator's own reference.

use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use super::intake::Incoming;
use crate::http::problem::AppError;
use crate::http::server::media_type;
use crate::vocabulary::Network;

/// Most documents a batch may hold; more is refused whole rather than half-taken.
pub(crate) const MAX_BATCH: usize = 100;

/// Envelope fields for a raw XML body, given in the query string.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct XmlQuery {
    network: Option<String>,
    recipient: Option<String>,
    reference: Option<String>,
    file_name: Option<String>,
    /// Peppol: the AS4 MessageId to send with (phoss-ap's `sbdhInstanceID`).
    message_id: Option<String>,
}

/// One document in JSON.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Envelope {
    /// The document, base64-encoded (standard alphabet, padded).
    document: String,
    network: Option<String>,
    recipient: Option<String>,
    reference: Option<String>,
    file_name: Option<String>,
    /// Peppol: the AS4 MessageId to send with (phoss-ap's `sbdhInstanceID`).
    message_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Batch {
    documents: Vec<Envelope>,
}

fn is_xml(media: &str) -> bool {
    media == "application/xml" || media == "text/xml" || media.ends_with("+xml")
}

/// Reads the body of `POST /invoices`.
pub(crate) fn single(headers: &HeaderMap, query: &str, body: &[u8]) -> Result<Incoming, AppError> {
    let media = media_type(headers).unwrap_or_default();
    if is_xml(&media) {
        let fields: XmlQuery = serde_urlencoded::from_str(query)
            .map_err(|e| AppError::InvalidEnvelope(format!("query string: {e}")))?;
        return Ok(Incoming {
            bytes: body.to_vec(),
            network: fields
                .network
                .as_deref()
                .map(network)
                .transpose()
                .map_err(AppError::InvalidEnvelope)?,
            recipient: fields.recipient,
            reference: fields.reference,
            file_name: fields.file_name,
            message_id: message_id(fields.message_id).map_err(AppError::InvalidEnvelope)?,
        });
    }
    if media == "application/json" {
        let envelope: Envelope = serde_json::from_slice(body)
            .map_err(|e| AppError::InvalidEnvelope(format!("JSON envelope: {e}")))?;
        return open(envelope, None);
    }
    Err(AppError::unsupported_media_type(
        "application/xml or application/json",
        &media,
    ))
}

/// Reads the body of `POST /submissions`: `{"documents": [envelope, ...]}`.
pub(crate) fn batch(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Vec<Result<Incoming, AppError>>, AppError> {
    let media = media_type(headers).unwrap_or_default();
    if media != "application/json" {
        return Err(AppError::unsupported_media_type("application/json", &media));
    }
    let batch: Batch = serde_json::from_slice(body)
        .map_err(|e| AppError::InvalidEnvelope(format!("JSON batch: {e}")))?;
    if batch.documents.is_empty() || batch.documents.len() > MAX_BATCH {
        return Err(AppError::InvalidEnvelope(format!(
            "a batch holds 1 to {MAX_BATCH} documents, this one holds {}",
            batch.documents.len()
        )));
    }
    Ok(batch
        .documents
        .into_iter()
        .enumerate()
        .map(|(index, envelope)| open(envelope, Some(index)))
        .collect())
}

fn open(envelope: Envelope, index: Option<usize>) -> Result<Incoming, AppError> {
    let at = index.map_or(String::new(), |i| format!("documents[{i}]: "));
    let bytes = STANDARD
        .decode(envelope.document.trim())
        .map_err(|e| AppError::InvalidEnvelope(format!("{at}`document` is not base64: {e}")))?;
    Ok(Incoming {
        bytes,
        network: envelope
            .network
            .as_deref()
            .map(network)
            .transpose()
            .map_err(|e| AppError::InvalidEnvelope(format!("{at}{e}")))?,
        recipient: envelope.recipient,
        reference: envelope.reference,
        file_name: envelope.file_name,
        message_id: message_id(envelope.message_id)
            .map_err(|e| AppError::InvalidEnvelope(format!("{at}{e}")))?,
    })
}

/// An AS4 MessageId must be something a receiving access point can store and compare: text
/// of 1 to 255 characters without spaces or control characters.
fn message_id(id: Option<String>) -> Result<Option<String>, String> {
    match id {
        Some(id)
            if id.is_empty()
                || id.len() > 255
                || id.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Err(format!(
                "`message_id` must be 1 to 255 characters without spaces, found `{id}`"
            ))
        }
        other => Ok(other),
    }
}

/// A network by name, any case; the error is the message to put in a problem.
pub(crate) fn network(name: &str) -> Result<Network, String> {
    Network::ALL
        .into_iter()
        .find(|n| n.as_str().eq_ignore_ascii_case(name.trim()))
        .ok_or_else(|| format!("unknown network `{name}`; expected peppol, sdi or ksef"))
}
