//! KSeF API rate limits, counted on the simulator clock.
//!
//! KSeF throttles every endpoint group per (context, client IP) with three sliding windows at
//! once (a second, a minute, an hour). Integrators trip over this on DEMO/PRD, so the
//! simulator reproduces it closely: the published thresholds, the Polish 429 text and a
//! `Retry-After` that grows for clients which keep calling while blocked. Time is whatever
//! the caller says it is, so a test advances a virtual clock instead of sleeping.
//!
//! How a block grows is not documented by the ministry; the observed behaviour is only that
//! it does (`Retry-After: 2680` on an hourly window). eisim's rule:
//! * the first refused call blocks the key until the counted call that must leave the
//!   breached window has left it, so a client that honours `Retry-After` gets straight back in;
//! * every further call during the block is refused, is not counted, and doubles a penalty
//!   (1 s, 2 s, 4 s, …) added to the end of the block, capped at the breached window's length,
//!   so hammering a blocked endpoint costs at most one extra window;
//! * a block that has run out is forgotten: the next breach starts from the base wait again.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::codelists::ksef::RateGroup;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

const NANOS_PER_SECOND: i128 = 1_000_000_000;

/// Idle keys are swept at most this often (simulated time), so the map of counters stays
/// bounded by the callers of the last hour without paying for a scan on every call.
const SWEEP_EVERY_NANOS: i128 = 60 * NANOS_PER_SECOND;

/// The production values of spec 2.6 (`x-rate-limits`); TEST has used the same ones
/// since 2.5.
pub(crate) fn published(group: RateGroup) -> Thresholds {
    let (per_second, per_minute, per_hour) = match group {
        RateGroup::Public => return Thresholds::per_second_only(60),
        RateGroup::OnlineSession | RateGroup::Other => (10, 30, 120),
        RateGroup::InvoiceSend => (10, 30, 180),
        RateGroup::InvoiceStatus => (30, 120, 1200),
        RateGroup::SessionMisc => (10, 120, 1200),
        RateGroup::SessionInvoiceList => (10, 20, 200),
        RateGroup::SessionList => (5, 10, 60),
        RateGroup::BatchSession => (10, 20, 60),
        RateGroup::InvoiceDownload => (8, 16, 64),
        RateGroup::InvoiceMetadata | RateGroup::InvoiceExport => (8, 16, 20),
        RateGroup::InvoiceExportStatus => (10, 60, 600),
    };
    Thresholds {
        per_second: Some(per_second),
        per_minute: Some(per_minute),
        per_hour: Some(per_hour),
    }
}

/// One group's quota per window; `None` leaves that window unlimited. Serialises as KSeF's
/// `{"perSecond":…,"perMinute":…,"perHour":…}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Thresholds {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_second: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_minute: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_hour: Option<u32>,
}

impl Thresholds {
    fn per_second_only(limit: u32) -> Self {
        Thresholds {
            per_second: Some(limit),
            per_minute: None,
            per_hour: None,
        }
    }

    fn limit(self, window: Window) -> Option<u32> {
        match window {
            Window::Second => self.per_second,
            Window::Minute => self.per_minute,
            Window::Hour => self.per_hour,
        }
    }

    /// How long a call has to be remembered: the longest limited window, or not at all.
    fn horizon_nanos(self) -> Option<i128> {
        Window::ALL
            .into_iter()
            .rev()
            .find(|window| self.limit(*window).is_some())
            .map(Window::nanos)
    }
}

/// Which limits apply. `overrides` mirror `POST /testdata/rate-limits`: a group listed there
/// uses those thresholds instead of the published ones, window by window as given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RateConfig {
    pub enabled: bool,
    pub overrides: BTreeMap<RateGroup, Thresholds>,
}

impl Default for RateConfig {
    /// Published limits, switched on: what a client meets on TEST.
    fn default() -> Self {
        RateConfig {
            enabled: true,
            overrides: BTreeMap::new(),
        }
    }
}

impl RateConfig {
    fn thresholds(&self, group: RateGroup) -> Thresholds {
        self.overrides
            .get(&group)
            .copied()
            .unwrap_or_else(|| published(group))
    }
}

/// The three sliding windows KSeF applies at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Window {
    Second,
    Minute,
    Hour,
}

impl Window {
    const ALL: [Window; 3] = [Window::Second, Window::Minute, Window::Hour];

    fn nanos(self) -> i128 {
        let seconds = match self {
            Window::Second => 1,
            Window::Minute => 60,
            Window::Hour => 3600,
        };
        seconds * NANOS_PER_SECOND
    }

    /// Accusative, as in "… żądań na minutę".
    fn polish(self) -> &'static str {
        match self {
            Window::Second => "sekundę",
            Window::Minute => "minutę",
            Window::Hour => "godzinę",
        }
    }
}

/// The answer to "may this call go ahead?".
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RateVerdict {
    Allowed,
    /// Answer 429 with `Retry-After: retry_after` and `message` as the detail text (legacy
    /// `status.details[0]` or problem-details `detail`).
    Limited {
        retry_after: u64,
        window: Window,
        limit: u32,
        message: String,
    },
}

/// Counters are kept per group and caller; the parts that do not apply to a group are empty
/// so that, e.g., every context behind one IP shares the `public` counter.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    group: RateGroup,
    context: String,
    ip: String,
    endpoint: String,
}

impl Key {
    fn new(group: RateGroup, context: &str, ip: &str, endpoint: &str) -> Self {
        let context = if group == RateGroup::Public {
            String::new()
        } else {
            context.to_owned()
        };
        let endpoint = if group == RateGroup::Other {
            endpoint.to_owned()
        } else {
            String::new()
        };
        Key {
            group,
            context,
            ip: ip.to_owned(),
            endpoint,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Block {
    /// When the breached window has room again.
    base_until: Timestamp,
    /// Added for calls made during the block.
    penalty_nanos: i128,
    window: Window,
    limit: u32,
}

impl Block {
    fn until(&self) -> Timestamp {
        after(self.base_until, self.penalty_nanos)
    }
}

#[derive(Debug, Default)]
struct Counter {
    /// Calls that were let through, oldest first, within the longest limited window.
    calls: VecDeque<Timestamp>,
    block: Option<Block>,
}

impl Counter {
    fn prune(&mut self, now: Timestamp, horizon_nanos: i128) {
        while self
            .calls
            .front()
            .is_some_and(|first| after(*first, horizon_nanos) <= now)
        {
            self.calls.pop_front();
        }
        if self.block.is_some_and(|block| block.until() <= now) {
            self.block = None;
        }
    }

    fn is_idle(&self) -> bool {
        self.calls.is_empty() && self.block.is_none()
    }

    /// The window that refuses a call at `now`, if any. When several do, the one that keeps
    /// the caller out longest is reported, since only its end lets the call through.
    fn breach(&self, thresholds: Thresholds, now: Timestamp) -> Option<Block> {
        let mut worst: Option<Block> = None;
        for window in Window::ALL {
            let Some(limit) = thresholds.limit(window) else {
                continue;
            };
            let length = window.nanos();
            let first = self
                .calls
                .partition_point(|call| after(*call, length) <= now);
            let counted = self.calls.len().saturating_sub(first);
            let quota = usize::try_from(limit).unwrap_or(usize::MAX);
            if counted < quota {
                continue;
            }
            // Room appears once all but `limit - 1` counted calls have left; with a zero
            // limit there is never room, so the caller is sent away for a whole window.
            let base_until = self
                .calls
                .get(first.saturating_add(counted - quota))
                .map_or_else(|| after(now, length), |call| after(*call, length));
            if worst.is_none_or(|block| base_until >= block.base_until) {
                worst = Some(Block {
                    base_until,
                    penalty_nanos: 0,
                    window,
                    limit,
                });
            }
        }
        worst
    }

    fn record(&mut self, now: Timestamp) {
        // The simulator clock may be set back; keep the deque sorted so pruning stays a
        // pop from the front.
        let at = self.calls.partition_point(|call| *call <= now);
        self.calls.insert(at, now);
    }
}

#[derive(Debug)]
struct State {
    config: RateConfig,
    /// `POST /testdata/rate-limits` for one context: every group's thresholds, replacing
    /// the configured ones for that context until `DELETE` removes them.
    contexts: HashMap<String, BTreeMap<RateGroup, Thresholds>>,
    counters: HashMap<Key, Counter>,
    last_sweep: Option<Timestamp>,
}

/// The thresholds for `group` in `context`: the context's test-data values, else the config.
fn thresholds_in(
    config: &RateConfig,
    contexts: &HashMap<String, BTreeMap<RateGroup, Thresholds>>,
    group: RateGroup,
    context: &str,
) -> Thresholds {
    contexts
        .get(context)
        .and_then(|groups| groups.get(&group))
        .copied()
        .unwrap_or_else(|| config.thresholds(group))
}

impl State {
    fn sweep(&mut self, now: Timestamp) {
        let due = self
            .last_sweep
            .is_none_or(|last| now < last || after(last, SWEEP_EVERY_NANOS) <= now);
        if !due {
            return;
        }
        self.last_sweep = Some(now);
        let State {
            config,
            contexts,
            counters,
            ..
        } = self;
        counters.retain(|key, counter| {
            let thresholds = thresholds_in(config, contexts, key.group, &key.context);
            let Some(horizon) = thresholds.horizon_nanos() else {
                return false;
            };
            counter.prune(now, horizon);
            !counter.is_idle()
        });
    }
}

/// The limits of one KSeF simulation and the counters behind them.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    state: Mutex<State>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn after(at: Timestamp, nanos: i128) -> Timestamp {
    Timestamp::from_nanosecond(at.as_nanosecond().saturating_add(nanos)).unwrap_or(Timestamp::MAX)
}

/// Whole seconds until `later`, at least 1: `Retry-After: 0` would invite a tight loop, and
/// rounding up guarantees the call passes once the client has waited as told.
fn seconds_until(now: Timestamp, later: Timestamp) -> u64 {
    let nanos = later.as_nanosecond().saturating_sub(now.as_nanosecond());
    let seconds = nanos.max(0).saturating_add(NANOS_PER_SECOND - 1) / NANOS_PER_SECOND;
    u64::try_from(seconds).unwrap_or(u64::MAX).max(1)
}

fn limited(now: Timestamp, block: Block) -> RateVerdict {
    let retry_after = seconds_until(now, block.until());
    let limit = block.limit;
    let requests = if limit == 1 { "żądania" } else { "żądań" };
    let seconds = if retry_after == 1 {
        "sekundzie"
    } else {
        "sekundach"
    };
    RateVerdict::Limited {
        retry_after,
        window: block.window,
        limit,
        message: format!(
            "Przekroczono limit {limit} {requests} na {}. Spróbuj ponownie po {retry_after} {seconds}.",
            block.window.polish()
        ),
    }
}

impl RateLimiter {
    pub(crate) fn new(config: RateConfig) -> Self {
        RateLimiter {
            state: Mutex::new(State {
                config,
                contexts: HashMap::new(),
                counters: HashMap::new(),
                last_sweep: None,
            }),
        }
    }

    /// Counts one call at `now` unless it is refused; refused calls never use up quota.
    ///
    /// `context` is the caller's context identifier (ignored for [`RateGroup::Public`], which
    /// is per IP). `endpoint` separates the counters of [`RateGroup::Other`] and is ignored
    /// for every other group; pass the route template with its method (e.g.
    /// `"GET /tokens/{referenceNumber}"`) so that one endpoint shares one counter whatever
    /// the path parameters.
    pub(crate) fn check(
        &self,
        group: RateGroup,
        context: &str,
        ip: &str,
        endpoint: &str,
        now: Timestamp,
    ) -> RateVerdict {
        let mut state = lock(&self.state);
        if !state.config.enabled {
            return RateVerdict::Allowed;
        }
        state.sweep(now);
        let key = Key::new(group, context, ip, endpoint);
        let thresholds = thresholds_in(&state.config, &state.contexts, group, &key.context);
        let Some(horizon) = thresholds.horizon_nanos() else {
            return RateVerdict::Allowed;
        };
        let counter = state.counters.entry(key).or_default();
        counter.prune(now, horizon);
        if let Some(block) = counter.block.as_mut() {
            block.penalty_nanos = if block.penalty_nanos == 0 {
                NANOS_PER_SECOND
            } else {
                block.penalty_nanos.saturating_mul(2)
            }
            .min(block.window.nanos());
            return limited(now, *block);
        }
        if let Some(block) = counter.breach(thresholds, now) {
            counter.block = Some(block);
            return limited(now, block);
        }
        counter.record(now);
        RateVerdict::Allowed
    }

    /// The thresholds in force for every group, as `GET /rate-limits` reports them (also
    /// while limiting is switched off, which that endpoint cannot express).
    pub(crate) fn effective(&self, context: &str) -> Vec<(RateGroup, Thresholds)> {
        let state = lock(&self.state);
        RateGroup::ALL
            .into_iter()
            .map(|group| {
                (
                    group,
                    thresholds_in(&state.config, &state.contexts, group, context),
                )
            })
            .collect()
    }

    /// `POST /testdata/rate-limits` (`Some`) and `DELETE` (`None`) for one context: the
    /// context's own thresholds replace (or stop replacing) the configured ones at once, and
    /// its running blocks are lifted, as [`RateLimiter::reconfigure`] does for everyone.
    pub(crate) fn set_context(
        &self,
        context: &str,
        groups: Option<BTreeMap<RateGroup, Thresholds>>,
    ) {
        let mut state = lock(&self.state);
        match groups {
            Some(groups) => state.contexts.insert(context.to_owned(), groups),
            None => state.contexts.remove(context),
        };
        state.last_sweep = None;
        for (key, counter) in &mut state.counters {
            if key.context == context {
                counter.block = None;
            }
        }
    }

    /// Applies new limits for everyone at once. Counted calls are kept, but running blocks are
    /// lifted: whoever changes the limits wants to see them take effect immediately. TEST's
    /// `/testdata/rate-limits` changes one context's limits ([`RateLimiter::set_context`]);
    /// this whole-run form is for the tests, which pin the behaviour both share.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn reconfigure(&self, config: RateConfig) {
        let mut state = lock(&self.state);
        state.config = config;
        state.last_sweep = None;
        for counter in state.counters.values_mut() {
            counter.block = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const CTX: &str = "nip-5265877635";
    const IP: &str = "192.0.2.1";

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_second(1_760_000_000 + secs).unwrap()
    }

    fn t_ms(millis: i64) -> Timestamp {
        Timestamp::from_millisecond(1_760_000_000_000 + millis).unwrap()
    }

    fn limiter() -> RateLimiter {
        RateLimiter::new(RateConfig::default())
    }

    fn with_override(group: RateGroup, thresholds: Thresholds) -> RateLimiter {
        RateLimiter::new(RateConfig {
            enabled: true,
            overrides: BTreeMap::from([(group, thresholds)]),
        })
    }

    fn online(limiter: &RateLimiter, now: Timestamp) -> RateVerdict {
        limiter.check(RateGroup::OnlineSession, CTX, IP, "", now)
    }

    fn allow(limiter: &RateLimiter, n: usize, now: Timestamp) {
        for i in 0..n {
            assert_eq!(
                online(limiter, now),
                RateVerdict::Allowed,
                "call {i} at {now}"
            );
        }
    }

    fn retry_after(verdict: &RateVerdict) -> u64 {
        match verdict {
            RateVerdict::Limited { retry_after, .. } => *retry_after,
            RateVerdict::Allowed => panic!("expected 429, got {verdict:?}"),
        }
    }

    fn counters(limiter: &RateLimiter) -> usize {
        lock(&limiter.state).counters.len()
    }

    #[test]
    fn the_per_second_window_trips_at_its_threshold() {
        let limiter = limiter();
        allow(&limiter, 10, t(0));
        assert_eq!(
            online(&limiter, t_ms(400)),
            RateVerdict::Limited {
                retry_after: 1,
                window: Window::Second,
                limit: 10,
                message: "Przekroczono limit 10 żądań na sekundę. Spróbuj ponownie po 1 sekundzie."
                    .to_owned(),
            }
        );
    }

    #[test]
    fn the_per_minute_window_trips_at_its_threshold() {
        let limiter = limiter();
        for s in 0..3 {
            allow(&limiter, 10, t(s));
        }
        assert_eq!(
            online(&limiter, t(3)),
            RateVerdict::Limited {
                retry_after: 57,
                window: Window::Minute,
                limit: 30,
                message: "Przekroczono limit 30 żądań na minutę. Spróbuj ponownie po 57 sekundach."
                    .to_owned(),
            }
        );
    }

    #[test]
    fn the_per_hour_window_trips_at_its_threshold() {
        let limiter = limiter();
        for minute in 0..4 {
            for s in 0..3 {
                allow(&limiter, 10, t(minute * 60 + s));
            }
        }
        // 120 calls in four minutes: the hour is full although the minute is empty.
        assert_eq!(
            online(&limiter, t(240)),
            RateVerdict::Limited {
                retry_after: 3360,
                window: Window::Hour,
                limit: 120,
                message:
                    "Przekroczono limit 120 żądań na godzinę. Spróbuj ponownie po 3360 sekundach."
                        .to_owned(),
            }
        );
    }

    #[test]
    fn the_window_that_keeps_the_caller_out_longest_is_reported() {
        let limiter = with_override(
            RateGroup::OnlineSession,
            Thresholds {
                per_second: Some(2),
                per_minute: Some(2),
                per_hour: None,
            },
        );
        allow(&limiter, 2, t(0));
        assert!(matches!(
            online(&limiter, t(0)),
            RateVerdict::Limited {
                window: Window::Minute,
                retry_after: 60,
                ..
            }
        ));
    }

    #[test]
    fn retry_after_counts_down_and_the_call_passes_once_it_has_passed() {
        let limiter = limiter();
        for s in 0..3 {
            allow(&limiter, 10, t(s));
        }
        assert_eq!(retry_after(&online(&limiter, t(3))), 57);
        // A client that waits exactly as told gets in, but only the ten calls made at t = 0
        // have left the minute.
        allow(&limiter, 10, t(60));
        assert!(matches!(
            online(&limiter, t(60)),
            RateVerdict::Limited {
                window: Window::Minute,
                retry_after: 1,
                ..
            }
        ));

        // A single poll during a block costs one penalty second; the wait still shrinks as
        // time moves.
        let limiter = limiter_full_minute();
        assert_eq!(retry_after(&online(&limiter, t(3))), 57);
        assert_eq!(retry_after(&online(&limiter, t(33))), 28);
        assert_eq!(retry_after(&online(&limiter, t_ms(60_500))), 2);
        allow(&limiter, 1, t(62));
    }

    fn limiter_full_minute() -> RateLimiter {
        let limiter = limiter();
        for s in 0..3 {
            allow(&limiter, 10, t(s));
        }
        limiter
    }

    #[test]
    fn calls_during_a_block_grow_the_wait_up_to_one_extra_window() {
        let limiter = limiter_full_minute();
        let waits: Vec<u64> = (0..9)
            .map(|_| retry_after(&online(&limiter, t(3))))
            .collect();
        assert_eq!(waits, [57, 58, 59, 61, 65, 73, 89, 117, 117]);
        assert!(matches!(
            online(&limiter, t(119)),
            RateVerdict::Limited { .. }
        ));
        // The t(119) call doubled nothing further (capped); the block ends at 60 + 60.
        allow(&limiter, 1, t(120));
    }

    #[test]
    fn refused_calls_do_not_use_up_quota() {
        let limiter = with_override(RateGroup::OnlineSession, Thresholds::per_second_only(3));
        allow(&limiter, 3, t(0));
        for _ in 0..5 {
            assert!(matches!(
                online(&limiter, t(0)),
                RateVerdict::Limited { .. }
            ));
        }
        // Penalty capped at the one-second window: free again at t = 2, with a full quota.
        allow(&limiter, 3, t(2));
        assert!(matches!(
            online(&limiter, t(2)),
            RateVerdict::Limited { .. }
        ));
    }

    #[test]
    fn a_new_breach_after_the_block_starts_from_the_base_wait() {
        let limiter = limiter_full_minute();
        for _ in 0..8 {
            online(&limiter, t(3));
        }
        allow(&limiter, 1, t(120));
        allow(&limiter, 10, t(121));
        allow(&limiter, 10, t(122));
        allow(&limiter, 9, t(123));
        // The minute is full again; the wait is the base one, no penalty carried over.
        assert_eq!(retry_after(&online(&limiter, t(123))), 57);
    }

    #[test]
    fn keys_are_independent() {
        let limiter = limiter();
        let group = RateGroup::SessionList; // 5 a second
        for _ in 0..5 {
            assert_eq!(
                limiter.check(group, "ctx-a", IP, "", t(0)),
                RateVerdict::Allowed
            );
        }
        assert!(matches!(
            limiter.check(group, "ctx-a", IP, "", t(0)),
            RateVerdict::Limited { .. }
        ));
        // Another context, another IP, another group: untouched.
        assert_eq!(
            limiter.check(group, "ctx-b", IP, "", t(0)),
            RateVerdict::Allowed
        );
        assert_eq!(
            limiter.check(group, "ctx-a", "198.51.100.7", "", t(0)),
            RateVerdict::Allowed
        );
        assert_eq!(
            limiter.check(RateGroup::BatchSession, "ctx-a", IP, "", t(0)),
            RateVerdict::Allowed
        );
        // The endpoint only matters for `other`.
        assert!(matches!(
            limiter.check(group, "ctx-a", IP, "GET /sessions", t(0)),
            RateVerdict::Limited { .. }
        ));
    }

    #[test]
    fn public_is_per_ip_and_other_is_per_endpoint() {
        let limiter = with_override(RateGroup::Public, Thresholds::per_second_only(2));
        assert_eq!(
            limiter.check(RateGroup::Public, "a", IP, "", t(0)),
            RateVerdict::Allowed
        );
        assert_eq!(
            limiter.check(RateGroup::Public, "b", IP, "", t(0)),
            RateVerdict::Allowed
        );
        assert!(matches!(
            limiter.check(RateGroup::Public, "c", IP, "", t(0)),
            RateVerdict::Limited { limit: 2, .. }
        ));
        assert_eq!(
            limiter.check(RateGroup::Public, "c", "198.51.100.7", "", t(0)),
            RateVerdict::Allowed
        );

        let other = |endpoint| limiter.check(RateGroup::Other, CTX, IP, endpoint, t(0));
        for _ in 0..10 {
            assert_eq!(other("GET /tokens"), RateVerdict::Allowed);
        }
        assert!(matches!(
            other("GET /tokens"),
            RateVerdict::Limited { limit: 10, .. }
        ));
        assert_eq!(other("POST /tokens"), RateVerdict::Allowed);
    }

    #[test]
    fn disabled_limits_never_limit() {
        let limiter = RateLimiter::new(RateConfig {
            enabled: false,
            overrides: BTreeMap::from([(RateGroup::OnlineSession, Thresholds::per_second_only(0))]),
        });
        allow(&limiter, 5000, t(0));
        assert_eq!(counters(&limiter), 0);
    }

    #[test]
    fn a_context_s_own_limits_apply_to_it_alone_until_removed() {
        let limiter = limiter();
        let other = "nip-7762811692";
        let one = BTreeMap::from([(RateGroup::OnlineSession, Thresholds::per_second_only(1))]);
        limiter.set_context(CTX, Some(one));
        assert_eq!(online(&limiter, t(0)), RateVerdict::Allowed);
        assert!(matches!(
            online(&limiter, t(0)),
            RateVerdict::Limited { limit: 1, .. }
        ));
        for _ in 0..10 {
            assert_eq!(
                limiter.check(RateGroup::OnlineSession, other, IP, "", t(0)),
                RateVerdict::Allowed
            );
        }
        assert_eq!(
            limiter.effective(CTX)[1],
            (RateGroup::OnlineSession, Thresholds::per_second_only(1))
        );
        assert_eq!(
            limiter.effective(other)[1],
            (
                RateGroup::OnlineSession,
                published(RateGroup::OnlineSession)
            )
        );
        // Removing them lifts the block at once and brings back the published values.
        limiter.set_context(CTX, None);
        assert_eq!(online(&limiter, t(0)), RateVerdict::Allowed);
    }

    #[test]
    fn an_override_replaces_the_published_thresholds() {
        let only_two_a_second = Thresholds::per_second_only(2);
        let limiter = with_override(RateGroup::OnlineSession, only_two_a_second);
        allow(&limiter, 2, t(0));
        assert!(matches!(
            online(&limiter, t(0)),
            RateVerdict::Limited {
                window: Window::Second,
                limit: 2,
                ..
            }
        ));
        // No minute or hour limit any more: 200 calls over 100 seconds pass.
        for s in 1..=100 {
            allow(&limiter, 2, t(s));
        }
        let effective = limiter.effective(CTX);
        assert_eq!(effective.len(), 13);
        assert!(effective.contains(&(RateGroup::OnlineSession, only_two_a_second)));
        assert!(effective.contains(&(RateGroup::InvoiceSend, published(RateGroup::InvoiceSend))));

        // A zero limit shuts the group; a group with no limits at all is not counted.
        let shut = with_override(RateGroup::InvoiceSend, Thresholds::per_second_only(0));
        let send = |now| shut.check(RateGroup::InvoiceSend, CTX, IP, "", now);
        assert_eq!(retry_after(&send(t(0))), 1);
        let open = with_override(RateGroup::InvoiceSend, Thresholds::default());
        for _ in 0..1000 {
            assert_eq!(
                open.check(RateGroup::InvoiceSend, CTX, IP, "", t(0)),
                RateVerdict::Allowed
            );
        }
        assert_eq!(counters(&open), 0);
    }

    #[test]
    fn reconfiguring_lifts_blocks_and_applies_at_once() {
        let limiter = limiter_full_minute();
        assert!(matches!(
            online(&limiter, t(3)),
            RateVerdict::Limited { .. }
        ));
        let mut config = RateConfig::default();
        config.overrides.insert(
            RateGroup::OnlineSession,
            Thresholds {
                per_second: Some(100),
                per_minute: Some(40),
                per_hour: None,
            },
        );
        limiter.reconfigure(config);
        allow(&limiter, 10, t(4));
        assert!(matches!(
            online(&limiter, t(4)),
            RateVerdict::Limited { limit: 40, .. }
        ));
        limiter.reconfigure(RateConfig::default());
        assert_eq!(
            limiter.effective(CTX)[1],
            (
                RateGroup::OnlineSession,
                published(RateGroup::OnlineSession)
            )
        );
    }

    #[test]
    fn idle_keys_are_dropped() {
        let limiter = limiter();
        for i in 0..50 {
            let ip = format!("203.0.113.{i}");
            limiter.check(RateGroup::Public, "", &ip, "", t(0));
            limiter.check(RateGroup::InvoiceSend, CTX, &ip, "", t(0));
        }
        assert_eq!(counters(&limiter), 100);
        // Public calls are remembered for a second only; the rest for an hour.
        online(&limiter, t(61));
        assert_eq!(counters(&limiter), 51);
        online(&limiter, t(3700));
        assert_eq!(counters(&limiter), 1);
    }

    #[test]
    fn a_clock_set_back_is_tolerated() {
        let limiter = with_override(RateGroup::OnlineSession, Thresholds::per_second_only(2));
        allow(&limiter, 1, t(10));
        allow(&limiter, 1, t(5));
        allow(&limiter, 1, t(10));
        assert!(matches!(
            online(&limiter, t(10)),
            RateVerdict::Limited { .. }
        ));
        allow(&limiter, 2, t(12));
    }

    #[test]
    fn group_names_follow_the_reference() {
        for group in RateGroup::ALL {
            assert_eq!(RateGroup::from_name(group.name()), Some(group));
            assert_eq!(
                RateGroup::from_name(&group.name().to_uppercase()),
                Some(group)
            );
            let json = serde_json::to_string(&group).unwrap();
            assert_eq!(json, format!("\"{}\"", group.name()));
        }
        assert_eq!(
            RateGroup::from_name("invoiceexportstatus"),
            Some(RateGroup::InvoiceExportStatus)
        );
        assert_eq!(RateGroup::from_name("nope"), None);
        assert_eq!(
            published(RateGroup::Public),
            Thresholds::per_second_only(60)
        );
        assert_eq!(
            serde_json::to_string(&published(RateGroup::InvoiceMetadata)).unwrap(),
            r#"{"perSecond":8,"perMinute":16,"perHour":20}"#
        );
        let body: BTreeMap<RateGroup, Thresholds> =
            serde_json::from_str(r#"{"invoiceSend":{"perSecond":1,"perMinute":2,"perHour":3}}"#)
                .unwrap();
        assert_eq!(body[&RateGroup::InvoiceSend].per_hour, Some(3));
    }

    proptest! {
        /// Whatever the pattern of calls, no window ever lets more through than its limit,
        /// and every Retry-After is within the base wait plus one window.
        #[test]
        fn windows_never_admit_more_than_their_limit(
            gaps in prop::collection::vec(0u32..3_000, 1..400),
            per_second in 1u32..5,
            per_minute in 1u32..40,
        ) {
            let thresholds = Thresholds { per_second: Some(per_second), per_minute: Some(per_minute), per_hour: None };
            let limiter = with_override(RateGroup::OnlineSession, thresholds);
            let mut now_ms = 0i64;
            let mut admitted: Vec<i64> = Vec::new();
            for gap in gaps {
                now_ms += i64::from(gap);
                match online(&limiter, t_ms(now_ms)) {
                    RateVerdict::Allowed => admitted.push(now_ms),
                    RateVerdict::Limited { retry_after, window, .. } => {
                        let cap = u64::try_from(window.nanos() / NANOS_PER_SECOND).unwrap();
                        prop_assert!((1..=2 * cap).contains(&retry_after));
                    }
                }
            }
            for (i, start) in admitted.iter().enumerate() {
                let in_second = admitted[i..].iter().take_while(|at| **at < start + 1_000).count();
                let in_minute = admitted[i..].iter().take_while(|at| **at < start + 60_000).count();
                prop_assert!(in_second <= per_second as usize);
                prop_assert!(in_minute <= per_minute as usize);
            }
        }
    }
}
