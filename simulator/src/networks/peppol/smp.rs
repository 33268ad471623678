//! The documents a Peppol SMP (Service Metadata Publisher, BusDox SMP 1.x) serves: the
//! `ServiceGroup` that lists what a participant can receive, and the `SignedServiceMetadata`
//! that tells a sender where and how to deliver one document type.
//!
//! A sender's access point finds the SMP through the SML, then reads
//! `GET /{participant}` (a [`ServiceGroup`]: one `ServiceMetadataReference` per document type,
//! pointing at the next URL) and `GET /{participant}/services/{documentType}` (a
//! [`ServiceMetadata`], signed by the SMP: the receiving access point's AS4 URL and
//! certificate, and the window in which that endpoint is active). Integrators' lookup code
//! parses these byte for byte, so they follow the real shapes: BusDox namespaces with the
//! `smp`, `id` and `wsa` prefixes all bound on the root as Peppol SMPs publish them, and
//! identifiers in the percent-encoded `scheme::value` form in every `href`.
//!
//! The signature is plain XML-DSig over the whole document, as Peppol SMP specification 1.2.0
//! and later require: enveloped, inclusive C14N, RSA-SHA256, SHA-256 digest, the SMP's
//! certificate in `KeyInfo`. It is made by [`crate::xmldsig`] with [`SmpSigner`]'s committed
//! key. The access point's certificate published in `smp:Certificate` is another committed
//! key's ([`access_point_certificate_der`]), because in Peppol the SMP and the access point are
//! distinct parties with distinct certificates, and a sender that mixes them up should fail.
//!
//! HTTP is not here: the routes render these documents with the simulator's base URL.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsa::RsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey as _;
use thiserror::Error;
use x509_cert::ext::pkix::{KeyUsage, KeyUsages};

use crate::certificate::{CertificateError, self_signed, whole_seconds};
use crate::identifiers::peppol::{
    DOCUMENT_SCHEME, PARTICIPANT_SCHEME, PROCESS_SCHEME, TRANSPORT_PROFILE,
};
use crate::xmldsig::{
    Canonicalization, EnvelopedSignature, EnvelopedSigner, Namespace, SigningError, XmlElement,
};

pub(crate) const SMP: Namespace = Namespace {
    prefix: "smp",
    uri: "http://busdox.org/serviceMetadata/publishing/1.0/",
};
pub(crate) const ID: Namespace = Namespace {
    prefix: "id",
    uri: "http://busdox.org/transport/identifiers/1.0/",
};
pub(crate) const WSA: Namespace = Namespace {
    prefix: "wsa",
    uri: "http://www.w3.org/2005/08/addressing",
};

/// Committed on purpose: the simulator holds no secrets, and fixed keys keep the published
/// certificates stable across restarts (senders may pin or cache them).
const SMP_KEY_PEM: &str = include_str!("eisim-smp-key.pem");
const AP_KEY_PEM: &str = include_str!("eisim-ap-key.pem");
pub(crate) const SMP_CERTIFICATE_SUBJECT: &str = "CN=eisim Peppol SMP simulator,O=eisim,C=BE";
pub(crate) const AP_CERTIFICATE_SUBJECT: &str = "CN=eisim Peppol AP simulator,O=eisim,C=BE";
/// Fixed so that each certificate depends only on its validity window.
const SMP_CERTIFICATE_SERIAL: u64 = 0x0E15_1A5E_5E90_0001;
const AP_CERTIFICATE_SERIAL: u64 = 0x0E15_1A5E_A900_0001;

#[derive(Debug, Error)]
pub(crate) enum SmpError {
    #[error("the committed {which} key cannot be read: {reason}")]
    Key { which: &'static str, reason: String },
    #[error(transparent)]
    Certificate(#[from] CertificateError),
    #[error(transparent)]
    Signing(#[from] SigningError),
}

#[cfg(test)]
#[derive(Debug, Error, PartialEq, Eq)]
pub(crate) enum PercentDecodeError {
    #[error("'%' at byte {0} is not followed by two hexadecimal digits")]
    BadEscape(usize),
    #[error("the decoded bytes are not UTF-8")]
    NotUtf8,
}

/// What `GET /{participant}` answers: the document types a participant can receive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ServiceGroup {
    /// The identifier's value part, e.g. `0208:0123456749` (the scheme is always
    /// `iso6523-actorid-upis`).
    pub(crate) participant: String,
    /// Document type identifier values (scheme `busdox-docid-qns`), one reference each.
    pub(crate) references: Vec<String>,
}

/// What `GET /{participant}/services/{documentType}` answers, before signing: one process and
/// one AS4 endpoint, which is what every Peppol SMP entry for BIS documents carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ServiceMetadata {
    /// Value part of the participant identifier, e.g. `0208:0123456749`.
    pub(crate) participant: String,
    /// Value of the document type identifier (scheme `busdox-docid-qns`).
    pub(crate) document_type: String,
    /// Value of the process identifier (scheme `cenbii-procid-ubl`).
    pub(crate) process: String,
    /// The receiving access point's AS4 URL.
    pub(crate) endpoint_url: String,
    /// Senders must ignore an endpoint outside its activation window; absent means unbounded.
    pub(crate) activation: Option<jiff::Timestamp>,
    pub(crate) expiration: Option<jiff::Timestamp>,
    pub(crate) description: String,
    pub(crate) technical_contact_url: String,
}

/// The SMP's signing identity: the committed key and a self-signed certificate for it.
pub(crate) struct SmpSigner {
    signer: EnvelopedSigner,
    valid_from: jiff::Timestamp,
    valid_to: jiff::Timestamp,
}

/// Hand-written so that logging the signer can never leak the private key.
impl fmt::Debug for SmpSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmpSigner")
            .field("subject", &SMP_CERTIFICATE_SUBJECT)
            .field("valid_from", &self.valid_from)
            .field("valid_to", &self.valid_to)
            .finish_non_exhaustive()
    }
}

fn load_key(pem: &str, which: &'static str) -> Result<RsaPrivateKey, SmpError> {
    RsaPrivateKey::from_pkcs8_pem(pem).map_err(|e| SmpError::Key {
        which,
        reason: e.to_string(),
    })
}

impl SmpSigner {
    /// Loads the committed SMP key and builds its certificate (`digitalSignature`: it signs
    /// metadata and nothing else) for the given validity, truncated to whole seconds.
    pub(crate) fn new(
        valid_from: jiff::Timestamp,
        valid_to: jiff::Timestamp,
    ) -> Result<Self, SmpError> {
        let private_key = load_key(SMP_KEY_PEM, "Peppol SMP")?;
        let certificate_der = self_signed(
            &private_key,
            SMP_CERTIFICATE_SUBJECT,
            SMP_CERTIFICATE_SERIAL,
            KeyUsage(KeyUsages::DigitalSignature.into()),
            valid_from,
            valid_to,
        )?;
        Ok(Self {
            signer: EnvelopedSigner::new(private_key, certificate_der),
            valid_from: whole_seconds(valid_from)?,
            valid_to: whole_seconds(valid_to)?,
        })
    }

    pub(crate) fn certificate_der(&self) -> &[u8] {
        self.signer.certificate_der()
    }
}

/// The certificate of eisim's simulated receiving access point (the DER that `smp:Certificate`
/// publishes), for the given validity. Its usages are an AS4 access point's: it signs messages
/// and receipts, and senders encrypt the payload's key to it.
pub(crate) fn access_point_certificate_der(
    valid_from: jiff::Timestamp,
    valid_to: jiff::Timestamp,
) -> Result<Vec<u8>, SmpError> {
    let private_key = load_key(AP_KEY_PEM, "Peppol access point")?;
    Ok(self_signed(
        &private_key,
        AP_CERTIFICATE_SUBJECT,
        AP_CERTIFICATE_SERIAL,
        KeyUsage(
            KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment | KeyUsages::DataEncipherment,
        ),
        valid_from,
        valid_to,
    )?)
}

/// Percent-encodes everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`),
/// UTF-8 byte by byte with upper-case hex, which is how Peppol identifiers go into SMP URLs
/// (`iso6523-actorid-upis%3A%3A0208%3A0123456749`, `#` as `%23`).
pub(crate) fn percent_encode(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0F)]));
        }
    }
    out
}

#[cfg(test)]
/// The inverse of [`percent_encode`] (and of any other encoder: hex of either case, anything
/// left unencoded kept as is). `+` stays `+`: in a path it is not a space.
pub(crate) fn percent_decode(text: &str) -> Result<String, PercentDecodeError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        if byte == b'%' {
            let digit = |offset: usize| {
                bytes
                    .get(at + offset)
                    .and_then(|b| char::from(*b).to_digit(16))
                    .and_then(|d| u8::try_from(d).ok())
            };
            match (digit(1), digit(2)) {
                (Some(high), Some(low)) => out.push(high << 4 | low),
                _ => return Err(PercentDecodeError::BadEscape(at)),
            }
            at += 3;
        } else {
            out.push(byte);
            at += 1;
        }
    }
    String::from_utf8(out).map_err(|_| PercentDecodeError::NotUtf8)
}

/// `smp_base_url` followed by the service metadata path of one document type.
fn service_metadata_url(smp_base_url: &str, participant: &str, document_type: &str) -> String {
    format!(
        "{}/{}/services/{}",
        smp_base_url.trim_end_matches('/'),
        percent_encode(&format!("{PARTICIPANT_SCHEME}::{participant}")),
        percent_encode(&format!("{DOCUMENT_SCHEME}::{document_type}")),
    )
}

fn participant_identifier(participant: &str) -> XmlElement {
    XmlElement::leaf(Some(ID), "ParticipantIdentifier", participant)
        .attribute("scheme", PARTICIPANT_SCHEME)
}

/// The `ServiceGroup` document; `smp_base_url` is where the SMP's REST paths start (the
/// references are absolute URLs under it).
pub(crate) fn render_service_group(group: &ServiceGroup, smp_base_url: &str) -> String {
    let mut references = XmlElement::new(Some(SMP), "ServiceMetadataReferenceCollection");
    for document_type in &group.references {
        references.push(
            XmlElement::new(Some(SMP), "ServiceMetadataReference").attribute(
                "href",
                service_metadata_url(smp_base_url, &group.participant, document_type),
            ),
        );
    }
    XmlElement::new(Some(SMP), "ServiceGroup")
        .declare(ID)
        .child(participant_identifier(&group.participant))
        .child(references)
        .to_document()
}

/// The `SignedServiceMetadata` document, signed by `signer`; `ap_certificate_der` is the
/// receiving access point's certificate, published Base64 in `smp:Certificate`.
pub(crate) fn render_signed_service_metadata(
    metadata: &ServiceMetadata,
    signer: &SmpSigner,
    ap_certificate_der: &[u8],
) -> Result<String, SmpError> {
    let mut endpoint = XmlElement::new(Some(SMP), "Endpoint")
        .attribute("transportProfile", TRANSPORT_PROFILE)
        .child(
            XmlElement::new(Some(WSA), "EndpointReference").child(XmlElement::leaf(
                Some(WSA),
                "Address",
                metadata.endpoint_url.as_str(),
            )),
        )
        .child(XmlElement::leaf(
            Some(SMP),
            "RequireBusinessLevelSignature",
            "false",
        ));
    if let Some(activation) = metadata.activation {
        endpoint.push(XmlElement::leaf(
            Some(SMP),
            "ServiceActivationDate",
            activation.to_string(),
        ));
    }
    if let Some(expiration) = metadata.expiration {
        endpoint.push(XmlElement::leaf(
            Some(SMP),
            "ServiceExpirationDate",
            expiration.to_string(),
        ));
    }
    let endpoint = endpoint
        .child(XmlElement::leaf(
            Some(SMP),
            "Certificate",
            STANDARD.encode(ap_certificate_der),
        ))
        .child(XmlElement::leaf(
            Some(SMP),
            "ServiceDescription",
            metadata.description.as_str(),
        ))
        .child(XmlElement::leaf(
            Some(SMP),
            "TechnicalContactUrl",
            metadata.technical_contact_url.as_str(),
        ));
    let process = XmlElement::new(Some(SMP), "Process")
        .child(
            XmlElement::leaf(Some(ID), "ProcessIdentifier", metadata.process.as_str())
                .attribute("scheme", PROCESS_SCHEME),
        )
        .child(XmlElement::new(Some(SMP), "ServiceEndpointList").child(endpoint));
    let information = XmlElement::new(Some(SMP), "ServiceInformation")
        .child(participant_identifier(&metadata.participant))
        .child(
            XmlElement::leaf(
                Some(ID),
                "DocumentIdentifier",
                metadata.document_type.as_str(),
            )
            .attribute("scheme", DOCUMENT_SCHEME),
        )
        .child(XmlElement::new(Some(SMP), "ProcessList").child(process));
    let root = XmlElement::new(Some(SMP), "SignedServiceMetadata")
        .declare(ID)
        .declare(WSA)
        .child(XmlElement::new(Some(SMP), "ServiceMetadata").child(information));
    let how = EnvelopedSignature {
        canonicalization: Canonicalization::Inclusive,
        id: None,
        object: None,
    };
    Ok(signer.signer.sign(root, &how)?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {

    use proptest::prelude::*;
    use quick_xml::Reader;
    use quick_xml::events::Event;

    use super::*;
    use crate::testing::texts;
    use crate::xmldsig::tests::{xmlsec1_installed, xmlsec1_verify};

    const INVOICE: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##\
                           urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:\
                           billing:3.0::2.1";
    const CREDIT_NOTE: &str = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::\
                               CreditNote##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:\
                               2017:poacc:billing:3.0::2.1";
    const BILLING: &str = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";
    const BASE: &str = "http://127.0.0.1:8080/peppol/smp";

    fn ts(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    fn signer() -> SmpSigner {
        SmpSigner::new(ts("2025-01-01T00:00:00Z"), ts("2045-01-01T00:00:00Z")).unwrap()
    }

    fn ap_certificate() -> Vec<u8> {
        access_point_certificate_der(ts("2025-01-01T00:00:00Z"), ts("2045-01-01T00:00:00Z"))
            .unwrap()
    }

    fn group() -> ServiceGroup {
        ServiceGroup {
            participant: "0208:0123456749".into(),
            references: vec![INVOICE.into(), CREDIT_NOTE.into()],
        }
    }

    fn metadata() -> ServiceMetadata {
        ServiceMetadata {
            participant: "0208:0123456749".into(),
            document_type: INVOICE.into(),
            process: BILLING.into(),
            endpoint_url: "http://127.0.0.1:8080/peppol/as4".into(),
            activation: Some(ts("2026-01-01T00:00:00Z")),
            expiration: Some(ts("2028-12-31T23:59:59Z")),
            description: "eisim simulated access point".into(),
            technical_contact_url: "https://github.com/eisim/eisim".into(),
        }
    }

    fn signed(metadata: &ServiceMetadata) -> String {
        render_signed_service_metadata(metadata, &signer(), &ap_certificate()).unwrap()
    }

    /// Value of attribute `name` on every element named `local`, normalised as a parser
    /// reports it.
    fn attributes(xml: &str, local: &str, name: &str) -> Vec<String> {
        let mut reader = Reader::from_str(xml);
        let mut found = Vec::new();
        loop {
            match reader.read_event().unwrap() {
                Event::Start(start) | Event::Empty(start)
                    if start.local_name().as_ref() == local =>
                {
                    for attribute in start.attributes() {
                        let attribute = attribute.unwrap();
                        if attribute.key.as_ref() == name {
                            let value = attribute
                                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .unwrap();
                            found.push(value.into_owned());
                        }
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        found
    }

    #[test]
    fn service_group_snapshot() {
        insta::assert_snapshot!(render_service_group(&group(), BASE));
    }

    #[test]
    fn signed_service_metadata_snapshot() {
        insta::assert_snapshot!(signed(&metadata()));
    }

    #[test]
    fn references_point_at_the_service_metadata_urls() {
        let xml = render_service_group(&group(), &format!("{BASE}/"));
        let hrefs = attributes(&xml, "ServiceMetadataReference", "href");
        assert_eq!(
            hrefs.first().map(String::as_str),
            Some(
                "http://127.0.0.1:8080/peppol/smp/iso6523-actorid-upis%3A%3A0208%3A0123456749/\
                 services/busdox-docid-qns%3A%3Aurn%3Aoasis%3Anames%3Aspecification%3Aubl%3A\
                 schema%3Axsd%3AInvoice-2%3A%3AInvoice%23%23urn%3Acen.eu%3Aen16931%3A2017%23\
                 compliant%23urn%3Afdc%3Apeppol.eu%3A2017%3Apoacc%3Abilling%3A3.0%3A%3A2.1"
            )
        );
        assert_eq!(hrefs.len(), 2);
        let path = hrefs.get(1).unwrap().strip_prefix(BASE).unwrap();
        let segments: Vec<String> = path
            .split('/')
            .map(|s| percent_decode(s).unwrap())
            .collect();
        assert_eq!(
            segments,
            [
                "",
                "iso6523-actorid-upis::0208:0123456749",
                "services",
                &format!("busdox-docid-qns::{CREDIT_NOTE}"),
            ]
        );
    }

    #[test]
    fn a_participant_without_document_types_has_an_empty_collection() {
        let xml = render_service_group(
            &ServiceGroup {
                participant: "9915:test".into(),
                references: Vec::new(),
            },
            BASE,
        );
        assert!(xml.contains(
            "<smp:ServiceMetadataReferenceCollection></smp:ServiceMetadataReferenceCollection>"
        ));
        assert_eq!(texts(&xml, "ParticipantIdentifier"), ["9915:test"]);
    }

    #[test]
    fn optional_dates_are_left_out() {
        let xml = signed(&ServiceMetadata {
            activation: None,
            expiration: None,
            ..metadata()
        });
        assert!(!xml.contains("ServiceActivationDate"));
        assert!(!xml.contains("ServiceExpirationDate"));
        assert_eq!(texts(&xml, "RequireBusinessLevelSignature"), ["false"]);
    }

    #[test]
    fn the_published_certificate_is_the_access_point_s() {
        let signer = signer();
        let ap = ap_certificate();
        assert_ne!(ap, signer.certificate_der());
        let xml = render_signed_service_metadata(&metadata(), &signer, &ap).unwrap();
        assert_eq!(texts(&xml, "Certificate"), [STANDARD.encode(&ap)]);
        assert_eq!(
            texts(&xml, "X509Certificate"),
            [STANDARD.encode(signer.certificate_der())]
        );
        let certificate =
            <x509_cert::Certificate as x509_cert::der::Decode>::from_der(&ap).unwrap();
        assert_eq!(
            certificate.tbs_certificate.subject.to_string(),
            AP_CERTIFICATE_SUBJECT
        );
    }

    #[test]
    fn hostile_text_is_escaped_and_still_signed() {
        let hostile = ServiceMetadata {
            participant: "0208:<0123456749>".into(),
            document_type: "a&b\"c'd]]>".into(),
            process: "</id:ProcessIdentifier><evil/>".into(),
            endpoint_url: "http://x/?a=1&b=<2>".into(),
            description: "line\r\nbreak & <tag> \u{0}\u{1b} done".into(),
            technical_contact_url: "mailto:\"x\"@y".into(),
            ..metadata()
        };
        let xml = signed(&hostile);
        assert!(!xml.contains("<evil"));
        assert_eq!(texts(&xml, "ParticipantIdentifier"), ["0208:<0123456749>"]);
        assert_eq!(texts(&xml, "DocumentIdentifier"), ["a&b\"c'd]]>"]);
        assert_eq!(
            texts(&xml, "ProcessIdentifier"),
            ["</id:ProcessIdentifier><evil/>"]
        );
        assert_eq!(texts(&xml, "Address"), ["http://x/?a=1&b=<2>"]);
        assert_eq!(
            texts(&xml, "ServiceDescription"),
            ["line\r\nbreak & <tag> \u{FFFD}\u{FFFD} done"]
        );

        let group = ServiceGroup {
            participant: "0208:\"&<>".into(),
            references: vec!["x\"y&z<".into()],
        };
        let xml = render_service_group(&group, "http://h/\"smp\"");
        assert_eq!(texts(&xml, "ParticipantIdentifier"), ["0208:\"&<>"]);
        assert_eq!(
            attributes(&xml, "ServiceMetadataReference", "href"),
            [format!(
                "http://h/\"smp\"/{}/services/{}",
                percent_encode("iso6523-actorid-upis::0208:\"&<>"),
                percent_encode("busdox-docid-qns::x\"y&z<")
            )]
        );

        if !xmlsec1_installed() {
            println!("SKIPPED: xmlsec1 not installed");
            return;
        }
        let pem = crate::certificate::pem(signer().certificate_der());
        xmlsec1_verify(&pem, &signed(&hostile), "smp-hostile", &[]).unwrap();
    }

    #[test]
    fn xmlsec1_verifies_and_detects_tampering() {
        if !xmlsec1_installed() {
            println!("SKIPPED: xmlsec1 not installed");
            return;
        }
        let pem = crate::certificate::pem(signer().certificate_der());
        let xml = signed(&metadata());
        xmlsec1_verify(&pem, &xml, "smp-good", &[]).unwrap();
        // A redirected endpoint is exactly what the signature exists to catch.
        let tampered = xml.replacen("127.0.0.1:8080/peppol/as4", "127.0.0.1:6666/peppol/as4", 1);
        assert_ne!(tampered, xml);
        assert!(xmlsec1_verify(&pem, &tampered, "smp-endpoint", &[]).is_err());
        // Another key's certificate (the access point's) does not verify it.
        let other = crate::certificate::pem(&ap_certificate());
        assert!(xmlsec1_verify(&other, &xml, "smp-other-key", &[]).is_err());
    }

    #[test]
    fn percent_encoding_matches_the_reference_examples() {
        assert_eq!(
            percent_encode("iso6523-actorid-upis::0208:0123456749"),
            "iso6523-actorid-upis%3A%3A0208%3A0123456749"
        );
        assert_eq!(percent_encode("a#b c/é~"), "a%23b%20c%2F%C3%A9~");
        assert_eq!(percent_decode("a%2fb%2Fc+d").unwrap(), "a/b/c+d");
        assert_eq!(
            percent_decode("ab%2"),
            Err(PercentDecodeError::BadEscape(2))
        );
        assert_eq!(percent_decode("%zz"), Err(PercentDecodeError::BadEscape(0)));
        assert_eq!(percent_decode("%C3"), Err(PercentDecodeError::NotUtf8));
    }

    proptest! {
        #[test]
        fn percent_encoding_round_trips(text in any::<String>()) {
            let encoded = percent_encode(&text);
            prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric()
                || matches!(b, b'-' | b'.' | b'_' | b'~' | b'%')));
            prop_assert_eq!(percent_decode(&encoded), Ok(text));
        }
    }

    #[test]
    fn debug_hides_the_key() {
        let debug = format!("{:?}", signer());
        assert!(!debug.contains("prime"), "{debug}");
        assert!(debug.contains("eisim Peppol SMP simulator"), "{debug}");
    }
}
