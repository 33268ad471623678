//! SDI (Italy): the Sistema di Interscambio as transmitters and recipients meet it.
//!
//! `lifecycle.rs` runs each file from reception to its last notification on the simulator
//! clock; `registry.rs` remembers what SDI's duplicate checks need; `state.rs` is one run's
//! books. The wire:
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
//! Entry points: [`Sdi::submit`] (a document the gateway hands over), [`Sdi::plan_inbound`]
//! (the scenario's inbound invoices), and what SDI's services do with a file or an outcome the
//! integrator sends (`receive`, `lifecycle::accept_outcome`).

pub mod archive;
pub(crate) mod lifecycle;
pub(crate) mod message_bytes;
pub mod messages;
pub(crate) mod mtom;
pub(crate) mod outbox;
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
