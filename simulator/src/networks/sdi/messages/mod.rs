//! Every notification SDI exchanges about an invoice file: the messages as data, written as
//! the XML the official schemas describe, their file names, and the reader for the one message
//! that comes in, the recipient's outcome (EC).
//!
//! The invoice's `FormatoTrasmissione` picks one of two schema families: FPA12 invoices (to a
//! public administration) use `MessaggiTypes_v1.1.xsd` and know all nine messages; FPR12 and
//! FSM10 (B2B/B2C) use `MessaggiFatturaTypes_v1.0.xsd`, which has only RC, NS, MC and MT. A
//! [`Notification`] is one message; [`Notification::to_xml`] checks that its body exists in
//! its family, checks or trims every field to what the schema allows, and signs it with
//! [`SdiSigner`](super::signature::SdiSigner) when the schema requires a `ds:Signature` (all
//! but MT and EC).
//!
//! - `model.rs`: the messages as data ([`Notification`], [`Body`] and what they refer to);
//! - `render.rs`: writing them in either family, and [`italian_date_time`];
//! - `file_name.rs`: [`message_file_name`] and its per-file counter;
//! - `esito.rs`: [`parse_esito_committente`], reading a recipient's EC;
//! - `error.rs`: [`MessageError`], what can go wrong in any of these.

mod error;
mod esito;
mod file_name;
mod model;
mod render;

pub(crate) use esito::parse_esito_committente;
pub(crate) use file_name::{is_invoice_file_name, message_file_name};
pub(crate) use model::{
    ArchiveRef, Body, Esito, EsitoCommittente, FileRef, InvoiceRef, Notification, Scarto,
    ScartoError,
};
pub(crate) use render::italian_date_time;
// What only the tests of this folder name, through `super::*`.
#[cfg(test)]
use error::MessageError;
pub(crate) use model::MAX_ERRORS;

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
