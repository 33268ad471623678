//! Runs scenarios against the reference integration served in-process, one fresh reference
//! (and one fresh simulator) per scenario, several scenarios at once.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use eisim_suite::outcome::ScenarioReport;
use eisim_suite::reference::{Breakage, ReferenceConfig};
use eisim_suite::{DriverTarget, RunSettings};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};

/// Scenarios run at once: they mostly wait (quiet periods, backoff), so more than the cores.
const PARALLEL: usize = 6;

pub(crate) fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub(crate) fn catalogue_files() -> Vec<PathBuf> {
    eisim_suite::collect(&[repository().join("scenarios/conformance")], None)
        .unwrap_or_else(|e| panic!("{e}"))
}

pub(crate) fn settings(url: String, strict: bool) -> RunSettings {
    RunSettings {
        driver: DriverTarget::Url(url),
        simulator: None,
        strict,
        fixtures: Some(repository().join("fixtures")),
        quiet: Duration::from_millis(250),
    }
}

/// Serves a reference integration on a free port until the returned sender is dropped.
pub(crate) async fn serve_reference(breakage: Option<Breakage>) -> (String, oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let url = format!(
        "http://{}",
        listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
    );
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = eisim_suite::reference::run(listener, ReferenceConfig { breakage }, async {
            let _ = stopped.await;
        })
        .await;
    });
    (url, stop)
}

pub(crate) async fn run_against_reference(
    breakage: Option<Breakage>,
    files: &[PathBuf],
    strict: bool,
) -> Vec<ScenarioReport> {
    let permits = Arc::new(Semaphore::new(PARALLEL));
    let mut tasks = Vec::new();
    for file in files {
        let file = file.clone();
        let permits = permits.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await;
            let (url, stop) = serve_reference(breakage).await;
            let report = eisim_suite::run_scenario(&settings(url, strict), &file).await;
            drop(stop);
            report
        }));
    }
    let mut reports = Vec::new();
    for task in tasks {
        reports.push(task.await.unwrap_or_else(|e| panic!("{e}")));
    }
    reports
}

/// Checks a JUnit file against the common JUnit shape (`suite/tests/junit.xsd`) with xmllint.
pub(crate) fn assert_junit_shape(file: &std::path::Path) {
    let schema = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/junit.xsd");
    let output = match std::process::Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(&schema)
        .arg(file)
        .output()
    {
        Ok(output) => output,
        Err(_) => {
            println!("SKIPPED: xmllint not installed; the JUnit shape was not checked");
            return;
        }
    };
    assert!(
        output.status.success(),
        "{} does not fit the JUnit shape: {}",
        file.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}
