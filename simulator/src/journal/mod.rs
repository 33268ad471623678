//! The journal: an append-only record of everything the simulator saw and did.
//!
//! Integrators read it to find out what their code actually sent; the conformance suite reads
//! it as evidence for its verdicts. Every entry carries two times: the real wall-clock instant
//! (what a packet capture would show) and the simulated instant (what the networks believe),
//! because with a virtual clock the two drift apart by days.
//!
//! Entries live in memory up to a cap (oldest dropped first, counted in `dropped`) so a long
//! soak cannot grow without bound; with a journal file every entry is also written as one
//! JSON line and flushed before `append` returns, so a crash loses at most the entry being
//! written.

mod error;
mod file;
mod log;
mod query;
mod record;

pub use error::JournalError;
pub use log::{DEFAULT_MEMORY_CAP, Journal};
pub use query::JournalQuery;
pub use record::*;
