//! The JUnit XML report, through `quick-junit` as nextest writes it, so CI systems show the
//! suite in their test tabs: one testsuite per scenario (named after it), one testcase per rule
//! verdict (named after the rule, classed under the scenario).
//!
//! - A failure that fails the run is a `<failure>`: the verdict's message, the rule's level as
//!   its type, and the evidence lines and fix as its text.
//! - A failure that does not fail the run (a SHOULD without `--strict`) passes, with a
//!   `NON-STRICT` note in its `<system-out>`, the way Autobahn reports it: CI stays green, the
//!   reader still sees it.
//! - A rule not exercised is `<skipped>` with the reason.
//! - A scenario that could not be judged gets a testcase `scenario` holding an `<error>`, so CI
//!   counts it as broken rather than passed.
//!
//! Times come from the report's durations; rules are judged after the run, so their testcases
//! take no time of their own. Nothing machine-specific (host name, report uuid) is written, so
//! the same run gives the same file.

use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use quick_junit::{
    NonSuccessKind, Property, Report, SerializeError, TestCase, TestCaseStatus, TestSuite,
};

use crate::outcome::{Grade, RuleVerdict, RunReport, ScenarioReport, ScenarioStatus};
use crate::report::{error_kind, evidence_line, failure_message, not_failing_note};

/// The report name CI shows above the testsuites.
pub const REPORT_NAME: &str = "eisim-suite";

/// The name of the testcase that carries a scenario's error.
pub const SCENARIO_CASE: &str = "scenario";

/// The JUnit XML report.
pub fn render(report: &RunReport) -> Result<String, SerializeError> {
    let mut junit = Report::new(REPORT_NAME);
    junit.set_time(Duration::from_millis(report.duration_ms));
    if let Some(started) = chrono_timestamp(report.started_at) {
        junit.set_timestamp(started);
    }
    junit.add_test_suites(report.scenarios.iter().map(test_suite));
    junit.to_string()
}

/// quick-junit takes chrono times; a time chrono cannot hold is left out rather than invented.
fn chrono_timestamp(at: jiff::Timestamp) -> Option<DateTime<FixedOffset>> {
    let nanos = u32::try_from(at.subsec_nanosecond()).ok()?;
    DateTime::from_timestamp(at.as_second(), nanos).map(|utc| utc.fixed_offset())
}

fn test_suite(scenario: &ScenarioReport) -> TestSuite {
    let mut suite = TestSuite::new(scenario.name.as_str());
    suite.set_time(Duration::from_millis(scenario.duration_ms));
    suite.add_properties([
        Property::new("file", scenario.file.as_str()),
        Property::new("sha256", scenario.sha256.as_str()),
    ]);
    if let ScenarioStatus::Error { kind, message } = &scenario.status {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status
            .set_message(message.as_str())
            .set_type(error_kind(*kind));
        let mut case = TestCase::new(SCENARIO_CASE, status);
        case.set_classname(scenario.name.as_str())
            .set_time(Duration::from_millis(scenario.duration_ms));
        suite.add_test_case(case);
    }
    suite.add_test_cases(
        scenario
            .verdicts
            .iter()
            .map(|verdict| test_case(&scenario.name, verdict)),
    );
    suite
}

fn test_case(scenario: &str, verdict: &RuleVerdict) -> TestCase {
    let status = match verdict.grade {
        Grade::Pass => TestCaseStatus::success(),
        Grade::Fail if verdict.fails_run => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status
                .set_message(failure_message(verdict))
                .set_type(verdict.level.as_str())
                .set_description(details(verdict));
            status
        }
        Grade::Fail => TestCaseStatus::success(),
        Grade::NotExercised => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(verdict.message.as_deref().unwrap_or("not exercised"));
            status
        }
    };
    let mut case = TestCase::new(verdict.rule, status);
    case.set_classname(scenario).set_time(Duration::ZERO);
    if verdict.grade == Grade::Fail && !verdict.fails_run {
        case.set_system_out(format!(
            "{}\n{}: {}\n{}",
            not_failing_note(verdict),
            verdict.rule,
            failure_message(verdict),
            details(verdict)
        ));
    }
    case
}

/// The evidence lines and the fix, one per line.
fn details(verdict: &RuleVerdict) -> String {
    let mut text = String::new();
    for evidence in &verdict.evidence {
        text.push_str(&evidence_line(evidence));
        text.push('\n');
    }
    if let Some(fix) = verdict.fix {
        text.push_str("Fix: ");
        text.push_str(fix);
        text.push('\n');
    }
    text
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use std::io::Write;
    use std::process::{Command, Stdio};

    use super::*;
    use crate::report::sample;

    /// Runs xmllint with `suite/tests/junit.xsd` (the common Jenkins/Ant JUnit shape) over
    /// `xml`; `None` when xmllint is not installed.
    fn xmllint(xml: &str) -> Option<std::process::Output> {
        let schema = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/junit.xsd");
        let spawned = Command::new("xmllint")
            .args(["--nonet", "--noout", "--schema", schema, "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                println!("SKIPPED: xmllint not installed");
                return None;
            }
            Err(error) => panic!("cannot run xmllint: {error}"),
        };
        child
            .stdin
            .take()
            .unwrap()
            .write_all(xml.as_bytes())
            .unwrap();
        Some(child.wait_with_output().unwrap())
    }

    #[test]
    fn the_sample_run_renders_as_the_snapshot_and_fits_the_junit_schema() {
        let xml = render(&sample::run()).unwrap();
        insta::assert_snapshot!(xml);
        let Some(output) = xmllint(&xml) else { return };
        assert!(
            output.status.success(),
            "xmllint rejected the report:\n{}\n{xml}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// The schema check above proves something only if the schema can say no.
    #[test]
    fn the_schema_rejects_a_testcase_without_a_name() {
        let xml = render(&sample::run()).unwrap();
        let broken = xml.replacen("<testcase name=\"AUTH-1\"", "<testcase", 1);
        assert_ne!(broken, xml);
        let Some(output) = xmllint(&broken) else {
            return;
        };
        assert!(!output.status.success(), "the schema let it through");
    }

    #[test]
    fn verdicts_map_onto_failure_skipped_error_and_non_strict_passes() {
        let xml = render(&sample::run()).unwrap();
        let report = sample::run();
        // The counts CI shows: SUB-2 fails, STAT-2 (non-strict) passes, two rules skipped,
        // the broken scenario is one error.
        assert!(xml.contains(
            r#"<testsuites name="eisim-suite" tests="8" skipped="2" failures="1" errors="1""#
        ));
        assert!(xml.contains(r#"<failure message="a 5xx submission was retried without an Idempotency-Key" type="MUST">"#));
        assert!(xml.contains("NON-STRICT: a SHOULD rule failed"));
        assert!(
            xml.contains(r#"<testcase name="scenario" classname="ksef-timeout" time="0.480">"#)
        );
        assert!(xml.contains(
            r#"<error message="GET /documents/doc-3: connection refused" type="driver"/>"#
        ));
        assert_eq!(xml.matches("<testsuite ").count(), report.scenarios.len());
    }
}
