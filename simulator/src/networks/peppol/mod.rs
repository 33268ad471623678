//! Peppol: the four-corner network as an integrator behind an access point meets it.
//!
//! `identifier.rs` names participants, document types and SML hosts; `state.rs` holds one
//! run's registrations and transmissions; `lifecycle.rs` carries each document across on the
//! simulator clock (lookup, AS4 send, Receipt, MLS, MLR, Invoice Responses) and receives the
//! scenario's inbound invoices. The wire: `smp.rs` renders and signs the SMP's documents,
//! `responses/` the three ApplicationResponse profiles, `ordering.rs` holds the Invoice
//! Response process rules; `api.rs` serves the SML, SMP and Directory lookups.

pub(crate) mod lifecycle;
pub(crate) mod respond;
pub mod responses;
pub(crate) mod smp;
pub(crate) mod state;

pub use respond::{ResponseError, ResponseRequest, SentResponse};
pub use state::{LookupFailure, MessageKind, Peppol, PeppolMessage, Registration, Transmission};
