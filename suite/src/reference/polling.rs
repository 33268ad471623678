//! Status reads. The reference integration learns about its documents from webhooks and
//! reads a status only once in a while (a document eisim already held); the polling loops
//! here run only in the broken variants that are graded on them:
//!
//! - STAT-1: lists `GET /api/v1/invoices` once a second while documents are open;
//! - STAT-2: reads each document's status every 100 ms, 30 times, final or not;
//! - HOOK-6: registers no webhook and reads each document's status once a second until eisim
//!   says it is final (delivered, refused or failed), applying what it reads.
//!
//! The STAT-1 and STAT-2 reads are thrown away: applying them could interleave with webhooks
//! and blur which rule a variant breaks.

use std::sync::Arc;
use std::time::Duration;

use super::Integration;
use super::book::{Source, eisim_final};
use super::breakage::Breakage;
use super::connection::Connection;
use super::gateway::Call;

const LIST_EVERY: Duration = Duration::from_secs(1);
const STAT2_EVERY: Duration = Duration::from_millis(100);
const STAT2_POLLS: usize = 30;
const HOOK6_EVERY: Duration = Duration::from_secs(1);
/// HOOK-6's poller stops after this many reads of a document that never settles, so a
/// stuck document cannot keep the integration busy for ever.
const HOOK6_MAX_POLLS: usize = 600;

/// Starts the pollers a variant runs for a document eisim has just taken in.
pub(crate) fn start_for_document(
    integration: &Arc<Integration>,
    connection: &Arc<Connection>,
    reference: &str,
    document_id: &str,
) {
    if integration.breaks(Breakage::Stat2) {
        let connection = Arc::clone(connection);
        let call = Call::status(document_id);
        integration.spawn(async move {
            for _ in 0..STAT2_POLLS {
                tokio::time::sleep(STAT2_EVERY).await;
                let _ = connection.gateway.call(&call).await;
            }
        });
    }
    if integration.breaks(Breakage::Hook6) {
        integration.spawn(poll_until_final(
            Arc::clone(integration),
            Arc::clone(connection),
            reference.to_owned(),
        ));
    }
}

async fn poll_until_final(
    integration: Arc<Integration>,
    connection: Arc<Connection>,
    reference: String,
) {
    for _ in 0..HOOK6_MAX_POLLS {
        tokio::time::sleep(HOOK6_EVERY).await;
        if read_once(&integration, &connection, &reference)
            .await
            .is_some_and(|state| eisim_final(&state))
        {
            return;
        }
    }
}

/// One `GET /api/v1/invoices/{id}/status` for a linked document, applied to the book;
/// returns the state eisim gave. Reads of one document keep a second apart (STAT-2),
/// whichever path asked for them: two references may follow the same document.
pub(crate) async fn read_once(
    integration: &Arc<Integration>,
    connection: &Arc<Connection>,
    reference: &str,
) -> Option<String> {
    let document_id = integration.book().get(reference)?.document_id.clone()?;
    tokio::time::sleep(integration.next_refresh(&document_id)).await;
    let answer = connection.gateway.call(&Call::status(&document_id)).await;
    integration.refreshed(&document_id);
    let answer = answer.ok().filter(|a| a.is_success())?;
    let body = answer.json();
    let state = body["state"].as_str()?.to_owned();
    let network_id = body["network_detail"]["network_id"].as_str();
    integration.apply(connection, reference, &state, network_id, Source::Read);
    Some(state)
}

/// STAT-1's broken variant: the document list, once a second, while anything is open.
pub(crate) async fn list_while_open(integration: Arc<Integration>, connection: Arc<Connection>) {
    let call = Call::get(&["api", "v1", "invoices"]);
    loop {
        tokio::time::sleep(LIST_EVERY).await;
        if integration.book().any_open(connection.index) {
            let _ = connection.gateway.call(&call).await;
        }
    }
}
