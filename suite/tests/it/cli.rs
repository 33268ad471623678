//! The `eisim-suite` binary as CI uses it: exit codes, and the three report files from one run.

use std::path::PathBuf;
use std::process::Command;

use crate::harness::repository;

fn suite() -> Command {
    Command::new(env!("CARGO_BIN_EXE_eisim-suite"))
}

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("eisim-suite-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn reference_exec(extra: &str) -> String {
    format!(
        "{} reference --port {{port}}{extra}",
        env!("CARGO_BIN_EXE_eisim-suite")
    )
}

#[test]
fn a_broken_integration_exits_1_with_reports_that_show_the_evidence() {
    let dir = out_dir("broken");
    let (json, junit, html) = (dir.join("r.json"), dir.join("r.xml"), dir.join("r.html"));
    let output = suite()
        .current_dir(repository())
        .args(["run", "scenarios/conformance/server-errors.yaml", "--exec"])
        .arg(reference_exec(" --break SUB-2"))
        .arg("--json")
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .arg("--html")
        .arg(&html)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL  server-errors"), "{stdout}");
    assert!(stdout.contains("SUB-2"), "{stdout}");

    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(
        report["summary"]["failed_rules"],
        serde_json::json!(["SUB-2"])
    );
    let sub2 = report["scenarios"][0]["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["rule"] == "SUB-2")
        .unwrap()
        .clone();
    let cited = sub2["evidence"][0]["seq"].as_u64().unwrap();
    assert!(
        sub2["evidence"][0]["summary"]
            .as_str()
            .unwrap()
            .contains("503"),
        "{sub2}"
    );

    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains(&format!("id=\"s0-e{cited}\"")),
        "the cited entry has its timeline row"
    );
    assert!(
        page.contains(&format!("href=\"#s0-e{cited}\"")),
        "the evidence links to it"
    );
    assert!(
        page.contains("POST /api/v1/invoices"),
        "the timeline shows the calls"
    );
    let timeline = &page[page.find("id=\"s0-e").unwrap()..];
    let token = timeline.find("/connect/token").unwrap();
    let submit = timeline.find("POST /api/v1/invoices").unwrap();
    assert!(
        token < submit,
        "the timeline is in order: token before submission"
    );

    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("<testsuite name=\"server-errors\""), "{xml}");
    assert!(xml.contains("<testcase name=\"SUB-2\""), "{xml}");
    assert!(xml.contains("<failure"), "{xml}");
    crate::harness::assert_junit_shape(&junit);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_reference_exits_0_and_usage_errors_exit_2() {
    let ok = suite()
        .current_dir(repository())
        .args([
            "run",
            "scenarios/conformance/happy-paths.yaml",
            "--strict",
            "--exec",
        ])
        .arg(reference_exec(""))
        .output()
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );

    let dir = out_dir("bad");
    let bad = dir.join("bad.yaml");
    std::fs::write(
        &bad,
        "name: bad\ntenants: []\nsteps:\n  - advance: 1m\nexpect: [NOPE-1]\n",
    )
    .unwrap();
    let output = suite()
        .args(["run"])
        .arg(&bad)
        .args(["--driver", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    // The driver is unreachable too, but scenarios are checked before the driver is called.
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("`NOPE-1`, which is not a rule"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unreachable_driver_exits_3() {
    let output = suite()
        .current_dir(repository())
        .args([
            "run",
            "scenarios/conformance/happy-paths.yaml",
            "--driver",
            "http://127.0.0.1:9",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("could not be reached"), "{stderr}");
}

#[test]
fn rules_prints_the_catalogue() {
    let output = suite().args(["rules"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    for rule in eisim_suite::catalogue::RULES {
        assert!(text.contains(rule.id), "{} missing", rule.id);
    }
}

#[test]
fn bench_refuses_bad_arguments_with_2_and_an_unreachable_driver_with_3() {
    for bad in [
        &["--documents", "0"][..],
        &["--network", "fax"][..],
        &["--concurrency", "0"][..],
        &["--clock", "sundial"][..],
    ] {
        let output = suite()
            .args(["bench", "--driver", "http://127.0.0.1:9"])
            .args(bad)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{bad:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    let output = suite()
        .args([
            "bench",
            "--driver",
            "http://127.0.0.1:9",
            "--documents",
            "3",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("could not be reached"), "{stderr}");
}

#[test]
fn bench_writes_its_json_report() {
    let dir = out_dir("bench");
    let json = dir.join("bench.json");
    let output = suite()
        .args(["bench", "--documents", "3", "--concurrency", "3", "--exec"])
        .arg(reference_exec(""))
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("documents/s"), "{stdout}");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["schema"], "eisim-suite/bench/v1");
    assert_eq!(report["completed"], 3);
    let _ = std::fs::remove_dir_all(&dir);
}
