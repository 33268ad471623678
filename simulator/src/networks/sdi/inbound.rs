//! Invoices other suppliers send to the integrator (`sdi.inbound`): SDI checks each and
//! delivers it to the integrator's `RicezioneFatture` service (`RiceviFatture` with its
//! metadata) when the channel has one, retrying until the integrator takes it, otherwise
//! straight to the tenant's gateway inbox. Once taken, the invoice appears in the gateway as an
//! incoming document.

use std::sync::Arc;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::delivery::{attestazione, delivered, reserved_area, undelivered};
use super::issue::{issue, wire_bytes};
use super::outbox::{Job, JobPurpose};
use super::reception::{Arrival, receive};
use super::registry::FileId;
use super::soap;
use super::state::{Channel, FileState, Party, Sdi, SdiFile};
use crate::clock::later;
use crate::codelists::sdi::Family;
use crate::documents::{self, InspectionContext};
use crate::lifecycle::record_change;
use crate::networks::sdi::messages::Body;
use crate::runtime::Context;
use crate::store::{DocumentChange, DocumentRecord, InboundOrigin};
use crate::vocabulary::Network;

/// Puts the scenario's inbound invoices (`sdi.inbound`) on the event queue of a new run:
/// each reaches SDI `at` after the start, named as its file is.
/// The `.p7m` a supplier sends when the scenario wants this inbound invoice signed (its own
/// `signed`, else a draw against `inbound_signed`): signed by eisim's test signer a minute
/// before SDI receives it, named `<name>.p7m`.
fn signed_inbound(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    inbound: &crate::scenario::InboundInvoice,
    file_name: &str,
    bytes: &Arc<[u8]>,
    at: jiff::Timestamp,
) -> Option<(String, Arc<[u8]>)> {
    let wanted = inbound.signed.unwrap_or_else(|| {
        sdi.settings.inbound_signed.is_some_and(|share| {
            crate::digest::unit_draw(&format!("{}:sdi-inbound-signed:{file_name}", ctx.seed))
                < share.get()
        })
    });
    if !wanted || file_name.to_ascii_lowercase().ends_with(".p7m") {
        return None;
    }
    let signed_at = at
        .checked_sub(jiff::SignedDuration::from_mins(1))
        .unwrap_or(at);
    match crate::signed::sign::cades_test(bytes, signed_at) {
        Ok(p7m) => Some((format!("{file_name}.p7m"), Arc::from(p7m))),
        Err(error) => {
            ctx.journal.append(
                ctx.now,
                sdi.channel_tenant.clone(),
                crate::journal::Record::Simulator {
                    message: format!(
                        "sdi: inbound {file_name} not signed, sent as plain XML: {error}"
                    ),
                },
            );
            None
        }
    }
}

pub(super) fn plan_inbound(sdi: &Arc<Sdi>, ctx: &Context<'_>) {
    let start = ctx.clock.start();
    for inbound in &sdi.settings.inbound {
        let file_name = std::path::Path::new(&inbound.file).file_name().map_or_else(
            || inbound.file.clone(),
            |n| n.to_string_lossy().into_owned(),
        );
        let at = later(start, inbound.at.as_std());
        let Some(bytes) = inbound.bytes.clone() else {
            // Only a scenario read from a file can name files; `parse` alone leaves them unread.
            continue;
        };
        let (file_name, bytes) = match signed_inbound(sdi, ctx, inbound, &file_name, &bytes, at) {
            Some(signed) => signed,
            None => (file_name, bytes),
        };
        let arrival = Arrival {
            file_name: Some(file_name.clone()),
            bytes,
            channel: Channel::Inbound,
            tenant: sdi.channel_tenant.clone(),
            document_id: None,
            archive: None,
            prior: None,
        };
        let sdi = sdi.clone();
        ctx.events.schedule(
            at,
            format!("sdi: {file_name} arrives for the integrator"),
            move |ctx| {
                receive(&sdi, ctx, arrival, ctx.now);
            },
        );
    }
}

/// Delivers an inbound file: to the integrator's `RicezioneFatture` when it has one (the
/// answer decides), otherwise straight to its gateway inbox.
pub(crate) fn attempt_inbound_delivery(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    id: FileId,
    now: Timestamp,
) {
    let endpoint = sdi.endpoints();
    let attempts = {
        let mut records = sdi.records();
        let Some(file) = records.files.get_mut(&id) else {
            return;
        };
        if !matches!(
            file.state,
            FileState::DeliveryPending | FileState::Undelivered
        ) {
            return;
        }
        file.delivery_attempts += 1;
        file.delivery_attempts
    };
    let Some(url) = endpoint.ricezione_fatture else {
        inbound_answered(sdi, ctx, id, true, now);
        return;
    };
    let Some(file) = sdi.file(id) else {
        return;
    };
    let format = file.format.clone();
    let Some(metadata) = issue(
        sdi,
        ctx,
        id,
        Body::Metadati {
            recipient_code: file.recipient_code.clone(),
            format,
            attempts,
        },
        Party::Recipient,
        now,
    ) else {
        return;
    };
    let Some(metadata_bytes) = wire_bytes(ctx.journal, &file, &metadata, now) else {
        return;
    };
    let call = soap::ricevi_fatture(
        id,
        &file.file_name,
        &file.bytes,
        &metadata.file_name,
        &metadata_bytes,
        endpoint.mtom,
    );
    sdi.outbox.send(Job {
        run: sdi.run,
        tenant: file.tenant.clone(),
        url,
        operation: "RiceviFatture",
        call,
        identificativo_sdi: id,
        file_name: file.file_name.clone(),
        purpose: JobPurpose::InboundDelivery,
    });
}

/// The integrator's answer to `RiceviFatture` (or the gateway inbox taking the file).
pub(crate) fn inbound_answered(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    id: FileId,
    taken: bool,
    now: Timestamp,
) {
    let Some(file) = sdi.file(id) else {
        return;
    };
    if !matches!(
        file.state,
        FileState::DeliveryPending | FileState::Undelivered
    ) {
        return;
    }
    let settings = &sdi.settings;
    if taken {
        delivered(sdi, ctx, &file, now);
        record_inbound_document(sdi, ctx, &file, now);
        return;
    }
    let window_closed = now >= later(file.received_at, settings.first_attempt());
    match (file.family, file.state) {
        (Family::B2b, _) if window_closed => {
            reserved_area(
                sdi,
                ctx,
                &file,
                "La fattura è a disposizione del destinatario nella sua area riservata",
                now,
            );
            record_inbound_document(sdi, ctx, &file, now);
            return;
        }
        (Family::Pa, FileState::DeliveryPending) if window_closed => {
            undelivered(sdi, ctx, &file, None, now);
        }
        (Family::Pa, FileState::Undelivered)
            if file
                .undelivered_at
                .is_some_and(|at| now >= later(at, settings.retry_period())) =>
        {
            attestazione(sdi, ctx, &file, now);
            return;
        }
        _ => {}
    }
    let at = later(now, settings.redelivery());
    let sdi = sdi.clone();
    ctx.events.schedule(
        at,
        format!("sdi: delivery attempt for {}", file.file_name),
        move |ctx| attempt_inbound_delivery(&sdi, ctx, id, ctx.now),
    );
}

/// The inbound invoice appears in the tenant's gateway (`direction: incoming`), raising
/// `invoice.received`.
fn record_inbound_document(sdi: &Arc<Sdi>, ctx: &Context<'_>, file: &SdiFile, now: Timestamp) {
    let Some(tenant) = file.tenant.clone() else {
        return;
    };
    let context = InspectionContext {
        received: now.to_zoned(TimeZone::UTC).date(),
        file_name: Some(file.file_name.clone()),
    };
    // A signed file shows in the gateway as the invoice it carries; the `.p7m` itself stays
    // downloadable under its SDI name (`GET /api/v1/invoices/{id}/notifications/{name}`).
    let invoice = file.invoice.clone().unwrap_or_else(|| file.bytes.clone());
    let Ok(inspection) = documents::inspect(&invoice, &context) else {
        return;
    };
    let id = ctx.store.ledger.mint_id("inv", ctx.seed);
    let record = DocumentRecord::inbound(
        InboundOrigin {
            id: id.clone(),
            submission_id: format!("sdi-{}", file.identificativo_sdi),
            network: Network::Sdi,
            recipient: format!("SDI:{}", file.recipient_code),
            network_id: file.identificativo_sdi.to_string(),
            content_hash: file.hash.clone(),
            bytes: invoice,
        },
        inspection,
        now,
    );
    crate::lifecycle::file_inbound(&ctx.at(now), &tenant, &record, file.file_name.clone());
    {
        let mut records = sdi.records();
        records.by_document.insert(id, file.identificativo_sdi);
        if let Some(f) = records.files.get_mut(&file.identificativo_sdi) {
            f.document_id = Some(record.id.clone());
        }
    }
    record_change(
        &ctx.at(now),
        &tenant,
        &DocumentChange::of(&record, None),
        Some(format!(
            "received from SDI as {} (IdentificativoSdI {})",
            file.file_name, file.identificativo_sdi
        )),
    );
}
