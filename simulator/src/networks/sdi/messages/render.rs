//! Writing a [`Notification`] as the XML its family's schema describes, signed where the
//! schema requires a `ds:Signature`.
//!
//! The two families differ only in details (a `Hash` of the invoice file, a `Suggerimento` per
//! error, string identifiers, longer descriptions), so one writer serves both, following the
//! schemas' sequences exactly: roots qualified with the prefix `types:`, children unqualified.
//! Every field is checked, or free text cut, to what the schema allows before anything is
//! written, so eisim never sends a message SDI's own XSD would refuse.
//!
//! Times are `xsd:dateTime` in Italian local time with milliseconds and offset
//! (`2026-11-21T10:15:00.000+01:00`), the form SDI writes. The offset comes from the POSIX rule
//! `CET-1CEST,M3.5.0,M10.5.0/3` (the EU rule: last Sunday of March and October at 01:00 UTC)
//! rather than from the system's tz database, so it is right on machines without tzdata too.

use jiff::Timestamp;

use super::error::{MessageError, invalid};
use super::model::{
    Body, EsitoCommittente, FileRef, InvoiceRef, MAX_ERRORS, Notification, ScartoError,
};
use crate::codelists::sdi::Family;
use crate::networks::sdi::signature::SdiSigner;
use crate::xmldsig::XmlElement;

impl Notification {
    /// The message as a complete XML document, signed with `signer` (XAdES `SigningTime` =
    /// `signing_time`) when the schema requires a signature.
    pub(crate) fn to_xml(
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
    pub(super) fn to_element(&self) -> Result<XmlElement, MessageError> {
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
pub(crate) fn italian_date_time(at: Timestamp) -> String {
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
