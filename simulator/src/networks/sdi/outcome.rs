//! The recipient's outcome on an invoice to a public administration (FPA12): the
//! administration's EC (esito committente), accepted or refused, reaches the transmitter as an
//! NE when it comes within `outcome_deadline` of the RC; a late or inadmissible one is answered
//! with an SE (scarto esito) to the administration; none at all makes the DT (decorrenza
//! termini), to both sides.
//!
//! The outcome comes from the scenario (a simulated administration) or, for a file delivered to
//! the integrator, from the integrator itself over SDICoop ([`Sdi::take_esito`]).

use std::sync::Arc;

use jiff::Timestamp;

use super::file_state::{note, set_state, update_gateway};
use super::issue::{issue, journal_message, store_received};
use super::message_bytes::MessageBytes;
use super::registry::FileId;
use super::soap::EsitoNotifica;
use super::state::{Channel, FileState, Party, Sdi, SdiFile, StoredMessage};
use crate::clock::later;
use crate::codelists::sdi::{Family, MessageType};
use crate::journal::Record;
use crate::networks::sdi::messages::{
    Body, Esito, EsitoCommittente, InvoiceRef, Scarto, parse_esito_committente,
};
use crate::runtime::Context;
use crate::vocabulary::DocumentState;

pub(super) fn plan_deadline(sdi: &Arc<Sdi>, ctx: &Context<'_>, file: &SdiFile, now: Timestamp) {
    let id = file.identificativo_sdi;
    let at = later(now, sdi.settings.outcome_deadline());
    let sdi = sdi.clone();
    ctx.events.schedule(
        at,
        format!("sdi: outcome deadline for {}", file.file_name),
        move |ctx| {
            let Some(file) = sdi.file(id) else {
                return;
            };
            if file.state == FileState::Delivered {
                decorrenza_termini(&sdi, ctx, &file, ctx.now);
            }
        },
    );
}

/// DT: no outcome in time. The transmitter and the administration both get it.
fn decorrenza_termini(sdi: &Arc<Sdi>, ctx: &Context<'_>, file: &SdiFile, now: Timestamp) {
    let id = file.identificativo_sdi;
    set_state(sdi, ctx, id, FileState::Expired, now);
    let invoice = lone_invoice(file);
    issue(
        sdi,
        ctx,
        id,
        Body::DecorrenzaTermini {
            invoice,
            description: Some(
                "Decorsi i termini per la notifica di esito da parte del committente".to_owned(),
            ),
        },
        if file.channel == Channel::Inbound {
            Party::Recipient
        } else {
            Party::Transmitter
        },
        now,
    );
    update_gateway(
        sdi,
        ctx,
        id,
        DocumentState::Delivered,
        Some(MessageType::DT),
        Vec::new(),
        now,
    );
}

/// A (simulated) administration answers: in time, NE to the transmitter; too late or about a
/// file it cannot answer for, SDI refuses its notice (SE EN01).
pub(super) fn recipient_outcome(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    file: &SdiFile,
    esito: Esito,
    description: Option<String>,
    now: Timestamp,
) {
    let outcome = EsitoCommittente {
        identificativo_sdi: file.identificativo_sdi,
        invoice: lone_invoice(file),
        esito,
        description,
        message_id_committente: None,
    };
    if file.family == Family::B2b {
        note(
            ctx.journal,
            file,
            now,
            "an outcome (EC) exists only for invoices to public administrations (FPA12); the behaviour's NE was not sent".to_owned(),
        );
        return;
    }
    store_received(
        sdi,
        ctx,
        file.identificativo_sdi,
        Body::EsitoCommittente(outcome.clone()),
        now,
    );
    match accept_outcome(sdi, ctx, file, &outcome, now) {
        Ok(()) => {}
        Err(scarto) => {
            issue(
                sdi,
                ctx,
                file.identificativo_sdi,
                Body::ScartoEsito {
                    invoice: outcome.invoice.clone(),
                    scarto,
                    message_id_committente: None,
                },
                Party::Recipient,
                now,
            );
        }
    }
}

/// An outcome SDI can take: NE to the transmitter, the file final. Otherwise why not (EN01).
pub(crate) fn accept_outcome(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    file: &SdiFile,
    outcome: &EsitoCommittente,
    now: Timestamp,
) -> Result<(), Scarto> {
    let deadline = file
        .delivered_at
        .map(|at| later(at, sdi.settings.outcome_deadline()));
    let in_time = file.state == FileState::Delivered && deadline.is_some_and(|d| now <= d);
    if !in_time || file.family != Family::Pa {
        note(
            ctx.journal,
            file,
            now,
            format!(
                "outcome {} refused (EN01): the file is {:?}{}",
                outcome.esito.as_str(),
                file.state,
                if file.state == FileState::Expired {
                    ", its deadline passed"
                } else {
                    ""
                }
            ),
        );
        return Err(Scarto::NonAmmissibile);
    }
    let id = file.identificativo_sdi;
    let refused = outcome.esito == Esito::Rifiuto;
    set_state(
        sdi,
        ctx,
        id,
        if refused {
            FileState::Refused
        } else {
            FileState::Accepted
        },
        now,
    );
    if refused {
        sdi.records().registry.release(id);
    }
    issue(
        sdi,
        ctx,
        id,
        Body::Esito {
            outcome: outcome.clone(),
        },
        Party::Transmitter,
        now,
    );
    update_gateway(
        sdi,
        ctx,
        id,
        if refused {
            DocumentState::Refused
        } else {
            DocumentState::Delivered
        },
        Some(MessageType::NE),
        vec![outcome.esito.as_str().to_owned()],
        now,
    );
    Ok(())
}

/// The invoice a message refers to when the file holds exactly one.
fn lone_invoice(file: &SdiFile) -> Option<InvoiceRef> {
    match file.identities.as_slice() {
        [Some(identity)] => Some(InvoiceRef {
            number: identity.number.clone(),
            year: identity.date.year(),
            position: None,
        }),
        _ => None,
    }
}

/// `NotificaEsito`: a public administration's outcome (EC01/EC02) on an invoice SDI
/// delivered to it, as the integrator sent it over SDICoop. The EC is kept as sent; the
/// answer is ES01 (NE to the transmitter), or ES00 with an SE when the notice is malformed
/// (EN00) or not admissible (EN01), or without one when SDI never issued that file.
pub(super) fn take_esito(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    id: FileId,
    name: &str,
    bytes: &[u8],
) -> (EsitoNotifica, Option<(String, Vec<u8>)>) {
    let now = ctx.now;
    let Some(file) = sdi.file(id) else {
        ctx.journal.append(
            now,
            sdi.channel_tenant.clone(),
            Record::Simulator {
                message: format!(
                    "sdi: NotificaEsito {name} names IdentificativoSdI {id}, which SDI never issued; answered ES00 without SE"
                ),
            },
        );
        return (EsitoNotifica::NotificaNonAccettata, None);
    };
    keep_received(sdi, ctx, &file, name, bytes);
    let (scarto, outcome, why): (Scarto, Option<EsitoCommittente>, String) =
        match parse_esito_committente(bytes) {
            Err(problem) => (Scarto::NonConforme, None, problem.to_string()),
            Ok(outcome) if outcome.identificativo_sdi != id => {
                let why = format!(
                    "the EC names IdentificativoSdI {} but was sent for {id}",
                    outcome.identificativo_sdi
                );
                (Scarto::NonAmmissibile, Some(outcome), why)
            }
            Ok(outcome) if file.channel != Channel::Inbound => (
                Scarto::NonAmmissibile,
                Some(outcome),
                "the file was not delivered to this channel".to_owned(),
            ),
            Ok(outcome) => match accept_outcome(sdi, ctx, &file, &outcome, now) {
                Ok(()) => return (EsitoNotifica::NotificaAccettata, None),
                Err(scarto) => (scarto, Some(outcome), "not admissible".to_owned()),
            },
        };
    ctx.journal.append(
        now,
        file.tenant.clone(),
        Record::Simulator {
            message: format!(
                "sdi: NotificaEsito {name} refused ({}): {why}",
                scarto.as_str()
            ),
        },
    );
    let se = issue(
        sdi,
        ctx,
        id,
        Body::ScartoEsito {
            invoice: outcome.as_ref().and_then(|o| o.invoice.clone()),
            scarto,
            message_id_committente: outcome.and_then(|o| o.message_id_committente),
        },
        Party::Recipient,
        now,
    );
    (
        EsitoNotifica::NotificaNonAccettata,
        se.and_then(|m| {
            m.bytes
                .get()
                .ok()
                .map(|bytes| (m.file_name, bytes.to_vec()))
        }),
    )
}

/// Keeps the EC exactly as the administration sent it, under its own name.
fn keep_received(sdi: &Sdi, ctx: &Context<'_>, file: &SdiFile, name: &str, bytes: &[u8]) {
    let message = StoredMessage {
        file_name: name.to_owned(),
        message_type: crate::codelists::sdi::MessageType::EC,
        at: ctx.now,
        to: Party::Sdi,
        bytes: MessageBytes::ready(bytes.into()),
    };
    {
        let mut records = sdi.records();
        if let Some(f) = records.files.get_mut(&file.identificativo_sdi) {
            f.next_counter();
            f.messages.push(message.clone());
        }
    }
    journal_message(ctx.journal, file, &message);
}
