//! Every notification SDI exchanges about an invoice file, written as the XML the official
//! schemas describe, plus the message file names and the reader for the recipient's outcome
//! (EC).
//!
//! The invoice's `FormatoTrasmissione` picks one of two schema families: FPA12 invoices (to a
//! public administration) use `MessaggiTypes_v1.1.xsd` and know all nine messages; FPR12 and
//! FSM10 (B2B/B2C) use `MessaggiFatturaTypes_v1.0.xsd`, which has only RC, NS, MC and MT and
//! differs in details (a `Hash` of the invoice file, a `Suggerimento` per error, string
//! identifiers, longer descriptions). A [`Notification`] is one message; [`Notification::to_xml`]
//! checks that its body exists in its family, checks or trims every field to what the schema
//! allows, and signs it with [`SdiSigner`] when the schema requires a `ds:Signature` (all but MT
//! and EC). Element order follows the schemas' sequences exactly; roots are qualified with the
//! prefix `types:` in both families, children are unqualified.
//!
//! Times are `xsd:dateTime` in Italian local time with milliseconds and offset
//! (`2026-11-21T10:15:00.000+01:00`), the form SDI writes. The offset comes from the POSIX rule
//! `CET-1CEST,M3.5.0,M10.5.0/3` (the EU rule: last Sunday of March and October at 01:00 UTC)
//! rather than from the system's tz database, so it is right on machines without tzdata too.

use jiff::Timestamp;
use jiff::civil::Date;
use thiserror::Error;

use super::signature::{SdiSigner, SignatureError};
use crate::codelists::sdi::Family;
use crate::codelists::sdi::MessageType;
use crate::codelists::sdi::PA_NAMESPACE;
use crate::xml::{self, Element, Limits};
use crate::xmldsig::{DSIG_NS, XmlElement};

/// SDI's message names: a counter of at most three alphanumerics. 999 in decimal, then
/// `A00`..`ZZZ` in base 36.
const MAX_DECIMAL_COUNTER: u32 = 999;
const MAX_COUNTER: u32 = MAX_DECIMAL_COUNTER + 26 * 36 * 36;
/// Both schemas: `ListaErrori` holds 1 to 200 `Errore`.
pub const MAX_ERRORS: usize = 200;

#[derive(Debug, Error)]
pub enum MessageError {
    #[error("{message} ({name}) does not exist in the {family} flow")]
    WrongFamily {
        message: MessageType,
        name: &'static str,
        family: Family,
    },
    #[error("{field}: {reason}")]
    InvalidField { field: &'static str, reason: String },
    #[error(
        "{0:?} is not an SDI invoice file name (<IdPaese><IdCodice>_<progressivo>.xml|.xml.p7m|.zip)"
    )]
    InvalidFileName(String),
    #[error("message counter {0} is outside 1..={MAX_COUNTER}")]
    CounterOutOfRange(u32),
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// The EC does not conform to `NotificaEsitoCommittente_Type`: SDI answers ES00 with an SE
    /// carrying EN00.
    #[error("NotificaEsitoCommittente not conforming: {0}")]
    EsitoNonConforme(String),
}

fn invalid(field: &'static str, reason: impl Into<String>) -> MessageError {
    MessageError::InvalidField {
        field,
        reason: reason.into(),
    }
}

/// `RiferimentoArchivio`: the ZIP archive the invoice file arrived in, when it did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveRef {
    pub identificativo_sdi: u64,
    pub file_name: String,
}

/// What every message says about the invoice file it concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRef {
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
pub struct InvoiceRef {
    pub number: String,
    pub year: i16,
    /// Position of the body within a lotto, from 1.
    pub position: Option<u32>,
}

/// One `Errore` of a NotificaScarto / RicevutaScarto.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScartoError {
    /// `00001`..`00476`: five characters.
    pub code: String,
    pub description: String,
    /// B2B `Suggerimento` (written empty when absent: the element is required there); PA
    /// notifications have no place for it.
    pub suggestion: Option<String>,
}

/// `Esito` of an EC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Esito {
    /// EC01.
    Accettazione,
    /// EC02.
    Rifiuto,
}

impl Esito {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accettazione => "EC01",
            Self::Rifiuto => "EC02",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "EC01" => Some(Self::Accettazione),
            "EC02" => Some(Self::Rifiuto),
            _ => None,
        }
    }
}

/// `Scarto` of an SE: why SDI refused the recipient's EC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scarto {
    /// EN00: the EC does not conform to the format.
    NonConforme,
    /// EN01: the EC is not admissible (late, duplicate, unknown invoice...).
    NonAmmissibile,
}

impl Scarto {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NonConforme => "EN00",
            Self::NonAmmissibile => "EN01",
        }
    }
}

/// The recipient's outcome: the content of an EC, and of the `EsitoCommittente` inside NE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EsitoCommittente {
    pub identificativo_sdi: u64,
    pub invoice: Option<InvoiceRef>,
    pub esito: Esito,
    pub description: Option<String>,
    pub message_id_committente: Option<String>,
}

/// What a notification says beyond the file it concerns; the variant decides the message type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
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
    pub fn message_type(&self) -> MessageType {
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
pub struct Notification {
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
    pub fn message_type(&self) -> MessageType {
        self.body.message_type()
    }

    /// The message as a complete XML document, signed with `signer` (XAdES `SigningTime` =
    /// `signing_time`) when the schema requires a signature.
    pub fn to_xml(
        &self,
        signer: &SdiSigner,
        signing_time: Timestamp,
    ) -> Result<Vec<u8>, MessageError> {
        let root = self.to_element()?;
        let document = if self.message_type().is_signed() {
            signer.sign_enveloped(root, signing_time)?
        } else {
            root.to_document()
        };
        Ok(document.into_bytes())
    }

    /// Checks every field against the family's schema without signing: what can go wrong in
    /// [`Self::to_xml`] short of the signature itself.
    pub(crate) fn check(&self) -> Result<(), MessageError> {
        self.to_element().map(|_| ())
    }

    /// The unsigned document tree, every field checked against the family's schema.
    fn to_element(&self) -> Result<XmlElement, MessageError> {
        let family = self.family;
        let pa = family == Family::Pa;
        let kind = self.message_type();
        let root_name = kind.root_element(family).ok_or(MessageError::WrongFamily {
            message: kind,
            name: kind.root_element(Family::Pa).unwrap_or_default(),
            family,
        })?;
        let ns = family.root_namespace();
        let file = &self.file;
        let mut root = XmlElement::new(Some(ns), root_name).attribute("versione", "1.0");

        if let Body::EsitoCommittente(outcome) = &self.body {
            esito_content(&mut root, outcome)?;
            return Ok(root);
        }

        let id = identificativo(family, file.identificativo_sdi)?;
        let name = file_name("NomeFile", &file.file_name)?;
        let received = italian_date_time(file.received_at);
        let message_id = bounded("MessageId", &self.message_id, family.max_message_id())?;
        let hash = || -> Result<XmlElement, MessageError> {
            Ok(leaf("Hash", sha256_hex("Hash", &file.hash)?))
        };

        match &self.body {
            Body::RicevutaConsegna {
                delivered_at,
                recipient_code,
                recipient_name,
            } => {
                root.push(leaf("IdentificativoSdI", id));
                root.push(leaf("NomeFile", name));
                if !pa {
                    root.push(hash()?);
                }
                root.push(leaf("DataOraRicezione", received));
                root.push(leaf("DataOraConsegna", italian_date_time(*delivered_at)));
                root.push(destinatario(
                    family,
                    recipient_code,
                    recipient_name.as_deref(),
                )?);
                push_archive(&mut root, family, file)?;
            }
            Body::Scarto { errors } => {
                root.push(leaf("IdentificativoSdI", id));
                root.push(leaf("NomeFile", name));
                if !pa {
                    root.push(hash()?);
                }
                root.push(leaf("DataOraRicezione", received));
                push_archive(&mut root, family, file)?;
                root.push(lista_errori(family, errors)?);
            }
            Body::MancataConsegna {
                description,
                available_from,
            } => {
                root.push(leaf("IdentificativoSdI", id));
                root.push(leaf("NomeFile", name));
                if !pa {
                    root.push(hash()?);
                    let date = available_from.ok_or_else(|| {
                        invalid(
                            "DataMessaADisposizione",
                            "required in RicevutaImpossibilitaRecapito",
                        )
                    })?;
                    root.push(leaf("DataOraRicezione", received));
                    root.push(leaf("DataMessaADisposizione", date.to_string()));
                } else {
                    root.push(leaf("DataOraRicezione", received));
                }
                push_archive(&mut root, family, file)?;
                push_description(&mut root, family, description.as_deref());
            }
            Body::Esito { outcome } => {
                root.push(leaf("IdentificativoSdI", id));
                root.push(leaf("NomeFile", name));
                let mut esito =
                    XmlElement::new(None, "EsitoCommittente").attribute("versione", "1.0");
                esito_content(&mut esito, outcome)?;
                root.push(esito);
            }
            Body::DecorrenzaTermini {
                invoice,
                description,
            } => {
                root.push(leaf("IdentificativoSdI", id));
                if let Some(invoice) = invoice {
                    root.push(riferimento_fattura(invoice)?);
                }
                root.push(leaf("NomeFile", name));
                push_description(&mut root, family, description.as_deref());
            }
            Body::Attestazione {
                recipient_code,
                recipient_name,
            } => {
                root.push(leaf("IdentificativoSdI", id));
                root.push(leaf("NomeFile", name));
                root.push(leaf("DataOraRicezione", received));
                push_archive(&mut root, family, file)?;
                root.push(destinatario(
                    family,
                    recipient_code,
                    recipient_name.as_deref(),
                )?);
            }
            Body::Metadati {
                recipient_code,
                format,
                attempts,
            } => {
                root.push(leaf("IdentificativoSdI", id));
                root.push(leaf("NomeFile", name));
                if !pa {
                    root.push(hash()?);
                }
                root.push(leaf(
                    "CodiceDestinatario",
                    codice_destinatario(recipient_code)?,
                ));
                if format.is_empty() || format.chars().count() > 5 {
                    return Err(invalid(
                        "Formato",
                        format!("{format:?} is not 1..=5 characters"),
                    ));
                }
                root.push(leaf("Formato", format.clone()));
                root.push(leaf("TentativiInvio", attempts.to_string()));
                root.push(leaf("MessageId", message_id));
                push_note(&mut root, self.note.as_deref());
                return Ok(root);
            }
            Body::ScartoEsito {
                invoice,
                scarto,
                message_id_committente,
            } => {
                root.push(leaf("IdentificativoSdI", id));
                if let Some(invoice) = invoice {
                    root.push(riferimento_fattura(invoice)?);
                }
                root.push(leaf("Scarto", scarto.as_str()));
                root.push(leaf("MessageId", message_id));
                if let Some(committente) = message_id_committente {
                    root.push(leaf(
                        "MessageIdCommittente",
                        bounded(
                            "MessageIdCommittente",
                            committente,
                            Family::Pa.max_message_id(),
                        )?,
                    ));
                }
                push_note(&mut root, self.note.as_deref());
                return Ok(root);
            }
            Body::EsitoCommittente(_) => return Ok(root),
        }

        // The tail every signed transmitter message shares: MessageId, (PecMessageId, never
        // used: eisim is SDICoop only), Note; AT then adds its hash.
        root.push(leaf("MessageId", message_id));
        push_note(&mut root, self.note.as_deref());
        if let Body::Attestazione { .. } = self.body {
            root.push(leaf(
                "HashFileOriginale",
                sha256_hex("HashFileOriginale", &file.hash)?,
            ));
        }
        Ok(root)
    }
}

/// `xsd:dateTime` in Italian local time with milliseconds, e.g.
/// `2026-11-21T10:15:00.000+01:00`. Sub-millisecond digits are truncated.
pub fn italian_date_time(at: Timestamp) -> String {
    at.to_zoned(crate::civil_time::central_european())
        .strftime("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string()
}

fn leaf(name: &'static str, text: impl Into<String>) -> XmlElement {
    XmlElement::leaf(None, name, text)
}

fn identificativo(family: Family, id: u64) -> Result<String, MessageError> {
    // PA: xsd:integer with totalDigits 12. B2B: a string of 1..36, which any u64 fits.
    if family == Family::Pa && id > 999_999_999_999 {
        return Err(invalid(
            "IdentificativoSdI",
            format!("{id} has more than 12 digits"),
        ));
    }
    Ok(id.to_string())
}

fn file_name(field: &'static str, name: &str) -> Result<String, MessageError> {
    if name.is_empty() || name.chars().count() > 50 {
        return Err(invalid(field, format!("{name:?} is not 1..=50 characters")));
    }
    Ok(name.to_owned())
}

fn bounded(field: &'static str, value: &str, max: usize) -> Result<String, MessageError> {
    let count = value.chars().count();
    if count == 0 || count > max {
        return Err(invalid(
            field,
            format!("{value:?} is not 1..={max} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// Free text is cut rather than refused: a long description must not stop a notification from
/// going out, and the schema counts characters, so the cut is on a character boundary.
fn truncated(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

fn sha256_hex(field: &'static str, hash: &str) -> Result<String, MessageError> {
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid(field, format!("{hash:?} is not a SHA-256 in hex")));
    }
    Ok(hash.to_ascii_lowercase())
}

/// `CodiceDestinatario_Type`: `[A-Z0-9]{6,7}` in both families.
fn codice_destinatario(code: &str) -> Result<String, MessageError> {
    let ok = (6..=7).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if !ok {
        return Err(invalid(
            "CodiceDestinatario",
            format!("{code:?} is not [A-Z0-9]{{6,7}}"),
        ));
    }
    Ok(code.to_owned())
}

fn destinatario(
    family: Family,
    code: &str,
    name: Option<&str>,
) -> Result<XmlElement, MessageError> {
    let mut element =
        XmlElement::new(None, "Destinatario").child(leaf("Codice", codice_destinatario(code)?));
    match (family, name) {
        (_, Some(name)) => element.push(leaf("Descrizione", name)),
        (Family::Pa, None) => element.push(leaf("Descrizione", "")),
        (Family::B2b, None) => {}
    }
    Ok(element)
}

fn push_archive(root: &mut XmlElement, family: Family, file: &FileRef) -> Result<(), MessageError> {
    if let Some(archive) = &file.archive {
        root.push(
            XmlElement::new(None, "RiferimentoArchivio")
                .child(leaf(
                    "IdentificativoSdI",
                    identificativo(family, archive.identificativo_sdi)?,
                ))
                .child(leaf(
                    "NomeFile",
                    file_name("RiferimentoArchivio/NomeFile", &archive.file_name)?,
                )),
        );
    }
    Ok(())
}

fn push_description(root: &mut XmlElement, family: Family, description: Option<&str>) {
    if let Some(description) = description {
        root.push(leaf(
            "Descrizione",
            truncated(description, family.max_description()),
        ));
    }
}

fn push_note(root: &mut XmlElement, note: Option<&str>) {
    if let Some(note) = note {
        root.push(leaf("Note", note));
    }
}

fn lista_errori(family: Family, errors: &[ScartoError]) -> Result<XmlElement, MessageError> {
    if errors.is_empty() {
        return Err(invalid("ListaErrori", "a refusal needs at least one error"));
    }
    let mut list = XmlElement::new(None, "ListaErrori");
    for error in errors.iter().take(MAX_ERRORS) {
        // PA Codice_Type is exactly 5 characters, B2B CodiceErrore_Type 1..5.
        let count = error.code.chars().count();
        let fits = match family {
            Family::Pa => count == 5,
            Family::B2b => (1..=5).contains(&count),
        };
        if !fits {
            return Err(invalid(
                "Errore/Codice",
                format!("{:?} does not fit the {family} schema", error.code),
            ));
        }
        let mut element = XmlElement::new(None, "Errore")
            .child(leaf("Codice", error.code.clone()))
            .child(leaf(
                "Descrizione",
                truncated(&error.description, family.max_description()),
            ));
        if family == Family::B2b {
            let suggestion = error.suggestion.as_deref().unwrap_or_default();
            element.push(leaf("Suggerimento", truncated(suggestion, 2000)));
        }
        list.push(element);
    }
    Ok(list)
}

fn riferimento_fattura(invoice: &InvoiceRef) -> Result<XmlElement, MessageError> {
    // NumeroFattura_Type: 1..20 Basic Latin characters (a normalizedString, so no line breaks).
    let number = &invoice.number;
    let ok = (1..=20).contains(&number.len())
        && number
            .bytes()
            .all(|b| b.is_ascii() && !b.is_ascii_control());
    if !ok {
        return Err(invalid(
            "NumeroFattura",
            format!("{number:?} is not 1..=20 printable ASCII characters"),
        ));
    }
    let year = u16::try_from(invoice.year)
        .map_err(|_| invalid("AnnoFattura", format!("{} is negative", invoice.year)))?;
    let mut element = XmlElement::new(None, "RiferimentoFattura")
        .child(leaf("NumeroFattura", number.clone()))
        .child(leaf("AnnoFattura", year.to_string()));
    if let Some(position) = invoice.position {
        if position == 0 {
            return Err(invalid("PosizioneFattura", "positions start at 1"));
        }
        element.push(leaf("PosizioneFattura", position.to_string()));
    }
    Ok(element)
}

/// The children of `NotificaEsitoCommittente_Type`, shared by the EC root and NE's
/// `EsitoCommittente`.
fn esito_content(element: &mut XmlElement, outcome: &EsitoCommittente) -> Result<(), MessageError> {
    element.push(leaf(
        "IdentificativoSdI",
        identificativo(Family::Pa, outcome.identificativo_sdi)?,
    ));
    if let Some(invoice) = &outcome.invoice {
        element.push(riferimento_fattura(invoice)?);
    }
    element.push(leaf("Esito", outcome.esito.as_str()));
    push_description(element, Family::Pa, outcome.description.as_deref());
    if let Some(id) = &outcome.message_id_committente {
        element.push(leaf(
            "MessageIdCommittente",
            bounded("MessageIdCommittente", id, 14)?,
        ));
    }
    Ok(())
}

/// `<invoice file name without extension(s)>_<TT>_<NNN>.xml`, e.g.
/// `IT01234567890_00001_RC_001.xml`. `counter` is the per-file counter shared by all messages
/// of one invoice file: 1..=999 are written `001`..`999`; from 1000 on the three characters
/// continue in base 36 with a letter first (`A00` = 1000, `A01`, .., `ZZZ` = 34695), so the
/// name stays three alphanumerics and never collides with a decimal one. Beyond that, and for
/// 0, it is an error. The AT's XML gets `.xml` here too; the ZIP that carries it is named by
/// `archive::attestazione_zip_name`.
pub fn message_file_name(
    invoice_file_name: &str,
    kind: MessageType,
    counter: u32,
) -> Result<String, MessageError> {
    let base = invoice_base_name(invoice_file_name)?;
    let counter = counter_text(counter)?;
    Ok(format!("{base}_{}_{counter}.xml", kind.as_str()))
}

/// The invoice name without its extension, after checking it is an SDI invoice file name:
/// `<IdPaese: 2 letters A-Z><IdCodice: 2..28 alphanumerics>_<progressivo: 1..5
/// alphanumerics>` + `.xml`, `.xml.p7m` or `.zip` (extension case-insensitive).
fn invoice_base_name(name: &str) -> Result<&str, MessageError> {
    let bad = || MessageError::InvalidFileName(name.to_owned());
    let (base, extension) = name.split_once('.').ok_or_else(bad)?;
    let extension = extension.to_ascii_lowercase();
    if !matches!(extension.as_str(), "xml" | "xml.p7m" | "zip") {
        return Err(bad());
    }
    let (sender, progressivo) = base.split_once('_').ok_or_else(bad)?;
    let alnum = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric());
    let country = sender.get(..2).ok_or_else(bad)?;
    let code = sender.get(2..).ok_or_else(bad)?;
    let ok = country.bytes().all(|b| b.is_ascii_uppercase())
        && (2..=28).contains(&code.len())
        && alnum(code)
        && (1..=5).contains(&progressivo.len())
        && alnum(progressivo);
    if ok { Ok(base) } else { Err(bad()) }
}

fn counter_text(counter: u32) -> Result<String, MessageError> {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    match counter {
        1..=MAX_DECIMAL_COUNTER => Ok(format!("{counter:03}")),
        n if n > MAX_DECIMAL_COUNTER && n <= MAX_COUNTER => {
            let offset = n - (MAX_DECIMAL_COUNTER + 1);
            let digit = |value: u32| {
                usize::try_from(value)
                    .ok()
                    .and_then(|i| DIGITS.get(i))
                    .map(|b| char::from(*b))
                    .ok_or(MessageError::CounterOutOfRange(n))
            };
            let mut text = String::with_capacity(3);
            text.push(digit(10 + offset / (36 * 36))?);
            text.push(digit(offset / 36 % 36)?);
            text.push(digit(offset % 36)?);
            Ok(text)
        }
        n => Err(MessageError::CounterOutOfRange(n)),
    }
}

/// An EC is a dozen elements; anything this deep or this large is not one.
const LIMITS: Limits = Limits {
    max_depth: 32,
    max_elements: 10_000,
};

/// Reads an EC the recipient sent through `NotificaEsito`. Anything that does not conform to
/// `NotificaEsitoCommittente_Type` is refused with [`MessageError::EsitoNonConforme`] (SDI's
/// EN00); whether the outcome is admissible (known file, in time, not a duplicate: EN01) is
/// the caller's business. A `ds:Signature` is accepted and ignored (the simulator trusts its
/// recipients). Hostile XML (a DTD, an unknown entity, absurd depth or size) is refused by
/// the reader, and is not conforming either: no EC needs any of it.
pub fn parse_esito_committente(xml: &[u8]) -> Result<EsitoCommittente, MessageError> {
    let root = xml::parse_with(xml, LIMITS)
        .map_err(|error| MessageError::EsitoNonConforme(error.to_string()))?
        .root;
    let not_conforming = |reason: String| MessageError::EsitoNonConforme(reason);
    if !root.is(PA_NAMESPACE, "NotificaEsitoCommittente") {
        return Err(not_conforming(format!(
            "the root is {{{}}}{}, expected {{{PA_NAMESPACE}}}NotificaEsitoCommittente",
            root.ns, root.name
        )));
    }
    match root.attr_in("", "versione") {
        Some("1.0") => {}
        Some(value) => {
            return Err(not_conforming(format!(
                "versione is {value:?}, expected \"1.0\""
            )));
        }
        None => return Err(not_conforming("the versione attribute is missing".into())),
    }
    if let Some(attr) = root
        .attrs
        .iter()
        .find(|a| !(a.ns.is_empty() && a.name == "versione"))
    {
        return Err(not_conforming(format!(
            "unexpected attribute {}",
            attr.clark_name()
        )));
    }
    if !root.text().is_empty() {
        return Err(not_conforming("text directly inside the root".into()));
    }

    let mut children = root.children.iter().peekable();
    let mut take = |name: &str| -> Result<Option<&Element>, MessageError> {
        match children.peek() {
            Some(child) if child.is("", name) => Ok(children.next()),
            Some(child) if child.name == name => Err(MessageError::EsitoNonConforme(format!(
                "<{name}> must be unqualified, found it in namespace {}",
                child.ns
            ))),
            _ => Ok(None),
        }
    };

    let id_element = take("IdentificativoSdI")?
        .ok_or_else(|| not_conforming("IdentificativoSdI is missing".into()))?;
    let id_text = simple_text(id_element)?;
    let identificativo_sdi = parse_identificativo(id_text.trim()).ok_or_else(|| {
        not_conforming(format!(
            "IdentificativoSdI {id_text:?} is not an integer of at most 12 digits"
        ))
    })?;
    let invoice = match take("RiferimentoFattura")? {
        Some(element) => Some(parse_riferimento(element)?),
        None => None,
    };
    let esito_element = take("Esito")?.ok_or_else(|| not_conforming("Esito is missing".into()))?;
    let esito_text = simple_text(esito_element)?;
    let esito = Esito::from_code(&esito_text)
        .ok_or_else(|| not_conforming(format!("Esito {esito_text:?} is neither EC01 nor EC02")))?;
    let description = match take("Descrizione")? {
        Some(element) => {
            let text = simple_text(element)?;
            if text.chars().count() > 255 {
                return Err(not_conforming(
                    "Descrizione is longer than 255 characters".into(),
                ));
            }
            Some(text)
        }
        None => None,
    };
    let message_id_committente = match take("MessageIdCommittente")? {
        Some(element) => {
            let text = simple_text(element)?;
            if text.is_empty() || text.chars().count() > 14 {
                return Err(not_conforming(format!(
                    "MessageIdCommittente {text:?} is not 1..=14 characters"
                )));
            }
            Some(text)
        }
        None => None,
    };
    if let Some(signature) = children.peek()
        && signature.is(DSIG_NS, "Signature")
    {
        children.next();
    }
    if let Some(extra) = children.next() {
        return Err(not_conforming(format!(
            "unexpected element <{}> (or out of order)",
            extra.name
        )));
    }
    Ok(EsitoCommittente {
        identificativo_sdi,
        invoice,
        esito,
        description,
        message_id_committente,
    })
}

/// xsd:integer lexical form (optional sign, digits, collapsed whitespace) with totalDigits 12.
fn parse_identificativo(text: &str) -> Option<u64> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let significant = digits.trim_start_matches('0');
    if significant.len() > 12 {
        return None;
    }
    if significant.is_empty() {
        return Some(0);
    }
    significant.parse().ok()
}

fn parse_riferimento(element: &Element) -> Result<InvoiceRef, MessageError> {
    let not_conforming = |reason: String| MessageError::EsitoNonConforme(reason);
    let mut children = element.children.iter();
    let mut next = |name: &str, required: bool| -> Result<Option<String>, MessageError> {
        let found = children.clone().next();
        match found {
            Some(child) if child.is("", name) => {
                children.next();
                Ok(Some(simple_text(child)?))
            }
            _ if required => Err(MessageError::EsitoNonConforme(format!(
                "RiferimentoFattura/{name} is missing"
            ))),
            _ => Ok(None),
        }
    };
    let number = next("NumeroFattura", true)?.unwrap_or_default();
    let year = next("AnnoFattura", true)?.unwrap_or_default();
    let position = next("PosizioneFattura", false)?;
    if let Some(extra) = children.next() {
        return Err(not_conforming(format!(
            "unexpected <{}> in RiferimentoFattura",
            extra.name
        )));
    }
    // normalizedString: tabs and line breaks count as spaces before the pattern applies.
    let number = number.replace(['\t', '\n', '\r'], " ");
    if !(1..=20).contains(&number.chars().count()) || !number.is_ascii() {
        return Err(not_conforming(format!(
            "NumeroFattura {number:?} is not 1..=20 Basic Latin characters"
        )));
    }
    let year = year.trim();
    let year = year
        .strip_prefix('+')
        .unwrap_or(year)
        .parse::<i16>()
        .ok()
        .filter(|y| *y >= 0)
        .ok_or_else(|| not_conforming(format!("AnnoFattura {year:?} is not a year")))?;
    let position = match position {
        Some(text) => Some(
            text.trim()
                .strip_prefix('+')
                .unwrap_or(text.trim())
                .parse::<u32>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| {
                    not_conforming(format!(
                        "PosizioneFattura {text:?} is not a positive integer"
                    ))
                })?,
        ),
        None => None,
    };
    Ok(InvoiceRef {
        number,
        year,
        position,
    })
}

/// A simple-typed element's text exactly as written: the string types of EC (`Esito`,
/// `Descrizione`, `MessageIdCommittente`) preserve whitespace and `NumeroFattura` only
/// replaces it, so only the integer fields (which collapse it) may trim.
fn simple_text(element: &Element) -> Result<String, MessageError> {
    if let Some(child) = element.children.first() {
        return Err(MessageError::EsitoNonConforme(format!(
            "<{}> must hold text only, found <{}>",
            element.name, child.name
        )));
    }
    Ok(element.raw_text.clone())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::path::PathBuf;
    use std::process::Command;

    use jiff::civil::date;

    use super::super::signature::tests::{signer, xmlsec1_verify};
    use super::*;

    const INVOICE_HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn file() -> FileRef {
        FileRef {
            identificativo_sdi: 530_097_703,
            file_name: "IT01234567890_00001.xml".into(),
            hash: INVOICE_HASH.into(),
            received_at: ts("2026-11-21T09:15:00.123Z"),
            archive: None,
        }
    }

    fn notification(family: Family, body: Body) -> Notification {
        Notification {
            family,
            file: file(),
            message_id: "4567891".into(),
            note: None,
            body,
        }
    }

    fn esito(esito: Esito) -> EsitoCommittente {
        EsitoCommittente {
            identificativo_sdi: 530_097_703,
            invoice: Some(InvoiceRef {
                number: "FPA 12/2026".into(),
                year: 2026,
                position: Some(1),
            }),
            esito,
            description: Some(
                match esito {
                    Esito::Accettazione => "Fattura accettata",
                    Esito::Rifiuto => "Importi non corrispondenti all'ordine",
                }
                .into(),
            ),
            message_id_committente: Some("PA-0001".into()),
        }
    }

    fn scarto_errors() -> Vec<ScartoError> {
        vec![
            ScartoError {
                code: "00200".into(),
                description:
                    "File non conforme al formato : Element 'Numero': [facet 'pattern'] <x>".into(),
                suggestion: Some("Verificare il contenuto del campo Numero".into()),
            },
            ScartoError {
                code: "00404".into(),
                description: "Fattura duplicata : FPA 12/2026".into(),
                suggestion: None,
            },
        ]
    }

    /// Every message of both families, with fixed times and identifiers.
    fn all_messages() -> Vec<(&'static str, Notification)> {
        let delivered = ts("2026-11-21T11:40:05Z");
        let pa = Family::Pa;
        let b2b = Family::B2b;
        let mut archived = notification(
            pa,
            Body::RicevutaConsegna {
                delivered_at: delivered,
                recipient_code: "UFY9MH".into(),
                recipient_name: Some("Comune di Esempio - Ufficio Ragioneria".into()),
            },
        );
        archived.file.archive = Some(ArchiveRef {
            identificativo_sdi: 530_097_700,
            file_name: "IT01234567890_00002.zip".into(),
        });
        archived.note = Some("Consegna & notifica <test>".into());
        vec![
            ("pa_rc", archived),
            (
                "pa_ns",
                notification(
                    pa,
                    Body::Scarto {
                        errors: scarto_errors(),
                    },
                ),
            ),
            (
                "pa_mc",
                notification(
                    pa,
                    Body::MancataConsegna {
                        description: Some("Canale del destinatario non raggiungibile".into()),
                        available_from: None,
                    },
                ),
            ),
            (
                "pa_ne",
                notification(
                    pa,
                    Body::Esito {
                        outcome: esito(Esito::Accettazione),
                    },
                ),
            ),
            (
                "pa_dt",
                notification(
                    pa,
                    Body::DecorrenzaTermini {
                        invoice: Some(InvoiceRef {
                            number: "FPA 12/2026".into(),
                            year: 2026,
                            position: None,
                        }),
                        description: Some("Decorrenza termini".into()),
                    },
                ),
            ),
            (
                "pa_at",
                notification(
                    pa,
                    Body::Attestazione {
                        recipient_code: "UFY9MH".into(),
                        recipient_name: None,
                    },
                ),
            ),
            (
                "pa_mt",
                notification(
                    pa,
                    Body::Metadati {
                        recipient_code: "UFY9MH".into(),
                        format: "FPA12".into(),
                        attempts: 1,
                    },
                ),
            ),
            (
                "pa_ec",
                notification(pa, Body::EsitoCommittente(esito(Esito::Rifiuto))),
            ),
            (
                "pa_se",
                notification(
                    pa,
                    Body::ScartoEsito {
                        invoice: None,
                        scarto: Scarto::NonAmmissibile,
                        message_id_committente: Some("PA-0001".into()),
                    },
                ),
            ),
            (
                "b2b_rc",
                notification(
                    b2b,
                    Body::RicevutaConsegna {
                        delivered_at: delivered,
                        recipient_code: "ABC1234".into(),
                        recipient_name: None,
                    },
                ),
            ),
            (
                "b2b_ns",
                notification(
                    b2b,
                    Body::Scarto {
                        errors: scarto_errors(),
                    },
                ),
            ),
            (
                "b2b_mc",
                notification(
                    b2b,
                    Body::MancataConsegna {
                        description: Some(
                            "La fattura è a disposizione del cessionario nella sua area riservata"
                                .into(),
                        ),
                        available_from: Some(date(2026, 11, 21)),
                    },
                ),
            ),
            (
                "b2b_mt",
                notification(
                    b2b,
                    Body::Metadati {
                        recipient_code: "ABC1234".into(),
                        format: "FPR12".into(),
                        attempts: 2,
                    },
                ),
            ),
        ]
    }

    fn signing_time() -> Timestamp {
        ts("2026-11-21T11:40:06Z")
    }

    fn xml(notification: &Notification) -> String {
        let bytes = notification.to_xml(&signer(), signing_time()).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    /// Keeps snapshots readable and about the message, not about key material.
    fn redacted(xml: &str) -> String {
        let mut out = xml.to_owned();
        for element in ["ds:SignatureValue", "ds:DigestValue", "ds:X509Certificate"] {
            let open = format!("<{element}>");
            let close = format!("</{element}>");
            let mut from = 0;
            while let Some(start) = out[from..].find(&open).map(|i| i + from + open.len()) {
                let end = out[start..].find(&close).unwrap() + start;
                out.replace_range(start..end, "[redacted]");
                from = start;
            }
        }
        out
    }

    #[test]
    fn snapshots_of_every_message() {
        for (name, notification) in all_messages() {
            insta::assert_snapshot!(name, redacted(&xml(&notification)));
        }
    }

    fn schemas_dir() -> Option<PathBuf> {
        let Some(dir) = std::env::var_os("EISIM_SCHEMAS_DIR") else {
            println!("SKIPPED: EISIM_SCHEMAS_DIR is not set");
            return None;
        };
        if Command::new("xmllint").arg("--version").output().is_err() {
            println!("SKIPPED: xmllint not installed");
            return None;
        }
        Some(PathBuf::from(dir))
    }

    /// `Ok(())` when xmllint finds `xml` valid against its family's schema.
    fn xmllint(dir: &std::path::Path, family: Family, xml: &str, name: &str) -> Result<(), String> {
        let schema = match family {
            Family::Pa => "MessaggiTypes_v1.1.xsd",
            Family::B2b => "MessaggiFatturaTypes_v1.0.xsd",
        };
        let tmp = std::env::temp_dir().join(format!("eisim-sdi-xsd-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&tmp).unwrap();
        let file = tmp.join("message.xml");
        std::fs::write(&file, xml).unwrap();
        let output = Command::new("xmllint")
            .env("XML_CATALOG_FILES", dir.join("catalog.xml"))
            .args(["--nonet", "--noout", "--schema"])
            .arg(dir.join("fatturapa").join(schema))
            .arg(&file)
            .output()
            .unwrap();
        std::fs::remove_dir_all(&tmp).unwrap();
        if output.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    }

    #[test]
    fn every_message_validates_against_its_schema() {
        let Some(dir) = schemas_dir() else { return };
        for (name, notification) in all_messages() {
            let xml = xml(&notification);
            if let Err(errors) = xmllint(&dir, notification.family, &xml, name) {
                panic!("{name} is not valid:\n{errors}\n{xml}");
            }
        }
    }

    #[test]
    fn schema_check_is_not_vacuous() {
        let Some(dir) = schemas_dir() else { return };
        // A signed message without its signature must be refused, or the test above proves
        // nothing.
        let (_, rc) = all_messages().swap_remove(9);
        let unsigned = rc.to_element().unwrap().to_document();
        assert!(xmllint(&dir, Family::B2b, &unsigned, "unsigned").is_err());
    }

    #[test]
    fn every_signed_message_verifies_with_xmlsec1() {
        if Command::new("xmlsec1").arg("--version").output().is_err() {
            println!("SKIPPED: xmlsec1 not installed");
            return;
        }
        let signer = signer();
        for (name, notification) in all_messages() {
            let xml = xml(&notification);
            let signed = notification.message_type().is_signed();
            assert_eq!(xml.contains("<ds:Signature "), signed, "{name}");
            if !signed {
                continue;
            }
            if let Err(errors) = xmlsec1_verify(&signer, &xml, name) {
                panic!("{name} does not verify:\n{errors}\n{xml}");
            }
            let tampered = xml.replacen("530097703", "530097704", 1);
            assert!(xmlsec1_verify(&signer, &tampered, name).is_err(), "{name}");
        }
    }

    #[test]
    fn messages_outside_their_family_are_refused() {
        let signer = signer();
        let b2b_only_pa = [
            Body::Esito {
                outcome: esito(Esito::Accettazione),
            },
            Body::DecorrenzaTermini {
                invoice: None,
                description: None,
            },
            Body::Attestazione {
                recipient_code: "UFY9MH".into(),
                recipient_name: None,
            },
            Body::EsitoCommittente(esito(Esito::Rifiuto)),
            Body::ScartoEsito {
                invoice: None,
                scarto: Scarto::NonConforme,
                message_id_committente: None,
            },
        ];
        for body in b2b_only_pa {
            let kind = body.message_type();
            let result = notification(Family::B2b, body).to_xml(&signer, signing_time());
            assert!(
                matches!(result, Err(MessageError::WrongFamily { message, .. }) if message == kind),
                "{kind}"
            );
        }
    }

    #[test]
    fn fields_are_checked_against_the_schema() {
        let signer = signer();
        let check = |n: Notification| n.to_xml(&signer, signing_time());
        let mut n = notification(Family::Pa, Body::Scarto { errors: vec![] });
        assert!(matches!(
            check(n.clone()),
            Err(MessageError::InvalidField {
                field: "ListaErrori",
                ..
            })
        ));
        n.body = Body::Scarto {
            errors: vec![ScartoError {
                code: "2".into(),
                description: "x".into(),
                suggestion: None,
            }],
        };
        // PA codes are exactly five characters; B2B accepts 1..5.
        assert!(check(n.clone()).is_err());
        n.family = Family::B2b;
        assert!(check(n.clone()).is_ok());

        let mut n = notification(
            Family::Pa,
            Body::Metadati {
                recipient_code: "ufy9mh".into(),
                format: "FPA12".into(),
                attempts: 1,
            },
        );
        assert!(matches!(
            check(n.clone()),
            Err(MessageError::InvalidField {
                field: "CodiceDestinatario",
                ..
            })
        ));
        n.body = Body::Metadati {
            recipient_code: "UFY9MH".into(),
            format: "FPA12".into(),
            attempts: 1,
        };
        n.message_id = "123456789012345".into();
        assert!(matches!(
            check(n.clone()),
            Err(MessageError::InvalidField {
                field: "MessageId",
                ..
            })
        ));
        n.family = Family::B2b;
        assert!(
            check(n.clone()).is_ok(),
            "B2B MessageId may be 36 characters"
        );
        n.file.hash = "not a hash".into();
        assert!(matches!(
            check(n.clone()),
            Err(MessageError::InvalidField { field: "Hash", .. })
        ));

        let mut n = notification(
            Family::Pa,
            Body::DecorrenzaTermini {
                invoice: Some(InvoiceRef {
                    number: "123456789012345678901".into(),
                    year: 2026,
                    position: None,
                }),
                description: None,
            },
        );
        assert!(matches!(
            check(n.clone()),
            Err(MessageError::InvalidField {
                field: "NumeroFattura",
                ..
            })
        ));
        n.file.identificativo_sdi = 1_000_000_000_000;
        n.body = Body::DecorrenzaTermini {
            invoice: None,
            description: None,
        };
        assert!(matches!(
            check(n.clone()),
            Err(MessageError::InvalidField {
                field: "IdentificativoSdI",
                ..
            })
        ));

        let n = notification(
            Family::B2b,
            Body::MancataConsegna {
                description: None,
                available_from: None,
            },
        );
        assert!(matches!(
            check(n),
            Err(MessageError::InvalidField {
                field: "DataMessaADisposizione",
                ..
            })
        ));
    }

    #[test]
    fn long_lists_and_texts_are_cut_to_the_schema() {
        let errors = (0..250)
            .map(|i| ScartoError {
                code: format!("{:05}", i),
                description: "è".repeat(300),
                suggestion: Some("s".repeat(2500)),
            })
            .collect();
        for family in [Family::Pa, Family::B2b] {
            let n = notification(
                family,
                Body::Scarto {
                    errors: Vec::clone(&errors),
                },
            );
            let xml = xml(&n);
            assert_eq!(xml.matches("<Errore>").count(), MAX_ERRORS);
            let max = family.max_description();
            assert!(xml.contains(&format!(
                "<Descrizione>{}</Descrizione>",
                "è".repeat(max.min(300))
            )));
            if let Some(dir) = schemas_dir() {
                xmllint(&dir, family, &xml, "long").unwrap();
            }
        }
    }

    #[test]
    fn times_carry_the_italian_offset_of_their_season() {
        assert_eq!(
            italian_date_time(ts("2026-01-15T08:00:00.98765Z")),
            "2026-01-15T09:00:00.987+01:00"
        );
        assert_eq!(
            italian_date_time(ts("2026-07-15T08:00:00Z")),
            "2026-07-15T10:00:00.000+02:00"
        );
        // EU switch: last Sunday of March (29 March 2026) at 01:00 UTC.
        assert_eq!(
            italian_date_time(ts("2026-03-29T00:59:59Z")),
            "2026-03-29T01:59:59.000+01:00"
        );
        assert_eq!(
            italian_date_time(ts("2026-03-29T01:00:00Z")),
            "2026-03-29T03:00:00.000+02:00"
        );
        // And back on the last Sunday of October (25 October 2026).
        assert_eq!(
            italian_date_time(ts("2026-10-25T00:59:59Z")),
            "2026-10-25T02:59:59.000+02:00"
        );
        assert_eq!(
            italian_date_time(ts("2026-10-25T01:00:00Z")),
            "2026-10-25T02:00:00.000+01:00"
        );
    }

    #[test]
    fn message_file_names() {
        let name = |file: &str, kind, counter| message_file_name(file, kind, counter);
        assert_eq!(
            name("IT01234567890_11111.xml", MessageType::RC, 1).unwrap(),
            "IT01234567890_11111_RC_001.xml"
        );
        assert_eq!(
            name("IT01234567890_11111.xml.p7m", MessageType::NE, 5).unwrap(),
            "IT01234567890_11111_NE_005.xml"
        );
        assert_eq!(
            name("ITAAABBB99T99X999W_0000a.XML", MessageType::MT, 42).unwrap(),
            "ITAAABBB99T99X999W_0000a_MT_042.xml"
        );
        assert_eq!(
            name("FR12345678910_00003.zip", MessageType::AT, 999).unwrap(),
            "FR12345678910_00003_AT_999.xml"
        );
        assert_eq!(
            name("IT01234567890_1.xml", MessageType::NS, 1000).unwrap(),
            "IT01234567890_1_NS_A00.xml"
        );
        assert_eq!(
            name("IT01234567890_1.xml", MessageType::NS, 1001).unwrap(),
            "IT01234567890_1_NS_A01.xml"
        );
        assert_eq!(
            name("IT01234567890_1.xml", MessageType::NS, 1036).unwrap(),
            "IT01234567890_1_NS_A10.xml"
        );
        assert_eq!(
            name("IT01234567890_1.xml", MessageType::SE, 34_695).unwrap(),
            "IT01234567890_1_SE_ZZZ.xml"
        );
        for counter in [0, 34_696, u32::MAX] {
            assert!(matches!(
                name("IT01234567890_1.xml", MessageType::RC, counter),
                Err(MessageError::CounterOutOfRange(c)) if c == counter
            ));
        }
        for bad in [
            "",
            "IT01234567890_00001",
            "IT01234567890_00001.pdf",
            "IT01234567890.xml",
            "it01234567890_00001.xml",
            "I1234567890_00001.xml",
            "IT1_00001.xml",
            "IT01234567890_000001.xml",
            "IT01234567890_.xml",
            "IT0123456789-_00001.xml",
            "IT01234567890_0000é.xml",
            "IT01234567890123456789012345678_1.xml",
            "ÈT01234567890_00001.xml",
        ] {
            assert!(
                matches!(
                    name(bad, MessageType::RC, 1),
                    Err(MessageError::InvalidFileName(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn every_counter_gives_a_distinct_three_character_name() {
        let mut seen = std::collections::HashSet::new();
        for counter in 1..=MAX_COUNTER {
            let text = counter_text(counter).unwrap();
            assert_eq!(text.len(), 3);
            assert!(
                text.bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
            );
            assert!(seen.insert(text));
        }
    }

    #[test]
    fn parses_ec01_and_ec02() {
        let signer = signer();
        for outcome in [Esito::Accettazione, Esito::Rifiuto] {
            let expected = esito(outcome);
            let n = notification(Family::Pa, Body::EsitoCommittente(expected.clone()));
            let xml = n.to_xml(&signer, signing_time()).unwrap();
            assert_eq!(parse_esito_committente(&xml).unwrap(), expected);
        }
        let minimal = br#"<?xml version="1.0"?>
<ns:NotificaEsitoCommittente xmlns:ns="http://www.fatturapa.gov.it/sdi/messaggi/v1.0" versione="1.0">
  <IdentificativoSdI> 0111 </IdentificativoSdI>
  <Esito>EC02</Esito>
  <Descrizione>Importo &amp; IVA errati &#233;</Descrizione>
</ns:NotificaEsitoCommittente>"#;
        let parsed = parse_esito_committente(minimal).unwrap();
        assert_eq!(parsed.identificativo_sdi, 111);
        assert_eq!(parsed.esito, Esito::Rifiuto);
        assert_eq!(parsed.invoice, None);
        assert_eq!(
            parsed.description.as_deref(),
            Some("Importo & IVA errati é")
        );
        assert_eq!(parsed.message_id_committente, None);
    }

    #[test]
    fn parses_a_signed_ec() {
        // A recipient's signed EC: its signature is accepted and not checked.
        let signer = signer();
        let root = notification(
            Family::Pa,
            Body::EsitoCommittente(esito(Esito::Accettazione)),
        )
        .to_element()
        .unwrap();
        let signed = signer.sign_enveloped(root, signing_time()).unwrap();
        assert!(signed.contains("<ds:Signature "));
        if let Some(dir) = schemas_dir() {
            xmllint(&dir, Family::Pa, &signed, "signed-ec").unwrap();
        }
        assert_eq!(
            parse_esito_committente(signed.as_bytes()).unwrap(),
            esito(Esito::Accettazione)
        );
    }

    #[test]
    fn refuses_what_is_not_a_conforming_ec() {
        let ns = PA_NAMESPACE;
        let cases: Vec<(String, &str)> = vec![
            (
                format!(r#"<t:NotificaEsito xmlns:t="{ns}" versione="1.0"><IdentificativoSdI>1</IdentificativoSdI></t:NotificaEsito>"#),
                "root",
            ),
            (
                r#"<NotificaEsitoCommittente versione="1.0"><IdentificativoSdI>1</IdentificativoSdI><Esito>EC01</Esito></NotificaEsitoCommittente>"#.into(),
                "root",
            ),
            (
                format!(r#"<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x "y">]><t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><IdentificativoSdI>1</IdentificativoSdI><Esito>&x;</Esito></t:NotificaEsitoCommittente>"#),
                "DOCTYPE",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><IdentificativoSdI>1</IdentificativoSdI><Esito>&xxe;</Esito></t:NotificaEsitoCommittente>"#),
                "entity",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><IdentificativoSdI>1</IdentificativoSdI><Esito>EC03</Esito></t:NotificaEsitoCommittente>"#),
                "EC03",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><IdentificativoSdI>1</IdentificativoSdI><Esito> EC01</Esito></t:NotificaEsitoCommittente>"#),
                "neither EC01",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><Esito>EC01</Esito></t:NotificaEsitoCommittente>"#),
                "IdentificativoSdI is missing",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}"><IdentificativoSdI>1</IdentificativoSdI><Esito>EC01</Esito></t:NotificaEsitoCommittente>"#),
                "versione",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><IdentificativoSdI>1234567890123</IdentificativoSdI><Esito>EC01</Esito></t:NotificaEsitoCommittente>"#),
                "12 digits",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><Esito>EC01</Esito><IdentificativoSdI>1</IdentificativoSdI></t:NotificaEsitoCommittente>"#),
                "IdentificativoSdI is missing",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><IdentificativoSdI>1</IdentificativoSdI><Esito>EC01</Esito><Extra/></t:NotificaEsitoCommittente>"#),
                "Extra",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><t:IdentificativoSdI>1</t:IdentificativoSdI><Esito>EC01</Esito></t:NotificaEsitoCommittente>"#),
                "unqualified",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><IdentificativoSdI>1</IdentificativoSdI><RiferimentoFattura><AnnoFattura>2026</AnnoFattura></RiferimentoFattura><Esito>EC01</Esito></t:NotificaEsitoCommittente>"#),
                "NumeroFattura is missing",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><IdentificativoSdI>1</IdentificativoSdI><Esito>EC01</Esito><MessageIdCommittente>123456789012345</MessageIdCommittente></t:NotificaEsitoCommittente>"#),
                "MessageIdCommittente",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><IdentificativoSdI>1</IdentificativoSdI><Esito>EC01</Esito>"#),
                "ends before its root element is closed",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><IdentificativoSdI>1</IdentificativoSdI><Esito>EC01</Esito><Descrizione>{}x{}</Descrizione></t:NotificaEsitoCommittente>"#, "<a>".repeat(31), "</a>".repeat(31)),
                "nested more than 32 deep",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" xmlns:x="urn:x" versione="1.0" x:extra="1"><IdentificativoSdI>1</IdentificativoSdI><Esito>EC01</Esito></t:NotificaEsitoCommittente>"#),
                "unexpected attribute {urn:x}extra",
            ),
            ("".into(), "no root"),
            ("not xml at all".into(), "outside the root"),
        ];
        for (xml, expected) in cases {
            match parse_esito_committente(xml.as_bytes()) {
                Err(MessageError::EsitoNonConforme(reason)) => {
                    assert!(
                        reason.contains(expected),
                        "{expected:?} not in {reason:?} for {xml}"
                    );
                }
                other => panic!("{xml} gave {other:?}"),
            }
        }
    }

    #[test]
    fn message_types_know_their_roots_and_signatures() {
        assert_eq!(
            MessageType::NS.root_element(Family::B2b),
            Some("RicevutaScarto")
        );
        assert_eq!(
            MessageType::MC.root_element(Family::B2b),
            Some("RicevutaImpossibilitaRecapito")
        );
        assert_eq!(
            MessageType::MT.root_element(Family::Pa),
            Some("MetadatiInvioFile")
        );
        assert_eq!(MessageType::NE.root_element(Family::B2b), None);
        assert!(!MessageType::MT.is_signed());
        assert!(!MessageType::EC.is_signed());
        assert!(MessageType::SE.is_signed());
        assert_eq!(
            Family::from_formato_trasmissione("FSM10"),
            Some(Family::B2b)
        );
        assert_eq!(Family::from_formato_trasmissione("FPA12"), Some(Family::Pa));
        assert_eq!(Family::from_formato_trasmissione("FPA13"), None);
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let _ = parse_esito_committente(&bytes);
        }

        #[test]
        fn emitted_ec_reads_back(
            id in 0_u64..=999_999_999_999,
            number in "[ -~]{1,20}",
            year in 0_i16..=9999,
            description in proptest::option::of("\\PC{0,300}"),
        ) {
            let outcome = EsitoCommittente {
                identificativo_sdi: id,
                invoice: Some(InvoiceRef { number: number.clone(), year, position: None }),
                esito: Esito::Rifiuto,
                description: description.clone(),
                message_id_committente: None,
            };
            let xml = notification(Family::Pa, Body::EsitoCommittente(outcome)).to_element().unwrap().to_document();
            let parsed = parse_esito_committente(xml.as_bytes()).unwrap();
            proptest::prop_assert_eq!(parsed.identificativo_sdi, id);
            let invoice = parsed.invoice.unwrap();
            proptest::prop_assert_eq!(invoice.year, year);
            proptest::prop_assert_eq!(invoice.number, number);
            let expected: Option<String> = description.map(|d| d.chars().take(255).collect::<String>());
            proptest::prop_assert_eq!(parsed.description, expected);
        }
    }
}
