//! eisim: a simulated e-invoicing access point and the networks behind it (Peppol, Italy's
//! SDI, Poland's KSeF), driven by scenario files.
//!
//! How the pieces fit: an HTTP request enters through [`app`] (the control API under
//! `/_sim`, and the gateway and native network APIs as they land), every exchange is written
//! to the [`Journal`], state lives in the [`store`] scoped by tenant, and network lifecycles
//! plan their next steps on the [`agenda`], which the [`world`] fires when the simulated
//! [`Clock`] reaches them. A [`Scenario`] file says who exists and how the networks behave.
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

pub mod certificate;
pub mod civil_time;
pub mod clock;
pub mod codelists;
pub mod digest;
pub mod documents;
pub mod faults;
/// For the fuzz targets in `fuzz/` and the test that runs their seeds; not eisim's API.
#[doc(hidden)]
pub mod fuzzing;
mod http;
pub mod identifiers;
pub mod journal;
pub mod lifecycle;
pub mod limits;
pub mod networks;
pub mod runtime;
pub mod scenario;
pub mod scheduler;
pub mod simulation;
mod simulator;
pub mod store;
#[cfg(test)]
mod testing;
pub mod vocabulary;
pub mod webhooks;
pub mod xmldsig;

pub use clock::{Clock, ClockMode};
pub use http::problem::AppError;
pub use http::server::{DEFAULT_BODY_LIMIT, DEFAULT_HEADER_READ_TIMEOUT, ServerSettings, app, run};
pub use journal::{Journal, JournalEntry, JournalQuery, Record};
pub use scenario::Scenario;
pub use simulator::{Simulator, SimulatorConfig, StartError};
pub use vocabulary::{Direction, DocumentState, Network, TenantId};
