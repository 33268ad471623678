//! Every document in `fixtures/` against its sidecar: valid documents have no fatal finding;
//! broken ones are refused with exactly the rule IDs the sidecar names under `rules`, no more,
//! no fewer. Warnings are held to `warnings` just as exactly, whatever the outcome (a sidecar
//! without the key expects none), so a warning rule is proven to warn without refusing.
//! One case per fixture; all failures are reported together.

use std::path::{Path, PathBuf};

use eisim::{InspectionContext, Severity, inspect};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    outcome: Outcome,
    #[serde(default)]
    rules: Vec<String>,
    #[serde(default)]
    warnings: Vec<String>,
    file_name: Option<String>,
    received: Option<String>,
    corrections: Option<usize>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Outcome {
    Valid,
    Refused,
}

/// The received date fixtures are judged on unless their sidecar says otherwise.
const DEFAULT_RECEIVED: &str = "2026-11-01";

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

pub(crate) fn fixture_files(network: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures_dir().join(network))
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "xml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Runs one fixture; `Err` says how it missed its expected outcome.
fn run_case(path: &Path) -> Result<(), String> {
    let sidecar = path.with_extension("expected.json");
    let expected: Expected = serde_json::from_slice(
        &std::fs::read(&sidecar).map_err(|e| format!("no sidecar {}: {e}", sidecar.display()))?,
    )
    .map_err(|e| format!("sidecar {}: {e}", sidecar.display()))?;
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let received = expected
        .received
        .as_deref()
        .unwrap_or(DEFAULT_RECEIVED)
        .parse()
        .map_err(|e| format!("sidecar `received`: {e}"))?;
    let mut context = InspectionContext::new(received);
    if let Some(name) = &expected.file_name {
        context = context.file_name(name.clone());
    }
    let inspection = inspect(&bytes, &context).map_err(|e| format!("not inspected: {e}"))?;
    let fatal: Vec<String> = inspection
        .fatal_rules()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let mut wanted = expected.rules.clone();
    wanted.sort();
    wanted.dedup();
    let detail = || {
        inspection
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Fatal)
            .map(|f| format!("    {} at {}: {}", f.rule, f.location, f.message))
            .collect::<Vec<_>>()
            .join("\n")
    };
    match expected.outcome {
        Outcome::Valid if !fatal.is_empty() => {
            return Err(format!("expected valid, got {fatal:?}\n{}", detail()));
        }
        Outcome::Refused if wanted.is_empty() => {
            return Err("sidecar says refused but names no rules".into());
        }
        Outcome::Refused if fatal != wanted => {
            return Err(format!(
                "expected exactly {wanted:?}, got {fatal:?}\n{}",
                detail()
            ));
        }
        _ => {}
    }
    let mut warned: Vec<&str> = inspection
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .map(|f| f.rule.as_str())
        .collect();
    warned.sort_unstable();
    warned.dedup();
    let mut wanted_warnings: Vec<&str> = expected.warnings.iter().map(String::as_str).collect();
    wanted_warnings.sort_unstable();
    wanted_warnings.dedup();
    if warned != wanted_warnings {
        let found = inspection
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .map(|f| format!("    {} at {}: {}", f.rule, f.location, f.message))
            .collect::<Vec<_>>()
            .join("\n");
        return Err(format!(
            "expected exactly the warnings {wanted_warnings:?}, got {warned:?}\n{found}"
        ));
    }
    if let Some(count) = expected.corrections
        && inspection.corrections.len() != count
    {
        return Err(format!(
            "expected {count} normalization corrections, got {}: {:?}",
            inspection.corrections.len(),
            inspection.corrections
        ));
    }
    Ok(())
}

fn run_network(network: &str, min_rules: usize) {
    let files = fixture_files(network);
    assert!(!files.is_empty(), "no fixtures in fixtures/{network}");
    let mut failures = Vec::new();
    let mut rules = std::collections::BTreeSet::new();
    let mut valid = 0;
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if let Ok(text) = std::fs::read(path.with_extension("expected.json"))
            && let Ok(expected) = serde_json::from_slice::<Expected>(&text)
        {
            rules.extend(expected.rules.clone());
            rules.extend(expected.warnings.clone());
            valid += usize::from(expected.outcome == Outcome::Valid);
        }
        if let Err(why) = run_case(path) {
            failures.push(format!("{network}/{name}: {why}"));
        }
    }
    println!(
        "fixtures/{network}: {} cases, {valid} valid, {} distinct rules",
        files.len(),
        rules.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    assert!(
        rules.len() >= min_rules,
        "fixtures/{network} covers {} rules, want at least {min_rules}",
        rules.len()
    );
    assert!(
        valid >= 3,
        "fixtures/{network} has {valid} valid documents, want at least 3"
    );
}

#[test]
fn ksef_fixtures_meet_their_expected_outcomes() {
    run_network("ksef", 25);
}

#[test]
fn sdi_fixtures_meet_their_expected_outcomes() {
    run_network("sdi", 25);
}

#[test]
fn peppol_fixtures_meet_their_expected_outcomes() {
    run_network("peppol", 25);
}
