//! Peppol: the four-corner network as an integrator behind an access point meets it.
//!
//! `state.rs` holds one run's registrations and transmissions. A document's life on the
//! simulator clock, one file per side: `sending.rs` carries the integrator's document across
//! (lookup, AS4 send, retries, Receipt); `answers.rs` makes the receiving side's answers (MLS,
//! MLR, Invoice Responses); `inbound.rs` receives the scenario's inbound invoices, which the
//! integrator answers as the buyer through `respond.rs`; `document_event.rs` journals each
//! step and moves the gateway document. The wire: `smp.rs` renders and signs the SMP's
//! documents, `responses/` the three ApplicationResponse profiles. Participant ids and document
//! types are `identifiers::peppol`, the Invoice Response process rules
//! `codelists::invoice_response_order`; `http/peppol.rs` serves the SML, SMP and Directory
//! lookups.
//!
//! What the layers above ask of Peppol is the `impl Peppol` below: the same small set of entry
//! points every network engine has.

mod answers;
mod document_event;
mod inbound;
pub(crate) mod respond;
pub(crate) mod responses;
pub(crate) mod sending;
pub(crate) mod smp;
pub(crate) mod state;

pub(crate) use respond::{ResponseError, ResponseRequest, SentResponse};
pub(crate) use state::{LookupFailure, MessageKind, Peppol};

use std::sync::Arc;

use crate::lifecycle::SubmitOptions;
use crate::runtime::Context;
use crate::store::DocumentRecord;
use crate::vocabulary::TenantId;

impl Peppol {
    /// The gateway hands over a Peppol document: eisim's access point (C2) sends it with the
    /// AS4 MessageId the integrator chose (`options.message_id`), or one it mints. An outage is
    /// the receiving access point being down, which the sender retries (`sending.rs`).
    pub(crate) fn submit(
        self: &Arc<Self>,
        ctx: &Context<'_>,
        tenant: &TenantId,
        doc: &DocumentRecord,
        options: &SubmitOptions,
    ) {
        sending::submit(self, ctx, tenant, doc, options.message_id.as_deref());
    }

    /// Schedules the scenario's `peppol.inbound` invoices on a new run (`inbound.rs`).
    pub(crate) fn plan_inbound(self: &Arc<Self>, ctx: &Context<'_>) {
        inbound::plan_inbound(self, ctx);
    }

    /// Sends the tenant's Invoice Response, as the buyer, about inbound document `id`
    /// (`respond.rs`).
    pub(crate) fn respond(
        &self,
        ctx: &Context<'_>,
        tenant: &TenantId,
        id: &str,
        request: &ResponseRequest,
    ) -> Result<SentResponse, ResponseError> {
        respond::respond(self, ctx, tenant, id, request)
    }
}
