//! eisim: a simulated e-invoicing access point and the networks behind it (Peppol, Italy's
//! SDI, Poland's KSeF), driven by scenario files.
//!
//! The crate's map is `ARCHITECTURE.md` at the top of the repository: layers from the shared
//! vocabulary up to HTTP, each importing only downward. What is public here is what a program
//! that embeds eisim, or a test that drives it, needs:
//!
//! - **run a simulator**: [`Simulator::start`] with a [`SimulatorConfig`], and the handle it
//!   returns (address, [`Clock`], [`Journal`], time travel, shutdown); [`StartError`] when it
//!   cannot start;
//! - **load scenarios**: [`scenario::parse`], [`scenario::load_file`],
//!   [`scenario::default_scenario`] and the [`Scenario`] model;
//! - **read the journal**: [`Journal`], [`JournalQuery`], and the record types in [`journal`];
//! - **serve the router yourself**: [`app`] over a [`Simulation`], and [`run`] to serve it;
//! - **validate a document** the way the networks would: [`inspect`];
//! - the words all of these share: [`Network`], [`TenantId`], [`DocumentState`],
//!   [`Direction`].
//!
//! Embedding, as a Rust test would:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use eisim::{ClockMode, Simulator, SimulatorConfig};
//!
//! let sim = Simulator::start(SimulatorConfig::new().clock(ClockMode::Virtual)).await?;
//! println!("point your client at {}", sim.base_url());
//! sim.advance(std::time::Duration::from_secs(15 * 24 * 3600))?; // fifteen days, instantly
//! # Ok(()) }
//! ```

// Layer 0: base.
mod certificate;
mod civil_time;
mod clock;
mod codelists;
mod digest;
mod scheduler;
mod signed;
mod vocabulary;
mod xml;
mod xmldsig;
// Layer 1: documents, identifiers and scenarios.
mod documents;
mod identifiers;
pub mod scenario;
// Layer 2: what a run keeps and what fails when.
mod faults;
pub mod journal;
mod limits;
mod store;
// Layer 3: what events and engines run with.
mod runtime;
// Layer 4: the network-neutral lifecycle and webhooks.
mod lifecycle;
mod webhooks;
// Layer 5: the network engines.
mod networks;
// Layer 6: the running simulation.
mod simulation;
// Layer 7: HTTP.
mod http;
// Layer 8: starting it all.
/// For the fuzz targets in `fuzz/` and the test that runs their seeds; not eisim's API.
#[doc(hidden)]
pub mod fuzzing;
mod simulator;
pub mod tools;

#[cfg(test)]
mod testing;

/// The README's Rust examples, compiled and run as doc tests so they stay true.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

pub use clock::{Clock, ClockError, ClockMode};
pub use documents::{
    DocumentError, Finding, Format, Inspection, InspectionContext, Severity, inspect,
};
pub use http::server::{DEFAULT_BODY_LIMIT, DEFAULT_HEADER_READ_TIMEOUT, ServerSettings, app, run};
pub use journal::{Journal, JournalEntry, JournalQuery, Record};
pub use scenario::Scenario;
pub use simulation::{Advanced, Holdings, Overrides, Simulation};
pub use simulator::{Simulator, SimulatorConfig, StartError};
pub use vocabulary::{Direction, DocumentState, Network, TenantId};
pub use webhooks::SENDER_CONCURRENCY as WEBHOOK_SENDER_CONCURRENCY;
