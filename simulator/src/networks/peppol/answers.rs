//! The receiving side's answers to a document eisim's access point sent, each rendered as
//! the ApplicationResponse it is and kept with the transmission: C3's Message Level Status,
//! the receiver's Message Level Response and the buyer's Invoice Responses, in the order the
//! scenario's behaviour gives (an MLS AP first when it names none).
//!
//! Gateway states: `delivered` on an MLS AP or AB. An MLS RE is `failed` (FD) or `refused`
//! (BV, SV); an MLR RE or an Invoice Response RE is `refused`; other answers keep the document
//! `delivered` and update its details. An answer after a final state is dropped.
//!
//! The integrator's own Invoice Responses, as the buyer of an invoice it received
//! (`respond.rs`), are made and kept with the same [`invoice_response`], [`party`] and
//! [`keep`].

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;

use super::document_event::DocumentEvent;
use super::sending::{RECEIVING_AP, SENDING_AP};
use super::state::{MessageKind, Peppol, PeppolMessage, Transmission};
use crate::codelists::invoice_response_order::Sent;
use crate::codelists::peppol::{
    InvoiceResponseCode, LineReason, MlrCode, MlsCode, StatusAction, StatusReason,
};
use crate::documents::{self, Format};
use crate::identifiers::peppol::ParticipantId;
use crate::journal::{self, Record};
use crate::networks::peppol::responses::{
    InvoiceResponse, LineError, MessageLevelResponse, MessageLevelStatus, Party,
    render_invoice_response, render_mlr, render_mls,
};
use crate::runtime::Context;
use crate::scenario::Outcome;
use crate::store::{DocumentRecord, NetworkDetail};
use crate::vocabulary::{DocumentState, TenantId};

pub(super) fn default_mls(after: Duration) -> Outcome {
    Outcome {
        after: crate::scenario::Duration::from_millis(
            u64::try_from(after.as_millis()).unwrap_or(u64::MAX),
        ),
        state: None,
        sdi: None,
        ksef: None,
        peppol: None,
        mls: Some("AP".to_owned()),
        mlr: None,
        reason: None,
        action: None,
        text: None,
        errors: Vec::new(),
    }
}

/// One answer from the receiving side, rendered as the ApplicationResponse it is.
pub(super) fn answer(
    peppol: &Arc<Peppol>,
    ctx: &Context<'_>,
    tenant: &TenantId,
    id: &str,
    outcome: &Outcome,
    now: Timestamp,
) {
    let here = DocumentEvent {
        ctx,
        tenant,
        id,
        now,
    };
    let Some(doc) = ctx.store.ledger.document(tenant, id) else {
        return;
    };
    let Some(transmission) = peppol.transmission(id) else {
        return;
    };
    let Some(state) = outcome.gateway_state() else {
        return;
    };
    if doc.state.is_final() && doc.state != DocumentState::Delivered {
        ctx.journal.append(
            now,
            Some(tenant.clone()),
            Record::Simulator {
                message: format!(
                    "peppol: {} for document {id} dropped: the document is already {}",
                    outcome.network_status().unwrap_or_default(),
                    doc.state.as_str()
                ),
            },
        );
        return;
    }
    let rendered = match render_answer(peppol, ctx, &doc, &transmission, outcome, now) {
        Ok(rendered) => rendered,
        Err(why) => {
            ctx.journal.append(
                now,
                Some(tenant.clone()),
                Record::Simulator {
                    message: format!("peppol: answer for document {id} not made: {why}"),
                },
            );
            return;
        }
    };
    let detail = match rendered {
        Some(message) => {
            let detail = NetworkDetail {
                status: outcome.network_status(),
                description: Some(describe(&message, outcome)),
                errors: outcome.errors.clone(),
                network_id: Some(transmission.message_id.clone()),
            };
            keep(peppol, ctx, tenant, &transmission, message, "received", now);
            detail
        }
        None => NetworkDetail {
            status: None,
            description: None,
            errors: outcome.errors.clone(),
            network_id: Some(transmission.message_id.clone()),
        },
    };
    here.move_to(state, detail, "receiving side");
}

fn describe(message: &PeppolMessage, outcome: &Outcome) -> String {
    let what = match message.kind {
        MessageKind::Mls => "Message Level Status from the receiving access point",
        MessageKind::Mlr => "Message Level Response from the receiver",
        MessageKind::InvoiceResponse => "Invoice Response from the buyer",
    };
    let name = match message.kind {
        MessageKind::InvoiceResponse => InvoiceResponseCode::parse(&message.code)
            .map(|c| c.name().to_owned())
            .unwrap_or_default(),
        _ => match message.code.as_str() {
            "AP" => "Accepted".to_owned(),
            "AB" => "Message acknowledgement".to_owned(),
            _ => "Rejected".to_owned(),
        },
    };
    let mut text = format!("{what}: {} ({name})", message.code);
    if let Some(reason) = outcome.reason.as_deref().and_then(StatusReason::parse) {
        text.push_str(&format!("; reason {} ({})", reason.as_str(), reason.name()));
    }
    if let Some(note) = &outcome.text {
        text.push_str(&format!(": {note}"));
    }
    text
}

/// The message an outcome stands for, or `None` for a bare `state:` outcome.
fn render_answer(
    peppol: &Arc<Peppol>,
    _ctx: &Context<'_>,
    doc: &DocumentRecord,
    transmission: &Transmission,
    outcome: &Outcome,
    now: Timestamp,
) -> Result<Option<PeppolMessage>, String> {
    let seller = party(peppol, transmission.sender.as_ref());
    let buyer = party(peppol, Some(&transmission.receiver));
    let mut records = peppol.records();
    if let Some(code) = outcome.mls.as_deref() {
        let code = MlsCode::parse(code).ok_or("not an MLS code")?;
        let name = records.message_name(MessageKind::Mls);
        let lines = outcome
            .errors
            .iter()
            .filter_map(|e| LineReason::parse(e))
            .map(|reason| LineError {
                location: "NA".to_owned(),
                description: mls_line_text(reason).to_owned(),
                reason,
            })
            .collect();
        let xml = render_mls(&MessageLevelStatus {
            id: name.trim_end_matches(".xml").to_owned(),
            issued: now,
            sender_ap: RECEIVING_AP.to_owned(),
            receiver_ap: SENDING_AP.to_owned(),
            code,
            description: (code == MlsCode::RE)
                .then(|| "The message could not be delivered to the receiver".to_owned()),
            referenced_instance: transmission.message_id.clone(),
            lines,
        });
        return Ok(Some(message(
            MessageKind::Mls,
            code.as_str(),
            name,
            now,
            xml,
        )));
    }
    if let Some(code) = outcome.mlr.as_deref() {
        let code = MlrCode::parse(code).ok_or("not an MLR code")?;
        let name = records.message_name(MessageKind::Mlr);
        let lines = outcome
            .errors
            .iter()
            .map(|rule| LineError {
                location: "NA".to_owned(),
                description: documents::ubl::rule_text(rule).map_or_else(
                    || format!("[{rule}] broken in the receiver's validation"),
                    |text| format!("[{rule}]-{text}"),
                ),
                reason: LineReason::BV,
            })
            .collect();
        let xml = render_mlr(&MessageLevelResponse {
            id: name.trim_end_matches(".xml").to_owned(),
            issued: now,
            sender: buyer,
            receiver: seller,
            code,
            description: (code == MlrCode::RE)
                .then(|| format!("Rejected: {} business rule(s) broken", outcome.errors.len())),
            referenced_instance: transmission.message_id.clone(),
            lines,
        });
        return Ok(Some(message(
            MessageKind::Mlr,
            code.as_str(),
            name,
            now,
            xml,
        )));
    }
    if let Some(code) = outcome.peppol.as_deref() {
        let code = InvoiceResponseCode::parse(code).ok_or("not an Invoice Response code")?;
        let reason = outcome.reason.as_deref().and_then(StatusReason::parse);
        let name = records.message_name(MessageKind::InvoiceResponse);
        let xml = render_invoice_response(&invoice_response(
            doc,
            name.trim_end_matches(".xml"),
            now,
            buyer,
            seller,
            code,
            reason,
            outcome.text.clone(),
            outcome.action.as_deref().and_then(StatusAction::parse),
        ));
        if let Some(t) = records.transmissions.get_mut(&doc.id) {
            t.responses.push(Sent { code, reason });
        }
        return Ok(Some(message(
            MessageKind::InvoiceResponse,
            code.as_str(),
            name,
            now,
            xml,
        )));
    }
    Ok(None)
}

fn mls_line_text(reason: LineReason) -> &'static str {
    match reason {
        LineReason::FD => "Failure of delivery: the receiver's end point did not take the document",
        LineReason::BV => "Business rule violation found by the receiving access point",
        LineReason::SV => "Syntax violation found by the receiving access point",
        LineReason::BW => "Business rule warning found by the receiving access point",
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn invoice_response(
    doc: &DocumentRecord,
    id: &str,
    now: Timestamp,
    sender: Party,
    receiver: Party,
    code: InvoiceResponseCode,
    reason: Option<StatusReason>,
    reason_text: Option<String>,
    action: Option<StatusAction>,
) -> InvoiceResponse {
    let invoice = doc.facts.invoices.first();
    InvoiceResponse {
        id: id.to_owned(),
        issued: now,
        sender,
        receiver,
        invoice_id: invoice.map(|i| i.number.clone()).unwrap_or_default(),
        invoice_issue_date: invoice.and_then(|i| i.issue_date.parse().ok()),
        document_type_code: invoice
            .map(|i| i.type_code.clone())
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| {
                if doc.format == Format::UblCreditNote {
                    "381".to_owned()
                } else {
                    "380".to_owned()
                }
            }),
        code,
        reason,
        reason_text,
        actions: action.into_iter().collect(),
        conditions: Vec::new(),
    }
}

/// A participant as a party of an ApplicationResponse, named when the scenario names it.
pub(crate) fn party(peppol: &Peppol, id: Option<&ParticipantId>) -> Party {
    match id {
        // An Invoice Response must name both parties; the id stands in for a name the
        // scenario does not give.
        Some(id) => Party {
            scheme: id.icd.clone(),
            id: id.value.clone(),
            name: Some(
                peppol
                    .service_group(id)
                    .ok()
                    .and_then(|r| r.name.clone())
                    .unwrap_or_else(|| id.wire()),
            ),
        },
        None => Party {
            scheme: "0242".to_owned(),
            id: "UNKNOWN".to_owned(),
            name: Some("Unknown participant".to_owned()),
        },
    }
}

fn message(
    kind: MessageKind,
    code: &str,
    name: String,
    at: Timestamp,
    xml: String,
) -> PeppolMessage {
    PeppolMessage {
        kind,
        code: code.to_owned(),
        name,
        at,
        direction: "received",
        xml: xml.into(),
    }
}

/// Files a message with its transmission and journals it.
pub(crate) fn keep(
    peppol: &Peppol,
    ctx: &Context<'_>,
    tenant: &TenantId,
    transmission: &Transmission,
    mut message: PeppolMessage,
    direction: &'static str,
    now: Timestamp,
) {
    message.direction = direction;
    ctx.journal.append(
        now,
        Some(tenant.clone()),
        Record::PeppolMessage(journal::PeppolMessage {
            document: transmission.document_id.clone(),
            message_id: transmission.message_id.clone(),
            message: message.kind.as_str().to_owned(),
            code: Some(message.code.clone()),
            direction: direction.to_owned(),
            name: Some(message.name.clone()),
            detail: None,
        }),
    );
    if let Some(t) = peppol
        .records()
        .transmissions
        .get_mut(&transmission.document_id)
    {
        t.messages.push(message);
    }
}
