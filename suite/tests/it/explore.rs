//! `eisim-suite explore` against the reference integration and its zoo: the correct
//! integration survives 200 generated cases, and each variant that breaks a MUST rule is caught,
//! shrunk to a small scenario file, and that file fails the same way under `eisim-suite run`.
//!
//! The adapters are started the way a user would: `--exec` with the built `eisim-suite
//! reference`, one fresh process per case, several cases at once.

use std::path::{Path, PathBuf};
use std::time::Duration;

use eisim_suite::explore::{self, ExploreOptions, ExploreReport};
use eisim_suite::outcome::ScenarioStatus;
use eisim_suite::reference::Breakage;
use eisim_suite::{DriverTarget, RunSettings};

use crate::harness::repository;

/// The seed every test explores with, so a failure here replays with
/// `eisim-suite explore --seed 20261121`.
const SEED: u64 = 20_261_121;

fn reference_command(breakage: Option<Breakage>) -> String {
    let binary = env!("CARGO_BIN_EXE_eisim-suite");
    match breakage {
        Some(breakage) => format!("{binary} reference --port {{port}} --break {breakage}"),
        None => format!("{binary} reference --port {{port}}"),
    }
}

fn options(breakage: Option<Breakage>, out: &Path, cases: usize) -> ExploreOptions {
    ExploreOptions {
        driver: DriverTarget::Exec(reference_command(breakage)),
        cases,
        seed: SEED,
        networks: Vec::new(),
        max_documents: 6,
        out: out.to_path_buf(),
        fixtures: Some(repository().join("fixtures")),
        quiet: Duration::from_millis(250),
        jobs: 8,
        max_shrinks: 60,
    }
}

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("eisim-explore-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn print(report: &ExploreReport) {
    println!("{}", explore::summary(report));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_reference_integration_survives_200_generated_cases() {
    let out = out_dir("reference");
    let report = explore::explore(options(None, &out, 200), |_| {})
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    print(&report);
    assert!(report.failure.is_none(), "{:#?}", report.failure);
    assert_eq!(report.cases_run, 200);
    assert_eq!(report.cases_passed, 200);
    assert_eq!(report.exit_code(), 0);
    let _ = std::fs::remove_dir_all(&out);
}

/// Explores one broken variant: the rule it breaks is found, shrunk within `bound`, and the
/// reproducer fails the same rule again when `eisim-suite run` replays it.
async fn finds(breakage: Breakage, bound: explore::Size) {
    let rule = breakage.as_rule();
    let out = out_dir(rule);
    let report = explore::explore(options(Some(breakage), &out, 200), |_| {})
        .await
        .unwrap_or_else(|e| panic!("--break {rule}: {e}"));
    print(&report);
    let failure = report
        .failure
        .as_ref()
        .unwrap_or_else(|| panic!("--break {rule}: no failure in 200 cases"));
    assert_eq!(failure.rule, rule, "--break {rule} failed another rule first");
    assert!(failure.replay.reproduced, "the reproducer did not fail again");
    assert_eq!(report.exit_code(), 1);
    let minimal = failure.minimal.size;
    assert!(
        minimal.documents <= bound.documents && minimal.faults <= bound.faults,
        "--break {rule}: the reproducer has {minimal:?}, more than {bound:?}: {}",
        failure.minimal.summary
    );

    // The file is an ordinary scenario: `eisim-suite run`'s own code path fails it the
    // same way, with a fresh adapter.
    let file = PathBuf::from(&failure.reproducer);
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}"));
    assert!(text.contains(&format!("expect: [{rule}]")), "{text}");
    assert!(text.starts_with("# Found by `eisim-suite explore"), "{text}");
    let settings = RunSettings {
        driver: DriverTarget::Exec(reference_command(Some(breakage))),
        simulator: None,
        strict: false,
        fixtures: Some(repository().join("fixtures")),
        quiet: Duration::from_millis(250),
    };
    let replay = eisim_suite::run_scenario(&settings, &file).await;
    assert_eq!(replay.status, ScenarioStatus::Failed, "{:#?}", replay.status);
    assert!(
        replay
            .verdicts
            .iter()
            .any(|v| v.rule == rule && v.fails_run),
        "the replay did not fail {rule}"
    );
    let _ = std::fs::remove_dir_all(&out);
}

fn at_most(documents: usize, faults: usize) -> explore::Size {
    explore::Size { documents, faults }
}

macro_rules! explore_tests {
    ($($name:ident => $rule:literal, $documents:literal, $faults:literal;)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let breakage: Breakage = $rule.parse().unwrap_or_else(|e| panic!("{e}"));
                finds(breakage, at_most($documents, $faults)).await;
            }
        )*
    };
}

// One test per MUST rule. Bounds: documents, faults (see `Size`) in the shrunk reproducer.
explore_tests! {
    explore_finds_auth_1 => "AUTH-1", 2, 1;
    explore_finds_auth_2 => "AUTH-2", 1, 1;
    explore_finds_auth_3 => "AUTH-3", 3, 2;
    explore_finds_sub_1 => "SUB-1", 1, 1;
    explore_finds_sub_2 => "SUB-2", 1, 1;
    explore_finds_sub_3 => "SUB-3", 1, 1;
    explore_finds_sub_5 => "SUB-5", 1, 1;
    explore_finds_stat_1 => "STAT-1", 2, 1;
    explore_finds_stat_3 => "STAT-3", 1, 1;
    explore_finds_hook_1 => "HOOK-1", 1, 1;
    explore_finds_hook_2 => "HOOK-2", 1, 1;
    explore_finds_hook_4 => "HOOK-4", 1, 1;
    explore_finds_hook_5 => "HOOK-5", 2, 1;
    explore_finds_sdi_1 => "SDI-1", 2, 1;
    explore_finds_ksef_2 => "KSEF-2", 1, 1;
    explore_finds_peppol_2 => "PEPPOL-2", 1, 1;
}

#[test]
fn every_must_rule_has_an_explore_test() {
    let source = include_str!("explore.rs");
    for rule in explore::must_rules() {
        assert!(
            source.contains(&format!("=> \"{rule}\"")),
            "no explore test for {rule}"
        );
    }
}
