//! FatturaPA 1.2.x (FPA12 to public administrations, FPR12 between private parties): the
//! checks SDI runs on an invoice file, with SDI's own error codes and Italian texts.
//!
//! SDI's order is kept: file name (00001) and size (00003), then the format (00200, 00201
//! after 50 errors, in [`format`] against the content models in [`schema`]), then the
//! identifiers (003xx, [`registry`]) and the content (004xx, [`content`]). As at SDI, the
//! identifier and content checks run only on a file that conforms to the format: they read
//! elements the schema guarantees. Every finding is fatal: SDI has no warnings, it accepts
//! or refuses the whole file (a lotto included). Duplicates against earlier files (00002,
//! 00404) need the network's history and are checked there; 00409 (inside one file) is here.

mod content;
mod format;
mod registry;
mod schema;

use super::normalize::Normalizer;
use super::{
    DocumentError, Element, Facts, Finding, Format, Inspection, InspectionContext, InvoiceFacts,
    XmlDocument,
};

pub(crate) use content::InvoiceIdentity;

pub(super) const HEADER: &str = "/FatturaElettronica/FatturaElettronicaHeader";
pub(super) const BODY: &str = "/FatturaElettronica/FatturaElettronicaBody";

/// SDI's limit for one invoice file: 5 MB (read as MiB; the official text gives no bytes).
const MAX_FILE_SIZE: usize = 5 * 1024 * 1024;

pub(super) fn inspect(
    doc: &mut XmlDocument,
    format: Format,
    size: usize,
    context: &InspectionContext,
) -> Result<Inspection, DocumentError> {
    let corrections = normalize(&mut doc.root);
    let root = &doc.root;
    let mut findings = Vec::new();

    if let Some(name) = &context.file_name
        && !is_valid_file_name(name)
    {
        findings.push(Finding::fatal(
            "00001",
            "/",
            format!("Nome file non valido : {name}"),
        ));
    }
    if size > MAX_FILE_SIZE {
        findings.push(Finding::fatal(
            "00003",
            "/",
            format!(
                "Le dimensioni del file superano quelle ammesse : {size} byte, massimo \
                 {MAX_FILE_SIZE}"
            ),
        ));
    }

    let format_findings = format::check(root);
    let conforms = format_findings.is_empty();
    findings.extend(format_findings);
    if conforms {
        if let Some(header) = root.child("FatturaElettronicaHeader") {
            registry::check(header, &mut findings);
        }
        content::check(root, context, &mut findings);
    }

    Ok(Inspection {
        format,
        facts: facts(root),
        findings,
        corrections,
    })
}

/// The identity of each invoice in a FatturaPA file, as SDI's duplicate checks compare them;
/// `None` for a body without a readable number or date.
pub(crate) fn invoice_identities(root: &Element) -> Vec<Option<InvoiceIdentity>> {
    content::identities(root)
}

/// `<IdPaese><IdCodice>_<progressivo>.xml` or `.xml.p7m` (Allegato A §1.2.2): the
/// transmitter's country and fiscal id (11 to 16 characters for Italy, 2 to 28 elsewhere),
/// then 1 to 5 alphanumeric characters. The extension is accepted in either case.
pub(crate) fn is_valid_file_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let stem_len = if lower.ends_with(".xml.p7m") {
        name.len() - ".xml.p7m".len()
    } else if lower.ends_with(".xml") {
        name.len() - ".xml".len()
    } else {
        return false;
    };
    let Some((id, progressivo)) = name[..stem_len].split_once('_') else {
        return false;
    };
    let alnum = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric());
    let (country, code) = id.split_at_checked(2).unwrap_or(("", ""));
    let code_lengths = if country == "IT" { 11..=16 } else { 2..=28 };
    name.len() <= 50
        && country.len() == 2
        && country.bytes().all(|b| b.is_ascii_uppercase())
        && code_lengths.contains(&code.len())
        && alnum(code)
        && (1..=5).contains(&progressivo.len())
        && alnum(progressivo)
}

/// Upper-cases the codes and lower-cases the e-mail addresses that are plainly meant right
/// but written in the wrong case, before anything is checked.
fn normalize(root: &mut Element) -> Vec<super::Correction> {
    let mut n = Normalizer::default();
    if let Some(header) = root.child_mut("FatturaElettronicaHeader") {
        let dt = "DatiTrasmissione";
        let h = HEADER;
        n.upper(
            header.at_mut(&[dt, "CodiceDestinatario"]),
            &format!("{h}/{dt}/CodiceDestinatario"),
            "CodiceDestinatario",
        );
        n.upper(
            header.at_mut(&[dt, "IdTrasmittente", "IdPaese"]),
            &format!("{h}/{dt}/IdTrasmittente/IdPaese"),
            "IdPaese",
        );
        n.lower(
            header.at_mut(&[dt, "PECDestinatario"]),
            &format!("{h}/{dt}/PECDestinatario"),
            "PECDestinatario",
        );
        n.lower(
            header.at_mut(&[dt, "ContattiTrasmittente", "Email"]),
            &format!("{h}/{dt}/ContattiTrasmittente/Email"),
            "Email",
        );
        n.lower(
            header.at_mut(&["CedentePrestatore", "Contatti", "Email"]),
            &format!("{h}/CedentePrestatore/Contatti/Email"),
            "Email",
        );
        for party in [
            "CedentePrestatore",
            "RappresentanteFiscale",
            "CessionarioCommittente",
            "TerzoIntermediarioOSoggettoEmittente",
        ] {
            n.upper(
                header.at_mut(&[party, "DatiAnagrafici", "IdFiscaleIVA", "IdPaese"]),
                &format!("{h}/{party}/DatiAnagrafici/IdFiscaleIVA/IdPaese"),
                "IdPaese",
            );
            n.upper(
                header.at_mut(&[party, "DatiAnagrafici", "CodiceFiscale"]),
                &format!("{h}/{party}/DatiAnagrafici/CodiceFiscale"),
                "CodiceFiscale",
            );
        }
        n.upper(
            header.at_mut(&[
                "CessionarioCommittente",
                "RappresentanteFiscale",
                "IdFiscaleIVA",
                "IdPaese",
            ]),
            &format!("{h}/CessionarioCommittente/RappresentanteFiscale/IdFiscaleIVA/IdPaese"),
            "IdPaese",
        );
    }
    let bodies = root
        .children
        .iter_mut()
        .filter(|c| c.name == "FatturaElettronicaBody");
    for (i, body) in bodies.enumerate() {
        n.upper(
            body.at_mut(&["DatiGenerali", "DatiGeneraliDocumento", "Divisa"]),
            &format!(
                "{BODY}[{}]/DatiGenerali/DatiGeneraliDocumento/Divisa",
                i + 1
            ),
            "Divisa",
        );
    }
    n.corrections
}

/// What the network keys on, read after normalization (best effort on a non-conforming file).
fn facts(root: &Element) -> Facts {
    let header = root.child("FatturaElettronicaHeader");
    let seller =
        header.and_then(|h| h.at(&["CedentePrestatore", "DatiAnagrafici", "IdFiscaleIVA"]));
    let seller_tax_id = seller.and_then(|id| {
        Some(format!(
            "{}{}",
            id.text_at(&["IdPaese"])?,
            id.text_at(&["IdCodice"])?
        ))
    });
    let recipient = header
        .and_then(|h| h.text_at(&["DatiTrasmissione", "CodiceDestinatario"]))
        .filter(|c| !c.is_empty())
        .map(|c| format!("SDI:{c}"));
    let documents: Vec<Option<&Element>> = root
        .children_named("FatturaElettronicaBody")
        .map(|b| b.at(&["DatiGenerali", "DatiGeneraliDocumento"]))
        .collect();
    let text =
        |d: Option<&Element>, name: &str| d.and_then(|d| d.text_at(&[name])).map(str::to_owned);
    Facts {
        sender: None,
        seller_tax_id,
        recipient,
        currency: documents.first().and_then(|d| text(*d, "Divisa")),
        invoices: documents
            .iter()
            .map(|d| InvoiceFacts {
                number: text(*d, "Numero").unwrap_or_default(),
                issue_date: text(*d, "Data").unwrap_or_default(),
                type_code: text(*d, "TipoDocumento").unwrap_or_default(),
                total: text(*d, "ImportoTotaleDocumento"),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        for good in [
            "IT01234567897_00001.xml",
            "IT01234567897_a1B2c.xml.p7m",
            "ITRSSMRA85T10A562S_00002.xml",
            "FR12345678910_00003.xml",
            "IT01234567897_1.XML",
        ] {
            assert!(is_valid_file_name(good), "{good}");
        }
        for bad in [
            "IT01234567897_000001.xml",
            "IT01234567897-00001.xml",
            "IT0123456789_00001.xml",
            "it01234567897_00001.xml",
            "IT01234567897_00001.zip",
            "IT01234567897_00001.xml.p7",
            "IT01234567897_.xml",
            "IT01234567897_00_01.xml",
            "01234567897_00001.xml",
            "IT01234567897_0000!.xml",
        ] {
            assert!(!is_valid_file_name(bad), "{bad}");
        }
    }

    #[test]
    fn oversized_file_is_00003() {
        let xml = br#"<p:FatturaElettronica versione="FPR12" xmlns:p="http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2"/>"#;
        let mut doc = crate::xml::parse(xml).unwrap();
        let context = InspectionContext::new(jiff::civil::date(2026, 11, 1));
        let small = inspect(
            &mut doc.clone(),
            Format::FatturaPaFpr12,
            xml.len(),
            &context,
        )
        .unwrap();
        assert!(!small.fatal_rules().contains(&"00003"));
        let big = inspect(
            &mut doc,
            Format::FatturaPaFpr12,
            MAX_FILE_SIZE + 1,
            &context,
        )
        .unwrap();
        assert!(big.fatal_rules().contains(&"00003"));
        assert!(big.fatal_rules().contains(&"00200"));
    }
}
