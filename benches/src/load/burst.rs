//! The webhook burst: how fast eisim's webhook sender delivers when a large number of
//! deliveries are queued at once, with no trigger requests in the way.
//!
//! The "webhook delivery" case measures the trigger path (`POST /webhooks/{id}/test`, one
//! delivery per request), so its figure is bounded by how fast the gateway answers triggers.
//! Here the deliveries come from the documents' own lifecycles, the way they do in use:
//! 1. a fresh run of the load scenario (`POST /_sim/reset`), so no earlier case's documents or
//!    endpoints join in;
//! 2. [`Options::burst_documents`] FPA12 invoices submitted through the gateway while the
//!    virtual clock is at rest and no endpoint exists (nothing is delivered, nothing timed);
//! 3. [`Options::burst_endpoints`] Standard Webhooks endpoints for every event type, all
//!    pointing at the receiver, so each event fans out to each of them;
//! 4. the release: `POST /_sim/clock/advance` by [`ADVANCE`]; every lifecycle step falls due,
//!    each state change raises its events, and every (event, endpoint) pair is queued for the
//!    sender at once.
//!
//! The figures are what the receiver sees, counted from the release: deliveries per second
//! up to the last arrival, and each delivery's latency from the release (its place in the
//! queue, in effect). The expected number comes from eisim itself: the deliveries each
//! endpoint lists once the burst has drained, cross-checked with the journal's
//! `webhook_attempt` entries; any shortfall, any delivery not acknowledged and any attempt not
//! answered 2xx is an error.
//!
//! The baseline: every delivery the receiver got, the same headers and bodies, posted to the
//! receiver by the generator at the sender's own concurrency
//! ([`eisim::WEBHOOK_SENDER_CONCURRENCY`]), timed the same way from its start.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, Method, header};
use serde_json::{Value, json};

use super::cases::{call, gateway_token, submission_body};
use super::generator::{self, HttpClient, Measurement, Pool, Prepared, closed_loop};
use super::report::Case;
use super::servers::{self, SharedArrivals};
use super::{Options, Urls, replay};

/// Far enough on the virtual clock for every SDI PA lifecycle step (RC at once, DT after 15
/// days) to fall due.
pub const ADVANCE: &str = "16d";
/// How long the receiver may stay quiet before the burst is taken as drained (then eisim is
/// asked how many deliveries it made, and the wait goes on while any is still pending).
const QUIET: Duration = Duration::from_secs(1);
/// How long to wait in all for the burst to drain.
const DRAIN_LIMIT: Duration = Duration::from_secs(120);
/// Ample for the baseline, which ends when its requests are used up.
const BASELINE_LIMIT: Duration = Duration::from_secs(300);

/// Sets up, releases the burst, measures eisim, then the baseline.
pub async fn measure(
    options: &Options,
    client: &HttpClient,
    urls: &Urls,
    arrivals: &SharedArrivals,
) -> Case {
    let eisim = urls.eisim.as_str();
    let _ = call(
        client,
        Method::POST,
        &format!("{eisim}/_sim/reset"),
        None,
        "application/json",
        Vec::new(),
    )
    .await;
    // The reset's own journal entry: every attempt of this burst comes after it (endpoint ids
    // are minted from the seed, so an earlier run's endpoints had the same ids).
    let marker = last_seq(client, eisim, "kind=simulator").await;
    let token = gateway_token(client, eisim).await;
    submit_documents(options, client, eisim, &token).await;
    // Steps due at once (the submission's own, fired by eisim's driver in real time) must
    // have run before any endpoint exists, or their events would go out before the release.
    nothing_due(client, eisim).await;
    let endpoints = register_endpoints(options, client, eisim, &urls.receiver, &token).await;

    {
        let mut seen = servers::arrivals(arrivals);
        seen.deliveries.clear();
        seen.kept.clear();
        seen.keep_all = true;
    }
    let released = Instant::now();
    let advanced = call(
        client,
        Method::POST,
        &format!("{eisim}/_sim/clock/advance"),
        None,
        "application/json",
        serde_json::to_vec(&json!({ "by": ADVANCE })).unwrap(),
    )
    .await;
    let advance_took = released.elapsed();
    let ledger = drain(client, eisim, &endpoints, arrivals).await;
    let waited = released.elapsed();

    let (eisim_run, kept) = {
        let mut seen = servers::arrivals(arrivals);
        seen.keep_all = false;
        let run = from_arrivals(&seen.deliveries, released);
        (run, std::mem::take(&mut seen.kept))
    };
    let attempts = journal_attempts(client, eisim, &endpoints, marker).await;

    let arrived = eisim_run.requests();
    let shortfall = ledger.deliveries.saturating_sub(arrived);
    let errors = shortfall + ledger.pending + ledger.failed + attempts.not_2xx;
    let mut notes = vec![format!(
        "{} documents submitted before the release, {} endpoints; `POST /_sim/clock/advance \
         {{\"by\": \"{ADVANCE}\"}}` fired {} agenda events and answered after {:.0} ms; \
         deliveries then kept arriving until {:.2} s after the release",
        options.burst_documents,
        endpoints.len(),
        advanced["events_fired"].as_u64().unwrap_or(0),
        advance_took.as_secs_f64() * 1000.0,
        eisim_run.elapsed.as_secs_f64(),
    )];
    notes.push(format!(
        "expected {} deliveries (eisim's deliveries lists: {} delivered, {} pending, {} failed), \
         {arrived} arrived at the receiver; journal: {} webhook_attempt entries for these \
         endpoints, {} not answered 2xx",
        ledger.deliveries,
        ledger.delivered,
        ledger.pending,
        ledger.failed,
        attempts.entries,
        attempts.not_2xx,
    ));
    if shortfall > 0 {
        notes.push(format!(
            "{shortfall} expected deliveries never reached the receiver (waited {:.1} s)",
            waited.as_secs_f64()
        ));
    }
    if arrived > ledger.deliveries {
        notes.push(format!(
            "{} more arrivals than deliveries (repeats)",
            arrived - ledger.deliveries
        ));
    }
    if attempts.entries != ledger.deliveries && !attempts.dropped {
        notes.push(format!(
            "the journal has {} attempts for {} deliveries",
            attempts.entries, ledger.deliveries
        ));
    }
    if attempts.dropped {
        notes.push(
            "the journal's memory cap dropped entries of this burst, so its count is short"
                .to_owned(),
        );
    }

    let (ceiling, ceiling_notes) = baseline(urls, arrivals, kept).await;
    notes.extend(ceiling_notes);
    Case {
        name: "webhook burst",
        ceiling,
        eisim: eisim_run,
        eisim_errors: errors,
        half: None,
        notes,
    }
}

/// The burst's documents: FPA12 invoices to the PA, through the gateway, unmeasured.
async fn submit_documents(options: &Options, client: &HttpClient, eisim: &str, token: &str) {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    headers.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
    let uri: axum::http::Uri = format!("{eisim}/api/v1/invoices").parse().unwrap();
    let requests = (0..options.burst_documents)
        .map(|n| Prepared {
            method: Method::POST,
            uri: uri.clone(),
            headers: headers.clone(),
            body: submission_body(&format!("BURST-{}", n + 1)),
        })
        .collect();
    let submitted = closed_loop(
        client,
        Pool::once(requests),
        options.concurrency,
        Duration::ZERO,
        BASELINE_LIMIT,
        None,
    )
    .await;
    if submitted.errors() > 0 || submitted.requests() != options.burst_documents as u64 {
        panic!(
            "the burst's submissions did not all succeed: {} of {}, statuses {:?}, first error {:?}",
            submitted.requests(),
            options.burst_documents,
            submitted.statuses,
            submitted.first_error
        );
    }
}

/// `count` endpoints for every event type, each at its own receiver URL.
async fn register_endpoints(
    options: &Options,
    client: &HttpClient,
    eisim: &str,
    receiver: &str,
    token: &str,
) -> Vec<String> {
    let mut endpoints = Vec::with_capacity(options.burst_endpoints);
    for n in 0..options.burst_endpoints {
        let body = json!({
            "url": format!("{receiver}/hook?endpoint={n}"),
            "description": format!("load benchmark burst receiver {n}"),
        });
        let created = call(
            client,
            Method::POST,
            &format!("{eisim}/api/v1/webhooks"),
            Some(token),
            "application/json",
            serde_json::to_vec(&body).unwrap(),
        )
        .await;
        let id = created["id"].as_str().expect("endpoint id").to_owned();
        endpoints.push(id);
    }
    endpoints
}

/// eisim's own account of the burst, from each endpoint's deliveries list.
#[derive(Debug, Default)]
struct Ledger {
    deliveries: u64,
    delivered: u64,
    pending: u64,
    failed: u64,
}

async fn ledger(client: &HttpClient, eisim: &str, endpoints: &[String]) -> Ledger {
    // A new token: the one from before the release expired on the way through the advance.
    let token = gateway_token(client, eisim).await;
    let mut ledger = Ledger::default();
    for id in endpoints {
        let listed = call(
            client,
            Method::GET,
            &format!("{eisim}/api/v1/webhooks/{id}/deliveries"),
            Some(&token),
            "application/json",
            Vec::new(),
        )
        .await;
        for item in listed["items"].as_array().into_iter().flatten() {
            ledger.deliveries += 1;
            match item["status"].as_str() {
                Some("delivered") => ledger.delivered += 1,
                Some("pending") => ledger.pending += 1,
                _ => ledger.failed += 1,
            }
        }
    }
    ledger
}

/// Waits until the receiver has been quiet for [`QUIET`] and eisim has nothing pending and
/// no more deliveries than arrived (or [`DRAIN_LIMIT`] passes); eisim is only asked once the
/// receiver is quiet, so the asking does not slow the burst.
async fn drain(
    client: &HttpClient,
    eisim: &str,
    endpoints: &[String],
    arrivals: &SharedArrivals,
) -> Ledger {
    let started = Instant::now();
    let mut last_count = usize::MAX;
    let mut last_change = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let count = servers::arrivals(arrivals).deliveries.len();
        if count != last_count {
            last_count = count;
            last_change = Instant::now();
            continue;
        }
        if last_change.elapsed() < QUIET {
            continue;
        }
        let ledger = ledger(client, eisim, endpoints).await;
        let settled = ledger.pending == 0 && ledger.deliveries <= count as u64;
        if settled || started.elapsed() > DRAIN_LIMIT {
            return ledger;
        }
        last_change = Instant::now();
    }
}

/// The journal's `webhook_attempt` entries for the burst's endpoints.
#[derive(Debug, Default)]
struct Attempts {
    entries: u64,
    not_2xx: u64,
    /// The journal's memory cap dropped entries written after the marker, so the count is
    /// short.
    dropped: bool,
}

/// The journal's entries matching `query`, parsed.
async fn journal(client: &HttpClient, eisim: &str, query: &str) -> Vec<Value> {
    let request = axum::http::Request::builder()
        .uri(format!("{eisim}/_sim/journal?{query}"))
        .body(http_body_util::Full::new(axum::body::Bytes::new()))
        .unwrap();
    let (status, body) = generator::send(client, request).await.unwrap();
    assert!(status.is_success(), "journal read answered {status}");
    body.split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|line| serde_json::from_slice(line).unwrap())
        .collect()
}

/// The sequence number of the newest entry matching `query`.
async fn last_seq(client: &HttpClient, eisim: &str, query: &str) -> u64 {
    let entries = journal(client, eisim, query).await;
    entries
        .last()
        .and_then(|entry| entry["seq"].as_u64())
        .expect("a journal entry")
}

/// Waits until eisim's agenda has nothing due at the current (resting) virtual instant.
async fn nothing_due(client: &HttpClient, eisim: &str) {
    for _ in 0..600 {
        let clock = call(
            client,
            Method::GET,
            &format!("{eisim}/_sim/clock"),
            None,
            "application/json",
            Vec::new(),
        )
        .await;
        let now: jiff::Timestamp = clock["now"].as_str().unwrap().parse().unwrap();
        let next = clock["next_event_at"]
            .as_str()
            .map(|at| at.parse::<jiff::Timestamp>().unwrap());
        if next.is_none_or(|next| next > now) {
            // The last step taken off the agenda may still be running.
            tokio::time::sleep(Duration::from_millis(200)).await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("eisim's agenda kept steps due at the resting instant for 30 s");
}

async fn journal_attempts(
    client: &HttpClient,
    eisim: &str,
    endpoints: &[String],
    marker: u64,
) -> Attempts {
    let entries = journal(
        client,
        eisim,
        &format!("kind=webhook_attempt&after_seq={marker}"),
    )
    .await;
    let ours: HashSet<&str> = endpoints.iter().map(String::as_str).collect();
    let mut attempts = Attempts::default();
    for entry in entries {
        if !entry["endpoint_id"]
            .as_str()
            .is_some_and(|id| ours.contains(id))
        {
            continue;
        }
        attempts.entries += 1;
        let ok = entry["status"]
            .as_u64()
            .is_some_and(|s| (200..300).contains(&s));
        if !ok || entry["verdict"] != "acknowledged" {
            attempts.not_2xx += 1;
        }
    }
    // The oldest entry still held: past the marker means the cap dropped some of ours.
    let oldest = journal(client, eisim, "limit=1").await;
    attempts.dropped = oldest
        .first()
        .and_then(|entry| entry["seq"].as_u64())
        .is_some_and(|seq| seq > marker + 1);
    attempts
}

/// Arrivals as a measurement: count, latency from `released`, and the time to the last one.
fn from_arrivals(deliveries: &[(String, Instant)], released: Instant) -> Measurement {
    let mut measured = Measurement::new();
    let mut last = released;
    for (_, arrived) in deliveries {
        let micros = u64::try_from(arrived.saturating_duration_since(released).as_micros())
            .unwrap_or(u64::MAX)
            .max(1);
        let _ = measured.latency.record(micros);
        last = last.max(*arrived);
    }
    measured.statuses.insert(204, deliveries.len() as u64);
    measured.elapsed = last.duration_since(released);
    measured
}

/// The same deliveries posted to the receiver by the generator at the sender's concurrency.
async fn baseline(
    urls: &Urls,
    arrivals: &SharedArrivals,
    kept: Vec<(HeaderMap, axum::body::Bytes)>,
) -> (Measurement, Vec<String>) {
    let expected = kept.len() as u64;
    let requests: Vec<Prepared> = kept.into_iter().map(|made| replay(urls, made)).collect();
    let concurrency = eisim::WEBHOOK_SENDER_CONCURRENCY;
    // Its own client, so each of the sender's concurrency gets a kept-alive connection.
    let client = generator::client(concurrency);
    servers::arrivals(arrivals).deliveries.clear();
    let started = Instant::now();
    let sent = closed_loop(
        &client,
        Pool::once(requests),
        concurrency,
        Duration::ZERO,
        BASELINE_LIMIT,
        None,
    )
    .await;
    let mut measured = {
        let seen = servers::arrivals(arrivals);
        from_arrivals(&seen.deliveries, started)
    };
    measured.statuses = sent.statuses.clone();
    measured.transport_errors = sent.transport_errors;
    measured.first_error.clone_from(&sent.first_error);
    let mut notes = vec![format!(
        "receiver direct: the {expected} deliveries' headers and bodies posted by the \
         generator at concurrency {concurrency} (eisim's sender), {:.2} s to the last arrival",
        measured.elapsed.as_secs_f64()
    )];
    let answered = sent.requests();
    if answered != expected {
        notes.push(format!(
            "receiver direct: {answered} of {expected} requests answered"
        ));
    }
    (measured, notes)
}
