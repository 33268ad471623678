//! KSeF (Poland).

mod number;

pub use number::{crc8, ksef_number};
