//! What a benchmark is asked to do, as the library takes it: the command line maps onto this
//! one struct, and tests build it directly.

use std::path::PathBuf;
use std::time::Duration;

use eisim::ClockMode;
use eisim::Network;

use crate::errors::SuiteError;
use crate::runner::DriverTarget;

/// Everything `bench` needs.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    /// The integration's adapter; with `Exec`, ONE adapter is started for the whole benchmark
    /// so its warm-up is paid once, as in production.
    pub driver: DriverTarget,
    /// How many documents the integration is asked to send.
    pub documents: usize,
    /// At most this many documents outstanding (asked for, end state not yet reported).
    pub concurrency: usize,
    /// The networks to spread documents over, round-robin; empty means all three.
    pub networks: Vec<Network>,
    /// A scenario file to run in instead of the embedded one; its `steps` are ignored.
    pub scenario: Option<PathBuf>,
    /// The simulator's clock: `virtual` makes configured network delays cost ~no wall time.
    pub clock: ClockMode,
    /// Where `peppol/invoice-minimal.xml`, `sdi/FPR12-minimal.xml` and
    /// `ksef/fa3-minimal.xml` are read from instead of the copies built into the suite.
    pub fixtures: Option<PathBuf>,
    /// How long the integration must make no call before the simulator is stopped at the
    /// end, so its trailing calls (acknowledging the last webhooks) land on a live simulator.
    pub quiet: Duration,
    /// How long one document may take from `POST /submit` to its end state before it counts
    /// as failed.
    pub document_timeout: Duration,
}

impl BenchOptions {
    /// The defaults of the command line, for `driver`.
    pub fn new(driver: DriverTarget) -> BenchOptions {
        BenchOptions {
            driver,
            documents: 100,
            concurrency: 8,
            networks: Vec::new(),
            scenario: None,
            clock: ClockMode::Virtual,
            fixtures: None,
            quiet: Duration::from_millis(300),
            document_timeout: Duration::from_secs(120),
        }
    }

    /// Refuses what cannot be measured, before anything is started.
    pub(crate) fn check(&self) -> Result<(), SuiteError> {
        if self.documents == 0 {
            return Err(SuiteError::Usage(
                "--documents must be at least 1".to_owned(),
            ));
        }
        if self.concurrency == 0 {
            return Err(SuiteError::Usage(
                "--concurrency must be at least 1".to_owned(),
            ));
        }
        if self.document_timeout.is_zero() {
            return Err(SuiteError::Usage(
                "the document time limit must be above 0".to_owned(),
            ));
        }
        Ok(())
    }

    /// The networks in use, in the order documents are dealt to them, each once.
    pub(crate) fn networks(&self) -> Vec<Network> {
        if self.networks.is_empty() {
            return Network::ALL.to_vec();
        }
        let mut chosen: Vec<Network> = Vec::new();
        for network in &self.networks {
            if !chosen.contains(network) {
                chosen.push(*network);
            }
        }
        chosen
    }
}

/// Reads a network's name as the command line writes it.
pub fn parse_network(text: &str) -> Result<Network, String> {
    Network::ALL
        .into_iter()
        .find(|network| network.as_str().eq_ignore_ascii_case(text))
        .ok_or_else(|| format!("unknown network `{text}`; expected peppol, sdi or ksef"))
}
