//! Rate limits and duplicate-submission throttling, on the simulator clock.
//!
//! Both are counted in simulated time so that a scenario can say "6 calls a minute" and a
//! test can prove it by advancing a virtual clock instead of waiting. Windows slide: a call
//! counts against its window for exactly `per` after it was made, as the KSeF and provider
//! limits do, rather than resetting on minute boundaries.

use crate::clock::later;
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use jiff::Timestamp;

use crate::scenario::{EndpointGroup, Limits, RateLimit, parse_byte_size};
use crate::vocabulary::TenantId;

/// Bodies above this size are refused with 413 unless the server is told otherwise. 5 MB is
/// the size limit integrators meet on the real networks (SDI's file limit, a common provider
/// cap), so eisim refuses what they would refuse.
pub const DEFAULT_BODY_LIMIT: usize = 5 * 1024 * 1024;
/// `GET /invoices/recent` is the seed's "deliberately expensive" call: 6 a minute unless the
/// scenario says otherwise.
pub(crate) const DEFAULT_RECENT_LIMIT: (u32, Duration) = (6, Duration::from_secs(60));
/// `GET /invoices/{id}/printout` is for a person looking at one invoice, not mass PDF runs.
pub(crate) const DEFAULT_PRINTOUT_LIMIT: (u32, Duration) = (20, Duration::from_secs(60));
/// Duplicates answered 409 before the tenant is throttled, and for how long.
pub(crate) const DEFAULT_DUPLICATES_BEFORE_THROTTLE: u32 = 3;
pub(crate) const DEFAULT_DUPLICATE_BLOCK: Duration = Duration::from_secs(60);

/// One window's quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Quota {
    pub requests: u32,
    pub per: Duration,
}

/// The answer to "may this call go ahead?".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RateDecision {
    /// No limit applies to this endpoint.
    Unlimited,
    /// Within the quota; `remaining` calls are left and the oldest counted call leaves the
    /// window in `reset` seconds.
    Allowed {
        group: EndpointGroup,
        quota: Quota,
        remaining: u32,
        reset: u64,
    },
    /// Over the quota: try again in `retry_after` seconds.
    Limited {
        group: EndpointGroup,
        quota: Quota,
        retry_after: u64,
    },
}

/// The answer to "this submission duplicates an earlier one; what now?".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DuplicateVerdict {
    /// Answer 409; `strike` of `allowed` so far.
    Conflict { strike: u32, allowed: u32 },
    /// Answer `status` with `Retry-After: retry_after`: the tenant is throttled.
    Throttle { status: u16, retry_after: u64 },
}

#[derive(Debug, Default)]
struct Strikes {
    count: u32,
    blocked_until: Option<Timestamp>,
}

/// The limits of one scenario run and the counters behind them.
#[derive(Debug)]
pub(crate) struct Throttle {
    quotas: HashMap<EndpointGroup, Quota>,
    default_quota: Option<Quota>,
    duplicates_allowed: u32,
    duplicate_status: u16,
    duplicate_block: Duration,
    max_body: usize,
    windows: Mutex<HashMap<(TenantId, EndpointGroup), VecDeque<Timestamp>>>,
    strikes: Mutex<HashMap<TenantId, Strikes>>,
}

fn quota(rate: &RateLimit) -> Quota {
    Quota {
        requests: rate.requests,
        per: rate.per.as_std(),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Whole seconds until `later`, at least 1: `Retry-After: 0` would invite a tight loop.
fn seconds_until(now: Timestamp, later: Timestamp) -> u64 {
    let nanos = later.as_nanosecond().saturating_sub(now.as_nanosecond());
    let secs = u64::try_from(nanos.max(0))
        .unwrap_or(u64::MAX)
        .div_ceil(1_000_000_000);
    secs.max(1)
}

impl Throttle {
    /// The limits a scenario sets, with eisim's defaults where it is silent. The scenario
    /// check has already refused sizes that do not parse.
    pub(crate) fn from_limits(limits: &Limits) -> Self {
        let mut quotas: HashMap<EndpointGroup, Quota> = HashMap::new();
        let (requests, per) = DEFAULT_RECENT_LIMIT;
        quotas.insert(EndpointGroup::Recent, Quota { requests, per });
        let (requests, per) = DEFAULT_PRINTOUT_LIMIT;
        quotas.insert(EndpointGroup::Printout, Quota { requests, per });
        for (group, rate) in &limits.endpoints {
            quotas.insert(*group, quota(rate));
        }
        let duplicate = limits.duplicate_submission.as_ref();
        Throttle {
            quotas,
            default_quota: limits.rate.as_ref().map(quota),
            duplicates_allowed: duplicate.map_or(DEFAULT_DUPLICATES_BEFORE_THROTTLE, |d| d.after),
            duplicate_status: duplicate.map_or(429, |d| d.status),
            duplicate_block: duplicate.map_or(DEFAULT_DUPLICATE_BLOCK, |d| d.retry_after.as_std()),
            max_body: limits
                .max_body
                .as_deref()
                .and_then(|size| parse_byte_size(size).ok())
                .unwrap_or(DEFAULT_BODY_LIMIT),
            windows: Mutex::new(HashMap::new()),
            strikes: Mutex::new(HashMap::new()),
        }
    }

    /// Largest document request body this run accepts.
    pub(crate) fn max_body(&self) -> usize {
        self.max_body
    }

    pub(crate) fn quota(&self, group: EndpointGroup) -> Option<Quota> {
        self.quotas.get(&group).copied().or(self.default_quota)
    }

    /// Counts one call by `tenant` to `group` at `now`, unless it is over the quota (a
    /// refused call does not count, so a client that backs off as told gets back in).
    pub(crate) fn check(
        &self,
        tenant: &TenantId,
        group: EndpointGroup,
        now: Timestamp,
    ) -> RateDecision {
        let Some(quota) = self.quota(group) else {
            return RateDecision::Unlimited;
        };
        let mut windows = lock(&self.windows);
        let window = windows.entry((tenant.clone(), group)).or_default();
        while window
            .front()
            .is_some_and(|first| later(*first, quota.per) <= now)
        {
            window.pop_front();
        }
        // Seconds until the oldest counted call leaves the window.
        let oldest_leaves = |window: &VecDeque<Timestamp>| {
            window
                .front()
                .map_or(1, |first| seconds_until(now, later(*first, quota.per)))
        };
        let used = u32::try_from(window.len()).unwrap_or(u32::MAX);
        if used >= quota.requests {
            return RateDecision::Limited {
                group,
                quota,
                retry_after: oldest_leaves(window),
            };
        }
        window.push_back(now);
        let reset = oldest_leaves(window);
        RateDecision::Allowed {
            group,
            quota,
            remaining: quota.requests - used - 1,
            reset,
        }
    }

    /// While a tenant is throttled for repeated duplicates, every submission of theirs is
    /// refused: the seed's "the submission APIs might start to throttle calls".
    pub(crate) fn submissions_blocked(
        &self,
        tenant: &TenantId,
        now: Timestamp,
    ) -> Option<(u16, u64)> {
        let mut strikes = lock(&self.strikes);
        let entry = strikes.get_mut(tenant)?;
        match entry.blocked_until {
            Some(until) if until > now => Some((self.duplicate_status, seconds_until(now, until))),
            Some(_) => {
                *entry = Strikes::default();
                None
            }
            None => None,
        }
    }

    /// Records one duplicate submission by `tenant`.
    pub(crate) fn duplicate(&self, tenant: &TenantId, now: Timestamp) -> DuplicateVerdict {
        let mut strikes = lock(&self.strikes);
        let entry = strikes.entry(tenant.clone()).or_default();
        if entry.blocked_until.is_some_and(|until| until <= now) {
            *entry = Strikes::default();
        }
        entry.count = entry.count.saturating_add(1);
        if entry.count <= self.duplicates_allowed {
            return DuplicateVerdict::Conflict {
                strike: entry.count,
                allowed: self.duplicates_allowed,
            };
        }
        let until = later(now, self.duplicate_block);
        entry.blocked_until = Some(until);
        DuplicateVerdict::Throttle {
            status: self.duplicate_status,
            retry_after: seconds_until(now, until),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{DuplicateSubmissionLimit, Limits};

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_second(1_760_000_000 + secs).unwrap()
    }

    fn tenant() -> TenantId {
        TenantId::new("acme")
    }

    #[test]
    fn a_sliding_window_refuses_the_call_over_quota_and_says_when_to_return() {
        let throttle = Throttle::from_limits(&Limits::default());
        let group = EndpointGroup::Recent;
        for i in 0..6 {
            assert!(matches!(
                throttle.check(&tenant(), group, t(i)),
                RateDecision::Allowed { remaining, .. } if remaining == 5 - u32::try_from(i).unwrap()
            ));
        }
        assert_eq!(
            throttle.check(&tenant(), group, t(10)),
            RateDecision::Limited {
                group,
                quota: Quota {
                    requests: 6,
                    per: Duration::from_secs(60)
                },
                retry_after: 50
            }
        );
        // The first call leaves the window at t=60: one slot frees up, not six.
        assert!(matches!(
            throttle.check(&tenant(), group, t(60)),
            RateDecision::Allowed { remaining: 0, .. }
        ));
        assert!(matches!(
            throttle.check(&tenant(), group, t(60)),
            RateDecision::Limited { .. }
        ));
        // Another tenant has its own window.
        assert!(matches!(
            throttle.check(&TenantId::new("globex"), group, t(60)),
            RateDecision::Allowed { .. }
        ));
        assert_eq!(
            throttle.check(&tenant(), EndpointGroup::Submit, t(60)),
            RateDecision::Unlimited
        );
    }

    #[test]
    fn duplicates_escalate_from_conflict_to_a_timed_block() {
        let limits = Limits {
            duplicate_submission: Some(DuplicateSubmissionLimit {
                after: 2,
                status: 429,
                retry_after: "30s".parse().unwrap(),
            }),
            ..Limits::default()
        };
        let throttle = Throttle::from_limits(&limits);
        assert!(matches!(
            throttle.duplicate(&tenant(), t(0)),
            DuplicateVerdict::Conflict { strike: 1, .. }
        ));
        assert!(matches!(
            throttle.duplicate(&tenant(), t(1)),
            DuplicateVerdict::Conflict { strike: 2, .. }
        ));
        assert_eq!(
            throttle.duplicate(&tenant(), t(2)),
            DuplicateVerdict::Throttle {
                status: 429,
                retry_after: 30
            }
        );
        assert_eq!(
            throttle.submissions_blocked(&tenant(), t(12)),
            Some((429, 20))
        );
        assert_eq!(throttle.submissions_blocked(&tenant(), t(32)), None);
        assert!(matches!(
            throttle.duplicate(&tenant(), t(33)),
            DuplicateVerdict::Conflict { strike: 1, .. }
        ));
    }
}
