//! SDICoop SOAP 1.1 codec: document/literal envelopes, plain or MTOM/XOP.
//!
//! eisim plays SDI on both ends of the four SDICoop services, so this module covers both
//! directions of each:
//!
//! * as a **server** (`SdIRiceviFile`, `SdIRiceviNotifica`) it reads requests with
//!   [`parse_request`] and answers with [`risposta_ricevi_file`], [`risposta_notifica_esito`]
//!   or a [`fault`];
//! * as a **client** (`TrasmissioneFatture`, `RicezioneFatture` exposed by integrators) it
//!   builds [`OutboundCall`]s with [`trasmissione_fatture`], [`ricevi_fatture`] and
//!   [`notifica_decorrenza_termini`], and reads the integrator's answer with
//!   [`parse_ricevi_fatture_response`] / [`parse_one_way_response`];
//! * for eisim's own tests it can also play the integrator ([`ricevi_file_request`],
//!   [`notifica_esito_request`], [`risposta_ricevi_fatture`] and the matching parsers).
//!
//! Wire shape, from the WSDLs and types XSDs: the Body holds one wrapper element qualified in
//! the service's types namespace, whose children are **unqualified** (the XSDs have no
//! `elementFormDefault`). Binary fields are `xsd:base64Binary` with
//! `xmime:expectedContentTypes`, i.e. either inline base64 or, with MTOM, an `xop:Include`
//! pointing at a MIME part ([`super::mtom`] handles the MIME layer).
//!
//! Reading is strict where the schema is (unknown, missing, repeated or qualified children are
//! refused with the element named, so a broken integrator learns what it got wrong) and
//! lenient where real stacks differ (any prefixes, SOAP headers without `mustUnderstand`,
//! inline base64 inside an MTOM package, LF or CRLF, binary or base64 MIME parts). Hostile
//! XML is refused outright by the crate's one XML reader (`crate::xml`), as for every other
//! parser: no DTD, no entity other than the five predefined ones and character references,
//! bounded depth and element count.
//!
//! Writing is deterministic (fixed prefixes, Content-IDs and a content-derived MIME boundary)
//! so snapshots are stable. Each wrapper element declares its own namespace, so the first
//! child of `soap:Body` is a standalone document that validates against the types XSD.

use std::fmt::Write as _;

use base64::Engine as _;

use super::mtom::{self, Attachment, MimeError, Package};
use crate::xml::{self, Element, Limits, XmlError};

/// SOAP 1.1 envelope namespace; SDICoop is SOAP 1.1 only.
pub const SOAP_ENVELOPE_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// SOAP 1.2 envelope namespace, recognised only to give a precise refusal.
const SOAP12_ENVELOPE_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
/// Types namespace of `SdIRiceviFile` and `TrasmissioneFatture`.
pub const TRASMISSIONE_TYPES_NS: &str =
    "http://www.fatturapa.gov.it/sdi/ws/trasmissione/v1.0/types";
/// Types namespace of `RicezioneFatture` and `SdIRiceviNotifica`.
pub const RICEZIONE_TYPES_NS: &str = "http://www.fatturapa.gov.it/sdi/ws/ricezione/v1.0/types";
/// XOP include namespace (MTOM).
pub const XOP_NS: &str = "http://www.w3.org/2004/08/xop/include";

/// Content type of a plain SOAP 1.1 message.
pub const PLAIN_CONTENT_TYPE: &str = "text/xml; charset=utf-8";

/// Upper bound on any message this codec reads. An SDI file is at most 5 MB (check 00003) and
/// a ZIP or AT a few times that; base64 inflates by 4/3. The HTTP layer should cap earlier.
pub const MAX_MESSAGE_BYTES: usize = 32 * 1024 * 1024;
/// Deepest element nesting accepted in an envelope (real messages use 5), and most elements
/// (real messages have under 20).
const LIMITS: Limits = Limits {
    max_depth: 32,
    max_elements: 2_000,
};

/// Why a SOAP message could not be read. Every variant is the sender's fault (`soap:Client`)
/// except a received [`SoapError::Fault`], which reports the peer's own fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SoapError {
    #[error("message of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("unsupported Content-Type {0:?} (expected text/xml or multipart/related MTOM)")]
    UnsupportedContentType(String),
    #[error("invalid MIME multipart: {0}")]
    Mime(#[from] MimeError),
    #[error("the SOAP envelope is not UTF-8 encoded")]
    NotUtf8,
    #[error("malformed XML: {0}")]
    Xml(String),
    #[error("DTDs are not allowed in SOAP messages (DOCTYPE refused)")]
    DtdRefused,
    #[error("entity reference &{0}; is not allowed (only the predefined XML entities are)")]
    EntityRefused(String),
    #[error("XML nesting deeper than {0} levels")]
    TooDeep(usize),
    #[error("more than {0} XML elements")]
    TooManyElements(usize),
    #[error("not a SOAP 1.1 envelope: {0}")]
    NotSoap11(String),
    #[error("SOAP header block {0} has mustUnderstand=\"1\" and is not understood")]
    MustUnderstand(String),
    #[error("the soap:Body is empty")]
    EmptyBody,
    #[error("unknown operation: body element {element}")]
    UnknownOperation { element: String },
    #[error("unknown SOAPAction {0:?}")]
    UnknownSoapAction(String),
    #[error("SOAPAction {action:?} does not match body element {element}")]
    SoapActionMismatch { action: String, element: String },
    #[error("missing element {element} in {parent}")]
    MissingElement { element: String, parent: String },
    #[error("unexpected element {element} in {parent}{detail}")]
    UnexpectedElement {
        element: String,
        parent: String,
        /// Extra explanation, starting with "; " when present.
        detail: String,
    },
    #[error("invalid content of element {element}: {reason}")]
    InvalidValue { element: String, reason: String },
    #[error("xop:Include in {element} refers to {href:?}, which is not a part of the message")]
    MissingAttachment { element: String, href: String },
    #[error("SOAP fault {faultcode}: {faultstring}")]
    Fault {
        faultcode: String,
        faultstring: String,
    },
}

impl SoapError {
    /// The SOAP 1.1 faultcode a server should answer with when it cannot read a request.
    pub fn faultcode(&self) -> &'static str {
        match self {
            Self::MustUnderstand(_) => "soap:MustUnderstand",
            Self::NotSoap11(_) => "soap:VersionMismatch",
            _ => "soap:Client",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

/// The six one-way operations of `TrasmissioneFatture` (WSDL v1.1), by which SDI delivers
/// notifications to the transmitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrasmissioneOp {
    RicevutaConsegna,
    NotificaMancataConsegna,
    NotificaScarto,
    NotificaEsito,
    NotificaDecorrenzaTermini,
    AttestazioneTrasmissioneFattura,
}

impl TrasmissioneOp {
    pub const ALL: [Self; 6] = [
        Self::RicevutaConsegna,
        Self::NotificaMancataConsegna,
        Self::NotificaScarto,
        Self::NotificaEsito,
        Self::NotificaDecorrenzaTermini,
        Self::AttestazioneTrasmissioneFattura,
    ];

    /// WSDL operation name.
    pub fn name(self) -> &'static str {
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
    pub fn element(self) -> &'static str {
        match self {
            Self::RicevutaConsegna => "ricevutaConsegna",
            Self::NotificaMancataConsegna => "notificaMancataConsegna",
            Self::NotificaScarto => "notificaScarto",
            Self::NotificaEsito => "notificaEsito",
            Self::NotificaDecorrenzaTermini => "notificaDecorrenzaTermini",
            Self::AttestazioneTrasmissioneFattura => "attestazioneTrasmissioneFattura",
        }
    }

    pub fn soap_action(self) -> &'static str {
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
pub enum Operation {
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
    pub fn all() -> impl Iterator<Item = Self> {
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
    pub fn soap_action(self) -> &'static str {
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
    pub fn namespace(self) -> &'static str {
        match self {
            Self::RiceviFile | Self::TrasmissioneFatture(_) => TRASMISSIONE_TYPES_NS,
            Self::NotificaEsito | Self::RiceviFatture | Self::NotificaDecorrenzaTermini => {
                RICEZIONE_TYPES_NS
            }
        }
    }

    /// Local name of the wrapper element. `NotificaEsito` and `NotificaDecorrenzaTermini`
    /// share `fileSdI` (ricezione): the WSDLs say so, only the SOAPAction tells them apart.
    pub fn element(self) -> &'static str {
        match self {
            Self::RiceviFile => "fileSdIAccoglienza",
            Self::NotificaEsito | Self::NotificaDecorrenzaTermini => "fileSdI",
            Self::TrasmissioneFatture(op) => op.element(),
            Self::RiceviFatture => "fileSdIConMetadati",
        }
    }

    fn fields(self) -> &'static [FieldSpec] {
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
    pub fn from_soap_action(action: &str) -> Option<Self> {
        let action = unquote_action(action);
        Self::all().find(|op| op.soap_action() == action)
    }

    /// Identifies the operation by the body's wrapper element. `fileSdI` in the ricezione
    /// namespace is taken as `NotificaEsito`, the only one SDI receives.
    fn from_element(ns: Option<&str>, local: &str) -> Option<Self> {
        if ns == Some(RICEZIONE_TYPES_NS) && local == "fileSdI" {
            return Some(Self::NotificaEsito);
        }
        Self::all().find(|op| Some(op.namespace()) == ns && op.element() == local)
    }
}

fn unquote_action(action: &str) -> &str {
    let trimmed = action.trim();
    trimmed
        .strip_prefix('"')
        .and_then(|a| a.strip_suffix('"'))
        .unwrap_or(trimmed)
        .trim()
}

// ---------------------------------------------------------------------------------------------
// Codes
// ---------------------------------------------------------------------------------------------

/// `erroreInvio_Type`: why SDI did not accept an upload (`RiceviFile` response).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErroreInvio {
    /// EI01 FILE VUOTO
    FileVuoto,
    /// EI02 SERVIZIO NON DISPONIBILE
    ServizioNonDisponibile,
    /// EI03 UTENTE NON ABILITATO
    UtenteNonAbilitato,
}

impl ErroreInvio {
    pub fn code(self) -> &'static str {
        match self {
            Self::FileVuoto => "EI01",
            Self::ServizioNonDisponibile => "EI02",
            Self::UtenteNonAbilitato => "EI03",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::FileVuoto,
            Self::ServizioNonDisponibile,
            Self::UtenteNonAbilitato,
        ]
        .into_iter()
        .find(|e| e.code() == code)
    }
}

/// `esitoNotifica_Type`: SDI's answer to a recipient's EC (`NotificaEsito` response).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EsitoNotifica {
    /// ES00 NOTIFICA NON ACCETTATA (comes with the SE message in `ScartoEsito`)
    NotificaNonAccettata,
    /// ES01 NOTIFICA ACCETTATA
    NotificaAccettata,
    /// ES02 SERVIZIO NON DISPONIBILE
    ServizioNonDisponibile,
}

impl EsitoNotifica {
    pub fn code(self) -> &'static str {
        match self {
            Self::NotificaNonAccettata => "ES00",
            Self::NotificaAccettata => "ES01",
            Self::ServizioNonDisponibile => "ES02",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::NotificaNonAccettata,
            Self::NotificaAccettata,
            Self::ServizioNonDisponibile,
        ]
        .into_iter()
        .find(|e| e.code() == code)
    }
}

/// `esitoRicezione_Type`: the recipient's answer to `RiceviFatture`; ER01 is the only value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EsitoRicezione {
    /// ER01 PRESA IN CARICO
    PresaInCarico,
}

impl EsitoRicezione {
    pub fn code(self) -> &'static str {
        match self {
            Self::PresaInCarico => "ER01",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        (code == "ER01").then_some(Self::PresaInCarico)
    }
}

// ---------------------------------------------------------------------------------------------
// Field specifications (the XSD sequences)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Binary,
    Group(&'static [FieldSpec]),
}

#[derive(Debug)]
struct FieldSpec {
    name: &'static str,
    kind: Kind,
    required: bool,
}

const fn required(name: &'static str, kind: Kind) -> FieldSpec {
    FieldSpec {
        name,
        kind,
        required: true,
    }
}

const fn optional(name: &'static str, kind: Kind) -> FieldSpec {
    FieldSpec {
        name,
        kind,
        required: false,
    }
}

/// `fileSdIBase_Type`
const FILE_SDI_BASE: &[FieldSpec] = &[
    required("NomeFile", Kind::Text),
    required("File", Kind::Binary),
];
/// `fileSdI_Type`
const FILE_SDI: &[FieldSpec] = &[
    required("IdentificativoSdI", Kind::Text),
    required("NomeFile", Kind::Text),
    required("File", Kind::Binary),
];
/// `fileSdIConMetadati_Type`
const FILE_SDI_CON_METADATI: &[FieldSpec] = &[
    required("IdentificativoSdI", Kind::Text),
    required("NomeFile", Kind::Text),
    required("File", Kind::Binary),
    required("NomeFileMetadati", Kind::Text),
    required("Metadati", Kind::Binary),
];
/// `rispostaSdIRiceviFile_Type`
const RISPOSTA_RICEVI_FILE: &[FieldSpec] = &[
    required("IdentificativoSdI", Kind::Text),
    required("DataOraRicezione", Kind::Text),
    optional("Errore", Kind::Text),
];
/// `rispostaRiceviFatture_Type`
const RISPOSTA_RICEVI_FATTURE: &[FieldSpec] = &[required("Esito", Kind::Text)];
/// `rispostaSdINotificaEsito_Type`
const RISPOSTA_NOTIFICA_ESITO: &[FieldSpec] = &[
    required("Esito", Kind::Text),
    optional("ScartoEsito", Kind::Group(FILE_SDI_BASE)),
];

// ---------------------------------------------------------------------------------------------
// Parsed messages
// ---------------------------------------------------------------------------------------------

/// The value of one leaf field as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// Element text, trimmed (for binary fields: the inline base64, not yet decoded).
    Text(String),
    /// The bytes of the MIME part an `xop:Include` pointed at.
    Attachment(Vec<u8>),
}

/// A leaf field. Fields inside a group are named by path, e.g. `ScartoEsito/NomeFile`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub value: FieldValue,
}

/// A request that matched one of the SDICoop operations and its XSD sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoapRequest {
    pub operation: Operation,
    /// In document order; every required field is present, nothing else is.
    pub fields: Vec<Field>,
}

impl SoapRequest {
    /// Text of a text field; `None` if absent or if it came as an attachment.
    pub fn text(&self, name: &str) -> Option<&str> {
        field_text(&self.fields, name)
    }

    /// Bytes of a binary field: the decoded inline base64 or the referenced MTOM part.
    pub fn binary(&self, name: &str) -> Result<Vec<u8>, SoapError> {
        field_binary(&self.fields, name)
    }

    /// `IdentificativoSdI` as a number (`xsd:integer`, at most 12 digits).
    pub fn identificativo_sdi(&self) -> Result<u64, SoapError> {
        field_identificativo_sdi(&self.fields)
    }

    /// `NomeFile`, present in every request.
    pub fn nome_file(&self) -> Result<&str, SoapError> {
        required_text(&self.fields, "NomeFile")
    }
}

fn field_text<'a>(fields: &'a [Field], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|f| f.name == name)
        .and_then(|f| match &f.value {
            FieldValue::Text(t) => Some(t.as_str()),
            FieldValue::Attachment(_) => None,
        })
}

fn required_text<'a>(fields: &'a [Field], name: &str) -> Result<&'a str, SoapError> {
    match fields.iter().find(|f| f.name == name).map(|f| &f.value) {
        Some(FieldValue::Text(t)) => Ok(t),
        Some(FieldValue::Attachment(_)) => Err(SoapError::InvalidValue {
            element: name.to_string(),
            reason: "expected text, found an xop:Include".to_string(),
        }),
        None => Err(SoapError::MissingElement {
            element: name.to_string(),
            parent: "the message".to_string(),
        }),
    }
}

fn field_binary(fields: &[Field], name: &str) -> Result<Vec<u8>, SoapError> {
    match fields.iter().find(|f| f.name == name).map(|f| &f.value) {
        Some(FieldValue::Attachment(bytes)) => Ok(bytes.clone()),
        Some(FieldValue::Text(text)) => {
            let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
            mtom::lenient_base64()
                .decode(&compact)
                .map_err(|e| SoapError::InvalidValue {
                    element: name.to_string(),
                    reason: format!("invalid base64: {e}"),
                })
        }
        None => Err(SoapError::MissingElement {
            element: name.to_string(),
            parent: "the message".to_string(),
        }),
    }
}

fn field_identificativo_sdi(fields: &[Field]) -> Result<u64, SoapError> {
    parse_identificativo(required_text(fields, "IdentificativoSdI")?)
}

fn parse_identificativo(text: &str) -> Result<u64, SoapError> {
    let invalid = |reason: &str| SoapError::InvalidValue {
        element: "IdentificativoSdI".to_string(),
        reason: format!("{reason} (got {text:?})"),
    };
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("not a non-negative integer"));
    }
    let significant = digits.trim_start_matches('0');
    if significant.len() > 12 {
        return Err(invalid("more than 12 digits"));
    }
    if significant.is_empty() {
        return Ok(0);
    }
    significant
        .parse()
        .map_err(|_| invalid("not a non-negative integer"))
}

/// What SDI answers to `RiceviFile`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RispostaRiceviFile {
    pub identificativo_sdi: u64,
    /// `xsd:dateTime` as written by the sender.
    pub data_ora_ricezione: String,
    pub errore: Option<ErroreInvio>,
}

/// What SDI answers to `NotificaEsito`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RispostaNotificaEsito {
    pub esito: EsitoNotifica,
    /// `ScartoEsito`: the SE message's file name and bytes.
    pub scarto: Option<(String, Vec<u8>)>,
}

// ---------------------------------------------------------------------------------------------
// Parsing entry points
// ---------------------------------------------------------------------------------------------

/// Reads an SDICoop request (plain SOAP 1.1 or MTOM) and identifies the operation by the
/// body's wrapper element. Use [`parse_request_with_action`] when the SOAPAction is known
/// and `RicezioneFatture.NotificaDecorrenzaTermini` must be told apart from `NotificaEsito`.
pub fn parse_request(content_type: Option<&str>, body: &[u8]) -> Result<SoapRequest, SoapError> {
    parse_request_with_action(content_type, None, body)
}

/// Like [`parse_request`], but when a (non-empty) SOAPAction header value is given the
/// operation comes from it and the body's wrapper element must match it.
pub fn parse_request_with_action(
    content_type: Option<&str>,
    soap_action: Option<&str>,
    body: &[u8],
) -> Result<SoapRequest, SoapError> {
    let payload = read_envelope(content_type, body)?.ok_or(SoapError::EmptyBody)?;
    let element = payload.display_name();
    let operation = match soap_action.map(unquote_action).filter(|a| !a.is_empty()) {
        Some(action) => {
            let op = Operation::from_soap_action(action)
                .ok_or_else(|| SoapError::UnknownSoapAction(action.to_string()))?;
            if payload.ns.as_deref() != Some(op.namespace()) || payload.name != op.element() {
                return Err(SoapError::SoapActionMismatch {
                    action: action.to_string(),
                    element,
                });
            }
            op
        }
        None => Operation::from_element(payload.ns.as_deref(), &payload.name)
            .ok_or(SoapError::UnknownOperation { element })?,
    };
    let mut fields = Vec::new();
    collect_fields(&payload, operation.fields(), "", &mut fields)?;
    Ok(SoapRequest { operation, fields })
}

/// Reads SDI's answer to `RiceviFile`.
pub fn parse_ricevi_file_response(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<RispostaRiceviFile, SoapError> {
    let fields = read_response(
        content_type,
        body,
        TRASMISSIONE_TYPES_NS,
        "rispostaSdIRiceviFile",
        RISPOSTA_RICEVI_FILE,
    )?;
    let errore = match field_text(&fields, "Errore") {
        Some(code) => {
            Some(
                ErroreInvio::from_code(code).ok_or_else(|| SoapError::InvalidValue {
                    element: "Errore".to_string(),
                    reason: format!("unknown code {code:?} (expected EI01, EI02 or EI03)"),
                })?,
            )
        }
        None => None,
    };
    Ok(RispostaRiceviFile {
        identificativo_sdi: field_identificativo_sdi(&fields)?,
        data_ora_ricezione: required_text(&fields, "DataOraRicezione")?.to_string(),
        errore,
    })
}

/// Reads SDI's answer to `NotificaEsito`.
pub fn parse_notifica_esito_response(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<RispostaNotificaEsito, SoapError> {
    let fields = read_response(
        content_type,
        body,
        RICEZIONE_TYPES_NS,
        "rispostaSdINotificaEsito",
        RISPOSTA_NOTIFICA_ESITO,
    )?;
    let code = required_text(&fields, "Esito")?;
    let esito = EsitoNotifica::from_code(code).ok_or_else(|| SoapError::InvalidValue {
        element: "Esito".to_string(),
        reason: format!("unknown code {code:?} (expected ES00, ES01 or ES02)"),
    })?;
    let scarto = if fields.iter().any(|f| f.name.starts_with("ScartoEsito/")) {
        Some((
            required_text(&fields, "ScartoEsito/NomeFile")?.to_string(),
            field_binary(&fields, "ScartoEsito/File")?,
        ))
    } else {
        None
    };
    Ok(RispostaNotificaEsito { esito, scarto })
}

/// Reads a recipient's answer to `RiceviFatture`; anything but ER01 is an error.
pub fn parse_ricevi_fatture_response(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<EsitoRicezione, SoapError> {
    let fields = read_response(
        content_type,
        body,
        RICEZIONE_TYPES_NS,
        "rispostaRiceviFatture",
        RISPOSTA_RICEVI_FATTURE,
    )?;
    let code = required_text(&fields, "Esito")?;
    EsitoRicezione::from_code(code).ok_or_else(|| SoapError::InvalidValue {
        element: "Esito".to_string(),
        reason: format!("unknown code {code:?} (expected ER01)"),
    })
}

/// Checks the answer to a one-way operation: only a readable SOAP Fault is an error
/// ([`SoapError::Fault`]). An empty HTTP body, an empty Body or anything else is accepted:
/// the WSDL defines no output, real receivers answer 200/202 with whatever their stack
/// produces, and the HTTP status is the caller's primary signal.
pub fn parse_one_way_response(content_type: Option<&str>, body: &[u8]) -> Result<(), SoapError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    match read_envelope(content_type, body) {
        Ok(Some(payload)) if is_fault(&payload) => Err(fault_error(&payload)),
        _ => Ok(()),
    }
}

fn read_response(
    content_type: Option<&str>,
    body: &[u8],
    ns: &str,
    element: &str,
    spec: &[FieldSpec],
) -> Result<Vec<Field>, SoapError> {
    let payload = read_envelope(content_type, body)?.ok_or(SoapError::EmptyBody)?;
    if is_fault(&payload) {
        return Err(fault_error(&payload));
    }
    if payload.ns.as_deref() != Some(ns) || payload.name != element {
        return Err(SoapError::UnexpectedElement {
            element: payload.display_name(),
            parent: "soap:Body".to_string(),
            detail: format!("; expected {{{ns}}}{element}"),
        });
    }
    let mut fields = Vec::new();
    collect_fields(&payload, spec, "", &mut fields)?;
    Ok(fields)
}

fn is_fault(node: &Node) -> bool {
    node.ns.as_deref() == Some(SOAP_ENVELOPE_NS) && node.name == "Fault"
}

fn fault_error(node: &Node) -> SoapError {
    let child_text = |name: &str| {
        node.children
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.text.trim().to_string())
            .unwrap_or_default()
    };
    SoapError::Fault {
        faultcode: child_text("faultcode"),
        faultstring: child_text("faultstring"),
    }
}

/// Matches the wrapper's children against the XSD sequence, in order. Errors name the
/// element so that an integrator can see exactly what is wrong with its request.
fn collect_fields(
    parent: &Node,
    spec: &[FieldSpec],
    prefix: &str,
    out: &mut Vec<Field>,
) -> Result<(), SoapError> {
    let parent_name = parent.display_name();
    let mut next = 0;
    for child in &parent.children {
        if let Some(ns) = &child.ns {
            return Err(SoapError::UnexpectedElement {
                element: child.display_name(),
                parent: parent_name,
                detail: format!(
                    "; {} must be unqualified (no namespace), found in namespace {ns}",
                    child.name
                ),
            });
        }
        let remaining = spec.get(next..).unwrap_or_default();
        let Some(offset) = remaining.iter().position(|s| s.name == child.name) else {
            let seen_before = spec
                .get(..next)
                .unwrap_or_default()
                .iter()
                .any(|s| s.name == child.name);
            return Err(SoapError::UnexpectedElement {
                element: child.name.clone(),
                parent: parent_name,
                detail: if seen_before {
                    "; repeated or out of order".to_string()
                } else {
                    String::new()
                },
            });
        };
        if let Some(skipped) = remaining
            .get(..offset)
            .unwrap_or_default()
            .iter()
            .find(|s| s.required)
        {
            return Err(SoapError::MissingElement {
                element: skipped.name.to_string(),
                parent: parent_name,
            });
        }
        next += offset + 1;
        let Some(field_spec) = remaining.get(offset) else {
            continue;
        };
        let path = format!("{prefix}{}", field_spec.name);
        match field_spec.kind {
            Kind::Group(inner) => {
                if child.attachment.is_some() || !child.text.trim().is_empty() {
                    return Err(SoapError::InvalidValue {
                        element: path,
                        reason: "expected child elements, found text".to_string(),
                    });
                }
                collect_fields(child, inner, &format!("{path}/"), out)?;
            }
            Kind::Text | Kind::Binary => {
                if let Some(grandchild) = child.children.first() {
                    return Err(SoapError::UnexpectedElement {
                        element: grandchild.display_name(),
                        parent: child.name.clone(),
                        detail: "; expected text only".to_string(),
                    });
                }
                let value = match (&child.attachment, field_spec.kind) {
                    (Some(bytes), Kind::Binary) => FieldValue::Attachment(bytes.clone()),
                    (Some(_), _) => {
                        return Err(SoapError::InvalidValue {
                            element: path,
                            reason: "xop:Include is only allowed in binary fields".to_string(),
                        });
                    }
                    (None, _) => FieldValue::Text(child.text.trim().to_string()),
                };
                out.push(Field { name: path, value });
            }
        }
    }
    if let Some(missing) = spec
        .get(next..)
        .unwrap_or_default()
        .iter()
        .find(|s| s.required)
    {
        return Err(SoapError::MissingElement {
            element: missing.name.to_string(),
            parent: parent_name,
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Envelope reader
// ---------------------------------------------------------------------------------------------

/// An element of the body payload with its xop:Include already resolved.
#[derive(Debug, Default)]
struct Node {
    /// Namespace URI; `None` when the element is in no namespace.
    ns: Option<String>,
    name: String,
    /// The element's own text, untrimmed.
    text: String,
    /// The bytes of the MIME part its `xop:Include` pointed at.
    attachment: Option<Vec<u8>>,
    children: Vec<Node>,
}

impl Node {
    fn display_name(&self) -> String {
        match &self.ns {
            Some(ns) => format!("{{{ns}}}{}", self.name),
            None => self.name.clone(),
        }
    }
}

enum Framing {
    Plain,
    Mtom(mtom::MediaType),
}

fn framing(content_type: Option<&str>) -> Result<Framing, SoapError> {
    let Some(ct) = content_type.filter(|c| !c.trim().is_empty()) else {
        return Ok(Framing::Plain);
    };
    let media_type = mtom::parse_media_type(ct)
        .map_err(|_| SoapError::UnsupportedContentType(ct.to_string()))?;
    match media_type.essence.as_str() {
        "text/xml" | "application/xml" => Ok(Framing::Plain),
        "multipart/related" => {
            if let Some(kind) = media_type.param("type")
                && !kind.eq_ignore_ascii_case("application/xop+xml")
            {
                return Err(SoapError::UnsupportedContentType(format!(
                    "{ct} (multipart/related must have type=\"application/xop+xml\")"
                )));
            }
            Ok(Framing::Mtom(media_type))
        }
        "application/soap+xml" => Err(SoapError::UnsupportedContentType(format!(
            "{ct} (SOAP 1.2; SDICoop uses SOAP 1.1 with text/xml)"
        ))),
        _ => Err(SoapError::UnsupportedContentType(ct.to_string())),
    }
}

/// Reads the envelope and returns the first (only) child of `soap:Body`, `None` if the Body
/// is empty.
fn read_envelope(content_type: Option<&str>, body: &[u8]) -> Result<Option<Node>, SoapError> {
    if body.len() > MAX_MESSAGE_BYTES {
        return Err(SoapError::TooLarge {
            size: body.len(),
            limit: MAX_MESSAGE_BYTES,
        });
    }
    let package = match framing(content_type)? {
        Framing::Plain => None,
        Framing::Mtom(media_type) => Some(mtom::parse_related(&media_type, body)?),
    };
    let xml_bytes = match &package {
        Some(p) => p.root.body.as_slice(),
        None => body,
    };
    let document = xml::parse_with(xml_bytes, LIMITS).map_err(refusal)?;
    payload(document.root, package.as_ref())
}

/// The reader's refusal in the codec's terms: the hostile cases keep their own variants (a
/// fault names a DTD, the entity, the limit), a missing root is no SOAP envelope, and the
/// rest is malformed XML.
fn refusal(error: XmlError) -> SoapError {
    match error {
        XmlError::NotUtf8 { .. } => SoapError::NotUtf8,
        XmlError::Doctype { .. } => SoapError::DtdRefused,
        XmlError::Entity {
            entity: Some(entity),
            ..
        } => SoapError::EntityRefused(entity),
        XmlError::TooDeep { limit, .. } => SoapError::TooDeep(limit),
        XmlError::TooManyElements { limit } => SoapError::TooManyElements(limit),
        XmlError::NoRoot => SoapError::NotSoap11("no root element".to_string()),
        other @ (XmlError::Malformed(_) | XmlError::Entity { entity: None, .. }) => {
            SoapError::Xml(other.to_string())
        }
    }
}

/// The Body's element from `soap:Envelope`: an optional Header, then the Body, nothing else.
fn payload(envelope: Element, package: Option<&Package>) -> Result<Option<Node>, SoapError> {
    if !envelope.is(SOAP_ENVELOPE_NS, "Envelope") {
        if envelope.ns == SOAP12_ENVELOPE_NS {
            return Err(SoapError::NotSoap11(
                "SOAP 1.2 envelope; SDICoop uses SOAP 1.1".to_string(),
            ));
        }
        return Err(SoapError::NotSoap11(format!(
            "root element is {}, expected {{{SOAP_ENVELOPE_NS}}}Envelope",
            envelope.clark_name()
        )));
    }
    if envelope.has_text() {
        return Err(SoapError::Xml("text inside soap:Envelope".into()));
    }
    let mut seen_header = false;
    let mut body = None;
    for child in envelope.children {
        let in_soap = child.ns == SOAP_ENVELOPE_NS;
        if in_soap && child.name == "Header" && !seen_header && body.is_none() {
            seen_header = true;
            check_header(&child)?;
        } else if in_soap && child.name == "Body" && body.is_none() {
            body = Some(read_body(child, package)?);
        } else {
            return Err(SoapError::UnexpectedElement {
                element: child.clark_name(),
                parent: "soap:Envelope".to_string(),
                detail: String::new(),
            });
        }
    }
    body.ok_or_else(|| SoapError::NotSoap11("soap:Body is missing".to_string()))
}

/// Header blocks are ignored (SDICoop defines none; CXF/WCF may add WS-Addressing) unless
/// they demand to be understood, which SOAP 1.1 §4.2.3 says must then fault.
fn check_header(header: &Element) -> Result<(), SoapError> {
    if header.has_text() {
        return Err(SoapError::Xml("text inside soap:Header".into()));
    }
    for block in &header.children {
        let must_understand = block
            .attr_in(SOAP_ENVELOPE_NS, "mustUnderstand")
            .is_some_and(|value| matches!(value.trim(), "1" | "true"));
        if must_understand {
            return Err(SoapError::MustUnderstand(block.clark_name()));
        }
    }
    Ok(())
}

/// The Body's one element, `None` when the Body is empty.
fn read_body(body: Element, package: Option<&Package>) -> Result<Option<Node>, SoapError> {
    if body.has_text() {
        return Err(SoapError::Xml("text inside soap:Body".into()));
    }
    let mut children = body.children.into_iter();
    let Some(first) = children.next() else {
        return Ok(None);
    };
    let payload = node(first, package)?;
    if let Some(second) = children.next() {
        return Err(SoapError::UnexpectedElement {
            element: second.clark_name(),
            parent: "soap:Body".to_string(),
            detail: format!(
                "; the Body must hold one element and already holds {}",
                payload.display_name()
            ),
        });
    }
    Ok(Some(payload))
}

/// `element` as a payload node, its `xop:Include`s resolved, its children in order.
fn node(element: Element, package: Option<&Package>) -> Result<Node, SoapError> {
    let mut node = Node {
        ns: Some(element.ns).filter(|ns| !ns.is_empty()),
        name: element.name,
        text: element.raw_text,
        attachment: None,
        children: Vec::new(),
    };
    for child in element.children {
        if child.is(XOP_NS, "Include") {
            read_include(&mut node, &child, package)?;
        } else {
            let child = self::node(child, package)?;
            node.children.push(child);
        }
    }
    let has_text = !xml::is_whitespace(&node.text);
    if (has_text || node.attachment.is_some()) && !node.children.is_empty() {
        return Err(SoapError::InvalidValue {
            element: node.name.clone(),
            reason: "mixes text and child elements".to_string(),
        });
    }
    if has_text && node.attachment.is_some() {
        return Err(SoapError::InvalidValue {
            element: node.name.clone(),
            reason: "holds both text and an xop:Include".to_string(),
        });
    }
    Ok(node)
}

/// Puts the MIME part an `xop:Include` inside `node` points at into `node`.
fn read_include(
    node: &mut Node,
    include: &Element,
    package: Option<&Package>,
) -> Result<(), SoapError> {
    let element = node.name.clone();
    let href = include
        .attr_in("", "href")
        .map(str::to_owned)
        .ok_or_else(|| SoapError::InvalidValue {
            element: element.clone(),
            reason: "xop:Include without href".to_string(),
        })?;
    // xop:Include must be empty (XOP 1.0 §3.2).
    if include.has_text() || !include.children.is_empty() {
        return Err(SoapError::InvalidValue {
            element,
            reason: "xop:Include must be empty".to_string(),
        });
    }
    if node.attachment.is_some() {
        return Err(SoapError::InvalidValue {
            element,
            reason: "more than one xop:Include".to_string(),
        });
    }
    let package = package.ok_or_else(|| SoapError::InvalidValue {
        element: element.clone(),
        reason: "xop:Include in a message that is not MTOM (multipart/related)".to_string(),
    })?;
    let bytes = package
        .resolve_href(&href)
        .ok_or(SoapError::MissingAttachment { element, href })?;
    node.attachment = Some(bytes.to_vec());
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Writers
// ---------------------------------------------------------------------------------------------

/// A message eisim sends as an HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoapMessage {
    pub content_type: String,
    pub body: Vec<u8>,
}

/// A request eisim sends to an integrator (or, in tests, to itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundCall {
    /// The SOAPAction URI, unquoted; send it with [`OutboundCall::soap_action_header`].
    pub soap_action: String,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl OutboundCall {
    /// The SOAPAction HTTP header value: SOAP 1.1 §6.1.1 wants the URI in double quotes.
    pub fn soap_action_header(&self) -> String {
        format!("\"{}\"", self.soap_action)
    }
}

/// A wrapper child to write.
enum Out<'a> {
    Text(&'static str, String),
    Binary(&'static str, &'a [u8]),
    Group(&'static str, Vec<Out<'a>>),
}

/// Writes the envelope and, for MTOM, moves every binary into its own part. Content-IDs are
/// `<path>@eisim` (e.g. `File@eisim`, `ScartoEsito.File@eisim`): unique within a message
/// and stable for snapshots.
fn write_message<'a>(
    ns: &str,
    element: &str,
    children: &[Out<'a>],
    mtom: bool,
) -> (String, Vec<u8>) {
    let mut xml = String::new();
    let mut attachments: Vec<(String, &'a [u8])> = Vec::new();
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(xml, "<soap:Envelope xmlns:soap=\"{SOAP_ENVELOPE_NS}\">");
    xml.push_str("  <soap:Body>\n");
    let _ = writeln!(xml, "    <typ:{element} xmlns:typ=\"{ns}\">");
    write_children(&mut xml, children, 3, "", mtom, &mut attachments);
    let _ = writeln!(xml, "    </typ:{element}>");
    xml.push_str("  </soap:Body>\n");
    xml.push_str("</soap:Envelope>\n");
    finish(xml, &attachments, mtom)
}

fn finish(xml: String, attachments: &[(String, &[u8])], mtom: bool) -> (String, Vec<u8>) {
    if mtom {
        let parts: Vec<Attachment<'_>> = attachments
            .iter()
            .map(|(id, bytes)| Attachment {
                content_id: id,
                bytes,
            })
            .collect();
        mtom::build_related(xml.as_bytes(), &parts)
    } else {
        (PLAIN_CONTENT_TYPE.to_string(), xml.into_bytes())
    }
}

fn write_children<'a>(
    xml: &mut String,
    children: &[Out<'a>],
    level: usize,
    path: &str,
    mtom: bool,
    attachments: &mut Vec<(String, &'a [u8])>,
) {
    let indent = "  ".repeat(level);
    for child in children {
        match child {
            Out::Text(name, value) => {
                let _ = writeln!(
                    xml,
                    "{indent}<{name}>{}</{name}>",
                    quick_xml::escape::escape(value.as_str())
                );
            }
            Out::Binary(name, bytes) => {
                if mtom {
                    let content_id = format!("{path}{name}@eisim");
                    let _ = writeln!(
                        xml,
                        "{indent}<{name}><xop:Include xmlns:xop=\"{XOP_NS}\" href=\"cid:{content_id}\"/></{name}>"
                    );
                    attachments.push((content_id, bytes));
                } else {
                    let _ = writeln!(
                        xml,
                        "{indent}<{name}>{}</{name}>",
                        mtom::encode_base64(bytes)
                    );
                }
            }
            Out::Group(name, inner) => {
                let _ = writeln!(xml, "{indent}<{name}>");
                write_children(
                    xml,
                    inner,
                    level + 1,
                    &format!("{path}{name}."),
                    mtom,
                    attachments,
                );
                let _ = writeln!(xml, "{indent}</{name}>");
            }
        }
    }
}

fn outbound(operation: Operation, children: &[Out<'_>], mtom: bool) -> OutboundCall {
    let (content_type, body) =
        write_message(operation.namespace(), operation.element(), children, mtom);
    OutboundCall {
        soap_action: operation.soap_action().to_string(),
        content_type,
        body,
    }
}

fn file_sdi<'a>(identificativo_sdi: u64, name: &str, file: &'a [u8]) -> Vec<Out<'a>> {
    vec![
        Out::Text("IdentificativoSdI", identificativo_sdi.to_string()),
        Out::Text("NomeFile", name.to_string()),
        Out::Binary("File", file),
    ]
}

/// SDI's answer to `RiceviFile`. `received_at` is an already formatted `xsd:dateTime`.
/// `IdentificativoSdI` and `DataOraRicezione` are mandatory even with an `Errore`. There is
/// no binary field, so the MTOM form is just the envelope in a one-part package (what SDI's
/// stack sends by default).
pub fn risposta_ricevi_file(
    identificativo_sdi: u64,
    received_at: &str,
    errore: Option<ErroreInvio>,
    mtom: bool,
) -> SoapMessage {
    let mut children = vec![
        Out::Text("IdentificativoSdI", identificativo_sdi.to_string()),
        Out::Text("DataOraRicezione", received_at.to_string()),
    ];
    if let Some(errore) = errore {
        children.push(Out::Text("Errore", errore.code().to_string()));
    }
    let (content_type, body) = write_message(
        TRASMISSIONE_TYPES_NS,
        "rispostaSdIRiceviFile",
        &children,
        mtom,
    );
    SoapMessage { content_type, body }
}

/// SDI's answer to `NotificaEsito`; `scarto` (SE file name and XML) belongs with ES00.
pub fn risposta_notifica_esito(
    esito: EsitoNotifica,
    scarto: Option<(String, Vec<u8>)>,
    mtom: bool,
) -> SoapMessage {
    let mut children = vec![Out::Text("Esito", esito.code().to_string())];
    if let Some((name, bytes)) = &scarto {
        children.push(Out::Group(
            "ScartoEsito",
            vec![
                Out::Text("NomeFile", name.clone()),
                Out::Binary("File", bytes),
            ],
        ));
    }
    let (content_type, body) = write_message(
        RICEZIONE_TYPES_NS,
        "rispostaSdINotificaEsito",
        &children,
        mtom,
    );
    SoapMessage { content_type, body }
}

/// A recipient's answer to `RiceviFatture` (ER01); eisim uses it to play the integrator in
/// tests.
pub fn risposta_ricevi_fatture(mtom: bool) -> SoapMessage {
    let children = [Out::Text(
        "Esito",
        EsitoRicezione::PresaInCarico.code().to_string(),
    )];
    let (content_type, body) =
        write_message(RICEZIONE_TYPES_NS, "rispostaRiceviFatture", &children, mtom);
    SoapMessage { content_type, body }
}

/// A SOAP 1.1 Fault; the caller sends it with HTTP 500. `faultcode` is a QName in the
/// envelope's `soap` prefix, e.g. `soap:Client` or `soap:Server`.
pub fn fault(faultcode: &str, faultstring: &str) -> SoapMessage {
    let mut xml = String::new();
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(xml, "<soap:Envelope xmlns:soap=\"{SOAP_ENVELOPE_NS}\">");
    xml.push_str("  <soap:Body>\n    <soap:Fault>\n");
    let _ = writeln!(
        xml,
        "      <faultcode>{}</faultcode>",
        quick_xml::escape::escape(faultcode)
    );
    let _ = writeln!(
        xml,
        "      <faultstring>{}</faultstring>",
        quick_xml::escape::escape(faultstring)
    );
    xml.push_str("    </soap:Fault>\n  </soap:Body>\n</soap:Envelope>\n");
    SoapMessage {
        content_type: PLAIN_CONTENT_TYPE.to_string(),
        body: xml.into_bytes(),
    }
}

/// SDI → transmitter: one of the six `TrasmissioneFatture` notifications. `message_name` and
/// `message` are the notification file (e.g. `IT01234567890_11111_RC_001.xml`, or the AT ZIP).
pub fn trasmissione_fatture(
    op: TrasmissioneOp,
    identificativo_sdi: u64,
    message_name: &str,
    message: &[u8],
    mtom: bool,
) -> OutboundCall {
    outbound(
        Operation::TrasmissioneFatture(op),
        &file_sdi(identificativo_sdi, message_name, message),
        mtom,
    )
}

/// SDI → recipient: the invoice file and its metadata file (MT).
pub fn ricevi_fatture(
    identificativo_sdi: u64,
    invoice_name: &str,
    invoice: &[u8],
    metadata_name: &str,
    metadata: &[u8],
    mtom: bool,
) -> OutboundCall {
    let children = [
        Out::Text("IdentificativoSdI", identificativo_sdi.to_string()),
        Out::Text("NomeFile", invoice_name.to_string()),
        Out::Binary("File", invoice),
        Out::Text("NomeFileMetadati", metadata_name.to_string()),
        Out::Binary("Metadati", metadata),
    ];
    outbound(Operation::RiceviFatture, &children, mtom)
}

/// SDI → PA recipient: the DT message.
pub fn notifica_decorrenza_termini(
    identificativo_sdi: u64,
    name: &str,
    dt_xml: &[u8],
    mtom: bool,
) -> OutboundCall {
    outbound(
        Operation::NotificaDecorrenzaTermini,
        &file_sdi(identificativo_sdi, name, dt_xml),
        mtom,
    )
}

/// Transmitter → SDI upload (used by eisim's tests to play the integrator).
pub fn ricevi_file_request(name: &str, file: &[u8], mtom: bool) -> OutboundCall {
    let children = [
        Out::Text("NomeFile", name.to_string()),
        Out::Binary("File", file),
    ];
    outbound(Operation::RiceviFile, &children, mtom)
}

/// PA recipient → SDI outcome (EC) (used by eisim's tests to play the integrator).
pub fn notifica_esito_request(
    identificativo_sdi: u64,
    ec_name: &str,
    ec_xml: &[u8],
    mtom: bool,
) -> OutboundCall {
    outbound(
        Operation::NotificaEsito,
        &file_sdi(identificativo_sdi, ec_name, ec_xml),
        mtom,
    )
}

#[cfg(test)]
#[path = "soap_tests.rs"]
mod tests;
