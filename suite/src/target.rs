//! The simulator a scenario runs on: booted in-process for each scenario (the default), or an
//! external `eisim serve` reached through its `/_sim` control API.
//!
//! Either way the suite needs the same four things: where the integration should call, the
//! journal (the evidence), the clock (to jump to the next due event once the integration is
//! quiet), and whether eisim's own outgoing calls (webhooks, SOAP) have all been answered.

use std::path::Path;
use std::time::Duration;

use eisim::journal::JournalQuery;
use eisim::{ClockMode, JournalEntry, Scenario, Simulator, SimulatorConfig};
use jiff::Timestamp;
use serde::Deserialize;

use crate::errors::SuiteError;

#[derive(Debug)]
pub(crate) enum Target {
    InProcess(Box<Simulator>),
    External(External),
}

#[derive(Debug)]
pub(crate) struct External {
    base: String,
    http: reqwest::Client,
}

#[derive(Debug, Deserialize)]
struct ClockView {
    now: Timestamp,
    #[serde(default)]
    next_event_at: Option<Timestamp>,
}

impl Target {
    /// Boots a simulator for `scenario`. Simulated time runs with the wall clock (so a
    /// `Retry-After` the integration waits out has also passed for eisim) and the suite jumps
    /// it to the next due event whenever the integration is quiet.
    pub(crate) async fn in_process(
        scenario: Scenario,
        origin: &Path,
    ) -> Result<Target, SuiteError> {
        Target::in_process_with(scenario, origin, ClockMode::Real).await
    }

    /// Boots a simulator for `scenario` on the clock `mode`. A virtual clock is driven by
    /// eisim's own event driver (auto-advance): it jumps to each next due event the moment one
    /// is planned, so configured network delays cost no wall time without the suite polling
    /// for them. The benchmark uses this; `run` keeps the real clock and jumps by hand once the
    /// integration is quiet.
    pub(crate) async fn in_process_with(
        scenario: Scenario,
        origin: &Path,
        mode: ClockMode,
    ) -> Result<Target, SuiteError> {
        let config = SimulatorConfig::new()
            .scenario(scenario, origin.display().to_string())
            .clock(mode)
            .auto_advance(mode == ClockMode::Virtual);
        let simulator = Simulator::start(config)
            .await
            .map_err(|e| SuiteError::Simulator(e.to_string()))?;
        Ok(Target::InProcess(Box::new(simulator)))
    }

    /// Loads the scenario into a running simulator, which resets its state.
    pub(crate) async fn external(
        base_url: &str,
        scenario_text: &str,
    ) -> Result<Target, SuiteError> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| SuiteError::Usage(format!("cannot build an HTTP client: {e}")))?;
        let base = base_url.trim_end_matches('/').to_owned();
        let response = http
            .post(format!("{base}/_sim/scenario"))
            .header("content-type", "application/yaml")
            .body(scenario_text.to_owned())
            .send()
            .await
            .map_err(|e| SuiteError::Simulator(format!("{base}: {e}")))?;
        if !response.status().is_success() {
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            return Err(SuiteError::Simulator(format!(
                "{base}/_sim/scenario answered {status}: {body}"
            )));
        }
        Ok(Target::External(External { base, http }))
    }

    pub(crate) fn base_url(&self) -> String {
        match self {
            Target::InProcess(sim) => sim.base_url(),
            Target::External(external) => external.base.clone(),
        }
    }

    /// Journal entries after `seq`, oldest first.
    pub(crate) async fn entries_after(&self, seq: u64) -> Result<Vec<JournalEntry>, SuiteError> {
        match self {
            Target::InProcess(sim) => Ok(sim.journal().query(&JournalQuery {
                after_seq: Some(seq),
                ..JournalQuery::default()
            })),
            Target::External(external) => {
                let text = external
                    .get(&format!("/_sim/journal?after_seq={seq}"))
                    .await?;
                text.lines()
                    .filter(|line| !line.trim().is_empty())
                    .map(|line| {
                        serde_json::from_str(line).map_err(|e| {
                            SuiteError::Simulator(format!("journal line is not an entry: {e}"))
                        })
                    })
                    .collect()
            }
        }
    }

    pub(crate) async fn now(&self) -> Result<Timestamp, SuiteError> {
        Ok(self.clock().await?.0)
    }

    /// The simulated instant of the next scheduled event, if any.
    pub(crate) async fn next_due(&self) -> Result<Option<Timestamp>, SuiteError> {
        Ok(self.clock().await?.1)
    }

    async fn clock(&self) -> Result<(Timestamp, Option<Timestamp>), SuiteError> {
        match self {
            Target::InProcess(sim) => Ok((sim.clock().now(), sim.next_event_at())),
            Target::External(external) => {
                let text = external.get("/_sim/clock").await?;
                let view: ClockView = serde_json::from_str(&text)
                    .map_err(|e| SuiteError::Simulator(format!("/_sim/clock: {e}")))?;
                Ok((view.now, view.next_event_at))
            }
        }
    }

    /// Jumps simulated time to `to`, firing what falls due.
    pub(crate) async fn advance_to(&self, to: Timestamp) -> Result<(), SuiteError> {
        match self {
            Target::InProcess(sim) => {
                let now = sim.clock().now();
                if to <= now {
                    return Ok(());
                }
                let by = to.duration_since(now);
                let by = Duration::try_from(by).unwrap_or_default();
                sim.advance(by)
                    .map(|_| ())
                    .map_err(|e| SuiteError::Simulator(e.to_string()))
            }
            Target::External(external) => external
                .post_json("/_sim/clock/advance", &serde_json::json!({ "to": to }))
                .await
                .map(|_| ()),
        }
    }

    /// Moves simulated time forward by `by` (an `advance` step).
    pub(crate) async fn advance_by(&self, by: Duration) -> Result<(), SuiteError> {
        let now = self.now().await?;
        let to = now
            .checked_add(jiff::SignedDuration::try_from(by).unwrap_or(jiff::SignedDuration::MAX))
            .map_err(|e| SuiteError::Simulator(e.to_string()))?;
        self.advance_to(to).await
    }

    /// Whether every call eisim made to the integration (webhooks, SOAP) has been answered.
    /// An external simulator cannot say; the quiet period covers it.
    pub(crate) async fn outgoing_settled(&self) -> bool {
        match self {
            Target::InProcess(sim) => {
                let settled = async {
                    sim.webhooks_settled().await;
                    sim.sdi_settled().await;
                };
                tokio::time::timeout(Duration::from_millis(5), settled)
                    .await
                    .is_ok()
            }
            Target::External(_) => true,
        }
    }

    pub(crate) async fn stop(self) {
        if let Target::InProcess(sim) = self {
            let _ = sim.shutdown().await;
        }
    }
}

impl External {
    async fn get(&self, path: &str) -> Result<String, SuiteError> {
        self.send(path, self.http.get(format!("{}{path}", self.base)))
            .await
    }

    async fn post_json(&self, path: &str, body: &serde_json::Value) -> Result<String, SuiteError> {
        self.send(
            path,
            self.http.post(format!("{}{path}", self.base)).json(body),
        )
        .await
    }

    /// Sends a control-API request and returns its body, or says what went wrong.
    async fn send(
        &self,
        path: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<String, SuiteError> {
        let response = request
            .send()
            .await
            .map_err(|e| SuiteError::Simulator(format!("{}{path}: {e}", self.base)))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| SuiteError::Simulator(e.to_string()))?;
        if status.is_success() {
            Ok(text)
        } else {
            Err(SuiteError::Simulator(format!(
                "{path} answered {status}: {text}"
            )))
        }
    }
}
