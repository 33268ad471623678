//! STAT: how the integration learns what happened to its documents, and whether it ends up
//! believing what eisim holds.

use std::collections::BTreeMap;

use super::{Finding, seconds};
use crate::contract::is_final;
use crate::evidence::{Observation, cite, matches, said, state_at, subject};

pub(super) fn no_list_polling(o: &Observation<'_>) -> Finding {
    let violations = o
        .http()
        .filter(|(_, x)| {
            x.method == "GET"
                && (x.path == "/api/v1/invoices" || x.path == "/api/v1/invoices/recent")
        })
        .map(|(e, x)| {
            (
                format!(
                    "tracked status by polling the document list ({} {})",
                    x.method, x.path
                ),
                vec![cite(e)],
            )
        })
        .collect();
    Finding::from_violations(violations, !o.tracked.is_empty(), "no documents were sent")
}

/// `GET /api/v1/invoices/{id}`, `/status`, or `GET /api/v1/submissions/{id}`: the reads a
/// status poller makes, with the document id when the path names one.
fn status_read(method: &str, path: &str) -> Option<Option<String>> {
    if method != "GET" {
        return None;
    }
    if let Some(rest) = path.strip_prefix("/api/v1/invoices/") {
        let id = rest.strip_suffix("/status").unwrap_or(rest);
        return (!id.contains('/') && id != "recent").then(|| Some(id.to_owned()));
    }
    let id = path.strip_prefix("/api/v1/submissions/")?;
    (!id.contains('/')).then_some(None)
}

pub(super) fn polling_pace(o: &Observation<'_>) -> Finding {
    let minimum = o.scenario.suite.min_poll_interval().as_secs_f64();
    let mut by_path: BTreeMap<&str, Vec<_>> = BTreeMap::new();
    for (entry, x) in o.http() {
        // Only answered reads count: a read repeated after a 401 is AUTH-3's business.
        if status_read(&x.method, &x.path).is_some() && (200..300).contains(&x.status) {
            by_path.entry(x.path.as_str()).or_default().push((entry, x));
        }
    }
    let mut violations = Vec::new();
    for (path, reads) in &by_path {
        if let Some(pair) = reads
            .windows(2)
            .find(|w| seconds(w[0].0.real_time, w[1].0.real_time) + 0.01 < minimum)
        {
            violations.push((
                format!(
                    "GET {path} twice within {:.2}s; the minimum interval is {minimum}s",
                    seconds(pair[0].0.real_time, pair[1].0.real_time)
                ),
                vec![cite(pair[0].0), cite(pair[1].0)],
            ));
        }
        let Some(Some(id)) = reads
            .first()
            .and_then(|(_, x)| status_read(&x.method, &x.path))
        else {
            continue;
        };
        let subject = format!("document {id}");
        // A read that saw a final state, then another read: the second one was not needed.
        let seen_final = reads
            .iter()
            .position(|(e, _)| state_at(o.entries, &subject, e.seq).is_some_and(|s| is_final(&s)));
        if let Some(first) = seen_final
            && let Some((extra, _)) = reads.get(first + 1)
        {
            violations.push((
                format!("GET {path} again after the document was final"),
                vec![cite(reads[first].0), cite(extra)],
            ));
        }
    }
    Finding::from_violations(
        violations,
        !by_path.is_empty(),
        "the integration did not poll",
    )
}

pub(super) fn final_states_agree(o: &Observation<'_>) -> Finding {
    let matched = matches(o.entries, o.tracked);
    let mut violations = Vec::new();
    for (i, tracked) in o.tracked.iter().enumerate() {
        let Some(Some(report)) = o.reports.get(i) else {
            continue;
        };
        let taken = matched.get(i).copied().flatten();
        let eisim = taken.and_then(|t| state_at(o.entries, &subject(t), u64::MAX));
        let expected = eisim.clone().unwrap_or_else(|| "failed".to_owned());
        if report.state != expected {
            let evidence_entry = o.entries.iter().rev().find(|e| {
                taken.is_some_and(|t| {
                    matches!(&e.record, eisim::journal::Record::StateChange { subject: s, .. } if *s == subject(t))
                })
            });
            let mut evidence: Vec<_> = evidence_entry.into_iter().map(cite).collect();
            let now = jiff::Timestamp::now();
            evidence.push(said(
                now,
                now,
                format!(
                    "driver: {} ({}) is `{}`",
                    tracked.reference, tracked.alias, report.state
                ),
            ));
            violations.push((
                match eisim {
                    Some(state) => format!(
                        "{} ({}): the integration reports `{}`, eisim holds `{state}`",
                        tracked.alias, tracked.reference, report.state
                    ),
                    None => format!(
                        "{} ({}): eisim never received it, so it must be reported `failed`, not `{}`",
                        tracked.alias, tracked.reference, report.state
                    ),
                },
                evidence,
            ));
        }
    }
    for check in o.checks {
        if check.reported != check.expected {
            violations.push((
                format!(
                    "expect_state {}: the integration reported `{}`, the scenario expects `{}` (eisim: {})",
                    check.alias,
                    check.reported,
                    check.expected,
                    check.eisim.as_deref().unwrap_or("not received")
                ),
                vec![said(check.real_time, check.sim_time, format!("driver: {} is `{}`", check.alias, check.reported))],
            ));
        }
    }
    Finding::from_violations(violations, !o.tracked.is_empty(), "no documents were sent")
}

pub(super) fn no_mass_printouts(o: &Observation<'_>) -> Finding {
    let mut by_path: BTreeMap<&str, Vec<_>> = BTreeMap::new();
    for (entry, x) in o.http() {
        if x.method == "GET"
            && x.path.starts_with("/api/v1/invoices/")
            && x.path.ends_with("/printout")
        {
            by_path.entry(x.path.as_str()).or_default().push(entry);
        }
    }
    let violations = by_path
        .iter()
        .filter(|(_, reads)| reads.len() > 1)
        .map(|(path, reads)| {
            (
                format!("GET {path} {} times", reads.len()),
                reads.iter().map(|e| cite(e)).collect(),
            )
        })
        .collect();
    Finding::from_violations(violations, !o.tracked.is_empty(), "no documents were sent")
}
