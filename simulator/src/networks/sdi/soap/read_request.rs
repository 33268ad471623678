//! Reading the requests SDI's own services receive (`SdIRiceviFile`, `SdIRiceviNotifica`),
//! and, for eisim's tests playing the integrator, any SDICoop request.
//!
//! The envelope reader hands over the body's one element; this file decides which operation it
//! is (by SOAPAction when there is one, which must then agree with the body) and matches it
//! against that operation's XSD sequence.

use super::envelope::read_envelope;
use super::error::SoapError;
#[cfg(test)]
use super::fields::required_text;
use super::fields::{Field, collect_fields, field_binary, field_identificativo_sdi, field_text};
use super::operations::{Operation, unquote_action};

/// A request that matched one of the SDICoop operations and its XSD sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SoapRequest {
    pub operation: Operation,
    /// In document order; every required field is present, nothing else is.
    pub fields: Vec<Field>,
}

impl SoapRequest {
    /// Text of a text field; `None` if absent or if it came as an attachment.
    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        field_text(&self.fields, name)
    }

    /// Bytes of a binary field: the decoded inline base64 or the referenced MTOM part.
    pub(crate) fn binary(&self, name: &str) -> Result<Vec<u8>, SoapError> {
        field_binary(&self.fields, name)
    }

    /// `IdentificativoSdI` as a number (`xsd:integer`, at most 12 digits).
    pub(crate) fn identificativo_sdi(&self) -> Result<u64, SoapError> {
        field_identificativo_sdi(&self.fields)
    }

    /// `NomeFile`, present in every request.
    #[cfg(test)]
    pub(crate) fn nome_file(&self) -> Result<&str, SoapError> {
        required_text(&self.fields, "NomeFile")
    }
}

/// Reads an SDICoop request (plain SOAP 1.1 or MTOM) and identifies the operation by the
/// body's wrapper element. Use [`parse_request_with_action`] when the SOAPAction is known
/// and `RicezioneFatture.NotificaDecorrenzaTermini` must be told apart from `NotificaEsito`.
#[cfg(test)]
pub(crate) fn parse_request(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<SoapRequest, SoapError> {
    parse_request_with_action(content_type, None, body)
}

/// Like [`parse_request`], but when a (non-empty) SOAPAction header value is given the
/// operation comes from it and the body's wrapper element must match it.
pub(crate) fn parse_request_with_action(
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
