//! The enveloped XAdES-BES signature SDI puts on its notifications, made with eisim's own key.
//!
//! The notification schemas require a `ds:Signature` as the last child of every SDI receipt,
//! and a receiver may check it, so it has to be a real one. The XML-DSig machinery (canonical
//! rendering, digests, `SignedInfo`) is the crate's [`crate::xmldsig`]; what is SDI's own is
//! here: the key and certificate, exclusive canonicalization, `Id="Signature1"`, and the XAdES
//! `QualifyingProperties` whose `SignedProperties` (signing time in Italian local time, the
//! certificate's digest and issuer/serial) the signature also covers through
//! `URI="#SignedProperties_1"`.

use std::fmt;

use rsa::RsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey as _;
use thiserror::Error;
use x509_cert::ext::pkix::{KeyUsage, KeyUsages};

use crate::certificate::{CertificateError, self_signed};
use crate::xmldsig::{
    Canonicalization, DS, EnvelopedSignature, EnvelopedSigner, Namespace, SHA256, SignedObject,
    SigningError, XmlElement, sha256_base64,
};

/// Committed on purpose: the simulator holds no secrets, and a fixed key keeps the published
/// certificate stable across restarts.
const PRIVATE_KEY_PEM: &str = include_str!("eisim-sdi-key.pem");
pub(crate) const CERTIFICATE_SUBJECT: &str = "CN=eisim SDI simulator,O=eisim,C=IT";
/// Fixed so that the certificate depends only on its validity window.
pub(crate) const CERTIFICATE_SERIAL: u64 = 0x0E15_1A5E_5D10_0001;

pub(crate) const XADES_NS: &str = "http://uri.etsi.org/01903/v1.3.2#";
const SIGNED_PROPERTIES_TYPE: &str = "http://uri.etsi.org/01903#SignedProperties";
const SIGNATURE_ID: &str = "Signature1";
const SIGNED_PROPERTIES_ID: &str = "SignedProperties_1";

pub(crate) const XADES: Namespace = Namespace {
    prefix: "xades",
    uri: XADES_NS,
};

#[derive(Debug, Error)]
pub(crate) enum SignatureError {
    #[error("the committed SDI key cannot be read: {0}")]
    Key(String),
    #[error(transparent)]
    Certificate(#[from] CertificateError),
    #[error(transparent)]
    Sign(#[from] SigningError),
}

/// eisim's SDI signing identity: the committed key and a self-signed certificate for it.
pub(crate) struct SdiSigner {
    signer: EnvelopedSigner,
    /// Base64 SHA-256 of the certificate, for XAdES `SigningCertificate/CertDigest`.
    certificate_digest: String,
    valid_from: jiff::Timestamp,
    valid_to: jiff::Timestamp,
}

/// Hand-written so that logging the signer can never leak the private key.
impl fmt::Debug for SdiSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SdiSigner")
            .field("subject", &CERTIFICATE_SUBJECT)
            .field("certificate_digest", &self.certificate_digest)
            .field("valid_from", &self.valid_from)
            .field("valid_to", &self.valid_to)
            .finish_non_exhaustive()
    }
}

impl SdiSigner {
    /// Loads the committed key and builds its certificate (`digitalSignature` +
    /// `nonRepudiation`, what a qualified signing certificate carries) for the given validity,
    /// truncated to whole seconds.
    pub(crate) fn new(
        valid_from: jiff::Timestamp,
        valid_to: jiff::Timestamp,
    ) -> Result<Self, SignatureError> {
        let private_key = RsaPrivateKey::from_pkcs8_pem(PRIVATE_KEY_PEM)
            .map_err(|e| SignatureError::Key(e.to_string()))?;
        let certificate_der = self_signed(
            &private_key,
            CERTIFICATE_SUBJECT,
            CERTIFICATE_SERIAL,
            KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation),
            valid_from,
            valid_to,
        )?;
        Ok(Self {
            certificate_digest: sha256_base64(&certificate_der),
            signer: EnvelopedSigner::new(private_key, certificate_der),
            valid_from: crate::certificate::whole_seconds(valid_from)?,
            valid_to: crate::certificate::whole_seconds(valid_to)?,
        })
    }

    pub(crate) fn certificate_der(&self) -> &[u8] {
        self.signer.certificate_der()
    }

    /// The certificate in PEM armour, the form `xmlsec1` and most verification tools take.
    pub(crate) fn certificate_pem(&self) -> String {
        crate::certificate::pem(self.certificate_der())
    }

    /// Appends the enveloped `ds:Signature` to `root` (as its last child, where the SDI schemas
    /// want it) and returns the complete signed document. `signing_time` becomes XAdES
    /// `SigningTime`, in Italian local time like every other SDI timestamp.
    pub(crate) fn sign_enveloped(
        &self,
        root: XmlElement,
        signing_time: jiff::Timestamp,
    ) -> Result<String, SignatureError> {
        let qualifying_properties = XmlElement::new(Some(XADES), "QualifyingProperties")
            .attribute("Target", format!("#{SIGNATURE_ID}"))
            .child(self.signed_properties(signing_time));
        let how = EnvelopedSignature {
            canonicalization: Canonicalization::Exclusive,
            id: Some(SIGNATURE_ID),
            object: Some(SignedObject {
                content: qualifying_properties,
                signed_child_id: SIGNED_PROPERTIES_ID,
                reference_type: SIGNED_PROPERTIES_TYPE,
            }),
        };
        Ok(self.signer.sign(root, &how)?)
    }

    fn signed_properties(&self, signing_time: jiff::Timestamp) -> XmlElement {
        let cert_digest = XmlElement::new(Some(XADES), "CertDigest")
            .child(XmlElement::new(Some(DS), "DigestMethod").attribute("Algorithm", SHA256))
            .child(XmlElement::leaf(
                Some(DS),
                "DigestValue",
                self.certificate_digest.clone(),
            ));
        let issuer_serial = XmlElement::new(Some(XADES), "IssuerSerial")
            .child(XmlElement::leaf(
                Some(DS),
                "X509IssuerName",
                CERTIFICATE_SUBJECT,
            ))
            .child(XmlElement::leaf(
                Some(DS),
                "X509SerialNumber",
                CERTIFICATE_SERIAL.to_string(),
            ));
        XmlElement::new(Some(XADES), "SignedProperties")
            .attribute("Id", SIGNED_PROPERTIES_ID)
            .child(
                XmlElement::new(Some(XADES), "SignedSignatureProperties")
                    .child(XmlElement::leaf(
                        Some(XADES),
                        "SigningTime",
                        super::messages::italian_date_time(signing_time),
                    ))
                    .child(
                        XmlElement::new(Some(XADES), "SigningCertificate").child(
                            XmlElement::new(Some(XADES), "Cert")
                                .child(cert_digest)
                                .child(issuer_serial),
                        ),
                    ),
            )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub(crate) mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    use super::*;
    use crate::xmldsig::DSIG_NS;
    use crate::xmldsig::tests::xmlsec1_installed;

    const ROOT: Namespace = Namespace {
        prefix: "types",
        uri: "urn:example",
    };

    pub(crate) fn signer() -> SdiSigner {
        SdiSigner::new(
            "2025-01-01T00:00:00Z".parse().unwrap(),
            "2045-01-01T00:00:00Z".parse().unwrap(),
        )
        .unwrap()
    }

    fn sample() -> XmlElement {
        XmlElement::new(Some(ROOT), "Root")
            .attribute("versione", "1.0")
            .child(XmlElement::leaf(None, "A", "x & <y> \"q\"\r\n"))
            .child(XmlElement::new(None, "Empty"))
    }

    #[test]
    fn signed_properties_declare_what_they_use() {
        let signed = signer()
            .sign_enveloped(sample(), "2026-11-21T09:15:00Z".parse().unwrap())
            .unwrap();
        assert!(signed.contains(&format!(
            "<xades:QualifyingProperties xmlns:xades=\"{XADES_NS}\" Target=\"#Signature1\">"
        )));
        assert!(signed.contains("<xades:SignedProperties Id=\"SignedProperties_1\">"));
        assert!(signed.contains("<xades:SigningTime>2026-11-21T10:15:00.000+01:00<"));
        assert!(signed.contains(&format!(
            "<ds:SignedInfo>\n      <ds:CanonicalizationMethod Algorithm=\"{}\">",
            crate::xmldsig::EXC_C14N
        )));
        assert!(signed.contains(
            "<ds:Reference Type=\"http://uri.etsi.org/01903#SignedProperties\" \
             URI=\"#SignedProperties_1\">"
        ));
    }

    #[test]
    fn signing_is_deterministic_and_root_keeps_its_declarations() {
        let signer = signer();
        let at = "2026-11-21T09:15:00Z".parse().unwrap();
        let first = signer.sign_enveloped(sample(), at).unwrap();
        let second = signer.sign_enveloped(sample(), at).unwrap();
        assert_eq!(first, second);
        assert!(first.contains("<types:Root xmlns:types=\"urn:example\" versione=\"1.0\">"));
        assert!(first.contains(&format!(
            "\n  <ds:Signature xmlns:ds=\"{DSIG_NS}\" Id=\"Signature1\">"
        )));
        assert!(first.ends_with("</ds:Signature>\n</types:Root>\n"));
    }

    #[test]
    fn debug_hides_the_key_and_pem_round_trips() {
        let signer = signer();
        let debug = format!("{signer:?}");
        assert!(!debug.contains("private"), "{debug}");
        assert!(!debug.contains("prime"), "{debug}");
        assert!(debug.len() < 300, "{debug}");
        let pem = signer.certificate_pem();
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        assert!(pem.lines().all(|l| l.len() <= 64));
        assert_eq!(STANDARD.decode(body).unwrap(), signer.certificate_der());
    }

    /// Runs `xmlsec1 --verify` on `xml` with `signer`'s certificate as the only trusted key;
    /// `Ok(())` when the signature (both references and the SignedInfo) verifies.
    pub(crate) fn xmlsec1_verify(signer: &SdiSigner, xml: &str, name: &str) -> Result<(), String> {
        crate::xmldsig::tests::xmlsec1_verify(
            &signer.certificate_pem(),
            xml,
            name,
            &["http://uri.etsi.org/01903/v1.3.2#:SignedProperties"],
        )
    }

    #[test]
    fn xmlsec1_verifies_and_detects_tampering() {
        if !xmlsec1_installed() {
            println!("SKIPPED: xmlsec1 not installed");
            return;
        }
        let signer = signer();
        let at = "2026-11-21T09:15:00Z".parse().unwrap();
        let signed = signer.sign_enveloped(sample(), at).unwrap();
        xmlsec1_verify(&signer, &signed, "good").unwrap();

        // One character of the signed content.
        let tampered = signed.replacen("versione=\"1.0\"", "versione=\"1.1\"", 1);
        assert_ne!(tampered, signed);
        assert!(xmlsec1_verify(&signer, &tampered, "content").is_err());
        // The signing time, covered only by the SignedProperties reference.
        let tampered = signed.replacen("T10:15:00.000", "T10:16:00.000", 1);
        assert_ne!(tampered, signed);
        assert!(xmlsec1_verify(&signer, &tampered, "time").is_err());
        // Whitespace around the signature is digested too.
        let tampered = signed.replacen("\n  <ds:Signature", "\n   <ds:Signature", 1);
        assert!(xmlsec1_verify(&signer, &tampered, "space").is_err());
    }
}
