//! AUTH: how the integration gets and keeps its access token (the seed's first anti-pattern is
//! a new token for every call).

use eisim::journal::{AntiPattern, Record};

use super::Finding;
use crate::evidence::{Observation, cite};

/// How long before expiry a new token is fair game.
const RENEWAL_WINDOW_SECS: f64 = 300.0;

fn ttl_secs(o: &Observation<'_>) -> f64 {
    o.scenario
        .limits
        .token_ttl
        .map_or(3600.0, |ttl| ttl.as_std().as_secs_f64())
}

fn token_calls<'a>(
    o: &'a Observation<'_>,
) -> impl Iterator<Item = (&'a eisim::JournalEntry, &'a eisim::journal::HttpExchange)> {
    o.http()
        .filter(|(_, x)| x.method == "POST" && x.path == "/connect/token")
}

pub(super) fn token_reused(o: &Observation<'_>) -> Finding {
    let mut violations = Vec::new();
    for entry in o.entries {
        let Record::AntiPattern {
            pattern: AntiPattern::TokenNotReused,
            ..
        } = &entry.record
        else {
            continue;
        };
        let previous = token_calls(o)
            .filter(|(e, x)| e.seq < entry.seq && x.status == 200)
            .map(|(e, _)| e)
            .last();
        let previous_token = previous.map_or(0, |e| e.seq);
        // The rule allows a new token once the current one has five minutes or less left.
        if let Some(previous) = previous {
            let age = entry
                .sim_time
                .duration_since(previous.sim_time)
                .as_secs_f64();
            if ttl_secs(o) - age <= RENEWAL_WINDOW_SECS {
                continue;
            }
        }
        let got_401 = o.http().any(|(e, x)| {
            e.seq > previous_token
                && e.seq < entry.seq
                && x.status == 401
                && x.path != "/connect/token"
        });
        if !got_401 {
            violations.push((
                "asked for a new access token while the previous one was still valid".to_owned(),
                vec![cite(entry)],
            ));
        }
    }
    // Reuse was possible once a token was issued and more than one call used one.
    let first_token = token_calls(o)
        .find(|(_, x)| x.status == 200)
        .map(|(e, _)| e.seq);
    let exercised = first_token.is_some_and(|first| {
        o.http()
            .filter(|(e, x)| e.seq > first && x.path.starts_with("/api/"))
            .count()
            > 1
    });
    Finding::from_violations(
        violations,
        exercised,
        "no token was used for more than one call",
    )
}

pub(super) fn well_formed_token_requests(o: &Observation<'_>) -> Finding {
    let violations = super::anti_patterns(
        o,
        AntiPattern::MalformedTokenRequest,
        "sent a malformed token request",
    );
    let exercised = token_calls(o).next().is_some();
    Finding::from_violations(violations, exercised, "no token requests")
}

pub(super) fn recovers_from_401(o: &Observation<'_>) -> Finding {
    let mut violations = Vec::new();
    let mut exercised = false;
    for (entry, x) in o
        .http()
        .filter(|(_, x)| x.status == 401 && x.path != "/connect/token")
    {
        if super::ksef_path(&x.path).is_some() {
            continue; // KSeF's own authentication is not the gateway's token
        }
        exercised = true;
        let renewed = token_calls(o).find(|(e, t)| e.seq > entry.seq && t.status == 200);
        let Some((renewed, _)) = renewed else {
            violations.push((
                format!(
                    "{} {} got 401 and no new token was fetched",
                    x.method, x.path
                ),
                vec![cite(entry)],
            ));
            continue;
        };
        // Finished means the call went through with the new token: a 2xx, or the call's
        // own refusal (a 422 for an invalid document is the work done, not an auth failure).
        let finished = o.http().any(|(e, y)| {
            e.seq > renewed.seq
                && y.method == x.method
                && y.path == x.path
                && y.status != 401
                && y.status < 500
        });
        if !finished {
            violations.push((
                format!(
                    "{} {} got 401; a new token came but the call never went through afterwards",
                    x.method, x.path
                ),
                vec![cite(entry), cite(renewed)],
            ));
        }
    }
    Finding::from_violations(violations, exercised, "no call was answered 401")
}
