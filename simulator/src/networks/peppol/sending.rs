//! A document's trip across the four corners, on the simulator clock.
//!
//! eisim's access point (C2) takes the integrator's document, looks the receiver up (SML,
//! SMP, document type) and sends it over AS4 to the receiving access point (C3). C3 answers on
//! the same exchange with a Receipt or an ebMS error; the receiving side's later answers (MLS,
//! MLR, Invoice Responses) are planned at the Receipt and made in `answers.rs`. Each step is
//! one event on the agenda and looks at the document as it stands when it fires.
//!
//! Gateway states: `sent` once the AS4 message is out, `accepted` on C3's Receipt. A receiver
//! nobody serves, a duplicate MessageId and a receiving access point that stays down are
//! `failed`, with the ebMS error code.

use std::sync::Arc;

use jiff::Timestamp;

use super::answers::{answer, default_mls};
use super::document_event::{DocumentEvent, detail};
use super::state::{Peppol, Transmission};
use crate::clock::later;
use crate::digest::sha256_hex;
use crate::documents::Format;
use crate::faults::Availability;
use crate::identifiers::peppol::{self as identifier, ParticipantId};
use crate::journal::Record;
use crate::lifecycle::chosen_behaviour;
use crate::runtime::Context;
use crate::scenario::Outcome;
use crate::store::{DocumentRecord, NetworkDetail};
use crate::vocabulary::{DocumentState, Network, TenantId};

/// The SPIS ids (ICD 0242: a 6-digit seat id and an optional suffix) of the two access points
/// eisim plays: its own (C2, the sender's) and the receiving one (C3). MLS travels between
/// these two.
pub(crate) const SENDING_AP: &str = "0242:999002-EISIM_C2";
pub(crate) const RECEIVING_AP: &str = "0242:999003-EISIM_C3";
/// Where the SMP says the receiving access point takes AS4 messages. Nothing listens there:
/// the AS4 leg is simulated, not sent.
pub(crate) const RECEIVING_AP_URL: &str = "https://as4.eisim.invalid/as4";

/// Hands the integrator's document to eisim's access point. `message_id` is the AS4
/// MessageId the integrator chose, if any; otherwise one is minted.
pub(super) fn submit(
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
        .records()
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

pub(super) fn document_type(format: Format) -> &'static str {
    match format {
        Format::UblCreditNote => identifier::CREDIT_NOTE_DOCUMENT_TYPE,
        _ => identifier::INVOICE_DOCUMENT_TYPE,
    }
}

/// A UUID-shaped MessageId, fixed by the seed and the document.
pub(super) fn mint_message_id(seed: u64, document_id: &str) -> String {
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
        let mut records = peppol.records();
        records.transmissions.get_mut(id).map(|t| {
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
        let mut records = peppol.records();
        match records.seen_message_ids.get(&key) {
            Some(seen) if later(*seen, window) > now => Some(*seen),
            _ => {
                records.seen_message_ids.insert(key, now);
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
