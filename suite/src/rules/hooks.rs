//! HOOK: how the integration receives webhooks: acknowledge fast, refuse forgeries and stale
//! timestamps, and let neither duplicates nor reordering change what it believes.

use eisim::journal::{InjectedFault, Record, Verdict, WebhookAttempt};

use super::Finding;
use crate::contract::rank;
use crate::evidence::{Observation, cite};

/// HOOK-1's limit, in microseconds.
const ACK_WITHIN_US: u64 = 5_000_000;

fn attempts<'a>(
    o: &'a Observation<'_>,
) -> impl Iterator<Item = (&'a eisim::JournalEntry, &'a WebhookAttempt)> {
    o.entries.iter().filter_map(|e| match &e.record {
        Record::WebhookAttempt(a) => Some((e, a)),
        _ => None,
    })
}

pub(super) fn acknowledged_in_time(o: &Observation<'_>) -> Finding {
    let valid: Vec<_> = attempts(o)
        .filter(|(_, a)| {
            matches!(
                a.fault,
                None | Some(InjectedFault::Duplicate) | Some(InjectedFault::Reordered)
            )
        })
        .collect();
    let violations = valid
        .iter()
        .filter(|(_, a)| a.verdict != Verdict::Acknowledged || a.latency_us > ACK_WITHIN_US)
        .map(|(e, a)| {
            let how = match (a.status, a.verdict) {
                (_, Verdict::Acknowledged) => {
                    format!("acknowledged after {} ms", a.latency_us / 1000)
                }
                (Some(status), _) => format!("answered {status}"),
                (None, Verdict::TimedOut) => "not answered in time".to_owned(),
                (None, _) => "not reachable".to_owned(),
            };
            (
                format!(
                    "a valid delivery of {} ({}) was {how}",
                    a.event_type, a.event_id
                ),
                vec![cite(e)],
            )
        })
        .collect();
    Finding::from_violations(
        violations,
        !valid.is_empty(),
        "no webhook was delivered (none registered?)",
    )
}

fn probes_refused(o: &Observation<'_>, fault: InjectedFault, what: &str) -> Finding {
    let probes: Vec<_> = attempts(o)
        .filter(|(_, a)| a.fault == Some(fault))
        .collect();
    let violations = probes
        .iter()
        .filter(|(_, a)| !a.status.is_some_and(|s| (400..500).contains(&s)))
        .map(|(e, a)| {
            let answer = a.status.map_or("no answer".to_owned(), |s| s.to_string());
            (
                format!(
                    "a {what} probe for {} was answered {answer}, not 4xx",
                    a.event_type
                ),
                vec![cite(e)],
            )
        })
        .collect();
    Finding::from_violations(
        violations,
        !probes.is_empty(),
        &format!("no {what} probe was sent"),
    )
}

pub(super) fn forged_refused(o: &Observation<'_>) -> Finding {
    probes_refused(o, InjectedFault::ForgedSignature, "forged-signature")
}

pub(super) fn stale_refused(o: &Observation<'_>) -> Finding {
    probes_refused(o, InjectedFault::StaleTimestamp, "stale-timestamp")
}

fn delivered_with(o: &Observation<'_>, fault: InjectedFault) -> bool {
    attempts(o).any(|(_, a)| a.fault == Some(fault) && a.verdict == Verdict::Acknowledged)
}

fn histories<'a>(o: &'a Observation<'_>) -> Vec<(&'a str, &'a [String])> {
    o.tracked
        .iter()
        .zip(o.reports)
        .filter_map(|(t, r)| Some((t.reference.as_str(), r.as_ref()?.history.as_deref()?)))
        .collect()
}

pub(super) fn duplicates_without_effect(o: &Observation<'_>) -> Finding {
    if !delivered_with(o, InjectedFault::Duplicate) {
        return Finding::not_exercised("no duplicate delivery was acknowledged");
    }
    let histories = histories(o);
    if histories.is_empty() {
        return Finding::not_exercised(
            "the driver reports no `history`, so effects cannot be seen",
        );
    }
    let proof: Vec<_> = attempts(o)
        .filter(|(_, a)| a.fault == Some(InjectedFault::Duplicate))
        .map(|(e, _)| cite(e))
        .collect();
    let violations = histories
        .iter()
        .filter(|(_, h)| h.windows(2).any(|w| w[0] == w[1]))
        .map(|(reference, h)| {
            (
                format!(
                    "document {reference} applied the same state twice in a row: {}",
                    h.join(" -> ")
                ),
                proof.clone(),
            )
        })
        .collect();
    Finding::from_violations(violations, true, "")
}

pub(super) fn never_backwards(o: &Observation<'_>) -> Finding {
    let histories = histories(o);
    let proof: Vec<_> = attempts(o)
        .filter(|(_, a)| a.fault == Some(InjectedFault::Reordered))
        .map(|(e, _)| cite(e))
        .collect();
    let violations: Vec<_> = histories
        .iter()
        .filter(|(_, h)| h.windows(2).any(|w| rank(&w[1]) < rank(&w[0])))
        .map(|(reference, h)| {
            (
                format!("document {reference} moved backwards: {}", h.join(" -> ")),
                proof.clone(),
            )
        })
        .collect();
    if violations.is_empty()
        && (histories.is_empty() || !delivered_with(o, InjectedFault::Reordered))
    {
        return Finding::not_exercised(if histories.is_empty() {
            "the driver reports no `history`"
        } else {
            "no reordered delivery was acknowledged"
        });
    }
    Finding::from_violations(violations, true, "")
}

pub(super) fn registered_rather_than_polling(o: &Observation<'_>) -> Finding {
    let registered = o.http().any(|(_, x)| {
        ((x.method == "POST" && x.path == "/api/v1/webhooks")
            || (x.method == "PUT" && x.path == "/api/v1/callback"))
            && (200..300).contains(&x.status)
    });
    if registered {
        return Finding::pass();
    }
    let polls: Vec<_> = o
        .http()
        .filter(|(_, x)| {
            x.method == "GET"
                && (x.path.starts_with("/api/v1/invoices/")
                    || x.path.starts_with("/api/v1/submissions/")
                    || x.path == "/api/v1/invoices")
                && !x.path.ends_with("/printout")
                && !x.path.ends_with("/document")
        })
        .map(|(e, _)| cite(e))
        .collect();
    if polls.is_empty() {
        return Finding::not_exercised("the integration neither registered a webhook nor polled");
    }
    let count = polls.len();
    Finding::fail(
        format!("no webhook endpoint registered; status was polled {count} times instead"),
        polls.into_iter().take(5).collect(),
    )
}
