//! Self-signed X.509 v3 certificates for the simulator's own keys.
//!
//! Every network eisim simulates publishes a certificate for a key committed in the repository
//! (KSeF's encryption key, SDI's and the Peppol SMP's signing keys, the Peppol access point's). They differ only in subject, serial and key
//! usage, so the construction lives here once. It is done by hand from x509-cert parts rather
//! than through `CertificateBuilder`: without the `hazmat` feature the builder's profiles cannot
//! express an arbitrary key usage (KSeF needs encryption-only, SDI signature-only), and strict
//! clients (Java's `Cipher.init`, XAdES validators) check the critical key usage.
//!
//! The output is deterministic: PKCS#1 v1.5 signatures have no randomness, so the same key,
//! subject, serial, usage and validity always give the same DER bytes (snapshot-friendly, and a
//! restarted simulator publishes the same certificate).

use std::fmt;
use std::str::FromStr as _;
use std::time::Duration;

use rsa::RsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::EncodePublicKey as _;
use rsa::pkcs8::spki::DynSignatureAlgorithmIdentifier as _;
use rsa::signature::{SignatureEncoding as _, Signer as _};
use thiserror::Error;
use x509_cert::certificate::{Certificate, TbsCertificate, Version};
use x509_cert::der::asn1::{BitString, GeneralizedTime, UtcTime};
use x509_cert::der::referenced::OwnedToRef as _;
use x509_cert::der::{DateTime, Decode as _, Encode as _};
use x509_cert::ext::AsExtension as _;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, SubjectKeyIdentifier};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::{Time, Validity};

#[derive(Debug, Error)]
pub(crate) enum CertificateError {
    #[error("cannot build the certificate: {0}")]
    Build(String),
}

fn build_error(e: impl fmt::Display) -> CertificateError {
    CertificateError::Build(e.to_string())
}

/// Certificates carry whole seconds only; callers that show the validity next to the
/// certificate should truncate the same way so that both agree.
pub(crate) fn whole_seconds(t: jiff::Timestamp) -> Result<jiff::Timestamp, CertificateError> {
    jiff::Timestamp::from_second(t.as_second()).map_err(build_error)
}

/// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 on (strict parsers such as
/// Java's reject the other encoding).
fn x509_time(t: jiff::Timestamp) -> Result<Time, CertificateError> {
    let seconds = u64::try_from(t.as_second())
        .map_err(|_| build_error(format!("{t} is before 1970, not representable")))?;
    let unix = Duration::from_secs(seconds);
    let date_time = DateTime::from_unix_duration(unix).map_err(build_error)?;
    if date_time.year() < 2050 {
        Ok(Time::UtcTime(
            UtcTime::from_unix_duration(unix).map_err(build_error)?,
        ))
    } else {
        Ok(Time::GeneralTime(
            GeneralizedTime::from_unix_duration(unix).map_err(build_error)?,
        ))
    }
}

/// A self-signed end-entity certificate (`CA:FALSE`) for `private_key`, signed
/// sha256WithRSAEncryption, with extensions BasicConstraints, KeyUsage (critical) and
/// SubjectKeyIdentifier in that order. `subject` is an RFC 4514 string such as
/// `CN=eisim SDI simulator,O=eisim,C=IT`; it is also the issuer. Validity bounds are truncated
/// to whole seconds and must be in order and after 1970.
pub(crate) fn self_signed(
    private_key: &RsaPrivateKey,
    subject: &str,
    serial: u64,
    usage: KeyUsage,
    valid_from: jiff::Timestamp,
    valid_to: jiff::Timestamp,
) -> Result<Vec<u8>, CertificateError> {
    let valid_from = whole_seconds(valid_from)?;
    let valid_to = whole_seconds(valid_to)?;
    if valid_to <= valid_from {
        return Err(build_error(format!(
            "validity ends ({valid_to}) before it starts ({valid_from})"
        )));
    }

    let spki_der = private_key
        .to_public_key()
        .to_public_key_der()
        .map_err(build_error)?;
    let spki = SubjectPublicKeyInfoOwned::from_der(spki_der.as_bytes()).map_err(build_error)?;

    let signing_key = SigningKey::<sha2_010::Sha256>::new(private_key.clone());
    let signature_algorithm = signing_key
        .signature_algorithm_identifier()
        .map_err(build_error)?;
    let subject = Name::from_str(subject).map_err(build_error)?;

    let mut tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::from(serial),
        signature: signature_algorithm.clone(),
        issuer: subject.clone(),
        validity: Validity {
            not_before: x509_time(valid_from)?,
            not_after: x509_time(valid_to)?,
        },
        subject,
        subject_public_key_info: spki,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: None,
    };
    let mut extensions = Vec::new();
    let basic = BasicConstraints {
        ca: false,
        path_len_constraint: None,
    };
    let extension = basic
        .to_extension(&tbs.subject, &extensions)
        .map_err(build_error)?;
    extensions.push(extension);
    let extension = usage
        .to_extension(&tbs.subject, &extensions)
        .map_err(build_error)?;
    extensions.push(extension);
    let key_id = SubjectKeyIdentifier::try_from(tbs.subject_public_key_info.owned_to_ref())
        .map_err(build_error)?;
    let extension = key_id
        .to_extension(&tbs.subject, &extensions)
        .map_err(build_error)?;
    extensions.push(extension);
    tbs.extensions = Some(extensions);

    let tbs_der = tbs.to_der().map_err(build_error)?;
    let signature = signing_key.try_sign(&tbs_der).map_err(build_error)?;
    let certificate = Certificate {
        tbs_certificate: tbs,
        signature_algorithm,
        signature: BitString::from_bytes(&signature.to_bytes()).map_err(build_error)?,
    };
    certificate.to_der().map_err(build_error)
}

/// A certificate in PEM armour (64-column Base64), the form `xmlsec1`, `openssl` and most
/// verification tools take.
pub(crate) fn pem(der: &[u8]) -> String {
    use base64::Engine as _;

    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::process::Command;

    use rsa::pkcs8::DecodePrivateKey as _;
    use x509_cert::ext::pkix::KeyUsages;

    use super::*;

    const KEY_PEM: &str = include_str!("networks/sdi/eisim-sdi-key.pem");
    const SUBJECT: &str = "CN=eisim test,O=eisim,C=IT";

    fn key() -> RsaPrivateKey {
        RsaPrivateKey::from_pkcs8_pem(KEY_PEM).unwrap()
    }

    fn signing_usage() -> KeyUsage {
        KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation)
    }

    fn ts(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn same_inputs_same_bytes() {
        let key = key();
        let from = ts("2025-01-01T00:00:00.5Z");
        let to = ts("2060-01-01T00:00:00Z");
        let first = self_signed(&key, SUBJECT, 7, signing_usage(), from, to).unwrap();
        let second = self_signed(&key, SUBJECT, 7, signing_usage(), from, to).unwrap();
        assert_eq!(first, second);
        let certificate = Certificate::from_der(&first).unwrap();
        let tbs = &certificate.tbs_certificate;
        assert_eq!(tbs.subject.to_string(), SUBJECT);
        assert_eq!(tbs.issuer, tbs.subject);
        assert_eq!(tbs.serial_number, SerialNumber::from(7_u64));
        assert_eq!(
            tbs.validity.not_before.to_unix_duration().as_secs(),
            1_735_689_600
        );
        assert!(matches!(tbs.validity.not_before, Time::UtcTime(_)));
        assert!(matches!(tbs.validity.not_after, Time::GeneralTime(_)));
        assert_eq!(tbs.extensions.as_ref().unwrap().len(), 3);
    }

    #[test]
    fn bad_validity_and_subject_are_refused() {
        let key = key();
        let from = ts("2025-01-01T00:00:00Z");
        let to = ts("2035-01-01T00:00:00Z");
        assert!(self_signed(&key, SUBJECT, 1, signing_usage(), to, from).is_err());
        assert!(self_signed(&key, SUBJECT, 1, signing_usage(), from, from).is_err());
        let before_1970 = ts("1969-12-31T00:00:00Z");
        assert!(self_signed(&key, SUBJECT, 1, signing_usage(), before_1970, to).is_err());
        assert!(self_signed(&key, "not a name", 1, signing_usage(), from, to).is_err());
    }

    #[test]
    fn openssl_reads_the_key_usage() {
        if Command::new("openssl").arg("version").output().is_err() {
            println!("SKIPPED: openssl not installed");
            return;
        }
        let der = self_signed(
            &key(),
            SUBJECT,
            1,
            signing_usage(),
            ts("2025-01-01T00:00:00Z"),
            ts("2035-01-01T00:00:00Z"),
        )
        .unwrap();
        let dir = std::env::temp_dir().join(format!("eisim-cert-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("cert.der");
        std::fs::write(&path, der).unwrap();
        let output = Command::new("openssl")
            .args(["x509", "-inform", "DER", "-noout", "-text", "-in"])
            .arg(&path)
            .output()
            .unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{text}");
        assert!(
            text.contains("Digital Signature, Non Repudiation"),
            "{text}"
        );
        assert!(text.contains("X509v3 Key Usage: critical"), "{text}");
        assert!(text.contains("CA:FALSE"), "{text}");
        assert!(text.contains("Public-Key: (2048 bit)"), "{text}");
    }
}
