//! The benchmark on the console: a progress line while it runs, then one table a person reads
//! in a terminal or a CI log. Plain text, like `run`'s console report.

use std::fmt::Write;
use std::time::Duration;

use crate::bench::report::BenchReport;
use crate::bench::stats::Distribution;

/// How many failures the summary lists; the JSON has them all.
const FAILURES_SHOWN: usize = 10;

/// Where a benchmark stands, handed to the progress callback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    pub documents: usize,
    /// `POST /submit` answered.
    pub submitted: usize,
    /// End state reported by the driver.
    pub completed: usize,
    pub failed: usize,
    pub elapsed: Duration,
}

/// `  60/200 submitted   48 done    0 failed   1.2 s`.
pub fn progress_line(progress: &Progress) -> String {
    let width = progress.documents.to_string().len();
    format!(
        "{:>width$}/{} submitted  {:>width$} done  {:>width$} failed  {:.1} s",
        progress.submitted,
        progress.documents,
        progress.completed,
        progress.failed,
        progress.elapsed.as_secs_f64(),
    )
}

/// The summary table printed at the end.
pub fn summary(report: &BenchReport) -> String {
    let settings = &report.settings;
    let mut out = format!(
        "eisim-suite bench: driver {}, {} documents over {}, concurrency {}, clock {}, scenario {}\n\n",
        report.driver,
        report.documents,
        settings.networks.join(", "),
        settings.concurrency,
        settings.clock,
        settings.scenario,
    );
    let _ = writeln!(
        out,
        "{:<28} {:>10} {:>10} {:>10} {:>10} {:>12}",
        "per document (ms)", "p50", "p90", "p99", "max", "total"
    );
    let rows: [(&str, &Distribution); 5] = [
        ("latency", &report.latency),
        ("  simulator share", &report.simulator.total),
        ("    eisim processing", &report.simulator.processing),
        ("    network delays", &report.simulator.network_delays),
        ("  integration share", &report.integration),
    ];
    for (name, figures) in rows {
        out.push_str(&row(name, figures));
    }
    for network in &report.networks {
        out.push_str(&row(
            &format!("latency {}", network.network),
            &network.latency,
        ));
    }
    let _ = writeln!(
        out,
        "\n{} documents, {} reached their end state, {} failed; wall {:.2} s; {:.1} documents/s",
        report.documents,
        report.completed,
        report.failed,
        report.wall_ms / 1000.0,
        report.documents_per_second,
    );
    let _ = writeln!(
        out,
        "eisim handled {} requests from the integration in {:.1} ms ({:.1} ms while no document was in flight)",
        report.simulator.requests, report.simulator.requests_ms, report.simulator.unattributed_ms,
    );
    if !report.failures.is_empty() {
        out.push('\n');
        for failure in report.failures.iter().take(FAILURES_SHOWN) {
            let _ = writeln!(
                out,
                "FAILED document {} ({}, ref {}): {}",
                failure.document, failure.network, failure.reference, failure.reason
            );
        }
        if report.failures.len() > FAILURES_SHOWN {
            let _ = writeln!(
                out,
                "... and {} more (see --json)",
                report.failures.len() - FAILURES_SHOWN
            );
        }
    }
    out.push('\n');
    if report.failed == 0 {
        out.push_str("OK: every document reached its end state\n");
    } else {
        let _ = writeln!(
            out,
            "FAILED: {} of {} documents did not reach their end state within {} s",
            report.failed,
            report.documents,
            settings.document_timeout_ms / 1000
        );
    }
    out
}

fn row(name: &str, figures: &Distribution) -> String {
    format!(
        "{name:<28} {:>10.1} {:>10.1} {:>10.1} {:>10.1} {:>12.1}\n",
        figures.p50_ms, figures.p90_ms, figures.p99_ms, figures.max_ms, figures.total_ms
    )
}
