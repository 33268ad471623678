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
//! Entry points: [`Sdi::submit`] (a document the gateway hands over, in `reception.rs`),
//! [`Sdi::plan_inbound`] (the scenario's inbound invoices, in `inbound.rs`), and what SDI's
//! services do with a file or an outcome the integrator sends: `reception::receive` for
//! `SdIRiceviFile`, `Sdi::take_esito` (in `outcome.rs`) for `SdIRiceviNotifica`.

pub mod archive;
mod checks;
mod delivery;
mod file_state;
mod inbound;
mod issue;
pub(crate) mod message_bytes;
pub mod messages;
pub(crate) mod mtom;
pub(crate) mod outbox;
mod outcome;
pub(crate) mod reception;
pub(crate) mod registry;
pub mod signature;
pub mod soap;
pub(crate) mod state;

pub use message_bytes::MessageBytes;
pub use outbox::Outbox;
pub(crate) use outbox::{
    Job as OutboxJob, OutboxQueue, Reply, apply as apply_reply, run as run_outbox,
};
pub use registry::{FileId, Registry};
pub use state::{Channel, Endpoints, FileState, Party, Sdi, SdiFile, StoredMessage};
