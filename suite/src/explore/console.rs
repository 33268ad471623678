//! What `eisim-suite explore` prints: a line per case and per shrinking step as they happen,
//! then a summary table and, on a failure, the rule, its evidence and how to replay it.

use std::fmt::Write as _;

use super::Progress;
use super::report::ExploreReport;
use crate::outcome::ScenarioStatus;

/// One line for a progress event.
pub fn progress_line(progress: &Progress<'_>) -> String {
    match progress {
        Progress::Case {
            number,
            of,
            summary,
            report,
        } => {
            let verdict = match &report.status {
                ScenarioStatus::Passed => "pass".to_owned(),
                ScenarioStatus::Failed => {
                    let rules: Vec<&str> = report
                        .verdicts
                        .iter()
                        .filter(|v| v.fails_run)
                        .map(|v| v.rule)
                        .collect();
                    format!("FAIL {}", rules.join(", "))
                }
                ScenarioStatus::Error { message, .. } => format!("ERROR {message}"),
            };
            format!(
                "case {number:>4}/{of}  {verdict:<10} {summary}  ({:.1}s)",
                report.duration_ms as f64 / 1000.0
            )
        }
        Progress::Shrink {
            step,
            summary,
            failed,
        } => format!(
            "  shrink {step:>3}: {summary} -> {}",
            if *failed {
                "still fails"
            } else {
                "passes (kept the larger case)"
            }
        ),
        Progress::Replayed { file, reproduced } => format!(
            "  replay {}: {}",
            file.display(),
            if *reproduced {
                "fails the same way"
            } else {
                "did not fail the same way"
            }
        ),
    }
}

/// The closing table and, on a failure, its explanation.
pub fn summary(report: &ExploreReport) -> String {
    let mut out = String::new();
    let rows = [
        ("seed", report.seed.to_string()),
        ("networks", report.networks.join(", ")),
        (
            "cases",
            format!(
                "{} run of {}, {} passed",
                report.cases_run, report.cases_requested, report.cases_passed
            ),
        ),
        ("rules judged", format!("{} MUST rules", report.rules.len())),
        (
            "duration",
            format!("{:.1}s", report.duration_ms as f64 / 1000.0),
        ),
        ("outcome", report.outcome.to_uppercase()),
    ];
    let _ = writeln!(out, "| {:<12} | {:<60} |", "explore", "");
    let _ = writeln!(out, "|{:-<14}|{:-<62}|", "", "");
    for (key, value) in rows {
        let _ = writeln!(out, "| {key:<12} | {value:<60} |");
    }
    if let Some(failure) = &report.failure {
        let _ = writeln!(
            out,
            "| {:<12} | {:<60} |",
            "failed rule",
            format!("{} (case {})", failure.rule, failure.case)
        );
        let _ = writeln!(
            out,
            "| {:<12} | {:<60} |",
            "original", failure.original.summary
        );
        let _ = writeln!(
            out,
            "| {:<12} | {:<60} |",
            "minimal", failure.minimal.summary
        );
        let _ = writeln!(
            out,
            "| {:<12} | {:<60} |",
            "shrinking",
            format!(
                "{} runs, {} still failing",
                failure.shrink_runs, failure.shrink_failures
            )
        );
        let _ = writeln!(out);
        let _ = writeln!(out, "{}: {}", failure.rule, failure.statement);
        let _ = writeln!(out, "  {}", failure.message);
        for evidence in failure.evidence.iter().take(8) {
            let seq = evidence
                .seq
                .map_or_else(|| "driver".to_owned(), |s| format!("#{s}"));
            let _ = writeln!(out, "    {seq:>7}  {}", evidence.summary);
        }
        let _ = writeln!(out, "Reproducer: {}", failure.reproducer);
        let _ = writeln!(
            out,
            "Replay:     {}  ({})",
            failure.replay.command,
            if failure.replay.reproduced {
                "replayed: fails the same way"
            } else {
                "replayed: did NOT fail the same way; the failure depends on timing"
            }
        );
    }
    out
}
