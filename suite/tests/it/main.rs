//! eisim-suite's integration tests, one binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bench;
mod cli;
mod conformance;
mod explore;
mod harness;
mod ksef_client;
mod ksef_numbers;
mod properties;
mod reference;
