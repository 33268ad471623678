//! KSeF (Poland): its identifiers, and the native API v2 that official clients talk to.
//!
//! `api/` is the HTTP face; `state.rs` holds what one run knows (challenges, authentications,
//! tokens); `sessions.rs` runs online sessions and invoice processing; the other files are
//! the protocol's building blocks (keys and crypto, JWTs, XAdES requests, UPO documents, rate
//! limits, error bodies, numbers).

mod api;
pub mod crypto;
pub mod error;
mod jwt;
pub mod keys;
mod number;
pub mod rate;
mod sessions;
mod state;
pub mod upo;
pub mod wire;
mod xades;

pub(crate) use api::{RequestBody, read_request_body, routes};
pub use number::{crc8, is_ksef_number, is_reference_number, ksef_number, reference_number};
pub use state::Ksef;
