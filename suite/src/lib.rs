//! eisim-suite: the conformance suite that grades an e-invoicing integration against eisim.
//!
//! How the pieces fit: [`run`] takes scenario files and a way to reach the integration's
//! driver (the [`contract`]); for each scenario the runner boots a simulator, sends the
//! scenario's steps to the driver, lets simulated time move until the run settles, and judges
//! every rule of the [`catalogue`] on eisim's journal and the driver's answers. The result is
//! an [`outcome::RunReport`], which the [`report`] module renders for the console, JSON,
//! JUnit and HTML. The [`reference`] integration implements the contract correctly; its
//! [`reference::Breakage`]s are the zoo that proves each rule is caught.
//! [`bench::bench`] drives the same contract to measure an integration's throughput and
//! per-document latency, with eisim's own share of the time reported apart.
//! [`explore::explore`] generates scenarios nobody wrote, runs them the way [`run`] does, and
//! shrinks the first MUST failure to a scenario file `run` replays.
//!
//! ```no_run
//! # async fn demo() -> Result<(), eisim_suite::SuiteError> {
//! use eisim_suite::{DriverTarget, RunOptions, RunSettings};
//!
//! let options = RunOptions {
//!     scenarios: vec!["scenarios/conformance".into()],
//!     settings: RunSettings {
//!         driver: DriverTarget::Url("http://127.0.0.1:7000".into()),
//!         simulator: None,
//!         strict: true,
//!         fixtures: None,
//!         quiet: std::time::Duration::from_millis(300),
//!     },
//!     filter: None,
//!     jobs: 1,
//! };
//! let report = eisim_suite::run(options, |_| {}).await?;
//! std::process::exit(report.exit_code());
//! # }
//! ```

pub mod bench;
pub mod catalogue;
pub mod contract;
mod driver;
mod errors;
mod evidence;
mod exec;
pub mod exit_codes;
pub mod explore;
mod fixtures;
pub mod outcome;
pub mod reference;
pub mod report;
mod rules;
mod runner;
mod suite;
mod target;
mod timeline;

pub use errors::SuiteError;
pub use runner::{DriverTarget, RunSettings, run_scenario};
pub use suite::{RunOptions, collect, run};
