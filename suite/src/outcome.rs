//! What a run found: per scenario, a verdict per rule with its evidence, the documents the
//! integration handled, and the timeline of messages. Every reporter (console, JSON, JUnit,
//! HTML) renders these types and nothing else, so the four outputs cannot disagree.
//!
//! The JSON report is these types serialized; `SCHEMA` names its version and changes only
//! with a documented, breaking change.

use jiff::Timestamp;
use serde::Serialize;

use crate::catalogue::Level;

/// Names the JSON report's shape.
pub const SCHEMA: &str = "eisim-suite/report/v1";

/// The whole run.
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    pub schema: &'static str,
    pub suite_version: &'static str,
    /// The driver's `name`, or how it was reached when it never answered.
    pub driver: String,
    /// Whether SHOULD failures fail the run.
    pub strict: bool,
    pub started_at: Timestamp,
    pub duration_ms: u64,
    pub scenarios: Vec<ScenarioReport>,
    pub summary: Summary,
}

/// Counts for the summary table and CI's one-line answer.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub scenarios: usize,
    pub passed: usize,
    pub failed: usize,
    /// Scenarios that could not be judged (driver broke the contract, time limit).
    pub errors: usize,
    /// Ids of rules that failed the run somewhere, sorted, each once.
    pub failed_rules: Vec<String>,
}

/// One scenario's run.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioReport {
    pub name: String,
    /// The scenario file as given on the command line.
    pub file: String,
    /// Lower-case hex SHA-256 of the scenario file, so a report names exactly what ran.
    pub sha256: String,
    pub duration_ms: u64,
    #[serde(flatten)]
    pub status: ScenarioStatus,
    pub verdicts: Vec<RuleVerdict>,
    pub documents: Vec<DocumentOutcome>,
    pub timeline: Vec<TimelineEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ScenarioStatus {
    /// No rule failed the run.
    Passed,
    /// At least one rule failed the run.
    Failed,
    /// The scenario could not be judged; `kind` is `driver` (exit code 3) or `scenario`
    /// (exit code 2).
    Error { kind: ErrorKind, message: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    Driver,
    Scenario,
}

/// How a rule fared in one scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    Pass,
    Fail,
    /// Nothing in the run gave the rule a chance to be broken (h2spec's "skipped").
    NotExercised,
}

/// One rule's verdict in one scenario.
#[derive(Clone, Debug, Serialize)]
pub struct RuleVerdict {
    pub rule: &'static str,
    pub level: Level,
    pub statement: &'static str,
    pub grade: Grade,
    /// Whether this verdict fails the run (a MUST failure, or a SHOULD failure under
    /// `--strict`).
    pub fails_run: bool,
    /// Whether the scenario lists the rule in `expect` (the situation it was written to
    /// provoke).
    pub expected: bool,
    /// What went wrong, or why the rule was not exercised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The journal entries that prove a failure.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<&'static str>,
}

/// A journal entry (or a driver answer) cited as proof.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidence {
    /// The journal entry's `seq`; absent for what the driver said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    pub real_time: Timestamp,
    pub sim_time: Timestamp,
    pub summary: String,
}

/// A document the scenario asked the integration to send, and what each side holds at the end.
#[derive(Clone, Debug, Serialize)]
pub struct DocumentOutcome {
    /// The submit step's alias.
    pub step: String,
    /// The integration's `ref`.
    #[serde(rename = "ref")]
    pub reference: String,
    /// What the integration reported, or null when it did not answer.
    pub reported_state: Option<String>,
    pub reported_network_id: Option<String>,
    /// eisim's document id (gateway id or KSeF invoice reference), when eisim got it.
    pub eisim_document: Option<String>,
    /// eisim's final state; `null` when eisim never got the document.
    pub eisim_state: Option<String>,
}

/// Who sent a message on the timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    /// The integration called eisim.
    IntegrationToEisim,
    /// eisim called the integration (webhooks, SOAP).
    EisimToIntegration,
    /// Inside eisim: state changes, network messages, faults, clock moves.
    Eisim,
    /// The suite talked to the driver.
    SuiteToDriver,
}

/// One line of a scenario's timeline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TimelineEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    pub real_time: Timestamp,
    pub sim_time: Timestamp,
    pub flow: Flow,
    /// The journal kind (`http`, `webhook_attempt`, ...) or `driver`.
    pub kind: String,
    /// One line: `POST /api/v1/invoices -> 201`, `invoice.delivered -> 200 (12 ms)`.
    pub summary: String,
    /// The HTTP status, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

impl RunReport {
    /// Whether any scenario failed a rule that fails the run.
    pub fn failed(&self) -> bool {
        self.summary.failed > 0
    }
}
