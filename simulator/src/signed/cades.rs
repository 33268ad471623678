//! Reading a CAdES `.xml.p7m` as SDI does: a CMS SignedData (DER, or the same DER in Base64,
//! which some tools write) holding the invoice, one signer, its certificate among those
//! carried, and a signing time among the signed attributes.
//!
//! The checks run in the order that makes each broken file fail with the code for what is
//! really wrong with it: unreadable (00106), the signature over the content (00102), the
//! signing time (00103, 00105), then the certificate (00104, 00107, 00101, 00100, see
//! `trust.rs`). Only DER is read: BER with indefinite lengths (streamed `openssl cms -stream`
//! output) is refused as corrupt, and the refusal says so.

use base64::Engine as _;
use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use jiff::Timestamp;
use x509_cert::Certificate;
use x509_cert::der::asn1::OctetString;
use x509_cert::der::{Decode as _, Encode as _, Tag, Tagged as _};
use x509_cert::spki::ObjectIdentifier;

use super::trust::{self, TrustList};
use super::{Fault, FaultKind};

const SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");

/// The largest Base64 `.p7m` decoded (SDI's own limit on a file is 5 MB).
const MAX_BASE64: usize = 8 * 1024 * 1024;

/// A `.p7m` whose signature SDI accepted.
#[derive(Debug, Clone)]
pub(crate) struct Opened {
    /// The signed content: the invoice XML.
    pub(crate) content: Vec<u8>,
    pub(crate) signed_at: Timestamp,
    pub(crate) signer: String,
}

/// The structure of a `.p7m` without judging its signature: its content, for a reader that
/// only needs the invoice (the fuzz target, the gateway showing an inbound file).
pub(crate) fn content(bytes: &[u8]) -> Result<Vec<u8>, Fault> {
    let signed = signed_data(bytes)?;
    econtent(&signed)
}

/// Opens and judges a `.p7m` received at `received`.
pub(crate) fn open(bytes: &[u8], trust: &TrustList, received: Timestamp) -> Result<Opened, Fault> {
    let signed = signed_data(bytes)?;
    let content = econtent(&signed)?;
    let info = signer_info(&signed)?;
    let carried: Vec<Certificate> = signed
        .certificates
        .as_ref()
        .map(|set| {
            set.0
                .iter()
                .filter_map(|c| match c {
                    CertificateChoices::Certificate(cert) => Some(cert.clone()),
                    CertificateChoices::Other(_) => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let signer = find_signer(&info.sid, &carried).ok_or_else(|| {
        Fault::new(
            FaultKind::CertificateInvalid,
            format!(
                "{} : il file non contiene il certificato del firmatario",
                FaultKind::CertificateInvalid.description()
            ),
        )
    })?;
    verify_signature(info, signer, &content)?;
    let signed_at = signing_time(info)?;
    if signed_at > received {
        return Err(Fault::new(
            FaultKind::SignedAfterReception,
            format!(
                "{} : firma del {signed_at}, ricezione del {received}",
                FaultKind::SignedAfterReception.description()
            ),
        ));
    }
    trust.judge(signer, &carried, signed_at, received)?;
    Ok(Opened {
        content,
        signed_at,
        signer: trust::subject(signer),
    })
}

fn corrupt(why: impl std::fmt::Display) -> Fault {
    Fault::new(
        FaultKind::Corrupt,
        format!("{} : {why}", FaultKind::Corrupt.description()),
    )
}

/// The DER of the file, or of its Base64 text.
fn der_bytes(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, Fault> {
    if bytes.is_empty() {
        return Err(corrupt("il file è vuoto"));
    }
    if bytes.first() == Some(&0x30) {
        return Ok(std::borrow::Cow::Borrowed(bytes));
    }
    if bytes.len() > MAX_BASE64 {
        return Err(corrupt("il file non è una busta CAdES (DER o Base64)"));
    }
    let text: Vec<u8> = std::str::from_utf8(bytes)
        .map_err(|_| corrupt("il file non è una busta CAdES (DER o Base64)"))?
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .flat_map(|line| line.bytes())
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map(std::borrow::Cow::Owned)
        .map_err(|_| corrupt("il file non è una busta CAdES (DER o Base64)"))
}

fn signed_data(bytes: &[u8]) -> Result<SignedData, Fault> {
    let der = der_bytes(bytes)?;
    let info = ContentInfo::from_der(&der).map_err(|e| {
        corrupt(format!(
            "la busta CAdES non è DER leggibile ({e}); eisim legge solo DER, non BER a lunghezza indefinita"
        ))
    })?;
    if info.content_type != SIGNED_DATA {
        return Err(corrupt(format!(
            "il contenuto CMS è {}, non SignedData",
            info.content_type
        )));
    }
    info.content
        .decode_as::<SignedData>()
        .map_err(|e| corrupt(format!("SignedData illeggibile ({e})")))
}

fn econtent(signed: &SignedData) -> Result<Vec<u8>, Fault> {
    let any = signed
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| corrupt("la busta non contiene il file firmato (firma staccata)"))?;
    if any.tag() != Tag::OctetString {
        return Err(corrupt("il contenuto firmato non è un OCTET STRING"));
    }
    let content = any
        .decode_as::<OctetString>()
        .map_err(|e| corrupt(format!("contenuto firmato illeggibile ({e})")))?
        .into_bytes();
    if content.is_empty() {
        return Err(corrupt("il file firmato è vuoto"));
    }
    Ok(content)
}

fn signer_info(signed: &SignedData) -> Result<&SignerInfo, Fault> {
    let mut infos = signed.signer_infos.0.iter();
    let first = infos.next().ok_or_else(|| {
        Fault::new(
            FaultKind::InvalidSignature,
            format!(
                "{} : la busta non contiene alcuna firma",
                FaultKind::InvalidSignature.description()
            ),
        )
    })?;
    Ok(first)
}

fn find_signer<'c>(sid: &SignerIdentifier, carried: &'c [Certificate]) -> Option<&'c Certificate> {
    carried.iter().find(|cert| match sid {
        SignerIdentifier::IssuerAndSerialNumber(id) => {
            cert.tbs_certificate.issuer == id.issuer
                && cert.tbs_certificate.serial_number == id.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => cert
            .tbs_certificate
            .extensions
            .as_ref()
            .is_some_and(|exts| {
                exts.iter().any(|e| {
                    e.extn_id == ObjectIdentifier::new_unwrap("2.5.29.14")
                        && OctetString::from_der(e.extn_value.as_bytes())
                            .is_ok_and(|v| v.as_bytes() == ski.0.as_bytes())
                })
            }),
    })
}

fn invalid(why: impl std::fmt::Display) -> Fault {
    Fault::new(
        FaultKind::InvalidSignature,
        format!("{} : {why}", FaultKind::InvalidSignature.description()),
    )
}

/// RFC 5652 §5.4: with signed attributes, their DER (as a SET) is what is signed and the
/// message-digest attribute must be the content's digest; without, the content itself.
fn verify_signature(info: &SignerInfo, signer: &Certificate, content: &[u8]) -> Result<(), Fault> {
    let digest_oid = trust::signature_digest(info.signature_algorithm.oid, info.digest_alg.oid)
        .ok_or_else(|| {
            invalid(format!(
                "algoritmo di firma {} non supportato da eisim (solo RSA con SHA-256/384/512)",
                info.signature_algorithm.oid
            ))
        })?;
    let signed_message = match &info.signed_attrs {
        Some(attrs) => {
            let expected = trust::digest(info.digest_alg.oid, content).ok_or_else(|| {
                invalid(format!(
                    "algoritmo di digest {} non supportato da eisim (solo SHA-256/384/512)",
                    info.digest_alg.oid
                ))
            })?;
            let declared = attrs
                .iter()
                .find(|a| a.oid == MESSAGE_DIGEST)
                .and_then(|a| a.values.iter().next())
                .and_then(|v| v.decode_as::<OctetString>().ok())
                .ok_or_else(|| invalid("manca l'attributo message-digest"))?;
            if declared.as_bytes() != expected.as_slice() {
                return Err(invalid(
                    "l'impronta del contenuto non corrisponde a quella firmata (contenuto alterato)",
                ));
            }
            attrs
                .to_der()
                .map_err(|e| invalid(format!("attributi firmati non codificabili ({e})")))?
        }
        None => content.to_vec(),
    };
    trust::verify_rsa(
        signer,
        digest_oid,
        &signed_message,
        info.signature.as_bytes(),
    )
    .map_err(|()| invalid("la firma non corrisponde alla chiave del certificato"))
}

fn signing_time(info: &SignerInfo) -> Result<Timestamp, Fault> {
    let missing = || {
        Fault::new(
            FaultKind::NoSigningTime,
            format!(
                "{} : nessun attributo signing-time tra gli attributi firmati",
                FaultKind::NoSigningTime.description()
            ),
        )
    };
    let value = info
        .signed_attrs
        .as_ref()
        .and_then(|attrs| attrs.iter().find(|a| a.oid == SIGNING_TIME))
        .and_then(|a| a.values.iter().next())
        .ok_or_else(missing)?;
    let time = value
        .to_der()
        .ok()
        .and_then(|der| x509_cert::time::Time::from_der(&der).ok())
        .ok_or_else(missing)?;
    Ok(trust::time_to_timestamp(time))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::signed::sign;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn a_file_signed_by_eisim_opens_and_each_defect_gets_its_code() {
        let xml = b"<p:FatturaElettronica/>";
        let signed_at = at("2026-11-02T08:00:00Z");
        let p7m = sign::cades_test(xml, signed_at).unwrap();
        let trust = TrustList::eisim_default();
        let opened = open(&p7m, &trust, at("2026-11-02T09:00:00Z")).unwrap();
        assert_eq!(opened.content, xml);
        assert_eq!(opened.signed_at, signed_at);
        let base64 = base64::engine::general_purpose::STANDARD.encode(&p7m);
        assert_eq!(
            open(base64.as_bytes(), &trust, at("2026-11-02T09:00:00Z"))
                .unwrap()
                .content,
            xml
        );
        let early = open(&p7m, &trust, at("2026-11-01T09:00:00Z")).unwrap_err();
        assert_eq!(early.code(), "00105");
        assert_eq!(open(&[], &trust, signed_at).unwrap_err().code(), "00106");
        assert_eq!(
            open(&p7m[..p7m.len() / 2], &trust, signed_at)
                .unwrap_err()
                .code(),
            "00106"
        );
        // The content altered in place: same length, one byte changed.
        let at_content = p7m.windows(xml.len()).position(|w| w == xml).unwrap();
        let mut tampered = p7m.clone();
        tampered[at_content + 1] = b'q';
        assert_eq!(
            open(&tampered, &trust, at("2026-11-02T09:00:00Z"))
                .unwrap_err()
                .code(),
            "00102"
        );
    }
}
