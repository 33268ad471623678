//! `eisim serve --journal FILE`: a killed server leaves every answered request in the file.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

struct Server {
    child: Child,
    base_url: String,
}

/// Starts the real binary on a free port and reads the address from its banner.
fn serve(journal: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_eisim"))
        .args(["serve", "--port", "0", "--clock", "virtual", "--journal"])
        .arg(journal)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut reader = BufReader::new(stdout);
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    // Keep draining the banner so the server never writes into a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let base_url = first
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in banner: {first:?}"))
        .to_string();
    Server { child, base_url }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn journal_path(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("eisim-it-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("journal.ndjson");
    let _ = std::fs::remove_file(&path);
    path
}

fn http_paths(journal: &Path) -> Vec<String> {
    std::fs::read_to_string(journal)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|entry| entry["kind"] == "http")
        .map(|entry| {
            let query = entry["query"]
                .as_str()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            format!("{}{query}", entry["path"].as_str().unwrap())
        })
        .collect()
}

async fn answered_requests(base_url: &str, count: usize) -> Vec<String> {
    let http = reqwest::Client::new();
    let mut answered = Vec::new();
    for i in 0..count {
        let path = format!("/_sim/clock?n={i}");
        let response = http.get(format!("{base_url}{path}")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.bytes().await.unwrap();
        answered.push(path);
    }
    answered
}

#[tokio::test]
async fn sigterm_leaves_every_answered_request_in_the_journal_file() {
    let journal = journal_path("sigterm");
    let mut server = serve(&journal);
    let answered = answered_requests(&server.base_url, 25).await;

    signal(&server.child, "TERM");
    let status = server.child.wait().unwrap();
    assert!(
        status.success(),
        "graceful shutdown should exit 0, got {status}"
    );

    assert_eq!(http_paths(&journal), answered);
}

#[tokio::test]
async fn even_sigkill_loses_no_answered_request() {
    let journal = journal_path("sigkill");
    let mut server = serve(&journal);
    let answered = answered_requests(&server.base_url, 25).await;

    signal(&server.child, "KILL");
    server.child.wait().unwrap();

    assert_eq!(http_paths(&journal), answered);
}
