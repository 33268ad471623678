//! One eisim the integration talks to: its gateway client, its outbox, its webhook
//! subscription and what it learned from it.
//!
//! The driver contract hands the simulator's address and credentials over with every submit,
//! so one integration process may serve several runs (several simulators or tenants) in turn;
//! each gets its own connection, and a connection is created the first time its access is
//! seen.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc;

use super::gateway::Gateway;
use super::hooks::Hooks;
use super::outbox::Queued;

/// What a Peppol participant lookup said about a recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reach {
    pub(crate) reachable: bool,
    /// The document types its SMP lists (`bis-billing-3-invoice`...).
    pub(crate) document_types: Vec<String>,
    /// Why it cannot be sent to, when it cannot.
    pub(crate) reason: Option<String>,
}

#[derive(Debug)]
pub(crate) struct Connection {
    /// Position in the integration's list; documents name their connection by it.
    pub(crate) index: usize,
    pub(crate) gateway: Gateway,
    pub(crate) hooks: Hooks,
    outbox: mpsc::UnboundedSender<Queued>,
    /// Lookups are cached per recipient: one lookup serves every document to it.
    pub(crate) lookups: tokio::sync::Mutex<HashMap<String, Reach>>,
}

impl Connection {
    pub(crate) fn new(
        index: usize,
        gateway: Gateway,
    ) -> (Arc<Connection>, mpsc::UnboundedReceiver<Queued>) {
        let (outbox, queue) = mpsc::unbounded_channel();
        let connection = Arc::new(Connection {
            index,
            gateway,
            hooks: Hooks::default(),
            outbox,
            lookups: tokio::sync::Mutex::new(HashMap::new()),
        });
        (connection, queue)
    }

    /// Hands a document to the outbox; `false` when the outbox is gone (shutting down).
    pub(crate) fn enqueue(&self, queued: Queued) -> bool {
        self.outbox.send(queued).is_ok()
    }
}
