//! `POST /api/v1/invoices/{id}/responses`: the tenant, as the buyer, answers an invoice it
//! received over Peppol with an Invoice Response (BIS Invoice Response 3.0). The Peppol engine
//! checks and sends it (`networks/peppol/respond.rs`); this is its HTTP face.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::auth::Authenticated;
use super::meter::meter;
use crate::http::problem::AppError;
use crate::http::server::AppState;
use crate::networks::peppol::{self, MessageKind};
use crate::scenario::EndpointGroup;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResponseRequest {
    /// `AB`, `IP`, `UQ`, `CA`, `RE`, `AP` or `PD`.
    code: String,
    /// OPStatusReason, e.g. `REF`; `PPD` with `PD` for a partial payment.
    reason: Option<String>,
    /// OPStatusAction, e.g. `NIN`.
    action: Option<String>,
    /// The status reason in words.
    text: Option<String>,
}

pub(crate) async fn respond(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let run = state.simulation.run();
    let rate = meter(&run, &tenant, EndpointGroup::Submit)?;
    let request: ResponseRequest = serde_json::from_slice(&body)
        .map_err(|e| AppError::BadRequest(format!("Invoice Response body: {e}")))?;
    let request = peppol::ResponseRequest {
        code: request.code,
        reason: request.reason,
        action: request.action,
        text: request.text,
    };
    let sent = run
        .peppol
        .respond(&run.context_now(), &tenant, &id, &request)?;
    let (code, name, now) = (sent.code, sent.file_name, sent.at);
    let body = serde_json::json!({
        "type": MessageKind::InvoiceResponse.as_str(),
        "code": code.as_str(),
        "file_name": name,
        "at": now,
        "href": format!("/api/v1/invoices/{id}/notifications/{name}"),
    });
    Ok((rate, (StatusCode::CREATED, Json(body))).into_response())
}
