//! The outbox: how documents leave the integration for eisim.
//!
//! One worker per connection takes queued documents, waits while more keep arriving (each
//! within 150 ms of the last, up to a batch's 100), and sends what it collected: two or more
//! in one `POST /api/v1/submissions`, a single one in `POST /api/v1/invoices` (SUB-4). Before
//! sending it makes sure the webhook endpoint is registered (so no event is missed), looks
//! each Peppol recipient up (PEPPOL-1) and names each SDI file (SDI-1). A document the
//! integration gives up on before eisim took it in is `failed`, which is what eisim would
//! say too: it never received it.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use super::book::Source;
use super::breakage::Breakage;
use super::connection::{Connection, Reach};
use super::gateway::{Answer, Call};
use super::{Integration, Pending, hooks, polling};

/// Documents arriving within this long of the previous one join its batch.
pub(crate) const BATCH_WINDOW: Duration = Duration::from_millis(150);
/// eisim's largest batch.
const MAX_BATCH: usize = 100;

/// A document waiting in the outbox, with the pending-work count it holds.
#[derive(Debug)]
pub(crate) struct Queued {
    pub(crate) reference: String,
    /// Held, never read: dropping it (when the document's submission is over) ends the
    /// pending count.
    #[expect(dead_code, reason = "held for its Drop")]
    pub(crate) work: Pending,
}

/// A document ready to go: its ref, its envelope and its idempotency key.
#[derive(Debug)]
struct Ready {
    queued: Queued,
    envelope: Value,
    key: String,
}

/// The connection's outbox worker.
pub(crate) async fn run(
    integration: Arc<Integration>,
    connection: Arc<Connection>,
    mut queue: mpsc::UnboundedReceiver<Queued>,
) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match tokio::time::timeout(BATCH_WINDOW, queue.recv()).await {
                Ok(Some(next)) => batch.push(next),
                _ => break,
            }
        }
        send(&integration, &connection, batch).await;
    }
}

async fn send(integration: &Arc<Integration>, connection: &Arc<Connection>, batch: Vec<Queued>) {
    if !integration.breaks(Breakage::Hook6) {
        hooks::ensure_registered(integration, connection).await;
    }
    let mut ready = Vec::new();
    for queued in batch {
        if let Some(envelope) = prepare(integration, connection, &queued.reference).await {
            ready.push(envelope_for(integration, queued, envelope));
        }
    }
    if ready.len() >= 2 && !integration.breaks(Breakage::Sub4) {
        send_batch(integration, connection, ready).await;
    } else {
        for one in ready {
            send_single(integration, connection, one).await;
        }
    }
}

fn envelope_for(integration: &Integration, queued: Queued, envelope: Value) -> Ready {
    let key = integration
        .book()
        .get(&queued.reference)
        .map(|d| d.idempotency_key.clone())
        .unwrap_or_default();
    Ready {
        queued,
        envelope,
        key,
    }
}

/// The JSON envelope of one document, after the checks that come before sending; `None`
/// when the document was given up (and marked failed).
async fn prepare(
    integration: &Arc<Integration>,
    connection: &Arc<Connection>,
    reference: &str,
) -> Option<Value> {
    let document = integration.book().get(reference)?.clone();
    let mut envelope = json!({
        "document": STANDARD.encode(&document.bytes),
        "network": document.network,
        "recipient": document.recipient,
        "reference": document.reference,
    });
    match document.network.as_str() {
        "peppol" if !integration.breaks(Breakage::Peppol1) => {
            if let Err(reason) =
                check_recipient(connection, &document.recipient, &document.bytes).await
            {
                tracing::info!(reference, %reason, "not sent: the recipient cannot take it");
                integration.book().fail(reference);
                return None;
            }
        }
        "sdi" => {
            let replaced = document
                .replaces
                .as_deref()
                .and_then(|r| integration.book().get(r).and_then(|d| d.file_name.clone()));
            let name = integration.file_names().choose(
                &document.bytes,
                document.requested_file_name.as_deref(),
                replaced.as_deref(),
                integration.breakage(),
            );
            integration.book().set_file_name(reference, &name);
            if let Some(map) = envelope.as_object_mut() {
                map.insert("file_name".into(), json!(name));
            }
        }
        _ => {}
    }
    Some(envelope)
}

/// Looks the recipient up (once per recipient) and says why it cannot take the document,
/// if it cannot.
async fn check_recipient(
    connection: &Connection,
    recipient: &str,
    document: &[u8],
) -> Result<(), String> {
    let mut lookups = connection.lookups.lock().await;
    let reach = match lookups.get(recipient) {
        Some(reach) => reach.clone(),
        None => {
            let call = Call::get(&["api", "v1", "participants", recipient]);
            let answer = connection
                .gateway
                .call(&call)
                .await
                .map_err(|e| format!("the participant lookup failed: {e}"))?;
            let reach = reach_of(&answer);
            lookups.insert(recipient.to_owned(), reach.clone());
            reach
        }
    };
    drop(lookups);
    if !reach.reachable {
        return Err(reach
            .reason
            .unwrap_or_else(|| format!("`{recipient}` is not reachable")));
    }
    let wanted = match root_element(document).as_deref() {
        Some("CreditNote") => "bis-billing-3-credit-note",
        _ => "bis-billing-3-invoice",
    };
    if !reach.document_types.is_empty() && !reach.document_types.iter().any(|t| t == wanted) {
        return Err(format!("`{recipient}` does not take {wanted}"));
    }
    Ok(())
}

fn reach_of(answer: &Answer) -> Reach {
    let body = answer.json();
    if !answer.is_success() {
        return Reach {
            reachable: false,
            document_types: Vec::new(),
            reason: Some(format!(
                "the lookup answered {}: {}",
                answer.status.as_u16(),
                body["detail"].as_str().unwrap_or_default()
            )),
        };
    }
    Reach {
        reachable: body["reachable"].as_bool().unwrap_or(false),
        document_types: body["document_types"]
            .as_array()
            .map(|types| {
                types
                    .iter()
                    .filter_map(|t| t.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        reason: body["reason"].as_str().map(str::to_owned),
    }
}

/// The local name of an XML document's root element (`Invoice`, `CreditNote`).
fn root_element(document: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(document);
    let mut rest = text.as_ref();
    loop {
        let start = rest.find('<')?;
        rest = rest.get(start + 1..)?;
        if rest.starts_with('?') || rest.starts_with('!') {
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
            .collect();
        let local = name.rsplit(':').next().unwrap_or_default();
        return Some(local.to_owned());
    }
}

async fn send_single(integration: &Arc<Integration>, connection: &Arc<Connection>, one: Ready) {
    let call = Call::submission(&["api", "v1", "invoices"], &one.envelope, one.key.clone());
    let reference = one.queued.reference.as_str();
    match connection.gateway.call(&call).await {
        Ok(answer) if answer.is_success() => {
            let body = answer.json();
            taken(integration, connection, reference, &body).await;
            if integration.breaks(Breakage::Sub1) && integration.first_duplicate() {
                submit_again(connection, &one.envelope).await;
            }
        }
        Ok(answer) => {
            if let Some(original) = answer.original_document() {
                track_original(integration, connection, reference, &original).await;
            } else {
                tracing::info!(reference, status = %answer.status, "eisim refused the submission");
                integration.book().fail(reference);
            }
        }
        Err(error) => {
            tracing::warn!(reference, %error, "submission given up");
            integration.book().fail(reference);
        }
    }
}

/// The key of a batch: derived from its documents' keys, so the same batch retried carries
/// the same key.
fn batch_key(ready: &[Ready]) -> String {
    let mut digest = Sha256::new();
    for one in ready {
        digest.update(one.key.as_bytes());
        digest.update([0]);
    }
    let hex: String = digest
        .finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("batch-{hex}")
}

async fn send_batch(
    integration: &Arc<Integration>,
    connection: &Arc<Connection>,
    ready: Vec<Ready>,
) {
    let envelopes: Vec<Value> = ready.iter().map(|one| one.envelope.clone()).collect();
    let call = Call::submission(
        &["api", "v1", "submissions"],
        &json!({ "documents": envelopes }),
        batch_key(&ready),
    );
    let answer = match connection.gateway.call(&call).await {
        Ok(answer) if answer.is_success() => answer,
        outcome => {
            tracing::warn!(?outcome, "batch submission given up");
            for one in &ready {
                integration.book().fail(&one.queued.reference);
            }
            return;
        }
    };
    let body = answer.json();
    let items = body["documents"].as_array().cloned().unwrap_or_default();
    for (index, one) in ready.iter().enumerate() {
        let reference = one.queued.reference.as_str();
        let item = items
            .iter()
            .find(|item| item["index"].as_u64() == u64::try_from(index).ok())
            .cloned()
            .unwrap_or(Value::Null);
        if item["id"].is_string() {
            taken(integration, connection, reference, &item).await;
            if integration.breaks(Breakage::Sub1) && integration.first_duplicate() {
                submit_again(connection, &one.envelope).await;
            }
        } else if let Some(original) = item["duplicate_of"].as_str() {
            track_original(integration, connection, reference, original).await;
        } else {
            tracing::info!(reference, problem = %item["problem"], "eisim did not take the document");
            integration.book().fail(reference);
        }
    }
}

/// eisim took the document in: remember its id and the state it was taken in.
async fn taken(
    integration: &Arc<Integration>,
    connection: &Arc<Connection>,
    reference: &str,
    view: &Value,
) {
    let Some(document_id) = view["id"].as_str() else {
        integration.book().fail(reference);
        return;
    };
    let early = integration.book().link(reference, document_id);
    if let Some(state) = view["state"].as_str() {
        let network_id = view["network_detail"]["network_id"].as_str();
        integration.apply(connection, reference, state, network_id, Source::Read);
    }
    apply_early(integration, connection, reference, early);
    polling::start_for_document(integration, connection, reference, document_id);
}

/// Applies the news that arrived about a document before its id was linked.
fn apply_early(
    integration: &Arc<Integration>,
    connection: &Arc<Connection>,
    reference: &str,
    early: Vec<super::book::News>,
) {
    for news in early {
        integration.apply(
            connection,
            reference,
            &news.state,
            news.network_id.as_deref(),
            news.source,
        );
    }
}

/// eisim already holds this very document (the scenario asked for it twice): follow the
/// document eisim has instead of sending it again.
async fn track_original(
    integration: &Arc<Integration>,
    connection: &Arc<Connection>,
    reference: &str,
    original: &str,
) {
    let early = integration.book().link(reference, original);
    apply_early(integration, connection, reference, early);
    polling::read_once(integration, connection, reference).await;
}

/// SUB-1's broken variant: the same document again, under a new key, answer ignored.
async fn submit_again(connection: &Connection, envelope: &Value) {
    let key = format!("again-{}", rand_hex());
    let call = Call::submission(&["api", "v1", "invoices"], envelope, key);
    let _ = connection.gateway.call(&call).await;
}

/// SUB-5's broken variant: a refused document's bytes sent again, once, as a new document
/// (the integration keeps reporting the original).
pub(crate) async fn resend_refused(
    integration: Arc<Integration>,
    connection: Arc<Connection>,
    reference: String,
    work: Pending,
) {
    let Some(document) = integration.book().get(&reference).cloned() else {
        return;
    };
    let mut envelope = json!({
        "document": STANDARD.encode(&document.bytes),
        "network": document.network,
        "recipient": document.recipient,
        "reference": format!("{reference}-again"),
    });
    if document.network == "sdi"
        && let Some(map) = envelope.as_object_mut()
    {
        let name = integration
            .file_names()
            .choose(&document.bytes, None, None, None);
        map.insert("file_name".into(), json!(name));
    }
    let call = Call::submission(
        &["api", "v1", "invoices"],
        &envelope,
        format!("again-{}", rand_hex()),
    );
    let _ = connection.gateway.call(&call).await;
    drop(work);
}

fn rand_hex() -> String {
    use rand::Rng;
    let bytes: [u8; 8] = rand::thread_rng().r#gen();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_element_tells_an_invoice_from_a_credit_note() {
        assert_eq!(
            root_element(b"<?xml version=\"1.0\"?><!-- x --><Invoice xmlns=\"u\"/>").as_deref(),
            Some("Invoice")
        );
        assert_eq!(
            root_element(b"<ubl:CreditNote xmlns:ubl=\"u\">").as_deref(),
            Some("CreditNote")
        );
        assert_eq!(root_element(b"no xml"), None);
    }
}
