//! SDI (Italy): the Sistema di Interscambio as transmitters and recipients meet it.
//!
//! `lifecycle.rs` runs each file from reception to its last notification on the simulator
//! clock; `registry.rs` remembers what SDI's duplicate checks need; `state.rs` is one run's
//! books. The wire: `messages.rs` renders the notifications of both schema families,
//! `signature.rs` signs them with eisim's own key, `archive.rs` packs the attestation,
//! `message_bytes.rs` makes each one when it is first read or sent,
//! `soap.rs` reads and writes SDICoop's SOAP (plain and MTOM); `api.rs` serves SDI's
//! services and `outbox.rs` calls the integrator's.

mod api;
pub mod archive;
mod lifecycle;
mod message_bytes;
pub mod messages;
mod mtom;
mod outbox;
mod registry;
pub mod signature;
pub mod soap;
mod state;

pub(crate) use api::{control_routes, message_response, routes};
pub(crate) use lifecycle::{Arrival, PriorInspection, plan_inbound, receive};
pub use message_bytes::MessageBytes;
pub use outbox::Outbox;
pub(crate) use outbox::{JobQueue, run as run_outbox};
pub use registry::{FileId, Registry};
pub use state::{Channel, Endpoints, FileState, Party, Sdi, SdiFile, StoredMessage};
