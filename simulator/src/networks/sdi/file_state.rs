//! Where a file stands at SDI, and what the gateway sees of it. Each move of a file's state is
//! journaled; a gateway file's move also moves the gateway document it carries, with SDI's
//! word (the notification, its codes) as the document's network detail, which raises its
//! webhooks. The other happenings about a file that are no message go to the journal as notes.

use std::sync::Arc;

use jiff::Timestamp;

use super::registry::FileId;
use super::state::{Channel, FileState, Sdi, SdiFile};
use crate::codelists::sdi as codes;
use crate::codelists::sdi::MessageType;
use crate::journal::{Journal, Record};
use crate::lifecycle::record_change;
use crate::runtime::Context;
use crate::store::NetworkDetail;
use crate::vocabulary::DocumentState;

pub(super) fn set_state(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    id: FileId,
    to: FileState,
    now: Timestamp,
) {
    set_state_at(sdi, ctx, id, to, now, |_| {});
}

/// Moves file `id` to `to`, noting what else the move records (`delivered_at`...) under the
/// same lock, and journals the change.
pub(super) fn set_state_at(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    id: FileId,
    to: FileState,
    now: Timestamp,
    also: impl FnOnce(&mut SdiFile),
) {
    let (from, tenant) = {
        let mut records = sdi.records();
        let Some(file) = records.files.get_mut(&id) else {
            return;
        };
        let from = file.state;
        file.state = to;
        also(file);
        (from, file.tenant.clone())
    };
    ctx.journal.append(
        now,
        tenant,
        Record::StateChange {
            subject: format!("sdi file {id}"),
            from: Some(state_name(from)),
            to: state_name(to),
            detail: None,
        },
    );
}

fn state_name(state: FileState) -> String {
    serde_json::to_value(state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub(super) fn note(journal: &Journal, file: &SdiFile, now: Timestamp, message: String) {
    journal.append(
        now,
        file.tenant.clone(),
        Record::Simulator {
            message: format!("sdi: file {}: {message}", file.identificativo_sdi),
        },
    );
}

/// Moves the gateway document a gateway file carries, with SDI's word as the network detail.
pub(super) fn update_gateway(
    sdi: &Arc<Sdi>,
    ctx: &Context<'_>,
    id: FileId,
    to: DocumentState,
    message: Option<MessageType>,
    errors: Vec<String>,
    now: Timestamp,
) {
    let Some(file) = sdi.file(id) else {
        return;
    };
    if file.channel != Channel::Gateway {
        return;
    }
    let (Some(tenant), Some(document)) = (file.tenant.clone(), file.document_id.clone()) else {
        return;
    };
    let status = message.map(|m| m.as_str().to_owned());
    let detail = NetworkDetail {
        description: message.map(|m| codes::notification_description(m, file.family).to_owned()),
        status: status.clone(),
        errors,
        network_id: Some(id.to_string()),
    };
    if let Some(change) = ctx
        .store
        .ledger
        .transition(&tenant, &document, to, Some(detail), now)
    {
        let why = status.map(|s| format!("SDI {s}"));
        record_change(&ctx.at(now), &tenant, &change, why);
    }
}
