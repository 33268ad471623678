//! Turning what happened to documents into events for the tenant's endpoints.
//!
//! A document's change of state raises its own event (`invoice.sent`...) and
//! `invoice.status_updated`; each endpoint gets the ones it subscribed to. ERP callbacks get
//! the processing result of each submission (`/notifications/documents`) and each later
//! network receipt (`/notifications/receipts`).

use std::sync::Arc;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::Webhooks;
use super::delivery::enqueue;
use super::event::{Event, EventType, document_data, flow_state, provider_message};
use crate::runtime::{Context, Publisher};
use crate::store::DocumentChange;
use crate::vocabulary::TenantId;

impl Publisher for Arc<Webhooks> {
    fn document_changed(&self, ctx: &Context<'_>, tenant: &TenantId, change: &DocumentChange) {
        publish_change(self, ctx, tenant, change);
    }
}

/// Raises the events of one document change.
fn publish_change(
    webhooks: &Arc<Webhooks>,
    ctx: &Context<'_>,
    tenant: &TenantId,
    change: &DocumentChange,
) {
    let now = ctx.now;
    let mut tenants = webhooks.tenants();
    let Some(tenant_webhooks) = tenants.get_mut(tenant) else {
        return;
    };
    if tenant_webhooks.endpoints.is_empty() {
        return;
    }
    // News that keeps the state (an SDI MC while retrying, an NE with EC01) is a status
    // update, not a second `invoice.delivered`.
    let mut types = Vec::with_capacity(3);
    if change.from != Some(change.to) {
        types.push(EventType::for_state(change.to, change.direction));
    }
    types.push(EventType::StatusUpdated);
    if change.from.is_some() {
        types.push(EventType::CallbackReceipts);
    }
    for event_type in types {
        let targets: Vec<String> = tenant_webhooks
            .endpoints
            .values()
            .filter(|endpoint| endpoint.wants(event_type))
            .map(|endpoint| endpoint.id.clone())
            .collect();
        if targets.is_empty() {
            continue;
        }
        let sequence = {
            let n = tenant_webhooks
                .sequences
                .entry(change.document_id.clone())
                .or_insert(0);
            *n += 1;
            *n
        };
        let id = webhooks.mint("evt");
        let data = if event_type == EventType::CallbackReceipts {
            callback_body(
                &id,
                "DocumentStatusChanged",
                vec![receipt_item(change, now)],
            )
        } else {
            document_data(change, sequence)
        };
        let provider = (event_type == EventType::StatusUpdated)
            .then(|| provider_message(change, now))
            .flatten();
        let event = Arc::new(Event::new(
            id,
            event_type,
            now,
            Some(change.document_id.clone()),
            &data,
            provider.as_ref(),
        ));
        for target in targets {
            enqueue(webhooks, ctx.events, tenant_webhooks, &target, &event, now);
        }
    }
}

/// Tells the tenant's ERP callback how a submission was processed: one entry per document,
/// valid or not.
pub(crate) fn publish_submission(
    webhooks: &Arc<Webhooks>,
    ctx: &Context<'_>,
    tenant: &TenantId,
    submission_id: &str,
    items: Vec<Value>,
) {
    let now = ctx.now;
    let mut tenants = webhooks.tenants();
    let Some(tenant_webhooks) = tenants.get_mut(tenant) else {
        return;
    };
    let targets: Vec<String> = tenant_webhooks
        .endpoints
        .values()
        .filter(|endpoint| endpoint.wants(EventType::CallbackDocuments))
        .map(|endpoint| endpoint.id.clone())
        .collect();
    if targets.is_empty() {
        return;
    }
    let id = webhooks.mint("evt");
    let data = callback_body(&id, "SubmissionProcessed", items);
    let event = Arc::new(Event::new(
        id,
        EventType::CallbackDocuments,
        now,
        Some(submission_id.to_owned()),
        &data,
        None,
    ));
    for target in targets {
        enqueue(webhooks, ctx.events, tenant_webhooks, &target, &event, now);
    }
}

/// The callback envelope: `deliveryId` (the same on every retry, for deduplication), `type`,
/// `count` and the `message` list.
fn callback_body(id: &str, kind: &str, message: Vec<Value>) -> Value {
    json!({
        "deliveryId": id,
        "type": kind,
        "count": message.len(),
        "message": message,
    })
}

/// One entry of a receipts notification.
fn receipt_item(change: &DocumentChange, now: Timestamp) -> Value {
    json!({
        "documentId": change.document_id,
        "submissionId": change.submission_id,
        "internalId": change.reference,
        "network": change.network.as_str(),
        "state": change.to.as_str(),
        "flowState": flow_state(change.to),
        "networkStatus": change.detail.status,
        "description": change.detail.description,
        "errors": change.detail.errors,
        "networkReference": change.detail.network_id,
        "dateTimeIssued": now.to_string(),
    })
}
