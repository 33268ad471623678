//! Invoice documents: detect the format, parse, normalize, validate.
//!
//! Nothing here knows about HTTP or tenants: the gateway and the native network APIs hand in
//! bytes and get back an [`Inspection`] that says what the document is, the facts the
//! networks key on (seller, number, date), every rule it breaks under the real rule IDs of its
//! network, and every correction normalization made. Cross-document checks (duplicates against
//! earlier submissions) need the store and live with the networks.

mod decimal;
mod fa3;
pub(crate) mod fatturapa;
mod normalize;
pub(crate) mod ubl;

use serde::Serialize;
use thiserror::Error;

use crate::vocabulary::Network;
use crate::xml::{self, XmlError};

/// The validators work on the reader's tree; named here too, as `documents::Element`, by the
/// code that reads a document's facts before or without validating it.
pub(crate) use crate::xml::{Element, XmlDocument};
pub(crate) use fa3::nip_checksum_ok;
pub(crate) use normalize::Correction;

/// UBL 2.1 invoice namespace (Peppol BIS Billing 3.0).
pub(crate) const UBL_INVOICE_NS: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
/// UBL 2.1 credit note namespace.
pub(crate) const UBL_CREDIT_NOTE_NS: &str =
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
pub(crate) const UBL_CAC_NS: &str =
    "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
pub(crate) const UBL_CBC_NS: &str =
    "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
/// FatturaPA 1.2.x namespace, shared by FPA12 and FPR12.
pub(crate) const FATTURAPA_NS: &str =
    "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2";
/// KSeF FA(3) namespace.
pub(crate) const FA3_NS: &str = "http://crd.gov.pl/wzor/2025/06/25/13775/";
/// KSeF FA(2) namespace: recognised so that it can be refused by name.
pub(crate) const FA2_NS: &str = "http://crd.gov.pl/wzor/2023/06/29/12648/";

/// The document formats eisim reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// UBL 2.1 `Invoice` per Peppol BIS Billing 3.0.
    UblInvoice,
    /// UBL 2.1 `CreditNote` per Peppol BIS Billing 3.0.
    UblCreditNote,
    /// FatturaPA 1.2.x to a public administration.
    #[serde(rename = "fatturapa-fpa12")]
    FatturaPaFpa12,
    /// FatturaPA 1.2.x between private parties.
    #[serde(rename = "fatturapa-fpr12")]
    FatturaPaFpr12,
    /// KSeF FA(3).
    #[serde(rename = "ksef-fa3")]
    KsefFa3,
}

impl Format {
    /// The network a document of this format travels on.
    pub const fn network(self) -> Network {
        match self {
            Self::UblInvoice | Self::UblCreditNote => Network::Peppol,
            Self::FatturaPaFpa12 | Self::FatturaPaFpr12 => Network::Sdi,
            Self::KsefFa3 => Network::Ksef,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::UblInvoice => "ubl-invoice",
            Self::UblCreditNote => "ubl-credit-note",
            Self::FatturaPaFpa12 => "fatturapa-fpa12",
            Self::FatturaPaFpr12 => "fatturapa-fpr12",
            Self::KsefFa3 => "ksef-fa3",
        }
    }
}

/// Fatal findings refuse a document; warnings never do (Peppol's convention, which SDI's and
/// KSeF's all-or-nothing checks fit as "every finding is fatal").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Fatal,
    Warning,
}

/// One broken rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The network's own rule ID or code: `BR-CO-15`, `PEPPOL-EN16931-R004`, `00400`, or a
    /// KSeF `450.<what>` (KSeF reports every content error as status 450; the suffix says
    /// which check, so fixtures and integrators can tell them apart).
    pub rule: String,
    pub severity: Severity,
    /// XPath-like location, e.g. `/Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount`.
    pub location: String,
    /// The network's wording where it has one.
    pub message: String,
}

impl Finding {
    pub fn fatal(rule: &str, location: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            rule: rule.to_owned(),
            severity: Severity::Fatal,
            location: location.into(),
            message: message.into(),
        }
    }

    pub fn warning(rule: &str, location: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::fatal(rule, location, message)
        }
    }
}

/// One invoice inside a document: a FatturaPA file may carry several bodies (a "lotto").
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct InvoiceFacts {
    /// The invoice number (UBL `cbc:ID`, FatturaPA `Numero`, FA(3) `P_2`).
    pub number: String,
    /// Issue date as written, normally `YYYY-MM-DD`.
    pub issue_date: String,
    /// UBL type code (`380`, `381`), FatturaPA `TipoDocumento` (`TD01`), FA(3) `RodzajFaktury`.
    pub type_code: String,
    /// Amount due or gross total as written.
    pub total: Option<String>,
}

/// What the networks key on, read after normalization.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Facts {
    /// Seller tax id with its country prefix (`BE0123456749`, `IT01234567890`, `PL5265877635`
    /// or the bare NIP for KSeF).
    pub seller_tax_id: Option<String>,
    /// The recipient as a scenario participant id: `0208:0123456749`, `SDI:ABC1234`,
    /// `KSEF:5261040828`.
    pub recipient: Option<String>,
    /// The sender's network address where the document names one: a UBL seller's
    /// `EndpointID` as `0208:0123456749`.
    pub sender: Option<String>,
    pub currency: Option<String>,
    pub invoices: Vec<InvoiceFacts>,
}

/// Everything learnt about one document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Inspection {
    pub format: Format,
    pub facts: Facts,
    pub findings: Vec<Finding>,
    /// Corrections normalization made before validation, each a warning on the document.
    pub corrections: Vec<Correction>,
}

impl Inspection {
    /// No fatal finding.
    pub fn is_valid(&self) -> bool {
        !self.findings.iter().any(|f| f.severity == Severity::Fatal)
    }

    /// The distinct fatal rule IDs, sorted.
    pub fn fatal_rules(&self) -> Vec<&str> {
        let mut rules: Vec<&str> = self
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Fatal)
            .map(|f| f.rule.as_str())
            .collect();
        rules.sort_unstable();
        rules.dedup();
        rules
    }
}

/// What the validators need to know besides the bytes.
#[derive(Clone, Debug)]
pub struct InspectionContext {
    /// The simulated date the document is received: dates after it are refused (SDI 00403,
    /// KSeF's `P_1` check).
    pub received: jiff::civil::Date,
    /// The file name, where the channel has one (SDI checks it: 00001).
    pub file_name: Option<String>,
}

impl InspectionContext {
    pub fn new(received: jiff::civil::Date) -> Self {
        Self {
            received,
            file_name: None,
        }
    }

    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }
}

/// Why a document could not be inspected at all. Rule findings are not errors: they are part
/// of a successful [`Inspection`].
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DocumentError {
    #[error("the document is not well-formed XML: {0}")]
    NotXml(String),
    #[error("the document was refused as hostile XML: {0}")]
    Hostile(String),
    #[error("unsupported document format: {0}")]
    UnsupportedFormat(String),
}

/// The reader's refusal in a document's words: what no invoice needs is said so.
impl From<XmlError> for DocumentError {
    fn from(error: XmlError) -> Self {
        match error {
            XmlError::TooDeep { .. } => {
                Self::Hostile(format!("{error}; no invoice format needs that"))
            }
            XmlError::TooManyElements { .. } => {
                Self::Hostile(format!("{error}; no invoice needs that many"))
            }
            hostile if hostile.is_hostile() => Self::Hostile(hostile.to_string()),
            other => Self::NotXml(other.to_string()),
        }
    }
}

/// Detects the format from the root element.
pub(crate) fn detect(doc: &XmlDocument) -> Result<Format, DocumentError> {
    let root = &doc.root;
    match (root.ns.as_str(), root.name.as_str()) {
        (UBL_INVOICE_NS, "Invoice") => Ok(Format::UblInvoice),
        (UBL_CREDIT_NOTE_NS, "CreditNote") => Ok(Format::UblCreditNote),
        (FATTURAPA_NS, "FatturaElettronica") => match root.attr("versione").map(str::trim) {
            Some("FPA12") => Ok(Format::FatturaPaFpa12),
            Some("FPR12") => Ok(Format::FatturaPaFpr12),
            Some(other) => Err(DocumentError::UnsupportedFormat(format!(
                "FatturaPA versione {other:?}: eisim reads FPA12 and FPR12"
            ))),
            None => Err(DocumentError::UnsupportedFormat(
                "FatturaElettronica without the versione attribute (FPA12 or FPR12)".into(),
            )),
        },
        (FA3_NS, "Faktura") => Ok(Format::KsefFa3),
        (FA2_NS, "Faktura") => Err(DocumentError::UnsupportedFormat(
            "KSeF FA(2) (namespace http://crd.gov.pl/wzor/2023/06/29/12648/): eisim reads FA(3)"
                .into(),
        )),
        (ns, name) => Err(DocumentError::UnsupportedFormat(format!(
            "root element {{{ns}}}{name}: eisim reads UBL 2.1 Invoice and CreditNote, \
             FatturaPA 1.2 (FPA12, FPR12) and KSeF FA(3)"
        ))),
    }
}

/// Parses, detects, normalizes and validates one document.
pub fn inspect(bytes: &[u8], context: &InspectionContext) -> Result<Inspection, DocumentError> {
    let mut doc = xml::parse(bytes)?;
    let format = detect(&doc)?;
    validate(&mut doc, format, bytes.len(), context)
}

/// Like [`inspect`], but runs `format`'s validator whatever the root element says. For the
/// fuzz targets: a mutated root name would otherwise stop every input at [`detect`], and a
/// validator must not panic on any tree (a client can send that tree under the right root).
pub(crate) fn inspect_as(
    bytes: &[u8],
    format: Format,
    context: &InspectionContext,
) -> Result<Inspection, DocumentError> {
    let mut doc = xml::parse(bytes)?;
    validate(&mut doc, format, bytes.len(), context)
}

fn validate(
    doc: &mut XmlDocument,
    format: Format,
    size: usize,
    context: &InspectionContext,
) -> Result<Inspection, DocumentError> {
    match format {
        Format::UblInvoice | Format::UblCreditNote => ubl::inspect(doc, format, context),
        Format::FatturaPaFpa12 | Format::FatturaPaFpr12 => {
            fatturapa::inspect(doc, format, size, context)
        }
        Format::KsefFa3 => fa3::inspect(doc, size, context),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const VALID: [&str; 5] = [
        include_str!("../../../fixtures/peppol/invoice-minimal.xml"),
        include_str!("../../../fixtures/peppol/creditnote-minimal.xml"),
        include_str!("../../../fixtures/sdi/FPR12-minimal.xml"),
        include_str!("../../../fixtures/sdi/FPA12-minimal.xml"),
        include_str!("../../../fixtures/ksef/fa3-minimal.xml"),
    ];

    fn context() -> InspectionContext {
        InspectionContext::new(jiff::civil::date(2026, 11, 1))
    }

    #[test]
    fn the_valid_fixtures_are_detected_and_valid() {
        let formats: Vec<Format> = VALID
            .iter()
            .map(|doc| {
                let inspection = inspect(doc.as_bytes(), &context()).unwrap();
                assert!(inspection.is_valid(), "{:?}", inspection.findings);
                inspection.format
            })
            .collect();
        assert_eq!(
            formats,
            [
                Format::UblInvoice,
                Format::UblCreditNote,
                Format::FatturaPaFpr12,
                Format::FatturaPaFpa12,
                Format::KsefFa3
            ]
        );
    }

    proptest! {
        /// Whatever an integrator sends, inspection answers (findings or an error) and never
        /// panics: cut, duplicated or overwritten stretches of real documents.
        #[test]
        fn mangled_documents_never_panic(
            which in 0..VALID.len(),
            start in 0.0f64..1.0,
            len in 0usize..200,
            action in 0..3u8,
            byte in any::<u8>(),
        ) {
            let mut bytes = VALID[which].as_bytes().to_vec();
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
            let at = (start * bytes.len() as f64) as usize;
            let end = (at + len).min(bytes.len());
            match action {
                0 => { bytes.drain(at..end); }
                1 => { let copy = bytes[at..end].to_vec(); bytes.splice(at..at, copy); }
                _ => bytes[at..end].iter_mut().for_each(|b| *b = byte),
            }
            let _ = inspect(&bytes, &context());
        }
    }
}
