//! Verifying the XAdES-BES signature enveloped in an invoice `.xml`, as SDI does: every
//! reference's digest (the document without its signature, and the XAdES `SignedProperties`),
//! the signature over `SignedInfo` by the certificate in `KeyInfo`, the `SigningTime` among
//! the signed properties, then the certificate against the trust list (`trust.rs`), with the
//! same 001xx codes as a `.p7m`.
//!
//! Supported: C14N 1.0 inclusive and exclusive without comments, the enveloped-signature and
//! XPath-Filter2 "subtract the signature" transforms, SHA-256/384/512 digests and RSA
//! signatures. Anything else is refused as an invalid signature with a message naming what
//! eisim does not verify.

use base64::Engine as _;
use jiff::Timestamp;
use x509_cert::Certificate;
use x509_cert::der::Decode as _;
use x509_cert::spki::ObjectIdentifier;

use super::c14n::{self, Element, Method, Scope};
use super::trust::{self, SHA256, SHA384, SHA512, TrustList};
use super::{Fault, FaultKind};

const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const FILTER2: &str = "http://www.w3.org/2002/06/xmldsig-filter2";

fn invalid(why: impl std::fmt::Display) -> Fault {
    Fault::new(
        FaultKind::InvalidSignature,
        format!("{} : {why}", FaultKind::InvalidSignature.description()),
    )
}

fn digest_oid(uri: &str) -> Option<ObjectIdentifier> {
    match uri {
        "http://www.w3.org/2001/04/xmlenc#sha256" => Some(SHA256),
        "http://www.w3.org/2001/04/xmldsig-more#sha384" => Some(SHA384),
        "http://www.w3.org/2001/04/xmlenc#sha512" => Some(SHA512),
        _ => None,
    }
}

fn signature_digest(uri: &str) -> Option<ObjectIdentifier> {
    match uri {
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" => Some(SHA256),
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384" => Some(SHA384),
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512" => Some(SHA512),
        _ => None,
    }
}

/// What an accepted XAdES signature says.
#[derive(Debug, Clone)]
pub(crate) struct Verified {
    pub(crate) signed_at: Timestamp,
    pub(crate) signer: String,
}

pub(crate) fn parse(bytes: &[u8]) -> Result<c14n::Document, Fault> {
    c14n::parse(bytes).map_err(|e| {
        Fault::new(
            FaultKind::Corrupt,
            format!(
                "{} : XML illeggibile ({e})",
                FaultKind::Corrupt.description()
            ),
        )
    })
}

/// The root's scope and its first child that is a `ds:Signature`.
fn find_signature(doc: &c14n::Document) -> Option<(&Element, Scope)> {
    let root_scope = c14n::scope_of(&doc.root, &Scope::new());
    doc.root.elements().find_map(|e| {
        let scope = c14n::scope_of(e, &root_scope);
        (e.local() == "Signature"
            && scope.get(e.prefix()).map(String::as_str) == Some(crate::xmldsig::DSIG_NS))
        .then_some((e, root_scope.clone()))
    })
}

fn child<'e>(e: &'e Element, local: &str) -> Option<&'e Element> {
    e.elements().find(|c| c.local() == local)
}

/// Depth-first search for the element whose `Id` (or `ID`, `id`) is `id`, with its scope.
fn by_id<'e>(e: &'e Element, outer: &Scope, id: &str) -> Option<(&'e Element, Scope)> {
    if ["Id", "ID", "id"].iter().any(|n| e.attr(n) == Some(id)) {
        return Some((e, outer.clone()));
    }
    let scope = c14n::scope_of(e, outer);
    e.elements().find_map(|c| by_id(c, &scope, id))
}

fn by_local<'e>(e: &'e Element, local: &str) -> Option<&'e Element> {
    if e.local() == local {
        return Some(e);
    }
    e.elements().find_map(|c| by_local(c, local))
}

/// Verifies the enveloped signature of `doc` for a file received at `received`.
pub(crate) fn verify(
    doc: &c14n::Document,
    trust: &TrustList,
    received: Timestamp,
) -> Result<Verified, Fault> {
    let (signature, root_scope) =
        find_signature(doc).ok_or_else(|| invalid("nessuna firma ds:Signature"))?;
    let signature_scope = c14n::scope_of(signature, &root_scope);
    let signed_info =
        child(signature, "SignedInfo").ok_or_else(|| invalid("manca ds:SignedInfo"))?;
    let method_uri = child(signed_info, "CanonicalizationMethod")
        .and_then(|m| m.attr("Algorithm"))
        .unwrap_or_default();
    let method = Method::from_uri(method_uri).ok_or_else(|| {
        invalid(format!(
            "canonicalizzazione {method_uri} non supportata da eisim (C14N 1.0 inclusiva o esclusiva, senza commenti)"
        ))
    })?;
    let signature_uri = child(signed_info, "SignatureMethod")
        .and_then(|m| m.attr("Algorithm"))
        .unwrap_or_default();
    let signature_digest = signature_digest(signature_uri).ok_or_else(|| {
        invalid(format!(
            "algoritmo di firma {signature_uri} non supportato da eisim (solo RSA con SHA-256/384/512)"
        ))
    })?;

    let mut referenced_ids = Vec::new();
    for reference in signed_info.elements().filter(|e| e.local() == "Reference") {
        let uri = reference.attr("URI").unwrap_or_default();
        let transforms: Vec<&str> = child(reference, "Transforms")
            .map(|t| t.elements().filter_map(|t| t.attr("Algorithm")).collect())
            .unwrap_or_default();
        let mut c14n_method = Method::Inclusive;
        let mut enveloped = false;
        for transform in &transforms {
            match *transform {
                ENVELOPED | FILTER2 => enveloped = true,
                other => {
                    c14n_method = Method::from_uri(other).ok_or_else(|| {
                        invalid(format!("trasformazione {other} non supportata da eisim"))
                    })?;
                }
            }
        }
        let digest_uri = child(reference, "DigestMethod")
            .and_then(|m| m.attr("Algorithm"))
            .unwrap_or_default();
        let digest = digest_oid(digest_uri)
            .ok_or_else(|| invalid(format!("digest {digest_uri} non supportato da eisim")))?;
        let declared = child(reference, "DigestValue")
            .map(|v| v.text().split_whitespace().collect::<String>())
            .unwrap_or_default();
        let bytes = if uri.is_empty() {
            let skip = enveloped.then_some(signature as *const Element);
            c14n::document(doc, c14n_method, skip)
        } else if let Some(id) = uri.strip_prefix('#') {
            let (target, scope) = by_id(&doc.root, &Scope::new(), id)
                .ok_or_else(|| invalid(format!("riferimento {uri} a un elemento assente")))?;
            referenced_ids.push(id.to_owned());
            c14n::subtree(target, &scope, c14n_method)
        } else {
            return Err(invalid(format!("riferimento esterno {uri} non ammesso")));
        };
        let computed = trust::digest(digest, &bytes)
            .map(|d| base64::engine::general_purpose::STANDARD.encode(d))
            .unwrap_or_default();
        if computed != declared {
            return Err(invalid(format!(
                "l'impronta del riferimento \"{uri}\" non corrisponde (contenuto alterato)"
            )));
        }
    }
    if referenced_ids.is_empty()
        && !signed_info
            .elements()
            .any(|e| e.local() == "Reference" && e.attr("URI") == Some(""))
    {
        return Err(invalid("nessun riferimento al documento"));
    }

    let certificates: Vec<Certificate> = child(signature, "KeyInfo")
        .and_then(|k| child(k, "X509Data"))
        .map(|d| {
            d.elements()
                .filter(|e| e.local() == "X509Certificate")
                .filter_map(|e| {
                    let text: String = e.text().split_whitespace().collect();
                    base64::engine::general_purpose::STANDARD.decode(text).ok()
                })
                .filter_map(|der| Certificate::from_der(&der).ok())
                .collect()
        })
        .unwrap_or_default();
    let signer = certificates.first().ok_or_else(|| {
        Fault::new(
            FaultKind::CertificateInvalid,
            format!(
                "{} : la firma non contiene il certificato del firmatario (KeyInfo/X509Data)",
                FaultKind::CertificateInvalid.description()
            ),
        )
    })?;
    let signed_info_bytes = c14n::subtree(signed_info, &signature_scope, method);
    let value: String = child(signature, "SignatureValue")
        .map(|v| v.text().split_whitespace().collect())
        .unwrap_or_default();
    let value = base64::engine::general_purpose::STANDARD
        .decode(value)
        .map_err(|_| invalid("SignatureValue non è Base64"))?;
    trust::verify_rsa(signer, signature_digest, &signed_info_bytes, &value)
        .map_err(|()| invalid("la firma non corrisponde alla chiave del certificato"))?;

    // The signing time counts only inside signed properties a reference covers.
    let signed_at = referenced_ids
        .iter()
        .filter_map(|id| by_id(signature, &Scope::new(), id))
        .find_map(|(e, _)| by_local(e, "SigningTime"))
        .and_then(|t| {
            t.text().trim().parse::<Timestamp>().ok().or_else(|| {
                t.text()
                    .trim()
                    .parse::<jiff::civil::DateTime>()
                    .ok()
                    .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
                    .map(|z| z.timestamp())
            })
        })
        .ok_or_else(|| {
            Fault::new(
                FaultKind::NoSigningTime,
                format!(
                    "{} : nessun xades:SigningTime tra le proprietà firmate",
                    FaultKind::NoSigningTime.description()
                ),
            )
        })?;
    if signed_at > received {
        return Err(Fault::new(
            FaultKind::SignedAfterReception,
            format!(
                "{} : firma del {signed_at}, ricezione del {received}",
                FaultKind::SignedAfterReception.description()
            ),
        ));
    }
    trust.judge(signer, &certificates, signed_at, received)?;
    Ok(Verified {
        signed_at,
        signer: trust::subject(signer),
    })
}
