//! The tasks that keep a simulation moving for as long as the simulator runs: the driver that
//! fires planned events as their time comes, and the two senders that make the HTTP calls the
//! runs plan (webhook deliveries, SDI's SOAP calls to the integrator).

use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::clock::ClockMode;

use super::{Simulation, fire_due};

/// Starts the webhook sender; `None` if it was started before (the queue has one reader).
pub(crate) fn spawn_webhook_sender(
    simulation: &Arc<Simulation>,
    stopped: watch::Receiver<bool>,
) -> Option<JoinHandle<()>> {
    let queue = simulation.take_webhook_queue()?;
    let answered = simulation.clone();
    Some(tokio::spawn(crate::webhooks::run_sender(
        queue,
        stopped,
        Arc::new(move |webhooks, job, answer| answered.webhook_answered(webhooks, job, answer)),
    )))
}

/// Starts SDI's outbox; `None` if it was started before.
pub(crate) fn spawn_sdi_outbox(
    simulation: &Arc<Simulation>,
    stopped: watch::Receiver<bool>,
) -> Option<JoinHandle<()>> {
    let queue = simulation.take_sdi_queue()?;
    let answered = simulation.clone();
    Some(tokio::spawn(crate::networks::sdi::run_outbox(
        queue,
        stopped,
        simulation.sdi_outbox(),
        Arc::new(move |job, reply| answered.sdi_answered(job, reply)),
    )))
}

/// Fires events as their time comes, for as long as the simulator runs.
///
/// Real and scaled clocks: sleep (in wall time) until the next event is due. Virtual clock:
/// wait for someone to advance it, or with auto-advance jump straight to the next event.
pub(crate) async fn drive(
    simulation: Arc<Simulation>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        let run = simulation.run();
        let next = run.events.next_due_at();
        if let Some(at) = next {
            if at <= run.clock.now() {
                fire_due(&run, run.clock.now());
                tokio::task::yield_now().await;
                continue;
            }
            if run.clock.mode() == ClockMode::Virtual && run.clock.auto_advance() {
                let _ = simulation.advance_run_to(&run, run.clock.now(), at);
                tokio::task::yield_now().await;
                continue;
            }
        }
        let due = async {
            match next {
                Some(at) => run.clock.sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            changed = shutdown.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            _ = simulation.run_changed.notified() => {}
            _ = run.events.planned.notified() => {}
            _ = due => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use super::*;
    use crate::clock::ClockMode;
    use crate::journal::Journal;
    use tokio::sync::{oneshot, watch};

    fn simulation(mode: ClockMode) -> Arc<Simulation> {
        let scenario = crate::scenario::default_scenario().unwrap();
        let overrides = Overrides {
            clock: Some(mode),
            ..Overrides::default()
        };
        Arc::new(Simulation::new(
            scenario,
            "test".into(),
            overrides,
            Journal::default(),
        ))
    }

    /// Plans one event `after` from now and returns the simulated instant it fired at and
    /// the (paused, so exact) tokio time it took.
    async fn fire_one(
        simulation: &Arc<Simulation>,
        after: Duration,
    ) -> (Timestamp, Timestamp, Duration) {
        let (_stop, stopped) = watch::channel(false);
        let driver = tokio::spawn(drive(simulation.clone(), stopped));
        let run = simulation.run();
        let due = run.clock.now().checked_add(after).unwrap();
        let (tx, rx) = oneshot::channel();
        run.events.schedule(due, "test event", move |ctx| {
            let _ = tx.send(ctx.now);
        });
        let wall = tokio::time::Instant::now();
        let fired_at = rx.await.unwrap();
        driver.abort();
        (due, fired_at, wall.elapsed())
    }

    #[tokio::test(start_paused = true)]
    async fn on_a_scaled_clock_an_hour_passes_in_a_minute_of_wall_time() {
        let simulation = simulation(ClockMode::Scaled(60.0));
        let (due, fired_at, waited) = fire_one(&simulation, Duration::from_secs(3600)).await;
        assert_eq!(fired_at, due);
        assert!(simulation.run().clock.now() >= due);
        assert!(
            waited >= Duration::from_secs(60) && waited < Duration::from_secs(61),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn on_a_real_clock_events_wait_for_real_time() {
        let simulation = simulation(ClockMode::Real);
        let (due, fired_at, waited) = fire_one(&simulation, Duration::from_secs(5)).await;
        assert_eq!(fired_at, due);
        assert!(
            waited >= Duration::from_secs(5) && waited < Duration::from_secs(6),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_advance_of_a_real_clock_fires_what_it_jumps_over() {
        let simulation = simulation(ClockMode::Real);
        let run = simulation.run();
        let (tx, mut rx) = oneshot::channel();
        run.events.schedule(
            run.clock
                .now()
                .checked_add(Duration::from_secs(86_400))
                .unwrap(),
            "tomorrow",
            move |ctx| {
                let _ = tx.send(ctx.now);
            },
        );
        let report = simulation.advance(Duration::from_secs(2 * 86_400)).unwrap();
        assert_eq!(report.events_fired, 1);
        assert!(rx.try_recv().is_ok());
    }

    #[test]
    fn the_journal_records_each_fired_event_with_its_due_time() {
        let simulation = simulation(ClockMode::Virtual);
        let run = simulation.run();
        let start = run.clock.now();
        for minutes in [5u64, 1, 3] {
            run.events.schedule(
                start
                    .checked_add(Duration::from_secs(60 * minutes))
                    .unwrap(),
                format!("after {minutes}m"),
                |_| {},
            );
        }
        simulation.advance(Duration::from_secs(600)).unwrap();
        let fired: Vec<(String, Timestamp)> = simulation
            .journal
            .query(&crate::journal::JournalQuery {
                kind: Some(crate::journal::RecordKind::EventFired),
                ..Default::default()
            })
            .into_iter()
            .filter_map(|entry| match entry.record {
                Record::EventFired { label, due_at, .. } => Some((label, due_at)),
                _ => None,
            })
            .collect();
        let minute = |m: u64| start.checked_add(Duration::from_secs(60 * m)).unwrap();
        assert_eq!(
            fired,
            vec![
                ("after 1m".to_string(), minute(1)),
                ("after 3m".to_string(), minute(3)),
                ("after 5m".to_string(), minute(5)),
            ]
        );
    }
}
