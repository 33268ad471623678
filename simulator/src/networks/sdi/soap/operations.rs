//! The SDICoop operations eisim knows, on both ends: their WSDL names, SOAPActions and body
//! wrapper elements, and the XSD sequence each wrapper holds.
//!
//! An operation is identified by its SOAPAction when the client sends one, else by the body's
//! wrapper element; both tables live here so the request reader and the writers cannot
//! disagree about them.

use super::fields::{FILE_SDI, FILE_SDI_BASE, FILE_SDI_CON_METADATI, FieldSpec};
use super::{RICEZIONE_TYPES_NS, TRASMISSIONE_TYPES_NS};

/// The six one-way operations of `TrasmissioneFatture` (WSDL v1.1), by which SDI delivers
/// notifications to the transmitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum TrasmissioneOp {
    RicevutaConsegna,
    NotificaMancataConsegna,
    NotificaScarto,
    NotificaEsito,
    NotificaDecorrenzaTermini,
    AttestazioneTrasmissioneFattura,
}

impl TrasmissioneOp {
    pub(crate) const ALL: [Self; 6] = [
        Self::RicevutaConsegna,
        Self::NotificaMancataConsegna,
        Self::NotificaScarto,
        Self::NotificaEsito,
        Self::NotificaDecorrenzaTermini,
        Self::AttestazioneTrasmissioneFattura,
    ];

    /// WSDL operation name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::RicevutaConsegna => "RicevutaConsegna",
            Self::NotificaMancataConsegna => "NotificaMancataConsegna",
            Self::NotificaScarto => "NotificaScarto",
            Self::NotificaEsito => "NotificaEsito",
            Self::NotificaDecorrenzaTermini => "NotificaDecorrenzaTermini",
            Self::AttestazioneTrasmissioneFattura => "AttestazioneTrasmissioneFattura",
        }
    }

    /// Wrapper element (types namespace `trasmissione`), type `fileSdI_Type`.
    pub(crate) fn element(self) -> &'static str {
        match self {
            Self::RicevutaConsegna => "ricevutaConsegna",
            Self::NotificaMancataConsegna => "notificaMancataConsegna",
            Self::NotificaScarto => "notificaScarto",
            Self::NotificaEsito => "notificaEsito",
            Self::NotificaDecorrenzaTermini => "notificaDecorrenzaTermini",
            Self::AttestazioneTrasmissioneFattura => "attestazioneTrasmissioneFattura",
        }
    }

    pub(crate) fn soap_action(self) -> &'static str {
        match self {
            Self::RicevutaConsegna => {
                "http://www.fatturapa.it/TrasmissioneFatture/RicevutaConsegna"
            }
            Self::NotificaMancataConsegna => {
                "http://www.fatturapa.it/TrasmissioneFatture/NotificaMancataConsegna"
            }
            Self::NotificaScarto => "http://www.fatturapa.it/TrasmissioneFatture/NotificaScarto",
            Self::NotificaEsito => "http://www.fatturapa.it/TrasmissioneFatture/NotificaEsito",
            Self::NotificaDecorrenzaTermini => {
                "http://www.fatturapa.it/TrasmissioneFatture/NotificaDecorrenzaTermini"
            }
            Self::AttestazioneTrasmissioneFattura => {
                "http://www.fatturapa.it/TrasmissioneFatture/AttestazioneTrasmissioneFattura"
            }
        }
    }
}

/// Every SDICoop request operation, whoever exposes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Operation {
    /// `SdIRiceviFile.RiceviFile`: a transmitter uploads an invoice file to SDI.
    RiceviFile,
    /// `SdIRiceviNotifica.NotificaEsito`: a PA recipient sends its outcome (EC) to SDI.
    NotificaEsito,
    /// `TrasmissioneFatture.*`: SDI notifies the transmitter.
    TrasmissioneFatture(TrasmissioneOp),
    /// `RicezioneFatture.RiceviFatture`: SDI delivers an invoice and its metadata (MT).
    RiceviFatture,
    /// `RicezioneFatture.NotificaDecorrenzaTermini`: SDI tells a PA recipient the 15 days ran out.
    NotificaDecorrenzaTermini,
}

impl Operation {
    /// All ten operations, for tables and exhaustive tests.
    pub(crate) fn all() -> impl Iterator<Item = Self> {
        [Self::RiceviFile, Self::NotificaEsito]
            .into_iter()
            .chain(
                TrasmissioneOp::ALL
                    .into_iter()
                    .map(Self::TrasmissioneFatture),
            )
            .chain([Self::RiceviFatture, Self::NotificaDecorrenzaTermini])
    }

    /// The SOAPAction from the WSDL binding (unquoted).
    pub(crate) fn soap_action(self) -> &'static str {
        match self {
            Self::RiceviFile => "http://www.fatturapa.it/SdIRiceviFile/RiceviFile",
            Self::NotificaEsito => "http://www.fatturapa.it/SdIRicezioneNotifiche/NotificaEsito",
            Self::TrasmissioneFatture(op) => op.soap_action(),
            Self::RiceviFatture => "http://www.fatturapa.it/RicezioneFatture/RiceviFattureSdI",
            Self::NotificaDecorrenzaTermini => {
                "http://www.fatturapa.it/RicezioneFatture/NotificaDecorrenzaTermini"
            }
        }
    }

    /// Namespace of the wrapper element.
    pub(crate) fn namespace(self) -> &'static str {
        match self {
            Self::RiceviFile | Self::TrasmissioneFatture(_) => TRASMISSIONE_TYPES_NS,
            Self::NotificaEsito | Self::RiceviFatture | Self::NotificaDecorrenzaTermini => {
                RICEZIONE_TYPES_NS
            }
        }
    }

    /// Local name of the wrapper element. `NotificaEsito` and `NotificaDecorrenzaTermini`
    /// share `fileSdI` (ricezione): the WSDLs say so, only the SOAPAction tells them apart.
    pub(crate) fn element(self) -> &'static str {
        match self {
            Self::RiceviFile => "fileSdIAccoglienza",
            Self::NotificaEsito | Self::NotificaDecorrenzaTermini => "fileSdI",
            Self::TrasmissioneFatture(op) => op.element(),
            Self::RiceviFatture => "fileSdIConMetadati",
        }
    }

    pub(super) fn fields(self) -> &'static [FieldSpec] {
        match self {
            Self::RiceviFile => FILE_SDI_BASE,
            Self::NotificaEsito
            | Self::NotificaDecorrenzaTermini
            | Self::TrasmissioneFatture(_) => FILE_SDI,
            Self::RiceviFatture => FILE_SDI_CON_METADATI,
        }
    }

    /// Finds the operation a SOAPAction header names; accepts the header value as sent
    /// (double quotes and surrounding spaces are removed).
    pub(crate) fn from_soap_action(action: &str) -> Option<Self> {
        let action = unquote_action(action);
        Self::all().find(|op| op.soap_action() == action)
    }

    /// Identifies the operation by the body's wrapper element. `fileSdI` in the ricezione
    /// namespace is taken as `NotificaEsito`, the only one SDI receives.
    pub(super) fn from_element(ns: Option<&str>, local: &str) -> Option<Self> {
        if ns == Some(RICEZIONE_TYPES_NS) && local == "fileSdI" {
            return Some(Self::NotificaEsito);
        }
        Self::all().find(|op| Some(op.namespace()) == ns && op.element() == local)
    }
}

pub(super) fn unquote_action(action: &str) -> &str {
    let trimmed = action.trim();
    trimmed
        .strip_prefix('"')
        .and_then(|a| a.strip_suffix('"'))
        .unwrap_or(trimmed)
        .trim()
}
