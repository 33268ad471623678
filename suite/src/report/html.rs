//! The HTML report: one self-contained page (inline CSS, no script, no external link) that a
//! CI job keeps as an artifact and a person opens anywhere, even offline.
//!
//! After the run's summary, each scenario has a section (`id="s<index>"`, the index into the
//! JSON report's `scenarios`) with its verdicts, its documents and its timeline. The timeline
//! lists the messages between the integration and eisim in order; each row from eisim's journal
//! carries the anchor `s<index>-e<seq>`, and a failing verdict's evidence links there, with the
//! cited rows highlighted, so a reader goes from "SUB-2 failed" to the exact requests in one
//! click.
//!
//! Every piece of text from the report is escaped: summaries hold request paths, file names and
//! whatever the integration sent, and the page must show them, never run them.

use std::collections::BTreeSet;

use jiff::Timestamp;

use crate::outcome::{
    DocumentOutcome, Evidence, Flow, Grade, RuleVerdict, RunReport, ScenarioReport, ScenarioStatus,
    TimelineEntry,
};
use crate::report::{error_kind, failure_message, not_failing_note, outcome, seconds};

const STYLE: &str = "
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 80em; padding: 0 1em; color: #1d1d1f; }
h1 { margin-bottom: 0.2em; }
h2 { margin-top: 2em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; width: 100%; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f3f3f5; }
table.facts { width: auto; }
code, .mono { font-family: ui-monospace, monospace; font-size: 0.92em; }
.label { display: inline-block; min-width: 3.5em; padding: 0 0.4em; border-radius: 3px; font-weight: 600; text-align: center; }
.PASS, .grade-pass { background: #e3f5e1; }
.FAIL, .grade-fail { background: #fde2e1; }
.ERROR { background: #fff0c2; }
.grade-soft { background: #fff6dc; }
.grade-not_exercised { color: #666; }
.muted { color: #666; }
.tag { font-size: 0.8em; border: 1px solid #999; border-radius: 3px; padding: 0 0.3em; margin-left: 0.4em; }
ul.evidence { margin: 0.3em 0; padding-left: 1.2em; }
.fix { margin: 0.3em 0; }
tr.mismatch td { background: #fde2e1; }
tr.cited td { background: #fff0c2; font-weight: 600; }
tr:target td { outline: 2px solid #d08000; }
";

/// The HTML report.
pub fn render(report: &RunReport) -> String {
    let word = outcome(report);
    let mut page = String::with_capacity(16 * 1024);
    page.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>eisim-suite: {word} ({})</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&report.driver)
    ));
    page.push_str(&summary(report, word));
    for (index, scenario) in report.scenarios.iter().enumerate() {
        page.push_str(&scenario_section(index, scenario));
    }
    page.push_str("</body>\n</html>\n");
    page
}

/// Escapes text for HTML content and attribute values alike.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn summary(report: &RunReport, word: &str) -> String {
    let summary = &report.summary;
    let failed_rules = if summary.failed_rules.is_empty() {
        "none".to_owned()
    } else {
        escape(&summary.failed_rules.join(", "))
    };
    let mut out = format!(
        "<header>\n<h1>eisim-suite report</h1>\n\
         <p><span class=\"label {word}\">{word}</span></p>\n<table class=\"facts\">\n\
         <tr><th>Driver</th><td>{}</td></tr>\n\
         <tr><th>Strict</th><td>{}</td></tr>\n\
         <tr><th>Started</th><td>{}</td></tr>\n\
         <tr><th>Duration</th><td>{}</td></tr>\n\
         <tr><th>Scenarios</th><td>{}: {} passed, {} failed, {} not judged</td></tr>\n\
         <tr><th>Failed rules</th><td>{failed_rules}</td></tr>\n\
         <tr><th>Suite</th><td>eisim-suite {}, report schema <code>{}</code></td></tr>\n\
         </table>\n<nav>\n<ul>\n",
        escape(&report.driver),
        if report.strict {
            "yes: SHOULD failures fail the run"
        } else {
            "no: SHOULD failures are reported but do not fail the run"
        },
        report.started_at,
        seconds(report.duration_ms),
        summary.scenarios,
        summary.passed,
        summary.failed,
        summary.errors,
        escape(report.suite_version),
        escape(report.schema),
    );
    for (index, scenario) in report.scenarios.iter().enumerate() {
        let label = status_label(&scenario.status);
        out.push_str(&format!(
            "<li><span class=\"label {label}\">{label}</span> <a href=\"#s{index}\">{}</a></li>\n",
            escape(&scenario.name)
        ));
    }
    out.push_str("</ul>\n</nav>\n</header>\n");
    out
}

fn status_label(status: &ScenarioStatus) -> &'static str {
    match status {
        ScenarioStatus::Passed => "PASS",
        ScenarioStatus::Failed => "FAIL",
        ScenarioStatus::Error { .. } => "ERROR",
    }
}

fn scenario_section(index: usize, scenario: &ScenarioReport) -> String {
    let label = status_label(&scenario.status);
    let mut out = format!(
        "<section id=\"s{index}\">\n<h2><span class=\"label {label}\">{label}</span> {}</h2>\n\
         <p class=\"muted\"><code>{}</code>, sha256 <code>{}</code>, {}</p>\n",
        escape(&scenario.name),
        escape(&scenario.file),
        escape(&scenario.sha256),
        seconds(scenario.duration_ms)
    );
    if let ScenarioStatus::Error { kind, message } = &scenario.status {
        out.push_str(&format!(
            "<p class=\"ERROR\">Not judged: {} error: {}</p>\n",
            error_kind(*kind),
            escape(message)
        ));
    }
    // Links go only to rows that exist, and rows light up only when a failure cites them.
    let anchored: BTreeSet<u64> = scenario.timeline.iter().filter_map(|e| e.seq).collect();
    let cited: BTreeSet<u64> = scenario
        .verdicts
        .iter()
        .filter(|verdict| verdict.grade == Grade::Fail)
        .flat_map(|verdict| verdict.evidence.iter().filter_map(|e| e.seq))
        .collect();
    out.push_str(&verdicts(index, &scenario.verdicts, &anchored));
    out.push_str(&documents(&scenario.documents));
    out.push_str(&timeline(index, &scenario.timeline, &cited));
    out.push_str("</section>\n");
    out
}

fn grade_cell(verdict: &RuleVerdict) -> (&'static str, &'static str) {
    match verdict.grade {
        Grade::Pass => ("grade-pass", "pass"),
        Grade::Fail if verdict.fails_run => ("grade-fail", "fail"),
        Grade::Fail => ("grade-soft", "fail (does not fail the run)"),
        Grade::NotExercised => ("grade-not_exercised", "not exercised"),
    }
}

fn verdicts(index: usize, verdicts: &[RuleVerdict], anchored: &BTreeSet<u64>) -> String {
    if verdicts.is_empty() {
        return "<h3>Verdicts</h3>\n<p class=\"muted\">No rule was judged.</p>\n".to_owned();
    }
    let mut out = String::from(
        "<h3>Verdicts</h3>\n<table class=\"verdicts\">\n\
         <tr><th>Rule</th><th>Level</th><th>Grade</th><th>Message</th></tr>\n",
    );
    for verdict in verdicts {
        let (class, grade) = grade_cell(verdict);
        let expected = if verdict.expected {
            "<span class=\"tag\">expected</span>"
        } else {
            ""
        };
        let message = match (&verdict.message, verdict.grade) {
            (_, Grade::Fail) => escape(failure_message(verdict)),
            (Some(message), _) => escape(message),
            (None, _) => format!("<span class=\"muted\">{}</span>", escape(verdict.statement)),
        };
        out.push_str(&format!(
            "<tr class=\"{class}\"><td><code>{}</code>{expected}</td><td>{}</td><td>{grade}</td><td>{message}",
            escape(verdict.rule),
            verdict.level
        ));
        if verdict.grade == Grade::Fail {
            out.push_str(&failure_details(index, verdict, anchored));
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</table>\n");
    out
}

fn failure_details(index: usize, verdict: &RuleVerdict, anchored: &BTreeSet<u64>) -> String {
    let mut out = String::new();
    if !verdict.fails_run {
        out.push_str(&format!(
            "<p class=\"muted\">{}</p>",
            escape(not_failing_note(verdict))
        ));
    }
    if !verdict.evidence.is_empty() {
        out.push_str("<ul class=\"evidence\">");
        for evidence in &verdict.evidence {
            out.push_str(&format!(
                "<li>{}</li>",
                evidence_item(index, evidence, anchored)
            ));
        }
        out.push_str("</ul>");
    }
    if let Some(fix) = verdict.fix {
        out.push_str(&format!("<p class=\"fix\">Fix: {}</p>", escape(fix)));
    }
    out
}

fn evidence_item(index: usize, evidence: &Evidence, anchored: &BTreeSet<u64>) -> String {
    let origin = match evidence.seq {
        Some(seq) if anchored.contains(&seq) => format!("<a href=\"#s{index}-e{seq}\">#{seq}</a>"),
        Some(seq) => format!("#{seq}"),
        None => "driver".to_owned(),
    };
    format!(
        "{origin} <span class=\"mono\">{} (sim {})</span>: {}",
        real_time(evidence.real_time),
        sim_time(evidence.sim_time),
        escape(&evidence.summary)
    )
}

fn documents(documents: &[DocumentOutcome]) -> String {
    if documents.is_empty() {
        return String::new();
    }
    let shown = |value: &Option<String>| match value {
        Some(value) => escape(value),
        None => "<span class=\"muted\">none</span>".to_owned(),
    };
    let mut out = String::from(
        "<h3>Documents</h3>\n<table class=\"documents\">\n\
         <tr><th>Step</th><th>Ref</th><th>Reported state</th><th>eisim state</th>\
         <th>Reported network id</th><th>eisim document</th></tr>\n",
    );
    for document in documents {
        let class = if document.reported_state == document.eisim_state {
            "match"
        } else {
            "mismatch"
        };
        out.push_str(&format!(
            "<tr class=\"{class}\"><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(&document.step),
            escape(&document.reference),
            shown(&document.reported_state),
            shown(&document.eisim_state),
            shown(&document.reported_network_id),
            shown(&document.eisim_document),
        ));
    }
    out.push_str("</table>\n");
    out
}

fn flow_arrow(flow: Flow) -> &'static str {
    match flow {
        Flow::IntegrationToEisim => "integration → eisim",
        Flow::EisimToIntegration => "eisim → integration",
        Flow::Eisim => "eisim",
        Flow::SuiteToDriver => "suite → driver",
    }
}

fn timeline(index: usize, entries: &[TimelineEntry], cited: &BTreeSet<u64>) -> String {
    if entries.is_empty() {
        return "<h3>Timeline</h3>\n<p class=\"muted\">No messages were recorded.</p>\n".to_owned();
    }
    let mut out = String::from(
        "<h3>Timeline</h3>\n<table class=\"timeline\">\n\
         <tr><th>#</th><th>Real time</th><th>Sim time</th><th>Flow</th><th>Kind</th>\
         <th>Summary</th><th>Status</th></tr>\n",
    );
    let mut anchored = BTreeSet::new();
    for entry in entries {
        let mut attributes = String::new();
        if let Some(seq) = entry.seq {
            // One anchor per seq, so the page stays valid even if the journal repeated one.
            if anchored.insert(seq) {
                attributes.push_str(&format!(" id=\"s{index}-e{seq}\""));
            }
            if cited.contains(&seq) {
                attributes.push_str(" class=\"cited\"");
            }
        }
        out.push_str(&format!(
            "<tr{attributes}><td>{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            entry.seq.map(|seq| seq.to_string()).unwrap_or_default(),
            real_time(entry.real_time),
            sim_time(entry.sim_time),
            flow_arrow(entry.flow),
            escape(&entry.kind),
            escape(&entry.summary),
            entry
                .status
                .map(|status| status.to_string())
                .unwrap_or_default(),
        ));
    }
    out.push_str("</table>\n");
    out
}

/// Wall-clock time of day with milliseconds: a run lasts seconds, and the gaps between
/// requests (backoff, `Retry-After`) are what a reader compares.
fn real_time(at: Timestamp) -> String {
    at.strftime("%H:%M:%S%.3f").to_string()
}

/// Simulated time with the date: eisim's clock moves by hours and days (SDI's deadlines).
fn sim_time(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M:%S").to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::report::sample;

    /// Where `needle` first appears, failing the test when it does not.
    fn position(page: &str, needle: &str) -> usize {
        page.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} is not on the page"))
    }

    #[test]
    fn escape_covers_the_five_special_characters() {
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("plain → text"), "plain → text");
    }

    #[test]
    fn the_timeline_rows_appear_in_order_with_their_flows() {
        let report = sample::run();
        let page = render(&report);
        for (index, scenario) in report.scenarios.iter().enumerate() {
            let mut last = position(&page, &format!("<section id=\"s{index}\">"));
            let end = last + position(&page[last..], "</section>");
            for entry in &scenario.timeline {
                let row = format!(
                    "<td class=\"mono\">{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}</td>",
                    real_time(entry.real_time),
                    sim_time(entry.sim_time),
                    flow_arrow(entry.flow),
                    escape(&entry.kind),
                    escape(&entry.summary)
                );
                // Each row must come after the one before it, within this scenario's section.
                last = last + 1 + position(&page[last + 1..], &row);
            }
            assert!(last < end, "a row of s{index} is outside its section");
        }
        assert!(page.contains("<td>suite → driver</td><td>driver</td>"));
        assert!(page.contains("<td>eisim → integration</td><td>webhook_attempt</td>"));
        assert!(page.contains(
            "<td class=\"mono\">09:00:02.050</td><td class=\"mono\">2026-03-02 09:00:00</td>"
        ));
    }

    #[test]
    fn verdicts_show_their_grades_and_failures_their_evidence_and_fix() {
        let page = render(&sample::run());
        assert!(page.contains(
            "<tr class=\"grade-fail\"><td><code>SUB-2</code><span class=\"tag\">expected</span></td><td>MUST</td><td>fail</td>"
        ));
        assert!(page.contains(
            "<tr class=\"grade-soft\"><td><code>STAT-2</code></td><td>SHOULD</td><td>fail (does not fail the run)</td>"
        ));
        assert!(
            page.contains("<td>not exercised</td><td>fewer than five documents were asked for")
        );
        assert!(page.contains(
            "<tr class=\"grade-pass\"><td><code>AUTH-1</code></td><td>MUST</td><td>pass</td>"
        ));
        assert!(page.contains("<p class=\"fix\">Fix: Send an `Idempotency-Key`"));
        assert!(page.contains("<p class=\"ERROR\">Not judged: driver error: GET /documents/doc-3: connection refused</p>"));
        assert!(page.contains("<tr class=\"mismatch\"><td>invoice</td><td><code>doc-2</code></td><td>sent</td><td>accepted</td>"));
        assert!(page.contains("<span class=\"label FAIL\">FAIL</span></p>"));
    }

    #[test]
    fn evidence_links_to_highlighted_timeline_anchors() {
        let page = render(&sample::run());
        for seq in [11, 12, 14, 15] {
            assert!(page.contains(&format!("<a href=\"#s1-e{seq}\">#{seq}</a>")));
            assert!(page.contains(&format!("<tr id=\"s1-e{seq}\" class=\"cited\">")));
        }
        // Rows no failure cites keep their anchor but are not highlighted.
        assert!(page.contains("<tr id=\"s1-e13\"><td>13</td>"));
        assert!(page.contains("<tr id=\"s0-e1\"><td>1</td>"));
        assert!(!page.contains("class=\"cited\"><td>13</td>"));
    }

    #[test]
    fn report_text_is_escaped_and_the_page_is_self_contained() {
        let page = render(&sample::run());
        assert!(page.contains(
            "invoice.accepted -&gt; 200 (12 ms) &lt;script&gt;alert(&#39;x &amp; y&#39;)&lt;/script&gt;"
        ));
        assert!(!page.contains("<script"));
        assert!(!page.contains("http://") && !page.contains("https://"));
        assert!(!page.contains(" src="));
    }
}
