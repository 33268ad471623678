//! The buyer's side of the Invoice Response conversation: an Invoice Response (BIS Invoice
//! Response 3.0) the tenant sends about an invoice it received over Peppol.
//!
//! eisim checks what a careful access point checks before sending one: that the document is
//! an invoice the tenant received (OP-BR111-R001: responses go from buyer to seller), the
//! code lists and the Schematron rules of T111, and the process order OP-BR111 gives (nothing
//! after RE or a full PD, only PD after AP, never backwards). A response that passes becomes a
//! real UBL ApplicationResponse, kept beside the invoice, and moves the document (RE refuses
//! it).

use jiff::Timestamp;

use super::answers::{invoice_response, keep, party};
use super::responses::{check_invoice_response, render_invoice_response};
use super::state::{MessageKind, Peppol, PeppolMessage};
use crate::codelists::invoice_response_order::{Sent, allowed_next, check_next};
use crate::codelists::peppol::{InvoiceResponseCode, StatusAction, StatusReason};
use crate::lifecycle::record_change;
use crate::runtime::Context;
use crate::store::NetworkDetail;
use crate::vocabulary::{Direction, DocumentState, Network, TenantId};

/// What the buyer asks to answer, as the gateway received it.
#[derive(Debug, Clone, Default)]
pub(crate) struct ResponseRequest {
    /// `AB`, `IP`, `UQ`, `CA`, `RE`, `AP` or `PD`.
    pub code: String,
    /// OPStatusReason, e.g. `REF`; `PPD` with `PD` for a partial payment.
    pub reason: Option<String>,
    /// OPStatusAction, e.g. `NIN`.
    pub action: Option<String>,
    /// The status reason in words.
    pub text: Option<String>,
}

/// An Invoice Response that was sent.
#[derive(Debug, Clone)]
pub(crate) struct SentResponse {
    pub code: InvoiceResponseCode,
    /// The message's file name, under which it can be downloaded.
    pub file_name: String,
    pub at: Timestamp,
}

/// Why an Invoice Response cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ResponseError {
    #[error("no document `{0}` for this account")]
    NoDocument(String),
    /// The document is not an invoice the tenant received over Peppol, or the response breaks
    /// a BIS rule (`rule`, when one applies).
    #[error("{message}")]
    Refused {
        rule: Option<&'static str>,
        message: String,
    },
    /// The response would break the order OP-BR111 gives after the earlier ones.
    #[error("{message}")]
    OutOfOrder {
        rule: &'static str,
        message: String,
        allowed: Vec<String>,
    },
    #[error("{0}")]
    Inconsistent(String),
}

fn refused(rule: Option<&'static str>, message: String) -> ResponseError {
    ResponseError::Refused { rule, message }
}

/// Sends the tenant's Invoice Response about document `id`, at `ctx.now`.
pub(super) fn respond(
    peppol: &Peppol,
    ctx: &Context<'_>,
    tenant: &TenantId,
    id: &str,
    request: &ResponseRequest,
) -> Result<SentResponse, ResponseError> {
    let doc = ctx
        .store
        .ledger
        .document(tenant, id)
        .ok_or_else(|| ResponseError::NoDocument(id.to_owned()))?;
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
    let Some(transmission) = peppol.transmission(id) else {
        return Err(ResponseError::Inconsistent(format!(
            "{id} has no Peppol transmission"
        )));
    };
    let next = Sent { code, reason };
    if let Err(violation) = check_next(&transmission.responses, &next) {
        return Err(ResponseError::OutOfOrder {
            rule: violation.rule(),
            message: violation.message(),
            allowed: allowed_next(&transmission.responses)
                .into_iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
        });
    }
    let now = ctx.now;
    let name = peppol.records().message_name(MessageKind::InvoiceResponse);
    let response = invoice_response(
        &doc,
        name.trim_end_matches(".xml"),
        now,
        party(peppol, Some(&transmission.receiver)),
        party(peppol, transmission.sender.as_ref()),
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
    keep(peppol, ctx, tenant, &transmission, message, "sent", now);
    if let Some(t) = peppol.records().transmissions.get_mut(id) {
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
    if let Some(change) = ctx
        .store
        .ledger
        .transition(tenant, id, state_after, Some(detail), now)
    {
        record_change(
            ctx,
            tenant,
            &change,
            Some(format!("peppol: Invoice Response {} sent", code.as_str())),
        );
    }
    Ok(SentResponse {
        code,
        file_name: name,
        at: now,
    })
}
