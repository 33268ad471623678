//! KSeF's native channel for the reference integration: invoices go through KSeF API 2.0
//! online sessions instead of eisim's gateway.
//!
//! What a careful KSeF client does, and what KSEF-1..3 grade: invoices that are ready within a
//! short window share one online session; a send answered 5xx (or not answered) is followed by
//! a look at the session's invoices before anything is sent again, because KSeF may have taken
//! it; every session opened is closed once its invoices are sent, so KSeF can issue the UPO.
//! Then each invoice's status is read until it is final and mapped onto the gateway's states
//! (100 sent, 150 accepted, 200 delivered, 4xx refused, 500/550 failed), the mapping eisim
//! uses for KSeF documents sent through the gateway.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::book::Source;
use super::breakage::Breakage;
use super::ksef::{KsefClient, KsefError, OnlineSession, invoice_hash};
use super::{Integration, Pending};

/// Invoices asked for within this window share a session.
const GATHER: Duration = Duration::from_millis(150);
/// Attempts for one call that fails with 5xx, 429 or no answer.
const ATTEMPTS: u32 = 5;
/// First backoff delay; doubled after each failed attempt.
const BACKOFF: Duration = Duration::from_millis(200);
/// How often an invoice's status is read while KSeF processes it.
const STATUS_EVERY: Duration = Duration::from_millis(500);
/// The longest `Retry-After` the integration waits out. A longer one announces an outage
/// (KSeF's maintenance page says how long it lasts): rather than hold the invoices for hours,
/// the integration reports them failed, for a person to send again once KSeF is back.
const LONGEST_WAIT: Duration = Duration::from_secs(10);
/// Reads of one invoice's status before giving up on it.
const STATUS_READS: u32 = 240;

/// Repeats a call that failed with 5xx, 429 or no answer, backing off (or waiting out
/// `Retry-After`), up to [`ATTEMPTS`] times. A macro, because the calls borrow the client
/// mutably and a closure cannot hand that borrow to the future it returns.
macro_rules! retrying {
    ($call:expr) => {{
        let mut delay = BACKOFF;
        let mut attempt = 1;
        loop {
            match $call.await {
                Err(error)
                    if retryable(&error) && attempt < ATTEMPTS && outage(&error).is_none() =>
                {
                    tokio::time::sleep(error.retry_after().unwrap_or(delay)).await;
                    delay *= 2;
                    attempt += 1;
                }
                other => break other,
            }
        }
    }};
}

/// One invoice waiting for a session.
#[derive(Debug)]
pub(crate) struct Queued {
    pub(crate) reference: String,
    pub(crate) bytes: Vec<u8>,
    /// Counted in `pending` until the invoice's final status is read; held for its `Drop`.
    pub(crate) _work: Pending,
}

/// The KSeF contexts the integration sends for, one context per (simulator, NIP).
#[derive(Debug, Default)]
pub(crate) struct KsefContexts {
    contexts: Mutex<HashMap<(String, String), Arc<KsefContext>>>,
}

/// One taxpayer context: its client (tokens, keys) and the invoices gathering for a session.
#[derive(Debug)]
pub(crate) struct KsefContext {
    client: tokio::sync::Mutex<KsefClient>,
    waiting: Mutex<Vec<Queued>>,
    /// Set when KSeF announced an outage longer than the integration waits: until then
    /// nothing is sent to it (SUB-3), and new invoices are reported failed at once.
    closed_until: Mutex<Option<Instant>>,
}

impl KsefContext {
    /// Whether KSeF is known to be down now.
    fn closed(&self) -> bool {
        lock(&self.closed_until).is_some_and(|until| Instant::now() < until)
    }

    /// Remembers an outage the error announced, if it is longer than the integration waits.
    fn note_outage(&self, error: &KsefError) {
        if let Some(wait) = outage(error) {
            tracing::info!(?wait, "KSeF is down for longer than the integration waits");
            *lock(&self.closed_until) = Some(Instant::now() + wait);
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl KsefContexts {
    /// Queues an invoice; the first one of a window starts the task that sends the window.
    pub(crate) fn enqueue(
        &self,
        integration: &Arc<Integration>,
        base_url: &str,
        nip: &str,
        token: &str,
        queued: Queued,
    ) -> Result<(), KsefError> {
        let key = (base_url.to_owned(), nip.to_owned());
        let context = {
            let mut contexts = lock(&self.contexts);
            match contexts.get(&key) {
                Some(context) => Arc::clone(context),
                None => {
                    let http = reqwest::Client::builder()
                        .no_proxy()
                        .timeout(Duration::from_secs(10))
                        .build()
                        .map_err(|e| KsefError::Protocol(format!("no HTTP client: {e}")))?;
                    let api = format!("{}/v2", base_url.trim_end_matches('/'));
                    let context = Arc::new(KsefContext {
                        client: tokio::sync::Mutex::new(KsefClient::new(http, &api, nip, token)),
                        waiting: Mutex::new(Vec::new()),
                        closed_until: Mutex::new(None),
                    });
                    contexts.insert(key, Arc::clone(&context));
                    context
                }
            }
        };
        let first = {
            let mut waiting = lock(&context.waiting);
            waiting.push(queued);
            waiting.len() == 1
        };
        if first {
            integration.spawn(send_window(Arc::clone(integration), context));
        }
        Ok(())
    }
}

async fn send_window(integration: Arc<Integration>, context: Arc<KsefContext>) {
    tokio::time::sleep(GATHER).await;
    let window: Vec<Queued> = std::mem::take(&mut *lock(&context.waiting));
    if window.is_empty() {
        return;
    }
    let mut client = context.client.lock().await;
    if context.closed() {
        fail_all(&integration, &window);
        return;
    }
    if let Err(error) = retrying!(client.authenticate()) {
        context.note_outage(&error);
        tracing::warn!(%error, "KSeF authentication failed; the invoices are not sent");
        fail_all(&integration, &window);
        return;
    }
    // KSEF-1's variant: one session per invoice.
    let groups: Vec<Vec<Queued>> = if integration.breaks(Breakage::Ksef1) {
        window.into_iter().map(|q| vec![q]).collect()
    } else {
        vec![window]
    };
    let mut sent: Vec<(OnlineSession, String, String)> = Vec::new();
    let mut in_hand: Vec<Queued> = Vec::new();
    for group in groups {
        let session = match retrying!(client.open_online_session()) {
            Ok(session) => session,
            Err(error) => {
                context.note_outage(&error);
                tracing::warn!(%error, "KSeF refused to open an online session");
                fail_all(&integration, &group);
                continue;
            }
        };
        for queued in &group {
            match send(&integration, &context, &mut client, &session, &queued.bytes).await {
                Some(invoice) => {
                    integration.native_apply(&queued.reference, "sent", None);
                    sent.push((session.clone(), queued.reference.clone(), invoice));
                }
                None => integration.book().fail(&queued.reference),
            }
        }
        // KSEF-3's variant leaves its sessions open.
        if !integration.breaks(Breakage::Ksef3)
            && let Err(error) = retrying!(client.close_session(&session))
        {
            tracing::warn!(%error, "the KSeF session could not be closed");
        }
        // KSeF has no webhooks: until an invoice's final status is read, nothing will tell
        // the integration its outcome, so the invoice stays work in hand (`pending`) and the
        // suite does not declare the run settled between two status reads.
        in_hand.extend(group);
    }
    for (session, reference, invoice) in sent {
        follow(
            &integration,
            &context,
            &mut client,
            &session,
            &reference,
            &invoice,
        )
        .await;
    }
    drop(in_hand);
}

/// Sends one invoice; on a 5xx or a lost answer, checks whether KSeF took it before sending
/// again. Returns the invoice reference number.
async fn send(
    integration: &Arc<Integration>,
    context: &KsefContext,
    client: &mut KsefClient,
    session: &OnlineSession,
    bytes: &[u8],
) -> Option<String> {
    let hash = invoice_hash(bytes);
    let mut delay = BACKOFF;
    for _ in 0..ATTEMPTS {
        match client.send_invoice(session, bytes).await {
            Ok(invoice) => return Some(invoice),
            Err(error) if retryable(&error) => {
                if outage(&error).is_some() {
                    context.note_outage(&error);
                    return None;
                }
                if let Some(wait) = error.retry_after() {
                    tokio::time::sleep(wait).await;
                    continue;
                }
                // KSEF-2's variant sends again without looking.
                if !integration.breaks(Breakage::Ksef2)
                    && let Ok(listed) = client.session_invoices(session).await
                    && let Some(taken) = listed.into_iter().find(|i| i.invoice_hash == hash)
                {
                    return Some(taken.reference);
                }
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
            Err(error) => {
                tracing::info!(%error, "KSeF refused the invoice");
                return None;
            }
        }
    }
    None
}

/// Reads an invoice's status until it is final, applying each state to the book.
async fn follow(
    integration: &Arc<Integration>,
    context: &KsefContext,
    client: &mut KsefClient,
    session: &OnlineSession,
    reference: &str,
    invoice: &str,
) {
    for _ in 0..STATUS_READS {
        tokio::time::sleep(STATUS_EVERY).await;
        let status = match client.invoice_status(session, invoice).await {
            Ok(status) => status,
            Err(error) => {
                context.note_outage(&error);
                if context.closed() {
                    return; // KSeF is down for longer than the integration waits
                }
                if let Some(wait) = error.retry_after() {
                    tokio::time::sleep(wait).await;
                }
                continue;
            }
        };
        if let Some(state) = gateway_state(status.code) {
            integration.native_apply(reference, state, status.ksef_number.as_deref());
        }
        if status.is_final() {
            return;
        }
    }
}

/// KSeF's invoice status codes in the gateway's words.
fn gateway_state(code: u16) -> Option<&'static str> {
    match code {
        100 => Some("sent"),
        150 => Some("accepted"),
        200 => Some("delivered"),
        500 | 550 => Some("failed"),
        400..=499 => Some("refused"),
        _ => None,
    }
}

/// The outage an answer announces: a `Retry-After` longer than the integration waits.
fn outage(error: &KsefError) -> Option<Duration> {
    error.retry_after().filter(|wait| *wait > LONGEST_WAIT)
}

fn retryable(error: &KsefError) -> bool {
    match error.status() {
        Some(status) => status >= 500 || status == 429,
        None => matches!(error, KsefError::Http { .. }),
    }
}

fn fail_all(integration: &Integration, queued: &[Queued]) {
    let mut book = integration.book();
    for q in queued {
        book.fail(&q.reference);
    }
}

impl Integration {
    /// Applies a KSeF status read to a natively sent invoice.
    fn native_apply(&self, reference: &str, state: &str, ksef_number: Option<&str>) {
        let _ = self
            .book()
            .apply(reference, state, ksef_number, Source::Read, self.breakage());
    }
}

impl Integration {
    pub(crate) fn ksef_contexts(&self) -> &KsefContexts {
        &self.native
    }
}
