//! The reporters: the console view, and the JSON, JUnit XML and HTML files CI keeps.
//!
//! Each reporter is a pure function from a [`RunReport`] to text, one per file (`console`,
//! `json`, `junit`, `html`), so every output is tested without touching the disk and all four
//! say the same thing: they read the report model in `outcome` and nothing else. [`write`] is
//! the one place that puts a file format on disk; the runner calls it once per `--json`,
//! `--junit` or `--html` it was given, and prints [`progress_line`] and [`summary`] itself.
//!
//! How a verdict maps onto each format:
//! - a failure that fails the run (a MUST, or a SHOULD under `--strict`) is a failure
//!   everywhere, with its evidence and fix;
//! - a failure that does not fail the run (a SHOULD without `--strict`, an INFO) is shown but
//!   counted as passing, as Autobahn reports NON-STRICT;
//! - a rule not exercised is skipped, with the reason;
//! - a scenario that could not be judged is an error, never a pass or a rule failure.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::catalogue::Level;
use crate::outcome::{ErrorKind, Evidence, RuleVerdict, RunReport};

pub mod console;
pub mod html;
pub mod json;
pub mod junit;
#[cfg(test)]
mod sample;

pub use console::{progress_line, summary};

/// A report file the runner can write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `--json`: the report model itself, for tools.
    Json,
    /// `--junit`: for CI test tabs (one testsuite per scenario, one testcase per rule).
    Junit,
    /// `--html`: one self-contained page for people, with each scenario's timeline.
    Html,
}

impl Format {
    pub const fn as_str(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Junit => "JUnit",
            Format::Html => "HTML",
        }
    }

    /// The report in this format.
    pub fn render(self, report: &RunReport) -> Result<String, ReportError> {
        let serialize = |source: Box<dyn std::error::Error + Send + Sync>| ReportError::Serialize {
            format: self,
            source,
        };
        match self {
            Format::Json => json::render(report).map_err(|error| serialize(error.into())),
            Format::Junit => junit::render(report).map_err(|error| serialize(error.into())),
            Format::Html => Ok(html::render(report)),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write the {format} report to {}: {source}", path.display())]
    Io {
        format: Format,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot serialize the {format} report: {source}")]
    Serialize {
        format: Format,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Renders the report and writes it to `path`, replacing what was there. Rendering comes first
/// so a report that cannot be serialized leaves an earlier file untouched.
pub fn write(report: &RunReport, format: Format, path: &Path) -> Result<(), ReportError> {
    let text = format.render(report)?;
    std::fs::write(path, text).map_err(|source| ReportError::Io {
        format,
        path: path.to_path_buf(),
        source,
    })
}

/// One evidence line, the same in every text format: where it is in the journal (or that the
/// driver said it), when in both clocks, and what happened.
pub(crate) fn evidence_line(evidence: &Evidence) -> String {
    let origin = match evidence.seq {
        Some(seq) => format!("#{seq}"),
        None => "driver".to_owned(),
    };
    // Milliseconds always, so evidence lines align and the gaps between them read at a glance.
    format!(
        "{origin} at {:.3} (sim {}): {}",
        evidence.real_time, evidence.sim_time, evidence.summary
    )
}

/// Why a failed verdict does not fail the run, for the formats that show it as passing.
pub(crate) fn not_failing_note(verdict: &RuleVerdict) -> &'static str {
    match verdict.level {
        Level::Should => "NON-STRICT: a SHOULD rule failed; it fails the run only with --strict",
        Level::Info => "INFO: an INFO rule failed; it is reported and never fails the run",
        Level::Must => "a MUST rule failed without failing the run",
    }
}

/// What a failed verdict says went wrong, falling back to the rule's statement when the rule
/// gave no message.
pub(crate) fn failure_message(verdict: &RuleVerdict) -> &str {
    verdict.message.as_deref().unwrap_or(verdict.statement)
}

/// The run's outcome in one word: `FAIL` when a rule failed the run, else `ERROR` when a
/// scenario could not be judged, else `PASS`.
pub(crate) fn outcome(report: &RunReport) -> &'static str {
    if report.summary.failed > 0 {
        "FAIL"
    } else if report.summary.errors > 0 {
        "ERROR"
    } else {
        "PASS"
    }
}

pub(crate) const fn error_kind(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Driver => "driver",
        ErrorKind::Scenario => "scenario",
    }
}

/// Seconds with one decimal (`1.2 s`), in integers so the same run always prints the same.
pub(crate) fn seconds(ms: u64) -> String {
    let tenths = ms.saturating_add(50) / 100;
    format!("{}.{} s", tenths / 10, tenths % 10)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn seconds_round_to_a_tenth() {
        assert_eq!(seconds(0), "0.0 s");
        assert_eq!(seconds(1_234), "1.2 s");
        assert_eq!(seconds(1_250), "1.3 s");
        assert_eq!(seconds(59_999), "60.0 s");
        assert!(seconds(u64::MAX).ends_with(" s"));
    }

    #[test]
    fn every_format_renders_and_writes_the_sample_run() {
        let dir = std::env::temp_dir().join(format!("eisim-suite-report-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let report = sample::run();
        for (format, name) in [
            (Format::Json, "report.json"),
            (Format::Junit, "report.xml"),
            (Format::Html, "report.html"),
        ] {
            let path = dir.join(name);
            write(&report, format, &path).unwrap();
            let written = std::fs::read_to_string(&path).unwrap();
            assert_eq!(written, format.render(&report).unwrap(), "{format}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_unwritable_path_names_the_format_and_the_path() {
        let path = Path::new("/nonexistent-eisim-dir/report.json");
        let error = write(&sample::run(), Format::Json, path).unwrap_err();
        let ReportError::Io {
            format,
            path: named,
            ..
        } = &error
        else {
            panic!("expected an I/O error, got {error:?}");
        };
        assert_eq!(*format, Format::Json);
        assert_eq!(named, path);
        assert!(
            error
                .to_string()
                .starts_with("cannot write the JSON report to /nonexistent-eisim-dir/report.json:")
        );
    }
}
