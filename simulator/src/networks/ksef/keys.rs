//! The simulator's own RSA key and the self-signed certificate it publishes at
//! `GET /security/public-key-certificates`.
//!
//! The private key is committed on purpose: the simulator holds no secrets, and a fixed key makes
//! `publicKeyId` stable across restarts, so clients that cache the certificate list (some do for
//! 24 h) keep working against a restarted simulator.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
use rsa::traits::PublicKeyParts as _;
use rsa::{Oaep, RsaPrivateKey, RsaPublicKey};
use x509_cert::ext::pkix::{KeyUsage, KeyUsages};

use super::crypto::{CryptoError, sha256_base64};
use crate::certificate::{self_signed, whole_seconds};

const PRIVATE_KEY_PEM: &str = include_str!("eisim-ksef-key.pem");
const SUBJECT: &str = "CN=eisim KSeF simulator,O=eisim,C=PL";
/// Fixed so that the certificate depends only on its validity window (determinism).
const SERIAL: u64 = 0x0E15_1A5E_F000_0001;

/// The simulator's encryption key pair and its published certificate.
pub(crate) struct KsefKeys {
    private_key: RsaPrivateKey,
    /// Read by the tests, which check the key against the certificate and `openssl`.
    #[cfg_attr(not(test), allow(dead_code))]
    public_key: RsaPublicKey,
    certificate_der: Vec<u8>,
    certificate_id: String,
    public_key_id: String,
    valid_from: jiff::Timestamp,
    valid_to: jiff::Timestamp,
}

/// Hand-written so that logging the keys can never leak the private exponent.
impl fmt::Debug for KsefKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KsefKeys")
            .field("certificate_id", &self.certificate_id)
            .field("public_key_id", &self.public_key_id)
            .field("valid_from", &self.valid_from)
            .field("valid_to", &self.valid_to)
            .finish_non_exhaustive()
    }
}

fn build_error(e: impl fmt::Display) -> CryptoError {
    CryptoError::CertificateBuild(e.to_string())
}

impl KsefKeys {
    /// Loads the committed key and signs its certificate, valid from `valid_from` to
    /// `valid_to` (truncated to whole seconds, as the certificate carries them).
    pub(crate) fn new(
        valid_from: jiff::Timestamp,
        valid_to: jiff::Timestamp,
    ) -> Result<Self, CryptoError> {
        let private_key =
            RsaPrivateKey::from_pkcs8_pem(PRIVATE_KEY_PEM).map_err(CryptoError::KeyFile)?;
        let public_key = private_key.to_public_key();
        let spki_der = public_key.to_public_key_der().map_err(build_error)?;
        // Java's `Cipher.init(ENCRYPT_MODE, certificate)` refuses a certificate whose critical
        // key usage lacks dataEncipherment.
        let usage = KeyUsage(KeyUsages::KeyEncipherment | KeyUsages::DataEncipherment);
        let certificate_der =
            self_signed(&private_key, SUBJECT, SERIAL, usage, valid_from, valid_to)
                .map_err(build_error)?;
        let valid_from = whole_seconds(valid_from).map_err(build_error)?;
        let valid_to = whole_seconds(valid_to).map_err(build_error)?;

        Ok(Self {
            certificate_id: sha256_base64(&certificate_der),
            public_key_id: sha256_base64(spki_der.as_bytes()),
            private_key,
            public_key,
            certificate_der,
            valid_from,
            valid_to,
        })
    }

    pub(crate) fn certificate_der(&self) -> &[u8] {
        &self.certificate_der
    }

    /// The `certificate` field of the public-key list: bare Base64 DER, no PEM armour.
    pub(crate) fn certificate_base64(&self) -> String {
        STANDARD.encode(&self.certificate_der)
    }

    /// `certificateId`: Base64 SHA-256 of the certificate DER.
    pub(crate) fn certificate_id(&self) -> &str {
        &self.certificate_id
    }

    /// `publicKeyId`: Base64 SHA-256 of the SubjectPublicKeyInfo DER; clients echo it back
    /// (since API 2.5) to say which key they encrypted with.
    pub(crate) fn public_key_id(&self) -> &str {
        &self.public_key_id
    }

    /// Start of validity, truncated to whole seconds as in the certificate.
    pub(crate) fn valid_from(&self) -> jiff::Timestamp {
        self.valid_from
    }

    /// End of validity, truncated to whole seconds as in the certificate.
    pub(crate) fn valid_to(&self) -> jiff::Timestamp {
        self.valid_to
    }

    #[cfg(test)]
    pub(crate) fn public_key(&self) -> &RsaPublicKey {
        &self.public_key
    }

    /// Unwraps an `encryptedToken` or `encryptedSymmetricKey`. No blinding: the key is public in
    /// the repository, so there is nothing for a timing side channel to reveal.
    pub(crate) fn decrypt(&self, ciphertext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if ciphertext.len() != self.private_key.size() {
            return Err(CryptoError::RsaDecrypt);
        }
        self.private_key
            .decrypt(Oaep::new::<sha2_010::Sha256>(), ciphertext)
            .map_err(|_| CryptoError::RsaDecrypt)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;
    use std::process::{Command, Stdio};

    use rsa::pkcs8::DecodePublicKey as _;

    use x509_cert::Certificate;
    use x509_cert::certificate::Version;
    use x509_cert::der::{Decode as _, Encode as _};
    use x509_cert::serial_number::SerialNumber;
    use x509_cert::time::Time;

    use super::super::crypto::{public_key_from_certificate, rsa_oaep_encrypt};
    use super::*;

    /// `openssl pkeyutl -encrypt -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha1` of
    /// `eisim-oaep-sha1-session-key-32b!` under the committed key: what a client that kept the
    /// OAEP default of many libraries (SHA-1) would send.
    const OAEP_SHA1_CIPHERTEXT: &str = "z8BDHh2dkpw2ZD2V0lZzxG5txRK86I3Eap0J6/kyFeSc5ZEpVxUlhtNHjddITDJIRRNV8n7upJSufsf1/Yzj022R6vPPPHhFDxl+aaN4+8f9bbzdvBTB2nQQOjp2nOTc7k/oSAFizJKolG8W60a4W2Bx09H7YmgrgdLsCPJ7nAypuFO2Qy2nqJY4LT9bLzgrX2gi2MDjdhz2kj5tL+dLjqmILDYnDVJqW746Fy9AnPUa6BjxdgKhdMEfErHwSZTWN9rxo76TR449wiDx7XPWTBRUJT5bfNoKdSCzDpOy2y81BjC9PwBMcTZ6ReqkWPiu1RSNMP+oM6KTXDXVTBEKkg==";

    fn validity() -> (jiff::Timestamp, jiff::Timestamp) {
        let from: jiff::Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
        let to: jiff::Timestamp = "2035-01-01T00:00:00Z".parse().unwrap();
        (from, to)
    }

    fn keys() -> KsefKeys {
        let (from, to) = validity();
        KsefKeys::new(from, to).unwrap()
    }

    #[test]
    fn new_is_deterministic() {
        let (from, to) = validity();
        let first = KsefKeys::new(from, to).unwrap();
        let second = KsefKeys::new(from, to).unwrap();
        assert_eq!(first.certificate_der(), second.certificate_der());
        assert_eq!(first.certificate_id(), second.certificate_id());
    }

    #[test]
    fn ids_are_44_chars_and_differ() {
        let keys = keys();
        assert_eq!(keys.certificate_id().len(), 44);
        assert_eq!(keys.public_key_id().len(), 44);
        assert_ne!(keys.certificate_id(), keys.public_key_id());
        assert_eq!(keys.certificate_id(), sha256_base64(keys.certificate_der()));
    }

    #[test]
    fn public_key_id_survives_a_client_round_trip() {
        // A client hashes the SPKI it finds in the certificate; it must match what we publish.
        let keys = keys();
        let certificate = Certificate::from_der(keys.certificate_der()).unwrap();
        let spki = certificate
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .unwrap();
        assert_eq!(sha256_base64(&spki), keys.public_key_id());
        assert_eq!(
            &public_key_from_certificate(keys.certificate_der()).unwrap(),
            keys.public_key()
        );
        assert_eq!(keys.public_key().size(), 256);
    }

    #[test]
    fn certificate_fields() {
        let keys = keys();
        let certificate = Certificate::from_der(keys.certificate_der()).unwrap();
        let tbs = &certificate.tbs_certificate;
        assert_eq!(tbs.version, Version::V3);
        assert_eq!(tbs.subject, tbs.issuer);
        assert_eq!(tbs.subject.to_string(), SUBJECT);
        assert_eq!(tbs.serial_number, SerialNumber::from(SERIAL));
        assert_eq!(
            tbs.validity.not_before.to_unix_duration().as_secs(),
            1_735_689_600
        );
        assert_eq!(
            tbs.validity.not_after.to_unix_duration().as_secs(),
            2_051_222_400
        );
        // sha256WithRSAEncryption
        assert_eq!(
            certificate.signature_algorithm.oid.to_string(),
            "1.2.840.113549.1.1.11"
        );
        // The signature verifies under the certificate's own key (self-signed).
        let verifying_key =
            rsa::pkcs1v15::VerifyingKey::<sha2_010::Sha256>::new(keys.public_key().clone());
        let signature =
            rsa::pkcs1v15::Signature::try_from(certificate.signature.raw_bytes()).unwrap();
        rsa::signature::Verifier::verify(&verifying_key, &tbs.to_der().unwrap(), &signature)
            .unwrap();
        let decoded = STANDARD.decode(keys.certificate_base64()).unwrap();
        assert_eq!(decoded, keys.certificate_der());
    }

    #[test]
    fn validity_is_truncated_and_checked() {
        let from: jiff::Timestamp = "2025-06-01T12:00:00.987654321Z".parse().unwrap();
        let to: jiff::Timestamp = "2060-06-01T12:00:00Z".parse().unwrap();
        let keys = KsefKeys::new(from, to).unwrap();
        assert_eq!(keys.valid_from().to_string(), "2025-06-01T12:00:00Z");
        assert_eq!(keys.valid_to(), to);
        let certificate = Certificate::from_der(keys.certificate_der()).unwrap();
        let validity = certificate.tbs_certificate.validity;
        assert!(matches!(validity.not_before, Time::UtcTime(_)));
        assert!(matches!(validity.not_after, Time::GeneralTime(_)));
        assert!(matches!(
            KsefKeys::new(to, from),
            Err(CryptoError::CertificateBuild(_))
        ));
        let before_1970: jiff::Timestamp = "1969-12-31T00:00:00Z".parse().unwrap();
        assert!(matches!(
            KsefKeys::new(before_1970, to),
            Err(CryptoError::CertificateBuild(_))
        ));
    }

    #[test]
    fn debug_hides_the_private_key() {
        let keys = keys();
        let debug = format!("{keys:?}");
        assert!(debug.contains(keys.public_key_id()));
        assert!(!debug.contains("private"));
        assert!(!debug.contains("primes"));
        assert!(debug.len() < 400, "{debug}");
    }

    #[test]
    fn oaep_sha256_round_trip_through_the_published_certificate() {
        let keys = keys();
        let client_key = public_key_from_certificate(keys.certificate_der()).unwrap();
        let session_key = [0xA5_u8; 32];
        let wrapped = rsa_oaep_encrypt(&client_key, &session_key).unwrap();
        assert_eq!(wrapped.len(), 256);
        assert_eq!(keys.decrypt(&wrapped).unwrap(), session_key);

        let token = "20250625-EC-2B3A1B2C00-A1B2C3D4E5-6F|ksef-token|1750858560123";
        let wrapped = rsa_oaep_encrypt(&client_key, token.as_bytes()).unwrap();
        assert_eq!(keys.decrypt(&wrapped).unwrap(), token.as_bytes());
    }

    #[test]
    fn oaep_sha1_and_bad_lengths_are_refused() {
        let keys = keys();
        let sha1 = STANDARD.decode(OAEP_SHA1_CIPHERTEXT).unwrap();
        assert_eq!(sha1.len(), 256);
        assert!(matches!(keys.decrypt(&sha1), Err(CryptoError::RsaDecrypt)));

        let good = rsa_oaep_encrypt(keys.public_key(), &[1_u8; 32]).unwrap();
        assert!(matches!(
            keys.decrypt(&good[1..]),
            Err(CryptoError::RsaDecrypt)
        ));
        assert!(matches!(keys.decrypt(&[]), Err(CryptoError::RsaDecrypt)));
        let mut longer = good.clone();
        longer.push(0);
        assert!(matches!(
            keys.decrypt(&longer),
            Err(CryptoError::RsaDecrypt)
        ));
        // All ones is larger than the modulus.
        assert!(matches!(
            keys.decrypt(&[0xFF; 256]),
            Err(CryptoError::RsaDecrypt)
        ));
        let mut flipped = good;
        flipped[100] ^= 0x01;
        assert!(matches!(
            keys.decrypt(&flipped),
            Err(CryptoError::RsaDecrypt)
        ));
    }

    #[test]
    fn openssl_parses_the_certificate() {
        if Command::new("openssl").arg("version").output().is_err() {
            println!("skipped: openssl not found");
            return;
        }
        let keys = keys();
        let path = std::env::temp_dir().join(format!("eisim-ksef-cert-{}.der", std::process::id()));
        std::fs::write(&path, keys.certificate_der()).unwrap();
        let output = Command::new("openssl")
            .args([
                "x509", "-inform", "DER", "-noout", "-text", "-nameopt", "RFC2253", "-in",
            ])
            .arg(&path)
            .output()
            .unwrap();
        let pubkey = Command::new("openssl")
            .args(["x509", "-inform", "DER", "-noout", "-pubkey", "-in"])
            .arg(&path)
            .output()
            .unwrap();
        std::fs::remove_file(&path).unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "openssl failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(text.contains("Version: 3 (0x2)"), "{text}");
        assert!(text.contains("sha256WithRSAEncryption"), "{text}");
        assert!(text.contains("Public-Key: (2048 bit)"), "{text}");
        assert!(
            text.contains("Subject: CN=eisim KSeF simulator,O=eisim,C=PL"),
            "{text}"
        );
        assert!(
            text.contains("Issuer: CN=eisim KSeF simulator,O=eisim,C=PL"),
            "{text}"
        );
        assert!(
            text.contains("Key Encipherment, Data Encipherment"),
            "{text}"
        );
        assert!(text.contains("CA:FALSE"), "{text}");
        // The public key openssl extracts is the one we hash for publicKeyId.
        let pem = String::from_utf8_lossy(&pubkey.stdout);
        let from_openssl = RsaPublicKey::from_public_key_pem(&pem).unwrap();
        assert_eq!(&from_openssl, keys.public_key());

        // An independent OAEP-SHA-256 implementation (what .NET/Java clients do) must decrypt.
        let pem_path =
            std::env::temp_dir().join(format!("eisim-ksef-pub-{}.pem", std::process::id()));
        std::fs::write(&pem_path, pem.as_bytes()).unwrap();
        let mut child = Command::new("openssl")
            .args(["pkeyutl", "-encrypt", "-pubin", "-inkey"])
            .arg(&pem_path)
            .args([
                "-pkeyopt",
                "rsa_padding_mode:oaep",
                "-pkeyopt",
                "rsa_oaep_md:sha256",
                "-pkeyopt",
                "rsa_mgf1_md:sha256",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"token|1750858560123")
            .unwrap();
        let encrypted = child.wait_with_output().unwrap();
        std::fs::remove_file(&pem_path).unwrap();
        assert!(encrypted.status.success());
        assert_eq!(
            keys.decrypt(&encrypted.stdout).unwrap(),
            b"token|1750858560123"
        );
    }
}
