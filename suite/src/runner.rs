//! Runs one scenario against one integration: boot the simulator, hand the integration the
//! scenario's steps through the driver, let the world move until everything has settled, then
//! collect the evidence and judge every rule.
//!
//! Two clocks meet here. The integration lives in wall-clock time (its backoff, its
//! `Retry-After` waits, its polling intervals), so simulated time runs with the wall clock
//! while the integration works. Network delays (a 15-day SDI deadline) would make a run last
//! days, so whenever the integration has gone quiet and nothing of eisim's is in flight, the
//! suite jumps simulated time to the next due event. The run is settled when the integration
//! is quiet and nothing is due.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use eisim::JournalEntry;
use eisim::Network;
use eisim::journal::{Record, RecordKind};
use eisim::scenario::{Channel, Scenario, Step};
use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::catalogue;
use crate::contract::{KsefAccess, RespondRequest, SimulatorAccess, SubmitRequest};
use crate::driver::Driver;
use crate::errors::SuiteError;
use crate::evidence::{self, ExpectCheck, Observation, Tracked};
use crate::exec::Adapter;
use crate::fixtures;
use crate::outcome::{
    DocumentOutcome, ErrorKind, Flow, ScenarioReport, ScenarioStatus, TimelineEntry,
};
use crate::rules;
use crate::target::Target;
use crate::timeline;

/// How often the settle loop looks at the journal and the driver.
const TICK: Duration = Duration::from_millis(25);

/// How the suite reaches the integration.
#[derive(Clone, Debug)]
pub enum DriverTarget {
    /// An adapter already running at this URL.
    Url(String),
    /// A command to start, with `{port}` replaced by a free port, once per scenario.
    Exec(String),
}

/// Everything a scenario run needs besides the scenario itself.
#[derive(Clone, Debug)]
pub struct RunSettings {
    pub driver: DriverTarget,
    /// An external simulator; `None` boots one in-process per scenario.
    pub simulator: Option<String>,
    pub strict: bool,
    pub fixtures: Option<PathBuf>,
    /// How long the integration must make no call before the suite moves the clock on.
    pub quiet: Duration,
}

/// Runs one scenario file and judges it. Never fails: what stops a run is reported in the
/// scenario's status.
pub async fn run_scenario(settings: &RunSettings, path: &Path) -> ScenarioReport {
    let started = Instant::now();
    let text = std::fs::read(path).unwrap_or_default();
    let sha256 = hex(&Sha256::digest(&text));
    let mut report = ScenarioReport {
        name: path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        file: path.display().to_string(),
        sha256,
        duration_ms: 0,
        status: ScenarioStatus::Passed,
        verdicts: Vec::new(),
        documents: Vec::new(),
        timeline: Vec::new(),
    };
    let scenario = match prepare(path) {
        Ok(scenario) => scenario,
        Err(error) => {
            report.status = error_status(&error);
            report.duration_ms = elapsed_ms(started);
            return report;
        }
    };
    report.name = scenario.name.clone();

    let adapter = match &settings.driver {
        DriverTarget::Exec(command) => match Adapter::start(command).await {
            Ok(adapter) => Some(adapter),
            Err(error) => {
                report.status = error_status(&error);
                report.duration_ms = elapsed_ms(started);
                return report;
            }
        },
        DriverTarget::Url(_) => None,
    };
    let url = match (&settings.driver, &adapter) {
        (_, Some(adapter)) => adapter.url.clone(),
        (DriverTarget::Url(url), None) => url.clone(),
        (DriverTarget::Exec(_), None) => String::new(),
    };
    let outcome = judge(settings, path, &scenario, &url).await;
    if let Some(adapter) = adapter {
        adapter.stop().await;
    }
    match outcome {
        Ok(judged) => {
            report.verdicts = judged.verdicts;
            report.documents = judged.documents;
            report.timeline = judged.timeline;
            report.status = match judged.stopped {
                Some(error) => error_status(&error),
                None if report.verdicts.iter().any(|v| v.fails_run) => ScenarioStatus::Failed,
                None => ScenarioStatus::Passed,
            };
        }
        Err(error) => report.status = error_status(&error),
    }
    report.duration_ms = elapsed_ms(started);
    report
}

/// Parses the scenario and checks what only the suite knows: the rule ids in `expect`, and
/// that there is something to ask the integration.
pub(crate) fn prepare(path: &Path) -> Result<Scenario, SuiteError> {
    let scenario = eisim::scenario::load_file(path).map_err(|errors| SuiteError::Scenario {
        path: path.to_path_buf(),
        message: errors.to_string(),
    })?;
    let scenario_error = |message: String| SuiteError::Scenario {
        path: path.to_path_buf(),
        message,
    };
    for id in &scenario.expect {
        if catalogue::rule(id).is_none() {
            let known: Vec<&str> = catalogue::RULES.iter().map(|r| r.id).collect();
            return Err(scenario_error(format!(
                "`expect` names `{id}`, which is not a rule; expected one of {}",
                known.join(", ")
            )));
        }
    }
    if scenario.steps.is_empty() {
        return Err(scenario_error(
            "no `steps`: a conformance scenario must ask the integration to do something".into(),
        ));
    }
    if credentials(&scenario).is_none() {
        return Err(scenario_error(
            "no tenant with credentials: the integration needs a client id and secret".into(),
        ));
    }
    Ok(scenario)
}

fn credentials(scenario: &Scenario) -> Option<(String, String)> {
    scenario
        .tenants
        .iter()
        .flat_map(|tenant| tenant.credentials.first())
        .map(|c| (c.client_id.clone(), c.client_secret.clone()))
        .next()
}

struct Judged {
    verdicts: Vec<crate::outcome::RuleVerdict>,
    documents: Vec<DocumentOutcome>,
    timeline: Vec<TimelineEntry>,
    /// What stopped the run early (time limit, driver error); the rules are still judged on
    /// what happened until then.
    stopped: Option<SuiteError>,
}

async fn judge(
    settings: &RunSettings,
    path: &Path,
    scenario: &Scenario,
    driver_url: &str,
) -> Result<Judged, SuiteError> {
    let driver = Driver::new(driver_url)?;
    driver.info().await?;
    let target = match &settings.simulator {
        None => Target::in_process(scenario.clone(), path).await?,
        Some(url) => {
            let text = std::fs::read_to_string(path).map_err(|source| SuiteError::Io {
                path: path.to_path_buf(),
                source,
            })?;
            Target::external(url, &text).await?
        }
    };
    let mut run = Run {
        settings,
        scenario,
        driver,
        access: simulator_access(scenario, &target),
        fixtures: fixtures::folder(settings.fixtures.as_deref(), path),
        target,
        tracked: Vec::new(),
        checks: Vec::new(),
        calls: Vec::new(),
        deadline: Instant::now() + scenario.suite.time_limit(),
        last_seq: 0,
    };
    let stopped = run.play().await.err();
    let stopped = match stopped {
        Some(error) if !error.is_driver() && !matches!(error, SuiteError::Usage(_)) => {
            // A simulator or fixture problem is the scenario's, not the integration's.
            run.target_stop().await;
            return Err(error);
        }
        other => other,
    };
    let mut reports = Vec::new();
    for tracked in &run.tracked {
        let answer = run.driver.document(&tracked.reference).await;
        let answer = match answer {
            Ok(report) => Some(report),
            Err(_) if stopped.is_some() => None,
            Err(error) => {
                run.target_stop().await;
                return Err(error);
            }
        };
        run.calls.push(
            driver_line(
                &run.target,
                format!(
                    "GET /documents/{} -> {}",
                    tracked.reference,
                    answer
                        .as_ref()
                        .map_or("no answer".to_owned(), |r| r.state.clone())
                ),
            )
            .await,
        );
        reports.push(answer);
    }
    let entries = run.target.entries_after(0).await?;
    let observation = Observation {
        scenario,
        entries: &entries,
        tracked: &run.tracked,
        reports: &reports,
        checks: &run.checks,
    };
    let verdicts = rules::judge(&observation, settings.strict);
    let documents = evidence::outcomes(&observation);
    let mut timeline = timeline::of(&entries);
    timeline.append(&mut run.calls);
    timeline.sort_by_key(|entry| entry.real_time);
    run.target_stop().await;
    Ok(Judged {
        verdicts,
        documents,
        timeline,
        stopped,
    })
}

fn simulator_access(scenario: &Scenario, target: &Target) -> SimulatorAccess {
    let (client_id, client_secret) = credentials(scenario).unwrap_or_default();
    SimulatorAccess {
        base_url: target.base_url(),
        client_id,
        client_secret,
    }
}

struct Run<'a> {
    settings: &'a RunSettings,
    scenario: &'a Scenario,
    driver: Driver,
    access: SimulatorAccess,
    fixtures: Option<PathBuf>,
    target: Target,
    tracked: Vec<Tracked>,
    checks: Vec<ExpectCheck>,
    calls: Vec<TimelineEntry>,
    deadline: Instant,
    /// The last journal entry the settle loop has seen.
    last_seq: u64,
}

impl Run<'_> {
    async fn play(&mut self) -> Result<(), SuiteError> {
        for step in &self.scenario.steps {
            match step {
                Step::Submit(submit) => {
                    let bytes =
                        self.document(&submit.fixture, submit.network, submit.number.as_deref())?;
                    let request = self.request(
                        &bytes,
                        submit.network,
                        &submit.recipient,
                        submit.channel,
                        submit.file_name.clone(),
                        None,
                    );
                    let reference = self.driver.submit(&request).await?;
                    self.track(
                        submit.name().to_owned(),
                        reference,
                        &bytes,
                        submit.network,
                        submit.channel,
                        None,
                    )
                    .await;
                }
                Step::Resubmit(resubmit) => {
                    self.settle().await?;
                    let original = self
                        .tracked
                        .iter()
                        .find(|t| t.alias == resubmit.of)
                        .cloned()
                        .ok_or_else(|| {
                            SuiteError::Usage(format!(
                                "`resubmit.of: {}` names no submit",
                                resubmit.of
                            ))
                        })?;
                    let bytes = self.document(
                        &resubmit.fixture,
                        original.network,
                        resubmit.number.as_deref(),
                    )?;
                    let request = self.request(
                        &bytes,
                        original.network,
                        &original.recipient,
                        original.channel,
                        resubmit.file_name.clone(),
                        Some(original.reference.clone()),
                    );
                    let reference = self.driver.submit(&request).await?;
                    let alias = format!("{} (corrected)", original.alias);
                    self.track(
                        alias,
                        reference,
                        &bytes,
                        original.network,
                        original.channel,
                        Some(original.alias.clone()),
                    )
                    .await;
                }
                Step::Advance(by) => {
                    self.settle().await?;
                    self.target.advance_by(by.as_std()).await?;
                    self.calls
                        .push(driver_line(&self.target, format!("advance {by}")).await);
                    self.settle().await?;
                }
                Step::ExpectState(expect) => {
                    self.settle().await?;
                    let tracked = self
                        .tracked
                        .iter()
                        .find(|t| t.alias == expect.of)
                        .cloned()
                        .ok_or_else(|| {
                            SuiteError::Usage(format!(
                                "`expect_state.of: {}` names no submit",
                                expect.of
                            ))
                        })?;
                    let report = self.driver.document(&tracked.reference).await?;
                    let entries = self.target.entries_after(0).await?;
                    let eisim = evidence::eisim_state(&entries, &self.tracked, &tracked);
                    let at = self.target.now().await?;
                    self.calls.push(
                        driver_line(
                            &self.target,
                            format!("GET /documents/{} -> {}", tracked.reference, report.state),
                        )
                        .await,
                    );
                    self.checks.push(ExpectCheck {
                        alias: tracked.alias.clone(),
                        expected: expect.state.clone(),
                        reported: report.state,
                        eisim,
                        real_time: Timestamp::now(),
                        sim_time: at,
                    });
                }
                Step::Respond(respond) => {
                    self.settle().await?;
                    let entries = self.target.entries_after(0).await?;
                    let document_id = evidence::inbound_document(&entries, &respond.invoice).ok_or_else(|| {
                        SuiteError::Usage(format!(
                            "`respond`: the invoice `{}` has not arrived (is it in `peppol.inbound` before this step?)",
                            respond.invoice
                        ))
                    })?;
                    let request = RespondRequest {
                        document_id: document_id.clone(),
                        code: respond.code.clone(),
                        reason: respond.reason.clone(),
                        action: respond.action.clone(),
                        text: respond.text.clone(),
                        simulator: self.access.clone(),
                    };
                    self.driver.respond(&request).await?;
                    self.calls.push(
                        driver_line(
                            &self.target,
                            format!("POST /respond {} {}", document_id, respond.code),
                        )
                        .await,
                    );
                }
            }
        }
        self.settle().await
    }

    fn document(
        &self,
        fixture: &str,
        network: Network,
        number: Option<&str>,
    ) -> Result<Vec<u8>, SuiteError> {
        let folder = self.fixtures.as_deref().ok_or_else(|| {
            SuiteError::Usage(
                "no fixtures folder found beside the scenario; pass --fixtures DIR".into(),
            )
        })?;
        let bytes = fixtures::read(folder, fixture)?;
        match number {
            Some(number) => fixtures::renumber(&bytes, network, number),
            None => Ok(bytes),
        }
    }

    fn request(
        &self,
        bytes: &[u8],
        network: Network,
        recipient: &str,
        channel: Channel,
        file_name: Option<String>,
        replaces: Option<String>,
    ) -> SubmitRequest {
        SubmitRequest {
            document: base64::engine::general_purpose::STANDARD.encode(bytes),
            format: fixtures::format_of(network).to_owned(),
            network: network.as_str().to_owned(),
            recipient: recipient.to_owned(),
            channel: match channel {
                Channel::Gateway => "gateway".to_owned(),
                Channel::Native => "native".to_owned(),
            },
            file_name,
            replaces,
            simulator: self.access.clone(),
            ksef: ksef_access(self.scenario, network),
        }
    }

    async fn track(
        &mut self,
        alias: String,
        reference: String,
        bytes: &[u8],
        network: Network,
        channel: Channel,
        replaces: Option<String>,
    ) {
        let recipient = self.scenario.steps.iter().find_map(|step| match step {
            Step::Submit(s) if s.name() == alias || replaces.as_deref() == Some(s.name()) => {
                Some(s.recipient.clone())
            }
            _ => None,
        });
        self.calls.push(
            driver_line(
                &self.target,
                format!("POST /submit {alias} -> ref {reference}"),
            )
            .await,
        );
        self.tracked.push(Tracked {
            alias,
            reference,
            sha256: hex(&Sha256::digest(bytes)),
            network,
            channel,
            recipient: recipient.unwrap_or_default(),
            replaces,
            asked_at: Timestamp::now(),
        });
    }

    /// Waits until the integration is quiet and nothing is due, jumping simulated time to each
    /// next due event on the way.
    async fn settle(&mut self) -> Result<(), SuiteError> {
        let quiet = self.settings.quiet;
        let mut quiet_since = Instant::now();
        loop {
            if Instant::now() > self.deadline {
                return Err(SuiteError::Contract {
                    call: "settle".into(),
                    detail: format!(
                        "the run did not settle within the scenario's time limit of {}s (the integration kept calling or kept work pending)",
                        self.scenario.suite.time_limit().as_secs()
                    ),
                });
            }
            tokio::time::sleep(TICK).await;
            let fresh = self.target.entries_after(self.last_seq).await?;
            if let Some(last) = fresh.last() {
                self.last_seq = last.seq;
            }
            if fresh.iter().any(is_activity) {
                quiet_since = Instant::now();
                continue;
            }
            if quiet_since.elapsed() < quiet || !self.target.outgoing_settled().await {
                continue;
            }
            let info = self.driver.info().await?;
            if info.pending.unwrap_or(0) > 0 {
                quiet_since = Instant::now();
                continue;
            }
            match self.target.next_due().await? {
                Some(next) => {
                    self.target.advance_to(next).await?;
                    quiet_since = Instant::now();
                }
                None => return Ok(()),
            }
        }
    }

    async fn target_stop(self) {
        self.target.stop().await;
    }
}

/// KSeF's taxpayer context and a token that authenticates, for a KSeF document: what the
/// driver contract hands an adapter that sends natively (the gateway channel needs none).
pub(crate) fn ksef_access(scenario: &Scenario, network: Network) -> Option<KsefAccess> {
    if network != Network::Ksef {
        return None;
    }
    scenario
        .ksef
        .tokens
        .iter()
        .find(|t| t.auth_status.is_none_or(|s| s == 200))
        .map(|t| KsefAccess {
            nip: t.context.clone(),
            token: t.token.clone(),
        })
}

/// Entries that show someone still working: the integration calling, eisim calling out, or a
/// document moving. Clock moves and fired events are the suite's own doing.
fn is_activity(entry: &JournalEntry) -> bool {
    match &entry.record {
        // The suite's own reads of an external simulator's control API.
        Record::Http(exchange) => !exchange.path.starts_with("/_sim"),
        Record::StateChange { .. } => false,
        other => !matches!(other.kind(), RecordKind::Simulator | RecordKind::EventFired),
    }
}

async fn driver_line(target: &Target, summary: String) -> TimelineEntry {
    TimelineEntry {
        seq: None,
        real_time: Timestamp::now(),
        sim_time: target.now().await.unwrap_or_else(|_| Timestamp::now()),
        flow: Flow::SuiteToDriver,
        kind: "driver".into(),
        summary,
        status: None,
    }
}

fn error_status(error: &SuiteError) -> ScenarioStatus {
    ScenarioStatus::Error {
        kind: if error.is_driver() {
            ErrorKind::Driver
        } else {
            ErrorKind::Scenario
        },
        message: error.to_string(),
    }
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
