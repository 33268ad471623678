//! The one path every document state change takes, and the one way networks hand inbound
//! documents to the integrator.

use crate::journal::{DocumentTaken, Record};
use crate::runtime::Context;
use crate::store::{DocumentChange, DocumentRecord};
use crate::vocabulary::TenantId;

/// Journals a document's change of state and raises its webhook events: the one path every
/// document state change takes.
pub(crate) fn record_change(
    ctx: &Context<'_>,
    tenant: &TenantId,
    change: &DocumentChange,
    why: Option<String>,
) {
    ctx.journal.append(
        ctx.now,
        Some(tenant.clone()),
        Record::StateChange {
            subject: format!("document {}", change.document_id),
            from: change.from.map(|state| state.as_str().to_owned()),
            to: change.to.as_str().to_owned(),
            detail: why,
        },
    );
    ctx.webhooks.document_changed(ctx, tenant, change);
}

/// Stores a document a network delivered to the integrator and journals it as taken in, named
/// by the file it arrived as: the one way SDI and Peppol hand inbound documents over.
pub(crate) fn file_inbound(
    ctx: &Context<'_>,
    tenant: &TenantId,
    record: &DocumentRecord,
    file_name: String,
) {
    ctx.store.ledger.record(tenant, record.clone());
    ctx.journal.append(
        ctx.now,
        Some(tenant.clone()),
        Record::DocumentTaken(DocumentTaken::of(
            record,
            DocumentTaken::NETWORK,
            Some(file_name),
        )),
    );
}
