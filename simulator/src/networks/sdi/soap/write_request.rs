//! The calls eisim makes as an HTTP client: SDI delivering notifications to transmitters
//! (`TrasmissioneFatture`) and invoices and DT to recipients (`RicezioneFatture`), and, to play
//! the integrator in tests, uploads and outcomes sent to SDI.

use super::operations::{Operation, TrasmissioneOp};
use super::write::{Out, write_message};

/// A request eisim sends to an integrator (or, in tests, to itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutboundCall {
    /// The SOAPAction URI, unquoted; send it with [`OutboundCall::soap_action_header`].
    pub soap_action: String,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl OutboundCall {
    /// The SOAPAction HTTP header value: SOAP 1.1 §6.1.1 wants the URI in double quotes.
    pub(crate) fn soap_action_header(&self) -> String {
        format!("\"{}\"", self.soap_action)
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

/// SDI → transmitter: one of the six `TrasmissioneFatture` notifications. `message_name` and
/// `message` are the notification file (e.g. `IT01234567890_11111_RC_001.xml`, or the AT ZIP).
pub(crate) fn trasmissione_fatture(
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
pub(crate) fn ricevi_fatture(
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
pub(crate) fn notifica_decorrenza_termini(
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
pub(crate) fn ricevi_file_request(name: &str, file: &[u8], mtom: bool) -> OutboundCall {
    let children = [
        Out::Text("NomeFile", name.to_string()),
        Out::Binary("File", file),
    ];
    outbound(Operation::RiceviFile, &children, mtom)
}

/// PA recipient → SDI outcome (EC) (used by eisim's tests to play the integrator).
pub(crate) fn notifica_esito_request(
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
