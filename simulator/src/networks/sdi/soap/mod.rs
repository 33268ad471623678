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
//! lenient where real stacks differ. Hostile XML is refused by the crate's one XML reader
//! (`crate::xml`), as for every other parser.
//!
//! The files, reading then writing:
//!
//! - `envelope.rs`: an envelope, plain or MTOM, down to the Body's one element;
//! - `operations.rs`: the operations, their SOAPActions and wrapper elements;
//! - `fields.rs`: each wrapper's XSD sequence, and matching a wrapper against it;
//! - `read_request.rs`: the requests ([`parse_request`]);
//! - `read_response.rs`: the answers to calls, a SOAP Fault included;
//! - `codes.rs`: the result codes the answers carry;
//! - `write.rs`: the envelope writer the next two share;
//! - `write_response.rs`: the answers eisim sends, and faults;
//! - `write_request.rs`: the calls eisim makes ([`OutboundCall`]);
//! - `error.rs`: [`SoapError`].

mod codes;
mod envelope;
mod error;
mod fields;
mod operations;
mod read_request;
mod read_response;
mod write;
mod write_request;
mod write_response;

pub(crate) use codes::{ErroreInvio, EsitoNotifica};
pub(crate) use operations::{Operation, TrasmissioneOp};
pub(crate) use read_request::parse_request_with_action;
pub(crate) use read_response::{
    parse_notifica_esito_response, parse_one_way_response, parse_ricevi_fatture_response,
    parse_ricevi_file_response,
};
pub(crate) use write_request::{
    OutboundCall, notifica_decorrenza_termini, notifica_esito_request, ricevi_fatture,
    ricevi_file_request, trasmissione_fatture,
};
pub(crate) use write_response::{
    SoapMessage, fault, risposta_notifica_esito, risposta_ricevi_fatture, risposta_ricevi_file,
};
// What only the tests of this folder name, through `super::*`.
#[cfg(test)]
use codes::EsitoRicezione;
#[cfg(test)]
use envelope::MAX_MESSAGE_BYTES;
#[cfg(test)]
use error::SoapError;
#[cfg(test)]
use fields::FieldValue;
#[cfg(test)]
use read_request::{SoapRequest, parse_request};
#[cfg(test)]
use read_response::{RispostaNotificaEsito, RispostaRiceviFile};

/// SOAP 1.1 envelope namespace; SDICoop is SOAP 1.1 only.
pub(crate) const SOAP_ENVELOPE_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// SOAP 1.2 envelope namespace, recognised only to give a precise refusal.
const SOAP12_ENVELOPE_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
/// Types namespace of `SdIRiceviFile` and `TrasmissioneFatture`.
pub(crate) const TRASMISSIONE_TYPES_NS: &str =
    "http://www.fatturapa.gov.it/sdi/ws/trasmissione/v1.0/types";
/// Types namespace of `RicezioneFatture` and `SdIRiceviNotifica`.
pub(crate) const RICEZIONE_TYPES_NS: &str =
    "http://www.fatturapa.gov.it/sdi/ws/ricezione/v1.0/types";
/// XOP include namespace (MTOM).
pub(crate) const XOP_NS: &str = "http://www.w3.org/2004/08/xop/include";

/// Content type of a plain SOAP 1.1 message.
pub(crate) const PLAIN_CONTENT_TYPE: &str = "text/xml; charset=utf-8";

#[cfg(test)]
mod tests;
