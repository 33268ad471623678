//! The scenario's `faults:` section placed on a run's clock: which fault strikes a request
//! at a simulated instant, and when a network held by an outage can take the next step of a
//! document's life.
//!
//! Each fault has a window on the run's simulated clock, `[start + from, start + from + for)`.
//! For a request inside a fault's window whose path matches its glob, [`FaultPlan::strike`]
//! says what happens, in plain terms; the HTTP layer (`http/faults.rs`) answers, delays or
//! marks the request accordingly, in each network's own shapes:
//!
//! - `http_status` answers with that status instead of the handler;
//! - `ksef_exception` answers a KSeF API request with a 400 carrying that exception code;
//! - `outage: ksef` answers every KSeF API request with the CDN's maintenance page; on the
//!   gateway an outage answers nothing, but documents for that network wait until it ends
//!   ([`FaultPlan::availability`], used by the lifecycle);
//! - `latency` waits that long before going on;
//! - `system_warning` adds `X-System-Warning` to whatever the answer is.
//!
//! `rate` picks requests with a seeded draw keyed by the fault and a count of the requests it
//! has matched, so a replay with the same seed strikes the same requests.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use jiff::Timestamp;

use crate::codelists::ksef::exception_description;
use crate::digest::unit_draw;
use crate::scenario::{Fault, FaultKind, glob_matches};
use crate::vocabulary::Network;

/// A fault's window on one run's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Window {
    opens: Timestamp,
    /// `None`: open until the end of the run.
    closes: Option<Timestamp>,
}

impl Window {
    /// `[start + from, start + from + for)`; an instant past the end of time pins there.
    pub(crate) fn of(fault: &Fault, start: Timestamp) -> Window {
        let after = |t: Timestamp, by: Duration| t.checked_add(by).unwrap_or(Timestamp::MAX);
        let opens = after(start, fault.from.as_std());
        Window {
            opens,
            closes: fault.lasts.map(|lasts| after(opens, lasts.as_std())),
        }
    }

    pub(crate) fn contains(&self, now: Timestamp) -> bool {
        self.opens <= now && self.closes.is_none_or(|closes| now < closes)
    }

    /// Whole seconds from `now` until the window closes, rounded up; `None` if it never does.
    pub(crate) fn seconds_left(&self, now: Timestamp) -> Option<u64> {
        let closes = self.closes?;
        let nanos = closes.as_nanosecond().saturating_sub(now.as_nanosecond());
        let seconds = u128::try_from(nanos).unwrap_or(0).div_ceil(1_000_000_000);
        Some(u64::try_from(seconds).unwrap_or(u64::MAX))
    }
}

/// One fault of the running scenario, placed on the run's clock.
#[derive(Debug)]
struct Armed {
    fault: Fault,
    window: Window,
    /// Requests matched so far (in the window, on the path): the key of the next rate draw.
    matched: AtomicU64,
}

/// The faults of one run, with their windows and counters. A reset starts them afresh.
#[derive(Debug)]
pub(crate) struct FaultPlan {
    armed: Vec<Armed>,
    seed: u64,
}

/// When a step of a document's life can happen, given the network's outages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Availability {
    /// When it was due: no outage is in the way.
    Due,
    /// Held by an outage (fault `fault`, from 0) until it ends.
    HeldUntil { until: Timestamp, fault: usize },
    /// Held by an outage (fault `fault`, from 0) that lasts until the end of the run.
    HeldForGood { fault: usize },
}

impl FaultPlan {
    /// `faults` placed on a run that started at `start` and draws from `seed`.
    pub(crate) fn new(faults: &[Fault], start: Timestamp, seed: u64) -> FaultPlan {
        FaultPlan {
            armed: faults
                .iter()
                .map(|fault| Armed {
                    window: Window::of(fault, start),
                    fault: fault.clone(),
                    matched: AtomicU64::new(0),
                })
                .collect(),
            seed,
        }
    }

    /// What fault `index` (from 0, as `Strike` names them) is.
    pub(crate) fn kind(&self, index: usize) -> Option<&FaultKind> {
        self.armed.get(index).map(|armed| &armed.fault.kind)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.armed.is_empty()
    }

    /// When something due at `due` on `network` can happen: at once, or when the outage it
    /// falls in ends (outages that touch carry it on to the end of the last one).
    pub(crate) fn availability(&self, network: Network, due: Timestamp) -> Availability {
        let mut at = due;
        let mut held = None;
        loop {
            let outage = self.armed.iter().enumerate().find(|(_, armed)| {
                matches!(armed.fault.kind, FaultKind::Outage { network: n } if n == network)
                    && armed.window.contains(at)
            });
            // Each round moves `at` to the end of a window containing it, so strictly
            // forward; with finitely many windows the loop ends.
            match outage {
                None => break,
                Some((fault, armed)) => match armed.window.closes {
                    Some(closes) => {
                        held.get_or_insert(fault);
                        at = closes;
                    }
                    None => return Availability::HeldForGood { fault },
                },
            }
        }
        match held {
            Some(fault) => Availability::HeldUntil { until: at, fault },
            None => Availability::Due,
        }
    }

    /// What the faults do to a request for `path` at `now`. Counts the request against every
    /// fault whose window and path it falls in, so rates are drawn in arrival order.
    pub(crate) fn strike(&self, path: &str, now: Timestamp) -> Strike {
        let ksef = is_ksef_path(path);
        let mut strike = Strike::default();
        for (index, armed) in self.armed.iter().enumerate() {
            if !armed.window.contains(now) {
                continue;
            }
            let kind = &armed.fault.kind;
            if let FaultKind::Outage { network } = kind {
                if *network == Network::Ksef && ksef && strike.answer.is_none() {
                    let retry_after = armed.window.seconds_left(now);
                    strike.answer = Some(Injected {
                        fault: index,
                        answer: Answer::KsefOutage { retry_after },
                        detail: Some(match armed.window.closes {
                            Some(closes) => format!("KSeF is in an outage until {closes}"),
                            None => "KSeF is in an outage until the end of the run".to_owned(),
                        }),
                    });
                }
                continue;
            }
            let applies = kind.path().is_some_and(|glob| glob_matches(glob, path))
                && (ksef || !matches!(kind, FaultKind::KsefException { .. }));
            if !applies || !self.drawn(index, armed) {
                continue;
            }
            match kind {
                FaultKind::HttpStatus {
                    status,
                    retry_after,
                    ..
                } if strike.answer.is_none() => {
                    let retry_after = retry_after.map(|after| seconds_up(after.as_std()));
                    strike.answer = Some(Injected {
                        fault: index,
                        answer: Answer::Status {
                            status: *status,
                            retry_after,
                            ksef,
                        },
                        detail: None,
                    });
                    strike.retry_after = retry_after;
                }
                FaultKind::KsefException { code, .. } if strike.answer.is_none() => {
                    strike.answer = Some(Injected {
                        fault: index,
                        answer: Answer::KsefException { code: *code },
                        detail: Some(exception_description(*code).to_owned()),
                    });
                }
                FaultKind::Latency { delay, .. } => {
                    strike.delay += delay.as_std();
                    strike.delays.push(index);
                }
                FaultKind::SystemWarning { text, .. } => {
                    strike.warnings.push((index, text.clone()));
                }
                _ => {}
            }
        }
        strike
    }

    /// Whether this matching request is one of the share `rate` picks: the same seed picks
    /// the same requests, counted per fault.
    fn drawn(&self, index: usize, armed: &Armed) -> bool {
        let count = armed.matched.fetch_add(1, Ordering::Relaxed);
        match armed.fault.kind.rate() {
            None => true,
            Some(rate) => draw(self.seed, index, count) < rate.get(),
        }
    }
}

/// The seeded draw for the `count`-th request (from 0) fault `index` matched.
fn draw(seed: u64, index: usize, count: u64) -> f64 {
    unit_draw(&format!("{seed}:fault:{index}:{count}"))
}

/// What the faults do to one request.
#[derive(Debug, Default)]
pub(crate) struct Strike {
    /// The answer given instead of the handler's, by the first fault in the list that has one.
    pub answer: Option<Injected>,
    /// `Retry-After` the answer should carry where its shape has no place of its own for it.
    pub retry_after: Option<u64>,
    pub delay: Duration,
    /// The latency faults behind `delay`.
    pub delays: Vec<usize>,
    /// `X-System-Warning` texts, with the faults they came from.
    pub warnings: Vec<(usize, String)>,
}

/// An answer a fault gives instead of the handler's.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Injected {
    /// The fault's place in the scenario's list, from 0.
    pub fault: usize,
    pub answer: Answer,
    /// What the journal says about it, beside the status.
    pub detail: Option<String>,
}

/// Which answer, in the network's terms; the HTTP layer writes it in the network's shape.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    /// KSeF is down: its CDN's maintenance page (503), until the window closes.
    KsefOutage { retry_after: Option<u64> },
    /// An HTTP status: in KSeF's own shapes on the KSeF API (`ksef`), as an
    /// `injected-fault` problem elsewhere.
    Status {
        status: u16,
        retry_after: Option<u64>,
        ksef: bool,
    },
    /// A 400 carrying this KSeF exception code (KSeF API only).
    KsefException { code: u32 },
}

/// Seconds for `Retry-After`, rounded up so a client never comes back early.
fn seconds_up(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

/// The KSeF API is served under `/v2` and, for older integrations, `/api/v2`.
pub(crate) fn is_ksef_path(path: &str) -> bool {
    ["/v2", "/api/v2"].iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::scenario::{Duration as ScenarioDuration, Probability};

    /// 2026-01-01T00:00:00Z.
    const START: Timestamp = Timestamp::constant(1_767_225_600, 0);

    fn at(seconds: u64) -> Timestamp {
        START.checked_add(Duration::from_secs(seconds)).unwrap()
    }

    fn fault(kind: FaultKind, from: u64, lasts: Option<u64>) -> Fault {
        Fault {
            kind,
            from: ScenarioDuration::from_secs(from),
            lasts: lasts.map(ScenarioDuration::from_secs),
        }
    }

    fn status(status: u16, path: &str, rate: Option<f64>) -> FaultKind {
        FaultKind::HttpStatus {
            status,
            path: path.to_owned(),
            rate: rate.and_then(Probability::new),
            retry_after: None,
        }
    }

    fn outage(network: Network) -> FaultKind {
        FaultKind::Outage { network }
    }

    #[test]
    fn a_window_opens_at_from_and_closes_before_from_plus_for() {
        let window = Window::of(&fault(outage(Network::Ksef), 600, Some(1800)), START);
        assert!(!window.contains(at(599)));
        assert!(window.contains(at(600)));
        assert!(window.contains(at(2399)));
        assert!(!window.contains(at(2400)));
        assert_eq!(window.seconds_left(at(600)), Some(1800));
        assert_eq!(
            window.seconds_left(at(2399).checked_add(Duration::from_millis(1)).unwrap()),
            Some(1)
        );
        assert_eq!(window.seconds_left(at(3000)), Some(0));

        let open_ended = Window::of(&fault(outage(Network::Ksef), 0, None), START);
        assert!(open_ended.contains(START));
        assert!(open_ended.contains(Timestamp::MAX));
        assert_eq!(open_ended.seconds_left(START), None);

        let far = Window::of(&fault(outage(Network::Ksef), u64::MAX / 4, Some(1)), START);
        assert!(!far.contains(Timestamp::MAX.checked_sub(Duration::from_secs(1)).unwrap()));
    }

    #[test]
    fn faults_match_by_window_and_path() {
        let faults = FaultPlan::new(
            &[
                fault(status(503, "/api/v1/*", None), 60, Some(60)),
                fault(status(502, "*", None), 0, None),
            ],
            START,
            1,
        );
        let answered_by = |path: &str, now| faults.strike(path, now).answer.map(|a| a.fault);
        assert_eq!(answered_by("/api/v1/invoices", at(59)), Some(1));
        assert_eq!(answered_by("/api/v1/invoices", at(60)), Some(0));
        assert_eq!(answered_by("/connect/token", at(60)), Some(1));
        assert_eq!(answered_by("/api/v1/invoices", at(120)), Some(1));
    }

    #[test]
    fn ksef_paths_are_v2_and_api_v2() {
        for path in ["/v2", "/v2/sessions", "/api/v2", "/api/v2/auth/challenge"] {
            assert!(is_ksef_path(path), "{path}");
        }
        for path in [
            "/v20/x",
            "/api/v1/invoices",
            "/connect/token",
            "/",
            "/api/v2x",
        ] {
            assert!(!is_ksef_path(path), "{path}");
        }
    }

    #[test]
    fn ksef_exceptions_and_ksef_outages_answer_only_the_ksef_api() {
        let faults = FaultPlan::new(
            &[
                fault(
                    FaultKind::KsefException {
                        code: 21184,
                        path: "*/invoices".to_owned(),
                        rate: None,
                    },
                    0,
                    None,
                ),
                fault(outage(Network::Ksef), 0, Some(600)),
            ],
            START,
            1,
        );
        let strike = faults.strike("/api/v1/invoices", START);
        assert!(strike.answer.is_none());
        let strike = faults.strike("/v2/sessions/online/x/invoices", START);
        assert!(matches!(
            strike.answer,
            Some(Injected {
                fault: 0,
                answer: Answer::KsefException { code: 21184 },
                ..
            })
        ));
        let strike = faults.strike("/api/v2/sessions", at(1));
        assert!(matches!(
            strike.answer,
            Some(Injected {
                fault: 1,
                answer: Answer::KsefOutage {
                    retry_after: Some(599)
                },
                ..
            })
        ));
    }

    /// The `count`-th matching requests a fault with `rate` strikes, out of `requests`.
    fn struck(seed: u64, rate: f64, requests: usize) -> Vec<usize> {
        let faults = FaultPlan::new(
            &[fault(status(503, "/api/v1/*", Some(rate)), 0, None)],
            START,
            seed,
        );
        (0..requests)
            .filter(|_| faults.strike("/api/v1/invoices", START).answer.is_some())
            .collect()
    }

    #[test]
    fn a_rate_strikes_about_that_share_and_the_same_requests_for_the_same_seed() {
        let first = struck(42, 0.5, 400);
        assert!((160..240).contains(&first.len()), "{}", first.len());
        assert_eq!(first, struck(42, 0.5, 400));
        assert_ne!(first, struck(43, 0.5, 400));
        assert!(struck(42, 0.0, 100).is_empty());
        assert_eq!(struck(42, 1.0, 100).len(), 100);
    }

    #[test]
    fn requests_outside_the_window_or_path_do_not_use_up_draws() {
        let faults = FaultPlan::new(
            &[fault(status(503, "/api/v1/*", Some(0.5)), 10, None)],
            START,
            42,
        );
        faults.strike("/api/v1/invoices", START);
        faults.strike("/connect/token", at(10));
        assert_eq!(faults.armed[0].matched.load(Ordering::Relaxed), 0);
        faults.strike("/api/v1/invoices", at(10));
        assert_eq!(faults.armed[0].matched.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn outages_hold_their_network_until_they_end() {
        let faults = FaultPlan::new(
            &[
                fault(outage(Network::Ksef), 60, Some(60)),
                fault(outage(Network::Ksef), 120, Some(30)),
                fault(outage(Network::Sdi), 0, None),
            ],
            START,
            1,
        );
        assert_eq!(
            faults.availability(Network::Ksef, at(59)),
            Availability::Due
        );
        assert_eq!(
            faults.availability(Network::Ksef, at(60)),
            Availability::HeldUntil {
                until: at(150),
                fault: 0
            }
        );
        assert_eq!(
            faults.availability(Network::Ksef, at(130)),
            Availability::HeldUntil {
                until: at(150),
                fault: 1
            }
        );
        assert_eq!(
            faults.availability(Network::Ksef, at(150)),
            Availability::Due
        );
        assert_eq!(
            faults.availability(Network::Peppol, at(60)),
            Availability::Due
        );
        assert_eq!(
            faults.availability(Network::Sdi, at(60)),
            Availability::HeldForGood { fault: 2 }
        );
    }

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(seconds_up(Duration::from_secs(30)), 30);
        assert_eq!(seconds_up(Duration::from_millis(1500)), 2);
        assert_eq!(seconds_up(Duration::ZERO), 0);
    }
}
