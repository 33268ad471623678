//! SDI (Italy): the Sistema di Interscambio as transmitters and recipients meet it.
//!
//! A file's life at SDI runs on the simulator clock (reference §7), one file per stage:
//! `reception.rs` takes a file in and plans what the scenario decides; `checks.rs` runs SDI's
//! checks (NS when they fail); `delivery.rs` delivers it (RC, or MC and retries until AT, or
//! the reserved area); `outcome.rs` takes the recipient's outcome (NE, SE, or DT when none
//! comes); `inbound.rs` delivers other suppliers' files to the integrator. `issue.rs` renders,
//! keeps, journals and sends each message, and `file_state.rs` moves the file's state and the
//! gateway document it carries. `registry.rs` remembers what SDI's duplicate checks need;
//! `state.rs` is one run's records. The wire:
//!
//! - `messages/`: the notifications of both schema families, one concept per file: the
//!   messages as data (`model.rs`), their XML (`render.rs`), their file names
//!   (`file_name.rs`), the reader of the recipient's outcome, EC (`esito.rs`), and their
//!   error (`error.rs`);
//! - `signature.rs` signs them with eisim's own key, `archive.rs` packs the attestation,
//!   `message_bytes.rs` makes each one when it is first read or sent;
//! - `soap/`: SDICoop's SOAP: reading an envelope (`envelope.rs`), the operations and their
//!   XSD sequences (`operations.rs`, `fields.rs`), reading requests and answers
//!   (`read_request.rs`, `read_response.rs`, with the result codes in `codes.rs`), writing
//!   answers and calls (`write.rs`, `write_response.rs`, `write_request.rs`), and
//!   `SoapError` (`error.rs`); `mtom.rs` is the MIME layer under it;
//! - `outbox.rs` calls the integrator's services.
//!
//! Both readers of integrator XML (the SOAP envelope and the EC) go through the crate's one
//! hardened reader, `crate::xml`. SDI's own services are served by `http/sdi.rs`.
//!
//! What the layers above ask of SDI is the `impl Sdi` below: the same small set of entry
//! points every network engine has, plus what SDI's own services (`http/sdi.rs`) do with a
//! file or an outcome the integrator sends over SDICoop.

pub(crate) mod archive;
mod checks;
mod delivery;
mod file_state;
mod inbound;
mod issue;
pub(crate) mod message_bytes;
pub(crate) mod messages;
pub(crate) mod mtom;
pub(crate) mod outbox;
mod outcome;
pub(crate) mod reception;
pub(crate) mod registry;
pub(crate) mod signature;
pub(crate) mod soap;
pub(crate) mod state;
pub(crate) mod unzip;

pub(crate) use outbox::Outbox;
pub(crate) use outbox::{
    Job as OutboxJob, OutboxQueue, Reply, apply as apply_reply, run as run_outbox,
};
pub(crate) use reception::Arrival;
pub(crate) use registry::FileId;
pub(crate) use state::Sdi;

use std::sync::Arc;

use crate::lifecycle::SubmitOptions;
use crate::runtime::Context;
use crate::store::DocumentRecord;
use crate::vocabulary::TenantId;

impl Sdi {
    /// The gateway hands over an SDI document: it reaches SDI as a file named as the envelope
    /// said (or as a provider names it) once no outage holds SDI, and SDI's checks take it
    /// from there (`reception.rs`).
    pub(crate) fn submit(
        self: &Arc<Self>,
        ctx: &Context<'_>,
        tenant: &TenantId,
        doc: &DocumentRecord,
        options: &SubmitOptions,
    ) {
        reception::submit(self, ctx, tenant, doc, options);
    }

    /// Puts the scenario's inbound invoices (`sdi.inbound`) on a new run's event queue
    /// (`inbound.rs`).
    pub(crate) fn plan_inbound(self: &Arc<Self>, ctx: &Context<'_>) {
        inbound::plan_inbound(self, ctx);
    }

    /// `SdIRiceviFile`: a file the integrator transmits over SDICoop, taken in at `ctx.now`;
    /// its `IdentificativoSdI` (`reception.rs`).
    pub(crate) fn receive(self: &Arc<Self>, ctx: &Context<'_>, arrival: Arrival) -> FileId {
        reception::receive(self, ctx, arrival, ctx.now)
    }

    /// `SdIRiceviNotifica`: an administration's outcome on an invoice SDI delivered to it
    /// (`outcome.rs`): the `Esito` of the answer and, when refused, the SE file.
    pub(crate) fn take_esito(
        self: &Arc<Self>,
        ctx: &Context<'_>,
        id: FileId,
        name: &str,
        bytes: &[u8],
    ) -> (soap::EsitoNotifica, Option<(String, Vec<u8>)>) {
        outcome::take_esito(self, ctx, id, name, bytes)
    }
}
