//! Invoices of a session: status, lists with continuation tokens, per-invoice UPOs, and the
//! download of a stored invoice by its KSeF number.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::http::header::HeaderName;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde_json::{Value, json};

use crate::codelists::ksef::RateGroup;
use crate::codelists::ksef::invoice_description;
use crate::http::ksef::sessions::ListQuery;
use crate::http::ksef::{Caller, LINK_TTL, reply, xml_download};
use crate::networks::ksef::error::KsefError;
use crate::networks::ksef::permissions::{self, Permission};
use crate::networks::ksef::sessions::{self, Invoice};
use crate::networks::ksef::wire::ksef_time;

const CONTINUATION: HeaderName = HeaderName::from_static("x-continuation-token");

/// One page of `items` from the `x-continuation-token` the client sent back; 10 to 1000 per
/// page (10 when not asked), and 21418 for a token eisim did not hand out.
pub(crate) fn page(
    caller: &Caller,
    items: Vec<Value>,
    page_size: Option<usize>,
) -> Result<(Vec<Value>, Option<String>), KsefError> {
    let size = page_size.unwrap_or(10);
    if !(10..=1000).contains(&size) {
        return Err(KsefError::invalid_input(format!(
            "pageSize: expected 10 to 1000, found {size}"
        )));
    }
    let start = match caller
        .headers
        .get(CONTINUATION)
        .and_then(|v| v.to_str().ok())
    {
        None | Some("") => 0,
        Some(token) => B64URL
            .decode(token.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|t| t.strip_prefix("offset:")?.parse::<usize>().ok())
            .filter(|start| *start <= items.len())
            .ok_or_else(|| {
                KsefError::exception(
                    21418,
                    [format!("Token kontynuacji `{token}` jest nieprawidłowy.")],
                )
            })?,
    };
    let end = start.saturating_add(size).min(items.len());
    let next = (end < items.len()).then(|| B64URL.encode(format!("offset:{end}")));
    Ok((items.into_iter().skip(start).take(size).collect(), next))
}

/// The invoice status body.
fn invoice_json(caller: &Caller, invoice: &Invoice) -> Value {
    let mut status =
        json!({"code": invoice.code, "description": invoice_description(invoice.code)});
    if !invoice.details.is_empty() {
        status["details"] = json!(invoice.details);
    }
    if let Some(extensions) = &invoice.extensions {
        status["extensions"] = json!(extensions);
    }
    let mut body = json!({
        "ordinalNumber": invoice.ordinal,
        "referenceNumber": invoice.reference,
        "invoiceHash": invoice.invoice_hash,
        "invoicingDate": ksef_time(invoice.invoicing_date),
        "invoicingMode": if invoice.offline { "Offline" } else { "Online" },
        "status": status,
    });
    if let Some(facts) = &invoice.facts {
        body["invoiceNumber"] = Value::from(facts.number.clone());
    }
    if let Some(name) = &invoice.file_name {
        body["invoiceFileName"] = Value::from(name.clone());
    }
    if let (Some(number), Some(acquired)) = (&invoice.ksef_number, invoice.acquisition) {
        body["ksefNumber"] = Value::from(number.clone());
        body["acquisitionDate"] = Value::from(ksef_time(acquired));
        let ksef = caller.ksef();
        let stored = acquired
            .checked_add(ksef.settings.storage())
            .unwrap_or(acquired);
        if caller.now >= stored {
            body["permanentStorageDate"] = Value::from(ksef_time(stored));
        }
        let upo_ready = acquired
            .checked_add(ksef.settings.upo())
            .unwrap_or(acquired);
        if caller.now >= upo_ready {
            let expires = caller.now.checked_add(LINK_TTL).unwrap_or(caller.now);
            body["upoDownloadUrl"] = Value::from(format!(
                "{}/ksef-storage/{}/invoices/{}/upo",
                caller.base_url(),
                invoice.session,
                invoice.reference
            ));
            body["upoDownloadUrlExpirationDate"] = Value::from(ksef_time(expires));
        }
    }
    body
}

/// `GET /sessions/{ref}/invoices/{invoiceRef}`.
pub(crate) async fn status(
    caller: Caller,
    Path((reference, invoice)): Path<(String, String)>,
) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::InvoiceStatus)?;
    grant.require_any(&permissions::SESSION_READ)?;
    let ksef = caller.ksef();
    let session = sessions::session_of(ksef, &grant, &reference)?;
    let invoice = sessions::invoice_in(ksef, &session, &invoice).ok_or_else(|| {
        KsefError::exception(
            21164,
            [format!("Faktura o numerze referencyjnym {invoice} nie została znaleziona w sesji {reference}.")],
        )
    })?;
    Ok(reply(StatusCode::OK, &invoice_json(&caller, &invoice)))
}

async fn listing(
    caller: Caller,
    reference: String,
    query: ListQuery,
    failed_only: bool,
) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::SessionInvoiceList)?;
    grant.require_any(&permissions::SESSION_READ)?;
    let ksef = caller.ksef();
    let session = sessions::session_of(ksef, &grant, &reference)?;
    let items: Vec<Value> = sessions::invoices_of(ksef, &session, failed_only)
        .iter()
        .map(|invoice| invoice_json(&caller, invoice))
        .collect();
    let (page, next) = page(&caller, items, query.page_size)?;
    let mut body = json!({"invoices": page});
    if let Some(next) = next {
        body["continuationToken"] = Value::from(next);
    }
    Ok(reply(StatusCode::OK, &body))
}

/// `GET /sessions/{ref}/invoices`.
pub(crate) async fn list(
    caller: Caller,
    Path(reference): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Response, KsefError> {
    listing(caller, reference, query, false).await
}

/// `GET /sessions/{ref}/invoices/failed`.
pub(crate) async fn failed(
    caller: Caller,
    Path(reference): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Response, KsefError> {
    listing(caller, reference, query, true).await
}

fn upo_of(
    caller: &Caller,
    session: &sessions::Session,
    invoice: Option<Invoice>,
    label: &str,
) -> Result<Response, KsefError> {
    let ksef = caller.ksef();
    let invoice = invoice.ok_or_else(|| {
        KsefError::exception(
            21178,
            [format!(
                "UPO o numerze referencyjnym {label} dla sesji {} nie zostało znalezione.",
                session.reference
            )],
        )
    })?;
    let xml = sessions::invoice_upo(ksef, session, &invoice, caller.now)?;
    Ok(xml_download(xml.into_bytes()))
}

/// `GET /sessions/{ref}/invoices/{invoiceRef}/upo`: 21178 until the UPO exists.
pub(crate) async fn upo(
    caller: Caller,
    Path((reference, invoice)): Path<(String, String)>,
) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::SessionMisc)?;
    grant.require_any(&permissions::SESSION_READ)?;
    let session = sessions::session_of(caller.ksef(), &grant, &reference)?;
    let found = sessions::invoice_in(caller.ksef(), &session, &invoice);
    upo_of(&caller, &session, found, &invoice)
}

/// `GET /sessions/{ref}/invoices/ksef/{ksefNumber}/upo`.
pub(crate) async fn upo_by_number(
    caller: Caller,
    Path((reference, number)): Path<(String, String)>,
) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::SessionMisc)?;
    grant.require_any(&permissions::SESSION_READ)?;
    let session = sessions::session_of(caller.ksef(), &grant, &reference)?;
    let found = sessions::by_ksef_number(caller.ksef(), &grant, &number)
        .filter(|invoice| invoice.session == session.reference);
    upo_of(&caller, &session, found, &number)
}

/// The pre-signed `upoDownloadUrl` of an invoice: no token, no rate limit.
pub(crate) async fn stored_upo(
    caller: Caller,
    Path((reference, invoice)): Path<(String, String)>,
) -> Result<Response, KsefError> {
    let session = sessions::stored_session(caller.ksef(), &reference)?;
    let found = sessions::invoice_in(caller.ksef(), &session, &invoice);
    upo_of(&caller, &session, found, &invoice)
}

/// `GET /invoices/ksef/{ksefNumber}`: the original bytes, for the seller, the buyer or a
/// third party named on the invoice, once stored (21165 before); anyone else is told it does
/// not exist (21164).
pub(crate) async fn download(
    caller: Caller,
    Path(number): Path<String>,
) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::InvoiceDownload)?;
    grant.require(Permission::InvoiceRead)?;
    let bytes = caller
        .ksef()
        .repository
        .download(&grant, &number, caller.now)?;
    Ok(xml_download(bytes.to_vec()))
}
