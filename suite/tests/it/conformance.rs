//! The suite judged by its own zoo: the reference integration passes every scenario of the
//! catalogue with `--strict`, and each broken variant fails exactly the rule it breaks.

use std::collections::BTreeSet;
use std::path::PathBuf;

use eisim_suite::outcome::{Grade, ScenarioReport, ScenarioStatus};
use eisim_suite::reference::Breakage;

use crate::harness::{catalogue_files, run_against_reference};

/// Every rule that failed anywhere (whatever its level), and every scenario that errored.
fn failures(reports: &[ScenarioReport]) -> (BTreeSet<String>, Vec<String>) {
    let mut rules = BTreeSet::new();
    let mut errors = Vec::new();
    for report in reports {
        if let ScenarioStatus::Error { message, .. } = &report.status {
            errors.push(format!("{}: {message}", report.name));
        }
        for verdict in &report.verdicts {
            if verdict.grade == Grade::Fail {
                rules.insert(verdict.rule.to_owned());
            }
        }
    }
    (rules, errors)
}

fn explain(reports: &[ScenarioReport]) -> String {
    let mut out = String::new();
    for report in reports {
        for verdict in report.verdicts.iter().filter(|v| v.grade == Grade::Fail) {
            out.push_str(&format!(
                "  {} {}: {}\n",
                report.name,
                verdict.rule,
                verdict.message.as_deref().unwrap_or_default()
            ));
            for evidence in verdict.evidence.iter().take(4) {
                out.push_str(&format!("      {}\n", evidence.summary));
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_reference_integration_passes_every_scenario_strictly() {
    let files: Vec<PathBuf> = catalogue_files();
    let reports = run_against_reference(None, &files, true).await;
    let (rules, errors) = failures(&reports);
    assert!(errors.is_empty(), "scenario errors: {errors:#?}");
    assert!(
        rules.is_empty(),
        "the reference failed:\n{}",
        explain(&reports)
    );
    // Every rule of the catalogue is exercised somewhere, so a pass means something.
    let exercised: BTreeSet<&str> = reports
        .iter()
        .flat_map(|r| r.verdicts.iter())
        .filter(|v| v.grade == Grade::Pass)
        .map(|v| v.rule)
        .collect();
    // STAT-2 judges polling, and the reference does not poll: it takes webhooks.
    let never: Vec<&str> = eisim_suite::catalogue::RULES
        .iter()
        .map(|r| r.id)
        .filter(|id| !exercised.contains(id) && *id != "STAT-2")
        .collect();
    assert!(never.is_empty(), "rules no scenario exercised: {never:?}");
}

async fn zoo(breakage: Breakage) {
    let rule = breakage.as_rule();
    let reports = run_against_reference(Some(breakage), &catalogue_files(), true).await;
    let (rules, errors) = failures(&reports);
    assert!(
        errors.is_empty(),
        "--break {rule}: scenario errors: {errors:#?}"
    );
    let expected: BTreeSet<String> = [rule.to_owned()].into();
    assert_eq!(
        rules,
        expected,
        "--break {rule} should fail exactly {rule}:\n{}",
        explain(&reports)
    );
}

macro_rules! zoo_tests {
    ($($name:ident => $rule:literal),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let breakage: Breakage = $rule.parse().unwrap_or_else(|e| panic!("{e}"));
                zoo(breakage).await;
            }
        )*
    };
}

zoo_tests! {
    broken_auth_1_fails_only_auth_1 => "AUTH-1",
    broken_auth_2_fails_only_auth_2 => "AUTH-2",
    broken_auth_3_fails_only_auth_3 => "AUTH-3",
    broken_sub_1_fails_only_sub_1 => "SUB-1",
    broken_sub_2_fails_only_sub_2 => "SUB-2",
    broken_sub_3_fails_only_sub_3 => "SUB-3",
    broken_sub_4_fails_only_sub_4 => "SUB-4",
    broken_sub_5_fails_only_sub_5 => "SUB-5",
    broken_stat_1_fails_only_stat_1 => "STAT-1",
    broken_stat_2_fails_only_stat_2 => "STAT-2",
    broken_stat_3_fails_only_stat_3 => "STAT-3",
    broken_stat_4_fails_only_stat_4 => "STAT-4",
    broken_hook_1_fails_only_hook_1 => "HOOK-1",
    broken_hook_2_fails_only_hook_2 => "HOOK-2",
    broken_hook_3_fails_only_hook_3 => "HOOK-3",
    broken_hook_4_fails_only_hook_4 => "HOOK-4",
    broken_hook_5_fails_only_hook_5 => "HOOK-5",
    broken_hook_6_fails_only_hook_6 => "HOOK-6",
    broken_sdi_1_fails_only_sdi_1 => "SDI-1",
    broken_ksef_1_fails_only_ksef_1 => "KSEF-1",
    broken_ksef_2_fails_only_ksef_2 => "KSEF-2",
    broken_ksef_3_fails_only_ksef_3 => "KSEF-3",
    broken_peppol_1_fails_only_peppol_1 => "PEPPOL-1",
    broken_peppol_2_fails_only_peppol_2 => "PEPPOL-2",
}

#[test]
fn every_rule_has_a_zoo_variant_and_a_test_above() {
    let source = include_str!("conformance.rs");
    for rule in eisim_suite::catalogue::RULES {
        let parsed: Result<Breakage, _> = rule.id.parse();
        assert!(parsed.is_ok(), "no Breakage for {}", rule.id);
        assert!(
            source.contains(&format!("=> \"{}\"", rule.id)),
            "no zoo test for {}",
            rule.id
        );
    }
}

#[test]
fn rules_md_is_the_generated_catalogue() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/RULES.md");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert_eq!(
        committed,
        eisim_suite::catalogue::markdown(),
        "suite/RULES.md is stale: run `cargo run -p eisim-suite -- rules --markdown > suite/RULES.md`"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_simulator_can_host_the_run() {
    let simulator = eisim::Simulator::start(eisim::SimulatorConfig::new())
        .await
        .unwrap();
    let (url, stop) = crate::harness::serve_reference(None).await;
    let mut settings = crate::harness::settings(url, true);
    settings.simulator = Some(simulator.base_url());
    let file = crate::harness::repository().join("scenarios/conformance/happy-paths.yaml");
    let report = eisim_suite::run_scenario(&settings, &file).await;
    drop(stop);
    assert_eq!(
        report.status,
        ScenarioStatus::Passed,
        "{:#?}",
        report.status
    );
    assert!(
        report
            .documents
            .iter()
            .all(|d| d.eisim_state.as_deref() == Some("delivered"))
    );
    // The run happened on that simulator: its journal holds the integration's calls.
    let journal = simulator.journal();
    assert!(journal.len() > 10);
}
