//! KSeF FA(3) validation, as KSeF performs it on each invoice of a session
//! (`faktury/weryfikacja-faktury.md`): the prolog (UTF-8 without BOM, no other declared
//! encoding, no processing instructions), the size limit, the XSD and the issue date against
//! the acceptance date. KSeF does no business validation beyond that, so neither does this.
//!
//! KSeF reports every such error as invoice status 450 ("Błąd weryfikacji semantyki dokumentu
//! faktury") with the XSD validator's message as the details; the rules here are
//! `450.<check>` so that a finding still says which check fired, and every one is fatal.
//! Normalization runs first, on the tree: codes upper-cased, e-mails lower-cased, a NIP
//! written as `PL526-587-76-35` reduced to its digits.
//!
//! The XSD is not run as such: the content models that matter ([`sequence`]) and the values
//! integrators get wrong ([`checks`]) are checked by hand, with the validator's wording.

mod checks;
mod codes;
mod lexical;

pub(crate) use lexical::nip_checksum_ok;
mod messages;
mod sequence;

use super::normalize::Normalizer;
use super::{
    DocumentError, Element, FA3_NS, Facts, Finding, Format, Inspection, InspectionContext,
    InvoiceFacts, XmlDocument,
};

/// KSeF's limit for an invoice without attachments ("1 MB", taken as 1 MiB).
const MAX_SIZE: usize = 1024 * 1024;

pub(super) fn inspect(
    doc: &mut XmlDocument,
    size: usize,
    context: &InspectionContext,
) -> Result<Inspection, DocumentError> {
    let mut normalizer = Normalizer::default();
    normalize(&mut doc.root, &mut normalizer);

    let mut checks = checks::Checks::new(context);
    prolog(doc, size, &mut checks.findings);
    checks.faktura(&doc.root);

    Ok(Inspection {
        format: Format::KsefFa3,
        facts: facts(&doc.root),
        findings: checks.findings,
        corrections: normalizer.corrections,
    })
}

/// What KSeF checks before the XSD: the bytes and the prolog.
fn prolog(doc: &XmlDocument, size: usize, findings: &mut Vec<Finding>) {
    if size > MAX_SIZE {
        findings.push(Finding::fatal(
            "450.size",
            "/",
            format!(
                "Rozmiar faktury ({size} B) przekracza dopuszczalny rozmiar 1 MB ({MAX_SIZE} B) \
                 dla faktury bez załączników."
            ),
        ));
    }
    if doc.bom {
        findings.push(Finding::fatal(
            "450.bom",
            "/",
            "Faktura musi być kodowana w UTF-8 bez znaku BOM (0xEF 0xBB 0xBF).",
        ));
    }
    if let Some(encoding) = &doc.declared_encoding
        && !encoding.eq_ignore_ascii_case("UTF-8")
    {
        findings.push(Finding::fatal(
            "450.encoding",
            "/",
            format!(
                "Deklaracja XML wskazuje kodowanie '{encoding}'; faktura musi być kodowana w \
                 UTF-8."
            ),
        ));
    }
    for target in &doc.processing_instructions {
        findings.push(Finding::fatal(
            "450.processing-instruction",
            "/",
            format!("Faktura nie może zawierać instrukcji przetwarzania (<?{target} ...?>)."),
        ));
    }
}

/// Corrections made before validation, in document order.
fn normalize(root: &mut Element, normalizer: &mut Normalizer) {
    let podmiot3_count = root
        .children
        .iter()
        .filter(|c| c.name == "Podmiot3")
        .count();
    let mut podmiot3_seen = 0;
    for party in root
        .children
        .iter_mut()
        .filter(|c| c.ns == FA3_NS && is_party(&c.name))
    {
        let path = if party.name == "Podmiot3" && podmiot3_count > 1 {
            podmiot3_seen += 1;
            format!("/Faktura/Podmiot3[{podmiot3_seen}]")
        } else {
            format!("/Faktura/{}", party.name)
        };
        normalize_party(party, &path, normalizer);
    }
    normalizer.upper(
        root.at_mut(&["Fa", "KodWaluty"]),
        "/Faktura/Fa/KodWaluty",
        "currency code",
    );
}

fn is_party(name: &str) -> bool {
    matches!(
        name,
        "Podmiot1" | "Podmiot2" | "Podmiot3" | "PodmiotUpowazniony"
    )
}

fn normalize_party(party: &mut Element, path: &str, normalizer: &mut Normalizer) {
    normalizer.nip_digits(
        party.at_mut(&["DaneIdentyfikacyjne", "NIP"]),
        &format!("{path}/DaneIdentyfikacyjne/NIP"),
    );
    for place in ["DaneIdentyfikacyjne", "Adres", "AdresKoresp"] {
        normalizer.upper(
            party.at_mut(&[place, "KodKraju"]),
            &format!("{path}/{place}/KodKraju"),
            "country code",
        );
    }
    let contacts = party
        .children
        .iter()
        .filter(|c| c.name == "DaneKontaktowe")
        .count();
    for (index, contact) in party
        .children
        .iter_mut()
        .filter(|c| c.name == "DaneKontaktowe")
        .enumerate()
    {
        let contact_path = if contacts > 1 {
            format!("{path}/DaneKontaktowe[{}]", index + 1)
        } else {
            format!("{path}/DaneKontaktowe")
        };
        for email in ["Email", "EmailPU"] {
            normalizer.lower(
                contact.child_mut(email),
                &format!("{contact_path}/{email}"),
                "e-mail address",
            );
        }
    }
}

/// The facts KSeF keys on: the seller's NIP (with `RodzajFaktury` and `P_2`, the duplicate
/// key), the buyer as a scenario participant, and the one invoice the document holds.
fn facts(root: &Element) -> Facts {
    let text = |path: &[&str]| {
        root.text_at(path)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let fa = |name: &str| text(&["Fa", name]).unwrap_or_default();
    Facts {
        sender: None,
        seller_tax_id: text(&["Podmiot1", "DaneIdentyfikacyjne", "NIP"]),
        recipient: text(&["Podmiot2", "DaneIdentyfikacyjne", "NIP"])
            .map(|nip| format!("KSEF:{nip}")),
        currency: text(&["Fa", "KodWaluty"]),
        invoices: vec![InvoiceFacts {
            number: fa("P_2"),
            issue_date: fa("P_1"),
            type_code: fa("RodzajFaktury"),
            total: text(&["Fa", "P_15"]),
        }],
    }
}
