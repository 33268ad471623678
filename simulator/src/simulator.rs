//! A whole simulator in one value, for tests and programs that embed eisim instead of running
//! the `eisim` binary (which is a thin layer over this).
//!
//! Like wiremock's `MockServer`, [`Simulator::start`] binds a port (0 by default, so parallel
//! tests never collide), serves in the background, and hands back what a test needs: the base
//! URL, the clock and the journal. Dropping the handle stops the server.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::clock::{Clock, ClockError, ClockMode};
use crate::http::server::{self, ServerSettings};
use crate::journal::JournalError;
use crate::journal::{DEFAULT_MEMORY_CAP, Journal};
use crate::scenario::{self, Scenario, ScenarioErrors};
use crate::simulation::{Advanced, Overrides, Simulation};

/// Starting a simulator failed; nothing is left running.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the control API (/_sim) would be reachable from other machines on {addr}; give a control token (--control-token or EISIM_CONTROL_TOKEN) or bind to a loopback address"
    )]
    ControlTokenRequired { addr: String },
    #[error(
        "auto-advance jumps a virtual clock to the next due event; it cannot move a `{mode}` clock (use --clock virtual)"
    )]
    AutoAdvanceNeedsVirtualClock { mode: String },
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Scenario(#[from] ScenarioErrors),
}

/// How to start a simulator. Defaults: the embedded default scenario, 127.0.0.1, port 0, the
/// scenario's own clock, no journal file.
#[derive(Debug, Clone)]
pub struct SimulatorConfig {
    scenario: Option<(Scenario, String)>,
    overrides: Overrides,
    bind: IpAddr,
    port: u16,
    journal_file: Option<PathBuf>,
    journal_memory_cap: usize,
    server: ServerSettings,
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        SimulatorConfig {
            scenario: None,
            overrides: Overrides::default(),
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            journal_file: None,
            journal_memory_cap: DEFAULT_MEMORY_CAP,
            server: ServerSettings::default(),
        }
    }
}

impl SimulatorConfig {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `scenario` instead of the embedded default; `origin` names it in messages and in
    /// `/_sim/health` (a file path, say).
    pub fn scenario(mut self, scenario: Scenario, origin: impl Into<String>) -> Self {
        self.scenario = Some((scenario, origin.into()));
        self
    }

    /// Overrides the scenario's clock mode.
    pub fn clock(mut self, mode: ClockMode) -> Self {
        self.overrides.clock = Some(mode);
        self
    }

    /// With a virtual clock, jump straight to each next due event instead of waiting to be
    /// advanced.
    pub fn auto_advance(mut self, on: bool) -> Self {
        self.overrides.auto_advance = Some(on);
        self
    }

    pub fn seed(mut self, seed: u64) -> Self {
        self.overrides.seed = Some(seed);
        self
    }

    pub fn bind(mut self, address: IpAddr) -> Self {
        self.bind = address;
        self
    }

    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Also write the journal to `path`, one JSON line per entry, flushed as it goes.
    pub fn journal_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.journal_file = Some(path.into());
        self
    }

    pub fn journal_memory_cap(mut self, entries: usize) -> Self {
        self.journal_memory_cap = entries;
        self
    }

    /// Requires `Authorization: Bearer <token>` on every `/_sim` request.
    pub fn control_token(mut self, token: impl Into<String>) -> Self {
        self.server.control_token = Some(token.into());
        self
    }

    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.server.body_limit = bytes;
        self
    }

    /// How long a client may take to send a request's head before it is disconnected.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.server.header_read_timeout = timeout;
        self
    }
}

/// A running simulator. Dropping it stops the server; [`Simulator::shutdown`] does so
/// gracefully and waits.
#[derive(Debug)]
pub struct Simulator {
    address: SocketAddr,
    simulation: Arc<Simulation>,
    stop: watch::Sender<bool>,
    server: Option<JoinHandle<std::io::Result<()>>>,
    driver: Option<JoinHandle<()>>,
    sender: Option<JoinHandle<()>>,
    sdi_outbox: Option<JoinHandle<()>>,
}

impl Simulator {
    /// Binds, starts serving and starts firing scheduled events. Must be called inside a
    /// tokio runtime.
    pub async fn start(config: SimulatorConfig) -> Result<Simulator, StartError> {
        let address = SocketAddr::new(config.bind, config.port);
        if !config.bind.is_loopback() && config.server.control_token.is_none() {
            return Err(StartError::ControlTokenRequired {
                addr: address.to_string(),
            });
        }
        let (scenario, origin) = match config.scenario {
            Some(given) => given,
            None => (
                scenario::default_scenario()?,
                scenario::DEFAULT_ORIGIN.to_string(),
            ),
        };
        let mode = config.overrides.clock.unwrap_or(scenario.clock.mode);
        if config.overrides.auto_advance == Some(true) && mode != ClockMode::Virtual {
            return Err(StartError::AutoAdvanceNeedsVirtualClock {
                mode: mode.to_string(),
            });
        }
        let journal = match &config.journal_file {
            Some(path) => Journal::with_file(path, config.journal_memory_cap)?,
            None => Journal::in_memory(config.journal_memory_cap),
        };
        let listener = TcpListener::bind(address)
            .await
            .map_err(|source| StartError::Bind {
                addr: address.to_string(),
                source,
            })?;
        let address = listener.local_addr().map_err(|source| StartError::Bind {
            addr: address.to_string(),
            source,
        })?;

        let simulation = Arc::new(Simulation::new(scenario, origin, config.overrides, journal));
        let (stop, stopped) = watch::channel(false);
        let header_read_timeout = config.server.header_read_timeout;
        let app = server::app(simulation.clone(), config.server);
        let mut server_stop = stopped.clone();
        let server = tokio::spawn(server::run(
            listener,
            app,
            header_read_timeout,
            async move {
                let _ = server_stop.wait_for(|stop| *stop).await;
            },
        ));
        let sender = crate::simulation::spawn_webhook_sender(&simulation, stopped.clone());
        let sdi_outbox = crate::simulation::spawn_sdi_outbox(&simulation, stopped.clone());
        let driver = tokio::spawn(crate::simulation::drive(simulation.clone(), stopped));
        Ok(Simulator {
            address,
            simulation,
            stop,
            server: Some(server),
            driver: Some(driver),
            sender,
            sdi_outbox,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `http://127.0.0.1:<port>`, with no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The current run's clock. Loading a scenario or resetting starts a new clock, so ask
    /// again after either.
    pub fn clock(&self) -> Clock {
        self.simulation.run().clock.clone()
    }

    pub fn journal(&self) -> Journal {
        self.simulation.journal.clone()
    }

    /// The scenario the simulator runs now (loading another or resetting starts a new run).
    pub fn scenario(&self) -> Arc<Scenario> {
        self.simulation.run().scenario.clone()
    }

    /// Where the current scenario came from: a path, `<embedded default>`, `<request body>`.
    pub fn scenario_origin(&self) -> String {
        self.simulation.run().origin.clone()
    }

    /// The seed of the current run.
    pub fn seed(&self) -> u64 {
        self.simulation.run().seed
    }

    /// How much the current run holds for `tenant`, for memory measurements.
    pub fn holdings(&self, tenant: &crate::TenantId) -> crate::Holdings {
        self.simulation.holdings(tenant)
    }

    /// When the next planned event is due, if any: what a driver moving a virtual clock
    /// jumps to.
    pub fn next_event_at(&self) -> Option<jiff::Timestamp> {
        self.simulation.next_event_at()
    }

    /// Moves simulated time forward, firing what falls due on the way.
    pub fn advance(&self, by: Duration) -> Result<Advanced, ClockError> {
        self.simulation.advance(by)
    }

    /// Waits until every webhook and callback request handed to the sender has been answered
    /// and judged, so a test can advance the clock to the next retry knowing the last attempt
    /// is on record.
    pub async fn webhooks_settled(&self) {
        let hub = self.simulation.run().webhooks.clone();
        hub.settled().await;
    }

    /// Waits until every SOAP call SDI has made so far has been answered and its answer
    /// applied (an inbound invoice's delivery decides what SDI plans next).
    pub async fn sdi_settled(&self) {
        let outbox = self.simulation.run().sdi.outbox.clone();
        outbox.settled().await;
    }

    /// Stops accepting connections, lets in-flight requests finish, stops the event driver
    /// and syncs the journal file.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        let _ = self.stop.send(true);
        let served = match self.server.take() {
            Some(server) => server
                .await
                .unwrap_or_else(|join| Err(std::io::Error::other(join))),
            None => Ok(()),
        };
        if let Some(driver) = self.driver.take() {
            let _ = driver.await;
        }
        if let Some(sender) = self.sender.take() {
            let _ = sender.await;
        }
        if let Some(outbox) = self.sdi_outbox.take() {
            let _ = outbox.await;
        }
        self.simulation
            .journal
            .sync()
            .map_err(std::io::Error::other)?;
        served
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

#[cfg(test)]
mod time_travel;
