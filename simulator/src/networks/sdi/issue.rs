//! Issuing SDI's messages about a file: each is given the file's next message name, rendered
//! (signed XML, or for AT the ZIP with the invoice) when its bytes are first needed, kept with
//! the file, journaled, and sent to whoever gets it over SDICoop: the integrator's
//! `TrasmissioneFatture` service for files it sent, its `RicezioneFatture` service for the DT
//! on files sent to it. Gateway files are told through the gateway document instead
//! (`file_state.rs`).

use std::sync::Arc;

use jiff::Timestamp;

use super::file_state::note;
use super::message_bytes::MessageBytes;
use super::outbox::{Job, JobPurpose};
use super::registry::FileId;
use super::soap;
use super::state::{Channel, Party, Sdi, SdiFile, StoredMessage};
use crate::codelists::sdi::MessageType;
use crate::journal::{Journal, Record, SdiMessage};
use crate::networks::sdi::archive;
use crate::networks::sdi::messages::{Body, FileRef, Notification, message_file_name};
use crate::runtime::Context;

/// Renders, stores, journals and sends one message about file `id`. `None` when it could not
/// be rendered (the journal says why).
pub(crate) fn issue(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    id: FileId,
    body: Body,
    to: Party,
    now: Timestamp,
) -> Option<StoredMessage> {
    let (message, file) = keep(sdi, ctx, id, body, to, now)?;
    dispatch(sdi, ctx, &file, &message, now);
    Some(message)
}

/// Keeps a message a (simulated) recipient sent to SDI (EC), as SDI received it.
pub(crate) fn store_received(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    id: FileId,
    body: Body,
    now: Timestamp,
) -> Option<StoredMessage> {
    keep(sdi, ctx, id, body, Party::Sdi, now).map(|(message, _)| message)
}

/// Renders a message about file `id` under the file's next name, keeps it with the file and
/// journals it. The AT travels as a ZIP with the original invoice.
fn keep(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    id: FileId,
    body: Body,
    to: Party,
    now: Timestamp,
) -> Option<(StoredMessage, SdiFile)> {
    let (rendered, kind, file) = {
        let mut records = sdi.records();
        let message_id = records.mint_message_id();
        let file = records.files.get_mut(&id)?;
        let counter = file.next_counter();
        let notification = Notification {
            family: file.family,
            file: FileRef {
                identificativo_sdi: id,
                file_name: file.file_name.clone(),
                hash: file.hash.clone(),
                received_at: file.received_at,
                archive: file.archive.clone(),
            },
            message_id,
            note: None,
            body,
        };
        let kind = notification.message_type();
        let rendered = prepare(sdi, ctx, notification, file, counter, now);
        if let Ok((name, bytes)) = &rendered {
            file.messages.push(StoredMessage {
                file_name: name.clone(),
                message_type: kind,
                at: now,
                to,
                bytes: bytes.clone(),
            });
        }
        (rendered, kind, file.clone())
    };
    let message = match rendered {
        Ok(_) => file.messages.last().cloned()?,
        Err(why) => {
            note(
                ctx.journal,
                &file,
                now,
                format!("the {} could not be made: {why}", kind.as_str()),
            );
            return None;
        }
    };
    journal_message(ctx.journal, &file, &message);
    Some((message, file))
}

/// The journal's record of one message about `file`.
pub(crate) fn journal_message(journal: &Journal, file: &SdiFile, message: &StoredMessage) {
    journal.append(
        message.at,
        file.tenant.clone(),
        Record::SdiMessage(SdiMessage {
            identificativo_sdi: file.identificativo_sdi,
            invoice_file: file.file_name.clone(),
            message_type: message.message_type.as_str().to_owned(),
            file_name: message.file_name.clone(),
            to: message.to.as_str().to_owned(),
            channel: file.channel.as_str().to_owned(),
            detail: None,
        }),
    );
}

/// The message's file name and the recipe of its bytes (signed XML, or for AT the ZIP),
/// every field checked now; the signing waits until the bytes are first needed.
fn prepare(
    sdi: &Arc<Sdi>,
    _ctx: &Context<'_>,
    notification: Notification,
    file: &SdiFile,
    counter: u32,
    now: Timestamp,
) -> Result<(String, MessageBytes), String> {
    let kind = notification.message_type();
    let signer = Arc::clone(sdi.signer()?);
    notification.check().map_err(|e| e.to_string())?;
    let name = message_file_name(&file.file_name, kind, counter).map_err(|e| e.to_string())?;
    if kind != MessageType::AT {
        return Ok((name, MessageBytes::notification(notification, signer, now)));
    }
    let zip_name = archive::attestazione_zip_name(&name).map_err(|e| e.to_string())?;
    let bytes = MessageBytes::attestation(
        notification,
        signer,
        now,
        name,
        file.file_name.clone(),
        Arc::clone(&file.bytes),
    );
    Ok((zip_name, bytes))
}

/// A message's bytes for sending now (made here if nobody read it yet); `None`, journaled,
/// when they cannot be made.
pub(super) fn wire_bytes(
    journal: &Journal,
    file: &SdiFile,
    message: &StoredMessage,
    now: Timestamp,
) -> Option<Arc<[u8]>> {
    match message.bytes.get() {
        Ok(bytes) => Some(bytes),
        Err(why) => {
            let what = message.message_type.as_str();
            let name = &message.file_name;
            note(
                journal,
                file,
                now,
                format!("the {what} {name} could not be made, so it was not sent: {why}"),
            );
            None
        }
    }
}

/// Sends a message over SDICoop to the integrator, when it is the party the message is for.
fn dispatch(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    file: &SdiFile,
    message: &StoredMessage,
    now: Timestamp,
) {
    let endpoints = sdi.endpoints();
    let sent = matches!(
        (file.channel, message.message_type),
        (Channel::Sdicoop, _) | (Channel::Inbound, MessageType::DT)
    );
    if !sent {
        return;
    }
    let Some(bytes) = wire_bytes(ctx.journal, file, message, now) else {
        return;
    };
    let (url, operation, call) = match (file.channel, message.message_type) {
        (Channel::Sdicoop, kind) => {
            let Some(op) = kind.trasmissione_operation() else {
                return;
            };
            let Some(url) = endpoints.trasmissione_fatture.clone() else {
                return;
            };
            let call = soap::trasmissione_fatture(
                op,
                file.identificativo_sdi,
                &message.file_name,
                &bytes,
                endpoints.mtom,
            );
            (url, op.name(), call)
        }
        (Channel::Inbound, MessageType::DT) => {
            let Some(url) = endpoints.ricezione_fatture.clone() else {
                return;
            };
            let call = soap::notifica_decorrenza_termini(
                file.identificativo_sdi,
                &message.file_name,
                &bytes,
                endpoints.mtom,
            );
            (url, "NotificaDecorrenzaTermini", call)
        }
        _ => return,
    };
    sdi.outbox.send(Job {
        run: sdi.run,
        tenant: file.tenant.clone(),
        url,
        operation,
        call,
        identificativo_sdi: file.identificativo_sdi,
        file_name: message.file_name.clone(),
        purpose: JobPurpose::Notification,
    });
}
