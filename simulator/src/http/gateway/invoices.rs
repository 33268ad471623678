//! `/api/v1/invoices`: submit one document, read it back, poll its status, list and search,
//! download the original, print it.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::Timestamp;
use serde::Deserialize;

use super::auth::Authenticated;
use super::envelope;
use super::idempotency::{Reply, idempotent};
use super::intake::{Admission, Intake};
use super::meter::{RateHeaders, meter};
use super::printout;
use super::views::{DocumentView, ListView, StatusView, SummaryView};
use crate::http::problem::AppError;
use crate::http::server::AppState;
use crate::journal::{AntiPattern, Record};
use crate::scenario::EndpointGroup;
use crate::store::{DocumentFilter, DocumentRecord, SubmissionItem, SubmissionRecord};
use crate::vocabulary::Network;

/// Page size of `GET /invoices` when the caller gives none, and the most it may ask for.
pub(crate) const DEFAULT_PAGE: usize = 50;
pub(crate) const MAX_PAGE: usize = 200;
/// How many documents `GET /invoices/recent` returns.
pub(crate) const RECENT: usize = 20;

/// `POST /api/v1/invoices`.
pub(crate) async fn submit(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, AppError> {
    let run = state.simulation.run();
    let _journal = &state.simulation.journal;
    let rate = meter(&run, &tenant, EndpointGroup::Submit)?;
    if body.len() > run.throttle.max_body() {
        return Err(AppError::PayloadTooLarge {
            limit: run.throttle.max_body(),
        });
    }
    let intake = Intake::new(&run, &tenant);
    let mut response = idempotent(
        &run,
        &tenant,
        &headers,
        "POST /api/v1/invoices",
        &body,
        || {
            intake.check_not_throttled()?;
            let incoming = envelope::single(&headers, query.as_deref().unwrap_or(""), &body)?;
            let submission_id = run.store.ledger.mint_id("sub", run.seed);
            let doc = match intake.admit(incoming, &submission_id)? {
                Admission::Accepted(doc) => doc,
                Admission::Invalid(refusal) => return Err(refusal.into_error()),
            };
            intake.file(SubmissionRecord {
                id: submission_id,
                created_at: intake.now,
                items: vec![SubmissionItem::Document {
                    document_id: doc.id.clone(),
                }],
            });
            Reply::json(
                StatusCode::CREATED,
                Some(format!("/api/v1/invoices/{}", doc.id)),
                &DocumentView::from(doc.as_ref()),
            )
        },
    )?;
    rate.apply(response.headers_mut());
    Ok(response)
}

/// Counts the call against `group`, then looks the tenant's document up.
fn metered_document(
    state: &AppState,
    tenant: &crate::vocabulary::TenantId,
    id: &str,
    group: EndpointGroup,
) -> Result<(RateHeaders, DocumentRecord), AppError> {
    let run = state.simulation.run();
    let rate = meter(&run, tenant, group)?;
    let doc = run
        .store
        .ledger
        .document(tenant, id)
        .ok_or_else(|| AppError::DocumentNotFound(id.to_owned()))?;
    Ok((rate, doc))
}

/// `GET /api/v1/invoices/{id}`.
pub(crate) async fn get(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (rate, doc) = metered_document(&state, &tenant, &id, EndpointGroup::Status)?;
    Ok((rate, Json(DocumentView::from(&doc))).into_response())
}

/// `GET /api/v1/invoices/{id}/status`.
pub(crate) async fn status(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (rate, doc) = metered_document(&state, &tenant, &id, EndpointGroup::Status)?;
    Ok((rate, Json(StatusView::from(&doc))).into_response())
}

/// `GET /api/v1/invoices/{id}/document`: the bytes exactly as submitted.
pub(crate) async fn document(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (rate, doc) = metered_document(&state, &tenant, &id, EndpointGroup::Document)?;
    let mut response = (rate, doc.bytes.to_vec()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{}.xml\"", doc.id)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Ok(value) = HeaderValue::from_str(&format!("\"{}\"", doc.content_hash)) {
        headers.insert(header::ETAG, value);
    }
    Ok(response)
}

/// `GET /api/v1/invoices/{id}/notifications`: what the network said about the document, as
/// downloadable messages: SDI's notifications, or Peppol's MLS, MLR and Invoice Responses.
pub(crate) async fn notifications(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (rate, doc) = metered_document(&state, &tenant, &id, EndpointGroup::Status)?;
    let href = |name: &str| format!("/api/v1/invoices/{}/notifications/{name}", doc.id);
    let run = state.simulation.run();
    if doc.network == Network::Peppol {
        let transmission = run.peppol.transmission(&doc.id);
        let notifications: Vec<serde_json::Value> = transmission
            .as_ref()
            .map(|t| {
                t.messages
                    .iter()
                    .map(|m| {
                        serde_json::json!({
                            "type": m.kind.as_str(),
                            "code": m.code,
                            "file_name": m.name,
                            "at": m.at,
                            "direction": m.direction,
                            "href": href(&m.name),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let body = serde_json::json!({
            "network": doc.network.as_str(),
            "message_id": transmission.as_ref().map(|t| t.message_id.clone()),
            "notifications": notifications,
        });
        return Ok((rate, Json(body)).into_response());
    }
    let file = run.sdi.file_of_document(&doc.id);
    let notifications: Vec<serde_json::Value> = file
        .as_ref()
        .map(|file| {
            file.messages
                .iter()
                .map(|m| {
                    serde_json::json!({
                        "type": m.message_type.as_str(),
                        "file_name": m.file_name,
                        "at": m.at,
                        "to": m.to,
                        "href": href(&m.file_name),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let mut body = serde_json::json!({
        "network": doc.network.as_str(),
        "identificativo_sdi": file.as_ref().map(|f| f.identificativo_sdi),
        "notifications": notifications,
    });
    // A signed inbound invoice: the `.p7m` as SDI delivered it, beside the XML that
    // `/document` gives.
    if let Some(file) = file.as_ref().filter(|f| f.invoice.is_some())
        && let Some(map) = body.as_object_mut()
    {
        map.insert(
            "signed_file".to_owned(),
            serde_json::json!({
                "file_name": file.file_name,
                "hash": file.hash,
                "href": href(&file.file_name),
            }),
        );
    }
    Ok((rate, Json(body)).into_response())
}

/// `GET /api/v1/invoices/{id}/notifications/{name}`: one message, as the network issued it.
pub(crate) async fn notification(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
    Path((id, name)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (rate, doc) = metered_document(&state, &tenant, &id, EndpointGroup::Document)?;
    let run = state.simulation.run();
    if doc.network == Network::Peppol {
        let message = run
            .peppol
            .transmission(&doc.id)
            .and_then(|t| t.messages.into_iter().find(|m| m.name == name))
            .ok_or_else(|| {
                AppError::DocumentNotFound(format!("{}/notifications/{name}", doc.id))
            })?;
        let mut response = (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/xml")],
            message.xml.to_string(),
        )
            .into_response();
        if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            response
                .headers_mut()
                .insert(header::CONTENT_DISPOSITION, value);
        }
        return Ok((rate, response).into_response());
    }
    let file = run
        .sdi
        .file_of_document(&doc.id)
        .ok_or_else(|| AppError::SdiFileNotFound(format!("{} has no SDI file", doc.id)))?;
    let response = crate::http::sdi::message_response(&file, &name)?;
    Ok((rate, response).into_response())
}

/// `GET /api/v1/invoices/{id}/printout`: a page for a person, throttled against mass use.
pub(crate) async fn printout(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (rate, doc) = metered_document(&state, &tenant, &id, EndpointGroup::Printout)?;
    Ok((rate, Html(printout::render(&doc))).into_response())
}

/// `GET /api/v1/invoices/recent`: expensive on a real provider and throttled hard; every
/// call is noted in the journal, since a search is what integrators should use.
pub(crate) async fn recent(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
) -> Result<Response, AppError> {
    let run = state.simulation.run();
    let rate = meter(&run, &tenant, EndpointGroup::Recent)?;
    state.simulation.journal.append(
        run.clock.now(),
        Some(tenant.clone()),
        Record::AntiPattern {
            pattern: AntiPattern::RecentDocumentsPolled,
            detail: "GET /api/v1/invoices/recent; use GET /api/v1/invoices with filters, or GET /api/v1/submissions/{id} for a submission's progress".into(),
        },
    );
    let items = run
        .store
        .ledger
        .recent(&tenant, RECENT)
        .iter()
        .map(SummaryView::from)
        .collect();
    Ok((
        rate,
        Json(ListView {
            items,
            next_cursor: None,
        }),
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    state: Option<String>,
    network: Option<String>,
    direction: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
}

/// `GET /api/v1/invoices`: filter by state, network, direction and creation time, paged by
/// an opaque cursor.
pub(crate) async fn list(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let run = state.simulation.run();
    let rate = meter(&run, &tenant, EndpointGroup::Search)?;
    let query: ListQuery = serde_urlencoded::from_str(query.as_deref().unwrap_or(""))
        .map_err(|e| AppError::BadRequest(format!("query string: {e}")))?;
    let filter = DocumentFilter {
        state: query
            .state
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(AppError::BadRequest)?,
        network: query
            .network
            .as_deref()
            .map(|name| envelope::network(name).map_err(AppError::BadRequest))
            .transpose()?,
        direction: query
            .direction
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(AppError::BadRequest)?,
        from: query
            .from
            .as_deref()
            .map(|v| instant("from", v))
            .transpose()?,
        to: query.to.as_deref().map(|v| instant("to", v)).transpose()?,
    };
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(AppError::BadRequest(format!(
            "`limit` must be 1 to {MAX_PAGE}, found {limit}"
        )));
    }
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let (page, next) = run.store.ledger.list(&tenant, &filter, after, limit);
    let view = ListView {
        items: page.iter().map(SummaryView::from).collect(),
        next_cursor: next.map(encode_cursor),
    };
    Ok((rate, Json(view)).into_response())
}

/// An RFC 3339 instant with its offset, or a date (taken as midnight UTC).
fn instant(key: &str, value: &str) -> Result<Timestamp, AppError> {
    if let Ok(ts) = value.parse::<Timestamp>() {
        return Ok(ts);
    }
    value
        .parse::<jiff::civil::Date>()
        .ok()
        .and_then(|date| date.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|zoned| zoned.timestamp())
        .ok_or_else(|| {
            AppError::BadRequest(format!(
                "`{key}` must be a date (2026-01-31) or a date-time with offset (2026-01-31T12:00:00+01:00), found `{value}`"
            ))
        })
}

const CURSOR_PREFIX: &str = "after:";

fn encode_cursor(seq: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{seq}"))
}

fn decode_cursor(cursor: &str) -> Result<u64, AppError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix(CURSOR_PREFIX).and_then(|n| n.parse().ok()))
        .ok_or_else(|| {
            AppError::BadRequest(
                "`cursor` is not one this API returned; pass `next_cursor` from the previous page unchanged".into(),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_forgeries() {
        assert_eq!(decode_cursor(&encode_cursor(42)).unwrap(), 42);
        assert!(decode_cursor("42").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("before:1")).is_err());
    }

    #[test]
    fn instants_take_dates_and_offsets() {
        assert_eq!(
            instant("from", "2026-01-31").unwrap(),
            "2026-01-31T00:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            instant("from", "2026-01-31T12:00:00+01:00").unwrap(),
            "2026-01-31T11:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert!(instant("from", "31/01/2026").is_err());
    }
}
