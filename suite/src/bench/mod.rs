//! `eisim-suite bench`: how fast an integration moves documents through the networks, measured
//! through the same driver contract as `run`, so it applies to any integration.
//!
//! How the pieces fit: [`BenchOptions`] says what to send; `scenario` boots the world
//! (embedded `scenario.yaml` or `--scenario`); `workload` makes N distinct documents from
//! each network's minimal invoice. At most C workers each take the next document, ask the
//! integration to submit it (`POST /submit`) and poll until the driver reports the document's
//! **end state**: the state eisim holds for it once nothing more is planned for it (a final
//! `delivered`, `refused` or `failed`; or, when eisim's agenda is empty, whatever state it
//! holds). `measure` follows eisim's journal meanwhile; once every document is done the
//! figures are reduced to a [`BenchReport`] (`report`, `stats`) and shown by `console`.
//!
//! The simulator runs on `--clock` (virtual by default: each next due event is fired at once,
//! so the networks' configured delays cost no wall time). The simulator's share of a
//! document's latency is what eisim spent handling the integration's requests for it plus
//! the wall time from eisim taking it in to eisim reaching its end state; the rest is the
//! integration's own.

mod console;
mod measure;
mod options;
mod report;
mod scenario;
mod stats;
mod workload;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex as StdMutex, PoisonError};
use std::time::{Duration, Instant};

use eisim::Network;
use jiff::Timestamp;
use tokio::sync::Mutex;

pub use console::{Progress, progress_line, summary};
pub use options::{BenchOptions, parse_network};
pub use report::{BenchReport, BenchSettings, Failure, NetworkFigures, SCHEMA, SimulatorShare};
pub use stats::Distribution;

use crate::driver::Driver;
use crate::errors::SuiteError;
use crate::exec::Adapter;
use crate::runner::DriverTarget;
use crate::target::Target;
use measure::{EndState, Ledger, Life};
use scenario::World;
use workload::Planned;

/// How often a worker asks eisim's journal, and then the driver, about its document.
const POLL: Duration = Duration::from_millis(10);
/// Before eisim has an end state for a document the driver cannot report it; it is asked
/// this seldom only to notice an integration that gave up (`failed`, never sent to eisim).
const GIVE_UP_CHECK: Duration = Duration::from_millis(500);
/// How often the progress callback may be called when no tenth of the work was completed.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);
/// The longest the end of a benchmark waits for the integration to go quiet.
const DRAIN_LIMIT: Duration = Duration::from_secs(10);

/// Runs the benchmark and reduces it to its report. `progress` is called as work completes
/// (each tenth of the documents, and at least every second). An error is what stopped the
/// benchmark (bad options or scenario, the driver unreachable or breaking the contract);
/// documents that did not reach their end state are in the report, not an error.
pub async fn bench(
    options: BenchOptions,
    mut progress: impl FnMut(&Progress),
) -> Result<BenchReport, SuiteError> {
    options.check()?;
    let world = World::load(options.scenario.as_deref())?;
    let adapter = match &options.driver {
        DriverTarget::Exec(command) => Some(Adapter::start(command).await?),
        DriverTarget::Url(_) => None,
    };
    let url = match (&options.driver, &adapter) {
        (_, Some(adapter)) => adapter.url.clone(),
        (DriverTarget::Url(url), None) => url.clone(),
        (DriverTarget::Exec(_), None) => String::new(),
    };
    let result = measure_run(&options, &world, &url, &mut progress).await;
    if let Some(adapter) = adapter {
        adapter.stop().await;
    }
    result
}

/// What the workers share.
struct Bench {
    target: Target,
    driver: Driver,
    ledger: Mutex<Ledger>,
    planned: Vec<Planned>,
    next: AtomicUsize,
    submitted: AtomicUsize,
    completed: AtomicUsize,
    failed: AtomicUsize,
    /// Set when a worker hit an error: the others stop at their next poll.
    stop: AtomicBool,
    error: StdMutex<Option<SuiteError>>,
    results: StdMutex<Vec<Measured>>,
    document_timeout: Duration,
}

/// One document's measurement.
#[derive(Clone, Debug)]
struct Measured {
    index: usize,
    network: Network,
    reference: String,
    asked_at: Timestamp,
    finished_at: Timestamp,
    latency_ms: f64,
    outcome: Outcome,
}

#[derive(Clone, Debug)]
enum Outcome {
    Reached {
        end: EndState,
        taken_at: Timestamp,
        document: String,
    },
    Failed {
        reason: String,
        reported: Option<String>,
        eisim_state: Option<String>,
        document: Option<String>,
    },
}

async fn measure_run(
    options: &BenchOptions,
    world: &World,
    url: &str,
    progress: &mut impl FnMut(&Progress),
) -> Result<BenchReport, SuiteError> {
    let driver = Driver::new(url)?;
    let info = driver.info().await?;
    let networks = options.networks();
    let target =
        Target::in_process_with(world.scenario.clone(), &world.origin, options.clock).await?;
    let access = world.access(target.base_url());
    let planned = match workload::plan(
        options.documents,
        &networks,
        &world.scenario,
        &access,
        options.fixtures.as_deref(),
    ) {
        Ok(planned) => planned,
        Err(error) => {
            target.stop().await;
            return Err(error);
        }
    };
    let bench = Arc::new(Bench {
        target,
        driver,
        ledger: Mutex::new(Ledger::default()),
        planned,
        next: AtomicUsize::new(0),
        submitted: AtomicUsize::new(0),
        completed: AtomicUsize::new(0),
        failed: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
        error: StdMutex::new(None),
        results: StdMutex::new(Vec::new()),
        document_timeout: options.document_timeout,
    });

    let started_at = Timestamp::now();
    let started = Instant::now();
    let workers: Vec<_> = (0..options.concurrency.min(options.documents))
        .map(|_| tokio::spawn(work(bench.clone())))
        .collect();
    watch(&bench, &workers, started, options.documents, progress).await;
    for worker in workers {
        let _ = worker.await;
    }
    let wall = started.elapsed();
    let error = bench
        .error
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    if let Some(error) = error {
        shut_down(bench).await;
        return Err(error);
    }
    drain(&bench, options.quiet).await;
    let requests = bench.ledger.lock().await.requests.clone();
    let mut results = bench
        .results
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    results.sort_by_key(|m| m.index);
    shut_down(bench).await;

    let settings = BenchSettings {
        documents: options.documents,
        concurrency: options.concurrency,
        networks: networks.iter().map(|n| n.as_str().to_owned()).collect(),
        clock: options.clock.to_string(),
        scenario: options
            .scenario
            .as_ref()
            .map_or_else(|| "embedded".to_owned(), |p| p.display().to_string()),
        document_timeout_ms: u64::try_from(options.document_timeout.as_millis())
            .unwrap_or(u64::MAX),
    };
    Ok(reduce(
        info.name, settings, started_at, wall, &networks, &results, &requests,
    ))
}

/// Calls `progress` as the workers get on, until they are all done.
async fn watch(
    bench: &Bench,
    workers: &[tokio::task::JoinHandle<()>],
    started: Instant,
    documents: usize,
    progress: &mut impl FnMut(&Progress),
) {
    let mut shown_tenth = 0;
    let mut shown_at = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let finished = workers.iter().all(|w| w.is_finished());
        let now = Progress {
            documents,
            submitted: bench.submitted.load(Ordering::Relaxed),
            completed: bench.completed.load(Ordering::Relaxed),
            failed: bench.failed.load(Ordering::Relaxed),
            elapsed: started.elapsed(),
        };
        let tenth = (now.completed + now.failed) * 10 / documents.max(1);
        if finished || tenth > shown_tenth || shown_at.elapsed() >= PROGRESS_EVERY {
            progress(&now);
            shown_tenth = tenth;
            shown_at = Instant::now();
        }
        if finished {
            return;
        }
    }
}

/// One worker: measures documents one after the other until there are none left.
async fn work(bench: Arc<Bench>) {
    loop {
        if bench.stop.load(Ordering::Relaxed) {
            return;
        }
        let i = bench.next.fetch_add(1, Ordering::Relaxed);
        let Some(planned) = bench.planned.get(i) else {
            return;
        };
        match measure_one(&bench, planned).await {
            Ok(measured) => {
                let counter = match measured.outcome {
                    Outcome::Reached { .. } => &bench.completed,
                    Outcome::Failed { .. } => &bench.failed,
                };
                counter.fetch_add(1, Ordering::Relaxed);
                bench
                    .results
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(measured);
            }
            Err(error) => {
                bench.stop.store(true, Ordering::Relaxed);
                let mut slot = bench.error.lock().unwrap_or_else(PoisonError::into_inner);
                if slot.is_none() {
                    *slot = Some(error);
                }
                return;
            }
        }
    }
}

/// Submits one document through the driver and waits for the driver to report its end state.
async fn measure_one(bench: &Bench, planned: &Planned) -> Result<Measured, SuiteError> {
    let asked = Instant::now();
    let asked_at = Timestamp::now();
    let reference = bench.driver.submit(&planned.request).await?;
    bench.submitted.fetch_add(1, Ordering::Relaxed);
    let deadline = asked + bench.document_timeout;
    let mut reported: Option<String> = None;
    let mut next_check = asked + GIVE_UP_CHECK;
    let finish = |outcome: Outcome| Measured {
        index: planned.index,
        network: planned.network,
        reference: reference.clone(),
        asked_at,
        finished_at: Timestamp::now(),
        latency_ms: asked.elapsed().as_secs_f64() * 1000.0,
        outcome,
    };
    loop {
        tokio::time::sleep(POLL).await;
        if bench.stop.load(Ordering::Relaxed) {
            return Err(SuiteError::Usage("the benchmark was stopped".to_owned()));
        }
        let (end, taken, eisim_state) = eisim_view(bench, &planned.sha256).await?;
        let now = Instant::now();
        if let (Some(end), Some((document, taken_at))) = (&end, &taken) {
            let report = bench.driver.document(&reference).await?;
            if report.state == end.state {
                return Ok(finish(Outcome::Reached {
                    end: end.clone(),
                    taken_at: *taken_at,
                    document: document.clone(),
                }));
            }
            reported = Some(report.state);
        } else if now >= next_check {
            let report = bench.driver.document(&reference).await?;
            if report.state == "failed" && taken.is_none() {
                return Ok(finish(Outcome::Failed {
                    reason: "the integration reports `failed` and never sent the document to eisim"
                        .to_owned(),
                    reported: Some(report.state),
                    eisim_state: None,
                    document: None,
                }));
            }
            reported = Some(report.state);
            next_check = now + GIVE_UP_CHECK;
        }
        if now >= deadline {
            let limit = bench.document_timeout.as_secs_f64();
            let reason = match (&end, &reported, &eisim_state) {
                (Some(end), Some(said), _) => format!(
                    "eisim's end state is `{}`, the driver still reported `{said}` after {limit} s",
                    end.state
                ),
                (None, _, Some(state)) => format!(
                    "eisim had not reached an end state after {limit} s (it holds `{state}`)"
                ),
                (None, _, None) if taken.is_some() => {
                    format!("eisim took the document in but it had no state after {limit} s")
                }
                _ => format!("eisim never received the document within {limit} s"),
            };
            return Ok(finish(Outcome::Failed {
                reason,
                reported,
                eisim_state,
                document: taken.map(|(document, _)| document),
            }));
        }
    }
}

type EisimView = (
    Option<EndState>,
    Option<(String, Timestamp)>,
    Option<String>,
);

/// eisim's end state of the document (if reached), the document it became and when, and its
/// current state, from the journal read up to now.
async fn eisim_view(bench: &Bench, sha256: &str) -> Result<EisimView, SuiteError> {
    let mut ledger = bench.ledger.lock().await;
    let fresh = bench.target.entries_after(ledger.cursor).await?;
    ledger.apply(&fresh);
    let taken = ledger
        .taken(sha256)
        .map(|taken| (taken.document.clone(), taken.at));
    let state = ledger.state(sha256).map(|(state, _)| state.clone());
    let end = match &state {
        None => None,
        Some(state) if measure::is_final(state) => {
            ledger.end_state(sha256, false, Timestamp::now())
        }
        Some(_) => {
            let agenda_empty = bench.target.next_due().await?.is_none();
            ledger.end_state(sha256, agenda_empty, Timestamp::now())
        }
    };
    Ok((end, taken, state))
}

/// Waits until the integration has made no call for `quiet`, so its trailing calls are on
/// record and none hits a simulator that is already gone.
async fn drain(bench: &Bench, quiet: Duration) {
    let started = Instant::now();
    let mut seen = usize::MAX;
    let mut quiet_since = Instant::now();
    while started.elapsed() < DRAIN_LIMIT {
        tokio::time::sleep(Duration::from_millis(25)).await;
        let mut ledger = bench.ledger.lock().await;
        if let Ok(fresh) = bench.target.entries_after(ledger.cursor).await {
            ledger.apply(&fresh);
        }
        if ledger.requests.len() != seen {
            seen = ledger.requests.len();
            quiet_since = Instant::now();
        } else if quiet_since.elapsed() >= quiet {
            return;
        }
    }
}

async fn shut_down(bench: Arc<Bench>) {
    // The workers are joined, so this is the last handle; if not, dropping stops it.
    if let Ok(bench) = Arc::try_unwrap(bench) {
        bench.target.stop().await;
    }
}

/// Turns the measurements into the report.
fn reduce(
    driver: String,
    settings: BenchSettings,
    started_at: Timestamp,
    wall: Duration,
    networks: &[Network],
    results: &[Measured],
    requests: &[measure::Request],
) -> BenchReport {
    let lives: Vec<Life> = results
        .iter()
        .map(|m| Life {
            from: m.asked_at,
            to: m.finished_at,
            document: match &m.outcome {
                Outcome::Reached { document, .. } => Some(document.clone()),
                Outcome::Failed { document, .. } => document.clone(),
            },
        })
        .collect();
    let (processing, unattributed) = measure::attribute(requests, &lives);

    #[derive(Default)]
    struct Columns {
        latency: Vec<f64>,
        processing: Vec<f64>,
        delays: Vec<f64>,
        simulator: Vec<f64>,
        integration: Vec<f64>,
    }
    let mut all = Columns::default();
    let mut per_network: BTreeMap<Network, Columns> = BTreeMap::new();
    let mut failures = Vec::new();
    for (m, processing) in results.iter().zip(processing) {
        match &m.outcome {
            Outcome::Reached { end, taken_at, .. } => {
                let delays = measure::ms_between(*taken_at, end.at);
                let simulator = (processing + delays).min(m.latency_ms);
                let integration = m.latency_ms - simulator;
                for columns in [&mut all, per_network.entry(m.network).or_default()] {
                    columns.latency.push(m.latency_ms);
                    columns.processing.push(processing);
                    columns.delays.push(delays);
                    columns.simulator.push(simulator);
                    columns.integration.push(integration);
                }
            }
            Outcome::Failed {
                reason,
                reported,
                eisim_state,
                ..
            } => failures.push(Failure {
                document: m.index,
                network: m.network.as_str().to_owned(),
                reference: m.reference.clone(),
                reported_state: reported.clone(),
                eisim_state: eisim_state.clone(),
                reason: reason.clone(),
            }),
        }
    }
    let wall_ms = wall.as_secs_f64() * 1000.0;
    let completed = all.latency.len();
    let networks = networks
        .iter()
        .map(|network| {
            let documents = results.iter().filter(|m| m.network == *network).count();
            let columns = per_network.remove(network).unwrap_or_default();
            NetworkFigures {
                network: network.as_str().to_owned(),
                documents,
                completed: columns.latency.len(),
                failed: documents - columns.latency.len(),
                latency: Distribution::of(&columns.latency),
                integration: Distribution::of(&columns.integration),
            }
        })
        .collect();
    BenchReport {
        schema: SCHEMA,
        suite_version: env!("CARGO_PKG_VERSION"),
        driver,
        documents: settings.documents,
        settings,
        started_at,
        wall_ms: stats::round_us(wall_ms),
        completed,
        failed: failures.len(),
        documents_per_second: if wall_ms > 0.0 {
            (completed as f64 / (wall_ms / 1000.0) * 100.0).round() / 100.0
        } else {
            0.0
        },
        latency: Distribution::of(&all.latency),
        simulator: SimulatorShare {
            processing: Distribution::of(&all.processing),
            network_delays: Distribution::of(&all.delays),
            total: Distribution::of(&all.simulator),
            requests: requests.len(),
            requests_ms: stats::round_us(
                requests.iter().map(|r| r.latency_us as f64).sum::<f64>() / 1000.0,
            ),
            unattributed_ms: stats::round_us(unattributed),
        },
        integration: Distribution::of(&all.integration),
        networks,
        failures,
    }
}
