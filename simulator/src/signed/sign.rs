//! Making signed files: `eisim sdi sign` for integrators who need accepted (or deliberately
//! refused) signed files, and SDI's inbound invoices a scenario wants delivered signed. The
//! signing time is an argument, so a run signs on its own clock and the CLI can backdate or
//! postdate a file (00105).

use cms::builder::{SignedDataBuilder, SignerInfoBuilder};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier};
use jiff::Timestamp;
use rsa::RsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey as _;
use x509_cert::Certificate;
use x509_cert::attr::{Attribute, AttributeValue};
use x509_cert::der::asn1::{OctetString, SetOfVec};
use x509_cert::der::{Any, DecodePem as _, Encode as _};
use x509_cert::spki::{AlgorithmIdentifierOwned, ObjectIdentifier};

use super::trust::{SHA256, TEST_SIGNER_KEY_PEM, TEST_SIGNER_PEM};

const DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");

#[derive(Debug, thiserror::Error)]
pub(crate) enum SignError {
    #[error("the private key is not an unencrypted PKCS#8 RSA key in PEM: {0}")]
    Key(String),
    #[error("the certificate is not a PEM X.509 certificate: {0}")]
    Certificate(String),
    #[error("the signing time {0} cannot be written in a certificate-style time")]
    Time(Timestamp),
    #[error("building the CMS SignedData failed: {0}")]
    Cms(String),
}

/// Who signs: a PKCS#8 PEM RSA key and its PEM certificate.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Identity<'a> {
    pub(crate) key_pem: &'a str,
    pub(crate) certificate_pem: &'a str,
}

impl Identity<'static> {
    /// eisim's test signer, issued by the test CA that SDI trusts by default.
    pub(crate) const TEST: Identity<'static> = Identity {
        key_pem: TEST_SIGNER_KEY_PEM,
        certificate_pem: TEST_SIGNER_PEM,
    };
}

/// A CAdES-BES `.p7m` (DER) of `content` signed with `identity` at `signed_at`, with the
/// signer's certificate and the signing-time, content-type and message-digest attributes.
pub(crate) fn cades(
    content: &[u8],
    identity: Identity<'_>,
    signed_at: Timestamp,
) -> Result<Vec<u8>, SignError> {
    let key = RsaPrivateKey::from_pkcs8_pem(identity.key_pem)
        .map_err(|e| SignError::Key(e.to_string()))?;
    let signing_key = SigningKey::<sha2_010::Sha256>::new(key);
    let certificate = Certificate::from_pem(identity.certificate_pem)
        .map_err(|e| SignError::Certificate(e.to_string()))?;
    let econtent =
        Any::encode_from(&OctetString::new(content).map_err(cms_err)?).map_err(cms_err)?;
    let encapsulated = EncapsulatedContentInfo {
        econtent_type: DATA,
        econtent: Some(econtent),
    };
    let digest = AlgorithmIdentifierOwned {
        oid: SHA256,
        parameters: None,
    };
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: certificate.tbs_certificate.issuer.clone(),
        serial_number: certificate.tbs_certificate.serial_number.clone(),
    });
    let mut signer = SignerInfoBuilder::new(&signing_key, sid, digest.clone(), &encapsulated, None)
        .map_err(cms_err)?;
    signer
        .add_signed_attribute(signing_time(signed_at)?)
        .map_err(cms_err)?;
    let mut builder = SignedDataBuilder::new(&encapsulated);
    builder
        .add_digest_algorithm(digest)
        .map_err(cms_err)?
        .add_certificate(CertificateChoices::Certificate(certificate))
        .map_err(cms_err)?
        .add_signer_info::<_, rsa::pkcs1v15::Signature>(signer)
        .map_err(cms_err)?;
    builder.build().map_err(cms_err)?.to_der().map_err(cms_err)
}

/// [`cades`] with eisim's test signer.
pub(crate) fn cades_test(content: &[u8], signed_at: Timestamp) -> Result<Vec<u8>, SignError> {
    cades(content, Identity::TEST, signed_at)
}

fn cms_err(e: impl std::fmt::Display) -> SignError {
    SignError::Cms(e.to_string())
}

fn signing_time(at: Timestamp) -> Result<Attribute, SignError> {
    let seconds = u64::try_from(at.as_second()).map_err(|_| SignError::Time(at))?;
    let duration = std::time::Duration::from_secs(seconds);
    // RFC 5652 §11.3: UTCTime through 2049, GeneralizedTime after.
    let time = if at.as_second() < 2_524_608_000 {
        x509_cert::time::Time::UtcTime(
            x509_cert::der::asn1::UtcTime::from_unix_duration(duration)
                .map_err(|_| SignError::Time(at))?,
        )
    } else {
        x509_cert::time::Time::GeneralTime(
            x509_cert::der::asn1::GeneralizedTime::from_unix_duration(duration)
                .map_err(|_| SignError::Time(at))?,
        )
    };
    let value: AttributeValue = Any::encode_from(&time).map_err(|_| SignError::Time(at))?;
    let mut values = SetOfVec::new();
    values.insert(value).map_err(|_| SignError::Time(at))?;
    Ok(Attribute {
        oid: SIGNING_TIME,
        values,
    })
}
