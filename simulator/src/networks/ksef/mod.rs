//! KSeF (Poland): the engine behind the native API v2 that official clients talk to, and
//! behind KSeF documents submitted through the gateway.
//!
//! Entry points: [`Ksef::submit`] (a document the gateway hands over) and the session
//! operations the wire API (`http/ksef/`) calls. `state.rs` holds what one run knows
//! (challenges, authentications, tokens, sessions, invoices); `sessions.rs` opens and closes
//! online sessions and takes invoices in; `lifecycle.rs` runs every invoice's statuses on the
//! clock, whichever way it came; the other files are the protocol's building blocks (keys and
//! crypto, JWTs, XAdES requests, UPO documents, rate limits, errors, numbers).

pub mod crypto;
pub mod error;
pub(crate) mod jwt;
pub mod keys;
pub(crate) mod lifecycle;
pub(crate) mod number;
pub mod rate;
pub(crate) mod sessions;
pub(crate) mod state;
pub mod upo;
pub mod wire;
pub(crate) mod xades;

pub use number::{crc8, is_ksef_number, is_reference_number, ksef_number, reference_number};
pub use state::Ksef;
