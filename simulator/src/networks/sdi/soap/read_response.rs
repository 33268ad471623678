//! Reading the answers to SDICoop calls: SDI's answers to the integrator's uploads and
//! outcomes (for eisim's tests), and the integrator's answers to SDI's deliveries.
//!
//! A SOAP Fault in place of an answer is read as [`SoapError::Fault`], with the peer's code
//! and string, so the caller can tell "the peer said no" from "the peer sent garbage".

use super::codes::{ErroreInvio, EsitoNotifica, EsitoRicezione};
use super::envelope::{Node, read_envelope};
use super::error::SoapError;
use super::fields::{
    Field, FieldSpec, RISPOSTA_NOTIFICA_ESITO, RISPOSTA_RICEVI_FATTURE, RISPOSTA_RICEVI_FILE,
    collect_fields, field_binary, field_identificativo_sdi, field_text, required_text,
};
use super::{RICEZIONE_TYPES_NS, SOAP_ENVELOPE_NS, TRASMISSIONE_TYPES_NS};

/// What SDI answers to `RiceviFile`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RispostaRiceviFile {
    pub identificativo_sdi: u64,
    /// `xsd:dateTime` as written by the sender.
    pub data_ora_ricezione: String,
    pub errore: Option<ErroreInvio>,
}

/// What SDI answers to `NotificaEsito`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RispostaNotificaEsito {
    pub esito: EsitoNotifica,
    /// `ScartoEsito`: the SE message's file name and bytes.
    pub scarto: Option<(String, Vec<u8>)>,
}

/// Reads SDI's answer to `RiceviFile`.
pub(crate) fn parse_ricevi_file_response(
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
pub(crate) fn parse_notifica_esito_response(
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
pub(crate) fn parse_ricevi_fatture_response(
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
pub(crate) fn parse_one_way_response(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(), SoapError> {
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
