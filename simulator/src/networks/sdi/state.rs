//! What SDI knows in one run: every file it received, where each stands, the messages it
//! issued about it, and the integrator's SDICoop channel.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::checks::PriorInspection;
use super::message_bytes::MessageBytes;
use super::outbox::Outbox;
use super::registry::{FileId, Registry};
use super::signature::SdiSigner;
use super::soap::TrasmissioneOp;
use crate::codelists::sdi::{Family, MessageType};
use crate::documents::fatturapa::InvoiceIdentity;
use crate::networks::sdi::messages::ArchiveRef;
use crate::scenario::{Scenario, SdiSettings};
use crate::signed::TrustList;
use crate::vocabulary::Network;
use crate::vocabulary::TenantId;

/// Tells one run's SDI from the next, so a SOAP answer that arrives after a reset is dropped.
static RUNS: AtomicU64 = AtomicU64::new(1);

#[derive(Debug)]
pub(crate) struct Sdi {
    pub(crate) settings: SdiSettings,
    /// The tenant whose SDICoop channel this is; `None` when no tenant has one, and SDICoop
    /// calls are refused with EI03 (user not enabled).
    pub(crate) channel_tenant: Option<TenantId>,
    /// SDI's own signing key, or why it could not be made.
    signer: Result<Arc<SdiSigner>, String>,
    pub(crate) outbox: Outbox,
    /// Who signed files may be signed by (`sdi.trust`), or why the list could not be read.
    pub(crate) trust: Result<TrustList, String>,
    pub(crate) run: u64,
    records: Mutex<Records>,
}

#[derive(Debug)]
pub(crate) struct Records {
    pub(crate) registry: Registry,
    pub(crate) files: BTreeMap<FileId, SdiFile>,
    /// Gateway document id -> its SDI file.
    pub(crate) by_document: HashMap<String, FileId>,
    pub(crate) endpoints: Endpoints,
    next_file: FileId,
    next_message: u64,
}

/// Where SDI sends what it has for the integrator over SDICoop.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub(crate) struct Endpoints {
    pub trasmissione_fatture: Option<String>,
    pub ricezione_fatture: Option<String>,
    pub mtom: bool,
}

/// How a file reached SDI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Channel {
    /// Submitted through the gateway's REST API; notifications are downloaded from it.
    Gateway,
    /// Sent by the integrator over SDICoop (`RiceviFile`); notifications go to its
    /// `TrasmissioneFatture` service.
    Sdicoop,
    /// Sent by another supplier to the integrator (`sdi.inbound`).
    Inbound,
}

impl Channel {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Channel::Gateway => "gateway",
            Channel::Sdicoop => "sdicoop",
            Channel::Inbound => "inbound",
        }
    }
}

/// Where a file stands (reference §7.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FileState {
    /// Received; SDI's checks are running.
    Received,
    /// Refused by the checks (NS). Final: the invoice is not issued.
    Rejected,
    /// Passed the checks; delivery is under way.
    DeliveryPending,
    /// PA: the first delivery window passed without success (MC); SDI keeps trying.
    Undelivered,
    /// Delivered to the recipient (RC).
    Delivered,
    /// B2B: delivery impossible (MC); the invoice waits in the recipient's reserved area.
    /// Final: the invoice is issued.
    ReservedArea,
    /// PA: the administration accepted (EC01 -> NE). Final.
    Accepted,
    /// PA: the administration refused (EC02 -> NE). Final.
    Refused,
    /// PA: no outcome within the deadline (DT). Final.
    Expired,
    /// PA: undeliverable for the whole retry period (AT). Final.
    Attested,
    /// A ZIP archive SDI opened: each file in it lives on as a file of its own. Final.
    Unpacked,
}

/// Who a message is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Party {
    Transmitter,
    Recipient,
    /// What a recipient sent to SDI (EC).
    Sdi,
}

impl Party {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Party::Transmitter => "transmitter",
            Party::Recipient => "recipient",
            Party::Sdi => "sdi",
        }
    }
}

/// One message about a file, kept so it can be downloaded again.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct StoredMessage {
    pub file_name: String,
    pub message_type: MessageType,
    pub at: Timestamp,
    pub to: Party,
    #[serde(skip)]
    pub bytes: MessageBytes,
}

impl StoredMessage {
    pub(crate) fn content_type(&self) -> &'static str {
        if self.file_name.ends_with(".zip") {
            "application/zip"
        } else {
            "application/xml"
        }
    }
}

/// One file SDI received.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SdiFile {
    pub identificativo_sdi: FileId,
    pub file_name: String,
    #[serde(skip)]
    pub bytes: Arc<[u8]>,
    /// SHA-256 hex of the file as received: B2B messages' `Hash`, the AT's
    /// `HashFileOriginale`, taken once rather than for every message.
    pub hash: String,
    pub family: Family,
    /// `FPA12` or `FPR12`, as the file says (empty when it could not be read).
    pub format: String,
    pub received_at: Timestamp,
    pub channel: Channel,
    #[serde(skip)]
    pub tenant: Option<TenantId>,
    /// The gateway document this file carries (gateway and inbound files).
    pub document_id: Option<String>,
    /// `CodiceDestinatario`.
    pub recipient_code: String,
    #[serde(skip)]
    pub identities: Vec<Option<InvoiceIdentity>>,
    pub state: FileState,
    pub delivered_at: Option<Timestamp>,
    /// When the first delivery window closed without success (PA MC).
    pub undelivered_at: Option<Timestamp>,
    pub delivery_attempts: u32,
    /// The counter shared by all messages of the file (`_RC_001`, `_NE_002`...).
    #[serde(skip)]
    pub(crate) counter: u32,
    pub messages: Vec<StoredMessage>,
    /// The gateway's inspection of the bytes, until SDI's checks have used it.
    #[serde(skip)]
    pub(crate) prior: Option<Arc<PriorInspection>>,
    /// The ZIP archive the file came in (`RiferimentoArchivio` on its messages).
    pub archive: Option<ArchiveRef>,
    /// A CAdES `.p7m`'s signed content, the invoice XML, once the envelope was read.
    #[serde(skip)]
    pub invoice: Option<Arc<[u8]>>,
}

impl Sdi {
    pub(crate) fn new(scenario: &Scenario, seed: u64, now: Timestamp, outbox: Outbox) -> Self {
        let wall = Timestamp::now();
        let (early, late) = if now < wall { (now, wall) } else { (wall, now) };
        let day = SignedDuration::from_hours(24);
        let valid_from = early.checked_sub(day).unwrap_or(early);
        let valid_to = late.checked_add(day * 730).unwrap_or(late);
        let settings = scenario.sdi.clone();
        let channel_tenant = settings
            .channel
            .tenant
            .clone()
            .or_else(|| {
                scenario
                    .participants
                    .iter()
                    .find(|p| p.network == Network::Sdi && p.tenant.is_some())
                    .and_then(|p| p.tenant.clone())
            })
            .map(TenantId::new);
        let endpoints = Endpoints {
            trasmissione_fatture: settings.channel.trasmissione_fatture.clone(),
            ricezione_fatture: settings.channel.ricezione_fatture.clone(),
            mtom: settings.channel.mtom,
        };
        // Real identifiers are 8 to 9 digits; start each run at a seed-chosen 9-digit number.
        let first = 100_000_000 + seed % 800_000_000;
        Sdi {
            signer: SdiSigner::new(valid_from, valid_to)
                .map(Arc::new)
                .map_err(|e| e.to_string()),
            channel_tenant,
            outbox,
            trust: TrustList::new(
                settings.trust.eisim_ca,
                &settings.trust.certificates,
                &settings.trust.revoked,
            ),
            run: RUNS.fetch_add(1, Ordering::Relaxed),
            records: Mutex::new(Records {
                registry: Registry::default(),
                files: BTreeMap::new(),
                by_document: HashMap::new(),
                endpoints,
                next_file: first,
                next_message: 1_000_000 + seed % 1_000_000,
            }),
            settings,
        }
    }

    pub(crate) fn records(&self) -> MutexGuard<'_, Records> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn signer(&self) -> Result<&Arc<SdiSigner>, String> {
        self.signer.as_ref().map_err(Clone::clone)
    }

    /// The certificate SDI signs its messages with, in PEM, for verifiers.
    pub(crate) fn certificate_pem(&self) -> Result<String, String> {
        self.signer().map(|signer| signer.certificate_pem())
    }

    pub(crate) fn endpoints(&self) -> Endpoints {
        self.records().endpoints.clone()
    }

    /// The integrator's registration call: it names its SDICoop services.
    pub(crate) fn register(&self, endpoints: Endpoints) {
        self.records().endpoints = endpoints;
    }

    pub(crate) fn file(&self, id: FileId) -> Option<SdiFile> {
        self.records().files.get(&id).cloned()
    }

    pub(crate) fn files(&self) -> Vec<SdiFile> {
        self.records().files.values().cloned().collect()
    }

    /// The file that carries gateway document `document_id`.
    pub(crate) fn file_of_document(&self, document_id: &str) -> Option<SdiFile> {
        let records = self.records();
        let id = records.by_document.get(document_id)?;
        records.files.get(id).cloned()
    }
}

impl Records {
    pub(crate) fn mint_file_id(&mut self) -> FileId {
        let id = self.next_file;
        self.next_file += 1;
        id
    }

    /// A `MessageId`: digits, within the PA schema's 14 characters.
    pub(crate) fn mint_message_id(&mut self) -> String {
        let id = self.next_message;
        self.next_message += 1;
        id.to_string()
    }
}

impl SdiFile {
    /// The next value of the counter the file's message names share.
    pub(crate) fn next_counter(&mut self) -> u32 {
        self.counter += 1;
        self.counter
    }
}

impl MessageType {
    /// The `TrasmissioneFatture` operation that carries this message to the transmitter.
    pub(crate) fn trasmissione_operation(self) -> Option<TrasmissioneOp> {
        Some(match self {
            MessageType::RC => TrasmissioneOp::RicevutaConsegna,
            MessageType::NS => TrasmissioneOp::NotificaScarto,
            MessageType::MC => TrasmissioneOp::NotificaMancataConsegna,
            MessageType::NE => TrasmissioneOp::NotificaEsito,
            MessageType::DT => TrasmissioneOp::NotificaDecorrenzaTermini,
            MessageType::AT => TrasmissioneOp::AttestazioneTrasmissioneFattura,
            _ => return None,
        })
    }
}
