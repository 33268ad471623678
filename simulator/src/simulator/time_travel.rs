//! Simulated time through a running simulator: a fifteen-day deadline (SDI's "decorrenza
//! termini") is testable at once. Inside the crate because the tests plan their own events,
//! which nothing outside the simulation may do.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use super::{Simulator, SimulatorConfig};
use crate::ClockMode;

/// A simulator on a virtual clock, and a client for its control API.
struct TestSim {
    sim: Simulator,
    http: reqwest::Client,
}

impl TestSim {
    async fn virtual_clock() -> TestSim {
        Self::start(SimulatorConfig::new().clock(ClockMode::Virtual)).await
    }

    async fn start(config: SimulatorConfig) -> TestSim {
        TestSim {
            sim: Simulator::start(config).await.unwrap(),
            http: reqwest::Client::new(),
        }
    }

    async fn post_json(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.sim.base_url()))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }
}

const DAY: Duration = Duration::from_secs(24 * 3600);

#[tokio::test]
async fn an_event_due_on_day_fifteen_fires_when_the_virtual_clock_gets_there() {
    let t = TestSim::virtual_clock().await;
    let run = t.sim.simulation.run();
    let start = run.clock.now();
    let fired_at = Arc::new(std::sync::Mutex::new(None));
    let seen = fired_at.clone();
    run.events.schedule(
        start.checked_add(15 * DAY).unwrap(),
        "day 15: decorrenza termini",
        move |ctx| {
            *seen.lock().unwrap() = Some(ctx.now);
        },
    );

    let wall = Instant::now();
    let report = t.sim.advance(14 * DAY).unwrap();
    assert_eq!(report.events_fired, 0);
    assert!(fired_at.lock().unwrap().is_none(), "fired a day early");

    let report = t.sim.advance(DAY).unwrap();
    let elapsed = wall.elapsed();
    assert_eq!(report.events_fired, 1);
    assert_eq!(
        *fired_at.lock().unwrap(),
        Some(start.checked_add(15 * DAY).unwrap())
    );
    assert_eq!(t.sim.clock().now(), start.checked_add(15 * DAY).unwrap());
    println!("15 simulated days took {elapsed:?} of wall time");

    let fired = t.sim.journal().query(&crate::JournalQuery {
        kind: Some(crate::journal::RecordKind::EventFired),
        ..Default::default()
    });
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].sim_time, start.checked_add(15 * DAY).unwrap());
}

#[tokio::test]
async fn the_control_api_advances_by_a_duration_and_to_an_instant() {
    let t = TestSim::virtual_clock().await;
    let run = t.sim.simulation.run();
    let start = run.clock.now();
    let count = Arc::new(AtomicUsize::new(0));
    for day in [1, 15, 16] {
        let count = count.clone();
        run.events.schedule(
            start.checked_add(day * DAY).unwrap(),
            format!("day {day}"),
            move |_| {
                count.fetch_add(1, Ordering::SeqCst);
            },
        );
    }

    let (status, body) = t
        .post_json("/_sim/clock/advance", json!({"by": "15d"}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["events_fired"], 2);
    assert_eq!(count.load(Ordering::SeqCst), 2);
    assert_eq!(body["clock"]["pending_events"], 1);

    let target = start.checked_add(16 * DAY).unwrap();
    let (status, body) = t
        .post_json("/_sim/clock/advance", json!({"to": target.to_string()}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["events_fired"], 1);
    assert_eq!(body["clock"]["now"], json!(target.to_string()));

    let (status, body) = t
        .post_json("/_sim/clock/advance", json!({"to": start.to_string()}))
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["type"], "urn:eisim:problem:clock-backwards");
}

#[tokio::test]
async fn events_planned_by_events_fire_at_their_own_instant_during_one_long_advance() {
    let t = TestSim::virtual_clock().await;
    let run = t.sim.simulation.run();
    let start = run.clock.now();
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let outer = log.clone();
    run.events
        .schedule(start.checked_add(DAY).unwrap(), "delivery", move |ctx| {
            outer.lock().unwrap().push(("delivery", ctx.now));
            let inner = outer.clone();
            ctx.events.schedule(
                ctx.now.checked_add(Duration::from_secs(120)).unwrap(),
                "receipt two minutes later",
                move |ctx| inner.lock().unwrap().push(("receipt", ctx.now)),
            );
        });
    t.sim.advance(30 * DAY).unwrap();
    let log = log.lock().unwrap().clone();
    assert_eq!(
        log,
        vec![
            ("delivery", start.checked_add(DAY).unwrap()),
            (
                "receipt",
                start.checked_add(DAY + Duration::from_secs(120)).unwrap()
            ),
        ]
    );
}

#[tokio::test]
async fn auto_advance_jumps_a_virtual_clock_to_the_next_due_event() {
    let config = SimulatorConfig::new()
        .clock(ClockMode::Virtual)
        .auto_advance(true);
    let t = TestSim::start(config).await;
    let run = t.sim.simulation.run();
    let due = run.clock.now().checked_add(10 * DAY).unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let tx = std::sync::Mutex::new(Some(tx));
    run.events.schedule(due, "ten days out", move |ctx| {
        if let Some(tx) = tx.lock().unwrap().take() {
            let _ = tx.send(ctx.now);
        }
    });
    // No one advances the clock: the driver must jump to the event by itself.
    let fired_at = rx.await.unwrap();
    assert_eq!(fired_at, due);
    assert!(run.clock.now() >= due);
}

#[tokio::test]
async fn a_reset_drops_what_the_old_run_had_planned() {
    let t = TestSim::virtual_clock().await;
    let run = t.sim.simulation.run();
    let fired = Arc::new(AtomicUsize::new(0));
    let seen = fired.clone();
    run.events.schedule(
        run.clock.now().checked_add(DAY).unwrap(),
        "old run",
        move |_| {
            seen.fetch_add(1, Ordering::SeqCst);
        },
    );
    let (status, _) = t.post_json("/_sim/reset", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(t.sim.simulation.run().events.pending(), 0);
    t.sim.advance(2 * DAY).unwrap();
    assert_eq!(fired.load(Ordering::SeqCst), 0);
}
