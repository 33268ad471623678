//! The fields of the wrapper elements: each XSD sequence as a table, the values a reader
//! gets out of it, and the matching of a wrapper's children against its sequence.
//!
//! Requests and answers have the same shape (a wrapper of unqualified leaf fields, text or
//! `xsd:base64Binary`, at most one nested group), so one matcher serves them all: strict about
//! order, repetition, qualification and missing fields, and naming the element in each error.

use base64::Engine as _;

use super::envelope::Node;
use super::error::SoapError;
use crate::networks::sdi::mtom;

#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Binary,
    Group(&'static [FieldSpec]),
}

#[derive(Debug)]
pub(super) struct FieldSpec {
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
pub(super) const FILE_SDI_BASE: &[FieldSpec] = &[
    required("NomeFile", Kind::Text),
    required("File", Kind::Binary),
];
/// `fileSdI_Type`
pub(super) const FILE_SDI: &[FieldSpec] = &[
    required("IdentificativoSdI", Kind::Text),
    required("NomeFile", Kind::Text),
    required("File", Kind::Binary),
];
/// `fileSdIConMetadati_Type`
pub(super) const FILE_SDI_CON_METADATI: &[FieldSpec] = &[
    required("IdentificativoSdI", Kind::Text),
    required("NomeFile", Kind::Text),
    required("File", Kind::Binary),
    required("NomeFileMetadati", Kind::Text),
    required("Metadati", Kind::Binary),
];
/// `rispostaSdIRiceviFile_Type`
pub(super) const RISPOSTA_RICEVI_FILE: &[FieldSpec] = &[
    required("IdentificativoSdI", Kind::Text),
    required("DataOraRicezione", Kind::Text),
    optional("Errore", Kind::Text),
];
/// `rispostaRiceviFatture_Type`
pub(super) const RISPOSTA_RICEVI_FATTURE: &[FieldSpec] = &[required("Esito", Kind::Text)];
/// `rispostaSdINotificaEsito_Type`
pub(super) const RISPOSTA_NOTIFICA_ESITO: &[FieldSpec] = &[
    required("Esito", Kind::Text),
    optional("ScartoEsito", Kind::Group(FILE_SDI_BASE)),
];

/// The value of one leaf field as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FieldValue {
    /// Element text, trimmed (for binary fields: the inline base64, not yet decoded).
    Text(String),
    /// The bytes of the MIME part an `xop:Include` pointed at.
    Attachment(Vec<u8>),
}

/// A leaf field. Fields inside a group are named by path, e.g. `ScartoEsito/NomeFile`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    pub name: String,
    pub value: FieldValue,
}

pub(super) fn field_text<'a>(fields: &'a [Field], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|f| f.name == name)
        .and_then(|f| match &f.value {
            FieldValue::Text(t) => Some(t.as_str()),
            FieldValue::Attachment(_) => None,
        })
}

pub(super) fn required_text<'a>(fields: &'a [Field], name: &str) -> Result<&'a str, SoapError> {
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

pub(super) fn field_binary(fields: &[Field], name: &str) -> Result<Vec<u8>, SoapError> {
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

pub(super) fn field_identificativo_sdi(fields: &[Field]) -> Result<u64, SoapError> {
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

/// Matches the wrapper's children against the XSD sequence, in order. Errors name the
/// element so that an integrator can see exactly what is wrong with its request.
pub(super) fn collect_fields(
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
