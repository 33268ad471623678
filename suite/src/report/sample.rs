//! One hand-built run that every reporter's tests render: a passing scenario, a failing one
//! (a MUST failure with evidence, a SHOULD failure that does not fail the run without
//! `--strict`, a rule not exercised) and a scenario the driver broke. Fixed timestamps keep the
//! snapshots stable.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::Timestamp;

use crate::catalogue;
use crate::outcome::{
    DocumentOutcome, ErrorKind, Evidence, Flow, Grade, RuleVerdict, RunReport, SCHEMA,
    ScenarioReport, ScenarioStatus, Summary, TimelineEntry,
};

pub(crate) fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// A verdict for a catalogued rule, its level, statement and fix copied as the runner does.
pub(crate) fn verdict(id: &str, grade: Grade, fails_run: bool) -> RuleVerdict {
    let rule = catalogue::rule(id).unwrap();
    RuleVerdict {
        rule: rule.id,
        level: rule.level,
        statement: rule.statement,
        grade,
        fails_run,
        expected: false,
        message: None,
        evidence: Vec::new(),
        fix: (grade == Grade::Fail).then_some(rule.fix),
    }
}

fn entry(
    seq: Option<u64>,
    real: &str,
    sim: &str,
    flow: Flow,
    kind: &str,
    summary: &str,
    status: Option<u16>,
) -> TimelineEntry {
    TimelineEntry {
        seq,
        real_time: at(real),
        sim_time: at(sim),
        flow,
        kind: kind.to_owned(),
        summary: summary.to_owned(),
        status,
    }
}

/// The evidence a verdict cites for a timeline entry, as the rules build it.
pub(crate) fn cite(entry: &TimelineEntry) -> Evidence {
    Evidence {
        seq: entry.seq,
        real_time: entry.real_time,
        sim_time: entry.sim_time,
        summary: entry.summary.clone(),
    }
}

fn happy_path() -> ScenarioReport {
    let mut batching = verdict("SUB-4", Grade::NotExercised, false);
    batching.message = Some("fewer than five documents were asked for".to_owned());
    ScenarioReport {
        name: "sdi-happy-path".to_owned(),
        file: "scenarios/sdi/happy-path.yaml".to_owned(),
        sha256: "5f2b".repeat(16),
        duration_ms: 1_234,
        status: ScenarioStatus::Passed,
        verdicts: vec![
            verdict("AUTH-1", Grade::Pass, false),
            batching,
            verdict("STAT-3", Grade::Pass, false),
        ],
        documents: vec![DocumentOutcome {
            step: "invoice".to_owned(),
            reference: "doc-1".to_owned(),
            reported_state: Some("delivered".to_owned()),
            reported_network_id: Some("12345678".to_owned()),
            eisim_document: Some("doc_01".to_owned()),
            eisim_state: Some("delivered".to_owned()),
        }],
        timeline: vec![
            entry(
                None,
                "2026-03-02T09:00:00.100Z",
                "2026-03-02T09:00:00Z",
                Flow::SuiteToDriver,
                "driver",
                "POST /submit (invoice) -> 200 ref doc-1",
                Some(200),
            ),
            entry(
                Some(1),
                "2026-03-02T09:00:00.200Z",
                "2026-03-02T09:00:00Z",
                Flow::IntegrationToEisim,
                "http",
                "POST /api/v1/invoices -> 201",
                Some(201),
            ),
            entry(
                Some(2),
                "2026-03-02T09:00:01.000Z",
                "2026-03-02T09:05:00Z",
                Flow::Eisim,
                "state",
                "doc_01 sent -> delivered",
                None,
            ),
        ],
    }
}

fn storm() -> ScenarioReport {
    let timeline = vec![
        entry(
            Some(11),
            "2026-03-02T09:00:02.000Z",
            "2026-03-02T09:00:00Z",
            Flow::IntegrationToEisim,
            "http",
            "POST /api/v1/invoices -> 503",
            Some(503),
        ),
        entry(
            Some(12),
            "2026-03-02T09:00:02.050Z",
            "2026-03-02T09:00:00Z",
            Flow::IntegrationToEisim,
            "http",
            "POST /api/v1/invoices -> 503 (no Idempotency-Key)",
            Some(503),
        ),
        entry(
            Some(13),
            "2026-03-02T09:00:02.300Z",
            "2026-03-02T09:00:00Z",
            Flow::EisimToIntegration,
            "webhook_attempt",
            "invoice.accepted -> 200 (12 ms) <script>alert('x & y')</script>",
            Some(200),
        ),
        entry(
            Some(14),
            "2026-03-02T09:00:02.400Z",
            "2026-03-02T09:00:00Z",
            Flow::IntegrationToEisim,
            "http",
            "GET /api/v1/invoices/doc_02/status -> 200",
            Some(200),
        ),
        entry(
            Some(15),
            "2026-03-02T09:00:02.450Z",
            "2026-03-02T09:00:00Z",
            Flow::IntegrationToEisim,
            "http",
            "GET /api/v1/invoices/doc_02/status -> 200",
            Some(200),
        ),
    ];
    let mut retries = verdict("SUB-2", Grade::Fail, true);
    retries.expected = true;
    retries.message = Some("a 5xx submission was retried without an Idempotency-Key".to_owned());
    retries.evidence = vec![cite(&timeline[0]), cite(&timeline[1])];
    let mut polling = verdict("STAT-2", Grade::Fail, false);
    polling.message = Some("doc_02 was read twice within 50 ms (minimum 1 s)".to_owned());
    polling.evidence = vec![cite(&timeline[3]), cite(&timeline[4])];
    let mut hooks = verdict("HOOK-6", Grade::NotExercised, false);
    hooks.message = Some("the integration registered a webhook endpoint".to_owned());
    ScenarioReport {
        name: "sub-5xx-storm".to_owned(),
        file: "scenarios/faults/5xx-storm.yaml".to_owned(),
        sha256: "a1c3".repeat(16),
        duration_ms: 2_560,
        status: ScenarioStatus::Failed,
        verdicts: vec![
            verdict("AUTH-1", Grade::Pass, false),
            retries,
            polling,
            hooks,
        ],
        documents: vec![DocumentOutcome {
            step: "invoice".to_owned(),
            reference: "doc-2".to_owned(),
            reported_state: Some("sent".to_owned()),
            reported_network_id: None,
            eisim_document: Some("doc_02".to_owned()),
            eisim_state: Some("accepted".to_owned()),
        }],
        timeline,
    }
}

fn driver_broke() -> ScenarioReport {
    ScenarioReport {
        name: "ksef-timeout".to_owned(),
        file: "scenarios/ksef/timeout.yaml".to_owned(),
        sha256: "0d9e".repeat(16),
        duration_ms: 480,
        status: ScenarioStatus::Error {
            kind: ErrorKind::Driver,
            message: "GET /documents/doc-3: connection refused".to_owned(),
        },
        verdicts: Vec::new(),
        documents: vec![DocumentOutcome {
            step: "invoice".to_owned(),
            reference: "doc-3".to_owned(),
            reported_state: None,
            reported_network_id: None,
            eisim_document: None,
            eisim_state: None,
        }],
        timeline: Vec::new(),
    }
}

pub(crate) fn run() -> RunReport {
    RunReport {
        schema: SCHEMA,
        suite_version: "0.1.0",
        driver: "reference-integration".to_owned(),
        strict: false,
        started_at: at("2026-03-02T09:00:00Z"),
        duration_ms: 4_274,
        scenarios: vec![happy_path(), storm(), driver_broke()],
        summary: Summary {
            scenarios: 3,
            passed: 1,
            failed: 1,
            errors: 1,
            failed_rules: vec!["SUB-2".to_owned()],
        },
    }
}
