//! KSeF (Poland): its identifiers, and the native API v2 that official clients talk to.

pub mod error;
mod number;
pub mod wire;

pub use number::{crc8, ksef_number};
