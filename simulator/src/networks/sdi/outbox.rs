//! SOAP calls SDI makes to the integrator: notifications to its `TrasmissioneFatture`
//! service, invoices and DT to its `RicezioneFatture` service.
//!
//! Messages are planned on the simulator clock but sent in real time by one background task,
//! one after another, so the integrator receives a file's messages in the order SDI issued
//! them even when a virtual clock fires a fortnight of them at once. Each call is journaled;
//! the answer to `RiceviFatture` decides whether an inbound invoice was delivered.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, mpsc, watch};

use super::inbound::inbound_answered;
use super::registry::FileId;
use super::soap::{self, OutboundCall};
use super::state::Sdi;
use crate::journal::{Record, SoapCall, Verdict};
use crate::runtime::Context;
use crate::vocabulary::TenantId;

/// SDI gives a receiver this long to answer.
const TIMEOUT: Duration = Duration::from_secs(30);

/// What the answer to a call decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobPurpose {
    /// A one-way notification: the answer is journaled and decides nothing.
    Notification,
    /// `RiceviFatture`: `ER01` means the invoice was delivered; anything else is a failed
    /// attempt that SDI retries.
    InboundDelivery,
}

#[derive(Debug)]
pub(crate) struct Job {
    /// The run that planned the call; an answer for an older run is dropped.
    pub(crate) run: u64,
    pub(crate) tenant: Option<TenantId>,
    pub(crate) url: String,
    pub(crate) operation: &'static str,
    pub(crate) call: OutboundCall,
    pub(crate) identificativo_sdi: FileId,
    pub(crate) file_name: String,
    pub(crate) purpose: JobPurpose,
}

pub(crate) type OutboxQueue = mpsc::UnboundedReceiver<Job>;

/// The sending end, shared by every run of a process.
#[derive(Debug, Clone)]
pub(crate) struct Outbox {
    jobs: mpsc::UnboundedSender<Job>,
    pending: Arc<Pending>,
}

#[derive(Debug, Default)]
struct Pending {
    count: AtomicUsize,
    idle: Notify,
}

impl Outbox {
    pub(crate) fn new() -> (Outbox, OutboxQueue) {
        let (jobs, queue) = mpsc::unbounded_channel();
        (
            Outbox {
                jobs,
                pending: Arc::default(),
            },
            queue,
        )
    }

    pub(crate) fn send(&self, job: Job) {
        self.pending.count.fetch_add(1, Ordering::SeqCst);
        if self.jobs.send(job).is_err() {
            self.done();
        }
    }

    pub(crate) fn done(&self) {
        if self.pending.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.pending.idle.notify_waiters();
        }
    }

    /// Waits until every call handed over so far has been answered and its answer applied.
    pub(crate) async fn settled(&self) {
        loop {
            let idle = self.pending.idle.notified();
            if self.pending.count.load(Ordering::SeqCst) == 0 {
                return;
            }
            idle.await;
        }
    }
}

/// What the simulation does with a call's reply: apply it to the run that is current when it
/// arrives (see [`apply`]).
pub(crate) type Answered = Arc<dyn Fn(Job, Reply) + Send + Sync>;

/// What came back from one call.
#[derive(Debug)]
pub(crate) struct Reply {
    status: Option<u16>,
    verdict: Verdict,
    body: Option<Vec<u8>>,
    content_type: Option<String>,
    error: Option<String>,
    latency_us: u64,
}

/// Sends queued calls until the simulator stops, one after another.
pub(crate) async fn run(
    mut queue: OutboxQueue,
    mut stopped: watch::Receiver<bool>,
    outbox: Outbox,
    answered: Answered,
) {
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .build()
        .unwrap_or_default();
    loop {
        let job = tokio::select! {
            job = queue.recv() => job,
            _ = stopped.wait_for(|stop| *stop) => None,
        };
        let Some(job) = job else { break };
        let reply = call(&client, &job).await;
        answered(job, reply);
        outbox.done();
    }
}

async fn call(client: &reqwest::Client, job: &Job) -> Reply {
    let started = Instant::now();
    let sent = client
        .post(&job.url)
        .header("Content-Type", &job.call.content_type)
        .header("SOAPAction", job.call.soap_action_header())
        .body(job.call.body.clone())
        .send()
        .await;
    let (status, verdict, body, content_type, error) = match sent {
        Ok(response) => {
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = response.bytes().await.ok().map(|b| b.to_vec());
            let verdict = if (200..300).contains(&status) {
                Verdict::Acknowledged
            } else {
                Verdict::Refused
            };
            (Some(status), verdict, body, content_type, None)
        }
        Err(error) if error.is_timeout() => {
            (None, Verdict::TimedOut, None, None, Some(error.to_string()))
        }
        Err(error) => (
            None,
            Verdict::Unreachable,
            None,
            None,
            Some(error.to_string()),
        ),
    };
    Reply {
        status,
        verdict,
        body,
        content_type,
        error,
        latency_us: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
    }
}

/// Judges a reply, journals the call, and when it delivered an inbound invoice of `sdi`'s run
/// (an answer from an older run is only journaled), decides what SDI plans next.
pub(crate) fn apply(sdi: &Arc<Sdi>, ctx: &Context<'_>, job: Job, reply: Reply) {
    let Reply {
        status,
        mut verdict,
        body,
        content_type,
        error,
        latency_us,
    } = reply;
    let mut detail = error;
    let mut taken = verdict == Verdict::Acknowledged;
    if job.purpose == JobPurpose::Notification
        && taken
        && let Some(body) = body.as_deref()
        && let Err(problem) = soap::parse_one_way_response(content_type.as_deref(), body)
    {
        verdict = Verdict::Refused;
        detail = Some(format!("the service answered 2xx with a fault: {problem}"));
    }
    if job.purpose == JobPurpose::InboundDelivery && taken {
        match body
            .as_deref()
            .map(|b| soap::parse_ricevi_fatture_response(content_type.as_deref(), b))
        {
            Some(Ok(_)) => {}
            Some(Err(problem)) => {
                taken = false;
                detail = Some(format!(
                    "the answer is not a rispostaRiceviFatture with ER01: {problem}"
                ));
            }
            None => {
                taken = false;
                detail = Some("the answer had no body".to_owned());
            }
        }
    }

    ctx.journal.append(
        ctx.now,
        job.tenant.clone(),
        Record::SoapCall(SoapCall {
            url: job.url.clone(),
            operation: job.operation.to_owned(),
            soap_action: job.call.soap_action.clone(),
            identificativo_sdi: job.identificativo_sdi,
            file_name: job.file_name.clone(),
            status,
            latency_us,
            verdict,
            detail,
        }),
    );
    if job.purpose == JobPurpose::InboundDelivery && sdi.run == job.run {
        inbound_answered(sdi, ctx, job.identificativo_sdi, taken, ctx.now);
    }
}
