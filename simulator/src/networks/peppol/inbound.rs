//! Invoices other participants send to the integrator over Peppol (`peppol.inbound`): at its
//! time each reaches eisim's access point, now C3 for the integrator, which hands it to the
//! tenant that owns the buyer's endpoint as an incoming document and answers the sender with a
//! Receipt. The tenant can then answer it with Invoice Responses (`respond.rs`).

use std::sync::Arc;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::sending::{document_type, mint_message_id};
use super::state::{Peppol, Transmission};
use crate::clock::later;
use crate::digest::sha256_hex;
use crate::documents::{self, InspectionContext};
use crate::identifiers::peppol::ParticipantId;
use crate::journal::{self, Record};
use crate::lifecycle::record_change;
use crate::runtime::Context;
use crate::store::{DocumentChange, DocumentRecord, InboundOrigin};
use crate::vocabulary::Network;

/// Schedules the scenario's `peppol.inbound` invoices on a new run.
pub(super) fn plan_inbound(peppol: &Arc<Peppol>, ctx: &Context<'_>) {
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
        .records()
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
