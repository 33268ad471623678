//! Delivering a file to its recipient, and what SDI tells the transmitter about it: RC when
//! the recipient has the invoice; when the first delivery fails, MC and ten days of retries
//! ending in AT for an administration (FPA12), or the recipient's reserved area for a business
//! (FPR12).
//!
//! Reception plans these steps as the scenario's behaviour says ([`Planned`]); each looks at
//! where the file stands when it fires, so a late step cannot undo a final state (an RC after
//! the attestation is dropped). Inbound files reach the integrator through `inbound.rs`, which
//! ends in the same RC, MC, AT or reserved area.

use std::sync::Arc;

use jiff::Timestamp;

use super::file_state::{note, set_state, set_state_at, update_gateway};
use super::issue::issue;
use super::outcome::{plan_deadline, recipient_outcome};
use super::registry::FileId;
use super::state::{FileState, Party, Sdi, SdiFile};
use crate::civil_time::central_european_date;
use crate::clock::later;
use crate::codelists::sdi::{Family, MessageType};
use crate::networks::sdi::messages::{Body, Esito};
use crate::runtime::Context;
use crate::vocabulary::{DocumentState, Network};

/// What the scenario's behaviour says will happen after the checks.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Planned {
    Deliver,
    FailDelivery,
    Outcome {
        esito: Esito,
        description: Option<String>,
    },
}

pub(super) fn run_planned(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    id: FileId,
    planned: &Planned,
    now: Timestamp,
) {
    let Some(file) = sdi.file(id) else {
        return;
    };
    match planned {
        Planned::Deliver => deliver(sdi, ctx, &file, now),
        Planned::FailDelivery => fail_delivery(sdi, ctx, &file, now),
        Planned::Outcome { esito, description } => {
            recipient_outcome(sdi, ctx, &file, *esito, description.clone(), now);
        }
    }
}

/// RC: the recipient has the invoice. For a PA the outcome deadline starts now.
fn deliver(sdi: &Arc<Sdi>, ctx: &Context<'_>, file: &SdiFile, now: Timestamp) {
    if !matches!(
        file.state,
        FileState::DeliveryPending | FileState::Undelivered
    ) {
        note(
            ctx.journal,
            file,
            now,
            format!("RC not sent: the file is {:?}", file.state),
        );
        return;
    }
    delivered(sdi, ctx, file, now);
}

/// The file reached its recipient: RC to the transmitter, and for a PA the outcome deadline
/// starts. Shared by files the integrator sent and files sent to it.
pub(super) fn delivered(sdi: &Arc<Sdi>, ctx: &Context<'_>, file: &SdiFile, now: Timestamp) {
    let id = file.identificativo_sdi;
    set_state_at(sdi, ctx, id, FileState::Delivered, now, |f| {
        f.delivered_at = Some(now);
    });
    issue(
        sdi,
        ctx,
        id,
        Body::RicevutaConsegna {
            delivered_at: now,
            recipient_code: file.recipient_code.clone(),
            recipient_name: recipient_name(sdi, ctx, &file.recipient_code),
        },
        Party::Transmitter,
        now,
    );
    update_gateway(
        sdi,
        ctx,
        id,
        DocumentState::Delivered,
        Some(MessageType::RC),
        Vec::new(),
        now,
    );
    if file.family == Family::Pa {
        plan_deadline(sdi, ctx, file, now);
    }
}

/// The first delivery did not get through. PA: MC and retries until AT. B2B: the invoice
/// goes to the recipient's reserved area, for good.
fn fail_delivery(sdi: &Arc<Sdi>, ctx: &Context<'_>, file: &SdiFile, now: Timestamp) {
    if file.state != FileState::DeliveryPending {
        note(
            ctx.journal,
            file,
            now,
            format!("MC not sent: the file is {:?}", file.state),
        );
        return;
    }
    let id = file.identificativo_sdi;
    match file.family {
        Family::Pa => {
            undelivered(
                sdi,
                ctx,
                file,
                Some(
                    "Impossibilità di recapitare la fattura: il Sistema di Interscambio ritenterà l'invio per 10 giorni"
                        .to_owned(),
                ),
                now,
            );
            let at = later(now, sdi.settings.retry_period());
            let sdi = sdi.clone();
            ctx.events.schedule(
                at,
                format!("sdi: retry period over for {}", file.file_name),
                move |ctx| {
                    if let Some(file) = sdi.file(id)
                        && file.state == FileState::Undelivered
                    {
                        attestazione(&sdi, ctx, &file, ctx.now);
                    }
                },
            );
        }
        Family::B2b => reserved_area(
            sdi,
            ctx,
            file,
            "La fattura è a disposizione del destinatario nella sua area riservata del sito dell'Agenzia delle Entrate",
            now,
        ),
    }
}

/// PA: the first delivery window closed without success: MC to the transmitter while SDI
/// keeps trying.
pub(super) fn undelivered(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    file: &SdiFile,
    description: Option<String>,
    now: Timestamp,
) {
    let id = file.identificativo_sdi;
    set_state_at(sdi, ctx, id, FileState::Undelivered, now, |f| {
        f.undelivered_at = Some(now);
    });
    issue(
        sdi,
        ctx,
        id,
        Body::MancataConsegna {
            description,
            available_from: Some(central_european_date(now)),
        },
        Party::Transmitter,
        now,
    );
    update_gateway(
        sdi,
        ctx,
        id,
        DocumentState::Accepted,
        Some(MessageType::MC),
        Vec::new(),
        now,
    );
}

/// B2B: delivery is impossible; the invoice waits in the recipient's reserved area and counts
/// as issued (RicevutaImpossibilitaRecapito, final).
pub(super) fn reserved_area(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    file: &SdiFile,
    description: &str,
    now: Timestamp,
) {
    let id = file.identificativo_sdi;
    set_state(sdi, ctx, id, FileState::ReservedArea, now);
    issue(
        sdi,
        ctx,
        id,
        Body::MancataConsegna {
            description: Some(description.to_owned()),
            available_from: Some(central_european_date(now)),
        },
        Party::Transmitter,
        now,
    );
    update_gateway(
        sdi,
        ctx,
        id,
        DocumentState::Delivered,
        Some(MessageType::MC),
        Vec::new(),
        now,
    );
}

/// AT: ten days of retries failed; the transmitter gets the attestation with its invoice and
/// must deliver it by other means.
pub(super) fn attestazione(sdi: &Arc<Sdi>, ctx: &Context<'_>, file: &SdiFile, now: Timestamp) {
    let id = file.identificativo_sdi;
    set_state(sdi, ctx, id, FileState::Attested, now);
    issue(
        sdi,
        ctx,
        id,
        Body::Attestazione {
            recipient_code: file.recipient_code.clone(),
            recipient_name: recipient_name(sdi, ctx, &file.recipient_code),
        },
        Party::Transmitter,
        now,
    );
    update_gateway(
        sdi,
        ctx,
        id,
        DocumentState::Failed,
        Some(MessageType::AT),
        Vec::new(),
        now,
    );
}

fn recipient_name(_sdi: &Arc<Sdi>, ctx: &Context<'_>, code: &str) -> Option<String> {
    ctx.store
        .participant(Network::Sdi, &format!("SDI:{code}"))
        .and_then(|p| p.name.clone())
}
