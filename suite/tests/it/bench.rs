//! `eisim-suite bench` against the reference integration: every document reaches its end
//! state, the figures hold together, and the JSON keeps its documented shape.

use std::time::Duration;

use eisim_suite::DriverTarget;
use eisim_suite::bench::{self, BenchOptions, BenchReport, Distribution};
use serde_json::Value;

use crate::harness::serve_reference;

/// Numbers that depend on timing, and the timestamp: replaced before snapshotting so the
/// snapshot pins the shape (field names, nesting, types) and the counts that must not move.
const VOLATILE: &[&str] = &[
    "started_at",
    "wall_ms",
    "documents_per_second",
    "p50_ms",
    "p90_ms",
    "p99_ms",
    "max_ms",
    "mean_ms",
    "total_ms",
    "requests",
    "requests_ms",
    "unattributed_ms",
];

fn redact(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields.iter_mut() {
                if VOLATILE.contains(&name.as_str()) {
                    let kind = match field {
                        Value::Number(_) => "[number]",
                        Value::String(_) => "[timestamp]",
                        _ => "[other]",
                    };
                    *field = Value::String(kind.to_owned());
                } else {
                    redact(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

fn field_names(value: &Value, names: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields {
                names.push(name.clone());
                field_names(field, names);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| field_names(item, names)),
        _ => {}
    }
}

fn assert_ordered(name: &str, d: &Distribution) {
    assert!(
        d.p50_ms <= d.p90_ms && d.p90_ms <= d.p99_ms && d.p99_ms <= d.max_ms,
        "{name}: {d:?}"
    );
}

async fn bench_reference(documents: usize, concurrency: usize) -> BenchReport {
    let (url, stop) = serve_reference(None).await;
    let options = BenchOptions {
        documents,
        concurrency,
        // Generous: a loaded CI machine, not a speed requirement.
        document_timeout: Duration::from_secs(60),
        quiet: Duration::from_millis(100),
        ..BenchOptions::new(DriverTarget::Url(url))
    };
    let mut lines = 0;
    let report = bench::bench(options, |_| lines += 1).await.unwrap();
    drop(stop);
    assert!(lines > 0, "progress was reported");
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_integration_gets_every_document_to_its_end_state() {
    let report = bench_reference(12, 4).await;

    assert_eq!(report.exit_code(), 0, "{}", bench::summary(&report));
    assert_eq!((report.completed, report.failed), (12, 0));
    assert!(report.failures.is_empty());
    assert!(report.documents_per_second > 0.0);
    assert_eq!(report.latency.count, 12);
    for (name, d) in [
        ("latency", &report.latency),
        ("simulator", &report.simulator.total),
        ("processing", &report.simulator.processing),
        ("delays", &report.simulator.network_delays),
        ("integration", &report.integration),
    ] {
        assert_ordered(name, d);
    }
    // The two shares add up to the latency, document by document, so their totals do too.
    let sum = report.integration.total_ms + report.simulator.total.total_ms;
    assert!(
        (sum - report.latency.total_ms).abs() < 0.01,
        "{sum} vs {}",
        report.latency.total_ms
    );
    assert!(report.simulator.requests > 0, "eisim saw the integration");
    assert!(report.simulator.processing.total_ms > 0.0);
    for network in &report.networks {
        assert_eq!(
            (network.documents, network.completed),
            (4, 4),
            "{network:?}"
        );
    }
    let summary = bench::summary(&report);
    assert!(summary.contains("integration share"), "{summary}");
    assert!(
        summary.contains("OK: every document reached its end state"),
        "{summary}"
    );

    let mut json: Value = serde_json::from_str(&report.to_json().unwrap()).unwrap();
    assert_eq!(json["schema"], "eisim-suite/bench/v1");
    let schema = include_str!("../../BENCH-SCHEMA.md");
    let mut names = Vec::new();
    field_names(&json, &mut names);
    for name in names {
        assert!(
            schema.contains(&format!("`{name}`")),
            "BENCH-SCHEMA.md does not document `{name}`"
        );
    }
    redact(&mut json);
    insta::assert_json_snapshot!("bench_report_shape", json);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_network_and_one_at_a_time() {
    let (url, stop) = serve_reference(None).await;
    let options = BenchOptions {
        documents: 2,
        concurrency: 1,
        networks: vec![eisim::Network::Sdi],
        document_timeout: Duration::from_secs(60),
        quiet: Duration::from_millis(100),
        ..BenchOptions::new(DriverTarget::Url(url))
    };
    let report = bench::bench(options, |_| {}).await.unwrap();
    drop(stop);
    assert_eq!((report.completed, report.failed), (2, 0));
    assert_eq!(report.settings.networks, vec!["sdi".to_owned()]);
    assert_eq!(report.networks.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_the_driver_never_reports_done_are_failures_not_dropped() {
    // STAT-3's variant never applies a state after `accepted`, so it never reports
    // `delivered`, eisim's end state for these documents.
    let (url, stop) = serve_reference(Some(eisim_suite::reference::Breakage::Stat3)).await;
    let options = BenchOptions {
        documents: 2,
        concurrency: 2,
        networks: vec![eisim::Network::Peppol],
        document_timeout: Duration::from_secs(2),
        quiet: Duration::from_millis(100),
        ..BenchOptions::new(DriverTarget::Url(url))
    };
    let report = bench::bench(options, |_| {}).await.unwrap();
    drop(stop);
    assert_eq!((report.completed, report.failed), (0, 2));
    assert_eq!(report.exit_code(), 1);
    let failure = &report.failures[0];
    assert_eq!(failure.eisim_state.as_deref(), Some("delivered"));
    assert_eq!(failure.reported_state.as_deref(), Some("accepted"));
    assert!(
        failure.reason.contains("end state is `delivered`"),
        "{}",
        failure.reason
    );
    let summary = bench::summary(&report);
    assert!(summary.contains("FAILED: 2 of 2 documents"), "{summary}");
    assert_eq!(report.latency.count, 0);
    let json: Value = serde_json::from_str(&report.to_json().unwrap()).unwrap();
    let mut names = Vec::new();
    field_names(&json["failures"], &mut names);
    let schema = include_str!("../../BENCH-SCHEMA.md");
    for name in names {
        assert!(
            schema.contains(&format!("`{name}`")),
            "`{name}` undocumented"
        );
    }
}
