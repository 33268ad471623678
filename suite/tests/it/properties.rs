//! For scenarios drawn at random (delays, refusals, faults, webhook misbehaviour), the
//! reference integration ends believing what eisim holds and breaks no MUST rule.

use std::fmt::Write as _;
use std::path::PathBuf;

use eisim_suite::outcome::{Grade, ScenarioStatus};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::harness::{serve_reference, settings};

#[derive(Clone, Debug)]
struct Drawn {
    seed: u64,
    peppol: bool,
    /// Per document: refused or not.
    refused: Vec<bool>,
    outcome_after_minutes: u32,
    duplicate: f64,
    reorder: f64,
    forged: f64,
    stale: f64,
    timeout: f64,
    /// 0 none, 1 a short 503 storm on submissions, 2 a second of 429 with Retry-After.
    fault: u8,
}

fn drawn() -> impl Strategy<Value = Drawn> {
    (
        any::<u64>(),
        any::<bool>(),
        prop::collection::vec(any::<bool>(), 1..=3),
        1u32..120,
        (
            0.0..=1.0f64,
            0.0..=1.0f64,
            0.0..=1.0f64,
            0.0..=1.0f64,
            0.0..=0.3f64,
        ),
        0u8..3,
    )
        .prop_map(
            |(seed, peppol, refused, outcome_after_minutes, rates, fault)| Drawn {
                seed,
                peppol,
                refused,
                outcome_after_minutes,
                duplicate: rates.0,
                reorder: rates.1,
                forged: rates.2,
                stale: rates.3,
                timeout: rates.4,
                fault,
            },
        )
}

fn scenario(d: &Drawn) -> String {
    let mut yaml = format!(
        "name: drawn\nclock: {{ mode: virtual, start: 2026-11-02T09:00:00+01:00 }}\nseed: {}\n\
         tenants:\n  - id: acme\n    credentials: [{{ client_id: acme-erp, client_secret: s3cret }}]\n\
         participants:\n  - {{ id: \"0208:0123456749\", network: peppol, tenant: acme, capabilities: [bis-billing-3-invoice] }}\n  \
         - {{ id: \"0208:0456789133\", network: peppol, capabilities: [bis-billing-3-invoice] }}\n  \
         - {{ id: \"SDI:ABC1234\", network: sdi }}\n",
        d.seed
    );
    let after = d.outcome_after_minutes;
    yaml.push_str("behaviours:\n");
    if d.peppol {
        let _ = writeln!(
            yaml,
            "  - when: {{ network: peppol, invoice_number: \"*-RE\" }}\n    then: [ {{ after: {after}m, mlr: RE, errors: [BR-CO-10] }} ]"
        );
    } else {
        let _ = writeln!(
            yaml,
            "  - when: {{ network: sdi, invoice_number: \"*-RE\" }}\n    then: [ {{ after: {after}m, sdi: NS, errors: [\"00311\"] }} ]"
        );
        let _ = writeln!(
            yaml,
            "  - when: {{ network: sdi, invoice_number: \"*-OK\" }}\n    then: [ {{ after: {after}m, sdi: RC }} ]"
        );
    }
    let _ = writeln!(
        yaml,
        "webhooks:\n  retry: [5s, 1m, 5m]\n  duplicate_rate: {:.2}\n  reorder_rate: {:.2}\n  forged_rate: {:.2}\n  stale_rate: {:.2}\n  timeout_rate: {:.2}",
        d.duplicate, d.reorder, d.forged, d.stale, d.timeout
    );
    match d.fault {
        1 => yaml.push_str(
            "faults:\n  - { http_status: 503, path: \"/api/v1/*\", from: 0s, for: 1s }\n",
        ),
        2 => yaml.push_str(
            "faults:\n  - { http_status: 429, path: \"/api/v1/*\", from: 0s, for: 1s, retry_after: 1s }\n",
        ),
        _ => {}
    }
    yaml.push_str("steps:\n");
    for (i, refused) in d.refused.iter().enumerate() {
        let suffix = if *refused { "RE" } else { "OK" };
        let (fixture, network, recipient) = if d.peppol {
            ("peppol/invoice-minimal.xml", "peppol", "0208:0456789133")
        } else {
            ("sdi/FPR12-minimal.xml", "sdi", "SDI:ABC1234")
        };
        let _ = writeln!(
            yaml,
            "  - submit: {{ fixture: {fixture}, network: {network}, recipient: \"{recipient}\", number: \"P-{i}-{suffix}\", as: doc-{i} }}"
        );
    }
    yaml.push_str("  - advance: 3h\n");
    yaml
}

#[test]
fn the_reference_ends_in_eisims_states_and_breaks_no_must_rule() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 6,
        failure_persistence: None,
        ..Config::default()
    });
    let folder =
        std::env::temp_dir().join(format!("eisim-suite-properties-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let result = runner.run(&drawn(), |d| {
        let path: PathBuf = folder.join(format!("drawn-{}.yaml", d.seed));
        std::fs::write(&path, scenario(&d)).unwrap();
        let report = runtime.block_on(async {
            let (url, stop) = serve_reference(None).await;
            let report = eisim_suite::run_scenario(&settings(url, false), &path).await;
            drop(stop);
            report
        });
        prop_assert!(
            !matches!(report.status, ScenarioStatus::Error { .. }),
            "{:?}\n{}",
            report.status,
            scenario(&d)
        );
        for verdict in &report.verdicts {
            prop_assert!(
                !(verdict.fails_run && verdict.grade == Grade::Fail),
                "{} failed: {:?}\n{}",
                verdict.rule,
                verdict.message,
                scenario(&d)
            );
        }
        for document in &report.documents {
            let eisim = document
                .eisim_state
                .clone()
                .unwrap_or_else(|| "failed".into());
            prop_assert_eq!(
                document.reported_state.clone(),
                Some(eisim),
                "{}",
                scenario(&d)
            );
        }
        Ok(())
    });
    let _ = std::fs::remove_dir_all(&folder);
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
