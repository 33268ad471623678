//! A whole run: which scenario files, in what order, how many at once, and the report that
//! comes out. The per-scenario work is in `runner`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use jiff::Timestamp;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::driver::Driver;
use crate::errors::SuiteError;
use crate::exit_codes;
use crate::outcome::{ErrorKind, RunReport, SCHEMA, ScenarioReport, ScenarioStatus, Summary};
use crate::runner::{self, DriverTarget, RunSettings};

/// What `eisim-suite run` was asked to do.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Scenario files and folders (a folder stands for its `*.yaml` files that have `steps`).
    pub scenarios: Vec<PathBuf>,
    pub settings: RunSettings,
    /// A glob over scenario names and rule ids: a scenario runs when its name, file stem or
    /// one of its `expect` rules matches.
    pub filter: Option<String>,
    /// Scenarios run at once; more than one needs `--exec` (one adapter per scenario).
    pub jobs: usize,
}

/// The scenario files a run covers, in a stable order.
pub fn collect(paths: &[PathBuf], filter: Option<&str>) -> Result<Vec<PathBuf>, SuiteError> {
    if paths.is_empty() {
        return Err(SuiteError::Usage(
            "name at least one scenario file or folder".into(),
        ));
    }
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|source| SuiteError::Io {
                    path: path.clone(),
                    source,
                })?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
                .collect();
            found.sort();
            for file in found {
                // Plain simulator scenarios (no steps) live beside conformance ones.
                if has_steps(&file)? {
                    files.push(file);
                }
            }
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            return Err(SuiteError::Usage(format!(
                "{}: no such file or folder",
                path.display()
            )));
        }
    }
    if let Some(pattern) = filter {
        files.retain(|file| selected(file, pattern));
        if files.is_empty() {
            return Err(SuiteError::Usage(format!(
                "--filter `{pattern}` selects no scenario"
            )));
        }
    }
    Ok(files)
}

fn has_steps(file: &Path) -> Result<bool, SuiteError> {
    let scenario = eisim::scenario::load_file(file).map_err(|errors| SuiteError::Scenario {
        path: file.to_path_buf(),
        message: errors.to_string(),
    })?;
    Ok(!scenario.steps.is_empty())
}

fn selected(file: &Path, pattern: &str) -> bool {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Ok(scenario) = eisim::scenario::load_file(file) else {
        return true; // reported when it runs
    };
    eisim::scenario::glob_matches(pattern, &stem)
        || eisim::scenario::glob_matches(pattern, &scenario.name)
        || scenario
            .expect
            .iter()
            .any(|id| eisim::scenario::glob_matches(pattern, id))
}

/// Runs every scenario and builds the report; `progress` sees each scenario as it finishes.
pub async fn run(
    options: RunOptions,
    mut progress: impl FnMut(&ScenarioReport),
) -> Result<RunReport, SuiteError> {
    let started_at = Timestamp::now();
    let started = Instant::now();
    let files = collect(&options.scenarios, options.filter.as_deref())?;
    // Every scenario is checked before the driver is called: a typo is a usage error (2),
    // not a driver failure.
    for file in &files {
        crate::runner::prepare(file)?;
    }
    let jobs = options.jobs.max(1);
    let driver_name = driver_name(&options.settings.driver, jobs).await?;
    let settings = Arc::new(options.settings.clone());
    let permits = Arc::new(Semaphore::new(jobs));
    let mut set = JoinSet::new();
    for (index, file) in files.iter().enumerate() {
        let settings = settings.clone();
        let permits = permits.clone();
        let file = file.clone();
        set.spawn(async move {
            let _permit = permits.acquire_owned().await;
            (index, runner::run_scenario(&settings, &file).await)
        });
    }
    let mut scenarios: Vec<(usize, ScenarioReport)> = Vec::new();
    while let Some(joined) = set.join_next().await {
        let (index, report) =
            joined.map_err(|e| SuiteError::Simulator(format!("a scenario task failed: {e}")))?;
        progress(&report);
        scenarios.push((index, report));
    }
    scenarios.sort_by_key(|(index, _)| *index);
    let scenarios: Vec<ScenarioReport> = scenarios.into_iter().map(|(_, r)| r).collect();
    let summary = summarize(&scenarios);
    Ok(RunReport {
        schema: SCHEMA,
        suite_version: env!("CARGO_PKG_VERSION"),
        driver: driver_name,
        strict: options.settings.strict,
        started_at,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        scenarios,
        summary,
    })
}

/// The name reports give the driver: its own `name` for a running adapter (which proves it
/// answers before anything is run), the command for `--exec`. Several runs at once need a
/// fresh adapter each, so `--jobs` above 1 is refused with `--driver`.
pub(crate) async fn driver_name(driver: &DriverTarget, jobs: usize) -> Result<String, SuiteError> {
    match driver {
        DriverTarget::Url(url) => {
            if jobs > 1 {
                return Err(SuiteError::Usage(
                    "--jobs above 1 needs --exec: one running adapter cannot serve several runs at once".into(),
                ));
            }
            Ok(Driver::new(url)?.info().await?.name)
        }
        DriverTarget::Exec(command) => Ok(command.clone()),
    }
}

fn summarize(scenarios: &[ScenarioReport]) -> Summary {
    let mut summary = Summary {
        scenarios: scenarios.len(),
        ..Summary::default()
    };
    for scenario in scenarios {
        match scenario.status {
            ScenarioStatus::Passed => summary.passed += 1,
            ScenarioStatus::Failed => summary.failed += 1,
            ScenarioStatus::Error { .. } => summary.errors += 1,
        }
        for verdict in scenario.verdicts.iter().filter(|v| v.fails_run) {
            summary.failed_rules.push(verdict.rule.to_owned());
        }
    }
    summary.failed_rules.sort();
    summary.failed_rules.dedup();
    summary
}

impl RunReport {
    /// The exit code for this run: a driver error (3) outranks a scenario error (2), which
    /// outranks a failed rule (1).
    pub fn exit_code(&self) -> i32 {
        let errors: Vec<ErrorKind> = self
            .scenarios
            .iter()
            .filter_map(|s| match &s.status {
                ScenarioStatus::Error { kind, .. } => Some(*kind),
                _ => None,
            })
            .collect();
        if errors.contains(&ErrorKind::Driver) {
            exit_codes::DRIVER_FAILED
        } else if errors.contains(&ErrorKind::Scenario) {
            exit_codes::USAGE
        } else if self.summary.failed > 0 {
            exit_codes::RULE_FAILED
        } else {
            exit_codes::OK
        }
    }
}
