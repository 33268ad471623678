//! An event about one gateway document, as the Peppol steps fire: journaling an exchange
//! that carries no downloadable message (a lookup, an AS4 send, a Receipt, an ebMS error),
//! and moving the document on the ledger with the transmission's network detail, which raises
//! its webhooks.

use jiff::Timestamp;

use super::state::Transmission;
use crate::journal::{self, Record};
use crate::lifecycle::record_change;
use crate::runtime::Context;
use crate::store::NetworkDetail;
use crate::vocabulary::{DocumentState, TenantId};

/// An event about one document: which document, and the moment it fires.
pub(super) struct DocumentEvent<'a> {
    pub(super) ctx: &'a Context<'a>,
    pub(super) tenant: &'a TenantId,
    pub(super) id: &'a str,
    pub(super) now: Timestamp,
}

impl DocumentEvent<'_> {
    /// Journals one exchange about the document that carries no downloadable message.
    pub(super) fn log(
        &self,
        message_id: &str,
        message: &str,
        code: Option<&str>,
        direction: &str,
        detail: String,
    ) {
        self.ctx.journal.append(
            self.now,
            Some(self.tenant.clone()),
            Record::PeppolMessage(journal::PeppolMessage {
                document: self.id.to_owned(),
                message_id: message_id.to_owned(),
                message: message.to_owned(),
                code: code.map(str::to_owned),
                direction: direction.to_owned(),
                name: None,
                detail: Some(detail),
            }),
        );
    }

    /// Moves the document on the ledger and, when that changes anything, journals it and raises
    /// its webhooks.
    pub(super) fn move_to(&self, state: DocumentState, detail: NetworkDetail, why: &str) {
        if let Some(change) =
            self.ctx
                .store
                .ledger
                .transition(self.tenant, self.id, state, Some(detail), self.now)
        {
            record_change(
                &self.ctx.at(self.now),
                self.tenant,
                &change,
                Some(format!("peppol: {why}")),
            );
        }
    }
}

/// The network detail of a transmission's step: its code, what it means, and the MessageId.
pub(super) fn detail(
    transmission: &Transmission,
    status: Option<&str>,
    description: String,
) -> NetworkDetail {
    NetworkDetail {
        status: status.map(str::to_owned),
        description: Some(description),
        errors: Vec::new(),
        network_id: Some(transmission.message_id.clone()),
    }
}
