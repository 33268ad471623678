//! The SDI messages as data: what a notification says about an invoice file, independent of
//! how either schema family writes it.
//!
//! A [`Notification`] is one message; its [`Body`] variant decides the message type (RC, NS,
//! MC, NE, DT, AT, MT, EC, SE). The lifecycle builds these, the renderer (`render.rs`) turns
//! them into the XML of the invoice's family, and the EC reader (`esito.rs`) fills an
//! [`EsitoCommittente`] from a recipient's bytes.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::codelists::sdi::{Family, MessageType};

/// Both schemas: `ListaErrori` holds 1 to 200 `Errore`.
pub(crate) const MAX_ERRORS: usize = 200;

/// `RiferimentoArchivio`: the ZIP archive the invoice file arrived in, when it did.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub(crate) struct ArchiveRef {
    pub identificativo_sdi: u64,
    pub file_name: String,
}

/// What every message says about the invoice file it concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FileRef {
    pub identificativo_sdi: u64,
    pub file_name: String,
    /// SHA-256 of the invoice file, lowercase hex: B2B `Hash` and PA AT `HashFileOriginale`.
    pub hash: String,
    /// `DataOraRicezione`.
    pub received_at: Timestamp,
    pub archive: Option<ArchiveRef>,
}

/// `RiferimentoFattura`: one invoice of the file; absent means the whole file (lotto).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InvoiceRef {
    pub number: String,
    pub year: i16,
    /// Position of the body within a lotto, from 1.
    pub position: Option<u32>,
}

/// One `Errore` of a NotificaScarto / RicevutaScarto.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ScartoError {
    /// `00001`..`00476`: five characters.
    pub code: String,
    pub description: String,
    /// B2B `Suggerimento` (written empty when absent: the element is required there); PA
    /// notifications have no place for it.
    pub suggestion: Option<String>,
}

/// `Esito` of an EC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Esito {
    /// EC01.
    Accettazione,
    /// EC02.
    Rifiuto,
}

impl Esito {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Accettazione => "EC01",
            Self::Rifiuto => "EC02",
        }
    }

    pub(crate) fn from_code(code: &str) -> Option<Self> {
        match code {
            "EC01" => Some(Self::Accettazione),
            "EC02" => Some(Self::Rifiuto),
            _ => None,
        }
    }
}

/// `Scarto` of an SE: why SDI refused the recipient's EC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Scarto {
    /// EN00: the EC does not conform to the format.
    NonConforme,
    /// EN01: the EC is not admissible (late, duplicate, unknown invoice...).
    NonAmmissibile,
}

impl Scarto {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::NonConforme => "EN00",
            Self::NonAmmissibile => "EN01",
        }
    }
}

/// The recipient's outcome: the content of an EC, and of the `EsitoCommittente` inside NE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EsitoCommittente {
    pub identificativo_sdi: u64,
    pub invoice: Option<InvoiceRef>,
    pub esito: Esito,
    pub description: Option<String>,
    pub message_id_committente: Option<String>,
}

/// What a notification says beyond the file it concerns; the variant decides the message type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Body {
    /// RC, both families.
    RicevutaConsegna {
        delivered_at: Timestamp,
        recipient_code: String,
        /// PA requires `Destinatario/Descrizione` (written empty when absent); B2B omits it.
        recipient_name: Option<String>,
    },
    /// NS (PA NotificaScarto, B2B RicevutaScarto). More than [`MAX_ERRORS`] are cut to the
    /// first 200; none at all is an error.
    Scarto { errors: Vec<ScartoError> },
    /// MC (PA NotificaMancataConsegna, B2B RicevutaImpossibilitaRecapito).
    MancataConsegna {
        description: Option<String>,
        /// B2B `DataMessaADisposizione` (required there); PA has no such element and ignores it.
        available_from: Option<Date>,
    },
    /// NE, PA only.
    Esito { outcome: EsitoCommittente },
    /// DT, PA only.
    DecorrenzaTermini {
        invoice: Option<InvoiceRef>,
        description: Option<String>,
    },
    /// AT, PA only; `HashFileOriginale` is the file's hash. The schema has no description
    /// element for it.
    Attestazione {
        recipient_code: String,
        recipient_name: Option<String>,
    },
    /// MT (PA MetadatiInvioFile, B2B FileMetadati), unsigned.
    Metadati {
        recipient_code: String,
        /// `FPA12`, `FPR12` or `FSM10`.
        format: String,
        attempts: u32,
    },
    /// EC, PA only, unsigned: emitted for a simulated public administration.
    EsitoCommittente(EsitoCommittente),
    /// SE, PA only.
    ScartoEsito {
        invoice: Option<InvoiceRef>,
        scarto: Scarto,
        message_id_committente: Option<String>,
    },
}

impl Body {
    pub(crate) fn message_type(&self) -> MessageType {
        match self {
            Self::RicevutaConsegna { .. } => MessageType::RC,
            Self::Scarto { .. } => MessageType::NS,
            Self::MancataConsegna { .. } => MessageType::MC,
            Self::Esito { .. } => MessageType::NE,
            Self::DecorrenzaTermini { .. } => MessageType::DT,
            Self::Attestazione { .. } => MessageType::AT,
            Self::Metadati { .. } => MessageType::MT,
            Self::EsitoCommittente(_) => MessageType::EC,
            Self::ScartoEsito { .. } => MessageType::SE,
        }
    }
}

/// One SDI message about one invoice file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Notification {
    pub family: Family,
    pub file: FileRef,
    /// `MessageId`: SDI's identifier of this message (PA at most 14 characters, B2B 36).
    /// EC has no `MessageId` (the recipient's own id is `MessageIdCommittente`) and ignores it.
    pub message_id: String,
    /// `Note`; EC has none and ignores it.
    pub note: Option<String>,
    pub body: Body,
}

impl Notification {
    pub(crate) fn message_type(&self) -> MessageType {
        self.body.message_type()
    }
}
