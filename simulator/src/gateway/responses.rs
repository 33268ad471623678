//! `POST /api/v1/invoices/{id}/responses`: the tenant, as the buyer, answers an invoice it
//! received over Peppol with an Invoice Response (BIS Invoice Response 3.0).
//!
//! eisim checks what a careful access point checks before sending one: that the document is
//! an invoice the tenant received (OP-BR111-R001: responses go from buyer to seller), the
//! code lists and the Schematron rules of T111, and the process order OP-BR111 gives (nothing
//! after RE or a full PD, only PD after AP, never backwards). A response that passes becomes a
//! real UBL ApplicationResponse, downloadable beside the invoice.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::auth::Authenticated;
use super::meter::meter;
use super::record_change;
use crate::codelists::invoice_response_order::{Sent, allowed_next, check_next};
use crate::codelists::peppol::{InvoiceResponseCode, StatusAction, StatusReason};
use crate::errors::AppError;
use crate::networks::peppol::responses::{check_invoice_response, render_invoice_response};
use crate::networks::peppol::{self, MessageKind, PeppolMessage};
use crate::scenario::EndpointGroup;
use crate::server::AppState;
use crate::store::NetworkDetail;
use crate::vocabulary::Network;
use crate::vocabulary::{Direction, DocumentState};

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

fn refused(rule: Option<&'static str>, message: String) -> AppError {
    AppError::InvoiceResponseRefused { rule, message }
}

pub(crate) async fn respond(
    State(state): State<AppState>,
    Authenticated(tenant): Authenticated,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let epoch = state.world.epoch();
    let journal = &state.world.journal;
    let rate = meter(&epoch, journal, &tenant, EndpointGroup::Submit)?;
    let request: ResponseRequest = serde_json::from_slice(&body)
        .map_err(|e| AppError::BadRequest(format!("Invoice Response body: {e}")))?;
    let doc = epoch
        .store
        .ledger
        .document(&tenant, &id)
        .ok_or_else(|| AppError::DocumentNotFound(id.clone()))?;
    if doc.network != Network::Peppol {
        return Err(refused(
            None,
            format!(
                "{id} travelled on {}; Invoice Responses are Peppol documents",
                doc.network.display_name()
            ),
        ));
    }
    if doc.direction != Direction::Inbound {
        return Err(refused(
            Some("OP-BR111-R001"),
            format!(
                "OP-BR111-R001: an Invoice Response goes from the buyer to the seller, and {id} is an invoice you sent"
            ),
        ));
    }
    let code = InvoiceResponseCode::parse(&request.code).ok_or_else(|| {
        refused(
            None,
            format!(
                "`{}` is not an Invoice Response code; expected AB, IP, UQ, CA, RE, AP or PD",
                request.code
            ),
        )
    })?;
    let reason = match request.reason.as_deref() {
        Some(text) => Some(StatusReason::parse(text).ok_or_else(|| {
            refused(
                Some("PEPPOL-T111-R007"),
                format!("`{text}` is not in the OPStatusReason code list"),
            )
        })?),
        None => None,
    };
    let action = match request.action.as_deref() {
        Some(text) => Some(StatusAction::parse(text).ok_or_else(|| {
            refused(
                Some("PEPPOL-T111-R006"),
                format!("`{text}` is not in the OPStatusAction code list"),
            )
        })?),
        None => None,
    };
    let Some(transmission) = epoch.peppol.transmission(&id) else {
        return Err(AppError::Internal(format!(
            "{id} has no Peppol transmission"
        )));
    };
    let next = Sent { code, reason };
    if let Err(violation) = check_next(&transmission.responses, &next) {
        return Err(AppError::InvoiceResponseOrder {
            rule: violation.rule(),
            message: violation.message(),
            allowed: allowed_next(&transmission.responses)
                .into_iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
        });
    }
    let now = epoch.clock.now();
    let name = epoch
        .peppol
        .books()
        .message_name(MessageKind::InvoiceResponse);
    let response = peppol::invoice_response(
        &doc,
        name.trim_end_matches(".xml"),
        now,
        peppol::party(&epoch, Some(&transmission.receiver)),
        peppol::party(&epoch, transmission.sender.as_ref()),
        code,
        reason,
        request.text.clone(),
        action,
    );
    if let Some(violation) = check_invoice_response(&response)
        .into_iter()
        .find(|v| v.fatal)
    {
        return Err(refused(
            Some(violation.rule),
            format!("{}: {}", violation.rule, violation.message),
        ));
    }
    let message = PeppolMessage {
        kind: MessageKind::InvoiceResponse,
        code: code.as_str().to_owned(),
        name: name.clone(),
        at: now,
        direction: "sent",
        xml: render_invoice_response(&response).into(),
    };
    peppol::keep(
        &epoch,
        journal,
        &tenant,
        &transmission,
        message,
        "sent",
        now,
    );
    if let Some(t) = epoch.peppol.books().transmissions.get_mut(&id) {
        t.responses.push(next);
    }
    let state_after = if code == InvoiceResponseCode::RE {
        DocumentState::Refused
    } else {
        doc.state
    };
    let detail = NetworkDetail {
        status: Some(code.as_str().to_owned()),
        description: Some(format!(
            "Invoice Response sent to the seller: {} ({})",
            code.as_str(),
            code.name()
        )),
        errors: Vec::new(),
        network_id: doc.network_detail.network_id.clone(),
    };
    if let Some(change) =
        epoch
            .store
            .ledger
            .transition(&tenant, &id, state_after, Some(detail), now)
    {
        record_change(
            &epoch,
            journal,
            &tenant,
            &change,
            now,
            Some(format!("peppol: Invoice Response {} sent", code.as_str())),
        );
    }
    let body = serde_json::json!({
        "type": MessageKind::InvoiceResponse.as_str(),
        "code": code.as_str(),
        "file_name": name,
        "at": now,
        "href": format!("/api/v1/invoices/{id}/notifications/{name}"),
    });
    Ok((rate, (StatusCode::CREATED, Json(body))).into_response())
}
