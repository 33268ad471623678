//! The trust list SDI judges signing certificates by, and the checks CAdES and XAdES share.
//!
//! The real SDI trusts the qualified CAs of the EU trusted lists; a simulator cannot hold
//! their keys, so it trusts eisim's own test CA (whose signer's key is committed, so anyone can
//! make accepted files with `eisim sdi sign`) plus whatever certificates the scenario lists
//! under `sdi.trust`, and treats as revoked the serial numbers listed there. A certificate is
//! trusted when it is an anchor itself or chains to one through the certificates the file
//! carries, each link's signature verified.

use jiff::Timestamp;
use rsa::pkcs1v15::Pkcs1v15Sign;
use rsa::pkcs8::DecodePublicKey as _;
use sha2_010::Digest as _;
use x509_cert::Certificate;
use x509_cert::der::{DecodePem as _, Encode as _};
use x509_cert::spki::ObjectIdentifier;

use super::{Fault, FaultKind};

/// eisim's test CA: trusted by default, it issued [`TEST_SIGNER_PEM`].
pub(crate) const TEST_CA_PEM: &str = include_str!("eisim-test-ca.pem");
/// The certificate `eisim sdi sign` signs with unless told otherwise (valid 2020-2049).
pub(crate) const TEST_SIGNER_PEM: &str = include_str!("eisim-test-signer.pem");
/// Committed on purpose, like SDI's own key: test files must be signable by anyone.
pub(crate) const TEST_SIGNER_KEY_PEM: &str = include_str!("eisim-test-signer-key.pem");

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const SHA384_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const SHA512_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
pub(crate) const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
pub(crate) const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
pub(crate) const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

/// The longest chain followed from the signer to an anchor.
const MAX_CHAIN: usize = 6;

/// Who SDI trusts, and which certificates are revoked.
#[derive(Debug, Clone, Default)]
pub(crate) struct TrustList {
    anchors: Vec<Certificate>,
    /// Serial numbers, big-endian without leading zeros.
    revoked: Vec<Vec<u8>>,
}

impl TrustList {
    /// eisim's test CA (unless `with_test_ca` is false), the scenario's PEM certificates, and
    /// the revoked serial numbers written in hex (colons and spaces allowed).
    pub(crate) fn new(
        with_test_ca: bool,
        certificates: &[String],
        revoked: &[String],
    ) -> Result<Self, String> {
        let mut anchors = Vec::new();
        if with_test_ca {
            anchors.push(
                Certificate::from_pem(TEST_CA_PEM).map_err(|e| format!("eisim's test CA: {e}"))?,
            );
        }
        for (i, pem) in certificates.iter().enumerate() {
            let chain = Certificate::load_pem_chain(pem.trim().as_bytes())
                .map_err(|e| format!("certificate {}: not a PEM certificate ({e})", i + 1))?;
            if chain.is_empty() {
                return Err(format!("certificate {}: no PEM certificate in it", i + 1));
            }
            anchors.extend(chain);
        }
        let mut serials = Vec::new();
        for serial in revoked {
            serials.push(parse_serial(serial)?);
        }
        Ok(TrustList {
            anchors,
            revoked: serials,
        })
    }

    /// The default list: eisim's test CA alone.
    #[cfg(test)]
    pub(crate) fn eisim_default() -> Self {
        TrustList::new(true, &[], &[]).unwrap_or_default()
    }

    /// Judges the signer's certificate for a file signed at `signed_at` and received at
    /// `received`: chained to an anchor (00104, or 00107 for a link whose signature fails),
    /// not revoked (00101), valid when signed (00107 before its start, 00100 after its end)
    /// and not expired at reception (00100).
    pub(crate) fn judge(
        &self,
        signer: &Certificate,
        carried: &[Certificate],
        signed_at: Timestamp,
        received: Timestamp,
    ) -> Result<(), Fault> {
        self.chain(signer, carried)?;
        let serial = strip_zeros(signer.tbs_certificate.serial_number.as_bytes());
        if self.revoked.iter().any(|r| r == serial) {
            return Err(Fault::new(
                FaultKind::Revoked,
                format!(
                    "{} : il certificato {} (numero di serie {}) è revocato",
                    FaultKind::Revoked.description(),
                    subject(signer),
                    hex(serial)
                ),
            ));
        }
        let validity = &signer.tbs_certificate.validity;
        let not_before = to_timestamp(validity.not_before.to_unix_duration());
        let not_after = to_timestamp(validity.not_after.to_unix_duration());
        if signed_at < not_before {
            return Err(Fault::new(
                FaultKind::CertificateInvalid,
                format!(
                    "{} : il certificato è valido dal {not_before}, la firma è del {signed_at}",
                    FaultKind::CertificateInvalid.description()
                ),
            ));
        }
        for (when, what) in [(signed_at, "firma"), (received, "ricezione")] {
            if when > not_after {
                return Err(Fault::new(
                    FaultKind::Expired,
                    format!(
                        "{} : il certificato è scaduto il {not_after}, prima della {what} ({when})",
                        FaultKind::Expired.description()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Follows issuers from `signer` up to an anchor, verifying each link.
    fn chain(&self, signer: &Certificate, carried: &[Certificate]) -> Result<(), Fault> {
        let mut current = signer.clone();
        for _ in 0..MAX_CHAIN {
            if self.anchors.iter().any(|a| a == &current) {
                return Ok(());
            }
            let issuer = &current.tbs_certificate.issuer;
            if let Some(anchor) = self
                .anchors
                .iter()
                .find(|a| &a.tbs_certificate.subject == issuer)
            {
                return verify_issued(&current, anchor);
            }
            let Some(next) = carried
                .iter()
                .find(|c| &c.tbs_certificate.subject == issuer && *c != &current)
            else {
                break;
            };
            verify_issued(&current, next)?;
            current = next.clone();
        }
        Err(Fault::new(
            FaultKind::UntrustedCa,
            format!(
                "{} : emittente {}",
                FaultKind::UntrustedCa.description(),
                signer.tbs_certificate.issuer
            ),
        ))
    }
}

impl FaultKind {
    /// The official short text (Elenco dei controlli v2.0).
    pub(crate) fn description(self) -> &'static str {
        crate::codelists::sdi::description(self.code())
    }
}

/// `child`'s signature by `issuer`'s key; a link that does not verify makes the certificate
/// invalid (00107), not merely untrusted.
fn verify_issued(child: &Certificate, issuer: &Certificate) -> Result<(), Fault> {
    let invalid = |why: &str| {
        Fault::new(
            FaultKind::CertificateInvalid,
            format!(
                "{} : {} : {why}",
                FaultKind::CertificateInvalid.description(),
                subject(child)
            ),
        )
    };
    let tbs = child
        .tbs_certificate
        .to_der()
        .map_err(|_| invalid("certificato non codificabile"))?;
    let digest = match child.signature_algorithm.oid {
        SHA256_WITH_RSA => SHA256,
        SHA384_WITH_RSA => SHA384,
        SHA512_WITH_RSA => SHA512,
        other => {
            return Err(invalid(&format!(
                "algoritmo di firma del certificato {other} non supportato da eisim (solo RSA con SHA-256/384/512)"
            )));
        }
    };
    verify_rsa(issuer, digest, &tbs, child.signature.raw_bytes())
        .map_err(|()| invalid("la firma dell'emittente non è valida"))
}

/// RSA PKCS#1 v1.5 over `message` hashed with `digest`, by `certificate`'s key.
pub(crate) fn verify_rsa(
    certificate: &Certificate,
    digest: ObjectIdentifier,
    message: &[u8],
    signature: &[u8],
) -> Result<(), ()> {
    let spki = &certificate.tbs_certificate.subject_public_key_info;
    if spki.algorithm.oid != RSA_ENCRYPTION {
        return Err(());
    }
    let der = spki.to_der().map_err(|_| ())?;
    let key = rsa::RsaPublicKey::from_public_key_der(&der).map_err(|_| ())?;
    let (scheme, hashed) = match digest {
        SHA256 => (
            Pkcs1v15Sign::new::<sha2_010::Sha256>(),
            sha2_010::Sha256::digest(message).to_vec(),
        ),
        SHA384 => (
            Pkcs1v15Sign::new::<sha2_010::Sha384>(),
            sha2_010::Sha384::digest(message).to_vec(),
        ),
        SHA512 => (
            Pkcs1v15Sign::new::<sha2_010::Sha512>(),
            sha2_010::Sha512::digest(message).to_vec(),
        ),
        _ => return Err(()),
    };
    key.verify(scheme, &hashed, signature).map_err(|_| ())
}

/// `message` hashed with the digest `oid` names, when eisim knows it.
pub(crate) fn digest(oid: ObjectIdentifier, message: &[u8]) -> Option<Vec<u8>> {
    match oid {
        SHA256 => Some(sha2_010::Sha256::digest(message).to_vec()),
        SHA384 => Some(sha2_010::Sha384::digest(message).to_vec()),
        SHA512 => Some(sha2_010::Sha512::digest(message).to_vec()),
        _ => None,
    }
}

/// The digest a signature algorithm names, for SignerInfos that give `sha256WithRSAEncryption`
/// rather than `rsaEncryption`.
pub(crate) fn signature_digest(
    signature_algorithm: ObjectIdentifier,
    digest_algorithm: ObjectIdentifier,
) -> Option<ObjectIdentifier> {
    match signature_algorithm {
        RSA_ENCRYPTION => Some(digest_algorithm),
        SHA256_WITH_RSA => Some(SHA256),
        SHA384_WITH_RSA => Some(SHA384),
        SHA512_WITH_RSA => Some(SHA512),
        _ => None,
    }
}

pub(crate) fn subject(certificate: &Certificate) -> String {
    certificate.tbs_certificate.subject.to_string()
}

fn to_timestamp(since_epoch: std::time::Duration) -> Timestamp {
    Timestamp::from_second(i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(Timestamp::MAX)
}

/// A signing time as the run's clock reads it.
pub(crate) fn time_to_timestamp(time: x509_cert::time::Time) -> Timestamp {
    to_timestamp(time.to_unix_duration())
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    bytes.get(start..).unwrap_or(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn parse_serial(text: &str) -> Result<Vec<u8>, String> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ':' | ' '))
        .collect::<String>()
        .trim_start_matches("0x")
        .to_owned();
    let digits = if digits.len() % 2 == 1 {
        format!("0{digits}")
    } else {
        digits
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!(
            "revoked serial `{text}`: expected hexadecimal digits, e.g. `0A:1B` or `0a1b`"
        ));
    }
    let bytes: Vec<u8> = (0..digits.len())
        .step_by(2)
        .filter_map(|i| digits.get(i..i + 2))
        .filter_map(|pair| u8::from_str_radix(pair, 16).ok())
        .collect();
    Ok(strip_zeros(&bytes).to_vec())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_test_signer_chains_to_the_test_ca() {
        let trust = TrustList::eisim_default();
        let signer = Certificate::from_pem(TEST_SIGNER_PEM).unwrap();
        let now: Timestamp = "2026-11-02T08:00:00Z".parse().unwrap();
        trust.judge(&signer, &[], now, now).unwrap();
        let empty = TrustList::new(false, &[], &[]).unwrap();
        assert_eq!(
            empty.judge(&signer, &[], now, now).unwrap_err().kind,
            FaultKind::UntrustedCa
        );
        let revoked = TrustList::new(true, &[], &["02".into()]).unwrap();
        assert_eq!(
            revoked.judge(&signer, &[], now, now).unwrap_err().kind,
            FaultKind::Revoked
        );
        let late: Timestamp = "2050-01-02T00:00:00Z".parse().unwrap();
        assert_eq!(
            trust.judge(&signer, &[], now, late).unwrap_err().kind,
            FaultKind::Expired
        );
    }

    #[test]
    fn serials_are_read_in_hex_with_or_without_separators() {
        assert_eq!(parse_serial("00:0A:1b").unwrap(), vec![0x0A, 0x1B]);
        assert_eq!(parse_serial("abc").unwrap(), vec![0x0A, 0xBC]);
        assert!(parse_serial("xyz").is_err());
        assert!(parse_serial("").is_err());
    }
}
