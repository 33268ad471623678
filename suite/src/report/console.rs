//! The console view: one line per scenario as it finishes, then a summary a person reads in a
//! CI log. Plain text without colour codes, since CI logs and files often show them raw.
//!
//! The summary goes from the general to the particular: how every rule fared across the
//! scenarios, then each failure with its evidence and fix, then the scenarios that could not
//! be judged, and last the totals and the outcome, the line a reader looks for first.

use std::collections::BTreeMap;

use crate::catalogue::{self, Level};
use crate::outcome::{Grade, RuleVerdict, RunReport, ScenarioReport, ScenarioStatus};
use crate::report::{
    error_kind, evidence_line, failure_message, not_failing_note, outcome, seconds,
};

/// How many evidence lines a failure shows; the JSON and HTML reports have them all.
pub const EVIDENCE_SHOWN: usize = 5;

/// The line printed when a scenario finishes:
/// `PASS  sdi-happy-path  (3 rules, 1.2 s)`.
pub fn progress_line(scenario: &ScenarioReport) -> String {
    let rules = plural(scenario.verdicts.len(), "rule", "rules");
    let time = seconds(scenario.duration_ms);
    match &scenario.status {
        ScenarioStatus::Passed => format!("PASS  {}  ({rules}, {time})", scenario.name),
        ScenarioStatus::Failed => {
            let failed: Vec<&str> = scenario
                .verdicts
                .iter()
                .filter(|verdict| verdict.grade == Grade::Fail && verdict.fails_run)
                .map(|verdict| verdict.rule)
                .collect();
            format!(
                "FAIL  {}  ({rules}, {time}; failed: {})",
                scenario.name,
                failed.join(", ")
            )
        }
        ScenarioStatus::Error { kind, message } => format!(
            "ERROR {}  ({} error: {message}; {time})",
            scenario.name,
            error_kind(*kind)
        ),
    }
}

/// How one rule fared across the run.
#[derive(Default)]
struct Tally {
    level: Option<Level>,
    pass: usize,
    fail: usize,
    not_exercised: usize,
}

/// The summary printed at the end of a run.
pub fn summary(report: &RunReport) -> String {
    let mut out = format!(
        "eisim-suite {}: driver {}, strict {}, started {}, {}\n",
        report.suite_version,
        report.driver,
        if report.strict { "yes" } else { "no" },
        report.started_at,
        seconds(report.duration_ms)
    );
    out.push_str(&rule_table(report));
    out.push_str(&failures(report));
    out.push_str(&errors(report));
    out.push_str(&totals(report));
    out
}

fn rule_table(report: &RunReport) -> String {
    // Catalogue order, so the table reads like RULES.md; a rule the catalogue does not know
    // (a runner newer than the catalogue) goes last.
    let position = |id: &str| {
        catalogue::RULES
            .iter()
            .position(|rule| rule.id == id)
            .unwrap_or(usize::MAX)
    };
    let mut tallies: BTreeMap<(usize, &str), Tally> = BTreeMap::new();
    for verdict in report.scenarios.iter().flat_map(|s| &s.verdicts) {
        let tally = tallies
            .entry((position(verdict.rule), verdict.rule))
            .or_default();
        tally.level = Some(verdict.level);
        match verdict.grade {
            Grade::Pass => tally.pass += 1,
            Grade::Fail => tally.fail += 1,
            Grade::NotExercised => tally.not_exercised += 1,
        }
    }
    if tallies.is_empty() {
        return "\nNo rule was judged.\n".to_owned();
    }
    let width = tallies
        .keys()
        .map(|(_, id)| id.len())
        .max()
        .unwrap_or(0)
        .max("Rule".len());
    let mut out = format!(
        "\n{:<width$}  {:<6}  {:>4}  {:>4}  {:>13}\n",
        "Rule", "Level", "Pass", "Fail", "Not exercised"
    );
    for ((_, id), tally) in &tallies {
        let level = tally.level.map_or("", Level::as_str);
        out.push_str(&format!(
            "{id:<width$}  {level:<6}  {:>4}  {:>4}  {:>13}\n",
            tally.pass, tally.fail, tally.not_exercised
        ));
    }
    out
}

fn failures(report: &RunReport) -> String {
    let failed: Vec<(&ScenarioReport, &RuleVerdict)> = report
        .scenarios
        .iter()
        .flat_map(|scenario| {
            scenario
                .verdicts
                .iter()
                .filter(|verdict| verdict.grade == Grade::Fail)
                .map(move |verdict| (scenario, verdict))
        })
        .collect();
    if failed.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nFailures\n");
    for (scenario, verdict) in failed {
        out.push_str(&format!(
            "\n  {} / {} ({}): {}\n",
            scenario.name,
            verdict.rule,
            verdict.level,
            failure_message(verdict)
        ));
        if !verdict.fails_run {
            out.push_str(&format!("    {}\n", not_failing_note(verdict)));
        }
        for evidence in verdict.evidence.iter().take(EVIDENCE_SHOWN) {
            out.push_str(&format!("    {}\n", evidence_line(evidence)));
        }
        let more = verdict.evidence.len().saturating_sub(EVIDENCE_SHOWN);
        if more > 0 {
            out.push_str(&format!(
                "    ... and {} (see the JSON or HTML report)\n",
                plural(more, "more line", "more lines")
            ));
        }
        if let Some(fix) = verdict.fix {
            out.push_str(&format!("    Fix: {fix}\n"));
        }
    }
    out
}

fn errors(report: &RunReport) -> String {
    let mut out = String::new();
    for scenario in &report.scenarios {
        if let ScenarioStatus::Error { kind, message } = &scenario.status {
            if out.is_empty() {
                out.push_str("\nNot judged\n\n");
            }
            out.push_str(&format!(
                "  {}: {} error: {message}\n",
                scenario.name,
                error_kind(*kind)
            ));
        }
    }
    out
}

fn totals(report: &RunReport) -> String {
    let summary = &report.summary;
    let verdicts = report.scenarios.iter().flat_map(|s| &s.verdicts);
    let count = |grade: Grade| verdicts.clone().filter(|v| v.grade == grade).count();
    let mut out = format!(
        "\n{}: {} passed, {} failed, {} not judged; {}: {} pass, {} fail, {} not exercised\n",
        plural(summary.scenarios, "scenario", "scenarios"),
        summary.passed,
        summary.failed,
        summary.errors,
        plural(verdicts.clone().count(), "verdict", "verdicts"),
        count(Grade::Pass),
        count(Grade::Fail),
        count(Grade::NotExercised),
    );
    let not_judged = (summary.errors > 0).then(|| {
        format!(
            "{} could not be judged",
            plural(summary.errors, "scenario", "scenarios")
        )
    });
    let mut reasons = Vec::new();
    if summary.failed > 0 {
        reasons.push(format!("failed rules: {}", summary.failed_rules.join(", ")));
    }
    reasons.extend(not_judged);
    let word = outcome(report);
    if reasons.is_empty() {
        out.push_str(&format!("Outcome: {word}\n"));
    } else {
        out.push_str(&format!("Outcome: {word} ({})\n", reasons.join("; ")));
    }
    out
}

fn plural(count: usize, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::outcome::Summary;
    use crate::report::sample;

    #[test]
    fn progress_lines_say_pass_fail_or_error() {
        let report = sample::run();
        let lines: Vec<String> = report.scenarios.iter().map(progress_line).collect();
        assert_eq!(
            lines,
            [
                "PASS  sdi-happy-path  (3 rules, 1.2 s)",
                "FAIL  sub-5xx-storm  (4 rules, 2.6 s; failed: SUB-2)",
                "ERROR ksef-timeout  (driver error: GET /documents/doc-3: connection refused; 0.5 s)",
            ]
        );
    }

    #[test]
    fn the_summary_of_the_sample_run_is_the_snapshot() {
        insta::assert_snapshot!(summary(&sample::run()));
    }

    #[test]
    fn a_clean_run_says_pass_and_long_evidence_is_cut_at_five_lines() {
        let mut report = sample::run();
        report.scenarios.truncate(1);
        report.summary = Summary {
            scenarios: 1,
            passed: 1,
            ..Summary::default()
        };
        assert!(summary(&report).ends_with("Outcome: PASS\n"));

        let mut verdict = sample::verdict("SUB-1", Grade::Fail, true);
        let cited = sample::cite(&report.scenarios[0].timeline[1]);
        verdict.evidence = vec![cited; 7];
        report.scenarios[0].verdicts.push(verdict);
        let text = summary(&report);
        assert_eq!(text.matches("    #1 at ").count(), EVIDENCE_SHOWN);
        assert!(text.contains("    ... and 2 more lines (see the JSON or HTML report)\n"));
        assert!(!text.contains('\u{1b}'), "no colour codes");
    }
}
