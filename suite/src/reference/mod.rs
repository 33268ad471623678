//! The reference integration: a correct e-invoicing integration behind the driver contract,
//! and, with a [`Breakage`], the zoo of variants that each break one rule.
//!
//! `eisim-suite reference --port P [--break RULE]` serves, on one port, the driver contract
//! the suite talks to (`GET /`, `POST /submit`, `GET /documents/{ref}`, `POST /respond`) and
//! the webhook receiver eisim delivers to (`POST /webhooks`).
//!
//! How the pieces fit:
//!
//! - `driver` takes the suite's requests. A submit files the document in the `book` under
//!   a new ref (`doc-1`, ...) and queues it in the `outbox` of the `connection` for that
//!   simulator, then answers at once: the integration sends later, as real ones do.
//! - The outbox collects documents that arrive within 150 ms of each other and sends them
//!   together (one batch, or a single submission for one document) through the `gateway`
//!   client, which owns tokens, retries, backoff and `Retry-After`. Before that it registers
//!   the webhook endpoint, looks Peppol recipients up and names SDI files (`file_names`).
//! - `hooks` verifies and deduplicates eisim's webhooks and applies each event to the book,
//!   which keeps every document's state and history in `sequence` order.
//! - `polling` holds the status reads: the occasional single read the reference makes, and
//!   the polling loops only broken variants run.
//!
//! Everything the integration does runs in tasks it owns; [`run`] stops them on shutdown.

mod book;
pub mod breakage;
mod connection;
mod driver;
mod file_names;
mod gateway;
mod hooks;
pub mod ksef;
pub mod ksef_crypto;
mod native;
mod outbox;
mod polling;

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::task::AbortHandle;

pub use breakage::{Breakage, UnknownRule};

use book::{Applied, Book, Source};
use connection::Connection;
use file_names::FileNames;
use gateway::{Gateway, GatewayError};

use crate::contract::SimulatorAccess;

/// How to run the reference integration.
#[derive(Clone, Debug, Default)]
pub struct ReferenceConfig {
    /// `Some`: run the zoo variant that breaks this rule.
    pub breakage: Option<Breakage>,
}

/// The integration's state, shared by the driver, the webhook receiver and the background
/// tasks.
#[derive(Debug)]
pub struct Integration {
    breakage: Option<Breakage>,
    /// Where eisim delivers webhooks: this server's `/webhooks`.
    webhook_url: String,
    book: Mutex<Book>,
    connections: Mutex<Vec<Arc<Connection>>>,
    file_names: Mutex<FileNames>,
    /// KSeF contexts invoices are sent to natively.
    native: native::KsefContexts,
    /// Submissions queued, in flight or in backoff (status polling does not count): what
    /// `GET /` reports as `pending`, so the suite knows the integration still has work.
    pending: AtomicU64,
    /// SUB-1's variant sends one document twice, once per run: more would trip eisim's
    /// duplicate throttle and hold the variant's own traffic back for a minute.
    duplicated: std::sync::atomic::AtomicBool,
    /// When each eisim document's status was last read (or is booked to be): reads keep a
    /// second apart.
    refreshed: Mutex<std::collections::HashMap<String, std::time::Instant>>,
    tasks: Mutex<Vec<AbortHandle>>,
}

/// One unit of work in hand; `pending` counts it until it is dropped.
#[derive(Debug)]
pub(crate) struct Pending(Arc<Integration>);

impl Drop for Pending {
    fn drop(&mut self) {
        self.0.pending.fetch_sub(1, Ordering::SeqCst);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Integration {
    /// An integration serving at `address` (webhooks go to `http://<address>/webhooks`).
    pub fn new(config: ReferenceConfig, address: SocketAddr) -> Arc<Integration> {
        let mut address = address;
        if address.ip().is_unspecified() {
            address.set_ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
        }
        Arc::new(Integration {
            breakage: config.breakage,
            webhook_url: format!("http://{address}/webhooks"),
            book: Mutex::new(Book::default()),
            connections: Mutex::new(Vec::new()),
            file_names: Mutex::new(FileNames::default()),
            native: native::KsefContexts::default(),
            pending: AtomicU64::new(0),
            duplicated: std::sync::atomic::AtomicBool::new(false),
            refreshed: Mutex::new(std::collections::HashMap::new()),
            tasks: Mutex::new(Vec::new()),
        })
    }

    /// The driver name, which says which variant this is.
    pub fn name(&self) -> String {
        match self.breakage {
            Some(breakage) => format!("eisim reference integration (broken: {breakage})"),
            None => "eisim reference integration".to_owned(),
        }
    }

    pub fn webhook_url(&self) -> &str {
        &self.webhook_url
    }

    /// Submissions queued, in flight or in backoff.
    pub fn pending(&self) -> u64 {
        self.pending.load(Ordering::SeqCst)
    }

    /// Stops every background task (outboxes, pollers, retries in progress).
    pub fn shutdown(&self) {
        for task in lock(&self.tasks).drain(..) {
            task.abort();
        }
    }

    /// How long to wait before reading `document_id`'s status again, keeping a second
    /// between reads; books the read.
    pub(crate) fn next_refresh(&self, document_id: &str) -> std::time::Duration {
        const EVERY: std::time::Duration = std::time::Duration::from_secs(1);
        let now = std::time::Instant::now();
        let mut refreshed = lock(&self.refreshed);
        let at = refreshed
            .get(document_id)
            .map_or(now, |last| (*last + EVERY).max(now));
        refreshed.insert(document_id.to_owned(), at);
        at - now
    }

    /// Marks `document_id`'s status read as done now. The second between reads counts from
    /// here: a read that started on time may reach eisim late (a token renewal, a retry, a
    /// busy runtime), and the next one must not land less than a second after it.
    pub(crate) fn refreshed(&self, document_id: &str) {
        let now = std::time::Instant::now();
        let mut refreshed = lock(&self.refreshed);
        let last = refreshed.entry(document_id.to_owned()).or_insert(now);
        *last = (*last).max(now);
    }

    /// True the first time it is asked, false afterwards.
    pub(crate) fn first_duplicate(&self) -> bool {
        !self.duplicated.swap(true, Ordering::SeqCst)
    }

    pub(crate) fn breaks(&self, breakage: Breakage) -> bool {
        self.breakage == Some(breakage)
    }

    pub(crate) fn breakage(&self) -> Option<Breakage> {
        self.breakage
    }

    pub(crate) fn book(&self) -> MutexGuard<'_, Book> {
        lock(&self.book)
    }

    pub(crate) fn file_names(&self) -> MutexGuard<'_, FileNames> {
        lock(&self.file_names)
    }

    pub(crate) fn pending_work(self: &Arc<Self>) -> Pending {
        self.pending.fetch_add(1, Ordering::SeqCst);
        Pending(Arc::clone(self))
    }

    /// Runs `task` in the background until it ends or the integration shuts down.
    pub(crate) fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        let handle = tokio::spawn(task).abort_handle();
        let mut tasks = lock(&self.tasks);
        tasks.retain(|t| !t.is_finished());
        tasks.push(handle);
    }

    pub(crate) fn connections(&self) -> Vec<Arc<Connection>> {
        lock(&self.connections).clone()
    }

    pub(crate) fn connection_at(&self, index: usize) -> Option<Arc<Connection>> {
        lock(&self.connections).get(index).cloned()
    }

    /// The connection for `access`, created (with its outbox) the first time it is seen.
    pub(crate) fn connection(
        self: &Arc<Self>,
        access: &SimulatorAccess,
    ) -> Result<Arc<Connection>, GatewayError> {
        let mut connections = lock(&self.connections);
        if let Some(existing) = connections.iter().find(|c| c.gateway.access() == access) {
            return Ok(Arc::clone(existing));
        }
        let gateway = Gateway::new(access.clone(), self.breakage)?;
        let (connection, queue) = Connection::new(connections.len(), gateway);
        connections.push(Arc::clone(&connection));
        drop(connections);
        self.spawn(outbox::run(
            Arc::clone(self),
            Arc::clone(&connection),
            queue,
        ));
        if self.breaks(Breakage::Stat1) {
            self.spawn(polling::list_while_open(
                Arc::clone(self),
                Arc::clone(&connection),
            ));
        }
        Ok(connection)
    }

    /// Applies eisim's news about one document and does what its new state calls for.
    pub(crate) fn apply(
        self: &Arc<Self>,
        connection: &Arc<Connection>,
        reference: &str,
        state: &str,
        network_id: Option<&str>,
        source: Source,
    ) -> Option<Applied> {
        let applied = self
            .book()
            .apply(reference, state, network_id, source, self.breakage)?;
        if applied.moved_to.as_deref() == Some("refused") && self.breaks(Breakage::Sub5) {
            let work = self.pending_work();
            self.spawn(outbox::resend_refused(
                Arc::clone(self),
                Arc::clone(connection),
                reference.to_owned(),
                work,
            ));
        }
        Some(applied)
    }
}

/// Largest request taken: eisim takes documents up to 5 MiB, which base64 and the submit
/// request's JSON grow by a third.
const BODY_LIMIT: usize = 8 * 1024 * 1024;

/// The driver contract and the webhook receiver, on one router.
pub fn app(state: Arc<Integration>) -> Router {
    Router::new()
        .route("/", get(driver::info))
        .route("/submit", post(driver::submit))
        .route("/documents/{reference}", get(driver::document))
        .route("/respond", post(driver::respond))
        .route("/webhooks", post(hooks::receive))
        .fallback(driver::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// Serves the integration on `listener` until `shutdown` completes, then stops its
/// background work.
pub async fn run(
    listener: TcpListener,
    config: ReferenceConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let address = listener.local_addr()?;
    let integration = Integration::new(config, address);
    let served = axum::serve(listener, app(Arc::clone(&integration)))
        .with_graceful_shutdown(shutdown)
        .await;
    integration.shutdown();
    served
}
