//! What an exploration found, as the console prints it and `--json` writes it (schema
//! `eisim-suite/explore/v1`, documented field by field in suite/EXPLORE-SCHEMA.md).

use jiff::Timestamp;
use serde::Serialize;

use super::case::Size;
use crate::exit_codes;
use crate::outcome::Evidence;

/// Names the JSON shape; changes only with a documented, breaking change.
pub const SCHEMA: &str = "eisim-suite/explore/v1";

#[derive(Clone, Debug, Serialize)]
pub struct ExploreReport {
    pub schema: &'static str,
    pub suite_version: &'static str,
    /// The driver's `name`, or the `--exec` command.
    pub driver: String,
    /// Replays the same cases in the same order with `--seed`.
    pub seed: u64,
    pub networks: Vec<&'static str>,
    pub max_documents: usize,
    pub cases_requested: usize,
    /// Cases run before the first failure (all of them when none failed); shrinking runs are
    /// counted in `failure.shrink_runs`.
    pub cases_run: usize,
    pub cases_passed: usize,
    /// The rules each case is judged on: every MUST rule of the catalogue.
    pub rules: Vec<&'static str>,
    pub started_at: Timestamp,
    pub duration_ms: u64,
    /// `passed` or `failed`.
    pub outcome: &'static str,
    pub failure: Option<Failure>,
}

/// The first failing case, shrunk.
#[derive(Clone, Debug, Serialize)]
pub struct Failure {
    /// 1-based number of the generated case that failed first.
    pub case: usize,
    /// The rule id that failed, or `driver` when the integration broke the driver contract
    /// or did not settle.
    pub rule: String,
    pub statement: String,
    pub message: String,
    /// The minimal case's evidence: the journal entries (and driver answers) that prove it.
    pub evidence: Vec<Evidence>,
    pub original: CaseSize,
    pub minimal: CaseSize,
    /// Smaller cases tried while shrinking, and how many of them still failed the same way
    /// (twice: a smaller case that fails is run a second time before it is kept).
    pub shrink_runs: usize,
    pub shrink_failures: usize,
    /// The minimal failing scenario, written as an ordinary scenario file.
    pub reproducer: String,
    pub replay: Replay,
}

#[derive(Clone, Debug, Serialize)]
pub struct CaseSize {
    #[serde(flatten)]
    pub size: Size,
    /// One line: `2 documents (peppol, sdi), 1 fault`.
    pub summary: String,
}

/// The reproducer run again with `eisim-suite run`'s own code path.
#[derive(Clone, Debug, Serialize)]
pub struct Replay {
    /// The command that replays it.
    pub command: String,
    /// Whether every replay (three) failed the same rule. When the smallest case does not,
    /// two larger failing cases from the shrinking and then the case as generated are tried.
    pub reproduced: bool,
}

impl ExploreReport {
    /// 0 when every case passed; 1 when a rule failed; 3 when the integration broke the driver
    /// contract or did not settle (the same codes as `eisim-suite run`).
    pub fn exit_code(&self) -> i32 {
        match &self.failure {
            None => exit_codes::OK,
            Some(failure) if failure.rule == super::DRIVER_FAILURE => exit_codes::DRIVER_FAILED,
            Some(_) => exit_codes::RULE_FAILED,
        }
    }
}
