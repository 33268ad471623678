//! `eisim-suite explore`: property-based exploration of an integration. Where the scenario
//! catalogue checks what its authors thought of, explore generates scenarios from seeded
//! proptest strategies (valid and broken documents on each network, delays, refusals,
//! outages, 5xx and 429 storms, misbehaving webhooks, tokens expiring mid-run), runs each
//! against the integration exactly as `eisim-suite run` would, and judges every MUST rule.
//!
//! On the first failure it shrinks the case with proptest's value trees (fewer documents,
//! fewer faults, shorter delays) while the same rule still fails (twice running, so a smaller
//! case that fails by luck of timing does not win), writes the smallest one as an
//! ordinary scenario file, and replays that file through `eisim-suite run`'s code path to show
//! it fails the same way.
//!
//! Cases run `jobs` at once (with `--exec`, one adapter per case) and the lowest-numbered
//! failure wins, so a seed finds the same failure whatever `jobs` is.
//! Shrinking is sequential: each step depends on whether the previous one still failed.

mod case;
mod console;
mod report;
mod strategy;

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use eisim::Network;
use jiff::Timestamp;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use tokio::task::JoinSet;

pub use case::{Case, Size};
pub use console::{progress_line, summary};
pub use report::{CaseSize, ExploreReport, Failure, Replay, SCHEMA};

use crate::catalogue::{self, Level};
use crate::errors::SuiteError;
use crate::outcome::{ErrorKind, Evidence, RuleVerdict, ScenarioReport, ScenarioStatus};
use crate::runner::{DriverTarget, RunSettings, run_scenario};
use case::Paths;

/// The `rule` of a failure where the integration broke the driver contract or never settled.
pub const DRIVER_FAILURE: &str = "driver";

/// Times the reproducer is replayed; it counts as reproducing only when every replay fails
/// the same way, because a failure that depends on timing makes a poor reproducer.
const REPLAYS: usize = 3;

/// A fixture every exploration needs; its presence identifies a fixtures folder.
const PROBE_FIXTURE: &str = "sdi/FPR12-minimal.xml";

/// What `eisim-suite explore` was asked to do.
#[derive(Clone, Debug)]
pub struct ExploreOptions {
    pub driver: DriverTarget,
    /// Generated cases to run when none fails.
    pub cases: usize,
    pub seed: u64,
    /// Networks documents may go to; empty means all three.
    pub networks: Vec<Network>,
    /// Most documents (submits and corrections) in one case.
    pub max_documents: usize,
    /// Where the reproducer is written (and cases are staged while they run).
    pub out: PathBuf,
    /// The fixtures folder; `None` looks for `fixtures/` in the current folder and its parents.
    pub fixtures: Option<PathBuf>,
    pub quiet: Duration,
    /// Cases run at once while searching; above 1 needs `--exec`.
    pub jobs: usize,
    /// Most cases run while shrinking one failure.
    pub max_shrinks: usize,
}

/// What happened, for progress output as it happens.
#[derive(Debug)]
pub enum Progress<'a> {
    /// A generated case ran.
    Case {
        number: usize,
        of: usize,
        summary: &'a str,
        report: &'a ScenarioReport,
    },
    /// A shrinking step ran; `failed` says whether the smaller case still failed the same way.
    Shrink {
        step: usize,
        summary: &'a str,
        failed: bool,
    },
    /// The reproducer was replayed.
    Replayed { file: &'a Path, reproduced: bool },
}

/// A rule failure (or driver error) found in one run.
#[derive(Clone, Debug)]
struct Found {
    rule: String,
    message: String,
    evidence: Vec<Evidence>,
}

/// Runs the exploration. An error is returned only for what stops it from judging (bad
/// options, a driver that cannot be reached at all, a generated scenario eisim refuses);
/// a failing case is a result, in the report.
pub async fn explore(
    mut options: ExploreOptions,
    mut progress: impl FnMut(Progress<'_>),
) -> Result<ExploreReport, SuiteError> {
    let started_at = Timestamp::now();
    let started = Instant::now();
    if options.networks.is_empty() {
        options.networks = Network::ALL.to_vec();
    }
    options.networks.sort();
    options.networks.dedup();
    if options.cases == 0 {
        return Err(SuiteError::Usage("--cases must be at least 1".into()));
    }
    if options.max_documents == 0 {
        return Err(SuiteError::Usage(
            "--max-documents must be at least 1".into(),
        ));
    }
    let jobs = options.jobs.max(1);
    let driver_name = crate::suite::driver_name(&options.driver, jobs).await?;
    let fixtures = fixtures_folder(options.fixtures.as_deref())?;
    let work = options.out.join(".cases");
    std::fs::create_dir_all(&work).map_err(|source| SuiteError::Io {
        path: work.clone(),
        source,
    })?;
    let explorer = Explorer {
        settings: RunSettings {
            driver: options.driver.clone(),
            simulator: None,
            strict: false,
            fixtures: Some(fixtures.clone()),
            quiet: options.quiet,
        },
        work_paths: Paths {
            networks: options.networks.clone(),
            inbound_file: fixtures
                .join("peppol/invoice-minimal.xml")
                .display()
                .to_string(),
        },
        work: work.clone(),
        fixtures,
    };

    let strategy = strategy::cases(options.max_documents, options.networks.clone());
    let mut runner = TestRunner::new_with_rng(Config::default(), rng(options.seed));
    let mut trees = Vec::with_capacity(options.cases);
    for _ in 0..options.cases {
        trees.push(
            strategy
                .new_tree(&mut runner)
                .map_err(|reason| SuiteError::Usage(format!("cannot generate a case: {reason}")))?,
        );
    }
    let cases: Vec<Case> = trees.iter().map(|tree| tree.current()).collect();

    // `jobs` cases run at once; results are reported in case order, and the search stops at
    // the lowest-numbered failure once every case before it has passed.
    let mut set = JoinSet::new();
    let spawn = |set: &mut JoinSet<_>, index: usize| {
        let explorer = explorer.clone();
        let case = cases[index].clone();
        set.spawn(async move {
            let report = explorer.run(&case, &format!("case-{}", index + 1)).await;
            (index, report)
        });
    };
    let mut launched = 0;
    while launched < cases.len() && launched < jobs {
        spawn(&mut set, launched);
        launched += 1;
    }
    let mut finished: BTreeMap<usize, Result<ScenarioReport, SuiteError>> = BTreeMap::new();
    let mut cases_run = 0;
    let mut cases_passed = 0;
    let mut first_failure = None;
    while let Some(joined) = set.join_next().await {
        let (index, report) =
            joined.map_err(|e| SuiteError::Simulator(format!("a case task failed: {e}")))?;
        finished.insert(index, report);
        while let Some(report) = finished.remove(&cases_run) {
            let report = report?;
            let summary = cases[cases_run].summary(&explorer.work_paths);
            cases_run += 1;
            progress(Progress::Case {
                number: cases_run,
                of: options.cases,
                summary: &summary,
                report: &report,
            });
            match found(&report)? {
                None => cases_passed += 1,
                Some(found) => {
                    first_failure = Some((cases_run, found));
                    break;
                }
            }
        }
        if first_failure.is_some() {
            set.abort_all();
            break;
        }
        if launched < cases.len() {
            spawn(&mut set, launched);
            launched += 1;
        }
    }
    drop(set);
    let failure = match first_failure {
        Some((number, found)) => {
            let tree = trees.swap_remove(number - 1);
            Some(
                explorer
                    .shrink(tree, number, found, &options, &mut progress)
                    .await?,
            )
        }
        None => None,
    };
    let _ = std::fs::remove_dir_all(&work);
    Ok(ExploreReport {
        schema: SCHEMA,
        suite_version: env!("CARGO_PKG_VERSION"),
        driver: driver_name,
        seed: options.seed,
        networks: options.networks.iter().map(|n| n.as_str()).collect(),
        max_documents: options.max_documents,
        cases_requested: options.cases,
        cases_run,
        cases_passed,
        rules: must_rules(),
        started_at,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        outcome: if failure.is_some() {
            "failed"
        } else {
            "passed"
        },
        failure,
    })
}

/// The rules every case is judged on.
pub fn must_rules() -> Vec<&'static str> {
    catalogue::RULES
        .iter()
        .filter(|rule| rule.level == Level::Must)
        .map(|rule| rule.id)
        .collect()
}

/// A proptest RNG from a 64-bit seed, so `--seed` replays the same cases.
fn rng(seed: u64) -> TestRng {
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        let word = seed.rotate_left(u32::try_from(i * 16).unwrap_or(0)) ^ (i as u64);
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

#[derive(Clone, Debug)]
struct Explorer {
    settings: RunSettings,
    /// How staged cases (in `work`) name their files: absolute paths.
    work_paths: Paths,
    work: PathBuf,
    fixtures: PathBuf,
}

impl Explorer {
    /// Writes the case as a scenario file and runs it like `eisim-suite run` does.
    async fn run(&self, case: &Case, name: &str) -> Result<ScenarioReport, SuiteError> {
        let file = self.work.join(format!("{name}.yaml"));
        let yaml = case.render(&format!("explore-{name}"), &[], &self.work_paths);
        write(&file, &yaml)?;
        Ok(run_scenario(&self.settings, &file).await)
    }

    /// Shrinks a failing case while the same rule still fails, writes the smallest as the
    /// reproducer, and replays it.
    async fn shrink<T: ValueTree<Value = Case>>(
        &self,
        mut tree: T,
        number: usize,
        failure: Found,
        options: &ExploreOptions,
        progress: &mut impl FnMut(Progress<'_>),
    ) -> Result<Failure, SuiteError> {
        let original = tree.current();
        let rule = failure.rule.clone();
        // Every case that failed the same way, smallest last: the replay falls back on the
        // previous one if the smallest does not fail again.
        let mut failing: Vec<(Case, Found)> = vec![(original.clone(), failure)];
        let mut seen: HashMap<String, bool> = HashMap::new();
        let mut runs = 0;
        let mut failures = 0;
        if tree.simplify() {
            while runs < options.max_shrinks {
                let candidate = tree.current();
                let key = candidate.render("", &[], &self.work_paths);
                let still = match seen.get(&key) {
                    Some(known) => *known,
                    None => {
                        runs += 1;
                        let report = self.run(&candidate, &format!("shrink-{runs}")).await?;
                        let mut found = found(&report)?.filter(|f| f.rule == rule);
                        // A smaller case that failed once is run again: one that fails only
                        // with luck in its timing must not replace a sturdier failure, or the
                        // reproducer would not replay.
                        if found.is_some() {
                            let again = self.run(&candidate, &format!("shrink-{runs}")).await?;
                            if found_rule(&again, &rule).is_none() {
                                found = None;
                            }
                        }
                        let still = found.is_some();
                        if let Some(found) = found {
                            failures += 1;
                            failing.push((candidate.clone(), found));
                        }
                        seen.insert(key, still);
                        progress(Progress::Shrink {
                            step: runs,
                            summary: &candidate.summary(&self.work_paths),
                            failed: still,
                        });
                        still
                    }
                };
                let more = if still {
                    tree.simplify()
                } else {
                    tree.complicate()
                };
                if !more {
                    break;
                }
            }
        }

        let file = options.out.join(format!(
            "{}-seed{}-case{number}.yaml",
            rule.to_ascii_lowercase(),
            options.seed
        ));
        let replay_command = self.replay_command(&file, options);
        let mut reproduced = false;
        let mut chosen = None;
        // The smallest first, then two larger ones, then the case as generated: a failure
        // that needs luck in its timing may have been kept by the shrinking, while the larger
        // case failed for a sturdier reason.
        let mut tries: Vec<&(Case, Found)> = failing.iter().rev().take(3).collect();
        if failing.len() > 3
            && let Some(first) = failing.first()
        {
            tries.push(first);
        }
        for (case, found) in tries {
            self.write_reproducer(&file, case, found, &rule, number, options, &replay_command)?;
            let mut again = None;
            for _ in 0..REPLAYS {
                let report = run_scenario(&self.settings, &file).await;
                again = found_rule(&report, &rule);
                progress(Progress::Replayed {
                    file: &file,
                    reproduced: again.is_some(),
                });
                if again.is_none() {
                    break;
                }
            }
            if let Some(again) = again {
                reproduced = true;
                chosen = Some((case.clone(), again));
                break;
            }
            if chosen.is_none() {
                chosen = Some((case.clone(), found.clone()));
            }
        }
        let (minimal, found) = match chosen {
            Some(chosen) => chosen,
            None => failing
                .last()
                .cloned()
                .ok_or_else(|| SuiteError::Simulator("no failing case was kept".into()))?,
        };
        if !reproduced {
            self.write_reproducer(
                &file,
                &minimal,
                &found,
                &rule,
                number,
                options,
                &replay_command,
            )?;
        }
        let statement = catalogue::rule(&rule)
            .map(|r| r.statement.to_owned())
            .unwrap_or_else(|| {
                "The integration keeps the driver contract and settles within the time limit."
                    .to_owned()
            });
        Ok(Failure {
            case: number,
            rule,
            statement,
            message: found.message,
            evidence: found.evidence,
            original: CaseSize {
                size: original.size(),
                summary: original.summary(&self.work_paths),
            },
            minimal: CaseSize {
                size: minimal.size(),
                summary: minimal.summary(&self.work_paths),
            },
            shrink_runs: runs,
            shrink_failures: failures,
            reproducer: file.display().to_string(),
            replay: Replay {
                command: replay_command,
                reproduced,
            },
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn write_reproducer(
        &self,
        file: &Path,
        case: &Case,
        found: &Found,
        rule: &str,
        number: usize,
        options: &ExploreOptions,
        replay_command: &str,
    ) -> Result<(), SuiteError> {
        let folder = file.parent().unwrap_or(Path::new("."));
        let paths = Paths {
            networks: options.networks.clone(),
            inbound_file: relative(folder, &self.fixtures.join("peppol/invoice-minimal.xml")),
        };
        let size = case.size();
        let mut header = vec![
            format!(
                "Found by `eisim-suite explore --seed {}` (case {number}), shrunk to {} document(s) and {} fault(s).",
                options.seed, size.documents, size.faults
            ),
            format!("Fails {rule}: {}", found.message),
        ];
        header.extend(
            found
                .evidence
                .iter()
                .take(6)
                .map(|e| format!("  evidence: {}", e.summary)),
        );
        header.push(format!("Replay: {replay_command}"));
        let mut yaml = case.render(
            &format!(
                "explore-{}-seed{}-case{number}",
                rule.to_ascii_lowercase(),
                options.seed
            ),
            &header,
            &paths,
        );
        if catalogue::rule(rule).is_some() {
            yaml.push_str(&format!("expect: [{rule}]\n"));
        }
        write(file, &yaml)
    }

    fn replay_command(&self, file: &Path, options: &ExploreOptions) -> String {
        let driver = match &options.driver {
            DriverTarget::Url(url) => format!("--driver {url}"),
            DriverTarget::Exec(command) => format!("--exec '{command}'"),
        };
        let quiet = if options.quiet == Duration::from_millis(300) {
            String::new()
        } else {
            format!(" --quiet-ms {}", options.quiet.as_millis())
        };
        format!(
            "eisim-suite run {} {driver} --fixtures {}{quiet}",
            file.display(),
            self.fixtures.display()
        )
    }
}

/// The first rule the run failed (in catalogue order), or the driver error that stopped it.
/// A scenario error means explore generated something eisim refuses: a bug, reported as one.
fn found(report: &ScenarioReport) -> Result<Option<Found>, SuiteError> {
    match &report.status {
        ScenarioStatus::Passed => Ok(None),
        ScenarioStatus::Error {
            kind: ErrorKind::Scenario,
            message,
        } => Err(SuiteError::Scenario {
            path: PathBuf::from(&report.file),
            message: format!("explore generated a scenario that cannot run: {message}"),
        }),
        ScenarioStatus::Error {
            kind: ErrorKind::Driver,
            message,
        } => Ok(Some(Found::driver(message))),
        ScenarioStatus::Failed => Ok(report
            .verdicts
            .iter()
            .find(|v| v.fails_run)
            .map(Found::verdict)),
    }
}

/// `rule`'s failure in this run, if it failed.
fn found_rule(report: &ScenarioReport, rule: &str) -> Option<Found> {
    if rule == DRIVER_FAILURE {
        return match &report.status {
            ScenarioStatus::Error {
                kind: ErrorKind::Driver,
                message,
            } => Some(Found::driver(message)),
            _ => None,
        };
    }
    report
        .verdicts
        .iter()
        .find(|v| v.rule == rule && v.fails_run)
        .map(Found::verdict)
}

impl Found {
    fn driver(message: &str) -> Found {
        Found {
            rule: DRIVER_FAILURE.to_owned(),
            message: message.to_owned(),
            evidence: Vec::new(),
        }
    }

    fn verdict(verdict: &RuleVerdict) -> Found {
        Found {
            rule: verdict.rule.to_owned(),
            message: verdict.message.clone().unwrap_or_default(),
            evidence: verdict.evidence.clone(),
        }
    }
}

fn fixtures_folder(given: Option<&Path>) -> Result<PathBuf, SuiteError> {
    let folder = match given {
        Some(folder) => folder.to_path_buf(),
        None => std::env::current_dir()
            .ok()
            .and_then(|cwd| {
                cwd.ancestors()
                    .map(|dir| dir.join("fixtures"))
                    .find(|candidate| candidate.join(PROBE_FIXTURE).is_file())
            })
            .ok_or_else(|| {
                SuiteError::Usage(
                    "no fixtures folder here or above; pass --fixtures DIR (eisim's fixtures/)"
                        .into(),
                )
            })?,
    };
    if !folder.join(PROBE_FIXTURE).is_file() {
        return Err(SuiteError::Usage(format!(
            "{} is not eisim's fixtures folder (no {PROBE_FIXTURE})",
            folder.display()
        )));
    }
    folder.canonicalize().map_err(|source| SuiteError::Io {
        path: folder,
        source,
    })
}

fn write(file: &Path, text: &str) -> Result<(), SuiteError> {
    if let Some(folder) = file.parent() {
        std::fs::create_dir_all(folder).map_err(|source| SuiteError::Io {
            path: folder.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(file, text).map_err(|source| SuiteError::Io {
        path: file.to_path_buf(),
        source,
    })
}

/// `target` as seen from `folder`, so a reproducer keeps working when the repository moves;
/// absolute when no relative path exists (another drive).
fn relative(folder: &Path, target: &Path) -> String {
    let Ok(folder) = std::path::absolute(folder) else {
        return target.display().to_string();
    };
    let folder = folder.canonicalize().unwrap_or(folder);
    let from: Vec<Component<'_>> = folder.components().collect();
    let to: Vec<Component<'_>> = target.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return target.display().to_string();
    }
    let mut path = PathBuf::new();
    for _ in common..from.len() {
        path.push("..");
    }
    for component in &to[common..] {
        path.push(component.as_os_str());
    }
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_to_the_common_folder() {
        assert_eq!(
            relative(Path::new("/a/b/out"), Path::new("/a/fixtures/x.xml")),
            "../../fixtures/x.xml"
        );
        assert_eq!(
            relative(Path::new("/a"), Path::new("/a/fixtures/x.xml")),
            "fixtures/x.xml"
        );
    }

    #[test]
    fn the_same_seed_generates_the_same_cases() {
        let strategy = strategy::cases(4, Network::ALL.to_vec());
        let draw = |seed| {
            let mut runner = TestRunner::new_with_rng(Config::default(), rng(seed));
            (0..5)
                .map(|_| strategy.new_tree(&mut runner).map(|t| t.current()).ok())
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
    }

    #[test]
    fn the_must_rules_include_stat_3_and_no_should_rule() {
        let rules = must_rules();
        assert!(rules.contains(&"STAT-3"));
        assert!(!rules.contains(&"SUB-4"));
        assert_eq!(rules.len(), 16);
    }
}
