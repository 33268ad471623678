//! A document's trip across the four corners, on the simulator clock.
//!
//! eisim's access point (C2) takes the integrator's document, looks the receiver up (SML,
//! SMP, document type) and sends it over AS4 to the receiving access point (C3). C3 answers on
//! the same exchange with a Receipt or an ebMS error, and later with a Message Level Status;
//! the receiver (C4) may answer with an MLR and, as the buyer, with Invoice Responses. Each
//! step is one event on the agenda and looks at the document as it stands when it fires.
//!
//! Gateway states: `sent` once the AS4 message is out, `accepted` on C3's Receipt, `delivered`
//! on an MLS AP or AB. An MLS RE is `failed` (FD) or `refused` (BV, SV); an MLR RE or an
//! Invoice Response RE is `refused`; other answers keep the document `delivered` and update its
//! details. A receiver nobody serves, a duplicate MessageId and a receiving access point that
//! stays down are `failed`, with the ebMS error code.

use crate::clock::later;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::state::Peppol;
use super::state::{MessageKind, PeppolMessage, Transmission};
use crate::codelists::invoice_response_order::Sent;
use crate::codelists::peppol::{
    InvoiceResponseCode, LineReason, MlrCode, MlsCode, StatusAction, StatusReason,
};
use crate::digest::sha256_hex;
use crate::documents::{self, Format, InspectionContext};
use crate::faults::Availability;
use crate::identifiers::peppol::{self as identifier, ParticipantId};
use crate::journal::{self, Record};
use crate::lifecycle::SubmitOptions;
use crate::lifecycle::{chosen_behaviour, record_change};
use crate::networks::peppol::responses::{
    InvoiceResponse, LineError, MessageLevelResponse, MessageLevelStatus, Party,
    render_invoice_response, render_mlr, render_mls,
};
use crate::runtime::Context;
use crate::scenario::Outcome;
use crate::store::{DocumentChange, DocumentRecord, InboundOrigin, NetworkDetail};
use crate::vocabulary::Network;
use crate::vocabulary::{DocumentState, TenantId};

/// The SPIS ids (ICD 0242: a 6-digit seat id and an optional suffix) of the two access points
/// eisim plays: its own (C2, the sender's) and the receiving one (C3). MLS travels between
/// these two.
pub(crate) const SENDING_AP: &str = "0242:999002-EISIM_C2";
pub(crate) const RECEIVING_AP: &str = "0242:999003-EISIM_C3";
/// Where the SMP says the receiving access point takes AS4 messages. Nothing listens there:
/// the AS4 leg is simulated, not sent.
pub(crate) const RECEIVING_AP_URL: &str = "https://as4.eisim.invalid/as4";

impl Peppol {
    /// The gateway hands over a Peppol document: eisim's access point (C2) sends it with the
    /// AS4 MessageId the integrator chose (`options.message_id`), or one it mints. Outages are
    /// the receiving access point being down, which the sender retries (see `attempt`).
    pub fn submit(
        self: &Arc<Self>,
        ctx: &Context<'_>,
        tenant: &TenantId,
        doc: &DocumentRecord,
        options: &SubmitOptions,
    ) {
        submit(self, ctx, tenant, doc, options.message_id.as_deref());
    }

    /// Schedules the scenario's `peppol.inbound` invoices on a new run.
    pub fn plan_inbound(self: &Arc<Self>, ctx: &Context<'_>) {
        plan_inbound(self, ctx);
    }
}

/// Hands the integrator's document to eisim's access point. `message_id` is the AS4
/// MessageId the integrator chose, if any; otherwise one is minted.
fn submit(
    peppol: &Arc<Peppol>,
    ctx: &Context<'_>,
    tenant: &TenantId,
    doc: &DocumentRecord,
    message_id: Option<&str>,
) {
    let now = ctx.now;
    let message_id = message_id.map_or_else(|| mint_message_id(ctx.seed, &doc.id), str::to_owned);
    let receiver = doc
        .recipient
        .as_deref()
        .and_then(|r| ParticipantId::parse(r).ok());
    let Some(receiver) = receiver else {
        // The gateway refuses a malformed recipient before a document gets here.
        return;
    };
    let transmission = Transmission {
        document_id: doc.id.clone(),
        message_id,
        sender: doc
            .facts
            .sender
            .as_deref()
            .and_then(|s| ParticipantId::parse(s).ok()),
        receiver,
        document_type: document_type(doc.format),
        attempts: 0,
        messages: Vec::new(),
        responses: Vec::new(),
    };
    peppol
        .books()
        .transmissions
        .insert(doc.id.clone(), transmission);
    let at = later(now, peppol.settings.send());
    let tenant = tenant.clone();
    let id = doc.id.clone();
    let peppol = peppol.clone();
    ctx.events.schedule(
        at,
        format!("peppol: document {id} -> AS4 send"),
        move |ctx| {
            attempt(&peppol, ctx, &tenant, &id, ctx.now);
        },
    );
}

fn document_type(format: Format) -> &'static str {
    match format {
        Format::UblCreditNote => identifier::CREDIT_NOTE_DOCUMENT_TYPE,
        _ => identifier::INVOICE_DOCUMENT_TYPE,
    }
}

/// A UUID-shaped MessageId, fixed by the seed and the document.
fn mint_message_id(seed: u64, document_id: &str) -> String {
    let hex = sha256_hex(format!("{seed}:as4:{document_id}").as_bytes());
    let part = |from: usize, to: usize| hex.get(from..to).unwrap_or("0");
    format!(
        "{}-{}-{}-{}-{}@eisim",
        part(0, 8),
        part(8, 12),
        part(12, 16),
        part(16, 20),
        part(20, 32)
    )
}

/// One AS4 send: the lookup before the first, then C3's answer.
fn attempt(peppol: &Arc<Peppol>, ctx: &Context<'_>, tenant: &TenantId, id: &str, now: Timestamp) {
    let here = DocumentEvent {
        ctx,
        tenant,
        id,
        now,
    };
    let Some(transmission) = ({
        let mut books = peppol.books();
        books.transmissions.get_mut(id).map(|t| {
            t.attempts += 1;
            t.clone()
        })
    }) else {
        return;
    };
    let log = |message: &str, code: Option<&str>, direction: &str, detail: String| {
        here.log(&transmission.message_id, message, code, direction, detail);
    };
    if transmission.attempts == 1 {
        if let Err(failure) = peppol.lookup(&transmission.receiver, transmission.document_type) {
            log(
                "lookup",
                None,
                "sent",
                format!("{} lookup failed: {}", failure.layer(), failure.message()),
            );
            let detail = NetworkDetail {
                status: Some("EBMS:0004".to_owned()),
                description: Some(format!(
                    "PEPPOL:NOT_SERVICED: {} cannot be reached for this document type ({})",
                    transmission.receiver.wire(),
                    failure.message()
                )),
                errors: vec!["PEPPOL:NOT_SERVICED".to_owned()],
                network_id: Some(transmission.message_id.clone()),
            };
            here.move_to(DocumentState::Failed, detail, "not serviced");
            return;
        }
        let detail = detail(
            &transmission,
            None,
            format!(
                "AS4 message {} sent to the receiving access point of {}",
                transmission.message_id,
                transmission.receiver.wire()
            ),
        );
        here.move_to(DocumentState::Sent, detail, "AS4 send");
    }
    log(
        "as4_send",
        None,
        "sent",
        format!(
            "attempt {} to {RECEIVING_AP_URL} for {}",
            transmission.attempts,
            transmission.receiver.wire()
        ),
    );

    if let Availability::HeldUntil { fault, .. } | Availability::HeldForGood { fault } =
        ctx.faults.availability(Network::Peppol, now)
    {
        ctx.journal.append(
            now,
            Some(tenant.clone()),
            Record::FaultInjected {
                fault: fault + 1,
                fault_kind: "outage".to_owned(),
                target: format!("document {id}"),
                status: None,
                detail: Some(format!(
                    "the receiving access point is down; AS4 send {} failed",
                    transmission.attempts
                )),
            },
        );
        log(
            "ebms_error",
            Some("EBMS:0005"),
            "received",
            "ConnectionFailure: the receiving access point did not answer".to_owned(),
        );
        let retries = peppol.settings.retries();
        let index = usize::try_from(transmission.attempts).unwrap_or(usize::MAX) - 1;
        match retries.get(index) {
            Some(delay) => {
                let tenant = tenant.clone();
                let document = id.to_owned();
                let peppol = peppol.clone();
                ctx.events.schedule(
                    later(now, *delay),
                    format!("peppol: document {id} -> AS4 resend"),
                    move |ctx| attempt(&peppol, ctx, &tenant, &document, ctx.now),
                );
            }
            None => {
                let detail = detail(
                    &transmission,
                    Some("EBMS:0005"),
                    format!(
                        "ConnectionFailure: the receiving access point did not answer {} AS4 sends; eisim's access point gave up",
                        transmission.attempts
                    ),
                );
                here.move_to(DocumentState::Failed, detail, "gave up");
            }
        }
        return;
    }

    let key = transmission.message_id.to_ascii_lowercase();
    let window = peppol.settings.duplicate_window();
    let duplicate_of = {
        let mut books = peppol.books();
        match books.seen_message_ids.get(&key) {
            Some(seen) if later(*seen, window) > now => Some(*seen),
            _ => {
                books.seen_message_ids.insert(key, now);
                None
            }
        }
    };
    if let Some(seen) = duplicate_of {
        log(
            "ebms_error",
            Some("EBMS:4001"),
            "received",
            format!("DuplicateDetected: MessageId first received at {seen}"),
        );
        let detail = detail(
            &transmission,
            Some("EBMS:4001"),
            format!(
                "DuplicateDetected: the receiving access point already received MessageId {} at {seen}, within its {}-minute window",
                transmission.message_id,
                window.as_secs() / 60
            ),
        );
        here.move_to(DocumentState::Failed, detail, "duplicate");
        return;
    }

    let receipt_at = later(now, peppol.settings.receipt());
    let tenant = tenant.clone();
    let document = id.to_owned();
    let peppol = peppol.clone();
    ctx.events.schedule(
        receipt_at,
        format!("peppol: document {id} -> AS4 Receipt"),
        move |ctx| receipt(&peppol, ctx, &tenant, &document, ctx.now),
    );
}

/// C3's Receipt: the message is across at transport level. The receiving side's answers
/// follow on the agenda.
fn receipt(peppol: &Arc<Peppol>, ctx: &Context<'_>, tenant: &TenantId, id: &str, now: Timestamp) {
    let here = DocumentEvent {
        ctx,
        tenant,
        id,
        now,
    };
    let Some(transmission) = peppol.transmission(id) else {
        return;
    };
    here.log(
        &transmission.message_id,
        "as4_receipt",
        None,
        "received",
        format!("signed Receipt from {RECEIVING_AP}"),
    );
    let detail = detail(
        &transmission,
        None,
        format!("AS4 Receipt from the receiving access point ({RECEIVING_AP})"),
    );
    here.move_to(DocumentState::Accepted, detail, "AS4 Receipt");

    let Some(doc) = ctx.store.ledger.document(tenant, id) else {
        return;
    };
    let chosen = chosen_behaviour(ctx.seed, &ctx.scenario.behaviours, &doc);
    let mut answers: Vec<Outcome> = chosen.map(|b| b.then.clone()).unwrap_or_default();
    if answers.first().is_none_or(|first| first.mls.is_none()) {
        answers.insert(0, default_mls(peppol.settings.mls()));
    }
    let mut at = now;
    for outcome in answers {
        at = later(at, outcome.after.as_std());
        let tenant = tenant.clone();
        let document = id.to_owned();
        let label = format!(
            "peppol: document {id} -> {}",
            outcome
                .network_status()
                .unwrap_or_else(|| "state change".to_owned())
        );
        let peppol = peppol.clone();
        ctx.events.schedule(at, label, move |ctx| {
            answer(&peppol, ctx, &tenant, &document, &outcome, ctx.now);
        });
    }
}

fn default_mls(after: Duration) -> Outcome {
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
fn answer(
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
    let mut books = peppol.books();
    if let Some(code) = outcome.mls.as_deref() {
        let code = MlsCode::parse(code).ok_or("not an MLS code")?;
        let name = books.message_name(MessageKind::Mls);
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
        let name = books.message_name(MessageKind::Mlr);
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
        let name = books.message_name(MessageKind::InvoiceResponse);
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
        if let Some(t) = books.transmissions.get_mut(&doc.id) {
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
        .books()
        .transmissions
        .get_mut(&transmission.document_id)
    {
        t.messages.push(message);
    }
}

/// An event about one document: which document, and the moment it fires.
struct DocumentEvent<'a> {
    ctx: &'a Context<'a>,
    tenant: &'a TenantId,
    id: &'a str,
    now: Timestamp,
}

impl DocumentEvent<'_> {
    /// Journals one exchange about the document that carries no downloadable message.
    fn log(
        &self,
        message_id: &str,
        message: &str,
        code: Option<&str>,
        direction: &str,
        detail: String,
    ) {
        self.ctx.journal.append(
            self.now,
            Some(self.tenant.clone()),
            Record::PeppolMessage(journal::PeppolMessage {
                document: self.id.to_owned(),
                message_id: message_id.to_owned(),
                message: message.to_owned(),
                code: code.map(str::to_owned),
                direction: direction.to_owned(),
                name: None,
                detail: Some(detail),
            }),
        );
    }

    /// Moves the document on the ledger and, when that changes anything, journals it and raises
    /// its webhooks.
    fn move_to(&self, state: DocumentState, detail: NetworkDetail, why: &str) {
        if let Some(change) =
            self.ctx
                .store
                .ledger
                .transition(self.tenant, self.id, state, Some(detail), self.now)
        {
            record_change(
                &self.ctx.at(self.now),
                self.tenant,
                &change,
                Some(format!("peppol: {why}")),
            );
        }
    }
}

/// The network detail of a transmission's step: its code, what it means, and the MessageId.
fn detail(transmission: &Transmission, status: Option<&str>, description: String) -> NetworkDetail {
    NetworkDetail {
        status: status.map(str::to_owned),
        description: Some(description),
        errors: Vec::new(),
        network_id: Some(transmission.message_id.clone()),
    }
}

// --- inbound ---

fn plan_inbound(peppol: &Arc<Peppol>, ctx: &Context<'_>) {
    let start = ctx.clock.start();
    for (index, inbound) in peppol.settings.inbound.iter().enumerate() {
        let Some(bytes) = inbound.bytes.clone() else {
            // Only a scenario read from a file can name files; `parse` alone leaves them unread.
            continue;
        };
        let file = inbound.file.clone();
        let peppol = peppol.clone();
        ctx.events.schedule(
            later(start, inbound.at.as_std()),
            format!("peppol: {file} arrives for the integrator"),
            move |ctx| receive_inbound(&peppol, ctx, index, &file, &bytes, ctx.now),
        );
    }
}

/// An invoice another participant sent: eisim's access point is C3 for the integrator, and
/// hands it to the tenant that owns the buyer's endpoint.
fn receive_inbound(
    peppol: &Arc<Peppol>,
    ctx: &Context<'_>,
    index: usize,
    file: &str,
    bytes: &[u8],
    now: Timestamp,
) {
    let note = |message: String| {
        ctx.journal.append(now, None, Record::Simulator { message });
    };
    let context = InspectionContext {
        received: now.to_zoned(TimeZone::UTC).date(),
        file_name: None,
    };
    let inspection = match documents::inspect(bytes, &context) {
        Ok(inspection) if inspection.format.network() == Network::Peppol => inspection,
        Ok(inspection) => {
            note(format!(
                "peppol.inbound[{index}] ({file}) is {}, not a UBL invoice or credit note; not received",
                inspection.format.as_str()
            ));
            return;
        }
        Err(error) => {
            note(format!(
                "peppol.inbound[{index}] ({file}) cannot be read: {error}"
            ));
            return;
        }
    };
    let Some(receiver) = inspection
        .facts
        .recipient
        .as_deref()
        .and_then(|r| ParticipantId::parse(r).ok())
    else {
        note(format!(
            "peppol.inbound[{index}] ({file}) names no valid buyer EndpointID; not received"
        ));
        return;
    };
    let Some(tenant) = peppol.owner(&receiver).cloned() else {
        note(format!(
            "peppol.inbound[{index}] ({file}) is for {}, which is no tenant's participant; not received",
            receiver.wire()
        ));
        return;
    };
    let id = ctx.store.ledger.mint_id("inv", ctx.seed);
    let message_id = mint_message_id(ctx.seed, &id);
    let record = DocumentRecord::inbound(
        InboundOrigin {
            id: id.clone(),
            submission_id: format!("peppol-{message_id}"),
            network: Network::Peppol,
            recipient: receiver.short(),
            network_id: message_id.clone(),
            content_hash: sha256_hex(bytes),
            bytes: bytes.to_vec().into(),
        },
        inspection.clone(),
        now,
    );
    let file_name = std::path::Path::new(file).file_name().map_or_else(
        || file.to_owned(),
        |name| name.to_string_lossy().into_owned(),
    );
    crate::lifecycle::file_inbound(&ctx.at(now), &tenant, &record, file_name);
    let transmission = Transmission {
        document_id: id.clone(),
        message_id: message_id.clone(),
        sender: inspection
            .facts
            .sender
            .as_deref()
            .and_then(|s| ParticipantId::parse(s).ok()),
        receiver,
        document_type: document_type(inspection.format),
        attempts: 1,
        messages: Vec::new(),
        responses: Vec::new(),
    };
    peppol
        .books()
        .transmissions
        .insert(id.clone(), transmission);
    ctx.journal.append(
        now,
        Some(tenant.clone()),
        Record::PeppolMessage(journal::PeppolMessage {
            document: id.clone(),
            message_id,
            message: "as4_receipt".to_owned(),
            code: None,
            direction: "sent".to_owned(),
            name: None,
            detail: Some(format!(
                "received {file} and answered with a signed Receipt"
            )),
        }),
    );
    record_change(
        &ctx.at(now),
        &tenant,
        &DocumentChange::of(&record, None),
        Some(format!("received over Peppol ({file})")),
    );
}
