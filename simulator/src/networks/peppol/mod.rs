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
//! Entry points: [`Peppol::submit`] (in `sending.rs`), [`Peppol::plan_inbound`] (in
//! `inbound.rs`) and [`Peppol::respond`] (in `respond.rs`).

mod answers;
mod document_event;
mod inbound;
pub(crate) mod respond;
pub mod responses;
pub(crate) mod sending;
pub(crate) mod smp;
pub(crate) mod state;

pub use respond::{ResponseError, ResponseRequest, SentResponse};
pub use state::{LookupFailure, MessageKind, Peppol, PeppolMessage, Registration, Transmission};
