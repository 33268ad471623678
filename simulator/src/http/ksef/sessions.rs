//! Online sessions: open, send, close, status, the session list and the collective UPO.

use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::codelists::ksef::RateGroup;
use crate::http::ksef::auth::check_key_id;
use crate::http::ksef::{Caller, LINK_TTL, json_body, reply, xml_download};
use crate::networks::ksef::error::KsefError;
use crate::networks::ksef::permissions;
use crate::networks::ksef::sessions::{self, Declared, Session};
use crate::networks::ksef::wire::ksef_time;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct OpenRequest {
    form_code: FormCode,
    pub(super) encryption: Encryption,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FormCode {
    system_code: String,
    schema_version: String,
    value: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Encryption {
    encrypted_symmetric_key: String,
    initialization_vector: String,
    pub(crate) public_key_id: Option<String>,
}

/// Reads a session opening's body and refuses any form but FA (3).
pub(super) fn read_open(body: &[u8]) -> Result<OpenRequest, KsefError> {
    let request: OpenRequest = json_body(body)?;
    check_form(&request.form_code)?;
    Ok(request)
}

/// Refuses any form but FA (3), online and batch alike.
pub(super) fn check_form(form: &FormCode) -> Result<(), KsefError> {
    let fa3 = form.system_code.trim() == "FA (3)"
        && form.schema_version.trim() == "1-0E"
        && form.value.trim() == "FA";
    if !fa3 {
        return Err(KsefError::invalid_input(format!(
            "formCode ({}, {}, {}): eisim simulates FA (3) sessions only (systemCode `FA (3)`, schemaVersion `1-0E`, value `FA`)",
            form.system_code, form.schema_version, form.value
        )));
    }
    Ok(())
}

/// The wrapped key and the IV, Base64-decoded; read after the key id is checked, so a client
/// using another key hears about the key first.
pub(crate) fn read_encryption(encryption: &Encryption) -> Result<(Vec<u8>, Vec<u8>), KsefError> {
    let key = B64
        .decode(encryption.encrypted_symmetric_key.trim())
        .map_err(|e| {
            KsefError::invalid_input(format!("encryptedSymmetricKey: not Base64 ({e})"))
        })?;
    let iv = B64
        .decode(encryption.initialization_vector.trim())
        .ok()
        .filter(|iv| iv.len() == 16)
        .ok_or_else(|| {
            KsefError::invalid_input("initializationVector: expected 16 bytes in Base64".to_owned())
        })?;
    Ok((key, iv))
}

/// `POST /sessions/online` -> 201. eisim validates FA (3) only; another form code is said to
/// be unsupported rather than accepted and misjudged.
pub(crate) async fn open(caller: Caller, body: Bytes) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::OnlineSession)?;
    grant.require_any(&permissions::WRITE)?;
    let request = read_open(&body)?;
    let ksef = caller.ksef();
    check_key_id(ksef, request.encryption.public_key_id.as_deref())?;
    let (key, iv) = read_encryption(&request.encryption)?;
    let (reference, valid_until) = sessions::open(ksef, &caller.context(), &grant, &key, iv)?;
    Ok(reply(
        StatusCode::CREATED,
        &json!({"referenceNumber": reference, "validUntil": ksef_time(valid_until)}),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendRequest {
    invoice_hash: String,
    invoice_size: u64,
    encrypted_invoice_hash: String,
    encrypted_invoice_size: u64,
    encrypted_invoice_content: String,
    #[serde(default)]
    offline_mode: bool,
}

/// Reads an invoice send's body: what the client declares and the still encrypted content.
pub(super) fn read_send(body: &[u8]) -> Result<Declared, KsefError> {
    let request: SendRequest = json_body(body)?;
    let content = B64
        .decode(request.encrypted_invoice_content.trim())
        .map_err(|e| {
            KsefError::invalid_input(format!("encryptedInvoiceContent: not Base64 ({e})"))
        })?;
    Ok(Declared {
        invoice_hash: request.invoice_hash,
        invoice_size: request.invoice_size,
        encrypted_hash: request.encrypted_invoice_hash,
        encrypted_size: request.encrypted_invoice_size,
        content,
        offline: request.offline_mode,
    })
}

/// `POST /sessions/online/{ref}/invoices` -> 202 with the invoice's reference number.
pub(crate) async fn send(
    caller: Caller,
    Path(reference): Path<String>,
    body: Bytes,
) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::InvoiceSend)?;
    grant.require_any(&permissions::WRITE)?;
    let declared = read_send(&body)?;
    let invoice = sessions::send(
        &caller.run.ksef,
        &caller.context(),
        &grant,
        &reference,
        declared,
    )?;
    Ok(reply(
        StatusCode::ACCEPTED,
        &json!({"referenceNumber": invoice}),
    ))
}

/// `POST /sessions/online/{ref}/close` -> 204; the collective UPO follows.
pub(crate) async fn close(
    caller: Caller,
    Path(reference): Path<String>,
) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::OnlineSession)?;
    grant.require_any(&permissions::WRITE)?;
    sessions::close(caller.ksef(), &caller.context(), &grant, &reference)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The session status body; `upo` only at 200.
fn session_json(caller: &Caller, session: &Session) -> Value {
    let status = sessions::status(caller.ksef(), session, caller.now);
    let mut info = json!({"code": status.code, "description": status.description});
    if !status.details.is_empty() {
        info["details"] = json!(status.details);
    }
    let (total, ok, failed) = status.counts;
    let mut body = json!({
        "status": info,
        "dateCreated": ksef_time(session.created),
        "dateUpdated": ksef_time(status.updated),
        "validUntil": ksef_time(session.valid_until),
        "invoiceCount": total,
        "successfulInvoiceCount": ok,
        "failedInvoiceCount": failed,
    });
    if !status.upo_pages.is_empty() {
        let expires = ksef_time(caller.now.checked_add(LINK_TTL).unwrap_or(caller.now));
        let base = caller.base_url();
        let pages: Vec<Value> = status
            .upo_pages
            .iter()
            .map(|page| {
                json!({
                    "referenceNumber": page,
                    "downloadUrl": format!("{base}/ksef-storage/{}/upo/{page}", session.reference),
                    "downloadUrlExpirationDate": expires,
                })
            })
            .collect();
        body["upo"] = json!({"pages": pages});
    }
    body
}

/// `GET /sessions/{ref}`.
pub(crate) async fn status(
    caller: Caller,
    Path(reference): Path<String>,
) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::SessionMisc)?;
    grant.require_any(&permissions::SESSION_READ)?;
    let session = sessions::session_of(caller.ksef(), &grant, &reference)?;
    Ok(reply(StatusCode::OK, &session_json(&caller, &session)))
}

/// `GET /sessions/{ref}/upo/{upoRef}`.
pub(crate) async fn upo_page(
    caller: Caller,
    Path((reference, page)): Path<(String, String)>,
) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::SessionMisc)?;
    grant.require_any(&permissions::SESSION_READ)?;
    let session = sessions::session_of(caller.ksef(), &grant, &reference)?;
    let xml = sessions::session_upo(caller.ksef(), &session, &page, caller.now)?;
    Ok(xml_download(xml.into_bytes()))
}

/// The pre-signed `downloadUrl` of a UPO page: no token, no rate limit.
pub(crate) async fn stored_upo_page(
    caller: Caller,
    Path((reference, page)): Path<(String, String)>,
) -> Result<Response, KsefError> {
    let session = sessions::stored_session(caller.ksef(), &reference)?;
    let xml = sessions::session_upo(caller.ksef(), &session, &page, caller.now)?;
    Ok(xml_download(xml.into_bytes()))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListQuery {
    pub(crate) page_size: Option<usize>,
    session_type: Option<String>,
    statuses: Option<String>,
}

/// `GET /sessions?sessionType=Online`: the context's sessions, newest first, paged.
pub(crate) async fn list(
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::SessionList)?;
    grant.require_any(&permissions::SESSION_READ)?;
    let kind = query
        .session_type
        .as_deref()
        .ok_or_else(|| KsefError::invalid_input("sessionType is required (Online or Batch)"))?;
    let online = match kind.to_ascii_lowercase().as_str() {
        "online" => true,
        "batch" => false,
        _ => {
            return Err(KsefError::invalid_input(format!(
                "sessionType: expected Online or Batch, found `{kind}`"
            )));
        }
    };
    let wanted: Vec<String> = query
        .statuses
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    let mut mine: Vec<Session> = caller
        .ksef()
        .records()
        .sessions
        .values()
        .filter(|s| s.context == grant.context && s.batch != online)
        .cloned()
        .collect();
    mine.sort_by(|a, b| {
        b.created
            .cmp(&a.created)
            .then(b.reference.cmp(&a.reference))
    });
    let items: Vec<Value> = mine
        .iter()
        .filter_map(|session| {
            let status = sessions::status(caller.ksef(), session, caller.now);
            let group = match status.code {
                100 | 150 | 170 => "inprogress",
                200 => "succeeded",
                440 => "cancelled",
                _ => "failed",
            };
            if !wanted.is_empty() && !wanted.iter().any(|w| w == group) {
                return None;
            }
            let (total, ok, failed) = status.counts;
            Some(json!({
                "referenceNumber": session.reference,
                "status": {"code": status.code, "description": status.description},
                "dateCreated": ksef_time(session.created),
                "dateUpdated": ksef_time(status.updated),
                "validUntil": ksef_time(session.valid_until),
                "totalInvoiceCount": total,
                "successfulInvoiceCount": ok,
                "failedInvoiceCount": failed,
            }))
        })
        .collect();
    let (page, next) = super::invoices::page(&caller, items, query.page_size)?;
    let mut body = json!({"sessions": page});
    if let Some(next) = next {
        body["continuationToken"] = Value::from(next);
    }
    Ok(reply(StatusCode::OK, &body))
}
