//! The benchmark's result as data: what the console table, the JSON file and the exit code
//! are all made from. Its JSON shape is `eisim-suite/bench/v1`, documented field by field in
//! `suite/BENCH-SCHEMA.md`.

use jiff::Timestamp;
use serde::Serialize;

use crate::bench::stats::Distribution;
use crate::exit_codes;

/// The value of [`BenchReport::schema`].
pub const SCHEMA: &str = "eisim-suite/bench/v1";

/// One benchmark run.
#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    pub schema: &'static str,
    pub suite_version: &'static str,
    /// The integration's `name` from the driver's `GET /`.
    pub driver: String,
    pub settings: BenchSettings,
    pub started_at: Timestamp,
    /// From the first `POST /submit` to the last document's end (reached or given up).
    pub wall_ms: f64,
    pub documents: usize,
    /// Documents whose end state the driver reported in time.
    pub completed: usize,
    /// Documents that did not get there: listed in `failures`, and the exit code is 1.
    pub failed: usize,
    /// `completed` per second of `wall_ms`.
    pub documents_per_second: f64,
    /// Per document: from `POST /submit` to the driver reporting the end state.
    pub latency: Distribution,
    pub simulator: SimulatorShare,
    /// Per document: `latency` minus the simulator's share, what the integration itself cost.
    pub integration: Distribution,
    pub networks: Vec<NetworkFigures>,
    pub failures: Vec<Failure>,
}

/// What was asked, as it was understood.
#[derive(Clone, Debug, Serialize)]
pub struct BenchSettings {
    pub documents: usize,
    pub concurrency: usize,
    pub networks: Vec<String>,
    pub clock: String,
    /// The scenario file, or `"embedded"`.
    pub scenario: String,
    pub document_timeout_ms: u64,
}

/// eisim's part of the documents' latency, kept apart so the integration's own cost stands out.
#[derive(Clone, Debug, Serialize)]
pub struct SimulatorShare {
    /// Per document: eisim's handling time of the integration's requests attributed to it.
    pub processing: Distribution,
    /// Per document: wall time from eisim taking the document in to eisim reaching its end
    /// state, i.e. what the configured network delays cost under the chosen clock.
    pub network_delays: Distribution,
    /// Per document: `processing + network_delays`, capped at the document's latency.
    pub total: Distribution,
    /// The integration's requests eisim handled during the run.
    pub requests: usize,
    /// eisim's handling time of all of them, attributed or not.
    pub requests_ms: f64,
    /// The part of `requests_ms` no document was in flight for (e.g. setup before the first
    /// submit, calls after the last end state).
    pub unattributed_ms: f64,
}

/// The figures of one network's documents.
#[derive(Clone, Debug, Serialize)]
pub struct NetworkFigures {
    pub network: String,
    pub documents: usize,
    pub completed: usize,
    pub failed: usize,
    pub latency: Distribution,
    pub integration: Distribution,
}

/// A document that never got to its end state in time.
#[derive(Clone, Debug, Serialize)]
pub struct Failure {
    /// Its position among the documents, from 1.
    pub document: usize,
    pub network: String,
    /// The integration's `ref`.
    pub reference: String,
    /// The last state the driver reported, if it was asked.
    pub reported_state: Option<String>,
    /// eisim's state of the document, if eisim ever took it in.
    pub eisim_state: Option<String>,
    pub reason: String,
}

impl BenchReport {
    /// 0 when every document reached its end state, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        if self.failed == 0 {
            exit_codes::OK
        } else {
            exit_codes::RULE_FAILED
        }
    }

    /// The report as pretty JSON.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }
}
