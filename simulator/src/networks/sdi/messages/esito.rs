//! Reading the outcome (EC) a public-administration recipient sends through `NotificaEsito`.
//!
//! The one SDI message eisim reads rather than writes. It goes through the crate's one XML
//! reader ([`crate::xml`], with limits sized for a message of a dozen elements), which refuses
//! hostile XML as it does for every other parser; this file then checks the tree against
//! `NotificaEsitoCommittente_Type` as strictly as SDI's schema validation would, since
//! anything that does not conform is answered with an SE carrying EN00.

use super::error::MessageError;
use super::model::{Esito, EsitoCommittente, InvoiceRef};
use crate::codelists::sdi::PA_NAMESPACE;
use crate::xml::{self, Element, Limits};
use crate::xmldsig::DSIG_NS;

/// An EC is a dozen elements; anything this deep or this large is not one.
const LIMITS: Limits = Limits {
    max_depth: 32,
    max_elements: 10_000,
};

/// Reads an EC the recipient sent through `NotificaEsito`. Anything that does not conform to
/// `NotificaEsitoCommittente_Type` is refused with [`MessageError::EsitoNonConforme`] (SDI's
/// EN00); whether the outcome is admissible (known file, in time, not a duplicate: EN01) is
/// the caller's business. A `ds:Signature` is accepted and ignored (the simulator trusts its
/// recipients). Hostile XML (a DTD, an unknown entity, absurd depth or size) is refused by
/// the reader, and is not conforming either: no EC needs any of it.
pub(crate) fn parse_esito_committente(xml: &[u8]) -> Result<EsitoCommittente, MessageError> {
    let root = xml::parse_with(xml, LIMITS)
        .map_err(|error| MessageError::EsitoNonConforme(error.to_string()))?
        .root;
    let not_conforming = |reason: String| MessageError::EsitoNonConforme(reason);
    if !root.is(PA_NAMESPACE, "NotificaEsitoCommittente") {
        return Err(not_conforming(format!(
            "the root is {{{}}}{}, expected {{{PA_NAMESPACE}}}NotificaEsitoCommittente",
            root.ns, root.name
        )));
    }
    match root.attr_in("", "versione") {
        Some("1.0") => {}
        Some(value) => {
            return Err(not_conforming(format!(
                "versione is {value:?}, expected \"1.0\""
            )));
        }
        None => return Err(not_conforming("the versione attribute is missing".into())),
    }
    if let Some(attr) = root
        .attrs
        .iter()
        .find(|a| !(a.ns.is_empty() && a.name == "versione"))
    {
        return Err(not_conforming(format!(
            "unexpected attribute {}",
            attr.clark_name()
        )));
    }
    if !root.text().is_empty() {
        return Err(not_conforming("text directly inside the root".into()));
    }

    let mut children = root.children.iter().peekable();
    let mut take = |name: &str| -> Result<Option<&Element>, MessageError> {
        match children.peek() {
            Some(child) if child.is("", name) => Ok(children.next()),
            Some(child) if child.name == name => Err(MessageError::EsitoNonConforme(format!(
                "<{name}> must be unqualified, found it in namespace {}",
                child.ns
            ))),
            _ => Ok(None),
        }
    };

    let id_element = take("IdentificativoSdI")?
        .ok_or_else(|| not_conforming("IdentificativoSdI is missing".into()))?;
    let id_text = simple_text(id_element)?;
    let identificativo_sdi = parse_identificativo(id_text.trim()).ok_or_else(|| {
        not_conforming(format!(
            "IdentificativoSdI {id_text:?} is not an integer of at most 12 digits"
        ))
    })?;
    let invoice = match take("RiferimentoFattura")? {
        Some(element) => Some(parse_riferimento(element)?),
        None => None,
    };
    let esito_element = take("Esito")?.ok_or_else(|| not_conforming("Esito is missing".into()))?;
    let esito_text = simple_text(esito_element)?;
    let esito = Esito::from_code(&esito_text)
        .ok_or_else(|| not_conforming(format!("Esito {esito_text:?} is neither EC01 nor EC02")))?;
    let description = match take("Descrizione")? {
        Some(element) => {
            let text = simple_text(element)?;
            if text.chars().count() > 255 {
                return Err(not_conforming(
                    "Descrizione is longer than 255 characters".into(),
                ));
            }
            Some(text)
        }
        None => None,
    };
    let message_id_committente = match take("MessageIdCommittente")? {
        Some(element) => {
            let text = simple_text(element)?;
            if text.is_empty() || text.chars().count() > 14 {
                return Err(not_conforming(format!(
                    "MessageIdCommittente {text:?} is not 1..=14 characters"
                )));
            }
            Some(text)
        }
        None => None,
    };
    if let Some(signature) = children.peek()
        && signature.is(DSIG_NS, "Signature")
    {
        children.next();
    }
    if let Some(extra) = children.next() {
        return Err(not_conforming(format!(
            "unexpected element <{}> (or out of order)",
            extra.name
        )));
    }
    Ok(EsitoCommittente {
        identificativo_sdi,
        invoice,
        esito,
        description,
        message_id_committente,
    })
}

/// xsd:integer lexical form (optional sign, digits, collapsed whitespace) with totalDigits 12.
fn parse_identificativo(text: &str) -> Option<u64> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let significant = digits.trim_start_matches('0');
    if significant.len() > 12 {
        return None;
    }
    if significant.is_empty() {
        return Some(0);
    }
    significant.parse().ok()
}

fn parse_riferimento(element: &Element) -> Result<InvoiceRef, MessageError> {
    let not_conforming = |reason: String| MessageError::EsitoNonConforme(reason);
    let mut children = element.children.iter();
    let mut next = |name: &str, required: bool| -> Result<Option<String>, MessageError> {
        let found = children.clone().next();
        match found {
            Some(child) if child.is("", name) => {
                children.next();
                Ok(Some(simple_text(child)?))
            }
            _ if required => Err(MessageError::EsitoNonConforme(format!(
                "RiferimentoFattura/{name} is missing"
            ))),
            _ => Ok(None),
        }
    };
    let number = next("NumeroFattura", true)?.unwrap_or_default();
    let year = next("AnnoFattura", true)?.unwrap_or_default();
    let position = next("PosizioneFattura", false)?;
    if let Some(extra) = children.next() {
        return Err(not_conforming(format!(
            "unexpected <{}> in RiferimentoFattura",
            extra.name
        )));
    }
    // normalizedString: tabs and line breaks count as spaces before the pattern applies.
    let number = number.replace(['\t', '\n', '\r'], " ");
    if !(1..=20).contains(&number.chars().count()) || !number.is_ascii() {
        return Err(not_conforming(format!(
            "NumeroFattura {number:?} is not 1..=20 Basic Latin characters"
        )));
    }
    let year = year.trim();
    let year = year
        .strip_prefix('+')
        .unwrap_or(year)
        .parse::<i16>()
        .ok()
        .filter(|y| *y >= 0)
        .ok_or_else(|| not_conforming(format!("AnnoFattura {year:?} is not a year")))?;
    let position = match position {
        Some(text) => Some(
            text.trim()
                .strip_prefix('+')
                .unwrap_or(text.trim())
                .parse::<u32>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| {
                    not_conforming(format!(
                        "PosizioneFattura {text:?} is not a positive integer"
                    ))
                })?,
        ),
        None => None,
    };
    Ok(InvoiceRef {
        number,
        year,
        position,
    })
}

/// A simple-typed element's text exactly as written: the string types of EC (`Esito`,
/// `Descrizione`, `MessageIdCommittente`) preserve whitespace and `NumeroFattura` only
/// replaces it, so only the integer fields (which collapse it) may trim.
fn simple_text(element: &Element) -> Result<String, MessageError> {
    if let Some(child) = element.children.first() {
        return Err(MessageError::EsitoNonConforme(format!(
            "<{}> must hold text only, found <{}>",
            element.name, child.name
        )));
    }
    Ok(element.raw_text.clone())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::super::tests::{esito, notification, schemas_dir, signing_time, xmllint};
    use super::super::{Body, MessageError};
    use super::*;
    use crate::codelists::sdi::Family;
    use crate::networks::sdi::signature::tests::signer;

    #[test]
    fn parses_ec01_and_ec02() {
        let signer = signer();
        for outcome in [Esito::Accettazione, Esito::Rifiuto] {
            let expected = esito(outcome);
            let n = notification(Family::Pa, Body::EsitoCommittente(expected.clone()));
            let xml = n.to_xml(&signer, signing_time()).unwrap();
            assert_eq!(parse_esito_committente(&xml).unwrap(), expected);
        }
        let minimal = br#"<?xml version="1.0"?>
<ns:NotificaEsitoCommittente xmlns:ns="http://www.fatturapa.gov.it/sdi/messaggi/v1.0" versione="1.0">
  <IdentificativoSdI> 0111 </IdentificativoSdI>
  <Esito>EC02</Esito>
  <Descrizione>Importo &amp; IVA errati &#233;</Descrizione>
</ns:NotificaEsitoCommittente>"#;
        let parsed = parse_esito_committente(minimal).unwrap();
        assert_eq!(parsed.identificativo_sdi, 111);
        assert_eq!(parsed.esito, Esito::Rifiuto);
        assert_eq!(parsed.invoice, None);
        assert_eq!(
            parsed.description.as_deref(),
            Some("Importo & IVA errati é")
        );
        assert_eq!(parsed.message_id_committente, None);
    }

    #[test]
    fn parses_a_signed_ec() {
        // A recipient's signed EC: its signature is accepted and not checked.
        let signer = signer();
        let root = notification(
            Family::Pa,
            Body::EsitoCommittente(esito(Esito::Accettazione)),
        )
        .to_element()
        .unwrap();
        let signed = signer.sign_enveloped(root, signing_time()).unwrap();
        assert!(signed.contains("<ds:Signature "));
        if let Some(dir) = schemas_dir() {
            xmllint(&dir, Family::Pa, &signed, "signed-ec").unwrap();
        }
        assert_eq!(
            parse_esito_committente(signed.as_bytes()).unwrap(),
            esito(Esito::Accettazione)
        );
    }

    #[test]
    fn refuses_what_is_not_a_conforming_ec() {
        let ns = PA_NAMESPACE;
        let cases: Vec<(String, &str)> = vec![
            (
                format!(r#"<t:NotificaEsito xmlns:t="{ns}" versione="1.0"><IdentificativoSdI>1</IdentificativoSdI></t:NotificaEsito>"#),
                "root",
            ),
            (
                r#"<NotificaEsitoCommittente versione="1.0"><IdentificativoSdI>1</IdentificativoSdI><Esito>EC01</Esito></NotificaEsitoCommittente>"#.into(),
                "root",
            ),
            (
                format!(r#"<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x "y">]><t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><IdentificativoSdI>1</IdentificativoSdI><Esito>&x;</Esito></t:NotificaEsitoCommittente>"#),
                "DOCTYPE",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><IdentificativoSdI>1</IdentificativoSdI><Esito>&xxe;</Esito></t:NotificaEsitoCommittente>"#),
                "entity",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><IdentificativoSdI>1</IdentificativoSdI><Esito>EC03</Esito></t:NotificaEsitoCommittente>"#),
                "EC03",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><IdentificativoSdI>1</IdentificativoSdI><Esito> EC01</Esito></t:NotificaEsitoCommittente>"#),
                "neither EC01",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><Esito>EC01</Esito></t:NotificaEsitoCommittente>"#),
                "IdentificativoSdI is missing",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}"><IdentificativoSdI>1</IdentificativoSdI><Esito>EC01</Esito></t:NotificaEsitoCommittente>"#),
                "versione",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><IdentificativoSdI>1234567890123</IdentificativoSdI><Esito>EC01</Esito></t:NotificaEsitoCommittente>"#),
                "12 digits",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><Esito>EC01</Esito><IdentificativoSdI>1</IdentificativoSdI></t:NotificaEsitoCommittente>"#),
                "IdentificativoSdI is missing",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><IdentificativoSdI>1</IdentificativoSdI><Esito>EC01</Esito><Extra/></t:NotificaEsitoCommittente>"#),
                "Extra",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><t:IdentificativoSdI>1</t:IdentificativoSdI><Esito>EC01</Esito></t:NotificaEsitoCommittente>"#),
                "unqualified",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><IdentificativoSdI>1</IdentificativoSdI><RiferimentoFattura><AnnoFattura>2026</AnnoFattura></RiferimentoFattura><Esito>EC01</Esito></t:NotificaEsitoCommittente>"#),
                "NumeroFattura is missing",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><IdentificativoSdI>1</IdentificativoSdI><Esito>EC01</Esito><MessageIdCommittente>123456789012345</MessageIdCommittente></t:NotificaEsitoCommittente>"#),
                "MessageIdCommittente",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><IdentificativoSdI>1</IdentificativoSdI><Esito>EC01</Esito>"#),
                "ends before its root element is closed",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" versione="1.0"><IdentificativoSdI>1</IdentificativoSdI><Esito>EC01</Esito><Descrizione>{}x{}</Descrizione></t:NotificaEsitoCommittente>"#, "<a>".repeat(31), "</a>".repeat(31)),
                "nested more than 32 deep",
            ),
            (
                format!(r#"<t:NotificaEsitoCommittente xmlns:t="{ns}" xmlns:x="urn:x" versione="1.0" x:extra="1"><IdentificativoSdI>1</IdentificativoSdI><Esito>EC01</Esito></t:NotificaEsitoCommittente>"#),
                "unexpected attribute {urn:x}extra",
            ),
            ("".into(), "no root"),
            ("not xml at all".into(), "outside the root"),
        ];
        for (xml, expected) in cases {
            match parse_esito_committente(xml.as_bytes()) {
                Err(MessageError::EsitoNonConforme(reason)) => {
                    assert!(
                        reason.contains(expected),
                        "{expected:?} not in {reason:?} for {xml}"
                    );
                }
                other => panic!("{xml} gave {other:?}"),
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let _ = parse_esito_committente(&bytes);
        }

        #[test]
        fn emitted_ec_reads_back(
            id in 0_u64..=999_999_999_999,
            number in "[ -~]{1,20}",
            year in 0_i16..=9999,
            description in proptest::option::of("\\PC{0,300}"),
        ) {
            let outcome = EsitoCommittente {
                identificativo_sdi: id,
                invoice: Some(InvoiceRef { number: number.clone(), year, position: None }),
                esito: Esito::Rifiuto,
                description: description.clone(),
                message_id_committente: None,
            };
            let xml = notification(Family::Pa, Body::EsitoCommittente(outcome)).to_element().unwrap().to_document();
            let parsed = parse_esito_committente(xml.as_bytes()).unwrap();
            proptest::prop_assert_eq!(parsed.identificativo_sdi, id);
            let invoice = parsed.invoice.unwrap();
            proptest::prop_assert_eq!(invoice.year, year);
            proptest::prop_assert_eq!(invoice.number, number);
            let expected: Option<String> = description.map(|d| d.chars().take(255).collect::<String>());
            proptest::prop_assert_eq!(parsed.description, expected);
        }
    }
}
