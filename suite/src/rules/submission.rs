//! SUB: how documents go in: never twice after a 2xx, retries that back off with an
//! idempotency key, `Retry-After` honoured, batches for many, refused documents left alone.

use std::collections::BTreeMap;

use eisim::journal::AntiPattern;
use eisim::scenario::Channel;

use super::{Finding, is_submission, seconds};
use crate::evidence::{Observation, cite, state_at, subject};

/// The most attempts SUB-2 accepts for one submission.
const MAX_ATTEMPTS: usize = 10;
/// Timer jitter tolerated when comparing two backoff gaps, in seconds.
const JITTER: f64 = 0.05;

pub(super) fn no_resubmission_after_2xx(o: &Observation<'_>) -> Finding {
    let violations = super::anti_patterns(
        o,
        AntiPattern::DuplicateSubmission,
        "submitted a document again after it was accepted with a 2xx",
    );
    let exercised = o.http().any(|(_, x)| is_submission(&x.method, &x.path));
    Finding::from_violations(violations, exercised, "no gateway submissions")
}

pub(super) fn retries_5xx_with_backoff(o: &Observation<'_>) -> Finding {
    let submissions: Vec<_> = o
        .http()
        .filter(|(_, x)| is_submission(&x.method, &x.path))
        .collect();
    let mut violations = Vec::new();
    let mut exercised = false;
    let mut by_key: BTreeMap<&str, Vec<_>> = BTreeMap::new();
    for (entry, x) in &submissions {
        if let Some(key) = x.idempotency_key.as_deref() {
            by_key.entry(key).or_default().push((*entry, *x));
        }
    }
    for (entry, x) in submissions.iter().filter(|(_, x)| x.status >= 500) {
        exercised = true;
        let Some(key) = x.idempotency_key.as_deref() else {
            violations.push((
                format!(
                    "{} {} got {} and carried no Idempotency-Key, so a retry could submit twice",
                    x.method, x.path, x.status
                ),
                vec![cite(entry)],
            ));
            continue;
        };
        let attempts = by_key.get(key).cloned().unwrap_or_default();
        let position = attempts
            .iter()
            .position(|(e, _)| e.seq == entry.seq)
            .unwrap_or(0);
        if position + 1 == attempts.len() && attempts.len() < 3 {
            violations.push((
                format!(
                    "{} {} got {} and was not retried",
                    x.method, x.path, x.status
                ),
                vec![cite(entry)],
            ));
        }
    }
    for attempts in by_key.values() {
        if !attempts.iter().any(|(_, x)| x.status >= 500) {
            continue;
        }
        if attempts.len() > MAX_ATTEMPTS {
            violations.push((
                format!("{} attempts with one Idempotency-Key; retries must stop after a bound ({MAX_ATTEMPTS})", attempts.len()),
                attempts.iter().map(|(e, _)| cite(e)).collect(),
            ));
        }
        // Only the waits the integration chose count: after a 5xx without `Retry-After`.
        // A wait the server set (429 or 503 with `Retry-After`) is SUB-3's business, and
        // the backoff may start afresh after it.
        let mut runs: Vec<Vec<f64>> = vec![Vec::new()];
        for w in attempts.windows(2) {
            if w[0].1.status >= 500 && w[0].1.retry_after.is_none() {
                if let Some(run) = runs.last_mut() {
                    run.push(seconds(w[0].0.real_time, w[1].0.real_time));
                }
            } else {
                runs.push(Vec::new());
            }
        }
        let shrank = runs.iter().find(|gaps| {
            gaps.windows(2).any(|g| g[1] + JITTER < g[0]) || gaps.first().is_some_and(|g| *g < 0.05)
        });
        if let Some(gaps) = shrank {
            let shown: Vec<String> = gaps.iter().map(|g| format!("{g:.2}s")).collect();
            violations.push((
                format!("retry delays did not grow: {}", shown.join(", ")),
                attempts.iter().map(|(e, _)| cite(e)).collect(),
            ));
        }
    }
    Finding::from_violations(violations, exercised, "no submission was answered 5xx")
}

pub(super) fn honours_retry_after(o: &Observation<'_>) -> Finding {
    let mut violations = Vec::new();
    let mut exercised = false;
    let calls: Vec<_> = o.http().collect();
    for (entry, x) in calls
        .iter()
        .filter(|(_, x)| x.status == 429 || (x.status == 503 && x.retry_after.is_some()))
    {
        let Some(wait) = x.retry_after else { continue };
        exercised = true;
        let early = calls.iter().find(|(e, y)| {
            e.seq > entry.seq
                && y.method == x.method
                && y.path == x.path
                && seconds(entry.real_time, e.real_time) + JITTER < wait as f64
        });
        if let Some((e, _)) = early {
            violations.push((
                format!(
                    "{} {} was called {:.2}s after a {} with Retry-After {wait}",
                    x.method,
                    x.path,
                    seconds(entry.real_time, e.real_time),
                    x.status
                ),
                vec![cite(entry), cite(e)],
            ));
        }
    }
    Finding::from_violations(violations, exercised, "no answer carried Retry-After")
}

pub(super) fn batches_many(o: &Observation<'_>) -> Finding {
    let mut asked: Vec<_> = o
        .tracked
        .iter()
        .filter(|t| t.channel == Channel::Gateway)
        .collect();
    asked.sort_by_key(|t| t.asked_at);
    let mut longest = 0;
    let mut run = 0;
    for pair in asked.windows(2) {
        if seconds(pair[0].asked_at, pair[1].asked_at) <= 1.0 {
            run = if run == 0 { 2 } else { run + 1 };
        } else {
            run = 0;
        }
        longest = longest.max(run);
    }
    if longest < 5 {
        return Finding::not_exercised("fewer than five documents asked for at once");
    }
    let batched = o.http().any(|(_, x)| {
        x.method == "POST" && x.path == "/api/v1/submissions" && (200..300).contains(&x.status)
    });
    if batched {
        return Finding::pass();
    }
    let singles: Vec<_> = o
        .http()
        .filter(|(_, x)| x.method == "POST" && x.path == "/api/v1/invoices")
        .map(|(e, _)| cite(e))
        .collect();
    Finding::fail(
        format!(
            "{longest} documents were asked for within a second of each other and each went in its own POST /api/v1/invoices"
        ),
        singles,
    )
}

pub(super) fn no_unchanged_resubmission(o: &Observation<'_>) -> Finding {
    let taken: Vec<_> = o
        .taken()
        .filter(|(_, t)| t.direction == "outbound")
        .collect();
    let mut violations = Vec::new();
    let mut exercised = false;
    for (i, (entry, later)) in taken.iter().enumerate() {
        for (earlier_entry, earlier) in taken.iter().take(i) {
            let state = state_at(o.entries, &subject(earlier), entry.seq);
            if state.as_deref() == Some("refused") && earlier.content_sha256 == later.content_sha256
            {
                violations.push((
                    format!(
                        "document {} was sent again unchanged as {} after it was refused",
                        earlier.document, later.document
                    ),
                    vec![cite(earlier_entry), cite(entry)],
                ));
            }
        }
    }
    for (_, t) in &taken {
        if state_at(o.entries, &subject(t), u64::MAX).as_deref() == Some("refused") {
            exercised = true;
        }
    }
    Finding::from_violations(violations, exercised, "no document was refused")
}
